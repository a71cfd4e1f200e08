/**
 * GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with the
 * policies that apply to it, in one paginated answer.
 *
 * Fidelity notes:
 * - Order: users, then groups, then roles, then customer managed policies, then AWS managed policies,
 *   each by lower-cased name; `MaxItems` (default 100) counts entries across the four lists and one
 *   opaque `Marker` resumes after the last entry returned.
 * - `Filter` (User, Group, Role, LocalManagedPolicy, AWSManagedPolicy) keeps only the types named;
 *   absent or empty means all. The lists of types filtered out are returned empty.
 * - AWS managed policies are listed only when in use in the account (attached to a user, group or
 *   role, or some user's or role's permissions boundary), as IAM does; customer managed ones always.
 * - Documents (inline policies, trust policies, policy versions) are URL-encoded as IAM returns them.
 * - UserDetail: UserPolicyList (inline), GroupList (group names), AttachedManagedPolicies,
 *   PermissionsBoundary, Tags. GroupDetail: GroupPolicyList, AttachedManagedPolicies. RoleDetail:
 *   AssumeRolePolicyDocument, InstanceProfileList (each profile as GetInstanceProfile shows it),
 *   RolePolicyList, AttachedManagedPolicies, PermissionsBoundary, Tags, RoleLastUsed (empty until used).
 *   ManagedPolicyDetail: AttachmentCount, PermissionsBoundaryUsageCount, Description and
 *   PolicyVersionList (newest first, the default flagged). Tags appear only when the entity has some.
 */
import type { ReadTx } from '../../store/types.js';
import { ServiceError } from '../../gateway/errors.js';
import type {
  GroupDetail,
  IamHandlers,
  InstanceProfile,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '../../generated/iam.js';
import { decodeMarker, encodeMarker, encodePolicyDocument } from './common.js';
import { KIND_USER, userKey, type UserRecord } from './state.js';
import { KIND_GROUP, KIND_GROUP_POLICY, groupsOfUser, type GroupRecord, type InlinePolicyRecord } from './groups.js';
import { KIND_ROLE, KIND_ROLE_POLICY, roleLastUsed, type RoleRecord } from './roles.js';
import { KIND_INSTANCE_PROFILE, KIND_ROLE_INSTANCE_PROFILE, profileOut, type InstanceProfileRecord } from './instance-profiles.js';
import { KIND_USER_POLICY, boundaryCounts, type InlinePolicyRecord as UserInlinePolicyRecord } from './policies.js';
import {
  ATTACHED_KIND,
  KIND_POLICY,
  attachedPolicies,
  findPolicy,
  listVersions,
  type AttachmentRecord,
  type PolicyRecord,
} from './managed.js';
import { isAwsManagedArn } from './aws-managed.js';

type Section = 'User' | 'Group' | 'Role' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
const SECTIONS: Section[] = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'];

/** One entry of the combined listing: its sort key (`<section index>/<key>`) and how to render it. */
interface Row {
  key: string;
  section: Section;
  render: () => Promise<unknown>;
}

const attachedOut = (a: AttachmentRecord[]) => a.map((x) => ({ PolicyName: x.PolicyName, PolicyArn: x.PolicyArn }));

async function userDetail(tx: ReadTx, accountId: string, u: UserRecord): Promise<UserDetail> {
  const inline = await tx.list<UserInlinePolicyRecord>(accountId, KIND_USER_POLICY, { prefix: `${userKey(u.UserName)}/` });
  const out: UserDetail = {
    Path: u.Path,
    UserName: u.UserName,
    UserId: u.UserId,
    Arn: u.Arn,
    CreateDate: new Date(u.CreateDate),
    UserPolicyList: inline.map((e) => ({ PolicyName: e.value.PolicyName, PolicyDocument: encodePolicyDocument(e.value.Document) })),
    GroupList: await groupsOfUser(tx, accountId, u.UserName),
    AttachedManagedPolicies: attachedOut(await attachedPolicies(tx, accountId, 'user', u.UserName)),
  };
  if (u.PermissionsBoundary) out.PermissionsBoundary = u.PermissionsBoundary;
  if (u.Tags && u.Tags.length) out.Tags = u.Tags;
  return out;
}

async function groupDetail(tx: ReadTx, accountId: string, g: GroupRecord): Promise<GroupDetail> {
  const inline = await tx.list<InlinePolicyRecord>(accountId, KIND_GROUP_POLICY, { prefix: `${g.GroupName.toLowerCase()}/` });
  return {
    Path: g.Path,
    GroupName: g.GroupName,
    GroupId: g.GroupId,
    Arn: g.Arn,
    CreateDate: new Date(g.CreateDate),
    GroupPolicyList: inline.map((e) => ({ PolicyName: e.value.PolicyName, PolicyDocument: encodePolicyDocument(e.value.PolicyDocument) })),
    AttachedManagedPolicies: attachedOut(await attachedPolicies(tx, accountId, 'group', g.GroupName)),
  };
}

async function roleDetail(tx: ReadTx, accountId: string, r: RoleRecord): Promise<RoleDetail> {
  const k = r.RoleName.toLowerCase();
  const profiles: InstanceProfile[] = [];
  for (const link of await tx.list<{ InstanceProfileName: string }>(accountId, KIND_ROLE_INSTANCE_PROFILE, { prefix: `${k}/` })) {
    const p = await tx.get<InstanceProfileRecord>(accountId, KIND_INSTANCE_PROFILE, link.value.InstanceProfileName.toLowerCase());
    if (p) profiles.push(await profileOut(tx, accountId, p, { tags: true }));
  }
  const inline = await tx.list<InlinePolicyRecord>(accountId, KIND_ROLE_POLICY, { prefix: `${k}/` });
  const out: RoleDetail = {
    Path: r.Path,
    RoleName: r.RoleName,
    RoleId: r.RoleId,
    Arn: r.Arn,
    CreateDate: new Date(r.CreateDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.AssumeRolePolicyDocument),
    InstanceProfileList: profiles,
    RolePolicyList: inline.map((e) => ({ PolicyName: e.value.PolicyName, PolicyDocument: encodePolicyDocument(e.value.PolicyDocument) })),
    AttachedManagedPolicies: attachedOut(await attachedPolicies(tx, accountId, 'role', r.RoleName)),
  };
  if (r.PermissionsBoundary) out.PermissionsBoundary = r.PermissionsBoundary;
  if (r.Tags && r.Tags.length) out.Tags = r.Tags;
  out.RoleLastUsed = roleLastUsed(r);
  return out;
}

async function policyDetail(tx: ReadTx, accountId: string, p: PolicyRecord, boundaryUsage: number): Promise<ManagedPolicyDetail> {
  const versions = (await listVersions(tx, accountId, p)).reverse();
  const out: ManagedPolicyDetail = {
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
    PolicyVersionList: versions.map((v) => ({
      Document: encodePolicyDocument(v.Document),
      VersionId: v.VersionId,
      IsDefaultVersion: v.VersionId === p.DefaultVersionId,
      CreateDate: new Date(v.CreateDate),
    })),
  };
  if (p.Description !== undefined) out.Description = p.Description;
  return out;
}

/** The AWS managed policies in use in the account: attached somewhere or some entity's boundary. */
async function awsPoliciesInUse(tx: ReadTx, accountId: string, boundaries: Map<string, number>): Promise<PolicyRecord[]> {
  const arns = new Set<string>();
  for (const kind of Object.values(ATTACHED_KIND)) {
    for (const e of await tx.list<AttachmentRecord>(accountId, kind)) if (isAwsManagedArn(e.value.PolicyArn)) arns.add(e.value.PolicyArn);
  }
  for (const arn of boundaries.keys()) if (isAwsManagedArn(arn)) arns.add(arn);
  const out: PolicyRecord[] = [];
  for (const arn of arns) {
    const p = await findPolicy(tx, accountId, arn).catch(() => undefined);
    if (p) out.push(p);
  }
  return out;
}

export const authorizationDetailsHandlers: IamHandlers = {
  async GetAccountAuthorizationDetails(input, ctx) {
    const tx = ctx.readTx;
    const acct = ctx.accountId;
    const wanted = new Set<Section>(input.Filter && input.Filter.length ? (input.Filter as Section[]) : SECTIONS);
    const boundaries = await boundaryCounts(tx, acct);
    const rows: Row[] = [];
    const at = (s: Section) => `${SECTIONS.indexOf(s) + 1}/`;
    if (wanted.has('User')) {
      for (const e of await tx.list<UserRecord>(acct, KIND_USER)) rows.push({ key: at('User') + e.key, section: 'User', render: () => userDetail(tx, acct, e.value) });
    }
    if (wanted.has('Group')) {
      for (const e of await tx.list<GroupRecord>(acct, KIND_GROUP)) rows.push({ key: at('Group') + e.key, section: 'Group', render: () => groupDetail(tx, acct, e.value) });
    }
    if (wanted.has('Role')) {
      for (const e of await tx.list<RoleRecord>(acct, KIND_ROLE)) rows.push({ key: at('Role') + e.key, section: 'Role', render: () => roleDetail(tx, acct, e.value) });
    }
    if (wanted.has('LocalManagedPolicy')) {
      for (const e of await tx.list<PolicyRecord>(acct, KIND_POLICY)) {
        rows.push({ key: at('LocalManagedPolicy') + e.key, section: 'LocalManagedPolicy', render: () => policyDetail(tx, acct, e.value, boundaries.get(e.value.Arn) ?? 0) });
      }
    }
    if (wanted.has('AWSManagedPolicy')) {
      for (const p of await awsPoliciesInUse(tx, acct, boundaries)) {
        rows.push({ key: at('AWSManagedPolicy') + p.PolicyName.toLowerCase(), section: 'AWSManagedPolicy', render: () => policyDetail(tx, acct, p, boundaries.get(p.Arn) ?? 0) });
      }
    }
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

    let start = 0;
    if (input.Marker !== undefined) {
      const after = decodeMarker(input.Marker);
      if (!/^[1-5]\//.test(after)) throw new ServiceError('ValidationError', 'Invalid Marker.', 400);
      while (start < rows.length && rows[start]!.key <= after) start++;
    }
    const max = input.MaxItems ?? 100;
    const page = rows.slice(start, start + max);
    const truncated = start + max < rows.length;

    const out = {
      UserDetailList: [] as UserDetail[],
      GroupDetailList: [] as GroupDetail[],
      RoleDetailList: [] as RoleDetail[],
      Policies: [] as ManagedPolicyDetail[],
    };
    for (const r of page) {
      const d = await r.render();
      if (r.section === 'User') out.UserDetailList.push(d as UserDetail);
      else if (r.section === 'Group') out.GroupDetailList.push(d as GroupDetail);
      else if (r.section === 'Role') out.RoleDetailList.push(d as RoleDetail);
      else out.Policies.push(d as ManagedPolicyDetail);
    }
    return { ...out, IsTruncated: truncated, Marker: truncated ? encodeMarker(page[page.length - 1]!.key) : undefined };
  },
};
