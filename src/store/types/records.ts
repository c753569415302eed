// Keys and their values as byte records in one buffer per table: the fields of big hashes and
// the members of big sets. A bucket holds its record's offset, so a lookup touches two cache
// lines, the bucket and the record, whose key and value sit side by side.
//
// Why not strings in arrays (the previous design, still used for zset members, which the
// score tree compares as strings): a lookup there went bucket -> slot array -> key string ->
// value array -> value string, five dependent loads into a working set of megabytes. On this
// machine a load that misses the cache costs 100-170 ns, and HSET into a 100k-field hash spent
// a third of the server's CPU in them. Records also cost no JS objects: a field is its bytes
// plus about 6 bytes of header, 4 of slot offset and 8-16 of buckets, and the GC never walks
// them.
//
// Record layout: [slot: u32 LE][key length][key][value length][value]; a length below 0x80 is
// one byte, else four (big-endian, top bit set). A value rewritten at its old length is
// overwritten in place; otherwise the record is appended anew and the old one becomes garbage,
// reclaimed when the buffer next fills up (or half of it is garbage): the live records are
// copied into a new buffer and the buckets repointed.

import { hashBytes } from '../hash.ts';
import { typedArrayBytes, type ByteSink } from '../memory.ts';
import type { ByteRange } from '../types.ts';
import { OpenTable } from './open-table.ts';

/** Offsets are int32s, which caps a table's records at 2 GiB. */
const MAX_HEAP_BYTES = 0x7fffffff;
const SLOT_BYTES = 4;
const SHORT_LENGTH_LIMIT = 0x80;
/** A rebuilt buffer leaves this much room per live byte, so rebuilds cost O(1) per byte written. */
const GROWTH = 1.5;
const MIN_HEAP_BYTES = 64;
/** Records copied one byte at a time below this length; making a subarray for set() costs more. */
const SHORT_COPY = 64;

/** Visits a key and its value in place: bytes[ks, ke) and bytes[vs, ve), valid until the table changes. */
export type RecordVisitor = (bytes: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number) => void;

/** Shared by every table that has no records yet; never written, as a put rebuilds first. */
const EMPTY = new Uint8Array(0);

/** Where decode() last found the parts of a record: key [ks, ke), value [vs, ve). Module-wide, not per table, to keep small tables small. */
const found = { ks: 0, ke: 0, vs: 0, ve: 0 };

const lengthBytes = (n: number) => (n < SHORT_LENGTH_LIMIT ? 1 : 4);

function recordBytes(keyLength: number, valueLength: number): number {
  return SLOT_BYTES + lengthBytes(keyLength) + keyLength + lengthBytes(valueLength) + valueLength;
}

function readLongLength(heap: Uint8Array, at: number): number {
  return ((heap[at]! & 0x7f) << 24) | (heap[at + 1]! << 16) | (heap[at + 2]! << 8) | heap[at + 3]!;
}

function readSlot(heap: Uint8Array, at: number): number {
  return heap[at]! | (heap[at + 1]! << 8) | (heap[at + 2]! << 16) | (heap[at + 3]! << 24);
}

function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): void {
  if (end - start < SHORT_COPY) for (let i = start; i < end; i++) to[at++] = from[i]!;
  else to.set(from.subarray(start, end), at);
}

export class RecordTable extends OpenTable {
  /** Counted as a typed array of its length from the start, though EMPTY is shared. */
  private heap = EMPTY;
  private top = 0;
  /** Bytes of records that no slot points to any more (overwritten or deleted). */
  private garbage = 0;
  // slot -> record offset lives in the bucket array's tail (see OpenTable); a free slot holds
  // -2 - the next free slot, so the free list costs no array of its own.
  private slotEnd = 0;
  private freeHead = -1;

  constructor(owner: ByteSink) {
    super(owner);
    this.adjust(typedArrayBytes(0));
  }

  get slots(): number {
    return this.slotEnd;
  }

  occupied(slot: number): boolean {
    return slot < this.slotEnd && this.offsetOf(slot) >= 0;
  }

  has(key: Uint8Array): boolean {
    return this.probe(key, 0, key.length, hashBytes(key, 0, key.length)) >= 0;
  }

  /** Points `out` at the key's value (valid until the table changes); false when the key is absent. */
  get(key: Uint8Array, out: ByteRange): boolean {
    const i = this.probe(key, 0, key.length, hashBytes(key, 0, key.length));
    if (i < 0) return false;
    this.decode(this.buckets[2 * i]! - 1);
    out.buf = this.heap;
    out.start = found.vs;
    out.end = found.ve;
    return true;
  }

  /** Visits the record in `slot` in place; false when the slot is empty. */
  visitSlot(slot: number, visit: RecordVisitor): boolean {
    if (!this.occupied(slot)) return false;
    this.decode(this.offsetOf(slot));
    const heap = this.heap;
    visit(heap, found.ks, found.ke, heap, found.vs, found.ve);
    return true;
  }

  /** The key in an occupied slot, in place: valid until the table changes. */
  keyView(slot: number): Uint8Array {
    this.decode(this.offsetOf(slot));
    return this.heap.subarray(found.ks, found.ke);
  }

  /** Stores key bytes[ks, ke) with value[vs, ve); true when the key was new. */
  put(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number): boolean {
    const hash = hashBytes(key, ks, ke);
    this.makeRoomForOne();
    const i = this.probe(key, ks, ke, hash);
    if (i >= 0) {
      this.replaceValue(i, key, ks, ke, value, vs, ve);
      return false;
    }
    this.makeRoom(recordBytes(ke - ks, ve - vs));
    const slot = this.takeSlot();
    const at = this.append(slot, key, ks, ke, value, vs, ve);
    const empty = -1 - i;
    this.buckets[2 * empty] = at + 1;
    this.buckets[2 * empty + 1] = hash;
    this.setOffset(slot, at);
    this.count++;
    return true;
  }

  /** Removes the key; true when it was there. */
  delete(key: Uint8Array): boolean {
    const i = this.probe(key, 0, key.length, hashBytes(key, 0, key.length));
    if (i < 0) return false;
    const at = this.buckets[2 * i]! - 1;
    const slot = readSlot(this.heap, at);
    this.decode(at);
    this.garbage += found.ve - at;
    this.setOffset(slot, -2 - this.freeHead);
    this.freeHead = slot;
    this.removeBucket(i);
    this.count--;
    if (this.count === 0) {
      this.top = 0;
      this.garbage = 0;
    } else if (this.heap.length > 4096 && 2 * this.garbage > this.heap.length) {
      this.rebuild(this.top - this.garbage);
    }
    return true;
  }

  /** A copy belonging to `owner`. */
  clone(owner: ByteSink): RecordTable {
    const copy = new RecordTable(owner);
    this.copyTableTo(copy);
    copy.adjust(this.heap.length);
    copy.heap = this.heap.slice();
    copy.top = this.top;
    copy.garbage = this.garbage;
    copy.slotEnd = this.slotEnd;
    copy.freeHead = this.freeHead;
    return copy;
  }

  /** Records (live or garbage, and the room left), buckets and slot offsets. */
  recount(): number {
    return this.tableBytes() + typedArrayBytes(this.heap.length);
  }

  /** Bucket index of key bytes[start, end), or -1 - (the empty bucket where it would go). */
  private probe(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const buckets = this.buckets;
    const mask = this.mask;
    const heap = this.heap;
    const length = end - start;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const ref = buckets[2 * i]!;
      if (ref === 0) return -1 - i;
      if (buckets[2 * i + 1] !== hash) continue;
      let p = ref - 1 + SLOT_BYTES;
      let n = heap[p]!;
      if (n < SHORT_LENGTH_LIMIT) p++;
      else {
        n = readLongLength(heap, p);
        p += 4;
      }
      if (n !== length) continue;
      let j = 0;
      while (j < length && heap[p + j] === bytes[start + j]) j++;
      if (j === length) return i;
    }
  }

  private decode(at: number): void {
    const heap = this.heap;
    let p = at + SLOT_BYTES;
    let n = heap[p]!;
    if (n < SHORT_LENGTH_LIMIT) p++;
    else {
      n = readLongLength(heap, p);
      p += 4;
    }
    found.ks = p;
    found.ke = p += n;
    n = heap[p]!;
    if (n < SHORT_LENGTH_LIMIT) p++;
    else {
      n = readLongLength(heap, p);
      p += 4;
    }
    found.vs = p;
    found.ve = p + n;
  }

  private replaceValue(i: number, key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number): void {
    const at = this.buckets[2 * i]! - 1;
    this.decode(at);
    if (found.ve - found.vs === ve - vs) {
      copyBytes(value, vs, ve, this.heap, found.vs);
      return;
    }
    const oldBytes = found.ve - at;
    // Room first: a rebuild moves the old record (bucket i follows it), and one that fails
    // (past 2 GiB) leaves the table as it was.
    this.makeRoom(recordBytes(ke - ks, ve - vs));
    const slot = readSlot(this.heap, this.buckets[2 * i]! - 1);
    this.garbage += oldBytes;
    const moved = this.append(slot, key, ks, ke, value, vs, ve);
    this.setOffset(slot, moved);
    this.buckets[2 * i] = moved + 1;
  }

  private offsetOf(slot: number): number {
    return this.buckets[this.tailStart + slot]!;
  }

  private setOffset(slot: number, at: number): void {
    this.buckets[this.tailStart + slot] = at;
  }

  private takeSlot(): number {
    const slot = this.freeHead;
    if (slot >= 0) {
      this.freeHead = -2 - this.offsetOf(slot);
      return slot;
    }
    if (this.slotEnd === this.tailWords) this.resizeTail(Math.max(4, this.tailWords * 2));
    return this.slotEnd++;
  }

  /** Makes room for `bytes` more at the end of the buffer, rebuilding it when full. */
  private makeRoom(bytes: number): void {
    if (this.top + bytes > this.heap.length) this.rebuild(this.top - this.garbage + bytes);
  }

  /** Writes a record at the end of the buffer (makeRoom came first); returns its offset. */
  private append(slot: number, key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number): number {
    const keyLength = ke - ks;
    const valueLength = ve - vs;
    const heap = this.heap;
    const at = this.top;
    heap[at] = slot;
    heap[at + 1] = slot >>> 8;
    heap[at + 2] = slot >>> 16;
    heap[at + 3] = slot >>> 24;
    let p = this.writeLength(at + SLOT_BYTES, keyLength);
    copyBytes(key, ks, ke, heap, p);
    p = this.writeLength(p + keyLength, valueLength);
    copyBytes(value, vs, ve, heap, p);
    this.top = p + valueLength;
    return at;
  }

  private writeLength(at: number, n: number): number {
    const heap = this.heap;
    if (n < SHORT_LENGTH_LIMIT) {
      heap[at] = n;
      return at + 1;
    }
    heap[at] = 0x80 | (n >>> 24);
    heap[at + 1] = n >>> 16;
    heap[at + 2] = n >>> 8;
    heap[at + 3] = n;
    return at + 4;
  }

  /**
   * Copies the live records into a new buffer with room for `needed` bytes and then some, and
   * points slots and buckets at their new offsets. Bucket positions do not change, so a bucket
   * index found before a rebuild stays good.
   */
  private rebuild(needed: number): void {
    if (needed > MAX_HEAP_BYTES) throw new RangeError('a hash or set table cannot hold more than 2 GiB');
    const old = this.heap;
    // A Uint8Array, not a Buffer: one of up to 64 bytes lives on the JS heap, where a small
    // table's costs least, and allocUnsafeSlow's skipped zero-fill is small next to the copy.
    const heap = new Uint8Array(Math.min(MAX_HEAP_BYTES, Math.max(MIN_HEAP_BYTES, Math.ceil(needed * GROWTH))));
    this.adjust(heap.length - old.length);
    const buckets = this.buckets;
    const slotsAt = this.tailStart;
    let top = 0;
    for (let slot = 0; slot < this.slotEnd; slot++) {
      const at = buckets[slotsAt + slot]!;
      if (at < 0) continue;
      this.decode(at);
      copyBytes(old, at, found.ve, heap, top);
      buckets[slotsAt + slot] = top;
      top += found.ve - at;
    }
    for (let i = 0; i < slotsAt; i += 2) {
      const ref = buckets[i]!;
      if (ref !== 0) buckets[i] = buckets[slotsAt + readSlot(old, ref - 1)]! + 1;
    }
    this.heap = heap;
    this.top = top;
    this.garbage = 0;
  }
}
