/**
 * The built-in test OIDC issuer (src/auth/oidc-issuer.ts) and the web identity token checks
 * (src/auth/web-identity.ts) against an in-memory store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import {
  DEFAULT_ISSUER,
  generateIssuerKey,
  issuerJwks,
  issuerKeyPath,
  loadOrCreateIssuerKey,
  mintToken,
  parseDuration,
} from '../../src/auth/oidc-issuer.js';
import { verifyWebIdentityToken, webIdentityContext, MSG_AUDIENCE, MSG_NO_KEY } from '../../src/auth/web-identity.js';
import { parseJwks, putOidcProviderJwks, oidcProviderHandlers } from '../../src/services/iam/oidc-providers.js';
import { openStore } from '../../src/store/open.js';
import type { HandlerContext } from '../../src/gateway/context.js';

test('the issuer key: kid is the RFC 7638 thumbprint, the JWKS holds only the public key', async () => {
  const key = await generateIssuerKey();
  const jwks = issuerJwks(key);
  assert.equal(jwks.keys.length, 1);
  const k = jwks.keys[0]!;
  assert.equal(k.kty, 'RSA');
  assert.equal(k.alg, 'RS256');
  assert.equal(k.use, 'sig');
  assert.match(k.kid!, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(k.d, undefined);
  // What `nimbus oidc-jwks` accepts (it refuses private members).
  assert.equal(parseJwks(JSON.stringify(jwks)).length, 1);
});

test('the key is created once under the data directory and reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-oidc-'));
  try {
    const a = await loadOrCreateIssuerKey(dir);
    assert.equal(a.created, true);
    assert.equal(statSync(issuerKeyPath(dir)).mode & 0o777, 0o600);
    const b = await loadOrCreateIssuerKey(dir);
    assert.equal(b.created, false);
    assert.equal(b.key.publicJwk.kid, a.key.publicJwk.kid);
    assert.equal(b.key.publicJwk.n, a.key.publicJwk.n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('minted tokens verify against the JWKS with the expected claims', async () => {
  const key = await generateIssuerKey();
  const now = new Date('2030-01-01T00:00:00Z');
  const t = await mintToken(key, { sub: 'alice', aud: ['a', 'b'], expiresIn: 900, amr: ['pwd', 'mfa'], azp: 'a', now, claims: { email: 'a@x' } });
  assert.equal(decodeProtectedHeader(t).kid, key.publicJwk.kid);
  const { payload } = await jwtVerify(t, createLocalJWKSet(issuerJwks(key)), { currentDate: now, issuer: DEFAULT_ISSUER, audience: 'a' });
  assert.equal(payload.sub, 'alice');
  assert.deepEqual(payload.aud, ['a', 'b']);
  assert.deepEqual(payload.amr, ['pwd', 'mfa']);
  assert.equal(payload.azp, 'a');
  assert.equal(payload.email, 'a@x');
  assert.equal(payload.iat, now.getTime() / 1000);
  assert.equal(payload.exp, now.getTime() / 1000 + 900);
  const other = await mintToken(key, { sub: 's', aud: 'x', expiresIn: 60, issuer: 'https://idp.example.com/tenant', now });
  assert.equal((await jwtVerify(other, createLocalJWKSet(issuerJwks(key)), { currentDate: now })).payload.iss, 'https://idp.example.com/tenant');
});

test('parseDuration', () => {
  assert.equal(parseDuration('3600'), 3600);
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('15m'), 900);
  assert.equal(parseDuration('12h'), 43200);
  assert.equal(parseDuration('1d'), 86400);
  assert.equal(parseDuration('-60'), -60);
  assert.equal(parseDuration('1h30m'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('0x10'), undefined);
});

test('verifyWebIdentityToken: provider, keys, signature, audience, expiry; context keys', async () => {
  const store = await openStore({ inMemory: true });
  const acct = '111122223333';
  const now = new Date('2030-01-01T00:00:00Z');
  const key = await generateIssuerKey();
  const arn = await store.write(async (tx) => {
    const ctx = { tx, readTx: tx, accountId: acct, now } as unknown as HandlerContext;
    const out = await oidcProviderHandlers.CreateOpenIDConnectProvider!({ Url: `${DEFAULT_ISSUER}/tenant`, ClientIDList: ['app'] }, ctx);
    return out.OpenIDConnectProviderArn!;
  });
  const issuer = `${DEFAULT_ISSUER}/tenant`;
  const verify = (t: string, at = now) => store.read((tx) => verifyWebIdentityToken(tx, acct, t, at));
  const mint = (o: Partial<Parameters<typeof mintToken>[1]> = {}) => mintToken(key, { sub: 'u1', aud: 'app', expiresIn: 600, issuer, now, ...o });

  await assert.rejects(verify(await mint()), { code: 'InvalidIdentityToken', message: MSG_NO_KEY });
  await store.write((tx) => putOidcProviderJwks(tx, acct, arn, issuerJwks(key), now));
  const v = await verify(await mint({ amr: ['mfa'] }));
  assert.equal(v.audience, 'app');
  assert.deepEqual(webIdentityContext(v), {
    'oidc.nimbus.local/tenant:sub': 'u1',
    'oidc.nimbus.local/tenant:aud': 'app',
    'oidc.nimbus.local/tenant:oaud': 'app',
    'oidc.nimbus.local/tenant:amr': ['mfa'],
  });
  // azp becomes :aud; the token's audiences stay in :oaud.
  const withAzp = await verify(await mint({ aud: ['x', 'app'], azp: 'web' }));
  assert.equal(webIdentityContext(withAzp)['oidc.nimbus.local/tenant:aud'], 'web');
  assert.deepEqual(webIdentityContext(withAzp)['oidc.nimbus.local/tenant:oaud'], ['x', 'app']);

  await assert.rejects(verify(await mint({ aud: 'nope' })), { code: 'InvalidIdentityToken', message: MSG_AUDIENCE });
  // The issuer is matched exactly (another path, a trailing slash: another provider).
  await assert.rejects(verify(await mint({ issuer: `${issuer}/` })), { code: 'InvalidIdentityToken', message: `No OpenIDConnect provider found in your account for ${issuer}/` });
  // Another account has no such provider.
  await assert.rejects(
    store.read(async (tx) => verifyWebIdentityToken(tx, '999988887777', await mint(), now)),
    { code: 'InvalidIdentityToken', message: `No OpenIDConnect provider found in your account for ${issuer}` },
  );
  // Expiry: valid until the second before exp.
  const t = await mint({ expiresIn: 60 });
  await verify(t, new Date(now.getTime() + 59_000));
  const exp = now.getTime() / 1000 + 60;
  await assert.rejects(verify(t, new Date(now.getTime() + 60_000)), {
    code: 'ExpiredTokenException',
    message: `Token expired: current date/time ${exp} must be before the expiration date/time ${exp}`,
  });
  // A key rotation: tokens of the old key stop verifying once the JWKS no longer holds it.
  const next = await generateIssuerKey();
  await store.write((tx) => putOidcProviderJwks(tx, acct, arn, { keys: [next.publicJwk] }, now));
  await assert.rejects(verify(await mint()), { code: 'InvalidIdentityToken' });
  assert.ok(await verify(await mintToken(next, { sub: 'u1', aud: 'app', expiresIn: 600, issuer, now })));
  // Two keys without kid in the token header: the one that verifies is found.
  await store.write((tx) =>
    putOidcProviderJwks(tx, acct, arn, { keys: [{ ...next.publicJwk, kid: undefined }, { ...key.publicJwk, kid: undefined }].map((k) => JSON.parse(JSON.stringify(k))) }, now),
  );
  const { SignJWT } = await import('jose');
  const noKid = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(issuer)
    .setSubject('u1')
    .setAudience('app')
    .setExpirationTime(now.getTime() / 1000 + 60)
    .sign(key.privateKey);
  assert.equal((await verify(noKid)).claims.sub, 'u1');
  await store.close();
});
