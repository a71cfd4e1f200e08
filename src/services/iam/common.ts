/**
 * Helpers every IAM module shares: opaque pagination markers, the store scan behind every
 * Marker/MaxItems listing, policy documents on the wire, and policy-library problems as IAM errors.
 */
import type { Entry, ReadTx } from '../../store/types.js';
import { ServiceError } from '../../gateway/errors.js';
import { LimitExceededException, MalformedPolicyDocumentException } from '../../generated/iam.js';


export function encodeMarker(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64');
}
export function decodeMarker(marker: string): string {
  const k = Buffer.from(marker, 'base64').toString('utf8');
  if (!marker || encodeMarker(k) !== marker) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
  return k;
}

/**
 * A policy document as IAM puts it on the wire: URL-encoded per RFC 3986 (only A-Z a-z 0-9 - _ . ~
 * stay as they are; e.g. `*` is `%2A`, a space `%20`).
 */
export function encodePolicyDocument(doc: string): string {
  return encodeURIComponent(doc).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Maps a policy library problem to IAM's error. */
export function policyError(p: { code: string; message: string }): ServiceError {
  return p.code === 'LimitExceeded' ? new LimitExceededException(p.message) : new MalformedPolicyDocumentException(p.message);
}

export interface Page<T> {
  items: Entry<T>[];
  truncated: boolean;
  marker?: string;
}

/**
 * One page of a kind in key order, `MaxItems`/`Marker` as ListUsers: scans the store in chunks so
 * a filter (PathPrefix) never loads the whole collection at once.
 */
export async function listPage<T>(
  tx: ReadTx,
  scope: string,
  kind: string,
  opts: { prefix?: string; marker?: string; maxItems?: number; filter?: (v: T) => boolean },
): Promise<Page<T>> {
  const max = opts.maxItems ?? 100;
  let startAfter = opts.marker !== undefined ? decodeMarker(opts.marker) : undefined;
  const items: Entry<T>[] = [];
  let truncated = false;
  const CHUNK = 200;
  for (;;) {
    const chunk = await tx.list<T>(scope, kind, { prefix: opts.prefix, startAfter, limit: CHUNK });
    for (const e of chunk) {
      if (opts.filter && !opts.filter(e.value)) continue;
      if (items.length === max) {
        truncated = true;
        break;
      }
      items.push(e);
    }
    if (truncated || chunk.length < CHUNK) break;
    startAfter = chunk[chunk.length - 1]!.key;
  }
  return {
    items,
    truncated,
    marker: truncated && items.length ? encodeMarker(items[items.length - 1]!.key) : undefined,
  };
}

