/**
 * Model-driven input validation: required members, enums, lengths, numeric ranges and patterns
 * from the botocore model, reported in the form each AWS protocol family answers with.
 *
 * - `query` (IAM, STS): `ValidationError` 400,
 *   `1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`;
 *   several: `2 validation errors detected: …; …`. Paths are member names with the first letter
 *   lower-cased, nested with dots; list items are `tags.1.member` (1-based), map values `tags.<key>`.
 *   A missing required member is `Value null at 'userName' failed to satisfy constraint: Member must not be null`.
 *   Sensitive values are never echoed (`Value at 'password' …`), nor are numbers, timestamps, blobs and
 *   structures in the query form (IAM answers `Value at 'maxSessionDuration' failed to satisfy constraint:
 *   Member must have value less than or equal to 43200`).
 * - `json` / `rest`: `ValidationException` 400 with the same message; numbers are echoed (`Value '10241' at 'memorySize' …`).
 * - `ec2`: the first problem only: `MissingParameter` "The request must contain the parameter X" for a
 *   required member (X as sent on the wire), else `InvalidParameterValue`
 *   "Value (v) for parameter x is invalid. <constraint>".
 *
 * Constraint semantics: string length counts Unicode code points, list/map length counts entries,
 * blob length counts bytes; `min`/`max` on integer/long/float/double bound the value; `pattern` must
 * match the whole string (Java `matches`). botocore patterns are Java regexes: they are translated
 * for JavaScript once and cached; a pattern JavaScript cannot express is skipped (never a crash).
 *
 * Gaps: S3 (rest-xml) does not answer Coral-style validation messages; callers serving S3 should
 * not rely on the `rest` form for S3-specific errors.
 */
import type { ServiceModel, Operation, Shape, ShapeRef } from '../model/types.js';
import { ServiceError } from '../gateway/errors.js';
import { blobLength, codePointLength, lowerFirst, upperFirst } from './wire-values.js';

export type ValidationStyle = 'query' | 'ec2' | 'json' | 'rest';

interface Violation {
  path: string;
  /** Value text for the message (`'x'`, `null`), or undefined to omit it. */
  shown: string | undefined;
  constraint: string;
  missing: boolean;
  /** ec2: the name as sent on the wire, and the lowerCamel name EC2 puts in messages. */
  wire: string;
  display: string;
  raw: unknown;
}

const MAX_VIOLATIONS = 100;
const MAX_DEPTH = 100;

// ---------------------------------------------------------------------------------------------
// Java regex -> JavaScript
// ---------------------------------------------------------------------------------------------

const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r', javaLowerCase: 'a-z', javaUpperCase: 'A-Z', javaWhitespace: ' \\t\\n\\x0B\\f\\r',
};

/** Syntax characters that may be escaped in a `u`-mode JS regex. */
const U_ESCAPABLE = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/', '-']);

function translateJavaRegex(p: string): { src: string; unicode: boolean } {
  let unicode = false;
  let out = '';
  let inClass = 0;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\' && i + 1 < p.length) {
      const n = p[i + 1]!;
      if ((n === 'p' || n === 'P') && p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        if (end === -1) throw new Error('bad \\p');
        let name = p.slice(i + 3, end);
        if (name.startsWith('Is')) name = name.slice(2);
        const posix = POSIX[name];
        if (posix) {
          const neg = n === 'P';
          if (inClass && neg) throw new Error('negated POSIX class inside a class');
          out += inClass ? posix : neg ? `[^${posix}]` : `[${posix}]`;
        } else {
          unicode = true;
          out += `\\${n}{${name}}`;
        }
        i = end;
        continue;
      }
      if (n === 'A') { out += '^'; i++; continue; }
      if (n === 'z' || n === 'Z') { out += '$'; i++; continue; }
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => '\\' + c);
        i = end === -1 ? p.length : end + 1;
        continue;
      }
      out += ch + n;
      i++;
      continue;
    }
    if (ch === '[') inClass++;
    else if (ch === ']' && inClass > 0) inClass--;
    else if (ch === '&' && p[i + 1] === '&' && inClass) throw new Error('class intersection');
    out += ch;
  }
  return { src: out, unicode };
}

/** In `u` mode, `\_` and similar identity escapes are errors: write them as `\xHH`/`\uHHHH`. */
function fixIdentityEscapes(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      if (!/[A-Za-z0-9]/.test(n) && !U_ESCAPABLE.has(n)) {
        const code = n.codePointAt(0)!;
        out += code <= 0xff ? '\\x' + code.toString(16).padStart(2, '0') : '\\u{' + code.toString(16) + '}';
      } else out += ch + n;
      i++;
      continue;
    }
    out += ch;
  }
  return out;
}

const patternCache = new Map<string, RegExp | null>();

/** The JS RegExp for a botocore (Java) pattern, anchored for a full match; null if it cannot be expressed. */
export function compilePattern(pattern: string): RegExp | null {
  const hit = patternCache.get(pattern);
  if (hit !== undefined) return hit;
  let re: RegExp | null = null;
  try {
    const { src, unicode } = translateJavaRegex(pattern);
    const anchored = `^(?:${src})$`;
    const attempts: Array<[string, string]> = unicode
      ? [[anchored, 'u'], [fixIdentityEscapes(anchored), 'u']]
      : [[anchored, ''], [anchored, 'u'], [fixIdentityEscapes(anchored), 'u']];
    for (const [s, f] of attempts) {
      try {
        re = new RegExp(s, f);
        break;
      } catch {
        /* try the next form */
      }
    }
  } catch {
    re = null;
  }
  patternCache.set(pattern, re);
  return re;
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

const enumCache = new WeakMap<Shape, Set<string>>();

interface MemberPlan {
  name: string;
  ref: ShapeRef;
  shape: Shape;
  required: boolean;
  /** Member name with the first letter lower-cased (the message path segment). */
  lower: string;
  wire: string;
  display: string;
}

const memberPlanCache = new WeakMap<ServiceModel, WeakMap<Shape, MemberPlan[]>>();

function memberPlans(model: ServiceModel, shape: Shape): MemberPlan[] {
  let byShape = memberPlanCache.get(model);
  if (!byShape) {
    byShape = new WeakMap();
    memberPlanCache.set(model, byShape);
  }
  let plans = byShape.get(shape);
  if (plans) return plans;
  plans = [];
  const required = new Set(shape.required ?? []);
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const ms = Object.prototype.hasOwnProperty.call(model.shapes, ref.shape) ? model.shapes[ref.shape] : undefined;
    if (!ms) continue;
    plans.push({
      name,
      ref,
      shape: ms,
      required: required.has(name),
      lower: lowerFirst(name),
      wire: ref.queryName ?? upperFirst(ref.locationName ?? name),
      display: ref.locationName ?? lowerFirst(name),
    });
  }
  byShape.set(shape, plans);
  return plans;
}

function enumSet(shape: Shape): Set<string> {
  let s = enumCache.get(shape);
  if (!s) {
    s = new Set(shape.enum);
    enumCache.set(shape, s);
  }
  return s;
}

function javaString(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return depth > 3 ? '[...]' : '[' + v.map((x) => javaString(x, depth + 1)).join(', ') + ']';
  return '{...}';
}

function truncateShown(s: string): string {
  return s.length > 512 ? s.slice(0, 512) + '...' : s;
}

class Validator {
  readonly violations: Violation[] = [];

  constructor(
    readonly model: ServiceModel,
    readonly style: ValidationStyle,
  ) {}

  shape(name: string): Shape | undefined {
    return Object.prototype.hasOwnProperty.call(this.model.shapes, name) ? this.model.shapes[name] : undefined;
  }

  full(): boolean {
    return this.violations.length >= MAX_VIOLATIONS;
  }

  shown(value: unknown, shape: Shape, sensitive: boolean): string | undefined {
    if (value === null || value === undefined) return 'null';
    if (sensitive) return undefined;
    switch (shape.type) {
      case 'string':
        return `'${truncateShown(String(value))}'`;
      case 'boolean':
        return `'${String(value)}'`;
      case 'integer':
      case 'long':
      case 'float':
      case 'double':
      case 'bigdecimal':
      case 'biginteger':
        return this.style === 'query' ? undefined : `'${String(value)}'`;
      case 'list':
        // Java's List.toString, for lists of plain values only.
        return Array.isArray(value) && value.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
          ? `'${truncateShown(javaString(value))}'`
          : undefined;
      default:
        return undefined;
    }
  }

  add(path: string, value: unknown, shape: Shape, sensitive: boolean, constraint: string, wire: string, display: string): void {
    if (this.full()) return;
    const missing = value === null || value === undefined;
    this.violations.push({ path, shown: this.shown(value, shape, sensitive), constraint, missing, wire, display, raw: value });
  }

  structure(shape: Shape, value: unknown, path: string, depth: number): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    if (depth > MAX_DEPTH) return;
    const rec = value as Record<string, unknown>;
    for (const m of memberPlans(this.model, shape)) {
      const v = rec[m.name];
      if (v === undefined || v === null) {
        if (m.required && !this.full()) this.add(path === '' ? m.lower : path + '.' + m.lower, null, m.shape, false, 'Member must not be null', m.wire, m.display);
        continue;
      }
      if (this.full()) return;
      this.value(m.shape, m.ref, v, path === '' ? m.lower : path + '.' + m.lower, m.wire, m.display, depth + 1);
    }
  }

  value(shape: Shape, ref: ShapeRef | undefined, v: unknown, path: string, wire: string, display: string, depth: number): void {
    if (depth > MAX_DEPTH || this.full()) return;
    const sensitive = !!shape.sensitive;
    switch (shape.type) {
      case 'structure':
        this.structure(shape, v, path, depth);
        return;
      case 'list': {
        if (!Array.isArray(v)) return;
        this.lengthCheck(shape, v.length, v, path, sensitive, wire, display);
        const mref = shape.member;
        const ms = mref ? this.shape(mref.shape) : undefined;
        if (!ms || !mref) return;
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          if (item === undefined || item === null) continue;
          this.value(ms, mref, item, `${path}.${i + 1}.member`, wire, display, depth + 1);
          if (this.full()) return;
        }
        return;
      }
      case 'map': {
        if (typeof v !== 'object' || v === null) return;
        const entries = v instanceof Map ? [...(v as Map<unknown, unknown>).entries()] : Object.entries(v as Record<string, unknown>);
        this.lengthCheck(shape, entries.length, v, path, sensitive, wire, display);
        const ks = shape.key ? this.shape(shape.key.shape) : undefined;
        const vs = shape.value ? this.shape(shape.value.shape) : undefined;
        for (const [k, val] of entries) {
          if (ks) this.value(ks, shape.key, k, path, wire, display, depth + 1);
          if (vs && val !== undefined && val !== null) this.value(vs, shape.value, val, `${path}.${String(k)}`, wire, display, depth + 1);
          if (this.full()) return;
        }
        return;
      }
      case 'string': {
        if (typeof v !== 'string') return;
        if (shape.min !== undefined || shape.max !== undefined) {
          // Code points <= UTF-16 units <= 2 * code points: count exactly only when it matters.
          let len = v.length;
          if ((shape.max !== undefined && len > shape.max) || (shape.min !== undefined && len < shape.min * 2 && len >= shape.min)) {
            len = codePointLength(v);
          }
          this.lengthCheck(shape, len, v, path, sensitive, wire, display);
        }
        if (shape.pattern !== undefined) {
          const re = compilePattern(shape.pattern);
          if (re && !re.test(v)) {
            this.add(path, v, shape, sensitive, `Member must satisfy regular expression pattern: ${shape.pattern}`, wire, display);
          }
        }
        if (shape.enum !== undefined && shape.enum.length > 0 && !enumSet(shape).has(v)) {
          this.add(path, v, shape, sensitive, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`, wire, display);
        }
        return;
      }
      case 'blob':
        if (shape.min !== undefined || shape.max !== undefined) this.lengthCheck(shape, blobLength(v), v, path, sensitive, wire, display);
        return;
      case 'integer':
      case 'long':
      case 'float':
      case 'double': {
        if (typeof v !== 'number' || Number.isNaN(v)) return;
        if (shape.min !== undefined && v < shape.min) {
          this.add(path, v, shape, sensitive, `Member must have value greater than or equal to ${shape.min}`, wire, display);
        }
        if (shape.max !== undefined && v > shape.max) {
          this.add(path, v, shape, sensitive, `Member must have value less than or equal to ${shape.max}`, wire, display);
        }
        return;
      }
      default:
        void ref;
        return;
    }
  }

  lengthCheck(shape: Shape, len: number, v: unknown, path: string, sensitive: boolean, wire: string, display: string): void {
    if (shape.min !== undefined && len < shape.min) {
      this.add(path, v, shape, sensitive, `Member must have length greater than or equal to ${shape.min}`, wire, display);
    }
    if (shape.max !== undefined && len > shape.max) {
      this.add(path, v, shape, sensitive, `Member must have length less than or equal to ${shape.max}`, wire, display);
    }
  }
}

/** Collected violations as `Value … at 'path' failed to satisfy constraint: …` strings (for tests and other callers). */
export function validationMessages(model: ServiceModel, op: Operation, input: Record<string, unknown> | undefined, style: ValidationStyle): string[] {
  return collect(model, op, input, style).map(coralMessage);
}

function collect(model: ServiceModel, op: Operation, input: Record<string, unknown> | undefined, style: ValidationStyle): Violation[] {
  if (!op.input) return [];
  const v = new Validator(model, style);
  const shape = v.shape(op.input.shape);
  if (!shape) return [];
  v.structure(shape, input ?? {}, '', 0);
  return v.violations;
}

function coralMessage(x: Violation): string {
  const value = x.shown === undefined ? 'Value' : `Value ${x.shown}`;
  return `${value} at '${x.path}' failed to satisfy constraint: ${x.constraint}`;
}

/**
 * Validates an operation's parsed input against the model's constraints and throws the
 * ServiceError AWS answers with for the protocol family `style`. Returns normally when valid.
 */
export function validateInput(model: ServiceModel, op: Operation, input: Record<string, unknown> | undefined, style: ValidationStyle): void {
  const violations = collect(model, op, input, style);
  if (violations.length === 0) return;
  if (style === 'ec2') {
    const missing = violations.find((x) => x.missing);
    if (missing) throw new ServiceError('MissingParameter', `The request must contain the parameter ${missing.wire}`, 400);
    const x = violations[0]!;
    const shown = x.shown === undefined ? '' : typeof x.raw === 'string' || typeof x.raw === 'number' || typeof x.raw === 'boolean' ? truncateShown(String(x.raw)) : '';
    throw new ServiceError('InvalidParameterValue', `Value (${shown}) for parameter ${x.display} is invalid. ${x.constraint}`, 400);
  }
  const n = violations.length;
  const message = `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(coralMessage).join('; ')}`;
  throw new ServiceError(style === 'query' ? 'ValidationError' : 'ValidationException', message, 400);
}
