/**
 * STS AssumeRoleWithWebIdentity through the real SDK and AWS CLI v2: ID tokens from the built-in
 * test issuer (src/auth/oidc-issuer.ts), checked against the IAM OIDC provider's registered keys
 * (signature, issuer, audience, expiry), then the role's trust policy with the `<provider>:sub`,
 * `:aud`, `:amr` context keys, then the session (IAM User Guide, "OIDC federation"; STS API
 * Reference, AssumeRoleWithWebIdentity).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  IAMClient,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  ListUsersCommand,
  CreateUserCommand,
  GetRoleCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SignJWT, base64url } from 'jose';
import { registerOidcJwks } from '../../src/services/iam/oidc-providers.js';
import { DEFAULT_ISSUER, generateIssuerKey, issuerJwks, issuerKeyFrom, mintToken, type IssuerKey, type MintOptions } from '../../src/auth/oidc-issuer.js';
import { startTestServer, sdkConfig, rejectsWith, runAwsCli, requireClient, ManualClock, type TestServer, type Creds } from './harness.js';

// The SDK signs with the real time, so the server's clock stays near it (within the 15-minute skew).
const clock = new ManualClock(Date.now());
let s: TestServer;
let iam: IAMClient;
let acct: string;
let key: IssuerKey;
let providerArn: string;
const AUD = 'sts.amazonaws.com';
const SUB = 'repo:acme/app:ref:refs/heads/main';
const HOST = 'oidc.nimbus.local';

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (conditions: Record<string, unknown>) =>
  doc([{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }]);
// The SDK names modelled errors by their shape (InvalidIdentityTokenException); the wire code is
// InvalidIdentityToken, as the AWS CLI scenario below shows.
/** Unsigned requests: AssumeRoleWithWebIdentity needs no AWS credentials (the SDK does not sign it). */
const anonymousSts = () =>
  new STSClient({
    ...sdkConfig(s),
    credentials: async () => {
      throw new Error('AssumeRoleWithWebIdentity must not need AWS credentials');
    },
  });
const token = (o: Partial<MintOptions> = {}, k: IssuerKey = key) => mintToken(k, { sub: SUB, aud: AUD, expiresIn: 3600, now: clock.now(), ...o });
const assume = (webIdentityToken: string, roleName = 'deployer', extra: Record<string, unknown> = {}) =>
  anonymousSts().send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${acct}:role/${roleName}`, RoleSessionName: 'ci', WebIdentityToken: webIdentityToken, ...extra }),
  );
const sessionCreds = (r: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): Creds => ({
  accessKeyId: r.Credentials!.AccessKeyId!,
  secretAccessKey: r.Credentials!.SecretAccessKey!,
  sessionToken: r.Credentials!.SessionToken!,
});
const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
const INVALID = 'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.';

before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
  acct = s.accountId;
  key = await generateIssuerKey();
  const p = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: DEFAULT_ISSUER, ClientIDList: [AUD, 'other-client'] }));
  providerArn = p.OpenIDConnectProviderArn!;
  assert.equal(providerArn, `arn:aws:iam::${acct}:oidc-provider/${HOST}`);
  await registerOidcJwks(s.nimbus.store, providerArn, JSON.stringify(issuerJwks(key)), clock.now());
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'deployer',
      AssumeRolePolicyDocument: trust({ StringEquals: { [`${HOST}:aud`]: AUD, [`${HOST}:sub`]: SUB } }),
      MaxSessionDuration: 7200,
    }),
  );
  await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }));
});
after(async () => {
  await s.close();
});

test('a valid token: credentials for the role session, with the role permissions', async () => {
  const r = await assume(await token());
  assert.match(r.Credentials!.AccessKeyId!, /^ASIA/);
  assert.equal(r.SubjectFromWebIdentityToken, SUB);
  assert.equal(r.Provider, providerArn);
  assert.equal(r.Audience, AUD);
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/deployer/ci`);
  assert.match(r.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z0-9]+:ci$/);
  assert.equal(r.Credentials!.Expiration!.getTime(), Math.floor(clock.now().getTime() / 1000) * 1000 + 3600_000);
  const creds = sessionCreds(r);
  const id = await new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, `arn:aws:sts::${acct}:assumed-role/deployer/ci`);
  assert.equal(id.Account, acct);
  const asRole = new IAMClient(sdkConfig(s, creds));
  assert.ok(Array.isArray((await asRole.send(new ListUsersCommand({}))).Users));
  await rejectsWith(asRole.send(new CreateUserCommand({ UserName: 'nope' })), 'AccessDenied', 403, /assumed-role\/deployer\/ci is not authorized to perform: iam:CreateUser/);
  const role = await iam.send(new GetRoleCommand({ RoleName: 'deployer' }));
  assert.equal(role.Role!.RoleLastUsed?.LastUsedDate?.getTime(), Math.floor(clock.now().getTime() / 1000) * 1000);
});

test('a bad signature is rejected: another key, a forged kid, a tampered payload, alg none', async () => {
  // A token from another issuer key (its own kid): no registered key verifies it.
  const other = await generateIssuerKey();
  await rejectsWith(assume(await token({}, other)), 'InvalidIdentityTokenException', 400, INVALID);
  // Another key claiming the registered key's kid.
  const forged: IssuerKey = { ...(await issuerKeyFrom(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)), publicJwk: key.publicJwk };
  await rejectsWith(assume(await token({}, forged)), 'InvalidIdentityTokenException', 400, INVALID);
  // A genuine token whose payload was changed after signing.
  const [h, , sig] = (await token()).split('.');
  const payload = base64url.encode(JSON.stringify({ iss: DEFAULT_ISSUER, sub: SUB, aud: AUD, exp: Math.floor(clock.now().getTime() / 1000) + 86400 }));
  await rejectsWith(assume(`${h}.${payload}.${sig}`), 'InvalidIdentityTokenException', 400, INVALID);
  // Unsigned and HMAC tokens are not accepted.
  const claims = base64url.encode(JSON.stringify({ iss: DEFAULT_ISSUER, sub: SUB, aud: AUD, exp: Math.floor(clock.now().getTime() / 1000) + 600 }));
  await rejectsWith(assume(`${base64url.encode('{"alg":"none"}')}.${claims}.`), 'InvalidIdentityTokenException', 400, INVALID);
  const hmac = await new SignJWT({ sub: SUB, aud: AUD })
    .setProtectedHeader({ alg: 'HS256', kid: key.publicJwk.kid! })
    .setIssuer(DEFAULT_ISSUER)
    .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
    .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
  await rejectsWith(assume(hmac), 'InvalidIdentityTokenException', 400, INVALID);
  // Not a JWT at all.
  await rejectsWith(assume('not-a-jwt'), 'InvalidIdentityTokenException', 400, INVALID);
});

test('the audience must be one of the provider client ids', async () => {
  await rejectsWith(assume(await token({ aud: 'someone-else' })), 'InvalidIdentityTokenException', 400, 'Incorrect token audience');
  // One of several audiences suffices (and the trust policy then sees that one as :aud).
  const r = await assume(await token({ aud: ['someone-else', AUD] }));
  assert.equal(r.Audience, AUD);
});

test('an expired token answers ExpiredTokenException with both times', async () => {
  const t = await token({ expiresIn: 300 });
  const exp = Math.floor(clock.now().getTime() / 1000) + 300;
  const start = clock.now().getTime();
  try {
    clock.advance(299_000);
    assert.ok((await assume(t)).Credentials);
    clock.advance(1_000);
    const now = Math.floor(clock.now().getTime() / 1000);
    await rejectsWith(assume(t), 'ExpiredTokenException', 400, `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`);
  } finally {
    clock.set(start);
  }
});

test('the trust policy decides on :sub, :aud and :amr', async () => {
  // Another subject of the same issuer is refused by the deployer role's :sub condition.
  await rejectsWith(assume(await token({ sub: 'repo:acme/app:pull_request' })), 'AccessDenied', 403, NOT_AUTHORIZED);
  // :aud is azp when the token has one.
  await rejectsWith(assume(await token({ azp: 'other-client' })), 'AccessDenied', 403, NOT_AUTHORIZED);
  // StringLike on :sub, and :amr (multivalued) with ForAnyValue.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'mfa-only',
      AssumeRolePolicyDocument: trust({ StringLike: { [`${HOST}:sub`]: 'user:*' }, 'ForAnyValue:StringEquals': { [`${HOST}:amr`]: 'mfa' } }),
    }),
  );
  const ok = await assume(await token({ sub: 'user:alice', amr: ['pwd', 'mfa'] }), 'mfa-only');
  assert.equal(ok.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/mfa-only/ci`);
  await rejectsWith(assume(await token({ sub: 'user:alice', amr: ['pwd'] }), 'mfa-only'), 'AccessDenied', 403, NOT_AUTHORIZED);
  await rejectsWith(assume(await token({ sub: 'user:alice' }), 'mfa-only'), 'AccessDenied', 403, NOT_AUTHORIZED);
  await rejectsWith(assume(await token({ sub: 'robot:1', amr: ['mfa'] }), 'mfa-only'), 'AccessDenied', 403, NOT_AUTHORIZED);
  // A role that does not exist, or one that trusts only another provider, is refused the same way.
  await rejectsWith(assume(await token(), 'missing'), 'AccessDenied', 403, NOT_AUTHORIZED);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'github-only',
      AssumeRolePolicyDocument: doc([
        { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${acct}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity' },
      ]),
    }),
  );
  await rejectsWith(assume(await token(), 'github-only'), 'AccessDenied', 403, NOT_AUTHORIZED);
});

test('the issuer must be a provider of the role account, with signing keys', async () => {
  await rejectsWith(assume(await token({ issuer: 'https://idp.example.com' })), 'InvalidIdentityTokenException', 400, 'No OpenIDConnect provider found in your account for https://idp.example.com');
  // A provider whose keys were never registered: as when AWS cannot fetch them.
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://keyless.example.com', ClientIDList: [AUD] }));
  await rejectsWith(
    assume(await token({ issuer: 'https://keyless.example.com' })),
    'InvalidIdentityTokenException',
    400,
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  );
});

test('session duration and session policies', async () => {
  const r = await assume(await token(), 'deployer', { DurationSeconds: 7200 });
  assert.equal(r.Credentials!.Expiration!.getTime(), Math.floor(clock.now().getTime() / 1000) * 1000 + 7200_000);
  await rejectsWith(
    assume(await token(), 'deployer', { DurationSeconds: 7201 }),
    'ValidationError',
    400,
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  );
  // A session policy that grants nothing the session needs narrows it.
  const narrowed = await assume(await token(), 'deployer', { Policy: doc([{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]) });
  assert.ok(narrowed.PackedPolicySize! > 0);
  await rejectsWith(new IAMClient(sdkConfig(s, sessionCreds(narrowed))).send(new ListUsersCommand({})), 'AccessDenied', 403);
  await rejectsWith(assume(await token(), 'deployer', { Policy: '{"Version":"2012-10-17"' }), 'MalformedPolicyDocumentException', 400);
});

test('AWS CLI v2: aws sts assume-role-with-web-identity', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const roleArn = `arn:aws:iam::${acct}:role/deployer`;
  const ok = await runAwsCli(s, ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', await token()]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.json.AssumedRoleUser.Arn, `arn:aws:sts::${acct}:assumed-role/deployer/cli`);
  assert.equal(ok.json.SubjectFromWebIdentityToken, SUB);
  assert.equal(ok.json.Provider, providerArn);
  assert.equal(ok.json.Audience, AUD);
  const c = ok.json.Credentials;
  const id = await runAwsCli(s, ['sts', 'get-caller-identity'], { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.json.Arn, `arn:aws:sts::${acct}:assumed-role/deployer/cli`);

  const bad = await runAwsCli(s, ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', await token({}, await generateIssuerKey())]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /An error occurred \(InvalidIdentityToken\) when calling the AssumeRoleWithWebIdentity operation(?: \(reached max retries: 0\))?: The web identity token that was passed could not be validated/);

  const denied = await runAwsCli(s, ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', await token({ sub: 'someone' })]);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /\(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation(?: \(reached max retries: 0\))?: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
});
