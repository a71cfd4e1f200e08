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
  /**
   * Positions of the first five colons of the resource ARN; c4 < 0 when it is not ARN-shaped.
   * Computed on first need (many requests never need them): c0 is -2 until then (`arnColons`).
   */
  c0: number;
  c1: number;
  c2: number;
  c3: number;
  c4: number;
  /** The caller has a permissions boundary (NotPrincipal never exempts it). */
  hasBoundary: boolean;
  /** Identifies this preparation in the per-request resource-head memo (see headMatches). */
  stamp: number;
  epoch: number;
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

// Resource-head memo: for head id h (compile.ts), memo[h] === p.stamp when p's resource starts with
// the head, p.stamp + 1 when it does not; anything else is unknown. Stamps are unique per
// preparation within an epoch; when they would leave the small-integer range the memo is cleared
// and a new epoch starts (requests of an older epoch bypass the memo).
let stampCounter = 0;
let epoch = 0;
let memo = new Int32Array(256);

export function prepareRequest(req: AuthzRequest, hasBoundary = false, out?: PreparedRequest): PreparedRequest {
  const a = internAction(req.action);
  const p = out ?? ({} as PreparedRequest);
  p.req = req;
  p.principal = req.principal;
  p.context = req.context;
  p.action = a;
  p.svc = a.svc;
  p.name = a.name;
  p.resource = req.resource;
  p.c0 = -2;
  p.c1 = -1;
  p.c2 = -1;
  p.c3 = -1;
  p.c4 = -1;
  p.hasBoundary = hasBoundary;
  if (stampCounter >= 0x3ffffff0) {
    stampCounter = 0;
    epoch++;
    memo.fill(0);
  }
  stampCounter += 2;
  p.stamp = stampCounter;
  p.epoch = epoch;
  return p;
}

/** Fills in the colon positions (c0..c4) of the request's resource. */
export function arnColons(p: PreparedRequest): void {
  const r = p.resource;
  let c0 = -1, c1 = -1, c2 = -1, c3 = -1, c4 = -1;
  // `arn:` then the next four colons (native indexOf beats a charCode loop).
  if (r.length > 4 && r.charCodeAt(0) === 97 && r.charCodeAt(1) === 114 && r.charCodeAt(2) === 110 && r.charCodeAt(3) === 58) {
    c0 = 3;
    c1 = r.indexOf(':', 4);
    if (c1 >= 0) c2 = r.indexOf(':', c1 + 1);
    if (c2 >= 0) c3 = r.indexOf(':', c2 + 1);
    if (c3 >= 0) c4 = r.indexOf(':', c3 + 1);
  }
  p.c0 = c0;
  p.c1 = c1;
  p.c2 = c2;
  p.c3 = c3;
  p.c4 = c4;
}

/** Whether the request's resource starts with the entry's head (memoized per request and head). */
function headMatches(head: string, id: number, p: PreparedRequest): boolean {
  const m = p.epoch === epoch && id >= 0 && id < memo.length ? memo[id]! : 0;
  if (m === p.stamp) return true;
  if (m === p.stamp + 1) return false;
  const r = p.resource;
  const n = head.length;
  // (slice + === runs natively and beats both a charCode loop and String#startsWith here.)
  const ok = r.length >= n && r.charCodeAt(n - 1) === 58 && (r.length === n ? r : r.slice(0, n)) === head;
  if (id >= 0 && p.epoch === epoch) {
    if (id >= memo.length) {
      const grown = new Int32Array(Math.max(memo.length * 2, id + 1));
      grown.set(memo);
      memo = grown;
    }
    memo[id] = ok ? p.stamp : p.stamp + 1;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------

function segMatch(s: Seg, v: string, vs: number, ve: number): boolean {
  switch (s.kind) {
    case SegKind.Any:
      return true;
    // (slice + === compares natively: faster than a charCode loop or String#startsWith.)
    case SegKind.Literal: {
      const lit = s.p;
      if (ve - vs !== lit.length) return false;
      return (vs === 0 && ve === v.length ? v : v.slice(vs, ve)) === lit;
    }
    case SegKind.Prefix: {
      const n = s.p.length;
      return ve - vs >= n && v.slice(vs, vs + n) === s.p;
    }
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
  const head = e.head;
  const k = e.headSegs;
  // Start of the request's resource part (after the fifth colon).
  let rs: number;
  if (head !== undefined) {
    if (!headMatches(head, e.headId, p)) return false;
  }
  if (k === 4) {
    // The head holds all five colons: the request's are at the same places.
    rs = head!.length;
  } else {
    if (p.c0 === -2) arnColons(p);
    if (p.c4 < 0) return false;
    if (k < 1 && e.partition.kind !== SegKind.Any && !segMatch(e.partition, r, p.c0 + 1, p.c1)) return false;
    if (k < 2 && e.service.kind !== SegKind.Any && !segMatch(e.service, r, p.c1 + 1, p.c2)) return false;
    if (k < 3 && e.region.kind !== SegKind.Any && !segMatch(e.region, r, p.c2 + 1, p.c3)) return false;
    if (e.account.kind !== SegKind.Any && !segMatch(e.account, r, p.c3 + 1, p.c4)) return false;
    rs = p.c4 + 1;
  }
  const tmpl = e.tmpl;
  if (tmpl !== undefined) {
    const m = tmpl.matchRendered(p.context, r, rs, r.length);
    if (m >= 0) return m === 1;
    const pat = tmpl.renderPattern(p.context);
    if (pat === undefined) {
      // A variable without a value: the entry matches no resource.
      if (missing !== undefined) {
        const vars = tmpl.vars;
        for (let i = 0; i < vars.length; i++) {
          const v = vars[i]!;
          if (v.def === undefined && p.context.get(v.key) === undefined && !missing.includes(v.name)) missing.push(v.name);
        }
      }
      return false;
    }
    return matchRange(pat, 0, pat.length, r, rs, r.length, false);
  }
  return segMatch(e.res, r, rs, r.length);
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
