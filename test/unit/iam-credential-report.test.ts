/**
 * The credential report's CSV below the wire: AWS's timestamp form, the column order, the
 * `<root_account>` row, N/A / no_information / not_supported, key ordering and CSV quoting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessKeyRecord } from '../../src/accounts/accounts.js';
import type { UserRecord } from '../../src/services/iam/state.js';
import type { LoginProfileRecord } from '../../src/services/iam/login-profiles.js';
import {
  CREDENTIAL_REPORT_COLUMNS,
  keyColumns,
  renderCredentialReport,
  reportTimestamp,
  rootRow,
  userRow,
} from '../../src/services/iam/credential-report.js';

const ACCT = '123456789012';

function key(id: string, createDate: string, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord {
  return { accessKeyId: id, secretAccessKey: 's', accountId: ACCT, owner: { type: 'user', userName: 'u', userId: 'AIDAX' }, status, createDate } as AccessKeyRecord;
}

const user: UserRecord = { UserName: 'alice', UserId: 'AIDAEXAMPLE', Arn: `arn:aws:iam::${ACCT}:user/alice`, Path: '/', CreateDate: '2024-01-02T03:04:05.678Z' };

test('timestamps are ISO 8601 to the second with +00:00', () => {
  assert.equal(reportTimestamp('2017-06-10T02:35:07.123Z'), '2017-06-10T02:35:07+00:00');
  assert.equal(reportTimestamp(new Date(Date.UTC(2020, 0, 1))), '2020-01-01T00:00:00+00:00');
});

test('the header is AWS\'s 22 columns in order; rows are \\n-separated with no trailing newline', () => {
  assert.equal(CREDENTIAL_REPORT_COLUMNS.length, 22);
  const csv = renderCredentialReport([rootRow(ACCT, '2015-03-03T23:54:48.000Z', [])]);
  assert.equal(
    csv,
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
      'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
      'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
      'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n' +
      `<root_account>,arn:aws:iam::${ACCT}:root,2015-03-03T23:54:48+00:00,not_supported,no_information,not_supported,not_supported,false,` +
      'false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  );
});

test('a user without credentials: false and N/A everywhere', () => {
  const row = userRow(user, { mfa: false, keys: [] });
  assert.equal(
    renderCredentialReport([row]).split('\n')[1],
    `alice,arn:aws:iam::${ACCT}:user/alice,2024-01-02T03:04:05+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  );
});

test('password columns: no_information until used, next rotation from MaxPasswordAge, N/A without a policy age', () => {
  const profile: LoginProfileRecord = { UserName: 'alice', CreateDate: '2024-02-01T00:00:00.000Z', PasswordResetRequired: false, PasswordSetDate: '2024-03-01T10:00:00.000Z', hashes: [] };
  const policy = { MinimumPasswordLength: 8, RequireSymbols: false, RequireNumbers: false, RequireUppercaseCharacters: false, RequireLowercaseCharacters: false, AllowUsersToChangePassword: false };
  let row = userRow(user, { profile, policy: { ...policy, MaxPasswordAge: 30 }, mfa: true, keys: [] });
  assert.equal(row.password_enabled, 'true');
  assert.equal(row.password_last_used, 'no_information');
  assert.equal(row.password_last_changed, '2024-03-01T10:00:00+00:00');
  assert.equal(row.password_next_rotation, '2024-03-31T10:00:00+00:00');
  assert.equal(row.mfa_active, 'true');
  row = userRow(user, { profile: { ...profile, PasswordLastUsed: '2024-04-01T08:09:10.000Z' }, policy, mfa: false, keys: [] });
  assert.equal(row.password_last_used, '2024-04-01T08:09:10+00:00');
  assert.equal(row.password_next_rotation, 'N/A');
});

test('access keys: the older is key 1; an inactive key keeps its date; last use from the record, S3 without a region', () => {
  const older = key('AKIAOLDER', '2024-01-01T00:00:00.000Z', 'Inactive');
  const newer = key('AKIANEWER', '2024-05-05T05:05:05.000Z');
  const row = userRow(user, {
    mfa: false,
    keys: [
      { key: newer, used: { LastUsedDate: '2024-06-01T12:00:00.000Z', ServiceName: 'ec2', Region: 'eu-west-1' } },
      { key: older },
    ],
  });
  assert.equal(row.access_key_1_active, 'false');
  assert.equal(row.access_key_1_last_rotated, '2024-01-01T00:00:00+00:00');
  assert.equal(row.access_key_1_last_used_date, 'N/A');
  assert.equal(row.access_key_2_active, 'true');
  assert.equal(row.access_key_2_last_used_date, '2024-06-01T12:00:00+00:00');
  assert.equal(row.access_key_2_last_used_region, 'eu-west-1');
  assert.equal(row.access_key_2_last_used_service, 'ec2');
  const s3 = keyColumns(1, newer, { LastUsedDate: '2024-06-01T12:00:00.000Z', ServiceName: 's3', Region: 'us-west-2' });
  assert.equal(s3.access_key_1_last_used_region, 'N/A');
  assert.equal(s3.access_key_1_last_used_service, 's3');
});

test('a field with a comma is quoted (IAM user names may contain commas)', () => {
  const row = userRow({ ...user, UserName: 'a,b', Arn: `arn:aws:iam::${ACCT}:user/a,b` }, { mfa: false, keys: [] });
  assert.ok(renderCredentialReport([row]).split('\n')[1]!.startsWith(`"a,b","arn:aws:iam::${ACCT}:user/a,b",`));
});
