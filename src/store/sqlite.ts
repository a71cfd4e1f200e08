/**
 * SQLite implementation of the Store (src/store/types.ts), on better-sqlite3.
 *
 * Transactions. better-sqlite3 is synchronous, the Store API is asynchronous: a transaction's
 * callback may `await` between statements, and another request's code runs in those gaps. So
 * every transaction on a connection holds that connection's FIFO mutex from BEGIN to
 * COMMIT/ROLLBACK: no two transactions ever interleave on one connection, hence no transaction
 * sees another's uncommitted writes, and concurrent read-modify-write transactions are
 * serialized (never a lost update).
 * - `write`: `BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` when the callback rejects.
 * - `read`: a deferred `BEGIN` … `COMMIT`: one consistent snapshot for the whole callback.
 *   File mode opens a second, read-only connection with its own mutex, so reads run while a
 *   write transaction is pending (WAL gives them the last committed snapshot). In-memory mode has
 *   one connection, so reads queue behind writes (they then see the committed result).
 * - Tx methods do their SQL synchronously when called and return settled promises; a tx handle
 *   rejects every call once its transaction has ended (a leaked handle can never write into a
 *   later transaction).
 * - Not re-entrant: calling `store.write` (or, in memory mode, `store.read`) from inside a
 *   transaction callback waits forever. Pass the tx down instead.
 *
 * Keys. Ordered by UTF-8 bytes (BINARY collation = code point order). `prefix` is a range scan
 * `key >= prefix AND key < successor(prefix)` on the primary key, where the successor increments the
 * last code point (never `LIKE`, never `prefix || '\uffff'`, which misses astral code points).
 * Scope, kind, key, prefix and startAfter must be well-formed strings without U+0000 (lone
 * surrogates would be silently replaced by U+FFFD in UTF-8, and PostgreSQL text cannot hold NUL),
 * so both backends accept exactly the same keys.
 *
 * Values. Stored as JSON text. Only JSON values are accepted: `undefined` at the top level or in
 * an array, functions, symbols, bigints, non-finite numbers, objects with `toJSON` (Date, Buffer)
 * and non-plain objects (Map, Set, class instances) are rejected with a StoreError, because they
 * would not read back as written. `undefined` object properties are dropped, as JSON does
 * (optional fields read back absent).
 */
import Database from 'better-sqlite3';
import type { Entry, Json, ListOptions, ReadTx, Store, WriteTx } from './types.js';
import { Mutex } from './mutex.js';

type Db = Database.Database;
type Stmt = Database.Statement;

export class StoreError extends Error {
  override name = 'StoreError';
}

// ---------------------------------------------------------------------------------------------
// Backend-agnostic helpers (a PostgreSQL backend should use the same rules)
// ---------------------------------------------------------------------------------------------

const BAD_CHARS = /[\u0000\uD800-\uDFFF]/;

/** Throws unless `s` is a string that both backends store faithfully. */
export function checkName(what: string, s: unknown): asserts s is string {
  if (typeof s !== 'string') throw new StoreError(`Store ${what} must be a string, got ${typeof s}`);
  if (BAD_CHARS.test(s)) {
    if (s.includes('\u0000')) throw new StoreError(`Store ${what} must not contain U+0000: ${JSON.stringify(s)}`);
    if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      throw new StoreError(`Store ${what} must not contain lone surrogates: ${JSON.stringify(s)}`);
    }
  }
}

function strictReplacer(this: unknown, key: string, v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      if ((this as Record<string, unknown>)[key] !== v) break; // produced by toJSON
      return v;
    case 'number':
      if (!Number.isFinite(v)) {
        throw new StoreError(`Value is not JSON-serialisable: non-finite number ${v} at ${describeKey(key)}`);
      }
      if ((this as Record<string, unknown>)[key] !== v) break;
      return v;
    case 'object': {
      if ((this as Record<string, unknown>)[key] !== v) break;
      if (v === null || Array.isArray(v)) return v;
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return v;
      const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new StoreError(
        `Value is not JSON-serialisable: ${ctor} object at ${describeKey(key)} (only plain objects and arrays)`,
      );
    }
    case 'undefined':
      if (key === '' || Array.isArray(this)) {
        throw new StoreError(`Value is not JSON-serialisable: undefined at ${describeKey(key)}`);
      }
      return v; // dropped, as JSON does for object properties
    default:
      throw new StoreError(`Value is not JSON-serialisable: ${typeof v} at ${describeKey(key)}`);
  }
  const orig = (this as Record<string, unknown>)[key];
  const name =
    orig !== null && typeof orig === 'object'
      ? ((Object.getPrototypeOf(orig) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object')
      : typeof orig;
  throw new StoreError(
    `Value is not JSON-serialisable: ${name} with toJSON at ${describeKey(key)} (store a string or number instead)`,
  );
}

function describeKey(key: string): string {
  return key === '' ? 'top level' : `key ${JSON.stringify(key)}`;
}

/** JSON text of a value, or a StoreError if the value would not read back as written. */
export function encodeValue(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, strictReplacer);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(`Value is not JSON-serialisable: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new StoreError('Value is not JSON-serialisable: undefined at top level');
  return text;
}

const MAX_CP = 0x10ffff;

/**
 * The least string greater than every string that starts with `prefix` (in code point order),
 * or undefined when there is none (empty prefix or only U+10FFFF code points).
 * Keys k with `prefix <= k < successor` are exactly the keys starting with `prefix`.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (cps.length && cps[cps.length - 1] === MAX_CP) cps.pop();
  if (!cps.length) return undefined;
  let last = cps.pop()! + 1;
  if (last >= 0xd800 && last <= 0xdfff) last = 0xe000;
  return String.fromCodePoint(...cps, last);
}

/** Compares well-formed strings in code point order (= UTF-8 byte order), unlike `<` (UTF-16). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate (D800-DFFF) encodes a code point above FFFF: above every BMP unit.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs === ys) return x - y;
      return xs ? 1 : -1;
    }
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Connection: a better-sqlite3 handle plus its prepared statements
// ---------------------------------------------------------------------------------------------

const LOWER = ['', ' AND key > ?', ' AND key >= ?'] as const;
const UPPER = ['', ' AND key < ?'] as const;

class Conn {
  readonly beginRead: Stmt;
  readonly beginWrite?: Stmt;
  readonly commit: Stmt;
  readonly rollback: Stmt;
  readonly getStmt: Stmt;
  /** Index: lower * 2 + upper (lower: 0 none, 1 `>`, 2 `>=`; upper: 0 none, 1 `<`). */
  private readonly listStmts: Array<Stmt | undefined> = [];
  private readonly countStmts: Array<Stmt | undefined> = [];
  readonly putStmt?: Stmt;
  readonly insertStmt?: Stmt;
  readonly deleteStmt?: Stmt;
  readonly mutex = new Mutex();

  constructor(
    readonly db: Db,
    writable: boolean,
  ) {
    this.beginRead = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.getStmt = db.prepare('SELECT value FROM docs WHERE scope = ? AND kind = ? AND key = ?').pluck();
    if (writable) {
      this.beginWrite = db.prepare('BEGIN IMMEDIATE');
      this.putStmt = db.prepare(
        'INSERT INTO docs (scope, kind, key, value) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (scope, kind, key) DO UPDATE SET value = excluded.value',
      );
      this.insertStmt = db.prepare(
        'INSERT INTO docs (scope, kind, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (scope, kind, key) DO NOTHING',
      );
      this.deleteStmt = db.prepare('DELETE FROM docs WHERE scope = ? AND kind = ? AND key = ?');
    }
  }

  /**
   * The limit is CAST to an integer in SQL: better-sqlite3 binds JS numbers as REAL, and a REAL
   * `LIMIT ?` made every list call about 10 us slower on this machine (measured, even when empty).
   */
  list(lower: number, upper: number): Stmt {
    const i = lower * 2 + upper;
    return (this.listStmts[i] ??= this.db
      .prepare(
        `SELECT key, value FROM docs WHERE scope = ? AND kind = ?${LOWER[lower]}${UPPER[upper]} ORDER BY key LIMIT CAST(? AS INTEGER)`,
      )
      .raw(true));
  }

  count(lower: number, upper: number): Stmt {
    const i = lower * 2 + upper;
    return (this.countStmts[i] ??= this.db
      .prepare(`SELECT count(*) FROM docs WHERE scope = ? AND kind = ?${LOWER[lower]}${UPPER[upper]}`)
      .pluck());
  }
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

const FINISHED = 'Transaction has already finished: a tx handle cannot be used after its callback settles';

class SqliteReadTx implements ReadTx {
  /** @internal */ active = true;
  constructor(protected readonly c: Conn) {}

  protected check(scope: unknown, kind: unknown): void {
    if (!this.active) throw new StoreError(FINISHED);
    checkName('scope', scope);
    checkName('kind', kind);
  }

  async get<T = Json>(scope: string, kind: string, key: string): Promise<T | undefined> {
    this.check(scope, kind);
    checkName('key', key);
    const text = this.c.getStmt.get(scope, kind, key) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async list<T = Json>(scope: string, kind: string, opts?: ListOptions): Promise<Entry<T>[]> {
    this.check(scope, kind);
    const args: unknown[] = [scope, kind];
    const [lower, upper] = bounds(args, opts?.prefix, opts?.startAfter);
    const limit = opts?.limit;
    if (limit === undefined) {
      args.push(-1);
    } else {
      if (!Number.isSafeInteger(limit) || limit < 0) {
        throw new StoreError(`Store list limit must be a non-negative integer, got ${String(limit)}`);
      }
      if (limit === 0) return [];
      args.push(limit);
    }
    const rows = this.c.list(lower, upper).all(...args) as Array<[string, string]>;
    const out: Entry<T>[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[i] = { key: r[0], value: JSON.parse(r[1]) as T };
    }
    return out;
  }

  async count(scope: string, kind: string, opts?: { prefix?: string }): Promise<number> {
    this.check(scope, kind);
    const args: unknown[] = [scope, kind];
    const [lower, upper] = bounds(args, opts?.prefix, undefined);
    return this.c.count(lower, upper).get(...args) as number;
  }
}

/** Pushes the range bounds onto `args`; returns the statement variant [lower, upper]. */
function bounds(args: unknown[], prefix: string | undefined, startAfter: string | undefined): [number, number] {
  let lower = 0;
  let upper = 0;
  if (prefix !== undefined) checkName('list prefix', prefix);
  if (startAfter !== undefined) checkName('list startAfter', startAfter);
  if (prefix) {
    if (startAfter !== undefined && compareKeys(startAfter, prefix) >= 0) {
      args.push(startAfter);
      lower = 1;
    } else {
      args.push(prefix);
      lower = 2;
    }
    const succ = prefixSuccessor(prefix);
    if (succ !== undefined) {
      args.push(succ);
      upper = 1;
    }
  } else if (startAfter !== undefined) {
    args.push(startAfter);
    lower = 1;
  }
  return [lower, upper];
}

class SqliteWriteTx extends SqliteReadTx implements WriteTx {
  async put<T = Json>(scope: string, kind: string, key: string, value: T): Promise<void> {
    this.check(scope, kind);
    checkName('key', key);
    this.c.putStmt!.run(scope, kind, key, encodeValue(value));
  }

  async insert<T = Json>(scope: string, kind: string, key: string, value: T): Promise<boolean> {
    this.check(scope, kind);
    checkName('key', key);
    return this.c.insertStmt!.run(scope, kind, key, encodeValue(value)).changes > 0;
  }

  async delete(scope: string, kind: string, key: string): Promise<boolean> {
    this.check(scope, kind);
    checkName('key', key);
    return this.c.deleteStmt!.run(scope, kind, key).changes > 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

export interface SqliteStoreOptions {
  /** `sqlite` for a file, `memory` for an in-memory database. */
  backend: 'sqlite' | 'memory';
  /** Optional read-only connection to the same (WAL) file, for reads concurrent with a write. */
  readerDb?: Db;
  /** Run `PRAGMA wal_checkpoint(TRUNCATE)` before closing (file mode). */
  checkpointOnClose?: boolean;
}

/**
 * A Store over an open, migrated better-sqlite3 connection. Use `openStore` (open.ts) rather than
 * constructing this directly.
 */
export class SqliteStore implements Store {
  readonly backend: string;
  /** See Store.generation: bumped after every committed write transaction. */
  generation = 0;
  private readonly writer: Conn;
  private readonly reader: Conn;
  private readonly checkpointOnClose: boolean;
  private closing: Promise<void> | undefined;

  constructor(db: Db, opts: SqliteStoreOptions) {
    this.backend = opts.backend;
    this.writer = new Conn(db, true);
    this.reader = opts.readerDb ? new Conn(opts.readerDb, false) : this.writer;
    this.checkpointOnClose = opts.checkpointOnClose ?? false;
  }

  /** True once `close` has been called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    const c = this.reader;
    return c.mutex.run(() => runTx(c, c.beginRead, new SqliteReadTx(c), fn));
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    const c = this.writer;
    return c.mutex.run(async () => {
      const result = await runTx(c, c.beginWrite!, new SqliteWriteTx(c), fn);
      this.generation++;
      return result;
    });
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    // Every transaction already queued (and the one in flight) still runs to its end.
    await Promise.all([this.writer.mutex.drain(), this.reader.mutex.drain()]);
    try {
      if (this.reader !== this.writer) this.reader.db.close();
      // Folds the WAL into the main file and empties it, so the data dir is one self-contained file.
      if (this.checkpointOnClose) this.writer.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.writer.db.close();
    }
  }
}

function closedError(): StoreError {
  return new StoreError('Store is closed: no further transactions are accepted');
}

async function runTx<X extends SqliteReadTx, T>(c: Conn, begin: Stmt, tx: X, fn: (tx: X) => Promise<T>): Promise<T> {
  begin.run();
  let result: T;
  try {
    result = await fn(tx);
  } catch (e) {
    tx.active = false;
    if (c.db.inTransaction) c.rollback.run();
    throw e;
  }
  tx.active = false;
  try {
    c.commit.run();
  } catch (e) {
    if (c.db.inTransaction) c.rollback.run();
    throw e;
  }
  return result;
}
