/**
 * A FIFO mutex for async critical sections, with no timers and no extra event-loop turns.
 *
 * When the mutex is free, `run` starts `fn` synchronously (in the same tick as the call); when it
 * is held, the caller waits in a FIFO queue and the releasing holder hands the lock directly to the
 * next waiter (the mutex never becomes free in between, so a newcomer cannot barge ahead of the
 * queue). The only scheduling cost is the promise microtasks.
 *
 * Not re-entrant: calling `run` from inside `fn` on the same mutex waits forever.
 */
export class Mutex {
  private held = false;
  private waiters: Array<() => void> = [];
  private head = 0;

  /** True while some critical section holds the mutex. */
  get locked(): boolean {
    return this.held;
  }

  /** Number of callers waiting (not counting the holder). */
  get pending(): number {
    return this.waiters.length - this.head;
  }

  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.held) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.held = true;
    }
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Resolves once every critical section queued before this call has finished. */
  drain(): Promise<void> {
    return this.run(() => undefined);
  }

  private release(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head]!;
      this.waiters[this.head] = undefined as unknown as () => void;
      this.head++;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      // The lock stays held: ownership passes straight to the next waiter.
      next();
    } else {
      this.held = false;
    }
  }
}
