/**
 * Service last accessed data (IAM access advisor): which services, and which actions, each IAM
 * entity last attempted, fed by the authorizer's audit trail and persisted in small batches.
 *
 * The gateway calls `observe` for every decision (allowed or denied: AWS reports attempts, not only
 * successes) and, after the response is decided, `flush` in its own write transaction whenever
 * `dirty` is set. Implementations keep the write rate low (one write per entity/service/action/
 * region per time bucket), since each commit invalidates the in-process caches.
 */
import type { WriteTx } from '../store/types.js';
import type { DecisionRecord } from './audit.js';

export class AccessTracker {
  /** Whether observed decisions wait to be written. */
  get dirty(): boolean {
    return false;
  }

  observe(_r: DecisionRecord): void {}

  async flush(_tx: WriteTx): Promise<void> {}
}
