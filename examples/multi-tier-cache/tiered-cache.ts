// A two-level cache: an in-process LRU (L1) in front of Mnemo (L2), kept coherent across
// processes by Redis client-side caching. The one connection runs CLIENT TRACKING in BCAST mode
// over the cache's prefix, so every write to a cached key, by any process, by a Memcached
// client, by expiry or FLUSHALL, reaches every other process as a RESP3 invalidation push.

import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createClient } from 'redis';

export interface TieredCacheOptions {
  /** redis://host:port of Mnemo. */
  url: string;
  /** Keys under this prefix are cached and tracked (e.g. "cache:"). */
  prefix: string;
  /** Entries the L1 keeps. */
  l1Entries?: number;
  /** TTL of L2 entries, before jitter. */
  ttlSeconds?: number;
  /** TTLs are spread by up to this fraction either way, so keys loaded together do not expire together. */
  ttlJitter?: number;
  /** How long one loader may hold a key's lock before another process may load it. */
  lockMilliseconds?: number;
}

export interface CacheStats {
  l1Hits: number;
  l2Hits: number;
  /** Values this process loaded from the system of record. */
  loads: number;
  /** Invalidation pushes received (a key, or every key on a flush). */
  invalidations: number;
}

// Deletes the lock only while it still holds this loader's token: a slow loader whose lock has
// expired must not free the lock of the loader that took over.
const RELEASE_LOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TieredCache {
  readonly stats: CacheStats = { l1Hits: 0, l2Hits: 0, loads: 0, invalidations: 0 };
  readonly #redis;
  readonly #l1: LRUCache<string, string>;
  readonly #options: Required<TieredCacheOptions>;
  /** Loads in flight in this process: concurrent misses of one key wait on one promise. */
  readonly #inFlight = new Map<string, Promise<string>>();
  /**
   * Bumped by every invalidation. A read fills the L1 only if no invalidation arrived while it
   * was in flight: the push for a write that raced the read can be handled before the read's
   * continuation runs, and filling the L1 after it would keep the stale value.
   */
  #generation = 0;

  private constructor(options: TieredCacheOptions) {
    this.#options = { l1Entries: 10_000, ttlSeconds: 300, ttlJitter: 0.1, lockMilliseconds: 5_000, ...options };
    this.#l1 = new LRUCache({ max: this.#options.l1Entries });
    this.#redis = createClient({ url: options.url, RESP: 3, emitInvalidate: true });
    this.#redis.on('invalidate', (key: Buffer | string | null) => {
      this.#generation++;
      this.stats.invalidations++;
      if (key === null) this.#l1.clear();
      else this.#l1.delete(key.toString());
    });
    this.#redis.on('error', () => {
      // Reconnects by itself; until then reads fall through to the loader's errors.
    });
    // node-redis turns tracking on in its default mode at every (re)connect; BCAST over the
    // prefix needs tracking off first. NOLOOP: this process's own writes update its L1 directly.
    // Both are queued at once, so any command sent after 'ready' runs after the switch.
    this.#redis.on('ready', () => {
      this.#l1.clear();
      void Promise.all([
        this.#redis.sendCommand(['CLIENT', 'TRACKING', 'OFF']),
        this.#redis.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', this.#options.prefix, 'NOLOOP']),
      ]).catch(() => {});
    });
  }

  static async connect(options: TieredCacheOptions): Promise<TieredCache> {
    const cache = new TieredCache(options);
    await cache.#redis.connect();
    await cache.#redis.ping();
    return cache;
  }

  async close(): Promise<void> {
    await this.#redis.close();
  }

  /** Whether the L1 holds `key` (without counting a hit or refreshing its recency). */
  inL1(key: string): boolean {
    return this.#l1.has(this.#options.prefix + key);
  }

  /** Cache-aside: L1, then L2, then `load` (one loader per key across all processes). */
  async get(key: string, load: () => Promise<string>): Promise<string> {
    const fullKey = this.#options.prefix + key;
    const cached = this.#l1.get(fullKey);
    if (cached !== undefined) {
      this.stats.l1Hits++;
      return cached;
    }
    const pending = this.#inFlight.get(fullKey);
    if (pending !== undefined) return pending;
    const fetching = this.#fetch(fullKey, load).finally(() => this.#inFlight.delete(fullKey));
    this.#inFlight.set(fullKey, fetching);
    return fetching;
  }

  /** Write-through: the system of record is written by the caller; this writes L2 and the L1. */
  async set(key: string, value: string): Promise<void> {
    const fullKey = this.#options.prefix + key;
    await this.#redis.set(fullKey, value, { EX: this.#jitteredTtl() });
    this.#l1.set(fullKey, value);
  }

  async #fetch(fullKey: string, load: () => Promise<string>): Promise<string> {
    const lock = `lock:${fullKey}`;
    const token = randomUUID();
    for (let waited = 0; ; ) {
      const generation = this.#generation;
      const stored = await this.#redis.get(fullKey);
      if (stored !== null) {
        this.stats.l2Hits++;
        if (generation === this.#generation) this.#l1.set(fullKey, stored);
        return stored;
      }
      const locked = await this.#redis.set(lock, token, { NX: true, PX: this.#options.lockMilliseconds });
      if (locked === 'OK') {
        try {
          // The loader before us may have stored the value and freed the lock between our GET
          // and our SET NX: it stores before it unlocks, so a second look settles it.
          const storedMeanwhile = await this.#redis.get(fullKey);
          if (storedMeanwhile !== null) {
            this.stats.l2Hits++;
            return storedMeanwhile;
          }
          const value = await load();
          this.stats.loads++;
          await this.#redis.set(fullKey, value, { EX: this.#jitteredTtl() });
          this.#l1.set(fullKey, value);
          return value;
        } finally {
          await this.#redis.eval(RELEASE_LOCK, { keys: [lock], arguments: [token] });
        }
      }
      // Another process is loading this key: wait for its value rather than load it again. Once
      // its lock could have expired, loading here is allowed again (the SET NX decides).
      const pause = Math.min(5 + waited / 4, 50);
      await sleep(pause);
      waited += pause;
    }
  }

  #jitteredTtl(): number {
    const { ttlSeconds, ttlJitter } = this.#options;
    return Math.max(1, Math.round(ttlSeconds * (1 + ttlJitter * (2 * Math.random() - 1))));
  }
}
