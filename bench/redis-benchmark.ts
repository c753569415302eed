// One redis-benchmark run against one server, with the server's CPU time around it.

import { spawn } from 'node:child_process';
import { cpuTicks } from './proc.ts';
import { track, type BenchServer } from './servers.ts';

export interface RunOptions {
  /** A redis-benchmark test name (set, get, lpush, ...), or a label for `command`. */
  test: string;
  /** A command line to run instead of the built-in test. */
  command?: readonly string[];
  requests: number;
  pipeline: number;
  clients: number;
  /** -r: keys are key:<12 digits> below this. */
  keyspace: number;
  /** -d: value size of SET. */
  dataSize?: number;
  /** --user and -a: log in as this ACL user. */
  login?: { user: string; password: string };
  /** --tls with this client certificate and key, trusting this CA. */
  tls?: { cert: string; key: string; cacert: string };
}

export interface Latency {
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RunResult extends Latency {
  rps: number;
  /** Server CPU (user + system) over the run, in clock ticks. */
  cpuTicks: number;
  wallSeconds: number;
}

/** The first data row of redis-benchmark's --csv output (warnings may precede the header). */
export function parseCsv(output: string): { rps: number } & Latency {
  const rows = output
    .split('\n')
    .map((line) => line.trim().split(',').map((cell) => cell.replace(/^"|"$/g, '')));
  const headerAt = rows.findIndex((cells) => cells[0] === 'test');
  const header = rows[headerAt] ?? [];
  const row = rows[headerAt + 1];
  if (headerAt < 0 || row === undefined || row.length !== header.length) throw new Error(`unexpected redis-benchmark output: ${output}`);
  const column = (name: string) => {
    const value = Number(row[header.indexOf(name)]);
    if (!Number.isFinite(value)) throw new Error(`no ${name} in redis-benchmark output: ${output}`);
    return value;
  };
  return {
    rps: column('rps'),
    avgMs: column('avg_latency_ms'),
    minMs: column('min_latency_ms'),
    p50Ms: column('p50_latency_ms'),
    p95Ms: column('p95_latency_ms'),
    p99Ms: column('p99_latency_ms'),
    maxMs: column('max_latency_ms'),
  };
}

export function benchmarkArgs(server: Pick<BenchServer, 'host' | 'port'>, options: RunOptions): string[] {
  const args = [
    '-h', server.host,
    '-p', String(server.port),
    '-c', String(options.clients),
    '-n', String(options.requests),
    '-P', String(options.pipeline),
    '-r', String(options.keyspace),
    '--csv',
  ];
  if (options.dataSize !== undefined) args.push('-d', String(options.dataSize));
  if (options.login !== undefined) args.push('--user', options.login.user, '-a', options.login.password);
  if (options.tls !== undefined) args.push('--tls', '--cert', options.tls.cert, '--key', options.tls.key, '--cacert', options.tls.cacert);
  // A command line after the options replaces the built-in tests (-t would only draw a warning).
  if (options.command !== undefined) return [...args, ...options.command];
  return [...args, '-t', options.test];
}

/** Runs a load tool to its end (killed with the benchmark), with what it printed. */
export async function runTool(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}

export async function runBenchmark(server: BenchServer, options: RunOptions): Promise<RunResult> {
  const args = benchmarkArgs(server, options);
  const ticksBefore = cpuTicks(server.pid);
  const started = performance.now();
  const { code, stdout, stderr } = await runTool('redis-benchmark', args);
  const wallSeconds = (performance.now() - started) / 1000;
  const ticks = cpuTicks(server.pid) - ticksBefore;
  if (code !== 0) {
    throw new Error(`redis-benchmark ${options.test} against ${server.name} failed (${code}): ${stderr.trim() || stdout.trim()}`);
  }
  return { ...parseCsv(stdout), cpuTicks: ticks, wallSeconds };
}
