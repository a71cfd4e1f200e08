import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runStoreSuite } from './store-suite.js';
import { openStore, DB_FILE_NAME } from '../../src/store/open.js';
import { MIGRATIONS, SchemaError, migrate, type Migration } from '../../src/store/migrations.js';
import { compareKeys, encodeValue, prefixSuccessor, StoreError } from '../../src/store/sqlite.js';
import { Mutex } from '../../src/store/mutex.js';

const root = mkdtempSync(join(tmpdir(), 'nimbus-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`, 'nested');

runStoreSuite('sqlite in memory', () => openStore({ inMemory: true }));

const suiteDir = freshDir();
runStoreSuite('sqlite file', () => openStore({ dataDir: suiteDir }), { persistent: true });

describe('sqlite store specifics', () => {
  it('reports its backend', async () => {
    const m = await openStore({ inMemory: true });
    assert.equal(m.backend, 'memory');
    await m.close();
    const f = await openStore({ dataDir: freshDir() });
    assert.equal(f.backend, 'sqlite');
    await f.close();
  });

  it('requires dataDir unless in memory', async () => {
    await assert.rejects(openStore({}), /dataDir/);
  });

  it('creates <dataDir>/nimbus.db in WAL mode and truncates the WAL on close', async () => {
    const dir = freshDir();
    const s = await openStore({ dataDir: dir });
    await s.write((tx) => tx.put('g', 'k', 'a', 1));
    const file = join(dir, DB_FILE_NAME);
    assert.ok(existsSync(file));
    assert.ok(existsSync(`${file}-wal`));
    await s.close();
    assert.ok(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0);
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.prepare('SELECT value FROM docs WHERE key = ?').pluck().get('a'), '1');
    } finally {
      db.close();
    }
  });

  it('file mode: reads run beside a pending write and see the last committed state', async () => {
    const s = await openStore({ dataDir: freshDir() });
    try {
      await s.write((tx) => tx.put('g', 'k', 'x', 'committed'));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let wrote!: () => void;
      const wroteP = new Promise<void>((r) => (wrote = r));
      const w = s.write(async (tx) => {
        await tx.put('g', 'k', 'x', 'pending');
        wrote();
        await gate;
      });
      await wroteP;
      // Awaited before the write is released: would deadlock if reads queued behind writes.
      assert.equal(await s.read((tx) => tx.get('g', 'k', 'x')), 'committed');
      release();
      await w;
      assert.equal(await s.read((tx) => tx.get('g', 'k', 'x')), 'pending');
    } finally {
      await s.close();
    }
  });

  it('records applied migrations and the schema version', async () => {
    const dir = freshDir();
    const s = await openStore({ dataDir: dir });
    await s.close();
    const db = new Database(join(dir, DB_FILE_NAME));
    try {
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        rows,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      assert.equal(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), String(latest));
      // Opening again applies nothing.
      assert.deepEqual(migrate(db), { applied: [], version: latest });
    } finally {
      db.close();
    }
  });

  it('refuses a database with a newer schema version, clearly', async () => {
    const dir = freshDir();
    await (await openStore({ dataDir: dir })).close();
    const db = new Database(join(dir, DB_FILE_NAME));
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      9999,
      'from-the-future',
      new Date().toISOString(),
    );
    db.close();
    await assert.rejects(openStore({ dataDir: dir }), (e: unknown) => {
      assert.ok(e instanceof SchemaError);
      assert.match(e.message, /schema version 9999 is newer than this Nimbus supports/);
      return true;
    });
  });

  it('refuses a file that is not a Nimbus database', async () => {
    const dir = freshDir();
    await (await openStore({ dataDir: dir })).close();
    const other = join(root, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const db2 = new Database(other);
    try {
      assert.throws(() => migrate(db2), /Not a Nimbus database/);
    } finally {
      db2.close();
    }
  });

  it('applies only appended migrations, each recorded; a failing one changes nothing', () => {
    const db = new Database(':memory:');
    try {
      const base: Migration[] = [...MIGRATIONS];
      const v = base[base.length - 1]!.version;
      assert.deepEqual(migrate(db, base), { applied: base.map((m) => m.version), version: v });
      const add1: Migration = { version: v + 1, name: 'add-t1', up: 'CREATE TABLE t1 (x)' };
      const add2: Migration = {
        version: v + 2,
        name: 'add-t2-fn',
        up: (d) => {
          d.exec('CREATE TABLE t2 (x)');
          d.prepare('INSERT INTO t2 VALUES (1)').run();
        },
      };
      assert.deepEqual(migrate(db, [...base, add1, add2]), { applied: [v + 1, v + 2], version: v + 2 });
      assert.equal(db.prepare('SELECT count(*) FROM t2').pluck().get(), 1);

      // A failing migration rolls back with the ones applied before it in the same run.
      const good: Migration = { version: v + 3, name: 'add-t3', up: 'CREATE TABLE t3 (x)' };
      const bad: Migration = { version: v + 4, name: 'broken', up: 'CREATE TABLE t3 (x)' };
      assert.throws(() => migrate(db, [...base, add1, add2, good, bad]), /Migration \d+ \(broken\) failed/);
      assert.equal(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 't3'`).pluck().get(), 0);
      assert.equal(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(), v + 2);
      assert.equal(db.inTransaction, false);

      // Edited history is refused.
      assert.throws(
        () => migrate(db, [...base, { ...add1, name: 'renamed' }, add2]),
        /records migration \d+ as "add-t1" but this Nimbus has "renamed"/,
      );
      // An unordered list is refused.
      assert.throws(() => migrate(db, [add1, ...base]), /Invalid migration list/);
    } finally {
      db.close();
    }
  });

  it('refuses a migration inserted below the recorded version', () => {
    const db = new Database(':memory:');
    try {
      const v = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      const m2: Migration = { version: v + 2, name: 'two', up: 'CREATE TABLE two (x)' };
      migrate(db, [...MIGRATIONS, m2]);
      const m1: Migration = { version: v + 1, name: 'one', up: 'CREATE TABLE one (x)' };
      assert.throws(() => migrate(db, [...MIGRATIONS, m1, m2]), /only be appended/);
    } finally {
      db.close();
    }
  });

  it('opening a corrupt file fails', async () => {
    const dir = freshDir();
    await (await openStore({ dataDir: dir })).close();
    writeFileSync(join(dir, DB_FILE_NAME), 'this is not a database, just some text that is long enough '.repeat(200));
    await assert.rejects(openStore({ dataDir: dir }));
  });

  it('a limited list returns exactly one full page, repeatedly', async () => {
    const s = await openStore({ inMemory: true });
    try {
      await s.write(async (tx) => {
        for (let i = 0; i < 300; i++) {
          await tx.put('123456789012', 'iam.user', `user${String(i).padStart(4, '0')}`, {
            UserName: `user${i}`,
            Path: '/',
            UserId: `AIDA${i}`,
            Arn: `arn:aws:iam::123456789012:user/user${i}`,
            CreateDate: '2024-01-01T00:00:00Z',
          });
        }
      });
      const run = () => s.read((tx) => tx.list('123456789012', 'iam.user', { prefix: 'user', limit: 100 }));
      // Repeated reads return the same full page (speed is measured by `npm run bench`, not here).
      for (let i = 0; i < 50; i++) assert.equal((await run()).length, 100);
    } finally {
      await s.close();
    }
  });
});

describe('store helpers', () => {
  it('prefixSuccessor increments the last code point', () => {
    assert.equal(prefixSuccessor('a'), 'b');
    assert.equal(prefixSuccessor('ab'), 'ac');
    assert.equal(prefixSuccessor('a%'), 'a&');
    assert.equal(prefixSuccessor(''), undefined);
    assert.equal(prefixSuccessor('\uFFFF'), '\u{10000}');
    assert.equal(prefixSuccessor('\uD7FF'), '\uE000');
    assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('a\u{10FFFF}\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
    assert.equal(prefixSuccessor('x\u{1F600}'), 'x\u{1F601}');
  });

  it('compareKeys agrees with UTF-8 byte order', () => {
    const alphabet = ['a', 'B', '\u0000', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\uD7FF', '\uE000', '\uFFFF', '😀', '\u{10000}', '\u{10FFFF}'];
    let seed = 1;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const word = () => Array.from({ length: rnd(4) }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const a = word();
      const b = word();
      const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.equal(Math.sign(compareKeys(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });

  it('encodeValue rejects non-JSON values with a StoreError', () => {
    assert.equal(encodeValue({ a: [1, 'x', null, true], b: undefined }), '{"a":[1,"x",null,true]}');
    assert.equal(encodeValue(Object.assign(Object.create(null), { a: 1 })), '{"a":1}');
    assert.throws(() => encodeValue(undefined), StoreError);
    assert.throws(() => encodeValue({ d: new Date(0) }), /Date with toJSON at key "d"/);
    assert.throws(() => encodeValue([NaN]), /non-finite number NaN/);
    assert.throws(() => encodeValue({ m: new Map() }), /Map object at key "m"/);
    assert.throws(() => encodeValue(1n), /bigint/);
    const c: Record<string, unknown> = {};
    c.c = c;
    assert.throws(() => encodeValue(c), (e: unknown) => e instanceof StoreError && /circular/i.test(e.message));
  });

  it('Mutex is FIFO, hands over without barging, and starts synchronously when free', async () => {
    const m = new Mutex();
    const order: number[] = [];
    let started = false;
    const p0 = m.run(async () => {
      started = true;
      await new Promise<void>((r) => setImmediate(r));
      order.push(0);
    });
    assert.equal(started, true);
    assert.equal(m.locked, true);
    const ps = [1, 2, 3].map((i) => m.run(() => void order.push(i)));
    assert.equal(m.pending, 3);
    await p0;
    // A newcomer after release still queues behind the waiters.
    const p4 = m.run(() => void order.push(4));
    await Promise.all([...ps, p4]);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(m.locked, false);
    await assert.rejects(
      m.run(() => {
        throw new Error('x');
      }),
      /x/,
    );
    assert.equal(m.locked, false);
  });
});
