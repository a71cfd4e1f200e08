/**
 * String condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators" →
 * "String condition operators"):
 *   StringEquals / StringNotEquals               exact, case-sensitive, `*`/`?` literal
 *   StringEqualsIgnoreCase / StringNotEqualsIgnoreCase  exact ignoring case
 *   StringLike / StringNotLike                   case-sensitive glob over the whole value
 * All support policy variables ("Policy variables: Supported").
 */
import type { PolicyVersion } from '../types.js';
import { EMPTY_CONTEXT } from '../context.js';
import { compileGlob, eqIgnoreCase as eqIgnoreCase_, globMatch as globMatch_, type Matcher } from '../glob.js';
import { compileTemplate, type Template } from '../variables.js';
import { type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const eqIgnoreCase = eqIgnoreCase_;
const globMatch = globMatch_;
const MATCH = 1;
const NOMATCH = 0;

function splitTemplates(values: readonly string[], version: PolicyVersion) {
  const constants: string[] = [];
  const dynamic: Template[] = [];
  for (const v of values) {
    const t = compileTemplate(v, version);
    if (t.constant) constants.push(t.renderText(EMPTY_CONTEXT)!);
    else dynamic.push(t);
  }
  return { constants, dynamic };
}

function compileEquals(values: readonly string[], version: PolicyVersion): ValueTest {
  const { constants, dynamic } = splitTemplates(values, version);
  const set = constants.length > 4 ? new Set(constants) : undefined;
  const n = constants.length;
  const d = dynamic.length;
  return (v, ctx) => {
    if (set !== undefined) {
      if (set.has(v)) return MATCH;
    } else {
      for (let i = 0; i < n; i++) if (constants[i] === v) return MATCH;
    }
    for (let i = 0; i < d; i++) if (dynamic[i]!.renderText(ctx) === v) return MATCH;
    return NOMATCH;
  };
}

function compileEqualsIgnoreCase(values: readonly string[], version: PolicyVersion): ValueTest {
  const { constants, dynamic } = splitTemplates(values, version);
  const n = constants.length;
  const d = dynamic.length;
  return (v, ctx) => {
    for (let i = 0; i < n; i++) if (eqIgnoreCase(constants[i]!, v)) return MATCH;
    for (let i = 0; i < d; i++) {
      const r = dynamic[i]!.renderText(ctx);
      if (r !== undefined && eqIgnoreCase(r, v)) return MATCH;
    }
    return NOMATCH;
  };
}

function compileLike(values: readonly string[], version: PolicyVersion): ValueTest {
  const matchers: Matcher[] = [];
  const dynamic: Template[] = [];
  for (const raw of values) {
    const t = compileTemplate(raw, version);
    if (t.constant) matchers.push(compileGlob(t.renderPattern(EMPTY_CONTEXT)!));
    else dynamic.push(t);
  }
  const n = matchers.length;
  const d = dynamic.length;
  return (v, ctx) => {
    for (let i = 0; i < n; i++) if (matchers[i]!(v)) return MATCH;
    for (let i = 0; i < d; i++) {
      const p = dynamic[i]!.renderPattern(ctx);
      if (p !== undefined && globMatch(p, v)) return MATCH;
    }
    return NOMATCH;
  };
}

export const STRING_OPERATORS: OperatorDef[] = [
  { name: 'StringEquals', negated: false, variables: true, compile: compileEquals },
  { name: 'StringNotEquals', negated: true, variables: true, compile: compileEquals },
  { name: 'StringEqualsIgnoreCase', negated: false, variables: true, compile: compileEqualsIgnoreCase },
  { name: 'StringNotEqualsIgnoreCase', negated: true, variables: true, compile: compileEqualsIgnoreCase },
  { name: 'StringLike', negated: false, variables: true, compile: compileLike },
  { name: 'StringNotLike', negated: true, variables: true, compile: compileLike },
];
