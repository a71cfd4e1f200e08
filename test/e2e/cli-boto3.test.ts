/**
 * The spine through the AWS CLI v2 (Debian's awscli) and boto3 (Debian's python3-boto3),
 * with root keys and with a user's keys.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, runAwsCli, runBoto3, requireClient, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

test('aws sts get-caller-identity / iam create-user / list-users / user keys (AWS CLI v2)', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const who = await runAwsCli(s, ['sts', 'get-caller-identity']);
  assert.equal(who.status, 0, who.stderr);
  assert.equal(who.json.Account, s.accountId);
  assert.equal(who.json.Arn, `arn:aws:iam::${s.accountId}:root`);

  const created = await runAwsCli(s, ['iam', 'create-user', '--user-name', 'cli-user', '--path', '/cli/']);
  assert.equal(created.status, 0, created.stderr);
  assert.equal(created.json.User.Arn, `arn:aws:iam::${s.accountId}:user/cli/cli-user`);

  const listed = await runAwsCli(s, ['iam', 'list-users']);
  assert.equal(listed.status, 0, listed.stderr);
  assert.ok(listed.json.Users.some((u: any) => u.UserName === 'cli-user'));

  const dup = await runAwsCli(s, ['iam', 'create-user', '--user-name', 'cli-user']);
  assert.equal(dup.status, 254);
  assert.match(dup.stderr, /\(EntityAlreadyExists\) when calling the CreateUser operation( \(reached max retries: 0\))?: User with name cli-user already exists\./);

  const key = await runAwsCli(s, ['iam', 'create-access-key', '--user-name', 'cli-user']);
  assert.equal(key.status, 0, key.stderr);
  const userCreds = { accessKeyId: key.json.AccessKey.AccessKeyId, secretAccessKey: key.json.AccessKey.SecretAccessKey };
  const asUser = await runAwsCli(s, ['sts', 'get-caller-identity'], userCreds);
  assert.equal(asUser.status, 0, asUser.stderr);
  assert.equal(asUser.json.Arn, `arn:aws:iam::${s.accountId}:user/cli/cli-user`);

  const keys = await runAwsCli(s, ['iam', 'list-access-keys', '--user-name', 'cli-user']);
  assert.equal(keys.json.AccessKeyMetadata[0].AccessKeyId, userCreds.accessKeyId);

  const wrong = await runAwsCli(s, ['sts', 'get-caller-identity'], { ...userCreds, secretAccessKey: 'x'.repeat(40) });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /SignatureDoesNotMatch/);

  assert.equal((await runAwsCli(s, ['iam', 'delete-access-key', '--user-name', 'cli-user', '--access-key-id', userCreds.accessKeyId])).status, 0);
  assert.equal((await runAwsCli(s, ['iam', 'delete-user', '--user-name', 'cli-user'])).status, 0);
});

test('the same calls from boto3', async (t) => {
  if (!requireClient(t, 'boto3')) return;
  const r = await runBoto3(
    s,
    `
sts = boto3.client('sts', endpoint_url=ENDPOINT, region_name='us-east-1')
iam = boto3.client('iam', endpoint_url=ENDPOINT, region_name='us-east-1')
root = sts.get_caller_identity()
u = iam.create_user(UserName='py-user')['User']
k = iam.create_access_key(UserName='py-user')['AccessKey']
as_user = boto3.client('sts', endpoint_url=ENDPOINT, region_name='us-east-1',
    aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=k['SecretAccessKey']).get_caller_identity()
names = [x['UserName'] for x in iam.get_paginator('list_users').paginate(PaginationConfig={'PageSize': 1}).build_full_result()['Users']]
err = None
try:
    iam.get_user(UserName='nope')
except botocore.exceptions.ClientError as e:
    err = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message']]
iam.delete_access_key(UserName='py-user', AccessKeyId=k['AccessKeyId'])
iam.delete_user(UserName='py-user')
print(json.dumps({'root': root['Arn'], 'account': root['Account'], 'user': u['Arn'], 'asUser': as_user['Arn'], 'names': names, 'err': err}))
`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.root, `arn:aws:iam::${s.accountId}:root`);
  assert.equal(r.json.account, s.accountId);
  assert.equal(r.json.user, `arn:aws:iam::${s.accountId}:user/py-user`);
  assert.equal(r.json.asUser, r.json.user);
  assert.ok(r.json.names.includes('py-user'));
  assert.deepEqual(r.json.err, ['NoSuchEntity', 404, 'The user with name nope cannot be found.']);
});
