/**
 * Opens the Store.
 *
 * File mode: `<dataDir>/nimbus.db` (dataDir created recursively), WAL journal, a busy timeout,
 * migrations applied, then a second read-only connection for `read` transactions.
 *
 * Durability: `synchronous=NORMAL` by default. In WAL mode that loses no committed transaction
 * when the Nimbus process crashes or is killed (every COMMIT has been written to the WAL file, in
 * the OS page cache, before `write` resolves); only an OS crash or power cut can drop the last
 * commits (never corrupting the file). For a local emulator that trade is right: FULL adds an
 * fsync to every COMMIT (milliseconds on many disks, i.e. on every mutating request). Pass
 * `synchronous: 'FULL'` to survive power loss too.
 *
 * In-memory mode (`inMemory: true`): one private database per call, gone at close; for tests.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './types.js';
import { MIGRATIONS, migrate, type Migration } from './migrations.js';
import { SqliteStore } from './sqlite.js';

export { StoreError } from './sqlite.js';
export { SchemaError } from './migrations.js';

export const DB_FILE_NAME = 'nimbus.db';

export interface OpenStoreOptions {
  /** Directory holding `nimbus.db`; required unless `inMemory`. */
  dataDir?: string;
  /** A private in-memory database (wins over `dataDir`). */
  inMemory?: boolean;
  /** SQLite `synchronous` level in file mode; see the module header. Default NORMAL. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a connection waits for another process's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Migration list; only tests pass their own. */
  migrations?: readonly Migration[];
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const migrations = opts.migrations ?? MIGRATIONS;
  if (opts.inMemory) {
    const db = new Database(':memory:');
    try {
      migrate(db, migrations);
    } catch (e) {
      db.close();
      throw e;
    }
    return new SqliteStore(db, { backend: 'memory' });
  }

  if (!opts.dataDir) throw new Error('openStore: dataDir is required unless inMemory is set');
  const synchronous = opts.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new Error(`openStore: synchronous must be NORMAL or FULL, got ${String(synchronous)}`);
  }
  const busy = opts.busyTimeoutMs ?? 5000;
  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, DB_FILE_NAME);

  const db = new Database(file, { timeout: busy });
  let reader: Database.Database | undefined;
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new Error(`openStore: could not switch ${file} to WAL journal mode (got ${String(mode)})`);
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('temp_store = MEMORY');
    db.pragma('journal_size_limit = 67108864');
    migrate(db, migrations);
    reader = new Database(file, { readonly: true, timeout: busy });
    reader.pragma('temp_store = MEMORY');
  } catch (e) {
    reader?.close();
    db.close();
    throw e;
  }
  return new SqliteStore(db, { backend: 'sqlite', readerDb: reader, checkpointOnClose: true });
}
