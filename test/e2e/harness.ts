/**
 * End-to-end test harness: one in-process Nimbus per test file (in-memory store, injectable
 * clock), plus helpers to run the real AWS CLI v2 and boto3 against it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startNimbus, type NimbusServer } from '../../src/server.js';
import { silentLogger } from '../../src/gateway/log.js';
import { ManualClock, systemClock, type Clock } from '../../src/clock.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestServer {
  nimbus: NimbusServer;
  endpoint: string;
  root: Creds;
  accountId: string;
  close(): Promise<void>;
}

export async function startTestServer(opts: { clock?: Clock; maxBodyBytes?: number } = {}): Promise<TestServer> {
  const nimbus = await startNimbus({
    port: 0,
    inMemory: true,
    logger: silentLogger,
    clock: opts.clock ?? systemClock,
    maxBodyBytes: opts.maxBodyBytes,
  });
  const k = nimbus.rootKeys[0]!;
  return {
    nimbus,
    endpoint: nimbus.url,
    root: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
    accountId: nimbus.account.accountId,
    close: () => nimbus.close(),
  };
}

export { ManualClock };

export function sdkConfig(s: TestServer, creds: Creds = s.root, region = 'us-east-1') {
  return { endpoint: s.endpoint, region, credentials: creds, maxAttempts: 1 };
}

export const AWS_CLI = '/usr/bin/aws';
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Whether a real client is installed. Under CI=true a missing client fails the test (never a silent
 * skip); elsewhere the test is skipped with the reason printed.
 */
export function requireClient(t: TestContext, what: 'aws-cli' | 'boto3'): boolean {
  const ok =
    what === 'aws-cli'
      ? existsSync(AWS_CLI)
      : existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0;
  if (ok) return true;
  const msg = `${what} is not installed (apt-get install ${what === 'aws-cli' ? 'awscli' : 'python3-boto3'})`;
  if (process.env.CI === 'true') throw new Error(`${msg}: required under CI`);
  t.skip(msg);
  return false;
}

function isolatedAwsEnv(creds: Creds, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-awscfg-'));
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  writeFileSync(config, '');
  writeFileSync(credentials, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    ...extra,
  };
  if (creds.sessionToken) env.AWS_SESSION_TOKEN = creds.sessionToken;
  return env;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json?: any;
}

/** Runs a client process without blocking the event loop (the server under test shares it). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs the AWS CLI v2 with isolated config; parses JSON output when there is some. */
export async function runAwsCli(s: TestServer, args: string[], creds: Creds = s.root, extraEnv: Record<string, string> = {}): Promise<RunResult> {
  const r = await run(AWS_CLI, ['--endpoint-url', s.endpoint, '--output', 'json', ...args], isolatedAwsEnv(creds, extraEnv));
  let json: any;
  if (r.status === 0 && r.stdout.trim()) {
    try {
      json = JSON.parse(r.stdout);
    } catch {
      /* not JSON */
    }
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Runs a Python snippet under Debian's python3 + boto3; the snippet prints JSON on its last line. */
export async function runBoto3(s: TestServer, code: string, creds: Creds = s.root): Promise<RunResult> {
  const prelude = `import json, boto3, botocore\nENDPOINT = ${JSON.stringify(s.endpoint)}\n`;
  const r = await run(SYSTEM_PYTHON, ['-c', prelude + code], isolatedAwsEnv(creds));
  let json: any;
  const last = r.stdout.trim().split('\n').pop();
  if (last) {
    try {
      json = JSON.parse(last);
    } catch {
      /* not JSON */
    }
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Asserts an SDK call rejects with this error name, HTTP status and, if given, message (exact, or a pattern). */
export async function rejectsWith(p: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}
