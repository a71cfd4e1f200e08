/**
 * The full authorization decision across policy types.
 *
 * Sources (IAM User Guide): reference_policies_evaluation-logic.html,
 * reference_policies_evaluation-logic_policy-eval-denyallow.html, _policy-eval-basics.html (single
 * account), reference_policies_evaluation-logic-cross-account.html, access_policies_boundaries.html,
 * access_policies.html#policies_session, id_roles_compare-resource-policies.html; AWS Organizations
 * User Guide: orgs_manage_policies_scps_evaluation.html, orgs_manage_policies_rcps_evaluation.html.
 *
 * Order:
 *  1. An explicit Deny in any applicable policy (RCP, SCP, resource-based, identity, boundary,
 *     session) -> ExplicitDeny. When several types deny, the first in that order is reported
 *     (troubleshoot_access-denied.html: "AWS includes only one of those policy types").
 *  2. RCPs: every level (org root -> resource's account) needs an applicable Allow. An empty level is
 *     read as RCPFullAWSAccess (attached to every level, cannot be detached).
 *  3. SCPs (not for anonymous callers): every level (root -> each OU -> account) needs an Allow; an
 *     empty level has none.
 *  4. Root user of the account: allowed in its own account (cross-account: needs the resource policy).
 *  5. Same account: identity and resource-based policies are a union, shaped by *whom* the
 *     resource policy names (id_roles_compare-resource-policies.html / boundaries page):
 *       - the caller itself (user ARN, session ARN, federated-user ARN) or `*`: enough on its own;
 *       - the role ARN (caller is one of its sessions) or the IAM user that called
 *         GetFederationToken: not limited by the identity policies' implicit deny, but limited by
 *         the boundary and the session policy;
 *       - the account: delegates to the account only; the identity policies must allow.
 *     Role trust policies (type 'trust', or `resourcePolicyRequired`, e.g. KMS key policies) must
 *     allow even within one account.
 *  6. Identity side: identity Allow ∩ boundary (if any) ∩ session policies (if any; a federated user
 *     (GetFederationToken) without a session policy has no permissions, a role session without one
 *     keeps its role's).
 *  7. Cross-account: the resource policy must name the caller (ARN, account or `*`) AND the identity
 *     side must allow.
 *  8. Anonymous callers: only a resource-based policy with `Principal "*"` can allow.
 */
import type { AuthzRequest, PolicyType, StatementRef } from './types.js';
import { Grant, type CompiledPolicy } from './compile.js';
import { evaluatePrepared, newResult, prepareRequest, type PreparedRequest, type PreparedResult } from './evaluate.js';

export type DeniedBy = 'identity' | 'boundary' | 'session' | 'scp' | 'rcp' | 'resource';

export interface DecisionInput {
  /** The principal's identity-based policies (user + groups, or role). */
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  /** Session policies (inline + managed ARNs of the session). undefined: no session policy. */
  session?: CompiledPolicy[];
  /** The resource-based policy (bucket policy, role trust policy, key policy...). */
  resource?: CompiledPolicy;
  /** Account owning the resource; defaults to the principal's account. */
  resourceAccountId?: string;
  /** Account of the principal; defaults to `principal.accountId`. */
  principalAccountId?: string;
  /** SCPs applying to the principal's account, one array per level from the org root to the account. */
  scps?: CompiledPolicy[][];
  /** RCPs applying to the resource's account, one array per level. */
  rcps?: CompiledPolicy[][];
  /** The caller is the account root user (defaults to `principal.kind === 'root'`). */
  isRoot?: boolean;
  /** The resource policy must allow even within one account (role trust policies do by default). */
  resourcePolicyRequired?: boolean;
}

export interface Decision {
  decision: 'Allowed' | 'ExplicitDeny' | 'ImplicitDeny';
  deniedBy?: DeniedBy;
  /** The policy type holding the deciding Deny (ExplicitDeny only). */
  explicitDenyIn?: PolicyType;
  /** The policy type of `deniedBy` (tells a role trust policy from another resource-based policy). */
  deniedByType?: PolicyType;
  /** The statements that decided: the Deny statements, or the Allow statements that granted. */
  matched: StatementRef[];
  /** Context keys the conditions needed but the request lacked (lower-cased, deduplicated). */
  missingKeys: string[];
}

// Scratch state: decide() is synchronous and not re-entrant, so these are reused across calls.
const scratchPrep = {} as PreparedRequest;
const idRes = newResult();
const bRes = newResult();
const sRes = newResult();
const rRes = newResult();
const lvl = newResult();
// `denies` and `missing` are handed over to the Decision when non-empty and replaced by fresh
// arrays (cheaper than copying them, or than truncating: `length = 0` is a runtime call).
let denies: StatementRef[] = [];
let missing: string[] = [];
let denyT: DeniedBy | undefined;
let denyPT: PolicyType | undefined;
const EMPTY = Object.freeze([]) as unknown as StatementRef[];

function addMissing(from: string[]): void {
  for (let i = 0; i < from.length; i++) {
    const k = from[i]!;
    if (!missing.includes(k)) missing.push(k);
  }
}

/** Evaluates the levels of SCPs/RCPs; returns whether every level allows. Collects denies. */
function levels(
  list: CompiledPolicy[][] | undefined,
  p: PreparedRequest,
  emptyAllows: boolean,
  tag: DeniedBy,
): boolean {
  if (list === undefined) return true;
  let all = true;
  for (let i = 0; i < list.length; i++) {
    const level = list[i]!;
    reset(lvl);
    for (let j = 0; j < level.length; j++) evaluatePrepared(level[j]!, p, lvl);
    addMissing(lvl.missingKeys);
    if (lvl.nDeny > 0) {
      for (let k = 0; k < lvl.nDeny; k++) denies.push(lvl.denies[k]!);
      if (denyT === undefined) {
        denyT = tag;
        denyPT = lvl.denies[0]!.policyType;
      }
    }
    if (lvl.nAllow === 0 && !(emptyAllows && level.length === 0)) all = false;
  }
  return all;
}

/** Clears a scratch result (its arrays are overwritten by index; `missingKeys` is replaced). */
function reset(r: PreparedResult): void {
  r.nAllow = 0;
  r.nDeny = 0;
  r.grant = Grant.None;
  if (r.missingKeys.length !== 0) r.missingKeys = [];
}

function result(
  decision: Decision['decision'],
  matched: StatementRef[],
  deniedBy?: DeniedBy,
  deniedByType?: PolicyType,
): Decision {
  if (matched.length === 0) matched = EMPTY;
  else if (matched === denies) denies = [];
  let missingKeys = EMPTY as unknown as string[];
  if (missing.length !== 0) {
    missingKeys = missing;
    missing = [];
  }
  // Every field is always present (one object shape for all decisions).
  return {
    decision,
    deniedBy,
    explicitDenyIn: decision === 'ExplicitDeny' ? deniedByType : undefined,
    deniedByType,
    matched,
    missingKeys,
  };
}

function copyAllows(res: PreparedResult, into: StatementRef[], at: number): number {
  const n = res.nAllow;
  const a = res.allows;
  for (let i = 0; i < n; i++) into[at + i] = a[i]!;
  return at + n;
}

/** The Allow statements of the given results, in order, in one array of the exact size. */
function allowsOf(a: PreparedResult, b?: PreparedResult, c?: PreparedResult, d?: PreparedResult): StatementRef[] {
  const n = a.nAllow + (b === undefined ? 0 : b.nAllow) + (c === undefined ? 0 : c.nAllow) + (d === undefined ? 0 : d.nAllow);
  if (n === 0) return EMPTY;
  const out = new Array<StatementRef>(n);
  let k = copyAllows(a, out, 0);
  if (b !== undefined) k = copyAllows(b, out, k);
  if (c !== undefined) k = copyAllows(c, out, k);
  if (d !== undefined) copyAllows(d, out, k);
  return out;
}

function pushDenies(res: PreparedResult): void {
  for (let i = 0; i < res.nDeny; i++) denies.push(res.denies[i]!);
}

export function decide(req: AuthzRequest, input: DecisionInput): Decision {
  const caller = req.principal;
  const p = prepareRequest(req, input.boundary !== undefined, scratchPrep);
  if (denies.length !== 0) denies = [];
  if (missing.length !== 0) missing = [];
  denyT = undefined;
  denyPT = undefined;

  const anonymous = caller.kind === 'anonymous';
  // Principals with no identity side of their own here: anonymous, service and IdP callers.
  const noIdentitySide = anonymous || caller.kind === 'service' || caller.kind === 'web-identity' || caller.kind === 'saml';
  const isRoot = input.isRoot ?? caller.kind === 'root';
  const principalAcct = input.principalAccountId ?? caller.accountId;
  const resourceAcct = input.resourceAccountId ?? principalAcct;
  const crossAccount = !noIdentitySide && principalAcct !== undefined && resourceAcct !== undefined && principalAcct !== resourceAcct;

  // --- Evaluate everything (explicit denies are searched in every applicable policy).
  const rcpOk = levels(input.rcps, p, true, 'rcp');
  const scpOk = anonymous ? true : levels(input.scps, p, false, 'scp');

  const resource = input.resource;
  reset(rRes);
  if (resource !== undefined) {
    evaluatePrepared(resource, p, rRes);
    addMissing(rRes.missingKeys);
    if (rRes.nDeny > 0) {
      pushDenies(rRes);
      if (denyT === undefined) {
        denyT = 'resource';
        denyPT = resource.type;
      }
    }
  }

  reset(idRes);
  reset(bRes);
  reset(sRes);
  if (!noIdentitySide) {
    const ids = input.identity;
    for (let i = 0; i < ids.length; i++) evaluatePrepared(ids[i]!, p, idRes);
    addMissing(idRes.missingKeys);
    if (idRes.nDeny > 0) {
      pushDenies(idRes);
      if (denyT === undefined) {
        denyT = 'identity';
        denyPT = 'identity';
      }
    }
    if (input.boundary !== undefined) {
      evaluatePrepared(input.boundary, p, bRes);
      addMissing(bRes.missingKeys);
      if (bRes.nDeny > 0) {
        pushDenies(bRes);
        if (denyT === undefined) {
          denyT = 'boundary';
          denyPT = 'boundary';
        }
      }
    }
    if (input.session !== undefined) {
      const ss = input.session;
      for (let i = 0; i < ss.length; i++) evaluatePrepared(ss[i]!, p, sRes);
      addMissing(sRes.missingKeys);
      if (sRes.nDeny > 0) {
        pushDenies(sRes);
        if (denyT === undefined) {
          denyT = 'session';
          denyPT = 'session';
        }
      }
    }
  }

  // 1. Explicit deny anywhere.
  if (denies.length > 0) return result('ExplicitDeny', denies, denyT, denyPT);
  // 2-3. Organization guardrails.
  if (!rcpOk) return result('ImplicitDeny', EMPTY, 'rcp', 'rcp');
  if (!scpOk) return result('ImplicitDeny', EMPTY, 'scp', 'scp');

  const resourceType: PolicyType = resource?.type ?? 'resource';
  const grant: Grant = rRes.nAllow > 0 ? rRes.grant : Grant.None;

  // 8. Anonymous / service / IdP callers: only the resource policy can allow.
  if (noIdentitySide) {
    if (grant >= Grant.Direct) return result('Allowed', allowsOf(rRes));
    return result('ImplicitDeny', EMPTY, 'resource', resourceType);
  }

  const boundaryOk = input.boundary === undefined || bRes.nAllow > 0;
  const sessionOk = input.session !== undefined ? sRes.nAllow > 0 : caller.kind !== 'federated-user';
  const identityAllows = idRes.nAllow > 0;
  const resourceRequired = input.resourcePolicyRequired ?? resourceType === 'trust';

  // 4 + 7. Root user / cross-account.
  if (crossAccount) {
    const identitySide = isRoot || (identityAllows && boundaryOk && sessionOk);
    if (!identitySide) {
      const by: DeniedBy = !identityAllows ? 'identity' : !boundaryOk ? 'boundary' : 'session';
      return result('ImplicitDeny', EMPTY, by, by);
    }
    if (grant === Grant.None) return result('ImplicitDeny', EMPTY, 'resource', resourceType);
    return result('Allowed', isRoot ? allowsOf(rRes) : allowsOf(rRes, idRes, bRes, sRes));
  }
  if (isRoot) {
    if (resourceRequired && grant === Grant.None) return result('ImplicitDeny', EMPTY, 'resource', resourceType);
    return result('Allowed', allowsOf(rRes));
  }

  // 5. Same account: resource grants by principal form.
  if (grant === Grant.Direct) return result('Allowed', allowsOf(rRes));
  if (grant === Grant.Entity) {
    if (boundaryOk && sessionOk) return result('Allowed', allowsOf(rRes, bRes, sRes));
    const by: DeniedBy = !boundaryOk ? 'boundary' : 'session';
    return result('ImplicitDeny', EMPTY, by, by);
  }
  // 6. Identity side (an account-level grant only delegates to the account).
  if (resourceRequired && grant === Grant.None) {
    if (identityAllows && boundaryOk && sessionOk) return result('ImplicitDeny', EMPTY, 'resource', resourceType);
  }
  if (identityAllows && boundaryOk && sessionOk && !(resourceRequired && grant === Grant.None)) {
    return result('Allowed', allowsOf(rRes, idRes, bRes, sRes));
  }
  const by: DeniedBy = !identityAllows ? 'identity' : !boundaryOk ? 'boundary' : !sessionOk ? 'session' : 'resource';
  return result('ImplicitDeny', EMPTY, by, by === 'resource' ? resourceType : by);
}
