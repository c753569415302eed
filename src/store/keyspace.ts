// The keyspace: the databases, the clock they read, and the work they share (active expiry,
// resize steps, statistics). It knows nothing of protocols; the server drives it.

import { performance } from 'node:perf_hooks';
import { Arena } from './arena.ts';
import { Database } from './database.ts';

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
}

/** Called with a key's database and entry id before the key is changed or deleted. */
export type WriteHook = (db: Database, id: number) => void;

/**
 * Called before every key of `db` goes at once: emptied (replacement null) or swapped for the
 * keys of `replacement` (SWAPDB).
 */
export type ReplaceHook = (db: Database, replacement: Database | null) => void;

const ACTIVE_EXPIRE_SAMPLES = 20;
/** Like Redis: keep sampling a database while more than 10% of a sample had expired. */
const ACTIVE_EXPIRE_STALE_PERCENT = 10;

export class Keyspace {
  readonly arena = new Arena();
  readonly dbs: Database[];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredByCycle: 0, expireCycleMs: 0 };
  /**
   * The command's time, read from the clock once per command as Redis does, so that one
   * command (or one MULTI) sees one instant.
   */
  now: number;
  /** Whether lookups refresh the LRU clock (off for CLIENT NO-TOUCH callers and OBJECT). */
  touchKeys = true;
  /** Hooks run before a key is modified (WATCH, snapshots, client-side caching). */
  private writeHooks: WriteHook[] = [];
  private replaceHooks: ReplaceHook[] = [];
  /** Listeners told of each key removed by expiry (propagation, notifications). */
  private expireListeners: ((db: Database, key: Buffer) => void)[] = [];
  private casCounter = 0;
  private activeExpireDb = 0;

  constructor(
    databases: number,
    readonly clock: Clock = systemClock,
  ) {
    this.dbs = Array.from({ length: databases }, () => new Database(this));
    this.now = clock.now();
  }

  /** Reads the clock; the gate calls it before each command. */
  refreshTime(monotonic?: number): number {
    const clock = this.clock;
    this.now = monotonic !== undefined && clock.atMonotonic !== undefined ? clock.atMonotonic(monotonic) : clock.now();
    return this.now;
  }

  /** Redis's 24-bit LRU clock in seconds. */
  get lruClock(): number {
    return Math.floor(this.now / 1000) & 0xffffff;
  }

  nextCas(): number {
    return ++this.casCounter;
  }

  addWriteHook(hook: WriteHook): () => void {
    this.writeHooks.push(hook);
    return () => {
      this.writeHooks = this.writeHooks.filter((h) => h !== hook);
    };
  }

  beforeWrite(db: Database, id: number): void {
    const hooks = this.writeHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i]!(db, id);
  }

  addReplaceHook(hook: ReplaceHook): () => void {
    this.replaceHooks.push(hook);
    return () => {
      this.replaceHooks = this.replaceHooks.filter((h) => h !== hook);
    };
  }

  beforeReplace(db: Database, replacement: Database | null): void {
    for (const hook of this.replaceHooks) hook(db, replacement);
  }

  onExpire(listener: (db: Database, key: Buffer) => void): void {
    this.expireListeners.push(listener);
  }

  noteExpired(db: Database, id: number): void {
    this.stats.expiredKeys++;
    if (this.expireListeners.length === 0) return;
    const key = db.keyOf(id);
    for (const listener of this.expireListeners) listener(db, key);
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
    this.beforeReplace(dbs[a]!, dbs[b]!);
    this.beforeReplace(dbs[b]!, dbs[a]!);
    [dbs[a], dbs[b]] = [dbs[b]!, dbs[a]!];
  }

  flushAll(): void {
    for (const db of this.dbs) db.clear();
  }

  /**
   * Redis's active expire cycle: visits databases in turn, samples keys with a TTL and
   * deletes the expired ones, repeating on a database while many samples had expired, and
   * stops when `budgetMs` is spent. Returns the keys it removed.
   */
  activeExpireCycle(budgetMs: number): number {
    const started = performance.now();
    this.refreshTime();
    let removed = 0;
    let iterations = 0;
    for (let visited = 0; visited < this.dbs.length; visited++) {
      const db = this.dbs[this.activeExpireDb]!;
      this.activeExpireDb = (this.activeExpireDb + 1) % this.dbs.length;
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

  /** Moves resize work along in every database for about `budgetMs`. */
  rehashCycle(budgetMs: number): void {
    const started = performance.now();
    for (const db of this.dbs) {
      while (db.rehashing && performance.now() - started < budgetMs) db.rehashSome(100);
    }
  }
}
