/**
 * The IAM credential report: GenerateCredentialReport and GetCredentialReport.
 *
 * The report is a CSV of the account's users and the state of their credentials, in the columns
 * and order of the IAM User Guide ("Getting credential reports for your AWS account"), rendered as
 * AWS renders it (compared with reports downloaded from AWS):
 * - a header line, then `<root_account>` (the account root user), then one line per user in name
 *   order; lines end with `\n`, the last one without;
 * - booleans are lower-case `true`/`false` (the guide writes TRUE/FALSE; the files say `true`);
 * - timestamps are ISO 8601 to the second with an explicit offset: `2017-06-10T02:35:07+00:00`;
 * - `N/A` where a value does not apply (no password, no such key, a key never used),
 *   `no_information` for a password never used to sign in, `not_supported` for the root user's
 *   password_enabled, password_last_changed and password_next_rotation.
 *
 * Storage (account scope): `iam.credentialReport` key `current` -> { GeneratedTime, Content }.
 *
 * Fidelity notes:
 * - "You can generate a credential report as often as once every four hours. When you request a
 *   report, IAM first checks whether a report for the AWS account has been generated within the past
 *   four hours. If so, the most recent report is downloaded." GenerateCredentialReport therefore
 *   answers COMPLETE while the report is younger than four hours, and otherwise builds a new one and
 *   answers STARTED (the first time with AWS's Description "No report exists. Starting a new report
 *   generation task"). GetCredentialReport answers ReportNotPresent (410) before any report and
 *   ReportExpired (410) once the report is four hours old, as the API reference lists.
 * - access_key_N: the user's keys in creation order (key 1 the older). last_rotated is the key's
 *   creation date (keys cannot be re-keyed); an Inactive key keeps its date, with active `false`.
 *   last_used_* come from the pipeline's record of key use (GetAccessKeyLastUsed's data).
 *   last_used_region is `N/A` when the last used service is not region-specific: the guide names
 *   Amazon S3; IAM requests are recorded in us-east-1, as GetAccessKeyLastUsed reports them.
 * - password_next_rotation: the current password's set date plus the password policy's
 *   MaxPasswordAge, when the policy has one and the user a password; otherwise `N/A`.
 * - mfa_active: the user has an MFA device assigned. The root user's devices can only be managed in
 *   the console, which Nimbus does not have yet: `false`.
 * - A field holding a comma or a quote (IAM names may contain commas) is quoted as RFC 4180 says.
 *
 * Gaps: generation is instantaneous, so ReportInProgress never happens. password_last_used reads
 * the login profile's `PasswordLastUsed` when the console records it; until then a password is
 * `no_information`. Signing certificates are not modelled: cert_N are `false` / `N/A`.
 */
import { GLOBAL, getAccount, listRootKeys, getAccessKey, type AccessKeyRecord } from '../../accounts/accounts.js';
import type { ReadTx } from '../../store/types.js';
import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  type IamHandlers,
} from '../../generated/iam.js';
import { KIND_ACCESS_KEY_LAST_USED, KIND_USER, KIND_USER_KEY, userKey, type AccessKeyLastUsedRecord, type UserRecord } from './state.js';
import { getLoginProfile, type LoginProfileRecord } from './login-profiles.js';
import { getPasswordPolicy, type PasswordPolicyRecord } from './account.js';
import { KIND_USER_MFA_DEVICE } from './mfa.js';

export const KIND_CREDENTIAL_REPORT = 'iam.credentialReport';
const REPORT_KEY = 'current';

/** How long a report is served and reused: four hours. */
export const REPORT_TTL_MS = 4 * 3_600_000;

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export type CredentialReportColumn = (typeof CREDENTIAL_REPORT_COLUMNS)[number];
export type CredentialReportRow = Record<CredentialReportColumn, string>;

export interface CredentialReportRecord {
  GeneratedTime: string;
  Content: string;
}

const NA = 'N/A';
const NO_INFORMATION = 'no_information';
const NOT_SUPPORTED = 'not_supported';
/** Services whose key use the report shows without a region (the guide's example: Amazon S3). */
const REGIONLESS_SERVICES = new Set(['s3']);

/** A timestamp as the credential report writes it: `2017-06-10T02:35:07+00:00`. */
export function reportTimestamp(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const bool = (b: boolean) => (b ? 'true' : 'false');

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The report's CSV text: the header, then each row, `\n`-separated, no newline after the last row. */
export function renderCredentialReport(rows: readonly CredentialReportRow[]): string {
  const lines = [CREDENTIAL_REPORT_COLUMNS.join(',')];
  for (const r of rows) lines.push(CREDENTIAL_REPORT_COLUMNS.map((c) => csvField(r[c])).join(','));
  return lines.join('\n');
}

/** The access_key_N_* columns of one key (or of none). */
export function keyColumns(n: 1 | 2, key: AccessKeyRecord | undefined, used: AccessKeyLastUsedRecord | undefined): Partial<CredentialReportRow> {
  const p = `access_key_${n}` as const;
  const out: Record<string, string> = {
    [`${p}_active`]: bool(key?.status === 'Active'),
    [`${p}_last_rotated`]: key ? reportTimestamp(key.createDate) : NA,
    [`${p}_last_used_date`]: NA,
    [`${p}_last_used_region`]: NA,
    [`${p}_last_used_service`]: NA,
  };
  if (key && used) {
    out[`${p}_last_used_date`] = reportTimestamp(used.LastUsedDate);
    out[`${p}_last_used_region`] = REGIONLESS_SERVICES.has(used.ServiceName) || !used.Region ? NA : used.Region;
    out[`${p}_last_used_service`] = used.ServiceName || NA;
  }
  return out as Partial<CredentialReportRow>;
}

const NO_CERTS = { cert_1_active: 'false', cert_1_last_rotated: NA, cert_2_active: 'false', cert_2_last_rotated: NA };

/** The user's row, from what the store holds about its credentials. */
export function userRow(
  u: UserRecord,
  facts: {
    profile?: LoginProfileRecord & { PasswordLastUsed?: string };
    policy?: PasswordPolicyRecord;
    mfa: boolean;
    keys: Array<{ key: AccessKeyRecord; used?: AccessKeyLastUsedRecord }>;
  },
): CredentialReportRow {
  const { profile, policy } = facts;
  const [k1, k2] = [...facts.keys].sort((a, b) => a.key.createDate.localeCompare(b.key.createDate));
  let nextRotation = NA;
  if (profile && policy?.MaxPasswordAge) {
    nextRotation = reportTimestamp(new Date(Date.parse(profile.PasswordSetDate) + policy.MaxPasswordAge * 86_400_000));
  }
  return {
    user: u.UserName,
    arn: u.Arn,
    user_creation_time: reportTimestamp(u.CreateDate),
    password_enabled: bool(profile !== undefined),
    password_last_used: profile ? (profile.PasswordLastUsed ? reportTimestamp(profile.PasswordLastUsed) : NO_INFORMATION) : NA,
    password_last_changed: profile ? reportTimestamp(profile.PasswordSetDate) : NA,
    password_next_rotation: nextRotation,
    mfa_active: bool(facts.mfa),
    ...(keyColumns(1, k1?.key, k1?.used) as object),
    ...(keyColumns(2, k2?.key, k2?.used) as object),
    ...NO_CERTS,
  } as CredentialReportRow;
}

/** The `<root_account>` row. */
export function rootRow(
  accountId: string,
  createdAt: string,
  keys: Array<{ key: AccessKeyRecord; used?: AccessKeyLastUsedRecord }>,
  opts: { passwordLastUsed?: string; mfa?: boolean } = {},
): CredentialReportRow {
  const [k1, k2] = [...keys].sort((a, b) => a.key.createDate.localeCompare(b.key.createDate));
  return {
    user: '<root_account>',
    arn: `arn:aws:iam::${accountId}:root`,
    user_creation_time: reportTimestamp(createdAt),
    password_enabled: NOT_SUPPORTED,
    password_last_used: opts.passwordLastUsed ? reportTimestamp(opts.passwordLastUsed) : NO_INFORMATION,
    password_last_changed: NOT_SUPPORTED,
    password_next_rotation: NOT_SUPPORTED,
    mfa_active: bool(opts.mfa === true),
    ...(keyColumns(1, k1?.key, k1?.used) as object),
    ...(keyColumns(2, k2?.key, k2?.used) as object),
    ...NO_CERTS,
  } as CredentialReportRow;
}

async function withUse(tx: ReadTx, keys: AccessKeyRecord[]): Promise<Array<{ key: AccessKeyRecord; used?: AccessKeyLastUsedRecord }>> {
  const out: Array<{ key: AccessKeyRecord; used?: AccessKeyLastUsedRecord }> = [];
  for (const key of keys) out.push({ key, used: await tx.get<AccessKeyLastUsedRecord>(GLOBAL, KIND_ACCESS_KEY_LAST_USED, key.accessKeyId) });
  return out;
}

/** Builds the account's credential report as of now (CSV text). */
export async function buildCredentialReport(tx: ReadTx, accountId: string, now: Date): Promise<string> {
  const account = await getAccount(tx, accountId);
  const rootKeys = (await listRootKeys(tx, accountId)).filter((k) => k.sessionToken === undefined);
  const rows: CredentialReportRow[] = [rootRow(accountId, account?.createdAt ?? now.toISOString(), await withUse(tx, rootKeys))];
  const policy = await getPasswordPolicy(tx, accountId);
  let startAfter: string | undefined;
  for (;;) {
    const chunk = await tx.list<UserRecord>(accountId, KIND_USER, { startAfter, limit: 200 });
    for (const { value: u } of chunk) {
      const k = userKey(u.UserName);
      const keys: AccessKeyRecord[] = [];
      for (const e of await tx.list<{ accessKeyId: string }>(accountId, KIND_USER_KEY, { prefix: `${k}/` })) {
        const rec = await getAccessKey(tx, e.value.accessKeyId);
        if (rec) keys.push(rec);
      }
      rows.push(
        userRow(u, {
          profile: await getLoginProfile(tx, accountId, u.UserName),
          policy,
          mfa: (await tx.count(accountId, KIND_USER_MFA_DEVICE, { prefix: `${k}/` })) > 0,
          keys: await withUse(tx, keys),
        }),
      );
    }
    if (chunk.length < 200) break;
    startAfter = chunk[chunk.length - 1]!.key;
  }
  return renderCredentialReport(rows);
}

export const credentialReportHandlers: IamHandlers = {
  async GenerateCredentialReport(_input, ctx) {
    const existing = await ctx.tx.get<CredentialReportRecord>(ctx.accountId, KIND_CREDENTIAL_REPORT, REPORT_KEY);
    if (existing && ctx.now.getTime() - Date.parse(existing.GeneratedTime) < REPORT_TTL_MS) return { State: 'COMPLETE' };
    const rec: CredentialReportRecord = { GeneratedTime: ctx.now.toISOString(), Content: await buildCredentialReport(ctx.tx, ctx.accountId, ctx.now) };
    await ctx.tx.put(ctx.accountId, KIND_CREDENTIAL_REPORT, REPORT_KEY, rec);
    return existing ? { State: 'STARTED' } : { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
  },

  async GetCredentialReport(_input, ctx) {
    const rec = await ctx.tx.get<CredentialReportRecord>(ctx.accountId, KIND_CREDENTIAL_REPORT, REPORT_KEY);
    if (!rec) {
      throw new CredentialReportNotPresentException(
        'The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.',
      );
    }
    if (ctx.now.getTime() - Date.parse(rec.GeneratedTime) >= REPORT_TTL_MS) {
      throw new CredentialReportExpiredException(
        'The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.',
      );
    }
    return { Content: Buffer.from(rec.Content, 'utf8'), ReportFormat: 'text/csv', GeneratedTime: new Date(rec.GeneratedTime) };
  },
};
