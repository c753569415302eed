// Sets in Redis 7.0's two encodings: an intset (a sorted array of int64s) while every member
// is an integer and there are at most set-max-intset-entries of them, then a hash table.
// Like Redis, a set never converts back; the command layer passes the limit in (it is config).

import { Buffer } from 'node:buffer';
import { Meter, objectBytes, typedArrayBytes } from '../memory.ts';
import { Encoding, type StoredObject } from '../types.ts';
import { NOT_A_NUMBER, parseInt64 } from '../../util/numbers.ts';
import { RecordTable } from './records.ts';

/** Returned by a visitor to end a walk early. A symbol, so a stray value returned by an expression-bodied visitor cannot stop one by accident. */
export const STOP: unique symbol = Symbol('stop');

/** Visits one member; the bytes are the caller's only until it returns. */
export type MemberVisitor = (member: Uint8Array) => typeof STOP | void;

/** The SetValue object: intset, count, table and the Meter's fields. */
const SET_BYTES = objectBytes(5);

export class SetValue extends Meter implements StoredObject {
  private ints: BigInt64Array | null = new BigInt64Array(4);
  private count = 0;
  private table: RecordTable | null = null;

  constructor() {
    super();
    this.adjust(SET_BYTES + typedArrayBytes(this.ints!.byteLength));
  }

  /** A set whose first member will be `first`: an intset only if that member is an integer. */
  static for(first: Uint8Array, maxIntsetEntries: number): SetValue {
    const set = new SetValue();
    if (maxIntsetEntries === 0 || asInteger(first) === null) set.convert();
    return set;
  }

  get encoding(): Encoding {
    return this.ints !== null ? Encoding.Intset : Encoding.Hashtable;
  }

  get size(): number {
    return this.ints !== null ? this.count : this.table!.size;
  }

  has(member: Uint8Array): boolean {
    if (this.ints === null) return this.table!.has(member);
    const n = asInteger(member);
    return n !== null && this.search(n) >= 0;
  }

  /** Adds a member, converting to a table first if it cannot join the intset; true when new. */
  add(member: Uint8Array, maxIntsetEntries: number): boolean {
    if (this.ints === null) return addMember(this.table!, member);
    const n = asInteger(member);
    if (n === null) {
      this.convert();
      return addMember(this.table!, member);
    }
    const at = this.search(n);
    if (at >= 0) return false;
    this.insertInt(-at - 1, n);
    if (this.count > maxIntsetEntries) this.convert();
    return true;
  }

  /** Removes a member; true when it was there. */
  delete(member: Uint8Array): boolean {
    if (this.ints === null) return this.table!.delete(member);
    const n = asInteger(member);
    const at = n === null ? -1 : this.search(n);
    if (at < 0) return false;
    this.ints.copyWithin(at, at + 1, this.count);
    this.count--;
    return true;
  }

  /** Every member (until `visit` returns STOP): ascending for an intset, table order otherwise. */
  forEach(visit: MemberVisitor): void {
    if (this.ints !== null) {
      for (let i = 0; i < this.count; i++) if (visit(intBytes(this.ints[i]!)) === STOP) return;
      return;
    }
    const table = this.table!;
    for (let slot = 0; slot < table.slots; slot++) if (table.occupied(slot) && visit(table.keyView(slot)) === STOP) return;
  }

  /** A uniformly random member; the set must not be empty. */
  random(): Buffer {
    if (this.ints !== null) return intBytes(this.ints[Math.floor(Math.random() * this.count)]!);
    return Buffer.from(this.table!.keyView(this.table!.randomSlot()));
  }

  /** `count` distinct random members (count < size), by a partial Fisher-Yates shuffle. */
  sample(count: number): Buffer[] {
    const positions: number[] = [];
    if (this.ints !== null) {
      for (let i = 0; i < this.count; i++) positions.push(i);
    } else {
      for (let slot = 0; slot < this.table!.slots; slot++) if (this.table!.occupied(slot)) positions.push(slot);
    }
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (positions.length - i));
      const picked = positions[j]!;
      positions[j] = positions[i]!;
      out.push(this.ints !== null ? intBytes(this.ints[picked]!) : Buffer.from(this.table!.keyView(picked)));
    }
    return out;
  }

  /**
   * Visits about `count` members from `cursor` and returns the cursor to go on from (0 when
   * done). An intset is returned whole, as Redis does; a table's cursor is a slot number, and
   * slots never move, so a member present for the whole scan is returned.
   */
  scan(cursor: number, count: number, visit: MemberVisitor): number {
    if (this.ints !== null) {
      this.forEach(visit);
      return 0;
    }
    const table = this.table!;
    return table.scanSlots(cursor, count, (slot) => visit(table.keyView(slot)));
  }

  /** Moves an intset into a hash table. */
  convert(): void {
    const ints = this.ints;
    if (ints === null) return;
    const table = new RecordTable(this);
    for (let i = 0; i < this.count; i++) addMember(table, intBytes(ints[i]!));
    this.table = table;
    this.adjust(-typedArrayBytes(ints.byteLength));
    this.ints = null;
    this.count = 0;
  }

  clone(): SetValue {
    const copy = new SetValue();
    copy.adjust(-typedArrayBytes(copy.ints!.byteLength) + (this.ints === null ? 0 : typedArrayBytes(this.ints.byteLength)));
    copy.ints = this.ints?.slice() ?? null;
    copy.count = this.count;
    copy.table = this.table?.clone(copy) ?? null;
    return copy;
  }

  recount(): number {
    return SET_BYTES + (this.ints !== null ? typedArrayBytes(this.ints.byteLength) : this.table!.recount());
  }

  /** Binary search: the index of `n`, or -(insertion point) - 1. */
  private search(n: bigint): number {
    const ints = this.ints!;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ints[mid]!;
      if (v < n) lo = mid + 1;
      else if (v > n) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  private insertInt(at: number, n: bigint): void {
    let ints = this.ints!;
    if (this.count === ints.length) {
      const grown = new BigInt64Array(ints.length * 2);
      grown.set(ints);
      this.adjust(grown.byteLength - ints.byteLength);
      this.ints = ints = grown;
    }
    ints.copyWithin(at + 1, at, this.count);
    ints[at] = n;
    this.count++;
  }
}

/** The member as an int64 if Redis would store it in an intset (string2ll's strict form). */
function asInteger(member: Uint8Array): bigint | null {
  const n = parseInt64(member);
  return n === NOT_A_NUMBER ? null : BigInt(n);
}

function intBytes(n: bigint): Buffer {
  return Buffer.from(n.toString(), 'latin1');
}

const NO_VALUE = new Uint8Array(0);

/** A set's table holds its members as keys with empty values. */
function addMember(table: RecordTable, member: Uint8Array): boolean {
  return table.put(member, 0, member.length, NO_VALUE, 0, 0);
}
