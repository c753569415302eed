// The slotted key table under big zsets: an open-addressing table with
// backward-shift deletion, checked against a Set model through growth, heavy deletion and
// slot reuse, with keys that share hash buckets (small tables) and binary bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlottedKeys } from '../../src/store/types/slotted.ts';

/** Tables here belong to no collection: nobody to tell of their size. */
const NO_OWNER = { adjust: () => {} };

class Keys extends SlottedKeys {
  add(key: Uint8Array): number {
    return this.insert(key);
  }

  drop(slot: number): void {
    this.removeSlot(slot);
  }

  keyAt(slot: number): string | undefined {
    return this.keys[slot];
  }
}

function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

test('lookups find exactly the keys present through growth, deletes and slot reuse', () => {
  const rand = seeded(5);
  const table = new Keys(NO_OWNER);
  const model = new Map<string, number>();
  const keyOf = (i: number) => Buffer.from([i & 0xff, (i >> 8) & 0xff, 0, 0x80 + (i % 7)]);
  for (let step = 0; step < 60000; step++) {
    const i = rand(6000);
    const key = keyOf(i);
    const name = key.toString('latin1');
    const slot = table.find(key);
    assert.equal(slot, model.get(name) ?? -1, `find ${i} at step ${step}`);
    // Mostly inserts early, mostly deletes in the middle stretch, to grow and then thin out.
    const deleting = step > 20000 && step < 40000 ? rand(4) !== 0 : rand(4) === 0;
    if (slot < 0 && !deleting) model.set(name, table.add(key));
    else if (slot >= 0 && deleting) {
      table.drop(slot);
      model.delete(name);
    }
  }
  assert.equal(table.size, model.size);
  for (let i = 0; i < 6000; i++) {
    const key = keyOf(i);
    const slot = table.find(key);
    assert.equal(slot, model.get(key.toString('latin1')) ?? -1);
    if (slot >= 0) assert.equal(table.keyAt(slot), key.toString('latin1'));
  }
});

test('keys that differ only in length or last byte are told apart', () => {
  const table = new Keys(NO_OWNER);
  const keys = ['', 'a', 'a\0', 'ab', 'b', '\xff', '\xff\xff'].map((k) => Buffer.from(k, 'latin1'));
  const slots = keys.map((k) => table.add(k));
  keys.forEach((k, i) => assert.equal(table.find(k), slots[i]));
  table.drop(slots[1]!);
  assert.equal(table.find(keys[1]!), -1);
  keys.forEach((k, i) => i !== 1 && assert.equal(table.find(k), slots[i]));
  assert.equal(table.find(Buffer.from('abc')), -1);
});
