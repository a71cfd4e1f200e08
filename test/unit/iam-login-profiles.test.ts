/**
 * Login profiles below the wire: the password rules (AWS's defaults and the account policy), password
 * hashing, expiry, the console sign-in check, and the hourly access-key last-use record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import type { Store, WriteTx } from '../../src/store/types.js';
import type { HandlerContext, Principal } from '../../src/gateway/context.js';
import { createAccount, GLOBAL as GLOBAL_SCOPE } from '../../src/accounts/accounts.js';
import { userHandlers, recordAccessKeyUse } from '../../src/services/iam/users.js';
import { accountHandlers, type PasswordPolicyRecord } from '../../src/services/iam/account.js';
import { KIND_ACCESS_KEY_LAST_USED } from '../../src/services/iam/state.js';
import {
  checkConsolePassword,
  getLoginProfile,
  hashPassword,
  loginProfileHandlers,
  passwordConforms,
  passwordExpired,
  verifyPassword,
} from '../../src/services/iam/login-profiles.js';

const POLICY: PasswordPolicyRecord = {
  MinimumPasswordLength: 6,
  RequireSymbols: false,
  RequireNumbers: false,
  RequireUppercaseCharacters: false,
  RequireLowercaseCharacters: false,
  AllowUsersToChangePassword: false,
};

test("AWS's default rules: 8..128 characters, three of four character types, not the account name", () => {
  assert.equal(passwordConforms('Abcdef1', undefined), false); // 7 characters
  assert.equal(passwordConforms('Abcdefg1', undefined), true); // upper, lower, digit
  assert.equal(passwordConforms('abcdefg!1', undefined), true); // lower, symbol, digit
  assert.equal(passwordConforms('abcdefgh1', undefined), false); // two types
  assert.equal(passwordConforms('ABCDEFGH!', undefined), false); // two types
  assert.equal(passwordConforms('abcdefg~1', undefined), false); // `~` is not one of AWS's symbols
  assert.equal(passwordConforms('Acme-Prod-1', undefined, 'Acme-Prod-1'), false);
  assert.equal(passwordConforms('Acme-Prod-1', undefined, 'other'), true);
  assert.equal(passwordConforms('Aa1' + 'x'.repeat(126), undefined), false); // 129 characters
});

test('an account policy replaces the defaults: exactly its rules apply', () => {
  assert.equal(passwordConforms('aaaaaa', POLICY), true); // the defaults would refuse it
  assert.equal(passwordConforms('aaaaa', POLICY), false);
  const strict = { ...POLICY, MinimumPasswordLength: 10, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true };
  assert.equal(passwordConforms('Abcdefgh1!', strict), true);
  assert.equal(passwordConforms('Abcdefg1!', strict), false);
  assert.equal(passwordConforms('abcdefgh1!', strict), false);
  assert.equal(passwordConforms('ABCDEFGH1!', strict), false);
  assert.equal(passwordConforms('Abcdefghi!', strict), false);
  assert.equal(passwordConforms('Abcdefghi1', strict), false);
  for (const sym of "!@#$%^&*()_+-=[]{}|'") assert.equal(passwordConforms(`Abcdefgh1${sym}`, strict), true, sym);
  assert.equal(passwordConforms('Abcdefgh1?', strict), false);
});

test('MaxPasswordAge: expired once the age is reached; never without MaxPasswordAge', () => {
  const set = '2026-01-01T00:00:00.000Z';
  const day = 86_400_000;
  assert.equal(passwordExpired(set, undefined, new Date(Date.parse(set) + 5000 * day)), false);
  assert.equal(passwordExpired(set, POLICY, new Date(Date.parse(set) + 5000 * day)), false);
  const p = { ...POLICY, MaxPasswordAge: 90 };
  assert.equal(passwordExpired(set, p, new Date(Date.parse(set) + 90 * day - 1)), false);
  assert.equal(passwordExpired(set, p, new Date(Date.parse(set) + 90 * day)), true);
});

test('hashes are salted scrypt; verification is exact', async () => {
  const a = await hashPassword('Secr3t!pw');
  const b = await hashPassword('Secr3t!pw');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b);
  assert.equal(a.includes('Secr3t'), false);
  assert.equal(await verifyPassword('Secr3t!pw', a), true);
  assert.equal(await verifyPassword('Secr3t!pw', b), true);
  assert.equal(await verifyPassword('secr3t!pw', a), false);
  assert.equal(await verifyPassword('Secr3t!pw', 'garbage'), false);
});

// ---------------------------------------------------------------------------------------------

async function setup(): Promise<{ store: Store; accountId: string; call: <T>(fn: (ctx: HandlerContext) => Promise<T>, now?: Date, principal?: Principal) => Promise<T> }> {
  const store = await openStore({ inMemory: true });
  const { account, rootKey } = await store.write((tx) => createAccount(tx, { now: new Date() }));
  const accountId = account.accountId;
  const root: Principal = { type: 'root', accountId, arn: `arn:aws:iam::${accountId}:root`, userId: accountId, name: accountId, accessKeyId: rootKey.accessKeyId };
  const call = <T>(fn: (ctx: HandlerContext) => Promise<T>, now = new Date('2026-01-01T00:00:00Z'), principal = root) =>
    store.write((tx) => fn({ requestId: 'r', now, region: 'us-east-1', accountId, principal, tx, readTx: tx }));
  return { store, accountId, call };
}

test('checkConsolePassword: no user, no login profile, wrong password, then success with the reset flag and expiry', async () => {
  const { store, accountId, call } = await setup();
  const check = (user: string, pw: string, now = new Date('2026-01-01T00:00:00Z')) =>
    store.read((tx) => checkConsolePassword(tx, accountId, user, pw, now));

  assert.deepEqual(await check('uma', 'x'), { ok: false, reason: 'no-user' });
  await call((ctx) => userHandlers.CreateUser!({ UserName: 'Uma' }, ctx));
  assert.deepEqual(await check('uma', 'x'), { ok: false, reason: 'no-login-profile' });
  await call((ctx) => loginProfileHandlers.CreateLoginProfile!({ UserName: 'uma', Password: 'Sign-1n-pw', PasswordResetRequired: true }, ctx));
  assert.deepEqual(await check('UMA', 'sign-1n-pw'), { ok: false, reason: 'wrong-password' });
  assert.deepEqual(await check('UMA', 'Sign-1n-pw'), { ok: true, passwordResetRequired: true, expired: false });

  // Only hashes are stored, never the password itself.
  const rec = await store.read((tx) => getLoginProfile(tx, accountId, 'uma'));
  assert.equal(rec?.UserName, 'Uma');
  assert.equal(JSON.stringify(rec).includes('Sign-1n-pw'), false);
  assert.equal(rec?.hashes.length, 1);

  // With MaxPasswordAge the password expires; a new one (set later) does not.
  await call((ctx) => accountHandlers.UpdateAccountPasswordPolicy!({ MaxPasswordAge: 10 }, ctx));
  assert.deepEqual(await check('uma', 'Sign-1n-pw', new Date('2026-01-11T00:00:00Z')), { ok: true, passwordResetRequired: true, expired: true });
  await call(
    (ctx) => loginProfileHandlers.UpdateLoginProfile!({ UserName: 'uma', Password: 'Sec0nd-pw', PasswordResetRequired: false }, ctx),
    new Date('2026-01-11T00:00:00Z'),
  );
  assert.deepEqual(await check('uma', 'Sec0nd-pw', new Date('2026-01-12T00:00:00Z')), { ok: true, passwordResetRequired: false, expired: false });
  assert.deepEqual(await check('uma', 'Sign-1n-pw', new Date('2026-01-12T00:00:00Z')), { ok: false, reason: 'wrong-password' });
  // The previous password stays in the history for PasswordReusePrevention.
  assert.equal((await store.read((tx) => getLoginProfile(tx, accountId, 'uma')))?.hashes.length, 2);
  await store.close();
});

test('recordAccessKeyUse writes at most once an hour per key, service and region; temporary keys are not tracked', async () => {
  const { store } = await setup();
  let puts = 0;
  const counting = (tx: WriteTx): WriteTx => ({
    ...tx,
    get: (...a) => tx.get(...a),
    list: (...a) => tx.list(...a),
    count: (...a) => tx.count(...a),
    insert: (...a) => tx.insert(...a),
    delete: (...a) => tx.delete(...a),
    put: (...a) => {
      puts++;
      return tx.put(...a);
    },
  });
  const use = (id: string, svc: string, region: string, iso: string) => store.write((tx) => recordAccessKeyUse(counting(tx), id, svc, region, new Date(iso)));
  const get = (id: string) => store.read((tx) => tx.get(GLOBAL_SCOPE, KIND_ACCESS_KEY_LAST_USED, id));

  await use('AKIAEXAMPLE000000001', 'iam', 'us-east-1', '2026-01-01T10:00:00Z');
  await use('AKIAEXAMPLE000000001', 'iam', 'us-east-1', '2026-01-01T10:59:59Z');
  assert.equal(puts, 1);
  assert.deepEqual(await get('AKIAEXAMPLE000000001'), { LastUsedDate: '2026-01-01T10:00:00.000Z', ServiceName: 'iam', Region: 'us-east-1' });
  await use('AKIAEXAMPLE000000001', 'ec2', 'us-east-1', '2026-01-01T10:59:59Z');
  await use('AKIAEXAMPLE000000001', 'ec2', 'eu-west-1', '2026-01-01T10:59:59Z');
  await use('AKIAEXAMPLE000000001', 'ec2', 'eu-west-1', '2026-01-01T11:00:00Z');
  assert.equal(puts, 4);
  assert.deepEqual(await get('AKIAEXAMPLE000000001'), { LastUsedDate: '2026-01-01T11:00:00.000Z', ServiceName: 'ec2', Region: 'eu-west-1' });
  await use('ASIAEXAMPLE000000001', 'iam', 'us-east-1', '2026-01-01T10:00:00Z');
  assert.equal(puts, 4);
  assert.equal(await get('ASIAEXAMPLE000000001'), undefined);
  await store.close();
});
