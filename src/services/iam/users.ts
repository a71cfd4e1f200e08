/**
 * IAM users and access keys (the gateway issue's proof of the spine).
 * The IAM issue grows the service module by module (see handlers.ts).
 *
 * Fidelity notes:
 * - Names are unique case-insensitively; the stored case is returned.
 * - ListUsers orders by name (case-insensitive), as AWS's listing appears to.
 * - Markers are opaque: base64 of the last key returned.
 * - At most 2 access keys per user (`LimitExceeded`, "Cannot exceed quota for AccessKeysPerUser: 2").
 * - DeleteUser refuses while the user still has access keys (`DeleteConflict`), as AWS does.
 * - UpdateAccessKey: an Inactive key is refused by the authenticator on the very next request
 *   (InvalidClientTokenId): the credential cache drops every entry when the store's generation moves
 *   and only admits Active keys (src/auth/credential-cache.ts).
 * - GetAccessKeyLastUsed answers `ServiceName`/`Region` "N/A" and no LastUsedDate for a key never
 *   used. The pipeline records uses through `recordAccessKeyUse`, at most once an hour per key while
 *   the service and region stay the same (AWS tracks last use with about that granularity).
 *   A key id that is not a long-term key of the caller's account answers NoSuchEntity (AWS's answer
 *   for another account's key is not documented). For a root key the answer carries no UserName.
 * - UpdateUser (NewUserName/NewPath) moves everything kept under the user's name: access key index
 *   entries (and the owner name inside every key, temporary ones included, so sessions keep working),
 *   group memberships, inline and attached policies (with the attachment reverse index), the login
 *   profile, MFA device assignments. Tags and the permissions boundary live in the user record; the
 *   UserId never changes. A taken target name answers EntityAlreadyExists "User with name X already exists.".
 */
import { checkDuplicateTags, listPage, tagOperations } from './common.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import { newUniqueId } from '../../accounts/ids.js';
import type { WriteTx } from '../../store/types.js';
import {
  GLOBAL,
  KIND_ACCESS_KEY,
  makeKey,
  putAccessKey,
  getAccessKey,
  deleteAccessKeyRecord,
  listRootKeys,
  type AccessKeyRecord,
} from '../../accounts/accounts.js';
import {
  KIND_ACCESS_KEY_LAST_USED,
  KIND_USER,
  KIND_USER_KEY,
  getUser,
  userKey,
  userView,
  type AccessKeyLastUsedRecord,
  type UserRecord,
} from './state.js';
import { renameUserInGroups, userBlockers as groupBlockers } from './groups.js';
import {
  KIND_POLICY_ATTACHMENT,
  KIND_USER_ATTACHED,
  KIND_USER_POLICY,
  userBlockers as policyBlockers,
} from './policies.js';
import { renameUserLoginProfile, userBlockers as loginProfileBlockers } from './login-profiles.js';
import { KIND_MFA_DEVICE, KIND_USER_MFA_DEVICE, userBlockers as mfaBlockers, type MfaDeviceRecord } from './mfa.js';
import { resolveBoundary } from './boundaries.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
  type IamHandlers,
} from '../../generated/iam.js';

/** Each IAM area that can hold a user says why DeleteUser must wait, in AWS's words. */
const USER_BLOCKERS = [loginProfileBlockers, mfaBlockers, groupBlockers, policyBlockers];

/**
 * Each IAM area that keeps records under a user's (lower-cased) name moves them on UpdateUser
 * (NewUserName). An area added later (MFA devices, SSH keys, ...) adds its own here.
 */
const USER_RENAMES: Array<(tx: WriteTx, accountId: string, oldName: string, newName: string) => Promise<void>> = [
  renameUserInGroups,
  renameUserPolicies,
  renameUserLoginProfile,
  renameUserMfaDevices,
];

const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);


const userOut = (u: UserRecord) => userView(u, { full: true });

/** The user a request names, or, when it names none, the calling user (undefined for root). */
async function targetUser(ctx: HandlerContext, userName: string | undefined): Promise<UserRecord | undefined> {
  const name = userName ?? (ctx.principal.type === 'user' ? ctx.principal.name : undefined);
  if (name === undefined) {
    if (ctx.principal.type === 'root') return undefined;
    throw new ServiceError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
  }
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

/** The caller's long-term key with this id (the named user's, or root's when no user), else NoSuchEntity. */
async function ownedKey(ctx: HandlerContext, u: UserRecord | undefined, accessKeyId: string): Promise<AccessKeyRecord> {
  const rec = await getAccessKey(ctx.tx, accessKeyId);
  const owned =
    rec &&
    rec.sessionToken === undefined &&
    rec.accountId === ctx.accountId &&
    (u ? rec.owner.type === 'user' && rec.owner.userId === u.UserId : rec.owner.type === 'root');
  if (!rec || !owned) throw new NoSuchEntityException(`The Access Key with id ${accessKeyId} cannot be found.`);
  return rec;
}

/** Moves the user's inline policies, attachments and the attachments' reverse index (policies.ts's layout). */
async function renameUserPolicies(tx: WriteTx, accountId: string, oldName: string, newName: string): Promise<void> {
  const oldKey = userKey(oldName);
  const newKey = userKey(newName);
  for (const e of await tx.list(accountId, KIND_USER_POLICY, { prefix: `${oldKey}/` })) {
    await tx.delete(accountId, KIND_USER_POLICY, e.key);
    await tx.put(accountId, KIND_USER_POLICY, newKey + e.key.slice(oldKey.length), e.value);
  }
  for (const e of await tx.list(accountId, KIND_USER_ATTACHED, { prefix: `${oldKey}/` })) {
    const policy = e.key.slice(oldKey.length + 1);
    await tx.delete(accountId, KIND_USER_ATTACHED, e.key);
    await tx.put(accountId, KIND_USER_ATTACHED, `${newKey}/${policy}`, e.value);
    const rev = await tx.get<{ UserName: string; UserId: string; Path: string }>(accountId, KIND_POLICY_ATTACHMENT, `${policy}/user/${oldKey}`);
    if (rev) {
      await tx.delete(accountId, KIND_POLICY_ATTACHMENT, `${policy}/user/${oldKey}`);
      await tx.put(accountId, KIND_POLICY_ATTACHMENT, `${policy}/user/${newKey}`, { ...rev, UserName: newName });
    }
  }
}

/**
 * Moves the user's MFA device links and the assignment named in each device (mfa.ts's layout:
 * `iam.userMfaDevice <user>/<device>`, the device record under its lower-cased name).
 */
async function renameUserMfaDevices(tx: WriteTx, accountId: string, oldName: string, newName: string): Promise<void> {
  const oldKey = userKey(oldName);
  const newKey = userKey(newName);
  for (const e of await tx.list(accountId, KIND_USER_MFA_DEVICE, { prefix: `${oldKey}/` })) {
    const device = e.key.slice(oldKey.length + 1);
    await tx.delete(accountId, KIND_USER_MFA_DEVICE, e.key);
    await tx.put(accountId, KIND_USER_MFA_DEVICE, `${newKey}/${device}`, e.value);
    const d = await tx.get<MfaDeviceRecord>(accountId, KIND_MFA_DEVICE, device);
    if (d && d.UserName !== undefined) await tx.put(accountId, KIND_MFA_DEVICE, device, { ...d, UserName: newName });
  }
}

/** The reverse attachment index keeps the user's path (ListEntitiesForPolicy's PathPrefix). */
async function repathUserAttachments(tx: WriteTx, accountId: string, userName: string, path: string): Promise<void> {
  const k = userKey(userName);
  for (const e of await tx.list(accountId, KIND_USER_ATTACHED, { prefix: `${k}/` })) {
    const revKey = `${e.key.slice(k.length + 1)}/user/${k}`;
    const rev = await tx.get<{ UserName: string; UserId: string; Path: string }>(accountId, KIND_POLICY_ATTACHMENT, revKey);
    if (rev) await tx.put(accountId, KIND_POLICY_ATTACHMENT, revKey, { ...rev, Path: path });
  }
}

/** Every key (long-term and temporary) of this user names its owner: rewrite the name there. */
async function renameKeyOwners(tx: WriteTx, accountId: string, user: UserRecord, newName: string): Promise<void> {
  const oldKey = userKey(user.UserName);
  const newKey = userKey(newName);
  for (const e of await tx.list<{ accessKeyId: string }>(accountId, KIND_USER_KEY, { prefix: `${oldKey}/` })) {
    await tx.delete(accountId, KIND_USER_KEY, e.key);
    await tx.put(accountId, KIND_USER_KEY, `${newKey}/${e.value.accessKeyId}`, e.value);
  }
  // Temporary credentials (GetSessionToken) are not indexed by user: scan the global index in chunks.
  let startAfter: string | undefined;
  for (;;) {
    const chunk = await tx.list<AccessKeyRecord>(GLOBAL, KIND_ACCESS_KEY, { startAfter, limit: 500 });
    for (const { value: rec } of chunk) {
      if (rec.accountId === accountId && rec.owner.type === 'user' && rec.owner.userId === user.UserId) {
        await tx.put(GLOBAL, KIND_ACCESS_KEY, rec.accessKeyId, { ...rec, owner: { ...rec.owner, userName: newName } });
      }
    }
    if (chunk.length < 500) break;
    startAfter = chunk[chunk.length - 1]!.key;
  }
}

/**
 * Records a use of an access key (for GetAccessKeyLastUsed): called by the pipeline after a request
 * authenticated with the key. Cheap: nothing is written when the stored use is in the same hour with
 * the same service and region. Temporary keys (ASIA...) are not tracked, as on AWS.
 */
export async function recordAccessKeyUse(tx: WriteTx, accessKeyId: string, serviceName: string, region: string, when: Date): Promise<void> {
  if (accessKeyId.startsWith('ASIA')) return;
  const prev = await tx.get<AccessKeyLastUsedRecord>(GLOBAL, KIND_ACCESS_KEY_LAST_USED, accessKeyId);
  const HOUR = 3_600_000;
  if (
    prev &&
    prev.ServiceName === serviceName &&
    prev.Region === region &&
    Math.floor(Date.parse(prev.LastUsedDate) / HOUR) === Math.floor(when.getTime() / HOUR)
  ) {
    return;
  }
  const rec: AccessKeyLastUsedRecord = { LastUsedDate: when.toISOString(), ServiceName: serviceName, Region: region };
  await tx.put(GLOBAL, KIND_ACCESS_KEY_LAST_USED, accessKeyId, rec);
}

function keyMetadata(k: AccessKeyRecord, userName?: string) {
  return { UserName: userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) };
}

const userTags = tagOperations<{ UserName: string }>(async (input, ctx) => {
  const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
  if (!u) throw noSuchUser(input.UserName);
  return { tags: u.Tags, save: (tags) => ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), { ...u, Tags: tags }) };
}, 'TagsPerUser');

export const USERS_PER_ACCOUNT = 5000;

export const userHandlers: IamHandlers = {
  async CreateUser(input, ctx) {
    if (input.Tags) checkDuplicateTags(input.Tags);
    const path = input.Path ?? '/';
    const user: UserRecord = {
      UserName: input.UserName,
      UserId: newUniqueId('AIDA'),
      Arn: `arn:aws:iam::${ctx.accountId}:user${path}${input.UserName}`,
      Path: path,
      CreateDate: ctx.now.toISOString(),
      Tags: input.Tags?.map((t) => ({ Key: t.Key, Value: t.Value })),
      PermissionsBoundary: input.PermissionsBoundary ? await resolveBoundary(ctx.tx, ctx.accountId, input.PermissionsBoundary) : undefined,
    };
    // IAM and AWS STS quotas: 5,000 IAM users per account.
    if ((await ctx.tx.count(ctx.accountId, KIND_USER)) >= USERS_PER_ACCOUNT) {
      throw new LimitExceededException(`Cannot exceed quota for UsersPerAccount: ${USERS_PER_ACCOUNT}`);
    }
    if (!(await ctx.tx.insert(ctx.accountId, KIND_USER, userKey(input.UserName), user))) {
      throw new EntityAlreadyExistsException(`User with name ${input.UserName} already exists.`);
    }
    return { User: userOut(user) };
  },

  async GetUser(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    if (!u) {
      // Root calling without a user name: AWS answers with the account's root identity.
      const created = await ctx.tx.get<{ createdAt: string }>('global', 'account', ctx.accountId);
      return {
        User: {
          UserId: ctx.accountId,
          Arn: `arn:aws:iam::${ctx.accountId}:root`,
          CreateDate: new Date(created?.createdAt ?? ctx.now),
        } as never,
      };
    }
    return { User: userOut(u) };
  },

  async ListUsers(input, ctx) {
    const prefix = input.PathPrefix ?? '/';
    const page = await listPage<UserRecord>(ctx.tx, ctx.accountId, KIND_USER, {
      marker: input.Marker,
      maxItems: input.MaxItems,
      filter: (u) => u.Path.startsWith(prefix),
    });
    return {
      Users: page.items.map((e) => userView(e.value)),
      IsTruncated: page.truncated,
      Marker: page.marker,
    };
  },

  async DeleteUser(input, ctx) {
    const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
    if (!u) throw noSuchUser(input.UserName);
    if ((await ctx.tx.count(ctx.accountId, KIND_USER_KEY, { prefix: `${userKey(u.UserName)}/` })) > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete access keys first.');
    }
    // What other IAM areas still hold the user (group membership, inline and attached policies).
    for (const blockers of USER_BLOCKERS) {
      const conflict = await blockers(ctx.tx, ctx.accountId, u);
      if (conflict) throw new DeleteConflictException(conflict);
    }
    await ctx.tx.delete(ctx.accountId, KIND_USER, userKey(u.UserName));
  },

  async CreateAccessKey(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    if (!u) {
      const existing = await listRootKeys(ctx.tx, ctx.accountId);
      if (existing.length >= 2) throw new LimitExceededException('Cannot exceed quota for AccessKeysPerUser: 2');
      const rec = makeKey(ctx.accountId, { type: 'root' }, ctx.now);
      await putAccessKey(ctx.tx, rec);
      return { AccessKey: { ...keyMetadata(rec), UserName: undefined as never, SecretAccessKey: rec.secretAccessKey } };
    }
    const prefix = `${userKey(u.UserName)}/`;
    if ((await ctx.tx.count(ctx.accountId, KIND_USER_KEY, { prefix })) >= 2) {
      throw new LimitExceededException('Cannot exceed quota for AccessKeysPerUser: 2');
    }
    const rec = makeKey(ctx.accountId, { type: 'user', userName: u.UserName, userId: u.UserId }, ctx.now);
    await putAccessKey(ctx.tx, rec);
    await ctx.tx.put(ctx.accountId, KIND_USER_KEY, prefix + rec.accessKeyId, { accessKeyId: rec.accessKeyId });
    return { AccessKey: { ...keyMetadata(rec, u.UserName), UserName: u.UserName, SecretAccessKey: rec.secretAccessKey } };
  },

  async ListAccessKeys(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    let keys: AccessKeyRecord[];
    if (!u) keys = await listRootKeys(ctx.tx, ctx.accountId);
    else {
      keys = [];
      for (const e of await ctx.tx.list<{ accessKeyId: string }>(ctx.accountId, KIND_USER_KEY, { prefix: `${userKey(u.UserName)}/` })) {
        const k = await getAccessKey(ctx.tx, e.value.accessKeyId);
        if (k) keys.push(k);
      }
    }
    return { AccessKeyMetadata: keys.map((k) => keyMetadata(k, u?.UserName)), IsTruncated: false };
  },

  async DeleteAccessKey(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    const rec = await ownedKey(ctx, u, input.AccessKeyId);
    await deleteAccessKeyRecord(ctx.tx, rec);
    await ctx.tx.delete(GLOBAL, KIND_ACCESS_KEY_LAST_USED, rec.accessKeyId);
    if (u) await ctx.tx.delete(ctx.accountId, KIND_USER_KEY, `${userKey(u.UserName)}/${rec.accessKeyId}`);
  },

  async UpdateAccessKey(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    const status = input.Status;
    if (status !== 'Active' && status !== 'Inactive') {
      // The model's enum also lists Expired (a state AWS sets itself); only Active/Inactive can be asked for.
      throw new ServiceError('ValidationError', `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`, 400);
    }
    const rec = await ownedKey(ctx, u, input.AccessKeyId);
    if (rec.status === status) return;
    await putAccessKey(ctx.tx, { ...rec, status });
  },

  async GetAccessKeyLastUsed(input, ctx) {
    const rec = await getAccessKey(ctx.tx, input.AccessKeyId);
    if (!rec || rec.sessionToken !== undefined || rec.accountId !== ctx.accountId) {
      throw new NoSuchEntityException(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
    }
    const used = await ctx.tx.get<AccessKeyLastUsedRecord>(GLOBAL, KIND_ACCESS_KEY_LAST_USED, rec.accessKeyId);
    return {
      UserName: rec.owner.type === 'user' ? rec.owner.userName : undefined,
      AccessKeyLastUsed: used
        ? { LastUsedDate: new Date(used.LastUsedDate), ServiceName: used.ServiceName, Region: used.Region }
        : { ServiceName: 'N/A', Region: 'N/A' },
    };
  },

  async UpdateUser(input, ctx) {
    const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
    if (!u) throw noSuchUser(input.UserName);
    const newName = input.NewUserName ?? u.UserName;
    const newPath = input.NewPath ?? u.Path;
    const updated: UserRecord = { ...u, UserName: newName, Path: newPath, Arn: `arn:aws:iam::${ctx.accountId}:user${newPath}${newName}` };
    if (userKey(newName) !== userKey(u.UserName)) {
      if (!(await ctx.tx.insert(ctx.accountId, KIND_USER, userKey(newName), updated))) {
        throw new EntityAlreadyExistsException(`User with name ${newName} already exists.`);
      }
      await ctx.tx.delete(ctx.accountId, KIND_USER, userKey(u.UserName));
    } else {
      await ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), updated);
    }
    if (newName !== u.UserName) {
      await renameKeyOwners(ctx.tx, ctx.accountId, u, newName);
      for (const rename of USER_RENAMES) await rename(ctx.tx, ctx.accountId, u.UserName, newName);
    }
    if (newPath !== u.Path) await repathUserAttachments(ctx.tx, ctx.accountId, newName, newPath);
  },

  TagUser: userTags.tag,
  UntagUser: userTags.untag,
  ListUserTags: userTags.list,
};
