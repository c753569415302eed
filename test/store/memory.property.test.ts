// The running memory totals against a count from scratch: random command sequences over every
// value type and encoding (small thresholds, so listpacks become tables, intsets become tables,
// zset listpacks become trees and lists span several nodes), with moves between keys and
// databases, expiry and flushes. After every command each stored object's running size must
// equal its recount, each database's totals the sum over its records, objects and structures,
// and the keyspace's totals the sum over its databases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';
import type { Keyspace } from '../../src/store/keyspace.ts';

const SMALL_ENCODINGS = {
  'hash-max-listpack-entries': '4',
  'hash-max-listpack-value': '16',
  'set-max-intset-entries': '4',
  'zset-max-listpack-entries': '4',
  'zset-max-listpack-value': '16',
  'list-max-listpack-size': '3',
};

const key = fc.constantFrom('a', 'b', 'c');
// Integers (intsets), short strings, and strings past the listpack value limits.
const member = fc.constantFrom('1', '2', '-70', '12345678901', 'm', 'mm', 'x'.repeat(20), 'y'.repeat(200));
const members = fc.array(member, { minLength: 1, maxLength: 6 });
const small = fc.integer({ min: -3, max: 3 }).map(String);
// Inline strings, and one past the inline limit (a LargeString).
const stringValue = fc.constantFrom('v', '12', 'w'.repeat(60), 'z'.repeat(20_000));

/** Many distinct members at once, so tables rebuild and score trees grow past a few leaves. */
const bulk = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 1000 })).map(([count, from]) =>
  Array.from({ length: count }, (_, i) => `p${from + i}`),
);

const command: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('SADD', 'RPUSH'), key, bulk).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(key, bulk).map(([k, m]) => ['HSET', k, ...m.flatMap((field) => [field, field])]),
  fc.tuple(key, bulk).map(([k, m]) => ['ZADD', k, ...m.flatMap((name, i) => [String(i % 7), name])]),
  fc.tuple(fc.constantFrom('SREM', 'HDEL', 'ZREM'), key, bulk).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(fc.constantFrom('SPOP', 'LPOP', 'ZPOPMIN'), key, fc.integer({ min: 1, max: 300 })).map(([c, k, n]) => [c, k, String(n)]),
  fc.tuple(key, stringValue).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, stringValue).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(key, fc.integer({ min: 0, max: 30_000 }), stringValue).map(([k, at, v]) => ['SETRANGE', k, String(at), v]),
  key.map((k) => ['INCR', k]),
  fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), key, members).map(([c, k, m]) => [c, k, ...m]),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]),
  fc.tuple(key, small, small).map(([k, a, b]) => ['LTRIM', k, a, b]),
  fc.tuple(key, small, member).map(([k, n, m]) => ['LREM', k, n, m]),
  fc.tuple(key, member, member).map(([k, p, m]) => ['LINSERT', k, 'BEFORE', p, m]),
  fc.tuple(key, small, member).map(([k, i, m]) => ['LSET', k, i, m]),
  fc.tuple(key, members, member).map(([k, f, v]) => ['HSET', k, ...f.flatMap((field) => [field, v])]),
  fc.tuple(key, members).map(([k, f]) => ['HDEL', k, ...f]),
  fc.tuple(key, member).map(([k, f]) => ['HINCRBY', k, f, '1']),
  fc.tuple(key, fc.integer({ min: 1, max: 30 }), members).map(([k, ms, f]) => ['HPEXPIRE', k, String(ms), 'FIELDS', String(f.length), ...f]),
  fc.tuple(key, members).map(([k, f]) => ['HPERSIST', k, 'FIELDS', String(f.length), ...f]),
  fc.tuple(key, members).map(([k, m]) => ['SADD', k, ...m]),
  fc.tuple(key, members).map(([k, m]) => ['SREM', k, ...m]),
  key.map((k) => ['SPOP', k]),
  fc.tuple(key, key, key).map(([d, a, b]) => ['SUNIONSTORE', d, a, b]),
  fc.tuple(key, fc.array(fc.tuple(small, member), { minLength: 1, maxLength: 6 })).map(([k, pairs]) => ['ZADD', k, ...pairs.flat()]),
  fc.tuple(key, members).map(([k, m]) => ['ZREM', k, ...m]),
  fc.tuple(key, member).map(([k, m]) => ['ZINCRBY', k, '2', m]),
  fc.tuple(key, small, small).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
  fc.tuple(key, key, key).map(([d, a, b]) => ['ZUNIONSTORE', d, '2', a, b]),
  fc.tuple(fc.constantFrom('DEL', 'PERSIST'), key).map(([c, k]) => [c, k]),
  fc.tuple(key, fc.integer({ min: 1, max: 30 })).map(([k, ms]) => ['PEXPIRE', k, String(ms)]),
  fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  key.map((k) => ['MOVE', k, '1']),
  fc.constantFrom(['SELECT', '0'], ['SELECT', '1'], ['SWAPDB', '0', '1'], ['FLUSHDB'], ['FLUSHALL'], ['TICK']),
);

function assertTotals(keyspace: Keyspace, after: readonly string[]): void {
  let dataset = 0;
  let overhead = 0;
  keyspace.dbs.forEach((db, i) => {
    const counted = db.recountMemory();
    assert.deepEqual(counted.mismatched, [], `db ${i}: objects whose size is off after ${after.join(' ')}`);
    assert.equal(db.datasetBytes, counted.dataset, `db ${i} dataset after ${after.join(' ')}`);
    assert.equal(db.overheadBytes, counted.overhead, `db ${i} overhead after ${after.join(' ')}`);
    dataset += counted.dataset;
    overhead += counted.overhead;
  });
  assert.equal(keyspace.datasetBytes, dataset);
  assert.equal(keyspace.overheadBytes, overhead);
  assert.ok(keyspace.peakBytes >= keyspace.usedBytes);
}

test('every value running size equals its recount, and the totals their sums, after each command', () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (commands) => {
      const h = new Harness({ ...SMALL_ENCODINGS, databases: '2' });
      const keyspace = h.server.keyspace;
      for (const args of commands) {
        if (args[0] === 'TICK') {
          h.clock.advance(10);
          keyspace.activeExpireCycle(1000);
        } else {
          h.run(...args);
        }
        assertTotals(keyspace, args);
      }
      h.run('FLUSHALL');
      assert.equal(keyspace.datasetBytes, 0);
      assert.equal(keyspace.usedBytes, keyspace.startupBytes, 'an emptied keyspace holds what it held at start');
    }),
    { numRuns: 100 },
  );
});
