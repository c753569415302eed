// Debian's redis-sentinel 7.0.15, three of them, failing over Mnemo nodes run as real
// processes: the primary is killed with SIGKILL, the sentinels agree it is down, promote the
// replica `replica-priority` designates (with MULTI, REPLICAOF NO ONE, CONFIG REWRITE, CLIENT
// KILL, EXEC), reconfigure the other replica, and clients that ask the sentinels follow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type { Redis } from 'ioredis';
import { createSentinel } from 'redis';
import { skipWithout } from '../helpers/reference.ts';
import { info } from './helpers.ts';
import { MASTER_NAME, SentinelGroup } from './sentinel-group.ts';

const skip = skipWithout('redis-sentinel');

test('Sentinel promotes the preferred Mnemo replica after SIGKILL of the primary; the other follows it and ioredis through the sentinels writes to it', { skip }, async (t) => {
  // Node 1 may never be promoted (priority 0), so node 2 must be.
  const group = await SentinelGroup.start({ nodeConfig: (i) => (i === 1 ? 'replica-priority 0' : '') });
  t.after(() => group.close());
  const [primary, neverPromoted, preferred] = group.nodes as [(typeof group.nodes)[0], (typeof group.nodes)[0], (typeof group.nodes)[0]];
  const redis = group.sentinelClient();
  for (let i = 0; i < 100; i++) await redis.set(`before:${i}`, String(i));
  assert.equal(await redis.call('wait', '2', '5000'), 2);

  primary.process.child.kill('SIGKILL');
  const newPort = await group.failedOver(primary.port, [neverPromoted.port, preferred.port]);
  assert.equal(newPort, preferred.port);

  // The client's next command reaches the new primary (it asks the sentinels again).
  assert.equal(await redis.set('after', 'failover'), 'OK');
  const promoted = group.client(preferred.port);
  assert.equal(await promoted.get('after'), 'failover');
  assert.deepEqual(await promoted.mget(Array.from({ length: 100 }, (_, i) => `before:${i}`)), Array.from({ length: 100 }, (_, i) => String(i)));
  const role = (await promoted.call('role')) as [string, number, string[][]];
  assert.equal(role[0], 'master');
  assert.deepEqual(role[2].map((replica) => replica[1]), [String(neverPromoted.port)]);
  const replicaInfo = await info(group.client(neverPromoted.port), 'replication');
  assert.equal(replicaInfo.get('master_port'), String(preferred.port));
  assert.equal(await group.client(neverPromoted.port).get('after'), 'failover');

  // CONFIG REWRITE, sent by Sentinel with each REPLICAOF, recorded the new roles in the files.
  assert.doesNotMatch(readFileSync(preferred.configFile, 'utf8'), /^replicaof/m);
  assert.match(readFileSync(neverPromoted.configFile, 'utf8'), new RegExp(`^replicaof 127\\.0\\.0\\.1 ${preferred.port}$`, 'm'));
});

/** An express app keeping a visit counter in its session, stored by connect-redis in `client`. */
async function visitsApp(client: unknown) {
  const app = express();
  app.use(session({ store: new RedisStore({ client, prefix: 'sess:' }), secret: 'test secret', resave: false, saveUninitialized: false }));
  app.get('/visit', (req, res) => {
    const s = req.session as unknown as { visits?: number };
    s.visits = (s.visits ?? 0) + 1;
    res.json({ visits: s.visits });
  });
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let cookie = '';
  return {
    http,
    async visit(): Promise<number> {
      const response = await fetch(`${base}/visit`, { headers: cookie === '' ? {} : { cookie } });
      cookie ||= response.headers.get('set-cookie')!.split(';')[0]!;
      return ((await response.json()) as { visits: number }).visits;
    },
  };
}

/**
 * connect-redis 9 speaks node-redis's API (`set(key, value, { expiration })`, `del([keys])`);
 * this is the part of it express-session's requests use, over ioredis.
 */
function ioredisForConnectRedis(redis: Redis) {
  return {
    get: (key: string) => redis.get(key),
    set: (key: string, value: string, options: { expiration: { value: number } }) => redis.set(key, value, 'EX', options.expiration.value),
    expire: (key: string, seconds: number) => redis.expire(key, seconds),
    del: (keys: string[]) => redis.del(...keys),
  };
}

test('express-session with connect-redis keeps its sessions across the primary’s death, through ioredis’s and node-redis’s Sentinel clients', { skip }, async (t) => {
  const group = await SentinelGroup.start();
  const nodeRedis = createSentinel({
    name: MASTER_NAME,
    sentinelRootNodes: group.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
  });
  nodeRedis.on('error', () => {});
  const withIoredis = await visitsApp(ioredisForConnectRedis(group.sentinelClient()));
  t.after(async () => {
    withIoredis.http.close();
    await group.close();
  });
  await nodeRedis.connect();
  const withNodeRedis = await visitsApp(nodeRedis);
  t.after(() => {
    withNodeRedis.http.close();
    nodeRedis.destroy();
  });
  assert.equal(await withIoredis.visit(), 1);
  assert.equal(await withIoredis.visit(), 2);
  assert.equal(await withNodeRedis.visit(), 1);
  const primaryPort = group.nodes[0]!.port;
  assert.equal(await group.client(primaryPort).call('wait', '2', '5000'), 2);

  group.nodes[0]!.process.child.kill('SIGKILL');
  await group.failedOver(primaryPort, [group.nodes[1]!.port, group.nodes[2]!.port]);
  assert.equal(await withIoredis.visit(), 3);
  assert.equal(await withNodeRedis.visit(), 2);
});
