/**
 * IAM virtual MFA devices end to end through the real JavaScript SDK v3 and the AWS CLI v2: real seeds
 * and QR codes, enabling with two consecutive TOTP codes (computed here with otpauth at the injected
 * clock's time), resync, deactivate/delete, listings, tags, and MFA sessions from STS GetSessionToken.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOTP, Secret } from 'otpauth';
import QRCode from 'qrcode';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  PutUserPolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ResyncMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  GetMFADeviceCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  TagMFADeviceCommand,
  UntagMFADeviceCommand,
  ListMFADeviceTagsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { STSClient, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, ManualClock, type TestServer, type Creds } from './harness.js';

const clock = new ManualClock(Date.now());
let s: TestServer;
let iam: IAMClient;

before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  iam.destroy();
  await s.close();
});

const STEP = 30_000;
const INVALID_CODE = 'Authentication code for device is not valid.';

/** An authenticator app holding a device's seed: the code it shows `offset` ms from the server's clock. */
function app(seedBase32: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(seedBase32), algorithm: 'SHA1', digits: 6, period: 30 });
  return (offset = 0) => totp.generate({ timestamp: clock.now().getTime() + offset });
}
/** A six-digit code that is not `code`. */
const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function createDevice(name: string, path?: string) {
  const d = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, Path: path }))).VirtualMFADevice!;
  const seed = Buffer.from(d.Base32StringSeed!).toString('ascii');
  return { serial: d.SerialNumber!, seed, code: app(seed), png: Buffer.from(d.QRCodePNG!) };
}

async function createUser(name: string) {
  await iam.send(new CreateUserCommand({ UserName: name }));
}

/** Enables a new device for `user` with the previous and the current code. */
async function enabledDevice(name: string, user: string) {
  const d = await createDevice(name);
  await iam.send(new EnableMFADeviceCommand({ UserName: user, SerialNumber: d.serial, AuthenticationCode1: d.code(-STEP), AuthenticationCode2: d.code() }));
  return d;
}

test('CreateVirtualMFADevice: serial ARN, a 64-character Base32 seed, the QR code of its otpauth URI', async () => {
  const d = await createDevice('first', '/team/');
  assert.equal(d.serial, `arn:aws:iam::${s.accountId}:mfa/team/first`);
  assert.match(d.seed, /^[A-Z2-7]{64}$/);
  assert.deepEqual([...d.png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const uri = `otpauth://totp/Amazon%20Web%20Services:first@${s.accountId}?secret=${d.seed}&issuer=Amazon%20Web%20Services`;
  assert.ok(d.png.equals(await QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M' })), 'the PNG encodes the otpauth URI');
  const again = await createDevice('second');
  assert.notEqual(again.seed, d.seed);

  for (const [name, path] of [['first', undefined], ['FIRST', '/other/']] as const) {
    await rejectsWith(
      iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, Path: path })),
      'EntityAlreadyExistsException',
      409,
      'MFADevice entity at the same path and name already exists.',
    );
  }
});

test('EnableMFADevice: two consecutive valid codes; anything else is InvalidAuthenticationCode', async () => {
  await createUser('erin');
  const d = await createDevice('erin-phone');
  const enable = (c1: string, c2: string, UserName = 'erin', SerialNumber = d.serial) =>
    iam.send(new EnableMFADeviceCommand({ UserName, SerialNumber, AuthenticationCode1: c1, AuthenticationCode2: c2 }));
  const bad: Array<[string, string]> = [
    [other(d.code(-STEP)), d.code()], // wrong first code
    [d.code(-STEP), other(d.code())], // wrong second code
    [d.code(), d.code()], // the same code twice
    [d.code(), d.code(-STEP)], // consecutive but in the wrong order
    [d.code(-2 * STEP), d.code()], // not consecutive
    [d.code(-3 * STEP), d.code(-2 * STEP)], // consecutive, too old
    [d.code(2 * STEP), d.code(3 * STEP)], // consecutive, too far ahead
  ];
  for (const [c1, c2] of bad) await rejectsWith(enable(c1, c2), 'InvalidAuthenticationCodeException', 403, INVALID_CODE);
  await rejectsWith(enable(d.code(-STEP), d.code(), 'nobody'), 'NoSuchEntityException', 404, 'The user with name nobody cannot be found.');
  const missing = `arn:aws:iam::${s.accountId}:mfa/missing`;
  await rejectsWith(enable(d.code(-STEP), d.code(), 'erin', missing), 'NoSuchEntityException', 404, `VirtualMFADevice with serial number ${missing} doesn't exist.`);

  // The device's clock may be one step ahead: (current, next) is accepted too.
  clock.advance(STEP);
  await enable(d.code(0), d.code(STEP));
  await rejectsWith(enable(d.code(), d.code(STEP)), 'EntityAlreadyExistsException', 409, 'MFA Device is already in use.');

  const listed = await iam.send(new ListMFADevicesCommand({ UserName: 'erin' }));
  assert.equal(listed.MFADevices!.length, 1);
  assert.equal(listed.MFADevices![0]!.SerialNumber, d.serial);
  assert.equal(listed.MFADevices![0]!.UserName, 'erin');
  assert.equal(Math.floor(listed.MFADevices![0]!.EnableDate!.getTime() / 1000), Math.floor(clock.now().getTime() / 1000));

  const got = await iam.send(new GetMFADeviceCommand({ SerialNumber: d.serial, UserName: 'erin' }));
  assert.equal(got.UserName, 'erin');
  assert.equal(got.SerialNumber, d.serial);
});

test('ListVirtualMFADevices: AssignmentStatus Assigned, Unassigned, Any (the default); the assigned user', async () => {
  await createUser('fred');
  const assigned = await enabledDevice('fred-phone', 'fred');
  const spare = await createDevice('fred-spare');
  const serials = async (AssignmentStatus?: 'Assigned' | 'Unassigned' | 'Any') =>
    (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus }))).VirtualMFADevices!.map((v) => v.SerialNumber!);
  assert.ok((await serials('Assigned')).includes(assigned.serial));
  assert.ok(!(await serials('Assigned')).includes(spare.serial));
  assert.ok((await serials('Unassigned')).includes(spare.serial));
  assert.ok(!(await serials('Unassigned')).includes(assigned.serial));
  for (const all of [await serials('Any'), await serials()]) {
    assert.ok(all.includes(assigned.serial) && all.includes(spare.serial));
  }
  const entry = (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices!.find((v) => v.SerialNumber === assigned.serial)!;
  assert.equal(entry.User?.UserName, 'fred');
  assert.equal(entry.User?.Arn, `arn:aws:iam::${s.accountId}:user/fred`);
  assert.ok(entry.EnableDate instanceof Date);
  assert.equal(entry.Base32StringSeed, undefined, 'the seed is shown only once');

  const page = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1 }));
  assert.equal(page.VirtualMFADevices!.length, 1);
  assert.equal(page.IsTruncated, true);
  const next = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1, Marker: page.Marker }));
  assert.notEqual(next.VirtualMFADevices![0]!.SerialNumber, page.VirtualMFADevices![0]!.SerialNumber);
});

test('DeactivateMFADevice unassigns; DeleteVirtualMFADevice refuses an assigned device', async () => {
  await createUser('gina');
  await createUser('hank');
  const d = await enabledDevice('gina-phone', 'gina');
  await rejectsWith(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: d.serial })), 'DeleteConflictException', 409, 'MFA VirtualDevice in use. Must deactivate first.');
  await rejectsWith(iam.send(new DeactivateMFADeviceCommand({ UserName: 'hank', SerialNumber: d.serial })), 'NoSuchEntityException', 404, 'MFA Device invalid for user.');
  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'gina', SerialNumber: d.serial }));
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'gina' }))).MFADevices, []);
  const unassigned = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices!;
  const entry = unassigned.find((v) => v.SerialNumber === d.serial)!;
  assert.equal(entry.User, undefined);
  assert.equal(entry.EnableDate, undefined);
  await rejectsWith(iam.send(new DeactivateMFADeviceCommand({ UserName: 'gina', SerialNumber: d.serial })), 'NoSuchEntityException', 404, 'MFA Device invalid for user.');

  // Assignable again (to another user), with fresh codes only: the codes that enabled it were used.
  await rejectsWith(
    iam.send(new EnableMFADeviceCommand({ UserName: 'hank', SerialNumber: d.serial, AuthenticationCode1: d.code(-STEP), AuthenticationCode2: d.code() })),
    'InvalidAuthenticationCodeException',
    403,
    INVALID_CODE,
  );
  // (current, next) would reuse the current step's code: the pair must come after it.
  await rejectsWith(
    iam.send(new EnableMFADeviceCommand({ UserName: 'hank', SerialNumber: d.serial, AuthenticationCode1: d.code(), AuthenticationCode2: d.code(STEP) })),
    'InvalidAuthenticationCodeException',
    403,
    INVALID_CODE,
  );
  clock.advance(STEP);
  await iam.send(new EnableMFADeviceCommand({ UserName: 'hank', SerialNumber: d.serial, AuthenticationCode1: d.code(), AuthenticationCode2: d.code(STEP) }));
  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'hank', SerialNumber: d.serial }));

  await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: d.serial }));
  await rejectsWith(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: d.serial })), 'NoSuchEntityException', 404, `VirtualMFADevice with serial number ${d.serial} doesn't exist.`);
  // The name is free again.
  await createDevice('gina-phone');
});

test('at most 8 MFA devices per user', async () => {
  await createUser('ivan');
  for (let i = 0; i < 8; i++) await enabledDevice(`ivan-${i}`, 'ivan');
  const ninth = await createDevice('ivan-8');
  await rejectsWith(
    iam.send(new EnableMFADeviceCommand({ UserName: 'ivan', SerialNumber: ninth.serial, AuthenticationCode1: ninth.code(-STEP), AuthenticationCode2: ninth.code() })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for MFADevicesPerUser: 8',
  );
  const all = await iam.send(new ListMFADevicesCommand({ UserName: 'ivan' }));
  assert.equal(all.MFADevices!.length, 8);
  const p1 = await iam.send(new ListMFADevicesCommand({ UserName: 'ivan', MaxItems: 5 }));
  assert.equal(p1.IsTruncated, true);
  const p2 = await iam.send(new ListMFADevicesCommand({ UserName: 'ivan', MaxItems: 5, Marker: p1.Marker }));
  assert.equal(p1.MFADevices!.length + p2.MFADevices!.length, 8);
  assert.equal(p2.IsTruncated, false);
});

test('tags on MFA devices: at creation, Tag/Untag/ListMFADeviceTags', async () => {
  const created = await iam.send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'tagged', Tags: [{ Key: 'team', Value: 'blue' }] }),
  );
  assert.deepEqual(created.VirtualMFADevice!.Tags, [{ Key: 'team', Value: 'blue' }]);
  const SerialNumber = created.VirtualMFADevice!.SerialNumber!;
  await iam.send(new TagMFADeviceCommand({ SerialNumber, Tags: [{ Key: 'TEAM', Value: 'red' }, { Key: 'env', Value: 'dev' }] }));
  assert.deepEqual((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber }))).Tags, [
    { Key: 'TEAM', Value: 'red' },
    { Key: 'env', Value: 'dev' },
  ]);
  await iam.send(new UntagMFADeviceCommand({ SerialNumber, TagKeys: ['team'] }));
  assert.deepEqual((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber }))).Tags, [{ Key: 'env', Value: 'dev' }]);
  await rejectsWith(
    iam.send(new TagMFADeviceCommand({ SerialNumber, Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })),
    'InvalidInputException',
    400,
    'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  );
  const missing = `arn:aws:iam::${s.accountId}:mfa/none`;
  await rejectsWith(iam.send(new ListMFADeviceTagsCommand({ SerialNumber: missing })), 'NoSuchEntityException', 404);
});

async function keysFor(user: string, actions: string[]): Promise<Creds> {
  await iam.send(
    new PutUserPolicyCommand({
      UserName: user,
      PolicyName: 'mfa',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
    }),
  );
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

test("ListMFADevices without UserName lists the caller's own devices", async () => {
  await createUser('judy');
  const d = await enabledDevice('judy-phone', 'judy');
  const judy = await keysFor('judy', ['iam:ListMFADevices']);
  const own = await new IAMClient(sdkConfig(s, judy)).send(new ListMFADevicesCommand({}));
  assert.deepEqual(own.MFADevices!.map((m) => m.SerialNumber), [d.serial]);
  // The root has no API-assigned devices.
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({}))).MFADevices, []);
});

test('ResyncMFADevice re-aligns a drifting device; MFA sessions then follow its clock', async () => {
  await createUser('kate');
  const d = await enabledDevice('kate-phone', 'kate');
  const kate = await keysFor('kate', ['iam:ListUsers']);
  const sts = new STSClient(sdkConfig(s, kate));
  const AHEAD = 10 * STEP; // the phone's clock runs five minutes fast
  const session = (code: string) => sts.send(new GetSessionTokenCommand({ SerialNumber: d.serial, TokenCode: code }));
  await rejectsWith(session(d.code(AHEAD)), 'AccessDenied', 403, 'MultiFactorAuthentication failed with invalid MFA one time pass code.');

  const resync = (c1: string, c2: string, UserName = 'kate') =>
    iam.send(new ResyncMFADeviceCommand({ UserName, SerialNumber: d.serial, AuthenticationCode1: c1, AuthenticationCode2: c2 }));
  await rejectsWith(resync(d.code(AHEAD), other(d.code(AHEAD + STEP))), 'InvalidAuthenticationCodeException', 403, INVALID_CODE);
  await createUser('lena');
  await rejectsWith(resync(d.code(AHEAD - STEP), d.code(AHEAD), 'lena'), 'NoSuchEntityException', 404, 'MFA Device invalid for user.');
  await resync(d.code(AHEAD - STEP), d.code(AHEAD));

  clock.advance(STEP);
  const c = (await session(d.code(AHEAD))).Credentials!;
  const mfaIam = new IAMClient(sdkConfig(s, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  assert.ok((await mfaIam.send(new ListUsersCommand({}))).Users!.some((u) => u.UserName === 'kate'), 'an MFA session may call IAM');
});

test('aws iam create-virtual-mfa-device --bootstrap-method Base32StringSeed, then enable-mfa-device (AWS CLI v2)', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  await createUser('cli-user');
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-mfa-'));
  const seedFile = join(dir, 'seed.txt');
  const created = await runAwsCli(s, [
    'iam', 'create-virtual-mfa-device', '--virtual-mfa-device-name', 'cli-device',
    '--outfile', seedFile, '--bootstrap-method', 'Base32StringSeed',
  ]);
  assert.equal(created.status, 0, created.stderr);
  const serial = created.json.VirtualMFADevice.SerialNumber;
  assert.equal(serial, `arn:aws:iam::${s.accountId}:mfa/cli-device`);
  const seed = readFileSync(seedFile, 'ascii');
  assert.match(seed, /^[A-Z2-7]{64}$/);
  const code = app(seed);

  const wrong = await runAwsCli(s, [
    'iam', 'enable-mfa-device', '--user-name', 'cli-user', '--serial-number', serial,
    '--authentication-code1', code(-STEP), '--authentication-code2', other(code()),
  ]);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /InvalidAuthenticationCode.*Authentication code for device is not valid\./);

  const enabled = await runAwsCli(s, [
    'iam', 'enable-mfa-device', '--user-name', 'cli-user', '--serial-number', serial,
    '--authentication-code1', code(-STEP), '--authentication-code2', code(),
  ]);
  assert.equal(enabled.status, 0, enabled.stderr);
  const listed = await runAwsCli(s, ['iam', 'list-mfa-devices', '--user-name', 'cli-user']);
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(listed.json.MFADevices.map((m: { SerialNumber: string }) => m.SerialNumber), [serial]);

  const pngFile = join(dir, 'qr.png');
  const qr = await runAwsCli(s, ['iam', 'create-virtual-mfa-device', '--virtual-mfa-device-name', 'cli-qr', '--outfile', pngFile, '--bootstrap-method', 'QRCodePNG']);
  assert.equal(qr.status, 0, qr.stderr);
  assert.deepEqual([...readFileSync(pngFile).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});
