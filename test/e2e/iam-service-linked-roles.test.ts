/**
 * IAM service-linked roles end to end through the real JavaScript SDK v3 and the AWS CLI v2: the roles
 * AWS creates for ELB, EC2 Auto Scaling (with a custom suffix), EC2 Spot and CloudWatch Events, the
 * operations AWS refuses on them, DeleteServiceLinkedRole's deletion task, and GetAccountSummary's
 * counts from real state (roles, policy attachments, MFA devices).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TOTP, Secret } from 'otpauth';
import {
  IAMClient,
  CreateServiceLinkedRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  GetRoleCommand,
  ListRolesCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleDescriptionCommand,
  PutRolePolicyCommand,
  DeleteRolePolicyCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  ListEntitiesForPolicyCommand,
  GetPolicyCommand,
  TagRoleCommand,
  ListRoleTagsCommand,
  GetAccountSummaryCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  CreatePolicyCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  DeletePolicyCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, ManualClock, type TestServer } from './harness.js';
import { SERVICE_LINKED_ROLES } from '../../src/services/iam/roles.js';
import { getAwsManagedPolicy } from '../../src/services/iam/aws-managed.js';

const clock = new ManualClock(Date.now());
let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  await s.close();
});

const ELB_POLICY = 'arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy';
const TASK_RE = /^task\/aws-service-role\/([^/]+)\/([^/]+)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const protectedRole = (name: string) => `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`;
const TRUST_EC2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

test('every service in the table has its AWS managed policy', () => {
  for (const d of SERVICE_LINKED_ROLES) {
    assert.ok(getAwsManagedPolicy(d.policyArn), `${d.policyArn} (for ${d.service})`);
    assert.match(d.roleName, /^AWSServiceRoleFor[A-Za-z0-9_]+$/);
  }
});

test('CreateServiceLinkedRole: the role AWS creates for ELB, its trust policy and managed policy', async () => {
  const role = (
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com', Description: 'for my load balancers' }))
  ).Role!;
  assert.equal(role.RoleName, 'AWSServiceRoleForElasticLoadBalancing');
  assert.equal(role.Path, '/aws-service-role/elasticloadbalancing.amazonaws.com/');
  assert.equal(role.Arn, `arn:aws:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`);
  assert.match(role.RoleId!, /^AROA[A-Z0-9]{17}$/);
  assert.equal(role.Description, 'for my load balancers');
  const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
  assert.deepEqual(trust.Statement, [{ Effect: 'Allow', Principal: { Service: 'elasticloadbalancing.amazonaws.com' }, Action: 'sts:AssumeRole' }]);

  const got = (await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForElasticLoadBalancing' }))).Role!;
  assert.equal(got.RoleId, role.RoleId);
  assert.equal(got.MaxSessionDuration, 3600);
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }))).AttachedPolicies;
  assert.deepEqual(attached, [{ PolicyName: 'AWSElasticLoadBalancingServiceRolePolicy', PolicyArn: ELB_POLICY }]);
  const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: ELB_POLICY }));
  assert.deepEqual(entities.PolicyRoles?.map((r) => r.RoleName), ['AWSServiceRoleForElasticLoadBalancing']);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ELB_POLICY }))).Policy!.AttachmentCount, 1);
  const listed = (await iam.send(new ListRolesCommand({ PathPrefix: '/aws-service-role/' }))).Roles!.map((r) => r.RoleName);
  assert.deepEqual(listed, ['AWSServiceRoleForElasticLoadBalancing']);

  await rejectsWith(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com' })),
    'InvalidInputException',
    400,
    'Service role name AWSServiceRoleForElasticLoadBalancing has been taken in this account, please try a different suffix.',
  );
  await rejectsWith(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com', CustomSuffix: 'two' })),
    'InvalidInputException',
    400,
    'Custom suffix is not allowed for elasticloadbalancing.amazonaws.com',
  );
  await rejectsWith(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'nosuchservice.amazonaws.com' })),
    'InvalidInputException',
    400,
    /does not emulate service-linked roles for nosuchservice\.amazonaws\.com/,
  );
});

test('EC2 Auto Scaling accepts a custom suffix; other services have their own roles', async () => {
  const plain = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }))).Role!;
  assert.equal(plain.RoleName, 'AWSServiceRoleForAutoScaling');
  assert.equal(plain.Description, undefined);
  const suffixed = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' }))).Role!;
  assert.equal(suffixed.RoleName, 'AWSServiceRoleForAutoScaling_web');
  assert.equal(suffixed.Path, '/aws-service-role/autoscaling.amazonaws.com/');
  await rejectsWith(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'WEB' })),
    'InvalidInputException',
    400,
    'Service role name AWSServiceRoleForAutoScaling_WEB has been taken in this account, please try a different suffix.',
  );
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForAutoScaling_web' }))).AttachedPolicies;
  assert.deepEqual(attached?.map((a) => a.PolicyArn), ['arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy']);

  const spot = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'spot.amazonaws.com' }))).Role!;
  assert.equal(spot.RoleName, 'AWSServiceRoleForEC2Spot');
  const events = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'events.amazonaws.com' }))).Role!;
  assert.equal(events.RoleName, 'AWSServiceRoleForCloudWatchEvents');
  for (const name of ['AWSServiceRoleForAutoScaling', 'AWSServiceRoleForAutoScaling_web', 'AWSServiceRoleForEC2Spot', 'AWSServiceRoleForCloudWatchEvents']) {
    await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name }));
  }
});

test('AWS refuses ordinary changes to a service-linked role; its description and tags can change', async () => {
  const name = 'AWSServiceRoleForEC2SpotFleet';
  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'spotfleet.amazonaws.com' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'boundary', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
  const boundary = `arn:aws:iam::${s.accountId}:policy/boundary`;
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  const refused: Array<Promise<unknown>> = [
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: TRUST_EC2 })),
    iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'extra', PolicyDocument: doc })),
    iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'extra' })),
    iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })),
    iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotFleetServiceRolePolicy' })),
    iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: boundary })),
    iam.send(new DeleteRoleCommand({ RoleName: name })),
  ];
  for (const p of refused) await rejectsWith(p, 'UnmodifiableEntityException', 400, protectedRole(name));
  // Nothing changed.
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies;
  assert.deepEqual(attached?.map((a) => a.PolicyName), ['AWSEC2SpotFleetServiceRolePolicy']);
  const trust = JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!));
  assert.equal(trust.Statement[0].Principal.Service, 'spotfleet.amazonaws.com');
  // A missing role is still NoSuchEntity, not UnmodifiableEntity.
  await rejectsWith(
    iam.send(new AttachRolePolicyCommand({ RoleName: 'nobody', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })),
    'NoSuchEntityException',
    404,
    'The role with name nobody cannot be found.',
  );

  const described = (await iam.send(new UpdateRoleDescriptionCommand({ RoleName: name, Description: 'spot fleets' }))).Role!;
  assert.equal(described.Description, 'spot fleets');
  await iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'owner', Value: 'ops' }] }));
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags, [{ Key: 'owner', Value: 'ops' }]);

  // An ordinary role under the same path is not protected, and DeleteServiceLinkedRole refuses it.
  await iam.send(new CreateRoleCommand({ RoleName: 'lookalike', Path: '/aws-service-role/spotfleet.amazonaws.com/', AssumeRolePolicyDocument: TRUST_EC2 }));
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'lookalike', PolicyDocument: TRUST_EC2 }));
  await rejectsWith(
    iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'lookalike' })),
    'InvalidInputException',
    400,
    'Role lookalike is not a service-linked role.',
  );
  await iam.send(new DeleteRoleCommand({ RoleName: 'lookalike' }));
  await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: boundary }));
});

test('DeleteServiceLinkedRole: a deletion task that has SUCCEEDED; the role and its attachment are gone', async () => {
  const name = 'AWSServiceRoleForElasticLoadBalancing';
  const { DeletionTaskId } = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name }));
  const m = TASK_RE.exec(DeletionTaskId!);
  assert.ok(m, DeletionTaskId);
  assert.equal(m[1], 'elasticloadbalancing.amazonaws.com');
  assert.equal(m[2], name);
  const status = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }));
  assert.equal(status.Status, 'SUCCEEDED');
  assert.equal(status.Reason, undefined);

  await rejectsWith(iam.send(new GetRoleCommand({ RoleName: name })), 'NoSuchEntityException', 404, `The role with name ${name} cannot be found.`);
  await rejectsWith(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name })), 'NoSuchEntityException', 404, `The role with name ${name} cannot be found.`);
  const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: ELB_POLICY }));
  assert.deepEqual(entities.PolicyRoles, []);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ELB_POLICY }))).Policy!.AttachmentCount, 0);
  // It can be created again.
  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com' }));
  await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: name }));

  const unknown = DeletionTaskId!.replace(/[0-9a-f]{12}$/, '000000000000');
  await rejectsWith(
    iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: unknown })),
    'NoSuchEntityException',
    404,
    `Deletion task ${unknown} cannot be found.`,
  );
  await rejectsWith(
    iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'not-a-task' })),
    'InvalidInputException',
    400,
    'Invalid deletion task id: not-a-task',
  );
});

test('GetAccountSummary counts roles, policy attachments and MFA devices from the account state', async () => {
  const summary = async () => (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  const before = await summary();
  assert.equal(before.Roles, 0);
  assert.equal(before.PolicyVersionsInUse, 0);
  assert.equal(before.MFADevices, 0);
  assert.equal(before.MFADevicesInUse, 0);
  assert.equal(before.InstanceProfiles, 0);
  assert.equal(before.AccountMFAEnabled, 0);
  assert.equal(before.AttachedPoliciesPerRoleQuota, 10);

  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com' }));
  await iam.send(new CreateUserCommand({ UserName: 'counted' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'counted', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));
  const policyArn = `arn:aws:iam::${s.accountId}:policy/counted`;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'counted', PolicyArn: policyArn }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'counted', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));

  const dev = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'counted-phone' }))).VirtualMFADevice!;
  await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'spare' }));
  const totp = new TOTP({ secret: Secret.fromBase32(Buffer.from(dev.Base32StringSeed!).toString('ascii')), algorithm: 'SHA1', digits: 6, period: 30 });
  const now = clock.now().getTime();
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'counted',
      SerialNumber: dev.SerialNumber,
      AuthenticationCode1: totp.generate({ timestamp: now - 30_000 }),
      AuthenticationCode2: totp.generate({ timestamp: now }),
    }),
  );

  const after = await summary();
  assert.equal(after.Roles, 1);
  assert.equal(after.Users, 1);
  assert.equal(after.Policies, 1);
  // The service-linked role's policy, the customer policy and ReadOnlyAccess: three attachments.
  assert.equal(after.PolicyVersionsInUse, 3);
  assert.equal(after.MFADevices, 2);
  assert.equal(after.MFADevicesInUse, 1);

  await iam.send(new DetachUserPolicyCommand({ UserName: 'counted', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForElasticLoadBalancing' }));
  const last = await summary();
  assert.equal(last.Roles, 0);
  assert.equal(last.PolicyVersionsInUse, 1);
});

test('AWS CLI v2: create, refuse, delete a service-linked role and read the deletion status', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  let r = await runAwsCli(s, ['iam', 'create-service-linked-role', '--aws-service-name', 'spot.amazonaws.com', '--description', 'spot']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.Role.RoleName, 'AWSServiceRoleForEC2Spot');
  assert.equal(r.json.Role.Path, '/aws-service-role/spot.amazonaws.com/');
  // The CLI decodes the trust policy.
  assert.equal(r.json.Role.AssumeRolePolicyDocument.Statement[0].Principal.Service, 'spot.amazonaws.com');
  r = await runAwsCli(s, ['iam', 'delete-role', '--role-name', 'AWSServiceRoleForEC2Spot']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /UnmodifiableEntity.*Cannot perform the operation on the protected role 'AWSServiceRoleForEC2Spot' - this role is only modifiable by AWS/);
  r = await runAwsCli(s, ['iam', 'create-service-linked-role', '--aws-service-name', 'spot.amazonaws.com', '--custom-suffix', 'x']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /InvalidInput.*Custom suffix is not allowed for spot\.amazonaws\.com/);
  r = await runAwsCli(s, ['iam', 'delete-service-linked-role', '--role-name', 'AWSServiceRoleForEC2Spot']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.json.DeletionTaskId, TASK_RE);
  r = await runAwsCli(s, ['iam', 'get-service-linked-role-deletion-status', '--deletion-task-id', r.json.DeletionTaskId]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.Status, 'SUCCEEDED');
});
