/**
 * The spine, end to end through the real JavaScript SDK v3: IAM users and access keys, and STS
 * GetCallerIdentity, with root keys and with a user's keys.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
  DeleteUserCommand,
  CreateAccessKeyCommand,
  ListAccessKeysCommand,
  DeleteAccessKeyCommand,
  PutUserPolicyCommand,
  DeleteUserPolicyCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startTestServer, sdkConfig, rejectsWith, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

test('root: GetCallerIdentity answers the account root', async () => {
  const sts = new STSClient(sdkConfig(s));
  const id = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(id.Account, s.accountId);
  assert.equal(id.Arn, `arn:aws:iam::${s.accountId}:root`);
  assert.equal(id.UserId, s.accountId);
  assert.match(s.root.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
});

test('create, get, list, delete a user; duplicate and missing users get AWS errors', async () => {
  const iam = new IAMClient(sdkConfig(s));
  const created = await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'core' }] }));
  assert.equal(created.User?.UserName, 'alice');
  assert.equal(created.User?.Path, '/eng/');
  assert.equal(created.User?.Arn, `arn:aws:iam::${s.accountId}:user/eng/alice`);
  assert.match(created.User!.UserId!, /^AIDA[A-Z0-9]{17}$/);
  assert.ok(created.User?.CreateDate instanceof Date);
  assert.deepEqual(created.User?.Tags, [{ Key: 'team', Value: 'core' }]);

  const got = await iam.send(new GetUserCommand({ UserName: 'alice' }));
  assert.equal(got.User?.UserId, created.User?.UserId);
  assert.equal(got.User?.CreateDate?.toISOString().slice(0, 19), created.User?.CreateDate?.toISOString().slice(0, 19));

  await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'ALICE' })), (e: any) => {
    assert.equal(e.name, 'EntityAlreadyExistsException');
    assert.equal(e.$metadata.httpStatusCode, 409);
    assert.equal(e.message, 'User with name ALICE already exists.');
    return true;
  });
  await assert.rejects(iam.send(new GetUserCommand({ UserName: 'nobody' })), (e: any) => {
    assert.equal(e.name, 'NoSuchEntityException');
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.message, 'The user with name nobody cannot be found.');
    return true;
  });

  const list = await iam.send(new ListUsersCommand({}));
  assert.ok(list.Users?.some((u) => u.UserName === 'alice'));
  const byPath = await iam.send(new ListUsersCommand({ PathPrefix: '/nope/' }));
  assert.deepEqual(byPath.Users, []);

  await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
  await assert.rejects(iam.send(new GetUserCommand({ UserName: 'alice' })), { name: 'NoSuchEntityException' });
});

test('ListUsers paginates with Marker / MaxItems / IsTruncated', async () => {
  const iam = new IAMClient(sdkConfig(s));
  const names = Array.from({ length: 23 }, (_, i) => `page-user-${String(i).padStart(2, '0')}`);
  for (const n of names) await iam.send(new CreateUserCommand({ UserName: n, Path: '/paging/' }));
  const first = await iam.send(new ListUsersCommand({ PathPrefix: '/paging/', MaxItems: 10 }));
  assert.equal(first.Users?.length, 10);
  assert.equal(first.IsTruncated, true);
  assert.ok(first.Marker);
  const seen: string[] = [];
  for await (const page of paginateListUsers({ client: iam, pageSize: 7 }, { PathPrefix: '/paging/' })) {
    assert.ok((page.Users?.length ?? 0) <= 7);
    for (const u of page.Users ?? []) seen.push(u.UserName!);
  }
  assert.deepEqual(seen, names);
  await assert.rejects(iam.send(new ListUsersCommand({ MaxItems: 0 })), (e: any) => e.name === 'ValidationError' && e.$metadata.httpStatusCode === 400);
  for (const n of names) await iam.send(new DeleteUserCommand({ UserName: n }));
});

test("a user's access keys: create, authenticate as the user, list, limit of 2, delete", async () => {
  const iam = new IAMClient(sdkConfig(s));
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));
  const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
  assert.match(k1.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(k1.SecretAccessKey!.length, 40);
  assert.equal(k1.Status, 'Active');
  assert.equal(k1.UserName, 'bob');

  const asBob = { accessKeyId: k1.AccessKeyId!, secretAccessKey: k1.SecretAccessKey! };
  const id = await new STSClient(sdkConfig(s, asBob)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, `arn:aws:iam::${s.accountId}:user/bob`);
  assert.equal(id.Account, s.accountId);
  assert.match(id.UserId!, /^AIDA/);

  // A user without any policy may call nothing but GetCallerIdentity.
  const bobIam = new IAMClient(sdkConfig(s, asBob));
  await rejectsWith(
    bobIam.send(new GetUserCommand({})),
    'AccessDenied',
    403,
    `User: arn:aws:iam::${s.accountId}:user/bob is not authorized to perform: iam:GetUser on resource: arn:aws:iam::${s.accountId}:user/bob because no identity-based policy allows the iam:GetUser action`,
  );
  // The usual self-service policy: a user manages its own keys (${aws:username}).
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'self',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:GetUser', 'iam:*AccessKey*'], Resource: 'arn:aws:iam::*:user/${aws:username}' }],
      }),
    }),
  );
  const me = await bobIam.send(new GetUserCommand({}));
  assert.equal(me.User?.UserName, 'bob');
  const k2 = (await bobIam.send(new CreateAccessKeyCommand({}))).AccessKey!;
  assert.equal(k2.UserName, 'bob');
  await assert.rejects(iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })), (e: any) => {
    assert.equal(e.name, 'LimitExceededException');
    assert.equal(e.message, 'Cannot exceed quota for AccessKeysPerUser: 2');
    return true;
  });
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }));
  assert.deepEqual(listed.AccessKeyMetadata?.map((m) => m.AccessKeyId).sort(), [k1.AccessKeyId, k2.AccessKeyId].sort());
  assert.ok(listed.AccessKeyMetadata?.every((m) => m.UserName === 'bob' && m.Status === 'Active'));

  await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'bob' })), (e: any) => e.name === 'DeleteConflictException' && e.$metadata.httpStatusCode === 409);

  await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: k1.AccessKeyId! }));
  // A deleted key is rejected at once.
  await assert.rejects(new STSClient(sdkConfig(s, asBob)).send(new GetCallerIdentityCommand({})), (e: any) => {
    assert.equal(e.name, 'InvalidClientTokenId');
    assert.equal(e.$metadata.httpStatusCode, 403);
    return true;
  });
  await assert.rejects(iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: k1.AccessKeyId! })), { name: 'NoSuchEntityException' });
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: k2.AccessKeyId! }));
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'bob', PolicyName: 'self' }));
  await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
});

test('model validation answers ValidationError with AWS message form', async () => {
  const iam = new IAMClient(sdkConfig(s));
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'x'.repeat(65) })), (e: any) => {
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.message, /^1 validation error detected: Value '.*' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64$/);
    return true;
  });
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'bad name!' })), (e: any) => e.name === 'ValidationError' && /regular expression pattern/.test(e.message));
  await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'pathless', Path: 'no-slashes' })), (e: any) => e.name === 'ValidationError' && /at 'path'/.test(e.message));
});

test('AWS_ENDPOINT_URL alone points the SDK at Nimbus', async () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = s.endpoint;
  try {
    const sts = new STSClient({ region: 'eu-west-1', credentials: s.root, maxAttempts: 1 });
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, s.accountId);
  } finally {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
  }
});
