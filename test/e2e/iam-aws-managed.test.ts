/**
 * AWS managed policies (`arn:aws:iam::aws:policy/...`) end to end through the real JavaScript SDK v3:
 * real documents, read-only, listed with Scope=AWS/All, attachable to users.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  PutUserPolicyCommand,
  TagPolicyCommand,
  CreatePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  ListPoliciesCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  SetDefaultPolicyVersionCommand,
  DeleteUserCommand,
  type Policy,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, type TestServer, rejectsWith } from './harness.js';
import { identityPolicyDocuments } from '../../src/services/iam/policies.js';
import { getAwsManagedPolicy, listAwsManagedPolicies } from '../../src/services/iam/aws-managed.js';

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

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ADMIN_DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

test('GetPolicy / GetPolicyVersion / ListPolicyVersions: AdministratorAccess and ReadOnlyAccess with real documents', async () => {
  const admin = (await iam.send(new GetPolicyCommand({ PolicyArn: ADMIN }))).Policy!;
  assert.equal(admin.PolicyName, 'AdministratorAccess');
  assert.equal(admin.Arn, ADMIN);
  assert.equal(admin.Path, '/');
  assert.equal(admin.DefaultVersionId, 'v1');
  assert.equal(admin.AttachmentCount, 0);
  assert.equal(admin.IsAttachable, true);
  assert.match(admin.PolicyId!, /^ANPA[A-Z2-7]{17}$/);
  assert.equal(admin.CreateDate!.toISOString(), '2015-02-06T18:39:46.000Z');
  // Stable across calls (derived from the ARN).
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ADMIN }))).Policy!.PolicyId, admin.PolicyId);

  const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: ADMIN, VersionId: 'v1' }))).PolicyVersion!;
  assert.equal(v.IsDefaultVersion, true);
  assert.equal(v.VersionId, 'v1');
  assert.equal(decodeURIComponent(v.Document!), ADMIN_DOC);

  const ro = (await iam.send(new GetPolicyCommand({ PolicyArn: READONLY }))).Policy!;
  assert.equal(ro.PolicyName, 'ReadOnlyAccess');
  assert.match(ro.DefaultVersionId!, /^v\d+$/);
  assert.ok(Number(ro.DefaultVersionId!.slice(1)) > 100);
  const rov = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: READONLY, VersionId: ro.DefaultVersionId! }))).PolicyVersion!;
  const roDoc = JSON.parse(decodeURIComponent(rov.Document!));
  assert.equal(roDoc.Version, '2012-10-17');
  const actions: string[] = roDoc.Statement.flatMap((st: any) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
  assert.ok(actions.includes('s3:Get*') || actions.includes('s3:List*'), 'ReadOnlyAccess grants S3 reads');
  assert.ok(actions.every((a) => !/^iam:(Create|Delete|Put)/.test(a)));

  // Service-role paths.
  const svc = (await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }))).Policy!;
  assert.equal(svc.Path, '/service-role/');

  // Only the default version exists.
  await rejects(
    iam.send(new GetPolicyVersionCommand({ PolicyArn: READONLY, VersionId: 'v1' })),
    'NoSuchEntityException',
    404,
    `Policy ${READONLY} version v1 does not exist or is not attachable.`,
  );
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: READONLY }));
  assert.deepEqual(
    versions.Versions!.map((x) => [x.VersionId, x.IsDefaultVersion]),
    [[ro.DefaultVersionId, true]],
  );
  assert.equal(versions.IsTruncated, false);

  const missing = 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere';
  await rejects(iam.send(new GetPolicyCommand({ PolicyArn: missing })), 'NoSuchEntityException', 404, `Policy ${missing} was not found.`);
  // Case matters in ARNs.
  await rejects(
    iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/administratoraccess' })),
    'NoSuchEntityException',
    404,
    'Policy arn:aws:iam::aws:policy/administratoraccess was not found.',
  );
});

test('ListPolicies Scope=AWS paginates over more than 1000 policies; All lists local ones first, then AWS', async () => {
  const local = (await iam.send(new CreatePolicyCommand({ PolicyName: 'MyLocal', PolicyDocument: ADMIN_DOC }))).Policy!;
  const seen: Policy[] = [];
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000, Marker: marker }));
    pages++;
    seen.push(...r.Policies!);
    if (!r.IsTruncated) {
      assert.equal(r.Marker, undefined);
      break;
    }
    assert.equal(r.Policies!.length, 1000);
    marker = r.Marker;
  }
  assert.ok(pages >= 2);
  assert.ok(seen.length > 1000, `${seen.length} AWS managed policies`);
  assert.equal(seen.length, listAwsManagedPolicies().length);
  assert.equal(new Set(seen.map((p) => p.Arn)).size, seen.length, 'no policy listed twice');
  assert.ok(seen.every((p) => p.Arn!.startsWith('arn:aws:iam::aws:policy/')));
  assert.ok(seen.some((p) => p.Arn === ADMIN));
  assert.ok(!seen.some((p) => p.Arn === local.Arn));
  // Ordered by name, case-insensitively.
  const names = seen.map((p) => p.PolicyName!.toLowerCase());
  assert.deepEqual([...names].sort(), names);
  assert.equal(seen[0]!.Tags, undefined);

  // PathPrefix applies to AWS managed policies too.
  const jf = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/job-function/' }));
  assert.ok(jf.Policies!.length > 0);
  assert.ok(jf.Policies!.every((p) => p.Path === '/job-function/'));

  // Scope=All: the account's own first, then AWS's, across page boundaries, nothing lost or repeated.
  const all: string[] = [];
  marker = undefined;
  for (;;) {
    const r = await iam.send(new ListPoliciesCommand({ MaxItems: 700, Marker: marker }));
    all.push(...r.Policies!.map((p) => p.Arn!));
    if (!r.IsTruncated) break;
    marker = r.Marker;
  }
  assert.equal(all[0], local.Arn);
  assert.equal(all.length, seen.length + 1);
  assert.deepEqual(all.slice(1), seen.map((p) => p.Arn));
  // An exactly full first page of local policies continues into AWS's.
  const p1 = await iam.send(new ListPoliciesCommand({ MaxItems: 1 }));
  assert.deepEqual(p1.Policies!.map((p) => p.Arn), [local.Arn]);
  assert.equal(p1.IsTruncated, true);
  const p2 = await iam.send(new ListPoliciesCommand({ MaxItems: 2, Marker: p1.Marker }));
  assert.deepEqual(p2.Policies!.map((p) => p.Arn), seen.slice(0, 2).map((p) => p.Arn));

  const localOnly = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
  assert.deepEqual(localOnly.Policies!.map((p) => p.Arn), [local.Arn]);
  // A marker from the AWS part is no marker for Scope=Local.
  await rejects(iam.send(new ListPoliciesCommand({ Scope: 'Local', Marker: p2.Marker })), 'ValidationError', 400, 'Invalid Marker.');
});

test('attach / detach AdministratorAccess to a user: counts, listings, entities, identity documents', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'admin-user' }));
  await iam.send(new CreateUserCommand({ UserName: 'other-user' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: ADMIN }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: ADMIN })); // idempotent
  await iam.send(new AttachUserPolicyCommand({ UserName: 'other-user', PolicyArn: ADMIN }));
  // A customer managed policy of the same name does not collide with AWS's.
  const mine = (await iam.send(new CreatePolicyCommand({ PolicyName: 'AdministratorAccess', PolicyDocument: ADMIN_DOC }))).Policy!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: mine.Arn }));

  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ADMIN }))).Policy!.AttachmentCount, 2);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: mine.Arn }))).Policy!.AttachmentCount, 1);
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'admin-user' }));
  assert.deepEqual(
    attached.AttachedPolicies!.map((a) => a.PolicyArn).sort(),
    [ADMIN, mine.Arn].sort(),
  );
  const ents = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: ADMIN }));
  assert.deepEqual(ents.PolicyUsers!.map((u) => u.UserName), ['admin-user', 'other-user']);
  const onlyAttached = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', OnlyAttached: true }));
  assert.deepEqual(onlyAttached.Policies!.map((p) => [p.Arn, p.AttachmentCount]), [[ADMIN, 2]]);

  const docs = await s.nimbus.store.read((tx) => identityPolicyDocuments(tx, s.accountId, 'admin-user'));
  const awsDoc = docs.find((d) => d.id === ADMIN);
  assert.equal(awsDoc?.document, ADMIN_DOC);
  assert.equal(docs.length, 2);

  // DeleteUser waits for the AWS managed attachment too.
  await iam.send(new DetachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: mine.Arn }));
  await rejects(iam.send(new DeleteUserCommand({ UserName: 'admin-user' })), 'DeleteConflictException', 409, 'Cannot delete entity, must detach all policies first.');

  await iam.send(new DetachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: ADMIN }));
  await rejects(
    iam.send(new DetachUserPolicyCommand({ UserName: 'admin-user', PolicyArn: ADMIN })),
    'NoSuchEntityException',
    404,
    `Policy ${ADMIN} was not found.`,
  );
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ADMIN }))).Policy!.AttachmentCount, 1);
  assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'admin-user' }))).AttachedPolicies, []);
  assert.deepEqual(
    (await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: ADMIN }))).PolicyUsers!.map((u) => u.UserName),
    ['other-user'],
  );
  await iam.send(new DeleteUserCommand({ UserName: 'admin-user' }));

  const missing = 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere';
  await rejects(
    iam.send(new AttachUserPolicyCommand({ UserName: 'other-user', PolicyArn: missing })),
    'NoSuchEntityException',
    404,
    `Policy ${missing} does not exist or is not attachable.`,
  );
});

test('writes on an AWS managed policy are refused with AccessDenied', async () => {
  const principal = `arn:aws:iam::${s.accountId}:root`;
  const denied = (action: string) =>
    `User: ${principal} is not authorized to perform: iam:${action} on resource: policy ${READONLY} because no resource-based policy allows the iam:${action} action`;
  await rejects(
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: READONLY, PolicyDocument: ADMIN_DOC, SetAsDefault: true })),
    'AccessDenied',
    403,
    denied('CreatePolicyVersion'),
  );
  await rejects(iam.send(new DeletePolicyCommand({ PolicyArn: READONLY })), 'AccessDenied', 403, denied('DeletePolicy'));
  await rejects(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: READONLY, VersionId: 'v1' })), 'AccessDenied', 403, denied('SetDefaultPolicyVersion'));
  await rejects(iam.send(new DeletePolicyVersionCommand({ PolicyArn: READONLY, VersionId: 'v1' })), 'AccessDenied', 403, denied('DeletePolicyVersion'));
  await rejects(iam.send(new TagPolicyCommand({ PolicyArn: READONLY, Tags: [{ Key: 'k', Value: 'v' }] })), 'AccessDenied', 403, denied('TagPolicy'));
  // An IAM user allowed iam:* in its own account may read them but still not change them.
  await iam.send(new CreateUserCommand({ UserName: 'iam-admin' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'iam-admin',
      PolicyName: 'all-iam',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }),
    }),
  );
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'iam-admin' }))).AccessKey!;
  const asAdmin = new IAMClient(sdkConfig(s, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
  assert.equal((await asAdmin.send(new GetPolicyCommand({ PolicyArn: READONLY }))).Policy!.PolicyName, 'ReadOnlyAccess');
  await rejects(
    asAdmin.send(new DeletePolicyCommand({ PolicyArn: READONLY })),
    'AccessDenied',
    403,
    `User: arn:aws:iam::${s.accountId}:user/iam-admin is not authorized to perform: iam:DeletePolicy on resource: policy ${READONLY} because no resource-based policy allows the iam:DeletePolicy action`,
  );
  // Unchanged.
  const p = (await iam.send(new GetPolicyCommand({ PolicyArn: READONLY }))).Policy!;
  const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: READONLY, VersionId: p.DefaultVersionId! }))).PolicyVersion!;
  assert.equal(decodeURIComponent(v.Document!), getAwsManagedPolicy(READONLY)!.Document);
});
