/**
 * A small SAML 2.0 identity provider for tests: an RSA key and self-signed certificate (made by
 * `openssl`, run asynchronously), the IdP metadata CreateSAMLProvider takes, and signed SAML
 * responses as IdPs post them to AWS (Response or Assertion signed with xml-crypto: RSA-SHA256 or
 * RSA-SHA1, exclusive c14n, the certificate in KeyInfo as IdPs send it).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

export const AWS_SIGNIN = 'https://signin.aws.amazon.com/saml';
export const ATTR = {
  role: 'https://aws.amazon.com/SAML/Attributes/Role',
  sessionName: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
  sessionDuration: 'https://aws.amazon.com/SAML/Attributes/SessionDuration',
  sourceIdentity: 'https://aws.amazon.com/SAML/Attributes/SourceIdentity',
  eduPersonAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
};

export interface AssertionOptions {
  /** Values of the Role attribute (`role-arn,provider-arn`). */
  roles: string[];
  /** RoleSessionName attribute; null leaves it out. */
  sessionName?: string | null;
  nameId?: string;
  nameIdFormat?: string;
  issuer?: string;
  audience?: string;
  recipient?: string;
  /** When the IdP issued it (default: `now`). */
  now: Date;
  /** Lifetime of Conditions and SubjectConfirmationData (default 5 minutes). */
  validForMs?: number;
  sessionNotOnOrAfter?: Date;
  attributes?: Record<string, string[]>;
  /** What carries the signature (default the Assertion). */
  sign?: 'assertion' | 'response' | 'none';
  algorithm?: 'sha256' | 'sha1';
}

const ALGORITHMS = {
  sha256: { signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest: 'http://www.w3.org/2001/04/xmlenc#sha256' },
  sha1: { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' },
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${err}`))));
  });
}

export class TestIdp {
  private constructor(
    readonly entityId: string,
    readonly keyPem: string,
    readonly certPem: string,
  ) {}

  /** A new IdP with its own RSA-2048 key and self-signed certificate. */
  static async create(entityId: string): Promise<TestIdp> {
    const dir = await mkdtemp(join(tmpdir(), 'nimbus-saml-idp-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=idp.test']);
      return new TestIdp(entityId, await readFile(key, 'utf8'), await readFile(cert, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The certificate, base64 DER (as metadata and KeyInfo carry it). */
  get certBase64(): string {
    return this.certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  }

  /** IdP metadata for CreateSAMLProvider. */
  metadata(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(this.entityId)}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>${this.certBase64.replace(/(.{64})/g, '$1\n')}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
  }

  /** The SAML Response XML, signed as asked (not encoded). */
  responseXml(o: AssertionOptions): string {
    const issued = o.now.toISOString();
    const until = new Date(o.now.getTime() + (o.validForMs ?? 5 * 60_000)).toISOString();
    const issuer = esc(o.issuer ?? this.entityId);
    const attrs: Record<string, string[]> = { [ATTR.role]: o.roles };
    if (o.sessionName !== null) attrs[ATTR.sessionName] = [o.sessionName ?? 'alice'];
    Object.assign(attrs, o.attributes ?? {});
    const attributeXml = Object.entries(attrs)
      .map(
        ([name, values]) =>
          `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
      )
      .join('');
    const responseId = `_r${randomUUID().replace(/-/g, '')}`;
    const assertionId = `_a${randomUUID().replace(/-/g, '')}`;
    const session = o.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${o.sessionNotOnOrAfter.toISOString()}"` : '';
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${issued}" Destination="${AWS_SIGNIN}">` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${issued}">` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${esc(o.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')}">${esc(o.nameId ?? 'alice@example.com')}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${esc(o.recipient ?? AWS_SIGNIN)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${issued}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? AWS_SIGNIN)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="${assertionId}"${session}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>${attributeXml}</saml:AttributeStatement>` +
      `</saml:Assertion></samlp:Response>`;
    const sign = o.sign ?? 'assertion';
    if (sign === 'none') return xml;
    const alg = ALGORITHMS[o.algorithm ?? 'sha256'];
    const target = sign === 'assertion' ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
    const sig = new SignedXml({
      privateKey: this.keyPem,
      publicCert: this.certPem,
      signatureAlgorithm: alg.signature,
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    sig.addReference({
      xpath: target,
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: alg.digest,
    });
    // The signature goes right after the signed element's Issuer, as the SAML schema places it.
    sig.computeSignature(xml, { location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
    return sig.getSignedXml();
  }

  /** The base64 SAMLResponse a browser would post (what AssumeRoleWithSAML takes). */
  response(o: AssertionOptions): string {
    return Buffer.from(this.responseXml(o), 'utf8').toString('base64');
  }
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
