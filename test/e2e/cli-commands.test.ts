/**
 * The `nimbus` command end to end, as a user runs it: `node dist/src/cli.js ...` in a child
 * process (built by `npm run build`), a fresh data directory per test, real clients against the
 * printed URL. Covers first start, credentials, restarts, graceful shutdown under load, several
 * accounts, `configure` with the real AWS CLI, the request log, usage errors and env seeding.
 */
import { test, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient, CreateUserCommand, GetUserCommand, ListUsersCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { accountFromAccessKeyId } from '../../src/accounts/ids.js';
import { AWS_CLI } from './harness.js';
import { Sha256 } from './sha256.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const USAGE_RE = /usage:\n\s+nimbus start/;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

// ---------------------------------------------------------------------------------------------
// Process and temp-dir bookkeeping: everything started here is killed / removed in `after`.

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix = 'nimbus-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** The child's environment: this process's, without any NIMBUS_* variable, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NIMBUS_')) env[k] = v;
  return { ...env, ...extra };
}

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short-lived `nimbus` command asynchronously (a server may share this event loop's clients). */
function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      children.delete(child);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited and its pipes closed. */
  exited: Promise<number | string | null>;
  /** Sends `signal` (SIGTERM) and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number, signal?: NodeJS.Signals): Promise<number | string | null>;
}

/** `nimbus start --port 0 ...args`; resolves once the "listening" line names the URL. */
function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | string | null>((res) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      res(code ?? signal);
    });
  });
  const stop = async (ms = 15_000, signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    try {
      return await exited;
    } finally {
      clearTimeout(t);
    }
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`nimbus start did not print its URL within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Resolve once the account lines (printed in the same write burst) are there too.
      const m = /Nimbus listening on (http:\/\/\S+)/.exec(stderr);
      if (m && /(Created the default account|Default account) \d{12}/.test(stderr)) {
        clearTimeout(timer);
        res({ child, url: m[1]!, stdout: () => stdout, stderr: () => stderr, exited, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`nimbus start exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
}

/** The account id and root keys `nimbus start` prints when it creates the default account. */
function createdAccount(stderr: string): { accountId: string } & Creds {
  const m = /Created the default account (\d{12})\. Its root credentials:\n\s+AWS_ACCESS_KEY_ID=(\S+)\n\s+AWS_SECRET_ACCESS_KEY=(\S+)\n/.exec(stderr);
  assert.ok(m, `no created-account block in:\n${stderr}`);
  return { accountId: m[1]!, accessKeyId: m[2]!, secretAccessKey: m[3]! };
}

function sdk(url: string, credentials: Creds) {
  return { endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 };
}

async function callerArn(url: string, creds: Creds): Promise<string | undefined> {
  return (await new STSClient(sdk(url, creds)).send(new GetCallerIdentityCommand({}))).Arn;
}

async function userNames(url: string, creds: Creds): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListUsers({ client: new IAMClient(sdk(url, creds)) }, {})) {
    for (const u of page.Users ?? []) names.push(u.UserName!);
  }
  return names.sort();
}

/** Copy of the harness's requireClient check: under CI=true a missing client fails the test. */
function requireAwsCli(t: TestContext): boolean {
  if (existsSync(AWS_CLI)) return true;
  const msg = 'aws-cli is not installed (apt-get install awscli)';
  if (process.env.CI === 'true') throw new Error(`${msg}: required under CI`);
  t.skip(msg);
  return false;
}

// ---------------------------------------------------------------------------------------------

test('first start creates the default account and prints working root keys; `credentials` prints them again', async () => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir, '--quiet']);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(s.url, 'http://127.0.0.1:0');
    assert.ok(s.stderr().includes(`(storage: ${dir})`), s.stderr());
    const acct = createdAccount(s.stderr());
    assert.match(acct.accountId, /^[1-9]\d{11}$/);
    assert.match(acct.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.match(acct.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.equal(accountFromAccessKeyId(acct.accessKeyId), acct.accountId);

    const id = await new STSClient(sdk(s.url, acct)).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, acct.accountId);
    assert.equal(id.Arn, `arn:aws:iam::${acct.accountId}:root`);

    // A wrong secret is refused: the keys above really are what authenticates.
    await assert.rejects(callerArn(s.url, { ...acct, secretAccessKey: acct.secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }), (e: any) => {
      assert.equal(e.name, 'SignatureDoesNotMatch');
      return true;
    });

    const json = await runCli(['credentials', '--data-dir', dir, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { accountId: acct.accountId, accessKeyId: acct.accessKeyId, secretAccessKey: acct.secretAccessKey });

    const text = await runCli(['credentials', '--data-dir', dir]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(
      text.stdout,
      `# account ${acct.accountId} (root)\nAWS_ACCESS_KEY_ID=${acct.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${acct.secretAccessKey}\n`,
    );

    // --data-dir defaults to $NIMBUS_DATA_DIR.
    const viaEnv = await runCli(['credentials', '--json'], { NIMBUS_DATA_DIR: dir });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal(JSON.parse(viaEnv.stdout).accessKeyId, acct.accessKeyId);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('state survives a restart: users, account id and keys; the second start creates nothing', async () => {
  const dir = tempDir();
  const first = await startCli(['--data-dir', dir, '--quiet']);
  const acct = createdAccount(first.stderr());
  const iam = new IAMClient(sdk(first.url, acct));
  const created = await iam.send(new CreateUserCommand({ UserName: 'survivor', Path: '/ops/' }));
  assert.equal(await first.stop(15_000, 'SIGINT'), 0);
  assert.match(first.stderr(), /Nimbus: SIGINT received/);

  const second = await startCli(['--data-dir', dir, '--quiet']);
  try {
    assert.doesNotMatch(second.stderr(), /Created the default account/);
    assert.match(second.stderr(), new RegExp(`Default account ${acct.accountId}; 'nimbus credentials' prints its root keys`));
    assert.doesNotMatch(second.stderr(), /AWS_SECRET_ACCESS_KEY/);
    const got = await new IAMClient(sdk(second.url, acct)).send(new GetUserCommand({ UserName: 'survivor' }));
    assert.equal(got.User?.UserId, created.User?.UserId);
    assert.equal(got.User?.Arn, `arn:aws:iam::${acct.accountId}:user/ops/survivor`);
    assert.equal(await callerArn(second.url, acct), `arn:aws:iam::${acct.accountId}:root`);
    const creds = await runCli(['credentials', '--data-dir', dir, '--json']);
    assert.deepEqual(JSON.parse(creds.stdout), { accountId: acct.accountId, accessKeyId: acct.accessKeyId, secretAccessKey: acct.secretAccessKey });
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

test('SIGTERM under load: in-flight requests finish, every acknowledged write is on disk, exit code 0', async (t) => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir]); // with the request log: it tells what the server answered
  const acct = createdAccount(s.stderr());
  const iam = new IAMClient(sdk(s.url, acct));
  // Warm up one connection so that the burst below reaches the server promptly.
  await iam.send(new ListUsersCommand({}));

  const N = 50;
  const names = Array.from({ length: N }, (_, i) => `load-${String(i).padStart(2, '0')}`);
  const calls = names.map((UserName) => iam.send(new CreateUserCommand({ UserName })));
  // SIGTERM as soon as the server has answered the first of them: the rest are in flight or queued.
  const deadline = Date.now() + 10_000;
  while (!/"operation":"CreateUser"/.test(s.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  assert.match(s.stdout(), /"operation":"CreateUser"/, 'no CreateUser reached the server');
  s.child.kill('SIGTERM');
  const results = await Promise.allSettled(calls);
  const code = await s.stop();
  assert.equal(code, 0, s.stderr());
  assert.match(s.stderr(), /Nimbus: SIGTERM received, finishing in-flight requests\.\.\./);

  const acked = names.filter((_, i) => results[i]!.status === 'fulfilled');
  t.diagnostic(`${acked.length}/${N} CreateUser calls answered before the shutdown`);
  assert.ok(acked.length >= 1, 'at least the first CreateUser was answered');
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') {
      // A refused or reset connection is fine (the server stopped accepting); an AWS error is not.
      assert.equal((r.reason as any).$metadata?.httpStatusCode, undefined, `${names[i]}: ${r.reason}`);
    }
  }
  // What the server logged as answered 200 is exactly what the store kept.
  const logged = s
    .stdout()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((e) => e.operation === 'CreateUser');
  assert.ok(logged.every((e) => e.status === 200), JSON.stringify(logged.filter((e) => e.status !== 200)));

  const again = await startCli(['--data-dir', dir, '--quiet']);
  try {
    const present = await userNames(again.url, acct);
    for (const n of acked) assert.ok(present.includes(n), `${n} was acknowledged but is missing after restart`);
    assert.ok(present.every((n) => names.includes(n)), present.join(','));
    assert.equal(present.length, logged.length, 'every CreateUser the server answered is stored, and nothing else');
  } finally {
    assert.equal(await again.stop(), 0);
  }
});

test('a request in flight at SIGTERM is answered with Connection: close, committed, and the process exits promptly', async () => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir, '--quiet']);
  const acct = createdAccount(s.stderr());
  const url = new URL(s.url);
  const body = 'Action=CreateUser&UserName=late-comer&Version=2010-05-08';
  const signed = await new SignatureV4({ service: 'iam', region: 'us-east-1', credentials: acct, sha256: Sha256 }).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(body.length) },
    body,
  });
  // A pooling client: its connection would stay open after the response unless the server closes it.
  const agent = new Agent({ keepAlive: true });
  try {
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed.headers, agent });
    const response = new Promise<{ res: IncomingMessage; text: string }>((res, rej) => {
      req.on('response', (r) => {
        let text = '';
        r.on('data', (d: Buffer) => (text += d.toString()));
        r.on('end', () => res({ res: r, text }));
        r.on('error', rej);
      });
      req.on('error', rej);
    });
    req.write(body.slice(0, 10)); // the request is in flight: headers and part of the body sent
    const inFlight = async () => ((await (await fetch(`${s.url}/_nimbus/health`)).json()) as { inFlight: number }).inFlight;
    const deadline = Date.now() + 5000;
    while ((await inFlight()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await inFlight(), 2, 'the health check and the held request');

    s.child.kill('SIGTERM');
    while (!/SIGTERM received/.test(s.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.match(s.stderr(), /SIGTERM received/);
    req.end(body.slice(10));
    const { res, text } = await response;
    assert.equal(res.statusCode, 200, text);
    assert.match(text, /<UserName>late-comer<\/UserName>/);
    assert.equal(res.headers.connection, 'close');
    // The keep-alive timeout is 65 s: exiting within stop()'s 10 s shows shutdown did not wait for it.
    assert.equal(await s.stop(10_000), 0, 'the process must exit without waiting for the idle keep-alive connection');
  } finally {
    agent.destroy();
  }
  const again = await startCli(['--data-dir', dir, '--quiet']);
  try {
    const got = await new IAMClient(sdk(again.url, acct)).send(new GetUserCommand({ UserName: 'late-comer' }));
    assert.equal(got.User?.Arn, `arn:aws:iam::${acct.accountId}:user/late-comer`);
  } finally {
    assert.equal(await again.stop(), 0);
  }
});

test('a second signal exits at once when a request hangs; the first one waits for it', async () => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir, '--quiet']);
  const acct = createdAccount(s.stderr());
  const url = new URL(s.url);
  // A client that sends headers and part of its body, then stalls.
  const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'content-length': '1000' } });
  req.on('error', () => {});
  req.write('Action=');
  try {
    const inFlight = async () => ((await (await fetch(`${s.url}/_nimbus/health`)).json()) as { inFlight: number }).inFlight;
    const deadline = Date.now() + 5000;
    while ((await inFlight()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    s.child.kill('SIGINT');
    while (!/SIGINT received/.test(s.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.child.exitCode, null, 'the first signal waits for the stalled request');
    // The second signal is stop()'s own SIGINT: sending one here as well raced with it.
    assert.equal(await s.stop(5000, 'SIGINT'), 1);
    assert.match(s.stderr(), /Nimbus: SIGINT received again, exiting without waiting/);
  } finally {
    req.destroy();
  }
  // The store is intact.
  const creds = await runCli(['credentials', '--data-dir', dir, '--json']);
  assert.equal(creds.status, 0, creds.stderr);
  assert.equal(JSON.parse(creds.stdout).accessKeyId, acct.accessKeyId);
});

test('`accounts create` makes a second account a running server authenticates; accounts are isolated', async () => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir, '--quiet']);
  try {
    const a = createdAccount(s.stderr());
    // Created by another process while the server runs on the same database (WAL).
    const r = await runCli(['accounts', 'create', '--data-dir', dir, '--name', 'dev', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const b = JSON.parse(r.stdout);
    assert.match(b.accountId, /^\d{12}$/);
    assert.notEqual(b.accountId, a.accountId);
    assert.equal(b.name, 'dev');
    assert.match(b.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(accountFromAccessKeyId(b.accessKeyId), b.accountId);
    assert.notEqual(b.accessKeyId, a.accessKeyId);
    assert.match(b.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);

    assert.equal(await callerArn(s.url, b), `arn:aws:iam::${b.accountId}:root`);
    assert.equal(await callerArn(s.url, a), `arn:aws:iam::${a.accountId}:root`);

    const iamA = new IAMClient(sdk(s.url, a));
    const iamB = new IAMClient(sdk(s.url, b));
    await iamA.send(new CreateUserCommand({ UserName: 'only-in-a' }));
    const ub = await iamB.send(new CreateUserCommand({ UserName: 'only-in-b' }));
    assert.equal(ub.User?.Arn, `arn:aws:iam::${b.accountId}:user/only-in-b`);
    // The same name in both accounts is no conflict.
    await iamB.send(new CreateUserCommand({ UserName: 'shared-name' }));
    await iamA.send(new CreateUserCommand({ UserName: 'shared-name' }));
    assert.deepEqual(await userNames(s.url, a), ['only-in-a', 'shared-name']);
    assert.deepEqual(await userNames(s.url, b), ['only-in-b', 'shared-name']);
    await assert.rejects(iamA.send(new GetUserCommand({ UserName: 'only-in-b' })), (e: any) => e.name === 'NoSuchEntityException');

    const list = await runCli(['accounts', 'list', '--data-dir', dir]);
    assert.equal(list.status, 0, list.stderr);
    const lines = list.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [`${a.accountId}\tdefault\t(default)`, `${b.accountId}\tdev`].sort());

    // `credentials --account` prints the other account's keys.
    const cb = await runCli(['credentials', '--data-dir', dir, '--account', b.accountId, '--json']);
    assert.deepEqual(JSON.parse(cb.stdout), { accountId: b.accountId, accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey });
    const none = await runCli(['credentials', '--data-dir', dir, '--account', '000000000000']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no such account/);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('`configure` writes a profile the real AWS CLI v2 uses; a second run keeps one section and other profiles', async (t) => {
  if (!requireAwsCli(t)) return;
  const dir = tempDir();
  const home = tempDir('nimbus-home-');
  const awsDir = join(home, '.aws-test');
  const config = join(awsDir, 'config');
  const credentials = join(awsDir, 'credentials');
  const cfgEnv = { HOME: home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  const s = await startCli(['--data-dir', dir, '--quiet']);
  try {
    const acct = createdAccount(s.stderr());

    const c1 = await runCli(['configure', '--profile', 'nimbus', '--data-dir', dir, '--endpoint-url', 'http://127.0.0.1:1'], cfgEnv);
    assert.equal(c1.status, 0, c1.stderr);
    assert.match(c1.stdout, new RegExp(`Wrote profile 'nimbus' \\(account ${acct.accountId}\\)`));
    assert.equal(readFileSync(config, 'utf8'), `[profile nimbus]\nregion = us-east-1\noutput = json\nendpoint_url = http://127.0.0.1:1\n`);
    assert.equal(
      readFileSync(credentials, 'utf8'),
      `[nimbus]\naws_access_key_id = ${acct.accessKeyId}\naws_secret_access_key = ${acct.secretAccessKey}\n`,
    );
    assert.equal(statSync(credentials).mode & 0o777, 0o600);

    // Other profiles, written by someone else around ours.
    writeFileSync(config, `[default]\nregion = eu-west-1\n\n${readFileSync(config, 'utf8')}\n[profile other]\nregion = ap-south-1\n`);
    appendFileSync(credentials, `\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = other-secret\n`);

    const c2 = await runCli(['configure', '--profile', 'nimbus', '--data-dir', dir, '--endpoint-url', s.url], cfgEnv);
    assert.equal(c2.status, 0, c2.stderr);
    const cfg = readFileSync(config, 'utf8');
    const cred = readFileSync(credentials, 'utf8');
    assert.equal(cfg.match(/^\[profile nimbus\]$/gm)?.length, 1, cfg);
    assert.equal(cred.match(/^\[nimbus\]$/gm)?.length, 1, cred);
    assert.ok(cfg.includes(`[profile nimbus]\nregion = us-east-1\noutput = json\nendpoint_url = ${s.url}\n`), cfg);
    assert.doesNotMatch(cfg, /127\.0\.0\.1:1\n/);
    assert.ok(cfg.startsWith('[default]\nregion = eu-west-1\n'), cfg);
    assert.ok(cfg.includes('[profile other]\nregion = ap-south-1\n'), cfg);
    assert.ok(cred.includes('[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = other-secret\n'), cred);
    assert.equal(cred.match(/aws_access_key_id/g)?.length, 2, cred);

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...cfgEnv,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
    };
    const r = await new Promise<CliResult>((res, rej) => {
      const child = spawn(AWS_CLI, ['--profile', 'nimbus', '--endpoint-url', s.url, 'sts', 'get-caller-identity'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', rej);
      child.on('close', (status) => {
        clearTimeout(timer);
        children.delete(child);
        res({ status, stdout, stderr });
      });
    });
    assert.equal(r.status, 0, r.stderr);
    const id = JSON.parse(r.stdout);
    assert.equal(id.Account, acct.accountId);
    assert.equal(id.Arn, `arn:aws:iam::${acct.accountId}:root`);

    const missing = await runCli(['configure', '--data-dir', dir], cfgEnv);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /configure needs --profile NAME/);
    const badRegion = await runCli(['configure', '--profile', 'x', '--region', 'mars-1', '--data-dir', dir], cfgEnv);
    assert.equal(badRegion.status, 2);
    assert.match(badRegion.stderr, /unknown region: mars-1/);
    assert.doesNotMatch(readFileSync(config, 'utf8'), /\[profile x\]/);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('the request log: one JSON line per request on stdout with id, account, principal, service, operation, status, latency', async () => {
  const dir = tempDir();
  const s = await startCli(['--data-dir', dir]);
  try {
    const acct = createdAccount(s.stderr());
    const sts = new STSClient(sdk(s.url, acct));
    const iam = new IAMClient(sdk(s.url, acct));
    const id = await sts.send(new GetCallerIdentityCommand({}));
    const created = await iam.send(new CreateUserCommand({ UserName: 'logged' }));
    let failedId: string | undefined;
    await assert.rejects(iam.send(new GetUserCommand({ UserName: 'nobody' })), (e: any) => {
      failedId = e.$metadata.requestId;
      return e.name === 'NoSuchEntityException';
    });
    const bad = await new STSClient(sdk(s.url, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' }))
      .send(new GetCallerIdentityCommand({}))
      .then(
        () => undefined,
        (e: any) => e,
      );
    assert.equal(bad?.name, 'InvalidClientTokenId');

    // The log line is written right after the response; give the pipe a moment.
    const deadline = Date.now() + 5000;
    const lines = () => s.stdout().split('\n').filter((l) => l.trim());
    while (lines().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const entries = lines().map((l) => JSON.parse(l));
    assert.equal(entries.length, 4, s.stdout());
    for (const e of entries) {
      assert.equal(e.msg, 'request');
      assert.match(e.requestId, /^[0-9a-f-]{36}$/);
      assert.equal(typeof e.latencyMs, 'number');
      assert.ok(e.latencyMs >= 0 && e.latencyMs < 10_000, String(e.latencyMs));
      assert.ok(!Number.isNaN(Date.parse(e.time)));
    }
    const [e1, e2, e3, e4] = entries;
    const rootArn = `arn:aws:iam::${acct.accountId}:root`;
    assert.deepEqual(
      { requestId: e1.requestId, account: e1.account, principal: e1.principal, service: e1.service, operation: e1.operation, status: e1.status },
      { requestId: id.$metadata.requestId, account: acct.accountId, principal: rootArn, service: 'sts', operation: 'GetCallerIdentity', status: 200 },
    );
    assert.deepEqual(
      { requestId: e2.requestId, account: e2.account, principal: e2.principal, service: e2.service, operation: e2.operation, status: e2.status },
      { requestId: created.$metadata.requestId, account: acct.accountId, principal: rootArn, service: 'iam', operation: 'CreateUser', status: 200 },
    );
    assert.deepEqual(
      { requestId: e3.requestId, service: e3.service, operation: e3.operation, status: e3.status, errorCode: e3.errorCode, account: e3.account },
      { requestId: failedId, service: 'iam', operation: 'GetUser', status: 404, errorCode: 'NoSuchEntity', account: acct.accountId },
    );
    // An unauthenticated request has no account or principal, but is logged.
    assert.equal(e4.service, 'sts');
    assert.equal(e4.status, 403);
    assert.equal(e4.errorCode, 'InvalidClientTokenId');
    assert.equal(e4.account, undefined);
    assert.equal(e4.principal, undefined);
    // Nothing but log lines on stdout; the banner and keys went to stderr.
    assert.doesNotMatch(s.stdout(), /AWS_SECRET_ACCESS_KEY|listening/);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('bad usage exits 2 with the usage on stderr', async () => {
  const cases: string[][] = [
    ['frobnicate'],
    ['start', '--port', 'abc'],
    ['start', '--port', '70000'],
    ['start', '--port', '-1'],
    ['start', '--port', ''],
    ['start', '--port', '1.5'],
    ['start', '--no-such-option'],
    ['credentials', '--bogus'],
    ['accounts'],
    ['accounts', 'destroy'],
    ['configure'],
  ];
  const dir = tempDir();
  const results = await Promise.all(cases.map((args) => runCli([...args, ...(args[0] === 'frobnicate' ? [] : ['--data-dir', join(dir, 'never')])])));
  for (const [i, r] of results.entries()) {
    const what = cases[i]!.join(' ');
    assert.equal(r.status, 2, `${what}: exit ${r.status}; stderr: ${r.stderr}`);
    assert.match(r.stderr, /^nimbus: /, what);
    assert.match(r.stderr, USAGE_RE, what);
    assert.equal(r.stdout, '', what);
  }
  // Usage errors happen before anything touches the data directory.
  assert.equal(existsSync(join(dir, 'never')), false);
  const help = await runCli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, USAGE_RE);
});

test('NIMBUS_ACCOUNT_ID and NIMBUS_ROOT_* fix the default account on first start, and only then', async () => {
  const dir = tempDir();
  const seed = {
    NIMBUS_ACCOUNT_ID: '111122223333',
    NIMBUS_ROOT_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    NIMBUS_ROOT_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };
  const s = await startCli(['--data-dir', dir, '--quiet'], seed);
  const acct = createdAccount(s.stderr());
  try {
    assert.deepEqual(acct, { accountId: '111122223333', accessKeyId: seed.NIMBUS_ROOT_ACCESS_KEY_ID, secretAccessKey: seed.NIMBUS_ROOT_SECRET_ACCESS_KEY });
    assert.equal(await callerArn(s.url, acct), 'arn:aws:iam::111122223333:root');
  } finally {
    assert.equal(await s.stop(), 0);
  }
  // Later starts with other values change nothing.
  const again = await startCli(['--data-dir', dir, '--quiet'], { ...seed, NIMBUS_ACCOUNT_ID: '444455556666' });
  try {
    assert.match(again.stderr(), /Default account 111122223333;/);
    assert.equal(await callerArn(again.url, acct), 'arn:aws:iam::111122223333:root');
  } finally {
    assert.equal(await again.stop(), 0);
  }
  // A malformed or partial seed is refused, not silently replaced by generated values.
  const fresh = tempDir();
  const bad = await runCli(['start', '--port', '0', '--data-dir', fresh], { NIMBUS_ACCOUNT_ID: '12345' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /an account id has 12 digits: 12345/);
  const half = await runCli(['start', '--port', '0', '--data-dir', fresh], { NIMBUS_ROOT_ACCESS_KEY_ID: seed.NIMBUS_ROOT_ACCESS_KEY_ID });
  assert.equal(half.status, 1);
  assert.match(half.stderr, /NIMBUS_ROOT_ACCESS_KEY_ID and NIMBUS_ROOT_SECRET_ACCESS_KEY go together/);
  const list = await runCli(['accounts', 'list', '--data-dir', fresh]);
  assert.equal(list.stdout, '', 'no account was created by the refused starts');
});
