/**
 * AWS's published SigV4 test suite (test/fixtures/sigv4/aws-sig-v4-test-suite.json): each signed
 * request verifies, its canonical request matches AWS's, and a one-character change to the
 * signature or to the request is rejected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { AuthFailure, type SignedRequest } from '../../src/auth/types.js';
import { canonicalFormFor, parseAuth, verifySignature } from '../../src/auth/sigv4.js';

interface Vector {
  name: string;
  group: string;
  method: string;
  path: string;
  query: string;
  headers: Array<[string, string]>;
  body: string;
  authorization: string;
  creq?: string;
}
interface Suite {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  requestTime: string;
  vectors: Vector[];
}

const suite = JSON.parse(readFileSync(new URL('../fixtures/sigv4/aws-sig-v4-test-suite.json', import.meta.url), 'utf8')) as Suite;
const now = new Date(suite.requestTime);

function toRequest(v: Vector, authorization = v.authorization): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of v.headers) {
    const k = name.toLowerCase();
    headers[k] = headers[k] === undefined ? value : headers[k] + ',' + value;
  }
  headers['authorization'] = authorization;
  return { method: v.method, path: v.path, rawQuery: v.query, headers };
}

function verifyVector(r: SignedRequest, body: string): void {
  const info = parseAuth(r);
  assert.ok(info);
  verifySignature(r, info, suite.secretAccessKey, { now, payloadHash: createHash('sha256').update(body).digest('hex') });
}

function rejects(fn: () => void, label: string): void {
  assert.throws(fn, (e: unknown) => e instanceof AuthFailure && e.kind === 'signature', label);
}

/** Changes one character of s at index i (to a different character of the same class). */
function flip(s: string, i: number): string {
  const c = s[i]!;
  const r = /[0-9a-f]/.test(c) ? (c === '0' ? '1' : '0') : c === 'a' ? 'b' : c === 'A' ? 'B' : 'a';
  return s.slice(0, i) + r + s.slice(i + 1);
}

test('the suite has the expected vectors', () => {
  assert.equal(suite.vectors.length, 33);
  const names = new Set(suite.vectors.map((v) => v.name));
  for (const n of ['get-vanilla', 'get-vanilla-query-order-key-case', 'get-header-value-trim', 'get-utf8', 'get-space', 'get-slashes', 'get-relative-relative', 'post-x-www-form-urlencoded', 'post-vanilla-query', 'post-sts-header-before', 'post-sts-header-after']) {
    assert.ok(names.has(n), n);
  }
});

for (const v of suite.vectors) {
  test(`vector ${v.group}/${v.name}`, () => {
    const r = toRequest(v);
    const info = parseAuth(r)!;
    assert.equal(info.accessKeyId, suite.accessKeyId);
    assert.equal(info.region, suite.region);
    assert.equal(info.service, suite.service);
    if (v.creq !== undefined) {
      const { canonicalRequest } = canonicalFormFor(r, info, { payloadHash: createHash('sha256').update(v.body).digest('hex') });
      assert.equal(canonicalRequest, v.creq);
    }
    verifyVector(r, v.body);

    // One character of the signature changed.
    const sigAt = v.authorization.lastIndexOf('Signature=') + 'Signature='.length;
    rejects(() => verifyVector(toRequest(v, flip(v.authorization, sigAt)), v.body), 'first signature char');
    rejects(() => verifyVector(toRequest(v, flip(v.authorization, v.authorization.length - 1)), v.body), 'last signature char');
    // One character of the request changed: method, a signed header value, the body, the query, the path.
    rejects(() => verifyVector({ ...r, method: v.method === 'GET' ? 'GEt' : 'POSt' }, v.body), 'method');
    rejects(() => verifyVector({ ...r, headers: { ...r.headers, host: flip(r.headers['host']!, 0) } }, v.body), 'host');
    rejects(() => verifyVector(r, v.body + ' '), 'body');
    rejects(() => verifyVector({ ...r, rawQuery: v.query === '' ? 'a' : flip(v.query, v.query.length - 1) }, v.body), 'query');
    const p = v.path.length > 1 ? flip(v.path, v.path.length - 1) : '/a';
    rejects(() => verifyVector({ ...r, path: p }, v.body), 'path');
  });
}
