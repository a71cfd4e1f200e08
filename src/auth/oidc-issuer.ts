/**
 * A small built-in OpenID Connect issuer for local use (`nimbus oidc-issuer`): one RSA key pair kept
 * under the data directory, its public JWKS (to register with an IAM OIDC provider through
 * `nimbus oidc-jwks`), and signed ID tokens for any subject and audience, so that
 * AssumeRoleWithWebIdentity can be exercised offline exactly as against a real IdP.
 *
 * The key is RSA 2048, RS256, its `kid` the RFC 7638 thumbprint of the public key. The private key is
 * written once (PKCS#8 PEM, mode 0600) at `<data-dir>/oidc-issuer/private-key.pem` and reused.
 * This is a test issuer: it has no HTTP endpoint, no discovery document, no rotation.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

export const DEFAULT_ISSUER = 'https://oidc.nimbus.local';
export const ISSUER_ALG = 'RS256';

export interface IssuerKey {
  privateKey: KeyObject;
  /** The public key as a JWK with `kid`, `alg` and `use`. */
  publicJwk: JWK;
}

/** Builds the issuer key from a private key (PEM or KeyObject). */
export async function issuerKeyFrom(privateKey: KeyObject | string): Promise<IssuerKey> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const jwk = await exportJWK(createPublicKey(key));
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { privateKey: key, publicJwk: { ...jwk, kid, alg: ISSUER_ALG, use: 'sig' } };
}

/** A fresh key (tests, or a first run). */
export async function generateIssuerKey(): Promise<IssuerKey> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return issuerKeyFrom(privateKey);
}

export function issuerKeyPath(dataDir: string): string {
  return join(dataDir, 'oidc-issuer', 'private-key.pem');
}

/** The data directory's issuer key, created on first use. */
export async function loadOrCreateIssuerKey(dataDir: string): Promise<{ key: IssuerKey; created: boolean }> {
  const path = issuerKeyPath(dataDir);
  if (existsSync(path)) return { key: await issuerKeyFrom(readFileSync(path, 'utf8')), created: false };
  const key = await generateIssuerKey();
  mkdirSync(join(dataDir, 'oidc-issuer'), { recursive: true, mode: 0o700 });
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // `wx`: never overwrite a key another process wrote meanwhile.
  try {
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { key: await issuerKeyFrom(readFileSync(path, 'utf8')), created: false };
    throw e;
  }
  return { key, created: true };
}

/** The JWKS to register with the IAM OIDC provider (`nimbus oidc-jwks --file`). */
export function issuerJwks(key: IssuerKey): { keys: JWK[] } {
  return { keys: [key.publicJwk] };
}

export interface MintOptions {
  sub: string;
  /** One audience (a string claim) or several (an array claim). */
  aud: string | string[];
  /** Lifetime in seconds from `now`; may be negative (an already expired token). */
  expiresIn: number;
  issuer?: string;
  /** Authentication methods (`amr`, an array claim). */
  amr?: string[];
  /** Authorized party (`azp`). */
  azp?: string;
  /** Any further claims. */
  claims?: Record<string, unknown>;
  now?: Date;
}

/** A signed ID token (compact JWS). */
export async function mintToken(key: IssuerKey, o: MintOptions): Promise<string> {
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const payload: Record<string, unknown> = { ...(o.claims ?? {}) };
  if (o.amr && o.amr.length) payload.amr = o.amr;
  if (o.azp !== undefined) payload.azp = o.azp;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ISSUER_ALG, kid: key.publicJwk.kid!, typ: 'JWT' })
    .setIssuer(o.issuer ?? DEFAULT_ISSUER)
    .setSubject(o.sub)
    .setAudience(o.aud)
    .setIssuedAt(now)
    .setExpirationTime(now + o.expiresIn)
    .sign(key.privateKey);
}

/** `3600`, `3600s`, `15m`, `12h`, `1d` -> seconds; undefined when not of that form. */
export function parseDuration(text: string): number | undefined {
  const m = /^(-?\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
