// Memcached's item operations over the shared keyspace, used by the text, meta and binary
// fronts alike. A Memcached item is a string key in database 0; its flags and CAS value live
// in the entry beside the value (the engine gives every modification, from either protocol,
// a new CAS). Keys of other types are invisible to reads and replaced by writes.

import { Buffer } from 'node:buffer';
import { Notify } from '../server/effects.ts';
import type { Server } from '../server/server.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import { SparseColumn } from '../store/paged.ts';
import { ValueType, newByteRange } from '../store/types.ts';
import { EvictResult } from '../store/eviction.ts';
import { parseU64 } from '../protocol/memcached/numbers.ts';

/** Exptimes above this many seconds are absolute Unix times (memcached's REALTIME_MAXDELTA). */
const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;
const U64_MASK = 0xffffffffffffffffn;
/** Lease records are swept for dead entries when they reach this many (or twice the live count). */
const LEASE_SWEEP_MIN = 10_000;

export const NO_EXPIRY = -1;
/** For reads that may also set a deadline (gat): leave the deadline as it is. */
export const KEEP_DEADLINE = -2;

export const StoreMode = { Set: 0, Add: 1, Replace: 2, Append: 3, Prepend: 4 } as const;
export type StoreMode = (typeof StoreMode)[keyof typeof StoreMode];

/** NoMemory: over maxmemory with nothing to evict, or with memcached-evictions off (memcached's -M). */
export const Stored = { Stored: 0, NotStored: 1, Exists: 2, NotFound: 3, NoMemory: 4 } as const;
export type Stored = (typeof Stored)[keyof typeof Stored];

const SET = Buffer.from('SET');
const PXAT = Buffer.from('PXAT');
const KEEPTTL = Buffer.from('KEEPTTL');
const APPEND = Buffer.from('APPEND');
const DEL = Buffer.from('DEL');
const PERSIST = Buffer.from('PERSIST');
const PEXPIREAT = Buffer.from('PEXPIREAT');
const FLUSHDB = Buffer.from('FLUSHDB');

const EMPTY = Buffer.alloc(0);

/** Arithmetic outcome when it is not a new value. */
export const NON_NUMERIC = -1;

export class MemcachedStats {
  cmdGet = 0;
  cmdSet = 0;
  cmdFlush = 0;
  cmdTouch = 0;
  cmdMeta = 0;
  getHits = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  deleteMisses = 0;
  deleteHits = 0;
  incrMisses = 0;
  incrHits = 0;
  decrMisses = 0;
  decrHits = 0;
  casMisses = 0;
  casHits = 0;
  casBadval = 0;
  touchHits = 0;
  touchMisses = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  authCmds = 0;
  authErrors = 0;
  bytesRead = 0;
  bytesWritten = 0;
  totalItems = 0;
  totalConnections = 0;
  rejectedConnections = 0;
}

/** Meta-protocol state of an item version (identified by its CAS): stale, win token sent. */
interface Lease {
  cas: number;
  stale: boolean;
  tokenSent: boolean;
}

export class MemcachedStore {
  readonly stats = new MemcachedStats();
  readonly startedAt: number;
  verbosity = 0;
  /** The item the last successful store left (-1 when it expired at once). */
  lastId = -1;
  /** A scratch view for reading values in place. */
  readonly range = newByteRange();
  private flushAt = -1;
  /**
   * By entry id, the CAS value the item had when last fetched: it was fetched since its last
   * change when that is still its CAS (CAS values are never reused, so flushes and reused
   * ids need no clean-up).
   */
  private readonly fetchedCas = new SparseColumn(Float64Array);
  private readonly leases = new Map<string, Lease>();
  private leaseSweepAt = LEASE_SWEEP_MIN;
  /** memcached-evictions: stores over maxmemory may evict (else they fail, as memcached -M). */
  private evicting: boolean;
  /** Keys of database 0 evicted before the last stats reset. */
  private evictionsAtReset = 0;

  constructor(readonly server: Server) {
    this.startedAt = server.keyspace.clock.now();
    this.evicting = server.config.bool('memcached-evictions');
    server.config.onChange((name) => {
      if (name === 'memcached-evictions') this.evicting = server.config.bool(name);
    });
  }

  resetStats(): void {
    Object.assign(this.stats, new MemcachedStats());
    this.evictionsAtReset = this.db.evictedKeys;
  }

  /** Items evicted since the last stats reset (stats "evictions"). */
  get evictions(): number {
    return this.db.evictedKeys - this.evictionsAtReset;
  }

  /** Whether evictions are on for this front: memcached-evictions and a policy that evicts. */
  get evictionsEnabled(): boolean {
    return this.evicting && this.server.config.get('maxmemory-policy') !== 'noeviction';
  }

  /**
   * Makes room for a store as the Redis gate does before a command: evicts when over maxmemory
   * (unless memcached-evictions is off); false when the store must fail for want of memory.
   */
  private roomToStore(): boolean {
    const evictor = this.keyspace.evictor;
    if (evictor.maxmemory === 0) return true;
    const full = this.evicting ? evictor.perform() === EvictResult.Fail : evictor.overLimit;
    if (full) this.stats.storeNoMemory++;
    return !full;
  }

  get keyspace(): Keyspace {
    return this.server.keyspace;
  }

  get db(): Database {
    return this.server.keyspace.dbs[0]!;
  }

  /**
   * Called before each request: runs a delayed flush_all. The time was fixed when the read
   * arrived (connection.ts); memcached itself ticks its clock only once a second.
   */
  begin(): void {
    const now = this.keyspace.now;
    this.keyspace.touchKeys = true;
    this.keyspace.beginChanges();
    if (this.flushAt >= 0 && now >= this.flushAt) {
      this.flushAt = -1;
      this.flushNow();
    }
  }

  /** The absolute expiry (ms) for a memcached exptime, NO_EXPIRY, or 0 for "already expired". */
  deadline(exptime: number): number {
    if (exptime === 0) return NO_EXPIRY;
    if (exptime < 0) return 0;
    if (exptime > REALTIME_MAXDELTA) return exptime * 1000;
    return this.keyspace.now + exptime * 1000;
  }

  /** Seconds left to live as memcached reports them: -1 for none. */
  ttlOf(id: number): number {
    // Past 2^53 ms the rounding of Number() is far below a second.
    const at = Number(this.db.expireAt(id));
    return at < 0 ? -1 : Math.max(0, Math.ceil((at - this.keyspace.now) / 1000));
  }

  /** The live string item under `key`, or -1. */
  find(key: Uint8Array): number {
    const id = this.db.find(key);
    return id >= 0 && this.db.typeOf(id) === ValueType.String ? id : -1;
  }

  /** find for a get: counts the hit or miss and marks the item fetched. */
  fetch(key: Uint8Array): number {
    const id = this.find(key);
    if (id < 0) {
      this.stats.getMisses++;
      this.keyspace.stats.misses++;
      return -1;
    }
    this.stats.getHits++;
    this.keyspace.stats.hits++;
    this.markFetched(id);
    return id;
  }

  markFetched(id: number): void {
    this.fetchedCas.set(id, this.db.casOf(id));
  }

  wasFetched(id: number): boolean {
    return this.fetchedCas.get(id) === this.db.casOf(id);
  }

  /** Sets an item's expiry; false when that deleted it (a deadline in the past). */
  setDeadline(id: number, deadline: number): boolean {
    const db = this.db;
    if (deadline === NO_EXPIRY) {
      if (db.clearExpire(id)) this.changed(Notify.Generic, 'persist', id, PERSIST, null);
    } else if (deadline <= this.keyspace.now) {
      this.deleteItem(id);
      return false;
    } else {
      db.setExpire(id, deadline);
      this.changed(Notify.Generic, 'expire', id, PEXPIREAT, Buffer.from(String(deadline)));
    }
    return true;
  }

  /** Removes an item, as DEL would. */
  deleteItem(id: number): void {
    this.changed(Notify.Generic, 'del', id, DEL, null);
    this.db.deleteId(id);
  }

  /** Creates an empty item (meta's vivify on miss). */
  vivify(key: Uint8Array): number {
    const id = this.db.setString(key, EMPTY);
    this.stats.totalItems++;
    this.changed(Notify.String, 'set', id, SET, EMPTY);
    return id;
  }

  /**
   * Tells the server's effects of a change to item `id`: the keyspace event Redis raises for
   * the equivalent command, and that command, `<op> key [arg]`, for an AOF or a replica.
   */
  private changed(type: number, event: string, id: number, op: Buffer, arg: Buffer | null): void {
    const effects = this.server.effects;
    const key = this.db.keyOf(id);
    effects.notify(type, event, 0, key);
    if (!effects.propagating) return;
    this.propagate(arg === null ? [op, key] : [op, key, arg]);
  }

  /** A Memcached request's write is an execution unit of its own. */
  private propagate(argv: Buffer[]): void {
    const effects = this.server.effects;
    effects.beginUnit();
    effects.propagate(0, argv);
    effects.endUnit();
  }

  /** The value of item `id` as SET ... KEEPTTL: how changes with no Redis command of their own propagate. */
  private changedValue(event: string, id: number): void {
    const effects = this.server.effects;
    const key = this.db.keyOf(id);
    effects.notify(Notify.String, event, 0, key);
    if (effects.propagating) this.propagate([SET, key, this.db.stringValue(id), KEEPTTL]);
  }

  /** set/add/replace/append/prepend, with a CAS check when cas is not 0 (see lastId). */
  store(mode: StoreMode, key: Uint8Array, value: Uint8Array, flags: number, deadline: number, cas = 0): Stored {
    const db = this.db;
    const stats = this.stats;
    // As memcached: a store refused for memory is not counted in cmd_set, and a failed set
    // must not leave the old value readable.
    if (!this.roomToStore()) {
      if (mode === StoreMode.Set && cas === 0) this.delete(key);
      return Stored.NoMemory;
    }
    stats.cmdSet++;
    const existing = db.find(key);
    const isString = existing >= 0 && db.typeOf(existing) === ValueType.String;
    if (cas !== 0) {
      if (!isString) {
        stats.casMisses++;
        return Stored.NotFound;
      }
      if (db.casOf(existing) !== cas) {
        stats.casBadval++;
        return Stored.Exists;
      }
      stats.casHits++;
    }
    if (mode === StoreMode.Add && existing >= 0) return Stored.NotStored;
    if (mode === StoreMode.Replace && existing < 0) return Stored.NotStored;
    if (mode === StoreMode.Append || mode === StoreMode.Prepend) {
      if (!isString) return Stored.NotStored;
      this.concat(existing, value, mode === StoreMode.Prepend);
      if (mode === StoreMode.Append) this.changed(Notify.String, 'append', existing, APPEND, Buffer.from(value));
      else this.changedValue('setrange', existing);
      this.lastId = existing;
      return Stored.Stored;
    }
    let id = existing;
    // What setString does, without looking the key up again.
    if (id >= 0) db.replaceString(id, value);
    else id = db.setString(key, value);
    db.setFlags(id, flags);
    stats.totalItems++;
    this.lastId = this.storeDeadline(id, deadline) ? id : -1;
    return Stored.Stored;
  }

  /** The expiry of an item just stored: with its value, one SET (PXAT) for the stream. */
  private storeDeadline(id: number, deadline: number): boolean {
    const db = this.db;
    if (deadline !== NO_EXPIRY && deadline <= this.keyspace.now) {
      this.deleteItem(id);
      return false;
    }
    if (deadline === NO_EXPIRY) db.clearExpire(id);
    else db.setExpire(id, deadline);
    const effects = this.server.effects;
    const key = db.keyOf(id);
    effects.notify(Notify.String, 'set', 0, key);
    if (deadline !== NO_EXPIRY) effects.notify(Notify.Generic, 'expire', 0, key);
    if (effects.propagating) {
      const value = db.stringValue(id);
      this.propagate(deadline === NO_EXPIRY ? [SET, key, value] : [SET, key, value, PXAT, Buffer.from(String(deadline))]);
    }
    return true;
  }

  private concat(id: number, value: Uint8Array, prepend: boolean): void {
    const db = this.db;
    const oldLength = db.stringLength(id);
    const old = prepend ? db.stringValue(id) : null;
    const r = db.resizeString(id, oldLength + value.length, this.range);
    if (old === null) r.buf.set(value, r.start + oldLength);
    else {
      r.buf.set(value, r.start);
      r.buf.set(old, r.start + value.length);
    }
  }

  /**
   * incr/decr on an item: 64-bit unsigned, wrapping on incr, flooring at 0 on decr. A
   * shorter result is written in place padded with spaces, as memcached does. Returns the
   * new value, or NON_NUMERIC.
   */
  arith(id: number, incr: boolean, delta: bigint): bigint | typeof NON_NUMERIC {
    const db = this.db;
    const r = db.stringRange(id, this.range);
    const value = parseU64(r.buf, r.start, r.end);
    if (value === null) return NON_NUMERIC;
    const result = incr ? (value + delta) & U64_MASK : delta > value ? 0n : value - delta;
    const text = result.toString();
    const length = Math.max(text.length, r.end - r.start);
    const out = db.resizeString(id, length, this.range);
    out.buf.fill(32, out.start, out.end);
    for (let i = 0; i < text.length; i++) out.buf[out.start + i] = text.charCodeAt(i);
    // memcached's padding has no Redis counterpart: the whole new value propagates.
    this.changedValue(incr ? 'incrby' : 'decrby', id);
    return result;
  }

  /** Stores a number as a new item (binary incr's initial value, meta vivify). */
  storeNumber(key: Uint8Array, value: bigint, deadline: number): number {
    this.stats.totalItems++;
    const id = this.db.setString(key, Buffer.from(value.toString(), 'latin1'));
    return this.storeDeadline(id, deadline) ? id : -1;
  }

  delete(key: Uint8Array): boolean {
    const id = this.find(key);
    if (id < 0) {
      this.stats.deleteMisses++;
      return false;
    }
    this.stats.deleteHits++;
    this.deleteItem(id);
    return true;
  }

  /** flush_all: now, or after `delaySeconds`. */
  flush(delaySeconds: number): void {
    this.stats.cmdFlush++;
    if (delaySeconds <= 0) {
      this.flushAt = -1;
      this.flushNow();
    } else {
      this.flushAt = this.keyspace.now + delaySeconds * 1000;
    }
  }

  /** Empties database 0, as FLUSHDB there (propagated even when it was empty, as Redis does). */
  private flushNow(): void {
    this.keyspace.flush(this.db);
    if (this.server.effects.propagating) this.propagate([FLUSHDB]);
  }

  // ---- meta-protocol leases (stale items and win tokens) --------------------------------

  leaseOf(key: Uint8Array, id: number): Lease | null {
    if (this.leases.size === 0) return null;
    const name = Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
    const lease = this.leases.get(name);
    if (lease === undefined) return null;
    if (lease.cas !== this.db.casOf(id)) {
      this.leases.delete(name);
      return null;
    }
    return lease;
  }

  /** Records meta state for the item's current version, replacing any older record. */
  setLease(key: Uint8Array, id: number, stale: boolean, tokenSent: boolean): void {
    const name = Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
    this.leases.set(name, { cas: this.db.casOf(id), stale, tokenSent });
    if (this.leases.size >= this.leaseSweepAt) {
      this.sweepLeases();
      this.leaseSweepAt = Math.max(LEASE_SWEEP_MIN, this.leases.size * 2);
    }
  }

  /** Drops the records of items that changed or went away since. */
  private sweepLeases(): void {
    const db = this.db;
    for (const [name, lease] of this.leases) {
      const id = db.find(Buffer.from(name, 'latin1'));
      if (id < 0 || db.casOf(id) !== lease.cas) this.leases.delete(name);
    }
  }
}
