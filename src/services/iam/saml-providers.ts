/**
 * IAM SAML 2.0 identity providers: CreateSAMLProvider and friends, and what STS AssumeRoleWithSAML
 * needs from them (the IdP's entity id and signing certificates, the private keys that decrypt
 * encrypted assertions).
 *
 * Storage (account scope; key = the lower-cased name, IAM names being unique case-insensitively):
 *   iam.samlProvider   <name>   -> SamlProviderRecord (the metadata document exactly as sent)
 *
 * Fidelity notes:
 * - The ARN is `arn:aws:iam::ACCT:saml-provider/<Name>`; the name keeps the case it was created with and
 *   an ARN naming it in another case finds it.
 * - SAMLMetadataDocument: 1000..10,000,000 characters (the model's constraint, answered by the pipeline
 *   as ValidationError). It must be well-formed XML whose root is an `md:EntityDescriptor` (or an
 *   `md:EntitiesDescriptor` holding one) with an `entityID`, an `md:IDPSSODescriptor` supporting the SAML
 *   2.0 protocol, and at least one signing certificate (`md:KeyDescriptor` with `use="signing"` or no
 *   `use`, holding `ds:X509Certificate` that parses as X.509). Anything else is InvalidInput
 *   "Could not parse metadata" (AWS's answer). A DOCTYPE is refused (no entity expansion).
 * - ValidUntil is CreateDate plus 100 years (what AWS shows for providers whose metadata it accepted);
 *   UpdateSAMLProvider with a new document does not move it.
 * - GetSAMLProvider answers SAMLProviderUUID ("SAML" + 18 characters), the document, CreateDate,
 *   ValidUntil, Tags and, when set, AssertionEncryptionMode and PrivateKeyList (KeyId + Timestamp:
 *   never the key). ListSAMLProviders answers Arn, ValidUntil, CreateDate (no tags).
 * - Private keys (assertion encryption): at most 2; a key must be a PEM private key node:crypto reads;
 *   AssertionEncryptionMode=Required needs a key; the last key cannot be removed while encryption is
 *   Required; adding and removing in one request is refused; UpdateSAMLProvider with nothing to update
 *   is refused.
 * - Missing provider: NoSuchEntity "Manifest not found for arn X" (Get, Update, Delete, tags).
 * - 100 SAML providers per account ("Cannot exceed quota for SAMLProvidersPerAccount: 100").
 *
 * Unverified against AWS (taken from AWS-compatible implementations): the texts of the private-key
 * rules, "No updates are defined", EntityAlreadyExists "SAMLProvider with name X already exists." and
 * the quota names SAMLProvidersPerAccount / TagsPerSAMLProvider.
 *
 * Gaps: the metadata's own `validUntil`/`cacheDuration` are kept in the parsed view (for STS) but do not
 * set ValidUntil; XML signatures on the metadata document itself are not checked (AWS does not require them).
 */
import { createPrivateKey, randomInt, X509Certificate } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ReadTx } from '../../store/types.js';
import type { HandlerContext } from '../../gateway/context.js';
import {
  EntityAlreadyExistsException,
  InvalidInputException,
  LimitExceededException,
  NoSuchEntityException,
  type IamHandlers,
} from '../../generated/iam.js';
import { checkDuplicateTags, type IamTag, tagOperations } from './common.js';

export const KIND_SAML_PROVIDER = 'iam.samlProvider';
export const SAML_PROVIDERS_PER_ACCOUNT = 100;
export const PRIVATE_KEYS_PER_PROVIDER = 2;

const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ARN_RE = /^arn:aws:iam::(\d{12}):saml-provider\/([\w.+=,@-]+)$/;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface SamlPrivateKeyRecord {
  KeyId: string;
  Timestamp: string;
  /** The PEM as uploaded (never returned by the API). */
  Pem: string;
}

export interface SamlProviderRecord {
  Name: string;
  Arn: string;
  SAMLProviderUUID: string;
  SAMLMetadataDocument: string;
  CreateDate: string;
  ValidUntil: string;
  AssertionEncryptionMode?: 'Required' | 'Allowed';
  PrivateKeys?: SamlPrivateKeyRecord[];
  Tags?: IamTag[];
}

/** What the metadata document says, as STS needs it. */
export interface SamlMetadata {
  entityId: string;
  /** The IdP's signing certificates, PEM. */
  signingCertificates: string[];
  /** The metadata's own validUntil, if it has one. */
  validUntil?: Date;
}

/** A provider as STS AssumeRoleWithSAML reads it. */
export interface SamlProvider extends SamlMetadata {
  arn: string;
  name: string;
  metadataDocument: string;
  createDate: Date;
  /** The provider's ValidUntil (assertions are refused after it). */
  providerValidUntil: Date;
  assertionEncryptionMode?: 'Required' | 'Allowed';
  /** Private keys that decrypt encrypted assertions, PEM. */
  privateKeys: Array<{ keyId: string; pem: string }>;
  tags: IamTag[];
}

const notFound = (arn: string) => new NoSuchEntityException(`Manifest not found for arn ${arn}`);
const unparseable = () => new InvalidInputException('Could not parse metadata');

function keyOfArn(accountId: string, arn: string): string | undefined {
  const m = ARN_RE.exec(arn);
  return m && m[1] === accountId ? m[2]!.toLowerCase() : undefined;
}

// ---------------------------------------------------------------------------------------------
// Metadata

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ['EntityDescriptor', 'IDPSSODescriptor', 'KeyDescriptor', 'X509Data', 'X509Certificate', 'KeyInfo'].includes(name),
});

type Node = Record<string, unknown>;
const asNodes = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is Node => !!x && typeof x === 'object');
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Node)['#text'] === 'string' ? ((v as Node)['#text'] as string) : undefined;

function pem(der: Buffer): string {
  const b64 = der.toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Reads SAML 2.0 IdP metadata: the entity id and signing certificates (PEM). Returns undefined when
 * the document is not metadata AWS would accept (see the module notes).
 */
export function parseSamlMetadata(xml: string): SamlMetadata | undefined {
  if (/<!DOCTYPE/i.test(xml)) return undefined;
  if (XMLValidator.validate(xml) !== true) return undefined;
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch {
    return undefined;
  }
  let entities = asNodes(doc.EntityDescriptor);
  if (entities.length === 0) {
    for (const group of asNodes(doc.EntitiesDescriptor)) entities.push(...asNodes(group.EntityDescriptor));
  }
  entities = entities.filter((e) => asNodes(e.IDPSSODescriptor).length > 0);
  const entity = entities[0];
  if (!entity) return undefined;
  const entityId = entity['@_entityID'];
  if (typeof entityId !== 'string' || !entityId) return undefined;
  const certs: string[] = [];
  for (const idp of asNodes(entity.IDPSSODescriptor)) {
    const protocols = typeof idp['@_protocolSupportEnumeration'] === 'string' ? idp['@_protocolSupportEnumeration'].split(/\s+/) : [];
    if (!protocols.includes(SAML2_PROTOCOL)) continue;
    for (const kd of asNodes(idp.KeyDescriptor)) {
      const use = kd['@_use'];
      if (use !== undefined && use !== 'signing') continue;
      for (const ki of asNodes(kd.KeyInfo)) {
        for (const xd of asNodes(ki.X509Data)) {
          for (const c of (xd.X509Certificate as unknown[] | undefined) ?? []) {
            const b64 = text(c)?.replace(/\s+/g, '');
            if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
            const der = Buffer.from(b64, 'base64');
            try {
              new X509Certificate(der);
            } catch {
              return undefined;
            }
            const p = pem(der);
            if (!certs.includes(p)) certs.push(p);
          }
        }
      }
    }
  }
  if (certs.length === 0) return undefined;
  const out: SamlMetadata = { entityId, signingCertificates: certs };
  const vu = entity['@_validUntil'];
  if (typeof vu === 'string' && !Number.isNaN(Date.parse(vu))) out.validUntil = new Date(vu);
  return out;
}

function checkMetadata(xml: string): SamlMetadata {
  const m = parseSamlMetadata(xml);
  if (!m) throw unparseable();
  return m;
}

// ---------------------------------------------------------------------------------------------
// Private keys

function newId(prefix: string, length: number): string {
  let s = prefix;
  while (s.length < length) s += ID_CHARS[randomInt(ID_CHARS.length)];
  return s;
}

function checkPrivateKey(pemText: string): void {
  try {
    const k = createPrivateKey(pemText);
    if (k.asymmetricKeyType !== 'rsa' && k.asymmetricKeyType !== 'ec') throw new Error('unsupported key type');
  } catch {
    throw new InvalidInputException('Invalid private key: Key format is not recognized.');
  }
}

// ---------------------------------------------------------------------------------------------
// Exports for STS and GetAccountSummary

/** The provider an ARN names in the account, with its parsed metadata, or undefined. */
export async function getSamlProvider(tx: ReadTx, accountId: string, arn: string): Promise<SamlProvider | undefined> {
  const key = keyOfArn(accountId, arn);
  if (key === undefined) return undefined;
  const r = await tx.get<SamlProviderRecord>(accountId, KIND_SAML_PROVIDER, key);
  if (!r) return undefined;
  const m = parseSamlMetadata(r.SAMLMetadataDocument);
  if (!m) return undefined; // stored documents were validated: cannot happen
  return {
    ...m,
    arn: r.Arn,
    name: r.Name,
    metadataDocument: r.SAMLMetadataDocument,
    createDate: new Date(r.CreateDate),
    providerValidUntil: new Date(r.ValidUntil),
    assertionEncryptionMode: r.AssertionEncryptionMode,
    privateKeys: (r.PrivateKeys ?? []).map((k) => ({ keyId: k.KeyId, pem: k.Pem })),
    tags: r.Tags ?? [],
  };
}

export async function countSamlProviders(tx: ReadTx, accountId: string): Promise<number> {
  return tx.count(accountId, KIND_SAML_PROVIDER);
}

// ---------------------------------------------------------------------------------------------

async function requireProvider(ctx: HandlerContext, arn: string): Promise<{ key: string; rec: SamlProviderRecord }> {
  const key = keyOfArn(ctx.accountId, arn);
  const rec = key === undefined ? undefined : await ctx.tx.get<SamlProviderRecord>(ctx.accountId, KIND_SAML_PROVIDER, key);
  if (!rec || key === undefined) throw notFound(arn);
  return { key, rec };
}

async function save(ctx: HandlerContext, key: string, rec: SamlProviderRecord): Promise<void> {
  await ctx.tx.put(ctx.accountId, KIND_SAML_PROVIDER, key, rec);
}

function addYears(d: Date, years: number): Date {
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

const providerTags = tagOperations<{ SAMLProviderArn: string }>(async (input, ctx) => {
  const { key, rec } = await requireProvider(ctx, input.SAMLProviderArn);
  return { tags: rec.Tags, save: (tags) => save(ctx, key, { ...rec, Tags: tags }) };
}, 'TagsPerSAMLProvider');

export const samlProviderHandlers: IamHandlers = {
  async CreateSAMLProvider(input, ctx) {
    if (input.Tags) checkDuplicateTags(input.Tags);
    checkMetadata(input.SAMLMetadataDocument);
    if (input.AddPrivateKey !== undefined) checkPrivateKey(input.AddPrivateKey);
    if (input.AssertionEncryptionMode === 'Required' && input.AddPrivateKey === undefined) {
      throw new InvalidInputException('Cannot set AssertionEncryptionMode to Required because no private key is provided.');
    }
    const key = input.Name.toLowerCase();
    if (await ctx.tx.get(ctx.accountId, KIND_SAML_PROVIDER, key)) {
      throw new EntityAlreadyExistsException(`SAMLProvider with name ${input.Name} already exists.`);
    }
    if ((await ctx.tx.count(ctx.accountId, KIND_SAML_PROVIDER)) >= SAML_PROVIDERS_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for SAMLProvidersPerAccount: ${SAML_PROVIDERS_PER_ACCOUNT}`);
    }
    const rec: SamlProviderRecord = {
      Name: input.Name,
      Arn: `arn:aws:iam::${ctx.accountId}:saml-provider/${input.Name}`,
      SAMLProviderUUID: newId('SAML', 22),
      SAMLMetadataDocument: input.SAMLMetadataDocument,
      CreateDate: ctx.now.toISOString(),
      ValidUntil: addYears(ctx.now, 100).toISOString(),
    };
    if (input.AssertionEncryptionMode !== undefined) rec.AssertionEncryptionMode = input.AssertionEncryptionMode;
    if (input.AddPrivateKey !== undefined) {
      rec.PrivateKeys = [{ KeyId: newId('', 26), Timestamp: ctx.now.toISOString(), Pem: input.AddPrivateKey }];
    }
    if (input.Tags && input.Tags.length) rec.Tags = input.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
    await ctx.tx.put(ctx.accountId, KIND_SAML_PROVIDER, key, rec);
    return { SAMLProviderArn: rec.Arn, Tags: rec.Tags };
  },

  async GetSAMLProvider(input, ctx) {
    const { rec } = await requireProvider(ctx, input.SAMLProviderArn);
    return {
      SAMLProviderUUID: rec.SAMLProviderUUID,
      SAMLMetadataDocument: rec.SAMLMetadataDocument,
      CreateDate: new Date(rec.CreateDate),
      ValidUntil: new Date(rec.ValidUntil),
      Tags: rec.Tags && rec.Tags.length ? rec.Tags : undefined,
      AssertionEncryptionMode: rec.AssertionEncryptionMode,
      PrivateKeyList:
        rec.PrivateKeys && rec.PrivateKeys.length
          ? rec.PrivateKeys.map((k) => ({ KeyId: k.KeyId, Timestamp: new Date(k.Timestamp) }))
          : undefined,
    };
  },

  async ListSAMLProviders(_input, ctx) {
    const rows = await ctx.tx.list<SamlProviderRecord>(ctx.accountId, KIND_SAML_PROVIDER);
    return {
      SAMLProviderList: rows.map((r) => ({ Arn: r.value.Arn, ValidUntil: new Date(r.value.ValidUntil), CreateDate: new Date(r.value.CreateDate) })),
    };
  },

  async UpdateSAMLProvider(input, ctx) {
    const { key, rec } = await requireProvider(ctx, input.SAMLProviderArn);
    if (
      input.SAMLMetadataDocument === undefined &&
      input.AssertionEncryptionMode === undefined &&
      input.AddPrivateKey === undefined &&
      input.RemovePrivateKey === undefined
    ) {
      throw new InvalidInputException('No updates are defined for the SAML provider.');
    }
    if (input.AddPrivateKey !== undefined && input.RemovePrivateKey !== undefined) {
      throw new InvalidInputException('Unable to add and remove private keys in the same request.');
    }
    if (input.SAMLMetadataDocument !== undefined) checkMetadata(input.SAMLMetadataDocument);
    let keys = [...(rec.PrivateKeys ?? [])];
    if (input.AddPrivateKey !== undefined) {
      checkPrivateKey(input.AddPrivateKey);
      if (keys.length >= PRIVATE_KEYS_PER_PROVIDER) {
        throw new LimitExceededException(`Private key limit of ${PRIVATE_KEYS_PER_PROVIDER} is reached.`);
      }
      keys.push({ KeyId: newId('', 26), Timestamp: ctx.now.toISOString(), Pem: input.AddPrivateKey });
    }
    if (input.RemovePrivateKey !== undefined) {
      if (!keys.some((k) => k.KeyId === input.RemovePrivateKey)) {
        throw new InvalidInputException('Failed to remove private key: the Key ID does not match a private key of this SAML provider.');
      }
      keys = keys.filter((k) => k.KeyId !== input.RemovePrivateKey);
    }
    const mode = input.AssertionEncryptionMode ?? rec.AssertionEncryptionMode;
    if (mode === 'Required' && keys.length === 0) {
      throw input.RemovePrivateKey !== undefined
        ? new InvalidInputException('Failed to remove private key: the last private key cannot be removed while AssertionEncryptionMode is Required.')
        : new InvalidInputException('Cannot set AssertionEncryptionMode to Required because no private key is provided.');
    }
    if (input.SAMLMetadataDocument !== undefined) rec.SAMLMetadataDocument = input.SAMLMetadataDocument;
    if (mode !== undefined) rec.AssertionEncryptionMode = mode;
    if (keys.length) rec.PrivateKeys = keys;
    else delete rec.PrivateKeys;
    await save(ctx, key, rec);
    return { SAMLProviderArn: rec.Arn };
  },

  async DeleteSAMLProvider(input, ctx) {
    const { key } = await requireProvider(ctx, input.SAMLProviderArn);
    await ctx.tx.delete(ctx.accountId, KIND_SAML_PROVIDER, key);
  },

  TagSAMLProvider: providerTags.tag,
  UntagSAMLProvider: providerTags.untag,
  ListSAMLProviderTags: providerTags.list,
};
