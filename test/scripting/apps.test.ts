// Applications whose Redis use rests on Lua scripts, unchanged, against a started Mnemo:
// redlock (acquire, extend, release, contention between two clients), rate-limiter-flexible's
// RateLimiterRedis, and connect-redis under express-session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import Redlock, { ExecutionError } from 'redlock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { assertRedisRefusesToo, recordErrors, type Refusal } from '../clients/support.ts';

let mnemo: RunningServer;
let refusals: Refusal[];
const clients: Redis[] = [];

function client(): Redis {
  const redis = new Redis({ port: mnemo.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  clients.push(redis);
  return redis;
}

before(async () => {
  mnemo = await startServer({ port: 0, host: '127.0.0.1' });
  refusals = recordErrors(mnemo.server);
});

after(async () => {
  for (const redis of clients) redis.disconnect();
  await mnemo.close();
});

/**
 * The errors an application met were EVALSHA of a script not cached yet (it then sends EVAL),
 * or requests Redis 7.0 refuses the same way (newer clients probe for newer features).
 */
async function assertNoUnexpectedRefusals(): Promise<void> {
  await assertRedisRefusesToo(refusals.filter((r) => !r.error.startsWith('NOSCRIPT')));
  refusals.length = 0;
}

test('redlock: one client acquires, extends and releases a lock; the other gets it only after the release', async () => {
  const first = new Redlock([client()], { retryCount: 0 });
  const second = new Redlock([client()], { retryCount: 0 });
  const lock = await first.acquire(['orders:42'], 10_000);
  assert.equal(await client().get('orders:42'), lock.value);
  await assert.rejects(second.acquire(['orders:42'], 10_000), ExecutionError);
  const extended = await lock.extend(20_000);
  assert.equal(extended.value, lock.value);
  const ttl = await client().pttl('orders:42');
  assert.ok(ttl > 10_000 && ttl <= 20_000, `extended ttl ${ttl}`);
  await extended.release();
  assert.equal(await client().exists('orders:42'), 0);
  const taken = await second.acquire(['orders:42'], 10_000);
  assert.notEqual(taken.value, lock.value);
  // A stale holder's release does not remove the new holder's lock.
  await assert.rejects(lock.release(), ExecutionError);
  assert.equal(await client().get('orders:42'), taken.value);
  await taken.release();
  await assertNoUnexpectedRefusals();
});

test('redlock: a lock over several resources is all or nothing', async () => {
  const redlock = new Redlock([client()], { retryCount: 0 });
  const held = await redlock.acquire(['r:b'], 10_000);
  await assert.rejects(redlock.acquire(['r:a', 'r:b', 'r:c'], 10_000), ExecutionError);
  assert.equal(await client().exists('r:a', 'r:c'), 0);
  await held.release();
  const all = await redlock.acquire(['r:a', 'r:b', 'r:c'], 10_000);
  assert.equal(await client().exists('r:a', 'r:b', 'r:c'), 3);
  await all.release();
  await assertNoUnexpectedRefusals();
});

test('rate-limiter-flexible: RateLimiterRedis allows the configured points, then refuses with the time to wait', async () => {
  const limiter = new RateLimiterRedis({ storeClient: client(), points: 3, duration: 60, keyPrefix: 'rl' });
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await limiter.consume('user:1'));
  assert.deepEqual(
    results.map((r) => [r.consumedPoints, r.remainingPoints]),
    [
      [1, 2],
      [2, 1],
      [3, 0],
    ],
  );
  const refused = await limiter.consume('user:1').then(
    () => assert.fail('the fourth point was allowed'),
    (reason: unknown) => reason,
  );
  assert.ok(refused instanceof RateLimiterRes);
  assert.equal(refused.remainingPoints, 0);
  assert.ok(refused.msBeforeNext > 55_000 && refused.msBeforeNext <= 60_000, `msBeforeNext ${refused.msBeforeNext}`);
  const other = await limiter.consume('user:2', 2);
  assert.equal(other.remainingPoints, 1);
  const ttl = await client().ttl('rl:user:1');
  assert.ok(ttl > 55 && ttl <= 60, `key ttl ${ttl}`);
  await assertNoUnexpectedRefusals();
});

test('connect-redis: express-session keeps a session in Mnemo across requests and destroys it', async () => {
  const redis = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
  redis.on('error', () => {});
  await redis.connect();
  const app = express();
  app.use(session({ store: new RedisStore({ client: redis, prefix: 'sess:' }), secret: 'test secret', resave: false, saveUninitialized: false }));
  app.get('/visit', (req, res) => {
    const s = req.session as unknown as { visits?: number };
    s.visits = (s.visits ?? 0) + 1;
    res.json({ visits: s.visits });
  });
  app.get('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })));
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  try {
    const first = await fetch(`${base}/visit`);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    assert.deepEqual(await first.json(), { visits: 1 });
    const second = await fetch(`${base}/visit`, { headers: { cookie } });
    assert.deepEqual(await second.json(), { visits: 2 });
    const keys = await client().keys('sess:*');
    assert.equal(keys.length, 1);
    assert.equal(JSON.parse((await client().get(keys[0]!))!).visits, 2);
    assert.ok((await client().ttl(keys[0]!)) > 0);
    await fetch(`${base}/logout`, { headers: { cookie } });
    assert.equal(await client().exists(keys[0]!), 0);
  } finally {
    http.close();
    redis.destroy();
  }
  await assertNoUnexpectedRefusals();
});
