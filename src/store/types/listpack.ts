// A run of byte strings packed into one Uint8Array: the compact form of small hashes and the
// nodes of lists. One allocation holds every element, so a small collection costs a couple of
// bytes per element over its payload instead of a JS object each.
//
// Entry layout: header, data, trailer. The header is the data length in one byte when it is
// below 0x80, else 0x80 and a uint32; the trailer mirrors it (uint32 then 0x80) so the run can
// be walked backwards from its end, which list pops at the tail need.
//
// The live bytes sit at [start, end) with free room on both sides, so pushes at either end
// are amortised O(1).

import { Buffer } from 'node:buffer';
import { Meter, objectBytes, typedArrayBytes, type ByteSink } from '../memory.ts';

const SHORT = 0x80;
/** The Listpack object (buf, start, end, count and the Meter's fields) and its array's. */
const LISTPACK_BYTES = objectBytes(6) + typedArrayBytes(0);

/** Bytes an entry of `length` data bytes takes. */
export function entryBytes(length: number): number {
  return length < SHORT ? length + 2 : length + 10;
}

export class Listpack extends Meter {
  buf: Uint8Array;
  start: number;
  end: number;
  /** Entries held. */
  count = 0;

  /** `owner`: the collection this listpack belongs to, told of its size. */
  constructor(owner: ByteSink, capacity = 0, front = 0) {
    super(owner);
    this.buf = new Uint8Array(capacity);
    this.start = this.end = front;
    this.adjust(LISTPACK_BYTES + capacity);
  }

  /** Bytes of entries held (`bytes` is what the listpack costs). */
  get used(): number {
    return this.end - this.start;
  }

  // ---- walking -------------------------------------------------------------------------

  /** Where an entry's data begins, given where the entry begins. */
  dataStart(at: number): number {
    return this.buf[at]! < SHORT ? at + 1 : at + 5;
  }

  dataLength(at: number): number {
    const b = this.buf[at]!;
    return b < SHORT ? b : readU32(this.buf, at + 1);
  }

  dataEnd(at: number): number {
    const b = this.buf[at]!;
    return b < SHORT ? at + 1 + b : at + 5 + readU32(this.buf, at + 1);
  }

  /** The entry after the one at `at` (== end past the last). */
  next(at: number): number {
    const b = this.buf[at]!;
    return b < SHORT ? at + 2 + b : at + 10 + readU32(this.buf, at + 1);
  }

  /** The entry that ends where `at` begins. */
  prev(at: number): number {
    const b = this.buf[at - 1]!;
    return b < SHORT ? at - 2 - b : at - 10 - readU32(this.buf, at - 5);
  }

  /** The position of entry `index`, walking from the nearer end. */
  seek(index: number): number {
    if (index <= this.count >>> 1) {
      let at = this.start;
      for (let i = 0; i < index; i++) at = this.next(at);
      return at;
    }
    let at = this.end;
    for (let i = this.count; i > index; i--) at = this.prev(at);
    return at;
  }

  /** Whether the entry at `at` holds exactly `value`. */
  equals(at: number, value: Uint8Array): boolean {
    if (this.dataLength(at) !== value.length) return false;
    const buf = this.buf;
    const from = this.dataStart(at);
    for (let i = 0; i < value.length; i++) if (buf[from + i] !== value[i]) return false;
    return true;
  }

  /** A copy of the entry's data. */
  copy(at: number): Buffer {
    return Buffer.from(this.buf.subarray(this.dataStart(at), this.dataEnd(at)));
  }

  // ---- changing ------------------------------------------------------------------------

  /** Makes room for `bytes` more at the end in one step (bulk inserts of known size). */
  reserve(bytes: number): void {
    if (this.end + bytes > this.buf.length) this.realloc(0, bytes, false);
  }

  pushBack(value: Uint8Array): void {
    this.insertAt(this.end, value);
  }

  pushFront(value: Uint8Array): void {
    const size = entryBytes(value.length);
    if (this.start < size) this.realloc(size, 0);
    this.start -= size;
    writeEntry(this.buf, this.start, value);
    this.count++;
  }

  /** Inserts an entry before the one at `at` (or at the end); returns where it went. */
  insertAt(at: number, value: Uint8Array): number {
    const size = entryBytes(value.length);
    const offset = at - this.start;
    this.splice(at, 0, size);
    const pos = this.start + offset;
    writeEntry(this.buf, pos, value);
    this.count++;
    return pos;
  }

  /** Replaces the entry at `at` with `value`; returns where it now is. */
  replaceAt(at: number, value: Uint8Array): number {
    const offset = at - this.start;
    this.splice(at, this.next(at) - at, entryBytes(value.length));
    const pos = this.start + offset;
    writeEntry(this.buf, pos, value);
    return pos;
  }

  /** Removes the `n` entries held in [from, to). */
  removeRange(from: number, to: number, n: number): void {
    if (from === this.start) this.start = to;
    else if (to === this.end) this.end = from;
    else this.splice(from, to - from, 0);
    this.count -= n;
    if (this.count === 0) this.start = this.end = 0;
    else this.maybeShrink();
  }

  remove(at: number): void {
    this.removeRange(at, this.next(at), 1);
  }

  /** A copy belonging to `owner`, without spare room. */
  clone(owner: ByteSink): Listpack {
    const copy = new Listpack(owner, this.used);
    copy.buf.set(this.buf.subarray(this.start, this.end));
    copy.end = this.used;
    copy.count = this.count;
    return copy;
  }

  recount(): number {
    return LISTPACK_BYTES + this.buf.length;
  }

  /** Replaces `remove` bytes at `at` with a gap of `insert` bytes, growing as needed. */
  private splice(at: number, remove: number, insert: number): void {
    const delta = insert - remove;
    if (delta > 0 && this.end + delta > this.buf.length) {
      const offset = at - this.start;
      this.realloc(0, delta);
      at = this.start + offset;
    }
    if (delta !== 0) this.buf.copyWithin(at + insert, at + remove, this.end);
    this.end += delta;
  }

  /** Moves the live bytes into a new array with at least `front`/`back` free bytes. */
  private realloc(front: number, back: number, spare = true): void {
    const used = this.used;
    // Grow by a quarter, not double: small collections are the bulk of memory, and waste in
    // each one adds up.
    const slack = spare ? (used >>> 2) + 16 : 0;
    const head = front > 0 ? front + slack : 0;
    const capacity = head + used + back + (back > 0 ? slack : 0);
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(this.start, this.end), head);
    this.adjust(capacity - this.buf.length);
    this.buf = next;
    this.start = head;
    this.end = head + used;
  }

  private maybeShrink(): void {
    if (this.buf.length > 256 && this.used * 4 < this.buf.length) this.realloc(0, 0);
  }
}

function writeEntry(buf: Uint8Array, at: number, value: Uint8Array): void {
  const length = value.length;
  if (length < SHORT) {
    buf[at] = length;
    buf.set(value, at + 1);
    buf[at + 1 + length] = length;
    return;
  }
  buf[at] = SHORT;
  writeU32(buf, at + 1, length);
  buf.set(value, at + 5);
  writeU32(buf, at + 5 + length, length);
  buf[at + 9 + length] = SHORT;
}

function readU32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000;
}

function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
  buf[at + 3] = value >>> 24;
}
