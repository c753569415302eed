// Keys (latin1 strings: binary-safe, one byte per char in V8) at stable slot numbers, found by
// their bytes through an open-addressing table. Slots give SCAN-style cursors and random picks
// something to address, and a key present for a whole scan keeps its slot, so it is never
// missed. Freed slots are reused by later inserts; the slot array never shrinks, since
// compacting would move keys under a running cursor.
//
// Why not a Map<string, number>: every lookup first made a string of the request bytes, and
// V8's ordered hash map then reads each candidate key's string to compare it (a cache miss
// apiece); HSET into a 100k-field hash spent a quarter of the server's CPU in Map lookups.
// Here a bucket keeps the key's hash next to its slot, so a lookup reads one bucket line and
// only the string it matches, makes no string at all, and an entry costs 8-16 bytes of
// buckets instead of about 40 of Map.

import { Buffer } from 'node:buffer';
import { hashBytes } from '../hash.ts';

/** Grow when more than 3/4 of the buckets are taken. */
const MAX_FILL_NUMERATOR = 3;
const MAX_FILL_DENOMINATOR = 4;

export class SlottedKeys {
  protected keys: (string | undefined)[] = [];
  private free: number[] = [];
  /** (slot + 1, hash) pairs, linear probing; slot + 1 = 0 is an empty bucket. */
  private buckets = new Int32Array(16);
  private mask = 7;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get slots(): number {
    return this.keys.length;
  }

  occupied(slot: number): boolean {
    return this.keys[slot] !== undefined;
  }

  has(key: Uint8Array): boolean {
    return this.find(key) >= 0;
  }

  /** The slot of the key bytes[start, end), or -1. */
  find(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const hash = hashBytes(bytes, start, end);
    const buckets = this.buckets;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = buckets[2 * i]! - 1;
      if (slot < 0) return -1;
      if (buckets[2 * i + 1] === hash && sameBytes(this.keys[slot]!, bytes, start, end)) return slot;
    }
  }

  /**
   * Calls `visit` for up to `count` occupied slots from `cursor` and returns the cursor to go
   * on from (0 when the walk is done): SSCAN and HSCAN over a table.
   */
  scanSlots(cursor: number, count: number, visit: (slot: number) => void): number {
    let slot = cursor;
    for (let seen = 0; slot < this.keys.length && seen < count; slot++) {
      if (this.keys[slot] === undefined) continue;
      visit(slot);
      seen++;
    }
    return slot >= this.keys.length ? 0 : slot;
  }

  /** A random occupied slot; the table must not be empty. */
  randomSlot(): number {
    for (let tries = 0; tries < 64; tries++) {
      const slot = Math.floor(Math.random() * this.keys.length);
      if (this.keys[slot] !== undefined) return slot;
    }
    // Mostly holes: walk from a random slot to the next occupied one.
    const from = Math.floor(Math.random() * this.keys.length);
    for (let i = 0; ; i++) {
      const slot = (from + i) % this.keys.length;
      if (this.keys[slot] !== undefined) return slot;
    }
  }

  /** Puts the key bytes[start, end), known to be absent, in a slot and returns the slot. */
  protected insert(bytes: Uint8Array, start = 0, end = bytes.length): number {
    if ((this.count + 1) * MAX_FILL_DENOMINATOR > (this.mask + 1) * MAX_FILL_NUMERATOR) this.grow();
    const slot = this.free.pop() ?? this.keys.length;
    this.keys[slot] = latin1(bytes, start, end);
    this.place(slot, hashBytes(bytes, start, end));
    this.count++;
    return slot;
  }

  /** Takes the key in an occupied slot out. */
  protected removeSlot(slot: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hashKey(this.keys[slot]!) & mask;
    while (buckets[2 * i] !== slot + 1) i = (i + 1) & mask;
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
    this.keys[slot] = undefined;
    this.free.push(slot);
    this.count--;
  }

  protected copySlotsTo(copy: SlottedKeys): void {
    copy.keys = this.keys.slice();
    copy.free = this.free.slice();
    copy.buckets = this.buckets.slice();
    copy.mask = this.mask;
    copy.count = this.count;
  }

  /** Bytes of the slot array and buckets (the strings are the subclass's to count). */
  protected tableBytes(): number {
    return this.keys.length * 8 + this.buckets.byteLength;
  }

  private place(slot: number, hash: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hash & mask;
    while (buckets[2 * i] !== 0) i = (i + 1) & mask;
    buckets[2 * i] = slot + 1;
    buckets[2 * i + 1] = hash;
  }

  private grow(): void {
    const old = this.buckets;
    this.mask = this.mask * 2 + 1;
    this.buckets = new Int32Array((this.mask + 1) * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i]! - 1, old[i + 1]!);
  }
}

/** Whether a latin1 string holds exactly bytes[start, end). */
export function sameBytes(text: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** Room to hash a stored key's bytes again (removal by slot); grown for longer keys. */
let scratch = Buffer.allocUnsafe(256);

function hashKey(key: string): number {
  if (key.length > scratch.length) scratch = Buffer.allocUnsafe(key.length * 2);
  scratch.write(key, 0, 'latin1');
  return hashBytes(scratch, 0, key.length);
}

/** bytes[start, end) as a latin1 string (one char per byte). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Arguments arrive as Buffers; only listpack and typed-array bytes need a view made.
  if (bytes instanceof Buffer) return bytes.toString('latin1', start, end);
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
