// Reference servers for tests that compare Mnemo with the real thing: spawn a redis-server or
// memcached on a free port, wait until it accepts connections, kill it afterwards.
// Without the binary such tests are skipped with a reason, except under
// MNEMO_REQUIRE_REFERENCE=1 (CI), where they run and fail.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ReferenceServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 5000;
const found = new Map<string, boolean>();

function hasBinary(binary: string): boolean {
  let present = found.get(binary);
  if (present === undefined) {
    present = spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
    found.set(binary, present);
  }
  return present;
}

/**
 * The `skip` option for node:test: a reason when the binary is missing and CI does not require
 * it, otherwise false (then a missing binary makes the test fail when it tries to start it).
 */
export function skipWithout(binary: string): string | false {
  if (hasBinary(binary) || process.env.MNEMO_REQUIRE_REFERENCE === '1') return false;
  return `${binary} is not installed (set MNEMO_REQUIRE_REFERENCE=1 to make this a failure)`;
}

/** A port nobody listened on a moment ago (the spawn retries if someone takes it meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: HOST });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `binary` with the arguments `args(port)` on a free port and resolves once it accepts
 * connections. Fails with the process's own output if it exits or never listens.
 */
export async function spawnReference(binary: string, args: (port: number) => string[]): Promise<ReferenceServer> {
  if (!hasBinary(binary)) throw new Error(`${binary} is not installed; the reference tests need it`);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOn(binary, args(port), port);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError!;
}

async function startOn(binary: string, args: string[], port: number): Promise<ReferenceServer> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      output += String(error);
      exited = true;
      resolve();
    });
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!exited && !(await canConnect(port))) {
    if (Date.now() > deadline) {
      await kill(child, exit);
      throw new Error(`${binary} did not listen on port ${port} within ${START_TIMEOUT_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (exited) throw new Error(`${binary} exited at start-up: ${output}`);
  return { host: HOST, port, close: () => kill(child, exit) };
}

async function kill(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exit;
}

/**
 * A throwaway redis-server: no persistence, no protected mode, `extra` settings appended. It
 * works in a fresh directory: a SYNC still makes it write dump.rdb, which must not land where
 * Mnemo servers started from the checkout would load it.
 */
export function startRedisReference(extra: string[] = []): Promise<ReferenceServer> {
  return spawnReference('redis-server', (port) => [
    '--port', String(port),
    '--bind', HOST,
    '--dir', mkdtempSync(join(tmpdir(), 'mnemo-reference-')),
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--logfile', '',
    ...extra,
  ]);
}

/** A throwaway memcached listening on TCP only. */
export function startMemcachedReference(extra: string[] = []): Promise<ReferenceServer> {
  // memcached refuses to run as root unless told which user to be (CI runs as root).
  const user = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return spawnReference('memcached', (port) => ['-p', String(port), '-U', '0', '-l', HOST, ...user, ...extra]);
}
