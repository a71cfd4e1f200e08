/**
 * AssumeRoleWithSAML's authentication: the SAML 2.0 response the caller presents is verified against
 * the IAM SAML provider named by PrincipalArn (IAM User Guide, "SAML 2.0 federation", "Configure SAML
 * assertions for the authentication response", "Troubleshoot SAML federation with IAM"; STS API
 * Reference, AssumeRoleWithSAML).
 *
 * What is checked, in order:
 * - PrincipalArn names a SAML provider registered in IAM (InvalidIdentityToken "Specified provider
 *   doesn't exist" otherwise).
 * - SAMLAssertion is base64 of a well-formed XML `samlp:Response` (or a bare `saml:Assertion`); a
 *   DOCTYPE is refused (no entity expansion). A Response whose Status is not Success is refused.
 * - The XML signature: either the Response or its single Assertion carries an enveloped
 *   `ds:Signature` whose one Reference points (by ID) at the element it sits in, with only the
 *   enveloped-signature and exclusive-c14n transforms, an RSA signature method (SHA-1, SHA-256,
 *   SHA-512) and a digest that verifies with one of the provider metadata's signing certificates
 *   (never a certificate in the response's own KeyInfo). Anything else is InvalidIdentityToken
 *   "Response signature invalid".
 * - Signature wrapping: everything below is read from the canonical XML that the signature covers
 *   (xml-crypto's signed references), never from the document as received; duplicate IDs and a second
 *   Assertion are refused.
 * - Issuer = the metadata's entityID; Conditions/AudienceRestriction names `https://signin.aws.amazon.com/saml`
 *   (or a regional `https://<region>.signin.aws.amazon.com/saml`) or `urn:amazon:webservices`;
 *   Conditions NotBefore/NotOnOrAfter and the bearer SubjectConfirmationData NotOnOrAfter hold at
 *   the request's time; the assertion is redeemed within 5 minutes of its IssueInstant.
 * - The `https://aws.amazon.com/SAML/Attributes/Role` attribute holds the pair `<RoleArn>,<PrincipalArn>`
 *   (either order); `.../RoleSessionName` is present and matches `[a-zA-Z_0-9+=,.@-]{2,64}`;
 *   `.../SourceIdentity` (optional) matches the same and does not begin with `aws:`;
 *   `.../SessionDuration` (optional) is 900..43200.
 *
 * The principal: type `saml`, account = the role's, arn = the provider ARN, userId = the NameID,
 * name = the RoleSessionName attribute; `federation.provider` = the provider ARN (what
 * `"Principal": {"Federated": ...}` names) and `federation.context` = the keys AWS defines for
 * SAML-based federation ("Available keys for SAML-based AWS STS federation"), lower-cased: saml:aud
 * (the SubjectConfirmationData Recipient, not the Audience), saml:iss, saml:sub, saml:sub_type,
 * saml:namequalifier, saml:doc, and the eduPerson / eduOrg / X.500 attributes by their `urn:oid:`
 * names; plus sts:rolesessionname and sts:sourceidentity from the attributes. What the handler needs
 * besides (Subject, SubjectType, Issuer, Audience, NameQualifier, SessionDuration,
 * SessionNotOnOrAfter) is kept beside the principal (`samlSessionOf`).
 *
 * Unverified against AWS (no published text): the messages for a malformed response, a non-Success
 * status, a missing NameID, an assertion not yet valid (NotBefore), a wrong Issuer (the User Guide
 * names "Issuer not present in specified provider" under another service's error code), a bad
 * SessionDuration, and IDPRejectedClaim for a role/provider pair the assertion does not list.
 *
 * Gaps: EncryptedAssertion is not decrypted (refused; a provider with AssertionEncryptionMode
 * Required refuses every assertion); session tags from `.../PrincipalTag:*` and
 * `.../TransitiveTagKeys` attributes are ignored (they would need sts:TagSession authorization); no
 * clock-skew allowance; the metadata's own validUntil is not enforced; saml:organizationStatus is not
 * mapped.
 */
import { createHash } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';

/** The XML libraries load on the first SAML request, not at startup (they are sizeable modules). */
let xmlLibs: { DOMParser: typeof import('@xmldom/xmldom').DOMParser; SignedXml: typeof import('xml-crypto').SignedXml } | undefined;
export async function loadSamlLibraries(): Promise<void> {
  if (xmlLibs) return;
  const [{ DOMParser }, { SignedXml }] = await Promise.all([import('@xmldom/xmldom'), import('xml-crypto')]);
  xmlLibs = { DOMParser, SignedXml };
}
import type { FederatedAuthenticator } from './federation.js';
import type { Principal } from '../gateway/context.js';
import { ExpiredTokenException, IDPRejectedClaimException, InvalidIdentityTokenException } from '../generated/sts.js';
import { getSamlProvider, type SamlProvider } from '../services/iam/saml-providers.js';
import { roleArnAccount } from '../services/iam/roles.js';

const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const NAMEID_PREFIX = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';

export const SAML_ATTR_ROLE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const SAML_ATTR_ROLE_SESSION_NAME = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const SAML_ATTR_SESSION_DURATION = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
export const SAML_ATTR_SOURCE_IDENTITY = 'https://aws.amazon.com/SAML/Attributes/SourceIdentity';

const AUDIENCE_RE = /^(?:urn:amazon:webservices|https:\/\/(?:[a-z0-9-]+\.)?signin\.aws\.amazon\.com\/saml)$/;
const SESSION_NAME_RE = /^[a-zA-Z_0-9+=,.@-]{2,64}$/;
const PROVIDER_ARN_RE = /^arn:aws:iam::(\d{12}):saml-provider\/([\w.+=,@-]+)$/;
/** AWS: "Token must be redeemed within 5 minutes of issuance". */
const REDEEM_WITHIN_MS = 5 * 60 * 1000;

const SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
]);
const C14N_METHODS = new Set(['http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments']);

/**
 * SAML attribute names (as IdPs send them, `urn:oid:` form, plus Microsoft's claim URI) -> the
 * condition key AWS fills from them, and whether the key is multivalued (ArrayOfString in the
 * Service Authorization Reference).
 */
const ATTRIBUTE_KEYS: Array<[string, string, boolean]> = [
  ['urn:oid:2.5.4.3', 'saml:cn', true],
  ['urn:oid:2.5.4.3', 'saml:commonname', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.2.1.2', 'saml:eduorghomepageuri', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.2.1.3', 'saml:eduorgidentityauthnpolicyuri', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.2.1.4', 'saml:eduorglegalname', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.2.1.5', 'saml:eduorgsuperioruri', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.2.1.6', 'saml:eduorgwhitepagesuri', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.1', 'saml:edupersonaffiliation', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.11', 'saml:edupersonassurance', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.7', 'saml:edupersonentitlement', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.2', 'saml:edupersonnickname', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.3', 'saml:edupersonorgdn', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.4', 'saml:edupersonorgunitdn', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.5', 'saml:edupersonprimaryaffiliation', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.8', 'saml:edupersonprimaryorgunitdn', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.6', 'saml:edupersonprincipalname', false],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.9', 'saml:edupersonscopedaffiliation', true],
  ['urn:oid:1.3.6.1.4.1.5923.1.1.1.10', 'saml:edupersontargetedid', true],
  ['urn:oid:2.5.4.42', 'saml:givenname', false],
  ['urn:oid:0.9.2342.19200300.100.1.3', 'saml:mail', false],
  ['urn:oid:2.16.840.1.113730.3.1.241', 'saml:name', false],
  ['http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid', 'saml:primarygroupsid', false],
  ['urn:oid:2.5.4.4', 'saml:surname', false],
  ['urn:oid:0.9.2342.19200300.100.1.1', 'saml:uid', false],
  ['urn:oid:2.5.4.45', 'saml:x500uniqueidentifier', false],
];

/** What AssumeRoleWithSAML answers and how long its session may last, from the verified assertion. */
export interface SamlSession {
  providerArn: string;
  roleArn: string;
  roleSessionName: string;
  /** NameID. */
  subject: string;
  /** NameID Format, without the `urn:oasis:names:tc:SAML:2.0:nameid-format:` prefix. */
  subjectType?: string;
  issuer: string;
  /** The bearer SubjectConfirmationData's Recipient. */
  audience?: string;
  /** BASE64(SHA1(Issuer + account id + "/" + provider name)). */
  nameQualifier: string;
  sourceIdentity?: string;
  /** The SessionDuration attribute, seconds. */
  sessionDuration?: number;
  /** AuthnStatement SessionNotOnOrAfter: the session ends no later. */
  sessionNotOnOrAfter?: Date;
}

const sessions = new WeakMap<Principal, SamlSession>();

/** The verified assertion's facts for a principal made by `samlAuthenticator`. */
export function samlSessionOf(p: Principal): SamlSession | undefined {
  return sessions.get(p);
}

const invalid = (message: string) => new InvalidIdentityTokenException(message);
const badSignature = () => invalid('Response signature invalid');

// ---------------------------------------------------------------------------------------------
// XML helpers (namespace-aware, direct children only: nothing is looked up anywhere in a tree)

function parseXml(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml)) throw invalid('Invalid SAML response: DOCTYPE is not allowed');
  try {
    const doc = new xmlLibs!.DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(xml, 'text/xml');
    if (!doc.documentElement) throw new Error('empty');
    return doc;
  } catch {
    throw invalid('Invalid SAML response: the response is not well-formed XML');
  }
}

function children(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}
const child = (el: Element | undefined, ns: string, local: string): Element | undefined => (el ? children(el, ns, local)[0] : undefined);
const textOf = (el: Element | undefined): string | undefined => (el ? (el.textContent ?? '').trim() : undefined);
const isA = (el: Element, ns: string, local: string) => el.namespaceURI === ns && el.localName === local;

function instant(el: Element | undefined, attr: string): Date | undefined {
  const v = el?.getAttribute(attr);
  if (!v) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`Invalid SAML response: ${attr} is not a valid time`);
  return new Date(t);
}

function certificatePem(cert: string): string {
  return cert.includes('BEGIN CERTIFICATE') ? cert : `-----BEGIN CERTIFICATE-----\n${cert.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
}

// ---------------------------------------------------------------------------------------------
// Signature

/**
 * Verifies the enveloped signature `sig` of `owner` in `xml` with one of `certs`; returns the
 * canonical XML of what it covers (the owner, without the signature), or undefined.
 */
function verifyEnveloped(xml: string, owner: Element, sig: Element, certs: string[]): string | undefined {
  const id = owner.getAttribute('ID');
  if (!id) return undefined;
  for (const cert of certs) {
    const sx = new xmlLibs!.SignedXml({ publicCert: certificatePem(cert), getCertFromKeyInfo: () => null });
    try {
      sx.loadSignature(sig as never);
      if (!sx.signatureAlgorithm || !SIGNATURE_METHODS.has(sx.signatureAlgorithm)) return undefined;
      if (!sx.canonicalizationAlgorithm || !C14N_METHODS.has(sx.canonicalizationAlgorithm)) return undefined;
      if (sx.checkSignature(xml) !== true) continue;
      const refs = sx.getReferences();
      if (refs.length !== 1) return undefined;
      const ref = refs[0]!;
      if (ref.uri !== `#${id}`) return undefined;
      if (!(ref.transforms ?? []).every((t) => TRANSFORMS.has(t))) return undefined;
      const signed = sx.getSignedReferences();
      if (signed.length !== 1) return undefined;
      return signed[0];
    } catch {
      // A malformed signature, duplicate IDs (wrapping), or a key that does not match: try the next certificate.
    }
  }
  return undefined;
}

/** The Assertion the signature covers, parsed from the signed canonical XML. */
function verifiedAssertion(xml: string, root: Element, certs: string[]): Element {
  const responseSig = isA(root, NS_PROTOCOL, 'Response') ? children(root, NS_DSIG, 'Signature') : [];
  const assertions = isA(root, NS_PROTOCOL, 'Response') ? children(root, NS_ASSERTION, 'Assertion') : [root];
  if (isA(root, NS_PROTOCOL, 'Response') && children(root, NS_ASSERTION, 'EncryptedAssertion').length > 0) {
    throw invalid('Invalid SAML response: encrypted assertions are not supported by Nimbus');
  }
  if (assertions.length !== 1) throw invalid('Invalid SAML response: the response must contain exactly one Assertion');
  if (responseSig.length > 1) throw badSignature();
  const assertion = assertions[0]!;

  if (responseSig.length === 1) {
    const signed = verifyEnveloped(xml, root, responseSig[0]!, certs);
    if (signed !== undefined) {
      const inner = children(parseXml(signed).documentElement!, NS_ASSERTION, 'Assertion');
      if (inner.length !== 1) throw badSignature();
      return inner[0]!;
    }
  }
  const assertionSig = children(assertion, NS_DSIG, 'Signature');
  if (assertionSig.length === 1) {
    const signed = verifyEnveloped(xml, assertion, assertionSig[0]!, certs);
    if (signed !== undefined) {
      const el = parseXml(signed).documentElement!;
      if (!isA(el, NS_ASSERTION, 'Assertion')) throw badSignature();
      return el;
    }
  }
  throw badSignature();
}

// ---------------------------------------------------------------------------------------------

function attributesOf(assertion: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const stmt of children(assertion, NS_ASSERTION, 'AttributeStatement')) {
    for (const attr of children(stmt, NS_ASSERTION, 'Attribute')) {
      const name = attr.getAttribute('Name');
      if (!name) continue;
      const values = children(attr, NS_ASSERTION, 'AttributeValue').map((v) => textOf(v) ?? '');
      out.set(name, [...(out.get(name) ?? []), ...values]);
    }
  }
  return out;
}

function subjectTypeOf(format: string | null | undefined): string | undefined {
  if (!format) return undefined;
  return format.startsWith(NAMEID_PREFIX) ? format.slice(NAMEID_PREFIX.length) : format;
}

/** Whether one of the Role attribute's values is the pair (either order, spaces around the comma tolerated). */
function hasRolePair(values: string[], roleArn: string, providerArn: string): boolean {
  return values.some((v) => {
    const parts = v.split(',').map((x) => x.trim());
    if (parts.length !== 2) return false;
    return (parts[0] === roleArn && parts[1] === providerArn) || (parts[0] === providerArn && parts[1] === roleArn);
  });
}

export function nameQualifier(issuer: string, accountId: string, providerName: string): string {
  return createHash('sha1').update(`${issuer}${accountId}/${providerName}`, 'utf8').digest('base64');
}

/**
 * Verifies a base64 SAML response against a provider at time `now`: the facts of the session and
 * the context keys for the trust policy. Throws STS's errors.
 */
export function verifySamlAssertion(
  encoded: string,
  provider: SamlProvider,
  roleArn: string,
  principalArn: string,
  now: Date,
): { session: SamlSession; context: Record<string, string | string[]> } {
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw invalid('Invalid SAML response: the assertion is not base64');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  const doc = parseXml(xml);
  const root = doc.documentElement!;
  if (!isA(root, NS_PROTOCOL, 'Response') && !isA(root, NS_ASSERTION, 'Assertion')) {
    throw invalid('Invalid SAML response: the document is not a SAML 2.0 Response');
  }
  if (isA(root, NS_PROTOCOL, 'Response')) {
    const code = child(child(root, NS_PROTOCOL, 'Status'), NS_PROTOCOL, 'StatusCode')?.getAttribute('Value');
    if (code && code !== STATUS_SUCCESS) throw invalid(`Invalid SAML response: status ${code}`);
  }
  if (provider.assertionEncryptionMode === 'Required') {
    throw invalid('Invalid SAML response: the provider requires encrypted assertions, which Nimbus does not decrypt');
  }

  const assertion = verifiedAssertion(xml, root, provider.signingCertificates);

  // Issuer.
  const issuer = textOf(child(assertion, NS_ASSERTION, 'Issuer'));
  if (!issuer || issuer !== provider.entityId) throw invalid('Issuer not present in specified provider');

  // Times.
  const t = now.getTime();
  const conditions = child(assertion, NS_ASSERTION, 'Conditions');
  const notBefore = instant(conditions, 'NotBefore');
  if (notBefore && t < notBefore.getTime()) throw invalid('Invalid SAML response: the assertion is not yet valid (NotBefore)');
  const notOnOrAfter = instant(conditions, 'NotOnOrAfter');
  if (notOnOrAfter && t >= notOnOrAfter.getTime()) throw new ExpiredTokenException('Response has expired');

  // Subject and its bearer confirmation.
  const subjectEl = child(assertion, NS_ASSERTION, 'Subject');
  const nameId = child(subjectEl, NS_ASSERTION, 'NameID');
  const subject = textOf(nameId);
  if (!subject) throw invalid('Invalid SAML response: the assertion has no Subject NameID');
  const confirmations = subjectEl
    ? children(subjectEl, NS_ASSERTION, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER)
    : [];
  let audience: string | undefined;
  for (const c of confirmations) {
    const data = child(c, NS_ASSERTION, 'SubjectConfirmationData');
    const until = instant(data, 'NotOnOrAfter');
    if (until && t >= until.getTime()) throw new ExpiredTokenException('Response has expired');
    const nb = instant(data, 'NotBefore');
    if (nb && t < nb.getTime()) throw invalid('Invalid SAML response: the assertion is not yet valid (NotBefore)');
    audience ??= data?.getAttribute('Recipient') || undefined;
  }
  const issued = instant(assertion, 'IssueInstant');
  if (issued && t >= issued.getTime() + REDEEM_WITHIN_MS) throw new ExpiredTokenException('Token must be redeemed within 5 minutes of issuance');

  // Audience.
  const audiences = conditions
    ? children(conditions, NS_ASSERTION, 'AudienceRestriction').flatMap((r) => children(r, NS_ASSERTION, 'Audience').map((a) => textOf(a) ?? ''))
    : [];
  if (!audiences.some((a) => AUDIENCE_RE.test(a))) throw invalid('Response does not contain the required audience.');

  // Attributes.
  const attrs = attributesOf(assertion);
  if (!hasRolePair(attrs.get(SAML_ATTR_ROLE) ?? [], roleArn, principalArn)) {
    throw new IDPRejectedClaimException(
      `Invalid SAML response: the role and provider pair ${roleArn},${principalArn} is not in the ${SAML_ATTR_ROLE} attribute`,
    );
  }
  const roleSessionName = attrs.get(SAML_ATTR_ROLE_SESSION_NAME)?.[0];
  if (roleSessionName === undefined) throw invalid('RoleSessionName is required in AuthnResponse');
  if (!SESSION_NAME_RE.test(roleSessionName)) throw invalid('RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}');
  const sourceIdentity = attrs.get(SAML_ATTR_SOURCE_IDENTITY)?.[0];
  if (sourceIdentity !== undefined && (!SESSION_NAME_RE.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))) {
    throw invalid('Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"');
  }
  let sessionDuration: number | undefined;
  const durationText = attrs.get(SAML_ATTR_SESSION_DURATION)?.[0];
  if (durationText !== undefined) {
    sessionDuration = /^\d+$/.test(durationText) ? Number(durationText) : NaN;
    if (!(sessionDuration >= 900 && sessionDuration <= 43200)) {
      throw invalid('Invalid SAML response: SessionDuration must be an integer from 900 to 43200');
    }
  }
  const authn = child(assertion, NS_ASSERTION, 'AuthnStatement');
  const sessionNotOnOrAfter = instant(authn, 'SessionNotOnOrAfter');
  if (sessionNotOnOrAfter && t >= sessionNotOnOrAfter.getTime()) throw new ExpiredTokenException('Response has expired');

  const m = PROVIDER_ARN_RE.exec(provider.arn)!;
  const providerAccount = m[1]!;
  const qualifier = nameQualifier(issuer, providerAccount, provider.name);
  const subjectType = subjectTypeOf(nameId?.getAttribute('Format'));

  const context: Record<string, string | string[]> = {
    'saml:iss': issuer,
    'saml:sub': subject,
    'saml:namequalifier': qualifier,
    'saml:doc': `${providerAccount}/${provider.name}`,
    'sts:rolesessionname': roleSessionName,
  };
  if (subjectType !== undefined) context['saml:sub_type'] = subjectType;
  if (audience !== undefined) context['saml:aud'] = audience;
  if (sourceIdentity !== undefined) context['sts:sourceidentity'] = sourceIdentity;
  for (const [name, key, multi] of ATTRIBUTE_KEYS) {
    const values = attrs.get(name);
    if (!values || values.length === 0) continue;
    context[key] = multi ? values : values[0]!;
  }

  return {
    session: {
      providerArn: provider.arn,
      roleArn,
      roleSessionName,
      subject,
      subjectType,
      issuer,
      audience,
      nameQualifier: qualifier,
      sourceIdentity,
      sessionDuration,
      sessionNotOnOrAfter,
    },
    context,
  };
}

export const samlAuthenticator: FederatedAuthenticator = async (f) => {
  await loadSamlLibraries();
  const roleArn = typeof f.input.RoleArn === 'string' ? f.input.RoleArn : '';
  const principalArn = typeof f.input.PrincipalArn === 'string' ? f.input.PrincipalArn : '';
  const assertion = typeof f.input.SAMLAssertion === 'string' ? f.input.SAMLAssertion : '';
  const pm = PROVIDER_ARN_RE.exec(principalArn);
  const provider = pm ? await getSamlProvider(f.tx, pm[1]!, principalArn) : undefined;
  if (!provider) throw invalid("Specified provider doesn't exist");

  const { session, context } = verifySamlAssertion(assertion, provider, roleArn, principalArn, f.now);
  const principal: Principal = {
    type: 'saml',
    accountId: roleArnAccount(roleArn) ?? pm![1]!,
    arn: provider.arn,
    userId: session.subject,
    name: session.roleSessionName,
    accessKeyId: '',
    federation: { provider: provider.arn, context },
  };
  sessions.set(principal, session);
  return principal;
};
