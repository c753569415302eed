// Tail latency over a large keyspace, side by side with redis-server: a latency histogram of
// each run (from redis-benchmark's own HDR histogram) and, for Mnemo, what paused it during the
// run: GC pauses by kind (PerformanceObserver), the event loop's delay (monitorEventLoopDelay)
// and the cron's runs (active expiry, rehash steps). `npm run bench -- --full` runs it after
// loading BENCH_FULL_KEYS; alone:
//   node --import tsx bench/latency.ts
// Knobs: LATENCY_KEYS (10000000), LATENCY_SECONDS (60 per run), LATENCY_TESTS (get,set),
// LATENCY_CLIENTS (50), LATENCY_ROUNDS (1; rounds alternate which server goes first),
// BENCH_LAUNCH (tsx or bundle, how the Mnemo child runs).

import { fileURLToPath } from 'node:url';
import { loadKeys, VALUE_BYTES } from './load.ts';
import type { PauseRecord } from './mnemo-child.ts';
import { cpuMicrosPerRequest, cpuTicks } from './proc.ts';
import { benchmarkArgs, runBenchmark, runTool, type RunOptions } from './redis-benchmark.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { percentile } from './stats.ts';
import { count, f2, table } from './table.ts';
import { envInt } from './env.ts';

/** Upper bounds (ms) of the histogram bins; the last bin is everything above the last bound. */
export const BOUNDS_MS = [0.5, 1, 2, 5, 10, 20, 50];

export interface HistogramRun {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Requests per bin of BOUNDS_MS (and one more for the rest). */
  bins: number[];
  cpuMicrosPerRequest: number;
}

export interface LatencyRun {
  server: string;
  test: string;
  keys: number;
  run?: HistogramRun;
  /** Mnemo only. */
  pauses?: PauseRecord;
  error?: string;
}

/** One point of redis-benchmark's distributions: `cumulative` requests took at most `ms`. */
interface Point {
  ms: number;
  cumulative: number;
}

/**
 * The histogram of redis-benchmark's text report: the points of its "Latency by percentile
 * distribution" and "Cumulative distribution of latencies" sections, and its summary line.
 * A bin's count is read at the last point at or below its bound, so requests just above a
 * bound count in the bin above it.
 */
export function parseHistogram(output: string): Omit<HistogramRun, 'cpuMicrosPerRequest'> {
  const points: Point[] = [];
  for (const match of output.matchAll(/^\s*([\d.]+)% <= ([\d.]+) milliseconds \(cumulative count (\d+)\)/gm)) {
    points.push({ ms: Number(match[2]), cumulative: Number(match[3]) });
  }
  const rps = /throughput summary: ([\d.]+) requests per second/.exec(output);
  const summary = /avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(output);
  if (points.length === 0 || rps === null || summary === null) throw new Error(`unexpected redis-benchmark output: ${output.slice(-2000)}`);
  points.sort((a, b) => a.ms - b.ms || a.cumulative - b.cumulative);
  const requests = points[points.length - 1]!.cumulative;
  const atOrBelow = (ms: number) => {
    let cumulative = 0;
    for (const point of points) if (point.ms <= ms) cumulative = Math.max(cumulative, point.cumulative);
    return cumulative;
  };
  const below = BOUNDS_MS.map(atOrBelow);
  const bins = [...below, requests].map((cumulative, i) => cumulative - (i === 0 ? 0 : below[i - 1]!));
  const quantile = (q: number) => points.find((p) => p.cumulative >= q * requests)?.ms ?? Number(summary[6]);
  return { requests, rps: Number(rps[1]), p50Ms: Number(summary[3]), p99Ms: Number(summary[5]), p999Ms: quantile(0.999), maxMs: Number(summary[6]), bins };
}

/** One redis-benchmark run with its full text report, and the server's CPU time around it. */
async function histogramRun(server: BenchServer, options: RunOptions): Promise<HistogramRun> {
  const args = benchmarkArgs(server, options).filter((arg) => arg !== '--csv');
  const ticksBefore = cpuTicks(server.pid);
  const { code, stdout, stderr } = await runTool('redis-benchmark', args);
  const ticks = cpuTicks(server.pid) - ticksBefore;
  if (code !== 0) throw new Error(`redis-benchmark ${options.test} against ${server.name} failed (${code}): ${stderr.trim()}`);
  return { ...parseHistogram(stdout), cpuMicrosPerRequest: cpuMicrosPerRequest(ticks, options.requests) };
}

/** About `seconds` of `test` at -P 1 over `keys` keys, sized by a short calibration run. */
export async function latencyRun(server: BenchServer, test: string, keys: number, seconds: number, clients: number): Promise<LatencyRun> {
  const base = { test, pipeline: 1, clients, keyspace: keys, dataSize: VALUE_BYTES };
  try {
    const calibration = await runBenchmark(server, { ...base, requests: 20_000 });
    const requests = Math.max(20_000, Math.round(calibration.rps * seconds));
    await server.startPauses?.();
    const run = await histogramRun(server, { ...base, requests });
    const pauses = await server.takePauses?.();
    return { server: server.name, test, keys, run, ...(pauses ? { pauses } : {}) };
  } catch (error) {
    return { server: server.name, test, keys, error: error instanceof Error ? error.message : String(error) };
  }
}

const binLabels = [...BOUNDS_MS.map((b) => `<=${b}`), `>${BOUNDS_MS[BOUNDS_MS.length - 1]}`];

function binsOf(durationsMs: readonly number[]): number[] {
  const bins = new Array<number>(BOUNDS_MS.length + 1).fill(0);
  for (const d of durationsMs) {
    const i = BOUNDS_MS.findIndex((bound) => d <= bound);
    bins[i < 0 ? BOUNDS_MS.length : i]!++;
  }
  return bins;
}

/** The request histograms side by side, then Mnemo's pause sources as histograms. */
export function formatLatencyRuns(runs: readonly LatencyRun[], clients: number): string {
  const requestRows = runs.map((r) =>
    r.run === undefined
      ? [r.test.toUpperCase(), count(r.keys), r.server, r.error ?? 'failed', ...new Array<string>(5 + binLabels.length).fill('')]
      : [
          r.test.toUpperCase(), count(r.keys), r.server, count(r.run.rps), f2(r.run.p50Ms), f2(r.run.p99Ms), f2(r.run.p999Ms), f2(r.run.maxMs),
          f2(r.run.cpuMicrosPerRequest), ...r.run.bins.map((n) => count(n)),
        ],
  );
  const parts = [
    table(
      `Latency at -P 1, ${clients} clients (requests per latency bin, ms; a bin holds requests up to redis-benchmark's histogram point at or below its bound)`,
      ['test', 'keys', 'server', 'ops/s', 'p50', 'p99', 'p99.9', 'max', 'cpu µs/req', ...binLabels],
      requestRows,
    ),
  ];
  const pauseRows: string[][] = [];
  for (const r of runs) {
    if (r.pauses === undefined) continue;
    const label = `${r.test.toUpperCase()} ${r.server}`;
    for (const [kind, durations] of Object.entries(r.pauses.gc)) pauseRows.push([label, `gc ${kind}`, ...pauseCells(durations)]);
    pauseRows.push([label, 'cron', ...pauseCells(r.pauses.cronMs)]);
    const d = r.pauses.loopDelay;
    pauseRows.push([label, 'loop delay', count(d.samples), '', f2(d.p50Ms), f2(d.p99Ms), f2(d.maxMs), `p99.9 ${f2(d.p999Ms)}`, ...binLabels.slice(1).map(() => '')]);
  }
  if (pauseRows.length > 0) {
    parts.push(
      table(
        'What paused Mnemo during those runs (count, total ms, median, p99, max, then pauses per bin, ms; loop delay: timer lateness at 1 ms resolution)',
        ['run', 'source', 'count', 'total', 'p50', 'p99', 'max', ...binLabels],
        pauseRows,
      ),
    );
  }
  return parts.join('\n');
}

function pauseCells(durationsMs: readonly number[]): string[] {
  const total = durationsMs.reduce((sum, d) => sum + d, 0);
  return [
    count(durationsMs.length), f2(total), f2(percentile(durationsMs, 50)), f2(percentile(durationsMs, 99)), f2(percentile(durationsMs, 100)),
    ...binsOf(durationsMs).map((n) => count(n)),
  ];
}

async function main(): Promise<void> {
  const keys = envInt('LATENCY_KEYS', 10_000_000);
  const seconds = envInt('LATENCY_SECONDS', 60);
  const clients = envInt('LATENCY_CLIENTS', 50);
  const rounds = envInt('LATENCY_ROUNDS', 1);
  const tests = (process.env.LATENCY_TESTS ?? 'get,set').split(',').filter(Boolean);
  const servers = [await startMnemo(), await startRedis()];
  try {
    for (const server of servers) {
      const started = performance.now();
      await server.startPauses?.();
      await loadKeys(server, keys);
      const pauses = await server.takePauses?.();
      console.error(
        `loaded ${count(keys)} keys into ${server.name} in ${((performance.now() - started) / 1000).toFixed(1)} s` +
          (pauses ? `; worst loop delay ${f2(pauses.loopDelay.maxMs)} ms, worst GC pause ${f2(Math.max(0, ...Object.values(pauses.gc).flat()))} ms` : ''),
      );
    }
    const runs: LatencyRun[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const test of tests) {
        for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
          const run = await latencyRun(server, test, keys, seconds, clients);
          console.error(`${test} on ${server.name}: ${run.error ?? `p99 ${run.run!.p99Ms} ms, max ${run.run!.maxMs} ms`}`);
          runs.push(run);
        }
      }
    }
    console.log(formatLatencyRuns(runs, clients));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await main();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
