// Replication side by side: a Mnemo primary with Mnemo replicas against a redis-server primary
// with redis-server replicas, in three parts (the speed targets of the replication issue):
//
// 1. throughput: a primary with two replicas attached, redis-benchmark SET at -P 1 and -P 16;
//    median ops/s, the primary's CPU µs per request (and the replicas'), and meanwhile the
//    replication lag: a probe writes a sequence number to the primary and, once the primary
//    has answered, reads it back from the first replica until it shows there; the lag is the
//    time from the primary's answer to the replica showing it (so each sample also holds one
//    GET's round trip to the loaded replica).
// 2. sync: a fresh replica of a primary holding N keys (10-byte values): time from REPLICAOF
//    until the replica says master_link_status:up (both load the whole RDB before that), and
//    the replica's CPU time. Both diskless (Redis's default), with Redis's
//    repl-diskless-sync-delay at 0: Mnemo starts the transfer at once.
// 3. partial: a replica stopped (SIGSTOP) and its link killed on the primary (CLIENT KILL TYPE
//    replica), a SET load at -P 16 on the primary for 5 s, then the replica resumed: the
//    primary's sync_full and sync_partial_ok before and after, the stream the primary wrote
//    meanwhile, the bytes the replica read from its resumption until it had caught up
//    (/proc/<pid>/io rchar), and that time.
//
// Rounds alternate which server goes first. Part of `npm run bench` (skip with
// BENCH_REPLICATION=0); alone: node --import tsx bench/replication.ts
// Knobs: BENCH_REPLICATION_PARTS (throughput,sync,partial), BENCH_REPLICATION_ROUNDS (3),
// BENCH_REPLICATION_REQUESTS (50000 at -P 1, ten times that at -P 16),
// BENCH_REPLICATION_SYNC_KEYS (1000000), BENCH_REPLICATION_SYNC_ROUNDS (3), BENCH_CLIENTS (50).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { envInt } from './env.ts';
import { Connection } from './eviction.ts';
import { loadKeys } from './load.ts';
import { cpuMicrosPerRequest, cpuTicks } from './proc.ts';
import { benchmarkArgs, runBenchmark, type RunOptions, type RunResult } from './redis-benchmark.ts';
import { startMnemo, startRedis, track, type BenchServer } from './servers.ts';
import { median, percentile, ratio } from './stats.ts';
import { count, f2, table, x } from './table.ts';

type Kind = BenchServer['name'];
const KINDS: readonly Kind[] = ['mnemo', 'redis'];

export interface ReplicationSettings {
  parts: readonly string[];
  rounds: number;
  requests: number;
  clients: number;
  syncKeys: number;
  syncRounds: number;
}

export function replicationSettings(): ReplicationSettings {
  return {
    parts: (process.env.BENCH_REPLICATION_PARTS || 'throughput,sync,partial').split(',').map((p) => p.trim()),
    rounds: envInt('BENCH_REPLICATION_ROUNDS', 3),
    requests: envInt('BENCH_REPLICATION_REQUESTS', 50_000),
    clients: envInt('BENCH_CLIENTS', 50),
    syncKeys: envInt('BENCH_REPLICATION_SYNC_KEYS', 1_000_000),
    syncRounds: envInt('BENCH_REPLICATION_SYNC_ROUNDS', 3),
  };
}

export interface ReplicationThroughputSide {
  rps: number | null;
  primaryCpuMicros: number | null;
  /** Both replicas' CPU time per request on the primary, summed. */
  replicasCpuMicros: number | null;
  lagSamples: number;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  lagMaxMs: number | null;
}

export interface ReplicationThroughputRow {
  pipeline: number;
  requests: number;
  mnemo: ReplicationThroughputSide;
  redis: ReplicationThroughputSide;
}

export interface SyncSide {
  seconds: number[];
  replicaCpuSeconds: number[];
}

export interface PartialSide {
  syncFullBefore: number;
  syncFullAfter: number;
  syncPartialOkBefore: number;
  syncPartialOkAfter: number;
  /** master_repl_offset's growth while the replica was away. */
  streamBytesWhileAway: number;
  /** What the replica read (rchar) from SIGCONT until its offset reached the primary's. */
  bytesReadToCatchUp: number;
  /** From SIGCONT until caught up. */
  catchUpSeconds: number;
}

export interface ReplicationFigures {
  settings: ReplicationSettings;
  throughput?: ReplicationThroughputRow[];
  sync?: { keys: number; mnemo: SyncSide; redis: SyncSide };
  partial?: { awaySeconds: number; mnemo: PartialSide; redis: PartialSide };
}

const KEYSPACE = 100_000;
const LAG_KEY = 'bench:lag';
const LAG_PROBE_GAP_MS = 5;
const AWAY_MS = 5_000;
/** A partial resync needs the 5 s of -P 16 writes (tens of MB) in the backlog. */
const PARTIAL_BACKLOG = '256mb';
/** How long a replica may take to show a write, or to catch up, before the bench gives up. */
const CATCH_UP_MS = 120_000;
/** A full sync may take longer: 120 s plus 50 µs a key (10M keys: 10 minutes at most). */
const syncDeadlineMs = (keys: number) => CATCH_UP_MS + keys / 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startKind(kind: Kind, settings: string[][]): Promise<BenchServer> {
  return kind === 'mnemo' ? startMnemo(settings) : startRedis(settings);
}

/** Runs `use` with a connection to `server`, closed afterwards. */
async function withConnection<T>(server: BenchServer, use: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await Connection.open(server, true);
  try {
    return await use(conn);
  } finally {
    conn.close();
  }
}

async function info(server: BenchServer, section: string): Promise<Map<string, string>> {
  const text = await withConnection(server, (conn) => conn.bulk('INFO', section));
  return new Map(text.split('\r\n').flatMap((line) => (line.includes(':') ? [line.split(':', 2) as [string, string]] : [])));
}

async function infoNumber(server: BenchServer, section: string, field: string): Promise<number> {
  const value = (await info(server, section)).get(field);
  if (value === undefined) throw new Error(`${server.name} INFO ${section} has no ${field}`);
  return Number(value);
}

/** Polls until `done` holds, every few ms, for at most `ms`. */
async function until(what: string, done: () => Promise<boolean>, ms = CATCH_UP_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(5);
  }
}

const linkUp = async (replica: BenchServer) => (await info(replica, 'replication')).get('master_link_status') === 'up';

/** Waits until every replica's link is up and its offset is the primary's. */
async function caughtUp(primary: BenchServer, replicas: readonly BenchServer[]): Promise<void> {
  await until(`${primary.name} replicas in sync`, async () => {
    const offset = await infoNumber(primary, 'replication', 'master_repl_offset');
    for (const replica of replicas) {
      const fields = await info(replica, 'replication');
      if (fields.get('master_link_status') !== 'up' || Number(fields.get('slave_repl_offset')) < offset) return false;
    }
    return true;
  });
}

function replicaOf(replica: BenchServer, primary: BenchServer): Promise<string> {
  return withConnection(replica, (conn) => conn.call('REPLICAOF', primary.host, String(primary.port)));
}

/** The settings of every server: its own directory (Redis replicas write the RDB they load), no sync delay. */
function serverSettings(dir: string, name: string): string[][] {
  return [['dir', mkdtempSync(join(dir, `${name}-`))], ['repl-diskless-sync-delay', '0']];
}

/** A primary and its replicas, in a temporary directory. */
class Group {
  private constructor(
    readonly primary: BenchServer,
    readonly replicas: BenchServer[],
    private readonly dir: string,
  ) {}

  static async start(kind: Kind, replicaCount: number, primarySettings: string[][] = []): Promise<Group> {
    const dir = mkdtempSync(join(tmpdir(), `bench-replication-${kind}-`));
    const servers: BenchServer[] = [];
    try {
      servers.push(await startKind(kind, [...serverSettings(dir, 'primary'), ...primarySettings]));
      for (let i = 0; i < replicaCount; i++) servers.push(await startKind(kind, serverSettings(dir, `replica-${i}`)));
      const group = new Group(servers[0]!, servers.slice(1), dir);
      for (const replica of group.replicas) await replicaOf(replica, group.primary);
      await caughtUp(group.primary, group.replicas);
      return group;
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async addReplica(kind: Kind): Promise<BenchServer> {
    const replica = await startKind(kind, serverSettings(this.dir, `replica-${this.replicas.length}`));
    this.replicas.push(replica);
    return replica;
  }

  async removeReplica(replica: BenchServer): Promise<void> {
    this.replicas.splice(this.replicas.indexOf(replica), 1);
    await replica.stop();
  }

  async stop(): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((s) => s.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Lag samples (ms) while `running()`: SET LAG_KEY to the next number on the primary, then GET it
 * from the replica until it shows; the time from the primary's +OK to the replica showing it.
 */
async function probeLag(primary: BenchServer, replica: BenchServer, running: () => boolean): Promise<number[]> {
  const writer = await Connection.open(primary, true);
  const reader = await Connection.open(replica, true);
  const lags: number[] = [];
  try {
    for (let sequence = 1; running(); sequence++) {
      await writer.call('SET', LAG_KEY, String(sequence));
      const written = performance.now();
      while (Number(await reader.bulk('GET', LAG_KEY)) < sequence) {
        if (performance.now() - written > CATCH_UP_MS) throw new Error(`${replica.name} replica did not show a write within ${CATCH_UP_MS} ms`);
      }
      lags.push(performance.now() - written);
      await sleep(LAG_PROBE_GAP_MS);
    }
    return lags;
  } finally {
    writer.close();
    reader.close();
  }
}

interface ThroughputRun {
  result: RunResult;
  replicaTicks: number;
  lags: number[];
}

async function throughputRun(group: Group, options: RunOptions): Promise<ThroughputRun> {
  const { primary, replicas } = group;
  const replicaTicks = () => replicas.reduce((sum, r) => sum + cpuTicks(r.pid), 0);
  const ticksBefore = replicaTicks();
  let running = true;
  const benchmark = runBenchmark(primary, options).finally(() => (running = false));
  const [result, lags] = await Promise.allSettled([benchmark, probeLag(primary, replicas[0]!, () => running)]);
  if (result.status === 'rejected') throw result.reason;
  if (lags.status === 'rejected') throw lags.reason;
  // The replicas' work for this run ends once they have caught up.
  await caughtUp(primary, replicas);
  return { result: result.value, replicaTicks: replicaTicks() - ticksBefore, lags: lags.value };
}

async function throughput(settings: ReplicationSettings, log: (line: string) => void): Promise<ReplicationThroughputRow[]> {
  const groups = new Map<Kind, Group>();
  try {
    for (const kind of KINDS) {
      const group = await Group.start(kind, 2);
      groups.set(kind, group);
      // The lag probe reads LAG_KEY as a number from the start.
      await withConnection(group.primary, (conn) => conn.call('SET', LAG_KEY, '0'));
    }
    const rows: ReplicationThroughputRow[] = [];
    for (const pipeline of [1, 16]) {
      const requests = pipeline === 1 ? settings.requests : settings.requests * 10;
      const options: RunOptions = { test: 'set', pipeline, requests, clients: settings.clients, keyspace: KEYSPACE };
      const runs = new Map<Kind, ThroughputRun[]>(KINDS.map((kind) => [kind, []]));
      // One unrecorded run each warms Mnemo's JIT.
      for (const kind of KINDS) await throughputRun(groups.get(kind)!, { ...options, requests: Math.min(requests, 50_000) });
      for (let round = 0; round < settings.rounds; round++) {
        for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          const run = await throughputRun(groups.get(kind)!, options);
          runs.get(kind)!.push(run);
          log(
            `replication: SET -P ${pipeline} round ${round + 1}/${settings.rounds} ${kind.padEnd(5)} ${count(run.result.rps).padStart(9)} ops/s  ` +
              `primary ${cpuMicrosPerRequest(run.result.cpuTicks, requests).toFixed(2)} µs cpu/req  lag p99 ${f2(percentile(run.lags, 99))} ms (${run.lags.length} samples)`,
          );
        }
      }
      const side = (kind: Kind): ReplicationThroughputSide => {
        const mine = runs.get(kind)!;
        const lags = mine.flatMap((run) => run.lags);
        return {
          rps: median(mine.map((run) => run.result.rps)),
          primaryCpuMicros: median(mine.map((run) => cpuMicrosPerRequest(run.result.cpuTicks, requests))),
          replicasCpuMicros: median(mine.map((run) => cpuMicrosPerRequest(run.replicaTicks, requests))),
          lagSamples: lags.length,
          lagP50Ms: percentile(lags, 50),
          lagP99Ms: percentile(lags, 99),
          lagMaxMs: percentile(lags, 100),
        };
      };
      rows.push({ pipeline, requests, mnemo: side('mnemo'), redis: side('redis') });
    }
    return rows;
  } finally {
    await Promise.all([...groups.values()].map((group) => group.stop()));
  }
}

/** A fresh replica of `group`'s primary: seconds from REPLICAOF to master_link_status:up, and its CPU time. */
async function fullSyncOnce(kind: Kind, group: Group, keys: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const replica = await group.addReplica(kind);
  try {
    const ticks = cpuTicks(replica.pid);
    const started = performance.now();
    await replicaOf(replica, group.primary);
    await until(`${kind} full sync`, () => linkUp(replica), syncDeadlineMs(keys));
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuMicrosPerRequest(cpuTicks(replica.pid) - ticks, 1) / 1e6;
    const size = await withConnection(replica, (conn) => conn.call('DBSIZE'));
    if (size !== `:${keys}`) throw new Error(`${kind} replica holds ${size.slice(1)} keys after its sync, not ${keys}`);
    return { seconds, cpuSeconds };
  } finally {
    await group.removeReplica(replica);
  }
}

async function fullSync(settings: ReplicationSettings, log: (line: string) => void): Promise<{ keys: number; mnemo: SyncSide; redis: SyncSide }> {
  const keys = settings.syncKeys;
  const groups = new Map<Kind, Group>();
  const sides = new Map<Kind, SyncSide>(KINDS.map((kind) => [kind, { seconds: [], replicaCpuSeconds: [] }]));
  try {
    for (const kind of KINDS) {
      const group = await Group.start(kind, 0);
      groups.set(kind, group);
      await loadKeys(group.primary, keys);
      log(`replication: loaded ${count(keys)} keys into the ${kind} primary`);
    }
    for (let round = 0; round < settings.syncRounds; round++) {
      for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
        const { seconds, cpuSeconds } = await fullSyncOnce(kind, groups.get(kind)!, keys);
        sides.get(kind)!.seconds.push(seconds);
        sides.get(kind)!.replicaCpuSeconds.push(cpuSeconds);
        log(`replication: full sync of ${count(keys)} keys round ${round + 1}/${settings.syncRounds} ${kind.padEnd(5)} ${seconds.toFixed(2)} s (replica CPU ${cpuSeconds.toFixed(2)} s)`);
      }
    }
    return { keys, mnemo: sides.get('mnemo')!, redis: sides.get('redis')! };
  } finally {
    await Promise.all([...groups.values()].map((group) => group.stop()));
  }
}

/** Bytes the process has read (from sockets and files), /proc/<pid>/io's rchar. */
function readBytes(pid: number): number {
  const match = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (match === null) throw new Error(`no rchar in /proc/${pid}/io`);
  return Number(match[1]);
}

/** A SET load at -P 16 for `ms` against `server` (redis-benchmark, stopped after that time). */
async function loadFor(server: BenchServer, ms: number, clients: number): Promise<void> {
  const args = benchmarkArgs(server, { test: 'set', pipeline: 16, requests: 1_000_000_000, clients, keyspace: KEYSPACE });
  const child = track(spawn('redis-benchmark', args, { stdio: 'ignore' }));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await sleep(ms);
  child.kill('SIGKILL');
  await exited;
}

async function partialOnce(kind: Kind, clients: number): Promise<PartialSide> {
  const group = await Group.start(kind, 1, [['repl-backlog-size', PARTIAL_BACKLOG]]);
  const { primary } = group;
  const replica = group.replicas[0]!;
  try {
    const stats = async () => {
      const fields = await info(primary, 'stats');
      return { full: Number(fields.get('sync_full')), partial: Number(fields.get('sync_partial_ok')) };
    };
    const before = await stats();
    const offsetBefore = await infoNumber(primary, 'replication', 'master_repl_offset');
    process.kill(replica.pid, 'SIGSTOP');
    let offsetAfter: number;
    let readBefore: number;
    try {
      await withConnection(primary, (conn) => conn.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await loadFor(primary, AWAY_MS, clients);
      offsetAfter = await infoNumber(primary, 'replication', 'master_repl_offset');
      readBefore = readBytes(replica.pid);
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
    const resumed = performance.now();
    await caughtUp(primary, [replica]);
    const catchUpSeconds = (performance.now() - resumed) / 1000;
    const bytesReadToCatchUp = readBytes(replica.pid) - readBefore;
    const after = await stats();
    return {
      syncFullBefore: before.full,
      syncFullAfter: after.full,
      syncPartialOkBefore: before.partial,
      syncPartialOkAfter: after.partial,
      streamBytesWhileAway: offsetAfter - offsetBefore,
      bytesReadToCatchUp,
      catchUpSeconds,
    };
  } finally {
    await group.stop();
  }
}

async function partial(settings: ReplicationSettings, log: (line: string) => void): Promise<{ awaySeconds: number; mnemo: PartialSide; redis: PartialSide }> {
  const sides = new Map<Kind, PartialSide>();
  for (const kind of KINDS) {
    const side = await partialOnce(kind, settings.clients);
    sides.set(kind, side);
    log(
      `replication: partial resync ${kind}: sync_full ${side.syncFullBefore} -> ${side.syncFullAfter}, sync_partial_ok ${side.syncPartialOkBefore} -> ${side.syncPartialOkAfter}, ` +
        `${count(side.streamBytesWhileAway)} stream bytes while away, ${count(side.bytesReadToCatchUp)} bytes read to catch up in ${side.catchUpSeconds.toFixed(2)} s`,
    );
  }
  return { awaySeconds: AWAY_MS / 1000, mnemo: sides.get('mnemo')!, redis: sides.get('redis')! };
}

export async function benchReplication(settings: ReplicationSettings, log: (line: string) => void = (line) => console.error(line)): Promise<ReplicationFigures> {
  const figures: ReplicationFigures = { settings };
  if (settings.parts.includes('throughput')) figures.throughput = await throughput(settings, log);
  if (settings.parts.includes('sync')) figures.sync = await fullSync(settings, log);
  if (settings.parts.includes('partial')) figures.partial = await partial(settings, log);
  return figures;
}

export const REPLICATION_TARGETS = { minRpsRatio: 0.8, maxSyncRatio: 1.5, maxLagP99Ratio: 2 };

export function formatReplication(figures: ReplicationFigures): string {
  const parts: string[] = [];
  const { throughput: rows, sync, partial: resync } = figures;
  if (rows !== undefined) {
    parts.push(
      table(
        `Replication: SET on a primary with two replicas (bench/replication.ts, medians of ${figures.settings.rounds} interleaved rounds)`,
        ['P', 'mnemo ops/s', 'redis ops/s', 'ratio', 'mnemo primary µs/req', 'redis primary µs/req', 'mnemo replicas µs/req', 'redis replicas µs/req', 'mnemo lag p50/p99/max ms', 'redis lag p50/p99/max ms', 'lag p99 ratio'],
        rows.map((r) => {
          const lag = (side: ReplicationThroughputSide) => `${f2(side.lagP50Ms)}/${f2(side.lagP99Ms)}/${f2(side.lagMaxMs)}`;
          return [
            String(r.pipeline), count(r.mnemo.rps), count(r.redis.rps), x(ratio(r.mnemo.rps, r.redis.rps)),
            f2(r.mnemo.primaryCpuMicros), f2(r.redis.primaryCpuMicros), f2(r.mnemo.replicasCpuMicros), f2(r.redis.replicasCpuMicros),
            lag(r.mnemo), lag(r.redis), x(ratio(r.mnemo.lagP99Ms, r.redis.lagP99Ms)),
          ];
        }),
        [
          '  replicas µs/req: both replicas\' CPU time per request on the primary, until they caught up',
          '  lag: from the primary\'s +OK to a SET of a sequence number until a GET on a replica shows it (one GET round trip included)',
          `  targets: ops/s ratio >= ${REPLICATION_TARGETS.minRpsRatio} at -P 1 and -P 16; lag p99 ratio <= ${REPLICATION_TARGETS.maxLagP99Ratio} at -P 16`,
        ],
      ),
    );
  }
  if (sync !== undefined) {
    const [m, r] = [median(sync.mnemo.seconds), median(sync.redis.seconds)];
    parts.push(
      table(
        `Replication: full sync of ${count(sync.keys)} keys to a new replica (REPLICAOF to master_link_status:up, diskless, median of ${sync.mnemo.seconds.length})`,
        ['server', 'seconds', 'replica CPU s', 'rounds'],
        (['mnemo', 'redis'] as const).map((kind) => [kind, f2(median(sync[kind].seconds)), f2(median(sync[kind].replicaCpuSeconds)), sync[kind].seconds.map((s) => s.toFixed(2)).join(' ')]),
        [`  ratio ${x(ratio(m, r))} (target <= ${REPLICATION_TARGETS.maxSyncRatio})`],
      ),
    );
  }
  if (resync !== undefined) {
    parts.push(
      table(
        `Replication: partial resync after ${resync.awaySeconds} s away (SIGSTOP + CLIENT KILL TYPE replica) with SET -P 16 on the primary meanwhile`,
        ['server', 'sync_full', 'sync_partial_ok', 'stream bytes while away', 'bytes read to catch up', 'catch-up s'],
        (['mnemo', 'redis'] as const).map((kind) => {
          const side = resync[kind];
          return [
            kind, `${side.syncFullBefore} -> ${side.syncFullAfter}`, `${side.syncPartialOkBefore} -> ${side.syncPartialOkAfter}`,
            count(side.streamBytesWhileAway), count(side.bytesReadToCatchUp), f2(side.catchUpSeconds),
          ];
        }),
        ['  bytes read: /proc/<replica>/io rchar from SIGCONT until its offset reached the primary\'s (the backlog, plus the handshake)'],
      ),
    );
  }
  return parts.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatReplication(await benchReplication(replicationSettings())));
  process.exit(0);
}
