// Hashes in Redis 7.0's two encodings: a listpack of alternating fields and values while the
// hash is small (hash-max-listpack-entries / -value), then a hash table. The command layer
// owns the thresholds (they are config) and calls convert(); this type only holds the data.
// Per-field expiry (Redis 7.4) lives beside the pairs, in a map that exists only once a
// field-expiry command has touched the hash, so hashes without TTLs pay nothing for it. A stored
// hash reports its earliest field time to its database's index (field-expiry.ts), which the
// active expire cycle reads.

import { Buffer } from 'node:buffer';
import { ARRAY_SLOT_BYTES, Meter, objectBytes, stringBytes, type ByteSink } from '../memory.ts';
import type { FieldExpiryIndex } from '../field-expiry.ts';
import { Encoding, type ByteRange, type StoredObject } from '../types.ts';
import { Listpack } from './listpack.ts';
import { RecordTable, type RecordVisitor } from './records.ts';
import { latin1 } from './slotted.ts';

/** Visits one field and its value in place (valid until the hash changes). */
export type PairVisitor = RecordVisitor;

/** The HashValue object: its three parts, its index and entry id, and the Meter's fields. */
const HASH_BYTES = objectBytes(7);

export class HashValue extends Meter implements StoredObject {
  private lp: Listpack | null;
  private table: RecordTable | null = null;
  /** Expiry times by field; null (one empty slot) until HEXPIRE and the like first ran. */
  private ttls: FieldTtls | null = null;
  /** The index of the database storing this hash, and its entry id there; null when not stored. */
  private expiryIndex: FieldExpiryIndex | null = null;
  private entryId = -1;

  constructor() {
    super();
    this.adjust(HASH_BYTES);
    this.lp = new Listpack(this);
  }

  get encoding(): Encoding {
    if (this.lp === null) return Encoding.Hashtable;
    // As in Redis 7.4, a listpack that field expiry has touched stays "listpackex".
    return this.ttls === null ? Encoding.Listpack : Encoding.ListpackEx;
  }

  get size(): number {
    return this.lp !== null ? this.lp.count >>> 1 : this.table!.size;
  }

  /** Points `out` at the field's value; false when the field is absent. */
  get(field: Uint8Array, out: ByteRange): boolean {
    const lp = this.lp;
    if (lp !== null) {
      const at = findField(lp, field);
      if (at < 0) return false;
      const v = lp.next(at);
      out.buf = lp.buf;
      out.start = lp.dataStart(v);
      out.end = lp.dataEnd(v);
      return true;
    }
    return this.table!.get(field, out);
  }

  has(field: Uint8Array): boolean {
    return this.lp !== null ? findField(this.lp, field) >= 0 : this.table!.has(field);
  }

  /** Makes room for pairs about to be added, so a bulk HSET grows the listpack once. */
  reserve(pairBytes: number): void {
    this.lp?.reserve(pairBytes);
  }

  /** Sets a field; true when it was new. An overwrite drops the field's TTL unless `keepTtl`. */
  set(field: Uint8Array, value: Uint8Array, keepTtl = false): boolean {
    const lostTtl = this.ttls !== null && !keepTtl && this.ttls.size > 0 && this.ttls.delete(latin1(field, 0, field.length));
    const lp = this.lp;
    if (lostTtl) this.reportNextExpiry();
    if (lp === null) {
      if (lostTtl) this.releaseEmptyTtls();
      return this.table!.put(field, 0, field.length, value, 0, value.length);
    }
    const at = findField(lp, field);
    if (at >= 0) {
      lp.replaceAt(lp.next(at), value);
      if (lostTtl) this.placeInListpack(field, -1);
      return false;
    }
    lp.pushBack(field);
    lp.pushBack(value);
    return true;
  }

  /** Removes a field; true when it was there. */
  delete(field: Uint8Array): boolean {
    if (this.ttls !== null && this.ttls.size > 0 && this.ttls.delete(latin1(field, 0, field.length))) {
      this.releaseEmptyTtls();
      this.reportNextExpiry();
    }
    const lp = this.lp;
    if (lp === null) return this.table!.delete(field);
    const at = findField(lp, field);
    if (at < 0) return false;
    lp.removeRange(at, lp.next(lp.next(at)), 2);
    return true;
  }

  /** Moves a listpack hash into a hash table (Redis never converts back). */
  convert(): void {
    const lp = this.lp;
    if (lp === null) return;
    const table = new RecordTable(this);
    for (let at = lp.start; at < lp.end; at = lp.next(lp.next(at))) {
      const v = lp.next(at);
      table.put(lp.buf, lp.dataStart(at), lp.dataEnd(at), lp.buf, lp.dataStart(v), lp.dataEnd(v));
    }
    this.table = table;
    this.adjust(-lp.bytes);
    this.lp = null;
  }

  /** Every field and value, in the encoding's order. */
  forEach(visit: PairVisitor): void {
    if (this.lp !== null) {
      visitPairs(this.lp, this.lp.start, this.lp.end, visit);
      return;
    }
    const table = this.table!;
    for (let slot = 0; slot < table.slots; slot++) table.visitSlot(slot, visit);
  }

  /** Visits a uniformly random pair; the hash must not be empty. */
  random(visit: PairVisitor): void {
    const lp = this.lp;
    if (lp !== null) {
      const at = lp.seek(2 * Math.floor(Math.random() * (lp.count >>> 1)));
      visitPairs(lp, at, lp.next(lp.next(at)), visit);
      return;
    }
    this.table!.visitSlot(this.table!.randomSlot(), visit);
  }

  /** Visits `count` distinct random pairs (count < size), by a partial Fisher-Yates shuffle. */
  sample(count: number, visit: PairVisitor): void {
    const positions: number[] = [];
    const lp = this.lp;
    if (lp !== null) {
      for (let at = lp.start; at < lp.end; at = lp.next(lp.next(at))) positions.push(at);
    } else {
      for (let slot = 0; slot < this.table!.slots; slot++) if (this.table!.occupied(slot)) positions.push(slot);
    }
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (positions.length - i));
      const picked = positions[j]!;
      positions[j] = positions[i]!;
      if (lp !== null) visitPairs(lp, picked, lp.next(lp.next(picked)), visit);
      else this.table!.visitSlot(picked, visit);
    }
  }

  /**
   * Visits about `count` pairs from `cursor` and returns the cursor to go on from (0 when
   * done). A listpack is small enough to return whole, as Redis does. A table's cursor is a
   * slot number, and slots never move, so a field present for the whole scan is returned.
   */
  scan(cursor: number, count: number, visit: PairVisitor): number {
    if (this.lp !== null) {
      this.forEach(visit);
      return 0;
    }
    const table = this.table!;
    return table.scanSlots(cursor, count, (slot) => table.visitSlot(slot, visit));
  }

  // ---- per-field expiry ----------------------------------------------------------------------

  /** Makes the hash able to hold field TTLs (a listpack becomes "listpackex"). */
  enableFieldTtls(): void {
    this.ttls ??= new FieldTtls(this);
  }

  /** The field's expiry time in ms, or -1 when it has none. */
  fieldExpireAt(field: Uint8Array): number {
    if (this.ttls === null || this.ttls.size === 0) return -1;
    return this.ttls.get(latin1(field, 0, field.length)) ?? -1;
  }

  /** Gives an existing field an expiry time; enableFieldTtls must have run. */
  setFieldExpireAt(field: Uint8Array, atMs: number): void {
    this.ttls!.expire(latin1(field, 0, field.length), atMs);
    this.placeInListpack(field, atMs);
    this.reportNextExpiry();
  }

  /** Removes a field's TTL; false when it had none. */
  persistField(field: Uint8Array): boolean {
    if (this.ttls === null || !this.ttls.delete(latin1(field, 0, field.length))) return false;
    this.placeInListpack(field, -1);
    this.releaseEmptyTtls();
    this.reportNextExpiry();
    return true;
  }

  /**
   * The database storing this hash under entry `id` gives it its index of hashes with field
   * TTLs, to report its earliest field time to as it changes; null when the hash leaves it.
   */
  trackFieldExpiry(index: FieldExpiryIndex | null, id: number): void {
    this.expiryIndex = index;
    this.entryId = id;
    this.reportNextExpiry();
  }

  private reportNextExpiry(): void {
    const index = this.expiryIndex;
    if (index !== null) index.update(this.entryId, this.ttls === null ? Infinity : this.ttls.next);
  }

  /**
   * A table hash whose last field TTL went gives its TTL map back; a listpack keeps it, as it
   * marks the encoding "listpackex" for good.
   */
  private releaseEmptyTtls(): void {
    const ttls = this.ttls;
    if (ttls === null || ttls.size > 0 || this.lp !== null) return;
    ttls.owner = null;
    this.adjust(-ttls.bytes);
    this.ttls = null;
  }

  /**
   * Moves an existing field to where Redis 7.4's listpackex keeps it, which HGETALL and HSCAN
   * show: fields with a TTL first, soonest first (a new time goes before equal ones), then
   * fields without one, a field losing its TTL going last. `atMs` is -1 for no TTL.
   */
  private placeInListpack(field: Uint8Array, atMs: number): void {
    const lp = this.lp;
    if (lp === null) return;
    const from = findField(lp, field);
    const v = lp.next(from);
    const value = lp.copy(v);
    lp.removeRange(from, lp.next(v), 2);
    let to = lp.end;
    if (atMs >= 0) {
      for (let at = lp.start; at < lp.end; at = lp.next(lp.next(at))) {
        const other = this.ttls!.get(latin1(lp.buf, lp.dataStart(at), lp.dataEnd(at)));
        if (other === undefined || other >= atMs) {
          to = at;
          break;
        }
      }
    }
    lp.insertAt(lp.next(lp.insertAt(to, field)), value);
  }

  /** Whether some field may have expired by `now` (O(1), so every access can ask). */
  expiresBy(now: number): boolean {
    return this.ttls !== null && this.ttls.next <= now;
  }

  /**
   * Deletes the fields whose time is `now` or earlier, at most `max`, and returns them in the
   * order Redis 7.4 expires them: soonest first; among equal times, a listpack's order.
   */
  expireFields(now: number, max = Infinity): Buffer[] {
    const ttls = this.ttls;
    const expired: Buffer[] = [];
    if (ttls === null) return expired;
    const lp = this.lp;
    if (lp !== null) {
      // A listpackex keeps the fields with a TTL first, soonest first: the due ones lead it.
      for (let at = lp.start; at < lp.end && expired.length < max; at = lp.next(lp.next(at))) {
        const time = ttls.get(latin1(lp.buf, lp.dataStart(at), lp.dataEnd(at)));
        if (time === undefined || time > now) break;
        expired.push(Buffer.from(lp.buf.subarray(lp.dataStart(at), lp.dataEnd(at))));
      }
      for (const field of expired) this.delete(field);
    } else {
      while (expired.length < max) {
        const field = ttls.popDue(now);
        if (field === null) break;
        const bytes = Buffer.from(field, 'latin1');
        this.table!.delete(bytes);
        expired.push(bytes);
      }
      this.releaseEmptyTtls();
    }
    this.reportNextExpiry();
    return expired;
  }

  clone(): HashValue {
    const copy = new HashValue();
    copy.adjust(-copy.lp!.bytes);
    copy.lp = this.lp?.clone(copy) ?? null;
    copy.table = this.table?.clone(copy) ?? null;
    copy.ttls = this.ttls?.clone(copy) ?? null;
    return copy;
  }

  recount(): number {
    return HASH_BYTES + (this.lp?.recount() ?? 0) + (this.table?.recount() ?? 0) + (this.ttls?.recount() ?? 0);
  }
}

/** The FieldTtls object with its map and two arrays, before any entry. */
const FIELD_TTLS_BYTES = objectBytes(5) + 3 * objectBytes(0);
/** A Map entry (key, value, chain link) and its share of the buckets, besides the key string. */
const MAP_ENTRY_BYTES = 32;
/** A heap entry: a slot in each of the two arrays. */
const HEAP_ENTRY_BYTES = 2 * ARRAY_SLOT_BYTES;

const fieldEntryBytes = (field: string) => MAP_ENTRY_BYTES + stringBytes(field.length);

/**
 * Expiry times in ms by field (as latin1), with a min-heap of (time, field) so that the due
 * fields are found without walking all of them. A heap entry goes stale when its field's time
 * changes or goes; stale entries are skipped when they reach the top, and the heap is rebuilt
 * from the map when they outnumber the live ones.
 */
class FieldTtls extends Meter {
  private readonly at = new Map<string, number>();
  private times: number[] = [];
  private fields: string[] = [];

  constructor(owner: ByteSink) {
    super(owner);
    this.adjust(FIELD_TTLS_BYTES);
  }

  get size(): number {
    return this.at.size;
  }

  get(field: string): number | undefined {
    return this.at.get(field);
  }

  expire(field: string, at: number): void {
    if (!this.at.has(field)) this.adjust(fieldEntryBytes(field));
    this.at.set(field, at);
    if (this.times.length > 2 * this.at.size + 16) this.rebuild();
    else this.push(at, field);
  }

  delete(field: string): boolean {
    if (!this.at.delete(field)) return false;
    this.adjust(-fieldEntryBytes(field));
    // Stale heap entries of a hash left without TTLs would be memory for nothing.
    if (this.at.size === 0) this.clearHeap();
    return true;
  }

  /** The earliest time of any field; Infinity when none. */
  get next(): number {
    this.dropStale();
    return this.times.length > 0 ? this.times[0]! : Infinity;
  }

  /** Takes out a field whose time is `now` or earlier, or returns null when none is. */
  popDue(now: number): string | null {
    this.dropStale();
    if (this.times.length === 0 || this.times[0]! > now) return null;
    const field = this.fields[0]!;
    this.pop();
    this.delete(field);
    return field;
  }

  /** A copy belonging to `owner`. */
  clone(owner: ByteSink): FieldTtls {
    const copy = new FieldTtls(owner);
    for (const [field, at] of this.at) copy.at.set(field, at);
    copy.times = this.times.slice();
    copy.fields = this.fields.slice();
    copy.adjust(this.bytes - FIELD_TTLS_BYTES);
    return copy;
  }

  recount(): number {
    let bytes = FIELD_TTLS_BYTES + this.times.length * HEAP_ENTRY_BYTES;
    for (const field of this.at.keys()) bytes += fieldEntryBytes(field);
    return bytes;
  }

  private dropStale(): void {
    while (this.times.length > 0 && this.at.get(this.fields[0]!) !== this.times[0]) this.pop();
  }

  private clearHeap(): void {
    this.adjust(-this.times.length * HEAP_ENTRY_BYTES);
    this.times = [];
    this.fields = [];
  }

  private rebuild(): void {
    this.clearHeap();
    for (const [field, at] of this.at) this.push(at, field);
  }

  private push(at: number, field: string): void {
    const { times, fields } = this;
    this.adjust(HEAP_ENTRY_BYTES);
    let i = times.length;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      fields[i] = fields[parent]!;
      i = parent;
    }
    times[i] = at;
    fields[i] = field;
  }

  private pop(): void {
    const { times, fields } = this;
    this.adjust(-HEAP_ENTRY_BYTES);
    const at = times.pop()!;
    const field = fields.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= at) break;
      times[i] = times[child]!;
      fields[i] = fields[child]!;
      i = child;
    }
    times[i] = at;
    fields[i] = field;
  }
}

/** Position of the field's entry in a listpack of pairs, or -1. */
function findField(lp: Listpack, field: Uint8Array): number {
  for (let at = lp.start; at < lp.end; at = lp.next(lp.next(at))) {
    if (lp.equals(at, field)) return at;
  }
  return -1;
}

function visitPairs(lp: Listpack, from: number, to: number, visit: PairVisitor): void {
  const buf = lp.buf;
  for (let at = from; at < to; ) {
    const v = lp.next(at);
    visit(buf, lp.dataStart(at), lp.dataEnd(at), buf, lp.dataStart(v), lp.dataEnd(v));
    at = lp.next(v);
  }
}
