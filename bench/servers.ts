// Starting the servers under test on free ports, and making sure that every process the
// benchmark spawned dies with it (normal end, error, Ctrl-C).

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest, PauseRecord } from './mnemo-child.ts';

/** BENCH_PORTS (first-last) moves the range, for benchmarks of several checkouts at once. */
const PORT_RANGE = (() => {
  const [first, last] = (process.env.BENCH_PORTS ?? '7230-7299').split('-').map(Number);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first! > last!) throw new Error('BENCH_PORTS must be first-last');
  return { first: first!, last: last! };
})();
const HOST = '127.0.0.1';

const spawned = new Set<ChildProcess>();
let exitHooked = false;

/** Registers a spawned process to be SIGKILLed when the benchmark exits, however it exits. */
export function track(child: ChildProcess): ChildProcess {
  if (!exitHooked) hookExit();
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  return child;
}

function hookExit(): void {
  exitHooked = true;
  process.once('exit', () => {
    for (const child of spawned) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      process.exit(130);
    });
  }
}

const portsTaken = new Set<number>();

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST }, () => probe.close(() => resolve(true)));
  });
}

/** A port of the benchmark's range that nothing listens on, reserved until releasePort. */
export async function freePort(): Promise<number> {
  for (let port = PORT_RANGE.first; port <= PORT_RANGE.last; port++) {
    if (portsTaken.has(port)) continue;
    if (await portIsFree(port)) {
      portsTaken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

export function releasePort(port: number): void {
  portsTaken.delete(port);
}

export interface BenchServer {
  name: 'mnemo' | 'redis';
  pid: number;
  host: string;
  port: number;
  /** GC pause durations since the last call (Mnemo only; Redis has no GC). */
  takeGcPauses?(): Promise<number[]>;
  /** JS heap figures (Mnemo only). */
  memoryUsage?(): Promise<NodeJS.MemoryUsage>;
  /** Starts recording what pauses the server, and takes that record (Mnemo only). */
  startPauses?(): Promise<void>;
  takePauses?(): Promise<PauseRecord>;
  stop(): Promise<void>;
}

/** Kills a server and gives its ports back to the range. */
export function stopper(child: ChildProcess, ...ports: number[]): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    ports.forEach(releasePort);
  };
}

function failedToStart(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${what} exited during start-up (${signal ?? code})`)));
  });
}

/** Resolves once the server answers PING on `port`. */
async function waitForPong(port: number, deadline: number): Promise<void> {
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: HOST }, () => socket.write('PING\r\n'));
      socket.setTimeout(500, () => socket.destroy());
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (pong) return;
    if (Date.now() > deadline) throw new Error(`no PONG on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `settings` (redis.conf words, e.g. ['appendonly', 'yes']) come after the defaults and win. */
export async function startRedis(settings: readonly string[][] = []): Promise<BenchServer> {
  const port = await freePort();
  const child = track(
    spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', ...settings.flatMap(([name, ...values]) => [`--${name}`, ...values])], {
      stdio: 'ignore',
    }),
  );
  await Promise.race([waitForPong(port, Date.now() + 10_000), failedToStart(child, 'redis-server')]);
  return { name: 'redis', pid: child.pid!, host: HOST, port, stop: stopper(child, port) };
}

/** The child's next message of the given type. */
function replyFrom<T extends ChildReply['type']>(child: ChildProcess, type: T): Promise<Extract<ChildReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ChildReply) => {
      if (reply.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply as Extract<ChildReply, { type: T }>);
    };
    const onExit = () => reject(new Error('the Mnemo child exited'));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const CHILD_SCRIPT = fileURLToPath(new URL('./mnemo-child.ts', import.meta.url));

/**
 * How the Mnemo child runs: one esbuild bundle of it, as `npm start` runs the server (the
 * default: it cost 4-14% less CPU per request than tsx's loader, bench/ab.ts . .#bundle), or
 * its TypeScript through tsx.
 */
export type Launch = 'tsx' | 'bundle';

function defaultLaunch(): Launch {
  const launch = process.env.BENCH_LAUNCH ?? 'bundle';
  if (launch !== 'tsx' && launch !== 'bundle') throw new Error(`BENCH_LAUNCH must be tsx or bundle, not ${launch}`);
  return launch;
}

const bundles = new Map<string, Promise<string>>();

/**
 * The node arguments that run a TypeScript entry point (`script`, a path) the given way,
 * bundling it at most once per benchmark process.
 */
export async function nodeArgsFor(script: string, launch: Launch = defaultLaunch()): Promise<string[]> {
  if (launch === 'tsx') return ['--import', 'tsx', script];
  let bundled = bundles.get(script);
  if (bundled === undefined) {
    bundled = (async () => {
      const { bundle } = (await import(new URL('../scripts/bundle.mjs', import.meta.url).href)) as { bundle: (entry: string) => Promise<string> };
      return bundle(script);
    })();
    bundles.set(script, bundled);
  }
  return [await bundled];
}

export async function startMnemo(settings: readonly string[][] = [], launch: Launch = defaultLaunch()): Promise<BenchServer> {
  const port = await freePort();
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = track(
    spawn(process.execPath, [...nodeFlags, ...(await nodeArgsFor(CHILD_SCRIPT, launch)), String(port), ...settings.map((words) => words.join(' '))], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const ask = <T extends ChildRequest['type']>(type: T) => {
    if (!child.connected) return Promise.reject(new Error(`the Mnemo child has exited (${child.signalCode ?? child.exitCode})`));
    child.send({ type } satisfies ChildRequest);
    return replyFrom(child, type);
  };
  await Promise.race([replyFrom(child, 'ready'), failedToStart(child, 'the Mnemo child')]);
  return {
    name: 'mnemo',
    pid: child.pid!,
    host: HOST,
    port,
    takeGcPauses: async () => (await ask('gc-take')).pausesMs,
    memoryUsage: async () => (await ask('memory')).usage,
    startPauses: async () => void (await ask('pauses-start')),
    takePauses: async () => (await ask('pauses-take')).pauses,
    stop: stopper(child, port),
  };
}
