/**
 * IAM policies end to end through the real JavaScript SDK v3 (and the AWS CLI v2 for inline policy
 * documents): user inline policies, customer managed policies and their versions, attachments to users.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IAMClient,
  CreateUserCommand,
  PutUserPolicyCommand,
  GetUserPolicyCommand,
  ListUserPoliciesCommand,
  DeleteUserPolicyCommand,
  CreatePolicyCommand,
  GetPolicyCommand,
  ListPoliciesCommand,
  DeletePolicyCommand,
  CreatePolicyVersionCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  DeletePolicyVersionCommand,
  SetDefaultPolicyVersionCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, type TestServer, rejectsWith } from './harness.js';
import { identityPolicyDocuments, userBlockers } from '../../src/services/iam/policies.js';
import { getUser } from '../../src/services/iam/state.js';

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

const rejects = rejectsWith;

const doc = (action: string, resource = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

// Spaces, newlines, escaped quotes, a policy variable, `*`, non-ASCII: must come back byte for byte.
const FANCY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Home",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::bucket/home/\${aws:username}/*",
      "Condition": { "StringLike": { "s3:prefix": ["a \\"quoted\\" prefix é/*", "x+y=z&w"] } }
    }
  ]
}`;

/** IAM's RFC 3986 encoding: only A-Z a-z 0-9 - . _ ~ stay literal. */
function assertRfc3986(encoded: string, original: string): void {
  assert.match(encoded, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
  assert.equal(decodeURIComponent(encoded), original);
}

test('user inline policies: put, get (URL-encoded, byte-identical), list, replace, delete, errors', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'inline-user' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'home', PolicyDocument: FANCY }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'INLINE-USER', PolicyName: 'extra', PolicyDocument: doc('ec2:Describe*') }));

  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'home' }));
  assert.equal(got.UserName, 'inline-user');
  assert.equal(got.PolicyName, 'home');
  assertRfc3986(got.PolicyDocument!, FANCY);
  assert.ok(got.PolicyDocument!.includes('%20%20%22Version%22%3A%20%222012-10-17%22'));
  assert.ok(got.PolicyDocument!.includes('%2A'), 'the asterisk is percent-encoded as IAM does');

  const list = await iam.send(new ListUserPoliciesCommand({ UserName: 'inline-user' }));
  assert.deepEqual(list.PolicyNames, ['extra', 'home']);
  assert.equal(list.IsTruncated, false);
  const page1 = await iam.send(new ListUserPoliciesCommand({ UserName: 'inline-user', MaxItems: 1 }));
  assert.deepEqual(page1.PolicyNames, ['extra']);
  assert.equal(page1.IsTruncated, true);
  const page2 = await iam.send(new ListUserPoliciesCommand({ UserName: 'inline-user', MaxItems: 1, Marker: page1.Marker }));
  assert.deepEqual(page2.PolicyNames, ['home']);
  assert.equal(page2.IsTruncated, false);

  // Putting under an existing name replaces the document.
  await iam.send(new PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'extra', PolicyDocument: doc('sqs:*') }));
  const replaced = await iam.send(new GetUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'extra' }));
  assert.equal(decodeURIComponent(replaced.PolicyDocument!), doc('sqs:*'));

  await rejects(
    iam.send(new GetUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'nope' })),
    'NoSuchEntityException',
    404,
    'The user policy with name nope cannot be found.',
  );
  await rejects(
    iam.send(new PutUserPolicyCommand({ UserName: 'ghost', PolicyName: 'p', PolicyDocument: doc('s3:*') })),
    'NoSuchEntityException',
    404,
    'The user with name ghost cannot be found.',
  );
  await rejects(
    iam.send(new ListUserPoliciesCommand({ UserName: 'ghost' })),
    'NoSuchEntityException',
    404,
    'The user with name ghost cannot be found.',
  );
  await rejects(
    iam.send(new PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'bad', PolicyDocument: '{"Version": "2012-10-17", "Statement": [' })),
    'MalformedPolicyDocumentException',
    400,
    'Syntax errors in policy.',
  );
  await rejects(
    iam.send(new PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'bad', PolicyDocument: doc('s3GetObject') })),
    'MalformedPolicyDocumentException',
    400,
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  );

  // DeleteUser's blockers see the inline policies.
  const blocked = await s.nimbus.store.read(async (tx) => userBlockers(tx, s.accountId, (await getUser(tx, s.accountId, 'inline-user'))!));
  assert.equal(blocked, 'Cannot delete entity, must delete policies first.');

  await iam.send(new DeleteUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'home' }));
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'extra' }));
  await rejects(
    iam.send(new DeleteUserPolicyCommand({ UserName: 'inline-user', PolicyName: 'home' })),
    'NoSuchEntityException',
    404,
    'The user policy with name home cannot be found.',
  );
  assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'inline-user' }))).PolicyNames, []);
  const free = await s.nimbus.store.read(async (tx) => userBlockers(tx, s.accountId, (await getUser(tx, s.accountId, 'inline-user'))!));
  assert.equal(free, undefined);
});

test('inline policy size is counted per user across all its inline policies (2048 non-whitespace chars)', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'size-user' }));
  // A document of exactly n non-whitespace characters, padded with a long Sid.
  const sized = (n: number) => {
    const base = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: '', Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    return base.replace('"Sid":""', `"Sid":"${'A'.repeat(n - base.length)}"`);
  };
  assert.equal(sized(1000).length, 1000);
  await iam.send(new PutUserPolicyCommand({ UserName: 'size-user', PolicyName: 'one', PolicyDocument: sized(1000) }));
  // Whitespace does not count: 1000 + 1048 = 2048 fits even with lots of spaces around it.
  await iam.send(new PutUserPolicyCommand({ UserName: 'size-user', PolicyName: 'two', PolicyDocument: '   \n' + sized(1048) + '\n   ' }));
  await rejects(
    iam.send(new PutUserPolicyCommand({ UserName: 'size-user', PolicyName: 'three', PolicyDocument: doc('s3:*') })),
    'LimitExceededException',
    409,
    'Maximum policy size of 2048 bytes exceeded for user size-user',
  );
  // Replacing a policy counts the new document instead of the old one.
  await iam.send(new PutUserPolicyCommand({ UserName: 'size-user', PolicyName: 'two', PolicyDocument: sized(1040) }));
});

test('managed policies: create, get, list (scope, path, pagination), duplicates and missing policies', async () => {
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ReadBuckets',
      Path: '/team/',
      Description: 'read the buckets',
      PolicyDocument: doc('s3:Get*'),
      Tags: [{ Key: 'owner', Value: 'core' }],
    }),
  );
  const p = created.Policy!;
  assert.equal(p.PolicyName, 'ReadBuckets');
  assert.equal(p.Arn, `arn:aws:iam::${s.accountId}:policy/team/ReadBuckets`);
  assert.equal(p.Path, '/team/');
  assert.match(p.PolicyId!, /^ANPA[A-Z2-7]{17}$/);
  assert.equal(p.DefaultVersionId, 'v1');
  assert.equal(p.AttachmentCount, 0);
  assert.equal(p.PermissionsBoundaryUsageCount, 0);
  assert.equal(p.IsAttachable, true);
  assert.ok(p.CreateDate instanceof Date && p.UpdateDate instanceof Date);
  assert.equal(p.Description, undefined, 'CreatePolicy does not echo the description');
  assert.deepEqual(p.Tags, [{ Key: 'owner', Value: 'core' }]);

  const got = (await iam.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy!;
  assert.equal(got.PolicyId, p.PolicyId);
  assert.equal(got.Description, 'read the buckets');
  assert.deepEqual(got.Tags, [{ Key: 'owner', Value: 'core' }]);

  await rejects(
    iam.send(new CreatePolicyCommand({ PolicyName: 'readbuckets', PolicyDocument: doc('s3:*') })),
    'EntityAlreadyExistsException',
    409,
    'A policy called readbuckets already exists. Duplicate names are not allowed.',
  );
  await rejects(
    iam.send(new CreatePolicyCommand({ PolicyName: 'Old', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) })),
    'MalformedPolicyDocumentException',
    400,
    'Policy document must be version 2012-10-17 or greater.',
  );
  await rejects(
    iam.send(new CreatePolicyCommand({ PolicyName: 'Dup', PolicyDocument: doc('s3:*'), Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] })),
    'InvalidInputException',
    400,
    'Duplicate tag keys found.',
  );
  const missing = `arn:aws:iam::${s.accountId}:policy/Nope`;
  await rejects(iam.send(new GetPolicyCommand({ PolicyArn: missing })), 'NoSuchEntityException', 404, `Policy ${missing} was not found.`);
  await rejects(
    iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::123:notapolicy/x' })),
    'InvalidInputException',
    400,
    'ARN arn:aws:iam::123:notapolicy/x is not valid.',
  );

  for (let i = 0; i < 5; i++) {
    await iam.send(new CreatePolicyCommand({ PolicyName: `page-${i}`, Path: '/paging/', PolicyDocument: doc('sns:Publish') }));
  }
  const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/paging/' }));
  assert.deepEqual(local.Policies!.map((x) => x.PolicyName), ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  assert.equal(local.Policies![0]!.Tags, undefined);
  assert.equal(local.Policies![0]!.Description, undefined);
  const names: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const r = await iam.send(new ListPoliciesCommand({ PathPrefix: '/paging/', MaxItems: 2, Marker: marker }));
    names.push(...r.Policies!.map((x) => x.PolicyName!));
    if (!r.IsTruncated) break;
    assert.equal(r.Policies!.length, 2);
    marker = r.Marker;
  }
  assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
  assert.equal(aws.Policies!.length, 100); // AWS managed policies only (see iam-aws-managed.test.ts)
  assert.ok(aws.Policies!.every((x) => x.Arn!.startsWith('arn:aws:iam::aws:policy/')));
  const all = await iam.send(new ListPoliciesCommand({}));
  assert.ok(all.Policies!.some((x) => x.Arn === p.Arn));
  const attachedOnly = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, PathPrefix: '/paging/' }));
  assert.deepEqual(attachedOnly.Policies, []);

  await iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn }));
  await rejects(iam.send(new GetPolicyCommand({ PolicyArn: p.Arn })), 'NoSuchEntityException', 404, `Policy ${p.Arn} was not found.`);
  await rejects(iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn })), 'NoSuchEntityException', 404, `Policy ${p.Arn} was not found.`);
});

test('policy versions: create, default, get (encoded), list newest first, the 5-version limit, deletes', async () => {
  const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Versioned', PolicyDocument: doc('s3:GetObject') }))).Policy!.Arn!;
  const v2 = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: FANCY, SetAsDefault: true }))).PolicyVersion!;
  assert.equal(v2.VersionId, 'v2');
  assert.equal(v2.IsDefaultVersion, true);
  assert.equal(v2.Document, undefined);
  const afterV2 = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
  assert.equal(afterV2.DefaultVersionId, 'v2');
  assert.deepEqual(afterV2.Tags, [], 'GetPolicy always carries Tags, empty when none');
  assert.equal(afterV2.UpdateDate!.getTime(), v2.CreateDate!.getTime(), 'UpdateDate is the newest version\'s creation');

  const gv = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))).PolicyVersion!;
  assertRfc3986(gv.Document!, FANCY);
  assert.equal(gv.IsDefaultVersion, true);
  const gv1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion!;
  assert.equal(decodeURIComponent(gv1.Document!), doc('s3:GetObject'));
  assert.equal(gv1.IsDefaultVersion, false);

  for (const n of [3, 4, 5]) {
    const v = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`s3:Op${n}`) }))).PolicyVersion!;
    assert.equal(v.VersionId, `v${n}`);
    assert.equal(v.IsDefaultVersion, false);
  }
  await rejects(
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:Op6') })),
    'LimitExceededException',
    409,
    'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
  );
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  assert.deepEqual(versions.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion]), [
    ['v5', false],
    ['v4', false],
    ['v3', false],
    ['v2', true],
    ['v1', false],
  ]);
  const vp1 = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 3 }));
  assert.equal(vp1.IsTruncated, true);
  const vp2 = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 3, Marker: vp1.Marker }));
  assert.deepEqual([...vp1.Versions!, ...vp2.Versions!].map((v) => v.VersionId), ['v5', 'v4', 'v3', 'v2', 'v1']);
  assert.equal(vp2.IsTruncated, false);

  await rejects(
    iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' })),
    'DeleteConflictException',
    409,
    'Cannot delete the default version of a policy.',
  );
  await rejects(
    iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })),
    'NoSuchEntityException',
    404,
    `Policy ${arn} version v9 does not exist or is not attachable.`,
  );
  await rejects(
    iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })),
    'NoSuchEntityException',
    404,
    `Policy ${arn} version v9 does not exist or is not attachable.`,
  );
  const ghost = `arn:aws:iam::${s.accountId}:policy/Ghost`;
  await rejects(
    iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: ghost, VersionId: 'v1' })),
    'NoSuchEntityException',
    404,
    `Policy ${ghost} version v1 does not exist or is not attachable.`,
  );
  await rejects(
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: 'not json' })),
    'MalformedPolicyDocumentException',
    400,
    'Syntax errors in policy.',
  );

  // Version numbers are not reused.
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }));
  const v6 = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:Op6') }))).PolicyVersion!;
  assert.equal(v6.VersionId, 'v6');

  await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId, 'v1');
  assert.equal((await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion!.IsDefaultVersion, true);

  await rejects(
    iam.send(new DeletePolicyCommand({ PolicyArn: arn })),
    'DeleteConflictException',
    409,
    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
  );
  for (const v of ['v2', 'v3', 'v4', 'v6']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  // A policy of the same name starts over at v1.
  const again = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Versioned', PolicyDocument: doc('s3:*') }))).Policy!;
  assert.equal(again.DefaultVersionId, 'v1');
  assert.deepEqual((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: again.Arn }))).Versions!.map((v) => v.VersionId), ['v1']);
});

test('attachments: attach, list, entities, counts, the 10-policy limit, detach, delete conflicts, authorizer documents', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'attach-user', Path: '/ops/' }));
  const pol = (await iam.send(new CreatePolicyCommand({ PolicyName: 'AttachMe', Path: '/a/', PolicyDocument: doc('ec2:*') }))).Policy!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: pol.Arn }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: pol.Arn })); // idempotent

  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'attach-user' }));
  assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: 'AttachMe', PolicyArn: pol.Arn }]);
  assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'attach-user', PathPrefix: '/b/' }))).AttachedPolicies, []);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: pol.Arn }))).Policy!.AttachmentCount, 1);
  const onlyAttached = await iam.send(new ListPoliciesCommand({ OnlyAttached: true }));
  assert.deepEqual(onlyAttached.Policies!.map((p) => p.PolicyName), ['AttachMe']);

  const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: pol.Arn }));
  const userId = (await s.nimbus.store.read((tx) => getUser(tx, s.accountId, 'attach-user')))!.UserId;
  assert.deepEqual(entities.PolicyUsers, [{ UserName: 'attach-user', UserId: userId }]);
  assert.deepEqual(entities.PolicyGroups, []);
  assert.deepEqual(entities.PolicyRoles, []);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: pol.Arn, EntityFilter: 'Role' }))).PolicyUsers, []);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: pol.Arn, PathPrefix: '/dev/' }))).PolicyUsers, []);

  await rejects(iam.send(new DeletePolicyCommand({ PolicyArn: pol.Arn })), 'DeleteConflictException', 409, 'Cannot delete a policy attached to entities.');
  const missing = `arn:aws:iam::${s.accountId}:policy/NotThere`;
  await rejects(
    iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: missing })),
    'NoSuchEntityException',
    404,
    `Policy ${missing} does not exist or is not attachable.`,
  );
  await rejects(
    iam.send(new AttachUserPolicyCommand({ UserName: 'ghost', PolicyArn: pol.Arn })),
    'NoSuchEntityException',
    404,
    'The user with name ghost cannot be found.',
  );

  // The authorizer's view: inline documents and the default version of each attached policy.
  await iam.send(new PutUserPolicyCommand({ UserName: 'attach-user', PolicyName: 'own', PolicyDocument: FANCY }));
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: pol.Arn, PolicyDocument: doc('ec2:DescribeInstances'), SetAsDefault: true }));
  const docs = await s.nimbus.store.read((tx) => identityPolicyDocuments(tx, s.accountId, 'attach-user'));
  assert.deepEqual(docs, [
    { id: 'user/attach-user/own', document: FANCY },
    { id: pol.Arn, document: doc('ec2:DescribeInstances') },
  ]);
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'attach-user', PolicyName: 'own' }));
  const blocked = await s.nimbus.store.read(async (tx) => userBlockers(tx, s.accountId, (await getUser(tx, s.accountId, 'attach-user'))!));
  assert.equal(blocked, 'Cannot delete entity, must detach all policies first.');

  // At most 10 managed policies per user.
  for (let i = 1; i < 10; i++) {
    const p = (await iam.send(new CreatePolicyCommand({ PolicyName: `Quota${i}`, PolicyDocument: doc('sqs:*') }))).Policy!;
    await iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: p.Arn }));
  }
  const eleventh = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Quota10', PolicyDocument: doc('sqs:*') }))).Policy!;
  await rejects(
    iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: eleventh.Arn })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for PoliciesPerUser: 10',
  );
  const page1 = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'attach-user', MaxItems: 6 }));
  assert.equal(page1.IsTruncated, true);
  const page2 = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'attach-user', MaxItems: 6, Marker: page1.Marker }));
  assert.equal(page2.IsTruncated, false);
  assert.equal(page1.AttachedPolicies!.length + page2.AttachedPolicies!.length, 10);
  assert.equal(new Set([...page1.AttachedPolicies!, ...page2.AttachedPolicies!].map((a) => a.PolicyArn)).size, 10);

  // Detach: then a second detach is NoSuchEntity.
  await iam.send(new DetachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: pol.Arn }));
  await rejects(
    iam.send(new DetachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: pol.Arn })),
    'NoSuchEntityException',
    404,
    `Policy ${pol.Arn} was not found.`,
  );
  const after = (await iam.send(new GetPolicyCommand({ PolicyArn: pol.Arn }))).Policy!;
  assert.equal(after.AttachmentCount, 0);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: pol.Arn }))).PolicyUsers, []);
  await iam.send(new AttachUserPolicyCommand({ UserName: 'attach-user', PolicyArn: eleventh.Arn })); // room again
});

test('AWS CLI v2: put-user-policy from file:// and get-user-policy prints the decoded document', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  await iam.send(new CreateUserCommand({ UserName: 'cli-user' }));
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-policy-'));
  const file = join(dir, 'policy.json');
  writeFileSync(file, FANCY);
  const put = await runAwsCli(s, ['iam', 'put-user-policy', '--user-name', 'cli-user', '--policy-name', 'fromfile', '--policy-document', `file://${file}`]);
  assert.equal(put.status, 0, put.stderr);
  // The stored document is what the CLI read from the file, byte for byte.
  const sdk = await iam.send(new GetUserPolicyCommand({ UserName: 'cli-user', PolicyName: 'fromfile' }));
  assert.equal(decodeURIComponent(sdk.PolicyDocument!), FANCY);

  const got = await runAwsCli(s, ['iam', 'get-user-policy', '--user-name', 'cli-user', '--policy-name', 'fromfile']);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.json.UserName, 'cli-user');
  assert.equal(got.json.PolicyName, 'fromfile');
  assert.deepEqual(got.json.PolicyDocument, JSON.parse(FANCY));

  const missing = await runAwsCli(s, ['iam', 'get-user-policy', '--user-name', 'cli-user', '--policy-name', 'nope']);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /NoSuchEntity.*The user policy with name nope cannot be found\./);

  const malformed = join(dir, 'bad.json');
  writeFileSync(malformed, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}');
  const bad = await runAwsCli(s, ['iam', 'put-user-policy', '--user-name', 'cli-user', '--policy-name', 'bad', '--policy-document', `file://${malformed}`]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /MalformedPolicyDocument/);
});
