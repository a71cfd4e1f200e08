/**
 * Fuzz-style robustness: malformed bodies, encodings, huge and truncated inputs, correctly signed so
 * they reach each protocol's parser (query, ec2, rest-xml, json, rest-json). Every answer must be a
 * well-formed AWS error of that protocol, the server must keep serving, and nothing may be written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.js';
import { startTestServer, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ maxBodyBytes: 2 * 1024 * 1024 });
});
after(async () => {
  await s.close();
});

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Target {
  service: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  valid: string;
  /** Checks the error envelope of this protocol. */
  envelope: (status: number, body: string, headers: Headers) => void;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const xmlCode = (b: string) => /<Code>[^<]+<\/Code>/.test(b);

const TARGETS: Target[] = [
  {
    service: 'iam',
    method: 'POST',
    path: '/',
    headers: FORM,
    valid: 'Action=CreateUser&Version=2010-05-08&UserName=fuzz&Tags.member.1.Key=k&Tags.member.1.Value=v',
    envelope: (st, b) => {
      assert.ok(st >= 400, `status ${st}`);
      assert.match(b, /^(<\?xml version="1.0" encoding="UTF-8"\?>\s*)?<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>(Sender|Receiver)<\/Type><Code>[^<]+<\/Code>/);
      assert.match(b, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
    },
  },
  {
    service: 'ec2',
    method: 'POST',
    path: '/',
    headers: FORM,
    valid: 'Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678&MinCount=1&MaxCount=1&SecurityGroupId.1=sg-1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=b',
    envelope: (st, b) => {
      assert.ok(st >= 400, `status ${st}`);
      assert.match(b, /<Response><Errors><Error><Code>[^<]+<\/Code><Message>[^<]*<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
    },
  },
  {
    service: 's3',
    method: 'POST',
    path: '/fuzz-bucket?delete',
    headers: { 'content-type': 'application/xml' },
    valid: '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Quiet>true</Quiet></Delete>',
    envelope: (st, b) => {
      assert.ok(st >= 400, `status ${st}`);
      assert.match(b, /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Error><Code>[^<]+<\/Code>/);
      assert.match(b, /<RequestId>[^<]+<\/RequestId>/);
    },
  },
  {
    service: 'servicequotas',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'ServiceQuotasV20190624.GetServiceQuota' },
    valid: '{"ServiceCode":"ec2","QuotaCode":"L-1216C47A"}',
    envelope: (st, b) => {
      assert.ok(st >= 400, `status ${st}`);
      const j = JSON.parse(b);
      assert.equal(typeof j.__type, 'string');
    },
  },
  {
    service: 'rbin',
    method: 'POST',
    path: '/rules',
    headers: { 'content-type': 'application/json' },
    valid: '{"RetentionPeriod":{"RetentionPeriodValue":7,"RetentionPeriodUnit":"DAYS"},"ResourceType":"EBS_SNAPSHOT"}',
    envelope: (st, b, h) => {
      assert.ok(st >= 400, `status ${st}`);
      assert.ok(h.get('x-amzn-errortype'), 'x-amzn-errortype header');
      JSON.parse(b || '{}');
    },
  },
];

function mutations(valid: string, r: () => number): (string | Buffer)[] {
  const out: (string | Buffer)[] = [
    '',
    valid.slice(0, Math.floor(valid.length / 2)),
    valid.slice(0, -1),
    valid + '&&&==',
    valid.replace(/=/g, '=%'),
    valid.replace(/a/g, '%zz'),
    Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0xc3, 0x28]),
    Buffer.concat([Buffer.from(valid), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]),
    'A'.repeat(1024 * 1024),
    '<'.repeat(5000),
    '<a>'.repeat(20000),
    '['.repeat(20000),
    '{"a":'.repeat(20000),
    '{"ServiceCode": 12345678901234567890123, "QuotaCode": [1,2,{}]}',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete>&b;</Delete>',
    valid.replace(/1/g, '99999999999999999999'),
    valid.replace(/\.1\./g, '.0.').replace(/\.1=/g, '.0='),
    valid.replace(/\.1/g, '.4294967296'),
    `${valid}&${'X.'.repeat(2000)}Y=1`,
    valid + '&MinCount=abc&MaxItems=-1&UserName=' + 'x'.repeat(5000),
    'null',
    'true',
    '"just a string"',
  ];
  for (let i = 0; i < 25; i++) {
    const b = Buffer.from(valid);
    const n = 1 + Math.floor(r() * 6);
    for (let j = 0; j < n; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    out.push(b);
    out.push(valid.slice(0, Math.floor(r() * valid.length)));
  }
  return out;
}

async function signedSend(t: Target, body: string | Buffer) {
  const url = new URL(s.endpoint);
  const signer = new SignatureV4({ service: t.service, region: 'us-east-1', credentials: s.root, sha256: Sha256, uriEscapePath: t.service !== 's3', applyChecksum: t.service === 's3' });
  const [path, q] = t.path.split('?');
  const query: Record<string, string> = {};
  if (q) for (const part of q.split('&')) query[part.split('=')[0]!] = part.split('=')[1] ?? '';
  const req = await signer.sign({
    method: t.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: path!,
    query,
    headers: { host: url.host, ...t.headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
  const res = await fetch(`${s.endpoint}${t.path}`, { method: t.method, headers, body });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

async function userCount(): Promise<number> {
  return s.nimbus.store.read((tx) => tx.count(s.accountId, 'iam.user'));
}

for (const target of TARGETS) {
  test(`malformed input to ${target.service} gets well-formed errors and writes nothing`, async () => {
    const before = await userCount();
    let accepted = 0;
    const r = rng(target.service.length * 7919);
    for (const body of mutations(target.valid, r)) {
      const res = await signedSend(target, body);
      if (res.status < 400) {
        // Some mutations are still valid requests (an empty tag value, a stray '&'): those may write.
        accepted++;
        continue;
      }
      try {
        target.envelope(res.status, res.body, res.headers);
      } catch (e) {
        throw new Error(`${target.service}: bad error for body ${JSON.stringify(String(body).slice(0, 100))}: ${res.status} ${res.body.slice(0, 300)}\n${(e as Error).message}`);
      }
      assert.notEqual(res.status, 500, `internal failure for ${JSON.stringify(String(body).slice(0, 100))}: ${res.body.slice(0, 300)}`);
    }
    // Only accepted requests may have written (IAM CreateUser: at most one user each).
    const written = (await userCount()) - before;
    assert.ok(written <= accepted, `${written} users written by ${accepted} accepted requests`);
    if (target.service !== 'iam') assert.equal(written, 0);
    const health = await fetch(`${s.endpoint}/_nimbus/health`);
    assert.equal(health.status, 200);
  });
}

test('an oversized body is refused with an AWS error and the server keeps serving', async () => {
  const big = 'Action=ListUsers&Version=2010-05-08&Marker=' + 'a'.repeat(3 * 1024 * 1024);
  const res = await signedSend(TARGETS[0]!, big);
  assert.equal(res.status, 413);
  assert.match(res.body, /<Code>RequestEntityTooLarge<\/Code>/);
  const health = await fetch(`${s.endpoint}/_nimbus/health`);
  assert.equal(health.status, 200);
});
