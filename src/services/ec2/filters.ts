/**
 * EC2 `Filter.N.Name` / `Filter.N.Value.M` matching, shared by every EC2 `Describe*` handler.
 *
 * AWS behaviour matched here (EC2 API Reference, "Filter" and "List and filter your resources"):
 * - An item matches a filter when one of the filter's values matches one of the item's values for
 *   that filter (values are OR-ed); an item is returned only when it matches every filter (filters
 *   are AND-ed). No match is not an error: the answer is simply empty.
 * - Values may use wildcards: `*` matches zero or more characters, `?` exactly one; a backslash
 *   escapes the next character (`\*amazon\?\\` is the literal `*amazon?\`). Matching is
 *   case-sensitive and covers the whole value.
 * - An unknown filter name is refused: `InvalidParameterValue` "The filter 'x' is invalid"; a filter
 *   sent without a name reads as `null`, as AWS renders it ("The filter 'null' is invalid", the
 *   answer an empty `Filter` list used to get from the JavaScript SDK).
 * - More than 200 values across the request's filters: "The maximum number of filter values
 *   specified on a single call is 200". The code varies by operation on AWS
 *   (`FilterLimitExceeded` for DescribeInstances, `InvalidParameterValue` for
 *   DescribeVpcEndpoints); callers pick it, `FilterLimitExceeded` by default.
 * - An item field that is absent (e.g. `parent-zone-id` of an Availability Zone) matches no value,
 *   not even `*`.
 * - `tag:<key>` matches the value of the item's tag `<key>`; `tag-key` and `tag-value` match any of
 *   its tag keys / values (see `tagFilterFields`).
 *
 * Gaps: a filter sent with no values matches nothing here (an empty OR); AWS's answer to that
 * form is not documented (the AWS CLI sends it for `--filters Name=x` and gets an empty list back
 * from `describe-subnets`, which this matches). Filter names are matched case-sensitively, as EC2
 * does for its parameter names.
 */
import { ServiceError } from '../../gateway/errors.js';

/** One filter as the EC2 codec parses it (`Filter` in the generated types). */
export interface Ec2Filter {
  Name?: string;
  Values?: string[];
}

/** What a filter field of an item reads as: one value, several, or none (undefined / null / []). */
export type FilterFieldValue = string | number | boolean | null | undefined | readonly (string | number | boolean | null | undefined)[];

/** Reads one filterable field of an item. */
export type FieldReader<T> = (item: T) => FilterFieldValue;

/** The filters an operation accepts: fixed names, plus optionally names resolved on the fly (`tag:<key>`). */
export interface FilterSpec<T> {
  fields: Readonly<Record<string, FieldReader<T>>>;
  /** Resolves a name not in `fields` (e.g. `tag:Name`); undefined means the filter is invalid. */
  dynamic?: (name: string) => FieldReader<T> | undefined;
}

/** A filter checked against its spec, its values turned into matchers. */
export interface CompiledFilter<T> {
  name: string;
  read: FieldReader<T>;
  /** One matcher per distinct value. */
  matchers: ((s: string) => boolean)[];
}

export const MAX_FILTER_VALUES = 200;

export function invalidFilter(name: string | undefined): ServiceError {
  return new ServiceError('InvalidParameterValue', `The filter '${name ?? 'null'}' is invalid`, 400);
}

/**
 * A matcher for one EC2 filter value: literal comparison when the value has no wildcard or
 * escape, else an anchored regular expression.
 */
export function wildcardMatcher(pattern: string): (s: string) => boolean {
  if (!/[*?\\]/.test(pattern)) return (s) => s === pattern;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[++i]!);
    } else if (c === '*') {
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else {
      re += escapeRegExp(c);
    }
  }
  const rx = new RegExp(`^${re}$`, 'u');
  return (s) => rx.test(s);
}

/** Whether `value` matches the EC2 filter value `pattern` (wildcards and escapes as AWS reads them). */
export function matchesWildcard(pattern: string, value: string): boolean {
  return wildcardMatcher(pattern)(value);
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/**
 * Checks `filters` against `spec` and compiles them. Throws `InvalidParameterValue` for an
 * unknown (or missing) name, and `limitCode` when more than 200 values are sent in all.
 */
export function compileFilters<T>(
  filters: readonly Ec2Filter[] | undefined,
  spec: FilterSpec<T>,
  opts: { limitCode?: string } = {},
): CompiledFilter<T>[] {
  if (!filters || filters.length === 0) return [];
  const out: CompiledFilter<T>[] = [];
  let total = 0;
  for (const f of filters) {
    const name = f.Name;
    const read = name === undefined ? undefined : Object.hasOwn(spec.fields, name) ? spec.fields[name] : spec.dynamic?.(name);
    if (!read) throw invalidFilter(name);
    const values = f.Values ?? [];
    total += values.length;
    out.push({ name: name!, read, matchers: [...new Set(values)].map(wildcardMatcher) });
  }
  if (total > MAX_FILTER_VALUES) {
    throw new ServiceError(opts.limitCode ?? 'FilterLimitExceeded', `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`, 400);
  }
  return out;
}

function fieldStrings(v: FilterFieldValue): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v as readonly unknown[]) if (x !== undefined && x !== null) out.push(String(x));
    return out;
  }
  return [String(v)];
}

/** Whether `item` passes every compiled filter. */
export function matchesFilters<T>(item: T, compiled: readonly CompiledFilter<T>[]): boolean {
  for (const f of compiled) {
    const values = fieldStrings(f.read(item));
    if (!values.some((v) => f.matchers.some((m) => m(v)))) return false;
  }
  return true;
}

/** Compiles `filters` against `spec` and keeps the items that pass them all (order kept). */
export function applyFilters<T>(items: readonly T[], filters: readonly Ec2Filter[] | undefined, spec: FilterSpec<T>, opts?: { limitCode?: string }): T[] {
  const compiled = compileFilters(filters, spec, opts);
  return compiled.length === 0 ? items.slice() : items.filter((i) => matchesFilters(i, compiled));
}

/** An EC2 tag as resources carry it. */
export interface Ec2Tag {
  Key?: string;
  Value?: string;
}

/**
 * The tag filters EC2 resources accept: `tag-key`, `tag-value` as fixed fields, and a resolver for
 * `tag:<key>` (the value of tag `<key>`; the key is matched exactly). Merge into a spec:
 * `{ fields: { ...own, ...t.fields }, dynamic: t.dynamic }`.
 */
export function tagFilterFields<T>(tagsOf: (item: T) => readonly Ec2Tag[] | undefined): Required<FilterSpec<T>> {
  return {
    fields: {
      'tag-key': (item) => (tagsOf(item) ?? []).map((t) => t.Key),
      'tag-value': (item) => (tagsOf(item) ?? []).map((t) => t.Value),
    },
    dynamic: (name) => {
      if (!name.startsWith('tag:') || name.length === 4) return undefined;
      const key = name.slice(4);
      return (item) => (tagsOf(item) ?? []).filter((t) => t.Key === key).map((t) => t.Value ?? '');
    },
  };
}
