import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import { createAccount, makeKey, putAccessKey, getAccessKey, listRootKeys, sweepExpiredSessions, EXPIRED_SESSION_RETENTION_MS } from '../../src/accounts/accounts.js';

test('expired temporary credentials are dropped a week after expiry; long-term keys and live sessions stay', async () => {
  const store = await openStore({ inMemory: true });
  const now = new Date('2026-11-23T12:00:00Z');
  const { rootKey } = await store.write((tx) => createAccount(tx, { now, accountId: '123456789012' }));
  const session = (id: string, expiresMsAgo: number) => ({
    ...makeKey('123456789012', { type: 'root' }, now),
    accessKeyId: id,
    sessionToken: 'token',
    expiration: new Date(now.getTime() - expiresMsAgo).toISOString(),
  });
  await store.write(async (tx) => {
    await putAccessKey(tx, session('ASIAOLD', EXPIRED_SESSION_RETENTION_MS + 1000));
    await putAccessKey(tx, session('ASIARECENT', 3600_000));
    await putAccessKey(tx, session('ASIALIVE', -3600_000));
  });
  assert.equal(await store.write((tx) => sweepExpiredSessions(tx, now)), 1);
  await store.read(async (tx) => {
    assert.equal(await getAccessKey(tx, 'ASIAOLD'), undefined);
    assert.ok(await getAccessKey(tx, 'ASIARECENT'), 'recently expired: still answers ExpiredToken');
    assert.ok(await getAccessKey(tx, 'ASIALIVE'));
    assert.ok(await getAccessKey(tx, rootKey.accessKeyId));
    // Root's temporary credentials are not root access keys.
    assert.deepEqual((await listRootKeys(tx, '123456789012')).map((k) => k.accessKeyId), [rootKey.accessKeyId]);
  });
  await store.close();
});
