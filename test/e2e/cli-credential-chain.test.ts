/**
 * The AWS CLI v2's own credential provider chain against Nimbus: a `role_arn` + `source_profile`
 * profile (the CLI calls sts:AssumeRole itself and caches nothing we rely on) and the same with
 * `mfa_serial` (the CLI prompts for the code and sends SerialNumber + TokenCode).
 *
 * The CLI's assume-role provider builds its own STS client, which ignores `--endpoint-url`, and
 * Debian's CLI (2.9.19) predates `endpoint_url` in profiles and AWS_ENDPOINT_URL. It does honour
 * AWS_DATA_PATH, botocore's documented override directory for service data, so the test points
 * STS's endpoint rule set at Nimbus there: the CLI itself (not the test) then calls AssumeRole.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  PutUserPolicyCommand,
  PutRolePolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { TOTP, Secret } from 'otpauth';
import { startTestServer, sdkConfig, requireClient, ManualClock, type TestServer } from './harness.js';

const AWS_CLI = '/usr/bin/aws';
const clock = new ManualClock(Date.now());
let s: TestServer;
let dir: string;
let totp: TOTP;
let serial: string;

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

before(async () => {
  s = await startTestServer({ clock });
  const iam = new IAMClient(sdkConfig(s));
  const acct = s.accountId;
  await iam.send(new CreateUserCommand({ UserName: 'cli-dev' }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'cli-dev' }))).AccessKey!;
  await iam.send(new PutUserPolicyCommand({ UserName: 'cli-dev', PolicyName: 'assume', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }));
  await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]) }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'guarded',
      AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }]),
    }),
  );
  const dev = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'cli-dev-phone' }))).VirtualMFADevice!;
  serial = dev.SerialNumber!;
  totp = new TOTP({ secret: Secret.fromBase32(Buffer.from(dev.Base32StringSeed!).toString()), digits: 6, period: 30 });
  const t = clock.now().getTime();
  await iam.send(new EnableMFADeviceCommand({ UserName: 'cli-dev', SerialNumber: serial, AuthenticationCode1: totp.generate({ timestamp: t - 30_000 }), AuthenticationCode2: totp.generate({ timestamp: t }) }));
  clock.advance(30_000);

  dir = mkdtempSync(join(tmpdir(), 'nimbus-chain-'));
  writeFileSync(join(dir, 'credentials'), `[dev]\naws_access_key_id = ${k.AccessKeyId}\naws_secret_access_key = ${k.SecretAccessKey}\n`);
  writeFileSync(
    join(dir, 'config'),
    [
      '[profile dev]',
      'region = us-east-1',
      '[profile deployer]',
      `role_arn = arn:aws:iam::${acct}:role/deployer`,
      'source_profile = dev',
      'role_session_name = from-the-cli',
      'region = us-east-1',
      '[profile guarded]',
      `role_arn = arn:aws:iam::${acct}:role/guarded`,
      'source_profile = dev',
      `mfa_serial = ${serial}`,
      'region = us-east-1',
      '',
    ].join('\n'),
  );
  // STS's endpoint rule set, answering with Nimbus's URL for every region.
  const rules = join(dir, 'models', 'sts', '2011-06-15');
  mkdirSync(rules, { recursive: true });
  writeFileSync(
    join(rules, 'endpoint-rule-set-1.json'),
    JSON.stringify({
      version: '1.0',
      parameters: {
        Region: { builtIn: 'AWS::Region', required: false, type: 'String' },
        UseDualStack: { builtIn: 'AWS::UseDualStack', required: true, default: false, type: 'Boolean' },
        UseFIPS: { builtIn: 'AWS::UseFIPS', required: true, default: false, type: 'Boolean' },
        Endpoint: { builtIn: 'SDK::Endpoint', required: false, type: 'String' },
        UseGlobalEndpoint: { builtIn: 'AWS::STS::UseGlobalEndpoint', required: true, default: false, type: 'Boolean' },
      },
      rules: [
        { conditions: [{ fn: 'isSet', argv: [{ ref: 'Endpoint' }] }], endpoint: { url: { ref: 'Endpoint' }, properties: {}, headers: {} }, type: 'endpoint' },
        { conditions: [], endpoint: { url: s.endpoint, properties: {}, headers: {} }, type: 'endpoint' },
      ],
    }),
  );
});
after(async () => {
  await s.close();
});

function cli(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_DATA_PATH: join(dir, 'models'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(AWS_CLI, ['--output', 'json', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

test('a role_arn + source_profile profile: the CLI assumes the role itself', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const id = await cli(['sts', 'get-caller-identity', '--profile', 'deployer', '--endpoint-url', s.endpoint]);
  assert.equal(id.status, 0, id.stderr);
  assert.equal(JSON.parse(id.stdout).Arn, `arn:aws:sts::${s.accountId}:assumed-role/deployer/from-the-cli`);
  // The session has the role's permissions, not the source user's.
  const users = await cli(['iam', 'list-users', '--profile', 'deployer', '--endpoint-url', s.endpoint]);
  assert.equal(users.status, 0, users.stderr);
  assert.ok(JSON.parse(users.stdout).Users.some((u: { UserName: string }) => u.UserName === 'cli-dev'));
  const asDev = await cli(['iam', 'list-users', '--profile', 'dev', '--endpoint-url', s.endpoint]);
  assert.notEqual(asDev.status, 0);
  assert.match(asDev.stderr, /AccessDenied/);
});

test('mfa_serial: the CLI asks for the code and the MFA-guarded role accepts it; a wrong code is refused', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const wrong = await cli(['sts', 'get-caller-identity', '--profile', 'guarded', '--endpoint-url', s.endpoint], '000000\n');
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /AccessDenied|MultiFactorAuthentication failed/);
  const code = totp.generate({ timestamp: clock.now().getTime() });
  const ok = await cli(['sts', 'get-caller-identity', '--profile', 'guarded', '--endpoint-url', s.endpoint], `${code}\n`);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).Arn, new RegExp(`^arn:aws:sts::${s.accountId}:assumed-role/guarded/`));
});
