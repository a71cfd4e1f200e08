/**
 * IAM's policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy,
 * GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy, decided by the same policy
 * engine (src/policy) that decides every real request, so that the simulator and the pipeline never
 * disagree.
 *
 * Sources: IAM API Reference for the four operations and EvaluationResult / ResourceSpecificResult /
 * Statement / ContextEntry; IAM User Guide, "Testing IAM policies with the IAM policy simulator";
 * the AWS CLI's examples for simulate-custom-policy / simulate-principal-policy /
 * get-context-keys-for-*-policy; and responses captured from AWS and published (see below).
 *
 * What is simulated:
 *  - SimulatePrincipalPolicy: a user's inline and attached policies and every group's (as
 *    permissions.ts gathers them for the authorizer), a group's own policies only, or a role's;
 *    plus PolicyInputList. The entity's permissions boundary applies unless
 *    PermissionsBoundaryPolicyInputList replaces it ("the new permissions boundary policy is used").
 *  - SimulateCustomPolicy: PolicyInputList (+ PermissionsBoundaryPolicyInputList).
 *  - ResourcePolicy: treated as attached to every simulated resource; its Principal is matched
 *    against the simulated caller: CallerArn, or the user named by PolicySourceArn. Without one,
 *    IAM answers InvalidInput "Invalid caller - Caller must be an IAM user in this context."
 *  - The resource's account: the account in its ARN, else ResourceOwner, else the caller's; another
 *    account than the caller's is decided as a cross-account request.
 *  - Context: only what ContextEntries give (typed; the `...List` types are multivalued), plus
 *    `aws:username` from the simulated user (CallerArn's, or PolicySourceArn's when it is a user), so
 *    `${aws:username}` resolves as on a real request. Keys the applicable statements needed but the
 *    request lacked are listed in MissingContextValues, spelled as the policy wrote them.
 *
 * Response shape (as AWS answers):
 *  - One EvaluationResult per action (MaxItems/Marker page over them). Without ResourceArns (or
 *    with `*` only) the resource is `*` and the result carries MatchedStatements and
 *    MissingContextValues, no ResourceSpecificResults, no EvalDecisionDetails. With ResourceArns,
 *    each resource gets a ResourceSpecificResult and EvalDecisionDetails is present (empty for a
 *    same-account simulation); one resource: the result repeats that resource's answer; several:
 *    EvalResourceName is the action's resource ARN template, EvalDecision the strongest answer
 *    (explicitDeny, then allowed, then implicitDeny) and the top-level lists are empty.
 *  - PermissionsBoundaryDecisionDetail when a boundary is simulated.
 *  - MatchedStatements: for an explicit deny, the deny statements; for an allow, the statements that
 *    granted (decide()'s `matched`). StartPosition/EndPosition: see `awsPositions`.
 *
 * Surprises matched (AWS's live answers, not the API model's enum):
 *  - SourcePolicyType is "IAM Policy" for identity policies (inline, managed, PolicyInputList,
 *    boundaries) and "Resource Policy" for ResourcePolicy; the model's enum (user, group, role,
 *    aws-managed, user-managed, resource, none) is not what IAM sends.
 *  - SourcePolicyId: a managed policy's name ("AdministratorAccess"); an inline policy as
 *    `<user|group|role>_<entity name>_<policy name>`; "PolicyInputList.N" (1-based),
 *    "PermissionsBoundaryPolicyInputList.1", "ResourcePolicy".
 *  - StartPosition is the position right after the token before the statement: after the `[` for
 *    the first statement of an array, after the previous statement's `}` for the next ones, after
 *    the statement's own `{` when Statement is a lone object; EndPosition is right after the
 *    statement's `}`. Lines and columns are 1-based. (Checked against published responses: a
 *    one-line bucket policy's statements at 38-248 and 248-470, the CLI example's lone statement at
 *    38-167.)
 *
 * GetContextKeysFor*: the keys the policies reference, in document order (per statement: variables
 * in Resource/NotResource, then each condition key followed by variables in its values), spelled as
 * first written, de-duplicated case-insensitively. Variables count under Version 2012-10-17 only.
 * GetContextKeysForPrincipalPolicy reads the entity's permissions policies (not its boundary).
 *
 * Errors: NoSuchEntity ("The user with name X cannot be found."); InvalidInput for an ARN that is
 * not a user, group or role ("Invalid Entity Arn: ARN does not clearly define entity type and
 * name."), another account's entity, a policy document that does not parse (the engine's
 * MalformedPolicyDocument text), more than one boundary, a bad Marker.
 *
 * Gaps:
 *  - ResourceHandlingOption (EC2 scenarios) is accepted and ignored; no resource is required.
 *  - No Organizations: OrganizationsDecisionDetail is never returned.
 *  - EvalDecisionDetails for cross-account simulations stays empty (AWS's keys are undocumented).
 *  - Several ResourceArns: EvalResourceName is the Service Authorization Reference's ARN format of
 *    the action's resource type the first resource fits (`${Partition}` -> `aws`), `*` for services
 *    without authorization data; AWS shows its own templates (S3 objects: `${KeyName}`).
 *  - Action names are not validated (AWS's InvalidInput texts for them are undocumented).
 *  - An explicit deny lists the deny statements only, as the API Reference says; AWS has been seen
 *    listing the overridden allow statements after them too.
 *  - MissingContextValues lists the keys of the statements that apply to the action and resource;
 *    AWS has been seen listing keys of other statements too.
 */
import type { HandlerContext } from '../../gateway/context.js';
import type { ReadTx } from '../../store/types.js';
import {
  InvalidInputException,
  NoSuchEntityException,
  type ContextEntry,
  type EvaluationResult,
  type GetContextKeysForCustomPolicyRequest,
  type GetContextKeysForPolicyResponse,
  type GetContextKeysForPrincipalPolicyRequest,
  type IamHandlers,
  type PolicyEvaluationDecisionType,
  type PolicySourceType,
  type ResourceSpecificResult,
  type SimulateCustomPolicyRequest,
  type SimulatePolicyResponse,
  type SimulatePrincipalPolicyRequest,
  type Statement,
} from '../../generated/iam.js';
import type { CallerPrincipal, PolicyType, StatementRef } from '../../policy/types.js';
import { parsePolicy, isProblem, type ParsedPolicy } from '../../policy/document.js';
import { compileParsed, type CompiledPolicy } from '../../policy/compile.js';
import { decide, type Decision } from '../../policy/decide.js';
import { evaluatePolicy } from '../../policy/evaluate.js';
import { makeContext, type ContextInput } from '../../policy/context.js';
import { compileTemplate } from '../../policy/variables.js';
import { serviceAuthz } from '../../authz/actions.js';
import { decodeMarker, encodeMarker } from './common.js';
import { getUser } from './state.js';
import { getGroup, groupPolicyDocuments } from './groups.js';
import { getRole } from './roles.js';
import { attachedPolicyDocuments } from './policies.js';
import { rolePermissions, userPermissions, type PolicyDoc } from './permissions.js';

// ---------------------------------------------------------------------------------------------
// Policies taking part in a simulation

/** Where a simulated policy comes from, as the response names it. */
interface SourcePolicy {
  /** SourcePolicyId. */
  sourceId: string;
  role: 'identity' | 'boundary' | 'resource';
  document: string;
}

interface Loaded extends SourcePolicy {
  parsed: ParsedPolicy;
  compiled: CompiledPolicy;
}

const IAM_POLICY = 'IAM Policy' as PolicySourceType;
const RESOURCE_POLICY = 'Resource Policy' as PolicySourceType;

/** SourcePolicyId of a stored policy, from permissions.ts's ids (`user/<u>/<p>`, `group/<g>/<p>`, `role/<r>/<p>`, ARN). */
export function sourcePolicyId(id: string): string {
  if (id.startsWith('arn:')) return id.slice(id.lastIndexOf('/') + 1);
  const [kind, entity, ...rest] = id.split('/');
  return `${kind}_${entity}_${rest.join('/')}`;
}

function invalid(message: string): InvalidInputException {
  return new InvalidInputException(message);
}

/** The resource policy: a resource-based policy, or a role trust policy (which has no Resource). */
function parseResourcePolicy(text: string): { parsed: ParsedPolicy; type: PolicyType } {
  const r = parsePolicy(text, 'resource');
  if (!isProblem(r)) return { parsed: r, type: 'resource' };
  const t = parsePolicy(text, 'trust');
  if (!isProblem(t)) return { parsed: t, type: 'trust' };
  throw invalid(r.message);
}

function load(src: SourcePolicy, index: number, given: boolean): Loaded | undefined {
  let parsed: ParsedPolicy;
  let type: PolicyType;
  if (src.role === 'resource') ({ parsed, type } = parseResourcePolicy(src.document));
  else {
    type = src.role === 'boundary' ? 'boundary' : 'identity';
    const p = parsePolicy(src.document, type);
    if (isProblem(p)) {
      // A stored document was validated when written; one that no longer parses grants nothing.
      if (!given) return undefined;
      throw invalid(p.message);
    }
    parsed = p;
  }
  const compiled = compileParsed(parsed, `#${index}`, type);
  if (isProblem(compiled)) {
    if (!given) return undefined;
    throw invalid(compiled.message);
  }
  return { ...src, parsed, compiled };
}

// ---------------------------------------------------------------------------------------------
// The entity named by PolicySourceArn

const ENTITY_ARN = /^arn:aws:iam::(\d{12}):(user|group|role)\/(?:[^/]+\/)*([^/]+)$/;
const USER_ARN = /^arn:aws:iam::(\d{12}):user\/(?:[^/]+\/)*([^/]+)$/;

interface Entity {
  kind: 'user' | 'group' | 'role';
  name: string;
  arn: string;
  policies: SourcePolicy[];
  boundary?: SourcePolicy;
}

async function loadEntity(tx: ReadTx, accountId: string, arn: string): Promise<Entity> {
  const m = ENTITY_ARN.exec(arn);
  if (!m) throw invalid(`Invalid Entity Arn: ${arn} does not clearly define entity type and name.`);
  const [, acct, kind, name] = m as unknown as [string, string, Entity['kind'], string];
  if (acct !== accountId) {
    throw invalid(`Invalid Policy Source Arn: caller's account ${accountId} does not have access to policies in account ${acct}`);
  }
  const identity = (docs: PolicyDoc[]): SourcePolicy[] => docs.map((d) => ({ sourceId: sourcePolicyId(d.id), role: 'identity', document: d.document }));
  const boundary = (d: PolicyDoc | undefined): SourcePolicy | undefined => d && { sourceId: sourcePolicyId(d.id), role: 'boundary', document: d.document };
  if (kind === 'user') {
    const user = await getUser(tx, accountId, name);
    const perms = user && (await userPermissions(tx, accountId, user.UserName));
    if (!user || !perms) throw new NoSuchEntityException(`The user with name ${name} cannot be found.`);
    return { kind, name: user.UserName, arn: user.Arn, policies: identity(perms.identity), boundary: boundary(perms.boundary) };
  }
  if (kind === 'role') {
    const role = await getRole(tx, accountId, name);
    const perms = role && (await rolePermissions(tx, accountId, role.RoleName));
    if (!role || !perms) throw new NoSuchEntityException(`The role with name ${name} cannot be found.`);
    return { kind, name: role.RoleName, arn: role.Arn, policies: identity(perms.identity), boundary: boundary(perms.boundary) };
  }
  const group = await getGroup(tx, accountId, name);
  if (!group) throw new NoSuchEntityException(`The group with name ${name} cannot be found.`);
  const inline = (await groupPolicyDocuments(tx, accountId, group.GroupName)).map((d) => ({ id: `group/${group.GroupName}/${d.id}`, document: d.document }));
  const managed = await attachedPolicyDocuments(tx, accountId, 'group', group.GroupName);
  return { kind, name: group.GroupName, arn: group.Arn, policies: identity([...inline, ...managed]) };
}

// ---------------------------------------------------------------------------------------------
// Context keys

/** Adds the context keys a policy references (spelling as first written, de-duplicated case-insensitively). */
export function collectContextKeys(p: ParsedPolicy, into: Map<string, string>): void {
  const add = (k: string) => {
    const lk = k.toLowerCase();
    if (!into.has(lk)) into.set(lk, k);
  };
  const vars = (s: string) => {
    if (p.version !== '2012-10-17' || !s.includes('${')) return;
    for (const v of compileTemplate(s, p.version).vars) add(v.name);
  };
  for (const st of p.statements) {
    for (const r of st.resource ?? st.notResource ?? []) vars(r);
    const cond = st.condition;
    if (!cond) continue;
    for (const op of Object.keys(cond)) {
      const block = cond[op] as Record<string, unknown>;
      for (const key of Object.keys(block)) {
        add(key);
        const values = block[key];
        for (const v of Array.isArray(values) ? values : [values]) if (typeof v === 'string') vars(v);
      }
    }
  }
}

const LIST_TYPES = new Set(['stringList', 'numericList', 'booleanList', 'ipList', 'binaryList', 'dateList']);

/** ContextEntries as the engine's context input (`...List` types and several values are multivalued). */
export function contextFromEntries(entries: ContextEntry[] | undefined, base: ContextInput = {}): ContextInput {
  const out: ContextInput = { ...base };
  for (const e of entries ?? []) {
    const name = e.ContextKeyName;
    if (!name) continue;
    const values = e.ContextKeyValues ?? [];
    const multi = (e.ContextKeyType !== undefined && LIST_TYPES.has(e.ContextKeyType)) || values.length !== 1;
    const key = name.toLowerCase();
    // A later entry for the same key (in any case) replaces an earlier one.
    for (const k of Object.keys(out)) if (k.toLowerCase() === key) delete out[k];
    out[key] = multi ? values.map((v) => normalizeValue(v, e.ContextKeyType)) : normalizeValue(values[0]!, e.ContextKeyType);
  }
  return out;
}

function normalizeValue(v: string, type: string | undefined): string {
  if (type === 'boolean' || type === 'booleanList') {
    const l = v.trim().toLowerCase();
    return l === 'true' || l === 'false' ? l : v;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Positions

function lineStarts(text: string): number[] {
  const r = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) r.push(i + 1);
  return r;
}

function at(starts: number[], offset: number): { Line: number; Column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { Line: lo + 1, Column: offset - starts[lo]! + 1 };
}

const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * AWS's StartPosition/EndPosition of a statement, from the engine's positions (its `{` and just
 * past its `}`): the start is just past the token before the statement (`[`, the previous
 * statement's `}`, or for a lone Statement object its own `{`).
 */
export function awsPositions(text: string, start: { line: number; column: number }, end: { line: number; column: number }) {
  const starts = lineStarts(text);
  const open = starts[start.line - 1]! + start.column - 1;
  let i = open - 1;
  while (i >= 0 && isWs(text[i])) i--;
  if (text[i] === ',') {
    i--;
    while (i >= 0 && isWs(text[i])) i--;
  }
  const from = text[i] === '[' || text[i] === '}' ? i + 1 : open + 1;
  return { StartPosition: at(starts, from), EndPosition: { Line: end.line, Column: end.column } };
}

// ---------------------------------------------------------------------------------------------
// Simulation

interface Simulation {
  accountId: string;
  identity: Loaded[];
  boundary?: Loaded;
  resourcePolicy?: Loaded;
  caller: CallerPrincipal;
  context: ContextInput;
  actions: string[];
  resources: string[] | undefined;
  resourceOwner?: string;
  maxItems?: number;
  marker?: string;
}

const DECISION: Record<Decision['decision'], PolicyEvaluationDecisionType> = {
  Allowed: 'allowed',
  ExplicitDeny: 'explicitDeny',
  ImplicitDeny: 'implicitDeny',
};

const ACCOUNT_OF_ARN = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;

function accountOf(owner: string | undefined): string | undefined {
  if (owner === undefined) return undefined;
  const m = /^(?:arn:[^:]+:iam::)?(\d{12})(?::root)?$/.exec(owner);
  if (!m) throw invalid(`Invalid ResourceOwner: ${owner}`);
  return m[1];
}

/**
 * The ARN template shown for an action simulated on several resources: the format of the action's
 * resource type that the first resource matches (else its first resource type), `${Partition}` -> `aws`.
 */
function resourceTemplate(action: string, resources: string[]): string {
  const colon = action.indexOf(':');
  try {
    const svc = serviceAuthz(action.slice(0, colon).toLowerCase());
    const name = action.slice(colon + 1);
    const def = svc.actions[name] ?? Object.entries(svc.actions).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const formats = (def?.resourceTypes ?? []).map((rt) => svc.resourceTypes[rt.name]?.arn).filter((a): a is string => !!a);
    const fits = (format: string) =>
      new RegExp(`^${format.split(/\$\{[^}]+\}/).map((lit) => lit.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')).join('.*')}$`).test(resources[0]!);
    const arn = formats.find(fits) ?? formats[0];
    if (arn) return arn.replace('${Partition}', 'aws');
  } catch {
    // No authorization data for this service.
  }
  return '*';
}

interface One {
  decision: PolicyEvaluationDecisionType;
  matched: Statement[];
  missing: string[];
  boundary?: { AllowedByPermissionsBoundary: boolean };
}

function simulateOne(sim: Simulation, byId: Map<string, Loaded>, spelling: Map<string, string>, action: string, resource: string): One {
  const context = makeContext(sim.context);
  const arnAcct = ACCOUNT_OF_ARN.exec(resource)?.[1];
  const resourceAccountId = arnAcct ?? sim.resourceOwner ?? sim.accountId;
  const req = { action, resource, principal: sim.caller, context };
  const d = decide(req, {
    identity: sim.identity.map((l) => l.compiled),
    boundary: sim.boundary?.compiled,
    resource: sim.resourcePolicy?.compiled,
    resourceAccountId,
    principalAccountId: sim.accountId,
    isRoot: false,
    resourcePolicyRequired: false,
  });
  const matched = d.matched.map((ref) => statementOf(byId, ref));
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const k of d.missingKeys) {
    const lk = k.toLowerCase();
    if (seen.has(lk)) continue;
    seen.add(lk);
    missing.push(spelling.get(lk) ?? k);
  }
  const one: One = { decision: DECISION[d.decision], matched, missing };
  if (sim.boundary) {
    const r = evaluatePolicy(sim.boundary.compiled, req);
    one.boundary = { AllowedByPermissionsBoundary: r.allows.length > 0 && r.denies.length === 0 };
  }
  return one;
}

function statementOf(byId: Map<string, Loaded>, ref: StatementRef): Statement {
  const l = byId.get(ref.policyId)!;
  return {
    SourcePolicyId: l.sourceId,
    SourcePolicyType: l.role === 'resource' ? RESOURCE_POLICY : IAM_POLICY,
    ...awsPositions(l.parsed.text, ref.start!, ref.end!),
  };
}

const RANK: Record<PolicyEvaluationDecisionType, number> = { explicitDeny: 2, allowed: 1, implicitDeny: 0 };

function run(sim: Simulation): SimulatePolicyResponse {
  const all = [...sim.identity, ...(sim.boundary ? [sim.boundary] : []), ...(sim.resourcePolicy ? [sim.resourcePolicy] : [])];
  const byId = new Map(all.map((l) => [l.compiled.id, l]));
  const spelling = new Map<string, string>();
  for (const l of all) collectContextKeys(l.parsed, spelling);

  const max = sim.maxItems ?? 100;
  let start = 0;
  if (sim.marker !== undefined) {
    const k = decodeMarker(sim.marker);
    if (!/^\d+$/.test(k) || Number(k) > sim.actions.length) throw invalid('Invalid Marker.');
    start = Number(k);
  }
  const page = sim.actions.slice(start, start + max);
  const truncated = start + page.length < sim.actions.length;
  const resources = sim.resources?.length ? sim.resources : undefined;

  const results: EvaluationResult[] = page.map((action) => {
    if (!resources || (resources.length === 1 && resources[0] === '*')) {
      const one = simulateOne(sim, byId, spelling, action, '*');
      return {
        EvalActionName: action,
        EvalResourceName: '*',
        EvalDecision: one.decision,
        MatchedStatements: one.matched,
        MissingContextValues: one.missing,
        PermissionsBoundaryDecisionDetail: one.boundary,
      };
    }
    const each = resources.map((r) => ({ r, one: simulateOne(sim, byId, spelling, action, r) }));
    const specific: ResourceSpecificResult[] = each.map(({ r, one }) => ({
      EvalResourceName: r,
      EvalResourceDecision: one.decision,
      MatchedStatements: one.matched,
      MissingContextValues: one.missing,
      PermissionsBoundaryDecisionDetail: one.boundary,
    }));
    if (each.length === 1) {
      const { r, one } = each[0]!;
      return {
        EvalActionName: action,
        EvalResourceName: r,
        EvalDecision: one.decision,
        MatchedStatements: one.matched,
        MissingContextValues: one.missing,
        PermissionsBoundaryDecisionDetail: one.boundary,
        EvalDecisionDetails: {},
        ResourceSpecificResults: specific,
      };
    }
    let decision: PolicyEvaluationDecisionType = 'implicitDeny';
    for (const { one } of each) if (RANK[one.decision] > RANK[decision]) decision = one.decision;
    return {
      EvalActionName: action,
      EvalResourceName: resourceTemplate(action, resources),
      EvalDecision: decision,
      MatchedStatements: [],
      MissingContextValues: [],
      PermissionsBoundaryDecisionDetail: sim.boundary
        ? { AllowedByPermissionsBoundary: each.every(({ one }) => one.boundary!.AllowedByPermissionsBoundary) }
        : undefined,
      EvalDecisionDetails: {},
      ResourceSpecificResults: specific,
    };
  });
  return { EvaluationResults: results, IsTruncated: truncated, Marker: truncated ? encodeMarker(String(start + page.length)) : undefined };
}

/** The simulated caller: CallerArn (an IAM user), else the user named by PolicySourceArn. */
function callerFor(accountId: string, callerArn: string | undefined, entity: Entity | undefined, needed: boolean): { caller: CallerPrincipal; userName?: string } {
  if (callerArn !== undefined) {
    const m = USER_ARN.exec(callerArn);
    if (!m) throw invalid('Invalid caller - Caller must be an IAM user in this context.');
    return { caller: { kind: 'user', accountId: m[1]!, arn: callerArn }, userName: m[2]! };
  }
  if (entity?.kind === 'user') return { caller: { kind: 'user', accountId, arn: entity.arn }, userName: entity.name };
  if (needed) throw invalid('Invalid caller - Caller must be an IAM user in this context.');
  return { caller: { kind: 'user', accountId } };
}

function inputPolicies(list: string[] | undefined, prefix: string, role: SourcePolicy['role']): SourcePolicy[] {
  return (list ?? []).map((document, i) => ({ sourceId: `${prefix}.${i + 1}`, role, document }));
}

async function simulate(
  ctx: HandlerContext,
  input: SimulatePrincipalPolicyRequest | SimulateCustomPolicyRequest,
  entity: Entity | undefined,
): Promise<SimulatePolicyResponse> {
  const boundaries = input.PermissionsBoundaryPolicyInputList ?? [];
  if (boundaries.length > 1) throw invalid('The list of Permissions Boundary policies cannot exceed 1 items.');
  let n = 0;
  const loadAll = (list: SourcePolicy[], given: boolean) =>
    list.map((s) => load(s, n++, given)).filter((l): l is Loaded => l !== undefined);

  const identity = [...loadAll(entity?.policies ?? [], false), ...loadAll(inputPolicies(input.PolicyInputList, 'PolicyInputList', 'identity'), true)];
  const boundary = boundaries.length
    ? loadAll(inputPolicies(boundaries, 'PermissionsBoundaryPolicyInputList', 'boundary'), true)[0]
    : entity?.boundary && loadAll([entity.boundary], false)[0];
  const resourcePolicy = input.ResourcePolicy !== undefined
    ? load({ sourceId: 'ResourcePolicy', role: 'resource', document: input.ResourcePolicy }, n++, true)
    : undefined;

  const { caller, userName } = callerFor(ctx.accountId, input.CallerArn, entity, resourcePolicy !== undefined);
  const base: ContextInput = userName !== undefined ? { 'aws:username': userName } : {};
  return run({
    accountId: ctx.accountId,
    identity,
    boundary,
    resourcePolicy,
    caller,
    context: contextFromEntries(input.ContextEntries, base),
    actions: input.ActionNames,
    resources: input.ResourceArns,
    resourceOwner: accountOf(input.ResourceOwner),
    maxItems: input.MaxItems,
    marker: input.Marker,
  });
}

function contextKeysOf(policies: SourcePolicy[], given: boolean): GetContextKeysForPolicyResponse {
  const keys = new Map<string, string>();
  policies.forEach((s, i) => {
    const l = load(s, i, given);
    if (l) collectContextKeys(l.parsed, keys);
  });
  return { ContextKeyNames: [...keys.values()] };
}

export const simulatorHandlers: IamHandlers = {
  async SimulatePrincipalPolicy(input: SimulatePrincipalPolicyRequest, ctx: HandlerContext) {
    const entity = await loadEntity(ctx.readTx, ctx.accountId, input.PolicySourceArn);
    return simulate(ctx, input, entity);
  },

  async SimulateCustomPolicy(input: SimulateCustomPolicyRequest, ctx: HandlerContext) {
    return simulate(ctx, input, undefined);
  },

  async GetContextKeysForPrincipalPolicy(input: GetContextKeysForPrincipalPolicyRequest, ctx: HandlerContext) {
    const entity = await loadEntity(ctx.readTx, ctx.accountId, input.PolicySourceArn);
    const stored = contextKeysOf(entity.policies, false).ContextKeyNames!;
    const given = contextKeysOf(inputPolicies(input.PolicyInputList, 'PolicyInputList', 'identity'), true).ContextKeyNames!;
    const keys = new Map<string, string>();
    for (const k of [...stored, ...given]) if (!keys.has(k.toLowerCase())) keys.set(k.toLowerCase(), k);
    return { ContextKeyNames: [...keys.values()] };
  },

  async GetContextKeysForCustomPolicy(input: GetContextKeysForCustomPolicyRequest) {
    return contextKeysOf(inputPolicies(input.PolicyInputList, 'PolicyInputList', 'identity'), true);
  },
};
