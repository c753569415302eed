// Databases against Map models under long random sequences of writes, resizes, deletes,
// expiry, index growth/shrink, swaps and flushes, with fuzzed keys (empty, every byte value, 1 KB, and 70 KB,
// which exceeds the arena's size classes and gets a dedicated chunk).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Keyspace, type Clock } from '../../src/store/keyspace.ts';
import type { Database } from '../../src/store/database.ts';
import { INLINE_VALUE_MAX } from '../../src/store/database.ts';
import { MAX_CLASS_BYTES } from '../../src/store/arena.ts';
import { Meter } from '../../src/store/memory.ts';
import { Encoding, ValueType, newByteRange, type StoredObject } from '../../src/store/types.ts';

class ManualClock implements Clock {
  ms = 1_700_000_000_000;
  now(): number {
    return this.ms;
  }
}

class TagObject extends Meter implements StoredObject {
  constructor(readonly tag: number) {
    super();
    this.adjust(this.recount());
  }
  clone(): TagObject {
    return new TagObject(this.tag);
  }
  recount(): number {
    return 16;
  }
}

function pattern(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (seed + i * 31) & 0xff;
  return out;
}

const SPECIAL_KEYS = [
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  pattern(1024, 1),
  pattern(MAX_CLASS_BYTES + 6 * 1024, 2),
];
const SMALL_KEYS = Array.from({ length: 40 }, (_, i) => Buffer.from(`k${i}`));
const POOL = [...SPECIAL_KEYS, ...SMALL_KEYS];
const BULK_KEYS = Array.from({ length: 3000 }, (_, i) => Buffer.from(`bulk:${i}`));

type Value = { kind: 'string'; bytes: Buffer } | { kind: 'object'; tag: number };
interface ModelEntry {
  value: Value;
  expireAt: number;
}

/** The reference: key (latin1) -> value and absolute expiry (-1 = none). */
class Model {
  readonly entries = new Map<string, ModelEntry>();
  constructor(readonly clock: ManualClock) {}

  live(key: Buffer): ModelEntry | undefined {
    const name = key.toString('latin1');
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    if (entry.expireAt >= 0 && this.clock.ms > entry.expireAt) {
      this.entries.delete(name);
      return undefined;
    }
    return entry;
  }

  liveNames(): string[] {
    return [...this.entries.keys()].filter((name) => this.live(Buffer.from(name, 'latin1')) !== undefined).sort();
  }
}

const valueSize = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 48 }) },
  { weight: 3, arbitrary: fc.integer({ min: INLINE_VALUE_MAX - 12, max: INLINE_VALUE_MAX + 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: INLINE_VALUE_MAX + 5, max: 70_000 }) },
);
const poolKey = fc.integer({ min: 0, max: POOL.length - 1 });
const seed = fc.integer({ min: 0, max: 255 });

const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('set' as const), key: poolKey, size: valueSize, seed, keepTtl: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('resize' as const), key: poolKey, size: valueSize, seed }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), key: poolKey }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('expire' as const), key: poolKey, delta: fc.integer({ min: -5, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('persist' as const), key: poolKey }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cycle' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('object' as const), key: poolKey, tag: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('bulkSet' as const), from: fc.nat({ max: 2999 }), count: fc.integer({ min: 1, max: 1500 }), ttl: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('bulkDel' as const), from: fc.nat({ max: 2999 }), count: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('rehash' as const), buckets: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('check' as const), key: poolKey }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('select' as const), db: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('swap' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('flush' as const) }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function assertMatches(db: Database, model: Model, key: Buffer): void {
  const expected = model.live(key);
  const id = db.find(key);
  if (expected === undefined) {
    assert.equal(id, -1, `key of ${key.length} bytes should be absent`);
    return;
  }
  assert.ok(id >= 0, `key of ${key.length} bytes should be present`);
  assert.deepEqual(db.keyOf(id), key);
  assert.equal(db.expireAt(id), expected.expireAt);
  if (expected.value.kind === 'object') {
    assert.equal(db.typeOf(id), ValueType.Hash);
    assert.equal((db.objectOf(id) as TagObject).tag, expected.value.tag);
  } else {
    assert.equal(db.typeOf(id), ValueType.String);
    assert.equal(db.stringLength(id), expected.value.bytes.length);
    assert.ok(db.stringValue(id).equals(expected.value.bytes), `value of key of ${key.length} bytes differs`);
  }
}

function assertWhole(db: Database, model: Model): void {
  for (const key of [...POOL, ...BULK_KEYS]) assertMatches(db, model, key);
  const seen: string[] = [];
  db.forEach((id) => seen.push(db.keyOf(id).toString('latin1')));
  assert.deepEqual(seen.sort(), model.liveNames());
  assert.equal(db.size, seen.length);
}

/** Two databases sharing one arena, each with its model, and the one commands go to. */
interface World {
  keyspace: Keyspace;
  clock: ManualClock;
  models: Model[];
  selected: number;
}

function apply(world: World, step: Op): void {
  const { keyspace, clock } = world;
  const db = keyspace.dbs[world.selected]!;
  const model = world.models[world.selected]!;
  const range = newByteRange();
  switch (step.k) {
    case 'set': {
      const key = POOL[step.key]!;
      const bytes = pattern(step.size, step.seed);
      const before = model.live(key);
      db.setString(key, bytes, step.keepTtl);
      model.entries.set(key.toString('latin1'), { value: { kind: 'string', bytes }, expireAt: step.keepTtl && before ? before.expireAt : -1 });
      return;
    }
    case 'resize': {
      const key = POOL[step.key]!;
      const entry = model.live(key);
      const id = db.find(key);
      if (entry === undefined || entry.value.kind !== 'string') return;
      const grown = Buffer.alloc(step.size);
      entry.value.bytes.copy(grown, 0, 0, Math.min(step.size, entry.value.bytes.length));
      if (step.size > 0) grown[step.size - 1] = step.seed;
      entry.value.bytes = grown;
      const out = db.resizeString(id, step.size, range);
      assert.equal(out.end - out.start, step.size);
      if (step.size > 0) out.buf[out.end - 1] = step.seed;
      return;
    }
    case 'del': {
      const key = POOL[step.key]!;
      assert.equal(db.delete(key), model.live(key) !== undefined);
      model.entries.delete(key.toString('latin1'));
      return;
    }
    case 'expire': {
      const key = POOL[step.key]!;
      const entry = model.live(key);
      const id = db.find(key);
      if (entry === undefined) return;
      entry.expireAt = clock.ms + step.delta;
      db.setExpire(id, entry.expireAt);
      return;
    }
    case 'persist': {
      const key = POOL[step.key]!;
      const entry = model.live(key);
      const id = db.find(key);
      if (entry === undefined) return;
      assert.equal(db.clearExpire(id), entry.expireAt >= 0);
      entry.expireAt = -1;
      return;
    }
    case 'tick':
      clock.ms += step.ms;
      keyspace.refreshTime();
      return;
    case 'cycle':
      keyspace.activeExpireCycle(1000);
      return;
    case 'object': {
      const key = POOL[step.key]!;
      db.setObject(key, ValueType.Hash, Encoding.Hashtable, new TagObject(step.tag));
      model.entries.set(key.toString('latin1'), { value: { kind: 'object', tag: step.tag }, expireAt: -1 });
      return;
    }
    case 'bulkSet':
      for (let i = step.from; i < Math.min(BULK_KEYS.length, step.from + step.count); i++) {
        const key = BULK_KEYS[i]!;
        const bytes = pattern(i % 13, i);
        const id = db.setString(key, bytes);
        const expireAt = step.ttl && i % 3 === 0 ? clock.ms + (i % 50) : -1;
        if (expireAt >= 0) db.setExpire(id, expireAt);
        model.entries.set(key.toString('latin1'), { value: { kind: 'string', bytes }, expireAt });
      }
      return;
    case 'bulkDel':
      for (let i = step.from; i < Math.min(BULK_KEYS.length, step.from + step.count); i++) {
        const key = BULK_KEYS[i]!;
        assert.equal(db.delete(key), model.live(key) !== undefined);
        model.entries.delete(key.toString('latin1'));
      }
      return;
    case 'rehash':
      db.rehashSome(step.buckets);
      return;
    case 'check':
      assertMatches(db, model, POOL[step.key]!);
      return;
    case 'select':
      world.selected = step.db;
      return;
    case 'swap':
      keyspace.swap(0, 1);
      world.models.reverse();
      return;
    case 'flush':
      db.clear();
      model.entries.clear();
      return;
  }
}

/** The running memory totals equal a count from scratch, per database and summed. */
function assertMemoryTotals(keyspace: Keyspace): void {
  let dataset = 0;
  let overhead = 0;
  for (const db of keyspace.dbs) {
    const counted = db.recountMemory();
    assert.deepEqual(counted, { dataset: db.datasetBytes, overhead: db.overheadBytes, mismatched: [] });
    dataset += counted.dataset;
    overhead += counted.overhead;
  }
  assert.equal(keyspace.datasetBytes, dataset);
  assert.equal(keyspace.overheadBytes, overhead);
}

test('databases agree with Map models over random writes, resizes, deletes, expiry, swaps and flushes', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 20, maxLength: 120 }), (ops) => {
      const clock = new ManualClock();
      const keyspace = new Keyspace(2, clock);
      const world: World = { keyspace, clock, models: [new Model(clock), new Model(clock)], selected: 0 };
      for (const step of ops) apply(world, step);
      keyspace.dbs.forEach((db, i) => assertWhole(db, world.models[i]!));
      assertMemoryTotals(keyspace);
      for (const db of keyspace.dbs) {
        db.forEach((id) => db.deleteId(id));
        assert.equal(db.size, 0);
        assert.equal(db.datasetBytes, 0);
      }
      assertMemoryTotals(keyspace);
      assert.equal(keyspace.arena.usedBytes, 0);
    }),
    { numRuns: 30 },
  );
});
