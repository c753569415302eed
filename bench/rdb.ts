// RDB snapshots side by side: N small keys (as the memory phase loads them) written by SAVE on
// Mnemo and on redis-server, then each server restarted on its own file, timing the load from
// the "DB loaded from disk: X seconds" line both print. Rounds alternate which server goes
// first. Run alone: node --import tsx bench/rdb.ts [keys] [rounds]  (BENCH_RDB_KEYS,
// BENCH_RDB_ROUNDS).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadKeys, probe } from './load.ts';
import { freePort, stopper, track, type BenchServer } from './servers.ts';
import { cpuMicrosPerRequest, cpuTicks } from './proc.ts';

const MNEMO_BIN = fileURLToPath(new URL('../bin/mnemo-server.js', import.meta.url));
const HOST = '127.0.0.1';
const LOADED = /DB loaded from disk: ([\d.]+) seconds/;
const READY = /Ready to accept connections/;
const INITIALIZED = /Server initialized/;

interface Started {
  server: BenchServer;
  output: () => string;
  /** CPU seconds between "Server initialized" and "Ready to accept connections": the load, sampled every 20 ms. */
  loadCpuSeconds: number;
}

/** Starts a server on a free port of the range, trying another when someone took it meanwhile. */
async function start(name: 'mnemo' | 'redis', dir: string): Promise<Started> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(name, dir, await freePort());
    } catch (error) {
      if (attempt === 5 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOn(name: 'mnemo' | 'redis', dir: string, port: number): Promise<Started> {
  const args = ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', ''];
  const child = track(name === 'mnemo' ? spawn(process.execPath, [MNEMO_BIN, ...args]) : spawn('redis-server', args));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 600_000;
  let initializedTicks = -1;
  while (!READY.test(output)) {
    if (initializedTicks < 0 && INITIALIZED.test(output)) initializedTicks = cpuTicks(child.pid!);
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopper(child, port)();
      throw new Error(`${name} did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const loadCpuSeconds = cpuMicrosPerRequest(cpuTicks(child.pid!) - Math.max(0, initializedTicks), 1) / 1e6;
  return { server: { name, pid: child.pid!, host: HOST, port, stop: stopper(child, port) }, output: () => output, loadCpuSeconds };
}

export interface RdbFigures {
  name: 'mnemo' | 'redis';
  saveSeconds: number[];
  /** The server's CPU time during SAVE (steadier than wall time on a busy machine). */
  saveCpuSeconds: number[];
  loadSeconds: number[];
  loadCpuSeconds: number[];
  fileBytes: number;
}

async function round(name: 'mnemo' | 'redis', keys: number, figures: RdbFigures): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `bench-rdb-${name}-`));
  try {
    const first = await start(name, dir);
    await loadKeys(first.server, keys);
    const started = performance.now();
    const ticks = cpuTicks(first.server.pid);
    const reply = await probe(first.server, ['SAVE']);
    figures.saveSeconds.push((performance.now() - started) / 1000);
    figures.saveCpuSeconds.push(cpuMicrosPerRequest(cpuTicks(first.server.pid) - ticks, 1) / 1e6);
    await first.server.stop();
    if (reply !== '+OK') throw new Error(`${name} SAVE answered ${reply}`);
    figures.fileBytes = statSync(join(dir, 'dump.rdb')).size;
    const second = await start(name, dir);
    const loaded = LOADED.exec(second.output());
    await second.server.stop();
    if (loaded === null) throw new Error(`${name} logged no load time`);
    figures.loadSeconds.push(Number(loaded[1]));
    figures.loadCpuSeconds.push(second.loadCpuSeconds);
    console.error(`rdb: ${name} SAVE ${figures.saveSeconds.at(-1)!.toFixed(3)} s (CPU ${figures.saveCpuSeconds.at(-1)!.toFixed(3)} s), load ${loaded[1]} s (CPU ${second.loadCpuSeconds.toFixed(3)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function rdbBench(keys: number, rounds: number): Promise<RdbFigures[]> {
  const mnemo: RdbFigures = { name: 'mnemo', saveSeconds: [], saveCpuSeconds: [], loadSeconds: [], loadCpuSeconds: [], fileBytes: 0 };
  const redis: RdbFigures = { name: 'redis', saveSeconds: [], saveCpuSeconds: [], loadSeconds: [], loadCpuSeconds: [], fileBytes: 0 };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [mnemo, redis] : [redis, mnemo];
    for (const figures of order) {
      console.error(`rdb: round ${r + 1}/${rounds}, ${figures.name}, ${keys} keys`);
      await round(figures.name, keys, figures);
    }
  }
  return [mnemo, redis];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function rdbTable(keys: number, [mnemo, redis]: RdbFigures[]): string {
  const row = (what: string, m: number, r: number) => `| ${what} | ${m.toFixed(3)} | ${r.toFixed(3)} | ${(m / r).toFixed(2)} |`;
  return [
    `RDB of ${keys} keys (10-byte values), median of ${mnemo!.saveSeconds.length} rounds`,
    '| | mnemo | redis | ratio |',
    '| --- | --- | --- | --- |',
    row('SAVE (s)', median(mnemo!.saveSeconds), median(redis!.saveSeconds)),
    row('SAVE, server CPU (s)', median(mnemo!.saveCpuSeconds), median(redis!.saveCpuSeconds)),
    row('load at start-up (s)', median(mnemo!.loadSeconds), median(redis!.loadSeconds)),
    row('load, server CPU (s)', median(mnemo!.loadCpuSeconds), median(redis!.loadCpuSeconds)),
    row('file (MB)', mnemo!.fileBytes / 1e6, redis!.fileBytes / 1e6),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const keys = Number(process.argv[2] ?? process.env.BENCH_RDB_KEYS ?? 1_000_000);
  const rounds = Number(process.argv[3] ?? process.env.BENCH_RDB_ROUNDS ?? 3);
  console.log(rdbTable(keys, await rdbBench(keys, rounds)));
  process.exit(0);
}
