/**
 * S3 payload integrity declared in plain headers (Content-MD5, x-amz-checksum-*), as boto3 and the
 * AWS CLI send over http: checked in the pipeline before any handler sees the body.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.js';
import { startTestServer, runBoto3, requireClient, type TestServer } from './harness.js';
import { computeChecksum } from '../../src/auth/chunked.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

async function put(body: string, extra: Record<string, string>) {
  const url = new URL(s.endpoint);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: s.root, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const req = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/bucket/key.txt',
    query: {},
    headers: { host: url.host, 'content-type': 'text/plain', ...extra },
    body,
  });
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
  const res = await fetch(`${s.endpoint}/bucket/key.txt`, { method: 'PUT', headers, body });
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], text };
}

const body = 'hello, integrity';
const crc = computeChecksum('crc32', Buffer.from(body));
const md5 = createHash('md5').update(body).digest('base64');

test('correct Content-MD5 and x-amz-checksum-crc32 pass to the operation', async () => {
  const r = await put(body, { 'content-md5': md5, 'x-amz-checksum-crc32': crc, 'x-amz-sdk-checksum-algorithm': 'CRC32' });
  assert.equal(r.status, 501, r.text);
  assert.match(r.text, /PutObject/);
});

test('a wrong x-amz-checksum-crc32 header: BadDigest 400', async () => {
  const r = await put(body, { 'x-amz-checksum-crc32': computeChecksum('crc32', Buffer.from('other')) });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'BadDigest');
});

test('a malformed checksum value: InvalidRequest 400', async () => {
  const r = await put(body, { 'x-amz-checksum-sha256': 'not-base64!' });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
});

test('Content-MD5: mismatch BadDigest, malformed InvalidDigest', async () => {
  const wrong = await put(body, { 'content-md5': createHash('md5').update('x').digest('base64') });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.code, 'BadDigest');
  const bad = await put(body, { 'content-md5': 'abc' });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidDigest');
});

test('boto3 put_object with its default header checksum reaches the operation', async (t) => {
  if (!requireClient(t, 'boto3')) return;
  const r = await runBoto3(
    s,
    `
s3 = boto3.client('s3', endpoint_url=ENDPOINT, region_name='us-east-1', config=botocore.config.Config(s3={'addressing_style': 'path'}))
try:
    s3.put_object(Bucket='bucket', Key='k', Body=b'x' * 5000, ContentMD5=${JSON.stringify(createHash('md5').update('x'.repeat(5000)).digest('base64'))})
    print(json.dumps({'code': None}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'code': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}))
`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.json, { code: 'NotImplemented', status: 501 });
});
