// Small pieces the examples share.

import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';

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
