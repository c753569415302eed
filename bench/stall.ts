// How long commands wait while a server does something big: N small keys loaded, then a probe
// client sends PING one at a time (the next as soon as the reply came) and records each round
// trip while the server runs the case's command and the work it starts, until a second after
// that work is over (a second before it gives the machine's noise floor). Reports the probe's p50/p99/max wait during that window, the server's CPU over it,
// and its RSS before and after, for Mnemo and redis-server in turn (alternating which goes
// first). With --overwrite a second client overwrites the loaded keys at full speed
// (pipelined SETs) meanwhile, as the issue's BGSAVE case asks.
//
// Cases:
//   flushall-async  FLUSHALL ASYNC; over once lazyfree_pending_objects is 0
//   flushdb-async   FLUSHDB ASYNC with a key left in another database; the same end
//   bgsave          BGSAVE; over once rdb_bgsave_in_progress is 0 (also prints rdb_last_cow_size)
//
// Run alone: node --import tsx bench/stall.ts <case> [keys] [rounds] [--overwrite]
// (BENCH_STALL_SERVERS=mnemo or =redis runs one of them only).

import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeSets, loadKeys, probe } from './load.ts';
import { cpuMicrosPerRequest, cpuTicks, rssBytes } from './proc.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { percentile } from './stats.ts';

interface Case {
  /** Commands sent (each on its own connection) after the load, before the probe starts. */
  prepare?: string[][];
  command: string[];
  /** Whether the work the command started is still going, from INFO. */
  busy(info: string): boolean;
  /** INFO fields worth printing after the work. */
  report: string[];
}

const SETTLE_MS = 1000;
const largest = (values: readonly number[]) => values.reduce((max, value) => Math.max(max, value), 0);
const field = (info: string, name: string) => new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim() ?? '';

const CASES: Record<string, Case> = {
  'flushall-async': {
    command: ['FLUSHALL', 'ASYNC'],
    busy: (info) => field(info, 'lazyfree_pending_objects') !== '0',
    report: ['lazyfreed_objects', 'used_memory'],
  },
  // With a key left in another database, the flushed one's records go back to the arena one by one.
  'flushdb-async': {
    prepare: [
      ['SET', 'elsewhere', 'x'],
      ['MOVE', 'elsewhere', '1'],
    ],
    command: ['FLUSHDB', 'ASYNC'],
    busy: (info) => field(info, 'lazyfree_pending_objects') !== '0',
    report: ['lazyfreed_objects', 'used_memory'],
  },
  bgsave: {
    command: ['BGSAVE'],
    busy: (info) => field(info, 'rdb_bgsave_in_progress') !== '0',
    report: ['rdb_last_cow_size', 'rdb_last_bgsave_status', 'used_memory'],
  },
};

function connect(server: BenchServer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** PINGs one at a time until stopped; the round trips in ms. */
async function startProbe(server: BenchServer): Promise<{ count(): number; stop(): Promise<number[]> }> {
  const socket = await connect(server);
  socket.setNoDelay(true);
  const waits: number[] = [];
  let running = true;
  let sentAt = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const send = () => {
    sentAt = performance.now();
    socket.write('PING\r\n');
  };
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    while (pending.includes('\r\n')) {
      pending = pending.slice(pending.indexOf('\r\n') + 2);
      waits.push(performance.now() - sentAt);
      if (running) send();
      else finished();
    }
  });
  send();
  return {
    count: () => waits.length,
    async stop() {
      running = false;
      await done;
      socket.destroy();
      return waits;
    },
  };
}

/** Overwrites keys 0..keys-1 in pipelined batches until stopped; how many it wrote. */
async function startOverwriter(server: BenchServer, keys: number): Promise<{ stop(): Promise<number> }> {
  const socket = await connect(server);
  const BATCH = 100;
  let written = 0;
  let running = true;
  let repliesDue = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const next = () => {
    const first = Math.floor(Math.random() * Math.max(1, keys - BATCH));
    repliesDue = BATCH;
    socket.write(encodeSets(first, BATCH));
  };
  socket.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) repliesDue--;
    if (repliesDue > 0) return;
    written += BATCH;
    if (running) next();
    else finished();
  });
  next();
  return {
    async stop() {
      running = false;
      await done;
      socket.destroy();
      return written;
    },
  };
}

async function info(server: BenchServer): Promise<string> {
  const socket = await connect(server);
  try {
    return await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const header = /^\$(\d+)\r\n/.exec(text);
        if (header !== null && text.length >= header[0].length + Number(header[1]) + 2) resolve(text.slice(header[0].length));
      });
      socket.write('*2\r\n$4\r\nINFO\r\n$10\r\neverything\r\n');
    });
  } finally {
    socket.destroy();
  }
}

export interface StallFigures {
  name: string;
  p50: number;
  p99: number;
  max: number;
  /** The largest wait in the second before the command. */
  idleMax: number;
  /** Mnemo's longest garbage-collection pause over the window. */
  gcMax: number;
  probes: number;
  seconds: number;
  cpuSeconds: number;
  rssBefore: number;
  rssAfter: number;
  overwrites: number;
  fields: string[];
}

async function round(name: 'mnemo' | 'redis', which: Case, keys: number, overwrite: boolean): Promise<StallFigures> {
  const dir = mkdtempSync(join(tmpdir(), `bench-stall-${name}-`));
  const settings = [['dir', dir]];
  const server = name === 'mnemo' ? await startMnemo(settings) : await startRedis(settings);
  try {
    await loadKeys(server, keys);
    for (const command of which.prepare ?? []) await probe(server, command);
    const rssBefore = rssBytes(server.pid);
    const writer = overwrite ? await startOverwriter(server, keys) : null;
    const prober = await startProbe(server);
    // A second of probes before, as the noise floor of this machine at this moment.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const before = prober.count();
    await server.takeGcPauses?.();
    const started = performance.now();
    const ticks = cpuTicks(server.pid);
    const reply = await probe(server, which.command);
    if (reply.startsWith('-')) throw new Error(`${name} answered ${which.command.join(' ')} with ${reply}`);
    let last = await info(server);
    while (which.busy(last)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      last = await info(server);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuMicrosPerRequest(cpuTicks(server.pid) - ticks, 1) / 1e6;
    // And a second after: what the work left behind (a garbage collection) counts too.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const all = await prober.stop();
    const gcPauses = (await server.takeGcPauses?.()) ?? [];
    const idle = all.slice(0, before);
    const waits = all.slice(before);
    const overwrites = (await writer?.stop()) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter = rssBytes(server.pid);
    return {
      name,
      p50: percentile(waits, 50) ?? 0,
      p99: percentile(waits, 99) ?? 0,
      max: largest(waits),
      idleMax: largest(idle),
      gcMax: largest(gcPauses),
      probes: waits.length,
      seconds,
      cpuSeconds,
      rssBefore,
      rssAfter,
      overwrites,
      fields: which.report.map((name) => `${name}:${field(last, name)}`),
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const format = (f: StallFigures) =>
  `${f.name}: work ${f.seconds.toFixed(2)} s (server CPU ${f.cpuSeconds.toFixed(2)} s); ${f.probes} probes over it and 1 s after: wait p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms, max ${f.max.toFixed(2)} ms (idle max before: ${f.idleMax.toFixed(2)} ms)${f.name === 'mnemo' ? `, longest GC pause ${f.gcMax.toFixed(2)} ms` : ''}; ` +
  `RSS ${(f.rssBefore / 1e6).toFixed(0)} MB -> ${(f.rssAfter / 1e6).toFixed(0)} MB${f.overwrites > 0 ? `; ${f.overwrites} overwrites` : ''}; ${f.fields.join(' ')}`;

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const which = CASES[args[0] ?? ''];
if (which === undefined) {
  console.error(`usage: bench/stall.ts <${Object.keys(CASES).join('|')}> [keys] [rounds] [--overwrite]`);
  process.exit(2);
}
const keys = Number(args[1] ?? 1_000_000);
const rounds = Number(args[2] ?? 1);
const overwrite = process.argv.includes('--overwrite');
const servers = (process.env.BENCH_STALL_SERVERS ?? 'mnemo,redis').split(',');
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? (['mnemo', 'redis'] as const) : (['redis', 'mnemo'] as const)) {
    if (!servers.includes(name)) continue;
    console.log(format(await round(name, which, keys, overwrite)));
  }
}
process.exit(0);
