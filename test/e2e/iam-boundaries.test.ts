/**
 * Permissions boundaries end to end (JavaScript SDK v3, AWS CLI v2): Put/Delete{User,Role}PermissionsBoundary,
 * CreateRole's PermissionsBoundary, PermissionsBoundaryUsageCount, DeletePolicy's conflict, the boundary
 * filters of ListEntitiesForPolicy and ListPolicies, and what the authorizer is handed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  GetUserCommand,
  DeleteUserCommand,
  CreateRoleCommand,
  GetRoleCommand,
  ListRolesCommand,
  DeleteRoleCommand,
  CreatePolicyCommand,
  GetPolicyCommand,
  DeletePolicyCommand,
  ListPoliciesCommand,
  ListEntitiesForPolicyCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  DeleteUserPermissionsBoundaryCommand,
  PutRolePermissionsBoundaryCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetAccountAuthorizationDetailsCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, type TestServer } from './harness.js';
import { resolveBoundary } from '../../src/services/iam/boundaries.js';
import { rolePermissions, userPermissions } from '../../src/services/iam/permissions.js';

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  iam.destroy();
  await s.close();
});

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const AWS_POWER = 'arn:aws:iam::aws:policy/PowerUserAccess';
const boundaryOf = (arn: string | undefined) => ({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn });
const usage = async (arn: string) => (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.PermissionsBoundaryUsageCount;

test('users: put, replace and delete a boundary; usage counts; DeletePolicy conflict; AWS errors', async () => {
  const b1 = (await iam.send(new CreatePolicyCommand({ PolicyName: 'UserBoundary', Path: '/bounds/', PolicyDocument: doc('s3:*') }))).Policy!;
  await iam.send(new CreateUserCommand({ UserName: 'bounded', Path: '/people/' }));
  await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'BOUNDED', PermissionsBoundary: b1.Arn }));

  const got = (await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!;
  assert.deepEqual(got.PermissionsBoundary, boundaryOf(b1.Arn));
  assert.equal(await usage(b1.Arn!), 1);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: b1.Arn }))).Policy!.AttachmentCount, 0, 'a boundary is not an attachment');

  // A policy in use as a boundary cannot be deleted.
  await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: b1.Arn })), 'DeleteConflictException', 409, 'Cannot delete a policy attached to entities.');

  // ListEntitiesForPolicy and ListPolicies see boundary use.
  const ents = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn }));
  assert.deepEqual(ents.PolicyUsers!.map((u) => u.UserName), ['bounded']);
  assert.match(ents.PolicyUsers![0]!.UserId!, /^AIDA/);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn, PolicyUsageFilter: 'PermissionsBoundary' }))).PolicyUsers!.length, 1);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn, PolicyUsageFilter: 'PermissionsPolicy' }))).PolicyUsers, []);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn, PathPrefix: '/other/' }))).PolicyUsers, []);
  // Attached and boundary at once: one entry; PermissionsPolicy then lists it too.
  await iam.send(new AttachUserPolicyCommand({ UserName: 'bounded', PolicyArn: b1.Arn }));
  assert.equal((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn }))).PolicyUsers!.length, 1);
  assert.equal((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b1.Arn, PolicyUsageFilter: 'PermissionsPolicy' }))).PolicyUsers!.length, 1);
  await iam.send(new DetachUserPolicyCommand({ UserName: 'bounded', PolicyArn: b1.Arn }));
  const inUse = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PolicyUsageFilter: 'PermissionsBoundary' }));
  assert.deepEqual(inUse.Policies!.map((p) => [p.PolicyName, p.PermissionsBoundaryUsageCount]), [['UserBoundary', 1]]);

  // Replacing moves the usage; an AWS managed policy is a valid boundary.
  await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: AWS_POWER }));
  assert.deepEqual((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary, boundaryOf(AWS_POWER));
  assert.equal(await usage(b1.Arn!), 0);
  assert.equal(await usage(AWS_POWER), 1);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: AWS_POWER }))).PolicyUsers!.map((u) => u.UserName), ['bounded']);

  // The authorizer gets the boundary document.
  const perms = await s.nimbus.store.read((tx) => userPermissions(tx, s.accountId, 'bounded'));
  assert.equal(perms!.boundary!.id, AWS_POWER);
  assert.ok(perms!.boundary!.document.includes('NotAction'));

  // Errors: a user that does not exist, a string that is not a policy ARN, a policy that does not exist.
  await rejectsWith(
    iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'ghost', PermissionsBoundary: b1.Arn })),
    'NoSuchEntityException',
    404,
    'The user with name ghost cannot be found.',
  );
  const roleArn = `arn:aws:iam::${s.accountId}:role/not-a-policy`;
  await rejectsWith(
    iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: roleArn })),
    'InvalidInputException',
    400,
    `ARN ${roleArn} is not valid.`,
  );
  const missing = `arn:aws:iam::${s.accountId}:policy/bounds/Missing`;
  await rejectsWith(
    iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: missing })),
    'NoSuchEntityException',
    404,
    `Scope ARN: ${missing} does not exist or is not attachable.`,
  );
  const otherAccount = 'arn:aws:iam::123456789012:policy/UserBoundary';
  await rejectsWith(
    iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: otherAccount })),
    'NoSuchEntityException',
    404,
    `Scope ARN: ${otherAccount} does not exist or is not attachable.`,
  );
  await rejectsWith(
    iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere' })),
    'NoSuchEntityException',
    404,
    'Scope ARN: arn:aws:iam::aws:policy/NoSuchPolicyAnywhere does not exist or is not attachable.',
  );
  // The failed calls left the boundary alone.
  assert.deepEqual((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary, boundaryOf(AWS_POWER));

  // Delete: gone from GetUser, usage 0; deleting again is harmless; the old boundary policy can go now.
  await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
  assert.equal((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!.PermissionsBoundary, undefined);
  assert.equal(await usage(AWS_POWER), 0);
  await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
  await rejectsWith(iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'ghost' })), 'NoSuchEntityException', 404, 'The user with name ghost cannot be found.');
  assert.equal((await s.nimbus.store.read((tx) => userPermissions(tx, s.accountId, 'bounded')))!.boundary, undefined);
  await iam.send(new DeletePolicyCommand({ PolicyArn: b1.Arn }));
  await iam.send(new DeleteUserCommand({ UserName: 'bounded' }));
});

test('roles: CreateRole PermissionsBoundary is checked; put, replace, delete; DeleteRole is not blocked by it', async () => {
  const b = (await iam.send(new CreatePolicyCommand({ PolicyName: 'RoleBoundary', PolicyDocument: doc('lambda:*') }))).Policy!;
  const missing = `arn:aws:iam::${s.accountId}:policy/NotThere`;
  await rejectsWith(
    iam.send(new CreateRoleCommand({ RoleName: 'fn', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: missing })),
    'NoSuchEntityException',
    404,
    `Scope ARN: ${missing} does not exist or is not attachable.`,
  );
  await rejectsWith(
    iam.send(new CreateRoleCommand({ RoleName: 'fn', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: 'arn:aws:s3:::a-bucket-not-a-policy' })),
    'InvalidInputException',
    400,
    'ARN arn:aws:s3:::a-bucket-not-a-policy is not valid.',
  );
  await rejectsWith(iam.send(new GetRoleCommand({ RoleName: 'fn' })), 'NoSuchEntityException', 404, 'The role with name fn cannot be found.');

  const created = (await iam.send(new CreateRoleCommand({ RoleName: 'fn', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: b.Arn }))).Role!;
  assert.deepEqual(created.PermissionsBoundary, boundaryOf(b.Arn));
  assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: 'FN' }))).Role!.PermissionsBoundary, boundaryOf(b.Arn));
  assert.equal((await iam.send(new ListRolesCommand({}))).Roles!.find((r) => r.RoleName === 'fn')!.PermissionsBoundary, undefined, 'ListRoles omits it');
  assert.equal(await usage(b.Arn!), 1);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b.Arn, EntityFilter: 'Role' }))).PolicyRoles!.map((r) => r.RoleName), ['fn']);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: b.Arn, EntityFilter: 'User' }))).PolicyRoles, []);
  assert.equal((await s.nimbus.store.read((tx) => rolePermissions(tx, s.accountId, 'fn')))!.boundary!.document, doc('lambda:*'));

  // GetAccountAuthorizationDetails shows the boundary and the policy's usage.
  const gaad = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'LocalManagedPolicy'] }));
  assert.deepEqual(gaad.RoleDetailList!.find((r) => r.RoleName === 'fn')!.PermissionsBoundary, boundaryOf(b.Arn));
  assert.equal(gaad.Policies!.find((p) => p.PolicyName === 'RoleBoundary')!.PermissionsBoundaryUsageCount, 1);

  await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: b.Arn })), 'DeleteConflictException', 409, 'Cannot delete a policy attached to entities.');
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'fn', PermissionsBoundary: AWS_POWER }));
  assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: 'fn' }))).Role!.PermissionsBoundary, boundaryOf(AWS_POWER));
  assert.equal(await usage(b.Arn!), 0);
  const awsInGaad = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['AWSManagedPolicy'] }));
  assert.deepEqual(awsInGaad.Policies!.map((p) => [p.PolicyName, p.AttachmentCount, p.PermissionsBoundaryUsageCount]), [['PowerUserAccess', 0, 1]]);

  await rejectsWith(
    iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'ghost', PermissionsBoundary: AWS_POWER })),
    'NoSuchEntityException',
    404,
    'The role with name ghost cannot be found.',
  );
  await rejectsWith(
    iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'fn', PermissionsBoundary: missing })),
    'NoSuchEntityException',
    404,
    `Scope ARN: ${missing} does not exist or is not attachable.`,
  );
  await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'fn' }));
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'fn' }))).Role!.PermissionsBoundary, undefined);
  await rejectsWith(iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'ghost' })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');

  // A role with a boundary deletes without ceremony, and its use of the policy ends with it.
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'fn', PermissionsBoundary: b.Arn }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'fn' }));
  assert.equal(await usage(b.Arn!), 0);
  await iam.send(new DeletePolicyCommand({ PolicyArn: b.Arn }));
});

test('resolveBoundary (for CreateUser): the stored form, or IAM\'s errors', async () => {
  const b = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ForCreateUser', PolicyDocument: doc('s3:*') }))).Policy!;
  await s.nimbus.store.read(async (tx) => {
    assert.deepEqual(await resolveBoundary(tx, s.accountId, b.Arn!), boundaryOf(b.Arn));
    assert.deepEqual(await resolveBoundary(tx, s.accountId, AWS_POWER), boundaryOf(AWS_POWER));
    await assert.rejects(resolveBoundary(tx, s.accountId, `arn:aws:iam::${s.accountId}:policy/Nope`), (e: any) => {
      assert.equal(e.code, 'NoSuchEntity');
      assert.equal(e.message, `Scope ARN: arn:aws:iam::${s.accountId}:policy/Nope does not exist or is not attachable.`);
      return true;
    });
    await assert.rejects(resolveBoundary(tx, s.accountId, 'not-an-arn-at-all'), (e: any) => {
      assert.equal(e.code, 'InvalidInput');
      assert.equal(e.message, 'ARN not-an-arn-at-all is not valid.');
      return true;
    });
  });
});

test('AWS CLI v2: put-role-permissions-boundary, get-role, delete-role-permissions-boundary', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  await iam.send(new CreateRoleCommand({ RoleName: 'cli-bounded', AssumeRolePolicyDocument: TRUST }));
  const put = await runAwsCli(s, ['iam', 'put-role-permissions-boundary', '--role-name', 'cli-bounded', '--permissions-boundary', AWS_POWER]);
  assert.equal(put.status, 0, put.stderr);
  const got = await runAwsCli(s, ['iam', 'get-role', '--role-name', 'cli-bounded']);
  assert.equal(got.status, 0, got.stderr);
  assert.deepEqual(got.json.Role.PermissionsBoundary, boundaryOf(AWS_POWER));
  const bad = await runAwsCli(s, ['iam', 'put-user-permissions-boundary', '--user-name', 'nobody', '--permissions-boundary', AWS_POWER]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /NoSuchEntity.*The user with name nobody cannot be found\./);
  const del = await runAwsCli(s, ['iam', 'delete-role-permissions-boundary', '--role-name', 'cli-bounded']);
  assert.equal(del.status, 0, del.stderr);
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'cli-bounded' }))).Role!.PermissionsBoundary, undefined);
});
