// Eviction: how well Mnemo's maxmemory keeps the keys a cache needs, and how fast it writes at
// the limit, beside a real redis-server with the same settings.
//
// 1. Hit ratio: one fixed trace of requests over HITRATIO_KEYS distinct keys whose ranks follow
//    Zipf(0.99) (seeded, so both servers and every run see the same trace), replayed as a
//    cache does: GET, and SET on a miss. maxmemory is what 10% of the keys take in that
//    server (its used_memory holding them, measured on a fresh one), so both hold the same
//    share of the keys. Reported per policy (allkeys-lru, allkeys-lfu, with the
//    same maxmemory-samples): the hit ratio over the whole trace and over its second half
//    (the cache warmed), the keys held at the end, and used_memory against maxmemory, read
//    after every batch of requests; Mnemo's used_memory_peak is exact (every change is
//    counted), so it also bounds used_memory after each single command.
// 2. Throughput while evicting: redis-benchmark SET of new keys (random over 10^9) with the
//    servers already at their limit, at -P 1 and -P 16: ops/s and CPU µs per request.
//
// Run: node --import tsx bench/eviction.ts
// Knobs: HITRATIO_KEYS (1000000), HITRATIO_REQUESTS (3 x keys), HITRATIO_VALUE (100 bytes),
// HITRATIO_SAMPLES (maxmemory-samples, 5), HITRATIO_POLICIES (allkeys-lru,allkeys-lfu),
// EVICT_REQUESTS (redis-benchmark requests per run, 200000), EVICT_MAXMEMORY (64mb),
// EVICT_ROUNDS (3).

import net from 'node:net';
import { cpuMicrosPerRequest } from './proc.ts';
import { runBenchmark } from './redis-benchmark.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { median, ratio } from './stats.ts';
import { count, f2, table, x } from './table.ts';
import { envInt } from './env.ts';

const KEYS = envInt('HITRATIO_KEYS', 1_000_000);
const REQUESTS = envInt('HITRATIO_REQUESTS', 3 * KEYS);
const VALUE = 'v'.repeat(envInt('HITRATIO_VALUE', 100));
const SAMPLES = envInt('HITRATIO_SAMPLES', 5);
const POLICIES = (process.env.HITRATIO_POLICIES ?? 'allkeys-lru,allkeys-lfu').split(',').filter(Boolean);
const ZIPF_EXPONENT = 0.99;
const SEED = 0x5eed;
/** Requests per pipelined batch: GETs, then the SETs of the batch's misses. */
const BATCH = 64;
const log = (message: string) => console.error(message);

/** mulberry32: a small seeded generator, so the trace is the same in every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `requests` key ranks drawn from Zipf(exponent) over `keys` ranks (inverse CDF by bisection). */
export function zipfTrace(keys: number, requests: number, exponent: number, seed: number): Int32Array {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let rank = 0; rank < keys; rank++) cdf[rank] = sum += 1 / (rank + 1) ** exponent;
  for (let rank = 0; rank < keys; rank++) cdf[rank]! /= sum;
  const next = random(seed);
  const trace = new Int32Array(requests);
  for (let i = 0; i < requests; i++) {
    const u = next();
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    trace[i] = lo;
  }
  return trace;
}

/** One connection that sends RESP commands and reads their replies in order. */
export class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
  }

  /** `noDelay` for one request in flight at a time: Nagle's delay would dominate its latency. */
  static open(server: BenchServer, noDelay = false): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: server.host, port: server.port, noDelay }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(commands: readonly (readonly string[])[]): void {
    let text = '';
    for (const args of commands) {
      text += `*${args.length}\r\n`;
      for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    }
    this.socket.write(text);
  }

  /** The next `n` replies, each as its first line (a bulk reply as `$<length>`, its data skipped). */
  async replies(n: number): Promise<string[]> {
    const out: string[] = [];
    let pos = 0;
    while (out.length < n) {
      const end = this.buffered.indexOf('\r\n', pos);
      if (end < 0) {
        this.buffered = this.buffered.subarray(pos);
        pos = 0;
        await new Promise<void>((resolve) => (this.waiting = resolve));
        this.waiting = null;
        continue;
      }
      const line = this.buffered.toString('latin1', pos, end);
      if (line[0] === '$' && line !== '$-1') {
        const after = end + 2 + Number(line.slice(1)) + 2;
        if (after > this.buffered.length) {
          this.buffered = this.buffered.subarray(pos);
          pos = 0;
          await new Promise<void>((resolve) => (this.waiting = resolve));
          this.waiting = null;
          continue;
        }
        pos = after;
      } else if (line[0] === '$' || line[0] === '+' || line[0] === '-' || line[0] === ':') {
        pos = end + 2;
      } else {
        throw new Error(`unexpected reply line ${line}`);
      }
      out.push(line);
    }
    this.buffered = this.buffered.subarray(pos);
    return out;
  }

  async call(...args: string[]): Promise<string> {
    this.send([args]);
    const [line] = await this.replies(1);
    if (line!.startsWith('-')) throw new Error(`${args.join(' ')}: ${line}`);
    return line!;
  }

  /** A bulk reply's text (INFO). */
  async bulk(...args: string[]): Promise<string> {
    this.send([args]);
    for (;;) {
      const end = this.buffered.indexOf('\r\n');
      if (end >= 0) {
        const length = Number(this.buffered.toString('latin1', 1, end));
        if (this.buffered.length >= end + 2 + length + 2) {
          const text = this.buffered.toString('latin1', end + 2, end + 2 + length);
          this.buffered = this.buffered.subarray(end + 2 + length + 2);
          return text;
        }
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

async function infoField(conn: Connection, name: string): Promise<number> {
  const info = await conn.bulk('INFO', 'memory');
  const match = info.match(new RegExp(`^${name}:(\\d+)`, 'm'));
  if (match === null) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

const keyOf = (rank: number) => `key:${rank}`;

/**
 * The maxmemory that holds 10% of the keys in this server: its used_memory once a fresh one
 * holds a tenth of the key set (fixed structures included, as they will be in the run).
 */
async function tenPercentLimit(start: () => Promise<BenchServer>): Promise<number> {
  const server = await start();
  const conn = await Connection.open(server);
  try {
    const keys = Math.ceil(KEYS / 10);
    for (let first = 0; first < keys; first += 1000) {
      const sets: string[][] = [];
      for (let rank = first; rank < Math.min(first + 1000, keys); rank++) sets.push(['SET', keyOf(rank), VALUE]);
      conn.send(sets);
      await conn.replies(sets.length);
    }
    return await infoField(conn, 'used_memory');
  } finally {
    conn.close();
    await server.stop();
  }
}

interface HitRatioResult {
  hitRatio: number;
  warmHitRatio: number;
  keysHeld: number;
  maxmemory: number;
  /** Highest used_memory read after a batch. */
  maxUsedSeen: number;
  peak: number;
  oomErrors: number;
  seconds: number;
}

async function replay(start: () => Promise<BenchServer>, policy: string, maxmemory: number, trace: Int32Array): Promise<HitRatioResult> {
  const server = await start();
  const conn = await Connection.open(server);
  try {
    await conn.call('CONFIG', 'SET', 'maxmemory-policy', policy);
    await conn.call('CONFIG', 'SET', 'maxmemory-samples', String(SAMPLES));
    await conn.call('CONFIG', 'SET', 'maxmemory', String(maxmemory));
    const started = performance.now();
    const half = trace.length >>> 1;
    let hits = 0;
    let warmHits = 0;
    let oomErrors = 0;
    let maxUsedSeen = 0;
    for (let first = 0, batch = 0; first < trace.length; first += BATCH, batch++) {
      const end = Math.min(first + BATCH, trace.length);
      const gets: string[][] = [];
      for (let i = first; i < end; i++) gets.push(['GET', keyOf(trace[i]!)]);
      conn.send(gets);
      const replies = await conn.replies(gets.length);
      const sets: string[][] = [];
      replies.forEach((reply, j) => {
        if (reply === '$-1') {
          sets.push(['SET', keyOf(trace[first + j]!), VALUE]);
          return;
        }
        hits++;
        if (first + j >= half) warmHits++;
      });
      if (sets.length > 0) {
        conn.send(sets);
        for (const reply of await conn.replies(sets.length)) if (reply.startsWith('-OOM')) oomErrors++;
      }
      if (batch % 16 === 0) maxUsedSeen = Math.max(maxUsedSeen, await infoField(conn, 'used_memory'));
      if (batch % 4096 === 0 && batch > 0) log(`  ${server.name} ${policy}: ${first} of ${trace.length} requests, ${((hits / first) * 100).toFixed(2)}% hits`);
    }
    const seconds = (performance.now() - started) / 1000;
    maxUsedSeen = Math.max(maxUsedSeen, await infoField(conn, 'used_memory'));
    const keysHeld = Number((await conn.call('DBSIZE')).slice(1));
    return {
      hitRatio: hits / trace.length,
      warmHitRatio: warmHits / (trace.length - half),
      keysHeld,
      maxmemory,
      maxUsedSeen,
      peak: await infoField(conn, 'used_memory_peak'),
      oomErrors,
      seconds,
    };
  } finally {
    conn.close();
    await server.stop();
  }
}

const pct = (value: number) => `${(value * 100).toFixed(2)}%`;

/**
 * Starts a server, trying again on failure: other benchmarks on this shared machine may take
 * a port of the range between the probe and the listen.
 */
function retrying(start: () => Promise<BenchServer>): () => Promise<BenchServer> {
  return async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (error) {
        if (attempt === 5) throw error;
        log(`start failed (${error instanceof Error ? error.message : String(error)}), trying again`);
      }
    }
  };
}

async function hitRatio(): Promise<string> {
  log(`Zipf(${ZIPF_EXPONENT}) trace: ${REQUESTS} requests over ${KEYS} keys`);
  const trace = zipfTrace(KEYS, REQUESTS, ZIPF_EXPONENT, SEED);
  const sides = [
    { name: 'mnemo', start: retrying(startMnemo) },
    { name: 'redis', start: retrying(startRedis) },
  ] as const;
  const limits = new Map<string, number>();
  for (const side of sides) {
    limits.set(side.name, await tenPercentLimit(side.start));
    log(`${side.name}: maxmemory ${limits.get(side.name)} (what ${KEYS / 10} of the keys take)`);
  }
  const rows: string[][] = [];
  for (const policy of POLICIES) {
    const results = new Map<string, HitRatioResult>();
    for (const side of sides) {
      log(`${side.name} ${policy} ...`);
      results.set(side.name, await replay(side.start, policy, limits.get(side.name)!, trace));
    }
    for (const side of sides) {
      const r = results.get(side.name)!;
      rows.push([
        policy,
        side.name,
        pct(r.hitRatio),
        pct(r.warmHitRatio),
        count(r.keysHeld),
        count(r.maxmemory),
        `${pct(r.maxUsedSeen / r.maxmemory - 1)}`,
        `${pct(r.peak / r.maxmemory - 1)}`,
        count(r.oomErrors),
        f2(r.seconds),
      ]);
    }
  }
  return table(
    `Hit ratio: GET, SET on miss; Zipf(${ZIPF_EXPONENT}) over ${count(KEYS)} keys, ${count(REQUESTS)} requests, ${VALUE.length}-byte values, maxmemory 10% of the keys, samples ${SAMPLES}`,
    ['policy', 'server', 'hits', 'hits (2nd half)', 'keys held', 'maxmemory', 'max used over', 'peak over', 'OOM', 'seconds'],
    rows,
    [
      '"max used over": highest used_memory read after each batch of 64 requests, above maxmemory.',
      '"peak over": used_memory_peak above maxmemory; exact for Mnemo (every allocation), sampled by the cron for Redis.',
    ],
  );
}

async function throughputAtLimit(): Promise<string> {
  const requests = envInt('EVICT_REQUESTS', 200_000);
  const rounds = envInt('EVICT_ROUNDS', 3);
  const maxmemory = process.env.EVICT_MAXMEMORY ?? '64mb';
  const servers = [await retrying(startMnemo)(), await retrying(startRedis)()];
  const rows: string[][] = [];
  try {
    for (const server of servers) {
      const conn = await Connection.open(server);
      await conn.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await conn.call('CONFIG', 'SET', 'maxmemory', maxmemory);
      conn.close();
      // Fill to the limit first, so that every measured SET evicts.
      await runBenchmark(server, { test: 'set', requests: 2_000_000, pipeline: 16, clients: 50, keyspace: 1_000_000_000, dataSize: 100 });
    }
    for (const pipeline of [1, 16]) {
      const measured = new Map<string, { rps: number[]; cpu: number[] }>(servers.map((s) => [s.name, { rps: [], cpu: [] }]));
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          const n = requests * (pipeline === 1 ? 1 : 4);
          const result = await runBenchmark(server, { test: 'set', requests: n, pipeline, clients: 50, keyspace: 1_000_000_000, dataSize: 100 });
          measured.get(server.name)!.rps.push(result.rps);
          measured.get(server.name)!.cpu.push(cpuMicrosPerRequest(result.cpuTicks, n));
          log(`  SET at the limit -P ${pipeline} ${server.name}: ${Math.round(result.rps)} ops/s`);
        }
      }
      const mnemo = measured.get('mnemo')!;
      const redis = measured.get('redis')!;
      rows.push([
        `SET -P ${pipeline}`,
        count(median(mnemo.rps)),
        count(median(redis.rps)),
        x(ratio(median(mnemo.rps), median(redis.rps))),
        f2(median(mnemo.cpu)),
        f2(median(redis.cpu)),
        x(ratio(median(mnemo.cpu), median(redis.cpu))),
      ]);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return table(
    `Throughput while evicting: SET of new keys (-r 10^9, 100-byte values) at maxmemory ${maxmemory}, allkeys-lru, 50 clients`,
    ['test', 'mnemo ops/s', 'redis ops/s', 'ratio', 'mnemo CPU µs/req', 'redis CPU µs/req', 'CPU ratio'],
    rows,
    ['Targets: ops/s ratio at least 0.8x at -P 1; CPU ratio at most 1.6x at -P 16.'],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const parts = (process.env.EVICTION_BENCH ?? 'hitratio,throughput').split(',');
  if (parts.includes('hitratio')) console.log(await hitRatio());
  if (parts.includes('throughput')) console.log(await throughputAtLimit());
  process.exit(0);
}
