/**
 * IAM access advisor: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
 * GetServiceLastAccessedDetailsWithEntities and ListPoliciesGrantingServiceAccess, built from the
 * attempts the authorizer records (src/authz/last-accessed.ts, `iam.accessActivity`).
 *
 * Storage (account scope): `iam.serviceLastAccessedJob` key = JobId -> JobRecord (the finished report:
 * a report is a snapshot taken when it is generated, as AWS's are).
 *
 * Fidelity notes (IAM API Reference and IAM User Guide, "Refining permissions in AWS using last
 * accessed information"):
 * - The services listed are those the resource's permissions policies allow: a user's inline and
 *   managed policies and those of its groups; a group's own; a role's own; the managed policy itself.
 *   Permissions boundaries, session and resource policies do not count (as AWS documents). A service
 *   is allowed when an Allow statement's Action (or NotAction) admits one of its actions; conditions
 *   and resources are not considered. Sorted by namespace, AWS's default order.
 * - Attempts count, allowed or denied. LastAuthenticated is to the minute (AWS reports `...:00`).
 *   TotalAuthenticatedEntities is 0 for a service no entity attempted (as AWS answers), and the
 *   Last* fields are then absent.
 * - User report: the user's attempts. Role report: the attempts of the role's sessions, reported under
 *   the role's ARN. Group report: the attempts of the current members, LastAuthenticatedEntity naming
 *   the member. Policy report: the attempts of the users and roles it is attached to, and of the
 *   members of the groups it is attached to.
 * - ACTION_LEVEL: TrackedActionsLastAccessed lists the service's tracked actions that the policies
 *   allow, each with the latest attempt when there was one. Tracked here, as AWS tracks management
 *   actions: every IAM action but iam:PassRole (never tracked), every EC2 and STS action, and the S3
 *   actions that are not object-level (data events): not those on objects, nor ListBucket*,
 *   ListMultipartUploadParts. Service Quotas and Recycle Bin report at service level only.
 * - Tracking period: 400 days; attempts before the entity was created (an earlier entity of the same
 *   name) are not reported.
 * - "Only the principal that generates a report can view the report details": another caller gets
 *   NoSuchEntity, as for an unknown JobId.
 * - GetServiceLastAccessedDetailsWithEntities lists the entities that could have used the permissions
 *   (for a user or role report, that entity), the most recent attempt first, then those that never
 *   attempted the service.
 * - ListPoliciesGrantingServiceAccess: for a user, its inline and managed policies then its groups';
 *   for a group or role, its own. Inline policies name their entity (EntityType USER/GROUP/ROLE);
 *   managed ones carry their ARN. A managed policy reaching a user twice is listed once. Namespaces
 *   Nimbus does not serve are answered from the policies' Action patterns (`lambda:*`, `*`).
 *
 * Unverified: the NoSuchEntity text for an unknown JobId ("No report found for job id X.") is not
 * documented by AWS. By design: jobs are kept until the store is reset.
 * Gaps: AWS attributes group and policy reports to attempts "using the group's (the policy's)
 * permissions"; here every attempt of a covered entity on a service the group or policy allows counts.
 * Only services Nimbus serves are listed (a policy allowing `*` lists those six).
 */
import { randomUUID } from 'node:crypto';
import type { ReadTx } from '../../store/types.js';
import type { HandlerContext } from '../../gateway/context.js';
import {
  InvalidInputException,
  NoSuchEntityException,
  type EntityDetails,
  type IamHandlers,
  type PolicyGrantingServiceAccess,
  type ServiceLastAccessed,
  type TrackedActionLastAccessed,
} from '../../generated/iam.js';
import { parsePolicy, isProblem } from '../../policy/index.js';
import { compileGlob, policyPattern, type Matcher } from '../../policy/glob.js';
import { SERVICE_PREFIX, serviceAuthz } from '../../authz/actions.js';
import { KIND_ACCESS_ACTIVITY, type AccessActivityRecord, type TrackedEntityType } from '../../authz/last-accessed.js';
import { decodeMarker, encodeMarker } from './common.js';
import { getUser, userKey, type UserRecord } from './state.js';
import { KIND_GROUP_MEMBER, getGroup, groupPolicyDocuments, groupsOfUser, type GroupRecord } from './groups.js';
import { getRole, rolePolicyDocuments, type RoleRecord } from './roles.js';
import { KIND_USER_POLICY, type InlinePolicyRecord } from './policies.js';
import { KIND_POLICY_ATTACHMENT, attachKey, attachedPolicies, findPolicy, managedPolicyDocument, type PolicyRecord } from './managed.js';

export const KIND_SERVICE_LAST_ACCESSED_JOB = 'iam.serviceLastAccessedJob';

/** The names AWS's access advisor gives the services Nimbus serves. */
export const SERVICE_NAMES: Record<string, string> = {
  ec2: 'Amazon EC2',
  iam: 'AWS Identity and Access Management',
  rbin: 'Recycle Bin',
  s3: 'Amazon S3',
  servicequotas: 'Service Quotas',
  sts: 'AWS Security Token Service',
};

const TRACKING_PERIOD_MS = 400 * 86_400_000;
const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// Which actions are tracked at action level

const S3_DATA_LISTS = new Set(['ListBucket', 'ListBucketVersions', 'ListBucketMultipartUploads', 'ListMultipartUploadParts']);
const trackedCache = new Map<string, ReadonlySet<string>>();

/** The actions of a service that report action last accessed information (empty: service level only). */
export function trackedActions(prefix: string): ReadonlySet<string> {
  let set = trackedCache.get(prefix);
  if (set) return set;
  const out = new Set<string>();
  if (prefix === 'iam' || prefix === 'ec2' || prefix === 'sts' || prefix === 's3') {
    for (const [name, def] of Object.entries(serviceAuthz(prefix).actions)) {
      if (prefix === 'iam' && name === 'PassRole') continue;
      if (prefix === 's3' && (S3_DATA_LISTS.has(name) || def.resourceTypes.some((r) => r.name === 'object' || r.name === 'accesspointobject'))) continue;
      out.add(name);
    }
  }
  set = out;
  trackedCache.set(prefix, set);
  return set;
}

/** The IAM service prefixes Nimbus serves, sorted. */
export function servedPrefixes(): string[] {
  return [...new Set(Object.values(SERVICE_PREFIX))].sort();
}

// ---------------------------------------------------------------------------------------------
// What a policy document allows (Allow statements' Action / NotAction only)

interface AllowStatement {
  /** Action patterns (`service:Action` globs), or undefined for NotAction statements. */
  action?: Array<{ text: string; match: Matcher }>;
  notAction?: Array<{ text: string; match: Matcher }>;
}

const allowCache = new Map<string, AllowStatement[]>();
const allowedCache = new Map<string, ReadonlySet<string>>();

function allowStatements(document: string): AllowStatement[] {
  let s = allowCache.get(document);
  if (s) return s;
  const parsed = parsePolicy(document, 'identity');
  const compile = (texts: string[] | undefined) => texts?.map((text) => ({ text, match: compileGlob(policyPattern(text), { ignoreCase: true }) }));
  s = isProblem(parsed)
    ? []
    : parsed.statements.filter((st) => st.effect === 'Allow').map((st) => ({ action: compile(st.action), notAction: compile(st.notAction) }));
  if (allowCache.size >= 2_000) allowCache.clear();
  allowCache.set(document, s);
  return s;
}

function statementAllows(st: AllowStatement, action: string): boolean {
  if (st.action) return st.action.some((a) => a.match(action));
  if (st.notAction) return !st.notAction.some((a) => a.match(action));
  return false;
}

/** The actions of a served service (names without prefix) that a document allows. */
export function allowedActions(document: string, prefix: string): ReadonlySet<string> {
  const cacheKey = `${prefix}\u0000${document}`;
  let out = allowedCache.get(cacheKey);
  if (out) return out;
  const set = new Set<string>();
  const statements = allowStatements(document);
  if (statements.length > 0) {
    for (const name of Object.keys(serviceAuthz(prefix).actions)) {
      const full = `${prefix}:${name}`;
      if (statements.some((st) => statementAllows(st, full))) set.add(name);
    }
  }
  out = set;
  if (allowedCache.size >= 2_000) allowedCache.clear();
  allowedCache.set(cacheKey, out);
  return out;
}

/** Whether a document allows some action of a service (any namespace, served or not). */
export function documentGrantsService(document: string, prefix: string): boolean {
  if (servedPrefixes().includes(prefix)) return allowedActions(document, prefix).size > 0;
  const servicePart = compileGlobFor(prefix);
  for (const st of allowStatements(document)) {
    if (st.action?.some((a) => servicePart(a.text))) return true;
    // NotAction allows the service unless it excludes the whole service.
    if (st.notAction && !st.notAction.some((a) => a.text === '*' || a.text.toLowerCase() === `${prefix.toLowerCase()}:*`)) return true;
  }
  return false;
}

/** For an unserved namespace: does an Action pattern's service part match it (`*`, `lambda:*`, `la*:Get*`)? */
function compileGlobFor(prefix: string): (pattern: string) => boolean {
  return (pattern) => {
    if (pattern === '*') return true;
    const colon = pattern.indexOf(':');
    if (colon < 0) return false;
    return compileGlob(policyPattern(pattern.slice(0, colon)), { ignoreCase: true })(prefix);
  };
}

// ---------------------------------------------------------------------------------------------
// The resource a report or listing is about

type Target =
  | { kind: 'user'; user: UserRecord }
  | { kind: 'group'; group: GroupRecord }
  | { kind: 'role'; role: RoleRecord }
  | { kind: 'policy'; policy: PolicyRecord };

const ARN_RE = /^arn:aws:iam::(\d{12}|aws):(user|group|role|policy)(\/(?:[^/]*\/)*)([^/]+)$/;

const invalidArn = (arn: string) => new InvalidInputException(`ARN ${arn} is not valid.`);

async function resolveTarget(tx: ReadTx, accountId: string, arn: string, allowPolicy: boolean): Promise<Target> {
  const m = ARN_RE.exec(arn);
  if (!m || (m[1] === 'aws' && m[2] !== 'policy')) throw invalidArn(arn);
  const kind = m[2] as Target['kind'];
  const name = m[4]!;
  if (kind === 'policy') {
    if (!allowPolicy) throw invalidArn(arn);
    const p = await findPolicy(tx, accountId, arn);
    if (!p) throw new NoSuchEntityException(`Policy ${arn} was not found.`);
    return { kind, policy: p };
  }
  const same = (recArn: string) => m[1] === accountId && recArn.toLowerCase() === arn.toLowerCase();
  if (kind === 'user') {
    const u = await getUser(tx, accountId, name);
    if (!u || !same(u.Arn)) throw new NoSuchEntityException(`The user with name ${name} cannot be found.`);
    return { kind, user: u };
  }
  if (kind === 'group') {
    const g = await getGroup(tx, accountId, name);
    if (!g || !same(g.Arn)) throw new NoSuchEntityException(`The group with name ${name} cannot be found.`);
    return { kind, group: g };
  }
  const r = await getRole(tx, accountId, name);
  if (!r || !same(r.Arn)) throw new NoSuchEntityException(`The role with name ${name} cannot be found.`);
  return { kind: 'role', role: r };
}

interface GrantingPolicy {
  out: PolicyGrantingServiceAccess;
  document: string;
}

async function managedOf(tx: ReadTx, accountId: string, type: 'user' | 'group' | 'role', name: string, seen: Set<string>): Promise<GrantingPolicy[]> {
  const out: GrantingPolicy[] = [];
  for (const a of await attachedPolicies(tx, accountId, type, name)) {
    if (seen.has(a.PolicyArn)) continue;
    seen.add(a.PolicyArn);
    const document = await managedPolicyDocument(tx, accountId, a.PolicyArn);
    if (document !== undefined) out.push({ out: { PolicyName: a.PolicyName, PolicyType: 'MANAGED', PolicyArn: a.PolicyArn }, document });
  }
  return out;
}

/** The permissions policies of the target (what the report's services and ListPoliciesGrantingServiceAccess read). */
async function targetPolicies(tx: ReadTx, accountId: string, t: Target): Promise<GrantingPolicy[]> {
  const seen = new Set<string>();
  const inline = (EntityType: 'USER' | 'GROUP' | 'ROLE', EntityName: string, PolicyName: string, document: string): GrantingPolicy => ({
    out: { PolicyName, PolicyType: 'INLINE', EntityType, EntityName },
    document,
  });
  const groupPolicies = async (g: string) => [
    ...(await groupPolicyDocuments(tx, accountId, g)).map((d) => inline('GROUP', g, d.id, d.document)),
    ...(await managedOf(tx, accountId, 'group', g, seen)),
  ];
  switch (t.kind) {
    case 'user': {
      const u = t.user;
      const out: GrantingPolicy[] = (await tx.list<InlinePolicyRecord>(accountId, KIND_USER_POLICY, { prefix: `${userKey(u.UserName)}/` })).map((e) =>
        inline('USER', u.UserName, e.value.PolicyName, e.value.Document),
      );
      out.push(...(await managedOf(tx, accountId, 'user', u.UserName, seen)));
      for (const g of await groupsOfUser(tx, accountId, u.UserName)) out.push(...(await groupPolicies(g)));
      return out;
    }
    case 'group':
      return groupPolicies(t.group.GroupName);
    case 'role':
      return [
        ...(await rolePolicyDocuments(tx, accountId, t.role.RoleName)).map((d) => inline('ROLE', t.role.RoleName, d.id, d.document)),
        ...(await managedOf(tx, accountId, 'role', t.role.RoleName, seen)),
      ];
    case 'policy': {
      const document = await managedPolicyDocument(tx, accountId, t.policy.Arn);
      return document === undefined ? [] : [{ out: { PolicyName: t.policy.PolicyName, PolicyType: 'MANAGED', PolicyArn: t.policy.Arn }, document }];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The entities a report covers, and their attempts

interface CoveredEntity {
  type: TrackedEntityType;
  info: { Arn: string; Name: string; Type: 'USER' | 'ROLE'; Id: string; Path: string };
  createDate: string;
}

const userEntity = (u: UserRecord): CoveredEntity => ({
  type: 'user',
  info: { Arn: u.Arn, Name: u.UserName, Type: 'USER', Id: u.UserId, Path: u.Path },
  createDate: u.CreateDate,
});
const roleEntity = (r: RoleRecord): CoveredEntity => ({
  type: 'role',
  info: { Arn: r.Arn, Name: r.RoleName, Type: 'ROLE', Id: r.RoleId, Path: r.Path },
  createDate: r.CreateDate,
});

async function groupMembers(tx: ReadTx, accountId: string, groupName: string): Promise<CoveredEntity[]> {
  const out: CoveredEntity[] = [];
  for (const e of await tx.list<{ UserName: string }>(accountId, KIND_GROUP_MEMBER, { prefix: `${groupName.toLowerCase()}/` })) {
    const u = await getUser(tx, accountId, e.value.UserName);
    if (u) out.push(userEntity(u));
  }
  return out;
}

async function coveredEntities(tx: ReadTx, accountId: string, t: Target): Promise<CoveredEntity[]> {
  switch (t.kind) {
    case 'user':
      return [userEntity(t.user)];
    case 'role':
      return [roleEntity(t.role)];
    case 'group':
      return groupMembers(tx, accountId, t.group.GroupName);
    case 'policy': {
      const out = new Map<string, CoveredEntity>();
      const prefix = `${attachKey(t.policy)}/`;
      for (const e of await tx.list<{ UserName?: string; GroupName?: string; RoleName?: string }>(accountId, KIND_POLICY_ATTACHMENT, { prefix })) {
        const v = e.value;
        if (v.UserName !== undefined) {
          const u = await getUser(tx, accountId, v.UserName);
          if (u) out.set(u.Arn, userEntity(u));
        } else if (v.RoleName !== undefined) {
          const r = await getRole(tx, accountId, v.RoleName);
          if (r) out.set(r.Arn, roleEntity(r));
        } else if (v.GroupName !== undefined) {
          for (const m of await groupMembers(tx, accountId, v.GroupName)) out.set(m.info.Arn, m);
        }
      }
      return [...out.values()];
    }
  }
}

interface Attempt {
  time: number;
  region: string;
}

/** One entity's attempts: latest per service and per `service:Action`. */
interface EntityActivity {
  services: Map<string, Attempt>;
  actions: Map<string, Attempt>;
}

async function activityOf(tx: ReadTx, accountId: string, e: CoveredEntity, now: Date): Promise<EntityActivity> {
  const prefix = `${e.type}/${e.info.Name.toLowerCase()}/`;
  const since = Math.max(now.getTime() - TRACKING_PERIOD_MS, Math.floor(Date.parse(e.createDate) / MINUTE) * MINUTE);
  const out: EntityActivity = { services: new Map(), actions: new Map() };
  const newer = (m: Map<string, Attempt>, k: string, a: Attempt) => {
    const prev = m.get(k);
    if (!prev || prev.time < a.time) m.set(k, a);
  };
  let startAfter: string | undefined;
  for (;;) {
    const chunk = await tx.list<AccessActivityRecord>(accountId, KIND_ACCESS_ACTIVITY, { prefix, startAfter, limit: 500 });
    for (const row of chunk) {
      const [service, action, region] = row.key.slice(prefix.length).split('/') as [string, string, string];
      const time = Date.parse(row.value.time);
      if (!(time >= since)) continue;
      const a = { time, region };
      newer(out.services, service, a);
      newer(out.actions, `${service}:${action}`, a);
    }
    if (chunk.length < 500) break;
    startAfter = chunk[chunk.length - 1]!.key;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Jobs

interface StoredAttempt {
  time: string;
  region: string;
  entity: string;
}

interface StoredService {
  ServiceName: string;
  ServiceNamespace: string;
  last?: StoredAttempt;
  total: number;
  /** ACTION_LEVEL only, for services with tracked actions. */
  tracked?: Array<{ ActionName: string; last?: StoredAttempt }>;
  /** GetServiceLastAccessedDetailsWithEntities, in its order. */
  entities: Array<{ info: CoveredEntity['info']; last?: string }>;
}

export interface JobRecord {
  JobId: string;
  JobType: 'SERVICE_LEVEL' | 'ACTION_LEVEL';
  Arn: string;
  /** The principal that generated the report: only it may read it. */
  owner: string;
  JobCreationDate: string;
  JobCompletionDate: string;
  services: StoredService[];
}

/** Computes a report for a target (exported for tests). */
export async function buildReport(
  tx: ReadTx,
  accountId: string,
  arn: string,
  granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL',
  now: Date,
): Promise<StoredService[]> {
  const target = await resolveTarget(tx, accountId, arn, true);
  const policies = await targetPolicies(tx, accountId, target);
  const entities = await coveredEntities(tx, accountId, target);
  const activity = new Map<CoveredEntity, EntityActivity>();
  for (const e of entities) activity.set(e, await activityOf(tx, accountId, e, now));
  // A role's attempts are its sessions': reported under the role's ARN (CoveredEntity.info.Arn).
  const stamp = (a: Attempt, e: CoveredEntity): StoredAttempt => ({ time: new Date(a.time).toISOString(), region: a.region, entity: e.info.Arn });

  const services: StoredService[] = [];
  for (const prefix of servedPrefixes()) {
    const allowed = new Set<string>();
    for (const p of policies) for (const a of allowedActions(p.document, prefix)) allowed.add(a);
    if (allowed.size === 0) continue;
    let last: { a: Attempt; e: CoveredEntity } | undefined;
    const perEntity: Array<{ e: CoveredEntity; a?: Attempt }> = [];
    for (const e of entities) {
      const a = activity.get(e)!.services.get(prefix);
      perEntity.push({ e, a });
      if (a && (!last || last.a.time < a.time)) last = { a, e };
    }
    perEntity.sort((x, y) => (y.a?.time ?? -1) - (x.a?.time ?? -1) || x.e.info.Name.localeCompare(y.e.info.Name));
    const svc: StoredService = {
      ServiceName: SERVICE_NAMES[prefix] ?? prefix,
      ServiceNamespace: prefix,
      last: last && stamp(last.a, last.e),
      total: perEntity.filter((x) => x.a).length,
      entities: perEntity.map((x) => ({ info: x.e.info, last: x.a && new Date(x.a.time).toISOString() })),
    };
    const tracked = trackedActions(prefix);
    if (granularity === 'ACTION_LEVEL' && tracked.size > 0) {
      svc.tracked = [...allowed]
        .filter((a) => tracked.has(a))
        .sort()
        .map((ActionName) => {
          let best: { a: Attempt; e: CoveredEntity } | undefined;
          for (const e of entities) {
            const a = activity.get(e)!.actions.get(`${prefix}:${ActionName}`);
            if (a && (!best || best.a.time < a.time)) best = { a, e };
          }
          return { ActionName, last: best && stamp(best.a, best.e) };
        });
    }
    services.push(svc);
  }
  return services;
}

function serviceOut(s: StoredService): ServiceLastAccessed {
  const out: ServiceLastAccessed = { ServiceName: s.ServiceName, ServiceNamespace: s.ServiceNamespace, TotalAuthenticatedEntities: s.total };
  if (s.last) {
    out.LastAuthenticated = new Date(s.last.time);
    out.LastAuthenticatedEntity = s.last.entity;
    out.LastAuthenticatedRegion = s.last.region;
  }
  if (s.tracked) {
    out.TrackedActionsLastAccessed = s.tracked.map((t): TrackedActionLastAccessed => {
      const a: TrackedActionLastAccessed = { ActionName: t.ActionName };
      if (t.last) {
        a.LastAccessedEntity = t.last.entity;
        a.LastAccessedTime = new Date(t.last.time);
        a.LastAccessedRegion = t.last.region;
      }
      return a;
    });
  }
  return out;
}

async function requireJob(ctx: HandlerContext, jobId: string): Promise<JobRecord> {
  const job = await ctx.tx.get<JobRecord>(ctx.accountId, KIND_SERVICE_LAST_ACCESSED_JOB, jobId);
  if (!job || job.owner !== ctx.principal.arn) throw new NoSuchEntityException(`No report found for job id ${jobId}.`);
  return job;
}

/** One page of a list: `Marker` is an opaque offset, `MaxItems` defaults to 100. */
function page<T>(items: T[], input: { Marker?: string; MaxItems?: number }): { items: T[]; IsTruncated: boolean; Marker?: string } {
  let start = 0;
  if (input.Marker !== undefined) {
    const k = decodeMarker(input.Marker);
    if (!/^\d+$/.test(k)) throw new InvalidInputException('Invalid Marker.');
    start = Number(k);
  }
  const max = input.MaxItems ?? 100;
  const slice = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return { items: slice, IsTruncated: truncated, Marker: truncated ? encodeMarker(String(start + max)) : undefined };
}

export const lastAccessedHandlers: IamHandlers = {
  async GenerateServiceLastAccessedDetails(input, ctx) {
    const granularity = input.Granularity ?? 'SERVICE_LEVEL';
    const services = await buildReport(ctx.tx, ctx.accountId, input.Arn, granularity, ctx.now);
    const job: JobRecord = {
      JobId: randomUUID(),
      JobType: granularity,
      Arn: input.Arn,
      owner: ctx.principal.arn,
      JobCreationDate: ctx.now.toISOString(),
      JobCompletionDate: ctx.now.toISOString(),
      services,
    };
    await ctx.tx.put(ctx.accountId, KIND_SERVICE_LAST_ACCESSED_JOB, job.JobId, job);
    return { JobId: job.JobId };
  },

  async GetServiceLastAccessedDetails(input, ctx) {
    const job = await requireJob(ctx, input.JobId);
    const p = page(job.services, input);
    return {
      JobStatus: 'COMPLETED',
      JobType: job.JobType,
      JobCreationDate: new Date(job.JobCreationDate),
      JobCompletionDate: new Date(job.JobCompletionDate),
      ServicesLastAccessed: p.items.map(serviceOut),
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  },

  async GetServiceLastAccessedDetailsWithEntities(input, ctx) {
    const job = await requireJob(ctx, input.JobId);
    const svc = job.services.find((s) => s.ServiceNamespace === input.ServiceNamespace);
    const details: EntityDetails[] = (svc?.entities ?? []).map((e) => (e.last ? { EntityInfo: e.info, LastAuthenticated: new Date(e.last) } : { EntityInfo: e.info }));
    const p = page(details, input);
    return {
      JobStatus: 'COMPLETED',
      JobCreationDate: new Date(job.JobCreationDate),
      JobCompletionDate: new Date(job.JobCompletionDate),
      EntityDetailsList: p.items,
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  },

  async ListPoliciesGrantingServiceAccess(input, ctx) {
    const target = await resolveTarget(ctx.tx, ctx.accountId, input.Arn, false);
    const policies = await targetPolicies(ctx.tx, ctx.accountId, target);
    const entries = input.ServiceNamespaces.map((ns) => ({
      ServiceNamespace: ns,
      Policies: policies.filter((p) => documentGrantsService(p.document, ns)).map((p) => p.out),
    }));
    const p = page(entries, { Marker: input.Marker });
    return { PoliciesGrantingServiceAccess: p.items, IsTruncated: p.IsTruncated, Marker: p.Marker };
  },
};
