// SCAN under index growth and shrink, random sampling, index sizing, database swap and flush.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Keyspace, Removal, type Clock } from '../../src/store/keyspace.ts';
import type { Database } from '../../src/store/database.ts';
import { Meter } from '../../src/store/memory.ts';
import { Encoding, ValueType, newByteRange, type StoredObject } from '../../src/store/types.ts';

/** A value of no size, for tests that only need an entry holding an object. */
class Stub extends Meter implements StoredObject {
  clone(): Stub {
    return new Stub();
  }
  recount(): number {
    return 0;
  }
}

class ManualClock implements Clock {
  ms = 1_700_000_000_000;
  now(): number {
    return this.ms;
  }
}

const key = (i: number) => Buffer.from(`key:${i}`);

function fill(db: Database, from: number, to: number): void {
  for (let i = from; i < to; i++) db.setString(key(i), Buffer.from(String(i)));
}

function names(db: Database): string[] {
  const out: string[] = [];
  db.forEach((id) => out.push(db.keyOf(id).toString()));
  return out.sort();
}

const churn = fc.oneof(
  fc.record({ k: fc.constant('insert' as const), from: fc.nat({ max: 4000 }), count: fc.integer({ min: 1, max: 800 }) }),
  fc.record({ k: fc.constant('remove' as const), from: fc.nat({ max: 4000 }), count: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ k: fc.constant('dropStable' as const), index: fc.nat({ max: 299 }) }),
  fc.record({ k: fc.constant('rehash' as const), buckets: fc.integer({ min: 1, max: 64 }) }),
);

test('SCAN returns every key present for the whole scan exactly once while the index grows and shrinks', () => {
  fc.assert(
    fc.property(fc.integer({ min: 4, max: 40 }), fc.array(churn, { minLength: 1, maxLength: 60 }), (count, steps) => {
      const db = new Keyspace(1).dbs[0]!;
      const stable = Array.from({ length: 300 }, (_, i) => Buffer.from(`stable:${i}`));
      for (const k of stable) db.setString(k, k);
      const dropped = new Set<string>();
      const visits = new Map<string, number>();
      let cursor = 0;
      let step = 0;
      const bucketSizes = new Set<number>();
      do {
        cursor = db.scan(cursor, count, (id) => {
          const name = db.keyOf(id).toString();
          visits.set(name, (visits.get(name) ?? 0) + 1);
        });
        const next = steps[step++ % steps.length]!;
        if (next.k === 'insert') fill(db, 4000 + next.from, 4000 + next.from + next.count);
        else if (next.k === 'remove') for (let i = next.from; i < next.from + next.count; i++) db.delete(key(4000 + i));
        else if (next.k === 'dropStable') {
          db.delete(stable[next.index]!);
          dropped.add(stable[next.index]!.toString());
        } else db.rehashSome(next.buckets);
        bucketSizes.add(db.bucketCount);
      } while (cursor !== 0);
      for (const k of stable) {
        const name = k.toString();
        if (!dropped.has(name)) assert.equal(visits.get(name), 1, `${name} visited once`);
      }
      // A churned key that is deleted and re-inserted may come back under a later id: like
      // Redis, SCAN may return a key not present for the whole scan more than once.
      for (const name of visits.keys()) assert.match(name, /^(stable|key):\d+$/);
    }),
    { numRuns: 20 },
  );
});

test('SCAN with a count of one walks every key of a database that grows past several resizes', () => {
  const db = new Keyspace(1).dbs[0]!;
  fill(db, 0, 100);
  const seen = new Set<string>();
  let cursor = 0;
  let inserted = 100;
  do {
    cursor = db.scan(cursor, 1, (id) => seen.add(db.keyOf(id).toString()));
    if (inserted < 2000) fill(db, inserted, inserted + 10);
    inserted += 10;
  } while (cursor !== 0);
  for (let i = 0; i < 100; i++) assert.ok(seen.has(`key:${i}`));
  assert.ok(db.bucketCount >= 1024, `index grew to ${db.bucketCount} buckets`);
});

test('the index grows as keys arrive and shrinks back once most are deleted', () => {
  const db = new Keyspace(1).dbs[0]!;
  fill(db, 0, 5000);
  while (db.rehashing) db.rehashSome(100);
  assert.equal(db.bucketCount, 8192);
  for (let i = 0; i < 4990; i++) db.delete(key(i));
  while (db.rehashing) db.rehashSome(100);
  assert.equal(db.bucketCount, 16);
  assert.deepEqual(names(db), Array.from({ length: 10 }, (_, i) => `key:${4990 + i}`).sort());
});

test('the index shrinks even when the keys expired while it was still growing', () => {
  const clock = new ManualClock();
  const keyspace = new Keyspace(1, clock);
  const db = keyspace.dbs[0]!;
  fill(db, 0, 1025);
  assert.ok(db.rehashing);
  for (let i = 1; i < 1025; i++) db.setExpire(db.find(key(i)), clock.ms);
  clock.ms += 1;
  while (db.volatileCount > 0) keyspace.activeExpireCycle(1000);
  assert.equal(db.size, 1);
  while (db.rehashing) db.rehashSome(100);
  assert.equal(db.bucketCount, 16);
  assert.equal(db.stringValue(db.find(key(0))).toString(), '0');
});

function sampleCounts(db: Database, draws: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const id = db.randomId();
    const name = db.keyOf(id).toString();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function assertRoughlyUniform(counts: Map<string, number>, expectedKeys: string[], draws: number): void {
  assert.deepEqual([...counts.keys()].sort(), [...expectedKeys].sort());
  const mean = draws / expectedKeys.length;
  for (const [name, n] of counts) assert.ok(Math.abs(n - mean) < mean * 0.25, `${name} drawn ${n} times, expected about ${mean}`);
}

test('randomId draws each key about equally often in a dense database', () => {
  const db = new Keyspace(1).dbs[0]!;
  fill(db, 0, 20);
  assertRoughlyUniform(sampleCounts(db, 20_000), names(db), 20_000);
});

test('randomId draws each key about equally often after most keys were deleted', () => {
  const db = new Keyspace(1).dbs[0]!;
  fill(db, 0, 5000);
  const kept = [0, 1, 2, 3, 4, 2500, 4999];
  for (let i = 0; i < 5000; i++) if (!kept.includes(i)) db.delete(key(i));
  assertRoughlyUniform(sampleCounts(db, 14_000), kept.map((i) => `key:${i}`), 14_000);
});

test('randomId never returns a deleted or expired key, and -1 once every key expired', () => {
  const clock = new ManualClock();
  const keyspace = new Keyspace(1, clock);
  const db = keyspace.dbs[0]!;
  fill(db, 0, 400);
  for (let i = 0; i < 400; i += 2) db.delete(key(i));
  for (let i = 1; i < 400; i += 4) db.setExpire(db.find(key(i)), clock.ms + 10);
  clock.ms += 11;
  keyspace.refreshTime();
  for (let draw = 0; draw < 2000; draw++) {
    const n = Number(db.keyOf(db.randomId()).toString().slice(4));
    assert.equal(n % 4, 3, `key:${n} is deleted or expired`);
  }
  for (let i = 3; i < 400; i += 4) db.setExpire(db.find(key(i)), clock.ms + 10);
  clock.ms += 11;
  keyspace.refreshTime();
  assert.equal(db.randomId(), -1);
  assert.equal(db.size, 0);
});

test('swapping databases swaps their contents and flushing empties every one', () => {
  const keyspace = new Keyspace(2);
  const [a, b] = keyspace.dbs as [Database, Database];
  fill(a, 0, 50);
  a.setString(Buffer.from('big'), Buffer.alloc(40_000, 1));
  b.setString(Buffer.from('only-in-b'), Buffer.from('x'));
  keyspace.swap(0, 1);
  assert.equal(keyspace.dbs[0], b);
  assert.deepEqual(names(keyspace.dbs[0]!), ['only-in-b']);
  assert.equal(keyspace.dbs[1]!.size, 51);
  keyspace.flushAll();
  assert.equal(keyspace.keyCount, 0);
  assert.equal(keyspace.arena.usedBytes, 0);
  fill(keyspace.dbs[1]!, 0, 100);
  assert.equal(keyspace.dbs[1]!.stringValue(keyspace.dbs[1]!.find(key(99))).toString(), '99');
  assert.equal(keyspace.dbs[0]!.find(key(99)), -1);
});

test('the active expire cycle removes expired keys from every database and keeps the rest', () => {
  const clock = new ManualClock();
  const keyspace = new Keyspace(2, clock);
  for (const db of keyspace.dbs) {
    fill(db, 0, 300);
    for (let i = 0; i < 200; i++) db.setExpire(db.find(key(i)), clock.ms + (i < 100 ? 5 : 500));
  }
  clock.ms += 6;
  while (keyspace.dbs.some((db) => db.volatileCount > 100)) keyspace.activeExpireCycle(1000);
  for (const db of keyspace.dbs) {
    assert.equal(db.size, 200);
    assert.equal(db.find(key(50)), -1);
    assert.equal(db.expireAt(db.find(key(150))), clock.ms - 6 + 500);
    assert.equal(db.expireAt(db.find(key(250))), -1);
  }
  assert.equal(keyspace.stats.expiredKeys, 200);
});

test('a value grown in place keeps its bytes when its record has to move', () => {
  const db = new Keyspace(1).dbs[0]!;
  const id = db.setString(Buffer.from('k'), Buffer.from('abcdef'));
  const out = db.resizeString(id, 40, newByteRange());
  assert.equal(Buffer.from(out.buf.subarray(out.start, out.end)).toString('latin1'), 'abcdef' + '\0'.repeat(34));
});

test('observers see every modification before it happens, creations after, and removals with their reason', () => {
  const keyspace = new Keyspace(1);
  const db = keyspace.dbs[0]!;
  const seen: string[] = [];
  keyspace.observe({
    beforeChange: (hookDb, id, removal) => seen.push(`${hookDb.keyOf(id)}=${hookDb.stringValue(id)}${removal === Removal.NotRemoved ? '' : ` removal ${removal}`}`),
    created: (hookDb, id) => seen.push(`created ${hookDb.keyOf(id)}=${hookDb.stringValue(id)}`),
  });
  const id = db.setString(Buffer.from('k'), Buffer.from('1'));
  db.setString(Buffer.from('k'), Buffer.from('2'));
  db.resizeString(id, 3, newByteRange());
  db.setExpire(id, keyspace.now + 1000);
  db.delete(Buffer.from('k'));
  assert.deepEqual(seen, ['created k=1', 'k=1', 'k=2', 'k=2\0\0', `k=2\0\0 removal ${Removal.Deleted}`]);
});

test('the change counter counts each key a unit of work changed once, and leaves expiry out', () => {
  const clock = new ManualClock();
  const keyspace = new Keyspace(2, clock);
  const db = keyspace.dbs[0]!;
  keyspace.beginChanges();
  const id = db.setString(Buffer.from('a'), Buffer.from('1'));
  db.setExpire(id, clock.ms);
  db.resizeString(id, 4, newByteRange());
  assert.equal(keyspace.changes, 1);
  keyspace.beginChanges();
  db.setString(Buffer.from('b'), Buffer.from('1'));
  db.setExpire(db.setString(Buffer.from('a'), Buffer.from('2')), clock.ms);
  assert.equal(keyspace.changes, 3);
  clock.ms += 1;
  keyspace.refreshTime();
  keyspace.beginChanges();
  assert.equal(db.find(Buffer.from('a')), -1);
  assert.equal(keyspace.changes, 3);
  assert.equal(keyspace.flushAll(), 1);
  assert.equal(keyspace.changes, 4);
});

test('CAS stays the same between reads, differs between keys and changes with every modification', () => {
  const db = new Keyspace(1).dbs[0]!;
  const a = db.setString(Buffer.from('a'), Buffer.from('1'));
  const b = db.setString(Buffer.from('b'), Buffer.from('1'));
  const first = db.casOf(a);
  assert.equal(db.casOf(a), first);
  assert.notEqual(db.casOf(b), first);
  db.setString(Buffer.from('a'), Buffer.from('2'));
  const second = db.casOf(a);
  assert.ok(second > first);
  db.resizeString(a, 5, newByteRange());
  assert.ok(db.casOf(a) > second);
  const third = db.casOf(a);
  db.objectForWrite(db.setObject(Buffer.from('a'), ValueType.Hash, Encoding.Hashtable, new Stub()));
  assert.ok(db.casOf(db.find(Buffer.from('a'))) > third);
});

test('Memcached flags default to zero, survive in-place edits and go with the value', () => {
  const db = new Keyspace(1).dbs[0]!;
  const id = db.setString(Buffer.from('k'), Buffer.from('v'));
  assert.equal(db.flagsOf(id), 0);
  db.setFlags(id, 0xffffffff);
  db.resizeString(id, 4, newByteRange());
  assert.equal(db.flagsOf(id), 0xffffffff);
  db.setString(Buffer.from('k'), Buffer.from('w'));
  assert.equal(db.flagsOf(id), 0);
  db.setFlags(id, 7);
  db.delete(Buffer.from('k'));
  assert.equal(db.flagsOf(db.setString(Buffer.from('k2'), Buffer.from('v'))), 0);
});

test('keys longer than 64 KiB keep their bytes through value changes', () => {
  const db = new Keyspace(1).dbs[0]!;
  const long = Buffer.alloc(70_000, 0xab);
  long[69_999] = 1;
  const id = db.setString(long, Buffer.from('small'));
  db.setString(long, Buffer.alloc(20_000, 2));
  db.resizeString(id, 3, newByteRange());
  assert.deepEqual(db.keyOf(db.find(long)), long);
  assert.deepEqual(db.stringValue(id), Buffer.from([2, 2, 2]));
  assert.equal(db.find(long.subarray(0, 69_999)), -1);
});

test('storing a collection over a key past its TTL reports that key as expired', () => {
  const clock = new ManualClock();
  const keyspace = new Keyspace(1, clock);
  const db = keyspace.dbs[0]!;
  const expired: string[] = [];
  keyspace.observe({ beforeChange: (hookDb, id, removal) => removal === Removal.Expired && expired.push(hookDb.keyOf(id).toString()) });
  db.setExpire(db.setString(Buffer.from('k'), Buffer.from('v')), clock.ms);
  clock.ms += 1;
  keyspace.refreshTime();
  db.setObject(Buffer.from('k'), ValueType.Hash, Encoding.Hashtable, new Stub());
  assert.deepEqual(expired, ['k']);
  assert.equal(keyspace.stats.expiredKeys, 1);
  assert.equal(db.typeOf(db.find(Buffer.from('k'))), ValueType.Hash);
});

test('SCAN over a sparse id space returns in bounded steps and still finds every key', () => {
  const db = new Keyspace(1).dbs[0]!;
  fill(db, 0, 5000);
  for (let i = 1; i < 4999; i++) db.delete(key(i));
  const seen: string[] = [];
  let cursor = 0;
  let calls = 0;
  do {
    cursor = db.scan(cursor, 10, (id) => seen.push(db.keyOf(id).toString()));
    calls++;
  } while (cursor !== 0);
  assert.deepEqual(seen.sort(), ['key:0', 'key:4999']);
  assert.ok(calls >= 5000 / 100, `${calls} calls`);
});
