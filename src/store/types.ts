// Value types and encodings as Redis names them, and the contract for values that live as
// JS objects (collections, large strings) rather than in the arena.

import { Buffer } from 'node:buffer';
import { Meter, objectBytes, typedArrayBytes, type ByteSink } from './memory.ts';

export const ValueType = {
  String: 1,
  List: 2,
  Set: 3,
  ZSet: 4,
  Hash: 5,
  Stream: 6,
  /** A RedisTimeSeries series (src/analytics/timeseries): a module type to Redis. */
  TimeSeries: 7,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** The names TYPE replies with, by ValueType. */
export const TYPE_NAMES: Record<ValueType, string> = {
  1: 'string',
  2: 'list',
  3: 'set',
  4: 'zset',
  5: 'hash',
  6: 'stream',
  7: 'TSDB-TYPE',
};

export const Encoding = {
  Raw: 0,
  Int: 1,
  Embstr: 2,
  Listpack: 3,
  Quicklist: 4,
  Intset: 5,
  Hashtable: 6,
  Skiplist: 7,
  Stream: 8,
  /** A listpack hash with room for field TTLs (Redis 7.4). */
  ListpackEx: 9,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/** The names OBJECT ENCODING replies with, by Encoding. */
export const ENCODING_NAMES: Record<Encoding, string> = {
  0: 'raw',
  1: 'int',
  2: 'embstr',
  3: 'listpack',
  4: 'quicklist',
  5: 'intset',
  6: 'hashtable',
  7: 'skiplist',
  8: 'stream',
  9: 'listpackex',
};

/**
 * A value held as a JS object, reached from its entry by a handle. Its size is a running
 * figure (see memory.ts), reported to `owner`, the database that stores it.
 */
export interface StoredObject {
  /** A deep copy (COPY, snapshots), owned by no database yet. */
  clone(): StoredObject;
  /** Bytes held, current after every change: O(1) (MEMORY USAGE, INFO memory). */
  readonly bytes: number;
  /** Where size changes go: the database while the object is stored in one, else null. */
  owner: ByteSink | null;
  /** `bytes` counted from scratch (tests, DEBUG). */
  recount(): number;
}

/** A view of bytes owned by the store, valid until the next write. */
export interface ByteRange {
  buf: Uint8Array;
  start: number;
  end: number;
}

export function newByteRange(): ByteRange {
  return { buf: new Uint8Array(0), start: 0, end: 0 };
}

/** The object itself: the value's bytes, its length, and the Meter's two fields. */
const LARGE_STRING_BYTES = objectBytes(4);

/** A string too large for the arena, with spare capacity so appends are amortised O(1). */
export class LargeString extends Meter implements StoredObject {
  data: Buffer;
  length: number;

  constructor(value: Uint8Array) {
    super();
    this.data = Buffer.alloc(value.length);
    this.data.set(value);
    this.length = value.length;
    this.adjust(LARGE_STRING_BYTES + typedArrayBytes(value.length));
  }

  resize(length: number): void {
    if (length > this.data.length) {
      const grown = Buffer.alloc(Math.max(length, Math.min(this.data.length * 2, length + 1024 * 1024)));
      this.data.copy(grown, 0, 0, this.length);
      this.adjust(grown.length - this.data.length);
      this.data = grown;
    } else if (length > this.length) {
      this.data.fill(0, this.length, length);
    }
    this.length = length;
  }

  clone(): LargeString {
    return new LargeString(this.data.subarray(0, this.length));
  }

  recount(): number {
    return LARGE_STRING_BYTES + typedArrayBytes(this.data.length);
  }
}
