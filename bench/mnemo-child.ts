// Mnemo under benchmark: a server in its own process (so that /proc shows its CPU and memory
// alone), plus a record of what paused it, which the parent reads over IPC: garbage-collection
// pauses (by kind), the event loop's delay, and the server's cron (active expiry, rehashing).
// Usage (from bench/servers.ts): node --import tsx bench/mnemo-child.ts <port> [config line ...]
// (or the same arguments to its bundle, see scripts/bundle.mjs)

import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { startServer } from '../src/server/run.ts';
import { keepYoungGenerationSmall } from '../src/server/young-generation.ts';

/** What paused the server between pauses-start and pauses-take. */
export interface PauseRecord {
  /** GC pauses in ms by kind (minor = scavenge, major = mark-compact, incremental, weakcb). */
  gc: Record<string, number[]>;
  /** monitorEventLoopDelay at 1 ms resolution: how late a timer fired, in ms. */
  loopDelay: { samples: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number };
  /** Each run of the server's cron (active expiry, rehash steps, persistence checks), in ms. */
  cronMs: number[];
}

/** gc-take answers the pauses recorded since the previous gc-take. */
export type ChildRequest = { type: 'gc-take' } | { type: 'memory' } | { type: 'pauses-start' } | { type: 'pauses-take' };
export type ChildReply =
  | { type: 'ready'; port: number }
  | { type: 'gc-take'; pausesMs: number[] }
  | { type: 'memory'; usage: NodeJS.MemoryUsage }
  | { type: 'pauses-start' }
  | { type: 'pauses-take'; pauses: PauseRecord };

const send = (reply: ChildReply) => process.send!(reply);

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

let pausesMs: number[] = [];
let gcByKind: Record<string, number[]> = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    pausesMs.push(entry.duration);
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
    (gcByKind[kind] ??= []).push(entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

// The same persistence settings as the redis-server it is compared with: none, unless the
// arguments after the port (config lines) say otherwise.
const lines = ['save ""', 'appendonly no', ...process.argv.slice(3)].map((text, i) => ({ text, lineNumber: i + 1 }));
// As the CLI does (npm start): the young generation stays small.
keepYoungGenerationSmall();
const running = await startServer({ port: Number(process.argv[2]), host: '127.0.0.1', lines });

// The cron is timed from outside: an own property shadows the method the cron timer calls.
let cronMs: number[] = [];
const { server } = running;
const cron = server.cron.bind(server);
server.cron = () => {
  const started = performance.now();
  cron();
  cronMs.push(performance.now() - started);
};

// Only on while recording: its 1 ms timer would otherwise cost CPU in every other run.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

function takePauses(): PauseRecord {
  loopDelay.disable();
  const ms = (ns: number) => ns / 1e6;
  const record: PauseRecord = {
    gc: gcByKind,
    loopDelay: {
      samples: loopDelay.count,
      p50Ms: ms(loopDelay.percentile(50)),
      p99Ms: ms(loopDelay.percentile(99)),
      p999Ms: ms(loopDelay.percentile(99.9)),
      maxMs: ms(loopDelay.max),
    },
    cronMs,
  };
  loopDelay.reset();
  return record;
}

process.on('message', (request: ChildRequest) => {
  switch (request.type) {
    case 'gc-take':
      send({ type: 'gc-take', pausesMs });
      pausesMs = [];
      break;
    case 'memory':
      send({ type: 'memory', usage: process.memoryUsage() });
      break;
    case 'pauses-start':
      gcByKind = {};
      cronMs = [];
      loopDelay.reset();
      loopDelay.enable();
      send({ type: 'pauses-start' });
      break;
    case 'pauses-take':
      send({ type: 'pauses-take', pauses: takePauses() });
      break;
  }
});
// The parent kills us on exit; this covers the parent dying without a chance to.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: running.port });
