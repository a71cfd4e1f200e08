/**
 * aws-chunked bodies: AWS's documented signed example, a real @aws-sdk/client-s3 PutObject
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER, captured without a network), signed trailers, flexible
 * checksums against the SDK's own implementations, and malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AuthFailure, type SignedRequest } from '../../src/auth/types.js';
import { ServiceError } from '../../src/gateway/errors.js';
import { chunkSigningContext, parseAuth, streamingModeOf, verifySignature } from '../../src/auth/sigv4.js';
import { authErrorFor } from '../../src/auth/errors.js';
import { checksumAlgorithmOf, computeChecksum, crc32, crc32c, crc64nvme, decodeAwsChunked, verifyChecksum, type ChecksumAlgorithm, type ChunkSigning } from '../../src/auth/chunked.js';

const hex = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();

function expectService(fn: () => unknown, code: string, message?: string): ServiceError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ServiceError, `expected ServiceError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.equal(caught.message, message);
  return caught;
}

function expectSignatureFailure(fn: () => unknown): AuthFailure {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AuthFailure && caught.kind === 'signature', `expected AuthFailure(signature), got ${String(caught)}`);
  return caught;
}

// ---------------------------------------------------------------------------------------------
// AWS's example: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// ---------------------------------------------------------------------------------------------

const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const SIG1 = 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648';
const SIG2 = '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497';
const SIG3 = 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9';

const exampleRequest: SignedRequest = {
  method: 'PUT',
  path: '/examplebucket/chunkObject.txt',
  rawQuery: '',
  headers: {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${SEED}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  },
};

function exampleBody(sig1 = SIG1, sig2 = SIG2, sig3 = SIG3, tail = '\r\n'): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${sig1}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${sig2}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n0;chunk-signature=${sig3}\r\n${tail}`),
  ]);
}

function exampleSigning(): ChunkSigning {
  const info = parseAuth(exampleRequest)!;
  verifySignature(exampleRequest, info, EXAMPLE_SECRET, { now: new Date('2013-05-24T00:00:00Z') });
  return chunkSigningContext(info, EXAMPLE_SECRET);
}

test('AWS example: the seed request verifies and the chunks decode and verify', () => {
  const signing = exampleSigning();
  assert.equal(signing.seedSignature, SEED);
  assert.equal(signing.scope, '20130524/us-east-1/s3/aws4_request');
  assert.equal(streamingModeOf(exampleRequest.headers['x-amz-content-sha256']), 'signed');
  const body = exampleBody();
  assert.equal(body.length, 66824); // the example's Content-Length
  const out = decodeAwsChunked(body, { mode: 'signed', signing, headers: exampleRequest.headers });
  assert.equal(out.payload.length, 66560);
  assert.ok(out.payload.equals(Buffer.alloc(66560, 'a')));
  assert.deepEqual(out.trailers, {});
  // Lenient on a missing final CRLF.
  assert.equal(decodeAwsChunked(exampleBody(SIG1, SIG2, SIG3, ''), { mode: 'signed', signing }).payload.length, 66560);
});

test('AWS example: any tampering breaks the chain', () => {
  const signing = exampleSigning();
  const body = exampleBody();
  const flipped = Buffer.from(body);
  flipped[200] = 'b'.charCodeAt(0);
  const f = expectSignatureFailure(() => decodeAwsChunked(flipped, { mode: 'signed', signing }));
  assert.equal(f.detail['reason'], 'chunk-signature');
  assert.match(f.detail['stringToSign']!, new RegExp(`^AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n${SEED}\ne3b0c442`));
  assert.equal(authErrorFor('s3', f).code, 'SignatureDoesNotMatch');
  expectSignatureFailure(() => decodeAwsChunked(exampleBody(SIG1, SIG2, SIG3.replace('b6', 'b7')), { mode: 'signed', signing }));
  // Chunks swapped into another order do not verify either.
  expectSignatureFailure(() => decodeAwsChunked(exampleBody(SIG2, SIG1), { mode: 'signed', signing }));
  // A different seed (another request's signature) does not verify.
  expectSignatureFailure(() => decodeAwsChunked(body, { mode: 'signed', signing: { ...signing, seedSignature: SIG3 } }));
  // Missing chunk signature in signed mode.
  const unsignedFraming = Buffer.concat([Buffer.from('400\r\n'), Buffer.alloc(1024, 'a'), Buffer.from('\r\n0\r\n\r\n')]);
  expectSignatureFailure(() => decodeAwsChunked(unsignedFraming, { mode: 'signed', signing }));
});

test('AWS example: framing errors answer S3 errors, never hang', () => {
  const signing = exampleSigning();
  const body = exampleBody();
  expectService(() => decodeAwsChunked(body.subarray(0, 60000), { mode: 'signed', signing }), 'IncompleteBody', 'The request body terminated unexpectedly');
  expectService(() => decodeAwsChunked(body.subarray(0, 30), { mode: 'signed', signing }), 'IncompleteBody');
  expectService(() => decodeAwsChunked(body.subarray(0, 65536 + 87 + 2), { mode: 'signed', signing }), 'IncompleteBody'); // no final chunk
  const e = expectService(
    () => decodeAwsChunked(body, { mode: 'signed', signing, headers: { 'x-amz-decoded-content-length': '66561' } }),
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
  );
  assert.deepEqual(e.fields, { NumberBytesExpected: '66561', NumberBytesProvided: 66560 });
  expectService(() => decodeAwsChunked(body, { mode: 'signed', signing, maxChunkSize: 1024 }), 'InvalidRequest');
  expectService(() => decodeAwsChunked(Buffer.from('zz;chunk-signature=abc\r\n'), { mode: 'signed', signing }), 'InvalidRequest');
  expectService(() => decodeAwsChunked(Buffer.from('ffffffffff\r\n'), { mode: 'unsigned-trailer' }), 'InvalidRequest');
  expectService(() => decodeAwsChunked(Buffer.alloc(10000, 'a'), { mode: 'unsigned-trailer' }), 'InvalidRequest');
  expectService(() => decodeAwsChunked(Buffer.from('3\r\nabcXY0\r\n\r\n'), { mode: 'unsigned-trailer' }), 'InvalidRequest');
  expectService(() => decodeAwsChunked(Buffer.from('0\r\n\r\nextra'), { mode: 'unsigned-trailer' }), 'InvalidRequest');
  assert.throws(() => decodeAwsChunked(body, { mode: 'signed' }), TypeError);
});

test('random bytes never crash the decoder with anything but its own errors', () => {
  for (let i = 0; i < 300; i++) {
    const junk = i % 2 ? randomBytes(1 + (i % 97)) : Buffer.from(`${(i * 7919).toString(16)}\r\n${'x'.repeat(i % 13)}\r\n0\r\n${i % 3 ? 'x-amz-checksum-crc32:AAAAAA==\r\n' : ''}\r\n`);
    try {
      decodeAwsChunked(junk, { mode: 'unsigned-trailer', headers: { 'x-amz-trailer': 'x-amz-checksum-crc32' } });
    } catch (e) {
      assert.ok(e instanceof ServiceError || e instanceof AuthFailure, String(e));
    }
  }
});

// ---------------------------------------------------------------------------------------------
// STREAMING-UNSIGNED-PAYLOAD-TRAILER from the real JS SDK v3
// ---------------------------------------------------------------------------------------------

async function capturePutObject(chunks: Buffer[]): Promise<{ req: SignedRequest; body: Buffer }> {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  let captured: { req: SignedRequest; body: Buffer } | undefined;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:4566',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: EXAMPLE_SECRET },
    requestHandler: {
      handle: async (r: { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: AsyncIterable<Uint8Array> }) => {
        const parts: Buffer[] = [];
        for await (const c of r.body) parts.push(Buffer.from(c));
        const rawQuery = Object.entries(r.query ?? {})
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .join('&');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
        captured = { req: { method: r.method, path: r.path, rawQuery, headers }, body: Buffer.concat(parts) };
        return { response: { statusCode: 200, headers: { etag: '"0"' }, body: Readable.from([]) } };
      },
    } as never,
  });
  const total = chunks.reduce((n, c) => n + c.length, 0);
  await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/a b+c.txt', Body: Readable.from(chunks), ContentLength: total }));
  client.destroy();
  assert.ok(captured);
  return captured;
}

test('real @aws-sdk/client-s3 PutObject stream: signature verifies, body decodes, CRC32 trailer checks', async () => {
  const data = [Buffer.alloc(70000, 'x'), randomBytes(3000), Buffer.from('tail')];
  const { req, body } = await capturePutObject(data);
  const info = parseAuth(req)!;
  assert.equal(info.contentSha256, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
  verifySignature(req, info, EXAMPLE_SECRET, { now: info.requestTime });
  assert.equal(req.path, '/bucket/dir/a%20b%2Bc.txt');
  const mode = streamingModeOf(info.contentSha256);
  assert.equal(mode, 'unsigned-trailer');
  const out = decodeAwsChunked(body, { mode: mode!, headers: req.headers });
  assert.ok(out.payload.equals(Buffer.concat(data)));
  assert.deepEqual(Object.keys(out.trailers), ['x-amz-checksum-crc32']);
  assert.deepEqual(out.checksum, { algorithm: 'crc32', value: computeChecksum('crc32', Buffer.concat(data)) });

  // A corrupted byte is caught by the trailing checksum.
  const bad = Buffer.from(body);
  bad[100] ^= 1;
  expectService(() => decodeAwsChunked(bad, { mode: 'unsigned-trailer', headers: req.headers }), 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  // The declared trailer must be present.
  const noTrailer = Buffer.from(body.toString('latin1').replace(/x-amz-checksum-crc32:[^\r]*\r\n/, ''), 'latin1');
  expectService(
    () => decodeAwsChunked(noTrailer, { mode: 'unsigned-trailer', headers: req.headers }),
    'MalformedTrailerError',
    'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  );
});

// ---------------------------------------------------------------------------------------------
// Signed trailers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), built with an independent signer
// ---------------------------------------------------------------------------------------------

function signingKey(secret: string, date: string): Buffer {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), 'us-east-1'), 's3'), 'aws4_request');
}

function buildSignedTrailerBody(chunks: Buffer[], trailerName: string, trailerValue: string, seed: string, opts: { badTrailerSig?: boolean } = {}): Buffer {
  const key = signingKey(EXAMPLE_SECRET, '20240501');
  const head = `20240501T100000Z\n20240501/us-east-1/s3/aws4_request\n`;
  const out: Buffer[] = [];
  let prev = seed;
  for (const c of [...chunks, Buffer.alloc(0)]) {
    const sig = hmac(key, `AWS4-HMAC-SHA256-PAYLOAD\n${head}${prev}\n${hex('')}\n${hex(c)}`).toString('hex');
    out.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), c);
    if (c.length > 0) out.push(Buffer.from('\r\n'));
    prev = sig;
  }
  const canonical = `${trailerName}:${trailerValue}\n`;
  let tsig = hmac(key, `AWS4-HMAC-SHA256-TRAILER\n${head}${prev}\n${hex(canonical)}`).toString('hex');
  if (opts.badTrailerSig) tsig = tsig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  out.push(Buffer.from(`${trailerName}:${trailerValue}\r\nx-amz-trailer-signature:${tsig}\r\n\r\n`));
  return Buffer.concat(out);
}

test('signed trailer: chunk chain plus trailer signature verify; tampering fails', () => {
  const seed = 'a'.repeat(64);
  const signing: ChunkSigning = { signingKey: signingKey(EXAMPLE_SECRET, '20240501'), amzDate: '20240501T100000Z', scope: '20240501/us-east-1/s3/aws4_request', seedSignature: seed };
  const chunks = [Buffer.alloc(8192, 'q'), Buffer.from('end')];
  const payload = Buffer.concat(chunks);
  const sha256b64 = computeChecksum('sha256', payload);
  const body = buildSignedTrailerBody(chunks, 'x-amz-checksum-sha256', sha256b64, seed);
  const headers = { 'x-amz-trailer': 'x-amz-checksum-sha256', 'x-amz-decoded-content-length': String(payload.length) };
  const out = decodeAwsChunked(body, { mode: 'signed-trailer', signing, headers });
  assert.ok(out.payload.equals(payload));
  assert.deepEqual(out.trailers, { 'x-amz-checksum-sha256': sha256b64 });
  assert.equal(out.checksum?.algorithm, 'sha256');
  // Wrong trailer signature.
  expectSignatureFailure(() => decodeAwsChunked(buildSignedTrailerBody(chunks, 'x-amz-checksum-sha256', sha256b64, seed, { badTrailerSig: true }), { mode: 'signed-trailer', signing, headers }));
  // Trailer value changed after signing.
  const other = computeChecksum('sha256', Buffer.from('other'));
  const swapped = Buffer.from(body.toString('latin1').replace(sha256b64, other), 'latin1');
  expectSignatureFailure(() => decodeAwsChunked(swapped, { mode: 'signed-trailer', signing, headers }));
  // Correctly signed but wrong checksum: BadDigest.
  const wrongSum = buildSignedTrailerBody(chunks, 'x-amz-checksum-sha256', other, seed);
  expectService(() => decodeAwsChunked(wrongSum, { mode: 'signed-trailer', signing, headers }), 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  // A trailer in plain signed mode is malformed.
  expectService(() => decodeAwsChunked(body, { mode: 'signed', signing }), 'MalformedTrailerError');
});

// ---------------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------------

test('checksums: standard check values', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32c(check), 0xe3069283);
  assert.equal(crc64nvme(check).toString('hex'), 'ae8b14860a799888');
  assert.equal(crc32(Buffer.alloc(0)), 0);
  assert.equal(computeChecksum('sha1', Buffer.from('abc')), createHash('sha1').update('abc').digest('base64'));
  assert.equal(checksumAlgorithmOf('X-Amz-Checksum-CRC64NVME'), 'crc64nvme');
  assert.equal(checksumAlgorithmOf('x-amz-checksum-md5'), undefined);
  assert.equal(checksumAlgorithmOf('content-md5'), undefined);
});

test('checksums agree with the AWS SDK implementations', async (t) => {
  let mod: { Crc32: new () => Oracle; Crc32c: new () => Oracle; Crc64Nvme: new () => Oracle };
  interface Oracle {
    update(d: Uint8Array): void;
    digest(): Promise<Uint8Array>;
  }
  try {
    mod = (await import('@aws-sdk/checksums/crc' as string)) as typeof mod;
  } catch {
    t.skip('@aws-sdk/checksums not installed');
    return;
  }
  const pairs: Array<[ChecksumAlgorithm, new () => Oracle]> = [
    ['crc32', mod.Crc32],
    ['crc32c', mod.Crc32c],
    ['crc64nvme', mod.Crc64Nvme],
  ];
  for (const len of [0, 1, 7, 8, 9, 255, 4096, 100_003]) {
    const data = randomBytes(len);
    for (const [alg, Ctor] of pairs) {
      const o = new Ctor();
      o.update(data);
      assert.equal(computeChecksum(alg, data), Buffer.from(await o.digest()).toString('base64'), `${alg} len ${len}`);
    }
  }
});

test('verifyChecksum: BadDigest and InvalidRequest as S3 answers', () => {
  const data = Buffer.from('hello\n');
  verifyChecksum('crc32', 'NjowIA==', data); // value AWS computes for "hello\n"
  expectService(() => verifyChecksum('crc32', 'AAAAAA==', data), 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  expectService(() => verifyChecksum('crc32c', computeChecksum('crc32', data), data), 'BadDigest', 'The CRC32C you specified did not match the calculated checksum.');
  expectService(() => verifyChecksum('crc64nvme', 'AAAAAAAAAAA=', data), 'BadDigest', 'The CRC64NVME you specified did not match the calculated checksum.');
  expectService(() => verifyChecksum('crc32', 'not base64!', data), 'InvalidRequest', 'Value for x-amz-checksum-crc32 header is invalid.');
  expectService(() => verifyChecksum('sha256', 'NjowIA==', data, 'trailing header'), 'InvalidRequest', 'Value for x-amz-checksum-sha256 trailing header is invalid.');
});
