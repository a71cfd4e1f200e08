/**
 * IAM login profiles: a user's console password (CreateLoginProfile, GetLoginProfile,
 * UpdateLoginProfile, DeleteLoginProfile, ChangePassword), the account password policy enforced on
 * every password set, and the console sign-in check the web console will call.
 *
 * Storage (account scope): `iam.loginProfile`, key = lower-cased user name -> LoginProfileRecord.
 * Only salted scrypt hashes are kept (`scrypt$N$r$p$<salt b64>$<hash b64>`): `hashes[0]` is the
 * current password, followed by earlier ones, newest first, as many as PasswordReusePrevention can
 * ever ask for (24).
 *
 * Fidelity notes:
 * - With no account password policy, AWS's default rules apply (IAM User Guide, "Set an account
 *   password policy for IAM users"): 8 to 128 characters, at least three of uppercase, lowercase,
 *   numbers and the symbols ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ', and not identical to the
 *   account name (Nimbus accounts have no e-mail address). With a policy, exactly its rules apply.
 * - A password that breaks the rules answers PasswordPolicyViolation "Password does not conform to
 *   the account password policy." (AWS's text, as CloudFormation and Ansible report it). One of the
 *   last PasswordReusePrevention passwords (the current one included) answers PasswordPolicyViolation
 *   "Policy constraint violation with password reuse prevention during password change.".
 *   The rules apply to every password set: CreateLoginProfile, UpdateLoginProfile and ChangePassword.
 * - Errors: "Login Profile for user X already exists." (EntityAlreadyExists), "Login Profile for User X
 *   cannot be found." (NoSuchEntity), DeleteUser's "Cannot delete entity, must delete login profile first."
 * - CreateDate is the date the first password was created; later UpdateLoginProfile/ChangePassword keep it.
 * - ChangePassword is for IAM users only: the root user (and role sessions) get InvalidUserType, as the
 *   AWS CLI reference documents. A wrong OldPassword answers AccessDenied "The old password was
 *   incorrect." (AWS does not document this text). Success clears PasswordResetRequired.
 * - HardExpiry only limits the console (the API's ChangePassword still works for an expired password,
 *   as the IAM API Reference says); the console reads it from the policy.
 *
 * Gaps: CreateLoginProfile/GetLoginProfile/DeleteLoginProfile for the root user (AssumeRoot sessions);
 * GetUser's PasswordLastUsed; EntityTemporarilyUnmodifiable never happens (changes apply at once).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import type { ReadTx, WriteTx } from '../../store/types.js';
import { getAccount } from '../../accounts/accounts.js';
import { getPasswordPolicy, type PasswordPolicyRecord } from './account.js';
import { getUser, userKey, type UserRecord } from './state.js';
import {
  EntityAlreadyExistsException,
  InvalidUserTypeException,
  NoSuchEntityException,
  PasswordPolicyViolationException,
  type IamHandlers,
  type LoginProfile,
} from '../../generated/iam.js';

export const KIND_LOGIN_PROFILE = 'iam.loginProfile';

/** The largest PasswordReusePrevention AWS accepts: how many hashes a profile keeps. */
export const MAX_PASSWORD_HISTORY = 24;

export interface LoginProfileRecord {
  UserName: string;
  /** When the first password was created (GetLoginProfile's CreateDate). */
  CreateDate: string;
  PasswordResetRequired: boolean;
  /** When the current password was set (for MaxPasswordAge). */
  PasswordSetDate: string;
  /** `hashes[0]` is the current password; then earlier ones, newest first. */
  hashes: string[];
}

// ---------------------------------------------------------------------------------------------
// Password hashing (node:crypto scrypt)

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A salted scrypt hash of the password: `scrypt$N$r$p$<salt>$<hash>` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = SCRYPT;
  const key = await scrypt(password, salt, keylen, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether the password matches a hash made by hashPassword (constant-time comparison). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// ---------------------------------------------------------------------------------------------
// The password rules

/** The symbols AWS counts as non-alphanumeric in passwords (UpdateAccountPasswordPolicy, RequireSymbols). */
const SYMBOLS = "!@#$%^&*()_+-=[]{}|'";

export const POLICY_VIOLATION = 'Password does not conform to the account password policy.';
export const REUSE_VIOLATION = 'Policy constraint violation with password reuse prevention during password change.';

const hasUpper = (s: string) => /[A-Z]/.test(s);
const hasLower = (s: string) => /[a-z]/.test(s);
const hasNumber = (s: string) => /[0-9]/.test(s);
const hasSymbol = (s: string) => [...s].some((c) => SYMBOLS.includes(c));

/**
 * Whether a password satisfies the account's policy or, with none, AWS's default rules (8..128
 * characters, three of the four character types, not the account name).
 */
export function passwordConforms(password: string, policy: PasswordPolicyRecord | undefined, accountName?: string): boolean {
  if (password.length > 128) return false;
  if (!policy) {
    if (password.length < 8) return false;
    const types = [hasUpper, hasLower, hasNumber, hasSymbol].filter((f) => f(password)).length;
    if (types < 3) return false;
    return accountName === undefined || password !== accountName;
  }
  if (password.length < policy.MinimumPasswordLength) return false;
  if (policy.RequireUppercaseCharacters && !hasUpper(password)) return false;
  if (policy.RequireLowercaseCharacters && !hasLower(password)) return false;
  if (policy.RequireNumbers && !hasNumber(password)) return false;
  if (policy.RequireSymbols && !hasSymbol(password)) return false;
  return true;
}

/** Whether a password set at `setDate` has outlived the policy's MaxPasswordAge at `now`. */
export function passwordExpired(setDate: string, policy: PasswordPolicyRecord | undefined, now: Date): boolean {
  if (!policy?.MaxPasswordAge) return false;
  return now.getTime() - Date.parse(setDate) >= policy.MaxPasswordAge * 86_400_000;
}

/**
 * Checks a new password against the account's rules and the profile's history, and answers the
 * hashes the profile keeps once it is set. Throws PasswordPolicyViolation.
 */
async function acceptNewPassword(tx: ReadTx, accountId: string, password: string, previous: string[]): Promise<string[]> {
  const policy = await getPasswordPolicy(tx, accountId);
  const accountName = policy ? undefined : (await getAccount(tx, accountId))?.name;
  if (!passwordConforms(password, policy, accountName)) throw new PasswordPolicyViolationException(POLICY_VIOLATION);
  const reuse = policy?.PasswordReusePrevention ?? 0;
  if (reuse > 0) {
    const recent = previous.slice(0, reuse);
    const matches = await Promise.all(recent.map((h) => verifyPassword(password, h)));
    if (matches.some(Boolean)) throw new PasswordPolicyViolationException(REUSE_VIOLATION);
  }
  return [await hashPassword(password), ...previous].slice(0, MAX_PASSWORD_HISTORY);
}

// ---------------------------------------------------------------------------------------------
// Exports for other IAM areas and the console

export async function getLoginProfile(tx: ReadTx, accountId: string, userName: string): Promise<LoginProfileRecord | undefined> {
  return tx.get<LoginProfileRecord>(accountId, KIND_LOGIN_PROFILE, userKey(userName));
}

/** DeleteUser's check: AWS's DeleteConflict text while the user still has a console password. */
export async function userBlockers(tx: ReadTx, accountId: string, user: UserRecord): Promise<string | undefined> {
  return (await getLoginProfile(tx, accountId, user.UserName)) ? 'Cannot delete entity, must delete login profile first.' : undefined;
}

/** For UpdateUser (NewUserName): moves the user's login profile to the new name. */
export async function renameUserLoginProfile(tx: WriteTx, accountId: string, oldName: string, newName: string): Promise<void> {
  const p = await getLoginProfile(tx, accountId, oldName);
  if (!p) return;
  await tx.delete(accountId, KIND_LOGIN_PROFILE, userKey(oldName));
  await tx.put(accountId, KIND_LOGIN_PROFILE, userKey(newName), { ...p, UserName: newName });
}

/**
 * Whether the account's password policy lets every IAM user change their own password
 * (AllowUsersToChangePassword: IAM then allows iam:ChangePassword on the user itself, with no policy).
 */
export async function usersMayChangeOwnPassword(tx: ReadTx, accountId: string): Promise<boolean> {
  return (await getPasswordPolicy(tx, accountId))?.AllowUsersToChangePassword === true;
}

export type ConsolePasswordCheck =
  | { ok: true; passwordResetRequired: boolean; expired: boolean }
  | { ok: false; reason: 'no-user' | 'no-login-profile' | 'wrong-password' };

/**
 * The console sign-in check: the user's password against its login profile. `expired` follows the
 * account's MaxPasswordAge (the console then asks for a new password, or, with HardExpiry, refuses);
 * `passwordResetRequired` asks the console to make the user choose a new password first.
 */
export async function checkConsolePassword(
  tx: ReadTx,
  accountId: string,
  userName: string,
  password: string,
  now: Date,
): Promise<ConsolePasswordCheck> {
  const user = await getUser(tx, accountId, userName);
  if (!user) return { ok: false, reason: 'no-user' };
  const profile = await getLoginProfile(tx, accountId, user.UserName);
  if (!profile) return { ok: false, reason: 'no-login-profile' };
  if (!profile.hashes[0] || !(await verifyPassword(password, profile.hashes[0]))) return { ok: false, reason: 'wrong-password' };
  // TODO(MFA): when the user has an MFA device, sign-in also needs a code: the console checks it with
  // mfa.ts's `checkMfaCode(tx, accountId, serial, code, now, userName)` (a write: it records the step
  // against replay) after this check succeeds, and only then signs the user in.
  const policy = await getPasswordPolicy(tx, accountId);
  return { ok: true, passwordResetRequired: profile.PasswordResetRequired, expired: passwordExpired(profile.PasswordSetDate, policy, now) };
}

// ---------------------------------------------------------------------------------------------
// Handlers

const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);
const noSuchProfile = (name: string) => new NoSuchEntityException(`Login Profile for User ${name} cannot be found.`);

function profileOut(p: LoginProfileRecord): LoginProfile {
  return { UserName: p.UserName, CreateDate: new Date(p.CreateDate), PasswordResetRequired: p.PasswordResetRequired };
}

/** The user a request names or, when it names none, the calling IAM user. */
async function requireTarget(ctx: HandlerContext, userName: string | undefined): Promise<UserRecord> {
  const name = userName ?? (ctx.principal.type === 'user' ? ctx.principal.name : undefined);
  if (name === undefined) throw new ServiceError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

export const loginProfileHandlers: IamHandlers = {
  async CreateLoginProfile(input, ctx) {
    const u = await requireTarget(ctx, input.UserName);
    if (input.Password === undefined) throw new ServiceError('ValidationError', 'Password is required when creating a login profile for an IAM user.', 400);
    if (await getLoginProfile(ctx.tx, ctx.accountId, u.UserName)) {
      throw new EntityAlreadyExistsException(`Login Profile for user ${u.UserName} already exists.`);
    }
    const rec: LoginProfileRecord = {
      UserName: u.UserName,
      CreateDate: ctx.now.toISOString(),
      PasswordResetRequired: input.PasswordResetRequired ?? false,
      PasswordSetDate: ctx.now.toISOString(),
      hashes: await acceptNewPassword(ctx.tx, ctx.accountId, input.Password, []),
    };
    await ctx.tx.put(ctx.accountId, KIND_LOGIN_PROFILE, userKey(u.UserName), rec);
    return { LoginProfile: profileOut(rec) };
  },

  async GetLoginProfile(input, ctx) {
    const u = await requireTarget(ctx, input.UserName);
    const p = await getLoginProfile(ctx.tx, ctx.accountId, u.UserName);
    if (!p) throw noSuchProfile(u.UserName);
    return { LoginProfile: profileOut(p) };
  },

  async UpdateLoginProfile(input, ctx) {
    const u = await requireTarget(ctx, input.UserName);
    const p = await getLoginProfile(ctx.tx, ctx.accountId, u.UserName);
    if (!p) throw noSuchProfile(u.UserName);
    if (input.Password !== undefined) {
      p.hashes = await acceptNewPassword(ctx.tx, ctx.accountId, input.Password, p.hashes);
      p.PasswordSetDate = ctx.now.toISOString();
    }
    if (input.PasswordResetRequired !== undefined) p.PasswordResetRequired = input.PasswordResetRequired;
    await ctx.tx.put(ctx.accountId, KIND_LOGIN_PROFILE, userKey(u.UserName), p);
  },

  async DeleteLoginProfile(input, ctx) {
    const u = await requireTarget(ctx, input.UserName);
    if (!(await ctx.tx.delete(ctx.accountId, KIND_LOGIN_PROFILE, userKey(u.UserName)))) throw noSuchProfile(u.UserName);
  },

  async ChangePassword(input, ctx) {
    if (ctx.principal.type !== 'user') throw new InvalidUserTypeException('Only IAM Users can change their own password.');
    const u = await getUser(ctx.tx, ctx.accountId, ctx.principal.name);
    if (!u) throw noSuchUser(ctx.principal.name);
    const p = await getLoginProfile(ctx.tx, ctx.accountId, u.UserName);
    if (!p) throw noSuchProfile(u.UserName);
    if (!p.hashes[0] || !(await verifyPassword(input.OldPassword, p.hashes[0]))) {
      throw new ServiceError('AccessDenied', 'The old password was incorrect.', 403);
    }
    p.hashes = await acceptNewPassword(ctx.tx, ctx.accountId, input.NewPassword, p.hashes);
    p.PasswordSetDate = ctx.now.toISOString();
    p.PasswordResetRequired = false;
    await ctx.tx.put(ctx.accountId, KIND_LOGIN_PROFILE, userKey(u.UserName), p);
  },
};
