/**
 * STS GetSessionToken and GetAccessKeyInfo through the real SDK and the AWS CLI v2: temporary
 * credentials that authenticate as their caller, expire, and follow AWS's restrictions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, GetSessionTokenCommand, GetCallerIdentityCommand, GetAccessKeyInfoCommand } from '@aws-sdk/client-sts';
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { startTestServer, sdkConfig, runAwsCli, requireClient, ManualClock, type TestServer, type Creds } from './harness.js';

const clock = new ManualClock(Date.now());
let s: TestServer;
let dana: Creds;

before(async () => {
  s = await startTestServer({ clock });
  const iam = new IAMClient(sdkConfig(s));
  await iam.send(new CreateUserCommand({ UserName: 'dana' }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dana' }))).AccessKey!;
  dana = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
});
after(async () => {
  await s.close();
});

/** Whole seconds until `expiration` (the wire carries whole seconds; the clock has milliseconds). */
const secondsLeft = (expiration: Date) => Math.round((expiration.getTime() - Math.floor(clock.now().getTime() / 1000) * 1000) / 1000);

const sessionFor = async (creds: Creds, DurationSeconds?: number) => {
  const c = (await new STSClient(sdkConfig(s, creds)).send(new GetSessionTokenCommand({ DurationSeconds }))).Credentials!;
  return { creds: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, expiration: c.Expiration! };
};

test("a user's session credentials: ASIA key, token, 12-hour default, the user's identity", async () => {
  const { creds, expiration } = await sessionFor(dana);
  assert.match(creds.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.ok(creds.sessionToken.length > 100);
  assert.equal(secondsLeft(expiration), 43200);
  const id = await new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, `arn:aws:iam::${s.accountId}:user/dana`);
  // Other services accept them.
  const regions = await new EC2Client(sdkConfig(s, creds)).send(new DescribeRegionsCommand({}));
  assert.ok((regions.Regions?.length ?? 0) > 10);
});

test('DurationSeconds: 900 and 129600 accepted, 899 and 129601 rejected; root capped at one hour', async () => {
  assert.equal(secondsLeft((await sessionFor(dana, 129600)).expiration), 129600);
  assert.equal(secondsLeft((await sessionFor(dana, 900)).expiration), 900);
  for (const bad of [899, 129601]) {
    await assert.rejects(sessionFor(dana, bad), (e: any) => e.name === 'ValidationError' && e.$metadata.httpStatusCode === 400 && /durationSeconds/.test(e.message));
  }
  const root = await sessionFor(s.root, 7200);
  assert.equal(secondsLeft(root.expiration), 3600);
});

test('restrictions: no IAM without MFA, no GetSessionToken from session credentials', async () => {
  const { creds } = await sessionFor(dana);
  await assert.rejects(new IAMClient(sdkConfig(s, creds)).send(new ListUsersCommand({})), (e: any) => e.name === 'InvalidClientTokenId' && e.$metadata.httpStatusCode === 403);
  await assert.rejects(new STSClient(sdkConfig(s, creds)).send(new GetSessionTokenCommand({})), (e: any) => {
    assert.equal(e.name, 'AccessDenied');
    assert.equal(e.message, 'Cannot call GetSessionToken with session credentials');
    return true;
  });
});

test('the credentials expire with the clock', async () => {
  // The shortest session (15 min) equals the signature skew allowance, and the SDK signs with the
  // real time: issue the session five minutes "in the past" so the moved clock stays within skew.
  clock.set(Date.now() - 300_000);
  const { creds } = await sessionFor(dana, 900);
  const sts = new STSClient(sdkConfig(s, creds));
  clock.advance(899_000);
  try {
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, s.accountId);
    clock.advance(2_000);
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), { name: 'ExpiredToken' });
  } finally {
    clock.set(Date.now());
  }
});

test('GetAccessKeyInfo decodes the account from any key id', async () => {
  const sts = new STSClient(sdkConfig(s));
  assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: dana.accessKeyId }))).Account, s.accountId);
  assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'ASIAQNZGKIQY56JQ7WML' }))).Account, '029608264753');
});

test('aws sts get-session-token (AWS CLI v2)', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const r = await runAwsCli(s, ['sts', 'get-session-token', '--duration-seconds', '900'], dana);
  assert.equal(r.status, 0, r.stderr);
  const c = r.json.Credentials;
  assert.match(c.AccessKeyId, /^ASIA/);
  const who = await runAwsCli(s, ['sts', 'get-caller-identity'], { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  assert.equal(who.status, 0, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:iam::${s.accountId}:user/dana`);
});
