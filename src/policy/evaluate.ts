/**
 * One compiled policy against one request: the matching Allow and Deny statements, and the context
 * keys the policy's conditions (and Resource variables) needed but the request lacked.
 *
 * A statement applies when Action/NotAction, Resource/NotResource, Principal/NotPrincipal (resource
 * side only) and Condition all match (reference_policies_evaluation-logic.html). NotAction and
 * NotResource invert only their own element: `Allow` + `NotAction` allows every other action within
 * the statement's resources; `Deny` + `NotResource` denies the listed actions on every other resource.
 *
 * Evaluation never throws and allocates nothing per statement: StatementRefs are built at compile
 * time, the request is prepared once (action split, ARN colon positions), and segments are matched
 * in place with glob.ts's range matcher.
 */
import type { AuthzRequest, CallerPrincipal, ContextKeys, PolicyResult } from './types.js';
import {
  Grant,
  SegKind,
  matchPrincipal,
  notPrincipalExempt,
  type ActionSet,
  type SvcActions,
  type CompiledPolicy,
  type CompiledStatement,
  type ResourceEntry,
  type Seg,
} from './compile.js';
import { matchRange } from './glob.js';

/** A request with the parts every statement needs, computed once. */
export interface PreparedRequest {
  req: AuthzRequest;
  principal: CallerPrincipal;
  context: ContextKeys;
  action: ActionKey;
  /** Lower-cased service prefix and action name. */
  svc: string;
  name: string;
  resource: string;
  /** Positions of the first five colons of the resource ARN; c4 < 0 when it is not ARN-shaped. */
  c0: number;
  c1: number;
  c2: number;
  c3: number;
  c4: number;
  /** The caller has a permissions boundary (NotPrincipal never exempts it). */
  hasBoundary: boolean;
}

/** An interned request action: its parts, and an id indexing the policies' per-action memo. */
export interface ActionKey {
  svc: string;
  name: string;
  id: number;
}

const MAX_ACTIONS = 16384;
let actionGen = 0;
let actionTable = new Map<string, ActionKey>();

function internAction(action: string): ActionKey {
  let a = actionTable.get(action);
  if (a === undefined) {
    if (actionTable.size >= MAX_ACTIONS) {
      // Start a new generation: every policy's memo is dropped on its next use.
      actionTable = new Map();
      actionGen++;
    }
    const l = action.toLowerCase();
    const colon = l.indexOf(':');
    a = colon < 0 ? { svc: '', name: l, id: actionTable.size } : { svc: l.slice(0, colon), name: l.slice(colon + 1), id: actionTable.size };
    actionTable.set(action, a);
  }
  return a;
}

export function prepareRequest(req: AuthzRequest, hasBoundary = false, out?: PreparedRequest): PreparedRequest {
  const a = internAction(req.action);
  const r = req.resource;
  let c0 = -1, c1 = -1, c2 = -1, c3 = -1, c4 = -1;
  // `arn:` then the next four colons, in one pass.
  if (r.length > 4 && r.charCodeAt(0) === 97 && r.charCodeAt(1) === 114 && r.charCodeAt(2) === 110 && r.charCodeAt(3) === 58) {
    c0 = 3;
    let n = 0;
    for (let i = 4; i < r.length; i++) {
      if (r.charCodeAt(i) !== 58) continue;
      if (n === 0) c1 = i;
      else if (n === 1) c2 = i;
      else if (n === 2) c3 = i;
      else {
        c4 = i;
        break;
      }
      n++;
    }
  }
  const p = out ?? ({} as PreparedRequest);
  p.req = req;
  p.principal = req.principal;
  p.context = req.context;
  p.action = a;
  p.svc = a.svc;
  p.name = a.name;
  p.resource = r;
  p.c0 = c0;
  p.c1 = c1;
  p.c2 = c2;
  p.c3 = c3;
  p.c4 = c4;
  p.hasBoundary = hasBoundary;
  return p;
}

// ---------------------------------------------------------------------------------------------

function segMatch(s: Seg, v: string, vs: number, ve: number): boolean {
  switch (s.kind) {
    case SegKind.Any:
      return true;
    case SegKind.Literal: {
      const lit = s.p;
      const n = lit.length;
      if (ve - vs !== n) return false;
      for (let i = 0; i < n; i++) if (lit.charCodeAt(i) !== v.charCodeAt(vs + i)) return false;
      return true;
    }
    case SegKind.Prefix:
      return ve - vs >= s.p.length && v.startsWith(s.p, vs);
    default:
      return matchRange(s.p, 0, s.p.length, v, vs, ve, false);
  }
}

function actionMatches(a: ActionSet, s: SvcActions | undefined, svc: string, name: string): boolean {
  if (a.all) return true;
  if (s !== undefined) {
    if (s.all || s.exact.has(name)) return true;
    const ps = s.patterns;
    for (let i = 0; i < ps.length; i++) if (segMatch(ps[i]!, name, 0, name.length)) return true;
  }
  const g = a.svcGlobs;
  for (let i = 0; i < g.length; i++) {
    const e = g[i]!;
    if (segMatch(e.svc, svc, 0, svc.length) && segMatch(e.name, name, 0, name.length)) return true;
  }
  return false;
}

function entryMatches(e: ResourceEntry, p: PreparedRequest, missing: string[] | undefined): boolean {
  if (e.all) return true;
  const r = p.resource;
  if (!e.arn) return segMatch(e.res, r, 0, r.length);
  if (p.c4 < 0) return false;
  const head = e.head;
  const k = e.headSegs;
  if (head !== undefined) {
    const at = k === 4 ? p.c4 : k === 3 ? p.c3 : k === 2 ? p.c2 : p.c1;
    if (at !== head.length - 1) return false;
    // Compare backwards from the last literal segment (the one most likely to differ); the request
    // is known to start with `arn:`. (A charCode loop beats String#startsWith here.)
    for (let i = at - 1; i > 3; i--) if (head.charCodeAt(i) !== r.charCodeAt(i)) return false;
  }
  if (k < 1 && e.partition.kind !== SegKind.Any && !segMatch(e.partition, r, p.c0 + 1, p.c1)) return false;
  if (k < 2 && e.service.kind !== SegKind.Any && !segMatch(e.service, r, p.c1 + 1, p.c2)) return false;
  if (k < 3 && e.region.kind !== SegKind.Any && !segMatch(e.region, r, p.c2 + 1, p.c3)) return false;
  if (k < 4 && e.account.kind !== SegKind.Any && !segMatch(e.account, r, p.c3 + 1, p.c4)) return false;
  if (e.tmpl !== undefined) {
    const pat = e.tmpl.renderPattern(p.context);
    if (pat === undefined) {
      // A variable without a value: the entry matches no resource.
      if (missing !== undefined) {
        const vars = e.tmpl.vars;
        for (let i = 0; i < vars.length; i++) {
          const v = vars[i]!;
          if (v.def === undefined && p.context.get(v.key) === undefined && !missing.includes(v.name)) missing.push(v.name);
        }
      }
      return false;
    }
    return matchRange(pat, 0, pat.length, r, p.c4 + 1, r.length, false);
  }
  return segMatch(e.res, r, p.c4 + 1, r.length);
}

function resourceMatches(st: CompiledStatement, p: PreparedRequest, missing: string[] | undefined): boolean {
  if (st.noResource) return true;
  let any = st.resourceAll;
  if (!any) {
    const rs = st.resources;
    for (let i = 0; i < rs.length; i++) {
      if (entryMatches(rs[i]!, p, missing)) {
        any = true;
        break;
      }
    }
  }
  return st.notResource ? !any : any;
}

/**
 * Whether the statement applies to the request (conditions included): Grant.None when it does not,
 * otherwise how its Principal names the caller (Grant.Direct for statements without one). `acts` is
 * the statement's action set for the request's service (pre-resolved by the policy's service index).
 */
export function statementApplies(
  st: CompiledStatement,
  acts: SvcActions | undefined,
  p: PreparedRequest,
  missing: string[] | undefined,
): Grant {
  const am = actionMatches(st.actions, acts, p.svc, p.name);
  if (st.notAction ? am : !am) return Grant.None;
  if (!resourceMatches(st, p, missing)) return Grant.None;
  let g = Grant.Direct;
  if (st.principal !== undefined) {
    g = matchPrincipal(st.principal, p.principal);
    if (g === Grant.None) return Grant.None;
  } else if (st.notPrincipal !== undefined) {
    if (notPrincipalExempt(st.notPrincipal, p.principal, p.hasBoundary)) return Grant.None;
  }
  if (st.cond !== undefined && !st.cond.evaluate(p.context, missing)) return Grant.None;
  return g;
}

/**
 * Result of one policy (or several policies of one kind) plus the strongest Principal grant among
 * the matching Allow statements. `allows`/`denies` hold `nAllow`/`nDeny` valid entries (scratch
 * results are reused without truncating their arrays: `length = 0` is costly in hot loops).
 */
export interface PreparedResult extends PolicyResult {
  nAllow: number;
  nDeny: number;
  grant: Grant;
}

export function newResult(): PreparedResult {
  return { allows: [], denies: [], missingKeys: [], nAllow: 0, nDeny: 0, grant: Grant.None };
}

export function clearResult(r: PreparedResult): PreparedResult {
  r.nAllow = 0;
  r.nDeny = 0;
  if (r.missingKeys.length !== 0) r.missingKeys.length = 0;
  r.grant = Grant.None;
  return r;
}

/** The statements of `pol` whose Action/NotAction matches the request's action (memoized per policy). */
function statementsForAction(pol: CompiledPolicy, p: PreparedRequest): CompiledStatement[] {
  if (pol.actionGen !== actionGen) {
    pol.byAction = [];
    pol.actionGen = actionGen;
  }
  const id = p.action.id;
  let list = pol.byAction[id];
  if (list === undefined) {
    list = [];
    const candidates = pol.byService.get(p.svc) ?? pol.generic;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      const am = actionMatches(c.st.actions, c.acts, p.svc, p.name);
      if (c.st.notAction ? !am : am) list.push(c.st);
    }
    while (pol.byAction.length < id) pol.byAction.push(undefined);
    pol.byAction[id] = list;
  }
  return list;
}

/** Resource, Principal and Condition of a statement whose action already matched. */
function restApplies(st: CompiledStatement, p: PreparedRequest, missing: string[] | undefined): Grant {
  if (!st.noResource && !resourceMatches(st, p, missing)) return Grant.None;
  let g = Grant.Direct;
  if (st.principal !== undefined) {
    g = matchPrincipal(st.principal, p.principal);
    if (g === Grant.None) return Grant.None;
  } else if (st.notPrincipal !== undefined) {
    if (notPrincipalExempt(st.notPrincipal, p.principal, p.hasBoundary)) return Grant.None;
  }
  if (st.cond !== undefined && !st.cond.evaluate(p.context, missing)) return Grant.None;
  return g;
}

/** Evaluates into `out` (not cleared: several policies of one kind can share one result). */
export function evaluatePrepared(pol: CompiledPolicy, p: PreparedRequest, out: PreparedResult): PreparedResult {
  const list = statementsForAction(pol, p);
  const missing = out.missingKeys;
  for (let i = 0; i < list.length; i++) {
    const st = list[i]!;
    const g = restApplies(st, p, missing);
    if (g === Grant.None) continue;
    if (st.deny) out.denies[out.nDeny++] = st.ref;
    else {
      out.allows[out.nAllow++] = st.ref;
      if (g > out.grant) out.grant = g;
    }
  }
  return out;
}

/**
 * Evaluates one policy against one request. Returns the matching Allow and Deny statements and the
 * missing context keys. Pass `out` to reuse a result object (it is cleared first).
 */
export function evaluatePolicy(p: CompiledPolicy, req: AuthzRequest, out?: PolicyResult): PolicyResult {
  const r = out as PreparedResult | undefined;
  const res = r !== undefined && typeof r.nAllow === 'number' ? clearResult(r) : newResult();
  if (out !== undefined && res !== out) {
    out.allows.length = 0;
    out.denies.length = 0;
    out.missingKeys.length = 0;
  }
  evaluatePrepared(p, prepareRequest(req), res);
  if (res.allows.length !== res.nAllow) res.allows.length = res.nAllow;
  if (res.denies.length !== res.nDeny) res.denies.length = res.nDeny;
  if (out !== undefined && res !== out) {
    for (const a of res.allows) out.allows.push(a);
    for (const d of res.denies) out.denies.push(d);
    for (const k of res.missingKeys) out.missingKeys.push(k);
    return out;
  }
  return res;
}
