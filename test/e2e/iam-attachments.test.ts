/**
 * Managed policy attachments to groups and roles, ListEntitiesForPolicy over users, groups and roles,
 * policy tags and GetAccountAuthorizationDetails, through the real JavaScript SDK v3 and the AWS CLI v2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  CreateGroupCommand,
  UpdateGroupCommand,
  DeleteGroupCommand,
  AddUserToGroupCommand,
  PutGroupPolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  PutRolePolicyCommand,
  DeleteRolePolicyCommand,
  CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  GetPolicyCommand,
  DeletePolicyCommand,
  AttachUserPolicyCommand,
  PutUserPolicyCommand,
  AttachGroupPolicyCommand,
  DetachGroupPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  ListPolicyTagsCommand,
  GetAccountAuthorizationDetailsCommand,
  type Policy,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, type TestServer } from './harness.js';
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
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const AWS_READONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const AWS_S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

async function policy(name: string, path = '/', action = 's3:*'): Promise<Policy> {
  return (await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: doc(action) }))).Policy!;
}
const count = async (arn: string) => (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount;

test('groups: attach, list (path prefix, pages), AttachmentCount, quota, detach, errors, DeleteGroup conflict', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'Admins' }));
  const a = await policy('GrpA', '/team/');
  const b = await policy('GrpB');
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: a.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: a.Arn })); // again: no change
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: b.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: AWS_READONLY }));
  assert.equal(await count(a.Arn!), 1);
  assert.equal(await count(AWS_READONLY), 1, 'an AWS managed policy counts its group attachments');

  // Listed in attachment-key order (an AWS managed policy keys as `aws:<name>`).
  const all = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'ADMINS' }));
  assert.deepEqual(all.AttachedPolicies, [
    { PolicyName: 'ReadOnlyAccess', PolicyArn: AWS_READONLY },
    { PolicyName: 'GrpA', PolicyArn: a.Arn },
    { PolicyName: 'GrpB', PolicyArn: b.Arn },
  ]);
  assert.equal(all.IsTruncated, false);
  const team = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Admins', PathPrefix: '/team/' }));
  assert.deepEqual(team.AttachedPolicies, [{ PolicyName: 'GrpA', PolicyArn: a.Arn }]);
  const p1 = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Admins', MaxItems: 2 }));
  assert.equal(p1.IsTruncated, true);
  assert.equal(p1.AttachedPolicies!.length, 2);
  const p2 = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Admins', MaxItems: 2, Marker: p1.Marker }));
  assert.equal(p2.IsTruncated, false);
  assert.deepEqual(p2.AttachedPolicies, [{ PolicyName: 'GrpB', PolicyArn: b.Arn }]);

  // Errors.
  await rejectsWith(iam.send(new AttachGroupPolicyCommand({ GroupName: 'ghost', PolicyArn: a.Arn })), 'NoSuchEntityException', 404, 'The group with name ghost cannot be found.');
  await rejectsWith(iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'ghost' })), 'NoSuchEntityException', 404, 'The group with name ghost cannot be found.');
  const missing = `arn:aws:iam::${s.accountId}:policy/Nope`;
  await rejectsWith(
    iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: missing })),
    'NoSuchEntityException',
    404,
    `Policy ${missing} does not exist or is not attachable.`,
  );
  await rejectsWith(
    iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchAwsPolicy' })),
    'NoSuchEntityException',
    404,
    'Policy arn:aws:iam::aws:policy/NoSuchAwsPolicy does not exist or is not attachable.',
  );
  await rejectsWith(
    iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: `arn:aws:iam::${s.accountId}:role/not-a-policy` })),
    'InvalidInputException',
    400,
    `ARN arn:aws:iam::${s.accountId}:role/not-a-policy is not valid.`,
  );

  // DeleteGroup while a managed policy is attached; DeletePolicy while attached to a group.
  await rejectsWith(iam.send(new DeleteGroupCommand({ GroupName: 'Admins' })), 'DeleteConflictException', 409, 'Cannot delete entity, must detach all policies first.');
  await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: b.Arn })), 'DeleteConflictException', 409, 'Cannot delete a policy attached to entities.');

  // At most 10 managed policies per group.
  for (let i = 0; i < 7; i++) await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: (await policy(`GrpQ${i}`)).Arn }));
  const over = await policy('GrpOver');
  await rejectsWith(
    iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: over.Arn })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for PoliciesPerGroup: 10',
  );
  assert.equal(await count(over.Arn!), 0);

  // Detach: counts go down; a second detach is NoSuchEntity.
  await iam.send(new DetachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: b.Arn }));
  assert.equal(await count(b.Arn!), 0);
  await rejectsWith(iam.send(new DetachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: b.Arn })), 'NoSuchEntityException', 404, `Policy ${b.Arn} was not found.`);
  await rejectsWith(iam.send(new DetachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: missing })), 'NoSuchEntityException', 404, `Policy ${missing} was not found.`);
  await iam.send(new DeletePolicyCommand({ PolicyArn: b.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: over.Arn })); // room again

  // Detach everything, then the group can go.
  for (const p of (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Admins' }))).AttachedPolicies!) {
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: p.PolicyArn }));
  }
  assert.equal(await count(AWS_READONLY), 0);
  await iam.send(new DeleteGroupCommand({ GroupName: 'Admins' }));
});

test('UpdateGroup: renaming and moving carry the attachments along', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'old-name', Path: '/a/' }));
  const p = await policy('Carried');
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'old-name', PolicyArn: p.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'old-name', PolicyArn: AWS_S3_READ }));
  await iam.send(new UpdateGroupCommand({ GroupName: 'old-name', NewGroupName: 'New-Name', NewPath: '/b/' }));

  const listed = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'new-name' }));
  assert.deepEqual(listed.AttachedPolicies!.map((x) => x.PolicyArn), [AWS_S3_READ, p.Arn]);
  await rejectsWith(iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'old-name' })), 'NoSuchEntityException', 404);
  const ents = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn }));
  assert.deepEqual(ents.PolicyGroups!.map((g) => g.GroupName), ['New-Name']);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, PathPrefix: '/b/' }))).PolicyGroups!.length, 1);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, PathPrefix: '/a/' }))).PolicyGroups, []);
  assert.equal(await count(p.Arn!), 1);
  assert.equal(await count(AWS_S3_READ), 1);
  // Detaching under the new name works and empties the index.
  await iam.send(new DetachGroupPolicyCommand({ GroupName: 'New-Name', PolicyArn: p.Arn }));
  await iam.send(new DetachGroupPolicyCommand({ GroupName: 'New-Name', PolicyArn: AWS_S3_READ }));
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn }))).PolicyGroups, []);
  assert.equal(await count(AWS_S3_READ), 0);
  await iam.send(new DeleteGroupCommand({ GroupName: 'new-name' }));
});

test('roles: attach, list, quota, detach, DeleteRole conflicts in order (inline, managed, instance profile)', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'Worker', AssumeRolePolicyDocument: TRUST }));
  const a = await policy('RoleA', '/svc/');
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'worker', PolicyArn: a.Arn }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: AWS_READONLY }));
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'WORKER' }))).AttachedPolicies, [
    { PolicyName: 'ReadOnlyAccess', PolicyArn: AWS_READONLY },
    { PolicyName: 'RoleA', PolicyArn: a.Arn },
  ]);
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Worker', PathPrefix: '/svc/' }))).AttachedPolicies, [
    { PolicyName: 'RoleA', PolicyArn: a.Arn },
  ]);
  assert.equal(await count(a.Arn!), 1);
  await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'ghost', PolicyArn: a.Arn })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  await rejectsWith(iam.send(new DetachRolePolicyCommand({ RoleName: 'ghost', PolicyArn: a.Arn })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  await rejectsWith(iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ghost' })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');

  for (let i = 0; i < 8; i++) await iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: (await policy(`RoleQ${i}`)).Arn }));
  const over = await policy('RoleOver');
  await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: over.Arn })), 'LimitExceededException', 409, 'Cannot exceed quota for PoliciesPerRole: 10');

  // The authorizer's view of the role: inline documents and attached managed policies by ARN.
  await iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'inline', PolicyDocument: doc('sqs:*') }));
  const perms = await s.nimbus.store.read((tx) => rolePermissions(tx, s.accountId, 'Worker'));
  const ids = perms!.identity.map((d) => d.id);
  assert.equal(ids[0], 'role/Worker/inline');
  assert.ok(ids.includes(a.Arn!) && ids.includes(AWS_READONLY));
  assert.equal(ids.length, 11);
  assert.equal(perms!.identity.find((d) => d.id === a.Arn)!.document, doc('s3:*'));
  // The default version is what applies.
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: a.Arn, PolicyDocument: doc('ec2:*'), SetAsDefault: true }));
  const after2 = await s.nimbus.store.read((tx) => rolePermissions(tx, s.accountId, 'Worker'));
  assert.equal(after2!.identity.find((d) => d.id === a.Arn)!.document, doc('ec2:*'));

  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'worker-profile' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'worker-profile', RoleName: 'Worker' }));
  await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'Worker' })), 'DeleteConflictException', 409, 'Cannot delete entity, must delete policies first.');
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'inline' }));
  await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: 'Worker' })), 'DeleteConflictException', 409, 'Cannot delete entity, must detach all policies first.');
  for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Worker' }))).AttachedPolicies!) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: p.PolicyArn }));
  }
  assert.equal(await count(a.Arn!), 0);
  await rejectsWith(
    iam.send(new DeleteRoleCommand({ RoleName: 'Worker' })),
    'DeleteConflictException',
    409,
    'Cannot delete entity, must remove roles from instance profile first.',
  );
  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'worker-profile', RoleName: 'Worker' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'Worker' }));
});

test('ListEntitiesForPolicy: groups, roles and users; EntityFilter, PathPrefix, one Marker across the lists', async () => {
  const p = await policy('Shared');
  await iam.send(new CreateUserCommand({ UserName: 'u1', Path: '/x/' }));
  await iam.send(new CreateUserCommand({ UserName: 'u2' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'g1', Path: '/x/' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateRoleCommand({ RoleName: 'r2', Path: '/x/', AssumeRolePolicyDocument: TRUST }));
  for (const u of ['u1', 'u2']) await iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: p.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'g1', PolicyArn: p.Arn }));
  for (const r of ['r1', 'r2']) await iam.send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: p.Arn }));
  assert.equal(await count(p.Arn!), 5);

  const all = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn }));
  assert.deepEqual(all.PolicyGroups!.map((g) => g.GroupName), ['g1']);
  assert.match(all.PolicyGroups![0]!.GroupId!, /^AGPA/);
  assert.deepEqual(all.PolicyRoles!.map((r) => r.RoleName), ['r1', 'r2']);
  assert.match(all.PolicyRoles![0]!.RoleId!, /^AROA/);
  assert.deepEqual(all.PolicyUsers!.map((u) => u.UserName), ['u1', 'u2']);
  assert.equal(all.IsTruncated, false);

  const roles = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, EntityFilter: 'Role' }));
  assert.deepEqual([roles.PolicyGroups, roles.PolicyUsers, roles.PolicyRoles!.map((r) => r.RoleName)], [[], [], ['r1', 'r2']]);
  const groups = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, EntityFilter: 'Group' }));
  assert.deepEqual(groups.PolicyGroups!.map((g) => g.GroupName), ['g1']);
  assert.deepEqual(groups.PolicyRoles, []);
  const x = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, PathPrefix: '/x/' }));
  assert.deepEqual([x.PolicyGroups!.length, x.PolicyRoles!.map((r) => r.RoleName), x.PolicyUsers!.map((u) => u.UserName)], [1, ['r2'], ['u1']]);
  const boundaryOnly = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, PolicyUsageFilter: 'PermissionsBoundary' }));
  assert.deepEqual([boundaryOnly.PolicyGroups, boundaryOnly.PolicyRoles, boundaryOnly.PolicyUsers], [[], [], []]);
  const permOnly = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, PolicyUsageFilter: 'PermissionsPolicy' }));
  assert.equal(permOnly.PolicyGroups!.length + permOnly.PolicyRoles!.length + permOnly.PolicyUsers!.length, 5);

  // Pages of 2: [g1, r1], [r2, u1], [u2].
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const r = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, MaxItems: 2, Marker: marker }));
    pages++;
    seen.push(...r.PolicyGroups!.map((e) => `g:${e.GroupName}`), ...r.PolicyRoles!.map((e) => `r:${e.RoleName}`), ...r.PolicyUsers!.map((e) => `u:${e.UserName}`));
    assert.equal(r.IsTruncated, r.Marker !== undefined);
    marker = r.Marker;
  } while (marker);
  assert.equal(pages, 3);
  assert.deepEqual(seen, ['g:g1', 'r:r1', 'r:r2', 'u:u1', 'u:u2']);
  await rejectsWith(iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, Marker: 'bm90LWEta2V5' })), 'ValidationError', 400, 'Invalid Marker.');

  // The AWS managed policy's listing is the account's own.
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'r1', PolicyArn: AWS_S3_READ }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'g1', PolicyArn: AWS_S3_READ }));
  const aws = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: AWS_S3_READ }));
  assert.deepEqual([aws.PolicyGroups!.map((g) => g.GroupName), aws.PolicyRoles!.map((r) => r.RoleName), aws.PolicyUsers], [['g1'], ['r1'], []]);
  assert.equal(await count(AWS_S3_READ), 2);
  const attachedOnly = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', OnlyAttached: true }));
  assert.deepEqual(attachedOnly.Policies!.map((x) => x.Arn), [AWS_S3_READ]);
});

test('userPermissions: managed policies attached to the user\'s groups, each ARN once', async () => {
  const direct = await policy('PermDirect', '/', 'sqs:*');
  const viaGroup = await policy('PermGroup', '/', 'sns:*');
  await iam.send(new CreateUserCommand({ UserName: 'perm-user' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'perm-g1' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'perm-g2' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'perm-g1', UserName: 'perm-user' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'perm-g2', UserName: 'perm-user' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'perm-user', PolicyName: 'own', PolicyDocument: doc('s3:*') }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'perm-user', PolicyArn: direct.Arn }));
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'perm-g1', PolicyName: 'ginline', PolicyDocument: doc('ec2:*') }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'perm-g1', PolicyArn: viaGroup.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'perm-g1', PolicyArn: direct.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'perm-g2', PolicyArn: viaGroup.Arn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'perm-g2', PolicyArn: AWS_READONLY }));

  const perms = await s.nimbus.store.read((tx) => userPermissions(tx, s.accountId, 'perm-user'));
  assert.deepEqual(
    perms!.identity.map((d) => d.id),
    ['user/perm-user/own', direct.Arn, 'group/perm-g1/ginline', viaGroup.Arn, AWS_READONLY],
  );
  assert.equal(perms!.identity.find((d) => d.id === viaGroup.Arn)!.document, doc('sns:*'));
  assert.ok(perms!.identity.find((d) => d.id === AWS_READONLY)!.document.includes('"Effect"'));
  assert.equal(perms!.boundary, undefined);
});

test('policy tags: CreatePolicy Tags, TagPolicy overwrites, UntagPolicy, ListPolicyTags pages; errors', async () => {
  const p = (
    await iam.send(new CreatePolicyCommand({ PolicyName: 'Tagged', PolicyDocument: doc('s3:*'), Tags: [{ Key: 'env', Value: 'dev' }] }))
  ).Policy!;
  assert.deepEqual(p.Tags, [{ Key: 'env', Value: 'dev' }]);
  await iam.send(new TagPolicyCommand({ PolicyArn: p.Arn, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'ops' }, { Key: 'cost', Value: '1' }] }));
  const all = await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn }));
  assert.deepEqual(all.Tags, [
    { Key: 'env', Value: 'prod' },
    { Key: 'owner', Value: 'ops' },
    { Key: 'cost', Value: '1' },
  ]);
  assert.equal(all.IsTruncated, false);
  assert.deepEqual((await iam.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy!.Tags, all.Tags);
  const t1 = await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn, MaxItems: 2 }));
  assert.equal(t1.IsTruncated, true);
  const t2 = await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn, MaxItems: 2, Marker: t1.Marker }));
  assert.deepEqual(t2.Tags, [{ Key: 'cost', Value: '1' }]);
  assert.equal(t2.IsTruncated, false);

  await iam.send(new UntagPolicyCommand({ PolicyArn: p.Arn, TagKeys: ['owner', 'absent'] }));
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn }))).Tags!.map((t) => t.Key), ['env', 'cost']);

  await rejectsWith(
    iam.send(new TagPolicyCommand({ PolicyArn: p.Arn, Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] })),
    'InvalidInputException',
    400,
    'Duplicate tag keys found.',
  );
  const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  await rejectsWith(iam.send(new TagPolicyCommand({ PolicyArn: p.Arn, Tags: many })), 'LimitExceededException', 409, 'Cannot exceed quota for TagsPerPolicy: 50');
  const missing = `arn:aws:iam::${s.accountId}:policy/NoTags`;
  await rejectsWith(iam.send(new TagPolicyCommand({ PolicyArn: missing, Tags: [{ Key: 'a', Value: 'b' }] })), 'NoSuchEntityException', 404, `Policy ${missing} was not found.`);
  await rejectsWith(iam.send(new ListPolicyTagsCommand({ PolicyArn: missing })), 'NoSuchEntityException', 404, `Policy ${missing} was not found.`);
  await rejectsWith(iam.send(new TagPolicyCommand({ PolicyArn: AWS_READONLY, Tags: [{ Key: 'a', Value: 'b' }] })), 'AccessDenied', 403);
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: AWS_READONLY }))).Tags, []);
});

test('GetAccountAuthorizationDetails: every entity with its policies, filters, pagination, encoded documents', async () => {
  // A fresh account keeps the listing small and exact.
  const other = await startTestServer();
  const c = new IAMClient(sdkConfig(other));
  try {
    const FANCY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/a b/*"}]}';
    const pol = (await c.send(new CreatePolicyCommand({ PolicyName: 'Local1', Description: 'd', PolicyDocument: FANCY }))).Policy!;
    await c.send(new CreatePolicyVersionCommand({ PolicyArn: pol.Arn, PolicyDocument: doc('ec2:*'), SetAsDefault: true }));
    await c.send(new CreatePolicyCommand({ PolicyName: 'Local2', PolicyDocument: doc('sqs:*') }));
    await c.send(new CreateUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'a' }] }));
    await c.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'own', PolicyDocument: FANCY }));
    await c.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: pol.Arn }));
    await c.send(new CreateGroupCommand({ GroupName: 'devs' }));
    await c.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
    await c.send(new PutGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'gpol', PolicyDocument: doc('sns:*') }));
    await c.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: AWS_READONLY }));
    await c.send(new CreateRoleCommand({ RoleName: 'svc', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'x', Value: 'y' }] }));
    await c.send(new PutRolePolicyCommand({ RoleName: 'svc', PolicyName: 'rpol', PolicyDocument: doc('logs:*') }));
    await c.send(new AttachRolePolicyCommand({ RoleName: 'svc', PolicyArn: pol.Arn }));
    await c.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'svc-profile' }));
    await c.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'svc-profile', RoleName: 'svc' }));

    const d = await c.send(new GetAccountAuthorizationDetailsCommand({}));
    assert.equal(d.IsTruncated, false);
    assert.equal(d.UserDetailList!.length, 1);
    const u = d.UserDetailList![0]!;
    assert.equal(u.UserName, 'alice');
    assert.deepEqual(u.UserPolicyList, [{ PolicyName: 'own', PolicyDocument: encodeURIComponent(FANCY).replace(/\*/g, '%2A') }]);
    assert.deepEqual(u.GroupList, ['devs']);
    assert.deepEqual(u.AttachedManagedPolicies, [{ PolicyName: 'Local1', PolicyArn: pol.Arn }]);
    assert.deepEqual(u.Tags, [{ Key: 'team', Value: 'a' }]);
    assert.equal(u.PermissionsBoundary, undefined);

    const g = d.GroupDetailList![0]!;
    assert.equal(g.GroupName, 'devs');
    assert.deepEqual(g.GroupPolicyList!.map((x) => [x.PolicyName, decodeURIComponent(x.PolicyDocument!)]), [['gpol', doc('sns:*')]]);
    assert.deepEqual(g.AttachedManagedPolicies, [{ PolicyName: 'ReadOnlyAccess', PolicyArn: AWS_READONLY }]);

    const r = d.RoleDetailList![0]!;
    assert.equal(r.RoleName, 'svc');
    assert.equal(decodeURIComponent(r.AssumeRolePolicyDocument!), TRUST);
    assert.ok(!r.AssumeRolePolicyDocument!.includes('{'), 'trust policy URL-encoded');
    assert.deepEqual(r.InstanceProfileList!.map((p) => [p.InstanceProfileName, p.Roles!.map((x) => x.RoleName)]), [['svc-profile', ['svc']]]);
    assert.deepEqual(r.RolePolicyList!.map((x) => x.PolicyName), ['rpol']);
    assert.deepEqual(r.AttachedManagedPolicies, [{ PolicyName: 'Local1', PolicyArn: pol.Arn }]);
    assert.deepEqual(r.Tags, [{ Key: 'x', Value: 'y' }]);
    assert.deepEqual(r.RoleLastUsed, {});

    // Customer managed policies, then the AWS managed ones in use (only ReadOnlyAccess here).
    assert.deepEqual(d.Policies!.map((p) => p.PolicyName), ['Local1', 'Local2', 'ReadOnlyAccess']);
    const l1 = d.Policies![0]!;
    assert.equal(l1.AttachmentCount, 2);
    assert.equal(l1.PermissionsBoundaryUsageCount, 0);
    assert.equal(l1.Description, 'd');
    assert.equal(l1.DefaultVersionId, 'v2');
    assert.deepEqual(l1.PolicyVersionList!.map((v) => [v.VersionId, v.IsDefaultVersion]), [['v2', true], ['v1', false]]);
    assert.equal(decodeURIComponent(l1.PolicyVersionList![1]!.Document!), FANCY);
    assert.equal(d.Policies![2]!.AttachmentCount, 1);
    assert.equal(d.Policies![2]!.PolicyVersionList!.length, 1);

    // Filter.
    const onlyRoles = await c.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'AWSManagedPolicy'] }));
    assert.deepEqual(
      [onlyRoles.UserDetailList, onlyRoles.GroupDetailList, onlyRoles.RoleDetailList!.map((x) => x.RoleName), onlyRoles.Policies!.map((p) => p.PolicyName)],
      [[], [], ['svc'], ['ReadOnlyAccess']],
    );
    const local = await c.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
    assert.deepEqual(local.Policies!.map((p) => p.PolicyName), ['Local1', 'Local2']);

    // Pages of 2 over 1 user + 1 group + 1 role + 3 policies.
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await c.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 2, Marker: marker }));
      pages++;
      names.push(
        ...page.UserDetailList!.map((x) => `u:${x.UserName}`),
        ...page.GroupDetailList!.map((x) => `g:${x.GroupName}`),
        ...page.RoleDetailList!.map((x) => `r:${x.RoleName}`),
        ...page.Policies!.map((x) => `p:${x.PolicyName}`),
      );
      marker = page.Marker;
      assert.equal(page.IsTruncated, marker !== undefined);
    } while (marker);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['u:alice', 'g:devs', 'r:svc', 'p:Local1', 'p:Local2', 'p:ReadOnlyAccess']);
    await rejectsWith(c.send(new GetAccountAuthorizationDetailsCommand({ Marker: 'bm9wZQ==' })), 'ValidationError', 400, 'Invalid Marker.');
  } finally {
    c.destroy();
    await other.close();
  }
});

test('AWS CLI v2: attach-role-policy, list-attached-role-policies, list-entities-for-policy, get-account-authorization-details', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  await iam.send(new CreateRoleCommand({ RoleName: 'cli-role', AssumeRolePolicyDocument: TRUST }));
  const p = await policy('CliPolicy', '/cli/', 'dynamodb:*');
  for (const arn of [p.Arn!, AWS_S3_READ]) {
    const r = await runAwsCli(s, ['iam', 'attach-role-policy', '--role-name', 'cli-role', '--policy-arn', arn]);
    assert.equal(r.status, 0, r.stderr);
  }
  const listed = await runAwsCli(s, ['iam', 'list-attached-role-policies', '--role-name', 'cli-role']);
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(listed.json.AttachedPolicies, [
    { PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: AWS_S3_READ },
    { PolicyName: 'CliPolicy', PolicyArn: p.Arn },
  ]);
  // The CLI pages by itself: --max-items 1 stitches Marker/MaxItems for us.
  const paged = await runAwsCli(s, ['iam', 'list-attached-role-policies', '--role-name', 'cli-role', '--path-prefix', '/cli/', '--page-size', '1']);
  assert.equal(paged.status, 0, paged.stderr);
  assert.deepEqual(paged.json.AttachedPolicies, [{ PolicyName: 'CliPolicy', PolicyArn: p.Arn }]);

  const ents = await runAwsCli(s, ['iam', 'list-entities-for-policy', '--policy-arn', p.Arn!, '--entity-filter', 'Role']);
  assert.equal(ents.status, 0, ents.stderr);
  assert.deepEqual(ents.json.PolicyRoles.map((r: { RoleName: string }) => r.RoleName), ['cli-role']);

  const over = await runAwsCli(s, ['iam', 'detach-role-policy', '--role-name', 'cli-role', '--policy-arn', `arn:aws:iam::${s.accountId}:policy/cli/Absent`]);
  assert.notEqual(over.status, 0);
  assert.match(over.stderr, /NoSuchEntity.*Policy arn:aws:iam::\d{12}:policy\/cli\/Absent was not found\./);

  // botocore decodes the URL-encoded documents: the CLI prints them as JSON objects.
  const gaad = await runAwsCli(s, ['iam', 'get-account-authorization-details', '--filter', 'Role', 'LocalManagedPolicy']);
  assert.equal(gaad.status, 0, gaad.stderr);
  const role = gaad.json.RoleDetailList.find((r: { RoleName: string }) => r.RoleName === 'cli-role');
  assert.deepEqual(role.AssumeRolePolicyDocument, JSON.parse(TRUST));
  assert.deepEqual(role.AttachedManagedPolicies.map((a: { PolicyName: string }) => a.PolicyName), ['AmazonS3ReadOnlyAccess', 'CliPolicy']);
  const cliPolicy = gaad.json.Policies.find((x: { PolicyName: string }) => x.PolicyName === 'CliPolicy');
  assert.deepEqual(cliPolicy.PolicyVersionList[0].Document, JSON.parse(doc('dynamodb:*')));
  assert.deepEqual(gaad.json.UserDetailList, []);
});
