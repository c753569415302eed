// Streams as Redis 7.0 keeps them (t_stream.c): entries in ID order, packed into nodes that hold
// up to stream-node-max-entries entries or stream-node-max-bytes bytes each, every node keyed by
// its "master" ID, with the field names of its first entry as the master fields that later
// entries with the same fields leave out; consumer groups with their pending entries (PEL) and
// consumers beside them.
//
// An ID is one bigint, ms * 2^64 + seq: comparing, incrementing (a seq overflow carries into
// ms, as streamIncrID does) and sorting need no pair logic. Entries never become JS objects:
// a node is one Uint8Array (see StreamNode for the layout), so a million entries cost a few
// thousand allocations.
//
// Node boundaries follow Redis's exactly, because they are visible: XTRIM and XADD with `~`
// drop whole nodes only, and XINFO reports the node count (radix-tree-keys) and the radix
// tree's size (radix-tree-nodes). So each node keeps the size the same entries would take in
// Redis's listpack (lpBytes), which decides, as in Redis, when a new node starts.
//
// For a serializer (RDB): `nodes` in ID order with their master ID, `forEachEntry` for the
// entries (deleted ones are skipped), the stream's counters (lastId, entriesAdded,
// maxDeletedId, firstId), and `groups` with their PEL (in ID order) and consumers.

import { Buffer } from 'node:buffer';
import { ARRAY_SLOT_BYTES, Meter, objectBytes, typedArrayBytes } from '../memory.ts';
import type { StoredObject } from '../types.ts';

export const ID_BITS = 64n;
const U64 = (1n << 64n) - 1n;
/** The largest ID, UINT64_MAX-UINT64_MAX. */
export const MAX_ID = (1n << 128n) - 1n;
/** Redis's SCG_INVALID_ENTRIES_READ: a group whose read counter is unknown. */
export const ENTRIES_READ_UNKNOWN = -1;
/** Redis caps a node's listpack at 1 GiB whatever stream-node-max-bytes says. */
const LISTPACK_MAX_BYTES = 1 << 30;

export const idMs = (id: bigint): bigint => id >> ID_BITS;
export const idSeq = (id: bigint): bigint => id & U64;
export const makeId = (ms: bigint, seq: bigint): bigint => (ms << ID_BITS) | seq;

export function formatId(id: bigint): string {
  const ms = id >> ID_BITS;
  const seq = id & U64;
  // Numbers print faster than bigints; both parts are exact below 2^53.
  return ms < SAFE_ID_PART && seq < SAFE_ID_PART ? `${Number(ms)}-${Number(seq)}` : `${ms}-${seq}`;
}

const SAFE_ID_PART = 2n ** 53n;

/** An entry's flags, Redis's STREAM_ITEM_FLAG_* values (RDB writes them as they are). */
export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

// ---- varints (LEB128), exact up to 2^128 ----------------------------------------------------

const SAFE_VARINT_BYTES = 7;

function varintBytes(n: bigint | number): number {
  let bytes = 1;
  if (typeof n === 'number') {
    while (n >= 0x80) {
      n = Math.floor(n / 0x80);
      bytes++;
    }
    return bytes;
  }
  while (n >= 0x80n) {
    n >>= 7n;
    bytes++;
  }
  return bytes;
}

function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

function writeBigVarint(buf: Uint8Array, at: number, n: bigint): number {
  if (n < 0x20000000000000n) return writeVarint(buf, at, Number(n));
  while (n >= 0x80n) {
    buf[at++] = Number(n & 0x7fn) | 0x80;
    n >>= 7n;
  }
  buf[at++] = Number(n);
  return at;
}

/** Where readVarint stopped and what it read (a number up to 2^49, else a bigint). */
const read = { at: 0, value: 0 as number | bigint };

function readVarint(buf: Uint8Array, at: number): number {
  let b = buf[at++]!;
  if (b < 0x80) {
    read.at = at;
    return b;
  }
  let n = b & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < SAFE_VARINT_BYTES; i++) {
    b = buf[at++]!;
    n += (b & 0x7f) * scale;
    if (b < 0x80) {
      read.at = at;
      return n;
    }
    scale *= 0x80;
  }
  let big = BigInt(n);
  let shift = BigInt(7 * SAFE_VARINT_BYTES);
  do {
    b = buf[at++]!;
    big |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b >= 0x80);
  read.at = at;
  read.value = big;
  return -1;
}

/**
 * ID deltas from a node's master ID are signed: XSETID may lower the last ID of a stream whose
 * entries were all deleted, and the next entry then joins the tail node below its master ID,
 * as in Redis. They are stored zigzag-encoded (0, -1, 1, -2, ... as 0, 1, 2, 3, ...).
 */
function zigzag(d: bigint): bigint {
  return d >= 0n ? d << 1n : (-d << 1n) - 1n;
}

/** A zigzag varint as a signed delta. */
function readDelta(buf: Uint8Array, at: number): bigint {
  const z = readVarint(buf, at);
  if (z >= 0) return BigInt(z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  const big = read.value as bigint;
  return (big & 1n) === 0n ? big >> 1n : -((big + 1n) >> 1n);
}

// ---- Redis's listpack sizes (for node boundaries) ---------------------------------------------

/** Bytes an integer element takes in a listpack: encoding plus its one-byte backlen. */
function lpIntBytes(v: bigint | number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

function lpBacklenBytes(encoded: number): number {
  if (encoded <= 127) return 1;
  if (encoded < 16383) return 2;
  if (encoded < 2097151) return 3;
  if (encoded < 268435455) return 4;
  return 5;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The value of a string listpack stores as an integer (lpStringToInt64), or null. */
function asListpackInt(s: Uint8Array, start: number, end: number): bigint | number | null {
  const length = end - start;
  if (length === 0 || length > 20) return null;
  let i = start;
  if (s[i] === 0x2d) {
    if (length === 1) return null;
    i++;
  }
  if (s[i] === 0x30) return length === 1 ? 0 : null;
  for (let j = i; j < end; j++) if (s[j]! < 0x30 || s[j]! > 0x39) return null;
  if (length < 16) return Number(Buffer.from(s.buffer, s.byteOffset + start, length).toString('latin1'));
  const v = BigInt(Buffer.from(s.buffer, s.byteOffset + start, length).toString('latin1'));
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

/** Bytes a string element takes in a listpack (as an integer when it reads as one). */
function lpStringBytes(s: Uint8Array, start: number, end: number): number {
  const asInt = asListpackInt(s, start, end);
  if (asInt !== null) return lpIntBytes(asInt);
  const length = end - start;
  const encoded = length < 64 ? 1 + length : length < 4096 ? 2 + length : 5 + length;
  return encoded + lpBacklenBytes(encoded);
}

const SAFE = 2n ** 52n;
const safeNumber = (v: bigint): boolean => v < SAFE && v > -SAFE;
const zigzagNumber = (d: number): number => (d >= 0 ? 2 * d : -2 * d - 1);

/** The listpack size of an ID delta, which Redis stores as an int64 (a uint64 difference, wrapped). */
function lpDeltaBytes(delta: bigint): number {
  return safeNumber(delta) ? lpIntBytes(Number(delta)) : lpIntBytes(BigInt.asIntN(64, delta));
}

// ---- nodes --------------------------------------------------------------------------------

/** Field/value spans of the entry visited: [fieldStart, fieldEnd, valueStart, valueEnd] per pair, in `buf`. */
export type EntryVisitor = (id: bigint, buf: Uint8Array, spans: readonly number[], pairs: number) => boolean | void;

/** The StreamNode object and its array (the bytes are counted by capacity). */
const NODE_BYTES = objectBytes(9) + typedArrayBytes(0);
const MIN_NODE_CAPACITY = 64;
/** A new node's room at most: nodes allowed to grow larger grow as they fill. */
const NODE_PREALLOCATE_MAX = 64 * 1024;

/**
 * One node of entries. `buf[0, fieldsEnd)` holds the master fields (count, then length-prefixed
 * names); entries follow, each: flags (deleted, same fields), the ms and seq deltas from the
 * master ID (as Redis stores them), then the values alone when the fields are the master's, or
 * a pair count and length-prefixed pairs.
 */
export class StreamNode {
  buf: Uint8Array;
  end: number;
  readonly fieldsEnd: number;
  readonly masterFields: number;
  /** Live and deleted entries. */
  live = 0;
  deleted = 0;
  /** The last entry's ID, deleted or not (lpGetEdgeStreamID), and where it starts. */
  last: bigint;
  lastAt = 0;
  /** What the node's entries and master entry take in Redis's listpack, without the count fields. */
  lpBase: number;

  /** The master ID's parts. */
  private readonly masterMs: bigint;
  private readonly masterSeq: bigint;

  constructor(
    readonly master: bigint,
    argv: readonly Uint8Array[],
    from: number,
    to: number,
    capacity: number,
    arena?: NodeArena,
  ) {
    this.masterMs = idMs(master);
    this.masterSeq = idSeq(master);
    this.masterFields = (to - from) >>> 1;
    let bytes = varintBytes(this.masterFields);
    let lp = 6 + 1 + lpIntBytes(this.masterFields) + lpIntBytes(0);
    for (let i = from; i < to; i += 2) {
      const field = argv[i]!;
      bytes += varintBytes(field.length) + field.length;
      lp += lpStringBytes(field, 0, field.length);
    }
    const size = Math.max(MIN_NODE_CAPACITY, bytes + capacity);
    this.buf = arena ? arena.take(size) : new Uint8Array(size);
    let at = writeVarint(this.buf, 0, this.masterFields);
    for (let i = from; i < to; i += 2) at = writeBytes(this.buf, at, argv[i]!);
    this.end = this.fieldsEnd = at;
    this.last = master;
    this.lpBase = lp;
  }

  /** lpBytes(): the node's size as a Redis listpack. */
  get lpBytes(): number {
    return this.lpBase + lpIntBytes(this.live) + lpIntBytes(this.deleted);
  }

  /** The master field names' spans in `buf`: [start, end] per field. */
  masterFieldSpans(): number[] {
    const spans: number[] = [];
    readVarint(this.buf, 0);
    let at = read.at;
    for (let i = 0; i < this.masterFields; i++) at = readSpan(this.buf, at, spans, 2 * i);
    return spans;
  }

  /** Whether the entry's fields are exactly the master fields, in order. */
  sameFields(argv: readonly Uint8Array[], from: number, to: number): boolean {
    if ((to - from) >>> 1 !== this.masterFields) return false;
    const buf = this.buf;
    readVarint(buf, 0);
    let at = read.at;
    for (let i = from; i < to; i += 2) {
      const field = argv[i]!;
      const length = readVarint(buf, at);
      at = read.at;
      if (length !== field.length) return false;
      for (let j = 0; j < length; j++) if (buf[at + j] !== field[j]) return false;
      at += length;
    }
    return true;
  }

  /** Appends an entry (the caller decided it belongs here); returns the bytes the buffer grew by. */
  append(id: bigint, argv: readonly Uint8Array[], from: number, to: number, arena?: NodeArena): number {
    const same = this.sameFields(argv, from, to);
    // Deltas are small numbers but for IDs far apart; BigInt arithmetic allocates, so the
    // sizes and varints are worked out on numbers when they are safe.
    const msBig = idMs(id) - this.masterMs;
    const seqBig = idSeq(id) - this.masterSeq;
    const msDelta = safeNumber(msBig) ? zigzagNumber(Number(msBig)) : zigzag(msBig);
    const seqDelta = safeNumber(seqBig) ? zigzagNumber(Number(seqBig)) : zigzag(seqBig);
    const pairs = (to - from) >>> 1;
    let size = 1 + varintBytes(msDelta) + varintBytes(seqDelta) + (same ? 0 : varintBytes(pairs));
    let lp = 2 + lpDeltaBytes(msBig) + lpDeltaBytes(seqBig);
    for (let i = same ? from + 1 : from; i < to; i += same ? 2 : 1) {
      const arg = argv[i]!;
      size += varintBytes(arg.length) + arg.length;
      lp += lpStringBytes(arg, 0, arg.length);
    }
    lp += same ? lpIntBytes(pairs + 3) : lpIntBytes(pairs) + lpIntBytes(2 * pairs + 4);
    let grown = 0;
    if (this.end + size > this.buf.length) grown = this.resize(Math.max(this.end + size, Math.ceil(this.buf.length * 1.5)), arena);
    const buf = this.buf;
    this.lastAt = this.end;
    buf[this.end] = same ? FLAG_SAMEFIELDS : 0;
    let at = typeof msDelta === 'number' ? writeVarint(buf, this.end + 1, msDelta) : writeBigVarint(buf, this.end + 1, msDelta);
    at = typeof seqDelta === 'number' ? writeVarint(buf, at, seqDelta) : writeBigVarint(buf, at, seqDelta);
    if (same) {
      for (let i = from + 1; i < to; i += 2) at = writeBytes(buf, at, argv[i]!);
    } else {
      at = writeVarint(buf, at, pairs);
      for (let i = from; i < to; i++) at = writeBytes(buf, at, argv[i]!);
    }
    this.end = at;
    this.live++;
    this.last = id;
    this.lpBase += lp;
    return grown;
  }

  /** Drops spare capacity (lpShrinkToFit, when the node stops being the tail); returns the change in bytes. */
  shrinkToFit(arena?: NodeArena): number {
    return this.buf.length > this.end ? this.resize(Math.max(this.end, 1), arena) : 0;
  }

  private resize(capacity: number, arena?: NodeArena): number {
    const delta = capacity - this.buf.length;
    this.buf = arena ? arena.resize(this.buf, this.end, capacity) : copyInto(new Uint8Array(capacity), this.buf, this.end);
    return delta;
  }

  /**
   * Decodes the entry at `at`: its ID and flags into `cursor`, its spans into `spans`; returns
   * where the next entry starts.
   */
  decode(at: number, cursor: EntryCursor, spans: number[]): number {
    const buf = this.buf;
    const flags = buf[at]!;
    const msDelta = readDelta(buf, at + 1);
    at = read.at;
    const seqDelta = readDelta(buf, at);
    at = read.at;
    cursor.flags = flags;
    cursor.id = msDelta === 0n && seqDelta >= 0n ? this.master + seqDelta : makeId(idMs(this.master) + msDelta, (idSeq(this.master) + seqDelta) & U64);
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    const pairs = same ? this.masterFields : readVarint(buf, at);
    if (!same) at = read.at;
    // A field's bytes come from the master fields or follow in the entry, before its value.
    readVarint(buf, 0);
    let field = same ? read.at : at;
    for (let i = 0; i < pairs; i++) {
      field = readSpan(buf, same ? field : at, spans, 4 * i);
      if (!same) at = field;
      at = readSpan(buf, at, spans, 4 * i + 2);
    }
    cursor.pairs = pairs;
    return at;
  }

  /**
   * Where the first entry (in storage order) whose ID is at least `start` begins, found by
   * comparing ID deltas as numbers rather than building each ID: reading from a group's last
   * ID lands in the middle of a node. Falls back to an earlier entry (the walk then skips
   * what lies before `start` itself) when a delta is too large for a number.
   */
  seek(start: bigint): number {
    const msBig = idMs(start) - this.masterMs;
    const seqBig = idSeq(start) - this.masterSeq;
    if (!safeNumber(msBig) || !safeNumber(seqBig)) return this.fieldsEnd;
    const startMs = Number(msBig);
    const startSeq = Number(seqBig);
    const buf = this.buf;
    for (let at = this.fieldsEnd; at < this.end; ) {
      const flags = buf[at]!;
      const ms = readVarint(buf, at + 1);
      const seq = ms < 0 ? -1 : readVarint(buf, read.at);
      if (ms < 0 || seq < 0) return at;
      const dms = ms % 2 === 0 ? ms / 2 : -(ms + 1) / 2;
      const dseq = seq % 2 === 0 ? seq / 2 : -(seq + 1) / 2;
      if (dms > startMs || (dms === startMs && dseq >= startSeq)) return at;
      let p = read.at;
      let spans = this.masterFields;
      if (!(flags & FLAG_SAMEFIELDS)) {
        spans = 2 * readVarint(buf, p);
        p = read.at;
      }
      for (let i = 0; i < spans; i++) {
        const length = readVarint(buf, p);
        p = read.at + length;
      }
      at = p;
    }
    return this.end;
  }

  /** Offsets of every entry, in order (walking a node backwards). */
  offsets(): number[] {
    const out: number[] = [];
    const cursor: EntryCursor = { id: 0n, flags: 0, pairs: 0 };
    for (let at = this.fieldsEnd; at < this.end; ) {
      out.push(at);
      at = this.decode(at, cursor, SCRATCH_SPANS);
    }
    return out;
  }

  markDeleted(at: number): void {
    this.buf[at]! |= FLAG_DELETED;
    this.live--;
    this.deleted++;
  }

  clone(): StreamNode {
    const copy = Object.create(StreamNode.prototype) as StreamNode;
    Object.assign(copy, this);
    copy.buf = this.buf.slice(0, this.end);
    return copy;
  }
}

function copyInto(to: Uint8Array, from: Uint8Array, bytes: number): Uint8Array {
  to.set(from.subarray(0, bytes));
  return to;
}

/** A stream's chunks start at one node's size and double up to this. */
const ARENA_CHUNK_MAX = 256 * 1024;

/**
 * Where a stream's nodes take their bytes: views into shared chunks rather than one
 * ArrayBuffer each. Only the tail node grows or shrinks, and it is the last region taken from
 * the current chunk, so it grows in place and gives back its spare room when it closes: a
 * closed node costs its bytes and nothing else (no allocator header, no preallocated buffer
 * left for the GC to free, no holes between nodes). A chunk lives as long as any node in it; one
 * whose nodes were mostly removed hands its survivors copies of their own (see release).
 */
export class NodeArena {
  private chunk: Uint8Array | null = null;
  private used = 0;
  private nextChunk = 0;
  /** Bytes of live nodes in each chunk that still has some. */
  private readonly liveBytes = new Map<ArrayBufferLike, number>();

  take(bytes: number): Uint8Array {
    if (this.chunk === null || this.used + bytes > this.chunk.length) {
      this.nextChunk = Math.min(ARENA_CHUNK_MAX, Math.max(bytes, 2 * this.nextChunk));
      this.chunk = new Uint8Array(Math.max(bytes, this.nextChunk));
      this.used = 0;
    }
    const region = this.chunk.subarray(this.used, this.used + bytes);
    this.used += bytes;
    this.count(region.buffer, bytes);
    return region;
  }

  /** `buf` resized to `capacity` with its first `keep` bytes: in place when it is the chunk's last region. */
  resize(buf: Uint8Array, keep: number, capacity: number): Uint8Array {
    const chunk = this.chunk;
    if (chunk !== null && buf.buffer === chunk.buffer && buf.byteOffset + buf.length === chunk.byteOffset + this.used) {
      const start = buf.byteOffset - chunk.byteOffset;
      if (start + capacity <= chunk.length) {
        this.used = start + capacity;
        this.count(chunk.buffer, capacity - buf.length);
        return chunk.subarray(start, start + capacity);
      }
    }
    this.release(buf);
    return copyInto(capacity < buf.length ? new Uint8Array(capacity) : this.take(capacity), buf, keep);
  }

  /**
   * Forgets a region no longer in use; true when its chunk (not the current one) is now under a
   * quarter full, so that the caller moves the survivors out and lets the chunk go.
   */
  release(buf: Uint8Array): boolean {
    const live = this.liveBytes.get(buf.buffer);
    if (live === undefined) return false;
    const left = live - buf.length;
    if (left > 0) this.liveBytes.set(buf.buffer, left);
    else this.liveBytes.delete(buf.buffer);
    return left > 0 && buf.buffer !== this.chunk?.buffer && left * 4 < buf.buffer.byteLength;
  }

  /** Forgets a chunk whose survivors moved to buffers of their own. */
  drop(chunk: ArrayBufferLike): void {
    this.liveBytes.delete(chunk);
  }

  private count(chunk: ArrayBufferLike, bytes: number): void {
    this.liveBytes.set(chunk, (this.liveBytes.get(chunk) ?? 0) + bytes);
  }
}

/** Visits an entry in place: its node (at index `ni`), its offset, ID and pair count; false stops. */
type NodeEntryVisitor = (node: StreamNode, ni: number, at: number, id: bigint, pairs: number) => boolean | void;

interface EntryCursor {
  id: bigint;
  flags: number;
  pairs: number;
}

const SCRATCH_SPANS: number[] = [];

/** Reads the length-prefixed bytes at `at` into spans[slot, slot + 1]; returns where they end. */
function readSpan(buf: Uint8Array, at: number, spans: number[], slot: number): number {
  const length = readVarint(buf, at);
  spans[slot] = read.at;
  return (spans[slot + 1] = read.at + length);
}

function writeBytes(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  at = writeVarint(buf, at, bytes.length);
  if (bytes.length > 32) buf.set(bytes, at);
  else for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i]!;
  return at + bytes.length;
}

// ---- consumer groups ----------------------------------------------------------------------------

/** A delivered, not yet acknowledged entry (Redis's streamNACK). */
export interface PendingEntry {
  readonly id: bigint;
  /** When it was last delivered (ms). */
  deliveryTime: number;
  deliveryCount: number;
  consumer: Consumer;
}

export interface Consumer {
  readonly name: Buffer;
  /** When it last read or claimed (ms): XINFO CONSUMERS' idle. */
  seenTime: number;
  /** Its pending entries, in ID order. */
  readonly pending: PendingEntry[];
}

export interface ConsumerGroup {
  readonly name: Buffer;
  lastId: bigint;
  /** Entries the group has read, or ENTRIES_READ_UNKNOWN. */
  entriesRead: number;
  /** Every pending entry of the group, in ID order. */
  readonly pending: PendingEntry[];
  /** By name (latin1). */
  readonly consumers: Map<string, Consumer>;
}

const GROUP_BYTES = objectBytes(5) + objectBytes(0) + objectBytes(4);
const CONSUMER_BYTES = objectBytes(3) + objectBytes(0) + ARRAY_SLOT_BYTES * 2;
/** The entry, its bigint, and its slots in the group's and the consumer's PEL arrays. */
const PENDING_BYTES = objectBytes(4) + 24 + 2 * ARRAY_SLOT_BYTES;

/** Groups or consumers in the order of Redis's radix trees (byte order of names): RDB and AOF write them so. */
export function inNameOrder<T extends { readonly name: Buffer }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => Buffer.compare(a.name, b.name));
}

/** Index of the first element of `list` (sorted by id) whose id is >= `id`. */
export function lowerBound(list: readonly { id: bigint }[], id: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function findPending(list: readonly PendingEntry[], id: bigint): PendingEntry | undefined {
  const at = lowerBound(list, id);
  const entry = list[at];
  return entry !== undefined && entry.id === id ? entry : undefined;
}

function insertSorted(list: PendingEntry[], entry: PendingEntry): void {
  const last = list[list.length - 1];
  if (last === undefined || last.id < entry.id) list.push(entry);
  else list.splice(lowerBound(list, entry.id), 0, entry);
}

function removeSorted(list: PendingEntry[], entry: PendingEntry): void {
  const at = lowerBound(list, entry.id);
  if (list[at] === entry) list.splice(at, 1);
}

// ---- the stream --------------------------------------------------------------------------------

/** The StreamValue object, its node array and group map. */
const STREAM_BYTES = objectBytes(9) + objectBytes(0) + objectBytes(2);

export const TRIM_MAXLEN = 1;
export const TRIM_MINID = 2;

export interface TrimOptions {
  strategy: typeof TRIM_MAXLEN | typeof TRIM_MINID;
  maxlen: number;
  minid: bigint;
  approx: boolean;
  /** Entries a trim may remove at most (0: no limit). */
  limit: number;
}

export class StreamValue extends Meter implements StoredObject {
  /** In ID order. */
  nodes: StreamNode[] = [];
  length = 0;
  lastId = 0n;
  firstId = 0n;
  maxDeletedId = 0n;
  entriesAdded = 0;
  /** By name (latin1); XINFO lists them in name order. */
  groups = new Map<string, ConsumerGroup>();
  private readonly arena = new NodeArena();

  constructor() {
    super();
    this.adjust(STREAM_BYTES);
  }

  // ---- adding and removing entries ----

  /**
   * Appends an entry with the fields and values argv[from, to) under `id` (greater than
   * lastId, checked by the caller), starting a new node where Redis would.
   */
  add(id: bigint, argv: readonly Uint8Array[], from: number, to: number, nodeMaxBytes: number, nodeMaxEntries: number): void {
    let tail: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    const maxBytes = nodeMaxBytes === 0 || nodeMaxBytes > LISTPACK_MAX_BYTES ? LISTPACK_MAX_BYTES : nodeMaxBytes;
    if (tail !== undefined) {
      let bytes = 0;
      for (let i = from; i < to; i++) bytes += argv[i]!.length;
      if (tail.lpBytes + bytes >= maxBytes || (nodeMaxEntries > 0 && tail.live + tail.deleted >= nodeMaxEntries)) {
        this.adjust(tail.shrinkToFit(this.arena));
        tail = undefined;
      }
    }
    if (tail === undefined) {
      // Sized for a full node of entries like this one, so a node is allocated twice (here
      // and when it shrinks to fit), not at every growth step: freed steps cost RSS too.
      let bytes = 8;
      for (let i = from + 1; i < to; i += 2) bytes += argv[i]!.length + 2;
      const capacity = Math.min(nodeMaxEntries > 0 ? bytes * nodeMaxEntries : maxBytes, maxBytes, NODE_PREALLOCATE_MAX);
      tail = new StreamNode(id, argv, from, to, capacity, this.arena);
      this.nodes.push(tail);
      this.adjust(NODE_BYTES + ARRAY_SLOT_BYTES + tail.buf.length);
    }
    this.adjust(tail.append(id, argv, from, to, this.arena));
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
  }

  /** XDEL of one ID: whether a live entry was deleted. */
  delete(id: bigint): boolean {
    let deleted = false;
    this.walk(id, id, false, (node, ni, at) => {
      node.markDeleted(at);
      this.length--;
      if (node.live === 0) this.removeNode(ni);
      deleted = true;
      return false;
    });
    if (deleted && id === this.firstId) this.firstId = this.length === 0 ? 0n : this.edgeId(false);
    return deleted;
  }

  /** Redis's streamTrim: entries removed; with `apply` false, how many it would remove. */
  trim(options: TrimOptions, apply = true): number {
    const { strategy, maxlen, minid, approx, limit } = options;
    let length = this.length;
    let deleted = 0;
    let ni = 0;
    while (ni < this.nodes.length) {
      if (strategy === TRIM_MAXLEN && length <= maxlen) break;
      const node = this.nodes[ni]!;
      const entries = node.live;
      if (limit > 0 && deleted + entries > limit) break;
      if (strategy === TRIM_MAXLEN ? length - entries >= maxlen : node.last < minid) {
        if (apply) this.removeNode(ni);
        else ni++;
        length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      const cursor: EntryCursor = { id: 0n, flags: 0, pairs: 0 };
      for (let at = node.fieldsEnd; at < node.end; ) {
        const next = node.decode(at, cursor, SCRATCH_SPANS);
        if (strategy === TRIM_MAXLEN ? length <= maxlen : cursor.id >= minid) break;
        if (!(cursor.flags & FLAG_DELETED)) {
          if (apply) node.markDeleted(at);
          length--;
          deleted++;
        }
        at = next;
      }
      break;
    }
    if (apply) {
      this.length = length;
      this.firstId = length === 0 ? 0n : this.edgeId(false);
    }
    return deleted;
  }

  /** The first entry's ID, deleted or not; MAX_ID without entries (streamGetEdgeID without skipping tombstones). */
  firstIdWithDeleted(): bigint {
    const node = this.nodes[0];
    if (node === undefined) return MAX_ID;
    const cursor: EntryCursor = { id: 0n, flags: 0, pairs: 0 };
    node.decode(node.fieldsEnd, cursor, SCRATCH_SPANS);
    return cursor.id;
  }

  private removeNode(ni: number): void {
    const node = this.nodes[ni]!;
    this.nodes.splice(ni, 1);
    this.adjust(-(NODE_BYTES + ARRAY_SLOT_BYTES + node.buf.length));
    if (this.arena.release(node.buf)) this.moveOut(node.buf.buffer);
  }

  /** Gives the nodes still in a mostly empty arena chunk buffers of their own, so that the chunk can go. */
  private moveOut(chunk: ArrayBufferLike): void {
    for (const node of this.nodes) if (node.buf.buffer === chunk) node.buf = node.buf.slice();
    this.arena.drop(chunk);
  }

  /** Index of the node that would hold `id` (the last whose master is <= id), or -1. */
  private nodeFor(id: bigint): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid]!.master <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  // ---- reading ----

  /** The first (or last) live entry's ID; 0n when there is none. */
  edgeId(last: boolean): bigint {
    let found = 0n;
    this.range(0n, MAX_ID, last, (id) => {
      found = id;
      return false;
    });
    return found;
  }

  /** The last live entry's ID (streamLastValidID), 0n when there is none; O(1) unless the tail entry was deleted. */
  lastLiveId(): bigint {
    const tail = this.nodes[this.nodes.length - 1];
    if (tail !== undefined && !(tail.buf[tail.lastAt]! & FLAG_DELETED)) return tail.last;
    return this.edgeId(true);
  }

  /** Whether a live entry has this ID. */
  has(id: bigint): boolean {
    let found = false;
    this.range(id, id, false, () => {
      found = true;
      return false;
    });
    return found;
  }

  /**
   * Visits the live entries with start <= ID <= end, in ID order (or reversed), until the
   * visitor returns false. Spans are valid until the stream changes.
   */
  range(start: bigint, end: bigint, reverse: boolean, visit: EntryVisitor): void {
    this.walk(start, end, reverse, (node, _ni, _at, id, pairs) => visit(id, node.buf, SCRATCH_SPANS, pairs));
  }

  /**
   * Redis's stream iterator: from the last node whose master ID is <= the near bound (else
   * the first, or going backwards the last), live entries are visited from the near bound on
   * until one lies past the far bound, which ends the walk (deleted ones are skipped first).
   */
  private walk(start: bigint, end: bigint, reverse: boolean, visit: NodeEntryVisitor): void {
    if (this.nodes.length === 0) return;
    const cursor: EntryCursor = { id: 0n, flags: 0, pairs: 0 };
    const spans = SCRATCH_SPANS;
    const nodes = this.nodes;
    if (!reverse) {
      const first = Math.max(0, this.nodeFor(start));
      for (let ni = first; ni < nodes.length; ni++) {
        const node = nodes[ni]!;
        for (let at = ni === first ? node.seek(start) : node.fieldsEnd; at < node.end; ) {
          const entryAt = at;
          at = node.decode(at, cursor, spans);
          if (cursor.id < start || cursor.flags & FLAG_DELETED) continue;
          if (cursor.id > end) return;
          if (visit(node, ni, entryAt, cursor.id, cursor.pairs) === false) return;
        }
      }
      return;
    }
    const last = this.nodeFor(end);
    for (let ni = last < 0 ? nodes.length - 1 : last; ni >= 0; ni--) {
      const node = nodes[ni]!;
      const offsets = node.offsets();
      for (let k = offsets.length - 1; k >= 0; k--) {
        node.decode(offsets[k]!, cursor, spans);
        if (cursor.id > end || cursor.flags & FLAG_DELETED) continue;
        if (cursor.id < start) return;
        if (visit(node, ni, offsets[k]!, cursor.id, cursor.pairs) === false) return;
      }
    }
  }

  /** Every live entry in ID order (serializers, DEBUG DIGEST). */
  forEachEntry(visit: EntryVisitor): void {
    this.range(0n, MAX_ID, false, visit);
  }

  /**
   * The nodes the radix tree of Redis would have for these node keys (XINFO's
   * radix-tree-nodes): the root, and each point where keys branch or a chain of single
   * children ends. Keys are the master IDs as 16 bytes, big-endian.
   */
  radixTreeNodes(): number {
    const keys = this.nodes.map((node) => {
      const key = Buffer.alloc(16);
      key.writeBigUInt64BE(idMs(node.master), 0);
      key.writeBigUInt64BE(idSeq(node.master), 8);
      return key;
    });
    const count = (lo: number, hi: number, depth: number, parentBranches: boolean): number => {
      if (depth === 16) return 1;
      let children = 0;
      let total = 0;
      const runs: [number, number][] = [];
      for (let i = lo; i < hi; ) {
        let j = i + 1;
        while (j < hi && keys[j]![depth] === keys[i]![depth]) j++;
        runs.push([i, j]);
        children++;
        i = j;
      }
      for (const [a, b] of runs) total += count(a, b, depth + 1, children > 1);
      return total + (depth === 0 || parentBranches || children !== 1 ? 1 : 0);
    };
    return keys.length === 0 ? 1 : count(0, keys.length, 0, false);
  }

  // ---- consumer groups ----

  createGroup(name: Buffer, lastId: bigint, entriesRead: number): ConsumerGroup {
    const group: ConsumerGroup = { name, lastId, entriesRead, pending: [], consumers: new Map() };
    this.groups.set(name.toString('latin1'), group);
    this.adjust(GROUP_BYTES + typedArrayBytes(name.length));
    return group;
  }

  group(name: Buffer): ConsumerGroup | undefined {
    return this.groups.get(name.toString('latin1'));
  }

  destroyGroup(group: ConsumerGroup): void {
    this.groups.delete(group.name.toString('latin1'));
    this.adjust(-this.groupBytes(group));
  }

  createConsumer(group: ConsumerGroup, name: Buffer, now: number): Consumer {
    const consumer: Consumer = { name, seenTime: now, pending: [] };
    group.consumers.set(name.toString('latin1'), consumer);
    this.adjust(CONSUMER_BYTES + typedArrayBytes(name.length));
    return consumer;
  }

  /** Deletes a consumer and its pending entries; returns how many were pending. */
  deleteConsumer(group: ConsumerGroup, consumer: Consumer): number {
    const pending = consumer.pending.length;
    for (const entry of [...consumer.pending]) this.removePending(group, entry);
    group.consumers.delete(consumer.name.toString('latin1'));
    this.adjust(-(CONSUMER_BYTES + typedArrayBytes(consumer.name.length)));
    return pending;
  }

  addPending(group: ConsumerGroup, consumer: Consumer, id: bigint, now: number): PendingEntry {
    const entry: PendingEntry = { id, deliveryTime: now, deliveryCount: 1, consumer };
    insertSorted(group.pending, entry);
    insertSorted(consumer.pending, entry);
    this.adjust(PENDING_BYTES);
    return entry;
  }

  removePending(group: ConsumerGroup, entry: PendingEntry): void {
    removeSorted(group.pending, entry);
    removeSorted(entry.consumer.pending, entry);
    this.adjust(-PENDING_BYTES);
  }

  /** Gives a pending entry to another consumer. */
  movePending(entry: PendingEntry, to: Consumer): void {
    if (entry.consumer === to) return;
    removeSorted(entry.consumer.pending, entry);
    entry.consumer = to;
    insertSorted(to.pending, entry);
  }

  private groupBytes(group: ConsumerGroup): number {
    let bytes = GROUP_BYTES + typedArrayBytes(group.name.length) + group.pending.length * PENDING_BYTES;
    for (const consumer of group.consumers.values()) bytes += CONSUMER_BYTES + typedArrayBytes(consumer.name.length);
    return bytes;
  }

  // ---- Redis 7.0's lag arithmetic ----

  /** streamRangeHasTombstones: whether an entry was deleted between start and end (inclusive). */
  hasTombstones(start: bigint, end: bigint = MAX_ID): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the entries-read counter `id` stands for, if knowable. */
  estimateEntriesRead(id: bigint): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_UNKNOWN;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.length;
      if (id === this.firstId) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_UNKNOWN;
  }

  /** XINFO GROUPS' lag (streamReplyWithCGLag); null when it cannot be known. */
  lag(group: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !this.hasTombstones(group.lastId)) return this.entriesAdded - group.entriesRead;
    const read = this.estimateEntriesRead(group.lastId);
    return read === ENTRIES_READ_UNKNOWN ? null : this.entriesAdded - read;
  }

  /** A group delivered `id` (newer than its last ID): its counters move on (streamReplyWithRange). */
  advanceGroup(group: ConsumerGroup, id: bigint): void {
    if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !this.hasTombstones(id)) group.entriesRead++;
    else if (this.entriesAdded > 0) group.entriesRead = this.estimateEntriesRead(id);
    group.lastId = id;
  }

  // ---- StoredObject ----

  clone(): StreamValue {
    const copy = new StreamValue();
    copy.nodes = this.nodes.map((node) => node.clone());
    copy.length = this.length;
    copy.lastId = this.lastId;
    copy.firstId = this.firstId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    for (const group of this.groups.values()) {
      const twin = copy.createGroup(group.name, group.lastId, group.entriesRead);
      const consumers = new Map<Consumer, Consumer>();
      for (const consumer of group.consumers.values()) {
        consumers.set(consumer, copy.createConsumer(twin, consumer.name, consumer.seenTime));
      }
      for (const entry of group.pending) {
        const twinEntry = copy.addPending(twin, consumers.get(entry.consumer)!, entry.id, entry.deliveryTime);
        twinEntry.deliveryCount = entry.deliveryCount;
      }
    }
    copy.adjust(copy.recountNodes());
    return copy;
  }

  private recountNodes(): number {
    let bytes = 0;
    for (const node of this.nodes) bytes += NODE_BYTES + ARRAY_SLOT_BYTES + node.buf.length;
    return bytes;
  }

  recount(): number {
    let bytes = STREAM_BYTES + this.recountNodes();
    for (const group of this.groups.values()) bytes += this.groupBytes(group);
    return bytes;
  }
}
