/**
 * Managed policies as the store keeps them, and the attachment index: the low layer that the
 * policy, group, role, boundary and authorization-details modules share (it imports none of them,
 * so none of them import each other in a circle through it).
 *
 * Store layout (account scope; `<user>`, `<group>`, `<role>`, `<policy>` lower-cased names, IAM names
 * being unique case-insensitively):
 *   iam.policy               `<policy>`                       a customer managed policy (PolicyRecord)
 *   iam.policyVersion        `<policy>/<10-digit version>`    { VersionId, Document, CreateDate }
 *   iam.userAttachedPolicy   `<user>/<policy>`                { PolicyArn, PolicyName, Path }
 *   iam.groupAttachedPolicy  `<group>/<policy>`               same
 *   iam.roleAttachedPolicy   `<role>/<policy>`                same
 *   iam.policyAttachment     `<policy>/user/<user>`           reverse index { UserName, UserId, Path }
 *                            `<policy>/group/<group>`         { GroupName, GroupId, Path }
 *                            `<policy>/role/<role>`           { RoleName, RoleId, Path }
 * In attachment keys an AWS managed policy's `<policy>` is `aws:<lower-name>` (policy names cannot
 * contain `:`, so it never meets a customer managed policy of the same name).
 *
 * A customer managed policy keeps its AttachmentCount in its record; an AWS managed policy's is the
 * caller's account's own count, computed from the reverse index (no count document to keep in step).
 */
import type { ReadTx, WriteTx } from '../../store/types.js';
import { InvalidInputException } from '../../generated/iam.js';
import { getAwsManagedPolicy, isAwsManagedArn, type AwsManagedPolicy } from './aws-managed.js';

export const KIND_POLICY = 'iam.policy';
export const KIND_POLICY_VERSION = 'iam.policyVersion';
export const KIND_USER_ATTACHED = 'iam.userAttachedPolicy';
export const KIND_GROUP_ATTACHED = 'iam.groupAttachedPolicy';
export const KIND_ROLE_ATTACHED = 'iam.roleAttachedPolicy';
export const KIND_POLICY_ATTACHMENT = 'iam.policyAttachment';

/** Default quotas: managed policies attached per user, group and role. */
export const MANAGED_POLICIES_PER_ENTITY = 10;

export type EntityType = 'user' | 'group' | 'role';

export const ATTACHED_KIND: Record<EntityType, string> = {
  user: KIND_USER_ATTACHED,
  group: KIND_GROUP_ATTACHED,
  role: KIND_ROLE_ATTACHED,
};

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

/** One managed policy attached to a user, group or role (forward index). */
export interface AttachmentRecord {
  PolicyArn: string;
  PolicyName: string;
  Path: string;
}

/** The reverse index: one entity a policy is attached to (only the fields of its type are set). */
export interface PolicyAttachmentRecord {
  UserName?: string;
  UserId?: string;
  GroupName?: string;
  GroupId?: string;
  RoleName?: string;
  RoleId?: string;
  Path: string;
}

/** An entity that managed policies attach to. */
export interface EntityRef {
  type: EntityType;
  name: string;
  id: string;
  path: string;
}

export function reverseRecord(e: EntityRef): PolicyAttachmentRecord {
  if (e.type === 'user') return { UserName: e.name, UserId: e.id, Path: e.path };
  if (e.type === 'group') return { GroupName: e.name, GroupId: e.id, Path: e.path };
  return { RoleName: e.name, RoleId: e.id, Path: e.path };
}

const ARN_RE = /^arn:aws:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)([^/]+)$/;

/** Whether a string has the form of a managed policy ARN. */
export function isPolicyArn(arn: string): boolean {
  return ARN_RE.test(arn);
}

export function awsKey(a: { PolicyName: string }): string {
  return `aws:${a.PolicyName.toLowerCase()}`;
}

/** An AWS managed policy in the shape of a stored one (never stored). */
export function awsRecord(a: AwsManagedPolicy, attachmentCount: number): PolicyRecord {
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

export const isAws = (p: { Arn: string }) => isAwsManagedArn(p.Arn);

/** The key of a customer managed policy's own documents (iam.policy, iam.policyVersion). */
export function policyKey(p: { PolicyName: string }): string {
  return p.PolicyName.toLowerCase();
}

/** The `<policy>` part of attachment keys: customer managed `<lower-name>`, AWS managed `aws:<lower-name>`. */
export function attachKey(p: { PolicyName: string; Arn: string }): string {
  return isAws(p) ? awsKey(p) : policyKey(p);
}

/**
 * The managed policy an ARN names: a customer managed policy of the caller's account or an AWS managed
 * policy (with the caller's account's AttachmentCount), else undefined. Malformed ARNs answer
 * InvalidInput ("ARN X is not valid."), as IAM does.
 */
export async function findPolicy(tx: ReadTx, accountId: string, arn: string): Promise<PolicyRecord | undefined> {
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

export function versionKey(p: PolicyRecord, versionId: string): string | undefined {
  const m = /^v([1-9]\d{0,9})$/.exec(versionId);
  return m ? `${policyKey(p)}/${m[1]!.padStart(10, '0')}` : undefined;
}

export async function getVersion(tx: ReadTx, accountId: string, p: PolicyRecord, versionId: string): Promise<PolicyVersionRecord | undefined> {
  if (isAws(p)) {
    // Only the default version of an AWS managed policy exists here.
    const a = versionId === p.DefaultVersionId ? getAwsManagedPolicy(p.Arn) : undefined;
    return a && { VersionId: a.DefaultVersionId, Document: a.Document, CreateDate: a.UpdateDate };
  }
  const k = versionKey(p, versionId);
  return k ? tx.get<PolicyVersionRecord>(accountId, KIND_POLICY_VERSION, k) : undefined;
}

/** Every version of a policy, oldest first (an AWS managed policy: its default version only). */
export async function listVersions(tx: ReadTx, accountId: string, p: PolicyRecord): Promise<PolicyVersionRecord[]> {
  if (isAws(p)) {
    const v = await getVersion(tx, accountId, p, p.DefaultVersionId);
    return v ? [v] : [];
  }
  return (await tx.list<PolicyVersionRecord>(accountId, KIND_POLICY_VERSION, { prefix: `${policyKey(p)}/` })).map((e) => e.value);
}

/** The default version's document of a managed policy (customer or AWS), or undefined if it is gone. */
export async function managedPolicyDocument(tx: ReadTx, accountId: string, arn: string): Promise<string | undefined> {
  const p = await findPolicy(tx, accountId, arn).catch(() => undefined);
  if (!p) return undefined;
  return (await getVersion(tx, accountId, p, p.DefaultVersionId))?.Document;
}

// ---------------------------------------------------------------------------------------------
// The attachment index, per entity

/** The managed policies attached to an entity, in policy-name order. */
export async function attachedPolicies(tx: ReadTx, accountId: string, type: EntityType, name: string): Promise<AttachmentRecord[]> {
  return (await tx.list<AttachmentRecord>(accountId, ATTACHED_KIND[type], { prefix: `${name.toLowerCase()}/` })).map((e) => e.value);
}

export async function attachedCount(tx: ReadTx, accountId: string, type: EntityType, name: string): Promise<number> {
  return tx.count(accountId, ATTACHED_KIND[type], { prefix: `${name.toLowerCase()}/` });
}

/** The `<policy>` attachment key of an ARN (as attachKey of the policy it names). */
function attachKeyOfArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1).toLowerCase();
  return isAwsManagedArn(arn) ? `aws:${name}` : name;
}

/**
 * Moves an entity's attachments to its new name and path (UpdateUser, UpdateGroup with NewUserName /
 * NewGroupName / NewPath): the forward keys and the reverse index entries, with the new name and path.
 * Counts do not change.
 */
export async function renameAttachments(
  tx: WriteTx,
  accountId: string,
  type: EntityType,
  oldName: string,
  entity: { name: string; id: string; path: string },
): Promise<void> {
  const kind = ATTACHED_KIND[type];
  const oldKey = oldName.toLowerCase();
  const newKey = entity.name.toLowerCase();
  const rev = reverseRecord({ type, ...entity });
  for (const e of await tx.list<AttachmentRecord>(accountId, kind, { prefix: `${oldKey}/` })) {
    const pk = attachKeyOfArn(e.value.PolicyArn);
    if (newKey !== oldKey) {
      await tx.delete(accountId, kind, e.key);
      await tx.put(accountId, kind, `${newKey}/${pk}`, e.value);
      await tx.delete(accountId, KIND_POLICY_ATTACHMENT, `${pk}/${type}/${oldKey}`);
    }
    await tx.put(accountId, KIND_POLICY_ATTACHMENT, `${pk}/${type}/${newKey}`, rev);
  }
}
