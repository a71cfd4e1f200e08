/**
 * Authentication failures, through hand-signed requests (the real @smithy/signature-v4 signer) and
 * the real SDK: each gets the error code and HTTP status AWS answers for that service.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.js';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, type TestServer, type Creds } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

interface Req {
  service: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  creds?: Creds;
  date?: Date;
  region?: string;
}

async function sign(r: Req) {
  const url = new URL(s.endpoint);
  const signer = new SignatureV4({ service: r.service, region: r.region ?? 'us-east-1', credentials: r.creds ?? s.root, sha256: Sha256, uriEscapePath: r.service !== 's3', applyChecksum: r.service === 's3' });
  return signer.sign(
    {
      method: r.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: r.path ?? '/',
      query: r.query ?? {},
      headers: { host: url.host, ...(r.headers ?? {}) },
      body: r.body,
    },
    { signingDate: r.date },
  );
}

async function send(signed: { method: string; path: string; query?: any; headers: Record<string, string>; body?: any }, bodyOverride?: string) {
  const qs = new URLSearchParams(signed.query ?? {}).toString();
  const res = await fetch(`${s.endpoint}${signed.path}${qs ? `?${qs}` : ''}`, {
    method: signed.method,
    headers: Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== 'host')),
    body: bodyOverride ?? signed.body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const listUsers = 'Action=ListUsers&Version=2010-05-08';
const describeRegions = 'Action=DescribeRegions&Version=2016-11-15';

function code(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

test('a correctly signed request passes (control)', async () => {
  const r = await send(await sign({ service: 'iam', headers: FORM, body: listUsers }));
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /<ListUsersResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
});

test('wrong secret: IAM SignatureDoesNotMatch 403, EC2 AuthFailure 401, S3 SignatureDoesNotMatch 403', async () => {
  const bad = { accessKeyId: s.root.accessKeyId, secretAccessKey: 'A'.repeat(40) };
  const iam = await send(await sign({ service: 'iam', headers: FORM, body: listUsers, creds: bad }));
  assert.equal(iam.status, 403);
  assert.equal(code(iam.text), 'SignatureDoesNotMatch');
  assert.match(iam.text, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type>/);
  const ec2 = await send(await sign({ service: 'ec2', headers: FORM, body: describeRegions, creds: bad }));
  assert.equal(ec2.status, 401);
  assert.equal(code(ec2.text), 'AuthFailure');
  assert.match(ec2.text, /<Response><Errors><Error>.*<\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>/s);
  const s3 = await send(await sign({ service: 's3', method: 'GET', path: '/', creds: bad }));
  assert.equal(s3.status, 403);
  assert.equal(code(s3.text), 'SignatureDoesNotMatch');
});

test('unknown key: IAM InvalidClientTokenId 403, EC2 AuthFailure 401, S3 InvalidAccessKeyId 403', async () => {
  const unknown = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const iam = await send(await sign({ service: 'iam', headers: FORM, body: listUsers, creds: unknown }));
  assert.equal(iam.status, 403);
  assert.equal(code(iam.text), 'InvalidClientTokenId');
  const ec2 = await send(await sign({ service: 'ec2', headers: FORM, body: describeRegions, creds: unknown }));
  assert.equal(ec2.status, 401);
  assert.equal(code(ec2.text), 'AuthFailure');
  const s3 = await send(await sign({ service: 's3', method: 'GET', path: '/', creds: unknown }));
  assert.equal(s3.status, 403);
  assert.equal(code(s3.text), 'InvalidAccessKeyId');
  // and through the SDK
  await assert.rejects(new STSClient(sdkConfig(s, unknown)).send(new GetCallerIdentityCommand({})), (e: any) => e.name === 'InvalidClientTokenId' && e.$metadata.httpStatusCode === 403);
});

test('a 20-minute-old signature: IAM SignatureDoesNotMatch (expired), EC2 RequestExpired, S3 RequestTimeTooSkewed', async () => {
  const date = new Date(Date.now() - 20 * 60 * 1000);
  const iam = await send(await sign({ service: 'iam', headers: FORM, body: listUsers, date }));
  assert.equal(iam.status, 403);
  assert.equal(code(iam.text), 'SignatureDoesNotMatch');
  assert.match(iam.text, /Signature expired/);
  const ec2 = await send(await sign({ service: 'ec2', headers: FORM, body: describeRegions, date }));
  assert.equal(code(ec2.text), 'RequestExpired');
  assert.equal(ec2.status, 400);
  const s3 = await send(await sign({ service: 's3', method: 'GET', path: '/', date }));
  assert.equal(s3.status, 403);
  assert.equal(code(s3.text), 'RequestTimeTooSkewed');
});

test('a tampered body fails the signature', async () => {
  const signed = await sign({ service: 'iam', headers: FORM, body: listUsers });
  const r = await send(signed, 'Action=ListUsers&Version=2010-05-08&MaxItems=1');
  assert.equal(r.status, 403);
  assert.equal(code(r.text), 'SignatureDoesNotMatch');
});

test('an unsigned request: MissingAuthenticationToken (IAM, told by Version), AWS errors for EC2/STS', async () => {
  const iam = await fetch(s.endpoint + '/', { method: 'POST', headers: FORM, body: listUsers });
  assert.equal(iam.status, 403);
  assert.equal(code(await iam.text()), 'MissingAuthenticationToken');
  const sts = await fetch(s.endpoint + '/?Action=GetCallerIdentity&Version=2011-06-15');
  assert.equal(sts.status, 403);
  assert.equal(code(await sts.text()), 'MissingAuthenticationToken');
  // EC2 names the missing query-auth parameter rather than a missing token.
  const ec2 = await fetch(s.endpoint + '/', { method: 'POST', headers: FORM, body: describeRegions });
  assert.equal(ec2.status, 400);
  const ec2Text = await ec2.text();
  assert.equal(code(ec2Text), 'MissingParameter');
  assert.match(ec2Text, /AWSAccessKeyId/);
});

test('an incomplete Authorization header: IncompleteSignature 400', async () => {
  const r = await fetch(s.endpoint + '/', {
    method: 'POST',
    headers: { ...FORM, authorization: `AWS4-HMAC-SHA256 Credential=${s.root.accessKeyId}/20260101/us-east-1/iam/aws4_request`, 'x-amz-date': '20260101T000000Z' },
    body: listUsers,
  });
  assert.equal(r.status, 400);
  assert.equal(code(await r.text()), 'IncompleteSignature');
});

test('an undetectable request gets a clear error, not a default service', async () => {
  const r = await fetch(s.endpoint + '/whatever', { method: 'POST', body: 'hello' });
  assert.equal(r.status, 400);
  const text = await r.text();
  assert.equal(code(text), 'UnknownService');
  assert.match(text, /could not tell which AWS service/);
});

test('malformed and unknown queries get AWS errors', async () => {
  const unknownAction = await send(await sign({ service: 'iam', headers: FORM, body: 'Action=FlyToTheMoon&Version=2010-05-08' }));
  assert.equal(unknownAction.status, 400);
  assert.equal(code(unknownAction.text), 'InvalidAction');
  const badInt = await send(await sign({ service: 'iam', headers: FORM, body: 'Action=ListUsers&Version=2010-05-08&MaxItems=lots' }));
  assert.equal(badInt.status, 400);
  assert.ok(['ValidationError', 'MalformedQueryString', 'InvalidParameterValue'].includes(code(badInt.text)!), badInt.text);
  // AWS documents MalformedQueryString with HTTP 404.
  const badEncoding = await send(await sign({ service: 'iam', headers: FORM, body: 'Action=ListUsers&Version=2010-05-08&Marker=%zz' }));
  assert.equal(badEncoding.status, 404);
  assert.equal(code(badEncoding.text), 'MalformedQueryString');
});

test('an operation in the model but not implemented answers NotImplemented naming it', async () => {
  const control = await new IAMClient(sdkConfig(s)).send(new ListUsersCommand({ MaxItems: 5 }));
  assert.equal(control.IsTruncated, false);
  const r = await send(await sign({ service: 'iam', headers: FORM, body: 'Action=ListOrganizationsFeatures&Version=2010-05-08' }));
  assert.equal(r.status, 501);
  assert.equal(code(r.text), 'NotImplemented');
  assert.match(r.text, /ListOrganizationsFeatures/);
});

test('GET /_nimbus/health answers', async () => {
  const r = await fetch(s.endpoint + '/_nimbus/health');
  assert.equal(r.status, 200);
  assert.equal((await r.json()).status, 'ok');
});
