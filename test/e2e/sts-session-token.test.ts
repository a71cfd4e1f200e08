/**
 * STS GetSessionToken and GetAccessKeyInfo through the real SDK and the AWS CLI v2: temporary
 * credentials that authenticate as their caller, expire, and follow AWS's restrictions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, GetSessionTokenCommand, GetCallerIdentityCommand, GetAccessKeyInfoCommand } from '@aws-sdk/client-sts';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { TOTP, Secret } from 'otpauth';
import { getAccessKey } from '../../src/accounts/accounts.js';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { startTestServer, sdkConfig, runAwsCli, requireClient, rejectsWith, ManualClock, type TestServer, type Creds } from './harness.js';

const clock = new ManualClock(Date.now());
let s: TestServer;
let dana: Creds;

before(async () => {
  s = await startTestServer({ clock });
  const iam = new IAMClient(sdkConfig(s));
  await iam.send(new CreateUserCommand({ UserName: 'dana' }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dana' }))).AccessKey!;
  dana = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  // What dana's sessions use below (GetSessionToken itself needs no permission).
  const Statement = [{ Effect: 'Allow', Action: ['ec2:DescribeRegions', 'sts:GetAccessKeyInfo', 'iam:ListUsers'], Resource: '*' }];
  await iam.send(new PutUserPolicyCommand({ UserName: 'dana', PolicyName: 'work', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
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

// ---------------------------------------------------------------------------------------------
// MFA: GetSessionToken with SerialNumber + TokenCode (codes computed with otpauth at the injected clock).

const STEP = 30_000;
const INVALID_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';
const NOT_ASSOCIATED =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';

/** A virtual device enabled for `user` (by root); `code(offset)` is what its app shows at clock + offset. */
async function mfaDevice(name: string, user: string) {
  const iam = new IAMClient(sdkConfig(s));
  const d = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }))).VirtualMFADevice!;
  const totp = new TOTP({ secret: Secret.fromBase32(Buffer.from(d.Base32StringSeed!).toString('ascii')), period: 30, digits: 6 });
  const code = (offset = 0) => totp.generate({ timestamp: clock.now().getTime() + offset });
  await iam.send(new EnableMFADeviceCommand({ UserName: user, SerialNumber: d.SerialNumber!, AuthenticationCode1: code(-STEP), AuthenticationCode2: code() }));
  return { serial: d.SerialNumber!, code };
}
const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const mfaSession = (creds: Creds, SerialNumber?: string, TokenCode?: string, DurationSeconds?: number) =>
  new STSClient(sdkConfig(s, creds)).send(new GetSessionTokenCommand({ SerialNumber, TokenCode, DurationSeconds }));

test('MFA: a valid code gives a session that may call IAM and records when MFA was checked', async () => {
  const d = await mfaDevice('dana-phone', 'dana');
  clock.advance(STEP); // the enabling codes are spent
  const c = (await mfaSession(dana, d.serial, d.code())).Credentials!;
  assert.equal(secondsLeft(c.Expiration!), 43200);
  const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  const users = await new IAMClient(sdkConfig(s, creds)).send(new ListUsersCommand({}));
  assert.ok(users.Users!.some((u) => u.UserName === 'dana'));
  assert.equal((await new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${s.accountId}:user/dana`);
  const rec = await s.nimbus.store.read((tx) => getAccessKey(tx, creds.accessKeyId));
  assert.equal(rec?.mfaAuthenticated, true);
  assert.equal(rec?.mfaAuthenticatedAt, clock.now().toISOString());

  // The same code again is refused, as AWS refuses a reused code; the next step's code works.
  await rejectsWith(mfaSession(dana, d.serial, d.code()), 'AccessDenied', 403, INVALID_CODE);
  clock.advance(STEP);
  const next = (await mfaSession(dana, d.serial, d.code(), 900)).Credentials!;
  assert.equal(secondsLeft(next.Expiration!), 900);
});

test("MFA: wrong or stale codes and devices not the caller's are refused with AWS texts", async () => {
  const d = await mfaDevice('dana-backup', 'dana');
  clock.advance(STEP);
  await rejectsWith(mfaSession(dana, d.serial, other(d.code())), 'AccessDenied', 403, INVALID_CODE);
  await rejectsWith(mfaSession(dana, d.serial, d.code(-2 * STEP)), 'AccessDenied', 403, INVALID_CODE);
  await rejectsWith(mfaSession(dana, d.serial, d.code(2 * STEP)), 'AccessDenied', 403, INVALID_CODE);
  // A device that is not the caller's: another user's, an unknown one, or the root calling.
  await new IAMClient(sdkConfig(s)).send(new CreateUserCommand({ UserName: 'omar' }));
  const omars = await mfaDevice('omar-phone', 'omar');
  clock.advance(STEP);
  await rejectsWith(mfaSession(dana, omars.serial, omars.code()), 'AccessDenied', 403, NOT_ASSOCIATED);
  await rejectsWith(mfaSession(dana, `arn:aws:iam::${s.accountId}:mfa/nothing`, d.code()), 'AccessDenied', 403, NOT_ASSOCIATED);
  await rejectsWith(mfaSession(s.root, d.serial, d.code()), 'AccessDenied', 403, NOT_ASSOCIATED);
  // The refusals spent nothing: the code is still good for its owner.
  assert.ok((await mfaSession(dana, d.serial, d.code())).Credentials?.SessionToken);
  await rejectsWith(
    mfaSession(dana, d.serial, undefined),
    'AccessDenied',
    403,
    'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.',
  );
});

test('aws sts get-session-token --serial-number --token-code (AWS CLI v2)', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const d = await mfaDevice('dana-cli', 'dana');
  clock.advance(STEP);
  const code = d.code();
  const r = await runAwsCli(s, ['sts', 'get-session-token', '--serial-number', d.serial, '--token-code', code], dana);
  assert.equal(r.status, 0, r.stderr);
  const c = r.json.Credentials;
  const users = await runAwsCli(s, ['iam', 'list-users'], { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  assert.equal(users.status, 0, users.stderr);
  const again = await runAwsCli(s, ['sts', 'get-session-token', '--serial-number', d.serial, '--token-code', code], dana);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /AccessDenied.*MultiFactorAuthentication failed with invalid MFA one time pass code\./);
});
