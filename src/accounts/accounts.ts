/**
 * Accounts and the global access-key index.
 *
 * Several accounts live in one Nimbus. Each has root credentials; IAM users of the account get
 * their own keys (src/services/iam). Every access key, of any principal, is indexed globally by
 * its id so the authenticator finds the secret and the principal with one lookup.
 */
import type { ReadTx, WriteTx } from '../store/types.js';
import { newAccessKeyId, newAccountId, newSecretAccessKey } from './ids.js';

export const GLOBAL = 'global';
export const KIND_ACCOUNT = 'account';
export const KIND_ACCESS_KEY = 'auth.accessKey';
export const KIND_SETTING = 'setting';

export interface AccountRecord {
  accountId: string;
  name: string;
  createdAt: string;
}

/** Who an access key belongs to. */
/**
 * What a temporary session carries besides its owner (AssumeRole, GetFederationToken): the
 * session policies that narrow it, its session tags, its source identity.
 */
export interface SessionFacts {
  /** Inline session policy (JSON, as sent). */
  policy?: string;
  /** Managed session policies. */
  policyArns?: string[];
  tags?: Array<{ Key: string; Value: string }>;
  /** Tag keys that pass on to sessions this one assumes (role chaining). */
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
  /** Assumed with role credentials (role chaining: at most one hour). */
  chained?: boolean;
}

export type KeyOwner =
  | { type: 'root' }
  | { type: 'user'; userName: string; userId: string }
  | { type: 'assumed-role'; roleName: string; roleId: string; roleArn: string; sessionName: string; session: SessionFacts }
  | { type: 'federated-user'; name: string; userName: string; userId: string; userArn: string; session: SessionFacts };

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  owner: KeyOwner;
  status: 'Active' | 'Inactive';
  createDate: string;
  /** Temporary credentials only. */
  sessionToken?: string;
  expiration?: string;
  /** Temporary credentials only: which STS operation issued them. */
  issuedBy?: 'GetSessionToken' | 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'AssumeRoleWithSAML' | 'GetFederationToken';
  /** Temporary credentials only: whether the session was authenticated with MFA. */
  mfaAuthenticated?: boolean;
  /** Temporary credentials only: when the MFA code was checked (ISO 8601), for aws:MultiFactorAuthAge. */
  mfaAuthenticatedAt?: string;
}

export interface NewCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export async function getAccount(tx: ReadTx, accountId: string): Promise<AccountRecord | undefined> {
  return tx.get<AccountRecord>(GLOBAL, KIND_ACCOUNT, accountId);
}

export async function listAccounts(tx: ReadTx): Promise<AccountRecord[]> {
  return (await tx.list<AccountRecord>(GLOBAL, KIND_ACCOUNT)).map((e) => e.value);
}

export async function getDefaultAccountId(tx: ReadTx): Promise<string | undefined> {
  return tx.get<string>(GLOBAL, KIND_SETTING, 'defaultAccount');
}

export async function getAccessKey(tx: ReadTx, accessKeyId: string): Promise<AccessKeyRecord | undefined> {
  return tx.get<AccessKeyRecord>(GLOBAL, KIND_ACCESS_KEY, accessKeyId);
}

/**
 * Temporary credentials answer ExpiredToken after they expire, as on AWS; a week later their
 * records are dropped (they would otherwise pile up in the key index forever) and the key is then
 * simply unknown. Returns how many were removed.
 */
export const EXPIRED_SESSION_RETENTION_MS = 7 * 24 * 3600_000;
export async function sweepExpiredSessions(tx: WriteTx, now: Date): Promise<number> {
  const cutoff = now.getTime() - EXPIRED_SESSION_RETENTION_MS;
  let n = 0;
  for (const e of await tx.list<AccessKeyRecord>(GLOBAL, KIND_ACCESS_KEY)) {
    const exp = e.value.expiration;
    if (e.value.sessionToken !== undefined && exp !== undefined && Date.parse(exp) < cutoff) {
      await deleteAccessKeyRecord(tx, e.value);
      n++;
    }
  }
  return n;
}

/** Root access keys of an account, oldest first. */
export async function listRootKeys(tx: ReadTx, accountId: string): Promise<AccessKeyRecord[]> {
  const ids = (await tx.get<string[]>(accountId, 'root.accessKeys', 'ids')) ?? [];
  const out: AccessKeyRecord[] = [];
  for (const id of ids) {
    const k = await getAccessKey(tx, id);
    if (k && k.sessionToken === undefined) out.push(k);
  }
  return out;
}

export async function putAccessKey(tx: WriteTx, rec: AccessKeyRecord): Promise<void> {
  await tx.put(GLOBAL, KIND_ACCESS_KEY, rec.accessKeyId, rec);
  // The account's root access keys are its long-term ones; root's temporary credentials are not listed.
  if (rec.owner.type === 'root' && rec.sessionToken === undefined) {
    const ids = (await tx.get<string[]>(rec.accountId, 'root.accessKeys', 'ids')) ?? [];
    if (!ids.includes(rec.accessKeyId)) await tx.put(rec.accountId, 'root.accessKeys', 'ids', [...ids, rec.accessKeyId]);
  }
}

export async function deleteAccessKeyRecord(tx: WriteTx, rec: AccessKeyRecord): Promise<void> {
  await tx.delete(GLOBAL, KIND_ACCESS_KEY, rec.accessKeyId);
  if (rec.owner.type === 'root') {
    const ids = (await tx.get<string[]>(rec.accountId, 'root.accessKeys', 'ids')) ?? [];
    await tx.put(rec.accountId, 'root.accessKeys', 'ids', ids.filter((i) => i !== rec.accessKeyId));
  }
}

export function makeKey(accountId: string, owner: KeyOwner, now: Date, given?: NewCredentials): AccessKeyRecord {
  return {
    accessKeyId: given?.accessKeyId ?? newAccessKeyId(accountId),
    secretAccessKey: given?.secretAccessKey ?? newSecretAccessKey(),
    accountId,
    owner,
    status: 'Active',
    createDate: now.toISOString(),
  };
}

/**
 * Creates an account with one root access key. `accountId` and `rootKey` may be given (e.g. from
 * NIMBUS_ACCOUNT_ID / NIMBUS_ROOT_ACCESS_KEY_ID for reproducible set-ups); otherwise generated.
 */
export async function createAccount(
  tx: WriteTx,
  opts: { now: Date; name?: string; accountId?: string; rootKey?: NewCredentials; makeDefault?: boolean },
): Promise<{ account: AccountRecord; rootKey: AccessKeyRecord }> {
  let accountId = opts.accountId;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new Error(`an account id has 12 digits: ${accountId}`);
  for (let i = 0; accountId === undefined && i < 10; i++) {
    const candidate = newAccountId();
    if (!(await getAccount(tx, candidate))) accountId = candidate;
  }
  if (accountId === undefined) throw new Error('could not allocate an account id');
  const account: AccountRecord = { accountId, name: opts.name ?? `account-${accountId}`, createdAt: opts.now.toISOString() };
  if (!(await tx.insert(GLOBAL, KIND_ACCOUNT, accountId, account))) throw new Error(`account ${accountId} already exists`);
  if (opts.rootKey && (await getAccessKey(tx, opts.rootKey.accessKeyId))) throw new Error(`access key ${opts.rootKey.accessKeyId} already exists`);
  const rootKey = makeKey(accountId, { type: 'root' }, opts.now, opts.rootKey);
  await putAccessKey(tx, rootKey);
  if (opts.makeDefault || !(await getDefaultAccountId(tx))) await tx.put(GLOBAL, KIND_SETTING, 'defaultAccount', accountId);
  return { account, rootKey };
}

/** On first start: the default account, created once. Returns it and whether it was just made. */
export async function ensureDefaultAccount(
  tx: WriteTx,
  now: Date,
  seed: { accountId?: string; rootKey?: NewCredentials } = {},
): Promise<{ account: AccountRecord; rootKeys: AccessKeyRecord[]; created: boolean }> {
  const existing = await getDefaultAccountId(tx);
  if (existing) {
    const account = (await getAccount(tx, existing))!;
    return { account, rootKeys: await listRootKeys(tx, existing), created: false };
  }
  const { account, rootKey } = await createAccount(tx, { now, name: 'default', ...seed, makeDefault: true });
  return { account, rootKeys: [rootKey], created: true };
}
