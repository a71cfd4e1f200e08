/**
 * The backend-agnostic Store test suite: every backend (SQLite in memory, SQLite file, later
 * PostgreSQL) must pass it unchanged. It uses only the Store interface (src/store/types.ts).
 *
 * `open` may return a store over shared, non-empty state (a file or a server database), so each
 * test works under its own random scope. With `persistent: true`, successive `open()` calls must
 * reach the same state (close/reopen tests run only then).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Entry, Json, Store } from '../../src/store/types.js';

export interface StoreSuiteOptions {
  /** Successive `open()` calls reach the same data (file, server). */
  persistent?: boolean;
}

/** Lets other queued work (timers excluded) run: several macrotask turns. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Sorts as the Store must: by UTF-8 bytes. */
function utf8Sort(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

const keysOf = (es: Entry<unknown>[]): string[] => es.map((e) => e.key);

export function runStoreSuite(name: string, open: () => Promise<Store>, opts: StoreSuiteOptions = {}): void {
  async function withStore(fn: (s: Store, scope: string) => Promise<void>): Promise<void> {
    const s = await open();
    try {
      await fn(s, `test-${randomUUID()}`);
    } finally {
      await s.close();
    }
  }

  async function putAll(s: Store, scope: string, kind: string, keys: string[]): Promise<void> {
    await s.write(async (tx) => {
      for (const k of keys) await tx.put(scope, kind, k, { k });
    });
  }

  describe(`Store suite: ${name}`, () => {
    it('has a backend name', async () => {
      await withStore(async (s) => {
        assert.equal(typeof s.backend, 'string');
        assert.ok(s.backend.length > 0);
      });
    });

    it('get/put/delete round-trip JSON values', async () => {
      await withStore(async (s, scope) => {
        const values: Json[] = [
          null,
          false,
          true,
          0,
          -1.5,
          1e300,
          '',
          'héllo 😀 \u0000 "q" \\',
          [],
          [1, 'two', null, { three: [3] }],
          {},
          { a: 1, nested: { deep: [true, { x: 'y' }] }, 'key with spaces': 'v', '': 'empty key' },
        ];
        await s.write(async (tx) => {
          for (let i = 0; i < values.length; i++) await tx.put(scope, 'v', `k${i}`, values[i]);
        });
        await s.read(async (tx) => {
          for (let i = 0; i < values.length; i++) assert.deepEqual(await tx.get(scope, 'v', `k${i}`), values[i]);
          assert.equal(await tx.get(scope, 'v', 'missing'), undefined);
        });
        // null is a stored value, distinct from absent.
        assert.equal(await s.read((tx) => tx.get(scope, 'v', 'k0')), null);

        // put replaces
        await s.write((tx) => tx.put(scope, 'v', 'k1', { replaced: true }));
        assert.deepEqual(await s.read((tx) => tx.get(scope, 'v', 'k1')), { replaced: true });

        // delete
        assert.equal(await s.write((tx) => tx.delete(scope, 'v', 'k1')), true);
        assert.equal(await s.write((tx) => tx.delete(scope, 'v', 'k1')), false);
        assert.equal(await s.write((tx) => tx.delete(scope, 'v', 'never')), false);
        assert.equal(await s.read((tx) => tx.get(scope, 'v', 'k1')), undefined);
        assert.equal(await s.read((tx) => tx.count(scope, 'v')), values.length - 1);
      });
    });

    it('generation grows on each committed write, not on reads or rollbacks', async () => {
      await withStore(async (s, scope) => {
        const g0 = s.generation;
        await s.write((tx) => tx.put(scope, 'k', 'a', 1));
        const g1 = s.generation;
        assert.ok(g1 > g0, 'a commit grows the generation');
        await s.read((tx) => tx.get(scope, 'k', 'a'));
        assert.equal(s.generation, g1, 'a read leaves it');
        await assert.rejects(
          s.write(async (tx) => {
            await tx.put(scope, 'k', 'b', 2);
            throw new Error('roll back');
          }),
        );
        assert.equal(s.generation, g1, 'a rollback leaves it');
      });
    });

    it('a write transaction sees its own writes', async () => {
      await withStore(async (s, scope) => {
        await s.write(async (tx) => {
          await tx.put(scope, 'k', 'a', 1);
          assert.equal(await tx.get(scope, 'k', 'a'), 1);
          assert.deepEqual(keysOf(await tx.list(scope, 'k')), ['a']);
          assert.equal(await tx.count(scope, 'k'), 1);
          assert.equal(await tx.delete(scope, 'k', 'a'), true);
          assert.equal(await tx.get(scope, 'k', 'a'), undefined);
        });
      });
    });

    it('drops undefined object properties, as JSON does', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'v', 'a', { x: 1, y: undefined } as unknown as Json));
        const got = (await s.read((tx) => tx.get(scope, 'v', 'a'))) as Record<string, unknown>;
        assert.deepEqual(got, { x: 1 });
        assert.equal('y' in got, false);
      });
    });

    it('returns copies: mutating a result does not change the stored value', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'v', 'a', { list: [1] }));
        const a = (await s.read((tx) => tx.get<{ list: number[] }>(scope, 'v', 'a')))!;
        a.list.push(2);
        const [e] = await s.read((tx) => tx.list<{ list: number[] }>(scope, 'v'));
        e!.value.list.push(3);
        assert.deepEqual(await s.read((tx) => tx.get(scope, 'v', 'a')), { list: [1] });
      });
    });

    it('insert only inserts when absent', async () => {
      await withStore(async (s, scope) => {
        assert.equal(await s.write((tx) => tx.insert(scope, 'u', 'alice', { v: 1 })), true);
        assert.equal(await s.write((tx) => tx.insert(scope, 'u', 'alice', { v: 2 })), false);
        assert.deepEqual(await s.read((tx) => tx.get(scope, 'u', 'alice')), { v: 1 });
        // Within one transaction too.
        await s.write(async (tx) => {
          assert.equal(await tx.insert(scope, 'u', 'bob', 1), true);
          assert.equal(await tx.insert(scope, 'u', 'bob', 2), false);
          assert.equal(await tx.get(scope, 'u', 'bob'), 1);
        });
        // After a delete the key is free again.
        await s.write((tx) => tx.delete(scope, 'u', 'alice'));
        assert.equal(await s.write((tx) => tx.insert(scope, 'u', 'alice', { v: 3 })), true);
        assert.deepEqual(await s.read((tx) => tx.get(scope, 'u', 'alice')), { v: 3 });
      });
    });

    it('partitions by scope and kind (no leakage between similar names)', async () => {
      await withStore(async (s, scope) => {
        const other = `${scope}x`;
        await s.write(async (tx) => {
          await tx.put(scope, 'a', 'k', 'scope/a');
          await tx.put(scope, 'ab', 'k', 'scope/ab');
          await tx.put(scope, 'a', 'k2', 'scope/a2');
          await tx.put(other, 'a', 'k', 'other/a');
        });
        await s.read(async (tx) => {
          assert.equal(await tx.get(scope, 'a', 'k'), 'scope/a');
          assert.equal(await tx.get(scope, 'ab', 'k'), 'scope/ab');
          assert.equal(await tx.get(other, 'a', 'k'), 'other/a');
          assert.equal(await tx.get(other, 'ab', 'k'), undefined);
          assert.deepEqual(await tx.list(scope, 'a'), [
            { key: 'k', value: 'scope/a' },
            { key: 'k2', value: 'scope/a2' },
          ]);
          assert.deepEqual(await tx.list(scope, 'ab'), [{ key: 'k', value: 'scope/ab' }]);
          assert.equal(await tx.count(scope, 'a'), 2);
          assert.equal(await tx.count(other, 'a'), 1);
          assert.equal(await tx.count(scope, 'nothing'), 0);
          assert.deepEqual(await tx.list(scope, 'nothing'), []);
        });
        await s.write((tx) => tx.delete(other, 'a', 'k'));
        assert.equal(await s.read((tx) => tx.get(scope, 'a', 'k')), 'scope/a');
      });
    });

    const ORDER_KEYS = [
      'b',
      'B',
      'a',
      'A',
      'aa',
      'a a',
      '_',
      '%',
      '~',
      '0',
      '10',
      '9',
      'é',
      'e',
      'z',
      'Z',
      '€',
      '\u00ff',
      '\u0100',
      '\uE000',
      '\uFFFD',
      '\uFFFF',
      '😀',
      '\u{10000}',
      '\u{10FFFF}',
      '',
    ];

    it('lists in UTF-8 byte order (mixed case, non-ASCII, astral after U+FFFF)', async () => {
      await withStore(async (s, scope) => {
        await putAll(s, scope, 'o', [...ORDER_KEYS].reverse());
        const expected = utf8Sort(ORDER_KEYS);
        // Sanity of the expectation itself: UTF-8 order differs from JS (UTF-16) order here.
        assert.ok(expected.indexOf('\uFFFF') < expected.indexOf('😀'));
        assert.ok(expected.indexOf('B') < expected.indexOf('a'));
        const listed = await s.read((tx) => tx.list(scope, 'o'));
        assert.deepEqual(keysOf(listed), expected);
        assert.deepEqual(
          listed.map((e) => e.value),
          expected.map((k) => ({ k })),
        );
        assert.equal(await s.read((tx) => tx.count(scope, 'o')), ORDER_KEYS.length);
      });
    });

    it('prefix matches exactly the keys that start with it (special characters, U+FFFF neighbours)', async () => {
      await withStore(async (s, scope) => {
        const keys = [
          'a',
          'a%',
          'a%b',
          'a%c',
          'ab',
          'aXb',
          'a_',
          'a_b',
          'a\\',
          'a\\b',
          'a*',
          'a[b]',
          'b',
          'x',
          'x\uFFFE',
          'x\uFFFF',
          'x\uFFFFy',
          'x\uFFFF\uFFFF',
          'x\u{10000}',
          'x\u{1F600}',
          'x\u{10FFFF}',
          'x\u{10FFFF}z',
          'x\u{10FFFF}\u{10FFFF}',
          'y',
          'p\uD7FF',
          'p\uD7FFz',
          'p\uE000',
          'q\uE000',
          'q\uE000a',
          'é',
          'éa',
          'ê',
        ];
        await putAll(s, scope, 'p', keys);
        const cases: string[] = [
          'a%',
          'a_',
          'a\\',
          'a*',
          'a[',
          'a',
          'x',
          'x\uFFFF',
          'x\uFFFE',
          'x\u{10000}',
          'x\u{10FFFF}',
          'x\u{10FFFF}\u{10FFFF}',
          'p\uD7FF',
          'q\uE000',
          'é',
          'zzz',
          '%',
          '_',
        ];
        await s.read(async (tx) => {
          for (const prefix of cases) {
            const expected = utf8Sort(keys.filter((k) => k.startsWith(prefix)));
            assert.deepEqual(keysOf(await tx.list(scope, 'p', { prefix })), expected, `prefix ${JSON.stringify(prefix)}`);
            assert.equal(await tx.count(scope, 'p', { prefix }), expected.length, `count ${JSON.stringify(prefix)}`);
          }
          // The empty prefix matches everything.
          assert.deepEqual(keysOf(await tx.list(scope, 'p', { prefix: '' })), utf8Sort(keys));
          assert.equal(await tx.count(scope, 'p', { prefix: '' }), keys.length);
          assert.equal(await tx.count(scope, 'p'), keys.length);
        });
      });
    });

    it('startAfter is exclusive and combines with prefix', async () => {
      await withStore(async (s, scope) => {
        const keys = ['a', 'b', 'b1', 'b2', 'b3', 'c', 'x\uE000', 'x\uE000a', 'x\u{10000}', 'x\u{1F600}', '\uFFFF', '😀'];
        await putAll(s, scope, 's', keys);
        const all = utf8Sort(keys);
        const cases: Array<{ prefix?: string; startAfter: string }> = [
          { startAfter: 'b' }, // present key: excluded
          { startAfter: 'b15' }, // absent key between b1 and b2
          { startAfter: '' },
          { startAfter: '\uFFFF' }, // astral keys sort after U+FFFF
          { startAfter: 'zzz' },
          { prefix: 'b', startAfter: 'a' }, // before the prefix range
          { prefix: 'b', startAfter: 'b' },
          { prefix: 'b', startAfter: 'b1' },
          { prefix: 'b', startAfter: 'b3' },
          { prefix: 'b', startAfter: 'c' }, // after the prefix range
          { prefix: 'x', startAfter: 'x\uE000' },
          // In UTF-16 order 'x\u{10000}' < 'x\uE000'; in UTF-8 order it is greater.
          { prefix: 'x\uE000', startAfter: 'x\u{10000}' },
          { prefix: 'x', startAfter: 'x\u{10000}' },
        ];
        const gt = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;
        await s.read(async (tx) => {
          for (const c of cases) {
            const expected = all.filter((k) => gt(k, c.startAfter) && (c.prefix === undefined || k.startsWith(c.prefix)));
            assert.deepEqual(keysOf(await tx.list(scope, 's', c)), expected, JSON.stringify(c));
          }
        });
      });
    });

    it('limit caps the result; limit 0 returns nothing', async () => {
      await withStore(async (s, scope) => {
        await putAll(s, scope, 'l', ['a', 'b', 'c', 'd']);
        await s.read(async (tx) => {
          assert.deepEqual(keysOf(await tx.list(scope, 'l', { limit: 2 })), ['a', 'b']);
          assert.deepEqual(keysOf(await tx.list(scope, 'l', { limit: 0 })), []);
          assert.deepEqual(keysOf(await tx.list(scope, 'l', { limit: 10 })), ['a', 'b', 'c', 'd']);
          assert.deepEqual(keysOf(await tx.list(scope, 'l', { limit: 1, startAfter: 'b' })), ['c']);
          assert.deepEqual(keysOf(await tx.list(scope, 'l', { limit: 1, prefix: 'd' })), ['d']);
        });
      });
    });

    it('pagination with startAfter + limit visits every key exactly once, in order', async () => {
      await withStore(async (s, scope) => {
        const keys: string[] = [];
        for (let i = 0; i < 40; i++) keys.push(`user/${String(i).padStart(3, '0')}`);
        keys.push('user/Zed', 'user/zed', 'user/é', 'user/😀', 'user/\uFFFF', 'user', 'users', 'other');
        await putAll(s, scope, 'pg', keys);
        for (const [prefix, pageSize] of [
          [undefined, 7],
          ['user/', 3],
          ['user/', 1],
          ['user', 100],
        ] as const) {
          const seen: string[] = [];
          let marker: string | undefined;
          for (let pages = 0; pages < 1000; pages++) {
            const page = await s.read((tx) => tx.list(scope, 'pg', { prefix, startAfter: marker, limit: pageSize }));
            assert.ok(page.length <= pageSize);
            seen.push(...keysOf(page));
            if (page.length < pageSize) break;
            marker = page[page.length - 1]!.key;
          }
          const expected = utf8Sort(keys.filter((k) => prefix === undefined || k.startsWith(prefix)));
          assert.deepEqual(seen, expected, `prefix ${prefix} page ${pageSize}`);
        }
      });
    });

    it('write resolves to the callback result; read too', async () => {
      await withStore(async (s, scope) => {
        assert.deepEqual(
          await s.write(async (tx) => {
            await tx.put(scope, 'r', 'a', 1);
            return { ok: 42 };
          }),
          { ok: 42 },
        );
        assert.equal(await s.read(async (tx) => ((await tx.get<number>(scope, 'r', 'a')) ?? 0) + 1), 2);
      });
    });

    it('a rejected write rolls back everything it did', async () => {
      await withStore(async (s, scope) => {
        await s.write(async (tx) => {
          await tx.put(scope, 'rb', 'keep', 'original');
          await tx.put(scope, 'rb', 'gone', 'original');
        });
        const boom = new Error('boom');
        await assert.rejects(
          s.write(async (tx) => {
            await tx.put(scope, 'rb', 'keep', 'changed');
            await tx.put(scope, 'rb', 'new', 'new');
            assert.equal(await tx.insert(scope, 'rb', 'new2', 1), true);
            assert.equal(await tx.delete(scope, 'rb', 'gone'), true);
            await turns(1);
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.deepEqual(await s.read((tx) => tx.list(scope, 'rb')), [
          { key: 'gone', value: 'original' },
          { key: 'keep', value: 'original' },
        ]);
        // A synchronous throw in the callback rolls back too.
        await assert.rejects(
          s.write((tx) => {
            void tx.put(scope, 'rb', 'sync', 1);
            throw new Error('sync boom');
          }),
          /sync boom/,
        );
        assert.equal(await s.read((tx) => tx.get(scope, 'rb', 'sync')), undefined);
        // The store still works after rollbacks.
        await s.write((tx) => tx.put(scope, 'rb', 'after', true));
        assert.equal(await s.read((tx) => tx.get(scope, 'rb', 'after')), true);
      });
    });

    it('a tx handle rejects once its transaction has ended', async () => {
      await withStore(async (s, scope) => {
        let leakedW: Parameters<Parameters<Store['write']>[0]>[0] | undefined;
        let leakedR: Parameters<Parameters<Store['read']>[0]>[0] | undefined;
        await s.write(async (tx) => {
          leakedW = tx;
        });
        await s.read(async (tx) => {
          leakedR = tx;
        });
        await assert.rejects(leakedW!.put(scope, 'lk', 'a', 1), /finished|ended|closed/i);
        await assert.rejects(leakedW!.get(scope, 'lk', 'a'), /finished|ended|closed/i);
        await assert.rejects(leakedR!.list(scope, 'lk'), /finished|ended|closed/i);
        // Even while another transaction is open, the leaked handle cannot write into it.
        await assert.rejects(
          s.write(async () => {
            await leakedW!.put(scope, 'lk', 'b', 1);
          }),
          /finished|ended|closed/i,
        );
        assert.equal(await s.read((tx) => tx.count(scope, 'lk')), 0);
      });
    });

    it('rejects values that are not JSON, and the transaction can go on', async () => {
      await withStore(async (s, scope) => {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const bad: unknown[] = [
          undefined,
          () => 1,
          Symbol('s'),
          10n,
          NaN,
          Infinity,
          { n: -Infinity },
          [1, undefined],
          { f: () => 1 },
          circular,
          new Date(0),
          { when: new Date(0) },
          new Map([['a', 1]]),
          new Set([1]),
          Buffer.from('x'),
        ];
        await s.write(async (tx) => {
          for (const [i, v] of bad.entries()) {
            await assert.rejects(tx.put(scope, 'bad', `p${i}`, v as Json), /JSON/, `put #${i}`);
            await assert.rejects(tx.insert(scope, 'bad', `i${i}`, v as Json), /JSON/, `insert #${i}`);
          }
          await tx.put(scope, 'bad', 'ok', 'fine');
        });
        assert.deepEqual(await s.read((tx) => tx.list(scope, 'bad')), [{ key: 'ok', value: 'fine' }]);
      });
    });

    it('rejects names it could not store faithfully (non-strings, NUL, lone surrogates)', async () => {
      await withStore(async (s, scope) => {
        const badNames: unknown[] = ['a\u0000b', '\uD800', 'x\uDC00y', 42, undefined];
        await s.write(async (tx) => {
          for (const n of badNames) {
            await assert.rejects(tx.put(scope, 'names', n as string, 1), Error, `key ${String(n)}`);
            await assert.rejects(tx.put(scope, n as string, 'k', 1), Error, `kind ${String(n)}`);
            await assert.rejects(tx.put(n as string, 'names', 'k', 1), Error, `scope ${String(n)}`);
            await assert.rejects(tx.get(scope, 'names', n as string), Error);
          }
          await assert.rejects(tx.list(scope, 'names', { prefix: '\uD800' }), Error);
          await assert.rejects(tx.list(scope, 'names', { startAfter: 'a\u0000' }), Error);
          await assert.rejects(tx.list(scope, 'names', { limit: -1 }), Error);
          await assert.rejects(tx.list(scope, 'names', { limit: 1.5 }), Error);
        });
        assert.equal(await s.read((tx) => tx.count(scope, 'names')), 0);
      });
    });

    it('a read during a pending write never sees its uncommitted writes (rolled back)', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'iso', 'x', 'original'));
        const gate = deferred();
        const wrote = deferred();
        const w = s.write(async (tx) => {
          await tx.put(scope, 'iso', 'x', 'dirty');
          await tx.put(scope, 'iso', 'y', 'dirty');
          wrote.resolve();
          await gate.promise;
          throw new Error('abort');
        });
        await wrote.promise;
        const r = s.read(async (tx) => [await tx.get(scope, 'iso', 'x'), await tx.get(scope, 'iso', 'y')]);
        await turns(); // let the read run now if the backend runs reads beside a pending write
        gate.resolve();
        await assert.rejects(w, /abort/);
        assert.deepEqual(await r, ['original', undefined]);
      });
    });

    it('a read during a pending write sees the state before or after it, never in between', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'iso', 'x', 0));
        const gate = deferred();
        const wrote = deferred();
        const w = s.write(async (tx) => {
          await tx.put(scope, 'iso', 'x', 1); // intermediate, never visible outside
          wrote.resolve();
          await gate.promise;
          await tx.put(scope, 'iso', 'x', 2);
        });
        await wrote.promise;
        const r = s.read((tx) => tx.get(scope, 'iso', 'x'));
        await turns();
        gate.resolve();
        await w;
        assert.ok([0, 2].includes((await r) as number), `read saw ${String(await r)}`);
        assert.equal(await s.read((tx) => tx.get(scope, 'iso', 'x')), 2);
      });
    });

    it('a write waiting behind another never sees its uncommitted writes', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'iso', 'x', 'original'));
        const gate = deferred();
        const wrote = deferred();
        const w1 = s.write(async (tx) => {
          await tx.put(scope, 'iso', 'x', 'dirty');
          wrote.resolve();
          await gate.promise;
          throw new Error('abort');
        });
        await wrote.promise;
        const w2 = s.write(async (tx) => tx.get(scope, 'iso', 'x'));
        await turns();
        gate.resolve();
        await assert.rejects(w1, /abort/);
        assert.equal(await w2, 'original');
      });
    });

    it('a read transaction sees one consistent snapshot', async () => {
      await withStore(async (s, scope) => {
        await s.write(async (tx) => {
          await tx.put(scope, 'snap', 'x', 0);
          await tx.put(scope, 'snap', 'y', 0);
        });
        const firstRead = deferred();
        const r = s.read(async (tx) => {
          const x = await tx.get<number>(scope, 'snap', 'x');
          firstRead.resolve();
          await turns(); // a concurrent write may commit now (if the backend lets it)
          const y = await tx.get<number>(scope, 'snap', 'y');
          const n = await tx.count(scope, 'snap');
          return { x, y, n };
        });
        await firstRead.promise;
        const w = s.write(async (tx) => {
          await tx.put(scope, 'snap', 'x', 1);
          await tx.put(scope, 'snap', 'y', 1);
          await tx.put(scope, 'snap', 'z', 1);
        });
        const [seen] = await Promise.all([r, w]);
        assert.deepEqual(seen, { x: 0, y: 0, n: 2 });
        assert.deepEqual(await s.read((tx) => tx.list(scope, 'snap')), [
          { key: 'x', value: 1 },
          { key: 'y', value: 1 },
          { key: 'z', value: 1 },
        ]);
      });
    });

    it('100 concurrent read-modify-write transactions lose no update', async () => {
      await withStore(async (s, scope) => {
        await s.write((tx) => tx.put(scope, 'ctr', 'n', 0));
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            s.write(async (tx) => {
              const n = (await tx.get<number>(scope, 'ctr', 'n'))!;
              if (i % 3 === 0) await turns(1); // yield to the event loop mid-transaction
              await tx.put(scope, 'ctr', 'n', n + 1);
              return n;
            }),
          ),
        );
        assert.equal(await s.read((tx) => tx.get(scope, 'ctr', 'n')), 100);
        // Each transaction saw a distinct predecessor: a serial order exists.
        assert.deepEqual(
          [...results].sort((a, b) => a - b),
          Array.from({ length: 100 }, (_, i) => i),
        );
      });
    });

    it('concurrent inserts of one key: exactly one wins', async () => {
      await withStore(async (s, scope) => {
        const wins = await Promise.all(
          Array.from({ length: 20 }, (_, i) => s.write((tx) => tx.insert(scope, 'race', 'k', i))),
        );
        assert.equal(wins.filter(Boolean).length, 1);
        assert.equal(await s.read((tx) => tx.get(scope, 'race', 'k')), wins.indexOf(true));
      });
    });

    it('close waits for in-flight and queued transactions, then rejects new ones', async () => {
      const s = await open();
      const scope = `test-${randomUUID()}`;
      const events: string[] = [];
      const w1 = s.write(async (tx) => {
        await turns(3);
        await tx.put(scope, 'cl', 'a', 1);
        events.push('w1');
      });
      const w2 = s.write(async (tx) => {
        await tx.put(scope, 'cl', 'b', 2);
        events.push('w2');
      });
      const r1 = s.read(async (tx) => {
        await turns(2);
        events.push('r1');
        return tx.count(scope, 'cl');
      });
      const closed = s.close().then(() => events.push('closed'));
      await assert.rejects(s.write((tx) => tx.put(scope, 'cl', 'late', 1)), /closed/i);
      await assert.rejects(s.read((tx) => tx.count(scope, 'cl')), /closed/i);
      await Promise.all([w1, w2, r1, closed]);
      assert.equal(events[events.length - 1], 'closed');
      assert.deepEqual([...events].sort(), ['closed', 'r1', 'w1', 'w2']);
      assert.ok(events.indexOf('w1') < events.indexOf('w2'), 'writes run in FIFO order');
      // Further calls reject with a clear error; close itself is idempotent.
      await assert.rejects(s.write(async () => 1), /closed/i);
      await assert.rejects(s.read(async () => 1), /closed/i);
      await s.close();

      if (opts.persistent) {
        const again = await open();
        try {
          assert.deepEqual(await again.read((tx) => tx.list(scope, 'cl')), [
            { key: 'a', value: 1 },
            { key: 'b', value: 2 },
          ]);
        } finally {
          await again.close();
        }
      }
    });

    if (opts.persistent) {
      it('committed writes persist across close and reopen; rolled-back ones do not', async () => {
        const scope = `test-${randomUUID()}`;
        const s1 = await open();
        await s1.write(async (tx) => {
          await tx.put(scope, 'per', 'a', { v: 'é😀' });
          await tx.put(scope, 'per', 'b', [1, 2]);
        });
        await s1.write((tx) => tx.delete(scope, 'per', 'b'));
        await assert.rejects(
          s1.write(async (tx) => {
            await tx.put(scope, 'per', 'c', 1);
            throw new Error('no');
          }),
        );
        await s1.close();
        const s2 = await open();
        try {
          assert.deepEqual(await s2.read((tx) => tx.list(scope, 'per')), [{ key: 'a', value: { v: 'é😀' } }]);
          await s2.write((tx) => tx.put(scope, 'per', 'd', 4));
        } finally {
          await s2.close();
        }
        const s3 = await open();
        try {
          assert.equal(await s3.read((tx) => tx.count(scope, 'per')), 2);
        } finally {
          await s3.close();
        }
      });
    }
  });
}
