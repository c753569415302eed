// The printed tables and the JSON record of a benchmark run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatMemcachedRows, type MemcachedBenchRow } from './memcached.ts';
import type { PauseSummary } from './stats.ts';

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
  bytesPerKey: number;
  loadSeconds: number;
  /** Mnemo's JS heap after the load, for telling heap from off-heap memory. */
  heapUsed?: number;
  external?: number;
  arrayBuffers?: number;
  error?: string;
}

export interface MemoryRow {
  keys: number;
  mnemo: MemorySide;
  redis: MemorySide;
  /** Mnemo bytes per key divided by Redis bytes per key. */
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
  /** Mnemo's Memcached front against memcached (bench/memcached.ts). */
  memcached?: MemcachedBenchRow[];
  memcachedError?: string;
}

const fixed = (digits: number) => (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);
const f1 = fixed(1);
const f2 = fixed(2);
const count = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : Math.round(value).toLocaleString('en-US');
const x = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}x`);

function table(title: string, header: string[], rows: string[][], notes: string[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes, ''].join('\n');
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
        `Memory (RSS growth for keys of 16 bytes with ${report.settings.valueBytes}-byte values)`,
        ['keys', 'mnemo B/key', 'redis B/key', 'ratio', 'mnemo load s', 'redis load s', 'mnemo heap MB'],
        report.memory.map((r) => [
          count(r.keys), f1(r.mnemo.bytesPerKey), f1(r.redis.bytesPerKey), x(r.ratio), f2(r.mnemo.loadSeconds),
          f2(r.redis.loadSeconds), r.mnemo.heapUsed === undefined ? '-' : f1(r.mnemo.heapUsed / 2 ** 20),
        ]),
        report.memory.flatMap((r) =>
          [r.mnemo, r.redis].flatMap((side, i) => (side.error ? [`  ${count(r.keys)} keys ${i ? 'redis' : 'mnemo'}: ${side.error}`] : [])),
        ),
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
  if (report.memcached !== undefined) {
    parts.push(`Memcached protocol (bench/memcached.ts, medians of ${report.settings.memcachedRounds} interleaved rounds)\n${formatMemcachedRows(report.memcached)}\n`);
  }
  if (report.memcachedError !== undefined) parts.push(`Memcached protocol: failed: ${report.memcachedError}\n`);
  return parts.join('\n');
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
