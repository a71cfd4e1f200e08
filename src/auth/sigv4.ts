/**
 * AWS Signature Version 4 verification. Pure: no I/O, no store, no clock of its own (`now` is
 * passed in). The pipeline parses (`parseAuth`), resolves the access key to a secret, then calls
 * `verifySignature`, and for S3 `checkPayloadHash` once the body is read.
 *
 * Spec:
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * - https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (S3: path not
 *   normalised, single-encoded; x-amz-content-sha256 required)
 * - https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html (presigned)
 * - AWS's SigV4 test suite (test/fixtures/sigv4/) is the oracle for canonicalisation.
 *
 * Wire facts (from AWS answers seen in public issue threads; see test/unit/sigv4.test.ts):
 * - Authorization header parameters are split on commas and whitespace; a part without `=`
 *   answers `'<part>' not a valid key=value pair (missing equal-sign) in Authorization header:
 *   '<header>'.` (IncompleteSignature).
 * - Missing parameters answer `Authorization header requires 'Credential' parameter. ...
 *   Authorization=<header>` (IncompleteSignature). A SigV2 header (`AWS AKID:sig`) gets the same.
 * - Skew: `Signature expired: <req> is now earlier than <now-15m> (<now> - 15 min.)` and
 *   `Signature not yet current: <req> is still later than <now+15m> (<now> + 15 min.)`.
 * - Credential scope: `Credential should be scoped to a valid region, not 'us-east-2'. ` and
 *   `Credential should be scoped to correct service: 'batch'. ` (note the trailing space).
 *
 * AWS surprises matched here:
 * - Non-S3 services normalise the path (dot segments, repeated slashes) and percent-encode the
 *   already-encoded wire path again (so `%` becomes `%25`): SDKs sign exactly that.
 * - Presigned non-S3 requests (e.g. presigned sts:GetCallerIdentity) sign the body hash (empty for
 *   GET), not UNSIGNED-PAYLOAD; S3 presigned requests sign UNSIGNED-PAYLOAD.
 *
 * Leniency (by design): for S3, when the path as sent does not verify, the path re-encoded in
 * AWS's canonical form (decode, then UriEncode keeping `/`) is tried too, so clients that send
 * e.g. a literal `=` or `@` in a key still verify. Cost only on failure.
 */
import crypto, { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AuthFailure, type AuthInfo, type SignedRequest } from './types.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const MAX_SKEW_MS = 15 * 60 * 1000;
export const MAX_PRESIGN_EXPIRES = 604800;
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

const KNOWN_PAYLOAD_KEYWORDS = new Set([
  UNSIGNED_PAYLOAD,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
]);
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

// ---------------------------------------------------------------------------------------------
// Signing-key cache
// ---------------------------------------------------------------------------------------------

const KEY_CACHE_MAX = 1000;
const keyCache = new Map<string, Buffer>();
const keyStats = { derivations: 0, hits: 0 };

/**
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
 * cached (bounded, oldest entry evicted first). A key is valid for one day/region/service.
 */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secret}`;
  const hit = keyCache.get(cacheKey);
  if (hit !== undefined) {
    keyStats.hits++;
    return hit;
  }
  keyStats.derivations++;
  const kDate = createHmac('sha256', 'AWS4' + secret).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
  if (keyCache.size >= KEY_CACHE_MAX) {
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  keyCache.set(cacheKey, kSigning);
  return kSigning;
}

/** Counters for tests and metrics: how many keys were derived vs served from the cache. */
export function signingKeyCacheStats(): { derivations: number; hits: number; size: number; max: number } {
  return { derivations: keyStats.derivations, hits: keyStats.hits, size: keyCache.size, max: KEY_CACHE_MAX };
}

export function clearSigningKeyCache(): void {
  keyCache.clear();
  keyStats.derivations = 0;
  keyStats.hits = 0;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

// crypto.hash (Node >= 20.12) hashes in one call, without allocating a Hash object.
const oneShotHash = (crypto as unknown as { hash?: (alg: string, data: string | Buffer, enc: 'hex') => string }).hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/** `20150830T123600Z` */
export function formatAmzDate(d: Date): string {
  const p = (n: number) => (n < 10 ? '0' + n : String(n));
  return String(d.getUTCFullYear()).padStart(4, '0') + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + 'T' + p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds()) + 'Z';
}

/** `2015-08-30T12:36:00Z` (S3's ServerTime form: no milliseconds). */
export function formatIsoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses ISO-8601 basic format (`20150830T123600Z`); undefined when not exactly that. */
export function parseAmzDate(s: string): Date | undefined {
  if (s.length !== 16 || !AMZ_DATE.test(s)) return undefined;
  const y = +s.slice(0, 4);
  const mo = +s.slice(4, 6);
  const d = +s.slice(6, 8);
  const h = +s.slice(9, 11);
  const mi = +s.slice(11, 13);
  const se = +s.slice(13, 15);
  // Reject rollovers such as month 13, day 31 of a 30-day month, or 25:00.
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  if (date.getUTCDate() !== d) return undefined;
  return date;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 3986 percent-encoding of everything but unreserved characters (AWS's UriEncode). */
export function uriEncode(s: string): string {
  if (UNRESERVED.test(s)) return s;
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    // Lone surrogate (not valid UTF-16): encode the UTF-8 bytes Buffer produces (U+FFFD for it).
    out = '';
    for (const b of Buffer.from(s, 'utf8')) {
      const c = String.fromCharCode(b);
      out += b < 0x80 && UNRESERVED.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  }
  return out.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Percent-decoding that never throws: malformed escapes are kept as written. `+` stays `+`. */
export function uriDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

function splitQuery(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) out.push([part, '']);
    else out.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// parseAuth
// ---------------------------------------------------------------------------------------------

function missingParamsMessage(authz: string, missing: string[], dateMissing: boolean): string {
  const parts = missing.map((p) => `Authorization header requires '${p}' parameter.`);
  if (dateMissing) parts.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  parts.push(`Authorization=${authz}`);
  return parts.join(' ');
}

interface ParsedCredential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(cred: string, form: 'header' | 'query'): ParsedCredential {
  const parts = cred.split('/');
  if (parts.length !== 5) {
    throw new AuthFailure(
      'incomplete',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${cred}'`,
      {
        reason: 'credential-malformed',
        s3Message:
          form === 'header'
            ? 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
            : 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      },
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== 'aws4_request') {
    throw new AuthFailure('signature', `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `, {
      reason: 'scope-terminator',
      terminator,
      s3Message:
        form === 'header'
          ? `The authorization header is malformed; incorrect terminal "${terminator}". This endpoint uses "aws4_request".`
          : `Error parsing the X-Amz-Credential parameter; incorrect terminal "${terminator}". This endpoint uses "aws4_request".`,
    });
  }
  return { accessKeyId, date, region, service };
}

function checkCredentialDate(cred: ParsedCredential, amzDate: string, form: 'header' | 'query'): void {
  const day = amzDate.slice(0, 8);
  if (cred.date !== day) {
    throw new AuthFailure(
      'signature',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${cred.date}' != '${day}', from '${amzDate}'.`,
      {
        reason: 'scope-date',
        s3Message:
          form === 'header'
            ? 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.'
            : 'Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same as X-Amz-Date.',
      },
    );
  }
}

function badDate(value: string): AuthFailure {
  return new AuthFailure('malformed-date', `Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`, {
    value,
  });
}

function requireHostSigned(signedHeaders: string[]): void {
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
    throw new AuthFailure('incomplete', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", {
      reason: 'host-not-signed',
      s3Message: 'The authorization header is malformed; host must be a signed header.',
    });
  }
}

function payloadFromHeader(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.trim();
}

/**
 * Reads SigV4 from the Authorization header or the presigned query. Returns undefined when the
 * request carries no SigV4 at all (anonymous); throws AuthFailure when it is malformed.
 */
export function parseAuth(req: SignedRequest): AuthInfo | undefined {
  const authz = req.headers['authorization'];
  const presigned = req.rawQuery !== '' && req.rawQuery.includes('X-Amz-Algorithm=') ? findQueryParam(req.rawQuery, 'X-Amz-Algorithm') !== undefined : false;
  if (authz !== undefined && presigned) {
    throw new AuthFailure(
      'incomplete',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { reason: 'multiple-auth' },
    );
  }
  if (authz !== undefined) return parseHeaderAuth(req, authz);
  if (presigned) return parseQueryAuth(req);
  return undefined;
}

function findQueryParam(raw: string, name: string): string | undefined {
  for (const [k, v] of splitQuery(raw)) if (uriDecode(k) === name) return uriDecode(v);
  return undefined;
}

function parseHeaderAuth(req: SignedRequest, authz: string): AuthInfo {
  const xAmzDate = req.headers['x-amz-date'];
  const dateHeader = req.headers['date'];
  const dateMissing = xAmzDate === undefined && dateHeader === undefined;

  const trimmed = authz.trim();
  const sp = trimmed.search(/\s/);
  const algorithm = sp === -1 ? trimmed : trimmed.slice(0, sp);
  if (algorithm !== ALGORITHM) {
    throw new AuthFailure('incomplete', missingParamsMessage(authz, ['Credential', 'Signature', 'SignedHeaders'], dateMissing), {
      reason: 'unsupported-algorithm',
      algorithm,
    });
  }
  let credential: string | undefined;
  let signedHeadersRaw: string | undefined;
  let signature: string | undefined;
  const rest = sp === -1 ? '' : trimmed.slice(sp + 1);
  for (const part of rest.split(/[\s,]+/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new AuthFailure('incomplete', `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authz}'.`, {
        reason: 'malformed-pair',
      });
    }
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'Credential') credential = value;
    else if (key === 'SignedHeaders') signedHeadersRaw = value;
    else if (key === 'Signature') signature = value;
  }
  const missing: string[] = [];
  if (credential === undefined) missing.push('Credential');
  if (signature === undefined) missing.push('Signature');
  if (signedHeadersRaw === undefined) missing.push('SignedHeaders');
  if (missing.length > 0 || dateMissing) {
    throw new AuthFailure('incomplete', missingParamsMessage(authz, missing, dateMissing), { reason: 'missing-params' });
  }
  const cred = parseCredential(credential!, 'header');

  let requestTime: Date | undefined;
  let amzDate: string;
  if (xAmzDate !== undefined) {
    requestTime = parseAmzDate(xAmzDate.trim());
    if (!requestTime) throw badDate(xAmzDate);
    amzDate = xAmzDate.trim();
  } else {
    requestTime = parseAmzDate(dateHeader!.trim());
    if (!requestTime) {
      const t = Date.parse(dateHeader!);
      if (Number.isNaN(t)) throw badDate(dateHeader!);
      requestTime = new Date(t);
    }
    amzDate = formatAmzDate(requestTime);
  }
  checkCredentialDate(cred, amzDate, 'header');

  const signedHeaders = signedHeadersRaw!.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  requireHostSigned(signedHeaders);

  const info: AuthInfo = {
    form: 'header',
    accessKeyId: cred.accessKeyId,
    date: cred.date,
    region: cred.region,
    service: cred.service,
    signedHeaders,
    signature: signature!,
    requestTime,
  };
  const token = req.headers['x-amz-security-token'];
  if (token !== undefined) info.sessionToken = token;
  const sha = payloadFromHeader(req.headers['x-amz-content-sha256']);
  if (sha !== undefined) info.contentSha256 = sha;
  amzDates.set(info, amzDate);
  return info;
}

const PRESIGN_REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

function presignFailure(message: string, s3Message: string): AuthFailure {
  return new AuthFailure('incomplete', message, { reason: 'presign-params', s3Message });
}

function parseQueryAuth(req: SignedRequest): AuthInfo {
  const params = new Map<string, string>();
  for (const [k, v] of splitQuery(req.rawQuery)) {
    const key = uriDecode(k);
    if (key.startsWith('X-Amz-') && !params.has(key)) params.set(key, uriDecode(v));
  }
  const s3AllMessage =
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';
  const credentialRaw = params.get('X-Amz-Credential');
  const isS3 = credentialRaw !== undefined && credentialRaw.split('/')[3] === 's3';
  const missing = PRESIGN_REQUIRED.some((p) => !params.has(p)) || (isS3 && !params.has('X-Amz-Expires'));
  if (missing) {
    throw presignFailure(
      "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Signature'. Re-examine the query-string parameters.",
      s3AllMessage,
    );
  }
  if (params.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw presignFailure(`X-Amz-Algorithm only supports "${ALGORITHM}"`, `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const cred = parseCredential(params.get('X-Amz-Credential')!, 'query');
  const amzDate = params.get('X-Amz-Date')!;
  const requestTime = parseAmzDate(amzDate);
  if (!requestTime) throw badDate(amzDate);

  let expiresSeconds: number | undefined;
  const expiresRaw = params.get('X-Amz-Expires');
  if (expiresRaw !== undefined) {
    if (!/^-?\d+$/.test(expiresRaw)) throw presignFailure('X-Amz-Expires should be a number', 'X-Amz-Expires should be a number');
    expiresSeconds = Number(expiresRaw);
    if (expiresSeconds < 0) throw presignFailure('X-Amz-Expires must be non-negative', 'X-Amz-Expires must be non-negative');
    if (expiresSeconds > MAX_PRESIGN_EXPIRES) {
      throw presignFailure(
        'X-Amz-Expires must be less than a week (in seconds) that is 604800',
        'X-Amz-Expires must be less than a week (in seconds) that is 604800',
      );
    }
    if (expiresSeconds < 1) throw presignFailure('X-Amz-Expires must be at least 1 second', 'X-Amz-Expires must be non-negative');
  }
  checkCredentialDate(cred, amzDate, 'query');

  const signedHeaders = params.get('X-Amz-SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  requireHostSigned(signedHeaders);

  const info: AuthInfo = {
    form: 'query',
    accessKeyId: cred.accessKeyId,
    date: cred.date,
    region: cred.region,
    service: cred.service,
    signedHeaders,
    signature: params.get('X-Amz-Signature')!,
    requestTime,
  };
  if (expiresSeconds !== undefined) info.expiresSeconds = expiresSeconds;
  const token = params.get('X-Amz-Security-Token') ?? req.headers['x-amz-security-token'];
  if (token !== undefined) info.sessionToken = token;
  const sha = payloadFromHeader(req.headers['x-amz-content-sha256']) ?? params.get('X-Amz-Content-Sha256');
  info.contentSha256 = sha ?? UNSIGNED_PAYLOAD;
  amzDates.set(info, amzDate);
  return info;
}

/**
 * Checks the credential scope against what the endpoint serves. `region` may be a fixed region
 * (e.g. IAM: `us-east-1`) or a predicate. Throws AuthFailure('signature') with AWS's messages;
 * detail.reason is `scope-service` or `scope-region` (S3 renders AuthorizationHeaderMalformed).
 */
export function checkCredentialScope(info: AuthInfo, expect: { service?: string; region?: string | ((region: string) => boolean) }): void {
  const where = info.form === 'header' ? 'The authorization header is malformed;' : 'Error parsing the X-Amz-Credential parameter;';
  if (expect.service !== undefined && info.service !== expect.service) {
    throw new AuthFailure('signature', `Credential should be scoped to correct service: '${expect.service}'. `, {
      reason: 'scope-service',
      service: info.service,
      expectedService: expect.service,
      s3Message: `${where} incorrect service "${info.service}". This endpoint belongs to "${expect.service}".`,
    });
  }
  if (expect.region !== undefined) {
    const ok = typeof expect.region === 'string' ? info.region === expect.region : expect.region(info.region);
    if (!ok) {
      const detail: Record<string, string> = {
        reason: 'scope-region',
        region: info.region,
        s3Message:
          typeof expect.region === 'string'
            ? `${where} the region '${info.region}' is wrong; expecting '${expect.region}'`
            : `${where} the region '${info.region}' is wrong`,
      };
      if (typeof expect.region === 'string') detail['expectedRegion'] = expect.region;
      throw new AuthFailure('signature', `Credential should be scoped to a valid region, not '${info.region}'. `, detail);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical request
// ---------------------------------------------------------------------------------------------

/** Non-S3 canonical URI: remove dot segments and empty segments, then UriEncode each segment. */
export function normalizedCanonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(uriEncode(seg));
  }
  const first = path.startsWith('/') ? '/' : '';
  const last = path.endsWith('/') && segments.length > 0 ? '/' : '';
  return first + segments.join('/') + last;
}

/** S3's canonical form of a path: decode, then UriEncode each segment (keeping `/`). */
export function s3CanonicalUri(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((seg) => uriEncode(uriDecode(seg)))
    .join('/');
}

/** Sorted, RFC 3986-encoded query (X-Amz-Signature left out for presigned requests). */
export function canonicalQueryString(rawQuery: string, presigned: boolean): string {
  const pairs = splitQuery(rawQuery);
  if (pairs.length === 0) return '';
  const encoded: Array<[string, string]> = [];
  for (const [k, v] of pairs) {
    const key = uriEncode(uriDecode(k));
    if (presigned && key === 'X-Amz-Signature') continue;
    encoded.push([key, uriEncode(uriDecode(v))]);
  }
  if (encoded.length > 1) {
    encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  }
  let out = '';
  for (let i = 0; i < encoded.length; i++) {
    const [k, v] = encoded[i]!;
    out += (i === 0 ? '' : '&') + k + '=' + v;
  }
  return out;
}

const NEEDS_TRIM = /^\s|\s$|\s\s|[\t\r\n]/;

function canonicalHeaderValue(v: string): string {
  return NEEDS_TRIM.test(v) ? v.trim().replace(/\s+/g, ' ') : v;
}

function canonicalHeaders(headers: Record<string, string>, signed: string[]): string {
  let out = '';
  for (const name of signed) {
    const v = headers[name];
    out += name + ':' + (v === undefined ? '' : canonicalHeaderValue(v)) + '\n';
  }
  return out;
}

export interface VerifyOptions {
  /** Server time. */
  now: Date;
  /** Hex sha256 of the request body, computed by the caller (needed when no x-amz-content-sha256 header). */
  payloadHash?: string;
  /** S3-style canonical URI (path as sent, not normalised). Defaults to `info.service === 's3'`. */
  s3Style?: boolean;
}

export interface CanonicalForm {
  canonicalRequest: string;
  stringToSign: string;
}

function payloadHashCandidates(req: SignedRequest, info: AuthInfo, opts: VerifyOptions, s3Style: boolean): string[] {
  const header = payloadFromHeader(req.headers['x-amz-content-sha256']);
  if (header !== undefined) {
    if (s3Style && !KNOWN_PAYLOAD_KEYWORDS.has(header) && !HEX_SHA256.test(header)) {
      throw new AuthFailure(
        'content-sha',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
        { reason: 'invalid-content-sha', value: header },
      );
    }
    return [header];
  }
  if (info.form === 'query') {
    if (info.contentSha256 !== undefined && info.contentSha256 !== UNSIGNED_PAYLOAD) return [info.contentSha256];
    if (s3Style) return [UNSIGNED_PAYLOAD];
    return [opts.payloadHash ?? EMPTY_SHA256, UNSIGNED_PAYLOAD];
  }
  if (s3Style) {
    throw new AuthFailure('incomplete', 'Missing required header for this request: x-amz-content-sha256', { reason: 'missing-content-sha' });
  }
  if (opts.payloadHash === undefined) throw new TypeError('verifySignature: opts.payloadHash is required when the request has no x-amz-content-sha256 header');
  return [opts.payloadHash];
}

function uriCandidates(path: string, s3Style: boolean): string[] {
  if (!s3Style) return [normalizedCanonicalUri(path)];
  const asSent = path === '' ? '/' : path;
  const canonical = s3CanonicalUri(path);
  return canonical === asSent ? [asSent] : [asSent, canonical];
}

function scopeOf(info: AuthInfo): string {
  return `${info.date}/${info.region}/${info.service}/aws4_request`;
}

/** The request's timestamp as signed: the x-amz-date string seen by parseAuth, else formatted. */
const amzDates = new WeakMap<AuthInfo, string>();

function amzDateOf(info: AuthInfo): string {
  return amzDates.get(info) ?? formatAmzDate(info.requestTime);
}

/**
 * The canonical request and string to sign this verifier computes (first candidate). For
 * diagnostics and tests; verifySignature does not call it.
 */
export function canonicalFormFor(req: SignedRequest, info: AuthInfo, opts: Omit<VerifyOptions, 'now'> = {}): CanonicalForm {
  const s3Style = opts.s3Style ?? info.service === 's3';
  const uri = uriCandidates(req.path, s3Style)[0]!;
  const payload = payloadHashCandidates(req, info, { now: new Date(0), ...opts }, s3Style)[0]!;
  const canonicalRequest = buildCanonical(req, info, uri, payload);
  return { canonicalRequest, stringToSign: buildStringToSign(info, canonicalRequest) };
}

function buildCanonical(req: SignedRequest, info: AuthInfo, uri: string, payloadHash: string, query?: string, headersBlock?: string): string {
  return (
    req.method +
    '\n' +
    uri +
    '\n' +
    (query ?? canonicalQueryString(req.rawQuery, info.form === 'query')) +
    '\n' +
    (headersBlock ?? canonicalHeaders(req.headers, info.signedHeaders)) +
    '\n' +
    info.signedHeaders.join(';') +
    '\n' +
    payloadHash
  );
}

function buildStringToSign(info: AuthInfo, canonicalRequest: string): string {
  return ALGORITHM + '\n' + amzDateOf(info) + '\n' + scopeOf(info) + '\n' + sha256Hex(canonicalRequest);
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(expected: string, provided: string): boolean {
  if (expected.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(provided, 'latin1'));
}

function checkTime(info: AuthInfo, now: Date): void {
  const nowMs = now.getTime();
  const reqMs = info.requestTime.getTime();
  // Strings are built only on failure: this runs on every request.
  const reqStr = () => amzDateOf(info);
  const nowStr = () => formatAmzDate(now);
  if (info.form === 'query' && info.expiresSeconds !== undefined) {
    const expiresMs = reqMs + info.expiresSeconds * 1000;
    if (nowMs > expiresMs) {
      throw new AuthFailure('presign-expired', `Signature expired: ${formatAmzDate(new Date(expiresMs))} is now earlier than ${nowStr()}.`, {
        expiresSeconds: String(info.expiresSeconds),
        expires: formatIsoSeconds(new Date(expiresMs)),
        serverTime: formatIsoSeconds(now),
        requestTime: reqStr(),
      });
    }
    if (reqMs - nowMs > MAX_SKEW_MS) {
      throw new AuthFailure(
        'skew',
        `Signature not yet current: ${reqStr()} is still later than ${formatAmzDate(new Date(nowMs + MAX_SKEW_MS))} (${nowStr()} + 15 min.)`,
        {
          presigned: 'true',
          requestTime: reqStr(),
          requestTimeMs: String(reqMs),
          expires: formatIsoSeconds(new Date(expiresMs)),
          serverTime: formatIsoSeconds(now),
          maxSkewMs: String(MAX_SKEW_MS),
        },
      );
    }
    return;
  }
  if (nowMs - reqMs > MAX_SKEW_MS) {
    throw new AuthFailure(
      'skew',
      `Signature expired: ${reqStr()} is now earlier than ${formatAmzDate(new Date(nowMs - MAX_SKEW_MS))} (${nowStr()} - 15 min.)`,
      { requestTime: reqStr(), serverTime: formatIsoSeconds(now), maxSkewMs: String(MAX_SKEW_MS) },
    );
  }
  if (reqMs - nowMs > MAX_SKEW_MS) {
    throw new AuthFailure(
      'skew',
      `Signature not yet current: ${reqStr()} is still later than ${formatAmzDate(new Date(nowMs + MAX_SKEW_MS))} (${nowStr()} + 15 min.)`,
      { requestTime: reqStr(), serverTime: formatIsoSeconds(now), maxSkewMs: String(MAX_SKEW_MS) },
    );
  }
}

/**
 * Verifies a parsed request against the secret. Throws AuthFailure:
 * 'skew' | 'presign-expired' (time), 'content-sha' (invalid x-amz-content-sha256 for S3),
 * 'incomplete' (S3 without x-amz-content-sha256), 'signature' (mismatch; detail carries
 * accessKeyId, canonicalRequest, stringToSign, signatureProvided).
 */
export function verifySignature(req: SignedRequest, info: AuthInfo, secretAccessKey: string, opts: VerifyOptions): void {
  checkTime(info, opts.now);
  const s3Style = opts.s3Style ?? info.service === 's3';
  const payloads = payloadHashCandidates(req, info, opts, s3Style);
  const uris = uriCandidates(req.path, s3Style);
  const key = deriveSigningKey(secretAccessKey, info.date, info.region, info.service);
  const query = canonicalQueryString(req.rawQuery, info.form === 'query');
  const headersBlock = canonicalHeaders(req.headers, info.signedHeaders);
  let first: CanonicalForm | undefined;
  for (const uri of uris) {
    for (const payload of payloads) {
      const canonicalRequest = buildCanonical(req, info, uri, payload, query, headersBlock);
      const stringToSign = buildStringToSign(info, canonicalRequest);
      const expected = hmacHex(key, stringToSign);
      if (signaturesEqual(expected, info.signature)) return;
      first ??= { canonicalRequest, stringToSign };
    }
  }
  throw new AuthFailure('signature', SIGNATURE_MISMATCH_MESSAGE, {
    reason: 'mismatch',
    form: info.form,
    accessKeyId: info.accessKeyId,
    canonicalRequest: first!.canonicalRequest,
    stringToSign: first!.stringToSign,
    signatureProvided: info.signature,
  });
}

/**
 * When x-amz-content-sha256 is a hex digest, checks it against the body (S3 answers
 * XAmzContentSHA256Mismatch). Keywords (UNSIGNED-PAYLOAD, STREAMING-*) are not checked here.
 * Pass `computedHex` when the caller already hashed the body.
 */
export function checkPayloadHash(info: AuthInfo, body: Buffer, computedHex?: string): void {
  const declared = info.contentSha256;
  if (declared === undefined || !HEX_SHA256.test(declared)) return;
  const actual = computedHex ?? sha256Hex(body);
  if (actual !== declared) {
    throw new AuthFailure('content-sha', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      clientComputedContentSHA256: declared,
      s3ComputedContentSHA256: actual,
    });
  }
}

/** Which aws-chunked body encoding x-amz-content-sha256 announces, if any. */
export function streamingModeOf(contentSha256: string | undefined): 'signed' | 'signed-trailer' | 'unsigned-trailer' | undefined {
  switch (contentSha256) {
    case STREAMING_SIGNED:
      return 'signed';
    case STREAMING_SIGNED_TRAILER:
      return 'signed-trailer';
    case STREAMING_UNSIGNED_TRAILER:
      return 'unsigned-trailer';
    default:
      return undefined;
  }
}

/** The values chunk signatures chain from (see chunked.ts). */
export function chunkSigningContext(info: AuthInfo, secretAccessKey: string): { signingKey: Buffer; amzDate: string; scope: string; seedSignature: string } {
  return {
    signingKey: deriveSigningKey(secretAccessKey, info.date, info.region, info.service),
    amzDate: amzDateOf(info),
    scope: scopeOf(info),
    seedSignature: info.signature,
  };
}
