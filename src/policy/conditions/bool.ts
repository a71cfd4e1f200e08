/**
 * Boolean condition operator (IAM User Guide, "Condition operators" → "Boolean condition
 * operators"): `Bool` compares `true`/`false`. The policy value may be a JSON boolean or a string
 * (quotes optional); comparison ignores case (`"True"` ≡ `true`).
 *
 * Policy variables: the operators page lists Bool among the operators that support policy
 * variables while the variables page lists only string and ARN operators. We follow the
 * operators page (the more specific one): `${...}` is substituted, then the result must be
 * `true`/`false`. A value that is not a boolean (policy or request) cannot satisfy the operator;
 * IAM does not reject such literals at policy-creation time.
 */
import type { PolicyVersion } from '../types.js';
import { EMPTY_CONTEXT } from '../context.js';
import { eqIgnoreCase as eqIgnoreCase_ } from '../glob.js';
import { compileTemplate, type Template } from '../variables.js';
import { type OperatorDef, type TestResult, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const eqIgnoreCase = eqIgnoreCase_;
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


/** 1 true, 0 false, -1 not a boolean. */
export function parseBool(s: string): number {
  if (s === 'true') return 1;
  if (s === 'false') return 0;
  if (s.length === 4 && eqIgnoreCase(s, 'true')) return 1;
  if (s.length === 5 && eqIgnoreCase(s, 'false')) return 0;
  return -1;
}

function compileBool(values: readonly string[], version: PolicyVersion): ValueTest {
  let wantTrue = false;
  let wantFalse = false;
  let invalid = false;
  const dynamic: Template[] = [];
  for (const raw of values) {
    const t = compileTemplate(raw, version);
    if (!t.constant) {
      dynamic.push(t);
      continue;
    }
    const b = parseBool(t.renderText(EMPTY_CONTEXT)!);
    if (b === 1) wantTrue = true;
    else if (b === 0) wantFalse = true;
    else invalid = true;
  }
  const d = dynamic.length;
  return (v, ctx): TestResult => {
    const r = parseBool(v);
    if (r < 0 || invalid) return INVALID;
    if (r === 1 ? wantTrue : wantFalse) return MATCH;
    for (let i = 0; i < d; i++) {
      const text = dynamic[i]!.renderText(ctx);
      if (text !== undefined && parseBool(text) === r) return MATCH;
    }
    return NOMATCH;
  };
}

export const BOOL_OPERATORS: OperatorDef[] = [
  { name: 'Bool', negated: false, variables: true, compile: compileBool },
];
