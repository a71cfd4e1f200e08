/**
 * IAM instance profiles end to end through the real JavaScript SDK v3: CRUD, the one role a
 * profile holds, listings with PathPrefix and pagination, AWS's errors, and DeleteRole's check.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateRoleCommand,
  DeleteRoleCommand,
  CreateInstanceProfileCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  DeleteInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  ListInstanceProfilesForRoleCommand,
  paginateListInstanceProfiles,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
  ListInstanceProfileTagsCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, rejectsWith, type TestServer } from './harness.js';
import { roleBlockers } from '../../src/services/iam/instance-profiles.js';

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
const ROLES_FIRST = 'Cannot delete entity, must remove roles from instance profile first.';

const rejects = rejectsWith;

test('create, get, list and delete an instance profile; duplicates and missing profiles get AWS errors', async () => {
  const created = (
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web', Path: '/app/', Tags: [{ Key: 'env', Value: 'dev' }] }))
  ).InstanceProfile!;
  assert.equal(created.InstanceProfileName, 'web');
  assert.equal(created.Path, '/app/');
  assert.equal(created.Arn, `arn:aws:iam::${s.accountId}:instance-profile/app/web`);
  assert.match(created.InstanceProfileId!, /^AIPA[A-Z0-9]{17}$/);
  assert.ok(created.CreateDate instanceof Date);
  assert.deepEqual(created.Roles, []);
  assert.deepEqual(created.Tags, [{ Key: 'env', Value: 'dev' }]);

  const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'WEB' }))).InstanceProfile!;
  assert.equal(got.InstanceProfileName, 'web');
  assert.equal(got.InstanceProfileId, created.InstanceProfileId);
  assert.deepEqual(got.Roles, []);
  assert.deepEqual(got.Tags, [{ Key: 'env', Value: 'dev' }]);

  await rejects(
    iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'Web' })),
    'EntityAlreadyExistsException',
    409,
    'Instance Profile Web already exists.',
  );
  await rejects(
    iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'nope' })),
    'NoSuchEntityException',
    404,
    'Instance Profile nope cannot be found.',
  );

  const defaultPath = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'plain' }))).InstanceProfile!;
  assert.equal(defaultPath.Path, '/');
  assert.equal(defaultPath.Arn, `arn:aws:iam::${s.accountId}:instance-profile/plain`);
  assert.equal(defaultPath.Tags, undefined);

  const inApp = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/app/' }));
  assert.deepEqual(inApp.InstanceProfiles!.map((p) => p.InstanceProfileName), ['web']);
  assert.equal(inApp.IsTruncated, false);
  assert.equal(inApp.InstanceProfiles![0]!.Tags, undefined, 'ListInstanceProfiles omits tags');
  const all = await iam.send(new ListInstanceProfilesCommand({}));
  assert.ok(all.InstanceProfiles!.some((p) => p.InstanceProfileName === 'plain'));

  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' }));
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'plain' }));
  await rejects(
    iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' })),
    'NoSuchEntityException',
    404,
    'Instance Profile web cannot be found.',
  );
  assert.deepEqual((await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/app/' }))).InstanceProfiles, []);
});

test('a profile holds one role, shown as GetRole shows it; deletes wait for RemoveRoleFromInstanceProfile', async () => {
  const role = (
    await iam.send(new CreateRoleCommand({ RoleName: 'Ec2Role', Path: '/svc/', AssumeRolePolicyDocument: TRUST, Description: 'for ec2' }))
  ).Role!;
  await iam.send(new CreateRoleCommand({ RoleName: 'other-role', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ec2-profile' }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'spare-profile', Path: '/svc/' }));

  await rejects(
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'ghost' })),
    'NoSuchEntityException',
    404,
    'The role with name ghost cannot be found.',
  );
  await rejects(
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ghost-profile', RoleName: 'Ec2Role' })),
    'NoSuchEntityException',
    404,
    'Instance Profile ghost-profile cannot be found.',
  );

  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'ec2role' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'spare-profile', RoleName: 'Ec2Role' }));
  for (const second of ['other-role', 'Ec2Role']) {
    await rejects(
      iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: second })),
      'LimitExceededException',
      409,
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    );
  }

  const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ec2-profile' }))).InstanceProfile!;
  assert.equal(got.Roles!.length, 1);
  const r = got.Roles![0]!;
  assert.equal(r.RoleName, 'Ec2Role');
  assert.equal(r.RoleId, role.RoleId);
  assert.equal(r.Arn, `arn:aws:iam::${s.accountId}:role/svc/Ec2Role`);
  assert.equal(r.Path, '/svc/');
  assert.equal(r.Description, 'for ec2');
  assert.equal(r.MaxSessionDuration, 3600);
  assert.ok(r.CreateDate instanceof Date);
  assert.equal(r.AssumeRolePolicyDocument, encodeURIComponent(TRUST));
  assert.equal(decodeURIComponent(r.AssumeRolePolicyDocument!), TRUST);

  const listed = (await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/svc/' }))).InstanceProfiles!;
  assert.deepEqual(listed.map((p) => [p.InstanceProfileName, p.Roles!.map((x) => x.RoleName)]), [['spare-profile', ['Ec2Role']]]);

  const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'EC2ROLE' }));
  assert.deepEqual(forRole.InstanceProfiles!.map((p) => p.InstanceProfileName), ['ec2-profile', 'spare-profile']);
  assert.equal(forRole.IsTruncated, false);
  const page1 = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'Ec2Role', MaxItems: 1 }));
  assert.deepEqual(page1.InstanceProfiles!.map((p) => p.InstanceProfileName), ['ec2-profile']);
  assert.equal(page1.IsTruncated, true);
  const page2 = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'Ec2Role', MaxItems: 1, Marker: page1.Marker }));
  assert.deepEqual(page2.InstanceProfiles!.map((p) => p.InstanceProfileName), ['spare-profile']);
  assert.equal(page2.IsTruncated, false);
  assert.deepEqual((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'other-role' }))).InstanceProfiles, []);
  await rejects(
    iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ghost' })),
    'NoSuchEntityException',
    404,
    'The role with name ghost cannot be found.',
  );

  await rejects(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'ec2-profile' })), 'DeleteConflictException', 409, ROLES_FIRST);
  await s.nimbus.store.read(async (tx) => {
    assert.equal(await roleBlockers(tx, s.accountId, 'Ec2Role'), ROLES_FIRST);
    assert.equal(await roleBlockers(tx, s.accountId, 'other-role'), undefined);
  });

  await rejects(
    iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'ghost' })),
    'NoSuchEntityException',
    404,
    'The role with name ghost cannot be found.',
  );
  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'Ec2Role' }));
  assert.deepEqual((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ec2-profile' }))).InstanceProfile!.Roles, []);
  assert.deepEqual(
    (await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'Ec2Role' }))).InstanceProfiles!.map((p) => p.InstanceProfileName),
    ['spare-profile'],
  );
  await s.nimbus.store.read(async (tx) => {
    assert.equal(await roleBlockers(tx, s.accountId, 'Ec2Role'), ROLES_FIRST, 'still in spare-profile');
  });

  // The freed profile takes a role again, then can be emptied and deleted.
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'other-role' }));
  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'ec2-profile', RoleName: 'other-role' }));
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'ec2-profile' }));

  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'spare-profile', RoleName: 'Ec2Role' }));
  await s.nimbus.store.read(async (tx) => {
    assert.equal(await roleBlockers(tx, s.accountId, 'Ec2Role'), undefined);
  });
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'spare-profile' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'Ec2Role' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'other-role' }));
});

test('DeleteRole refuses while the role is in an instance profile', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'held-role', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'holder' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'holder', RoleName: 'held-role' }));
  await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'held-role' })), 'DeleteConflictException', 409, ROLES_FIRST);
  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'holder', RoleName: 'held-role' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'held-role' }));
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'holder' }));
});

test('ListInstanceProfiles paginates with Marker / MaxItems / IsTruncated', async () => {
  const names = Array.from({ length: 12 }, (_, i) => `page-profile-${String(i).padStart(2, '0')}`);
  for (const n of names) await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: n, Path: '/paging/' }));
  const first = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/paging/', MaxItems: 5 }));
  assert.equal(first.InstanceProfiles!.length, 5);
  assert.equal(first.IsTruncated, true);
  assert.ok(first.Marker);
  const seen: string[] = [];
  for await (const page of paginateListInstanceProfiles({ client: iam, pageSize: 5 }, { PathPrefix: '/paging/' })) {
    seen.push(...page.InstanceProfiles!.map((p) => p.InstanceProfileName!));
  }
  assert.deepEqual(seen, names);
  await rejects(iam.send(new ListInstanceProfilesCommand({ Marker: 'not-a-marker!' })), 'ValidationError', 400, 'Invalid Marker.');
});

test('instance profile tags: tag, overwrite, untag, list with pagination, duplicate keys', async () => {
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'tagged', Tags: [{ Key: 'a', Value: '1' }] }));
  await rejects(
    iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'dup', Tags: [{ Key: 'k', Value: '1' }, { Key: 'K', Value: '2' }] })),
    'InvalidInputException',
    400,
    'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  );
  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'tagged', Tags: [{ Key: 'A', Value: '2' }, { Key: 'b', Value: '3' }] }));
  assert.deepEqual((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged' }))).Tags, [
    { Key: 'A', Value: '2' },
    { Key: 'b', Value: '3' },
  ]);
  const p1 = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged', MaxItems: 1 }));
  assert.deepEqual(p1.Tags, [{ Key: 'A', Value: '2' }]);
  assert.equal(p1.IsTruncated, true);
  const p2 = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged', MaxItems: 1, Marker: p1.Marker }));
  assert.deepEqual(p2.Tags, [{ Key: 'b', Value: '3' }]);
  assert.equal(p2.IsTruncated, false);
  await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'tagged', TagKeys: ['a'] }));
  assert.deepEqual((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'tagged' }))).InstanceProfile!.Tags, [{ Key: 'b', Value: '3' }]);
  const many = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
  await rejects(
    iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'tagged', Tags: many })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for TagsPerInstanceProfile: 50',
  );
  await rejects(
    iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'ghost', Tags: [{ Key: 'x', Value: 'y' }] })),
    'NoSuchEntityException',
    404,
    'Instance Profile ghost cannot be found.',
  );
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'tagged' }));
});
