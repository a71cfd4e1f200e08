/**
 * The authorization audit trail: every decision the pipeline makes, with the statements that
 * decided it. Kept in memory (a bounded ring, newest last) for the console's "why was this
 * denied" and the simulator; the service-last-accessed and last-used features aggregate from the
 * `onDecision` listeners rather than rescanning the ring.
 */
import type { StatementRef } from '../policy/types.js';

export interface DecisionRecord {
  requestId: string;
  time: Date;
  accountId: string;
  principalArn: string;
  /** IAM service prefix (`iam`, `ec2`...). */
  service: string;
  action: string;
  resource: string;
  region: string;
  decision: 'Allowed' | 'ExplicitDeny' | 'ImplicitDeny';
  /** Which policy type denied (for denials). */
  deniedBy?: string;
  /** The deciding statements: the Deny statements of an explicit deny, or the Allow statements that granted. */
  matched: readonly StatementRef[];
}

export class AuditTrail {
  private readonly ring: DecisionRecord[] = [];
  private next = 0;
  private readonly listeners: Array<(r: DecisionRecord) => void> = [];

  constructor(private readonly capacity = 10_000) {}

  record(r: DecisionRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(r);
    else this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    for (const l of this.listeners) l(r);
  }

  onDecision(listener: (r: DecisionRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Recorded decisions, oldest first, optionally filtered. */
  recent(filter?: (r: DecisionRecord) => boolean): DecisionRecord[] {
    const ordered = this.ring.length < this.capacity ? this.ring.slice() : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return filter ? ordered.filter(filter) : ordered;
  }

  /** The decisions of one request. */
  forRequest(requestId: string): DecisionRecord[] {
    return this.recent((r) => r.requestId === requestId);
  }
}
