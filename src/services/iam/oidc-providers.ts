/**
 * IAM OpenID Connect identity providers: CreateOpenIDConnectProvider and friends, plus the signing
 * keys (JWKS) STS AssumeRoleWithWebIdentity checks tokens with.
 *
 * Storage (account scope):
 *   iam.oidcProvider      <host/path>   -> OidcProviderRecord   (the key is the ARN's resource part)
 *   iam.oidcProviderJwks  <host/path>   -> OidcJwksRecord       (registered signing keys, see below)
 *
 * Fidelity notes:
 * - The ARN is `arn:aws:iam::ACCT:oidc-provider/<url without https://>`; GetOpenIDConnectProvider's
 *   `Url` is that same text, without the scheme (as AWS answers). The URL is not normalised: a
 *   different case or a trailing slash is another provider, as on AWS.
 * - The URL must begin with `https://`, have a host and no query or fragment. A URL already registered
 *   is EntityAlreadyExists "Provider with url https://X already exists.".
 * - ClientIDList: duplicates collapse; at most 100 ("Cannot exceed quota for
 *   ClientIdsPerOpenIdConnectProvider: 100", LimitExceeded); 1..255 characters each (the model's
 *   constraint, answered by the pipeline). AddClientID and RemoveClientID are idempotent (API reference).
 * - ThumbprintList is optional (since July 2024 AWS secures the JWKS endpoint with its library of
 *   trusted root CAs and only uses thumbprints for IdPs whose certificate is not signed by one).
 *   At most 5 ("Thumbprint list must contain fewer than 5 entries.", InvalidInput), each 40 hex digits
 *   (the length is the model's constraint; hex digits are checked here). Duplicates collapse.
 * - DeleteOpenIDConnectProvider succeeds for a provider that does not exist ("This operation is
 *   idempotent", API reference). Get/Add/Remove/Update/tag operations on a missing provider answer
 *   NoSuchEntity "OpenIDConnect Provider not found for arn X".
 * - 100 providers per account ("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100").
 * - Tags: as every IAM entity (keys unique case-insensitively, at most 50).
 *
 * By design (Nimbus runs offline):
 * - When ThumbprintList is omitted AWS fetches the IdP's certificate chain; Nimbus cannot, so the
 *   provider simply has no thumbprints (GetOpenIDConnectProvider answers an empty ThumbprintList).
 * - AWS fetches the IdP's signing keys from its `jwks_uri` when it checks a token; Nimbus cannot reach
 *   the internet, so the keys are registered ahead of time: `nimbus oidc-jwks --arn ARN --file jwks.json`
 *   (registerOidcJwks; `--clear` removes them) against the data directory, or putOidcProviderJwks inside
 *   a transaction (tests, in-process embedding). The document is the IdP's JWKS as served at its
 *   `jwks_uri` (RFC 7517 `{"keys": [...]}`), each key a public key node:crypto imports. It lives in its
 *   own store document, never in the provider's AWS-visible state (no tag, no extra field), and goes
 *   away with the provider. A CLI rather than an HTTP endpoint: registering trust anchors needs no
 *   new unauthenticated network surface, and whoever can write the data directory already owns it.
 *
 * Unverified against AWS (taken from AWS-compatible implementations): the NoSuchEntity text, the
 * ValidationError "Invalid Open ID Connect Provider URL", the thumbprint hex-digit check's text and the
 * quota names ClientIdsPerOpenIdConnectProvider / OpenIdConnectProvidersPerAccount / TagsPerOpenIdConnectProvider.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ReadTx, Store, WriteTx } from '../../store/types.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import {
  EntityAlreadyExistsException,
  InvalidInputException,
  LimitExceededException,
  NoSuchEntityException,
  type IamHandlers,
} from '../../generated/iam.js';
import { checkDuplicateTags, type IamTag, tagOperations } from './common.js';

export const KIND_OIDC_PROVIDER = 'iam.oidcProvider';
export const KIND_OIDC_JWKS = 'iam.oidcProviderJwks';

export const OIDC_PROVIDERS_PER_ACCOUNT = 100;
export const CLIENT_IDS_PER_PROVIDER = 100;
export const THUMBPRINTS_PER_PROVIDER = 5;

export interface OidcProviderRecord {
  Arn: string;
  /** The URL without `https://` (the ARN's resource part). */
  Url: string;
  ClientIDList: string[];
  ThumbprintList: string[];
  CreateDate: string;
  Tags?: IamTag[];
}

/** Registered signing keys of a provider (RFC 7517 JWK Set). */
export interface OidcJwksRecord {
  keys: JsonWebKey[];
  UpdateDate: string;
}

/** What STS AssumeRoleWithWebIdentity needs to know about a provider. */
export interface OidcProvider {
  arn: string;
  /** The issuer URL as tokens carry it in `iss`: `https://` + the provider's Url. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createDate: Date;
  tags: IamTag[];
  /** Signing keys registered for offline use; undefined when none were registered. */
  jwks?: { keys: JsonWebKey[] };
}

const ARN_RE = /^arn:aws:iam::(\d{12}):oidc-provider\/(.+)$/;

const notFound = (arn: string) => new NoSuchEntityException(`OpenIDConnect Provider not found for arn ${arn}`);

/** The provider's ARN for a URL (`https://host/path`) in an account. */
export function oidcProviderArn(accountId: string, url: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//i, '')}`;
}

/** The store key an ARN names in this account, or undefined when it names no provider of the account. */
function keyOfArn(accountId: string, arn: string): string | undefined {
  const m = ARN_RE.exec(arn);
  return m && m[1] === accountId ? m[2]! : undefined;
}

/** The `host/path` part of a valid provider URL, else ValidationError. */
function urlKey(url: string): string {
  const bad = () => new ServiceError('ValidationError', 'Invalid Open ID Connect Provider URL', 400);
  if (!/^https:\/\//i.test(url)) throw bad();
  const rest = url.slice('https://'.length);
  if (!rest || /[?#\s]/.test(rest) || rest.startsWith('/')) throw bad();
  try {
    const u = new URL(url);
    if (!u.hostname) throw bad();
  } catch {
    throw bad();
  }
  return rest;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

function checkThumbprints(list: string[]): string[] {
  const out = uniq(list);
  if (out.length > THUMBPRINTS_PER_PROVIDER) {
    throw new InvalidInputException(`Thumbprint list must contain fewer than ${THUMBPRINTS_PER_PROVIDER} entries.`);
  }
  for (const t of out) {
    if (!/^[0-9a-fA-F]{40}$/.test(t)) throw new InvalidInputException(`Thumbprint ${t} is not a 40-character hexadecimal SHA-1 digest.`);
  }
  return out;
}

function checkClientIds(list: string[]): string[] {
  const out = uniq(list);
  if (out.length > CLIENT_IDS_PER_PROVIDER) {
    throw new LimitExceededException(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${CLIENT_IDS_PER_PROVIDER}`);
  }
  return out;
}

async function requireProvider(ctx: HandlerContext, arn: string): Promise<{ key: string; rec: OidcProviderRecord }> {
  const key = keyOfArn(ctx.accountId, arn);
  const rec = key === undefined ? undefined : await ctx.tx.get<OidcProviderRecord>(ctx.accountId, KIND_OIDC_PROVIDER, key);
  if (!rec || key === undefined) throw notFound(arn);
  return { key, rec };
}

async function save(ctx: HandlerContext, key: string, rec: OidcProviderRecord): Promise<void> {
  await ctx.tx.put(ctx.accountId, KIND_OIDC_PROVIDER, key, rec);
}

// ---------------------------------------------------------------------------------------------
// Exports for STS (AssumeRoleWithWebIdentity), GetAccountSummary and the `nimbus oidc-jwks` command.

async function view(tx: ReadTx, accountId: string, key: string, rec: OidcProviderRecord): Promise<OidcProvider> {
  const jwks = await tx.get<OidcJwksRecord>(accountId, KIND_OIDC_JWKS, key);
  return {
    arn: rec.Arn,
    url: `https://${rec.Url}`,
    clientIds: [...rec.ClientIDList],
    thumbprints: [...rec.ThumbprintList],
    createDate: new Date(rec.CreateDate),
    tags: rec.Tags ?? [],
    jwks: jwks ? { keys: jwks.keys } : undefined,
  };
}

/** The provider an ARN names in the account (with its registered JWKS), or undefined. */
export async function getOidcProvider(tx: ReadTx, accountId: string, arn: string): Promise<OidcProvider | undefined> {
  const key = keyOfArn(accountId, arn);
  if (key === undefined) return undefined;
  const rec = await tx.get<OidcProviderRecord>(accountId, KIND_OIDC_PROVIDER, key);
  return rec && view(tx, accountId, key, rec);
}

/**
 * The provider whose URL is a token's issuer (`iss`), or undefined: what AWS looks up first
 * ("No OpenIDConnect provider found in your account for <iss>").
 */
export async function getOidcProviderByIssuer(tx: ReadTx, accountId: string, issuer: string): Promise<OidcProvider | undefined> {
  if (!/^https:\/\//i.test(issuer)) return undefined;
  const key = issuer.slice('https://'.length);
  const rec = await tx.get<OidcProviderRecord>(accountId, KIND_OIDC_PROVIDER, key);
  return rec && view(tx, accountId, key, rec);
}

/** The number of OIDC providers in the account (GetAccountSummary's Providers counts them with SAML's). */
export async function countOidcProviders(tx: ReadTx, accountId: string): Promise<number> {
  return tx.count(accountId, KIND_OIDC_PROVIDER);
}

export class JwksError extends Error {
  override name = 'JwksError';
}

/**
 * Validates a JWK Set (RFC 7517): an object with a non-empty `keys` array, each key a public key that
 * node:crypto imports (RSA `n`/`e`, EC `crv`/`x`/`y`, OKP `crv`/`x`). Private members (`d`, `p`, ...)
 * are refused, so a private key is never stored by mistake. Returns the keys as given.
 */
export function parseJwks(jwks: unknown): JsonWebKey[] {
  const doc = typeof jwks === 'string' ? safeJson(jwks) : jwks;
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new JwksError('a JWKS is a JSON object with a "keys" array (RFC 7517)');
  }
  const keys = (doc as { keys: unknown[] }).keys;
  if (keys.length === 0) throw new JwksError('the JWKS has no keys');
  const kids = new Set<string>();
  return keys.map((k, i) => {
    if (!k || typeof k !== 'object') throw new JwksError(`key ${i} is not a JSON object`);
    const jwk = k as JsonWebKey;
    if (typeof jwk.kty !== 'string') throw new JwksError(`key ${i} has no "kty"`);
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in jwk)) {
      throw new JwksError(`key ${i} holds private or symmetric key material: register public keys only`);
    }
    if (typeof jwk.kid === 'string') {
      if (kids.has(jwk.kid)) throw new JwksError(`key id "${jwk.kid}" appears twice`);
      kids.add(jwk.kid);
    }
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
    } catch (e) {
      throw new JwksError(`key ${i} is not a usable public key: ${(e as Error).message}`);
    }
    return jwk;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new JwksError('the JWKS is not valid JSON');
  }
}

/**
 * Registers (replaces) the signing keys of an existing provider for offline token checks; `jwks`
 * undefined removes them. Throws JwksError when the provider does not exist or the set is invalid.
 */
export async function putOidcProviderJwks(tx: WriteTx, accountId: string, arn: string, jwks: unknown, now: Date): Promise<number> {
  const key = keyOfArn(accountId, arn);
  if (key === undefined || !(await tx.get(accountId, KIND_OIDC_PROVIDER, key))) {
    throw new JwksError(`no OpenID Connect provider ${arn} in account ${accountId}`);
  }
  if (jwks === undefined) {
    await tx.delete(accountId, KIND_OIDC_JWKS, key);
    return 0;
  }
  const keys = parseJwks(jwks);
  const rec: OidcJwksRecord = { keys, UpdateDate: now.toISOString() };
  await tx.put(accountId, KIND_OIDC_JWKS, key, rec);
  return keys.length;
}

/**
 * What `nimbus oidc-jwks --arn ARN (--file JWKS.json | --clear)` runs against the data directory's store:
 * the account is the ARN's. Returns the number of keys registered (0 when cleared).
 */
export async function registerOidcJwks(store: Store, arn: string, jwks: string | undefined, now: Date): Promise<number> {
  const m = ARN_RE.exec(arn);
  if (!m) throw new JwksError(`not an OpenID Connect provider ARN: ${arn}`);
  return store.write((tx) => putOidcProviderJwks(tx, m[1]!, arn, jwks, now));
}

// ---------------------------------------------------------------------------------------------

const providerTags = tagOperations<{ OpenIDConnectProviderArn: string }>(async (input, ctx) => {
  const { key, rec } = await requireProvider(ctx, input.OpenIDConnectProviderArn);
  return { tags: rec.Tags, save: (tags) => save(ctx, key, { ...rec, Tags: tags }) };
}, 'TagsPerOpenIdConnectProvider');

export const oidcProviderHandlers: IamHandlers = {
  async CreateOpenIDConnectProvider(input, ctx) {
    const key = urlKey(input.Url);
    const clientIds = checkClientIds(input.ClientIDList ?? []);
    const thumbprints = checkThumbprints(input.ThumbprintList ?? []);
    if (input.Tags) checkDuplicateTags(input.Tags);
    if (await ctx.tx.get(ctx.accountId, KIND_OIDC_PROVIDER, key)) {
      throw new EntityAlreadyExistsException(`Provider with url ${input.Url} already exists.`);
    }
    if ((await ctx.tx.count(ctx.accountId, KIND_OIDC_PROVIDER)) >= OIDC_PROVIDERS_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${OIDC_PROVIDERS_PER_ACCOUNT}`);
    }
    const rec: OidcProviderRecord = {
      Arn: oidcProviderArn(ctx.accountId, `https://${key}`),
      Url: key,
      ClientIDList: clientIds,
      ThumbprintList: thumbprints,
      CreateDate: ctx.now.toISOString(),
    };
    if (input.Tags && input.Tags.length) rec.Tags = input.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
    await ctx.tx.put(ctx.accountId, KIND_OIDC_PROVIDER, key, rec);
    return { OpenIDConnectProviderArn: rec.Arn, Tags: rec.Tags };
  },

  async GetOpenIDConnectProvider(input, ctx) {
    const { rec } = await requireProvider(ctx, input.OpenIDConnectProviderArn);
    return {
      Url: rec.Url,
      ClientIDList: rec.ClientIDList,
      ThumbprintList: rec.ThumbprintList,
      CreateDate: new Date(rec.CreateDate),
      Tags: rec.Tags && rec.Tags.length ? rec.Tags : undefined,
    };
  },

  async ListOpenIDConnectProviders(_input, ctx) {
    const rows = await ctx.tx.list<OidcProviderRecord>(ctx.accountId, KIND_OIDC_PROVIDER);
    return { OpenIDConnectProviderList: rows.map((r) => ({ Arn: r.value.Arn })) };
  },

  async DeleteOpenIDConnectProvider(input, ctx) {
    const key = keyOfArn(ctx.accountId, input.OpenIDConnectProviderArn);
    if (key === undefined) return;
    await ctx.tx.delete(ctx.accountId, KIND_OIDC_PROVIDER, key);
    await ctx.tx.delete(ctx.accountId, KIND_OIDC_JWKS, key);
  },

  async AddClientIDToOpenIDConnectProvider(input, ctx) {
    const { key, rec } = await requireProvider(ctx, input.OpenIDConnectProviderArn);
    if (rec.ClientIDList.includes(input.ClientID)) return;
    rec.ClientIDList = checkClientIds([...rec.ClientIDList, input.ClientID]);
    await save(ctx, key, rec);
  },

  async RemoveClientIDFromOpenIDConnectProvider(input, ctx) {
    const { key, rec } = await requireProvider(ctx, input.OpenIDConnectProviderArn);
    if (!rec.ClientIDList.includes(input.ClientID)) return;
    rec.ClientIDList = rec.ClientIDList.filter((c) => c !== input.ClientID);
    await save(ctx, key, rec);
  },

  async UpdateOpenIDConnectProviderThumbprint(input, ctx) {
    const { key, rec } = await requireProvider(ctx, input.OpenIDConnectProviderArn);
    rec.ThumbprintList = checkThumbprints(input.ThumbprintList);
    await save(ctx, key, rec);
  },

  TagOpenIDConnectProvider: providerTags.tag,
  UntagOpenIDConnectProvider: providerTags.untag,
  ListOpenIDConnectProviderTags: providerTags.list,
};
