/**
 * SigV4 verifier: parsing (AWS's error wording), real-signer round trips with
 * @smithy/signature-v4 (the signer every JS SDK v3 client uses), tampering, clock edges, the
 * signing-key cache, and the per-service error rendering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthFailure, type AuthInfo, type SignedRequest } from '../../src/auth/types.js';
import {
  EMPTY_SHA256,
  MAX_SKEW_MS,
  canonicalQueryString,
  checkCredentialScope,
  checkPayloadHash,
  clearSigningKeyCache,
  deriveSigningKey,
  normalizedCanonicalUri,
  parseAuth,
  signaturesEqual,
  signingKeyCacheStats,
  streamingModeOf,
  uriEncode,
  verifySignature,
} from '../../src/auth/sigv4.js';
import { authErrorFor, authFamilyOf, missingAuth, tokenExpired, unknownAccessKey } from '../../src/auth/errors.js';

// --- a Checksum implementation for the smithy signer, on node:crypto -------------------------
class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret !== undefined ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const T0 = new Date('2024-05-01T10:00:00Z');

interface SmithyRequest {
  method: string;
  protocol: string;
  hostname: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function signer(service: string, opts: { region?: string; s3?: boolean; sessionToken?: string; secret?: string } = {}): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: opts.secret ?? SECRET, ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}) },
    region: opts.region ?? 'us-east-1',
    service,
    sha256: Sha256 as never,
    uriEscapePath: !opts.s3,
    applyChecksum: !!opts.s3,
  });
}

/** The wire query string the SDK's HTTP handler builds from request.query. */
function wireQuery(q: Record<string, string | string[]> | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const k of Object.keys(q).sort()) {
    const v = q[k]!;
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${uriEncode(k)}=${uriEncode(one)}`);
  }
  return parts.join('&');
}

function toSigned(r: SmithyRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = String(v);
  return { method: r.method, path: r.path, rawQuery: wireQuery(r.query), headers };
}

async function signHeader(service: string, req: SmithyRequest, opts: Parameters<typeof signer>[1] & { at?: Date } = {}): Promise<SignedRequest> {
  const signed = (await signer(service, opts).sign(req as never, { signingDate: opts.at ?? T0 })) as unknown as SmithyRequest;
  return toSigned(signed);
}

async function presign(service: string, req: SmithyRequest, expiresIn: number, opts: Parameters<typeof signer>[1] & { at?: Date } = {}): Promise<SignedRequest> {
  const signed = (await signer(service, opts).presign(req as never, { signingDate: opts.at ?? T0, expiresIn })) as unknown as SmithyRequest;
  return toSigned(signed);
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function iamRequest(body = 'Action=ListUsers&Version=2010-05-08'): SmithyRequest {
  return {
    method: 'POST',
    protocol: 'https:',
    hostname: 'iam.amazonaws.com',
    path: '/',
    headers: { host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) },
    body,
  };
}

function expectFailure(fn: () => unknown, kind: AuthFailure['kind'], message?: string | RegExp): AuthFailure {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AuthFailure, `expected AuthFailure(${kind}), got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

function verify(req: SignedRequest, opts: { now?: Date; payloadHash?: string; s3Style?: boolean; secret?: string } = {}): AuthInfo {
  const info = parseAuth(req);
  assert.ok(info, 'expected SigV4');
  verifySignature(req, info, opts.secret ?? SECRET, { now: opts.now ?? T0, ...(opts.payloadHash !== undefined ? { payloadHash: opts.payloadHash } : {}), ...(opts.s3Style !== undefined ? { s3Style: opts.s3Style } : {}) });
  return info;
}

// ---------------------------------------------------------------------------------------------
// parseAuth
// ---------------------------------------------------------------------------------------------

const baseHeaders = { host: 'iam.amazonaws.com', 'x-amz-date': '20150830T123600Z' };
const goodAuthz =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';

function req(headers: Record<string, string>, rawQuery = '', path = '/'): SignedRequest {
  return { method: 'GET', path, rawQuery, headers };
}

test('parseAuth: no Authorization header and no X-Amz-Algorithm is anonymous', () => {
  assert.equal(parseAuth(req({ host: 'h' })), undefined);
  assert.equal(parseAuth(req({ host: 'h' }, 'X-Amz-Date=20150830T123600Z&foo=bar')), undefined);
});

test('parseAuth: header form, scope and fields', () => {
  const info = parseAuth(req({ ...baseHeaders, authorization: goodAuthz, 'x-amz-security-token': 'TOKEN', 'x-amz-content-sha256': EMPTY_SHA256 }))!;
  assert.equal(info.form, 'header');
  assert.equal(info.accessKeyId, 'AKIDEXAMPLE');
  assert.equal(info.date, '20150830');
  assert.equal(info.region, 'us-east-1');
  assert.equal(info.service, 'iam');
  assert.deepEqual(info.signedHeaders, ['host', 'x-amz-date']);
  assert.equal(info.signature, '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.equal(info.requestTime.toISOString(), '2015-08-30T12:36:00.000Z');
  assert.equal(info.sessionToken, 'TOKEN');
  assert.equal(info.contentSha256, EMPTY_SHA256);
  assert.equal(info.expiresSeconds, undefined);
});

test('parseAuth: commas and whitespace are flexible (no spaces, tabs, extra commas)', () => {
  for (const authz of [
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,SignedHeaders=host;x-amz-date,Signature=abc',
    'AWS4-HMAC-SHA256   Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request ,\tSignedHeaders=host;x-amz-date,,  Signature=abc  ',
    'AWS4-HMAC-SHA256 Signature=abc SignedHeaders=host;x-amz-date Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request',
  ]) {
    const info = parseAuth(req({ ...baseHeaders, authorization: authz }))!;
    assert.equal(info.signature, 'abc', authz);
    assert.deepEqual(info.signedHeaders, ['host', 'x-amz-date']);
  }
});

test('parseAuth: missing parameters answer AWS IncompleteSignature wording', () => {
  const authz = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request';
  expectFailure(
    () => parseAuth(req({ ...baseHeaders, authorization: authz })),
    'incomplete',
    `Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${authz}`,
  );
  expectFailure(
    () => parseAuth(req({ host: 'h', authorization: 'AWS4-HMAC-SHA256 ' })),
    'incomplete',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 ",
  );
});

test('parseAuth: SigV2 and other schemes are a clear failure', () => {
  const f = expectFailure(
    () => parseAuth(req({ host: 'h', date: 'Mon, 09 Sep 2011 23:36:00 GMT', authorization: 'AWS AKIAI2HBJEUM7LRSTWOQ:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=' })),
    'incomplete',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKIAI2HBJEUM7LRSTWOQ:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=",
  );
  assert.equal(f.detail['reason'], 'unsupported-algorithm');
  const s3 = authErrorFor('s3', f);
  assert.equal(s3.code, 'InvalidRequest');
  assert.equal(s3.message, 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  assert.equal(s3.status, 400);
  assert.equal(authErrorFor('iam', f).code, 'IncompleteSignature');
  expectFailure(() => parseAuth(req({ ...baseHeaders, authorization: 'Bearer abc' })), 'incomplete', /^Authorization header requires 'Credential' parameter/);
});

test('parseAuth: a part without = names the part and the header', () => {
  const authz = 'AWS4-HMAC-SHA256 Credential=AKIAXXXXXXXXXX /20150620/us-east-1/cloudformation/aws4_request, SignedHeaders=host;x-amz-date, Signature=240c';
  expectFailure(
    () => parseAuth(req({ ...baseHeaders, authorization: authz })),
    'incomplete',
    `'/20150620/us-east-1/cloudformation/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${authz}'.`,
  );
});

test('parseAuth: malformed credential scopes', () => {
  const mk = (cred: string) => `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host;x-amz-date, Signature=abc`;
  const f = expectFailure(
    () => parseAuth(req({ ...baseHeaders, authorization: mk('AKID/20150830/us-east-1/iam') })),
    'incomplete',
    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20150830/us-east-1/iam'",
  );
  assert.equal(authErrorFor('s3', f).code, 'AuthorizationHeaderMalformed');
  expectFailure(
    () => parseAuth(req({ ...baseHeaders, authorization: mk('AKID/20150830/us-east-1/iam/aws4_req') })),
    'signature',
    "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_req'. ",
  );
  const d = expectFailure(
    () => parseAuth(req({ ...baseHeaders, authorization: mk('AKID/20150831/us-east-1/iam/aws4_request') })),
    'signature',
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
  );
  const s3 = authErrorFor('s3', d);
  assert.equal(s3.code, 'AuthorizationHeaderMalformed');
  assert.equal(s3.message, 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.');
});

test('parseAuth: host must be signed', () => {
  const authz = 'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=abc';
  expectFailure(() => parseAuth(req({ ...baseHeaders, authorization: authz })), 'incomplete', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
});

test('parseAuth: dates (x-amz-date, Date fallback, malformed)', () => {
  const authz = goodAuthz;
  expectFailure(() => parseAuth(req({ host: 'h', 'x-amz-date': '2015-08-30T12:36:00Z', authorization: authz })), 'malformed-date', /ISO-8601 'basic format'/);
  expectFailure(() => parseAuth(req({ host: 'h', 'x-amz-date': '20151330T123600Z', authorization: authz })), 'malformed-date');
  const info = parseAuth(req({ host: 'h', date: 'Sun, 30 Aug 2015 12:36:00 GMT', authorization: authz }))!;
  assert.equal(info.requestTime.toISOString(), '2015-08-30T12:36:00.000Z');
  expectFailure(() => parseAuth(req({ host: 'h', date: 'yesterday-ish', authorization: authz })), 'malformed-date');
  const f = expectFailure(() => parseAuth(req({ host: 'h', date: 'nope', authorization: authz })), 'malformed-date');
  assert.equal(authErrorFor('s3', f).message, 'AWS authentication requires a valid Date or x-amz-date header');
});

test('parseAuth: presigned query form', () => {
  const q =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Security-Token=TOK%2Bv&X-Amz-Signature=abcdef&x-id=GetObject';
  const info = parseAuth(req({ host: 'b.s3.amazonaws.com' }, q, '/key'))!;
  assert.equal(info.form, 'query');
  assert.equal(info.accessKeyId, 'AKID');
  assert.equal(info.service, 's3');
  assert.equal(info.expiresSeconds, 86400);
  assert.equal(info.sessionToken, 'TOK+v');
  assert.equal(info.signature, 'abcdef');
  assert.equal(info.contentSha256, 'UNSIGNED-PAYLOAD');
  assert.deepEqual(info.signedHeaders, ['host']);
});

test('parseAuth: presigned parameter errors', () => {
  const base = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc';
  const h = { host: 'b.s3.amazonaws.com' };
  const missing = expectFailure(() => parseAuth(req(h, base)), 'incomplete'); // S3 requires X-Amz-Expires
  const e = authErrorFor('s3', missing);
  assert.equal(e.code, 'AuthorizationQueryParametersError');
  assert.equal(
    e.message,
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  );
  const week = expectFailure(() => parseAuth(req(h, base + '&X-Amz-Expires=604801')), 'incomplete', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  assert.equal(authErrorFor('s3', week).code, 'AuthorizationQueryParametersError');
  assert.ok(parseAuth(req(h, base + '&X-Amz-Expires=604800')));
  assert.ok(parseAuth(req(h, base + '&X-Amz-Expires=1')));
  expectFailure(() => parseAuth(req(h, base + '&X-Amz-Expires=0')), 'incomplete');
  expectFailure(() => parseAuth(req(h, base + '&X-Amz-Expires=-5')), 'incomplete', 'X-Amz-Expires must be non-negative');
  expectFailure(() => parseAuth(req(h, base + '&X-Amz-Expires=soon')), 'incomplete', 'X-Amz-Expires should be a number');
  expectFailure(() => parseAuth(req(h, base.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256') + '&X-Amz-Expires=60')), 'incomplete', /only supports "AWS4-HMAC-SHA256"/);
  // Non-S3: X-Amz-Expires optional, other params required (API Gateway / STS wording).
  const sts = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host';
  expectFailure(() => parseAuth(req({ host: 'sts.amazonaws.com' }, sts)), 'incomplete', /^AWS query-string parameters must include 'X-Amz-Algorithm'/);
  assert.ok(parseAuth(req({ host: 'sts.amazonaws.com' }, sts + '&X-Amz-Signature=abc')));
  // Both mechanisms at once.
  const both = expectFailure(() => parseAuth(req({ ...h, authorization: goodAuthz }, base + '&X-Amz-Expires=60')), 'incomplete', /^Only one auth mechanism allowed/);
  assert.equal(authErrorFor('s3', both).code, 'InvalidArgument');
});

// ---------------------------------------------------------------------------------------------
// Canonicalisation helpers
// ---------------------------------------------------------------------------------------------

test('canonical query: sorted by encoded key then value, RFC 3986, X-Amz-Signature dropped when presigned', () => {
  assert.equal(canonicalQueryString('b=2&a=1&a=0&c', false), 'a=0&a=1&b=2&c=');
  assert.equal(canonicalQueryString('k=a+b&s=a%20b&t=%7e!*', false), 'k=a%2Bb&s=a%20b&t=~%21%2A');
  assert.equal(canonicalQueryString('X-Amz-Signature=x&a=1', true), 'a=1');
  assert.equal(canonicalQueryString('X-Amz-Signature=x&a=1', false), 'X-Amz-Signature=x&a=1');
  assert.equal(canonicalQueryString('bad=%zz', false), 'bad=%25zz');
  // Upper-case keys sort before lower-case ones (byte order).
  assert.equal(canonicalQueryString('a=1&B=2', false), 'B=2&a=1');
});

test('canonical URI for non-S3 services: normalised, each segment encoded again', () => {
  assert.equal(normalizedCanonicalUri(''), '/');
  assert.equal(normalizedCanonicalUri('/a/./b/../c//d/'), '/a/c/d/');
  assert.equal(normalizedCanonicalUri('/foo%20bar/x'), '/foo%2520bar/x');
  assert.equal(normalizedCanonicalUri('/../..'), '/');
});

// ---------------------------------------------------------------------------------------------
// Round trips with the real signer
// ---------------------------------------------------------------------------------------------

test('real signer: IAM query POST verifies; every tampering is rejected', async () => {
  const body = 'Action=ListUsers&Version=2010-05-08';
  const signed = await signHeader('iam', iamRequest(body));
  verify(signed, { payloadHash: sha(body) });

  expectFailure(() => verify(signed, { payloadHash: sha(body + 'x') }), 'signature'); // body
  expectFailure(() => verify({ ...signed, headers: { ...signed.headers, 'content-type': 'text/plain' } }, { payloadHash: sha(body) }), 'signature'); // signed header
  expectFailure(() => verify({ ...signed, path: '/x' }, { payloadHash: sha(body) }), 'signature'); // path
  expectFailure(() => verify({ ...signed, rawQuery: 'a=1' }, { payloadHash: sha(body) }), 'signature'); // query
  expectFailure(() => verify({ ...signed, method: 'PUT' }, { payloadHash: sha(body) }), 'signature'); // method
  expectFailure(() => verify(signed, { payloadHash: sha(body), secret: SECRET.replace('K', 'k') }), 'signature'); // wrong secret
  const later = formatBasic(new Date(T0.getTime() + 1000));
  expectFailure(() => verify({ ...signed, headers: { ...signed.headers, 'x-amz-date': later } }, { payloadHash: sha(body) }), 'signature'); // date
  // An unsigned header may change freely.
  verify({ ...signed, headers: { ...signed.headers, 'user-agent': 'other' } }, { payloadHash: sha(body) });
});

function formatBasic(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

test('real signer: the mismatch detail carries the canonical request and string to sign', async () => {
  const signed = await signHeader('iam', iamRequest());
  const f = expectFailure(() => verify(signed, { payloadHash: EMPTY_SHA256 }), 'signature');
  assert.match(f.detail['canonicalRequest']!, /^POST\n\/\n\ncontent-length:\d+\ncontent-type:application\/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n/);
  assert.match(f.detail['stringToSign']!, /^AWS4-HMAC-SHA256\n20240501T100000Z\n20240501\/us-east-1\/iam\/aws4_request\n[0-9a-f]{64}$/);
  const e = authErrorFor('iam', f);
  assert.equal(e.code, 'SignatureDoesNotMatch');
  assert.equal(e.status, 403);
  assert.equal(
    e.message,
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
  const s3 = authErrorFor('s3', f);
  assert.equal(s3.message, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  assert.deepEqual(Object.keys(s3.fields), ['AWSAccessKeyId', 'StringToSign', 'SignatureProvided', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes']);
  assert.equal(s3.fields['AWSAccessKeyId'], AKID);
  assert.equal(String(s3.fields['StringToSignBytes']).slice(0, 11), '41 57 53 34');
});

test('real signer: session token is signed and surfaced', async () => {
  const signed = await signHeader('sts', { ...iamRequest('Action=GetCallerIdentity&Version=2011-06-15'), hostname: 'sts.amazonaws.com', headers: { host: 'sts.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded' } }, { sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
  const info = verify(signed, { payloadHash: sha('Action=GetCallerIdentity&Version=2011-06-15') });
  assert.equal(info.sessionToken, 'FwoGZXIvYXdzEXAMPLE');
  assert.ok(info.signedHeaders.includes('x-amz-security-token'));
  expectFailure(
    () => verify({ ...signed, headers: { ...signed.headers, 'x-amz-security-token': 'other' } }, { payloadHash: sha('Action=GetCallerIdentity&Version=2011-06-15') }),
    'signature',
  );
});

test('real signer: non-S3 paths are normalised and double-encoded; S3 paths are used as sent', async () => {
  // A rest-json style path with an encoded segment (the SDK serializer encodes labels once).
  const lambda = await signHeader('lambda', { method: 'GET', protocol: 'https:', hostname: 'lambda.us-east-1.amazonaws.com', path: '/2015-03-31/functions/my%20fn/configuration', headers: { host: 'lambda.us-east-1.amazonaws.com' } });
  verify(lambda, { payloadHash: EMPTY_SHA256 });
  expectFailure(() => verify(lambda, { payloadHash: EMPTY_SHA256, s3Style: true }), 'incomplete'); // S3 rules demand x-amz-content-sha256

  const s3Req: SmithyRequest = { method: 'GET', protocol: 'https:', hostname: 's3.us-east-1.amazonaws.com', path: '/bucket/dir//a%20b%2Bc/./x', headers: { host: 's3.us-east-1.amazonaws.com', 'x-amz-content-sha256': EMPTY_SHA256 } };
  const s3 = await signHeader('s3', s3Req, { s3: true });
  verify(s3);
  expectFailure(() => verify(s3, { s3Style: false }), 'signature');
  // Same bytes signed with non-S3 rules fail under S3 rules.
  const asNonS3 = await signHeader('s3', s3Req, { s3: false });
  expectFailure(() => verify(asNonS3), 'signature');
  verify(asNonS3, { s3Style: false });
});

test('S3: a path sent with characters the signer encoded still verifies (canonical re-encoding)', async () => {
  const signed = await signHeader('s3', { method: 'GET', protocol: 'https:', hostname: 'h', path: '/bucket/a%3Db%40c', headers: { host: 'h', 'x-amz-content-sha256': EMPTY_SHA256 } }, { s3: true });
  verify({ ...signed, path: '/bucket/a=b@c' });
  expectFailure(() => verify({ ...signed, path: '/bucket/a=b@d' }), 'signature');
});

test('S3: x-amz-content-sha256 values', async () => {
  const body = Buffer.from('hello world');
  const mk = (v: string) => signHeader('s3', { method: 'PUT', protocol: 'https:', hostname: 'h', path: '/b/k', headers: { host: 'h', 'x-amz-content-sha256': v }, body }, { s3: true });
  for (const v of ['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', sha(body)]) {
    const info = verify(await mk(v));
    assert.equal(info.contentSha256, v);
  }
  assert.equal(streamingModeOf('STREAMING-UNSIGNED-PAYLOAD-TRAILER'), 'unsigned-trailer');
  assert.equal(streamingModeOf('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), 'signed');
  assert.equal(streamingModeOf('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'), 'signed-trailer');
  assert.equal(streamingModeOf('UNSIGNED-PAYLOAD'), undefined);

  // checkPayloadHash: hex values are checked against the body, keywords are not.
  const info = verify(await mk(sha(body)));
  checkPayloadHash(info, body);
  const f = expectFailure(() => checkPayloadHash(info, Buffer.from('hello worle')), 'content-sha', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  const e = authErrorFor('s3', f);
  assert.equal(e.code, 'XAmzContentSHA256Mismatch');
  assert.equal(e.status, 400);
  assert.deepEqual(e.fields, { ClientComputedContentSHA256: sha(body), S3ComputedContentSHA256: sha('hello worle') });
  checkPayloadHash(verify(await mk('UNSIGNED-PAYLOAD')), Buffer.from('anything'));

  // A value that is neither a keyword nor a sha256 is rejected as S3 does.
  const bad = await mk('not-a-hash');
  const inv = expectFailure(() => verify(bad), 'content-sha');
  assert.equal(authErrorFor('s3', inv).code, 'InvalidArgument');
  // S3 without the header at all.
  const none = await signHeader('s3', { method: 'GET', protocol: 'https:', hostname: 'h', path: '/b/k', headers: { host: 'h' } }, { s3: true });
  const miss = expectFailure(() => verify({ ...none, headers: Object.fromEntries(Object.entries(none.headers).filter(([k]) => k !== 'x-amz-content-sha256')) }), 'incomplete', 'Missing required header for this request: x-amz-content-sha256');
  assert.equal(authErrorFor('s3', miss).code, 'InvalidRequest');
});

test('presigned S3 URL: verifies, expires exactly at X-Amz-Expires, rejects tampering', async () => {
  const get: SmithyRequest = { method: 'GET', protocol: 'https:', hostname: 'b.s3.amazonaws.com', path: '/photos/a%20b.jpg', query: { 'x-id': 'GetObject' }, headers: { host: 'b.s3.amazonaws.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };
  const signed = await presign('s3', get, 3600, { s3: true, sessionToken: 'SESSION' });
  assert.equal(signed.headers['authorization'], undefined);
  assert.match(signed.rawQuery, /X-Amz-Signature=[0-9a-f]{64}/);
  const info = verify(signed);
  assert.equal(info.form, 'query');
  assert.equal(info.expiresSeconds, 3600);
  assert.equal(info.sessionToken, 'SESSION');
  verify(signed, { now: new Date(T0.getTime() + 3600_000) });
  const exp = expectFailure(() => verify(signed, { now: new Date(T0.getTime() + 3601_000) }), 'presign-expired');
  const e = authErrorFor('s3', exp);
  assert.equal(e.code, 'AccessDenied');
  assert.equal(e.message, 'Request has expired');
  assert.deepEqual(e.fields, { 'X-Amz-Expires': '3600', Expires: '2024-05-01T11:00:00Z', ServerTime: '2024-05-01T11:00:01Z' });
  // From the future: within 15 minutes is fine, beyond is "not yet valid".
  verify(signed, { now: new Date(T0.getTime() - MAX_SKEW_MS) });
  const fut = expectFailure(() => verify(signed, { now: new Date(T0.getTime() - MAX_SKEW_MS - 1000) }), 'skew');
  const fe = authErrorFor('s3', fut);
  assert.equal(fe.code, 'AccessDenied');
  assert.equal(fe.message, 'Request is not yet valid');
  assert.equal(fe.fields['X-Amz-Date'], String(T0.getTime()));
  // Tampering.
  expectFailure(() => verify({ ...signed, rawQuery: signed.rawQuery.replace('x-id=GetObject', 'x-id=PutObject') }), 'signature');
  expectFailure(() => verify({ ...signed, path: '/photos/a%20c.jpg' }), 'signature');
  expectFailure(() => verify({ ...signed, method: 'PUT' }), 'signature');
  expectFailure(() => verify({ ...signed, rawQuery: signed.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200') }), 'signature');
});

test('presigned non-S3 URL (sts:GetCallerIdentity): body hash of an empty GET, mismatch message shows canonical forms', async () => {
  const get: SmithyRequest = { method: 'GET', protocol: 'https:', hostname: 'sts.amazonaws.com', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: 'sts.amazonaws.com' } };
  const signed = await presign('sts', get, 60);
  verify(signed, { payloadHash: EMPTY_SHA256 });
  verify(signed); // defaults to the empty body
  verify(signed, { now: new Date(T0.getTime() + 60_000) });
  expectFailure(() => verify(signed, { now: new Date(T0.getTime() + 61_000) }), 'presign-expired');
  const f = expectFailure(() => verify({ ...signed, rawQuery: signed.rawQuery.replace('Version=2011-06-15', 'Version=2011-06-16') }), 'signature');
  const e = authErrorFor('sts', f);
  assert.equal(e.code, 'SignatureDoesNotMatch');
  assert.match(e.message, /\n\nThe Canonical String for this request should have been\n'GET\n\/\nAction=GetCallerIdentity&Version=2011-06-16&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
  assert.match(e.message, /\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240501T100000Z\n/);
});

test('clock skew: exactly 15 minutes either way is accepted, one second more is not', async () => {
  const body = 'Action=ListUsers&Version=2010-05-08';
  const signed = await signHeader('iam', iamRequest(body));
  const ph = sha(body);
  verify(signed, { payloadHash: ph, now: new Date(T0.getTime() + MAX_SKEW_MS) });
  verify(signed, { payloadHash: ph, now: new Date(T0.getTime() - MAX_SKEW_MS) });
  const late = expectFailure(
    () => verify(signed, { payloadHash: ph, now: new Date(T0.getTime() + MAX_SKEW_MS + 1000) }),
    'skew',
    'Signature expired: 20240501T100000Z is now earlier than 20240501T100001Z (20240501T101501Z - 15 min.)',
  );
  const early = expectFailure(
    () => verify(signed, { payloadHash: ph, now: new Date(T0.getTime() - MAX_SKEW_MS - 1000) }),
    'skew',
    'Signature not yet current: 20240501T100000Z is still later than 20240501T095959Z (20240501T094459Z + 15 min.)',
  );
  const iam = authErrorFor('iam', late);
  assert.equal(iam.code, 'SignatureDoesNotMatch');
  assert.equal(iam.status, 403);
  assert.equal(iam.message, late.message);
  const ec2 = authErrorFor('ec2', early);
  assert.deepEqual([ec2.code, ec2.status, ec2.message], ['RequestExpired', 400, 'Request has expired.']);
  const s3 = authErrorFor('s3', late);
  assert.equal(s3.code, 'RequestTimeTooSkewed');
  assert.equal(s3.message, 'The difference between the request time and the current time is too large.');
  assert.deepEqual(s3.fields, { RequestTime: '20240501T100000Z', ServerTime: '2024-05-01T10:15:01Z', MaxAllowedSkewMilliseconds: 900000 });
  const json = authErrorFor('lambda', late);
  assert.deepEqual([json.code, json.status], ['InvalidSignatureException', 403]);
});

test('credential scope checks (region, service)', async () => {
  const signed = await signHeader('iam', iamRequest(), { region: 'us-east-2' });
  const info = parseAuth(signed)!;
  const f = expectFailure(() => checkCredentialScope(info, { service: 'iam', region: 'us-east-1' }), 'signature', "Credential should be scoped to a valid region, not 'us-east-2'. ");
  assert.equal(authErrorFor('iam', f).code, 'SignatureDoesNotMatch');
  assert.equal(authErrorFor('iam', f).message, "Credential should be scoped to a valid region, not 'us-east-2'. ");
  const s3 = authErrorFor('s3', f);
  assert.deepEqual([s3.code, s3.status, s3.message, s3.fields['Region']], ['AuthorizationHeaderMalformed', 400, "The authorization header is malformed; the region 'us-east-2' is wrong; expecting 'us-east-1'", 'us-east-1']);
  checkCredentialScope(info, { service: 'iam', region: (r) => r.startsWith('us-') });
  expectFailure(() => checkCredentialScope(info, { service: 'batch' }), 'signature', "Credential should be scoped to correct service: 'batch'. ");
});

test('signing-key cache: derived once per secret/day/region/service, bounded', async () => {
  clearSigningKeyCache();
  const body = 'Action=ListUsers&Version=2010-05-08';
  const signed = await signHeader('iam', iamRequest(body));
  for (let i = 0; i < 5; i++) verify(signed, { payloadHash: sha(body) });
  let st = signingKeyCacheStats();
  assert.equal(st.derivations, 1);
  assert.equal(st.hits, 4);
  assert.equal(st.size, 1);
  // A different secret is a different key (and must not verify).
  expectFailure(() => verify(signed, { payloadHash: sha(body), secret: 'other' }), 'signature');
  assert.equal(signingKeyCacheStats().derivations, 2);
  // Known derivation (AWS docs example key for 20120215/us-east-1/iam).
  assert.equal(
    deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex'),
    'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
  );
  for (let i = 0; i < st.max + 50; i++) deriveSigningKey('s' + i, '20240501', 'us-east-1', 'iam');
  st = signingKeyCacheStats();
  assert.equal(st.size, st.max);
  clearSigningKeyCache();
});

test('signaturesEqual is exact', () => {
  const a = 'a'.repeat(64);
  assert.ok(signaturesEqual(a, a));
  assert.ok(!signaturesEqual(a, 'a'.repeat(63) + 'b'));
  assert.ok(!signaturesEqual(a, a.slice(1)));
  assert.ok(!signaturesEqual(a, a.toUpperCase()));
});

test('authErrorFor: per-family codes, statuses and messages', () => {
  const cases: Array<[string, AuthFailure, string, number, string]> = [
    ['iam', missingAuth(), 'MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
    ['sts', unknownAccessKey('AKIDX'), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.'],
    ['iam', tokenExpired('t'), 'ExpiredToken', 403, 'The security token included in the request is expired'],
    ['ec2', unknownAccessKey('AKIDX'), 'AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    ['ec2', new AuthFailure('signature', 'x'), 'AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    ['ec2', tokenExpired('t'), 'RequestExpired', 400, 'Request has expired.'],
    ['ec2', missingAuth(), 'MissingParameter', 400, 'The request must contain the parameter AWSAccessKeyId'],
    ['s3', unknownAccessKey('AKIDX'), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'],
    ['s3', tokenExpired('t'), 'ExpiredToken', 400, 'The provided token has expired.'],
    ['s3', missingAuth(), 'AccessDenied', 403, 'Access Denied'],
    ['servicequotas', unknownAccessKey('AKIDX'), 'UnrecognizedClientException', 403, 'The security token included in the request is invalid.'],
    ['servicequotas', missingAuth(), 'MissingAuthenticationTokenException', 403, 'Missing Authentication Token'],
    ['servicequotas', tokenExpired('t'), 'ExpiredTokenException', 400, 'The security token included in the request is expired'],
    ['servicequotas', new AuthFailure('incomplete', 'm'), 'IncompleteSignatureException', 400, 'm'],
    ['iam', new AuthFailure('incomplete', 'm'), 'IncompleteSignature', 400, 'm'],
  ];
  for (const [svc, f, code, status, message] of cases) {
    const e = authErrorFor(svc, f);
    assert.deepEqual([e.code, e.status, e.message], [code, status, message], `${svc} ${f.kind}`);
  }
  assert.deepEqual(authErrorFor('s3', unknownAccessKey('AKIDX')).fields, { AWSAccessKeyId: 'AKIDX' });
  assert.deepEqual(authErrorFor('s3', tokenExpired('tok')).fields, { 'Token-0': 'tok' });
  assert.equal(authFamilyOf('iam'), 'query');
  assert.equal(authFamilyOf('ec2'), 'ec2');
  assert.equal(authFamilyOf('s3'), 's3');
  assert.equal(authFamilyOf('rbin'), 'json');
  // Family override (e.g. SQS speaking JSON).
  assert.equal(authErrorFor('sqs', unknownAccessKey('A'), 'json').code, 'UnrecognizedClientException');
});
