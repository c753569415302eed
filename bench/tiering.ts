// Hybrid storage: a dataset five times the hot budget, read and written as a skewed workload,
// on three servers: Mnemo with everything in memory (the baseline), Mnemo with tiering (the
// budget as tiering-max-memory), and redis-server with the budget as maxmemory (allkeys-lru),
// which must evict.
//
// Dataset: TIERING_KEYS keys (200000) of 1 KB values. The budget is a fifth of the used_memory
// the all-in-memory Mnemo reports once loaded. Workload: TIERING_REQUESTS requests (400000)
// whose key ranks follow Zipf(0.99) (the seeded trace of bench/eviction.ts), 90% GET and 10%
// SET of a new 1 KB value, from 50 clients with one request in flight each. A GET that misses
// (Redis evicted the key) is followed by the SET a cache would make.
//
// Reported per server: hit ratio, throughput, CPU µs per request (/proc), p50/p99 of GETs,
// RSS at the end and at its highest (sampled every 100 ms). For the tiered Mnemo, GETs are
// split into hot and cold reads: a read is cold when its key was on disk when the run started
// (TIERING.WHERE of every key) and this is the first read of it in the run; every other read
// counts as hot (a key demoted during the run and read again counts as hot: few, as the reads
// keep the hot keys hot).
//
// Run: node --import tsx bench/tiering.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Connection, zipfTrace } from './eviction.ts';
import { cpuMicrosPerRequest, cpuTicks, rssBytes } from './proc.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { percentile } from './stats.ts';
import { count, f1, f2, table, x } from './table.ts';
import { envInt } from './env.ts';

const KEYS = envInt('TIERING_KEYS', 200_000);
const REQUESTS = envInt('TIERING_REQUESTS', 400_000);
const CLIENTS = 50;
const WRITE_SHARE = 0.1;
const VALUE_BYTES = 1024;
const LOAD_BATCH = 256;
const log = (message: string) => console.error(message);

const keyOf = (rank: number) => `key:${rank}`;
/** A 1 KB value that says which key and which write it is. */
const valueOf = (rank: number, version: number) => `${rank}:${version}:`.padEnd(VALUE_BYTES, 'v');

interface RunResult {
  name: string;
  hits: number;
  gets: number;
  requests: number;
  seconds: number;
  cpuUsPerRequest: number;
  getMs: number[];
  hotMs: number[];
  coldMs: number[];
  rssEnd: number;
  rssPeak: number;
  usedMemory: number;
  tiering: string;
}

async function info(conn: Connection, section: string, field: string): Promise<number> {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(await conn.bulk('INFO', section));
  return match === null ? 0 : Number(match[1]);
}

async function load(server: BenchServer): Promise<void> {
  const conn = await Connection.open(server);
  for (let first = 0; first < KEYS; first += LOAD_BATCH) {
    const sets: string[][] = [];
    for (let rank = first; rank < Math.min(first + LOAD_BATCH, KEYS); rank++) sets.push(['SET', keyOf(rank), valueOf(rank, 0)]);
    conn.send(sets);
    for (const reply of await conn.replies(sets.length)) if (reply.startsWith('-')) throw new Error(`load: ${reply}`);
  }
  // Let background demotion or eviction catch up before measuring.
  await conn.call('PING');
  await new Promise((resolve) => setTimeout(resolve, 500));
  conn.close();
}

/** Ranks whose value is on disk now (tiered Mnemo only). */
async function coldRanks(server: BenchServer): Promise<Uint8Array> {
  const conn = await Connection.open(server);
  const cold = new Uint8Array(KEYS);
  for (let first = 0; first < KEYS; first += LOAD_BATCH) {
    const asks: string[][] = [];
    for (let rank = first; rank < Math.min(first + LOAD_BATCH, KEYS); rank++) asks.push(['TIERING.WHERE', keyOf(rank)]);
    conn.send(asks);
    const replies = await conn.replies(asks.length);
    // A bulk reply's first line is its length: "$4" is "cold" (and "hot" is "$3").
    replies.forEach((reply, i) => (cold[first + i] = reply === '$4' ? 1 : 0));
  }
  conn.close();
  return cold;
}

async function run(name: string, server: BenchServer, trace: Int32Array, cold: Uint8Array | null): Promise<RunResult> {
  const conns = await Promise.all(Array.from({ length: CLIENTS }, () => Connection.open(server, true)));
  const admin = await Connection.open(server);
  const read = new Uint8Array(KEYS);
  const getMs: number[] = [];
  const hotMs: number[] = [];
  const coldMs: number[] = [];
  let hits = 0;
  let gets = 0;
  let requests = 0;
  let next = 0;
  let version = 1;
  let rssPeak = rssBytes(server.pid);
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(server.pid))), 100);
  // The same decisions for every server: request i is a write when this hash of i says so.
  const isWrite = (i: number) => ((Math.imul(i, 0x9e3779b1) >>> 0) / 4294967296) < WRITE_SHARE;
  const ticksBefore = cpuTicks(server.pid);
  const started = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      for (let i = next++; i < trace.length; i = next++) {
        const rank = trace[i]!;
        if (isWrite(i)) {
          await conn.call('SET', keyOf(rank), valueOf(rank, version++));
          requests++;
          continue;
        }
        const sent = performance.now();
        conn.send([['GET', keyOf(rank)]]);
        const [reply] = await conn.replies(1);
        const ms = performance.now() - sent;
        requests++;
        gets++;
        getMs.push(ms);
        if (cold !== null) (cold[rank] === 1 && read[rank] === 0 ? coldMs : hotMs).push(ms);
        read[rank] = 1;
        if (reply !== '$-1') hits++;
        else {
          await conn.call('SET', keyOf(rank), valueOf(rank, version++));
          requests++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuMicrosPerRequest(cpuTicks(server.pid) - ticksBefore, requests);
  clearInterval(sampler);
  const rssEnd = rssBytes(server.pid);
  const usedMemory = await info(admin, 'memory', 'used_memory');
  const tiering = cold === null ? '' : await admin.bulk('INFO', 'tiering');
  for (const conn of conns) conn.close();
  admin.close();
  return { name, hits, gets, requests, seconds, cpuUsPerRequest: cpu, getMs, hotMs, coldMs, rssEnd, rssPeak: Math.max(rssPeak, rssEnd), usedMemory, tiering };
}

const mb = (bytes: number) => f1(bytes / 1048576);
const ms = (values: number[], p: number) => {
  const value = percentile(values, p);
  return value === null ? '-' : f2(value);
};

async function main(): Promise<void> {
  log(`tiering bench: ${KEYS} keys of ${VALUE_BYTES} bytes, ${REQUESTS} requests, ${CLIENTS} clients`);
  const trace = zipfTrace(KEYS, REQUESTS, 0.99, 0x5eed);
  const results: RunResult[] = [];
  const empty = await startMnemo();
  const emptyRss = rssBytes(empty.pid);
  await empty.stop();

  const inMemory = await startMnemo();
  let budget: number;
  try {
    await load(inMemory);
    const conn = await Connection.open(inMemory);
    budget = Math.floor((await info(conn, 'memory', 'used_memory')) / 5);
    conn.close();
    log(`all in memory: loaded; the hot budget is a fifth of its used_memory: ${budget} bytes`);
    results.push(await run('mnemo, all in memory', inMemory, trace, null));
  } finally {
    await inMemory.stop();
  }

  const dir = mkdtempSync(join(tmpdir(), 'mnemo-bench-tier-'));
  const tiered = await startMnemo([
    ['tiering-enabled', 'yes'],
    ['tiering-dir', dir],
    ['tiering-max-memory', String(budget)],
  ]);
  try {
    await load(tiered);
    const cold = await coldRanks(tiered);
    log(`tiered: loaded, ${cold.reduce((n, c) => n + c, 0)} of ${KEYS} keys cold`);
    results.push(await run('mnemo, tiered', tiered, trace, cold));
  } finally {
    await tiered.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const redis = await startRedis([
    ['maxmemory', String(budget)],
    ['maxmemory-policy', 'allkeys-lru'],
  ]);
  try {
    await load(redis);
    log('redis: loaded (evicting)');
    results.push(await run('redis, maxmemory (allkeys-lru)', redis, trace, null));
  } finally {
    await redis.stop();
  }

  const [base, tier, red] = results as [RunResult, RunResult, RunResult];
  const rows = results.map((r) => [
    r.name,
    `${f2((r.hits / r.gets) * 100)}%`,
    count(Math.round(r.requests / r.seconds)),
    f1(r.cpuUsPerRequest),
    ms(r.getMs, 50),
    ms(r.getMs, 99),
    r.hotMs.length === 0 ? '-' : ms(r.hotMs, 99),
    r.coldMs.length === 0 ? '-' : `${ms(r.coldMs, 99)} (${r.coldMs.length})`,
    mb(r.usedMemory),
    mb(r.rssEnd),
    mb(r.rssPeak),
  ]);
  console.log(
    table(
      `Hybrid storage: ${KEYS} keys x 1 KB, hot budget ${mb(budget)} MB (a fifth of the dataset's used_memory), Zipf(0.99), 10% writes, ${CLIENTS} clients`,
      ['server', 'GET hits', 'ops/s', 'CPU µs/req', 'GET p50 ms', 'GET p99 ms', 'hot p99 ms', 'cold p99 ms (reads)', 'used_memory MB', 'RSS end MB', 'RSS peak MB'],
      rows,
      [
        `An empty Mnemo's RSS: ${mb(emptyRss)} MB. Tiered RSS over budget + empty RSS: ${x(tier.rssPeak / (budget + emptyRss))}.`,
        `Tiered vs all in memory: throughput ${x(tier.requests / tier.seconds / (base.requests / base.seconds))}, hot-read p99 ${x((percentile(tier.hotMs, 99) ?? 0) / (percentile(base.getMs, 99) ?? 1))}.`,
        `Redis hit ratio under the same budget: ${f2((red.hits / red.gets) * 100)}% (Mnemo tiered: ${f2((tier.hits / tier.gets) * 100)}%).`,
        `Targets: tiered RSS within budget + 10%; every key readable; hot p99 at most 1.2x all-in-memory; throughput at least 0.5x.`,
        'INFO tiering after the tiered run:',
        ...tier.tiering.split('\r\n').filter((line) => /^tiering_(cold|hot|promotions|demotions|disk_reads|errors)/.test(line)),
      ],
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
  process.exit(0);
}
