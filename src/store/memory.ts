// Memory accounting: every structure of the keyspace keeps its own size in bytes current as it
// changes and reports each change up to its owner, so the keyspace knows its total at any
// moment in O(1) (INFO used_memory, a maxmemory check before each write) and a key knows its
// own (MEMORY USAGE), with no walk.
//
// What the bytes count:
// - off-heap: the arena records of keys and inline string values, at their size-class
//   rounded size (what the arena hands out; free space in chunks is not counted);
// - typed arrays and Buffers: their byteLength, i.e. capacity (spare room included), plus
//   TYPED_ARRAY_BYTES for the JS object and ArrayBuffer around each;
// - JS objects: an estimate of their header and fields (objectBytes), of strings
//   (stringBytes) and of array slots; free-lists of reusable ids inside a structure are not
//   counted (they are bounded by capacity that is).
// A value's structures report to the value (a Meter), the value to its database while it is
// stored, the database to the keyspace. Sizes change where capacity changes (a reallocation,
// a node added or dropped), not per element, except for the estimated JS strings of big sorted
// sets and of hash-field TTLs, so reporting costs next to nothing on the write path.
// Each Meter can also count itself from scratch (recount), which the property tests and
// DEBUG MEMORY-RECOUNT compare with the running figure.

/** Told of changes of a structure's size. */
export interface ByteSink {
  adjust(delta: number): void;
}

/** A structure's running size, reported to its owner as it changes. */
export abstract class Meter implements ByteSink {
  bytes = 0;

  constructor(public owner: ByteSink | null = null) {}

  adjust(delta: number): void {
    this.bytes += delta;
    const owner = this.owner;
    if (owner !== null) owner.adjust(delta);
  }

  /** `bytes` counted from scratch (tests, DEBUG): walks the structure. */
  abstract recount(): number;
}

/** The JS object and ArrayBuffer around a typed array's data (measured on Node 20: ~200). */
export const TYPED_ARRAY_BYTES = 200;
/** One slot of a JS array. */
export const ARRAY_SLOT_BYTES = 8;

/** A JS object with `fields` properties: map, properties and elements pointers, then fields. */
export function objectBytes(fields: number): number {
  return 24 + 8 * fields;
}

/** A one-byte JS string of `length` chars: a 16-byte header, then the chars, 8-byte aligned. */
export function stringBytes(length: number): number {
  return (16 + length + 7) & ~7;
}

/** A typed array of `byteLength` bytes, its objects included. */
export function typedArrayBytes(byteLength: number): number {
  return TYPED_ARRAY_BYTES + byteLength;
}
