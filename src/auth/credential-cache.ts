/**
 * The authenticator's credential cache: access key id -> (key record, principal).
 *
 * Looking a key up costs a store read, a JSON parse and, for a user's key, a second read for the
 * user; on this kind of machine that was a third of a GetCallerIdentity. An entry is used only
 * while the store's `generation` is the one it was read at, so any committed write (a key
 * deleted or deactivated, a user removed) makes every entry stale at once: a revoked key is
 * still rejected on the very next request. Unknown keys are never cached.
 */
import type { Store, ReadTx } from '../store/types.js';
import type { AccessKeyRecord } from '../accounts/accounts.js';
import type { Principal } from '../gateway/context.js';
import { getAccessKey } from '../accounts/accounts.js';
import { principalForKey } from './principals.js';

interface Entry {
  generation: number;
  rec: AccessKeyRecord;
  principal: Principal;
}

export class CredentialCache {
  private entries = new Map<string, Entry>();
  private seenGeneration = -1;

  constructor(
    private readonly store: Store,
    private readonly maxEntries = 10_000,
  ) {}

  /** The active key and its principal, or undefined when the key is unknown, inactive or orphaned. */
  async lookup(tx: ReadTx, accessKeyId: string): Promise<{ rec: AccessKeyRecord; principal: Principal } | undefined> {
    const generation = this.store.generation;
    if (generation !== this.seenGeneration) {
      // Everything cached belongs to an older state: drop it rather than let stale entries pile up.
      this.entries.clear();
      this.seenGeneration = generation;
    }
    const hit = this.entries.get(accessKeyId);
    if (hit && hit.generation === generation) return hit;
    const rec = await getAccessKey(tx, accessKeyId);
    if (!rec || rec.status !== 'Active') return undefined;
    const principal = await principalForKey(tx, rec);
    if (!principal) return undefined;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const entry = { generation, rec, principal };
    this.entries.set(accessKeyId, entry);
    return entry;
  }
}
