/**
 * ARN condition operators (IAM User Guide, "Condition operators" → "Amazon Resource Name (ARN)
 * condition operators"): `ArnEquals` ≡ `ArnLike`, `ArnNotEquals` ≡ `ArnNotLike`. Case-sensitive;
 * "each of the six colon-delimited components of the ARN is checked separately and each can
 * include multi-character match wildcards (*) or single-character match wildcards (?)": a `*` in
 * one of the first five parts (arn, partition, service, region, account) cannot absorb a colon,
 * unlike StringLike; the resource part (after the fifth colon) is matched as one string in which
 * `*` spans colons and slashes. Policy variables are supported.
 *
 * Choices (not documented): a policy value of exactly `*` matches any value; a policy value with
 * fewer than six parts matches nothing; a request value with fewer than six parts is not an ARN
 * and cannot satisfy the operator (neither ArnLike nor ArnNotLike).
 */
import type { PolicyVersion } from '../types.js';
import { EMPTY_CONTEXT } from '../context.js';
import { matchRange as matchRange_ } from '../glob.js';
import { compileTemplate, type Template } from '../variables.js';
import { type OperatorDef, type TestResult, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const matchRange = matchRange_;
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


const VCOL = new Int32Array(5);
const PCOL = new Int32Array(5);

/** Positions of the first five colons of a request value; false when fewer. */
function valueColons(v: string): boolean {
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const c = v.indexOf(':', from);
    if (c < 0) return false;
    VCOL[k] = c;
    from = c + 1;
  }
  return true;
}

/** Positions of the first five unescaped colons of a pattern; false when fewer. */
function patternColons(p: string, out: Int32Array): boolean {
  let k = 0;
  for (let i = 0; i < p.length && k < 5; i++) {
    const c = p.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 58) out[k++] = i;
  }
  return k === 5;
}

/** Matches a request value against an ARN pattern (escaped glob notation), part by part. */
export function arnMatch(pattern: string, value: string, pcols?: Int32Array): TestResult {
  if (pattern === '*') return MATCH;
  if (!valueColons(value)) return INVALID;
  let cols = pcols;
  if (cols === undefined) {
    if (!patternColons(pattern, PCOL)) return NOMATCH;
    cols = PCOL;
  }
  let ps = 0;
  let vs = 0;
  for (let k = 0; k < 5; k++) {
    const pe = cols[k]!;
    const ve = VCOL[k]!;
    if (!matchRange(pattern, ps, pe, value, vs, ve, false)) return NOMATCH;
    ps = pe + 1;
    vs = ve + 1;
  }
  return matchRange(pattern, ps, pattern.length, value, vs, value.length, false) ? MATCH : NOMATCH;
}

interface StaticArn {
  pattern: string;
  cols: Int32Array | undefined; // undefined: fewer than six parts (matches only via `*`)
}

function compileArn(values: readonly string[], version: PolicyVersion): ValueTest {
  const statics: StaticArn[] = [];
  const dynamic: Template[] = [];
  for (const raw of values) {
    const t = compileTemplate(raw, version);
    if (!t.constant) {
      dynamic.push(t);
      continue;
    }
    const pattern = t.renderPattern(EMPTY_CONTEXT)!;
    const cols = new Int32Array(5);
    statics.push({ pattern, cols: patternColons(pattern, cols) ? cols : undefined });
  }
  const n = statics.length;
  const d = dynamic.length;
  return (v, ctx) => {
    let invalid = false;
    for (let i = 0; i < n; i++) {
      const s = statics[i]!;
      if (s.cols === undefined && s.pattern !== '*') {
        if (!valueColons(v)) invalid = true;
        continue;
      }
      const r = arnMatch(s.pattern, v, s.cols);
      if (r === MATCH) return MATCH;
      if (r === INVALID) invalid = true;
    }
    for (let i = 0; i < d; i++) {
      const p = dynamic[i]!.renderPattern(ctx);
      if (p === undefined) {
        if (!valueColons(v)) invalid = true;
        continue;
      }
      const r = arnMatch(p, v);
      if (r === MATCH) return MATCH;
      if (r === INVALID) invalid = true;
    }
    return invalid ? INVALID : NOMATCH;
  };
}

export const ARN_OPERATORS: OperatorDef[] = [
  { name: 'ArnEquals', negated: false, variables: true, compile: compileArn },
  { name: 'ArnLike', negated: false, variables: true, compile: compileArn },
  { name: 'ArnNotEquals', negated: true, variables: true, compile: compileArn },
  { name: 'ArnNotLike', negated: true, variables: true, compile: compileArn },
];
