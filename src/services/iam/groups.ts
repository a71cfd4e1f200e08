/**
 * IAM groups: CRUD, membership (groups hold users, never groups) and group inline policies.
 *
 * Storage (account scope; keys lower-cased, since IAM names are unique case-insensitively):
 *   iam.group             <group>           -> GroupRecord
 *   iam.groupMember       <group>/<user>    -> { UserName }    (GetGroup's user list, in name order)
 *   iam.userGroup         <user>/<group>    -> { GroupName }   (ListGroupsForUser, DeleteUser's check)
 *   iam.groupPolicy       <group>/<policy>  -> { PolicyName, PolicyDocument }  (inline policies)
 * Inline policy names are kept case-sensitively (the key is the name as given).
 *
 * Fidelity notes:
 * - Policy documents are stored as sent and returned URL-encoded (RFC 3986), as IAM does; the AWS CLI
 *   and boto3 decode them, the JavaScript SDK v3 hands back the encoded string.
 * - AddUserToGroup twice is a no-op. RemoveUserFromGroup for a user that exists but is not a member
 *   answers NoSuchEntity naming the user (IAM answers NoSuchEntity there; its exact text is not documented).
 * - DeleteGroup refuses while the group has members ("must remove users from group first."), inline
 *   policies ("must delete policies first.") or attached managed policies ("Cannot delete entity, must
 *   detach all policies first."), checked in that order; DeleteUser refuses while the user is in a group with AWS's
 *   text "Cannot delete entity, must remove users from group first." (seen on the wire; moto's
 *   "must remove user from all groups first." is not what IAM says).
 * - Inline policies: 5120 non-whitespace characters per group in total (all its inline policies).
 * - Quotas: 300 groups per account, 10 groups per user ("Cannot exceed quota for <Name>: <N>").
 *
 * - UpdateGroup (NewGroupName / NewPath) carries members, inline policies and managed policy
 *   attachments along (the attachment index keeps the group's name and path: managed.ts).
 *
 * Managed policy attachments (AttachGroupPolicy, ...) live with the managed-policy module (policies.ts).
 * UpdateUser renames must call `renameUserInGroups`.
 */
import type { HandlerContext } from '../../gateway/context.js';
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx, WriteTx } from '../../store/types.js';
import { encodePolicyDocument, listPage, policyError } from './common.js';
import { isProblem, parsePolicy, policySize } from '../../policy/index.js';
import { getUser, userKey, userView, type UserRecord } from './state.js';
import { attachedCount, renameAttachments } from './managed.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
  type Group,
  type IamHandlers,
  type User,
} from '../../generated/iam.js';

export const KIND_GROUP = 'iam.group';
export const KIND_GROUP_MEMBER = 'iam.groupMember';
export const KIND_USER_GROUP = 'iam.userGroup';
export const KIND_GROUP_POLICY = 'iam.groupPolicy';

export const GROUPS_PER_ACCOUNT = 300;
export const GROUPS_PER_USER = 10;

export interface GroupRecord {
  GroupName: string;
  GroupId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
}

export interface InlinePolicyRecord {
  PolicyName: string;
  PolicyDocument: string;
}

const groupKey = (name: string) => name.toLowerCase();

const noSuchGroup = (name: string) => new NoSuchEntityException(`The group with name ${name} cannot be found.`);
const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);

// ---------------------------------------------------------------------------------------------
// Exports for DeleteUser, the authorizer and STS.

export async function getGroup(tx: ReadTx, accountId: string, groupName: string): Promise<GroupRecord | undefined> {
  return tx.get<GroupRecord>(accountId, KIND_GROUP, groupKey(groupName));
}

/** DeleteUser's check: AWS's DeleteConflict message while the user is still in a group. */
export async function userBlockers(tx: ReadTx, accountId: string, user: UserRecord): Promise<string | undefined> {
  if ((await tx.count(accountId, KIND_USER_GROUP, { prefix: `${userKey(user.UserName)}/` })) > 0) {
    return 'Cannot delete entity, must remove users from group first.';
  }
  return undefined;
}

/** The names (as created) of the groups a user belongs to, in name order. */
export async function groupsOfUser(tx: ReadTx, accountId: string, userName: string): Promise<string[]> {
  const rows = await tx.list<{ GroupName: string }>(accountId, KIND_USER_GROUP, { prefix: `${userKey(userName)}/` });
  return rows.map((r) => r.value.GroupName);
}

/**
 * A group's inline policies, raw JSON (not URL-encoded). `id` is the policy name (what IAM's
 * simulator reports as SourcePolicyId for an inline policy); pair it with the group name for uniqueness.
 */
export async function groupPolicyDocuments(tx: ReadTx, accountId: string, groupName: string): Promise<Array<{ id: string; document: string }>> {
  const rows = await tx.list<InlinePolicyRecord>(accountId, KIND_GROUP_POLICY, { prefix: `${groupKey(groupName)}/` });
  return rows.map((r) => ({ id: r.value.PolicyName, document: r.value.PolicyDocument }));
}

/** For UpdateUser (NewUserName): moves the user's memberships to the new name. */
export async function renameUserInGroups(tx: WriteTx, accountId: string, oldName: string, newName: string): Promise<void> {
  const oldKey = userKey(oldName);
  const newKey = userKey(newName);
  const rows = await tx.list<{ GroupName: string }>(accountId, KIND_USER_GROUP, { prefix: `${oldKey}/` });
  for (const r of rows) {
    const g = groupKey(r.value.GroupName);
    await tx.delete(accountId, KIND_USER_GROUP, r.key);
    await tx.delete(accountId, KIND_GROUP_MEMBER, `${g}/${oldKey}`);
    await tx.put(accountId, KIND_USER_GROUP, `${newKey}/${g}`, { GroupName: r.value.GroupName });
    await tx.put(accountId, KIND_GROUP_MEMBER, `${g}/${newKey}`, { UserName: newName });
  }
}

// ---------------------------------------------------------------------------------------------

function groupOut(g: GroupRecord): Group {
  return { Path: g.Path, GroupName: g.GroupName, GroupId: g.GroupId, Arn: g.Arn, CreateDate: new Date(g.CreateDate) };
}

const memberOut = (u: UserRecord): User => userView(u);

async function requireGroup(ctx: HandlerContext, name: string): Promise<GroupRecord> {
  const g = await getGroup(ctx.tx, ctx.accountId, name);
  if (!g) throw noSuchGroup(name);
  return g;
}

async function requireUser(ctx: HandlerContext, name: string): Promise<UserRecord> {
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

const groupArn = (accountId: string, path: string, name: string) => `arn:aws:iam::${accountId}:group${path}${name}`;

export const groupHandlers: IamHandlers = {
  async CreateGroup(input, ctx) {
    const path = input.Path ?? '/';
    if ((await ctx.tx.count(ctx.accountId, KIND_GROUP)) >= GROUPS_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for GroupsPerAccount: ${GROUPS_PER_ACCOUNT}`);
    }
    const g: GroupRecord = {
      GroupName: input.GroupName,
      GroupId: newUniqueId('AGPA'),
      Arn: groupArn(ctx.accountId, path, input.GroupName),
      Path: path,
      CreateDate: ctx.now.toISOString(),
    };
    if (!(await ctx.tx.insert(ctx.accountId, KIND_GROUP, groupKey(input.GroupName), g))) {
      throw new EntityAlreadyExistsException(`Group with name ${input.GroupName} already exists.`);
    }
    return { Group: groupOut(g) };
  },

  async GetGroup(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const page = await listPage<{ UserName: string }>(ctx.tx, ctx.accountId, KIND_GROUP_MEMBER, {
      prefix: `${groupKey(g.GroupName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    const users: User[] = [];
    for (const e of page.items) {
      const u = await getUser(ctx.tx, ctx.accountId, e.value.UserName);
      if (u) users.push(memberOut(u));
    }
    return { Group: groupOut(g), Users: users, IsTruncated: page.truncated, Marker: page.marker };
  },

  async ListGroups(input, ctx) {
    const prefix = input.PathPrefix ?? '/';
    const page = await listPage<GroupRecord>(ctx.tx, ctx.accountId, KIND_GROUP, {
      marker: input.Marker,
      maxItems: input.MaxItems,
      filter: (g) => g.Path.startsWith(prefix),
    });
    return { Groups: page.items.map((e) => groupOut(e.value)), IsTruncated: page.truncated, Marker: page.marker };
  },

  async UpdateGroup(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const oldKey = groupKey(g.GroupName);
    const newName = input.NewGroupName ?? g.GroupName;
    const newPath = input.NewPath ?? g.Path;
    const newKey = groupKey(newName);
    const updated: GroupRecord = { ...g, GroupName: newName, Path: newPath, Arn: groupArn(ctx.accountId, newPath, newName) };
    if (newKey === oldKey) {
      await ctx.tx.put(ctx.accountId, KIND_GROUP, oldKey, updated);
      await renameAttachments(ctx.tx, ctx.accountId, 'group', g.GroupName, { name: newName, id: g.GroupId, path: newPath });
      return;
    }
    if (!(await ctx.tx.insert(ctx.accountId, KIND_GROUP, newKey, updated))) {
      throw new EntityAlreadyExistsException(`Group with name ${newName} already exists.`);
    }
    await ctx.tx.delete(ctx.accountId, KIND_GROUP, oldKey);
    // Move memberships and inline policies to the new name.
    for (const m of await ctx.tx.list<{ UserName: string }>(ctx.accountId, KIND_GROUP_MEMBER, { prefix: `${oldKey}/` })) {
      const u = userKey(m.value.UserName);
      await ctx.tx.delete(ctx.accountId, KIND_GROUP_MEMBER, m.key);
      await ctx.tx.put(ctx.accountId, KIND_GROUP_MEMBER, `${newKey}/${u}`, m.value);
      await ctx.tx.delete(ctx.accountId, KIND_USER_GROUP, `${u}/${oldKey}`);
      await ctx.tx.put(ctx.accountId, KIND_USER_GROUP, `${u}/${newKey}`, { GroupName: newName });
    }
    for (const p of await ctx.tx.list<InlinePolicyRecord>(ctx.accountId, KIND_GROUP_POLICY, { prefix: `${oldKey}/` })) {
      await ctx.tx.delete(ctx.accountId, KIND_GROUP_POLICY, p.key);
      await ctx.tx.put(ctx.accountId, KIND_GROUP_POLICY, `${newKey}/${p.value.PolicyName}`, p.value);
    }
    await renameAttachments(ctx.tx, ctx.accountId, 'group', g.GroupName, { name: newName, id: g.GroupId, path: newPath });
  },

  async DeleteGroup(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const k = groupKey(g.GroupName);
    if ((await ctx.tx.count(ctx.accountId, KIND_GROUP_MEMBER, { prefix: `${k}/` })) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must remove users from group first.');
    }
    if ((await ctx.tx.count(ctx.accountId, KIND_GROUP_POLICY, { prefix: `${k}/` })) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete policies first.');
    }
    if ((await attachedCount(ctx.tx, ctx.accountId, 'group', g.GroupName)) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must detach all policies first.');
    }
    await ctx.tx.delete(ctx.accountId, KIND_GROUP, k);
  },

  async AddUserToGroup(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const u = await requireUser(ctx, input.UserName);
    const gk = groupKey(g.GroupName);
    const uk = userKey(u.UserName);
    if (await ctx.tx.get(ctx.accountId, KIND_USER_GROUP, `${uk}/${gk}`)) return;
    if ((await ctx.tx.count(ctx.accountId, KIND_USER_GROUP, { prefix: `${uk}/` })) >= GROUPS_PER_USER) {
      throw new LimitExceededException(`Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`);
    }
    await ctx.tx.put(ctx.accountId, KIND_USER_GROUP, `${uk}/${gk}`, { GroupName: g.GroupName });
    await ctx.tx.put(ctx.accountId, KIND_GROUP_MEMBER, `${gk}/${uk}`, { UserName: u.UserName });
  },

  async RemoveUserFromGroup(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const u = await requireUser(ctx, input.UserName);
    const gk = groupKey(g.GroupName);
    const uk = userKey(u.UserName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_USER_GROUP, `${uk}/${gk}`))) throw noSuchUser(input.UserName);
    await ctx.tx.delete(ctx.accountId, KIND_GROUP_MEMBER, `${gk}/${uk}`);
  },

  async ListGroupsForUser(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const page = await listPage<{ GroupName: string }>(ctx.tx, ctx.accountId, KIND_USER_GROUP, {
      prefix: `${userKey(u.UserName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    const groups: Group[] = [];
    for (const e of page.items) {
      const g = await getGroup(ctx.tx, ctx.accountId, e.value.GroupName);
      if (g) groups.push(groupOut(g));
    }
    return { Groups: groups, IsTruncated: page.truncated, Marker: page.marker };
  },

  async PutGroupPolicy(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const prefix = `${groupKey(g.GroupName)}/`;
    let other = 0;
    for (const p of await ctx.tx.list<InlinePolicyRecord>(ctx.accountId, KIND_GROUP_POLICY, { prefix })) {
      if (p.value.PolicyName !== input.PolicyName) other += policySize(p.value.PolicyDocument);
    }
    const parsed = parsePolicy(input.PolicyDocument, 'identity', {
      kind: 'group-inline',
      entityName: g.GroupName,
      otherInlineChars: other,
    });
    if (isProblem(parsed)) throw policyError(parsed);
    const rec: InlinePolicyRecord = { PolicyName: input.PolicyName, PolicyDocument: input.PolicyDocument };
    await ctx.tx.put(ctx.accountId, KIND_GROUP_POLICY, prefix + input.PolicyName, rec);
  },

  async GetGroupPolicy(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const p = await ctx.tx.get<InlinePolicyRecord>(ctx.accountId, KIND_GROUP_POLICY, `${groupKey(g.GroupName)}/${input.PolicyName}`);
    if (!p) throw new NoSuchEntityException(`The group policy with name ${input.PolicyName} cannot be found.`);
    return { GroupName: g.GroupName, PolicyName: p.PolicyName, PolicyDocument: encodePolicyDocument(p.PolicyDocument) };
  },

  async ListGroupPolicies(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    const page = await listPage<InlinePolicyRecord>(ctx.tx, ctx.accountId, KIND_GROUP_POLICY, {
      prefix: `${groupKey(g.GroupName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    return { PolicyNames: page.items.map((e) => e.value.PolicyName), IsTruncated: page.truncated, Marker: page.marker };
  },

  async DeleteGroupPolicy(input, ctx) {
    const g = await requireGroup(ctx, input.GroupName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_GROUP_POLICY, `${groupKey(g.GroupName)}/${input.PolicyName}`))) {
      throw new NoSuchEntityException(`The group policy with name ${input.PolicyName} cannot be found.`);
    }
  },
};
