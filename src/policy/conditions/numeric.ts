/**
 * Numeric condition operators (IAM User Guide, "Condition operators" → "Numeric condition
 * operators"): NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals,
 * NumericGreaterThan, NumericGreaterThanEquals. Values compare as numbers, not text
 * (`100 > 20`, `10 == 10.0`); wildcards and policy variables are not supported.
 *
 * Accepted literal: optional sign, digits with an optional fraction (`10`, `-3`, `10.0`, `.5`).
 * IAM does not reject a non-numeric literal at policy-creation time (its validator only checks
 * Date values), so a bad literal is accepted and makes the entry unsatisfiable (INVALID); a
 * non-numeric request value likewise cannot satisfy the operator.
 */
import { ALWAYS_INVALID, type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export function parseNumber(s: string): number {
  return NUMBER_RE.test(s) ? Number(s) : NaN;
}

type Cmp = (req: number, pol: number) => boolean;

function family(cmp: Cmp): OperatorDef['compile'] {
  return (values) => {
    const nums: number[] = [];
    for (const v of values) {
      const n = parseNumber(v);
      if (Number.isNaN(n)) return ALWAYS_INVALID;
      nums.push(n);
    }
    const len = nums.length;
    const test: ValueTest = (v) => {
      const r = parseNumber(v);
      if (r !== r) return INVALID; // NaN
      for (let i = 0; i < len; i++) if (cmp(r, nums[i]!)) return MATCH;
      return NOMATCH;
    };
    return test;
  };
}

const eq = family((a, b) => a === b);

export const NUMERIC_OPERATORS: OperatorDef[] = [
  { name: 'NumericEquals', negated: false, variables: false, compile: eq },
  { name: 'NumericNotEquals', negated: true, variables: false, compile: eq },
  { name: 'NumericLessThan', negated: false, variables: false, compile: family((a, b) => a < b) },
  { name: 'NumericLessThanEquals', negated: false, variables: false, compile: family((a, b) => a <= b) },
  { name: 'NumericGreaterThan', negated: false, variables: false, compile: family((a, b) => a > b) },
  { name: 'NumericGreaterThanEquals', negated: false, variables: false, compile: family((a, b) => a >= b) },
];
