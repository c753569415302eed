// Mnemo under benchmark: a server in its own process (so that /proc shows its CPU and memory
// alone), plus a record of garbage-collection pauses that the parent reads over IPC.
// Usage (from bench/servers.ts): node --import tsx bench/mnemo-child.ts <port> [config line ...]

import { PerformanceObserver } from 'node:perf_hooks';
import { startServer } from '../src/server/run.ts';

/** gc-take answers the pauses recorded since the previous gc-take. */
export type ChildRequest = { type: 'gc-take' } | { type: 'memory' };
export type ChildReply =
  | { type: 'ready'; port: number }
  | { type: 'gc-take'; pausesMs: number[] }
  | { type: 'memory'; usage: NodeJS.MemoryUsage };

const send = (reply: ChildReply) => process.send!(reply);

let pausesMs: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pausesMs.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

// The same persistence settings as the redis-server it is compared with: none, unless the
// arguments after the port (config lines) say otherwise.
const lines = ['save ""', 'appendonly no', ...process.argv.slice(3)].map((text, i) => ({ text, lineNumber: i + 1 }));
const running = await startServer({ port: Number(process.argv[2]), host: '127.0.0.1', lines });

process.on('message', (request: ChildRequest) => {
  switch (request.type) {
    case 'gc-take':
      send({ type: 'gc-take', pausesMs });
      pausesMs = [];
      break;
    case 'memory':
      send({ type: 'memory', usage: process.memoryUsage() });
      break;
  }
});
// The parent kills us on exit; this covers the parent dying without a chance to.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: running.port });
