// Small pieces the examples share.

import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const SERVER = fileURLToPath(new URL('../bin/mnemo-server.js', import.meta.url));

/** A TCP port that was free a moment ago (for the fronts an example starts beside Redis's). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/**
 * A TypeScript entry of an example as a child process, with `env` added. Its stderr comes
 * through a pipe, not inherited: a child that outlived its parent (a test cut off by its
 * timeout) must not hold the test runner's output open.
 */
export function spawnExample(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.pipe(process.stderr);
  return child;
}

/** Polls `check` every 100 ms until it holds (a rejection counts as not yet). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const start = Date.now(); !(await check().catch(() => false)); ) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One command on a connection of its own (for setup and inspection, not for the hot path). */
export async function ask<T>(port: number, ...command: string[]): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // A refused connection is the rejection below; ioredis would also report it as an event.
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.call(command[0]!, ...command.slice(1))) as T;
  } finally {
    client.disconnect();
  }
}

/** A mnemo-server process (bin/mnemo-server.js) with `args`, once it is ready for clients. */
export function startMnemoProcess(args: readonly string[], cwd?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SERVER, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`mnemo-server ${args.join(' ')} exited with ${code}: ${log}`)));
  });
}
