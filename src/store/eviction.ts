// Staying under maxmemory: Redis's performEvictions and its approximations.
//
// Before each command (and each Memcached store) the server asks `perform()`. Under the limit
// it answers Ok at the cost of one comparison. Over it, keys go, chosen by the policy, until
// what was freed covers the excess:
// - LRU, LFU and TTL policies keep Redis's eviction pool: the 16 best candidates seen so far,
//   sorted by score (idle time; 255 - LFU counter; the sooner expiry), fed by
//   `maxmemory-samples` random keys of every database per eviction. The pool keeps the keys'
//   bytes, so a candidate that went away or changed meanwhile is looked up again ("ghosts" are
//   skipped), and it outlives each call, so good candidates carry over;
// - random policies take one random key, visiting databases in turn.
// Like Redis, one call evicts for a bounded time (maxmemory-eviction-tenacity); past it, an
// eviction loop continues on the event loop and the command runs (Running). Fail means over
// the limit with nothing to evict (noeviction, or no key the policy may take): the gate then
// refuses commands that would add memory.
//
// Evicted keys go through the keyspace with Removal.Evicted, so WATCH, client-side caching,
// notifications ("evicted") and propagation (DEL, or UNLINK under lazyfree-lazy-eviction)
// hear of them as of any removal (server/effects.ts).

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Removal } from './changes.ts';
import type { Database } from './database.ts';
import type { Keyspace } from './keyspace.ts';
import { newByteRange } from './types.ts';

export const EvictResult = {
  /** Under the limit, or evicting is not allowed right now (as Redis, a fake Ok). */
  Ok: 0,
  /** Over the limit; the background loop is still freeing memory. */
  Running: 1,
  /** Over the limit and nothing may be evicted. */
  Fail: 2,
} as const;
export type EvictResult = (typeof EvictResult)[keyof typeof EvictResult];

/** maxmemory-policy values, in Redis's order. */
export const POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'] as const;
export type Policy = (typeof POLICIES)[number];

const POOL_SIZE = 16;
/** Lowers a cold key's score below any hot key's (scores are within ±2^42: ms, or -expiry ms). */
const COLD_PENALTY = 2 ** 50;
/** Key bytes a pool slot keeps without reallocating (Redis's EVPOOL_CACHED_SDS_SIZE). */
const POOL_CACHED_KEY = 255;
/** Sample draws allocated at most, whatever maxmemory-samples says. */
const MAX_SAMPLE_BUFFER = 1 << 16;
const Score = { Lru: 0, Lfu: 1, Ttl: 2, Random: 3 } as const;
type Score = (typeof Score)[keyof typeof Score];

interface PoolSlot {
  key: Buffer;
  length: number;
  /** The database's index; -1 for an empty slot. */
  db: number;
  /** Higher evicts sooner. */
  score: number;
}

const range = newByteRange();

export class Evictor {
  /** Bytes; 0 = no limit. */
  maxmemory = 0;
  private policyName: Policy = 'noeviction';
  private score: Score = Score.Random;
  private volatileOnly = false;
  private noEviction = true;
  samples = 5;
  private sampled = new Int32Array(5);
  /** Microseconds one call may evict for (from maxmemory-eviction-tenacity). */
  private timeLimitUs = 500;
  /** Told before evicting: false defers eviction (CLIENT PAUSE, as Redis). */
  canEvict: () => boolean = () => true;
  private readonly pool: PoolSlot[] = Array.from({ length: POOL_SIZE }, () => ({ key: Buffer.alloc(POOL_CACHED_KEY), length: 0, db: -1, score: 0 }));
  private nextDb = 0;
  /** The background eviction loop is scheduled. */
  private running = false;
  /** performance.now() when memory went over the limit and stayed there; -1 while under. */
  private exceededSince = -1;
  private exceededMs = 0;

  constructor(private readonly keyspace: Keyspace) {}

  get policy(): Policy {
    return this.policyName;
  }

  set policy(policy: Policy) {
    this.policyName = policy;
    this.noEviction = policy === 'noeviction';
    this.volatileOnly = policy.startsWith('volatile-');
    this.score = policy.endsWith('-lru') ? Score.Lru : policy.endsWith('-lfu') ? Score.Lfu : policy === 'volatile-ttl' ? Score.Ttl : Score.Random;
    this.keyspace.lfu = this.score === Score.Lfu;
    // Scores of another policy mean nothing to this one.
    for (const slot of this.pool) slot.db = -1;
  }

  setSamples(samples: number): void {
    this.samples = samples;
    const size = Math.min(samples, MAX_SAMPLE_BUFFER);
    if (this.sampled.length !== size) this.sampled = new Int32Array(size);
  }

  /** maxmemory-eviction-tenacity: 0-10 is 0-500 µs linearly, then 15% more per step, 100 unbounded. */
  setTenacity(tenacity: number): void {
    if (tenacity <= 10) this.timeLimitUs = 50 * tenacity;
    else if (tenacity < 100) this.timeLimitUs = Math.floor(500 * 1.15 ** (tenacity - 10));
    else this.timeLimitUs = Infinity;
  }

  /** Whether memory is over maxmemory now. */
  get overLimit(): boolean {
    return this.maxmemory !== 0 && this.keyspace.usedBytes > this.maxmemory;
  }

  /** INFO total_eviction_exceeded_time, in ms: time spent over the limit, the current spell included. */
  get totalExceededMs(): number {
    return this.exceededMs + this.currentExceededMs;
  }

  /** INFO current_eviction_exceeded_time, in ms. */
  get currentExceededMs(): number {
    return this.exceededSince < 0 ? 0 : performance.now() - this.exceededSince;
  }

  resetStats(): void {
    this.exceededMs = 0;
    if (this.exceededSince >= 0) this.exceededSince = performance.now();
  }

  /** Frees memory down to maxmemory if the policy allows (Redis's performEvictions). */
  perform(): EvictResult {
    const maxmemory = this.maxmemory;
    if (maxmemory === 0) return EvictResult.Ok;
    const keyspace = this.keyspace;
    const used = keyspace.usedBytes;
    if (used <= maxmemory) return this.noteResult(EvictResult.Ok);
    if (!this.canEvict()) return EvictResult.Ok;
    if (this.noEviction) return this.noteResult(EvictResult.Fail);
    keyspace.refreshTime();
    const started = performance.now();
    const toFree = used - maxmemory;
    let freed = 0;
    let evicted = 0;
    while (freed < toFree) {
      const db = this.pick();
      if (db === null) return this.noteResult(EvictResult.Fail);
      const before = keyspace.usedBytes;
      db.deleteId(this.picked, Removal.Evicted);
      freed += before - keyspace.usedBytes;
      // Reading the clock is not free: Redis looks every 16 keys.
      if ((++evicted & 15) === 0 && (performance.now() - started) * 1000 > this.timeLimitUs) {
        this.startLoop();
        break;
      }
    }
    return this.noteResult(this.running ? EvictResult.Running : EvictResult.Ok);
  }

  /** Goes on evicting on the event loop until under the limit or out of candidates. */
  startLoop(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(this.loopStep);
  }

  private readonly loopStep = (): void => {
    if (this.perform() === EvictResult.Running) setImmediate(this.loopStep);
    else this.running = false;
  };

  private noteResult(result: EvictResult): EvictResult {
    if (result === EvictResult.Ok) {
      if (this.exceededSince >= 0) {
        this.exceededMs += performance.now() - this.exceededSince;
        this.exceededSince = -1;
      }
    } else if (this.exceededSince < 0) {
      this.exceededSince = performance.now();
    }
    return result;
  }

  /** The entry chosen by pick(). */
  private picked = -1;

  /** Chooses the next key to evict (its entry in `picked`); its database, or null when none may go. */
  private pick(): Database | null {
    return this.score === Score.Random ? this.pickRandom() : this.pickFromPool();
  }

  private pickRandom(): Database | null {
    const dbs = this.keyspace.dbs;
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb]!;
      if (db.sample(1, this.volatileOnly, this.sampled) === 1) {
        this.picked = this.sampled[0]!;
        return db;
      }
    }
    return null;
  }

  private pickFromPool(): Database | null {
    const dbs = this.keyspace.dbs;
    const pool = this.pool;
    for (;;) {
      let population = 0;
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[i]!;
        const keys = this.volatileOnly ? db.volatileCount : db.size;
        if (keys === 0) continue;
        this.populate(db);
        population += keys;
      }
      if (population === 0) return null;
      // Best first: from the end of the pool.
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const slot = pool[k]!;
        if (slot.db < 0) continue;
        const db = dbs[slot.db]!;
        slot.db = -1;
        const id = db.locate(slot.key, slot.length);
        // A ghost: the key went away or lost its TTL since it was sampled.
        if (id < 0 || (this.volatileOnly && !db.isVolatile(id))) continue;
        // Unlike Redis, a candidate read since it was sampled is weighed again rather than
        // evicted on its stale score: a pool entry can be many evictions old, and the key it
        // names may have become the hottest since (this keeps more hits; bench/hitratio.ts).
        const score = this.scoreOf(db, id);
        if (score < slot.score) {
          this.insert(db, id, score);
          k = POOL_SIZE;
          continue;
        }
        this.picked = id;
        return db;
      }
    }
  }

  /** Adds `samples` random keys of `db` to the pool where they score better than what it holds. */
  private populate(db: Database): void {
    const sampled = this.sampled;
    const n = db.sample(this.samples, this.volatileOnly, sampled);
    for (let i = 0; i < n; i++) {
      const id = sampled[i]!;
      this.insert(db, id, this.scoreOf(db, id));
    }
  }

  /** Puts a candidate in the pool, in score order, unless the pool is full of better ones. */
  private insert(db: Database, id: number, score: number): void {
    const pool = this.pool;
    // The first slot whose candidate is at least as good.
    let k = 0;
    while (k < POOL_SIZE && pool[k]!.db >= 0 && pool[k]!.score < score) k++;
    let slot: PoolSlot;
    if (k === 0 && pool[POOL_SIZE - 1]!.db >= 0) {
      return; // Worse than every candidate of a full pool.
    } else if (k < POOL_SIZE && pool[k]!.db < 0) {
      slot = pool[k]!;
    } else if (pool[POOL_SIZE - 1]!.db < 0) {
      // Room at the end: shift the better ones right.
      slot = pool[POOL_SIZE - 1]!;
      pool.copyWithin(k + 1, k, POOL_SIZE - 1);
      pool[k] = slot;
    } else {
      // Full: drop the worst (first) candidate and shift the ones below k left.
      k--;
      slot = pool[0]!;
      pool.copyWithin(0, 1, k + 1);
      pool[k] = slot;
    }
    db.keyRange(id, range);
    const length = range.end - range.start;
    if (slot.key.length < length) slot.key = Buffer.alloc(length);
    // A loop, not set(subarray): keys are short, and a view per candidate costs more than the copy.
    const key = slot.key;
    const source = range.buf;
    for (let i = 0, from = range.start; i < length; i++, from++) key[i] = source[from]!;
    slot.length = length;
    slot.db = db.index;
    slot.score = score;
  }

  private scoreOf(db: Database, id: number): number {
    // A value on disk (src/tiering) costs memory only for its key: evicting it frees next to
    // nothing, so it goes after every key whose value is in memory.
    return db.coldCount !== 0 && db.isCold(id) ? this.policyScore(db, id) - COLD_PENALTY : this.policyScore(db, id);
  }

  private policyScore(db: Database, id: number): number {
    switch (this.score) {
      case Score.Lru:
        return db.idleTime(id);
      case Score.Lfu:
        return 255 - db.frequency(id);
      default:
        // The sooner it expires, the better to evict.
        return -Number(db.expireAt(id));
    }
  }
}
