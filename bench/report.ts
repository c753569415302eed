// The printed tables and the JSON record of a benchmark run.

import { rdbTable, type RdbFigures } from './rdb.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatMemcachedRows, type MemcachedBenchRow } from './memcached.ts';
import { formatAofRows, type AofBenchRow } from './aof.ts';
import { formatPubsubRows, type PubsubBenchRow } from './pubsub.ts';
import { formatReplication, type ReplicationFigures } from './replication.ts';
import { formatTlsRows, type TlsBenchRow } from './tls.ts';
import { formatLatencyRuns, type LatencyRun } from './latency.ts';
import type { PauseSummary } from './stats.ts';
import { count, f1, f2, table, x } from './table.ts';

/** One server's figures for one (test, pipeline) over all rounds: medians of the rounds. */
export interface SideSummary {
  rps: number | null;
  cpuMicrosPerRequest: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  rounds: number;
  /** Why there are no figures (command unsupported, run failed). */
  error?: string;
}

export interface ThroughputRow {
  test: string;
  pipeline: number;
  requests: number;
  mnemo: SideSummary;
  redis: SideSummary;
  /** Mnemo ops/s divided by Redis ops/s. */
  rpsRatio: number | null;
  /** Mnemo CPU per request divided by Redis CPU per request (below 1: Mnemo is cheaper). */
  cpuRatio: number | null;
  /** Mnemo's GC pauses over all its runs of this row. */
  mnemoGc: PauseSummary;
}

export interface MemorySide {
  rssBefore: number;
  rssAfter: number;
  /** RSS growth divided by the items loaded. */
  bytesPerItem: number;
  loadSeconds: number;
  /** Mnemo's JS heap after the load, for telling heap from off-heap memory. */
  heapUsed?: number;
  external?: number;
  arrayBuffers?: number;
  error?: string;
}

/** One data set (bench/workloads.ts) loaded into both servers. */
export interface MemoryRow {
  case: string;
  /** What an item is: key, field, member. */
  unit: string;
  describe: string;
  items: number;
  mnemo: MemorySide;
  redis: MemorySide;
  /** Mnemo bytes per item divided by Redis bytes per item. */
  ratio: number | null;
}

export interface LatencySide {
  requests: number;
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  cpuMicrosPerRequest: number | null;
  error?: string;
}

export interface LatencyRow {
  test: string;
  keys: number;
  mnemo: LatencySide;
  redis: LatencySide;
  /** Mnemo's GC pauses during its run. */
  mnemoGc: PauseSummary;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; loadAverageStart: number[]; loadAverageEnd: number[]; node: string; redisServer: string };
  settings: Record<string, number | string | boolean>;
  throughput: ThroughputRow[];
  memory: MemoryRow[];
  largeKeyspace: LatencyRow[];
  /** The same runs' latency histograms and Mnemo's pause sources (bench/latency.ts). */
  largeKeyspaceRuns?: LatencyRun[];
  /** Mnemo's Memcached front against memcached (bench/memcached.ts). */
  memcached?: MemcachedBenchRow[];
  memcachedError?: string;
  /** Writes with appendonly yes against redis-server with the same settings (bench/aof.ts). */
  aof?: AofBenchRow[];
  aofError?: string;
  /** PUBLISH to 1, 10 and 100 subscribers (bench/pubsub.ts). */
  pubsub?: PubsubBenchRow[];
  pubsubError?: string;
  /** A primary with replicas, full and partial syncs (bench/replication.ts). */
  replication?: ReplicationFigures;
  replicationError?: string;
  /** SET and GET over TLS against redis-server with a tls-port (bench/tls.ts). */
  tls?: TlsBenchRow[];
  tlsError?: string;
  /** SAVE and start-up load of N small keys (bench/rdb.ts). */
  rdb?: { keys: number; figures: RdbFigures[] };
}


/** The targets of the issues: throughput at -P 1, CPU per request at -P 16. */
export const TARGETS = { minRpsRatioP1: 0.8, maxCpuRatioP16: 1.6 };

/** The rows that miss a target, as notes. */
export function targetMisses(rows: readonly ThroughputRow[]): string[] {
  return rows.flatMap((r) => {
    if (r.pipeline === 1 && r.rpsRatio !== null && r.rpsRatio < TARGETS.minRpsRatioP1) {
      return [`${r.test.toUpperCase()} -P 1: ops/s ratio ${x(r.rpsRatio)} < ${TARGETS.minRpsRatioP1}`];
    }
    if (r.pipeline > 1 && r.cpuRatio !== null && r.cpuRatio > TARGETS.maxCpuRatioP16) {
      return [`${r.test.toUpperCase()} -P ${r.pipeline}: cpu ratio ${x(r.cpuRatio)} > ${TARGETS.maxCpuRatioP16}`];
    }
    return [];
  });
}

export function formatReport(report: BenchReport): string {
  const parts: string[] = [];
  const { machine } = report;
  parts.push(
    `Mnemo vs ${machine.redisServer} on ${machine.cpus} CPUs, Node ${machine.node}; ` +
      `load average ${machine.loadAverageStart.map(f2).join(' ')} at start, ${machine.loadAverageEnd.map(f2).join(' ')} at end\n`,
  );
  if (report.throughput.length > 0) {
    const rounds = report.settings.rounds;
    parts.push(
      table(
        `Throughput (redis-benchmark, ${report.settings.clients} clients, -r ${report.settings.keyspace}; medians of ${rounds} interleaved rounds)`,
        ['test', 'P', 'mnemo ops/s', 'redis ops/s', 'ratio', 'mnemo cpu µs/req', 'redis cpu µs/req', 'cpu ratio', 'mnemo p99 ms', 'redis p99 ms', 'mnemo gc max ms'],
        report.throughput.map((r) => [
          r.test.toUpperCase(), String(r.pipeline), count(r.mnemo.rps), count(r.redis.rps), x(r.rpsRatio),
          f2(r.mnemo.cpuMicrosPerRequest), f2(r.redis.cpuMicrosPerRequest), x(r.cpuRatio), f2(r.mnemo.p99Ms), f2(r.redis.p99Ms),
          f1(r.mnemoGc.maxMs),
        ]),
        [
          ...(report.throughput.some((r) => r.test === 'mset') ? ['  (one MSET request sets 10 keys)'] : []),
          ...(report.throughput.some((r) => r.test.startsWith('lrange')) ? ['  (LRANGE_n reads the first n 3-byte elements of a 10,000-element list)'] : []),
          `  targets: ops/s ratio >= ${TARGETS.minRpsRatioP1} at -P 1, cpu ratio <= ${TARGETS.maxCpuRatioP16}x at -P 16; ` +
            `${targetMisses(report.throughput).length === 0 ? 'all met' : 'missed:'}`,
          ...targetMisses(report.throughput).map((miss) => `    ${miss}`),
          ...report.throughput.flatMap((r) =>
            [r.mnemo, r.redis].flatMap((side, i) => (side.error ? [`  ${r.test.toUpperCase()} -P ${r.pipeline} ${i ? 'redis' : 'mnemo'}: ${side.error}`] : [])),
          ),
        ],
      ),
    );
  }
  if (report.memory.length > 0) {
    parts.push(
      table(
        'Memory (RSS growth per item loaded)',
        ['case', 'items', 'unit', 'mnemo B/item', 'redis B/item', 'ratio', 'mnemo load s', 'redis load s', 'mnemo heap MB'],
        report.memory.map((r) => [
          r.case, count(r.items), r.unit, f1(r.mnemo.bytesPerItem), f1(r.redis.bytesPerItem), x(r.ratio), f2(r.mnemo.loadSeconds),
          f2(r.redis.loadSeconds), r.mnemo.heapUsed === undefined ? '-' : f1(r.mnemo.heapUsed / 2 ** 20),
        ]),
        [
          ...[...new Map(report.memory.map((r) => [r.case, `  ${r.case}: ${r.describe}`])).values()],
          ...report.memory.flatMap((r) =>
            [r.mnemo, r.redis].flatMap((side, i) => (side.error ? [`  ${r.case}, ${count(r.items)} ${r.unit}s, ${i ? 'redis' : 'mnemo'}: ${side.error}`] : [])),
          ),
        ],
      ),
    );
  }
  if (report.largeKeyspace.length > 0) {
    parts.push(
      table(
        `Large keyspace latency (-P 1, ${report.settings.clients} clients, about ${report.settings.seconds} s per run)`,
        ['test', 'keys', 'server', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'cpu µs/req'],
        report.largeKeyspace.flatMap((r) =>
          (['mnemo', 'redis'] as const).map((name) => {
            const side = r[name];
            return [r.test.toUpperCase(), count(r.keys), name, count(side.rps), f2(side.p50Ms), f2(side.p99Ms), f2(side.maxMs), f2(side.cpuMicrosPerRequest)];
          }),
        ),
        report.largeKeyspace.map(
          (r) =>
            `  ${r.test.toUpperCase()}: Mnemo GC pauses ${r.mnemoGc.count}, median ${f2(r.mnemoGc.medianMs)} ms, ` +
            `p99 ${f2(r.mnemoGc.p99Ms)} ms, max ${f2(r.mnemoGc.maxMs)} ms, total ${f1(r.mnemoGc.totalMs)} ms` +
            (r.mnemo.error || r.redis.error ? `; errors: ${[r.mnemo.error, r.redis.error].filter(Boolean).join('; ')}` : ''),
        ),
      ),
    );
  }
  if (report.largeKeyspaceRuns !== undefined) parts.push(formatLatencyRuns(report.largeKeyspaceRuns, Number(report.settings.clients)));
  if (report.memcached !== undefined) {
    parts.push(formatMemcachedRows(`Memcached protocol (bench/memcached.ts, medians of ${report.settings.memcachedRounds} interleaved rounds)`, report.memcached));
  }
  if (report.memcachedError !== undefined) parts.push(`Memcached protocol: failed: ${report.memcachedError}\n`);
  if (report.aof !== undefined) parts.push(formatAofRows(report.aof));
  if (report.aofError !== undefined) parts.push(`Append-only file: failed: ${report.aofError}\n`);
  if (report.pubsub !== undefined) {
    parts.push(formatPubsubRows(`PUBLISH fan-out (bench/pubsub.ts, medians of ${report.settings.pubsubRounds} interleaved rounds)`, report.pubsub));
  }
  if (report.pubsubError !== undefined) parts.push(`PUBLISH fan-out: failed: ${report.pubsubError}\n`);
  if (report.replication !== undefined) parts.push(formatReplication(report.replication));
  if (report.replicationError !== undefined) parts.push(`Replication: failed: ${report.replicationError}\n`);
  if (report.tls !== undefined) parts.push(formatTlsRows(`TLS (bench/tls.ts, medians of ${report.settings.memcachedRounds} interleaved rounds)`, report.tls));
  if (report.tlsError !== undefined) parts.push(`TLS: failed: ${report.tlsError}\n`);
  if (report.rdb !== undefined) parts.push(`${rdbTable(report.rdb.keys, report.rdb.figures)}\n`);
  return parts.join('\n');
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
