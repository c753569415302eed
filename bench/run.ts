// npm run bench: Mnemo side by side with a real redis-server, both driven by redis-benchmark.
//
// The machine may be shared and noisy, so runs alternate between the servers round after
// round, medians are reported, and each server's own CPU time per request (from /proc) is
// given next to throughput: it barely moves with the load of other processes.
//
// Knobs (environment): BENCH_ROUNDS (5), BENCH_REQUESTS (100000 at -P 1; scaled per test, see
// bench/workloads.ts), BENCH_CLIENTS (50), BENCH_KEYSPACE (-r, 100000), BENCH_TESTS (all of
// bench/workloads.ts), BENCH_KEYS (1000000, memory of strings), BENCH_COLLECTION_ITEMS
// (1000000, memory of hash fields and of sorted-set members), BENCH_FULL=1 or --full (adds
// 10M keys: memory and a large-keyspace latency run), BENCH_FULL_KEYS (10000000),
// BENCH_SECONDS (60, per latency run),
// BENCH_NODE_FLAGS (flags for Mnemo's node process), BENCH_MEMCACHED=0 (skips the Memcached
// comparison of bench/memcached.ts), BENCH_MEMCACHED_ROUNDS (3, also the rounds of bench/aof.ts),
// BENCH_AOF=0 (skips the appendonly-yes writes of bench/aof.ts), BENCH_PUBSUB=0 (skips PUBLISH
// fan-out, bench/pubsub.ts), BENCH_PUBSUB_DELIVERIES (300000), BENCH_PUBSUB_ROUNDS (3),
// BENCH_RDB_KEYS (1000000; 0 skips the SAVE/load comparison of bench/rdb.ts), BENCH_RDB_ROUNDS (3),
// BENCH_REPLICATION=0 (skips bench/replication.ts; its knobs are BENCH_REPLICATION_*),
// BENCH_TLS=0 (skips SET/GET over TLS of bench/tls.ts, which runs BENCH_MEMCACHED_ROUNDS rounds),
// BENCH_OUT (bench/results/latest.json).

import { rdbBench } from './rdb.ts';
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIELDS_PER_HASH, probe, VALUE_BYTES, ZADD_PAIRS } from './load.ts';
import { benchMemcached } from './memcached.ts';
import { latencyRun, type LatencyRun } from './latency.ts';
import { benchAof } from './aof.ts';
import { benchPubsub } from './pubsub.ts';
import { benchReplication, replicationSettings } from './replication.ts';
import { benchTls } from './tls.ts';
import { cpuMicrosPerRequest, rssBytes } from './proc.ts';
import { runBenchmark, type RunOptions, type RunResult } from './redis-benchmark.ts';
import {
  formatReport, writeReport, type BenchReport, type LatencyRow, type LatencySide, type MemoryRow, type MemorySide,
  type SideSummary, type ThroughputRow,
} from './report.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { median, ratio, summarizePauses } from './stats.ts';
import {
  DEFAULT_TESTS, HASH_FIELDS, requestsFor as scaledRequests, STREAM_ENTRIES, STRINGS, throughputTest, ZSET_MEMBERS, type MemoryCase,
} from './workloads.ts';
import { envInt } from './env.ts';

const full = process.env.BENCH_FULL === '1' || process.argv.includes('--full');
const settings = {
  full,
  rounds: envInt('BENCH_ROUNDS', 5),
  requests: envInt('BENCH_REQUESTS', 100_000),
  pipelines: '1,16',
  clients: envInt('BENCH_CLIENTS', 50),
  keyspace: envInt('BENCH_KEYSPACE', 100_000),
  tests: process.env.BENCH_TESTS ?? DEFAULT_TESTS,
  keys: envInt('BENCH_KEYS', 1_000_000),
  collectionItems: envInt('BENCH_COLLECTION_ITEMS', 1_000_000),
  fieldsPerHash: FIELDS_PER_HASH,
  zaddPairs: ZADD_PAIRS,
  fullKeys: envInt('BENCH_FULL_KEYS', 10_000_000),
  seconds: envInt('BENCH_SECONDS', 60),
  // Fewer rounds than the Redis comparison: its load generator is JavaScript and slower.
  memcachedRounds: envInt('BENCH_MEMCACHED_ROUNDS', 3),
  pubsubDeliveries: envInt('BENCH_PUBSUB_DELIVERIES', 300_000),
  pubsubRounds: envInt('BENCH_PUBSUB_ROUNDS', 3),
  rdbKeys: envInt('BENCH_RDB_KEYS', 1_000_000, true),
  rdbRounds: envInt('BENCH_RDB_ROUNDS', 3),
  valueBytes: VALUE_BYTES,
};
const PIPELINES = [1, 16];
const out = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));

const log = (message: string) => console.error(message);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startBoth(): Promise<[BenchServer, BenchServer]> {
  return [await startMnemo(), await startRedis()];
}

async function stopAll(servers: readonly BenchServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

/** Why `server` cannot run `test`, or null when it can. */
async function unsupported(server: BenchServer, test: string): Promise<string | null> {
  const args = throughputTest(test).probe;
  const reply = await probe(server, args);
  return reply.startsWith('-') ? `skipped, ${args[0]} answers ${reply.slice(1)}` : null;
}

/** What the throughput phase gathered, by server, test and pipeline depth. */
class Tally {
  private readonly runs = new Map<string, RunResult[]>();
  private readonly pauses = new Map<string, number[]>();
  private readonly errors = new Map<string, string>();

  private static key(server: BenchServer, test: string, pipeline?: number): string {
    return `${server.name} ${test} ${pipeline ?? 'any'}`;
  }

  /** Stops `test` on `server` at the given depth, or at every depth when none is given. */
  fail(server: BenchServer, test: string, why: string, pipeline?: number): void {
    this.errors.set(Tally.key(server, test, pipeline), why);
  }

  errorOf(server: BenchServer, test: string, pipeline: number): string | undefined {
    return this.errors.get(Tally.key(server, test)) ?? this.errors.get(Tally.key(server, test, pipeline));
  }

  add(server: BenchServer, test: string, pipeline: number, result: RunResult, pauses: number[]): void {
    const key = Tally.key(server, test, pipeline);
    this.runs.set(key, [...(this.runs.get(key) ?? []), result]);
    this.pauses.set(key, [...(this.pauses.get(key) ?? []), ...pauses]);
  }

  row([mnemo, redis]: readonly [BenchServer, BenchServer], test: string, pipeline: number): ThroughputRow {
    const requests = requestsFor(test, pipeline);
    const side = (server: BenchServer): SideSummary => {
      const runs = this.runs.get(Tally.key(server, test, pipeline)) ?? [];
      const error = this.errorOf(server, test, pipeline);
      return {
        rps: median(runs.map((r) => r.rps)),
        cpuMicrosPerRequest: median(runs.map((r) => cpuMicrosPerRequest(r.cpuTicks, requests))),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        maxMs: median(runs.map((r) => r.maxMs)),
        rounds: runs.length,
        ...(error === undefined ? {} : { error }),
      };
    };
    const [m, r] = [side(mnemo), side(redis)];
    return {
      test,
      pipeline,
      requests,
      mnemo: m,
      redis: r,
      rpsRatio: ratio(m.rps, r.rps),
      cpuRatio: ratio(m.cpuMicrosPerRequest, r.cpuMicrosPerRequest),
      mnemoGc: summarizePauses(this.pauses.get(Tally.key(mnemo, test, pipeline)) ?? []),
    };
  }
}

function benchOptions(test: string, pipeline: number, requests = requestsFor(test, pipeline)): RunOptions {
  const { command } = throughputTest(test);
  return { test, pipeline, requests, clients: settings.clients, keyspace: settings.keyspace, ...(command ? { command } : {}) };
}

async function throughput(): Promise<ThroughputRow[]> {
  const tests = settings.tests.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  tests.forEach(throughputTest);
  const servers = await startBoth();
  const tally = new Tally();
  try {
    for (const server of servers) {
      for (const test of tests) {
        const why = await unsupported(server, test);
        if (why !== null) {
          tally.fail(server, test, why);
          continue;
        }
        try {
          await throughputTest(test).prepare?.(server);
        } catch (error) {
          tally.fail(server, test, `failed to prepare: ${errorText(error)}`);
        }
      }
    }
    // One unrecorded run of each test lets Mnemo's JIT compile its hot paths first.
    for (const server of servers) {
      for (const test of tests) {
        if (tally.errorOf(server, test, 16) !== undefined) continue;
        try {
          await runBenchmark(server, benchOptions(test, 16, requestsFor(test, 1)));
        } catch (error) {
          tally.fail(server, test, `failed in warm-up: ${errorText(error)}`);
        }
      }
    }
    for (let round = 1; round <= settings.rounds; round++) {
      // Alternating who goes first cancels a drift of the machine's load within a round.
      const order = round % 2 === 1 ? servers : [servers[1], servers[0]];
      for (const pipeline of PIPELINES) {
        for (const test of tests) {
          for (const server of order) {
            if (tally.errorOf(server, test, pipeline) !== undefined) continue;
            const label = `round ${round}/${settings.rounds}  ${test.toUpperCase().padEnd(10)} -P ${String(pipeline).padEnd(2)}  ${server.name.padEnd(5)}`;
            try {
              await server.takeGcPauses?.();
              const result = await runBenchmark(server, benchOptions(test, pipeline));
              tally.add(server, test, pipeline, result, (await server.takeGcPauses?.()) ?? []);
              const cpu = cpuMicrosPerRequest(result.cpuTicks, requestsFor(test, pipeline));
              log(`${label}  ${Math.round(result.rps).toLocaleString('en-US').padStart(9)} ops/s  ${cpu.toFixed(2).padStart(6)} µs cpu/req`);
            } catch (error) {
              tally.fail(server, test, `failed: ${errorText(error)}`, pipeline);
              log(`${label}  ${errorText(error)}`);
            }
          }
        }
      }
    }
    return PIPELINES.flatMap((pipeline) => tests.map((test) => tally.row(servers, test, pipeline)));
  } finally {
    await stopAll(servers);
  }
}

function requestsFor(test: string, pipeline: number): number {
  return scaledRequests(test, pipeline, settings.requests);
}

/** Loads `items` items of a memory case into a server and measures how much its RSS grew. */
async function measureMemory(server: BenchServer, memoryCase: MemoryCase, items: number): Promise<MemorySide> {
  const rssBefore = rssBytes(server.pid);
  const started = performance.now();
  try {
    await memoryCase.load(server, items);
  } catch (error) {
    return { rssBefore, rssAfter: rssBytes(server.pid), bytesPerItem: NaN, loadSeconds: NaN, error: errorText(error) };
  }
  const loadSeconds = (performance.now() - started) / 1000;
  // Let the allocators and the GC settle what the load left behind.
  await sleep(1000);
  const rssAfter = rssBytes(server.pid);
  const heap = server.memoryUsage ? await server.memoryUsage() : undefined;
  log(`loaded ${items.toLocaleString('en-US')} ${memoryCase.unit}s into ${server.name} in ${loadSeconds.toFixed(2)} s`);
  return {
    rssBefore,
    rssAfter,
    bytesPerItem: (rssAfter - rssBefore) / items,
    loadSeconds,
    ...(heap ? { heapUsed: heap.heapUsed, external: heap.external, arrayBuffers: heap.arrayBuffers } : {}),
  };
}

async function memoryRow(servers: readonly [BenchServer, BenchServer], memoryCase: MemoryCase, items: number): Promise<MemoryRow> {
  const [mnemo, redis] = [await measureMemory(servers[0], memoryCase, items), await measureMemory(servers[1], memoryCase, items)];
  const { name, unit, describe } = memoryCase;
  return { case: name, unit, describe, items, mnemo, redis, ratio: ratio(mnemo.bytesPerItem, redis.bytesPerItem) };
}

/** Each case on fresh servers, so that none inherits another's freed memory. */
async function memory(memoryCase: MemoryCase, items: number): Promise<MemoryRow> {
  const servers = await startBoth();
  try {
    return await memoryRow(servers, memoryCase, items);
  } finally {
    await stopAll(servers);
  }
}

/** A latency run as a row of the large-keyspace table. */
function latencySide(run: LatencyRun): LatencySide {
  if (run.run === undefined) return { requests: 0, rps: null, p50Ms: null, p99Ms: null, maxMs: null, cpuMicrosPerRequest: null, error: run.error ?? 'failed' };
  const { requests, rps, p50Ms, p99Ms, maxMs, cpuMicrosPerRequest } = run.run;
  return { requests, rps, p50Ms, p99Ms, maxMs, cpuMicrosPerRequest };
}

/** The full mode: memory at a large key count, then GET and SET latency over those keys. */
async function largeKeyspace(keys: number): Promise<{ memory: MemoryRow; latency: LatencyRow[]; runs: LatencyRun[] }> {
  const servers = await startBoth();
  try {
    const memoryResult = await memoryRow(servers, STRINGS, keys);
    const latency: LatencyRow[] = [];
    const runs: LatencyRun[] = [];
    for (const test of ['get', 'set']) {
      const [m, r] = [
        await latencyRun(servers[0], test, keys, settings.seconds, settings.clients),
        await latencyRun(servers[1], test, keys, settings.seconds, settings.clients),
      ];
      log(`${test.toUpperCase()} over ${keys.toLocaleString('en-US')} keys: p99 ${m.run?.p99Ms ?? '-'} ms (mnemo), ${r.run?.p99Ms ?? '-'} ms (redis)`);
      const gc = Object.values(m.pauses?.gc ?? {}).flat();
      latency.push({ test, keys, mnemo: latencySide(m), redis: latencySide(r), mnemoGc: summarizePauses(gc) });
      runs.push(m, r);
    }
    return { memory: memoryResult, latency, runs };
  } finally {
    await stopAll(servers);
  }
}

async function main(): Promise<void> {
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: {
      cpus: cpus().length,
      loadAverageStart: loadavg(),
      loadAverageEnd: [],
      node: process.versions.node,
      redisServer: execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[0].replace('v=', 'Redis ') ?? 'redis-server',
    },
    settings,
    throughput: [],
    memory: [],
    largeKeyspace: [],
  };
  log(`Mnemo vs ${report.machine.redisServer}: ${full ? 'full' : 'default'} run (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  report.memory.push(await memory(STRINGS, settings.keys));
  report.memory.push(await memory(HASH_FIELDS, settings.collectionItems));
  report.memory.push(await memory(ZSET_MEMBERS, settings.collectionItems));
  report.memory.push(await memory(STREAM_ENTRIES, settings.collectionItems));
  report.throughput = await throughput();
  if (full) {
    const large = await largeKeyspace(settings.fullKeys);
    report.memory.push(large.memory);
    report.largeKeyspace = large.latency;
    report.largeKeyspaceRuns = large.runs;
  }
  if (process.env.BENCH_MEMCACHED !== '0') {
    try {
      report.memcached = await benchMemcached({
        rounds: settings.memcachedRounds,
        requests: settings.requests,
        clients: settings.clients,
        keyspace: settings.keyspace,
        log,
      });
    } catch (error) {
      report.memcachedError = errorText(error);
    }
  }
  if (process.env.BENCH_AOF !== '0') {
    try {
      report.aof = await benchAof({ rounds: settings.memcachedRounds, requests: Math.max(1000, Math.floor(settings.requests / 2)), clients: settings.clients, log });
    } catch (error) {
      report.aofError = errorText(error);
    }
  }
  if (process.env.BENCH_PUBSUB !== '0') {
    try {
      report.pubsub = await benchPubsub({ deliveries: settings.pubsubDeliveries, rounds: settings.pubsubRounds, log });
    } catch (error) {
      report.pubsubError = errorText(error);
    }
  }
  if (process.env.BENCH_REPLICATION !== '0') {
    try {
      report.replication = await benchReplication(replicationSettings(), log);
    } catch (error) {
      report.replicationError = errorText(error);
    }
  }
  if (process.env.BENCH_TLS !== '0') {
    try {
      report.tls = await benchTls({ rounds: settings.memcachedRounds, requests: Math.max(1000, Math.floor(settings.requests / 2)), clients: settings.clients, log });
    } catch (error) {
      report.tlsError = errorText(error);
    }
  }
  if (settings.rdbKeys > 0) report.rdb = { keys: settings.rdbKeys, figures: await rdbBench(settings.rdbKeys, settings.rdbRounds) };
  report.machine.loadAverageEnd = loadavg();
  report.finishedAt = new Date().toISOString();
  console.log(formatReport(report));
  writeReport(out, report);
  console.log(`written to ${out}`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
