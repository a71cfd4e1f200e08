/**
 * IAM groups and roles end to end through the real JavaScript SDK v3 (and the AWS CLI v2 for the
 * URL-encoded trust policy it decodes): CRUD, membership, inline policies, trust policies, tags.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IAMClient,
  CreateUserCommand,
  DeleteUserCommand,
  CreateGroupCommand,
  GetGroupCommand,
  ListGroupsCommand,
  UpdateGroupCommand,
  DeleteGroupCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
  ListGroupsForUserCommand,
  PutGroupPolicyCommand,
  GetGroupPolicyCommand,
  ListGroupPoliciesCommand,
  DeleteGroupPolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  ListRolesCommand,
  UpdateRoleCommand,
  UpdateAssumeRolePolicyCommand,
  DeleteRoleCommand,
  PutRolePolicyCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  DeleteRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  ListRoleTagsCommand,
  CreatePolicyCommand,
  paginateGetGroup,
  paginateListRoles,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, type TestServer, rejectsWith } from './harness.js';
import { getRole } from '../../src/services/iam/roles.js';
import { groupsOfUser, groupPolicyDocuments, userBlockers } from '../../src/services/iam/groups.js';

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  await s.close();
});

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const S3_READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
});

const rejects = rejectsWith;

test('groups: create, get, list by path, update, delete; AWS errors', async () => {
  const created = (await iam.send(new CreateGroupCommand({ GroupName: 'Devs', Path: '/eng/' }))).Group!;
  assert.equal(created.GroupName, 'Devs');
  assert.equal(created.Path, '/eng/');
  assert.equal(created.Arn, `arn:aws:iam::${s.accountId}:group/eng/Devs`);
  assert.match(created.GroupId!, /^AGPA[A-Z0-9]{17}$/);
  assert.ok(created.CreateDate instanceof Date);

  await rejects(iam.send(new CreateGroupCommand({ GroupName: 'devs' })), 'EntityAlreadyExistsException', 409, 'Group with name devs already exists.');
  await rejects(iam.send(new GetGroupCommand({ GroupName: 'nope' })), 'NoSuchEntityException', 404, 'The group with name nope cannot be found.');

  const got = await iam.send(new GetGroupCommand({ GroupName: 'DEVS' }));
  assert.equal(got.Group?.GroupId, created.GroupId);
  assert.equal(got.Group?.GroupName, 'Devs');
  assert.deepEqual(got.Users, []);
  assert.equal(got.IsTruncated, false);

  await iam.send(new CreateGroupCommand({ GroupName: 'ops' }));
  const eng = await iam.send(new ListGroupsCommand({ PathPrefix: '/eng/' }));
  assert.deepEqual(eng.Groups?.map((g) => g.GroupName), ['Devs']);
  const all = await iam.send(new ListGroupsCommand({}));
  assert.deepEqual(all.Groups?.map((g) => g.GroupName), ['Devs', 'ops']);

  // Rename + move: ARN follows, id stays; the old name is gone; a taken name is refused.
  await iam.send(new UpdateGroupCommand({ GroupName: 'Devs', NewGroupName: 'builders', NewPath: '/team/' }));
  const renamed = (await iam.send(new GetGroupCommand({ GroupName: 'builders' }))).Group!;
  assert.equal(renamed.GroupId, created.GroupId);
  assert.equal(renamed.Arn, `arn:aws:iam::${s.accountId}:group/team/builders`);
  await rejects(iam.send(new GetGroupCommand({ GroupName: 'Devs' })), 'NoSuchEntityException', 404);
  await rejects(iam.send(new UpdateGroupCommand({ GroupName: 'builders', NewGroupName: 'OPS' })), 'EntityAlreadyExistsException', 409, 'Group with name OPS already exists.');
  await rejects(iam.send(new UpdateGroupCommand({ GroupName: 'ghost', NewPath: '/x/' })), 'NoSuchEntityException', 404, 'The group with name ghost cannot be found.');

  await iam.send(new DeleteGroupCommand({ GroupName: 'builders' }));
  await iam.send(new DeleteGroupCommand({ GroupName: 'ops' }));
  await rejects(iam.send(new DeleteGroupCommand({ GroupName: 'ops' })), 'NoSuchEntityException', 404, 'The group with name ops cannot be found.');
  assert.deepEqual((await iam.send(new ListGroupsCommand({}))).Groups, []);
});

test('membership: a user in two groups, ListGroupsForUser, DeleteConflict both ways, remove', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'alpha' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'beta' }));

  await rejects(iam.send(new AddUserToGroupCommand({ GroupName: 'alpha', UserName: 'nobody' })), 'NoSuchEntityException', 404, 'The user with name nobody cannot be found.');
  await rejects(iam.send(new AddUserToGroupCommand({ GroupName: 'gamma', UserName: 'carol' })), 'NoSuchEntityException', 404, 'The group with name gamma cannot be found.');

  await iam.send(new AddUserToGroupCommand({ GroupName: 'alpha', UserName: 'carol' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'alpha', UserName: 'CAROL' })); // twice: a no-op
  await iam.send(new AddUserToGroupCommand({ GroupName: 'beta', UserName: 'carol' }));

  const forUser = await iam.send(new ListGroupsForUserCommand({ UserName: 'carol' }));
  assert.deepEqual(forUser.Groups?.map((g) => g.GroupName), ['alpha', 'beta']);
  assert.ok(forUser.Groups?.every((g) => /^AGPA/.test(g.GroupId!)));
  const firstOnly = await iam.send(new ListGroupsForUserCommand({ UserName: 'carol', MaxItems: 1 }));
  assert.equal(firstOnly.IsTruncated, true);
  const rest = await iam.send(new ListGroupsForUserCommand({ UserName: 'carol', Marker: firstOnly.Marker }));
  assert.deepEqual(rest.Groups?.map((g) => g.GroupName), ['beta']);
  assert.equal(rest.IsTruncated, false);
  await rejects(iam.send(new ListGroupsForUserCommand({ UserName: 'nobody' })), 'NoSuchEntityException', 404, 'The user with name nobody cannot be found.');

  const alpha = await iam.send(new GetGroupCommand({ GroupName: 'alpha' }));
  assert.deepEqual(alpha.Users?.map((u) => u.UserName), ['carol']);
  assert.equal(alpha.Users?.[0]?.Arn, `arn:aws:iam::${s.accountId}:user/carol`);

  // The exported helpers the authorizer and DeleteUser use.
  await s.nimbus.store.read(async (tx) => {
    assert.deepEqual(await groupsOfUser(tx, s.accountId, 'Carol'), ['alpha', 'beta']);
    const user = (await tx.get<any>(s.accountId, 'iam.user', 'carol'))!;
    assert.equal(await userBlockers(tx, s.accountId, user), 'Cannot delete entity, must remove users from group first.');
  });

  await rejects(iam.send(new DeleteGroupCommand({ GroupName: 'alpha' })), 'DeleteConflictException', 409, 'Cannot delete entity, must remove users from group first.');

  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'alpha', UserName: 'carol' }));
  await rejects(iam.send(new RemoveUserFromGroupCommand({ GroupName: 'alpha', UserName: 'carol' })), 'NoSuchEntityException', 404);
  await rejects(iam.send(new RemoveUserFromGroupCommand({ GroupName: 'nope', UserName: 'carol' })), 'NoSuchEntityException', 404, 'The group with name nope cannot be found.');
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'carol' }))).Groups?.map((g) => g.GroupName), ['beta']);
  assert.deepEqual((await iam.send(new GetGroupCommand({ GroupName: 'alpha' }))).Users, []);
  await iam.send(new DeleteGroupCommand({ GroupName: 'alpha' }));

  // Renaming a group carries its members along.
  await iam.send(new UpdateGroupCommand({ GroupName: 'beta', NewGroupName: 'Beta2' }));
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'carol' }))).Groups?.map((g) => g.GroupName), ['Beta2']);
  assert.deepEqual((await iam.send(new GetGroupCommand({ GroupName: 'beta2' }))).Users?.map((u) => u.UserName), ['carol']);
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'Beta2', UserName: 'carol' }));
  await s.nimbus.store.read(async (tx) => {
    const user = (await tx.get<any>(s.accountId, 'iam.user', 'carol'))!;
    assert.equal(await userBlockers(tx, s.accountId, user), undefined);
  });
  await iam.send(new DeleteGroupCommand({ GroupName: 'Beta2' }));
  await iam.send(new DeleteUserCommand({ UserName: 'carol' }));
});

test('GetGroup paginates its users with Marker / MaxItems / IsTruncated', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'crowd' }));
  const names = Array.from({ length: 12 }, (_, i) => `member-${String(i).padStart(2, '0')}`);
  for (const n of names) {
    await iam.send(new CreateUserCommand({ UserName: n }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'crowd', UserName: n }));
  }
  const first = await iam.send(new GetGroupCommand({ GroupName: 'crowd', MaxItems: 5 }));
  assert.equal(first.Users?.length, 5);
  assert.equal(first.IsTruncated, true);
  assert.ok(first.Marker);
  const seen: string[] = [];
  for await (const page of paginateGetGroup({ client: iam, pageSize: 4 }, { GroupName: 'crowd' })) {
    assert.ok((page.Users?.length ?? 0) <= 4);
    assert.equal(page.Group?.GroupName, 'crowd');
    for (const u of page.Users ?? []) seen.push(u.UserName!);
  }
  assert.deepEqual(seen, names);
  await rejects(iam.send(new GetGroupCommand({ GroupName: 'crowd', Marker: '!!not-a-marker' })), 'ValidationError', 400);
  for (const n of names) await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'crowd', UserName: n }));
  for (const n of names) await iam.send(new DeleteUserCommand({ UserName: n }));
  await iam.send(new DeleteGroupCommand({ GroupName: 'crowd' }));
});

test('group inline policies: put, get (URL-encoded), list, 5120-character quota, delete', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
  await rejects(
    iam.send(new PutGroupPolicyCommand({ GroupName: 'ghost', PolicyName: 'p', PolicyDocument: S3_READ })),
    'NoSuchEntityException',
    404,
    'The group with name ghost cannot be found.',
  );
  const spaced = '{ "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*" } }';
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 's3read', PolicyDocument: spaced }));
  const got = await iam.send(new GetGroupPolicyCommand({ GroupName: 'READERS', PolicyName: 's3read' }));
  assert.equal(got.GroupName, 'readers');
  assert.equal(got.PolicyName, 's3read');
  // On the wire as IAM sends it: RFC 3986 (`*` as %2A, space as %20); the JS SDK does not decode.
  assert.match(got.PolicyDocument!, /^%7B%20%22Version%22%3A%20%222012-10-17%22/);
  assert.ok(got.PolicyDocument!.includes('%2A'));
  assert.equal(decodeURIComponent(got.PolicyDocument!), spaced);

  await rejects(iam.send(new GetGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'none' })), 'NoSuchEntityException', 404, 'The group policy with name none cannot be found.');
  await rejects(
    iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'bad', PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}' })),
    'MalformedPolicyDocumentException',
    400,
    'Policy statement must contain resources.',
  );
  await rejects(
    iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'bad', PolicyDocument: 'not json' })),
    'MalformedPolicyDocumentException',
    400,
    'Syntax errors in policy.',
  );

  // The quota counts all of the group's inline policies (without whitespace); replacing one doesn't double count.
  const big = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(n)}` }] });
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'big1', PolicyDocument: big(2400) }));
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'big1', PolicyDocument: big(2400) }));
  await rejects(
    iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'big2', PolicyDocument: big(2600) })),
    'LimitExceededException',
    409,
    'Maximum policy size of 5120 bytes exceeded for group readers',
  );

  const listed = await iam.send(new ListGroupPoliciesCommand({ GroupName: 'readers' }));
  assert.deepEqual(listed.PolicyNames, ['big1', 's3read']);
  const one = await iam.send(new ListGroupPoliciesCommand({ GroupName: 'readers', MaxItems: 1 }));
  assert.equal(one.IsTruncated, true);
  assert.deepEqual((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'readers', Marker: one.Marker }))).PolicyNames, ['s3read']);

  await s.nimbus.store.read(async (tx) => {
    const docs = await groupPolicyDocuments(tx, s.accountId, 'Readers');
    assert.deepEqual(docs.map((d) => d.id), ['big1', 's3read']);
    assert.equal(docs[1]!.document, spaced);
  });

  await rejects(iam.send(new DeleteGroupCommand({ GroupName: 'readers' })), 'DeleteConflictException', 409, 'Cannot delete entity, must delete policies first.');
  await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'big1' }));
  await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'readers', PolicyName: 's3read' }));
  await rejects(iam.send(new DeleteGroupPolicyCommand({ GroupName: 'readers', PolicyName: 's3read' })), 'NoSuchEntityException', 404, 'The group policy with name s3read cannot be found.');
  await iam.send(new DeleteGroupCommand({ GroupName: 'readers' }));
});

test('roles: create, get (URL-encoded trust policy), list, update, delete; AWS errors', async () => {
  // A permissions boundary must be an existing managed policy.
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'boundary',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    }),
  );
  const created = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app-role',
        Path: '/service/',
        AssumeRolePolicyDocument: TRUST,
        Description: 'for the app',
        MaxSessionDuration: 7200,
        PermissionsBoundary: `arn:aws:iam::${s.accountId}:policy/boundary`,
        Tags: [{ Key: 'team', Value: 'core' }],
      }),
    )
  ).Role!;
  assert.equal(created.RoleName, 'app-role');
  assert.equal(created.Arn, `arn:aws:iam::${s.accountId}:role/service/app-role`);
  assert.match(created.RoleId!, /^AROA[A-Z0-9]{17}$/);
  assert.equal(decodeURIComponent(created.AssumeRolePolicyDocument!), TRUST);
  assert.equal(created.Description, 'for the app');
  assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'core' }]);
  assert.equal(created.MaxSessionDuration, undefined);

  await rejects(iam.send(new CreateRoleCommand({ RoleName: 'APP-ROLE', AssumeRolePolicyDocument: TRUST })), 'EntityAlreadyExistsException', 409, 'Role with name APP-ROLE already exists.');
  await rejects(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');

  const got = (await iam.send(new GetRoleCommand({ RoleName: 'App-Role' }))).Role!;
  assert.equal(got.RoleId, created.RoleId);
  assert.equal(got.RoleName, 'app-role');
  assert.equal(got.MaxSessionDuration, 7200);
  assert.equal(got.AssumeRolePolicyDocument, encodeURIComponent(TRUST));
  assert.ok(!got.AssumeRolePolicyDocument!.includes('{'));
  assert.deepEqual(got.PermissionsBoundary, {
    PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
    PermissionsBoundaryArn: `arn:aws:iam::${s.accountId}:policy/boundary`,
  });
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'core' }]);
  assert.deepEqual(got.RoleLastUsed, {});

  await s.nimbus.store.read(async (tx) => {
    const r = await getRole(tx, s.accountId, 'APP-role');
    assert.equal(r?.AssumeRolePolicyDocument, TRUST);
    assert.equal(r?.RoleId, created.RoleId);
    assert.equal(await getRole(tx, s.accountId, 'ghost'), undefined);
  });

  // MaxSessionDuration bounds come from the model: ValidationError as AWS words it.
  await rejects(
    iam.send(new CreateRoleCommand({ RoleName: 'short', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 100 })),
    'ValidationError',
    400,
    // IAM's query form does not echo numbers (see src/protocols/validate.ts).
    "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
  );
  await rejects(iam.send(new UpdateRoleCommand({ RoleName: 'app-role', MaxSessionDuration: 43201 })), 'ValidationError', 400, /less than or equal to 43200/);

  await iam.send(new UpdateRoleCommand({ RoleName: 'app-role', Description: 'changed', MaxSessionDuration: 43200 }));
  const updated = (await iam.send(new GetRoleCommand({ RoleName: 'app-role' }))).Role!;
  assert.equal(updated.Description, 'changed');
  assert.equal(updated.MaxSessionDuration, 43200);
  await rejects(iam.send(new UpdateRoleCommand({ RoleName: 'ghost', Description: 'x' })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');

  // Defaults.
  await iam.send(new CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: TRUST }));
  const plain = (await iam.send(new GetRoleCommand({ RoleName: 'plain' }))).Role!;
  assert.equal(plain.Path, '/');
  assert.equal(plain.MaxSessionDuration, 3600);
  assert.equal(plain.Description, undefined);
  assert.equal(plain.Tags, undefined);

  const svc = await iam.send(new ListRolesCommand({ PathPrefix: '/service/' }));
  assert.deepEqual(svc.Roles?.map((r) => r.RoleName), ['app-role']);
  assert.equal(svc.Roles?.[0]?.Tags, undefined); // ListRoles omits tags, as documented
  assert.equal(decodeURIComponent(svc.Roles![0]!.AssumeRolePolicyDocument!), TRUST);
  const names: string[] = [];
  for await (const page of paginateListRoles({ client: iam, pageSize: 1 }, {})) for (const r of page.Roles ?? []) names.push(r.RoleName!);
  assert.deepEqual(names, ['app-role', 'plain']);

  await iam.send(new DeleteRoleCommand({ RoleName: 'plain' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'app-role' }));
  await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'app-role' })), 'NoSuchEntityException', 404, 'The role with name app-role cannot be found.');
});

test('trust policies are validated as IAM does (CreateRole and UpdateAssumeRolePolicy)', async () => {
  const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] });
  await rejects(
    iam.send(new CreateRoleCommand({ RoleName: 't1', AssumeRolePolicyDocument: noPrincipal })),
    'MalformedPolicyDocumentException',
    400,
    'Missing required field Principal',
  );
  const withResource = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Resource: '*' }],
  });
  await rejects(iam.send(new CreateRoleCommand({ RoleName: 't1', AssumeRolePolicyDocument: withResource })), 'MalformedPolicyDocumentException', 400, 'Has prohibited field Resource.');
  await rejects(iam.send(new CreateRoleCommand({ RoleName: 't1', AssumeRolePolicyDocument: '{' })), 'MalformedPolicyDocumentException', 400, 'Syntax errors in policy.');
  const huge = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalTag/x': 'y'.repeat(2100) } } }],
  });
  await rejects(iam.send(new CreateRoleCommand({ RoleName: 't1', AssumeRolePolicyDocument: huge })), 'LimitExceededException', 409, 'Cannot exceed quota for ACLSizePerRole: 2048');
  await rejects(iam.send(new GetRoleCommand({ RoleName: 't1' })), 'NoSuchEntityException', 404);

  await iam.send(new CreateRoleCommand({ RoleName: 't1', AssumeRolePolicyDocument: TRUST }));
  await rejects(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 't1', PolicyDocument: noPrincipal })), 'MalformedPolicyDocumentException', 400, 'Missing required field Principal');
  await rejects(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: TRUST })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  const lambdaTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: 'sts:AssumeRole' }],
  });
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 't1', PolicyDocument: lambdaTrust }));
  assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 't1' }))).Role!.AssumeRolePolicyDocument!), lambdaTrust);
  await iam.send(new DeleteRoleCommand({ RoleName: 't1' }));
});

test('role inline policies: put, get, list, 10240-character quota, DeleteRole conflict, delete', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'read', PolicyDocument: S3_READ }));
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'WORKER', PolicyName: 'read' }));
  assert.equal(got.RoleName, 'worker');
  assert.equal(decodeURIComponent(got.PolicyDocument!), S3_READ);
  await rejects(iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'nope' })), 'NoSuchEntityException', 404, 'The role policy with name nope cannot be found.');
  await rejects(iam.send(new PutRolePolicyCommand({ RoleName: 'ghost', PolicyName: 'p', PolicyDocument: S3_READ })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  await rejects(
    iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: TRUST })),
    'MalformedPolicyDocumentException',
    400,
    'Policy document should not specify a principal.',
  );
  const big = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(n)}` }] });
  await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'big', PolicyDocument: big(9000) }));
  await rejects(
    iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'big2', PolicyDocument: big(1200) })),
    'LimitExceededException',
    409,
    'Maximum policy size of 10240 bytes exceeded for role worker',
  );
  assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }))).PolicyNames, ['big', 'read']);

  await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'worker' })), 'DeleteConflictException', 409, 'Cannot delete entity, must delete policies first.');
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'big' }));
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'read' }));
  await rejects(iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'read' })), 'NoSuchEntityException', 404, 'The role policy with name read cannot be found.');
  assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }))).PolicyNames, []);
  await iam.send(new DeleteRoleCommand({ RoleName: 'worker' }));
});

test('role tags: tag, overwrite, untag, list with pagination, 50-tag quota, duplicates', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'owner', Value: 'me' }] }));
  await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'env', Value: 'prod' }] }));
  const tags = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }));
  assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'me' }]);
  assert.equal(tags.IsTruncated, false);

  const p1 = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 1 }));
  assert.deepEqual(p1.Tags, [{ Key: 'env', Value: 'prod' }]);
  assert.equal(p1.IsTruncated, true);
  const p2 = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 1, Marker: p1.Marker }));
  assert.deepEqual(p2.Tags, [{ Key: 'owner', Value: 'me' }]);
  assert.equal(p2.IsTruncated, false);

  await rejects(
    iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })),
    'InvalidInputException',
    400,
    'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  );
  await rejects(iam.send(new TagRoleCommand({ RoleName: 'ghost', Tags: [{ Key: 'a', Value: '1' }] })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  await rejects(
    iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })),
    'ValidationError',
    400,
    /Member must have length less than or equal to 50/,
  );
  await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }));
  await rejects(
    iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'one-too', Value: 'many' }] })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for TagsPerRole: 50',
  );
  assert.equal((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags?.length, 50);

  await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: Array.from({ length: 48 }, (_, i) => `K${i}`).concat(['ENV']) }));
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags, [{ Key: 'owner', Value: 'me' }]);
  await rejects(iam.send(new UntagRoleCommand({ RoleName: 'ghost', TagKeys: ['x'] })), 'NoSuchEntityException', 404);
  await rejects(iam.send(new ListRoleTagsCommand({ RoleName: 'ghost' })), 'NoSuchEntityException', 404, 'The role with name ghost cannot be found.');
  await iam.send(new DeleteRoleCommand({ RoleName: 'tagged' }));
});

test('AWS CLI v2: create-role from file:// and get-role print the decoded trust policy', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-trust-'));
  const file = join(dir, 'trust.json');
  const doc = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  const created = await runAwsCli(s, ['iam', 'create-role', '--role-name', 'cli-role', '--path', '/cli/', '--assume-role-policy-document', `file://${file}`]);
  assert.equal(created.status, 0, created.stderr);
  assert.equal(created.json.Role.Arn, `arn:aws:iam::${s.accountId}:role/cli/cli-role`);
  assert.deepEqual(created.json.Role.AssumeRolePolicyDocument, doc);

  const got = await runAwsCli(s, ['iam', 'get-role', '--role-name', 'cli-role']);
  assert.equal(got.status, 0, got.stderr);
  assert.deepEqual(got.json.Role.AssumeRolePolicyDocument, doc);
  assert.equal(got.json.Role.MaxSessionDuration, 3600);
  assert.match(got.json.Role.RoleId, /^AROA/);

  const missing = await runAwsCli(s, ['iam', 'get-role', '--role-name', 'no-such-role']);
  assert.equal(missing.status, 254);
  assert.match(missing.stderr, /An error occurred \(NoSuchEntity\) when calling the GetRole operation( \(reached max retries: 0\))?: The role with name no-such-role cannot be found\./);

  writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }));
  const bad = await runAwsCli(s, ['iam', 'create-role', '--role-name', 'cli-bad', '--assume-role-policy-document', `file://${file}`]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /\(MalformedPolicyDocument\) when calling the CreateRole operation( \(reached max retries: 0\))?: Missing required field Principal/);

  const del = await runAwsCli(s, ['iam', 'delete-role', '--role-name', 'cli-role']);
  assert.equal(del.status, 0, del.stderr);
});
