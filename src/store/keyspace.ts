// The keyspace: the databases, the clock they read, and the work they share (active expiry,
// resize steps, statistics). It knows nothing of protocols; the server drives it.

import type { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Arena } from './arena.ts';
import { Database } from './database.ts';
import { Removal, type KeyspaceObserver } from './changes.ts';
import { LFU_INIT_VAL, lfuData, lruClock } from './access.ts';
import { Evictor } from './eviction.ts';
import type { ColdTier } from './cold.ts';

export { Removal, type KeyspaceObserver } from './changes.ts';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * The same, given a performance.now() reading the caller already has (the gate times each
   * command, and one clock read per command is cheaper than two); optional.
   */
  atMonotonic?(monotonic: number): number;
  /** Re-reads the wall clock behind atMonotonic; the cron calls it. */
  resync?(): void;
}

/**
 * The wall clock, derived from the monotonic one plus an offset that resync() re-reads (the
 * cron does, ten times a second), so expiry still follows wall-clock adjustments.
 */
class SystemClock implements Clock {
  private offset = Date.now() - performance.now();
  now(): number {
    return Date.now();
  }
  atMonotonic(monotonic: number): number {
    return Math.floor(this.offset + monotonic);
  }
  resync(): void {
    this.offset = Date.now() - performance.now();
  }
}

export const systemClock = new SystemClock();

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expiredKeys: number;
  /** Keys whose TTL passed and which the active cycle (not a lookup) removed. */
  expiredByCycle: number;
  /** Time the active expire cycle has spent, in ms. */
  expireCycleMs: number;
  /** Keys removed to stay under maxmemory (eviction.ts). */
  evictedKeys: number;
}

const ACTIVE_EXPIRE_SAMPLES = 20;
/** Like Redis: keep sampling a database while more than 10% of a sample had expired. */
const ACTIVE_EXPIRE_STALE_PERCENT = 10;
/** Hash fields the active cycle expires per second at most, as Redis 7.4, spread over the crons. */
export const ACTIVE_EXPIRE_FIELDS_PER_SECOND = 10_000;
/** Fields expired in a row in one database after which each run may expire more (Redis 7.4). */
const FIELD_BACKLOG_STEP = 1_000_000;
const FIELD_BACKLOG_MAX_FACTOR = 32;

export class Keyspace {
  readonly arena = new Arena();
  /** Bytes of keys and values in every database, kept current as they change (memory.ts). */
  datasetBytes = 0;
  /** Bytes of the databases' own structures (entries, indexes, TTL lists), kept current. */
  overheadBytes = 0;
  /** The highest usedBytes reached, noted as it happens. */
  peakBytes = 0;
  /** usedBytes once the empty databases were made (INFO used_memory_startup). */
  readonly startupBytes: number;
  readonly dbs: Database[];
  /** Keeps usedBytes under maxmemory (eviction.ts). */
  readonly evictor = new Evictor(this);
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredByCycle: 0, expireCycleMs: 0, evictedKeys: 0 };
  /**
   * The command's time, read from the clock once per command as Redis does, so that one
   * command (or one MULTI) sees one instant.
   */
  now: number;
  /** Whether lookups refresh the LRU clock (off for CLIENT NO-TOUCH callers and OBJECT). */
  touchKeys = true;
  /**
   * Whether keys' access bits hold LFU data (an LFU maxmemory-policy) rather than an LRU
   * clock, with lfu-log-factor and lfu-decay-time (see access.ts).
   */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Where values demoted to disk live (src/tiering); null while tiering is off. */
  cold: ColdTier | null = null;
  private observers: KeyspaceObserver[] = [];
  private changeObservers: KeyspaceObserver[] = [];
  private createObservers: KeyspaceObserver[] = [];
  private fieldObservers: KeyspaceObserver[] = [];
  /**
   * Keys changed by callers so far (expiry excluded: it is not the caller's change). The gate
   * reads the difference around a command: that is how many keys it really changed.
   */
  changes = 0;
  /** The last key counted in `changes`, so that several edits of one key count once. */
  private lastChangedDb: Database | null = null;
  private lastChangedId = -1;
  private casCounter = 0;
  private activeExpireDb = 0;
  /** The database whose hash fields the active cycle expires next, as Redis 7.4 keeps apart. */
  private fieldExpireDb = 0;
  /** Fields expired by the cycle in fieldExpireDb while each run used its whole quota. */
  private fieldBacklog = 0;

  constructor(
    databases: number,
    readonly clock: Clock = systemClock,
  ) {
    this.dbs = Array.from({ length: databases }, (_, index) => new Database(this, index));
    this.startupBytes = this.usedBytes;
    this.now = clock.now();
  }

  /**
   * What the keyspace holds, in bytes: dataset + overhead, exact and O(1) at any moment
   * (INFO used_memory; what a maxmemory check compares).
   */
  get usedBytes(): number {
    return this.datasetBytes + this.overheadBytes;
  }

  addDataset(delta: number): void {
    this.datasetBytes += delta;
    if (delta > 0) this.notePeak();
  }

  addOverhead(delta: number): void {
    this.overheadBytes += delta;
    if (delta > 0) this.notePeak();
  }

  private notePeak(): void {
    const used = this.datasetBytes + this.overheadBytes;
    if (used > this.peakBytes) this.peakBytes = used;
  }

  /** Reads the clock; the gate calls it before each command. */
  refreshTime(monotonic?: number): number {
    const clock = this.clock;
    this.now = monotonic !== undefined && clock.atMonotonic !== undefined ? clock.atMonotonic(monotonic) : clock.now();
    return this.now;
  }

  /** Redis's 24-bit LRU clock in seconds. */
  get lruClock(): number {
    return lruClock(this.now);
  }

  /** The access bits of a key created now: the LRU clock, or the initial LFU counter. */
  freshAccess(): number {
    return this.lfu ? lfuData(LFU_INIT_VAL, this.now) : lruClock(this.now);
  }

  nextCas(): number {
    return ++this.casCounter;
  }

  /** Starts telling `observer` of changes; returns the function that stops it. */
  observe(observer: KeyspaceObserver): () => void {
    this.observers = [...this.observers, observer];
    this.sortObservers();
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
      this.sortObservers();
    };
  }

  /** The hot path runs through arrays of exactly the observers that want each call. */
  private sortObservers(): void {
    this.changeObservers = this.observers.filter((o) => o.beforeChange !== undefined);
    this.createObservers = this.observers.filter((o) => o.created !== undefined);
    this.fieldObservers = this.observers.filter((o) => o.fieldsExpired !== undefined);
  }

  /** A new command (or unit of work) starts: its first change counts even on the last key changed. */
  beginChanges(): void {
    this.lastChangedId = -1;
  }

  /** The store calls this before it changes or removes an existing key. */
  beforeChange(db: Database, id: number, removal: Removal = Removal.NotRemoved): void {
    // Expiry and eviction are the server's doing, not a caller's change.
    if (removal === Removal.Expired) this.stats.expiredKeys++;
    else if (removal === Removal.Evicted) {
      this.stats.evictedKeys++;
      db.evictedKeys++;
    }
    else if (removal !== Removal.Overwritten) this.countChange(db, id);
    const observers = this.changeObservers;
    for (let i = 0; i < observers.length; i++) observers[i]!.beforeChange!(db, id, removal);
  }

  /** The store calls this after it created a key (`replaced`: in place of a live one). */
  created(db: Database, id: number, replaced = false): void {
    this.countChange(db, id);
    const observers = this.createObservers;
    for (let i = 0; i < observers.length; i++) observers[i]!.created!(db, id, replaced);
  }

  /** The store calls this after fields of a hash expired, before it deletes an emptied hash. */
  fieldsExpired(db: Database, id: number, fields: readonly Buffer[], emptied: boolean): void {
    const observers = this.fieldObservers;
    for (let i = 0; i < observers.length; i++) observers[i]!.fieldsExpired!(db, id, fields, emptied);
  }

  private countChange(db: Database, id: number): void {
    if (id === this.lastChangedId && db === this.lastChangedDb) return;
    this.changes++;
    this.lastChangedDb = db;
    this.lastChangedId = id;
  }

  get keyCount(): number {
    let total = 0;
    for (const db of this.dbs) total += db.size;
    return total;
  }

  /** SWAPDB; a database swapped with itself stays as it is, and nobody is told. */
  swap(a: number, b: number): void {
    if (a === b) return;
    const dbs = this.dbs;
    [dbs[a], dbs[b]] = [dbs[b]!, dbs[a]!];
    dbs[a]!.index = a;
    dbs[b]!.index = b;
    this.changes++;
    for (const observer of this.observers) observer.swapped?.(dbs[a]!, dbs[b]!);
  }

  /** Empties one database; returns how many keys it held. */
  flush(db: Database): number {
    const size = db.size;
    for (const observer of this.observers) observer.beforeFlush?.(db);
    db.clear();
    this.changes += size;
    return size;
  }

  flushAll(): number {
    for (const observer of this.observers) observer.beforeFlushAll?.();
    let removed = 0;
    for (const db of this.dbs) removed += this.flush(db);
    for (const observer of this.observers) observer.flushedAll?.();
    return removed;
  }

  /**
   * Redis's active expire cycle: visits databases in turn, samples keys with a TTL and
   * deletes the expired ones, repeating on a database while many samples had expired, and
   * stops when `budgetMs` is spent. Before each database, as Redis 7.4, it expires up to
   * `fieldQuota` due hash fields (activeExpireFields; the default is Redis's at hz 10).
   * Returns the keys it removed by their TTL.
   */
  activeExpireCycle(budgetMs: number, fieldQuota = ACTIVE_EXPIRE_FIELDS_PER_SECOND / 10): number {
    const started = performance.now();
    this.refreshTime();
    let removed = 0;
    let iterations = 0;
    for (let visited = 0; visited < this.dbs.length; visited++) {
      const db = this.dbs[this.activeExpireDb]!;
      this.activeExpireDb = (this.activeExpireDb + 1) % this.dbs.length;
      if (this.activeExpireFields(fieldQuota) > 0 && performance.now() - started > budgetMs) break;
      while (db.volatileCount > 0) {
        const sampled = Math.min(ACTIVE_EXPIRE_SAMPLES, db.volatileCount);
        const expired = db.expireSample(sampled);
        removed += expired;
        // Checking the time is not free; Redis looks every 16 rounds.
        if ((++iterations & 15) === 0 && performance.now() - started > budgetMs) {
          visited = this.dbs.length;
          break;
        }
        if (expired * 100 <= sampled * ACTIVE_EXPIRE_STALE_PERCENT) break;
      }
    }
    this.stats.expiredByCycle += removed;
    this.stats.expireCycleMs += performance.now() - started;
    return removed;
  }

  /**
   * Redis 7.4's activeExpireHashFieldCycle: expires up to `quota` due hash fields in one
   * database, and moves to the next once that database has none left due. A database that
   * keeps using the whole quota gets a larger one, up to 32 times, as its backlog grows.
   */
  private activeExpireFields(quota: number): number {
    const db = this.dbs[this.fieldExpireDb]!;
    let max = quota;
    if (this.fieldBacklog > FIELD_BACKLOG_STEP) max *= Math.min(Math.floor(this.fieldBacklog / FIELD_BACKLOG_STEP), FIELD_BACKLOG_MAX_FACTOR);
    const expired = db.fieldExpiringCount === 0 ? 0 : db.expireDueFields(max);
    if (expired === max) {
      this.fieldBacklog += max;
    } else {
      this.fieldBacklog = 0;
      this.fieldExpireDb = (this.fieldExpireDb + 1) % this.dbs.length;
    }
    return expired;
  }

  /** Moves resize work along in every database for about `budgetMs`. */
  rehashCycle(budgetMs: number): void {
    const started = performance.now();
    for (const db of this.dbs) {
      while (db.rehashing && performance.now() - started < budgetMs) db.rehashSome(100);
    }
  }
}
