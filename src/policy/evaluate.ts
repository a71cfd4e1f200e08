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
 * time, the request is prepared once (interned action; the resource's colon positions and head ids,
 * interned per resource string), each policy keeps a per-action memo of the statements whose
 * Action/NotAction matches, statements carry flags saying which of Resource/Principal/Condition
 * need testing, and segments are matched in place with glob.ts's range matcher.
 */
import type { AuthzRequest, CallerPrincipal, ContextKeys, PolicyResult } from './types.js';
import {
  Grant,
  SegKind,
  StFlag,
  headCount as headCount_,
  lookupHead as lookupHead_,
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
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const headCount = headCount_;
const lookupHead = lookupHead_;
const F_DENY = StFlag.Deny;
const F_RESOURCES = StFlag.Resources;
const F_PRINCIPAL = StFlag.Principal;
const F_COND = StFlag.Cond;
const NONE = Grant.None;
const DIRECT = Grant.Direct;

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
   * The resource's colon positions and head ids (see ResourceInfo), looked up on first need (many
   * requests never need them): undefined until then (`resourceInfo`).
   */
  info: ResourceInfo | undefined;
  /** The caller has a permissions boundary (NotPrincipal never exempts it). */
  hasBoundary: boolean;
}

/**
 * What resource entries need of a request's resource, computed once per distinct resource string
 * (interned like actions): positions of the first five colons, and the ids (compile.ts's head
 * table) of its heads `arn:P:`, `arn:P:S:`, `arn:P:S:R:`, `arn:P:S:R:A:` (-1: no entry uses that
 * head), so that an entry's literal head is tested by comparing two integers.
 */
export interface ResourceInfo {
  /** Colon positions; c4 < 0 when the resource is not ARN-shaped (c0 is 3 or -1). */
  c0: number;
  c1: number;
  c2: number;
  c3: number;
  c4: number;
  /** Head ids by number of literal segments: h1 (`arn:P:`) to h4 (`arn:P:S:R:A:`). */
  h1: number;
  h2: number;
  h3: number;
  h4: number;
  /** headCount() when the ids were looked up (new heads since then: look them up again). */
  heads: number;
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
  const p = out ?? ({} as PreparedRequest);
  p.req = req;
  p.principal = req.principal;
  p.context = req.context;
  p.action = a;
  p.svc = a.svc;
  p.name = a.name;
  p.resource = req.resource;
  p.info = undefined;
  p.hasBoundary = hasBoundary;
  return p;
}

// Interned resources. Bounded: when full the table starts over (entries are pure functions of the
// resource string and the head table, so dropping them only costs a recomputation).
const MAX_RESOURCES = 4096;
let resourceTable = new Map<string, ResourceInfo>();

function headIdAt(r: string, c: number): number {
  return c < 0 ? -1 : lookupHead(c === r.length - 1 ? r : r.slice(0, c + 1));
}

function lookupHeads(info: ResourceInfo, r: string): void {
  info.heads = headCount();
  if (info.c0 < 0) return;
  info.h1 = headIdAt(r, info.c1);
  info.h2 = headIdAt(r, info.c2);
  info.h3 = headIdAt(r, info.c3);
  info.h4 = headIdAt(r, info.c4);
}

function parseResource(r: string): ResourceInfo {
  let c0 = -1, c1 = -1, c2 = -1, c3 = -1, c4 = -1;
  // `arn:` then the next four colons (native indexOf beats a charCode loop).
  if (r.length > 4 && r.charCodeAt(0) === 97 && r.charCodeAt(1) === 114 && r.charCodeAt(2) === 110 && r.charCodeAt(3) === 58) {
    c0 = 3;
    c1 = r.indexOf(':', 4);
    if (c1 >= 0) c2 = r.indexOf(':', c1 + 1);
    if (c2 >= 0) c3 = r.indexOf(':', c2 + 1);
    if (c3 >= 0) c4 = r.indexOf(':', c3 + 1);
  }
  const info: ResourceInfo = { c0, c1, c2, c3, c4, h1: -1, h2: -1, h3: -1, h4: -1, heads: 0 };
  lookupHeads(info, r);
  return info;
}

/** The request's ResourceInfo (interned per resource string, revalidated against the head table). */
export function resourceInfo(p: PreparedRequest): ResourceInfo {
  let info = p.info;
  if (info !== undefined) return info;
  const r = p.resource;
  info = resourceTable.get(r);
  if (info === undefined) {
    info = parseResource(r);
    if (resourceTable.size >= MAX_RESOURCES) resourceTable = new Map();
    resourceTable.set(r, info);
  } else if (info.heads !== headCount()) {
    lookupHeads(info, r);
  }
  p.info = info;
  return info;
}

/** The id of the request's head with `k` literal segments (1..4). */
function headAt(info: ResourceInfo, k: number): number {
  return k === 4 ? info.h4 : k === 2 ? info.h2 : k === 1 ? info.h1 : info.h3;
}

/** Text comparison of a head without an id (past compile.ts's HEAD_LIMIT). */
function startsWithHead(r: string, head: string): boolean {
  const n = head.length;
  return r.length >= n && r.charCodeAt(n - 1) === 58 && (r.length === n ? r : r.slice(0, n)) === head;
}

// ---------------------------------------------------------------------------------------------

function segMatch(s: Seg, v: string, vs: number, ve: number): boolean {
  switch (s.kind) {
    case SegKind.Any:
      return true;
    // (slice + === compares natively: fewer instructions than a charCode loop or String#startsWith.
    // Testing the last character first spares the slice on most mismatches.)
    case SegKind.Literal: {
      const lit = s.p;
      const n = lit.length;
      if (ve - vs !== n || v.charCodeAt(ve - 1) !== lit.charCodeAt(n - 1)) return n === 0 && ve === vs;
      return (vs === 0 && ve === v.length ? v : v.slice(vs, ve)) === lit;
    }
    case SegKind.Prefix: {
      const pre = s.p;
      const n = pre.length;
      if (n === 0) return true;
      return ve - vs >= n && v.charCodeAt(vs + n - 1) === pre.charCodeAt(n - 1) && v.slice(vs, vs + n) === pre;
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
  const info = p.info ?? resourceInfo(p);
  const k = e.headSegs;
  if (e.head !== undefined) {
    const id = e.headId;
    if (id >= 0 ? headAt(info, k) !== id : !startsWithHead(r, e.head)) return false;
  }
  if (info.c4 < 0) return false;
  // The head holds the partition..account segments it covers: test the others.
  if (k < 4) {
    if (k < 1 && e.partition.kind !== SegKind.Any && !segMatch(e.partition, r, info.c0 + 1, info.c1)) return false;
    if (k < 2 && e.service.kind !== SegKind.Any && !segMatch(e.service, r, info.c1 + 1, info.c2)) return false;
    if (k < 3 && e.region.kind !== SegKind.Any && !segMatch(e.region, r, info.c2 + 1, info.c3)) return false;
    if (e.account.kind !== SegKind.Any && !segMatch(e.account, r, info.c3 + 1, info.c4)) return false;
  }
  // Start of the request's resource part (after the fifth colon).
  const rs = info.c4 + 1;
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
  return st.resourceAll ? !st.notResource : entriesMatch(st, p, missing);
}

/** Resource/NotResource of a statement without `"*"` (StFlag.Resources): its entries against the request. */
function entriesMatch(st: CompiledStatement, p: PreparedRequest, missing: string[] | undefined): boolean {
  const rs = st.resources;
  for (let i = 0; i < rs.length; i++) if (entryMatches(rs[i]!, p, missing)) return !st.notResource;
  return st.notResource;
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
      // (A `NotResource: "*"` statement never applies: left out.)
      const am = actionMatches(c.st.actions, c.acts, p.svc, p.name);
      if ((c.st.notAction ? !am : am) && (c.st.flags & StFlag.Never) === 0) list.push(c.st);
    }
    while (pol.byAction.length < id) pol.byAction.push(undefined);
    pol.byAction[id] = list;
  }
  return list;
}

/** How the Principal/NotPrincipal of a statement (StFlag.Principal) names the caller. */
function principalGrant(st: CompiledStatement, p: PreparedRequest): Grant {
  if (st.principal !== undefined) return matchPrincipal(st.principal, p.principal);
  return notPrincipalExempt(st.notPrincipal!, p.principal, p.hasBoundary) ? Grant.None : Grant.Direct;
}

/**
 * Evaluates into `out` (not cleared: several policies of one kind can share one result). The
 * statements come from the per-action memo (their action matched); each is then tested on what it
 * has (StFlag): Resource/NotResource entries, Principal/NotPrincipal, Condition, in that order.
 */
export function evaluatePrepared(pol: CompiledPolicy, p: PreparedRequest, out: PreparedResult): PreparedResult {
  const list = statementsForAction(pol, p);
  const n = list.length;
  if (n === 0) return out;
  const missing = out.missingKeys;
  for (let i = 0; i < n; i++) {
    const st = list[i]!;
    const f = st.flags;
    let g: Grant = DIRECT;
    if (f > F_DENY) {
      if ((f & F_RESOURCES) !== 0 && !entriesMatch(st, p, missing)) continue;
      if ((f & F_PRINCIPAL) !== 0 && (g = principalGrant(st, p)) === NONE) continue;
      if ((f & F_COND) !== 0 && !st.cond!.evaluate(p.context, missing)) continue;
    }
    if ((f & F_DENY) !== 0) out.denies[out.nDeny++] = st.ref;
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
