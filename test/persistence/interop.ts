// What the interop tests share: a real redis-server 7.0.15 over a directory, a Mnemo harness on
// the wall clock (so TTLs agree with the reference), and one way to ask either of them.

import { Redis } from 'ioredis';
import { Harness } from '../helpers/harness.ts';
import { startRedisReference } from '../helpers/reference.ts';
import type { Ask } from './dataset.ts';

/**
 * Runs `run` against a redis-server on `dir` (its dump.rdb loaded, DEBUG allowed, then
 * `settings`), stopped after.
 */
export async function withRedis<T>(dir: string, run: (client: Redis) => Promise<T>, settings: string[] = []): Promise<T> {
  const redis = await startRedisReference(['--dir', dir, '--dbfilename', 'dump.rdb', '--enable-debug-command', 'yes', ...settings]);
  const client = new Redis({ port: redis.port, host: redis.host, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
    await redis.close();
  }
}

export const redisAsk =
  (client: Redis): Ask =>
  (...args) =>
    client.callBuffer(String(args[0]), ...args.slice(1));

export const harnessAsk =
  (h: Harness): Ask =>
  (...args) =>
    h.runBinary(...args);

/** A harness with DEBUG on and its clock at the wall clock's time. */
export function interopHarness(config: Record<string, string> = {}): Harness {
  const h = new Harness({ 'enable-debug-command': 'yes', ...config });
  h.clock.ms = Date.now();
  return h;
}
