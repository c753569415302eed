// MIGRATE outside cluster mode, between Mnemo and a real redis-server 7.0.15 in both
// directions: the key arrives with its value and TTL, leaves the source unless COPY, REPLACE
// overwrites, AUTH reaches a protected target, and the target's errors come back as Redis words them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer } from '../../src/server/run.ts';
import { freePort, skipWithout, startRedisReference } from '../helpers/reference.ts';

const skip = skipWithout('redis-server');

function connect(port: number, password?: string): Redis {
  return new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 0 });
}

/** An in-process Mnemo and a redis-server started with `redisArgs`, a client of each, all closed after the test. */
async function startBoth(t: { after(fn: () => Promise<void>): void }, redisArgs: string[], redisPassword?: string) {
  const mnemoServer = await startServer({ port: 0, host: '127.0.0.1' });
  const redisServer = await startRedisReference(redisArgs);
  const mnemo = connect(mnemoServer.port);
  const redis = connect(redisServer.port, redisPassword);
  t.after(async () => {
    mnemo.disconnect();
    redis.disconnect();
    await redisServer.close();
    await mnemoServer.close();
  });
  return { mnemoServer, redisServer, mnemo, redis, target: ['127.0.0.1', String(redisServer.port)] };
}

test('MIGRATE moves keys from Mnemo to redis-server and back, with TTLs, COPY, REPLACE, KEYS and AUTH', { skip }, async (t) => {
  const { mnemoServer, mnemo, redis, target } = await startBoth(t, ['--requirepass', 'secret'], 'secret');
  await mnemo.set('plain', 'v1');
  await mnemo.set('volatile', 'v2', 'PX', 100_000);
  await mnemo.rpush('list', 'a', 'b', 'c');
  await assert.rejects(mnemo.call('migrate', ...target, 'plain', '0', '5000'), /^ReplyError: ERR Target instance replied with error: NOAUTH Authentication required\.$/);
  assert.equal(await mnemo.exists('plain'), 1, 'a refused key stays');
  assert.equal(await mnemo.call('migrate', ...target, 'plain', '0', '5000', 'AUTH', 'secret'), 'OK');
  assert.equal(await mnemo.exists('plain'), 0, 'a migrated key leaves the source');
  assert.equal(await redis.get('plain'), 'v1');
  assert.equal(await mnemo.call('migrate', ...target, '', '0', '5000', 'COPY', 'AUTH2', 'default', 'secret', 'KEYS', 'volatile', 'list', 'missing'), 'OK');
  assert.equal(await mnemo.exists('volatile', 'list'), 2, 'COPY keeps the keys');
  assert.deepEqual(await redis.lrange('list', 0, -1), ['a', 'b', 'c']);
  const ttl = await redis.pttl('volatile');
  assert.ok(ttl > 90_000 && ttl <= 100_000, `TTL carried over: ${ttl}`);
  await assert.rejects(
    mnemo.call('migrate', ...target, 'list', '0', '5000', 'AUTH', 'secret'),
    /ERR Target instance replied with error: BUSYKEY Target key name already exists\./,
  );
  await mnemo.rpush('list', 'd');
  assert.equal(await mnemo.call('migrate', ...target, 'list', '0', '5000', 'REPLACE', 'AUTH', 'secret'), 'OK');
  assert.deepEqual(await redis.lrange('list', 0, -1), ['a', 'b', 'c', 'd']);
  assert.equal(await mnemo.call('migrate', ...target, 'nothing', '0', '5000'), 'NOKEY');
  await assert.rejects(mnemo.call('migrate', ...target, 'k', '0', '5000', 'KEYS', 'x'), /When using MIGRATE KEYS option, the key argument must be set to the empty string/);
  await assert.rejects(mnemo.call('migrate', ...target, 'volatile', '0', '5000', 'BOGUS'), /ERR syntax error/);

  // And back: redis-server migrates into Mnemo, into another database.
  assert.equal(await redis.call('migrate', '127.0.0.1', String(mnemoServer.port), 'list', '3', '5000'), 'OK');
  await mnemo.select(3);
  assert.deepEqual(await mnemo.lrange('list', 0, -1), ['a', 'b', 'c', 'd']);

  const closed = await freePort();
  await assert.rejects(mnemo.call('migrate', '127.0.0.1', String(closed), 'list', '0', '500'), /IOERR error or timeout connecting to the client/);
  assert.deepEqual(await mnemo.lrange('list', 0, -1), ['a', 'b', 'c', 'd'], 'nothing is lost when the target is unreachable');
});

test('MIGRATE keeps one connection per target, selects a database only when it changes, and reconnects once when the target closed it', { skip }, async (t) => {
  const { mnemo, redis, target } = await startBoth(t, []);
  const connectionsReceived = async () => Number(/total_connections_received:(\d+)/.exec(String(await redis.info('stats')))![1]);
  const selects = async () => Number(/cmdstat_select:calls=(\d+)/.exec(String(await redis.info('commandstats')))?.[1] ?? 0);
  const before = await connectionsReceived();
  for (let i = 0; i < 5; i++) {
    await mnemo.set(`k${i}`, String(i));
    assert.equal(await mnemo.call('migrate', ...target, `k${i}`, '0', '5000'), 'OK');
  }
  assert.equal(await connectionsReceived(), before + 1, 'five MIGRATEs, one connection');
  assert.equal(await selects(), 1, 'one SELECT while the database stays the same');
  await mnemo.set('k5', '5');
  assert.equal(await mnemo.call('migrate', ...target, 'k5', '2', '5000'), 'OK');
  assert.equal(await selects(), 2, 'another database, another SELECT');
  await redis.select(2);
  assert.equal(await redis.get('k5'), '5');

  // The target drops its clients (as a restart or CLIENT KILL would): the next MIGRATE finds the
  // cached connection closed and makes a new one.
  await redis.call('client', 'kill', 'type', 'normal', 'skipme', 'yes');
  await mnemo.set('k6', '6');
  assert.equal(await mnemo.call('migrate', ...target, 'k6', '2', '5000'), 'OK');
  assert.equal(await redis.get('k6'), '6');
  assert.equal(await connectionsReceived(), before + 2);
});
