/**
 * `nimbus oidc-issuer` and `nimbus oidc-jwks` as a user runs them (`node dist/src/cli.js`, built by
 * `npm run build`) against the data directory of a running Nimbus: print the issuer's JWKS, register
 * it with the IAM OIDC provider, mint a token, exchange it with AssumeRoleWithWebIdentity (SDK and
 * AWS CLI v2), then clear the keys.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient, CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { startNimbus, type NimbusServer } from '../../src/server.js';
import { silentLogger } from '../../src/gateway/log.js';
import { rejectsWith, runAwsCli, requireClient, type TestServer } from './harness.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

let dir: string;
let nimbus: NimbusServer;
let s: TestServer;
let providerArn: string;
let roleArn: string;

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NIMBUS_')) env[k] = v;
    const child = spawn(process.execPath, [CLI, ...args, '--data-dir', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

const sts = () =>
  new STSClient({
    endpoint: nimbus.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: async () => {
      throw new Error('not needed');
    },
  });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nimbus-oidc-cli-'));
  nimbus = await startNimbus({ port: 0, dataDir: dir, logger: silentLogger });
  const k = nimbus.rootKeys[0]!;
  s = { nimbus, endpoint: nimbus.url, root: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }, accountId: nimbus.account.accountId, close: () => nimbus.close() };
  const iam = new IAMClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: s.root, maxAttempts: 1 });
  providerArn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://oidc.nimbus.local', ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn!;
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'oidc.nimbus.local:sub': 'dev' }, 'ForAnyValue:StringEquals': { 'oidc.nimbus.local:amr': 'mfa' } },
      },
    ],
  };
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'dev', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
});
after(async () => {
  await nimbus?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('register the issuer JWKS, mint a token, assume the role, clear the keys', async (t) => {
  const jwks = await runCli(['oidc-issuer', 'jwks']);
  assert.equal(jwks.status, 0, jwks.stderr);
  assert.match(jwks.stderr, /Created the test OIDC issuer's signing key/);
  const doc = JSON.parse(jwks.stdout);
  assert.equal(doc.keys.length, 1);
  // The key is kept: a second run prints the same JWKS and creates nothing.
  const again = await runCli(['oidc-issuer', 'jwks']);
  assert.deepEqual(JSON.parse(again.stdout), doc);
  assert.equal(again.stderr, '');
  const file = join(dir, 'jwks.json');
  writeFileSync(file, jwks.stdout);

  const reg = await runCli(['oidc-jwks', '--arn', providerArn, '--file', file]);
  assert.equal(reg.status, 0, reg.stderr);
  assert.equal(reg.stdout, `Registered 1 signing key for ${providerArn}\n`);

  const minted = await runCli(['oidc-issuer', 'token', '--sub', 'dev', '--aud', 'sts.amazonaws.com', '--expires-in', '15m', '--amr', 'pwd', '--amr', 'mfa']);
  assert.equal(minted.status, 0, minted.stderr);
  const token = minted.stdout.trim();
  const r = await sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'me', WebIdentityToken: token }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${s.accountId}:assumed-role/dev/me`);
  assert.equal(r.SubjectFromWebIdentityToken, 'dev');

  // Without the mfa method the trust policy refuses.
  const noMfa = (await runCli(['oidc-issuer', 'token', '--sub', 'dev', '--aud', 'sts.amazonaws.com'])).stdout.trim();
  await rejectsWith(
    sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'me', WebIdentityToken: noMfa })),
    'AccessDenied',
    403,
    'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  );

  if (requireClient(t, 'aws-cli')) {
    const cli = await runAwsCli(s, ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', token]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.json.AssumedRoleUser.Arn, `arn:aws:sts::${s.accountId}:assumed-role/dev/cli`);
  }

  const cleared = await runCli(['oidc-jwks', '--arn', providerArn, '--clear']);
  assert.equal(cleared.status, 0, cleared.stderr);
  await rejectsWith(
    sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'me', WebIdentityToken: token })),
    'InvalidIdentityTokenException',
    400,
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  );
});

test('oidc-jwks and oidc-issuer refuse bad input', async () => {
  const file = join(dir, 'private.json');
  writeFileSync(file, JSON.stringify({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] }));
  const priv = await runCli(['oidc-jwks', '--arn', providerArn, '--file', file]);
  assert.equal(priv.status, 1);
  assert.match(priv.stderr, /key 0 holds private or symmetric key material: register public keys only/);

  const missing = await runCli(['oidc-jwks', '--arn', `arn:aws:iam::${s.accountId}:oidc-provider/nowhere.example.com`, '--clear']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no OpenID Connect provider arn:aws:iam::\d{12}:oidc-provider\/nowhere\.example\.com/);

  const both = await runCli(['oidc-jwks', '--arn', providerArn, '--file', file, '--clear']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /exactly one of --file JWKS.json or --clear/);

  const noAud = await runCli(['oidc-issuer', 'token', '--sub', 'x']);
  assert.equal(noAud.status, 2);
  assert.match(noAud.stderr, /needs --aud/);
  const badExp = await runCli(['oidc-issuer', 'token', '--sub', 'x', '--aud', 'a', '--expires-in', 'soon']);
  assert.equal(badExp.status, 2);
  assert.match(badExp.stderr, /bad --expires-in: soon/);
});
