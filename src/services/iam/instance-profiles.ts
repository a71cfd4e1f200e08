/**
 * IAM instance profiles: CRUD and the (at most one) role each holds.
 *
 * Storage (account scope; keys lower-cased, since IAM names are unique case-insensitively):
 *   iam.instanceProfile      <profile>            -> InstanceProfileRecord (RoleName: the role it holds)
 *   iam.roleInstanceProfile  <role>/<profile>     -> { InstanceProfileName }  (reverse index, for
 *                                                    ListInstanceProfilesForRole and DeleteRole's check)
 *
 * Fidelity notes:
 * - Roles[] shows each role as GetRole does (trust policy URL-encoded), read live from the role.
 * - One role per profile: a second AddRoleToInstanceProfile is LimitExceeded
 *   "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".
 * - DeleteInstanceProfile and DeleteRole refuse while the profile holds the role (DeleteConflict
 *   "Cannot delete entity, must remove roles from instance profile first.").
 * - 1000 instance profiles per account ("Cannot exceed quota for InstanceProfilesPerAccount: 1000").
 * - Tags as for roles: keys unique case-insensitively (InvalidInput), TagInstanceProfile overwrites a
 *   key's value, more than 50 in total is LimitExceeded "Cannot exceed quota for TagsPerInstanceProfile: 50"
 *   (that quota name is by analogy with TagsPerRole, unverified).
 *
 * Gaps: the NoSuchEntity text of RemoveRoleFromInstanceProfile for an existing role that the profile does
 * not hold is unverified against AWS.
 */
import { newUniqueId } from '../../accounts/ids.js';
import type { ReadTx } from '../../store/types.js';
import type { IamHandlers, InstanceProfile, Role } from '../../generated/iam.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
} from '../../generated/iam.js';
import type { HandlerContext } from '../../gateway/context.js';
import { getRole, roleOut } from './roles.js';
import { checkDuplicateTags, listPage, tagOperations } from './common.js';

export const KIND_INSTANCE_PROFILE = 'iam.instanceProfile';
export const KIND_ROLE_INSTANCE_PROFILE = 'iam.roleInstanceProfile';

export const INSTANCE_PROFILES_PER_ACCOUNT = 1000;
export const ROLES_PER_INSTANCE_PROFILE = 1;

export interface InstanceProfileRecord {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  Tags?: { Key: string; Value: string }[];
  /** The role the profile holds (as the role's name is spelled), if any. */
  RoleName?: string;
}

interface RoleLink {
  InstanceProfileName: string;
}

const key = (name: string) => name.toLowerCase();
const linkKey = (roleName: string, profileName: string) => `${key(roleName)}/${key(profileName)}`;
const noSuchProfile = (name: string) => new NoSuchEntityException(`Instance Profile ${name} cannot be found.`);
const noSuchRole = (name: string) => new NoSuchEntityException(`The role with name ${name} cannot be found.`);
const ROLES_FIRST = 'Cannot delete entity, must remove roles from instance profile first.';

/** DeleteRole's check: AWS's DeleteConflict text while the role is in an instance profile, else undefined. */
export async function roleBlockers(tx: ReadTx, accountId: string, roleName: string): Promise<string | undefined> {
  const n = await tx.count(accountId, KIND_ROLE_INSTANCE_PROFILE, { prefix: `${key(roleName)}/` });
  return n > 0 ? ROLES_FIRST : undefined;
}


/** An instance profile as IAM shows it, its role read live (as GetRole shows it). */
export async function profileOut(tx: ReadTx, accountId: string, p: InstanceProfileRecord, opts: { tags: boolean }): Promise<InstanceProfile> {
  const roles: Role[] = [];
  if (p.RoleName !== undefined) {
    const r = await getRole(tx, accountId, p.RoleName);
    if (r) roles.push(roleOut(r, 'get'));
  }
  const out: InstanceProfile = {
    Path: p.Path,
    InstanceProfileName: p.InstanceProfileName,
    InstanceProfileId: p.InstanceProfileId,
    Arn: p.Arn,
    CreateDate: new Date(p.CreateDate),
    Roles: roles,
  };
  if (opts.tags && p.Tags && p.Tags.length) out.Tags = p.Tags;
  return out;
}


async function requireProfile(ctx: HandlerContext, name: string): Promise<InstanceProfileRecord> {
  const p = await ctx.tx.get<InstanceProfileRecord>(ctx.accountId, KIND_INSTANCE_PROFILE, key(name));
  if (!p) throw noSuchProfile(name);
  return p;
}

const profileTags = tagOperations<{ InstanceProfileName: string }>(async (input, ctx) => {
  const p = await requireProfile(ctx, input.InstanceProfileName);
  return { tags: p.Tags, save: (tags) => ctx.tx.put(ctx.accountId, KIND_INSTANCE_PROFILE, key(p.InstanceProfileName), { ...p, Tags: tags }) };
}, 'TagsPerInstanceProfile');

export const instanceProfileHandlers: IamHandlers = {
  async CreateInstanceProfile(input, ctx) {
    const path = input.Path ?? '/';
    if (input.Tags) checkDuplicateTags(input.Tags);
    if ((await ctx.tx.count(ctx.accountId, KIND_INSTANCE_PROFILE)) >= INSTANCE_PROFILES_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for InstanceProfilesPerAccount: ${INSTANCE_PROFILES_PER_ACCOUNT}`);
    }
    const p: InstanceProfileRecord = {
      InstanceProfileName: input.InstanceProfileName,
      InstanceProfileId: newUniqueId('AIPA'),
      Arn: `arn:aws:iam::${ctx.accountId}:instance-profile${path}${input.InstanceProfileName}`,
      Path: path,
      CreateDate: ctx.now.toISOString(),
    };
    if (input.Tags && input.Tags.length) p.Tags = input.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
    if (!(await ctx.tx.insert(ctx.accountId, KIND_INSTANCE_PROFILE, key(p.InstanceProfileName), p))) {
      throw new EntityAlreadyExistsException(`Instance Profile ${input.InstanceProfileName} already exists.`);
    }
    return { InstanceProfile: await profileOut(ctx.tx, ctx.accountId, p, { tags: true }) };
  },

  async GetInstanceProfile(input, ctx) {
    const p = await requireProfile(ctx, input.InstanceProfileName);
    return { InstanceProfile: await profileOut(ctx.tx, ctx.accountId, p, { tags: true }) };
  },

  async ListInstanceProfiles(input, ctx) {
    const prefix = input.PathPrefix ?? '/';
    const page = await listPage<InstanceProfileRecord>(ctx.tx, ctx.accountId, KIND_INSTANCE_PROFILE, {
      marker: input.Marker,
      maxItems: input.MaxItems,
      filter: (p) => p.Path.startsWith(prefix),
    });
    const profiles: InstanceProfile[] = [];
    for (const e of page.items) profiles.push(await profileOut(ctx.tx, ctx.accountId, e.value, { tags: false }));
    return { InstanceProfiles: profiles, IsTruncated: page.truncated, Marker: page.marker };
  },

  async DeleteInstanceProfile(input, ctx) {
    const p = await requireProfile(ctx, input.InstanceProfileName);
    if (p.RoleName !== undefined) throw new DeleteConflictException(ROLES_FIRST);
    await ctx.tx.delete(ctx.accountId, KIND_INSTANCE_PROFILE, key(p.InstanceProfileName));
  },

  async AddRoleToInstanceProfile(input, ctx) {
    const p = await requireProfile(ctx, input.InstanceProfileName);
    const r = await getRole(ctx.tx, ctx.accountId, input.RoleName);
    if (!r) throw noSuchRole(input.RoleName);
    if (p.RoleName !== undefined) {
      throw new LimitExceededException(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_INSTANCE_PROFILE}`);
    }
    p.RoleName = r.RoleName;
    await ctx.tx.put(ctx.accountId, KIND_INSTANCE_PROFILE, key(p.InstanceProfileName), p);
    const link: RoleLink = { InstanceProfileName: p.InstanceProfileName };
    await ctx.tx.put(ctx.accountId, KIND_ROLE_INSTANCE_PROFILE, linkKey(r.RoleName, p.InstanceProfileName), link);
  },

  async RemoveRoleFromInstanceProfile(input, ctx) {
    const p = await requireProfile(ctx, input.InstanceProfileName);
    if (p.RoleName === undefined || key(p.RoleName) !== key(input.RoleName)) throw noSuchRole(input.RoleName);
    await ctx.tx.delete(ctx.accountId, KIND_ROLE_INSTANCE_PROFILE, linkKey(p.RoleName, p.InstanceProfileName));
    delete p.RoleName;
    await ctx.tx.put(ctx.accountId, KIND_INSTANCE_PROFILE, key(p.InstanceProfileName), p);
  },

  async ListInstanceProfilesForRole(input, ctx) {
    const r = await getRole(ctx.tx, ctx.accountId, input.RoleName);
    if (!r) throw noSuchRole(input.RoleName);
    const page = await listPage<RoleLink>(ctx.tx, ctx.accountId, KIND_ROLE_INSTANCE_PROFILE, {
      prefix: `${key(r.RoleName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    const profiles: InstanceProfile[] = [];
    for (const e of page.items) {
      const p = await ctx.tx.get<InstanceProfileRecord>(ctx.accountId, KIND_INSTANCE_PROFILE, key(e.value.InstanceProfileName));
      if (p) profiles.push(await profileOut(ctx.tx, ctx.accountId, p, { tags: false }));
    }
    return { InstanceProfiles: profiles, IsTruncated: page.truncated, Marker: page.marker };
  },

  TagInstanceProfile: profileTags.tag,
  UntagInstanceProfile: profileTags.untag,
  ListInstanceProfileTags: profileTags.list,
};
