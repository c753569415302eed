// The cold tier: values demoted from memory to the disk store (log-store.ts) when the hot tier
// passes its budget, and promoted back by the store as soon as anything reads them.
//
// A cold value is kept on disk in its RDB form (type byte, then body), the form DUMP and
// snapshots use: promotion is an RDB read of one value, and a snapshot, an AOF base or a
// replica's sync copies the bytes without bringing the value back (persistence/rdb/values.ts).
//
// Demotion picks its victims as eviction does: random samples of each database, the best by the
// policy's score wins (tiering-policy: `lru` the longest idle, `lfu` the lowest LFU counter,
// which needs an LFU maxmemory-policy to be kept, and otherwise falls back to idle time; `age`
// idle time times size: old, large values first). Values smaller than tiering-min-value-size
// stay hot, as do time series (module values other capabilities index) and hashes with field
// TTLs (the field-expiry index needs them in memory).

import { performance } from 'node:perf_hooks';
import { CommandError } from '../errors.ts';
import { lfuMinutes } from '../store/access.ts';
import type { ColdTier } from '../store/cold.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import { ValueType, type StoredObject } from '../store/types.ts';
import { HashValue } from '../store/types/hash.ts';
import { RdbInput, RdbOutput } from '../persistence/rdb/format.ts';
import { readValue, writeValue, type ValueLimits } from '../persistence/rdb/values.ts';
import type { LogStore } from './log-store.ts';

export type TierPolicy = 'lru' | 'lfu' | 'age';

export interface TierSettings {
  /** tiering-max-memory: used memory above which values go to disk; 0 = no budget. */
  budget: number;
  minValueSize: number;
  policy: TierPolicy;
  /** tiering-max-disk: bytes the segment files may hold; 0 = no limit. */
  maxDisk: number;
  /** tiering-archive-after: seconds without access after which a value goes to disk anyway; 0 = never. */
  archiveAfter: number;
}

export interface TierStats {
  promotions: number;
  demotions: number;
  archived: number;
  diskReads: number;
  diskReadBytes: number;
  diskWrites: number;
  diskWriteBytes: number;
  compactions: number;
  errors: number;
}

/** Values demoted per disk write. */
const BATCH = 32;
/** Keys sampled per candidate. */
const SAMPLES = 8;
/** Rounds of sampling without an eligible key after which demotion gives up for now. */
const FRUITLESS_ROUNDS = 4;
/** Keys the cron looks at per run for tiering-archive-after. */
const ARCHIVE_SAMPLES = 64;

export class Tier implements ColdTier {
  readonly stats: TierStats = { promotions: 0, demotions: 0, archived: 0, diskReads: 0, diskReadBytes: 0, diskWrites: 0, diskWriteBytes: 0, compactions: 0, errors: 0 };
  /** Why demotion stopped (a disk failure, the disk budget), or null while it runs. */
  stopped: string | null = null;
  private readonly sampled = new Int32Array(SAMPLES);
  private readonly out = new RdbOutput(false, 4096);
  private nextDb = 0;

  constructor(
    private readonly keyspace: Keyspace,
    readonly store: LogStore,
    public settings: TierSettings,
    /** The encoding thresholds a promoted collection is fitted to (the config's). */
    public limits: ValueLimits,
    private readonly warn: (message: string) => void,
  ) {}

  // ---- what the store asks (ColdTier) --------------------------------------------------------

  promote(db: Database, id: number): void {
    const coldId = db.coldIdOf(id);
    const payload = this.read(coldId);
    const input = new RdbInput(payload, 0, payload.length);
    const value = readValue(input, input.byte(), { limits: this.limits, now: null });
    // Only non-empty values are demoted, so the reader always has one.
    db.promote(id, value!);
    this.store.free(coldId);
    this.stats.promotions++;
  }

  payload(db: Database, id: number): Uint8Array {
    return this.read(db.coldIdOf(id));
  }

  release(coldId: number): void {
    this.store.free(coldId);
  }

  // ---- demotion ------------------------------------------------------------------------------

  /** Whether used memory is over the hot budget. */
  get overBudget(): boolean {
    const budget = this.settings.budget;
    return budget !== 0 && this.keyspace.usedBytes > budget;
  }

  /**
   * Demotes values until used memory is under the budget, for about `budgetUs` at most. True
   * when time ran out with more to do; false when done, or stuck (no eligible value, no disk).
   */
  relieve(budgetUs: number): boolean {
    const started = performance.now();
    while (this.overBudget && this.stopped === null) {
      const batch = this.pickBatch();
      if (batch.length === 0 || this.demote(batch) === 0) return false;
      if ((performance.now() - started) * 1000 > budgetUs) return this.overBudget;
    }
    return false;
  }

  /** Demotes one key now (TIERING.DEMOTE); false when it is cold already or not eligible. */
  demoteKey(db: Database, id: number): boolean {
    if (this.stopped !== null || !this.eligible(db, id)) return false;
    return this.demote([[db, id]]) === 1;
  }

  /**
   * tiering-archive-after: samples keys and demotes those idle at least that long, whatever the
   * memory used; returns how many went.
   */
  archive(): number {
    const seconds = this.settings.archiveAfter;
    if (seconds === 0 || this.stopped !== null) return 0;
    const batch: [Database, number][] = [];
    for (const db of this.keyspace.dbs) {
      if (db.size === 0) continue;
      const n = db.sample(ARCHIVE_SAMPLES, false, this.archiveSample);
      for (let i = 0; i < n; i++) {
        const id = this.archiveSample[i]!;
        if (this.idleMs(db, id) >= seconds * 1000 && this.eligible(db, id) && !batch.some(([d, k]) => d === db && k === id)) batch.push([db, id]);
      }
    }
    const demoted = batch.length === 0 ? 0 : this.demote(batch);
    this.stats.archived += demoted;
    return demoted;
  }

  private readonly archiveSample = new Int32Array(ARCHIVE_SAMPLES);

  /**
   * Compacts one mostly-dead segment once the files hold more dead bytes than live ones (the
   * cron's share of the disk store's upkeep: each step reads a whole segment, so it waits until
   * it reclaims enough to be worth the pause).
   */
  compact(): void {
    if (this.stopped !== null && this.stopped.startsWith('disk error')) return;
    if (this.store.fileBytes <= 2 * this.store.liveBytes) return;
    try {
      if (this.store.compactStep()) this.stats.compactions++;
    } catch (error) {
      this.fail(error);
    }
  }

  /** Writes the batch's values to disk in one write, then lets them go from memory. */
  private demote(batch: readonly [Database, number][]): number {
    const limits = this.limits;
    const payloads = batch.map(([db, id]) => {
      writeValue(this.out, db, id, null, limits);
      return this.out.take();
    });
    const bytes = payloads.reduce((total, payload) => total + payload.length, 0);
    if (!this.roomOnDisk(bytes)) return 0;
    let coldIds: number[];
    try {
      coldIds = this.store.writeBatch(payloads);
    } catch (error) {
      this.fail(error);
      return 0;
    }
    for (let i = 0; i < batch.length; i++) {
      const [db, id] = batch[i]!;
      db.demote(id, coldIds[i]!);
    }
    this.stats.demotions += batch.length;
    this.stats.diskWrites++;
    this.stats.diskWriteBytes += bytes;
    return batch.length;
  }

  private roomOnDisk(bytes: number): boolean {
    const max = this.settings.maxDisk;
    if (max === 0) return true;
    while (this.store.fileBytes + bytes > max) {
      try {
        if (!this.store.compactStep()) break;
        this.stats.compactions++;
      } catch (error) {
        this.fail(error);
        return false;
      }
    }
    if (this.store.fileBytes + bytes <= max) return true;
    this.stopped = `tiering-max-disk reached (${this.store.fileBytes} bytes on disk)`;
    this.warn(`Tiering: demotion stopped: ${this.stopped}; values stay in memory (maxmemory and its policy apply)`);
    return false;
  }

  private fail(error: unknown): void {
    this.stats.errors++;
    this.stopped = `disk error: ${(error as Error).message}`;
    this.warn(`Tiering: demotion stopped: ${this.stopped}; values stay in memory (maxmemory and its policy apply)`);
  }

  private read(coldId: number): Buffer {
    try {
      const payload = this.store.read(coldId);
      this.stats.diskReads++;
      this.stats.diskReadBytes += payload.length;
      return payload;
    } catch (error) {
      this.stats.errors++;
      throw new CommandError(`ERR cold tier read failed: ${(error as Error).message}`);
    }
  }

  /** Up to BATCH distinct candidates, each the best of a sample of one database. */
  private pickBatch(): [Database, number][] {
    const dbs = this.keyspace.dbs;
    const batch: [Database, number][] = [];
    let fruitless = 0;
    while (batch.length < BATCH && fruitless < FRUITLESS_ROUNDS * dbs.length) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb]!;
      const id = db.size === 0 ? -1 : this.bestOfSample(db, batch);
      if (id < 0) fruitless++;
      else batch.push([db, id]);
    }
    return batch;
  }

  private bestOfSample(db: Database, taken: readonly [Database, number][]): number {
    const n = db.sample(SAMPLES, false, this.sampled);
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const id = this.sampled[i]!;
      if (!this.eligible(db, id) || taken.some(([d, k]) => d === db && k === id)) continue;
      const score = this.score(db, id);
      if (score > bestScore) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  private eligible(db: Database, id: number): boolean {
    if (db.isCold(id) || db.isExpired(id)) return false;
    const type = db.typeOf(id);
    if (type === ValueType.String) return db.stringLength(id) >= this.settings.minValueSize;
    if (type === ValueType.TimeSeries) return false;
    const object: StoredObject = db.objectOf(id);
    if (object instanceof HashValue && object.expiresBy(Number.MAX_VALUE)) return false;
    return object.bytes >= this.settings.minValueSize;
  }

  /** Higher goes to disk sooner. */
  private score(db: Database, id: number): number {
    switch (this.settings.policy) {
      case 'lfu':
        return this.keyspace.lfu ? 255 - db.frequency(id) : this.idleMs(db, id);
      case 'age':
        return (this.idleMs(db, id) + 1) * db.memoryUsage(id);
      default:
        return this.idleMs(db, id);
    }
  }

  /** Time since the last access, from the LRU clock or, under an LFU policy, the LFU stamp (minutes). */
  private idleMs(db: Database, id: number): number {
    if (!this.keyspace.lfu) return db.idleTime(id);
    const stamp = db.lruOf(id) >>> 8;
    const now = lfuMinutes(this.keyspace.now);
    return (now >= stamp ? now - stamp : 0xffff - stamp + now) * 60_000;
  }
}
