// Mnemo's Memcached front beside a real memcached (-t 1, one worker thread: the fair match
// for one Node event loop), both driven by the same small load generator: 50 connections,
// get and set at -P 1 and -P 16 (requests in flight per connection), 10-byte values over a
// 100,000-key space. Rounds alternate the servers; medians of ops/s are reported with the
// Mnemo/memcached ratio and each server's CPU time per request from /proc/<pid>/stat, which
// moves much less with other load on the machine than throughput does.
//
// Then memcaslap (libmemcached-tools), one thread, 50 connections, 10-byte values, its default
// get/set mix, alternated the same way.
//
// Run alone: node --import tsx bench/memcached.ts   (bench/run.ts may call benchMemcached)

import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuMicrosPerRequest, cpuTicks } from './proc.ts';
import { freePort, nodeArgsFor, stopper, track } from './servers.ts';
import { runTool } from './redis-benchmark.ts';
import { median, ratio } from './stats.ts';
import { count, f2, table, x } from './table.ts';

export interface MemcachedBenchOptions {
  clients?: number;
  /** Requests per run at -P 1; -P 16 runs ten times as many. */
  requests?: number;
  keyspace?: number;
  pipelines?: number[];
  tests?: ('get' | 'set')[];
  rounds?: number;
  /** Operations per memcaslap run (0 skips memcaslap). */
  memcaslapOps?: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface MemcachedBenchRow {
  test: string;
  pipeline: number;
  memcachedOps: number | null;
  mnemoOps: number | null;
  /** Mnemo ops/s divided by memcached's. */
  ratio: number | null;
  memcachedCpuMicros: number | null;
  mnemoCpuMicros: number | null;
}

const HOST = '127.0.0.1';
const VALUE = 'x'.repeat(10);
/** Distinct request buffers per connection, cycled (random keys without per-request work). */
const REQUEST_POOL = 512;

interface Target {
  name: 'memcached' | 'mnemo';
  pid: number;
  port: number;
}

export async function benchMemcached(opts: MemcachedBenchOptions = {}): Promise<MemcachedBenchRow[]> {
  const clients = opts.clients ?? 50;
  const requests = opts.requests ?? 100_000;
  const keyspace = opts.keyspace ?? 100_000;
  const pipelines = opts.pipelines ?? [1, 16];
  const tests = opts.tests ?? ['set', 'get'];
  const rounds = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => console.error(line));

  const memcached = await startMemcached();
  const mnemo = await startMnemoMemcached();
  const stops = [memcached.stop, mnemo.stop];
  try {
    for (const target of [memcached.target, mnemo.target]) {
      await drive(target.port, 'set', clients, keyspace, 16, keyspace, true);
    }
    const rows: MemcachedBenchRow[] = [];
    for (const test of tests) {
      for (const pipeline of pipelines) {
        const total = pipeline === 1 ? requests : requests * 10;
        const ops: Record<string, number[]> = { memcached: [], mnemo: [] };
        const cpu: Record<string, number[]> = { memcached: [], mnemo: [] };
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0 ? [memcached.target, mnemo.target] : [mnemo.target, memcached.target];
          for (const target of order) {
            const ticksBefore = cpuTicks(target.pid);
            const seconds = await drive(target.port, test, clients, keyspace, pipeline, total, false);
            const ticks = cpuTicks(target.pid) - ticksBefore;
            ops[target.name]!.push(total / seconds);
            cpu[target.name]!.push(cpuMicrosPerRequest(ticks, total));
            log(`memcached bench: ${test} -P ${pipeline} round ${round + 1}/${rounds} ${target.name}: ${Math.round(total / seconds)} ops/s`);
          }
        }
        rows.push(row(test, pipeline, ops, cpu));
      }
    }
    const memcaslapOps = opts.memcaslapOps ?? requests * 10;
    if (memcaslapOps > 0 && !hasMemcaslap()) log('memcached bench: no memcaslap (apt-get install libmemcached-tools), its row is skipped');
    else if (memcaslapOps > 0) {
      const ops: Record<string, number[]> = { memcached: [], mnemo: [] };
      const cpu: Record<string, number[]> = { memcached: [], mnemo: [] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [memcached.target, mnemo.target] : [mnemo.target, memcached.target];
        for (const target of order) {
          const ticksBefore = cpuTicks(target.pid);
          const run = await memcaslap(target.port, clients, memcaslapOps);
          ops[target.name]!.push(run.tps);
          cpu[target.name]!.push(cpuMicrosPerRequest(cpuTicks(target.pid) - ticksBefore, run.ops));
          log(`memcached bench: memcaslap round ${round + 1}/${rounds} ${target.name}: ${Math.round(run.tps)} ops/s`);
        }
      }
      rows.push(row('memcaslap', 0, ops, cpu));
    }
    return rows;
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}

function row(test: string, pipeline: number, ops: Record<string, number[]>, cpu: Record<string, number[]>): MemcachedBenchRow {
  const memcachedOps = median(ops.memcached!);
  const mnemoOps = median(ops.mnemo!);
  return {
    test,
    pipeline,
    memcachedOps,
    mnemoOps,
    ratio: ratio(mnemoOps, memcachedOps),
    memcachedCpuMicros: median(cpu.memcached!),
    mnemoCpuMicros: median(cpu.mnemo!),
  };
}

function hasMemcaslap(): boolean {
  return spawnSync('memcaslap', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * memcaslap (libmemcached-tools) with one thread and `clients` connections, 10-byte values and
 * its default mix (9 gets to 1 set over 64-byte keys), for `ops` operations: the load the
 * issue measured, with requests of many connections in flight at once.
 */
async function memcaslap(port: number, clients: number, ops: number): Promise<{ ops: number; tps: number }> {
  const args = ['-s', `${HOST}:${port}`, '-T', '1', '-c', String(clients), '-X', String(VALUE.length), '-x', String(ops)];
  const { code, stdout, stderr } = await runTool('memcaslap', args);
  const output = stdout + stderr;
  const summary = /Run time: [\d.]+s Ops: (\d+) TPS: (\d+)/.exec(output);
  if (code !== 0 || summary === null) throw new Error(`memcaslap failed (${code}): ${output.slice(-1000)}`);
  return { ops: Number(summary[1]), tps: Number(summary[2]) };
}

export function formatMemcachedRows(title: string, rows: readonly MemcachedBenchRow[]): string {
  return table(
    title,
    ['test', 'P', 'memcached ops/s', 'mnemo ops/s', 'ratio', 'memcached cpu µs/req', 'mnemo cpu µs/req'],
    rows.map((r) => [
      r.test.toUpperCase(), r.pipeline === 0 ? '-' : String(r.pipeline), count(r.memcachedOps), count(r.mnemoOps), x(r.ratio), f2(r.memcachedCpuMicros), f2(r.mnemoCpuMicros),
    ]),
  );
}

// ---- servers ---------------------------------------------------------------------------------

interface Started {
  target: Target;
  stop: () => Promise<void>;
}

async function startMemcached(): Promise<Started> {
  const port = await freePort();
  const args = ['-p', String(port), '-U', '0', '-l', HOST, '-t', '1', '-m', '1024', '-c', '4096'];
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const child = track(spawn('memcached', args, { stdio: 'ignore' }));
  await waitForPort(port);
  return { target: { name: 'memcached', pid: child.pid!, port }, stop: stopper(child, port) };
}

const CLI = fileURLToPath(new URL('../src/server/cli.ts', import.meta.url));

async function startMnemoMemcached(): Promise<Started> {
  const redisPort = await freePort();
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [...(await nodeArgsFor(CLI)), '--port', String(redisPort), '--memcached-port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    }),
  );
  await waitForPort(port);
  return { target: { name: 'mnemo', pid: child.pid!, port }, stop: stopper(child, redisPort, port) };
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, HOST, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

// ---- load generator ----------------------------------------------------------------------------

/** Counts occurrences of a byte pattern across chunk boundaries. */
class ReplyCounter {
  private state = 0;
  constructor(private readonly pattern: Buffer) {}

  count(chunk: Buffer): number {
    const p = this.pattern;
    let found = 0;
    let state = this.state;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === p[state]) {
        if (++state === p.length) {
          found++;
          state = 0;
        }
      } else state = c === p[0] ? 1 : 0;
    }
    this.state = state;
    return found;
  }
}

function requestPool(test: 'get' | 'set', keyspace: number, pipeline: number, sequential: boolean, offset: number): Buffer[] {
  const pool: Buffer[] = [];
  for (let b = 0; b < REQUEST_POOL; b++) {
    let batch = '';
    for (let i = 0; i < pipeline; i++) {
      const n = sequential ? (offset + b * pipeline + i) % keyspace : Math.floor(Math.random() * keyspace);
      const key = `key:${String(n).padStart(12, '0')}`;
      batch += test === 'get' ? `get ${key}\r\n` : `set ${key} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`;
    }
    pool.push(Buffer.from(batch));
  }
  return pool;
}

/**
 * Sends `total` requests over `clients` connections, `pipeline` at a time on each, and
 * returns the seconds it took. `fill` writes keys in order (to load the key space).
 */
async function drive(
  port: number,
  test: 'get' | 'set',
  clients: number,
  keyspace: number,
  pipeline: number,
  total: number,
  fill: boolean,
): Promise<number> {
  let remaining = Math.ceil(total / pipeline);
  const started = performance.now();
  const perClient = Math.ceil(remaining / clients);
  await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      new Promise<void>((resolve, reject) => {
        const pool = requestPool(test, keyspace, pipeline, fill, c * perClient * pipeline);
        const counter = new ReplyCounter(Buffer.from(test === 'get' ? 'END\r\n' : 'STORED\r\n'));
        const socket = net.connect(port, HOST);
        socket.setNoDelay(true);
        let next = 0;
        let pending = 0;
        const send = () => {
          if (remaining <= 0) {
            socket.destroy();
            resolve();
            return;
          }
          remaining--;
          pending = pipeline;
          socket.write(pool[next++ % pool.length]!);
        };
        socket.on('connect', send);
        socket.on('data', (chunk: Buffer) => {
          pending -= counter.count(chunk);
          if (pending <= 0) send();
        });
        socket.on('error', reject);
      }),
    ),
  );
  return (performance.now() - started) / 1000;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchMemcached({
    ...(process.env.BENCH_ROUNDS ? { rounds: Number(process.env.BENCH_ROUNDS) } : {}),
    ...(process.env.BENCH_REQUESTS ? { requests: Number(process.env.BENCH_REQUESTS) } : {}),
  });
  console.log(formatMemcachedRows('Memcached protocol: Mnemo vs memcached -t 1', rows));
}
