// One logical database (SELECT n): a hash index from key bytes to entries, with the entries,
// keys and small string values kept off the JS heap.
//
// Layout
// - Entries live in pages of 65,536 slots, 4 int32 words each (see F_*). An entry's id is its
//   slot number; it is stable while the key lives, which is what SCAN's cursor walks, so a
//   key present for a whole scan is returned exactly once, however the index resizes.
// - The index is a power-of-two array of bucket heads (id + 1; 0 = empty) chained through the
//   entries' NEXT word. It grows and shrinks like Redis's dict: a second table is filled a few
//   buckets per operation (and by the cron), so no resize ever stalls.
// - Each entry's record in the Arena holds a header, the key and the value (record.ts). A
//   value that is a collection or a large string lives in `objects`; the record holds its handle.
// - Expiry times live in a dense "volatile" list (for O(1) random sampling by the active
//   expire cycle); a sparse column maps an entry to its position there. They are int64 ms as
//   in Redis: the list holds doubles, exact up to 2^53 ms (year 287396); a time beyond that
//   is rounded there, which cannot change an expiry check, and kept exact in `wideExpiry`. Memcached flags and
//   CAS values live in sparse columns too, so the many keys without them cost nothing.
// - Hashes holding field TTLs are indexed by their earliest field time (field-expiry.ts); a
//   stored hash keeps its entry there current, so the index follows renames, moves, copies,
//   deletes, flushes and swaps with no help from commands.
// - Memory (memory.ts): the dataset (records and objects) and the overhead (this database's
//   own structures) are running totals, kept per database and for the keyspace; stored
//   objects report their size changes here (adjust).
//
// Ids handed out by lookups are valid until the next call that inserts or deletes a key.

import { Buffer } from 'node:buffer';
import { Arena, MAX_CLASS_BYTES } from './arena.ts';
import { FieldExpiryIndex } from './field-expiry.ts';
import { hashBytes } from './hash.ts';
import { ARRAY_SLOT_BYTES, type ByteSink } from './memory.ts';
import { keyHashSlot, SlotIndex } from './slots.ts';
import { PagedFloat64, PagedInt32, SparseColumn, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from './paged.ts';
import * as Rec from './record.ts';
import { COLD, EXTERNAL } from './record.ts';
import type { Keyspace } from './keyspace.ts';

/**
 * What a key past its TTL is. Delete: gone, removed when met and by the active cycle (a
 * primary). Hide: answered as missing but left in place, for the primary's DEL to remove (a
 * replica, as Redis's). Ignore: live (while a replica applies its primary's stream, which was
 * written against keys the primary still had).
 */
export const Expiry = { Delete: 0, Hide: 1, Ignore: 2 } as const;
export type Expiry = (typeof Expiry)[keyof typeof Expiry];
import { lfuAccess, lfuCounter, lfuData, lruClock, lruForIdle, lruIdleMs } from './access.ts';
import { Removal } from './changes.ts';
import type { Int64 } from '../util/numbers.ts';
import { Encoding, ValueType, type StoredObject, LargeString, type ByteRange } from './types.ts';
import { HashValue } from './types/hash.ts';
import type { FreeJob } from './lazyfree.ts';

const STRIDE = 4;
const F_HASH = 0;
const F_NEXT = 1;
const F_REC = 2;
/** type (bits 0-3), encoding (bits 4-7), LRU clock or LFU data (bits 8-31) */
const F_META = 3;

/** String values longer than this live as LargeString objects that can grow in place. */
export const INLINE_VALUE_MAX = Math.min(16 * 1024, Rec.MAX_INLINE_FIELD);

const INITIAL_BUCKETS = 16;
/** Buckets moved to the new table by each lookup during a resize. */
const REHASH_STEP = 2;
/** Keys warmed per pass by warm(): enough to overlap every miss a CPU can have in flight. */
const WARM_GROUP = 32;
/** Ids, then record refs, of a group; one more slot takes what the loads read. */
const warmIds = new Int32Array(WARM_GROUP + 1);
/** randomId draws uniformly among keys in index chains up to this long. */
const RANDOM_CHAIN_SPAN = 4;
/** What MEMORY USAGE adds for a key besides its record and object: its entry and index bucket. */
const ENTRY_BYTES = STRIDE * 4 + 4;
/** ... and for a key with a TTL, its place in the volatile list. */
const VOLATILE_ENTRY_BYTES = 16;

/** Running memory figures checked against a count from scratch (tests, DEBUG). */
export interface MemoryRecount {
  dataset: number;
  overhead: number;
  /** Entries whose object's running size differs from its recount. */
  mismatched: number[];
}

export class Database implements ByteSink {
  /** Live keys, expired-but-not-yet-collected ones included. */
  size = 0;
  /** Keys evicted from this database (the Memcached front's stats read database 0's). */
  evictedKeys = 0;
  /** Entries whose value is on disk (src/tiering). */
  coldCount = 0;
  /** Bytes of keys and values: arena records (size-class rounded) and stored objects. */
  datasetBytes = 0;
  /** Bytes of this database's own structures: entry pages, index, TTL list, columns, handles. */
  overheadBytes = 0;
  /** Where the paged columns report their growth. */
  private readonly structures: ByteSink = { adjust: (delta) => this.addOverhead(delta) };

  private readonly arena: Arena;
  private pagesI: Int32Array[] = [];
  private highWater = 0;
  private freeIdHead = 0; // id + 1 of a reusable slot; 0 = none

  private t0: Int32Array = new Int32Array(INITIAL_BUCKETS);
  private t1: Int32Array | null = null;
  private rehashIdx = 0;

  private objects: (StoredObject | undefined)[] = [];
  private freeHandles: number[] = [];

  private volIds = new PagedInt32(this.structures);
  private volAt = new PagedFloat64(this.structures);
  private volCount = 0;
  /** Position + 1 in the volatile list, by entry id; 0 = no TTL. */
  private volPos = new SparseColumn(Int32Array, this.structures);
  /** Exact expiry times past 2^53 ms, by entry id (only an entry whose volAt is past 2^53 has one). */
  private wideExpiry: Map<number, bigint> | null = null;
  private flags = new SparseColumn(Int32Array, this.structures);
  /** CAS values handed out, by entry id; 0 = none since the last change. */
  private cas = new SparseColumn(Float64Array, this.structures);
  /** Hashes holding field TTLs, by their earliest field time. */
  private fieldExpiry = new FieldExpiryIndex(this.structures);

  /** Keys by cluster hash slot; kept only once enableSlotIndex() was called (cluster mode). */
  private slots: SlotIndex | null = null;

  constructor(
    readonly keyspace: Keyspace,
    /** Its number (SELECT); SWAPDB changes it. */
    public index: number,
  ) {
    this.arena = keyspace.arena;
    this.addOverhead(this.structureBytes());
  }

  /**
   * Sizes the index of an empty database for `keys` keys at once (an RDB file's RESIZEDB), so
   * that loading them never resizes it step by step.
   */
  reserve(keys: number): void {
    if (this.size !== 0 || this.t1 !== null) return;
    let buckets = INITIAL_BUCKETS;
    while (buckets < keys) buckets *= 2;
    if (buckets <= this.t0.length) return;
    this.addOverhead((buckets - this.t0.length) * 4);
    this.t0 = new Int32Array(buckets);
  }

  /** Starts keeping keys indexed by hash slot (counted and listable per slot). */
  enableSlotIndex(): void {
    if (this.slots !== null) return;
    const slots = new SlotIndex(this.structures);
    this.forEach((id) => {
      const key = this.keyRange(id, SCRATCH);
      slots.add(id, keyHashSlot(key.buf, key.start, key.end));
    });
    this.slots = slots;
  }

  /** CLUSTER COUNTKEYSINSLOT; requires enableSlotIndex(). */
  countKeysInSlot(slot: number): number {
    return this.slots!.counts[slot]!;
  }

  /** CLUSTER GETKEYSINSLOT; requires enableSlotIndex(). */
  keysInSlot(slot: number, limit: number): Buffer[] {
    return this.slots!.ids(slot, limit).map((id) => this.keyOf(id));
  }

  // ---- lookups -------------------------------------------------------------------------

  /** The live entry for `key`, or -1. An expired key is deleted on the way (lazy expiry). */
  find(key: Uint8Array): number {
    const id = this.findRaw(key, 0, key.length);
    if (id < 0) return -1;
    if (this.isExpired(id)) {
      this.dropExpired(id);
      return -1;
    }
    if (this.keyspace.touchKeys) this.touch(id);
    return id;
  }

  /** Like find, counting a keyspace hit or miss (Redis's lookupKeyRead). */
  findForRead(key: Uint8Array): number {
    const id = this.find(key);
    if (id < 0) this.keyspace.stats.misses++;
    else this.keyspace.stats.hits++;
    return id;
  }

  /** The entry for `key` as stored, or -1: no expiry, no access recorded (eviction's recheck). */
  locate(key: Uint8Array, end = key.length): number {
    return this.findRaw(key, 0, end);
  }

  /** Whether the entry has a TTL. */
  isVolatile(id: number): boolean {
    return this.volPos.get(id) !== 0;
  }

  has(key: Uint8Array): boolean {
    return this.find(key) >= 0;
  }

  /** The entry for `key` even past its TTL (Redis's dictFind, for WATCH), or -1; nothing is deleted. */
  findIncludingExpired(key: Uint8Array): number {
    return this.findRaw(key, 0, key.length);
  }

  typeOf(id: number): ValueType {
    return (this.meta(id) & 0xf) as ValueType;
  }

  encodingOf(id: number): Encoding {
    return ((this.meta(id) >>> 4) & 0xf) as Encoding;
  }

  setEncoding(id: number, encoding: Encoding): void {
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const w = ((id & PAGE_MASK) * STRIDE) + F_META;
    page[w] = (page[w]! & ~0xf0) | (encoding << 4);
  }

  /** A copy of the key's bytes. */
  keyOf(id: number): Buffer {
    const r = this.keyRange(id, SCRATCH);
    return Buffer.from(r.buf.subarray(r.start, r.end));
  }

  /** Points `out` at the key's bytes in place (valid until the next write). */
  keyRange(id: number, out: ByteRange): ByteRange {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    out.buf = this.arena.chunkOf(rec);
    out.start = Arena.offsetOf(rec) + Rec.keyOffset(words, w);
    out.end = out.start + Rec.keyLength(words, w);
    return out;
  }

  // ---- strings ---------------------------------------------------------------------------

  stringLength(id: number): number {
    this.ensureHot(id);
    const rec = this.rec(id);
    const valueLength = Rec.valueLength(this.arena.wordsOf(rec), Arena.wordOf(rec));
    return valueLength === EXTERNAL ? (this.objectOf(id) as LargeString).length : valueLength;
  }

  /** Points `out` at a string value's bytes in place (valid until the next write). */
  stringRange(id: number, out: ByteRange): ByteRange {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const valueLength = Rec.valueLength(words, w);
    if (valueLength === EXTERNAL) {
      const large = this.objects[words[Rec.handleWord(words, w)]!] as LargeString;
      out.buf = large.data;
      out.start = 0;
      out.end = large.length;
    } else if (valueLength === COLD) {
      this.keyspace.cold!.promote(this, id);
      return this.stringRange(id, out);
    } else {
      out.buf = this.arena.chunkOf(rec);
      out.start = Arena.offsetOf(rec) + Rec.keyOffset(words, w) + Rec.keyLength(words, w);
      out.end = out.start + valueLength;
    }
    return out;
  }

  /** A copy of a string value. */
  stringValue(id: number): Buffer {
    const r = this.stringRange(id, SCRATCH);
    return Buffer.from(r.buf.subarray(r.start, r.end));
  }

  /**
   * Stores a string under `key`, replacing whatever was there (any type). The TTL is dropped
   * unless keepTtl. Returns the entry id.
   */
  setString(key: Uint8Array, value: Uint8Array, keepTtl = false): number {
    const id = this.findRaw(key, 0, key.length);
    if (id >= 0 && !this.isExpired(id)) {
      this.replaceString(id, value, stringEncoding(value));
      // A new value is a new item: Memcached flags describe the value they were stored with.
      this.flags.set(id, 0);
      if (!keepTtl) this.clearExpire(id);
      return id;
    }
    if (id >= 0) this.expireNow(id);
    return this.insert(key, ValueType.String, stringEncoding(value), value, undefined);
  }

  /** Replaces the value of an existing entry with a string, keeping its TTL. */
  replaceString(id: number, value: Uint8Array, encoding: Encoding = stringEncoding(value)): void {
    this.keyspace.beforeChange(this, id);
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const keyLength = Rec.keyLength(words, w);
    const oldLength = Rec.valueLength(words, w);
    if (oldLength === EXTERNAL) this.releaseObject(id);
    else if (oldLength === COLD) this.dropCold(id);
    if (value.length > INLINE_VALUE_MAX) {
      const handle = this.storeObject(new LargeString(value), id);
      this.resizeRecord(id, rec, keyLength, EXTERNAL);
      this.writeHandle(id, handle);
    } else {
      const target = this.resizeRecord(id, rec, keyLength, value.length);
      copyInto(this.arena.chunkOf(target), Arena.offsetOf(target) + Rec.headerBytes(keyLength) + keyLength, value);
    }
    this.setMeta(id, ValueType.String, encoding);
  }

  /**
   * Resizes a string value to `length` (new bytes are zero) and points `out` at it for
   * in-place edits: SETRANGE, SETBIT, APPEND. Values past INLINE_VALUE_MAX become growable
   * LargeStrings so repeated appends stay amortised O(1).
   */
  resizeString(id: number, length: number, out: ByteRange): ByteRange {
    this.ensureHot(id);
    this.keyspace.beforeChange(this, id);
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const keyLength = Rec.keyLength(words, w);
    const oldLength = Rec.valueLength(words, w);
    if (oldLength === EXTERNAL) {
      const large = this.objectOf(id) as LargeString;
      large.resize(length);
      this.setMeta(id, ValueType.String, Encoding.Raw);
      out.buf = large.data;
      out.start = 0;
      out.end = length;
      return out;
    }
    if (length > INLINE_VALUE_MAX) {
      const grown = Buffer.alloc(length);
      this.stringRange(id, out);
      grown.set(out.buf.subarray(out.start, out.end));
      this.replaceString(id, grown, Encoding.Raw);
      return this.stringRange(id, out);
    }
    const target = this.resizeRecord(id, rec, keyLength, length, Math.min(oldLength, length));
    if (length > oldLength) {
      const start = Arena.offsetOf(target) + Rec.headerBytes(keyLength) + keyLength;
      this.arena.chunkOf(target).fill(0, start + oldLength, start + length);
    }
    this.setMeta(id, ValueType.String, Encoding.Raw);
    return this.stringRange(id, out);
  }

  // ---- other types -------------------------------------------------------------------------

  /** The object behind a collection (or large string) entry. */
  objectOf(id: number): StoredObject {
    this.ensureHot(id);
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    return this.objects[words[Rec.handleWord(words, w)]!]!;
  }

  /**
   * The object of an entry about to be modified: runs the before-write hook and bumps CAS.
   * `signalled` false for a change Redis does not signal to WATCH (Removal.Unsignalled).
   */
  objectForWrite(id: number, signalled = true): StoredObject {
    this.keyspace.beforeChange(this, id, signalled ? Removal.NotRemoved : Removal.Unsignalled);
    this.forgetCas(id);
    return this.objectOf(id);
  }

  /**
   * Stores a collection under `key`, replacing whatever was there and dropping any TTL. Like
   * Redis's setKey, replacing a live key is an overwrite, not a new key (no "new" event).
   */
  setObject(key: Uint8Array, type: ValueType, encoding: Encoding, object: StoredObject): number {
    const replaced = this.deleteForOverwrite(key);
    return this.insert(key, type, encoding, null, object, replaced);
  }

  /**
   * Deletes what `key` holds before it is stored anew; a key past its TTL counts as expired.
   * Whether a live key was replaced.
   */
  private deleteForOverwrite(key: Uint8Array, start = 0, end = key.length, hash = hashBytes(key, start, end)): boolean {
    const existing = this.findRaw(key, start, end, hash);
    if (existing < 0) return false;
    if (this.isExpired(existing)) {
      this.expireNow(existing);
      return false;
    }
    this.deleteId(existing, Removal.Overwritten);
    return true;
  }

  // ---- moving values between keys (RENAME, MOVE, COPY) ----------------------------------------

  /**
   * An entry's value detached from its key: inline string bytes copied out, or its object
   * (cloned when `clone`, for COPY; shared otherwise, for a move that deletes the source).
   * A clone is a new value and so, as in Redis, starts with a fresh access time.
   */
  exportValue(id: number, clone: boolean): ExportedValue {
    this.ensureHot(id);
    const rec = this.rec(id);
    const external = Rec.valueLength(this.arena.wordsOf(rec), Arena.wordOf(rec)) === EXTERNAL;
    const object = external ? this.objectOf(id) : null;
    return {
      type: this.typeOf(id),
      encoding: this.encodingOf(id),
      bytes: external ? null : this.stringValue(id),
      object: object !== null && clone ? object.clone() : object,
      flags: this.flagsOf(id),
      access: clone ? -1 : this.lruOf(id),
    };
  }

  /** Stores an exported value under `key`, replacing whatever was there; the key has no TTL. */
  importValue(key: Uint8Array, value: ExportedValue): number {
    this.deleteForOverwrite(key);
    const id = this.insert(key, value.type, value.encoding, value.bytes, value.object ?? undefined);
    // A new entry's flags are 0 already; setting 0 would still touch the sparse column.
    if (value.flags !== 0) this.setFlags(id, value.flags);
    if (value.access >= 0) this.setAccess(id, value.access);
    return id;
  }

  /**
   * Stores a string read from a file (an RDB load), replacing whatever `key` held; `access` as
   * importValue's. Both may be ranges of the file's bytes, which are copied: a load of small
   * keys spent a fifth of its time making a Buffer view per key and value, and the key is
   * hashed once for the lookup and the insert.
   */
  loadString(key: ByteRange, value: ByteRange, access: number): number {
    const hash = hashBytes(key.buf, key.start, key.end);
    this.deleteForOverwrite(key.buf, key.start, key.end, hash);
    const encoding = stringEncoding(value.buf, value.start, value.end);
    const id = this.insertRange(hash, key.buf, key.start, key.end, ValueType.String, encoding, value.buf, value.start, value.end, undefined);
    if (access >= 0) this.setAccess(id, access);
    return id;
  }

  // ---- deletion ------------------------------------------------------------------------------

  delete(key: Uint8Array): boolean {
    const id = this.findRaw(key, 0, key.length);
    if (id < 0) return false;
    if (this.isExpired(id)) {
      this.expireNow(id);
      return false;
    }
    this.deleteId(id);
    return true;
  }

  deleteId(id: number, removal: Removal = Removal.Deleted): void {
    this.keyspace.beforeChange(this, id, removal);
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const base = (id & PAGE_MASK) * STRIDE;
    this.unlink(id, page[base + F_HASH]!);
    const rec = page[base + F_REC]!;
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const valueLength = Rec.valueLength(words, w);
    if (valueLength === EXTERNAL) this.releaseObject(id);
    else if (valueLength === COLD) this.dropCold(id);
    this.freeRecord(rec, Rec.recordBytesAt(words, w));
    if (this.volPos.get(id) !== 0) this.removeVolatile(id);
    this.flags.set(id, 0);
    this.cas.set(id, 0);
    page[base + F_META] = 0;
    page[base + F_NEXT] = this.freeIdHead;
    this.freeIdHead = id + 1;
    if (this.slots !== null) this.slots.remove(id);
    this.size--;
    this.maybeShrink();
  }

  /** Drops every key at once, without the per-key work of deleteId. */
  clear(): void {
    this.detach().freeSome(Infinity);
  }

  /**
   * Empties the database in O(1) and returns what it held, to be freed now or a step at a
   * time (lazyfree.ts): the records still to give back to the arena, the objects still to
   * disown. Its bytes leave this database's and the keyspace's figures at once.
   */
  detach(): DetachedKeys {
    const structures = this.pagesI.length * PAGE_SIZE * STRIDE * 4 + this.objects.length * ARRAY_SLOT_BYTES;
    const detached = new DetachedKeys(this, this.arena, this.pagesI, this.highWater, this.objects, this.size, this.datasetBytes + structures, this.coldCount);
    this.coldCount = 0;
    this.adjust(-this.datasetBytes);
    this.size = 0;
    this.pagesI = [];
    this.highWater = 0;
    this.freeIdHead = 0;
    this.t0 = new Int32Array(INITIAL_BUCKETS);
    this.t1 = null;
    this.rehashIdx = 0;
    this.objects = [];
    this.freeHandles = [];
    this.volIds = new PagedInt32(this.structures);
    this.volAt = new PagedFloat64(this.structures);
    this.volCount = 0;
    this.volPos = new SparseColumn(Int32Array, this.structures);
    this.wideExpiry = null;
    this.flags = new SparseColumn(Int32Array, this.structures);
    this.cas = new SparseColumn(Float64Array, this.structures);
    this.fieldExpiry = new FieldExpiryIndex(this.structures);
    if (this.slots !== null) this.slots = new SlotIndex(this.structures);
    this.addOverhead(this.structureBytes() - this.overheadBytes);
    return detached;
  }

  // ---- expiry ----------------------------------------------------------------------------------

  /** Absolute expiry in ms since the epoch, exact, or -1 when the key has no TTL. */
  expireAt(id: number): Int64 {
    const vol = this.volPos.get(id);
    if (vol === 0) return -1;
    const at = this.volAt.get(vol - 1);
    return at <= Number.MAX_SAFE_INTEGER ? at : this.wideExpiry!.get(id)!;
  }

  setExpire(id: number, atMs: Int64): void {
    this.keyspace.beforeChange(this, id);
    let at: number;
    if (typeof atMs === 'number') {
      at = atMs;
    } else {
      at = Number(atMs);
      (this.wideExpiry ??= new Map()).set(id, atMs);
    }
    const vol = this.volPos.get(id);
    if (vol !== 0) {
      this.volAt.set(vol - 1, at);
      return;
    }
    const pos = this.volCount++;
    this.volIds.set(pos, id);
    this.volAt.set(pos, at);
    this.volPos.set(id, pos + 1);
  }

  /** Removes a TTL; false when there was none. */
  clearExpire(id: number): boolean {
    if (this.volPos.get(id) === 0) return false;
    this.keyspace.beforeChange(this, id);
    this.removeVolatile(id);
    return true;
  }

  isExpired(id: number): boolean {
    const vol = this.volPos.get(id);
    return vol !== 0 && this.keyspace.now > this.volAt.pageOf(vol - 1)[(vol - 1) & PAGE_MASK]! && this.keyspace.expiry !== Expiry.Ignore;
  }

  get volatileCount(): number {
    return this.volCount;
  }

  /**
   * One round of active expiry: samples up to `samples` keys with a TTL and deletes the
   * expired ones. Returns how many of the sample had expired.
   */
  expireSample(samples: number): number {
    let expired = 0;
    const now = this.keyspace.now;
    for (let i = 0; i < samples && this.volCount > 0; i++) {
      const pos = Math.floor(Math.random() * this.volCount);
      if (now > this.volAt.pageOf(pos)[pos & PAGE_MASK]!) {
        this.expireNow(this.volIds.get(pos));
        expired++;
      }
    }
    return expired;
  }

  /** How many hashes hold field TTLs. */
  get fieldExpiringCount(): number {
    return this.fieldExpiry.size;
  }

  /**
   * Removes the fields of the hash under `id` whose time has come, at most `max` (Redis 7.4's
   * hashTypeExpire): the keyspace's observers are told which, then the hash, if left empty,
   * is deleted. Returns how many fields went.
   */
  expireFields(id: number, max = Infinity): number {
    const hash = this.objectOf(id) as HashValue;
    const now = this.keyspace.now;
    if (!hash.expiresBy(now)) return 0;
    this.objectForWrite(id);
    const fields = hash.expireFields(now, max);
    const emptied = hash.size === 0;
    this.keyspace.fieldsExpired(this, id, fields, emptied);
    if (emptied) this.deleteId(id);
    return fields.length;
  }

  /**
   * The active cycle's share of field expiry (Redis 7.4's hashTypeDbActiveExpire): expires
   * the due fields of the hashes whose earliest time has come, soonest first, at most `max`
   * fields. A hash whose own TTL has passed goes as an expired key instead. Returns how many
   * fields went.
   */
  expireDueFields(max: number): number {
    const now = this.keyspace.now;
    let expired = 0;
    while (expired < max && this.fieldExpiry.nextAt <= now) {
      const id = this.fieldExpiry.nextId;
      if (this.isExpired(id)) {
        this.expireNow(id);
        continue;
      }
      const fields = this.expireFields(id, max - expired);
      // The index is exact, so a due hash always loses a field; this only guards the loop.
      if (fields === 0) break;
      expired += fields;
    }
    return expired;
  }

  // ---- iteration and sampling ----------------------------------------------------------------

  /**
   * Visits up to `count` live entries from `cursor`, calling `visit` for each unexpired key,
   * and returns the cursor to continue from (0 when the walk is complete). Like Redis's SCAN,
   * a call gives up after `count * 10` empty slots, so a sparse id space (after mass deletes)
   * costs a few short replies rather than one long stall.
   */
  scan(cursor: number, count: number, visit: (id: number) => void): number {
    let id = Math.max(0, cursor);
    const end = this.highWater;
    let emptyVisits = count * 10;
    for (let seen = 0; id < end && seen < count; id++) {
      if (this.meta(id) === 0) {
        if (--emptyVisits === 0) {
          id++;
          break;
        }
        continue;
      }
      seen++;
      if (this.isExpired(id)) {
        this.dropExpired(id);
        continue;
      }
      visit(id);
    }
    return id >= this.highWater ? 0 : id;
  }

  /**
   * Visits up to `count` keys from entry slot `cursor` in slot order, expired ones included and
   * left in place (a snapshot writes them with their TTL, as Redis does); returns the slot to
   * go on from, or -1 past the last. Keys created later take free slots anywhere, so callers
   * that need a point in time track creations themselves (see keyspace.observe).
   */
  walk(cursor: number, count: number, visit: (id: number) => void): number {
    const end = this.highWater;
    let id = cursor;
    for (let seen = 0; id < end && seen < count; id++) {
      if (this.meta(id) === 0) continue;
      seen++;
      visit(id);
    }
    return id >= end ? -1 : id;
  }

  /** Every live key's id, for KEYS and FLUSH-style walks. */
  forEach(visit: (id: number) => void): void {
    this.scan(0, Number.MAX_SAFE_INTEGER, visit);
  }

  /**
   * Up to `count` random entries (repeats possible, expired keys included) for eviction to
   * weigh: among all keys, or among keys with a TTL when `volatileOnly`. Returns how many it
   * wrote to `out`.
   */
  sample(count: number, volatileOnly: boolean, out: Int32Array): number {
    const population = volatileOnly ? this.volCount : this.size;
    if (population === 0) return 0;
    const n = Math.min(count, out.length);
    if (!volatileOnly) return this.sampleBuckets(n, out);
    for (let i = 0; i < n; i++) out[i] = this.volIds.get(Math.floor(Math.random() * population));
    return n;
  }

  /**
   * `n` independent samples, each the key of the first occupied index bucket at or after a
   * random one (a random key of its chain): one random jump per sample. Redis's
   * dictGetSomeKeys takes neighbouring buckets after a single jump, which is cheaper still,
   * but its candidates are correlated: on the hit-ratio bench (bench/eviction.ts) it kept
   * about 0.4 points fewer hits under allkeys-lfu than independent samples.
   */
  private sampleBuckets(n: number, out: Int32Array): number {
    const t0 = this.t0;
    const t1 = this.t1;
    const span = t1 === null ? t0.length : Math.max(t0.length, t1.length);
    for (let i = 0; i < n; i++) {
      let bucket = Math.floor(Math.random() * span);
      for (;;) {
        let head = t0[bucket & (t0.length - 1)]! - 1;
        if (head < 0 && t1 !== null) head = t1[bucket & (t1.length - 1)]! - 1;
        if (head >= 0) {
          out[i] = this.randomInChain(head);
          break;
        }
        bucket = (bucket + 1) % span;
      }
    }
    return n;
  }

  /** A random entry of the chain that starts at `head`. */
  private randomInChain(head: number): number {
    let length = 0;
    for (let id = head; id >= 0; id = this.word(id, F_NEXT) - 1) length++;
    let id = head;
    for (let position = Math.floor(Math.random() * length); position > 0; position--) id = this.word(id, F_NEXT) - 1;
    return id;
  }

  /** A uniformly random live entry, or -1 when the database is empty. */
  randomId(): number {
    while (this.size > 0) {
      const id = this.randomEntry();
      if (!this.isExpired(id)) return id;
      this.expireNow(id);
    }
    return -1;
  }

  /**
   * Samples the index rather than the id space, which can stay sparse after mass deletes while
   * the index shrinks to stay at least 10% full. A random bucket and a random position below
   * max(chain length, RANDOM_CHAIN_SPAN) are drawn until the position holds a key, so every
   * key in a chain of up to RANDOM_CHAIN_SPAN has the same chance.
   */
  private randomEntry(): number {
    const t0 = this.t0;
    const t1 = this.t1;
    const total = t0.length + (t1 === null ? 0 : t1.length);
    for (;;) {
      const bucket = Math.floor(Math.random() * total);
      let id = bucket < t0.length ? t0[bucket]! - 1 : t1![bucket - t0.length]! - 1;
      let length = 0;
      for (let cur = id; cur >= 0; cur = this.word(cur, F_NEXT) - 1) length++;
      let position = Math.floor(Math.random() * Math.max(length, RANDOM_CHAIN_SPAN));
      if (position >= length) continue;
      while (position-- > 0) id = this.word(id, F_NEXT) - 1;
      return id;
    }
  }

  // ---- cold values (src/tiering) -------------------------------------------------------------

  /** Whether the entry's value is on disk. */
  isCold(id: number): boolean {
    const rec = this.rec(id);
    return Rec.valueLength(this.arena.wordsOf(rec), Arena.wordOf(rec)) === COLD;
  }

  /** The cold tier's id for a cold entry's value. */
  coldIdOf(id: number): number {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    return words[Rec.handleWord(words, Arena.wordOf(rec))]!;
  }

  /**
   * Lets go of a value whose bytes the cold tier now keeps under `coldId`: the entry keeps its
   * key, type, encoding, TTL, flags, CAS and access bits. The key's value does not change, so
   * nobody is told (no WATCH, no copy-on-write: snapshots read cold values from the tier).
   */
  demote(id: number, coldId: number): void {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    if (Rec.valueLength(words, w) === EXTERNAL) this.releaseObject(id);
    this.resizeRecord(id, rec, Rec.keyLength(words, w), COLD);
    this.writeHandle(id, coldId);
    this.coldCount++;
  }

  /**
   * Puts a cold entry's value back in memory, as the tier read it; like demote, not a change
   * of the key. A string keeps the encoding it had; a collection takes the one it loaded in.
   */
  promote(id: number, value: ExportedValue): void {
    const rec = this.rec(id);
    const keyLength = Rec.keyLength(this.arena.wordsOf(rec), Arena.wordOf(rec));
    this.coldCount--;
    const bytes = value.bytes;
    if (bytes !== null && bytes.length <= INLINE_VALUE_MAX) {
      const target = this.resizeRecord(id, rec, keyLength, bytes.length);
      copyInto(this.arena.chunkOf(target), Arena.offsetOf(target) + Rec.headerBytes(keyLength) + keyLength, bytes);
      return;
    }
    const handle = this.storeObject(value.object ?? new LargeString(bytes!), id);
    this.resizeRecord(id, rec, keyLength, EXTERNAL);
    this.writeHandle(id, handle);
    if (value.object !== null) this.setEncoding(id, value.encoding);
  }

  /** A reader is about to see the entry's value: a cold one comes back first. */
  private ensureHot(id: number): void {
    if (this.coldCount !== 0 && this.isCold(id)) this.keyspace.cold!.promote(this, id);
  }

  /** The entry's cold value is dropped: the tier may free its disk copy. */
  private dropCold(id: number): void {
    this.keyspace.cold!.release(this.coldIdOf(id));
    this.coldCount--;
  }

  // ---- per-key metadata ----------------------------------------------------------------------

  /**
   * The access bits (access.ts): the LRU clock (seconds, 24 bits) recorded at the last access,
   * or the LFU stamp and counter under an LFU policy.
   */
  lruOf(id: number): number {
    return this.meta(id) >>> 8;
  }

  /** Records an access: the LRU clock now, or one LFU increment (Redis's lookupKey). */
  touch(id: number): void {
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const w = (id & PAGE_MASK) * STRIDE + F_META;
    const keyspace = this.keyspace;
    const meta = page[w]!;
    const access = keyspace.lfu ? lfuAccess(meta >>> 8, keyspace.now, keyspace.lfuDecayTime, keyspace.lfuLogFactor) : lruClock(keyspace.now);
    page[w] = (meta & 0xff) | (access << 8);
  }

  /** Milliseconds since the last access, read as an LRU clock (OBJECT IDLETIME, RDB IDLE). */
  idleTime(id: number): number {
    return lruIdleMs(this.lruOf(id), this.keyspace.now);
  }

  /** The LFU counter as it reads now, decay applied (OBJECT FREQ, RDB FREQ). */
  frequency(id: number): number {
    return lfuCounter(this.lruOf(id), this.keyspace.now, this.keyspace.lfuDecayTime);
  }

  /** Makes the key read as idle for `seconds` (RESTORE IDLETIME, RDB IDLE). */
  setIdleTime(id: number, seconds: number): void {
    this.setAccess(id, lruForIdle(seconds, this.keyspace.now));
  }

  /** Sets the LFU counter (0-255), stamped now (RESTORE FREQ, RDB FREQ). */
  setFrequency(id: number, counter: number): void {
    this.setAccess(id, lfuData(counter, this.keyspace.now));
  }

  /**
   * What a loaded or restored key's access data becomes, as Redis's objectSetLRUOrLFU: the
   * frequency under an LFU policy, the idle time otherwise; -1 for "not given". Whether it was used.
   */
  restoreAccess(id: number, frequency: number, idleSeconds: number): boolean {
    if (this.keyspace.lfu) {
      if (frequency < 0) return false;
      this.setFrequency(id, frequency);
      return true;
    }
    if (idleSeconds < 0) return false;
    this.setIdleTime(id, idleSeconds);
    return true;
  }

  private setAccess(id: number, access: number): void {
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const w = (id & PAGE_MASK) * STRIDE + F_META;
    page[w] = (page[w]! & 0xff) | (access << 8);
  }

  /** Memcached item flags. */
  flagsOf(id: number): number {
    return this.flags.get(id) >>> 0;
  }

  setFlags(id: number, flags: number): void {
    this.flags.set(id, flags | 0);
  }

  /**
   * The CAS value: changes on every modification, from either protocol. A modification only
   * forgets the value and a fresh one is drawn when next asked for, so keys never read
   * through Memcached carry none.
   */
  casOf(id: number): number {
    let cas = this.cas.get(id);
    if (cas === 0) {
      cas = this.keyspace.nextCas();
      this.cas.set(id, cas);
    }
    return cas;
  }

  /**
   * Bytes this key costs (MEMORY USAGE), in O(1): its record, its object's running size, and
   * its share of the structures (entry, bucket, TTL list place).
   */
  memoryUsage(id: number): number {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const recordBytes = Arena.roundedSize(Rec.recordBytesAt(words, w));
    const objectBytes = Rec.valueLength(words, w) === EXTERNAL ? this.objectOf(id).bytes : 0;
    const volatileBytes = this.volPos.get(id) === 0 ? 0 : VOLATILE_ENTRY_BYTES;
    return ENTRY_BYTES + recordBytes + objectBytes + volatileBytes;
  }

  /** Bytes of the TTL list and column (part of overheadBytes): MEMORY STATS' hashtable.expires. */
  get expiresOverheadBytes(): number {
    return this.volIds.byteSize + this.volAt.byteSize + this.volPos.byteSize;
  }

  /** A stored object's size changed by `delta` bytes. */
  adjust(delta: number): void {
    this.datasetBytes += delta;
    this.keyspace.addDataset(delta);
  }

  /**
   * The dataset and overhead counted from scratch, walking every record and object (and
   * without expiring anything), with the entries whose object's running size is off.
   */
  recountMemory(): MemoryRecount {
    const out: MemoryRecount = { dataset: 0, overhead: this.structureBytes(), mismatched: [] };
    for (let id = 0; id < this.highWater; id++) {
      if (this.meta(id) === 0) continue;
      const rec = this.rec(id);
      const words = this.arena.wordsOf(rec);
      const w = Arena.wordOf(rec);
      out.dataset += Arena.roundedSize(Rec.recordBytesAt(words, w));
      if (Rec.valueLength(words, w) !== EXTERNAL) continue;
      const object = this.objectOf(id);
      const counted = object.recount();
      out.dataset += counted;
      if (counted !== object.bytes || object.owner !== this) out.mismatched.push(id);
    }
    return out;
  }

  /** The overhead from the structures' sizes (what overheadBytes keeps a running total of). */
  private structureBytes(): number {
    const tables = (this.t0.length + (this.t1?.length ?? 0)) * 4;
    const columns = this.volIds.byteSize + this.volAt.byteSize + this.volPos.byteSize + this.flags.byteSize + this.cas.byteSize + this.fieldExpiry.byteSize;
    const handles = this.objects.length * ARRAY_SLOT_BYTES;
    return this.pagesI.length * PAGE_SIZE * STRIDE * 4 + tables + columns + handles + (this.slots?.byteSize ?? 0);
  }

  private addOverhead(delta: number): void {
    this.overheadBytes += delta;
    this.keyspace.addOverhead(delta);
  }

  /** Moves some buckets of an ongoing resize; the cron calls it while `rehashing`. */
  rehashSome(buckets: number): void {
    if (this.t1 !== null) this.rehashStep(buckets);
  }

  get rehashing(): boolean {
    return this.t1 !== null;
  }

  get bucketCount(): number {
    return this.t0.length + (this.t1?.length ?? 0);
  }

  /**
   * Touches the index bucket, entry and record of keys[first], keys[first + step], ... before
   * they are looked up one by one. One key's loads depend on each other, but different keys'
   * do not, so in three passes (all buckets, then all entries, then all records) the CPU
   * overlaps the cache misses of a whole group instead of taking them in turn: MSET of 10
   * cold keys spent most of its time waiting on them. Follows only each chain's first entry,
   * which is the key's own most of the time.
   */
  warm(keys: readonly Uint8Array[], first: number, step: number): void {
    if (this.size === 0 || this.t1 !== null) return;
    const table = this.t0;
    const mask = table.length - 1;
    const pages = this.pagesI;
    let touched = 0;
    for (let group = first; group < keys.length; group += WARM_GROUP * step) {
      let n = 0;
      for (let i = group; i < keys.length && n < WARM_GROUP; i += step) {
        const key = keys[i]!;
        warmIds[n++] = table[hashBytes(key, 0, key.length) & mask]! - 1;
      }
      for (let j = 0; j < n; j++) {
        const id = warmIds[j]!;
        warmIds[j] = id < 0 ? -1 : pages[id >>> PAGE_SHIFT]![(id & PAGE_MASK) * STRIDE + F_REC]!;
      }
      for (let j = 0; j < n; j++) {
        const rec = warmIds[j]!;
        if (rec >= 0) touched ^= this.arena.wordsOf(rec)[Arena.wordOf(rec)]!;
      }
    }
    // Stored so the compiler cannot drop the loads as unused.
    warmIds[WARM_GROUP] = touched;
  }

  // ---- internals -------------------------------------------------------------------------------

  private findRaw(key: Uint8Array, start: number, end: number, hash = hashBytes(key, start, end)): number {
    if (this.size === 0) return -1;
    if (this.t1 !== null) this.rehashStep(REHASH_STEP);
    let table: Int32Array | null = this.t0;
    while (table !== null) {
      let id = table[hash & (table.length - 1)]! - 1;
      while (id >= 0) {
        const page = this.pagesI[id >>> PAGE_SHIFT]!;
        const base = (id & PAGE_MASK) * STRIDE;
        if (page[base + F_HASH] === hash && this.recordKeyEquals(page[base + F_REC]!, key, start, end)) return id;
        id = page[base + F_NEXT]! - 1;
      }
      table = table === this.t0 ? this.t1 : null;
    }
    return -1;
  }

  private recordKeyEquals(rec: number, key: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    if (Rec.keyLength(words, w) !== length) return false;
    const chunk = this.arena.chunkOf(rec);
    const at = Arena.offsetOf(rec) + Rec.keyOffset(words, w);
    if (length > 32) return chunk.compare(key, start, end, at, at + length) === 0;
    for (let i = 0; i < length; i++) if (chunk[at + i] !== key[start + i]) return false;
    return true;
  }

  private insert(key: Uint8Array, type: ValueType, encoding: Encoding, value: Uint8Array | null, object: StoredObject | undefined, replaced = false): number {
    const hash = hashBytes(key, 0, key.length);
    return this.insertRange(hash, key, 0, key.length, type, encoding, value, 0, value === null ? 0 : value.length, object, replaced);
  }

  /** insert() of key bytes [keyStart, keyEnd) whose hash is known, and value bytes [valueStart, valueEnd) unless value is null. */
  private insertRange(
    hash: number,
    key: Uint8Array,
    keyStart: number,
    keyEnd: number,
    type: ValueType,
    encoding: Encoding,
    value: Uint8Array | null,
    valueStart: number,
    valueEnd: number,
    object: StoredObject | undefined,
    replaced = false,
  ): number {
    const id = this.allocId();
    const keyLength = keyEnd - keyStart;
    const external = value === null || valueEnd - valueStart > INLINE_VALUE_MAX;
    const valueLength = external ? EXTERNAL : valueEnd - valueStart;
    const rec = this.allocRecord(Rec.recordBytes(keyLength, valueLength));
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    Rec.writeHeader(words, w, keyLength, valueLength);
    const chunk = this.arena.chunkOf(rec);
    const at = Arena.offsetOf(rec) + Rec.headerBytes(keyLength);
    copyInto(chunk, at, key, keyStart, keyEnd);
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const base = (id & PAGE_MASK) * STRIDE;
    page[base + F_HASH] = hash;
    page[base + F_REC] = rec;
    page[base + F_META] = type | (encoding << 4) | (this.keyspace.freshAccess() << 8);
    if (external) {
      words[Rec.handleWord(words, w)] = this.storeObject(object ?? new LargeString(value!.subarray(valueStart, valueEnd)), id);
    } else {
      copyInto(chunk, at + keyLength, value, valueStart, valueEnd);
    }
    const table = this.t1 ?? this.t0;
    const bucket = hash & (table.length - 1);
    page[base + F_NEXT] = table[bucket]!;
    table[bucket] = id + 1;
    this.size++;
    if (this.slots !== null) this.slots.add(id, keyHashSlot(key, keyStart, keyEnd));
    if (this.t1 === null && this.size > this.t0.length) this.startResize(this.t0.length * 2);
    this.keyspace.created(this, id, replaced);
    return id;
  }

  private allocId(): number {
    if (this.freeIdHead !== 0) {
      const id = this.freeIdHead - 1;
      this.freeIdHead = this.word(id, F_NEXT);
      return id;
    }
    const id = this.highWater++;
    if ((id >>> PAGE_SHIFT) >= this.pagesI.length) {
      this.pagesI.push(new Int32Array(PAGE_SIZE * STRIDE));
      this.addOverhead(PAGE_SIZE * STRIDE * 4);
    }
    return id;
  }

  private allocRecord(bytes: number): number {
    this.adjust(Arena.roundedSize(bytes));
    return this.arena.alloc(bytes);
  }

  private freeRecord(rec: number, bytes: number): void {
    this.adjust(-Arena.roundedSize(bytes));
    this.arena.free(rec, bytes);
  }

  /**
   * Gives the entry a record for a value of `valueLength` (or EXTERNAL), keeping the key and
   * the first `keptValueBytes` of the value; returns the record ref.
   */
  private resizeRecord(id: number, rec: number, keyLength: number, valueLength: number, keptValueBytes = 0): number {
    const oldBytes = Rec.recordBytesAt(this.arena.wordsOf(rec), Arena.wordOf(rec));
    const newBytes = Rec.recordBytes(keyLength, valueLength);
    let target = rec;
    if (!Arena.fitsInPlace(oldBytes, newBytes)) {
      target = this.allocRecord(newBytes);
      const from = Arena.offsetOf(rec);
      const kept = Rec.headerBytes(keyLength) + keyLength + keptValueBytes;
      this.arena.chunkOf(rec).copy(this.arena.chunkOf(target), Arena.offsetOf(target), from, from + kept);
      this.freeRecord(rec, oldBytes);
      this.setWord(id, F_REC, target);
    }
    Rec.setValueLength(this.arena.wordsOf(target), Arena.wordOf(target), valueLength);
    return target;
  }

  private writeHandle(id: number, handle: number): void {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    words[Rec.handleWord(words, w)] = handle;
  }

  private storeObject(object: StoredObject, id: number): number {
    object.owner = this;
    this.adjust(object.bytes);
    // After its bytes are counted here: reporting may change them (stale heap entries go).
    if (object instanceof HashValue) object.trackFieldExpiry(this.fieldExpiry, id);
    const handle = this.freeHandles.pop();
    if (handle !== undefined) {
      this.objects[handle] = object;
      return handle;
    }
    this.objects.push(object);
    this.addOverhead(ARRAY_SLOT_BYTES);
    return this.objects.length - 1;
  }

  /**
   * Takes an entry's object out of this database. A value moved elsewhere (RENAME, MOVE)
   * was exported first and is stored again after: it reports to whichever stores it last.
   */
  private releaseObject(id: number): void {
    const rec = this.rec(id);
    const words = this.arena.wordsOf(rec);
    const w = Arena.wordOf(rec);
    const handle = words[Rec.handleWord(words, w)]!;
    const object = this.objects[handle]!;
    this.fieldExpiry.remove(id);
    if (object.owner === this) {
      object.owner = null;
      if (object instanceof HashValue) object.trackFieldExpiry(null, -1);
    }
    this.adjust(-object.bytes);
    this.objects[handle] = undefined;
    this.freeHandles.push(handle);
  }

  private expireNow(id: number): void {
    this.deleteId(id, Removal.Expired);
  }

  /** A read met a key past its TTL: a primary deletes it, a replica waits for its primary's DEL. */
  private dropExpired(id: number): void {
    if (this.keyspace.expiry === Expiry.Delete) this.expireNow(id);
  }

  private removeVolatile(id: number): void {
    const pos = this.volPos.get(id) - 1;
    const last = --this.volCount;
    if (pos !== last) {
      const movedId = this.volIds.get(last);
      this.volIds.set(pos, movedId);
      this.volAt.move(last, pos);
      this.volPos.set(movedId, pos + 1);
    }
    this.volPos.set(id, 0);
    this.wideExpiry?.delete(id);
  }

  private unlink(id: number, hash: number): void {
    for (let table: Int32Array | null = this.t0; table !== null; table = table === this.t0 ? this.t1 : null) {
      const bucket = hash & (table.length - 1);
      let prev = -1;
      let cur = table[bucket]! - 1;
      while (cur >= 0) {
        const next = this.word(cur, F_NEXT);
        if (cur === id) {
          if (prev < 0) table[bucket] = next;
          else this.setWord(prev, F_NEXT, next);
          return;
        }
        prev = cur;
        cur = next - 1;
      }
    }
  }

  private startResize(buckets: number): void {
    this.t1 = new Int32Array(buckets);
    this.addOverhead(buckets * 4);
    this.rehashIdx = 0;
  }

  private maybeShrink(): void {
    if (this.t1 !== null || this.t0.length <= INITIAL_BUCKETS) return;
    // Like Redis: shrink once the table is less than 10% full, to the smallest power of two
    // that holds every key.
    if (this.size * 10 >= this.t0.length) return;
    let buckets = INITIAL_BUCKETS;
    while (buckets < this.size) buckets *= 2;
    this.startResize(buckets);
  }

  private rehashStep(buckets: number): void {
    const from = this.t0;
    const to = this.t1!;
    const mask = to.length - 1;
    let emptyVisits = buckets * 10;
    while (buckets > 0 && this.rehashIdx < from.length) {
      let id = from[this.rehashIdx]! - 1;
      if (id < 0) {
        this.rehashIdx++;
        if (--emptyVisits === 0) break;
        continue;
      }
      while (id >= 0) {
        const page = this.pagesI[id >>> PAGE_SHIFT]!;
        const base = (id & PAGE_MASK) * STRIDE;
        const next = page[base + F_NEXT]! - 1;
        const bucket = page[base + F_HASH]! & mask;
        page[base + F_NEXT] = to[bucket]!;
        to[bucket] = id + 1;
        id = next;
      }
      from[this.rehashIdx++] = 0;
      buckets--;
    }
    if (this.rehashIdx >= from.length) {
      this.addOverhead(-from.length * 4);
      this.t0 = to;
      this.t1 = null;
      this.rehashIdx = 0;
      // Deletes during the resize could not start a shrink.
      this.maybeShrink();
    }
  }

  private forgetCas(id: number): void {
    this.cas.set(id, 0);
  }

  private setMeta(id: number, type: ValueType, encoding: Encoding): void {
    const page = this.pagesI[id >>> PAGE_SHIFT]!;
    const w = (id & PAGE_MASK) * STRIDE + F_META;
    page[w] = (page[w]! & ~0xff) | type | (encoding << 4);
    this.forgetCas(id);
  }

  private meta(id: number): number {
    return this.pagesI[id >>> PAGE_SHIFT]![(id & PAGE_MASK) * STRIDE + F_META]!;
  }

  private rec(id: number): number {
    return this.pagesI[id >>> PAGE_SHIFT]![(id & PAGE_MASK) * STRIDE + F_REC]!;
  }

  private word(id: number, field: number): number {
    return this.pagesI[id >>> PAGE_SHIFT]![(id & PAGE_MASK) * STRIDE + field]!;
  }

  private setWord(id: number, field: number, value: number): void {
    this.pagesI[id >>> PAGE_SHIFT]![(id & PAGE_MASK) * STRIDE + field] = value;
  }
}

/**
 * A database's contents taken out at once (Database.detach): its records go back to the
 * arena in entry order, then its objects are disowned (a value someone still holds must not
 * report to a database it has left), a step at a time.
 */
export class DetachedKeys implements FreeJob {
  private nextId = 0;
  private nextHandle = 0;
  private releasedBytes = 0;

  constructor(
    private readonly owner: Database,
    private arena: Arena | null,
    private pages: Int32Array[],
    private readonly highWater: number,
    private values: (StoredObject | undefined)[],
    readonly objects: number,
    readonly bytes: number,
    /** Cold values among the records: their disk copies are released with the records. */
    private coldLeft: number,
  ) {}

  get done(): boolean {
    return this.nextId >= this.highWater && this.nextHandle >= this.values.length;
  }

  dropRecords(): void {
    // The arena is reset wholesale, but the cold tier holds its own copies: those go one by one.
    if (this.coldLeft > 0) this.freeSome(this.highWater - this.nextId, false);
    this.arena = null;
    this.pages = [];
    this.nextId = this.highWater;
  }

  /** Frees up to `units` records and objects; `freeRecords` false only releases cold values (the arena is being reset). */
  freeSome(units: number, freeRecords = true): number {
    let budget = units;
    const arena = this.arena;
    if (arena !== null) {
      const pages = this.pages;
      const end = this.highWater;
      const cold = this.owner.keyspace.cold;
      let id = this.nextId;
      for (; id < end && budget > 0; id++, budget--) {
        const page = pages[id >>> PAGE_SHIFT]!;
        const base = (id & PAGE_MASK) * STRIDE;
        if (page[base + F_META] === 0) continue;
        const rec = page[base + F_REC]!;
        const words = arena.wordsOf(rec);
        const w = Arena.wordOf(rec);
        if (this.coldLeft > 0 && Rec.valueLength(words, w) === COLD) {
          cold!.release(words[Rec.handleWord(words, w)]!);
          this.coldLeft--;
        }
        if (freeRecords) arena.free(rec, Rec.recordBytesAt(words, w));
      }
      this.nextId = id;
      if (!freeRecords) return 0;
      if (id >= end) this.dropRecords();
    }
    const values = this.values;
    let handle = this.nextHandle;
    for (; handle < values.length && budget > 0; handle++, budget--) {
      const object = values[handle];
      if (object === undefined || object.owner !== this.owner) continue;
      object.owner = null;
      if (object instanceof HashValue) object.trackFieldExpiry(null, -1);
    }
    this.nextHandle = handle;
    if (this.done) this.values = [];
    return this.release();
  }

  /** The bytes freed since the last call, in proportion to the work done; all of them at the end. */
  private release(): number {
    const units = this.highWater + this.values.length;
    const doneUnits = this.nextId + this.nextHandle;
    const released = this.done || units === 0 ? this.bytes : Math.floor((this.bytes * doneUnits) / units);
    const delta = released - this.releasedBytes;
    this.releasedBytes = released;
    return delta;
  }
}

/** A value in transit between keys or databases; see Database.exportValue. */
export interface ExportedValue {
  type: ValueType;
  encoding: Encoding;
  /** Inline string bytes; null when the value is an object. */
  bytes: Buffer | null;
  object: StoredObject | null;
  /** Memcached item flags. */
  flags: number;
  /** LRU/LFU bits to keep, or -1 for a fresh access time. */
  access: number;
}

const EMPTY = new Uint8Array(0);
/** Copies `bytes` to `target` at `at`: a loop for the short keys and values that dominate, set() past that. */
function copyInto(target: Uint8Array, at: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
  const length = end - start;
  if (length > 32) target.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), at);
  else for (let i = 0; i < length; i++) target[at + i] = bytes[start + i]!;
}

const SCRATCH: ByteRange = { buf: EMPTY, start: 0, end: 0 };

/** Redis's OBJECT ENCODING for a freshly set string: int, embstr (<= 44 bytes) or raw. */
export function stringEncoding(value: Uint8Array, start = 0, end = value.length): Encoding {
  const length = end - start;
  if (length <= 20 && length > 0 && looksLikeLong(value, start, end)) return Encoding.Int;
  return length <= 44 ? Encoding.Embstr : Encoding.Raw;
}

function looksLikeLong(value: Uint8Array, start: number, end: number): boolean {
  let i = value[start] === 0x2d ? start + 1 : start;
  if (i === end) return false;
  if (value[i] === 0x30) return end - start === 1;
  for (; i < end; i++) {
    const c = value[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  if (end - start < 19) return true;
  const n = BigInt(Buffer.from(value.buffer, value.byteOffset + start, end - start).toString('latin1'));
  return n <= 9223372036854775807n && n >= -9223372036854775808n;
}

export { MAX_CLASS_BYTES };
