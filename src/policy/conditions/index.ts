/**
 * The Condition block (IAM User Guide, "IAM JSON policy elements: Condition", "Condition
 * operators", "Creating a condition with multiple context keys or values", "Single-valued vs.
 * multivalued context keys").
 *
 * Logic:
 * - Operators AND; keys under one operator AND; several policy values for one key OR — NOR for
 *   negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, `DateNotEquals`...).
 * - Missing key: a positive operator is false, a negated one true; `...IfExists` makes any
 *   operator (except Null) true on a missing key; Null tests presence itself.
 * - `ForAllValues:<op>`: every request value satisfies <op>; true when the key is absent, its set
 *   is empty, or it resolves to a null data set (a single empty string).
 *   `ForAnyValue:<op>`: at least one request value satisfies <op>; false in those cases.
 *   With a negated <op>, "satisfies" means the request value differs from every policy value.
 *   IfExists on a set operator: an absent key makes the entry true.
 * - A multivalued key under a plain operator (no set qualifier, a misuse the docs warn against):
 *   a positive operator is true when some request value matches, a negated one when no request
 *   value matches. An empty set counts as absent.
 * - Type coercion failures (request value not a number/date/boolean/IP/ARN/base64, or a policy
 *   literal that is not one) make the entry unsatisfiable in both positive and negated forms.
 *
 * Validation (what IAM reports as MalformedPolicyDocument):
 * - `Condition` not an object, an operator block not an object, a value that is an object/null
 *   (or an array holding one): "Syntax errors in policy.".
 * - Operator names are case-sensitive. An unknown operator (e.g. `StringEqualz`) with a non-empty
 *   block: "Syntax errors in policy."; with an empty block `{}` IAM accepts it and it imposes
 *   nothing. `NullIfExists` (IfExists on Null, which the docs exclude) is rejected the same way.
 * - A Date value IAM cannot parse: "The policy failed legacy parsing".
 * Other literals (numbers, booleans, IPs, base64) are not validated by IAM; they are accepted and
 * make their entry unsatisfiable.
 */
import type { ContextKeys, PolicyProblem, PolicyVersion } from '../types.js';
import { lowerKey, singleValue as singleValue_ } from '../context.js';
import { compileTemplate, type TemplateVar } from '../variables.js';
import { ARN_OPERATORS } from './arn.js';
import { BINARY_OPERATORS } from './binary.js';
import { BOOL_OPERATORS } from './bool.js';
import { DATE_OPERATORS } from './date.js';
import { IP_OPERATORS } from './ip.js';
import { compileNull, type NullTest } from './null.js';
import { NUMERIC_OPERATORS } from './numeric.js';
import { STRING_OPERATORS } from './string.js';
import { SYNTAX_ERROR, isProblem, type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const singleValue = singleValue_;
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


export interface CompiledConditions {
  readonly keys: string[]; // lower-cased context keys used
  /** true when every operator/key in the block is satisfied. Pushes keys the request lacked into `missing` if given. */
  evaluate(ctx: ContextKeys, missing?: string[]): boolean;
}

/** Every operator, by its case-sensitive base name (MinIO-style registry). */
export const OPERATORS: ReadonlyMap<string, OperatorDef> = new Map(
  [
    ...STRING_OPERATORS,
    ...NUMERIC_OPERATORS,
    ...DATE_OPERATORS,
    ...BOOL_OPERATORS,
    ...BINARY_OPERATORS,
    ...IP_OPERATORS,
    ...ARN_OPERATORS,
  ].map((d) => [d.name, d]),
);

const NONE = 0;
const FOR_ALL = 1;
const FOR_ANY = 2;

export interface ParsedOperator {
  base: string;
  set: typeof NONE | typeof FOR_ALL | typeof FOR_ANY;
  ifExists: boolean;
  def?: OperatorDef; // undefined for Null
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for an unknown operator. */
export function parseOperator(op: string): ParsedOperator | 'null-ifexists' | undefined {
  let name = op;
  let set: ParsedOperator['set'] = NONE;
  if (name.startsWith('ForAllValues:')) {
    set = FOR_ALL;
    name = name.slice(13);
  } else if (name.startsWith('ForAnyValue:')) {
    set = FOR_ANY;
    name = name.slice(12);
  }
  let ifExists = false;
  if (name.endsWith('IfExists')) {
    ifExists = true;
    name = name.slice(0, -8);
  }
  if (name === 'Null') return ifExists ? 'null-ifexists' : { base: name, set, ifExists };
  const def = OPERATORS.get(name);
  if (!def) return undefined;
  return { base: name, set, ifExists, def };
}

interface Entry {
  key: string; // lower-cased
  name: string; // as written
  set: number;
  ifExists: boolean;
  negated: boolean;
  test: ValueTest | undefined;
  nullTest: NullTest | undefined;
  /** Variables in the values that have no default (reported as missing when absent). */
  vars: TemplateVar[];
  /** No set qualifier and not Null: a single request value goes straight to `test`. */
  plain: boolean;
}

function entryOk(e: Entry, ctx: ContextKeys, v: string): boolean {
  const r = e.test!(v, ctx);
  if (r === INVALID) return false;
  return e.negated ? r === NOMATCH : r === MATCH;
}

/** Pushes the entry's keys the request lacks (its own key, and variables without a default). */
function pushMissing(e: Entry, ctx: ContextKeys, vals: readonly string[] | undefined, missing: string[]): void {
  if (vals === undefined) missing.push(e.name);
  const vars = e.vars;
  for (let i = 0; i < vars.length; i++) {
    const v = vars[i]!;
    if (singleValue(ctx, v.key) === undefined) missing.push(v.name);
  }
}

function evaluateEntry(e: Entry, ctx: ContextKeys, missing: string[] | undefined): boolean {
  const vals = ctx.get(e.key);
  if (missing !== undefined && (vals === undefined || e.vars.length !== 0)) pushMissing(e, ctx, vals, missing);
  // The common case: a plain operator on a single-valued key.
  if (e.plain && vals !== undefined && vals.length === 1) {
    const r = e.test!(vals[0]!, ctx);
    return r !== INVALID && (e.negated ? r === NOMATCH : r === MATCH);
  }
  if (e.nullTest !== undefined) return e.nullTest(vals !== undefined && vals.length > 0);
  const n = vals === undefined ? 0 : vals.length;
  if (n === 0 || (e.set !== NONE && n === 1 && vals![0] === '')) {
    if (e.ifExists) return true;
    if (e.set === FOR_ALL) return true;
    if (e.set === FOR_ANY) return false;
    return e.negated;
  }
  if (e.set === NONE) {
    if (n === 1) return entryOk(e, ctx, vals![0]!);
    if (!e.negated) {
      for (let i = 0; i < n; i++) if (entryOk(e, ctx, vals![i]!)) return true;
      return false;
    }
    for (let i = 0; i < n; i++) if (!entryOk(e, ctx, vals![i]!)) return false;
    return true;
  }
  if (e.set === FOR_ALL) {
    for (let i = 0; i < n; i++) if (!entryOk(e, ctx, vals![i]!)) return false;
    return true;
  }
  for (let i = 0; i < n; i++) if (entryOk(e, ctx, vals![i]!)) return true;
  return false;
}

class Compiled implements CompiledConditions {
  readonly keys: string[];
  constructor(private readonly entries: Entry[]) {
    const keys = new Set<string>();
    for (const e of entries) {
      keys.add(e.key);
      for (const v of e.vars) keys.add(v.key);
    }
    this.keys = [...keys];
  }
  evaluate(ctx: ContextKeys, missing?: string[]): boolean {
    const entries = this.entries;
    const n = entries.length;
    if (missing === undefined) {
      for (let i = 0; i < n; i++) if (!evaluateEntry(entries[i]!, ctx, undefined)) return false;
      return true;
    }
    for (let i = 0; i < n; i++) {
      if (evaluateEntry(entries[i]!, ctx, missing)) continue;
      // Failed: the remaining entries only report the keys they lack (tests are pure).
      for (let j = i + 1; j < n; j++) {
        const e = entries[j]!;
        const vals = ctx.get(e.key);
        if (vals === undefined || e.vars.length !== 0) pushMissing(e, ctx, vals, missing);
      }
      return false;
    }
    return true;
  }
}

/** The empty / absent Condition: imposes nothing. */
export const ALWAYS: CompiledConditions = Object.freeze({
  keys: [] as string[],
  evaluate: () => true,
});

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function scalarToString(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return Number.isFinite(x) ? String(x) : undefined;
  if (typeof x === 'boolean') return x ? 'true' : 'false';
  return undefined;
}

/** Policy values of one key: a scalar or an array of scalars; undefined when malformed. */
function valuesOf(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) {
    const out: string[] = [];
    for (const x of raw) {
      const s = scalarToString(x);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  const s = scalarToString(raw);
  return s === undefined ? undefined : [s];
}

/** Compiles a statement's `Condition` element. `undefined` (absent) and `{}` give ALWAYS. */
export function compileConditions(raw: unknown, version: PolicyVersion): CompiledConditions | PolicyProblem {
  if (raw === undefined) return ALWAYS;
  if (!isPlainObject(raw)) return SYNTAX_ERROR;

  // Pass 1: structure (IAM reports syntax errors before value errors).
  const ops: { op: ParsedOperator; block: Record<string, unknown> }[] = [];
  for (const opName of Object.keys(raw)) {
    const block = raw[opName];
    if (!isPlainObject(block)) return SYNTAX_ERROR;
    for (const k of Object.keys(block)) if (valuesOf(block[k]) === undefined) return SYNTAX_ERROR;
    const op = parseOperator(opName);
    if (op === 'null-ifexists') return SYNTAX_ERROR;
    if (op === undefined) {
      if (Object.keys(block).length === 0) continue; // unknown operator with an empty block: accepted
      return SYNTAX_ERROR;
    }
    ops.push({ op, block });
  }

  // Pass 2: compile values.
  const entries: Entry[] = [];
  for (const { op, block } of ops) {
    for (const name of Object.keys(block)) {
      const values = valuesOf(block[name])!;
      const entry: Entry = {
        key: lowerKey(name),
        name,
        set: op.set,
        ifExists: op.ifExists,
        negated: op.def?.negated ?? false,
        test: undefined,
        nullTest: undefined,
        vars: [],
        plain: op.set === NONE && op.def !== undefined,
      };
      if (op.def === undefined) {
        entry.nullTest = compileNull(values);
      } else {
        const test = op.def.compile(values, version);
        if (isProblem(test)) return test;
        entry.test = test;
        if (op.def.variables && version === '2012-10-17') {
          for (const v of values) {
            for (const tv of compileTemplate(v, version).vars) if (tv.def === undefined) entry.vars.push(tv);
          }
        }
      }
      entries.push(entry);
    }
  }
  if (entries.length === 0) return ALWAYS;
  return new Compiled(entries);
}
