/**
 * Virtual MFA: the TOTP computation against RFC 6238's vectors (and otpauth's TOTP as an oracle),
 * the ±1-step window, replay protection and the device/user checks of verifyMfaCode.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TOTP, Secret } from 'otpauth';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import {
  KIND_MFA_DEVICE,
  checkMfaCode,
  newSeed,
  totpCode,
  totpStep,
  userBlockers,
  verifyMfaCode,
  type MfaDeviceRecord,
} from '../../src/services/iam/mfa.js';
import type { UserRecord } from '../../src/services/iam/state.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SEED = Secret.fromLatin1('12345678901234567890').base32;
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

test('RFC 6238 SHA-1 test vectors (8 digits), and their 6-digit forms', () => {
  assert.equal(RFC_SEED, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  for (const [t, code] of RFC_VECTORS) {
    const step = totpStep(new Date(t * 1000));
    assert.equal(step, Math.floor(t / 30));
    assert.equal(totpCode(RFC_SEED, step, 8), code, `T=${t}`);
    assert.equal(totpCode(RFC_SEED, step), code.slice(2), `T=${t} (6 digits)`);
  }
});

test('a new seed is 64 Base32 characters and agrees with otpauth as an authenticator app', () => {
  const seed = newSeed();
  assert.match(seed, /^[A-Z2-7]{64}$/);
  assert.notEqual(newSeed(), seed);
  const app = new TOTP({ secret: Secret.fromBase32(seed), algorithm: 'SHA1', digits: 6, period: 30 });
  for (const t of [0, 1_700_000_000_000, 1_700_000_029_999, 1_700_000_030_000]) {
    assert.equal(totpCode(seed, totpStep(new Date(t))), app.generate({ timestamp: t }));
  }
});

// ---------------------------------------------------------------------------------------------

const ACCOUNT = '123456789012';
const SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0); // on a step boundary
let store: Store;
const seed = newSeed();
const app = new TOTP({ secret: Secret.fromBase32(seed), algorithm: 'SHA1', digits: 6, period: 30 });
const codeAt = (ms: number) => app.generate({ timestamp: ms });

async function putDevice(d: Partial<MfaDeviceRecord>): Promise<void> {
  const rec: MfaDeviceRecord = {
    SerialNumber: SERIAL,
    Name: 'alice-phone',
    Path: '/',
    Seed: seed,
    CreateDate: new Date(T0).toISOString(),
    UserName: 'alice',
    EnableDate: new Date(T0).toISOString(),
    ...d,
  };
  await store.write((tx) => tx.put(ACCOUNT, KIND_MFA_DEVICE, 'alice-phone', rec));
}
const check = (code: string, at: number, forUser?: string, serial = SERIAL) =>
  store.write((tx) => checkMfaCode(tx, ACCOUNT, serial, code, new Date(at), forUser));
const verify = (code: string, at: number, forUser?: string) =>
  store.write((tx) => verifyMfaCode(tx, ACCOUNT, SERIAL, code, new Date(at), forUser));

before(async () => {
  store = await openStore({ inMemory: true });
});
after(async () => {
  await store.close();
});

test('window: the current step and one either side are accepted, two steps away is not', async () => {
  await putDevice({});
  const now = T0 + 10_000;
  assert.equal(await check(codeAt(now - 60_000), now, 'alice'), 'invalid-code');
  assert.equal(await check(codeAt(now + 60_000), now, 'alice'), 'invalid-code');
  assert.equal(await check('12345', now, 'alice'), 'invalid-code', 'not six digits');
  for (const delta of [-30_000, 0, 30_000]) {
    await putDevice({}); // fresh replay state for each
    assert.equal(await check(codeAt(now + delta), now, 'alice'), 'ok', `delta ${delta}`);
  }
});

test('replay: a code is accepted once; an older code after a newer one is refused; the next step works', async () => {
  await putDevice({});
  const now = T0 + 5_000;
  assert.equal(await verify(codeAt(now), now, 'alice'), true);
  assert.equal(await verify(codeAt(now), now, 'alice'), false, 'same code again');
  assert.equal(await verify(codeAt(now - 30_000), now, 'alice'), false, 'previous step after the current one');
  assert.equal(await verify(codeAt(now + 30_000), now + 30_000, 'alice'), true, 'the next step');
  const stored = await store.read((tx) => tx.get<MfaDeviceRecord>(ACCOUNT, KIND_MFA_DEVICE, 'alice-phone'));
  assert.equal(stored!.LastStep, totpStep(new Date(now + 30_000)));
});

test('a refused code records nothing', async () => {
  await putDevice({});
  const now = T0 + 5_000;
  const wrong = codeAt(now) === '123456' ? '654321' : '123456';
  assert.equal(await check(wrong, now, 'alice'), 'invalid-code');
  const stored = await store.read((tx) => tx.get<MfaDeviceRecord>(ACCOUNT, KIND_MFA_DEVICE, 'alice-phone'));
  assert.equal(stored!.LastStep, undefined);
  assert.equal(await check(codeAt(now), now, 'alice'), 'ok');
});

test('device checks: another user, an unassigned device, an unknown or foreign serial', async () => {
  await putDevice({});
  const now = T0 + 5_000;
  assert.equal(await check(codeAt(now), now, 'bob'), 'no-device');
  assert.equal(await check(codeAt(now), now, 'ALICE'), 'ok', 'user names compare case-insensitively');
  await putDevice({});
  assert.equal(await check(codeAt(now), now, 'alice', `arn:aws:iam::${ACCOUNT}:mfa/nope`), 'no-device');
  assert.equal(await check(codeAt(now), now, 'alice', `arn:aws:iam::999999999999:mfa/alice-phone`), 'no-device');
  assert.equal(await check(codeAt(now), now, 'alice', `arn:aws:iam::${ACCOUNT}:mfa/other/alice-phone`), 'no-device', 'wrong path');
  await putDevice({ UserName: undefined, EnableDate: undefined });
  assert.equal(await check(codeAt(now), now, 'alice'), 'no-device');
  assert.equal(await check(codeAt(now), now), 'no-device');
});

test('drift learnt by a resync moves the window', async () => {
  await putDevice({ Drift: 6 }); // the device runs three minutes ahead
  const now = T0 + 5_000;
  assert.equal(await check(codeAt(now), now, 'alice'), 'invalid-code');
  assert.equal(await check(codeAt(now + 180_000), now, 'alice'), 'ok');
});

test('userBlockers: AWS text while the user holds a device', async () => {
  const user = { UserName: 'Carol' } as UserRecord;
  assert.equal(await store.read((tx) => userBlockers(tx, ACCOUNT, user)), undefined);
  await store.write((tx) => tx.put(ACCOUNT, 'iam.userMfaDevice', 'carol/carol-phone', { SerialNumber: 'x' }));
  assert.equal(await store.read((tx) => userBlockers(tx, ACCOUNT, user)), 'Cannot delete entity, must delete MFA device first.');
});
