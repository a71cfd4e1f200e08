/**
 * IAM account settings end to end through the real JavaScript SDK v3: the account alias (one per
 * account, unique across accounts), the account password policy, and GetAccountSummary.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateAccountAliasCommand,
  ListAccountAliasesCommand,
  DeleteAccountAliasCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  CreateUserCommand,
  DeleteUserCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, type TestServer, type Creds, rejectsWith } from './harness.js';
import { createAccount } from '../../src/accounts/accounts.js';
import { getPasswordPolicy } from '../../src/services/iam/account.js';

let s: TestServer;
let iam: IAMClient;
let iam2: IAMClient;
let account2: string;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
  const { account, rootKey } = await s.nimbus.store.write((tx) => createAccount(tx, { now: new Date() }));
  account2 = account.accountId;
  const creds: Creds = { accessKeyId: rootKey.accessKeyId, secretAccessKey: rootKey.secretAccessKey };
  iam2 = new IAMClient(sdkConfig(s, creds));
});
after(async () => {
  await s.close();
});

const rejects = rejectsWith;

const aliases = async (c: IAMClient) => (await c.send(new ListAccountAliasesCommand({}))).AccountAliases;

test('account alias: create, replace, global uniqueness, delete', async () => {
  assert.deepEqual(await aliases(iam), []);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-prod' }));
  const list = await iam.send(new ListAccountAliasesCommand({}));
  assert.deepEqual(list.AccountAliases, ['acme-prod']);
  assert.equal(list.IsTruncated, false);

  // Re-creating one's own alias is fine; another account cannot take it.
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-prod' }));
  assert.deepEqual(await aliases(iam), ['acme-prod']);
  await rejects(iam2.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-prod' })), 'EntityAlreadyExistsException', 409,
    'The account alias acme-prod already exists.');
  assert.deepEqual(await aliases(iam2), []);

  // One alias per account: a new one replaces the old, which becomes free for others.
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-main' }));
  assert.deepEqual(await aliases(iam), ['acme-main']);
  await iam2.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-prod' }));
  assert.deepEqual(await aliases(iam2), ['acme-prod']);

  // Delete: the wrong alias (even another account's) is NoSuchEntity.
  await rejects(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'acme-prod' })), 'NoSuchEntityException', 404,
    'The account alias acme-prod cannot be found.');
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'acme-main' }));
  assert.deepEqual(await aliases(iam), []);
  assert.deepEqual(await aliases(iam2), ['acme-prod']);
  await rejects(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'acme-main' })), 'NoSuchEntityException', 404);
  // The freed alias can be taken again.
  await iam2.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-main' }));
  assert.deepEqual(await aliases(iam2), ['acme-main']);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'acme-prod' }));
  assert.deepEqual(await aliases(iam), ['acme-prod']);
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'acme-prod' }));
  await iam2.send(new DeleteAccountAliasCommand({ AccountAlias: 'acme-main' }));
});

test('account alias: the model pattern is enforced', async () => {
  for (const bad of ['Acme', 'a', '-acme', 'acme-', 'ac--me', 'acme_prod']) {
    await rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: bad })), 'ValidationError', 400);
  }
  assert.deepEqual(await aliases(iam), []);
});

test('password policy: none, defaults, full update, per account, delete', async () => {
  await rejects(iam.send(new GetAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404,
    `The Password Policy with domain name ${s.accountId} cannot be found.`);
  await rejects(iam.send(new DeleteAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404,
    'The account policy with name PasswordPolicy cannot be found.');

  // No members: AWS's defaults.
  await iam.send(new UpdateAccountPasswordPolicyCommand({}));
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 6,
    RequireSymbols: false,
    RequireNumbers: false,
    RequireUppercaseCharacters: false,
    RequireLowercaseCharacters: false,
    AllowUsersToChangePassword: false,
    ExpirePasswords: false,
  });

  await iam.send(new UpdateAccountPasswordPolicyCommand({
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    MaxPasswordAge: 90,
    PasswordReusePrevention: 24,
    HardExpiry: true,
  }));
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    ExpirePasswords: true,
    MaxPasswordAge: 90,
    PasswordReusePrevention: 24,
    HardExpiry: true,
  });
  const stored = await s.nimbus.store.read((tx) => getPasswordPolicy(tx, s.accountId));
  assert.equal(stored?.MinimumPasswordLength, 14);
  assert.equal(await s.nimbus.store.read((tx) => getPasswordPolicy(tx, account2)), undefined);

  // Not a partial update: members left out revert to their defaults.
  await iam.send(new UpdateAccountPasswordPolicyCommand({ RequireSymbols: true }));
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 6,
    RequireSymbols: true,
    RequireNumbers: false,
    RequireUppercaseCharacters: false,
    RequireLowercaseCharacters: false,
    AllowUsersToChangePassword: false,
    ExpirePasswords: false,
  });

  // The other account has its own (absent) policy.
  await rejects(iam2.send(new GetAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404,
    `The Password Policy with domain name ${account2} cannot be found.`);

  await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  await rejects(iam.send(new GetAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404);
});

test('password policy: out-of-range members answer ValidationError', async () => {
  const bad = [
    { MinimumPasswordLength: 5 },
    { MinimumPasswordLength: 129 },
    { MaxPasswordAge: 0 },
    { MaxPasswordAge: 1096 },
    { PasswordReusePrevention: 0 },
    { PasswordReusePrevention: 25 },
  ];
  for (const input of bad) {
    await rejects(iam.send(new UpdateAccountPasswordPolicyCommand(input)), 'ValidationError', 400);
  }
  await rejects(iam.send(new GetAccountPasswordPolicyCommand({})), 'NoSuchEntityException', 404);
  // The bounds themselves are accepted.
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 128, MaxPasswordAge: 1095, PasswordReusePrevention: 1 }));
  const p = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!;
  assert.equal(p.MinimumPasswordLength, 128);
  assert.equal(p.MaxPasswordAge, 1095);
  assert.equal(p.PasswordReusePrevention, 1);
  assert.equal(p.ExpirePasswords, true);
  await iam.send(new DeleteAccountPasswordPolicyCommand({}));
});

test('GetAccountSummary counts the account\'s entities and shows the quotas', async () => {
  const before = (await iam2.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(before.Users, 0);
  assert.equal(before.Groups, 0);
  assert.equal(before.UsersQuota, 5000);
  assert.equal(before.GroupsQuota, 300);
  assert.equal(before.RolesQuota, 1000);
  assert.equal(before.PoliciesQuota, 1500);
  assert.equal(before.AccessKeysPerUserQuota, 2);
  assert.equal(before.AccountAccessKeysPresent, 1);

  await iam2.send(new CreateUserCommand({ UserName: 'summary-a' }));
  await iam2.send(new CreateUserCommand({ UserName: 'summary-b' }));
  await iam2.send(new CreateGroupCommand({ GroupName: 'summary-g' }));
  const after = (await iam2.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(after.Users, 2);
  assert.equal(after.Groups, 1);
  // Counts are per account.
  const other = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(other.Users, 0);
  assert.equal(other.Groups, 0);
  await iam2.send(new DeleteUserCommand({ UserName: 'summary-a' }));
  await iam2.send(new DeleteUserCommand({ UserName: 'summary-b' }));
  await iam2.send(new DeleteGroupCommand({ GroupName: 'summary-g' }));
  assert.equal((await iam2.send(new GetAccountSummaryCommand({}))).SummaryMap!.Users, 0);
});

test('AWS CLI v2: password policy and alias as the CLI shows them', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const cred: Creds = s.root;
  let r = await runAwsCli(s, ['iam', 'get-account-password-policy'], cred);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /NoSuchEntity.*The Password Policy with domain name \d{12} cannot be found\./);
  r = await runAwsCli(s, ['iam', 'update-account-password-policy', '--minimum-password-length', '8', '--max-password-age', '30'], cred);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'get-account-password-policy'], cred);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.json, {
    PasswordPolicy: {
      MinimumPasswordLength: 8,
      RequireSymbols: false,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: true,
      MaxPasswordAge: 30,
    },
  });
  r = await runAwsCli(s, ['iam', 'delete-account-password-policy'], cred);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'create-account-alias', '--account-alias', 'cli-alias'], cred);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'list-account-aliases'], cred);
  assert.deepEqual(r.json, { AccountAliases: ['cli-alias'] });
  r = await runAwsCli(s, ['iam', 'delete-account-alias', '--account-alias', 'cli-alias'], cred);
  assert.equal(r.status, 0, r.stderr);
});
