/**
 * Request authorization end to end: IAM users calling IAM, STS and EC2 through the real SDK and
 * the AWS CLI v2, decided by their policies exactly as AWS decides, with AWS's denial texts
 * (IAM User Guide, "Policy evaluation logic" and "Troubleshoot access denied error messages").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
  ListPoliciesCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  DeleteUserPolicyCommand,
  CreatePolicyCommand,
  AttachUserPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  CreateRoleCommand,
  CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  TagUserCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  GetAccessKeyLastUsedCommand,
} from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand, GetAccessKeyInfoCommand, DecodeAuthorizationMessageCommand } from '@aws-sdk/client-sts';
import { EC2Client, DescribeRegionsCommand, DescribeAvailabilityZonesCommand } from '@aws-sdk/client-ec2';
import { startTestServer, sdkConfig, rejectsWith, runAwsCli, requireClient, type TestServer, type Creds } from './harness.js';

let s: TestServer;
let iam: IAMClient;
let acct: string;

before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
  acct = s.accountId;
});
after(async () => {
  await s.close();
});

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

async function newUser(name: string, opts: { path?: string; tags?: Record<string, string> } = {}): Promise<Creds> {
  await iam.send(
    new CreateUserCommand({ UserName: name, Path: opts.path, Tags: opts.tags && Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

const allow = async (user: string, name: string, Statement: unknown[]) =>
  iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: doc(Statement) }));

const notAuthorized = (user: string, action: string, resource: string | undefined, reason: string) =>
  `User: arn:aws:iam::${acct}:user/${user} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} ${reason}`;
const noIdentityPolicy = (action: string) => `because no identity-based policy allows the ${action} action`;

test('a user with no policy is denied everything but GetCallerIdentity, in each service\'s words', async () => {
  const creds = await newUser('nobody');
  const me = new IAMClient(sdkConfig(s, creds));
  // AWS evaluates ListUsers on the listed path and names ListPolicies' resource "policy path /".
  await rejectsWith(me.send(new ListUsersCommand({})), 'AccessDenied', 403, notAuthorized('nobody', 'iam:ListUsers', `arn:aws:iam::${acct}:user/`, noIdentityPolicy('iam:ListUsers')));
  await rejectsWith(me.send(new ListPoliciesCommand({})), 'AccessDenied', 403, notAuthorized('nobody', 'iam:ListPolicies', 'policy path /', noIdentityPolicy('iam:ListPolicies')));
  await rejectsWith(
    me.send(new GetUserCommand({ UserName: 'someone-else' })),
    'AccessDenied',
    403,
    notAuthorized('nobody', 'iam:GetUser', `arn:aws:iam::${acct}:user/someone-else`, noIdentityPolicy('iam:GetUser')),
  );
  // Denied before the operation looks at state: a missing user is not revealed.
  await rejectsWith(me.send(new CreateUserCommand({ UserName: 'x', Path: '/eng/' })), 'AccessDenied', 403, notAuthorized('nobody', 'iam:CreateUser', `arn:aws:iam::${acct}:user/eng/x`, noIdentityPolicy('iam:CreateUser')));
  await rejectsWith(
    new STSClient(sdkConfig(s, creds)).send(new GetAccessKeyInfoCommand({ AccessKeyId: creds.accessKeyId })),
    'AccessDenied',
    403,
    notAuthorized('nobody', 'sts:GetAccessKeyInfo', undefined, noIdentityPolicy('sts:GetAccessKeyInfo')),
  );
  // EC2: UnauthorizedOperation with an encoded authorization failure message.
  await rejectsWith(
    new EC2Client(sdkConfig(s, creds)).send(new DescribeRegionsCommand({})),
    'UnauthorizedOperation',
    403,
    new RegExp(`^You are not authorized to perform this operation\\. User: arn:aws:iam::${acct}:user/nobody is not authorized to perform: ec2:DescribeRegions because no identity-based policy allows the ec2:DescribeRegions action\\. Encoded authorization failure message: [A-Za-z0-9_-]+$`),
  );
  // GetCallerIdentity needs no permission.
  const id = await new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, `arn:aws:iam::${acct}:user/nobody`);
});

test('a group policy allowing RemoveUserFromGroup on two groups works on those and is denied on a third', async () => {
  const creds = await newUser('gatekeeper');
  await newUser('member');
  for (const g of ['admins', 'devs', 'auditors', 'keepers']) await iam.send(new CreateGroupCommand({ GroupName: g }));
  for (const g of ['admins', 'devs', 'auditors']) await iam.send(new AddUserToGroupCommand({ GroupName: g, UserName: 'member' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'keepers', UserName: 'gatekeeper' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'keepers',
      PolicyName: 'remove-from-two',
      PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:RemoveUserFromGroup', Resource: [`arn:aws:iam::${acct}:group/admins`, `arn:aws:iam::${acct}:group/devs`] }]),
    }),
  );
  const me = new IAMClient(sdkConfig(s, creds));
  await me.send(new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'member' }));
  await me.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'member' }));
  await rejectsWith(
    me.send(new RemoveUserFromGroupCommand({ GroupName: 'auditors', UserName: 'member' })),
    'AccessDenied',
    403,
    notAuthorized('gatekeeper', 'iam:RemoveUserFromGroup', `arn:aws:iam::${acct}:group/auditors`, noIdentityPolicy('iam:RemoveUserFromGroup')),
  );
  // Leaving the group takes its permissions away on the next request.
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'keepers', UserName: 'gatekeeper' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'member' }));
  await rejectsWith(me.send(new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'member' })), 'AccessDenied', 403);
});

test('${aws:username} confines a user to its own IAM user, whatever its path', async () => {
  const creds = await newUser('carol', { path: '/staff/' });
  await newUser('dave');
  await allow('carol', 'self', [{ Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListAccessKeys'], Resource: 'arn:aws:iam::*:user/*/${aws:username}' }]);
  const me = new IAMClient(sdkConfig(s, creds));
  assert.equal((await me.send(new GetUserCommand({}))).User?.Arn, `arn:aws:iam::${acct}:user/staff/carol`);
  assert.equal((await me.send(new GetUserCommand({ UserName: 'carol' }))).User?.UserName, 'carol');
  await rejectsWith(me.send(new GetUserCommand({ UserName: 'dave' })), 'AccessDenied', 403, notAuthorized('staff/carol', 'iam:GetUser', `arn:aws:iam::${acct}:user/dave`, noIdentityPolicy('iam:GetUser')));
});

test('an explicit Deny beats any Allow, and a policy change applies on the next request', async () => {
  const creds = await newUser('erin');
  await allow('erin', 'all-iam', [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }]);
  const me = new IAMClient(sdkConfig(s, creds));
  assert.ok((await me.send(new ListUsersCommand({}))).Users!.length > 0);
  await allow('erin', 'no-list', [{ Effect: 'Deny', Action: 'iam:List*', Resource: '*' }]);
  await rejectsWith(me.send(new ListUsersCommand({})), 'AccessDenied', 403, notAuthorized('erin', 'iam:ListUsers', `arn:aws:iam::${acct}:user/`, 'with an explicit deny in an identity-based policy'));
  assert.equal((await me.send(new GetUserCommand({ UserName: 'erin' }))).User?.UserName, 'erin');
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'erin', PolicyName: 'no-list' }));
  assert.ok((await me.send(new ListUsersCommand({}))).Users!.length > 0);
});

test('a permissions boundary caps what an attached AdministratorAccess grants', async () => {
  const creds = await newUser('frank');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'frank', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  const boundary = (
    await iam.send(new CreatePolicyCommand({ PolicyName: 'read-only-iam', PolicyDocument: doc([{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }]) }))
  ).Policy!.Arn!;
  const me = new IAMClient(sdkConfig(s, creds));
  await me.send(new CreateUserCommand({ UserName: 'made-by-frank' }));
  await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'frank', PermissionsBoundary: boundary }));
  assert.ok((await me.send(new ListUsersCommand({}))).Users!.some((u) => u.UserName === 'made-by-frank'));
  await rejectsWith(
    me.send(new CreateUserCommand({ UserName: 'second' })),
    'AccessDenied',
    403,
    notAuthorized('frank', 'iam:CreateUser', `arn:aws:iam::${acct}:user/second`, 'because no permissions boundary allows the iam:CreateUser action'),
  );
  // AdministratorAccess allows EC2, the boundary does not: the intersection does not.
  await rejectsWith(new EC2Client(sdkConfig(s, creds)).send(new DescribeRegionsCommand({})), 'UnauthorizedOperation', 403, /because no permissions boundary allows the ec2:DescribeRegions action/);
});

test('conditions read the request context: region, source IP, request tags, resource tags', async () => {
  const creds = await newUser('gina', { tags: { team: 'blue' } });
  await newUser('blue-peer', { tags: { team: 'blue' } });
  await newUser('red-peer', { tags: { team: 'red' } });
  await allow('gina', 'ctx', [
    { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } },
    { Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } } },
    { Effect: 'Allow', Action: 'iam:TagUser', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:TagUser', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
  ]);
  const ec2 = (region: string) => new EC2Client({ ...sdkConfig(s, creds), region });
  assert.ok((await ec2('eu-west-1').send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.length > 0);
  await rejectsWith(ec2('us-east-1').send(new DescribeRegionsCommand({})), 'UnauthorizedOperation', 403);

  const me = new IAMClient(sdkConfig(s, creds));
  assert.equal((await me.send(new GetUserCommand({ UserName: 'blue-peer' }))).User?.UserName, 'blue-peer');
  await rejectsWith(me.send(new GetUserCommand({ UserName: 'red-peer' })), 'AccessDenied', 403);

  await me.send(new CreateUserCommand({ UserName: 'blue-new', Tags: [{ Key: 'team', Value: 'blue' }] }));
  await rejectsWith(me.send(new CreateUserCommand({ UserName: 'red-new', Tags: [{ Key: 'team', Value: 'red' }] })), 'AccessDenied', 403);
  await rejectsWith(me.send(new CreateUserCommand({ UserName: 'untagged' })), 'AccessDenied', 403);
  await rejectsWith(
    me.send(new CreateUserCommand({ UserName: 'extra-tag', Tags: [{ Key: 'team', Value: 'blue' }, { Key: 'cost', Value: '1' }] })),
    'AccessDenied',
    403,
  );
  // The caller is on loopback: the IP guard does not fire.
  await me.send(new TagUserCommand({ UserName: 'blue-new', Tags: [{ Key: 'x', Value: 'y' }] }));
});

test('iam:PassRole is checked when a role is added to an instance profile', async () => {
  const creds = await newUser('henry');
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'app',
      Path: '/svc/',
      AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    }),
  );
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'app-profile' }));
  await allow('henry', 'profiles', [{ Effect: 'Allow', Action: 'iam:AddRoleToInstanceProfile', Resource: '*' }]);
  const me = new IAMClient(sdkConfig(s, creds));
  await rejectsWith(
    me.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'app-profile', RoleName: 'app' })),
    'AccessDenied',
    403,
    notAuthorized('henry', 'iam:PassRole', `arn:aws:iam::${acct}:role/svc/app`, noIdentityPolicy('iam:PassRole')),
  );
  await allow('henry', 'pass', [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/svc/*` }]);
  await me.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'app-profile', RoleName: 'app' }));
});

test('AllowUsersToChangePassword lets every user read the password policy', async () => {
  const creds = await newUser('ivy');
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, AllowUsersToChangePassword: false }));
  const me = new IAMClient(sdkConfig(s, creds));
  await rejectsWith(me.send(new GetAccountPasswordPolicyCommand({})), 'AccessDenied', 403);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, AllowUsersToChangePassword: true }));
  assert.equal((await me.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength, 12);
});

test('EC2 encoded failure messages decode with sts:DecodeAuthorizationMessage', async () => {
  const creds = await newUser('jack');
  let encoded = '';
  await assert.rejects(new EC2Client({ ...sdkConfig(s, creds), region: 'ap-northeast-2' }).send(new DescribeRegionsCommand({})), (e: any) => {
    encoded = /Encoded authorization failure message: (\S+)$/.exec(e.message)![1]!;
    return true;
  });
  const sts = new STSClient(sdkConfig(s, creds));
  await rejectsWith(sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })), 'AccessDenied', 403, notAuthorized('jack', 'sts:DecodeAuthorizationMessage', undefined, noIdentityPolicy('sts:DecodeAuthorizationMessage')));
  await allow('jack', 'decode', [{ Effect: 'Allow', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' }]);
  const decoded = JSON.parse((await sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }))).DecodedMessage!);
  assert.equal(decoded.allowed, false);
  assert.equal(decoded.explicitDeny, false);
  assert.deepEqual(decoded.matchedStatements, { items: [] });
  assert.equal(decoded.context.action, 'ec2:DescribeRegions');
  assert.equal(decoded.context.resource, '*');
  assert.equal(decoded.context.principal.arn, `arn:aws:iam::${acct}:user/jack`);
  assert.equal(decoded.context.principal.name, 'jack');
  assert.match(decoded.context.principal.id, /^AIDA/);
  const region = decoded.context.conditions.items.find((c: any) => c.key === 'aws:RequestedRegion');
  assert.deepEqual(region.values.items, [{ value: 'ap-northeast-2' }]);
  const ec2Region = decoded.context.conditions.items.find((c: any) => c.key === 'ec2:Region');
  assert.deepEqual(ec2Region?.values.items, [{ value: 'ap-northeast-2' }]);
  await rejectsWith(sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded.slice(0, -4) + 'AAAA' })), 'InvalidAuthorizationMessageException', 400);
});

test('GetAccessKeyLastUsed reports the service and region a key last called', async () => {
  const creds = await newUser('kim');
  const before = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.equal(before.AccessKeyLastUsed?.ServiceName, 'N/A');
  await new EC2Client({ ...sdkConfig(s, creds), region: 'eu-central-1' }).send(new DescribeRegionsCommand({})).catch(() => undefined);
  const after = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: creds.accessKeyId }));
  assert.equal(after.AccessKeyLastUsed?.ServiceName, 'ec2');
  assert.equal(after.AccessKeyLastUsed?.Region, 'eu-central-1');
  assert.ok(after.AccessKeyLastUsed?.LastUsedDate instanceof Date);
});

test('AWS CLI v2: a denied call prints AWS\'s AccessDenied text; a granted one works', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const creds = await newUser('cli-user');
  const denied = await runAwsCli(s, ['iam', 'list-users'], creds);
  assert.notEqual(denied.status, 0);
  assert.match(
    denied.stderr,
    new RegExp(`An error occurred \\(AccessDenied\\) when calling the ListUsers operation( \\(reached max retries: 0\\))?: User: arn:aws:iam::${acct}:user/cli-user is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${acct}:user/ because no identity-based policy allows the iam:ListUsers action`),
  );
  const ec2 = await runAwsCli(s, ['ec2', 'describe-regions', '--region', 'us-east-1'], creds);
  assert.match(ec2.stderr, /An error occurred \(UnauthorizedOperation\) when calling the DescribeRegions operation( \(reached max retries: 0\))?: You are not authorized to perform this operation\./);
  await allow('cli-user', 'list', [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: `arn:aws:iam::${acct}:user/*` }]);
  const ok = await runAwsCli(s, ['iam', 'list-users'], creds);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.json.Users.some((u: any) => u.UserName === 'cli-user'));
});
