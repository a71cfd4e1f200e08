/**
 * STS AssumeRole and GetFederationToken through the real SDK: trust policies and the caller's own
 * policies decided as AWS decides (same account and cross-account), session policies, tags and
 * source identity, role chaining, MFA, expiry and revocation (IAM User Guide, "Using IAM roles",
 * "Session policies", "Role chaining", "Revoking IAM role temporary security credentials").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  AttachRolePolicyCommand,
  ListUsersCommand,
  CreateUserCommand as CreateUser2,
  GetRoleCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { randomBytes } from 'node:crypto';
import { TOTP, Secret } from 'otpauth';
import { createAccount } from '../../src/accounts/accounts.js';
import { startTestServer, sdkConfig, rejectsWith, ManualClock, type TestServer, type Creds } from './harness.js';

// The SDK signs with the real time, so the server's clock stays near it (within the 15-minute skew).
const clock = new ManualClock(Date.now());
let s: TestServer;
let iam: IAMClient;
let acct: string;

before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
  acct = s.accountId;
});
after(async () => {
  await s.close();
});

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (principal: unknown, extra: Record<string, unknown> = {}) => doc([{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }]);

async function newUser(name: string, iamClient = iam): Promise<Creds> {
  await iamClient.send(new CreateUserCommand({ UserName: name }));
  const k = (await iamClient.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}
const allowUser = (user: string, Statement: unknown[], iamClient = iam) =>
  iamClient.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'p', PolicyDocument: doc(Statement) }));
const sts = (c: Creds) => new STSClient(sdkConfig(s, c));
const sessionCreds = (r: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): Creds => ({
  accessKeyId: r.Credentials!.AccessKeyId!,
  secretAccessKey: r.Credentials!.SecretAccessKey!,
  sessionToken: r.Credentials!.SessionToken!,
});
const assumeAllowed = [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }];

test('a role trusting its account: the caller needs sts:AssumeRole too; the session acts with the role', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'reader', Path: '/app/', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }));
  const creds = await newUser('ann');
  const roleArn = `arn:aws:iam::${acct}:role/app/reader`;
  // The trust policy delegates to the account: ann's own policies must allow sts:AssumeRole.
  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ann-session' })),
    'AccessDenied',
    403,
    `User: arn:aws:iam::${acct}:user/ann is not authorized to perform: sts:AssumeRole on resource: ${roleArn} because no identity-based policy allows the sts:AssumeRole action`,
  );
  await allowUser('ann', assumeAllowed);
  const r = await sts(creds).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ann-session' }));
  assert.match(r.Credentials!.AccessKeyId!, /^ASIA/);
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/reader/ann-session`);
  assert.match(r.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z0-9]+:ann-session$/);
  assert.equal(r.Credentials!.Expiration!.getTime(), clock.now().getTime() - (clock.now().getTime() % 1000) + 3600_000);
  const role = sessionCreds(r);
  const id = await sts(role).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, r.AssumedRoleUser!.Arn);
  assert.equal(id.UserId, r.AssumedRoleUser!.AssumedRoleId);
  // The role's policy applies; what it does not grant is denied with the session's ARN.
  const asRole = new IAMClient(sdkConfig(s, role));
  assert.ok((await asRole.send(new ListUsersCommand({}))).Users!.some((u) => u.UserName === 'ann'));
  await rejectsWith(
    asRole.send(new CreateUser2({ UserName: 'nope' })),
    'AccessDenied',
    403,
    `User: ${r.AssumedRoleUser!.Arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${acct}:user/nope because no identity-based policy allows the iam:CreateUser action`,
  );
  // A change to the role's policies applies to live sessions at once.
  await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' }]) }));
  await rejectsWith(asRole.send(new ListUsersCommand({})), 'AccessDenied', 403, /with an explicit deny in an identity-based policy$/);
  // GetRole shows the role was used.
  const got = await iam.send(new GetRoleCommand({ RoleName: 'reader' }));
  assert.equal(got.Role!.RoleLastUsed?.LastUsedDate?.getTime(), Math.floor(clock.now().getTime() / 1000) * 1000);
});

test('the reverse: the caller may assume roles but the trust policy names someone else', async () => {
  await newUser('other');
  await iam.send(new CreateRoleCommand({ RoleName: 'others-only', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:user/other` }) }));
  const creds = await newUser('bea');
  await allowUser('bea', assumeAllowed);
  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/others-only`, RoleSessionName: 's' + 'x' })),
    'AccessDenied',
    403,
    `User: arn:aws:iam::${acct}:user/bea is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${acct}:role/others-only because no role trust policy allows the sts:AssumeRole action`,
  );
  // A role that does not exist is refused the same way (its existence is not revealed).
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/missing`, RoleSessionName: 'sx' })), 'AccessDenied', 403);
  // Root cannot assume roles at all.
  await rejectsWith(sts(s.root).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/others-only`, RoleSessionName: 'sx' })), 'AccessDenied', 403);
});

test('a trust policy naming the user lets it in without an identity policy; sts:ExternalId is checked', async () => {
  const creds = await newUser('cid');
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'vendor',
      AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:user/cid` }, { Condition: { StringEquals: { 'sts:ExternalId': 'e-12345' } } }),
    }),
  );
  const arn = `arn:aws:iam::${acct}:role/vendor`;
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'v1' })), 'AccessDenied', 403);
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'v1', ExternalId: 'wrong-id' })), 'AccessDenied', 403);
  const r = await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'v1', ExternalId: 'e-12345' }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/vendor/v1`);
});

test('a session policy narrows an administrator role; durations and chaining follow AWS limits', async () => {
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'admin',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }]),
    }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  const creds = await newUser('dan');
  await allowUser('dan', [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }]);
  const arn = `arn:aws:iam::${acct}:role/admin`;
  const narrow = await sts(creds).send(
    new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'narrow', Policy: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }),
  );
  assert.ok(narrow.PackedPolicySize! > 0 && narrow.PackedPolicySize! < 100);
  const asNarrow = new IAMClient(sdkConfig(s, sessionCreds(narrow)));
  await asNarrow.send(new ListUsersCommand({}));
  await rejectsWith(
    asNarrow.send(new CreateUser2({ UserName: 'x1' })),
    'AccessDenied',
    403,
    `User: arn:aws:sts::${acct}:assumed-role/admin/narrow is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${acct}:user/x1 because no session policy allows the iam:CreateUser action`,
  );
  await rejectsWith(new EC2Client(sdkConfig(s, sessionCreds(narrow))).send(new DescribeRegionsCommand({})), 'UnauthorizedOperation', 403);
  // Without a session policy the session has the role's full permissions.
  const full = sessionCreds(await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'full', DurationSeconds: 7200 })));
  await new IAMClient(sdkConfig(s, full)).send(new CreateUser2({ UserName: 'made-by-admin-role' }));

  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'long', DurationSeconds: 7201 })),
    'ValidationError',
    400,
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  );
  // Role chaining: the admin session (allowed sts:AssumeRole by AdministratorAccess) is capped at an hour.
  await rejectsWith(
    sts(full).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'chained', DurationSeconds: 3601 })),
    'ValidationError',
    400,
    'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  );
  const chained = await sts(full).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'chained', DurationSeconds: 3600 }));
  assert.equal(chained.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/admin/chained`);
  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'bad', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}' })),
    'MalformedPolicyDocumentException',
    400,
  );
  // Session tags beyond the packed allotment.
  const Tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: randomBytes(150).toString('base64').slice(0, 200) }));
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'tags', Tags })), 'PackedPolicyTooLargeException', 400, /^Packed policy consumes \d+% of allotted space, please use smaller policy\.$/);
});

test('session tags are principal tags, and transitive tags and the source identity survive chaining', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] }]) }));
  await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'team', Value: 'role-default' }] }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'tagged',
      PolicyName: 'by-tag',
      PolicyDocument: doc([
        { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue', 'aws:SourceIdentity': 'alice@corp' } } },
        { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], Resource: '*' },
      ]),
    }),
  );
  const creds = await newUser('eve');
  await allowUser('eve', [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], Resource: '*' }]);
  const arn = `arn:aws:iam::${acct}:role/tagged`;
  const plain = sessionCreds(await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'plain', SourceIdentity: 'alice@corp' })));
  // The role's own tag (team=role-default) does not match.
  await rejectsWith(new IAMClient(sdkConfig(s, plain)).send(new ListUsersCommand({})), 'AccessDenied', 403);
  const tagged = await sts(creds).send(
    new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'blue', SourceIdentity: 'alice@corp', Tags: [{ Key: 'team', Value: 'blue' }], TransitiveTagKeys: ['team'] }),
  );
  assert.equal(tagged.SourceIdentity, 'alice@corp');
  await new IAMClient(sdkConfig(s, sessionCreds(tagged))).send(new ListUsersCommand({}));
  // Chained: no tags given, the transitive tag and the source identity come along.
  const chained = sessionCreds(await sts(sessionCreds(tagged)).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'chained' })));
  await new IAMClient(sdkConfig(s, chained)).send(new ListUsersCommand({}));
  await rejectsWith(
    sts(sessionCreds(tagged)).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'override', Tags: [{ Key: 'team', Value: 'red' }] })),
    'ValidationError',
    400,
  );
  // Tags and a source identity need sts:TagSession / sts:SetSourceIdentity in the trust policy too.
  await iam.send(new CreateRoleCommand({ RoleName: 'untagged-only', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }) }));
  const plainArn = `arn:aws:iam::${acct}:role/untagged-only`;
  await sts(creds).send(new AssumeRoleCommand({ RoleArn: plainArn, RoleSessionName: 'no-tags' }));
  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: plainArn, RoleSessionName: 'tags', Tags: [{ Key: 'team', Value: 'blue' }] })),
    'AccessDenied',
    403,
    `User: arn:aws:iam::${acct}:user/eve is not authorized to perform: sts:TagSession on resource: ${plainArn} because no role trust policy allows the sts:TagSession action`,
  );
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: plainArn, RoleSessionName: 'src', SourceIdentity: 'alice@corp' })), 'AccessDenied', 403, /sts:SetSourceIdentity/);
});

test('an MFA-guarded role: refused without MFA, assumed with a valid code, refused with a reused one', async () => {
  const creds = await newUser('fay');
  await allowUser('fay', assumeAllowed);
  const dev = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'fay-phone' }))).VirtualMFADevice!;
  const totp = new TOTP({ secret: Secret.fromBase32(Buffer.from(dev.Base32StringSeed!).toString()), digits: 6, period: 30 });
  const at = (ms: number) => totp.generate({ timestamp: ms });
  const t = clock.now().getTime();
  await iam.send(new EnableMFADeviceCommand({ UserName: 'fay', SerialNumber: dev.SerialNumber!, AuthenticationCode1: at(t - 30_000), AuthenticationCode2: at(t) }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'mfa-only',
      AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
    }),
  );
  const arn = `arn:aws:iam::${acct}:role/mfa-only`;
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'no-mfa' })), 'AccessDenied', 403);
  clock.advance(30_000);
  const code = at(clock.now().getTime());
  const r = await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'with-mfa', SerialNumber: dev.SerialNumber!, TokenCode: code }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/mfa-only/with-mfa`);
  await rejectsWith(
    sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'again', SerialNumber: dev.SerialNumber!, TokenCode: code })),
    'AccessDenied',
    403,
    'MultiFactorAuthentication failed with invalid MFA one time pass code.',
  );
});

test('role credentials expire with the clock, and a TokenIssueTime deny revokes older sessions', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'short', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'short', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }));
  const creds = await newUser('gus');
  await allowUser('gus', assumeAllowed);
  const arn = `arn:aws:iam::${acct}:role/short`;
  // Start five minutes "in the past" so that moving the clock past expiry stays within signature skew.
  clock.set(Date.now() - 300_000);
  const old = sessionCreds(await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'old', DurationSeconds: 900 })));
  await new IAMClient(sdkConfig(s, old)).send(new ListUsersCommand({}));
  clock.advance(60_000);
  // "Revoke active sessions": deny everything to sessions issued before now.
  const cutoff = new Date(clock.now().getTime() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'short',
      PolicyName: 'AWSRevokeOlderSessions',
      PolicyDocument: doc([{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } }]),
    }),
  );
  await rejectsWith(new IAMClient(sdkConfig(s, old)).send(new ListUsersCommand({})), 'AccessDenied', 403, /with an explicit deny in an identity-based policy$/);
  const fresh = sessionCreds(await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'new', DurationSeconds: 900 })));
  await new IAMClient(sdkConfig(s, fresh)).send(new ListUsersCommand({}));
  clock.advance(901_000);
  try {
    await rejectsWith(sts(fresh).send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
  } finally {
    clock.set(Date.now());
  }
});

test('cross-account: the other account must trust the caller and the caller\'s account must allow it', async () => {
  const other = await s.nimbus.store.write((tx) => createAccount(tx, { now: clock.now() }));
  const otherRoot: Creds = { accessKeyId: other.rootKey.accessKeyId, secretAccessKey: other.rootKey.secretAccessKey };
  const otherIam = new IAMClient(sdkConfig(s, otherRoot));
  const otherAcct = other.account.accountId;
  await otherIam.send(new CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }) }));
  await otherIam.send(new PutRolePolicyCommand({ RoleName: 'partner', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }));
  const creds = await newUser('hal');
  const arn = `arn:aws:iam::${otherAcct}:role/partner`;
  // Trusted by the other account, but hal's own account grants nothing.
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x-acct' })), 'AccessDenied', 403, /because no identity-based policy allows the sts:AssumeRole action$/);
  await allowUser('hal', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn }]);
  const r = await sts(creds).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x-acct' }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${otherAcct}:assumed-role/partner/x-acct`);
  const id = await sts(sessionCreds(r)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Account, otherAcct);
  // The session works in the role's account, on that account's users.
  const listed = await new IAMClient(sdkConfig(s, sessionCreds(r))).send(new ListUsersCommand({}));
  assert.ok(!listed.Users!.some((u) => u.UserName === 'hal'));
  // A role in the other account that does not trust this account stays closed even to an allowed caller.
  await otherIam.send(new CreateRoleCommand({ RoleName: 'closed', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${otherAcct}:root` }) }));
  await allowUser('hal', assumeAllowed);
  await rejectsWith(sts(creds).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${otherAcct}:role/closed`, RoleSessionName: 'x' + 'y' })), 'AccessDenied', 403);
});

test('GetFederationToken: the federated user gets the intersection of the user and the session policy', async () => {
  const creds = await newUser('ida');
  await allowUser('ida', [
    { Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' },
    { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
  ]);
  const r = await sts(creds).send(
    new GetFederationTokenCommand({ Name: 'bob-fed', Policy: doc([{ Effect: 'Allow', Action: ['ec2:DescribeRegions', 'ec2:DescribeAvailabilityZones'], Resource: '*' }]) }),
  );
  assert.equal(r.FederatedUser!.Arn, `arn:aws:sts::${acct}:federated-user/bob-fed`);
  assert.equal(r.FederatedUser!.FederatedUserId, `${acct}:bob-fed`);
  const fed = sessionCreds(r);
  assert.equal((await sts(fed).send(new GetCallerIdentityCommand({}))).Arn, r.FederatedUser!.Arn);
  await new EC2Client(sdkConfig(s, fed)).send(new DescribeRegionsCommand({}));
  // No session policy: the federated user has no permissions at all.
  const bare = sessionCreds(await sts(creds).send(new GetFederationTokenCommand({ Name: 'nothing' })));
  await rejectsWith(new EC2Client(sdkConfig(s, bare)).send(new DescribeRegionsCommand({})), 'UnauthorizedOperation', 403, /because no session policy allows the ec2:DescribeRegions action/);
  // Federated users cannot call IAM.
  await rejectsWith(new IAMClient(sdkConfig(s, fed)).send(new ListUsersCommand({})), 'InvalidClientTokenId', 403);
});

test('credentials are not issued in an opt-in Region the account has not enabled (RegionDisabledException)', async () => {
  const creds = await newUser('ivo');
  await allowUser('ivo', [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:GetFederationToken'], Resource: '*' }]);
  await iam.send(new CreateRoleCommand({ RoleName: 'regional', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${acct}:root` }) }));
  const inRegion = (region: string, c: Creds) => new STSClient({ ...sdkConfig(s, c), region });
  const message = `STS is not activated in this region for account:${acct}. Your account administrator can activate STS in this region using the IAM Console.`;
  await rejectsWith(
    inRegion('af-south-1', creds).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/regional`, RoleSessionName: 'cape-town' })),
    'RegionDisabledException',
    403,
    message,
  );
  await rejectsWith(inRegion('ap-east-1', creds).send(new GetFederationTokenCommand({ Name: 'hk' })), 'RegionDisabledException', 403, message);
  // Regions enabled by default (and the global endpoint) issue them.
  const r = await inRegion('eu-west-3', creds).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/regional`, RoleSessionName: 'paris' }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${acct}:assumed-role/regional/paris`);
});
