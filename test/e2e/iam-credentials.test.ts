/**
 * IAM user credentials end to end through the real JavaScript SDK v3 and the AWS CLI v2: access key
 * status (UpdateAccessKey, refused at once by the authenticator), GetAccessKeyLastUsed, UpdateUser
 * renames carrying everything the user holds, login profiles with the account password policy, and
 * ChangePassword by the user itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  GetUserCommand,
  DeleteUserCommand,
  UpdateUserCommand,
  CreateAccessKeyCommand,
  ListAccessKeysCommand,
  DeleteAccessKeyCommand,
  UpdateAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
  GetGroupCommand,
  ListGroupsForUserCommand,
  PutUserPolicyCommand,
  ListUserPoliciesCommand,
  DeleteUserPolicyCommand,
  CreatePolicyCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  CreateLoginProfileCommand,
  GetLoginProfileCommand,
  UpdateLoginProfileCommand,
  DeleteLoginProfileCommand,
  ChangePasswordCommand,
  UpdateAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, ManualClock, type TestServer, type Creds } from './harness.js';
import { recordAccessKeyUse } from '../../src/services/iam/users.js';
import { checkConsolePassword } from '../../src/services/iam/login-profiles.js';

// The server's clock starts at the real time (clients sign with it), whole seconds (IAM's dates on the wire).
const T0 = Math.floor(Date.now() / 1000) * 1000;
const clock = new ManualClock(T0);
/**
 * An IAM client whose signing clock follows the server's ManualClock (for tests that move time far).
 * One per request: the SDK re-samples its clock offset from each response's Date header.
 */
const iamAtClock = () => new IAMClient({ ...sdkConfig(s), systemClockOffset: clock.now().getTime() - Date.now() });
let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  await s.close();
});

const allow = (...actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

async function userWithKey(name: string): Promise<Creds> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

const whoAmI = (creds: Creds) => new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}));

async function cleanupUser(name: string): Promise<void> {
  for (const k of (await iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? []) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }));
  }
  await iam.send(new DeleteLoginProfileCommand({ UserName: name })).catch(() => undefined);
  for (const p of (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? []) {
    await iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: p }));
  }
  await iam.send(new DeleteUserCommand({ UserName: name }));
}

// ---------------------------------------------------------------------------------------------
// Access keys

test('UpdateAccessKey: an inactive key is refused at once (InvalidClientTokenId); reactivated, it works again', async () => {
  const creds = await userWithKey('kate');
  assert.equal((await whoAmI(creds)).Arn, `arn:aws:iam::${s.accountId}:user/kate`);

  await iam.send(new UpdateAccessKeyCommand({ UserName: 'kate', AccessKeyId: creds.accessKeyId, Status: 'Inactive' }));
  await rejectsWith(whoAmI(creds), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'kate' }));
  assert.deepEqual(listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]), [[creds.accessKeyId, 'Inactive']]);

  await iam.send(new UpdateAccessKeyCommand({ UserName: 'kate', AccessKeyId: creds.accessKeyId, Status: 'Active' }));
  assert.equal((await whoAmI(creds)).Arn, `arn:aws:iam::${s.accountId}:user/kate`);

  // A user may manage its own keys without naming itself (given the permission).
  await iam.send(new PutUserPolicyCommand({ UserName: 'kate', PolicyName: 'keys', PolicyDocument: allow('iam:UpdateAccessKey', 'iam:ListAccessKeys') }));
  const own = new IAMClient(sdkConfig(s, creds));
  const second = (await iam.send(new CreateAccessKeyCommand({ UserName: 'kate' }))).AccessKey!;
  await own.send(new UpdateAccessKeyCommand({ AccessKeyId: second.AccessKeyId, Status: 'Inactive' }));
  const mine = await own.send(new ListAccessKeysCommand({}));
  assert.deepEqual(
    mine.AccessKeyMetadata?.map((k) => k.Status).sort(),
    ['Active', 'Inactive'],
  );

  // Unknown keys, and keys of someone else, are NoSuchEntity.
  await rejectsWith(
    iam.send(new UpdateAccessKeyCommand({ UserName: 'kate', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Inactive' })),
    'NoSuchEntityException', 404, 'The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.',
  );
  await userWithKey('lou');
  await rejectsWith(
    iam.send(new UpdateAccessKeyCommand({ UserName: 'lou', AccessKeyId: creds.accessKeyId, Status: 'Inactive' })),
    'NoSuchEntityException', 404, `The Access Key with id ${creds.accessKeyId} cannot be found.`,
  );
  await rejectsWith(
    iam.send(new UpdateAccessKeyCommand({ UserName: 'nobody', AccessKeyId: creds.accessKeyId, Status: 'Inactive' })),
    'NoSuchEntityException', 404, 'The user with name nobody cannot be found.',
  );
  assert.equal((await whoAmI(creds)).Arn, `arn:aws:iam::${s.accountId}:user/kate`);
  await cleanupUser('kate');
  await cleanupUser('lou');
});

test('GetAccessKeyLastUsed: N/A until used; then date, service and region, written at most once an hour', async () => {
  const creds = await userWithKey('mia');
  const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.equal(never.UserName, 'mia');
  assert.deepEqual(never.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });

  const t0 = new Date('2026-03-01T10:05:00Z');
  await s.nimbus.store.write((tx) => recordAccessKeyUse(tx, creds.accessKeyId, 'sts', 'eu-west-1', t0));
  let got = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.deepEqual(got.AccessKeyLastUsed, { LastUsedDate: t0, ServiceName: 'sts', Region: 'eu-west-1' });

  // Same hour, same service and region: nothing new is written.
  await s.nimbus.store.write((tx) => recordAccessKeyUse(tx, creds.accessKeyId, 'sts', 'eu-west-1', new Date('2026-03-01T10:55:00Z')));
  got = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.deepEqual(got.AccessKeyLastUsed?.LastUsedDate, t0);
  // Another service in the same hour, or the next hour, is recorded.
  const t1 = new Date('2026-03-01T10:56:00Z');
  await s.nimbus.store.write((tx) => recordAccessKeyUse(tx, creds.accessKeyId, 'iam', 'us-east-1', t1));
  got = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.deepEqual(got.AccessKeyLastUsed, { LastUsedDate: t1, ServiceName: 'iam', Region: 'us-east-1' });
  const t2 = new Date('2026-03-01T11:00:01Z');
  await s.nimbus.store.write((tx) => recordAccessKeyUse(tx, creds.accessKeyId, 'iam', 'us-east-1', t2));
  got = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.deepEqual(got.AccessKeyLastUsed?.LastUsedDate, t2);

  // A root key has no user name (this test has been calling IAM with it); an unknown key is NoSuchEntity.
  const root = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: s.root.accessKeyId }));
  assert.equal(root.UserName, undefined);
  assert.equal(root.AccessKeyLastUsed?.ServiceName, 'iam');
  await rejectsWith(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })), 'NoSuchEntityException', 404);
  await cleanupUser('mia');
});

// ---------------------------------------------------------------------------------------------
// UpdateUser

test('UpdateUser: a rename and a new path carry groups, policies, keys, tags, login profile and sessions', async () => {
  const created = await iam.send(new CreateUserCommand({ UserName: 'ned', Path: '/a/', Tags: [{ Key: 'team', Value: 'core' }] }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ned' }))).AccessKey!;
  const creds: Creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  await iam.send(new CreateGroupCommand({ GroupName: 'ops' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'ops', UserName: 'ned' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'ned', PolicyName: 'inline', PolicyDocument: allow('iam:GetUser') }));
  const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ned-managed', PolicyDocument: allow('iam:ListUsers') }))).Policy!.Arn!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'ned', PolicyArn: arn }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'ned', Password: 'Corr3ct-horse' }));
  const session = (await new STSClient(sdkConfig(s, creds)).send(new GetSessionTokenCommand({}))).Credentials!;
  const sessionCreds: Creds = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };

  await iam.send(new UpdateUserCommand({ UserName: 'NED', NewUserName: 'Edward', NewPath: '/b/' }));

  await rejectsWith(iam.send(new GetUserCommand({ UserName: 'ned' })).then((r) => r.User?.UserName), 'NoSuchEntityException', 404);
  const got = (await iam.send(new GetUserCommand({ UserName: 'edward' }))).User!;
  assert.equal(got.UserName, 'Edward');
  assert.equal(got.Path, '/b/');
  assert.equal(got.Arn, `arn:aws:iam::${s.accountId}:user/b/Edward`);
  assert.equal(got.UserId, created.User!.UserId);
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'Edward' }))).Tags, [{ Key: 'team', Value: 'core' }]);
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'Edward' }))).Groups?.map((g) => g.GroupName), ['ops']);
  assert.deepEqual((await iam.send(new GetGroupCommand({ GroupName: 'ops' }))).Users?.map((u) => u.UserName), ['Edward']);
  assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'Edward' }))).PolicyNames, ['inline']);
  assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'Edward' }))).AttachedPolicies?.map((p) => p.PolicyArn), [arn]);
  const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PathPrefix: '/b/' }));
  assert.deepEqual(entities.PolicyUsers?.map((u) => u.UserName), ['Edward']);
  assert.deepEqual((await iam.send(new ListAccessKeysCommand({ UserName: 'Edward' }))).AccessKeyMetadata?.map((k) => [k.UserName, k.AccessKeyId]), [
    ['Edward', creds.accessKeyId],
  ]);
  assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: 'Edward' }))).LoginProfile?.UserName, 'Edward');
  // The long-term key and the session issued before the rename both still sign in, as the new ARN.
  assert.equal((await whoAmI(creds)).Arn, `arn:aws:iam::${s.accountId}:user/b/Edward`);
  assert.equal((await whoAmI(sessionCreds)).Arn, `arn:aws:iam::${s.accountId}:user/b/Edward`);
  // The inline policy still applies to the renamed user.
  assert.equal((await new IAMClient(sdkConfig(s, creds)).send(new GetUserCommand({}))).User?.UserName, 'Edward');
  // A login profile now blocks DeleteUser (after access keys), under the new name.
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'Edward', AccessKeyId: creds.accessKeyId }));
  await rejectsWith(iam.send(new DeleteUserCommand({ UserName: 'Edward' })), 'DeleteConflictException', 409, 'Cannot delete entity, must delete login profile first.');
  await iam.send(new DeleteLoginProfileCommand({ UserName: 'Edward' }));
  await rejectsWith(iam.send(new DeleteUserCommand({ UserName: 'Edward' })), 'DeleteConflictException', 409, 'Cannot delete entity, must remove users from group first.');
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'ops', UserName: 'Edward' }));
  await iam.send(new DetachUserPolicyCommand({ UserName: 'Edward', PolicyArn: arn }));
  await cleanupUser('Edward');
});

test('UpdateUser: a taken name (in any case) is EntityAlreadyExists; a missing user NoSuchEntity; case-only renames work', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'olga' }));
  await iam.send(new CreateUserCommand({ UserName: 'pete' }));
  await rejectsWith(iam.send(new UpdateUserCommand({ UserName: 'olga', NewUserName: 'PETE' })), 'EntityAlreadyExistsException', 409,
    'User with name PETE already exists.');
  await rejectsWith(iam.send(new UpdateUserCommand({ UserName: 'ghost', NewUserName: 'x' })), 'NoSuchEntityException', 404,
    'The user with name ghost cannot be found.');
  await iam.send(new UpdateUserCommand({ UserName: 'olga', NewUserName: 'Olga' }));
  assert.equal((await iam.send(new GetUserCommand({ UserName: 'olga' }))).User?.UserName, 'Olga');
  await iam.send(new UpdateUserCommand({ UserName: 'pete', NewPath: '/p/' }));
  assert.equal((await iam.send(new GetUserCommand({ UserName: 'pete' }))).User?.Arn, `arn:aws:iam::${s.accountId}:user/p/pete`);
  await cleanupUser('Olga');
  await cleanupUser('pete');
});

// ---------------------------------------------------------------------------------------------
// Login profiles and the password policy

test('login profiles: create, get, update, delete, with AWS default password rules when no policy is set', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'quinn' }));
  // AWS's default rules: 8+ characters with three of upper, lower, digits, symbols.
  for (const weak of ['Ab1!xy', 'alllowercase', 'lowercase123', 'UPPERCASE12', '!!!!lower']) {
    await rejectsWith(iam.send(new CreateLoginProfileCommand({ UserName: 'quinn', Password: weak })), 'PasswordPolicyViolationException', 400,
      'Password does not conform to the account password policy.');
  }
  clock.set(T0);
  const made = await iam.send(new CreateLoginProfileCommand({ UserName: 'quinn', Password: 'UPPER-lower', PasswordResetRequired: true }));
  assert.deepEqual(made.LoginProfile, { UserName: 'quinn', CreateDate: new Date(T0), PasswordResetRequired: true });
  await rejectsWith(iam.send(new CreateLoginProfileCommand({ UserName: 'quinn', Password: 'UPPER-lower2' })), 'EntityAlreadyExistsException', 409,
    'Login Profile for user quinn already exists.');
  await rejectsWith(iam.send(new CreateLoginProfileCommand({ UserName: 'nobody', Password: 'UPPER-lower2' })), 'NoSuchEntityException', 404,
    'The user with name nobody cannot be found.');

  clock.advance(60_000);
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'quinn', Password: 'Another-0ne', PasswordResetRequired: false }));
  const got = (await iam.send(new GetLoginProfileCommand({ UserName: 'quinn' }))).LoginProfile!;
  assert.deepEqual(got, { UserName: 'quinn', CreateDate: new Date(T0), PasswordResetRequired: false });
  await rejectsWith(iam.send(new UpdateLoginProfileCommand({ UserName: 'quinn', Password: 'short' })), 'PasswordPolicyViolationException', 400,
    'Password does not conform to the account password policy.');
  // The password was not changed by the refused update.
  const check = await s.nimbus.store.read((tx) => checkConsolePassword(tx, s.accountId, 'quinn', 'Another-0ne', clock.now()));
  assert.deepEqual(check, { ok: true, passwordResetRequired: false, expired: false });

  await rejectsWith(iam.send(new DeleteUserCommand({ UserName: 'quinn' })), 'DeleteConflictException', 409, 'Cannot delete entity, must delete login profile first.');
  await iam.send(new DeleteLoginProfileCommand({ UserName: 'quinn' }));
  await rejectsWith(iam.send(new GetLoginProfileCommand({ UserName: 'quinn' })), 'NoSuchEntityException', 404, 'Login Profile for User quinn cannot be found.');
  await rejectsWith(iam.send(new DeleteLoginProfileCommand({ UserName: 'quinn' })), 'NoSuchEntityException', 404, 'Login Profile for User quinn cannot be found.');
  await rejectsWith(iam.send(new UpdateLoginProfileCommand({ UserName: 'quinn', PasswordResetRequired: true })), 'NoSuchEntityException', 404,
    'Login Profile for User quinn cannot be found.');
  await iam.send(new DeleteUserCommand({ UserName: 'quinn' }));
});

test('the account password policy: rules, reuse prevention, and ChangePassword by the user itself', async () => {
  await iam.send(new UpdateAccountPasswordPolicyCommand({
    MinimumPasswordLength: 10,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    PasswordReusePrevention: 2,
    AllowUsersToChangePassword: true,
  }));
  try {
    const creds = await userWithKey('rosa');
    // Each misses one rule (length 9; no uppercase; no lowercase; no digit; no symbol).
    for (const bad of ['Sh0rt!pas', 'nouppercase1!', 'NOLOWERCASE1!', 'NoDigitsHere!', 'NoSymbols1234']) {
      await rejectsWith(iam.send(new CreateLoginProfileCommand({ UserName: 'rosa', Password: bad })), 'PasswordPolicyViolationException', 400,
        'Password does not conform to the account password policy.');
    }
    await iam.send(new CreateLoginProfileCommand({ UserName: 'rosa', Password: 'Sh0rt!pass', PasswordResetRequired: true }));

    // ChangePassword: the user's own, with its old password; it needs iam:ChangePassword as any action.
    await iam.send(new PutUserPolicyCommand({ UserName: 'rosa', PolicyName: 'pw', PolicyDocument: allow('iam:ChangePassword', 'iam:GetLoginProfile') }));
    const own = new IAMClient(sdkConfig(s, creds));
    await rejectsWith(own.send(new ChangePasswordCommand({ OldPassword: 'Wrong!pass1', NewPassword: 'N3w!password' })), 'AccessDenied', 403,
      'The old password was incorrect.');
    await rejectsWith(own.send(new ChangePasswordCommand({ OldPassword: 'Sh0rt!pass', NewPassword: 'Sh0rt!pass' })), 'PasswordPolicyViolationException', 400,
      'Policy constraint violation with password reuse prevention during password change.');
    await rejectsWith(own.send(new ChangePasswordCommand({ OldPassword: 'Sh0rt!pass', NewPassword: 'weak' })), 'PasswordPolicyViolationException', 400,
      'Password does not conform to the account password policy.');
    await own.send(new ChangePasswordCommand({ OldPassword: 'Sh0rt!pass', NewPassword: 'N3w!password' }));
    assert.equal((await own.send(new GetLoginProfileCommand({}))).LoginProfile?.PasswordResetRequired, false);
    // The last two passwords cannot come back; the third-last can.
    await own.send(new ChangePasswordCommand({ OldPassword: 'N3w!password', NewPassword: 'Th1rd!password' }));
    await rejectsWith(own.send(new ChangePasswordCommand({ OldPassword: 'Th1rd!password', NewPassword: 'N3w!password' })), 'PasswordPolicyViolationException', 400,
      'Policy constraint violation with password reuse prevention during password change.');
    await rejectsWith(iam.send(new UpdateLoginProfileCommand({ UserName: 'rosa', Password: 'Th1rd!password' })), 'PasswordPolicyViolationException', 400,
      'Policy constraint violation with password reuse prevention during password change.');
    await own.send(new ChangePasswordCommand({ OldPassword: 'Th1rd!password', NewPassword: 'Sh0rt!pass' }));
    const ok = await s.nimbus.store.read((tx) => checkConsolePassword(tx, s.accountId, 'rosa', 'Sh0rt!pass', clock.now()));
    assert.equal(ok.ok, true);

    // The root user cannot call ChangePassword.
    await rejectsWith(iam.send(new ChangePasswordCommand({ OldPassword: 'Sh0rt!pass', NewPassword: 'N3w!password2' })), 'InvalidUserTypeException', 400);
    await cleanupUser('rosa');
  } finally {
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  }
});

test('MaxPasswordAge: the console check reports an expired password; a new password starts a new age', async () => {
  clock.set(T0);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MaxPasswordAge: 30 }));
  try {
    await iam.send(new CreateUserCommand({ UserName: 'sam' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'sam', Password: 'Pa55word!' }));
    const check = (p: string) => s.nimbus.store.read((tx) => checkConsolePassword(tx, s.accountId, 'sam', p, clock.now()));
    assert.deepEqual(await check('Pa55word!'), { ok: true, passwordResetRequired: false, expired: false });
    clock.advance(30 * 86_400_000 - 1000);
    assert.deepEqual(await check('Pa55word!'), { ok: true, passwordResetRequired: false, expired: false });
    clock.advance(1000);
    assert.deepEqual(await check('Pa55word!'), { ok: true, passwordResetRequired: false, expired: true });
    assert.deepEqual(await check('wrong'), { ok: false, reason: 'wrong-password' });
    await iamAtClock().send(new UpdateLoginProfileCommand({ UserName: 'sam', Password: 'Fr3sh!word' }));
    assert.deepEqual(await check('Fr3sh!word'), { ok: true, passwordResetRequired: false, expired: false });
    assert.deepEqual(await check('Pa55word!'), { ok: false, reason: 'wrong-password' });
    await iamAtClock().send(new DeleteLoginProfileCommand({ UserName: 'sam' }));
    await iamAtClock().send(new DeleteUserCommand({ UserName: 'sam' }));
    await iamAtClock().send(new DeleteAccountPasswordPolicyCommand({}));
  } finally {
    clock.set(T0);
    await iam.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);
  }
});

// ---------------------------------------------------------------------------------------------
// AWS CLI v2

test('AWS CLI v2: update-access-key, create-login-profile, a password policy violation, update-user', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const creds = await userWithKey('tess');
  let r = await runAwsCli(s, ['iam', 'update-access-key', '--user-name', 'tess', '--access-key-id', creds.accessKeyId, '--status', 'Inactive']);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'list-access-keys', '--user-name', 'tess']);
  assert.equal(r.json.AccessKeyMetadata[0].Status, 'Inactive');
  r = await runAwsCli(s, ['sts', 'get-caller-identity'], creds);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /InvalidClientTokenId/);
  r = await runAwsCli(s, ['iam', 'update-access-key', '--user-name', 'tess', '--access-key-id', creds.accessKeyId, '--status', 'Active']);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['sts', 'get-caller-identity'], creds);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'get-access-key-last-used', '--access-key-id', creds.accessKeyId]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.UserName, 'tess');
  // The pipeline records each key's use: tess's last call was STS GetCallerIdentity.
  assert.equal(r.json.AccessKeyLastUsed.ServiceName, 'sts');
  assert.match(r.json.AccessKeyLastUsed.LastUsedDate, /^\d{4}-\d\d-\d\dT/);

  r = await runAwsCli(s, ['iam', 'create-login-profile', '--user-name', 'tess', '--password', 'short']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /\(PasswordPolicyViolation\) when calling the CreateLoginProfile operation.*: Password does not conform to the account password policy\./);
  r = await runAwsCli(s, ['iam', 'create-login-profile', '--user-name', 'tess', '--password', 'Cli-Passw0rd', '--password-reset-required']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.LoginProfile.UserName, 'tess');
  assert.equal(r.json.LoginProfile.PasswordResetRequired, true);
  r = await runAwsCli(s, ['iam', 'get-login-profile', '--user-name', 'tess']);
  assert.equal(r.json.LoginProfile.PasswordResetRequired, true);

  r = await runAwsCli(s, ['iam', 'update-user', '--user-name', 'tess', '--new-user-name', 'tessa']);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'get-login-profile', '--user-name', 'tessa']);
  assert.equal(r.json.LoginProfile.UserName, 'tessa');
  r = await runAwsCli(s, ['sts', 'get-caller-identity'], creds);
  assert.equal(r.json.Arn, `arn:aws:iam::${s.accountId}:user/tessa`);
  r = await runAwsCli(s, ['iam', 'delete-login-profile', '--user-name', 'tessa']);
  assert.equal(r.status, 0, r.stderr);
  await cleanupUser('tessa');
});
