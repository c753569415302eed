// The byte-record table under big hashes and sets: keys and values in one buffer, found through
// open-addressing buckets that point at record offsets. Checked against a Map model through
// bucket growth, buffer rebuilds, values that change length (records moving) and heavy
// deletion, with keys and values past the one-byte length form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordTable } from '../../src/store/types/records.ts';
import { newByteRange } from '../../src/store/types.ts';

/** Tables here belong to no collection: nobody to tell of their size. */
const NO_OWNER = { adjust: () => {} };

function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

const text = (bytes: Uint8Array, start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1');

function valueOf(table: RecordTable, key: Buffer): string | undefined {
  const out = newByteRange();
  return table.get(key, out) ? text(out.buf, out.start, out.end) : undefined;
}

/** Every record the slots hold, as key -> value. */
function contents(table: RecordTable): Map<string, string> {
  const seen = new Map<string, string>();
  for (let slot = 0; slot < table.slots; slot++) {
    table.visitSlot(slot, (k, ks, ke, v, vs, ve) => seen.set(text(k, ks, ke), text(v, vs, ve)));
  }
  return seen;
}

test('gets, puts and deletes agree with a map through growth, moves, rebuilds and slot reuse', () => {
  const rand = seeded(11);
  const table = new RecordTable(NO_OWNER);
  const model = new Map<string, string>();
  // Binary keys, some past 127 bytes (the four-byte length form).
  const keyOf = (i: number) => Buffer.concat([Buffer.from([i & 0xff, (i >> 8) & 0xff, 0x80 + (i % 7)]), Buffer.alloc(i % 50 === 0 ? 200 : 0, 0xab)]);
  // Values that change length on most overwrites, so records move and leave garbage behind.
  const valueOf_ = (n: number) => Buffer.alloc(rand(4) === 0 ? 130 + rand(40) : rand(12), 97 + (n % 26));
  for (let step = 0; step < 60000; step++) {
    const key = keyOf(rand(4000));
    const name = key.toString('latin1');
    assert.equal(valueOf(table, key), model.get(name), `get at step ${step}`);
    const deleting = step > 20000 && step < 40000 ? rand(4) !== 0 : rand(5) === 0;
    if (deleting) {
      assert.equal(table.delete(key), model.delete(name), `delete at step ${step}`);
    } else {
      const value = valueOf_(step);
      assert.equal(table.put(key, 0, key.length, value, 0, value.length), !model.has(name), `put at step ${step}`);
      model.set(name, value.toString('latin1'));
    }
    assert.equal(table.size, model.size);
  }
  assert.deepEqual(contents(table), model);
});

test('a key keeps its slot while its value moves, so a scan sees it exactly once', () => {
  const table = new RecordTable(NO_OWNER);
  const put = (key: string, value: string) => table.put(Buffer.from(key), 0, key.length, Buffer.from(value), 0, value.length);
  for (let i = 0; i < 100; i++) put(`k${i}`, 'v');
  const seen: string[] = [];
  let cursor = 0;
  do {
    cursor = table.scanSlots(cursor, 7, (slot) => {
      seen.push(table.keyView(slot).toString());
      // Grow every value mid-scan: each record moves (and the buffer is rebuilt on the way).
      for (let i = 0; i < 100; i++) put(`k${i}`, 'x'.repeat(seen.length + 1));
    });
  } while (cursor !== 0);
  assert.equal(seen.length, 100);
  assert.equal(new Set(seen).size, 100);
});

test('a value rewritten at the same length changes in place and at another length moves', () => {
  const table = new RecordTable(NO_OWNER);
  const key = Buffer.from('field');
  table.put(key, 0, key.length, Buffer.from('aaaa'), 0, 4);
  const before = table.bytes;
  for (const value of ['bbbb', 'cccc', 'dddd']) table.put(key, 0, key.length, Buffer.from(value), 0, 4);
  assert.equal(valueOf(table, key), 'dddd');
  assert.equal(table.bytes, before, 'same-length rewrites take no new room');
  table.put(key, 0, key.length, Buffer.from('a much longer value than before'), 0, 31);
  assert.equal(valueOf(table, key), 'a much longer value than before');
  table.put(key, 0, key.length, Buffer.alloc(0), 0, 0);
  assert.equal(valueOf(table, key), '');
  assert.equal(table.size, 1);
});

test('keys that differ only in length or last byte are told apart', () => {
  const table = new RecordTable(NO_OWNER);
  const keys = ['', 'a', 'a\0', 'ab', 'b', '\xff', '\xff\xff'].map((k) => Buffer.from(k, 'latin1'));
  keys.forEach((k, i) => table.put(k, 0, k.length, Buffer.from(String(i)), 0, 1));
  keys.forEach((k, i) => assert.equal(valueOf(table, k), String(i)));
  table.delete(keys[1]!);
  assert.equal(table.has(keys[1]!), false);
  keys.forEach((k, i) => i !== 1 && assert.equal(valueOf(table, k), String(i)));
  assert.equal(table.has(Buffer.from('abc')), false);
});

test('a clone is independent of the table it was copied from', () => {
  const table = new RecordTable(NO_OWNER);
  const put = (t: RecordTable, key: string, value: string) => t.put(Buffer.from(key), 0, key.length, Buffer.from(value), 0, value.length);
  for (let i = 0; i < 50; i++) put(table, `k${i}`, `v${i}`);
  const copy = table.clone(NO_OWNER);
  put(table, 'k1', 'changed');
  put(table, 'k2', 'x'.repeat(300));
  table.delete(Buffer.from('k3'));
  put(copy, 'new', 'only in the copy');
  assert.equal(valueOf(copy, Buffer.from('k1')), 'v1');
  assert.equal(valueOf(copy, Buffer.from('k2')), 'v2');
  assert.equal(valueOf(copy, Buffer.from('k3')), 'v3');
  assert.equal(valueOf(table, Buffer.from('new')), undefined);
  assert.equal(copy.size, 51);
  assert.equal(table.size, 49);
});

test('deleting most records gives the buffer back', () => {
  const table = new RecordTable(NO_OWNER);
  const value = Buffer.alloc(100, 1);
  const keys = Array.from({ length: 5000 }, (_, i) => Buffer.from(`key:${i}`));
  for (const key of keys) table.put(key, 0, key.length, value, 0, value.length);
  const full = table.bytes;
  for (const key of keys.slice(100)) table.delete(key);
  assert.ok(table.bytes < full / 2, `${table.bytes} bytes held after deleting 98% of ${full}`);
  for (const key of keys.slice(0, 100)) assert.equal(valueOf(table, key)?.length, 100);
});
