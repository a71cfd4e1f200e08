/**
 * Internal interface of the operator families (one file per family, registered in index.ts).
 *
 * A family compiles the policy values of one `Operator: { key: values }` entry into a ValueTest:
 * it tells whether ONE request value matches ANY of the policy values (the OR across policy
 * values, IAM User Guide "Creating a condition with multiple context keys or values"). The generic
 * layer (index.ts) applies negation (NOR), IfExists, ForAllValues/ForAnyValue and missing keys.
 */
import type { ContextKeys, PolicyProblem, PolicyVersion } from '../types.js';

/** The request value matches one of the policy values. */
export const MATCH = 1;
/** The request value matches none of the policy values. */
export const NOMATCH = 0;
/**
 * The request value (or a policy literal) is not a valid number/date/boolean/IP/ARN/base64 for
 * the operator: the operator cannot be satisfied, neither in its positive nor in its negated form
 * (reference §7 "Type coercion failures").
 */
export const INVALID = -1;

export type TestResult = typeof MATCH | typeof NOMATCH | typeof INVALID;

/** Tests one request value against the compiled policy values. Must not throw. */
export type ValueTest = (requestValue: string, ctx: ContextKeys) => TestResult;

export interface OperatorDef {
  /** Base operator name, e.g. `StringNotEquals` (case-sensitive, as AWS's parser). */
  readonly name: string;
  /** Negated operators (`StringNotEquals`, `NotIpAddress`, ...): several values act as NOR. */
  readonly negated: boolean;
  /** Whether `${...}` policy variables are substituted in the values. */
  readonly variables: boolean;
  /**
   * Compiles the policy values (already converted to strings: JSON numbers/booleans are accepted
   * unquoted). Returns a PolicyProblem for literals AWS rejects at policy-creation time.
   */
  compile(values: readonly string[], version: PolicyVersion): ValueTest | PolicyProblem;
}

export const SYNTAX_ERROR: PolicyProblem = Object.freeze({
  code: 'MalformedPolicyDocument',
  message: 'Syntax errors in policy.',
}) as PolicyProblem;

export const LEGACY_PARSING: PolicyProblem = Object.freeze({
  code: 'MalformedPolicyDocument',
  message: 'The policy failed legacy parsing',
}) as PolicyProblem;

export function isProblem(x: unknown): x is PolicyProblem {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x;
}

export const ALWAYS_INVALID: ValueTest = () => INVALID;
