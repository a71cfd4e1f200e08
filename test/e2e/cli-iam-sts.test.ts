/**
 * IAM and STS areas whose other tests use the SDK, driven through the AWS CLI v2 as a user would:
 * instance profiles, user tags, deletion conflicts, AWS managed policies listed with Scope=AWS,
 * and STS assume-role, get-federation-token and decode-authorization-message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, runAwsCli, requireClient, type TestServer, type Creds } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

async function ok(args: string[], creds?: Creds) {
  const r = await runAwsCli(s, args, creds);
  assert.equal(r.status, 0, `aws ${args.join(' ')}: ${r.stderr}`);
  return r.json;
}
async function fails(args: string[], code: string, creds?: Creds): Promise<string> {
  const r = await runAwsCli(s, args, creds);
  assert.notEqual(r.status, 0, `aws ${args.join(' ')} should fail`);
  assert.match(r.stderr, new RegExp(`\\(${code}\\)`), r.stderr);
  return r.stderr;
}

test('instance profiles, user tags and deletion conflicts', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const trust = doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  await ok(['iam', 'create-role', '--role-name', 'web', '--assume-role-policy-document', trust]);
  await ok(['iam', 'create-role', '--role-name', 'web2', '--assume-role-policy-document', trust]);
  const profile = await ok(['iam', 'create-instance-profile', '--instance-profile-name', 'web-profile', '--path', '/apps/']);
  assert.equal(profile.InstanceProfile.Arn, `arn:aws:iam::${s.accountId}:instance-profile/apps/web-profile`);
  await ok(['iam', 'add-role-to-instance-profile', '--instance-profile-name', 'web-profile', '--role-name', 'web']);
  await fails(['iam', 'add-role-to-instance-profile', '--instance-profile-name', 'web-profile', '--role-name', 'web2'], 'LimitExceeded');
  const forRole = await ok(['iam', 'list-instance-profiles-for-role', '--role-name', 'web']);
  assert.deepEqual(forRole.InstanceProfiles.map((p: { InstanceProfileName: string }) => p.InstanceProfileName), ['web-profile']);
  await fails(['iam', 'delete-role', '--role-name', 'web'], 'DeleteConflict');

  await ok(['iam', 'create-user', '--user-name', 'tagged']);
  await ok(['iam', 'tag-user', '--user-name', 'tagged', '--tags', 'Key=team,Value=blue', 'Key=cost,Value=42']);
  const tags = await ok(['iam', 'list-user-tags', '--user-name', 'tagged']);
  assert.deepEqual(
    tags.Tags.map((x: { Key: string }) => x.Key).sort(),
    ['cost', 'team'],
  );
  await ok(['iam', 'create-access-key', '--user-name', 'tagged']);
  const conflict = await fails(['iam', 'delete-user', '--user-name', 'tagged'], 'DeleteConflict');
  assert.match(conflict, /must delete access keys first/);
  await fails(['iam', 'get-user', '--user-name', 'nobody-here'], 'NoSuchEntity');
  await fails(['iam', 'create-user', '--user-name', 'bad name!'], 'ValidationError');
});

test('AWS managed policies are listed with --scope AWS and cannot be changed', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const page = await ok(['iam', 'list-policies', '--scope', 'AWS', '--max-items', '5']);
  assert.equal(page.Policies.length, 5);
  assert.ok(page.Policies.every((p: { Arn: string }) => p.Arn.startsWith('arn:aws:iam::aws:policy/')));
  assert.ok(page.NextToken);
  const admin = await ok(['iam', 'get-policy', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess']);
  assert.equal(admin.Policy.PolicyName, 'AdministratorAccess');
  await fails(['iam', 'delete-policy', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess'], 'AccessDenied');
});

test('aws sts assume-role (with an external id), get-federation-token and decode-authorization-message', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  await ok(['iam', 'create-user', '--user-name', 'operator']);
  const key = (await ok(['iam', 'create-access-key', '--user-name', 'operator'])).AccessKey;
  const operator: Creds = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  await ok([
    'iam', 'put-user-policy', '--user-name', 'operator', '--policy-name', 'sts',
    '--policy-document', doc([{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:GetFederationToken', 'sts:DecodeAuthorizationMessage'], Resource: '*' }]),
  ]);
  const trust = doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-42' } } }]);
  await ok(['iam', 'create-role', '--role-name', 'partner-access', '--assume-role-policy-document', trust]);
  const roleArn = `arn:aws:iam::${s.accountId}:role/partner-access`;
  await fails(['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'cli', '--external-id', 'wrong-id'], 'AccessDenied', operator);
  const assumed = await ok(['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'cli', '--external-id', 'ext-42', '--duration-seconds', '900'], operator);
  assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${s.accountId}:assumed-role/partner-access/cli`);
  const session: Creds = { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken };
  assert.equal((await ok(['sts', 'get-caller-identity'], session)).Arn, assumed.AssumedRoleUser.Arn);

  const fed = await ok(['sts', 'get-federation-token', '--name', 'contractor', '--policy', doc([{ Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' }])], operator);
  assert.equal(fed.FederatedUser.Arn, `arn:aws:sts::${s.accountId}:federated-user/contractor`);

  // The role session has no EC2 permissions: the encoded message decodes with the operator's rights.
  const denied = await fails(['ec2', 'describe-regions', '--region', 'us-east-1'], 'UnauthorizedOperation', session);
  const encoded = /Encoded authorization failure message: (\S+)/.exec(denied)![1]!;
  const decoded = await ok(['sts', 'decode-authorization-message', '--encoded-message', encoded], operator);
  const message = JSON.parse(decoded.DecodedMessage);
  assert.equal(message.allowed, false);
  assert.equal(message.context.principal.arn, assumed.AssumedRoleUser.Arn);
  assert.equal(message.context.action, 'ec2:DescribeRegions');
});
