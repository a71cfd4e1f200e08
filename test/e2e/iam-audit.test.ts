/**
 * IAM's audit tools with real data: the credential report (GenerateCredentialReport /
 * GetCredentialReport, AWS's CSV column by column) and the access advisor
 * (GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails[WithEntities],
 * ListPoliciesGrantingServiceAccess) built from the attempts the authorizer recorded,
 * through the JavaScript SDK v3 and the AWS CLI v2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
  CreateAccessKeyCommand,
  UpdateAccessKeyCommand,
  PutUserPolicyCommand,
  CreateLoginProfileCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  UpdateAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  ListPoliciesGrantingServiceAccessCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
  CreatePolicyCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  type ServiceLastAccessed,
} from '@aws-sdk/client-iam';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { TOTP, Secret } from 'otpauth';
import { startTestServer, sdkConfig, rejectsWith, runAwsCli, requireClient, ManualClock, type TestServer, type Creds } from './harness.js';

const MINUTE = 60_000;
// The server's clock starts at the real time, whole seconds (IAM's dates on the wire).
const T0 = Math.floor(Date.now() / 1000) * 1000;
const clock = new ManualClock(T0);
let s: TestServer;
let acct: string;

before(async () => {
  s = await startTestServer({ clock });
  acct = s.accountId;
});
after(async () => {
  await s.close();
});

/** Clients whose signing clock follows the server's ManualClock (created per use: time moves). */
const iam = (creds?: Creds) => new IAMClient({ ...sdkConfig(s, creds), systemClockOffset: clock.now().getTime() - Date.now() });
const ec2 = (creds: Creds, region = 'us-east-1') => new EC2Client({ ...sdkConfig(s, creds, region), systemClockOffset: clock.now().getTime() - Date.now() });
const s3 = (creds: Creds) => new S3Client({ ...sdkConfig(s, creds), forcePathStyle: true, systemClockOffset: clock.now().getTime() - Date.now() });

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const minuteOf = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
/** The credential report's timestamp form. */
const csvTime = (d: Date | number) => new Date(d).toISOString().replace(/\.\d{3}Z$/, '+00:00');

async function newUser(name: string, policy?: unknown[]): Promise<Creds> {
  await iam().send(new CreateUserCommand({ UserName: name }));
  if (policy) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: `${name}-policy`, PolicyDocument: doc(policy) }));
  const k = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

/** Parses the report's CSV (no field of these tests needs quoting). */
function parseCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const lines = text.split('\n');
  const header = lines[0]!.split(',');
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v]))) };
}

const COLUMNS =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

async function generateReport(arn: string, Granularity?: 'SERVICE_LEVEL' | 'ACTION_LEVEL', creds?: Creds) {
  const { JobId } = await iam(creds).send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity }));
  assert.match(JobId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return JobId!;
}

const byNs = (list: ServiceLastAccessed[] | undefined, ns: string) => list?.find((x) => x.ServiceNamespace === ns);

test('credential report: AWS\'s CSV, column by column, for the root user and a user with a password, MFA and two keys', async () => {
  await rejectsWith(
    iam().send(new GetCredentialReportCommand({})),
    'CredentialReportNotPresentException',
    410,
    'The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.',
  );

  await iam().send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 10, MaxPasswordAge: 90 }));
  const created = clock.now();
  const carla = await newUser('carla', [{ Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' }]);
  clock.advance(2_000);
  const key2 = (await iam().send(new CreateAccessKeyCommand({ UserName: 'carla' }))).AccessKey!;
  const key2Created = clock.now();
  await iam().send(new UpdateAccessKeyCommand({ UserName: 'carla', AccessKeyId: key2.AccessKeyId!, Status: 'Inactive' }));
  clock.advance(3_000);
  await iam().send(new CreateLoginProfileCommand({ UserName: 'carla', Password: 'Carla-Passw0rd!' }));
  const passwordSet = clock.now();
  // An MFA device, enabled with two consecutive codes from an authenticator app.
  const device = (await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carla-phone' }))).VirtualMFADevice!;
  const totp = new TOTP({ secret: Secret.fromBase32(Buffer.from(device.Base32StringSeed!).toString('ascii')), algorithm: 'SHA1', digits: 6, period: 30 });
  const code = (offset: number) => totp.generate({ timestamp: clock.now().getTime() + offset });
  await iam().send(new EnableMFADeviceCommand({ UserName: 'carla', SerialNumber: device.SerialNumber!, AuthenticationCode1: code(-30_000), AuthenticationCode2: code(0) }));
  // carla's first key signs an EC2 request in eu-west-1; the second key is never used.
  clock.advance(4_000);
  const used = clock.now();
  await ec2(carla, 'eu-west-1').send(new DescribeRegionsCommand({}));
  // A user with no credentials at all.
  await iam().send(new CreateUserCommand({ UserName: 'plain' }));
  const plainCreated = clock.now();

  const first = await iam().send(new GenerateCredentialReportCommand({}));
  assert.equal(first.State, 'STARTED');
  assert.equal(first.Description, 'No report exists. Starting a new report generation task');
  const generatedAt = clock.now();
  clock.advance(60_000);
  const again = await iam().send(new GenerateCredentialReportCommand({}));
  assert.equal(again.State, 'COMPLETE');

  const r = await iam().send(new GetCredentialReportCommand({}));
  assert.equal(r.ReportFormat, 'text/csv');
  assert.equal(r.GeneratedTime?.getTime(), generatedAt.getTime());
  const text = Buffer.from(r.Content!).toString('utf8');
  assert.ok(!text.endsWith('\n'), 'no newline after the last row');
  const { header, rows } = parseCsv(text);
  assert.equal(header.join(','), COLUMNS);
  assert.deepEqual(rows.map((x) => x.user), ['<root_account>', 'carla', 'plain']);

  const root = rows[0]!;
  assert.equal(root.arn, `arn:aws:iam::${acct}:root`);
  assert.match(root.user_creation_time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  assert.equal(root.password_enabled, 'not_supported');
  assert.equal(root.password_last_used, 'no_information');
  assert.equal(root.password_last_changed, 'not_supported');
  assert.equal(root.password_next_rotation, 'not_supported');
  assert.equal(root.mfa_active, 'false');
  // The harness's root key: active, used by every root call above (IAM, us-east-1).
  assert.equal(root.access_key_1_active, 'true');
  assert.match(root.access_key_1_last_rotated!, /\+00:00$/);
  assert.match(root.access_key_1_last_used_date!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  assert.equal(root.access_key_1_last_used_service, 'iam');
  assert.equal(root.access_key_1_last_used_region, 'us-east-1');
  for (const c of ['access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service']) {
    assert.equal(root[c], 'N/A', c);
  }
  assert.equal(root.access_key_2_active, 'false');

  const c = rows[1]!;
  assert.deepEqual(c, {
    user: 'carla',
    arn: `arn:aws:iam::${acct}:user/carla`,
    user_creation_time: csvTime(created),
    password_enabled: 'true',
    password_last_used: 'no_information',
    password_last_changed: csvTime(passwordSet),
    password_next_rotation: csvTime(passwordSet.getTime() + 90 * 86_400_000),
    mfa_active: 'true',
    access_key_1_active: 'true',
    access_key_1_last_rotated: csvTime(created),
    access_key_1_last_used_date: csvTime(used),
    access_key_1_last_used_region: 'eu-west-1',
    access_key_1_last_used_service: 'ec2',
    access_key_2_active: 'false',
    access_key_2_last_rotated: csvTime(key2Created),
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
    cert_1_active: 'false',
    cert_1_last_rotated: 'N/A',
    cert_2_active: 'false',
    cert_2_last_rotated: 'N/A',
  });
  const p = rows[2]!;
  assert.equal(p.user_creation_time, csvTime(plainCreated));
  assert.equal(p.password_enabled, 'false');
  for (const col of ['password_last_used', 'password_last_changed', 'password_next_rotation', 'access_key_1_last_rotated', 'access_key_1_last_used_date']) {
    assert.equal(p[col], 'N/A', col);
  }
  assert.equal(p.mfa_active, 'false');
  assert.equal(p.access_key_1_active, 'false');
  await iam().send(new DeleteAccountPasswordPolicyCommand({}));
});

test('AWS CLI v2: generate-credential-report, get-credential-report | base64 -d, and the access advisor', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  // The report from the first test is younger than four hours: it is served as is.
  let r = await runAwsCli(s, ['iam', 'generate-credential-report']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.State, 'COMPLETE');
  r = await runAwsCli(s, ['iam', 'get-credential-report', '--query', 'Content', '--output', 'text']);
  assert.equal(r.status, 0, r.stderr);
  const csv = Buffer.from(r.stdout.trim(), 'base64').toString('utf8');
  const { header, rows } = parseCsv(csv);
  assert.equal(header.join(','), COLUMNS);
  assert.equal(rows[0]!.user, '<root_account>');
  assert.equal(rows.find((x) => x.user === 'carla')?.mfa_active, 'true');

  const cli = await newUser('cli-user', [{ Effect: 'Allow', Action: ['iam:Get*', 'ec2:DescribeRegions'], Resource: '*' }]);
  const callAt = clock.now();
  await iam(cli).send(new GetUserCommand({}));
  r = await runAwsCli(s, ['iam', 'generate-service-last-accessed-details', '--arn', `arn:aws:iam::${acct}:user/cli-user`, '--granularity', 'ACTION_LEVEL']);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'get-service-last-accessed-details', '--job-id', r.json.JobId]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.JobStatus, 'COMPLETED');
  assert.equal(r.json.JobType, 'ACTION_LEVEL');
  assert.deepEqual(r.json.ServicesLastAccessed.map((x: any) => x.ServiceNamespace), ['ec2', 'iam']);
  const iamSvc = r.json.ServicesLastAccessed[1];
  assert.equal(iamSvc.ServiceName, 'AWS Identity and Access Management');
  assert.equal(Date.parse(iamSvc.LastAuthenticated), minuteOf(callAt).getTime());
  assert.equal(iamSvc.LastAuthenticatedEntity, `arn:aws:iam::${acct}:user/cli-user`);
  const getUser = iamSvc.TrackedActionsLastAccessed.find((a: any) => a.ActionName === 'GetUser');
  assert.equal(Date.parse(getUser.LastAccessedTime), minuteOf(callAt).getTime());
  assert.equal(r.json.ServicesLastAccessed[0].TotalAuthenticatedEntities, 0);
  assert.equal(r.json.ServicesLastAccessed[0].LastAuthenticated, undefined);
});

test('service last accessed: a user who called IAM and S3 but never EC2 shows up accordingly', async () => {
  const creds = await newUser('auditee', [
    { Effect: 'Allow', Action: ['iam:*', 's3:*'], Resource: '*' },
    { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
  ]);
  const arn = `arn:aws:iam::${acct}:user/auditee`;
  clock.advance(2 * MINUTE + 7_000);
  const iamAt = clock.now();
  await iam(creds).send(new ListUsersCommand({}));
  await iam(creds).send(new GetUserCommand({}));
  clock.advance(MINUTE);
  const s3At = clock.now();
  // S3 is authorized before its handler answers (NotImplemented until S3 lands): the attempt counts.
  await s3(creds).send(new ListBucketsCommand({})).catch(() => undefined);

  const jobId = await generateReport(arn);
  const details = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId }));
  assert.equal(details.JobStatus, 'COMPLETED');
  assert.equal(details.JobType, 'SERVICE_LEVEL');
  assert.equal(details.JobCreationDate?.getTime(), clock.now().getTime());
  assert.equal(details.JobCompletionDate?.getTime(), clock.now().getTime());
  assert.equal(details.IsTruncated, false);
  const services = details.ServicesLastAccessed!;
  // Exactly the services its policies allow, by namespace.
  assert.deepEqual(services.map((x) => x.ServiceNamespace), ['ec2', 'iam', 's3']);

  const iamSvc = byNs(services, 'iam')!;
  assert.equal(iamSvc.ServiceName, 'AWS Identity and Access Management');
  assert.equal(iamSvc.LastAuthenticated?.getTime(), minuteOf(iamAt).getTime());
  assert.equal(iamSvc.LastAuthenticatedEntity, arn);
  assert.equal(iamSvc.LastAuthenticatedRegion, 'us-east-1');
  assert.equal(iamSvc.TotalAuthenticatedEntities, 1);
  assert.equal(iamSvc.TrackedActionsLastAccessed, undefined, 'service level: no action data');

  const s3Svc = byNs(services, 's3')!;
  assert.equal(s3Svc.ServiceName, 'Amazon S3');
  assert.equal(s3Svc.LastAuthenticated?.getTime(), minuteOf(s3At).getTime());
  assert.equal(s3Svc.TotalAuthenticatedEntities, 1);

  const ec2Svc = byNs(services, 'ec2')!;
  assert.equal(ec2Svc.ServiceName, 'Amazon EC2');
  assert.equal(ec2Svc.LastAuthenticated, undefined);
  assert.equal(ec2Svc.LastAuthenticatedEntity, undefined);
  assert.equal(ec2Svc.LastAuthenticatedRegion, undefined);
  assert.equal(ec2Svc.TotalAuthenticatedEntities, 0);

  // Action level: the tracked actions its policies allow, with the ones it attempted dated.
  const actionJob = await generateReport(arn, 'ACTION_LEVEL');
  const a = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: actionJob }));
  assert.equal(a.JobType, 'ACTION_LEVEL');
  const tracked = byNs(a.ServicesLastAccessed, 'iam')!.TrackedActionsLastAccessed!;
  const listUsers = tracked.find((x) => x.ActionName === 'ListUsers')!;
  assert.equal(listUsers.LastAccessedTime?.getTime(), minuteOf(iamAt).getTime());
  assert.equal(listUsers.LastAccessedEntity, arn);
  assert.equal(listUsers.LastAccessedRegion, 'us-east-1');
  assert.ok(tracked.find((x) => x.ActionName === 'GetUser')?.LastAccessedTime);
  const createUser = tracked.find((x) => x.ActionName === 'CreateUser')!;
  assert.equal(createUser.LastAccessedTime, undefined);
  assert.equal(tracked.find((x) => x.ActionName === 'PassRole'), undefined, 'iam:PassRole is never tracked');
  const ec2Tracked = byNs(a.ServicesLastAccessed, 'ec2')!.TrackedActionsLastAccessed!;
  assert.ok(ec2Tracked.length > 0 && ec2Tracked.every((x) => x.ActionName!.startsWith('Describe') && x.LastAccessedTime === undefined));

  // MaxItems/Marker page through the services.
  const p1 = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 2 }));
  assert.equal(p1.IsTruncated, true);
  assert.deepEqual(p1.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['ec2', 'iam']);
  const p2 = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 2, Marker: p1.Marker }));
  assert.equal(p2.IsTruncated, false);
  assert.deepEqual(p2.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['s3']);

  // A user or role report's WithEntities names that entity.
  const w = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'iam' }));
  assert.equal(w.EntityDetailsList!.length, 1);
  assert.deepEqual({ ...w.EntityDetailsList![0]!.EntityInfo }, { Arn: arn, Name: 'auditee', Type: 'USER', Id: w.EntityDetailsList![0]!.EntityInfo!.Id, Path: '/' });
  assert.match(w.EntityDetailsList![0]!.EntityInfo!.Id!, /^AIDA/);
  assert.equal(w.EntityDetailsList![0]!.LastAuthenticated?.getTime(), minuteOf(iamAt).getTime());

  // Only the principal that generated the report may read it; unknown ids and entities are NoSuchEntity.
  await rejectsWith(iam(creds).send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId })), 'NoSuchEntityException', 404);
  await rejectsWith(iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: '00000000-0000-4000-8000-000000000000' })), 'NoSuchEntityException', 404);
  await rejectsWith(
    iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${acct}:user/ghost` })),
    'NoSuchEntityException',
    404,
    'The user with name ghost cannot be found.',
  );
  await rejectsWith(iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:s3:::some-bucket-name` })), 'InvalidInputException', 400, 'ARN arn:aws:s3:::some-bucket-name is not valid.');
});

test('service last accessed: denied attempts count; a later report sees later attempts; the data keeps to the minute', async () => {
  const creds = await newUser('narrow', [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]);
  const arn = `arn:aws:iam::${acct}:user/narrow`;
  clock.advance(MINUTE);
  const deniedAt = clock.now();
  await rejectsWith(iam(creds).send(new ListUsersCommand({})), 'AccessDenied', 403);
  const job1 = await generateReport(arn, 'ACTION_LEVEL');
  const r1 = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: job1 }));
  assert.deepEqual(r1.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['iam']);
  const svc1 = r1.ServicesLastAccessed![0]!;
  assert.equal(svc1.LastAuthenticated?.getTime(), minuteOf(deniedAt).getTime(), 'a denied attempt is an attempt');
  // Only allowed tracked actions are listed: GetUser (never attempted), not ListUsers.
  assert.deepEqual(svc1.TrackedActionsLastAccessed, [{ ActionName: 'GetUser' }]);

  // Later calls in the same minute add nothing; a call in a later minute moves the date.
  await iam(creds).send(new GetUserCommand({}));
  clock.advance(3 * MINUTE);
  const laterAt = clock.now();
  await iam(creds).send(new GetUserCommand({}));
  const r2 = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: await generateReport(arn, 'ACTION_LEVEL') }));
  const svc2 = r2.ServicesLastAccessed![0]!;
  assert.equal(svc2.LastAuthenticated?.getTime(), minuteOf(laterAt).getTime());
  assert.equal(svc2.TrackedActionsLastAccessed![0]!.LastAccessedTime?.getTime(), minuteOf(laterAt).getTime());
  // The first report is a snapshot: it still shows the denied attempt.
  const again = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: job1 }));
  assert.equal(again.ServicesLastAccessed![0]!.LastAuthenticated?.getTime(), minuteOf(deniedAt).getTime());
});

test('group and policy reports cover their members and attached entities; WithEntities lists them newest first', async () => {
  const policyArn = (
    await iam().send(
      new CreatePolicyCommand({ PolicyName: 'AuditIamRead', PolicyDocument: doc([{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }]) }),
    )
  ).Policy!.Arn!;
  await iam().send(new CreateGroupCommand({ GroupName: 'auditors' }));
  await iam().send(new AttachGroupPolicyCommand({ GroupName: 'auditors', PolicyArn: policyArn }));
  const alice = await newUser('alice', [{ Effect: 'Allow', Action: 'ec2:DescribeRegions', Resource: '*' }]);
  const bob = await newUser('bob');
  await newUser('carol');
  for (const u of ['alice', 'bob', 'carol']) await iam().send(new AddUserToGroupCommand({ GroupName: 'auditors', UserName: u }));
  await iam().send(new CreateUserCommand({ UserName: 'dave' }));
  await iam().send(new AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: policyArn }));

  clock.advance(MINUTE);
  const aliceAt = clock.now();
  await iam(alice).send(new GetUserCommand({}));
  await ec2(alice, 'eu-central-1').send(new DescribeRegionsCommand({}));
  clock.advance(2 * MINUTE);
  const bobAt = clock.now();
  await iam(bob).send(new ListUsersCommand({}));

  const groupArn = `arn:aws:iam::${acct}:group/auditors`;
  const gJob = await generateReport(groupArn);
  const g = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: gJob }));
  // The group's own policies allow IAM only (alice's EC2 permission is hers, not the group's).
  assert.deepEqual(g.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['iam']);
  const gi = g.ServicesLastAccessed![0]!;
  assert.equal(gi.LastAuthenticatedEntity, `arn:aws:iam::${acct}:user/bob`);
  assert.equal(gi.LastAuthenticated?.getTime(), minuteOf(bobAt).getTime());
  assert.equal(gi.TotalAuthenticatedEntities, 2);
  const ge = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: gJob, ServiceNamespace: 'iam' }));
  assert.equal(ge.JobStatus, 'COMPLETED');
  assert.deepEqual(
    ge.EntityDetailsList!.map((e) => [e.EntityInfo!.Name, e.EntityInfo!.Type, e.LastAuthenticated?.getTime()]),
    [
      ['bob', 'USER', minuteOf(bobAt).getTime()],
      ['alice', 'USER', minuteOf(aliceAt).getTime()],
      ['carol', 'USER', undefined],
    ],
  );
  const page1 = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: gJob, ServiceNamespace: 'iam', MaxItems: 1 }));
  assert.equal(page1.IsTruncated, true);
  const page2 = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: gJob, ServiceNamespace: 'iam', Marker: page1.Marker }));
  assert.deepEqual(page2.EntityDetailsList!.map((e) => e.EntityInfo!.Name), ['alice', 'carol']);

  // The policy's report: the group's members and dave (attached directly, never called anything).
  const pJob = await generateReport(policyArn);
  const p = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: pJob }));
  assert.deepEqual(p.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['iam']);
  assert.equal(p.ServicesLastAccessed![0]!.TotalAuthenticatedEntities, 2);
  const pe = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: pJob, ServiceNamespace: 'iam' }));
  assert.deepEqual(pe.EntityDetailsList!.map((e) => e.EntityInfo!.Name), ['bob', 'alice', 'carol', 'dave']);

  // alice's own report: her inline policy adds EC2, attempted in eu-central-1.
  const a = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: await generateReport(`arn:aws:iam::${acct}:user/alice`) }));
  assert.deepEqual(a.ServicesLastAccessed!.map((x) => x.ServiceNamespace), ['ec2', 'iam']);
  assert.equal(byNs(a.ServicesLastAccessed, 'ec2')!.LastAuthenticatedRegion, 'eu-central-1');

  // ListPoliciesGrantingServiceAccess: which of an identity's policies grant each service.
  const l = await iam().send(
    new ListPoliciesGrantingServiceAccessCommand({ Arn: `arn:aws:iam::${acct}:user/alice`, ServiceNamespaces: ['iam', 'ec2', 's3', 'lambda'] }),
  );
  assert.equal(l.IsTruncated, false);
  assert.deepEqual(
    l.PoliciesGrantingServiceAccess!.map((e) => [e.ServiceNamespace, e.Policies!.map((x) => ({ ...x }))]),
    [
      ['iam', [{ PolicyName: 'AuditIamRead', PolicyType: 'MANAGED', PolicyArn: policyArn }]],
      ['ec2', [{ PolicyName: 'alice-policy', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'alice' }]],
      ['s3', []],
      ['lambda', []],
    ],
  );
  const lg = await iam().send(new ListPoliciesGrantingServiceAccessCommand({ Arn: groupArn, ServiceNamespaces: ['iam', 'ec2'] }));
  assert.deepEqual(
    lg.PoliciesGrantingServiceAccess!.map((e) => [e.ServiceNamespace, e.Policies!.map((x) => x.PolicyName)]),
    [
      ['iam', ['AuditIamRead']],
      ['ec2', []],
    ],
  );
  await rejectsWith(
    iam().send(new ListPoliciesGrantingServiceAccessCommand({ Arn: policyArn, ServiceNamespaces: ['iam'] })),
    'InvalidInputException',
    400,
    `ARN ${policyArn} is not valid.`,
  );
});

test('credential report: expires after four hours; GenerateCredentialReport then starts a new one', async () => {
  const before = await iam().send(new GetCredentialReportCommand({}));
  clock.set(before.GeneratedTime!.getTime() + 4 * 3_600_000);
  await rejectsWith(
    iam().send(new GetCredentialReportCommand({})),
    'CredentialReportExpiredException',
    410,
    'The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.',
  );
  const g = await iam().send(new GenerateCredentialReportCommand({}));
  assert.equal(g.State, 'STARTED');
  assert.equal(g.Description, undefined);
  const r = await iam().send(new GetCredentialReportCommand({}));
  assert.equal(r.GeneratedTime?.getTime(), clock.now().getTime());
  const { rows } = parseCsv(Buffer.from(r.Content!).toString('utf8'));
  // Users created since the first report are in the new one.
  assert.ok(rows.some((x) => x.user === 'auditee'));
});
