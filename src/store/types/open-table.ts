// What the member tables of hashes, sets and big zsets share: an open-addressing bucket array
// of (ref + 1, hash) pairs with linear probing and backward-shift deletion, and stable slot
// numbers for SCAN-style cursors and random picks. What a ref names (a slot, or a record's
// offset) and how a candidate is compared are the subclass's; it probes `buckets` itself, so
// the comparison inlines into its lookup loop.
//
// Slots: a key present for a whole scan keeps its slot, so it is never missed. Freed slots are
// reused by later inserts; the slot range never shrinks, since compacting would move keys
// under a running cursor.

import { Meter, objectBytes, typedArrayBytes, type ByteSink } from '../memory.ts';

/** Grow when more than 3/4 of the buckets are taken. */
const MAX_FILL_NUMERATOR = 3;
const MAX_FILL_DENOMINATOR = 4;

/** The table object's fields here and in the subclasses (an estimate), without its arrays. */
const TABLE_OBJECT_BYTES = objectBytes(12);

export abstract class OpenTable extends Meter {
  /**
   * (ref + 1, hash) pairs, ref + 1 = 0 being an empty bucket; then, from `tailStart`, words of
   * the subclass's own. A typed array costs about 200 bytes besides its data, which small
   * tables (a set of a few tags) feel, so a table keeps one.
   */
  protected buckets = new Int32Array(8);
  protected mask = 3;
  protected count = 0;
  protected tailWords = 0;

  /** `owner`: the collection this table belongs to, told of its size. */
  constructor(owner: ByteSink) {
    super(owner);
    this.adjust(TABLE_OBJECT_BYTES + typedArrayBytes(this.buckets.byteLength));
  }

  get size(): number {
    return this.count;
  }

  /** One past the highest slot ever used. */
  abstract get slots(): number;

  abstract occupied(slot: number): boolean;

  /**
   * Calls `visit` for up to `count` occupied slots from `cursor` and returns the cursor to go
   * on from (0 when the walk is done): SSCAN, HSCAN and ZSCAN over a table.
   */
  scanSlots(cursor: number, count: number, visit: (slot: number) => void): number {
    const end = this.slots;
    let slot = cursor;
    for (let seen = 0; slot < end && seen < count; slot++) {
      if (!this.occupied(slot)) continue;
      visit(slot);
      seen++;
    }
    return slot >= end ? 0 : slot;
  }

  /** A random occupied slot; the table must not be empty. */
  randomSlot(): number {
    const end = this.slots;
    for (let tries = 0; tries < 64; tries++) {
      const slot = Math.floor(Math.random() * end);
      if (this.occupied(slot)) return slot;
    }
    // Mostly holes: walk from a random slot to the next occupied one.
    const from = Math.floor(Math.random() * end);
    for (let i = 0; ; i++) {
      const slot = (from + i) % end;
      if (this.occupied(slot)) return slot;
    }
  }

  protected get tailStart(): number {
    return (this.mask + 1) * 2;
  }

  /** Makes the tail `words` long, keeping what it held. */
  protected resizeTail(words: number): void {
    const old = this.buckets;
    this.buckets = new Int32Array(this.tailStart + words);
    this.adjust(this.buckets.byteLength - old.byteLength);
    this.buckets.set(old.subarray(0, this.tailStart + Math.min(words, this.tailWords)));
    this.tailWords = words;
  }

  /** Doubles the buckets if one more entry would pass the fill limit; call before probing to insert. */
  protected makeRoomForOne(): void {
    if ((this.count + 1) * MAX_FILL_DENOMINATOR <= (this.mask + 1) * MAX_FILL_NUMERATOR) return;
    const old = this.buckets;
    const oldTailStart = this.tailStart;
    this.mask = this.mask * 2 + 1;
    this.buckets = new Int32Array(this.tailStart + this.tailWords);
    this.adjust(this.buckets.byteLength - old.byteLength);
    this.buckets.set(old.subarray(oldTailStart), this.tailStart);
    for (let i = 0; i < oldTailStart; i += 2) if (old[i] !== 0) this.place(old[i]! - 1, old[i + 1]!);
  }

  protected place(ref: number, hash: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hash & mask;
    while (buckets[2 * i] !== 0) i = (i + 1) & mask;
    buckets[2 * i] = ref + 1;
    buckets[2 * i + 1] = hash;
  }

  /** Empties bucket `i`. */
  protected removeBucket(i: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    // Backward-shift deletion: pull later entries of the run into the hole when their probe
    // sequence passes through it, so lookups never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; buckets[2 * j] !== 0; j = (j + 1) & mask) {
      const home = buckets[2 * j + 1]! & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        buckets[2 * hole] = buckets[2 * j]!;
        buckets[2 * hole + 1] = buckets[2 * j + 1]!;
        hole = j;
      }
    }
    buckets[2 * hole] = 0;
  }

  /** What recount counts for the table's own object and bucket array. */
  protected tableBytes(): number {
    return TABLE_OBJECT_BYTES + typedArrayBytes(this.buckets.byteLength);
  }

  protected copyTableTo(copy: OpenTable): void {
    copy.adjust(this.buckets.byteLength - copy.buckets.byteLength);
    copy.buckets = this.buckets.slice();
    copy.mask = this.mask;
    copy.count = this.count;
    copy.tailWords = this.tailWords;
  }
}
