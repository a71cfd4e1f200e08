/**
 * Compile a policy once into matchers; evaluate.ts runs them many times.
 *
 * Matching rules (IAM User Guide):
 * - Action / NotAction (reference_policies_elements_action.html, _notaction.html): `service:Name`,
 *   prefix and name case-insensitive; `*` any run (also empty), `?` one character; `"*"` every action
 *   of every service. Patterns are indexed per service prefix, so a request only looks at the
 *   statements that can name its service.
 * - Resource / NotResource (reference_policies_elements_resource.html): case-sensitive; partition,
 *   service, region and account are matched segment by segment (a `*` there never spans a colon);
 *   the resource part (everything after the fifth colon) is matched as one string in which `*` also
 *   spans `/` and `:` (`bucket/*\/test/*` matches `bucket/1/2/test/3/x`). `"*"` matches everything.
 *   Policy variables (2012-10-17 only) are honoured in the resource part only; an entry whose
 *   variable has no value matches no resource (reference_policies_variables.html).
 * - Principal / NotPrincipal (reference_policies_elements_principal.html, _notprincipal.html): see
 *   `matchPrincipal` / `notPrincipalExempt`.
 * - Condition: conditions/ (Helper B), compiled once.
 */
import type { CallerPrincipal, PolicyProblem, PolicyType, PolicyVersion, StatementRef } from './types.js';
import { parsePolicy, type ParsedPolicy, type ParsedStatement, type ParseOptions, type PrincipalSpec } from './document.js';
import { hasWildcard, policyPattern, unescapeGlob } from './glob.js';
import { compileTemplate, type Template } from './variables.js';
import { ALWAYS, compileConditions, type CompiledConditions } from './conditions/index.js';

// ---------------------------------------------------------------------------------------------
// Segment matchers (allocation-free: they match a range of the request string).

export const enum SegKind {
  Any = 0,
  Literal = 1,
  Prefix = 2,
  Glob = 3,
}

export interface Seg {
  kind: SegKind;
  /** Literal text (Literal), prefix (Prefix) or escaped glob pattern (Glob). */
  p: string;
}

const ANY_SEG: Seg = { kind: SegKind.Any, p: '*' };

/** From raw policy text: wildcards active, backslashes literal. */
export function compileSeg(raw: string, ignoreCase = false): Seg {
  if (raw === '*') return ANY_SEG;
  const pattern = policyPattern(ignoreCase ? raw.toLowerCase() : raw);
  if (!hasWildcard(pattern)) return { kind: SegKind.Literal, p: unescapeGlob(pattern) };
  const star = pattern.indexOf('*');
  if (star === pattern.length - 1 && pattern.indexOf('?') < 0 && pattern.indexOf('\\') < 0) {
    return { kind: SegKind.Prefix, p: pattern.slice(0, -1) };
  }
  return { kind: SegKind.Glob, p: pattern };
}

// ---------------------------------------------------------------------------------------------
// Actions.

export interface ActionSet {
  /** `*` (or `*:*`): every action. */
  all: boolean;
  /** Per lower-cased service prefix. */
  bySvc: Map<string, SvcActions>;
  /** Patterns whose service prefix has a wildcard (rare). */
  svcGlobs: { svc: Seg; name: Seg }[];
}

export interface SvcActions {
  all: boolean;
  exact: Set<string>;
  patterns: Seg[];
}

function compileActions(list: string[]): ActionSet {
  const set: ActionSet = { all: false, bySvc: new Map(), svcGlobs: [] };
  for (const raw of list) {
    const a = raw.toLowerCase();
    if (a === '*' || a === '*:*') {
      set.all = true;
      continue;
    }
    const colon = a.indexOf(':');
    const svc = a.slice(0, colon);
    const name = a.slice(colon + 1);
    if (hasWildcard(policyPattern(svc))) {
      set.svcGlobs.push({ svc: compileSeg(svc), name: compileSeg(name) });
      continue;
    }
    let s = set.bySvc.get(svc);
    if (!s) {
      s = { all: false, exact: new Set(), patterns: [] };
      set.bySvc.set(svc, s);
    }
    const seg = compileSeg(name);
    if (seg.kind === SegKind.Any) s.all = true;
    else if (seg.kind === SegKind.Literal) s.exact.add(seg.p);
    else s.patterns.push(seg);
  }
  return set;
}

// ---------------------------------------------------------------------------------------------
// Resources.

export interface ResourceEntry {
  /** `"*"`. */
  all: boolean;
  /** ARN-shaped pattern (at least six colon-separated parts). */
  arn: boolean;
  partition: Seg;
  service: Seg;
  region: Seg;
  account: Seg;
  /** The resource part (constant entries), or the whole pattern for non-ARN entries. */
  res: Seg;
  /** Resource part with policy variables (rendered at evaluation time). */
  tmpl?: Template;
  /** The leading literal segments with their colons (`arn:aws:ec2:`), checked with one startsWith. */
  head?: string;
  /** How many of partition/service/region/account `head` covers. */
  headSegs: number;
  /** `head`'s id in the head table (evaluate.ts compares it with the request's head ids); -1 if none. */
  headId: number;
  raw: string;
}

function compileResource(raw: string, version: PolicyVersion): ResourceEntry {
  const e: ResourceEntry = {
    all: raw === '*',
    arn: false,
    partition: ANY_SEG,
    service: ANY_SEG,
    region: ANY_SEG,
    account: ANY_SEG,
    res: ANY_SEG,
    // Every field is present from the start (one hidden class for all entries: the hot path's
    // property reads stay monomorphic).
    tmpl: undefined,
    head: undefined,
    headSegs: 0,
    headId: -1,
    raw,
  };
  if (e.all) return e;
  const c: number[] = [];
  for (let i = 0; i < raw.length && c.length < 5; i++) if (raw.charCodeAt(i) === 58) c.push(i);
  if (c.length < 5 || !raw.startsWith('arn:')) {
    // Not ARN-shaped. An `arn:` prefix with missing segments can only equal itself (a segment's `*`
    // never absorbs colons); other strings are matched whole.
    e.res = raw.startsWith('arn:') ? { kind: SegKind.Literal, p: raw } : compileSeg(raw);
    return e;
  }
  e.arn = true;
  e.partition = compileSeg(raw.slice(c[0]! + 1, c[1]));
  e.service = compileSeg(raw.slice(c[1]! + 1, c[2]));
  e.region = compileSeg(raw.slice(c[2]! + 1, c[3]));
  e.account = compileSeg(raw.slice(c[3]! + 1, c[4]));
  // The longest run of literal segments from the partition on, checked with one startsWith.
  const segs = [e.partition, e.service, e.region, e.account];
  let k = 0;
  while (k < 4 && segs[k]!.kind === SegKind.Literal) k++;
  if (k > 0 && !raw.slice(0, c[k]).includes('\\')) {
    e.head = raw.slice(0, c[k]! + 1);
    e.headSegs = k;
    e.headId = headId(e.head);
  }
  const part = raw.slice(c[4]! + 1);
  if (version === '2012-10-17' && part.includes('${')) {
    const t = compileTemplate(part, version);
    if (!t.constant) {
      e.tmpl = t;
      return e;
    }
    const rendered = t.renderPattern(EMPTY);
    e.res = patternSeg(rendered ?? policyPattern(part));
    return e;
  }
  e.res = compileSeg(part);
  return e;
}

/**
 * Distinct resource heads get small ids. evaluate.ts looks up the heads of a request's resource
 * once (per distinct resource string) and then tests an entry's head by comparing ids. Bounded:
 * past HEAD_LIMIT distinct heads, new ones get no id (their entries compare the text).
 */
const HEAD_LIMIT = 1 << 16;
const headIds = new Map<string, number>();

function headId(head: string): number {
  let id = headIds.get(head);
  if (id === undefined) {
    if (headIds.size >= HEAD_LIMIT) return -1;
    id = headIds.size;
    headIds.set(head, id);
  }
  return id;
}

/** How many head ids exist (grows as policies are compiled: evaluate.ts revalidates its lookups). */
export function headCount(): number {
  return headIds.size;
}

/** The id of a head (`arn:aws:s3:::`, `arn:aws:ec2:`...) some compiled entry uses; -1 if none. */
export function lookupHead(head: string): number {
  const id = headIds.get(head);
  return id === undefined ? -1 : id;
}

/** A Seg from an already-escaped pattern. */
function patternSeg(pattern: string): Seg {
  if (pattern === '*') return ANY_SEG;
  if (!hasWildcard(pattern)) return { kind: SegKind.Literal, p: unescapeGlob(pattern) };
  const star = pattern.indexOf('*');
  if (star === pattern.length - 1 && pattern.indexOf('?') < 0 && pattern.indexOf('\\') < 0) {
    return { kind: SegKind.Prefix, p: pattern.slice(0, -1) };
  }
  return { kind: SegKind.Glob, p: pattern };
}

const EMPTY = { get: () => undefined, isMulti: () => false };

// ---------------------------------------------------------------------------------------------
// Principals.

/** How a resource-based policy's Principal names the caller (ordered: higher is a stronger grant). */
export const enum Grant {
  None = 0,
  /** The caller's account (12-digit id, root ARN, or canonical user): only delegates to the account. */
  Account = 1,
  /** The role ARN (caller is a session of it) or the IAM user who called GetFederationToken
   *  (caller is the federated session): limited by the boundary and session policies. */
  Entity = 2,
  /** The caller itself (user ARN, session ARN, federated-user ARN, service, IdP) or `*`. */
  Direct = 3,
}

export interface PrincipalSet {
  star: boolean;
  accounts: Set<string>;
  arns: Set<string>;
  services: Set<string>;
  anyService: boolean;
  federated: Set<string>;
  canonical: Set<string>;
}

const ROOT_ARN = /^arn:[a-z-]+:iam::(\d{12}):root$/;

function compilePrincipal(spec: PrincipalSpec): PrincipalSet {
  const ps: PrincipalSet = {
    star: spec === '*',
    accounts: new Set(),
    arns: new Set(),
    services: new Set(),
    anyService: false,
    federated: new Set(),
    canonical: new Set(),
  };
  if (spec === '*') return ps;
  for (const [type, values] of Object.entries(spec)) {
    for (const v of values) {
      switch (type) {
        case 'AWS': {
          if (v === '*') ps.star = true;
          else if (/^\d{12}$/.test(v)) ps.accounts.add(v);
          else {
            const m = ROOT_ARN.exec(v);
            if (m) ps.accounts.add(m[1]!);
            else ps.arns.add(v);
          }
          break;
        }
        case 'Service':
          if (v === '*') ps.anyService = true;
          else ps.services.add(v.toLowerCase());
          break;
        case 'Federated':
          ps.federated.add(v);
          break;
        case 'CanonicalUser':
          ps.canonical.add(v);
          break;
      }
    }
  }
  return ps;
}

/**
 * Whether (and how strongly) a Principal element names the caller. `"*"` and `{"AWS":"*"}` name
 * everyone, anonymous callers included. An account (id or root ARN) names every principal of that
 * account. A role ARN names the sessions of that role; a session ARN names that session only (no
 * wildcard for "all sessions"). The IAM user that called GetFederationToken names its federated
 * sessions (limited by the session policy).
 */
export function matchPrincipal(ps: PrincipalSet, c: CallerPrincipal): Grant {
  if (ps.star) return Grant.Direct;
  let g = Grant.None;
  switch (c.kind) {
    case 'user':
    case 'root':
    case 'assumed-role':
    case 'federated-user':
      if (c.arn !== undefined && ps.arns.has(c.arn)) return Grant.Direct;
      if (c.kind === 'assumed-role' && c.roleArn !== undefined && ps.arns.has(c.roleArn)) g = Grant.Entity;
      else if (c.kind === 'federated-user' && c.sourceUserArn !== undefined && ps.arns.has(c.sourceUserArn)) g = Grant.Entity;
      if (g === Grant.None && c.accountId !== undefined && ps.accounts.has(c.accountId)) g = Grant.Account;
      if (g === Grant.None && c.canonicalUserId !== undefined && ps.canonical.has(c.canonicalUserId)) g = Grant.Account;
      return g;
    case 'service':
      if (c.service !== undefined && (ps.anyService || ps.services.has(c.service.toLowerCase()))) return Grant.Direct;
      return Grant.None;
    case 'web-identity':
    case 'saml':
      if (c.federatedProvider !== undefined && ps.federated.has(c.federatedProvider)) return Grant.Direct;
      return Grant.None;
    case 'anonymous':
      return Grant.None;
  }
  return Grant.None;
}

/**
 * NotPrincipal: the caller is exempt from the Deny only when every layer of its identity is listed
 * (reference_policies_elements_notprincipal.html: AWS verifies the account, then the role, then the
 * session, so the account ARN must be listed too, and for a role session the role ARN as well).
 * A principal with a permissions boundary is never exempt (access_policies_boundaries.html).
 */
export function notPrincipalExempt(ps: PrincipalSet, c: CallerPrincipal, hasBoundary: boolean): boolean {
  if (hasBoundary) return false;
  if (ps.star) return true;
  const acct = c.accountId !== undefined && ps.accounts.has(c.accountId);
  switch (c.kind) {
    case 'root':
      return acct;
    case 'user':
    case 'federated-user':
      return acct && c.arn !== undefined && ps.arns.has(c.arn);
    case 'assumed-role':
      return acct && c.roleArn !== undefined && ps.arns.has(c.roleArn) && c.arn !== undefined && ps.arns.has(c.arn);
    case 'service':
      return c.service !== undefined && (ps.anyService || ps.services.has(c.service.toLowerCase()));
    case 'web-identity':
    case 'saml':
      return c.federatedProvider !== undefined && ps.federated.has(c.federatedProvider);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------

/** What evaluating a statement involves beyond its action (CompiledStatement.flags). */
export const enum StFlag {
  /** Effect Deny. */
  Deny = 1,
  /** The Resource/NotResource entries must be matched (not `"*"`, not a trust policy's absent Resource). */
  Resources = 2,
  /** Principal or NotPrincipal. */
  Principal = 4,
  /** A Condition. */
  Cond = 8,
  /** `NotResource: "*"`: matches no resource (never applies). */
  Never = 16,
}

export interface CompiledStatement {
  ref: StatementRef;
  deny: boolean;
  notAction: boolean;
  actions: ActionSet;
  notResource: boolean;
  /** Resource/NotResource contains `"*"` (or NotResource absent for trust policies): no per-entry work. */
  resourceAll: boolean;
  /** Trust policies have no Resource: the statement applies to any resource. */
  noResource: boolean;
  resources: ResourceEntry[];
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  /** undefined when the statement has no (or an empty) Condition. */
  cond?: CompiledConditions;
  /** StFlag bits, derived from the fields above (lets evaluation skip what a statement lacks). */
  flags: number;
}

/** A statement in a policy's service index, with its action set for that service pre-resolved. */
export interface Candidate {
  st: CompiledStatement;
  acts: SvcActions | undefined;
}

export interface CompiledPolicy {
  id: string;
  type: PolicyType;
  version: PolicyVersion;
  statements: CompiledStatement[];
  /** Statements that can match an action of the given (lower-cased) service prefix, in document order. */
  byService: Map<string, Candidate[]>;
  /** Statements that can match any service (NotAction, `*`, wildcard service prefixes). */
  generic: Candidate[];
  /**
   * Memo: interned request action id (evaluate.ts) -> the statements whose Action/NotAction matches
   * it, in order. Filled lazily (the action test is a pure function of the action); `actionGen`
   * tells whether the ids are still those of the current intern table.
   */
  byAction: (CompiledStatement[] | undefined)[];
  actionGen: number;
  /** Whether any statement is a resource-side one (has Principal/NotPrincipal). */
  hasPrincipals: boolean;
  parsed: ParsedPolicy;
}

export interface CompileOptions extends ParseOptions {
  id: string;
  type: PolicyType;
}

function isProblemValue(x: unknown): x is PolicyProblem {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x;
}

export function compilePolicy(text: string, opts: CompileOptions): CompiledPolicy | PolicyProblem {
  const parsed = parsePolicy(text, opts.type, opts);
  if (isProblemValue(parsed)) return parsed;
  return compileParsed(parsed, opts.id, opts.type);
}

export function compileParsed(parsed: ParsedPolicy, id: string, type: PolicyType): CompiledPolicy | PolicyProblem {
  const statements: CompiledStatement[] = [];
  for (const st of parsed.statements) {
    const c = compileStatement(st, parsed.version, id, type);
    if (isProblemValue(c)) return c;
    statements.push(c);
  }
  // Service index.
  const isGeneric = (s: CompiledStatement) => s.notAction || s.actions.all || s.actions.svcGlobs.length > 0;
  const generic: Candidate[] = [];
  const services = new Set<string>();
  for (const s of statements) {
    if (isGeneric(s)) generic.push({ st: s, acts: undefined });
    for (const svc of s.actions.bySvc.keys()) services.add(svc);
  }
  const byService = new Map<string, Candidate[]>();
  for (const svc of services) {
    byService.set(
      svc,
      statements.filter((s) => isGeneric(s) || s.actions.bySvc.has(svc)).map((s) => ({ st: s, acts: s.actions.bySvc.get(svc) })),
    );
  }
  return {
    id,
    type,
    version: parsed.version,
    statements,
    byService,
    generic,
    byAction: [],
    actionGen: -1,
    hasPrincipals: statements.some((s) => s.principal !== undefined || s.notPrincipal !== undefined),
    parsed,
  };
}

function compileStatement(st: ParsedStatement, version: PolicyVersion, id: string, type: PolicyType): CompiledStatement | PolicyProblem {
  const ref: StatementRef = {
    policyId: id,
    policyType: type,
    index: st.index,
    effect: st.effect,
    start: st.start,
    end: st.end,
  };
  if (st.sid !== undefined) ref.sid = st.sid;
  const resList = st.resource ?? st.notResource;
  const resources = (resList ?? []).map((r) => compileResource(r, version));
  const out: CompiledStatement = {
    ref,
    deny: st.effect === 'Deny',
    notAction: st.notAction !== undefined,
    actions: compileActions(st.action ?? st.notAction ?? []),
    notResource: st.notResource !== undefined,
    resourceAll: resources.some((r) => r.all),
    noResource: resList === undefined,
    resources,
    // Always present (one hidden class for every statement; see compileResource).
    principal: undefined,
    notPrincipal: undefined,
    cond: undefined,
    flags: 0,
  };
  if (st.principal) out.principal = compilePrincipal(st.principal);
  if (st.notPrincipal) out.notPrincipal = compilePrincipal(st.notPrincipal);
  if (st.condition !== undefined) {
    const c = compileConditions(st.condition, version);
    if (isProblemValue(c)) return c;
    if (c !== ALWAYS) out.cond = c;
  }
  let flags = out.deny ? StFlag.Deny : 0;
  if (!out.noResource && !out.resourceAll) flags |= StFlag.Resources;
  if (out.notResource && out.resourceAll) flags |= StFlag.Never;
  if (out.principal !== undefined || out.notPrincipal !== undefined) flags |= StFlag.Principal;
  if (out.cond !== undefined) flags |= StFlag.Cond;
  out.flags = flags;
  return out;
}
