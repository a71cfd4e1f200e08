/**
 * The Store: Nimbus's only door to persistent state.
 *
 * Shape: a transactional, ordered key-value store of JSON documents, partitioned by
 * (scope, kind). A `scope` is `global`, an account id, or `<account>/<region>` for regional
 * state; a `kind` names a collection (e.g. `iam.user`). Keys are ordered by their UTF-8 bytes
 * (SQLite BINARY collation; PostgreSQL will use COLLATE "C"), so `list` with `prefix`/`startAfter`
 * gives stable pagination.
 *
 * Business rules live in the services, never here (the lesson of Azurite's twin metadata stores).
 * The API is asynchronous so that a PostgreSQL backend can implement it unchanged.
 *
 * Isolation: a transaction never sees another transaction's uncommitted writes. A `write`
 * transaction is atomic: if its callback throws, nothing it wrote is kept.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Only keys strictly greater than this one (pagination marker). */
  startAfter?: string;
  /** At most this many entries. */
  limit?: number;
}

export interface Entry<T> {
  key: string;
  value: T;
}

export interface ReadTx {
  get<T = Json>(scope: string, kind: string, key: string): Promise<T | undefined>;
  /** Entries in key order. */
  list<T = Json>(scope: string, kind: string, opts?: ListOptions): Promise<Entry<T>[]>;
  count(scope: string, kind: string, opts?: { prefix?: string }): Promise<number>;
}

export interface WriteTx extends ReadTx {
  /** Inserts or replaces. */
  put<T = Json>(scope: string, kind: string, key: string, value: T): Promise<void>;
  /** Inserts only if absent; returns false (and writes nothing) when the key exists. */
  insert<T = Json>(scope: string, kind: string, key: string, value: T): Promise<boolean>;
  /** Returns whether a row was deleted. */
  delete(scope: string, kind: string, key: string): Promise<boolean>;
}

export interface Store {
  /** `sqlite` (file), `memory` (SQLite in memory) or later `postgres`. */
  readonly backend: string;
  /**
   * Grows each time a write transaction commits through this Store. In-process caches derived
   * from stored state (e.g. the authenticator's credential cache) are valid only while it is
   * unchanged. A shared PostgreSQL backend must also grow it when another node commits (LISTEN/NOTIFY).
   */
  readonly generation: number;
  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T>;
  /** One transaction: committed when `fn` resolves, rolled back when it rejects. */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Finishes in-flight transactions, then closes. Further calls reject. */
  close(): Promise<void>;
}
