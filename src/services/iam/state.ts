/**
 * IAM state: how users and their access keys are kept in the Store.
 *
 * Users live in the account's scope, keyed by the lower-cased name: IAM names are unique
 * case-insensitively ("Bob" and "bob" cannot both exist) but keep the case they were created with.
 * A user's access keys are listed under `<lower-name>/<key id>`; the secret itself lives only in
 * the global access-key index (src/accounts/accounts.ts), which the authenticator reads.
 * A key's last use is kept in the global scope by key id (`iam.accessKeyLastUsed`), apart from the
 * key record, so recording it never rewrites the secret.
 */
import type { ReadTx } from '../../store/types.js';
import type { AttachedPermissionsBoundary } from '../../generated/iam.js';

export const KIND_USER = 'iam.user';
export const KIND_USER_KEY = 'iam.userAccessKey';
/** Global scope, key = access key id -> AccessKeyLastUsedRecord (GetAccessKeyLastUsed). */
export const KIND_ACCESS_KEY_LAST_USED = 'iam.accessKeyLastUsed';

/** When, where and with which service an access key was last used. */
export interface AccessKeyLastUsedRecord {
  LastUsedDate: string;
  ServiceName: string;
  Region: string;
}

export interface UserRecord {
  UserName: string;
  UserId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  Tags?: { Key: string; Value: string }[];
  PermissionsBoundary?: AttachedPermissionsBoundary;
}

export function userKey(userName: string): string {
  return userName.toLowerCase();
}

export async function getUser(tx: ReadTx, accountId: string, userName: string): Promise<UserRecord | undefined> {
  return tx.get<UserRecord>(accountId, KIND_USER, userKey(userName));
}

/**
 * A user as IAM's responses show it. `full` (GetUser, CreateUser) adds Tags and PermissionsBoundary:
 * listings leave them out ("This operation does not return the following attributes, even though
 * they are an attribute of the returned object: PermissionsBoundary, Tags", IAM API Reference, ListUsers).
 */
export function userView(u: UserRecord, opts: { full?: boolean } = {}) {
  return {
    Path: u.Path,
    UserName: u.UserName,
    UserId: u.UserId,
    Arn: u.Arn,
    CreateDate: new Date(u.CreateDate),
    PermissionsBoundary: opts.full ? u.PermissionsBoundary : undefined,
    Tags: opts.full && u.Tags && u.Tags.length ? u.Tags : undefined,
  };
}
