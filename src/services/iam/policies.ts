/**
 * IAM policies: user inline policies, customer managed policies with their versions, and managed
 * policies attached to users.
 *
 * Store layout (account scope; `<user>` and `<policy>` are lower-cased names, IAM names being unique
 * case-insensitively):
 *   iam.userPolicy          `<user>/<PolicyName>`            an inline policy { PolicyName, Document }
 *   iam.policy              `<policy>`                       a managed policy (PolicyRecord)
 *   iam.policyVersion       `<policy>/<10-digit version>`    { VersionId, Document, CreateDate }
 *   iam.userAttachedPolicy  `<user>/<policy>`                { PolicyArn, PolicyName, Path }
 *   iam.policyAttachment    `<policy>/user/<user>`           reverse index { UserName, UserId, Path }
 * In the two attachment kinds an AWS managed policy's `<policy>` is `aws:<lower-name>` (policy names
 * cannot contain `:`, so it never meets a customer managed policy of the same name).
 * Documents are stored exactly as sent (whitespace included) and returned percent-encoded as
 * RFC 3986 requires (everything but `A-Za-z0-9-._~` escaped, as IAM does: `*` -> `%2A`, space -> `%20`).
 * botocore (CLI, boto3) decodes them; the JavaScript SDK v3 hands the encoded string to the caller.
 *
 * Fidelity notes:
 * - Error texts are IAM's: "The user policy with name X cannot be found.", "Policy ARN was not found.",
 *   "Policy ARN does not exist or is not attachable.", "Policy ARN version vN does not exist or is not
 *   attachable.", "A policy called X already exists. Duplicate names are not allowed.", the DeleteConflict
 *   and LimitExceeded texts below.
 * - CreatePolicy answers without Description (GetPolicy has it) and with Tags only when some were given;
 *   GetPolicy always carries Tags (possibly empty); ListPolicies carries neither.
 * - ListPolicyVersions lists the newest version first. Version numbers are never reused (v6 follows a
 *   deleted v5). UpdateDate is the creation time of the most recently created version.
 * - Inline policy size is the aggregate over the user's inline policies (2048 non-whitespace characters).
 * - Attaching an already attached policy succeeds without change, as on AWS.
 * - AWS managed policies (`arn:aws:iam::aws:policy/...`, see aws-managed.ts) are read-only: GetPolicy,
 *   GetPolicyVersion and ListPolicyVersions show their default version only (other versions are
 *   NoSuchEntity); they attach, detach and list like customer managed ones. Their AttachmentCount is the
 *   caller's account's own count, computed from the account's reverse index (no count document to keep
 *   in step). ListPolicies Scope=All lists the account's own policies first, then the AWS managed ones.
 * - CreatePolicyVersion, DeletePolicy, DeletePolicyVersion and SetDefaultPolicyVersion on an AWS managed
 *   policy answer AccessDenied (HTTP 403): the policy belongs to AWS's account, not the caller's, so no
 *   principal of the account may write it. The message follows IAM's authorization denials
 *   ("User: <arn> is not authorized to perform: iam:<Action> on resource: policy <arn> because no
 *   resource-based policy allows the iam:<Action> action"); AWS's exact text for this case is not
 *   documented.
 *
 * Gaps:
 * - AWS managed policies under /aws-service-role/ are reserved for service-linked roles on AWS; here
 *   they attach to users like any other.
 * - PermissionsBoundaryUsageCount is always 0 (boundaries are not counted); PolicyUsageFilter
 *   PermissionsBoundary therefore lists nothing.
 * - Groups and roles are not attachment targets yet (ListEntitiesForPolicy lists users only).
 * - Inline policy names are kept case-sensitive (AWS does not document their case rules).
 * - A user rename (UpdateUser) must move this module's `<user>` keys; the reverse index keeps the user's path.
 */
import { decodeMarker, encodeMarker, encodePolicyDocument, listPage } from './common.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx } from '../../store/types.js';
import { parsePolicy, policySize, isProblem, type PolicyKind } from '../../policy/index.js';
import { getUser, userKey, type UserRecord } from './state.js';
import { awsManagedIndexAfter, getAwsManagedPolicy, isAwsManagedArn, listAwsManagedPolicies, type AwsManagedPolicy } from './aws-managed.js';
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

export const KIND_USER_POLICY = 'iam.userPolicy';
export const KIND_POLICY = 'iam.policy';
export const KIND_POLICY_VERSION = 'iam.policyVersion';
export const KIND_USER_ATTACHED = 'iam.userAttachedPolicy';
export const KIND_POLICY_ATTACHMENT = 'iam.policyAttachment';

const MAX_VERSIONS = 5;
const MAX_USER_ATTACHMENTS = 10;

export interface InlinePolicyRecord {
  PolicyName: string;
  Document: string;
}

export interface PolicyRecord {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  DefaultVersionId: string;
  /** The number the next CreatePolicyVersion takes. */
  NextVersion: number;
  AttachmentCount: number;
  Tags?: { Key: string; Value: string }[];
}

export interface PolicyVersionRecord {
  VersionId: string;
  Document: string;
  CreateDate: string;
}

interface UserAttachmentRecord {
  PolicyArn: string;
  PolicyName: string;
  Path: string;
}

interface PolicyAttachmentRecord {
  UserName: string;
  UserId: string;
  Path: string;
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
const noSuchUserPolicy = (name: string) => new NoSuchEntityException(`The user policy with name ${name} cannot be found.`);
const policyNotFound = (arn: string) => new NoSuchEntityException(`Policy ${arn} was not found.`);
const versionNotFound = (arn: string, v: string) =>
  new NoSuchEntityException(`Policy ${arn} version ${v} does not exist or is not attachable.`);

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

const ARN_RE = /^arn:aws:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)([^/]+)$/;

/**
 * The managed policy an ARN names: a customer managed policy of the caller's account or an AWS managed
 * policy (with the caller's account's AttachmentCount), else undefined. Malformed ARNs answer
 * InvalidInput ("ARN X is not valid."), as IAM does.
 */
async function findPolicy(tx: ReadTx, accountId: string, arn: string): Promise<PolicyRecord | undefined> {
  const m = ARN_RE.exec(arn);
  if (!m) throw new InvalidInputException(`ARN ${arn} is not valid.`);
  if (m[1] === 'aws') {
    const a = getAwsManagedPolicy(arn);
    return a && awsRecord(a, await tx.count(accountId, KIND_POLICY_ATTACHMENT, { prefix: `${awsKey(a)}/` }));
  }
  if (m[1] !== accountId) return undefined; // other accounts' policies are not visible
  const p = await tx.get<PolicyRecord>(accountId, KIND_POLICY, m[3]!.toLowerCase());
  return p && p.Arn === arn ? p : undefined;
}

function awsKey(a: { PolicyName: string }): string {
  return `aws:${a.PolicyName.toLowerCase()}`;
}

/** An AWS managed policy in the shape of a stored one (never stored). */
function awsRecord(a: AwsManagedPolicy, attachmentCount: number): PolicyRecord {
  return {
    PolicyName: a.PolicyName,
    PolicyId: a.PolicyId,
    Arn: a.Arn,
    Path: a.Path,
    Description: a.Description,
    CreateDate: a.CreateDate,
    UpdateDate: a.UpdateDate,
    DefaultVersionId: a.DefaultVersionId,
    NextVersion: 0,
    AttachmentCount: attachmentCount,
  };
}

const isAws = (p: PolicyRecord) => isAwsManagedArn(p.Arn);

/** AWS managed policies cannot be written by any principal of an account. */
function refuseAwsWrite(ctx: HandlerContext, arn: string, action: string): void {
  if (!isAwsManagedArn(arn)) return;
  throw new ServiceError(
    'AccessDenied',
    `User: ${ctx.principal.arn} is not authorized to perform: iam:${action} on resource: policy ${arn} because no resource-based policy allows the iam:${action} action`,
    403,
  );
}

/** The key of a customer managed policy's own documents (iam.policy, iam.policyVersion). */
function policyKey(p: PolicyRecord): string {
  return p.PolicyName.toLowerCase();
}
/** The `<policy>` part of attachment keys: customer managed `<lower-name>`, AWS managed `aws:<lower-name>`. */
function attachKey(p: PolicyRecord): string {
  return isAws(p) ? awsKey(p) : policyKey(p);
}
function versionKey(p: PolicyRecord, versionId: string): string | undefined {
  const m = /^v([1-9]\d{0,9})$/.exec(versionId);
  return m ? `${policyKey(p)}/${m[1]!.padStart(10, '0')}` : undefined;
}

async function getVersion(tx: ReadTx, accountId: string, p: PolicyRecord, versionId: string): Promise<PolicyVersionRecord | undefined> {
  if (isAws(p)) {
    // Only the default version of an AWS managed policy exists here.
    const a = versionId === p.DefaultVersionId ? getAwsManagedPolicy(p.Arn) : undefined;
    return a && { VersionId: a.DefaultVersionId, Document: a.Document, CreateDate: a.UpdateDate };
  }
  const k = versionKey(p, versionId);
  return k ? tx.get<PolicyVersionRecord>(accountId, KIND_POLICY_VERSION, k) : undefined;
}

function policyOut(p: PolicyRecord, view: 'create' | 'get' | 'list'): Policy {
  const out: Policy = {
    PolicyName: p.PolicyName,
    PolicyId: p.PolicyId,
    Arn: p.Arn,
    Path: p.Path,
    DefaultVersionId: p.DefaultVersionId,
    AttachmentCount: p.AttachmentCount,
    PermissionsBoundaryUsageCount: 0,
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

// ---------------------------------------------------------------------------------------------
// For DeleteUser and the authorizer

/** AWS's DeleteConflict text while the user still has inline or attached policies, else undefined. */
export async function userBlockers(tx: ReadTx, accountId: string, user: UserRecord): Promise<string | undefined> {
  const prefix = `${userKey(user.UserName)}/`;
  if ((await tx.count(accountId, KIND_USER_POLICY, { prefix })) > 0) return 'Cannot delete entity, must delete policies first.';
  if ((await tx.count(accountId, KIND_USER_ATTACHED, { prefix })) > 0) return 'Cannot delete entity, must detach all policies first.';
  return undefined;
}

/**
 * The identity-based policies that apply to a user: its inline documents (id `user/<name>/<policyName>`)
 * and the default version of each attached managed policy (id = the policy ARN).
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
  for (const e of await tx.list<UserAttachmentRecord>(accountId, KIND_USER_ATTACHED, { prefix })) {
    const p = await findPolicy(tx, accountId, e.value.PolicyArn).catch(() => undefined);
    if (!p) continue;
    const v = await getVersion(tx, accountId, p, p.DefaultVersionId);
    if (v) out.push({ id: p.Arn, document: v.Document });
  }
  return out;
}

/** The default version's document of a managed policy (customer or AWS), or undefined if it is gone. */
export async function managedPolicyDocument(tx: ReadTx, accountId: string, arn: string): Promise<string | undefined> {
  const p = await findPolicy(tx, accountId, arn).catch(() => undefined);
  if (!p) return undefined;
  return (await getVersion(tx, accountId, p, p.DefaultVersionId))?.Document;
}

// ---------------------------------------------------------------------------------------------
// Handlers

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
    if (input.Tags) {
      const keys = new Set<string>();
      for (const t of input.Tags) {
        if (keys.has(t.Key)) throw new InvalidInputException('Duplicate tag keys found.');
        keys.add(t.Key);
      }
    }
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
    if (!(await ctx.tx.insert(ctx.accountId, KIND_POLICY, policyKey(p), p))) {
      throw new EntityAlreadyExistsException(`A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
    }
    const v: PolicyVersionRecord = { VersionId: 'v1', Document: input.PolicyDocument, CreateDate: now };
    await ctx.tx.put(ctx.accountId, KIND_POLICY_VERSION, versionKey(p, 'v1')!, v);
    return { Policy: policyOut(p, 'create') };
  },

  async GetPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    return { Policy: policyOut(p, 'get') };
  },

  async ListPolicies(input, ctx) {
    const scope = input.Scope ?? 'All';
    const prefix = input.PathPrefix ?? '/';
    const keep = (p: PolicyRecord) => {
      if (!p.Path.startsWith(prefix)) return false;
      if (input.PolicyUsageFilter === 'PermissionsBoundary') return false; // boundary usage is not tracked yet
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
        return { Policies: page.items.map((p) => policyOut(p, 'list')), IsTruncated: page.IsTruncated, Marker: page.Marker };
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
    return { Policies: out.map((p) => policyOut(p, 'list')), IsTruncated: marker !== undefined, Marker: marker };
  },

  async DeletePolicy(input, ctx) {
    refuseAwsWrite(ctx, input.PolicyArn, 'DeletePolicy');
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    if (p.AttachmentCount > 0) throw new DeleteConflictException('Cannot delete a policy attached to entities.');
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
    refuseAwsWrite(ctx, input.PolicyArn, 'CreatePolicyVersion');
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
    refuseAwsWrite(ctx, input.PolicyArn, 'DeletePolicyVersion');
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    const v = p && (await getVersion(ctx.tx, ctx.accountId, p, input.VersionId));
    if (!p || !v) throw versionNotFound(input.PolicyArn, input.VersionId);
    if (v.VersionId === p.DefaultVersionId) throw new DeleteConflictException('Cannot delete the default version of a policy.');
    await ctx.tx.delete(ctx.accountId, KIND_POLICY_VERSION, versionKey(p, v.VersionId)!);
  },

  async SetDefaultPolicyVersion(input, ctx) {
    refuseAwsWrite(ctx, input.PolicyArn, 'SetDefaultPolicyVersion');
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    const v = p && (await getVersion(ctx.tx, ctx.accountId, p, input.VersionId));
    if (!p || !v) throw versionNotFound(input.PolicyArn, input.VersionId);
    if (p.DefaultVersionId !== v.VersionId) {
      await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, DefaultVersionId: v.VersionId });
    }
  },

  // --- attachments ------------------------------------------------------------------------

  async AttachUserPolicy(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw new NoSuchEntityException(`Policy ${input.PolicyArn} does not exist or is not attachable.`);
    const prefix = `${userKey(u.UserName)}/`;
    const key = prefix + attachKey(p);
    if (await ctx.tx.get(ctx.accountId, KIND_USER_ATTACHED, key)) return; // already attached: no change
    if ((await ctx.tx.count(ctx.accountId, KIND_USER_ATTACHED, { prefix })) >= MAX_USER_ATTACHMENTS) {
      throw new LimitExceededException(`Cannot exceed quota for PoliciesPerUser: ${MAX_USER_ATTACHMENTS}`);
    }
    const att: UserAttachmentRecord = { PolicyArn: p.Arn, PolicyName: p.PolicyName, Path: p.Path };
    await ctx.tx.put(ctx.accountId, KIND_USER_ATTACHED, key, att);
    const rev: PolicyAttachmentRecord = { UserName: u.UserName, UserId: u.UserId, Path: u.Path };
    await ctx.tx.put(ctx.accountId, KIND_POLICY_ATTACHMENT, `${attachKey(p)}/user/${userKey(u.UserName)}`, rev);
    // AWS managed policies' counts are computed from the reverse index (findPolicy).
    if (!isAws(p)) await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, AttachmentCount: p.AttachmentCount + 1 });
  },

  async DetachUserPolicy(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_USER_ATTACHED, `${userKey(u.UserName)}/${attachKey(p)}`))) {
      throw policyNotFound(input.PolicyArn);
    }
    await ctx.tx.delete(ctx.accountId, KIND_POLICY_ATTACHMENT, `${attachKey(p)}/user/${userKey(u.UserName)}`);
    if (!isAws(p)) {
      await ctx.tx.put(ctx.accountId, KIND_POLICY, policyKey(p), { ...p, AttachmentCount: Math.max(0, p.AttachmentCount - 1) });
    }
  },

  async ListAttachedUserPolicies(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const prefix = input.PathPrefix ?? '/';
    const page = await paginate<UserAttachmentRecord>(ctx.tx, ctx.accountId, KIND_USER_ATTACHED, `${userKey(u.UserName)}/`, input, (a) =>
      a.Path.startsWith(prefix),
    );
    return {
      AttachedPolicies: page.items.map((a) => ({ PolicyName: a.PolicyName, PolicyArn: a.PolicyArn })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },

  async ListEntitiesForPolicy(input, ctx) {
    const p = await findPolicy(ctx.tx, ctx.accountId, input.PolicyArn);
    if (!p) throw policyNotFound(input.PolicyArn);
    const filter = input.EntityFilter;
    const wantUsers = filter === undefined || filter === 'User';
    const boundaryOnly = input.PolicyUsageFilter === 'PermissionsBoundary';
    if (!wantUsers || boundaryOnly) return { PolicyGroups: [], PolicyUsers: [], PolicyRoles: [], IsTruncated: false };
    const prefix = input.PathPrefix ?? '/';
    const page = await paginate<PolicyAttachmentRecord>(ctx.tx, ctx.accountId, KIND_POLICY_ATTACHMENT, `${attachKey(p)}/user/`, input, (a) =>
      a.Path.startsWith(prefix),
    );
    return {
      PolicyGroups: [],
      PolicyUsers: page.items.map((a) => ({ UserName: a.UserName, UserId: a.UserId })),
      PolicyRoles: [],
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
};
