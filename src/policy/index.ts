/** The policy engine: a pure library (no I/O, no clock, no exceptions during evaluation). */
export type * from './types.js';
export { parsePolicy, policySize, isProblem } from './document.js';
export type { ParsedPolicy, ParsedStatement, ParseOptions, PolicyKind, PrincipalSpec, Position } from './document.js';
export { compilePolicy, compileParsed, matchPrincipal, notPrincipalExempt, Grant } from './compile.js';
export type { CompiledPolicy, CompiledStatement, CompileOptions } from './compile.js';
export { evaluatePolicy, prepareRequest, evaluatePrepared, newResult } from './evaluate.js';
export type { PreparedRequest, PreparedResult } from './evaluate.js';
export { decide } from './decide.js';
export type { Decision, DecisionInput, DeniedBy } from './decide.js';
export {
  denialMessage,
  denialReason,
  authorizationMessageJson,
  matchedStatementsFor,
  encodeAuthorizationMessage,
  decodeAuthorizationMessage,
  unauthorizedOperationMessage,
} from './messages.js';
export type { DenialMessageOptions, AuthorizationMessageInput, AuthorizationMessageStatement } from './messages.js';
export { compileGlob, escapeGlob, hasWildcard } from './glob.js';
export { compileTemplate } from './variables.js';
export type { Template } from './variables.js';
export { makeContext, EMPTY_CONTEXT } from './context.js';
export type { ContextInput } from './context.js';
export { compileConditions, ALWAYS } from './conditions/index.js';
export type { CompiledConditions } from './conditions/index.js';
