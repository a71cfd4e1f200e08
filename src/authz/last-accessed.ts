/**
 * Service last accessed data (IAM access advisor): which services, and which actions, each IAM
 * entity last attempted, fed by the authorizer's audit trail and persisted in small batches.
 *
 * The gateway calls `observe` for every decision (allowed or denied: AWS reports attempts, not only
 * successes) and, after the response is decided, `flush` in its own write transaction whenever
 * `dirty` is set. Implementations keep the write rate low (one write per entity/service/action/
 * region per time bucket), since each commit invalidates the in-process caches.
 *
 * Store layout (account scope):
 *   iam.accessActivity  `<user|role>/<lower-name>/<service prefix>/<Action>/<region>`
 *                       -> AccessActivityRecord { time (ISO, whole minute), principalArn }
 * One row per entity, action and region, holding the minute of the latest attempt. The reports
 * (src/services/iam/last-accessed.ts) aggregate these rows into services and tracked actions.
 *
 * Fidelity notes (IAM User Guide, "Refining permissions in AWS using last accessed information"):
 * - Attempts count, allowed or denied ("The service last accessed data includes all attempts to
 *   access an AWS API, not just the successful ones", GenerateServiceLastAccessedDetails).
 * - Only IAM entities are tracked: IAM users (long-term keys or their GetSessionToken sessions) and
 *   roles (their sessions, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, count for the role). The
 *   root user and federated users are not IAM entities: reports cannot name them, nothing is kept.
 * - "The iam:PassRole action is not tracked and is not included in IAM service last accessed
 *   information": its decisions are ignored.
 * - Times are kept to the minute, as AWS reports them (LastAuthenticated values end in `:00`): the
 *   first attempt in a newer minute is written, every other attempt in that minute costs nothing.
 *
 * By design: a row is keyed by the entity's name (the audit record carries no unique id); the
 * reports ignore rows older than the entity's creation, so a user deleted and created again under
 * the same name starts afresh. A renamed user's earlier rows stay under the old name.
 */
import type { WriteTx } from '../store/types.js';
import type { DecisionRecord } from './audit.js';

export const KIND_ACCESS_ACTIVITY = 'iam.accessActivity';

/** The latest attempt of one entity at one action in one region. */
export interface AccessActivityRecord {
  /** ISO 8601, truncated to the minute. */
  time: string;
  /** The caller as authenticated: the user ARN, or the role session ARN. */
  principalArn: string;
}

export type TrackedEntityType = 'user' | 'role';

const MINUTE = 60_000;
/** Entries remembered as written before the memo is dropped (it only saves reads and writes). */
const MEMO_LIMIT = 100_000;

/** The IAM entity an authenticated principal ARN belongs to, or undefined (root, federated users). */
export function trackedEntityOf(principalArn: string): { type: TrackedEntityType; name: string } | undefined {
  // arn:aws:iam::ACCT:user/path/NAME
  let m = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  if (m) return { type: 'user', name: m[1]! };
  // arn:aws:sts::ACCT:assumed-role/ROLE/SESSION (role paths are not part of a session ARN)
  m = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
  if (m) return { type: 'role', name: m[1]! };
  return undefined;
}

/** The store key of an entity's activity rows (prefix `<type>/<lower-name>/`). */
export function activityKey(type: TrackedEntityType, name: string, service: string, action: string, region: string): string {
  return `${type}/${name.toLowerCase()}/${service}/${action}/${region}`;
}

interface Pending {
  accountId: string;
  key: string;
  minute: number;
  principalArn: string;
}

export class AccessTracker {
  /** Attempts waiting to be written, by `<account>|<key>`. */
  private pending = new Map<string, Pending>();
  /** The newest minute known to be stored, by `<account>|<key>`. */
  private readonly written = new Map<string, number>();

  /** Whether observed decisions wait to be written. */
  get dirty(): boolean {
    return this.pending.size > 0;
  }

  /** trackedEntityOf per principal ARN (`null`: not tracked), so the hot path parses each ARN once. */
  private readonly entities = new Map<string, { type: TrackedEntityType; name: string } | null>();

  observe(r: DecisionRecord): void {
    let entity = this.entities.get(r.principalArn);
    if (entity === undefined) {
      entity = trackedEntityOf(r.principalArn) ?? null;
      if (this.entities.size >= 10_000) this.entities.clear();
      this.entities.set(r.principalArn, entity);
    }
    if (!entity) return;
    if (r.action.toLowerCase() === 'iam:passrole') return;
    const colon = r.action.indexOf(':');
    const service = colon > 0 ? r.action.slice(0, colon) : r.service;
    const action = colon > 0 ? r.action.slice(colon + 1) : r.action;
    const key = activityKey(entity.type, entity.name, service, action, r.region);
    const id = `${r.accountId}|${key}`;
    const minute = Math.floor(r.time.getTime() / MINUTE);
    if ((this.written.get(id) ?? -Infinity) >= minute) return;
    const p = this.pending.get(id);
    if (p && p.minute >= minute) return;
    this.pending.set(id, { accountId: r.accountId, key, minute, principalArn: r.principalArn });
  }

  async flush(tx: WriteTx): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    try {
      for (const p of batch.values()) {
        const prev = await tx.get<AccessActivityRecord>(p.accountId, KIND_ACCESS_ACTIVITY, p.key);
        // Another node (or an earlier flush) may have stored a newer minute already.
        if (prev && Date.parse(prev.time) >= p.minute * MINUTE) continue;
        const rec: AccessActivityRecord = { time: new Date(p.minute * MINUTE).toISOString(), principalArn: p.principalArn };
        await tx.put(p.accountId, KIND_ACCESS_ACTIVITY, p.key, rec);
      }
    } catch (e) {
      // Keep what failed for the next flush (newer observations win).
      for (const [id, p] of batch) {
        const now = this.pending.get(id);
        if (!now || now.minute < p.minute) this.pending.set(id, p);
      }
      throw e;
    }
    if (this.written.size + batch.size > MEMO_LIMIT) this.written.clear();
    for (const [id, p] of batch) {
      if ((this.written.get(id) ?? -Infinity) < p.minute) this.written.set(id, p.minute);
    }
  }
}
