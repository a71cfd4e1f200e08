/**
 * IAM policies: user inline policies, customer managed policies with their versions and tags, and
 * managed policies attached to users, groups and roles.
 *
 * Store layout: see managed.ts (managed policies, versions and the attachment index); here also
 *   iam.userPolicy          `<user>/<PolicyName>`            an inline policy { PolicyName, Document }
 * Documents are stored exactly as sent (whitespace included) and returned percent-encoded as
 * RFC 3986 requires (everything but `A-Za-z0-9-._~` escaped, as IAM does: `*` -> `%2A`, space -> `%20`).
 * botocore (CLI, boto3) decodes them; the JavaScript SDK v3 hands the encoded string to the caller.
 *
 * Fidelity notes:
 * - Error texts are IAM's: "The user policy with name X cannot be found.", "Policy ARN was not found.",
 *   "Policy ARN does not exist or is not attachable.", "Policy ARN version vN does not exist or is not
 *   attachable.", "A policy called X already exists. Duplicate names are not allowed.",
 *   "Cannot exceed quota for PoliciesPerUser|PoliciesPerGroup|PoliciesPerRole: 10",
 *   DeletePolicy's "Cannot delete a policy attached to entities." (also while the policy is some
 *   user's or role's permissions boundary, as IAM answers then).
 * - CreatePolicy answers without Description (GetPolicy has it) and with Tags only when some were given;
 *   GetPolicy always carries Tags (possibly empty); ListPolicies carries neither.
 * - Policy tags: duplicate keys in one request are refused with "Duplicate tag keys found." and keys
 *   are matched case-sensitively (IAM treats policy tags unlike user and role tags here, whose keys are
 *   case-insensitive); more than 50 is "Cannot exceed quota for TagsPerPolicy: 50".
 * - ListPolicyVersions lists the newest version first. Version numbers are never reused (v6 follows a
 *   deleted v5). UpdateDate is the creation time of the most recently created version.
 * - Inline policy size is the aggregate over the user's inline policies (2048 non-whitespace characters).
 * - Attaching an already attached policy succeeds without change, as on AWS.
 * - AWS managed policies (`arn:aws:iam::aws:policy/...`, see aws-managed.ts) are read-only: GetPolicy,
 *   GetPolicyVersion and ListPolicyVersions show their default version only (other versions are
 *   NoSuchEntity); they attach, detach and list like customer managed ones. ListPolicies Scope=All lists
 *   the account's own policies first, then the AWS managed ones.
 * - CreatePolicyVersion, DeletePolicy, DeletePolicyVersion, SetDefaultPolicyVersion, TagPolicy and
 *   UntagPolicy on an AWS managed policy answer AccessDenied (HTTP 403): the policy belongs to AWS's
 *   account, not the caller's, so no principal of the account may write it. The message follows IAM's
 *   authorization denials; AWS's exact text for this case is not documented. ListPolicyTags lists none.
 * - PermissionsBoundaryUsageCount counts the account's users and roles whose boundary is the policy,
 *   read from the users and roles themselves (no counter to drift, whoever sets or clears a boundary).
 * - ListEntitiesForPolicy lists groups, then roles, then users (one Marker over the three lists);
 *   PolicyUsageFilter PermissionsPolicy lists attachments only, PermissionsBoundary boundary holders
 *   only, neither both (an entity holding the policy both ways is listed once). EntityFilter
 *   LocalManagedPolicy / AWSManagedPolicy name no entity type: nothing is listed.
 * - ListPolicies PolicyUsageFilter=PermissionsBoundary lists the policies in use as a boundary;
 *   OnlyAttached then means the same; otherwise OnlyAttached means AttachmentCount > 0.
 *
 * Gaps:
 * - AWS managed policies under /aws-service-role/ are reserved for service-linked roles on AWS
 *   (PolicyNotAttachable); here they attach like any other.
 * - Inline policy names are kept case-sensitive (AWS does not document their case rules).
 * - A user rename (UpdateUser, users.ts) must call `renameUserPolicies` to move this module's keys.
 */
import { decodeMarker, encodeMarker, encodePolicyDocument, listPage, TAGS_PER_ENTITY } from './common.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx, WriteTx } from '../../store/types.js';
import { parsePolicy, policySize, isProblem, type PolicyKind } from '../../policy/index.js';
import { KIND_USER, getUser, userKey, type UserRecord } from './state.js';
import { getGroup } from './groups.js';
import { KIND_ROLE, getRole, type RoleRecord } from './roles.js';
import { awsManagedIndexAfter, listAwsManagedPolicies } from './aws-managed.js';
import {
  ATTACHED_KIND,
  KIND_POLICY,
  KIND_POLICY_ATTACHMENT,
  KIND_POLICY_VERSION,
  KIND_USER_ATTACHED,
  MANAGED_POLICIES_PER_ENTITY,
  attachKey,
  attachedPolicies,
  awsKey,
  awsRecord,
  findPolicy,
  getVersion,
  isAws,
  managedPolicyDocument,
  policyKey,
  renameAttachments,
  reverseRecord,
  versionKey,
  type AttachmentRecord,
  type EntityRef,
  type EntityType,
  type PolicyAttachmentRecord,
  type PolicyRecord,
  type PolicyVersionRecord,
} from './managed.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  InvalidInputException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  type IamHandlers,
  type Policy,
} from '../../generated/iam.js';

export { KIND_POLICY, KIND_POLICY_VERSION, KIND_USER_ATTACHED, KIND_POLICY_ATTACHMENT, managedPolicyDocument };
export type { PolicyRecord, PolicyVersionRecord };

export const KIND_USER_POLICY = 'iam.userPolicy';

const MAX_VERSIONS = 5;

export interface InlinePolicyRecord {
  PolicyName: string;
  Document: string;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * One page of `kind` entries under `prefix`, keeping those `keep` accepts: `MaxItems` (default 100),
 * an opaque marker of the last key returned, scanning the store in bounded chunks.
 */
async function paginate<T>(
  tx: ReadTx,
  scope: string,
  kind: string,
  prefix: string,
  input: { Marker?: string; MaxItems?: number },
  keep: (v: T) => boolean = () => true,
): Promise<{ items: T[]; IsTruncated: boolean; Marker?: string }> {
  if (input.Marker !== undefined && !decodeMarker(input.Marker).startsWith(prefix)) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
  const page = await listPage<T>(tx, scope, kind, { prefix, marker: input.Marker, maxItems: input.MaxItems, filter: keep });
  return { items: page.items.map((e) => e.value), IsTruncated: page.truncated, Marker: page.marker };
}

const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);
const noSuchGroup = (name: string) => new NoSuchEntityException(`The group with name ${name} cannot be found.`);
const noSuchRole = (name: string) => new NoSuchEntityException(`The role with name ${name} cannot be found.`);
const noSuchUserPolicy = (name: string) => new NoSuchEntityException(`The user policy with name ${name} cannot be found.`);
const policyNotFound = (arn: string) => new NoSuchEntityException(`Policy ${arn} was not found.`);
const versionNotFound = (arn: string, v: string) =>
  new NoSuchEntityException(`Policy ${arn} version ${v} does not exist or is not attachable.`);
const ATTACHED_TO_ENTITIES = 'Cannot delete a policy attached to entities.';

async function requireUser(ctx: HandlerContext, name: string): Promise<UserRecord> {
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

/** Validates a document; throws IAM's MalformedPolicyDocument / LimitExceeded. */
function validate(text: string, kind: PolicyKind, entityName?: string, otherInlineChars?: number): void {
  const r = parsePolicy(text, 'identity', { kind, entityName, otherInlineChars });
  if (isProblem(r)) {
    if (r.code === 'LimitExceeded') throw new LimitExceededException(r.message);
    throw new MalformedPolicyDocumentException(r.message);
  }
}


function policyOut(p: PolicyRecord, view: 'create' | 'get' | 'list', boundaryUsage: number): Policy {
  const out: Policy = {
    PolicyName: p.PolicyName,
    PolicyId: p.PolicyId,
    Arn: p.Arn,
    Path: p.Path,
    DefaultVersionId: p.DefaultVersionId,
    AttachmentCount: p.AttachmentCount,
    PermissionsBoundaryUsageCount: boundaryUsage,
    IsAttachable: true,
    CreateDate: new Date(p.CreateDate),
    UpdateDate: new Date(p.UpdateDate),
  };
  if (view === 'get') {
    if (p.Description !== undefined) out.Description = p.Description;
    out.Tags = p.Tags ?? [];
  } else if (view === 'create' && p.Tags && p.Tags.length) out.Tags = p.Tags;
  return out;
}

async function inlineChars(tx: ReadTx, accountId: string, user: UserRecord, except?: string): Promise<number> {
  let n = 0;
  for (const e of await tx.list<InlinePolicyRecord>(accountId, KIND_USER_POLICY, { prefix: `${userKey(user.UserName)}/` })) {
    if (e.value.PolicyName !== except) n += policySize(e.value.Document);
  }
  return n;
}

/** Policy tags: keys unique case-sensitively within one request ("Duplicate tag keys found."). */
function checkPolicyTags(tags: { Key: string }[]): void {
  const keys = new Set<string>();
  for (const t of tags) {
    if (keys.has(t.Key)) throw new InvalidInputException('Duplicate tag keys found.');
    keys.add(t.Key);
  }
}

// ---------------------------------------------------------------------------------------------
// Permissions boundary usage: read from the users and roles themselves.

/** The account's users and roles whose permissions boundary is `arn`. */
export async function boundaryHolders(tx: ReadTx, accountId: string, arn: string): Promise<{ users: UserRecord[]; roles: RoleRecord[] }> {
  const users = (await tx.list<UserRecord>(accountId, KIND_USER)).map((e) => e.value).filter((u) => u.PermissionsBoundary?.PermissionsBoundaryArn === arn);
  const roles = (await tx.list<RoleRecord>(accountId, KIND_ROLE)).map((e) => e.value).filter((r) => r.PermissionsBoundary?.PermissionsBoundaryArn === arn);
  return { users, roles };
}

/** PermissionsBoundaryUsageCount of every policy in use as a boundary, by ARN. */
export async function boundaryCounts(tx: ReadTx, accountId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (arn: string | undefined) => arn !== undefined && counts.set(arn, (counts.get(arn) ?? 0) + 1);
  for (const e of await tx.list<UserRecord>(accountId, KIND_USER)) add(e.value.PermissionsBoundary?.PermissionsBoundaryArn);
  for (const e of await tx.list<RoleRecord>(accountId, KIND_ROLE)) add(e.value.PermissionsBoundary?.PermissionsBoundaryArn);
  return counts;
}

async function boundaryCount(tx: ReadTx, accountId: string, arn: string): Promise<number> {
  const h = await boundaryHolders(tx, accountId, arn);
  return h.users.length + h.roles.length;
}

// ---------------------------------------------------------------------------------------------
// For DeleteUser, UpdateUser and the authorizer

/** AWS's DeleteConflict text while the user still has inline or attached policies, else undefined. */
export async function userBlockers(tx: ReadTx, accountId: string, user: UserRecord): Promise<string | undefined> {
  const prefix = `${userKey(user.UserName)}/`;
  if ((await tx.count(accountId, KIND_USER_POLICY, { prefix })) > 0) return 'Cannot delete entity, must delete policies first.';
  if ((await tx.count(accountId, KIND_USER_ATTACHED, { prefix })) > 0) return 'Cannot delete entity, must detach all policies first.';
  return undefined;
}

/**
 * For UpdateUser (NewUserName / NewPath): moves the user's inline policies and managed policy
 * attachments to the renamed user. Call it with the user as it is after the update.
 */
export async function renameUserPolicies(tx: WriteTx, accountId: string, oldName: string, user: UserRecord): Promise<void> {
  const oldKey = userKey(oldName);
  const newKey = userKey(user.UserName);
  if (oldKey !== newKey) {
    for (const e of await tx.list<InlinePolicyRecord>(accountId, KIND_USER_POLICY, { prefix: `${oldKey}/` })) {
      await tx.delete(accountId, KIND_USER_POLICY, e.key);
      await tx.put(accountId, KIND_USER_POLICY, `${newKey}/${e.value.PolicyName}`, e.value);
    }
  }
  await renameAttachments(tx, accountId, 'user', oldName, { name: user.UserName, id: user.UserId, path: user.Path });
}

/** The default-version documents of the managed policies attached to a user, group or role (id = ARN). */
export async function attachedPolicyDocuments(
  tx: ReadTx,
  accountId: string,
  type: EntityType,
  name: string,
): Promise<Array<{ id: string; document: string }>> {
  const out: Array<{ id: string; document: string }> = [];
  for (const a of await attachedPolicies(tx, accountId, type, name)) {
    const document = await managedPolicyDocument(tx, accountId, a.PolicyArn);
    if (document !== undefined) out.push({ id: a.PolicyArn, document });
  }
  return out;
}

/**
 * The identity-based policies that apply to a user directly: its inline documents (id
 * `user/<name>/<policyName>`) and the default version of each attached managed policy (id = the policy
 * ARN). Group policies: see permissions.ts.
 */
export async function identityPolicyDocuments(
  tx: ReadTx,
  accountId: string,
  userName: string,
): Promise<Array<{ id: string; document: string }>> {
  const out: Array<{ id: string; document: string }> = [];
  const user = await getUser(tx, accountId, userName);
  if (!user) return out;
  const prefix = `${userKey(user.UserName)}/`;
  for (const e of await tx.list<InlinePolicyRecord>(accountId, KIND_USER_POLICY, { prefix })) {
    out.push({ id: `user/${user.UserName}/${e.value.PolicyName}`, document: e.value.Document });
  }
  out.push(...(await attachedPolicyDocuments(tx, accountId, 'user', user.UserName)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Attachments, the same for users, groups and roles

const QUOTA: Record<EntityType, string> = { user: 'PoliciesPerUser', group: 'PoliciesPerGroup', role: 'PoliciesPerRole' };

async function entityRef(ctx: HandlerContext, type: EntityType, name: string): Promise<EntityRef> {
  if (type === 'user') {
    const u = await getUser(ctx.tx, ctx.accountId, name);
    if (!u) throw noSuchUser(name);
    return { type, name: u.UserName, id: u.UserId, path: u.Path };
  }
  if (type === 'group') {
    const g = await getGroup(ctx.tx, ctx.accountId, name);
    if (!g) throw noSuchGroup(name);
    return { type, name: g.GroupName, id: g.GroupId, path: g.Path };
  }
  const r = await getRole(ctx.tx, ctx.accountId, name);
  if (!r) throw noSuchRole(name);
  return { type, name: r.RoleName, id: r.RoleId, path: r.Path };
}

async function attach(ctx: HandlerContext, type: EntityType, name: string, arn: string): Promise<void> {
  const e = await entityRef(ctx, type, name);
  const p = await findPolicy(ctx.tx, ctx.accountId, arn);
  if (!p) throw new NoSuchEntityException(`Policy ${arn} does not exist or is not attachable.`);
  const kind = ATTACHED_KIND[type];
  const prefix = `${e.name.toLowerCase()}/`;
  const key = prefix + attachKey(p);
  if (await ctx.tx.get(ctx.accountId, kind, key)) return; // already attached: no change
  if ((await ctx.tx.count(ctx.accountId, kind, { prefix })) >= MANAGED_POLICIES_PER_ENTITY) {
    throw new LimitExceededException(`Cannot exceed quota for ${QUOTA[type]}: ${MANAGED_POLICIES_PER_ENTITY}`);
  }
  const att: AttachmentRecord = { PolicyArn: p.Arn, PolicyName: p.PolicyName, Path: p.Path };
  await ctx.tx.put(ctx.accountId, kind, key, att);
  await ctx.tx.put(ctx.accountId, KIND_POLICY_ATTACHMENT, `${attachKey(p)}/${type}/${e.name.toLowerCase()}`, reverseRecord(e));
  // AWS managed policies' counts are computed from the reverse index (findPolicy).
  if (!isAws(p)) await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, AttachmentCount: p.AttachmentCount + 1 });
}

async function detach(ctx: HandlerContext, type: EntityType, name: string, arn: string): Promise<void> {
  const e = await entityRef(ctx, type, name);
  const p = await findPolicy(ctx.tx, ctx.accountId, arn);
  if (!p) throw policyNotFound(arn);
  const k = e.name.toLowerCase();
  if (!(await ctx.tx.delete(ctx.accountId, ATTACHED_KIND[type], `${k}/${attachKey(p)}`))) throw policyNotFound(arn);
  await ctx.tx.delete(ctx.accountId, KIND_POLICY_ATTACHMENT, `${attachKey(p)}/${type}/${k}`);
  if (!isAws(p)) {
    await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, AttachmentCount: Math.max(0, p.AttachmentCount - 1) });
  }
}

async function listAttached(
  ctx: HandlerContext,
  type: EntityType,
  name: string,
  input: { PathPrefix?: string; Marker?: string; MaxItems?: number },
) {
  const e = await entityRef(ctx, type, name);
  const prefix = input.PathPrefix ?? '/';
  const page = await paginate<AttachmentRecord>(ctx.tx, ctx.accountId, ATTACHED_KIND[type], `${e.name.toLowerCase()}/`, input, (a) =>
    a.Path.startsWith(prefix),
  );
  return {
    AttachedPolicies: page.items.map((a) => ({ PolicyName: a.PolicyName, PolicyArn: a.PolicyArn })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

export const POLICIES_PER_ACCOUNT = 1500;

export const policyHandlers: IamHandlers = {
  // --- user inline policies ---------------------------------------------------------------

  async PutUserPolicy(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const others = await inlineChars(ctx.tx, ctx.accountId, u, input.PolicyName);
    validate(input.PolicyDocument, 'user-inline', u.UserName, others);
    const rec: InlinePolicyRecord = { PolicyName: input.PolicyName, Document: input.PolicyDocument };
    await ctx.tx.put(ctx.accountId, KIND_USER_POLICY, `${userKey(u.UserName)}/${input.PolicyName}`, rec);
  },

  async GetUserPolicy(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const rec = await ctx.tx.get<InlinePolicyRecord>(ctx.accountId, KIND_USER_POLICY, `${userKey(u.UserName)}/${input.PolicyName}`);
    if (!rec) throw noSuchUserPolicy(input.PolicyName);
    return { UserName: u.UserName, PolicyName: rec.PolicyName, PolicyDocument: encodePolicyDocument(rec.Document) };
  },

  async ListUserPolicies(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const page = await paginate<InlinePolicyRecord>(ctx.tx, ctx.accountId, KIND_USER_POLICY, `${userKey(u.UserName)}/`, input);
    return { PolicyNames: page.items.map((p) => p.PolicyName), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },

  async DeleteUserPolicy(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_USER_POLICY, `${userKey(u.UserName)}/${input.PolicyName}`))) {
      throw noSuchUserPolicy(input.PolicyName);
    }
  },

  // --- managed policies -------------------------------------------------------------------

  async CreatePolicy(input, ctx) {
    const path = input.Path ?? '/';
    validate(input.PolicyDocument, 'managed');
    if (input.Tags) checkPolicyTags(input.Tags);
    const now = ctx.now.toISOString();
    const p: PolicyRecord = {
      PolicyName: input.PolicyName,
      PolicyId: newUniqueId('ANPA'),
      Arn: `arn:aws:iam::${ctx.accountId}:policy${path}${input.PolicyName}`,
      Path: path,
      Description: input.Description,
      CreateDate: now,
      UpdateDate: now,
      DefaultVersionId: 'v1',
      NextVersion: 2,
      AttachmentCount: 0,
      Tags: input.Tags?.map((t) => ({ Key: t.Key, Value: t.Value })),
    };
    // IAM and AWS STS quotas: 1,500 customer managed policies per account.
    if ((await ctx.tx.count(ctx.accountId, KIND_POLICY)) >= POLICIES_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for PoliciesPerAccount: ${POLICIES_PER_ACCOUNT}`);
    }
    if (!(await ctx.tx.insert(ctx.accountId, KIND_POLICY, policyKey(p), p))) {
      throw new EntityAlreadyExistsException(`A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
    }
    const v: PolicyVersionRecord = { VersionId: 'v1', Document: input.PolicyDocument, CreateDate: now };
    await ctx.tx.put(ctx.accountId, KIND_POLICY_VERSION, versionKey(p, 'v1')!, v);
    return { Policy: policyOut(p, 'create', 0) };
  },

  async GetPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    return { Policy: policyOut(p, 'get', await boundaryCount(ctx.tx, ctx.accountId, p.Arn)) };
  },

  async ListPolicies(input, ctx) {
    const scope = input.Scope ?? 'All';
    const prefix = input.PathPrefix ?? '/';
    const boundaries = await boundaryCounts(ctx.tx, ctx.accountId);
    const used = (p: PolicyRecord) => boundaries.get(p.Arn) ?? 0;
    const out1 = (p: PolicyRecord) => policyOut(p, 'list', used(p));
    const keep = (p: PolicyRecord) => {
      if (!p.Path.startsWith(prefix)) return false;
      if (input.PolicyUsageFilter === 'PermissionsBoundary') return used(p) > 0;
      if (input.OnlyAttached && p.AttachmentCount === 0) return false;
      return true;
    };
    const max = input.MaxItems ?? 100;
    // One listing: the account's own policies first (markers: their store keys, which never contain
    // `:`), then the AWS managed ones (markers `aws:<lower-name>`).
    const after = input.Marker !== undefined ? decodeMarker(input.Marker) : undefined;
    const inAwsPart = after !== undefined && after.startsWith('aws:');
    if (after !== undefined && (inAwsPart ? scope === 'Local' : scope === 'AWS')) {
      throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
    }
    const out: PolicyRecord[] = [];
    if (scope !== 'AWS' && !inAwsPart) {
      const page = await paginate<PolicyRecord>(ctx.tx, ctx.accountId, KIND_POLICY, '', { Marker: input.Marker, MaxItems: max }, keep);
      if (page.IsTruncated || scope === 'Local') {
        return { Policies: page.items.map(out1), IsTruncated: page.IsTruncated, Marker: page.Marker };
      }
      out.push(...page.items);
    }
    const counts = new Map<string, number>();
    for (const e of await ctx.tx.list<PolicyAttachmentRecord>(ctx.accountId, KIND_POLICY_ATTACHMENT, { prefix: 'aws:' })) {
      const k = e.key.slice(0, e.key.indexOf('/'));
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const all = listAwsManagedPolicies();
    let marker: string | undefined;
    for (let i = inAwsPart ? awsManagedIndexAfter(after!.slice(4)) : 0; i < all.length; i++) {
      const a = all[i]!;
      const rec = awsRecord(a, counts.get(awsKey(a)) ?? 0);
      if (!keep(rec)) continue;
      if (out.length === max) {
        // A full page with more to come: the marker is the last item's (a local key or `aws:<name>`).
        const last = out[out.length - 1]!;
        marker = encodeMarker(isAws(last) ? awsKey(last) : policyKey(last));
        break;
      }
      out.push(rec);
    }
    return { Policies: out.map(out1), IsTruncated: marker !== undefined, Marker: marker };
  },

  async DeletePolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    if (p.AttachmentCount > 0 || (await boundaryCount(ctx.tx, ctx.accountId, p.Arn)) > 0) throw new DeleteConflictException(ATTACHED_TO_ENTITIES);
    const versions = await ctx.tx.list<PolicyVersionRecord>(ctx.accountId, KIND_POLICY_VERSION, { prefix: `${policyKey(p)}/` });
    if (versions.length > 1) {
      throw new DeleteConflictException(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    for (const v of versions) await ctx.tx.delete(ctx.accountId, KIND_POLICY_VERSION, v.key);
    await ctx.tx.delete(ctx.accountId, KIND_POLICY, policyKey(p));
  },

  // --- versions ---------------------------------------------------------------------------

  async CreatePolicyVersion(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    validate(input.PolicyDocument, 'managed');
    if ((await ctx.tx.count(ctx.accountId, KIND_POLICY_VERSION, { prefix: `${policyKey(p)}/` })) >= MAX_VERSIONS) {
      throw new LimitExceededException(
        `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const now = ctx.now.toISOString();
    const v: PolicyVersionRecord = { VersionId: `v${p.NextVersion}`, Document: input.PolicyDocument, CreateDate: now };
    await ctx.tx.put(ctx.accountId, KIND_POLICY_VERSION, versionKey(p, v.VersionId)!, v);
    const isDefault = input.SetAsDefault === true;
    const updated: PolicyRecord = {
      ...p,
      NextVersion: p.NextVersion + 1,
      UpdateDate: now,
      DefaultVersionId: isDefault ? v.VersionId : p.DefaultVersionId,
    };
    await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), updated);
    return { PolicyVersion: { VersionId: v.VersionId, IsDefaultVersion: isDefault, CreateDate: new Date(now) } };
  },

  async GetPolicyVersion(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    const v = p && (await getVersion(ctx.tx, ctx.accountId, p, input.VersionId));
    if (!p || !v) throw versionNotFound(input.PolicyArn, input.VersionId);
    return {
      PolicyVersion: {
        Document: encodePolicyDocument(v.Document),
        VersionId: v.VersionId,
        IsDefaultVersion: v.VersionId === p.DefaultVersionId,
        CreateDate: new Date(v.CreateDate),
      },
    };
  },

  async ListPolicyVersions(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    // At most 5 versions: list them all, newest first as IAM does, then page over that list.
    const aws = isAws(p) ? await getVersion(ctx.tx, ctx.accountId, p, p.DefaultVersionId) : undefined;
    const all = aws
      ? [{ key: `${awsKey(p)}/${aws.VersionId}`, value: aws }]
      : (await ctx.tx.list<PolicyVersionRecord>(ctx.accountId, KIND_POLICY_VERSION, { prefix: `${policyKey(p)}/` })).reverse();
    let start = 0;
    if (input.Marker !== undefined) {
      const after = decodeMarker(input.Marker);
      const i = all.findIndex((e) => e.key === after);
      if (i < 0) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
      start = i + 1;
    }
    const max = input.MaxItems ?? 100;
    const slice = all.slice(start, start + max);
    const truncated = start + max < all.length;
    return {
      Versions: slice.map((e) => ({
        VersionId: e.value.VersionId,
        IsDefaultVersion: e.value.VersionId === p.DefaultVersionId,
        CreateDate: new Date(e.value.CreateDate),
      })),
      IsTruncated: truncated,
      Marker: truncated ? encodeMarker(slice[slice.length - 1]!.key) : undefined,
    };
  },

  async DeletePolicyVersion(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    const v = p && (await getVersion(ctx.tx, ctx.accountId, p, input.VersionId));
    if (!p || !v) throw versionNotFound(input.PolicyArn, input.VersionId);
    if (v.VersionId === p.DefaultVersionId) throw new DeleteConflictException('Cannot delete the default version of a policy.');
    await ctx.tx.delete(ctx.accountId, KIND_POLICY_VERSION, versionKey(p, v.VersionId)!);
  },

  async SetDefaultPolicyVersion(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    const v = p && (await getVersion(ctx.tx, ctx.accountId, p, input.VersionId));
    if (!p || !v) throw versionNotFound(input.PolicyArn, input.VersionId);
    if (p.DefaultVersionId !== v.VersionId) {
      await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, DefaultVersionId: v.VersionId });
    }
  },

  // --- attachments ------------------------------------------------------------------------

  async AttachUserPolicy(input, ctx) {
    await attach(ctx, 'user', input.UserName, input.PolicyArn);
  },
  async DetachUserPolicy(input, ctx) {
    await detach(ctx, 'user', input.UserName, input.PolicyArn);
  },
  async ListAttachedUserPolicies(input, ctx) {
    return listAttached(ctx, 'user', input.UserName, input);
  },

  async AttachGroupPolicy(input, ctx) {
    await attach(ctx, 'group', input.GroupName, input.PolicyArn);
  },
  async DetachGroupPolicy(input, ctx) {
    await detach(ctx, 'group', input.GroupName, input.PolicyArn);
  },
  async ListAttachedGroupPolicies(input, ctx) {
    return listAttached(ctx, 'group', input.GroupName, input);
  },

  async AttachRolePolicy(input, ctx) {
    await attach(ctx, 'role', input.RoleName, input.PolicyArn);
  },
  async DetachRolePolicy(input, ctx) {
    await detach(ctx, 'role', input.RoleName, input.PolicyArn);
  },
  async ListAttachedRolePolicies(input, ctx) {
    return listAttached(ctx, 'role', input.RoleName, input);
  },

  async ListEntitiesForPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    const f = input.EntityFilter;
    const types = new Set<EntityType>(
      f === undefined ? ['user', 'group', 'role'] : f === 'User' ? ['user'] : f === 'Group' ? ['group'] : f === 'Role' ? ['role'] : [],
    );
    const prefix = input.PathPrefix ?? '/';
    // One ordered list over the three entity types: `<type>/<lower-name>` -> the entity.
    const rows = new Map<string, EntityRef>();
    const add = (e: EntityRef) => {
      if (types.has(e.type) && e.path.startsWith(prefix)) rows.set(`${e.type}/${e.name.toLowerCase()}`, e);
    };
    if (input.PolicyUsageFilter !== 'PermissionsBoundary') {
      for (const r of await ctx.tx.list<PolicyAttachmentRecord>(ctx.accountId, KIND_POLICY_ATTACHMENT, { prefix: `${attachKey(p)}/` })) {
        const v = r.value;
        if (v.UserName !== undefined) add({ type: 'user', name: v.UserName, id: v.UserId!, path: v.Path });
        else if (v.GroupName !== undefined) add({ type: 'group', name: v.GroupName, id: v.GroupId!, path: v.Path });
        else if (v.RoleName !== undefined) add({ type: 'role', name: v.RoleName, id: v.RoleId!, path: v.Path });
      }
    }
    if (input.PolicyUsageFilter !== 'PermissionsPolicy' && (types.has('user') || types.has('role'))) {
      const h = await boundaryHolders(ctx.tx, ctx.accountId, p.Arn);
      for (const u of h.users) add({ type: 'user', name: u.UserName, id: u.UserId, path: u.Path });
      for (const r of h.roles) add({ type: 'role', name: r.RoleName, id: r.RoleId, path: r.Path });
    }
    const keys = [...rows.keys()].sort();
    let start = 0;
    if (input.Marker !== undefined) {
      const after = decodeMarker(input.Marker);
      if (!/^(group|role|user)\//.test(after)) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
      while (start < keys.length && keys[start]! <= after) start++;
    }
    const max = input.MaxItems ?? 100;
    const slice = keys.slice(start, start + max);
    const truncated = start + max < keys.length;
    const out = {
      PolicyGroups: [] as Array<{ GroupName: string; GroupId: string }>,
      PolicyUsers: [] as Array<{ UserName: string; UserId: string }>,
      PolicyRoles: [] as Array<{ RoleName: string; RoleId: string }>,
    };
    for (const k of slice) {
      const e = rows.get(k)!;
      if (e.type === 'group') out.PolicyGroups.push({ GroupName: e.name, GroupId: e.id });
      else if (e.type === 'user') out.PolicyUsers.push({ UserName: e.name, UserId: e.id });
      else out.PolicyRoles.push({ RoleName: e.name, RoleId: e.id });
    }
    return { ...out, IsTruncated: truncated, Marker: truncated ? encodeMarker(slice[slice.length - 1]!) : undefined };
  },

  // --- policy tags ------------------------------------------------------------------------

  async TagPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    checkPolicyTags(input.Tags);
    const tags = [...(p.Tags ?? [])];
    for (const t of input.Tags) {
      const i = tags.findIndex((x) => x.Key === t.Key);
      if (i >= 0) tags[i] = { Key: t.Key, Value: t.Value };
      else tags.push({ Key: t.Key, Value: t.Value });
    }
    if (tags.length > TAGS_PER_ENTITY) throw new LimitExceededException(`Cannot exceed quota for TagsPerPolicy: ${TAGS_PER_ENTITY}`);
    await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, Tags: tags });
  },

  async UntagPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    const drop = new Set(input.TagKeys);
    await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, Tags: (p.Tags ?? []).filter((t) => !drop.has(t.Key)) });
  },

  async ListPolicyTags(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    const all = p.Tags ?? [];
    let start = 0;
    if (input.Marker !== undefined) {
      const after = decodeMarker(input.Marker);
      const i = all.findIndex((t) => t.Key === after);
      if (i < 0) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
      start = i + 1;
    }
    const max = input.MaxItems ?? 100;
    const slice = all.slice(start, start + max);
    const truncated = start + max < all.length;
    return { Tags: slice, IsTruncated: truncated, Marker: truncated ? encodeMarker(slice[slice.length - 1]!.Key) : undefined };
  },
};
