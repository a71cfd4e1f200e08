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
 */
import { checkDuplicateTags, listPage, mergeTags, removeTags, tagPage } from './common.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import { newUniqueId } from '../../accounts/ids.js';
import {
  makeKey,
  putAccessKey,
  getAccessKey,
  deleteAccessKeyRecord,
  listRootKeys,
  type AccessKeyRecord,
} from '../../accounts/accounts.js';
import { KIND_USER, KIND_USER_KEY, getUser, userKey, userView, type UserRecord } from './state.js';
import { userBlockers as groupBlockers } from './groups.js';
import { userBlockers as policyBlockers } from './policies.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
  type IamHandlers,
} from '../../generated/iam.js';

/** Each IAM area that can hold a user says why DeleteUser must wait, in AWS's words. */
const USER_BLOCKERS = [groupBlockers, policyBlockers];

const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);


const userOut = (u: UserRecord) => userView(u, { tags: true });

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

function keyMetadata(k: AccessKeyRecord, userName?: string) {
  return { UserName: userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) };
}

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
      PermissionsBoundary: input.PermissionsBoundary
        ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: input.PermissionsBoundary }
        : undefined,
    };
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
    const rec = await getAccessKey(ctx.tx, input.AccessKeyId);
    const owned =
      rec &&
      rec.accountId === ctx.accountId &&
      (u ? rec.owner.type === 'user' && rec.owner.userId === u.UserId : rec.owner.type === 'root');
    if (!rec || !owned) throw new NoSuchEntityException(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
    await deleteAccessKeyRecord(ctx.tx, rec);
    if (u) await ctx.tx.delete(ctx.accountId, KIND_USER_KEY, `${userKey(u.UserName)}/${rec.accessKeyId}`);
  },

  async TagUser(input, ctx) {
    const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
    if (!u) throw noSuchUser(input.UserName);
    u.Tags = mergeTags(u.Tags, input.Tags, 'TagsPerUser');
    await ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), u);
  },

  async UntagUser(input, ctx) {
    const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
    if (!u) throw noSuchUser(input.UserName);
    u.Tags = removeTags(u.Tags, input.TagKeys);
    await ctx.tx.put(ctx.accountId, KIND_USER, userKey(u.UserName), u);
  },

  async ListUserTags(input, ctx) {
    const u = await getUser(ctx.tx, ctx.accountId, input.UserName);
    if (!u) throw noSuchUser(input.UserName);
    return tagPage(u.Tags, input);
  },
};
