// Shared helpers for client tests: suites with a started server and a connected client,
// waiting for asynchronous effects, and watching which requests a client library sent that
// Mnemo answered with an error.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import type { Server } from '../../src/server/server.ts';
import { startRedisReference } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';

export interface Refusal {
  argv: Buffer[];
  error: string;
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Records every request that got an error reply. Clients send setup commands (HELLO, CLIENT
 * SETINFO, INFO, ...) whose errors they may swallow; this list says which ones were refused.
 */
export function recordErrors(server: Server): Refusal[] {
  const failures: Refusal[] = [];
  const execute = server.execute.bind(server);
  server.execute = (client, argv) => {
    const onError = client.w.onError;
    let error: string | null = null;
    client.w.onError = (message) => {
      error ??= message;
      onError?.(message);
    };
    try {
      execute(client, argv);
    } finally {
      client.w.onError = onError;
    }
    if (error !== null) failures.push({ argv, error });
  };
  return failures;
}

/** Fails unless a real redis-server refuses each request with the very same error. */
export async function assertRedisRefusesToo(refusals: readonly Refusal[]): Promise<void> {
  const reference = await startRedisReference();
  const conn = await WireConnection.connect(reference.port);
  try {
    for (const { argv, error } of refusals) {
      const reply = await conn.command(argv);
      const shown = argv.map((a) => a.toString('latin1')).join(' ');
      assert.equal(reply?.toString('latin1'), `-${error}\r\n`, `Mnemo refused "${shown}" with "${error}"; Redis 7.0 answers otherwise`);
    }
  } finally {
    conn.close();
    await reference.close();
  }
}

/**
 * Registers before/after hooks in the enclosing suite: Mnemo on a free port and an ioredis
 * client speaking `protocol`. Read `.redis` inside the tests.
 */
export function ioredisSuite(protocol: 2 | 3): { readonly redis: Redis } {
  const state = {} as { redis: Redis; mnemo?: RunningServer };
  before(async () => {
    state.mnemo = await startServer({ port: 0, host: '127.0.0.1' });
    state.redis = new Redis({ port: state.mnemo.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 0, retryStrategy: () => null });
  });
  after(async () => {
    state.redis?.disconnect();
    await state.mnemo?.close();
  });
  return state;
}

/** Like ioredisSuite, with a node-redis 6 client (RESP3). Read `.client` inside the tests. */
export function nodeRedisSuite(): { readonly client: ReturnType<typeof createClient> } {
  const state = {} as { client: ReturnType<typeof createClient>; mnemo?: RunningServer };
  before(async () => {
    state.mnemo = await startServer({ port: 0, host: '127.0.0.1' });
    state.client = createClient({ url: state.mnemo.url, socket: { reconnectStrategy: false } });
    state.client.on('error', () => {});
    await state.client.connect();
  });
  after(async () => {
    if (state.client?.isOpen) state.client.destroy();
    await state.mnemo?.close();
  });
  return state;
}
