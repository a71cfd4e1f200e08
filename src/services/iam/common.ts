/**
 * Helpers every IAM module shares: opaque pagination markers, the store scan behind every
 * Marker/MaxItems listing, policy documents on the wire, and policy-library problems as IAM errors.
 */
import type { HandlerContext } from '../../gateway/context.js';
import type { Entry, ReadTx } from '../../store/types.js';
import { ServiceError } from '../../gateway/errors.js';
import { InvalidInputException, LimitExceededException, MalformedPolicyDocumentException } from '../../generated/iam.js';


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


// ---------------------------------------------------------------------------------------------
// Tags, as every taggable IAM entity keeps them: keys unique case-insensitively, at most 50.

export interface IamTag {
  Key: string;
  Value: string;
}

export const TAGS_PER_ENTITY = 50;

export function checkDuplicateTags(tags: { Key: string }[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw new InvalidInputException('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(k);
  }
}

/** Tag<Entity>: added tags overwrite the value of an existing key (matched case-insensitively). */
export function mergeTags(existing: IamTag[] | undefined, added: IamTag[], quotaName: string): IamTag[] {
  checkDuplicateTags(added);
  const tags = [...(existing ?? [])];
  for (const t of added) {
    const i = tags.findIndex((x) => x.Key.toLowerCase() === t.Key.toLowerCase());
    if (i >= 0) tags[i] = { Key: t.Key, Value: t.Value };
    else tags.push({ Key: t.Key, Value: t.Value });
  }
  if (tags.length > TAGS_PER_ENTITY) throw new LimitExceededException(`Cannot exceed quota for ${quotaName}: ${TAGS_PER_ENTITY}`);
  return tags;
}

/** Untag<Entity>: keys are matched case-insensitively. */
export function removeTags(existing: IamTag[] | undefined, keys: string[]): IamTag[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return (existing ?? []).filter((t) => !drop.has(t.Key.toLowerCase()));
}

/** List<Entity>Tags: one page, the marker naming the last key returned. */
export function tagPage(tags: IamTag[] | undefined, input: { Marker?: string; MaxItems?: number }) {
  const all = tags ?? [];
  const max = input.MaxItems ?? 100;
  let start = 0;
  if (input.Marker !== undefined) {
    const after = decodeMarker(input.Marker).toLowerCase();
    const i = all.findIndex((t) => t.Key.toLowerCase() === after);
    start = i >= 0 ? i + 1 : all.length;
  }
  const slice = all.slice(start, start + max);
  const truncated = start + max < all.length;
  return { Tags: slice, IsTruncated: truncated, Marker: truncated ? encodeMarker(slice[slice.length - 1]!.Key) : undefined };
}

/** A taggable IAM entity as the tag operations see it: its tags, and how to store new ones. */
export interface Taggable {
  tags: IamTag[] | undefined;
  save(tags: IamTag[]): Promise<void>;
}

/**
 * Tag<X>, Untag<X> and List<X>Tags for one entity kind, on the tag rules users, roles, instance
 * profiles, MFA devices and identity providers share (keys unique case-insensitively, 50 per
 * entity). `load` finds the entity (throwing its NoSuchEntity) from the operation's input.
 */
export function tagOperations<I>(load: (input: I, ctx: HandlerContext) => Promise<Taggable>, quotaName: string) {
  return {
    async tag(input: I & { Tags: IamTag[] }, ctx: HandlerContext): Promise<void> {
      const e = await load(input, ctx);
      await e.save(mergeTags(e.tags, input.Tags, quotaName));
    },
    async untag(input: I & { TagKeys: string[] }, ctx: HandlerContext): Promise<void> {
      const e = await load(input, ctx);
      await e.save(removeTags(e.tags, input.TagKeys));
    },
    async list(input: I & { Marker?: string; MaxItems?: number }, ctx: HandlerContext) {
      return tagPage((await load(input, ctx)).tags, input);
    },
  };
}
