// Keys as latin1 strings (binary-safe, one byte per char in V8) at stable slot numbers, found
// by their bytes through the open-addressing buckets of OpenTable: the members of big sorted
// sets, which the score tree orders by comparing these strings. (Hashes and sets keep their
// keys as byte records instead; see records.ts.)
//
// Why not a Map<string, number>: every lookup first made a string of the request bytes, and
// V8's ordered hash map then reads each candidate key's string to compare it (a cache miss
// apiece). Here a bucket keeps the key's hash next to its slot, so a lookup reads one bucket
// line and only the string it matches, and makes no string at all.

import { Buffer } from 'node:buffer';
import { hashBytes } from '../hash.ts';
import { ARRAY_SLOT_BYTES, stringBytes } from '../memory.ts';
import { OpenTable } from './open-table.ts';

/** Keys as strings at stable slots; the bucket refs are slot numbers. */
export class SlottedKeys extends OpenTable {
  protected keys: (string | undefined)[] = [];
  private free: number[] = [];

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

  /** Puts the key bytes[start, end), known to be absent, in a slot and returns the slot. */
  protected insert(bytes: Uint8Array, start = 0, end = bytes.length): number {
    this.makeRoomForOne();
    const slot = this.free.pop() ?? this.keys.length;
    this.adjust(stringBytes(end - start) + (slot === this.keys.length ? ARRAY_SLOT_BYTES : 0));
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
    this.removeBucket(i);
    this.adjust(-stringBytes(this.keys[slot]!.length));
    this.keys[slot] = undefined;
    this.free.push(slot);
    this.count--;
  }

  /** The table, the slot array and the key strings (the free-slot list is not counted). */
  recount(): number {
    let bytes = this.tableBytes() + this.keys.length * ARRAY_SLOT_BYTES;
    for (const key of this.keys) if (key !== undefined) bytes += stringBytes(key.length);
    return bytes;
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
