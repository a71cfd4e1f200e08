/**
 * Building the request context (ContextKeys) that conditions and policy variables read.
 *
 * Key names are case-insensitive, including the tag-key part of `aws:PrincipalTag/<k>`,
 * `aws:ResourceTag/<k>` and `aws:RequestTag/<k>` (IAM User Guide, "AWS global condition context
 * keys": "Condition key names are not case-sensitive"): keys are stored lower-cased as a whole.
 * Values are strings as AWS renders them: booleans `true`/`false`, numbers in decimal, dates
 * ISO 8601 (`2024-01-01T00:00:00Z`, milliseconds only when non-zero).
 *
 * A key given as an array is multivalued (ArrayOf... in the Service Authorization Reference); keys
 * listed in `multiKeys` are multivalued even when given as a single value. Multivalued keys cannot
 * be used as policy variables ("Single-valued vs. multivalued context keys").
 */
import type { ContextKeys } from './types.js';

export type ContextInput = Record<
  string,
  string | number | boolean | Date | readonly string[] | undefined
>;

function renderScalar(v: string | number | boolean | Date): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  const iso = v.toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}

/**
 * The canonical (internalized) copy of a string. Compiled conditions and variables look keys up
 * with canonical lower-cased names, and makeContext stores canonical names: Map lookups then find
 * the entry by pointer instead of comparing the characters (and object-keyed contexts look the
 * name up without internalizing it first).
 */
function internString(s: string): string {
  const o: Record<string, number> = { [s]: 0 };
  for (const k in o) return k;
  return s;
}

// Canonical lower-cased names by the name as given (bounded; dropping entries costs only a
// recomputation: internalized strings are unique, so a recomputed name is the same string).
const MAX_KEYS = 4096;
let lowerKeys = new Map<string, string>();

/** The canonical lower-cased form of a condition key name (see internString). */
export function lowerKey(key: string): string {
  let lk = lowerKeys.get(key);
  if (lk === undefined) {
    lk = internString(key.toLowerCase());
    if (lowerKeys.size >= MAX_KEYS) lowerKeys = new Map();
    lowerKeys.set(key, lk);
  }
  return lk;
}

class MapContext implements ContextKeys {
  constructor(
    private readonly values: Map<string, readonly string[]>,
    private readonly multi: Set<string>,
  ) {}

  get(key: string): readonly string[] | undefined {
    const v = this.values.get(key);
    if (v !== undefined) return v;
    // Compiled conditions pass lower-cased names, so the first lookup usually decides; look again
    // only when lower-casing changes the name (the native toLowerCase beats a JS scan for that).
    const lk = key.toLowerCase();
    return lk === key ? undefined : this.values.get(lk);
  }

  isMulti(key: string): boolean {
    if (this.multi.size === 0) return false;
    if (this.multi.has(key)) return true;
    const lk = key.toLowerCase();
    return lk !== key && this.multi.has(lk);
  }
}

/**
 * Builds a ContextKeys. `undefined` values are absent keys. Later duplicates (differing only in
 * case) replace earlier ones.
 */
export function makeContext(values: ContextInput, multiKeys?: Iterable<string>): ContextKeys {
  const map = new Map<string, readonly string[]>();
  const multi = new Set<string>();
  if (multiKeys) for (const k of multiKeys) multi.add(lowerKey(k));
  for (const key of Object.keys(values)) {
    const v = values[key];
    if (v === undefined) continue;
    const lk = lowerKey(key);
    // The value arrays are fresh (never the caller's) and typed readonly, but not frozen: V8 reads
    // frozen arrays' elements through a generic inline cache, which the conditions pay per key.
    if (Array.isArray(v)) {
      map.set(lk, (v as readonly unknown[]).map((x) => renderScalar(x as string)));
      multi.add(lk);
    } else {
      map.set(lk, [renderScalar(v as string | number | boolean | Date)]);
    }
  }
  return new MapContext(map, multi);
}

/** A context without any key. */
export const EMPTY_CONTEXT: ContextKeys = makeContext({});

/**
 * The single value of a single-valued key, or undefined when the key is absent or multivalued
 * (what a policy variable can use).
 */
export function singleValue(ctx: ContextKeys, lowerKey: string): string | undefined {
  const v = ctx.get(lowerKey);
  if (v === undefined || v.length !== 1) return undefined;
  if (ctx.isMulti(lowerKey)) return undefined;
  return v[0];
}
