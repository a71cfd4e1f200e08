/**
 * Schema migrations for the SQLite store.
 *
 * Rules:
 * - `MIGRATIONS` is append-only. Never edit, renumber or remove a migration that has shipped;
 *   fix mistakes with a new migration. Versions are positive integers, strictly increasing.
 * - Pending migrations are applied at open, all in one `BEGIN IMMEDIATE` transaction (so two
 *   processes opening the same file cannot both apply them, and a failing migration leaves the
 *   database exactly as it was). Each applied migration is recorded in `schema_migrations`;
 *   `meta.schema_version` mirrors the highest applied version for quick inspection.
 * - A database that records a version this code does not know (written by a newer Nimbus) is
 *   refused with a `SchemaError`, as is one whose recorded migration names disagree with the code
 *   (a rewritten history).
 */
import type BetterSqlite3 from 'better-sqlite3';

type Db = BetterSqlite3.Database;

export interface Migration {
  version: number;
  name: string;
  /** SQL script (may hold several statements) or a function using the connection. */
  up: string | ((db: Db) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'docs',
    up: `
      CREATE TABLE docs (
        scope TEXT NOT NULL,
        kind  TEXT NOT NULL,
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, kind, key)
      ) WITHOUT ROWID;
    `,
  },
];

/** `PRAGMA application_id` of a Nimbus database: the ASCII bytes "NIMB". */
export const APPLICATION_ID = 0x4e494d42;

export class SchemaError extends Error {
  override name = 'SchemaError';
}

export interface MigrateResult {
  /** Versions applied by this call, in order. */
  applied: number[];
  /** Schema version of the database after this call. */
  version: number;
}

function validateList(migrations: readonly Migration[]): void {
  let prev = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= prev) {
      throw new SchemaError(
        `Invalid migration list: version ${m.version} (${m.name}) must be an integer greater than ${prev}`,
      );
    }
    if (typeof m.name !== 'string' || m.name === '') {
      throw new SchemaError(`Invalid migration list: migration ${m.version} has no name`);
    }
    prev = m.version;
  }
}

/**
 * Brings the database up to the latest migration in `migrations`. Safe to call on every open.
 * Must be called outside any transaction.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): MigrateResult {
  validateList(migrations);
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;

  db.exec('BEGIN IMMEDIATE');
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) {
      if (appId !== 0) {
        throw new SchemaError(
          `Not a Nimbus database: application_id is 0x${appId.toString(16)}, expected 0x${APPLICATION_ID.toString(16)}`,
        );
      }
      const hasOwnTables = db
        .prepare(
          `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        )
        .pluck()
        .get() as number;
      const hasMigrations = db
        .prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`)
        .pluck()
        .get() as number;
      if (hasOwnTables > 0 && hasMigrations === 0) {
        throw new SchemaError('Not a Nimbus database: it holds tables but no schema_migrations table');
      }
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }

    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `);

    const rows = db
      .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
      .all() as Array<{ version: number; name: string }>;
    const known = new Map(migrations.map((m) => [m.version, m]));
    const recorded = rows.length ? rows[rows.length - 1]!.version : 0;
    if (recorded > latest) {
      throw new SchemaError(
        `Database schema version ${recorded} is newer than this Nimbus supports (latest known: ${latest}); ` +
          'upgrade Nimbus or use another data directory',
      );
    }
    for (const row of rows) {
      const m = known.get(row.version);
      if (!m) {
        throw new SchemaError(`Database records migration ${row.version} (${row.name}), unknown to this Nimbus`);
      }
      if (m.name !== row.name) {
        throw new SchemaError(
          `Database records migration ${row.version} as "${row.name}" but this Nimbus has "${m.name}": ` +
            'migrations must only be appended, never edited',
        );
      }
    }
    const done = new Set(rows.map((r) => r.version));
    const pending = migrations.filter((m) => !done.has(m.version));
    for (const m of pending) {
      if (m.version < recorded) {
        throw new SchemaError(
          `Migration ${m.version} (${m.name}) is older than the database's version ${recorded}: ` +
            'migrations must only be appended',
        );
      }
    }

    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of pending) {
      try {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
      } catch (e) {
        throw new SchemaError(`Migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      record.run(m.version, m.name, new Date().toISOString());
      applied.push(m.version);
    }
    const version = Math.max(recorded, ...applied);
    db.prepare(
      `INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(String(version));
    db.exec('COMMIT');
    return { applied, version };
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
