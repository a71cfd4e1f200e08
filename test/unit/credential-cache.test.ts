import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import { CredentialCache } from '../../src/auth/credential-cache.js';
import { createAccount, getAccessKey, putAccessKey, deleteAccessKeyRecord } from '../../src/accounts/accounts.js';
import type { Store } from '../../src/store/types.js';

/** Counts reads of the access-key index, to see when the cache is used. */
function counting(store: Store) {
  let reads = 0;
  const wrapped: Store = {
    backend: store.backend,
    get generation() {
      return store.generation;
    },
    read: (fn) =>
      store.read((tx) =>
        fn({
          get: (scope, kind, key) => {
            if (kind === 'auth.accessKey') reads++;
            return tx.get(scope, kind, key);
          },
          list: (...a) => tx.list(...a),
          count: (...a) => tx.count(...a),
        }),
      ),
    write: (fn) => store.write(fn),
    close: () => store.close(),
  };
  return { store: wrapped, reads: () => reads };
}

test('hits while nothing is written; any commit invalidates; revoked keys are refused at once', async () => {
  const raw = await openStore({ inMemory: true });
  const { store, reads } = counting(raw);
  const { rootKey } = await raw.write((tx) => createAccount(tx, { now: new Date() }));
  const cache = new CredentialCache(store);
  const look = () => store.read((tx) => cache.lookup(tx, rootKey.accessKeyId));

  const first = await look();
  assert.equal(first?.principal.type, 'root');
  assert.equal(reads(), 1);
  await look();
  await look();
  assert.equal(reads(), 1, 'served from the cache');

  // Deactivate the key: the next lookup reads again and refuses it.
  await raw.write(async (tx) => putAccessKey(tx, { ...(await getAccessKey(tx, rootKey.accessKeyId))!, status: 'Inactive' }));
  assert.equal(await look(), undefined);
  assert.equal(reads(), 2);

  await raw.write(async (tx) => putAccessKey(tx, { ...(await getAccessKey(tx, rootKey.accessKeyId))!, status: 'Active' }));
  assert.ok(await look());
  await raw.write(async (tx) => deleteAccessKeyRecord(tx, (await getAccessKey(tx, rootKey.accessKeyId))!));
  assert.equal(await look(), undefined, 'a deleted key is refused on the next request');

  assert.equal(await store.read((tx) => cache.lookup(tx, 'AKIAUNKNOWNUNKNOWN00')), undefined);
  await raw.close();
});
