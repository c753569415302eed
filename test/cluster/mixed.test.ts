// Mnemo and redis-server 7.0.15 in one cluster, speaking the binary bus to each other: made by
// redis-cli --cluster create, they agree on the nodes, their slots and their epochs, and a
// cluster client reads and writes keys on both kinds of node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster as ClusterClient } from 'ioredis';
import { skipWithout } from '../helpers/reference.ts';
import { clusterInfo, connect, redisCli, sharedView, startMnemoNode, startRedisNode, until } from './helpers.ts';

const skip = skipWithout('redis-server') || skipWithout('redis-cli');

test('a redis-server 7.0.15 node and two Mnemo nodes MEET over the bus and agree on slots and epochs', { skip }, async (t) => {
  const redis = await startRedisNode();
  const mnemo = await Promise.all([startMnemoNode(), startMnemoNode()]);
  const ports = [redis.port, ...mnemo.map((node) => node.port)];
  const clients = ports.map(connect);
  let clusterClient: ClusterClient | null = null;
  t.after(async () => {
    clusterClient?.disconnect();
    for (const client of clients) client.disconnect();
    await Promise.all(mnemo.map((node) => node.close()));
    await redis.close();
  });
  const created = await redisCli(['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-yes']);
  assert.equal(created.code, 0, created.output);
  await until('all three nodes to see the cluster ok', async () => {
    const infos = await Promise.all(clients.map(clusterInfo));
    return infos.every((info) => info.get('cluster_state') === 'ok' && info.get('cluster_known_nodes') === '3');
  });
  await until('the views to agree', async () => new Set(await Promise.all(clients.map(sharedView))).size === 1);
  const view = await sharedView(clients[0]!);
  assert.equal(view.split('\n').length, 3);
  const redisInfo = await clusterInfo(clients[0]!);
  const mnemoInfo = await clusterInfo(clients[1]!);
  assert.equal(mnemoInfo.get('cluster_current_epoch'), redisInfo.get('cluster_current_epoch'));
  assert.equal(mnemoInfo.get('cluster_size'), '3');
  const connections = async (client: (typeof clients)[number]) => /cluster_connections:(\d+)/.exec(String(await client.info('clients')))![1];
  assert.equal(await connections(clients[1]!), await connections(clients[0]!), 'INFO cluster_connections as Redis counts them');

  const checked = await redisCli(['--cluster', 'check', `127.0.0.1:${mnemo[0]!.port}`]);
  assert.equal(checked.code, 0, checked.output);

  clusterClient = new ClusterClient([{ host: '127.0.0.1', port: redis.port }], { enableOfflineQueue: true });
  for (let i = 0; i < 200; i++) await clusterClient.set(`mixed:${i}`, String(i));
  for (let i = 0; i < 200; i += 19) assert.equal(await clusterClient.get(`mixed:${i}`), String(i));
  const counts = await Promise.all(clients.map((client) => client.dbsize()));
  assert.ok(counts.every((count) => count > 30), `keys on every node: ${counts}`);

  // PUBLISH crosses the bus both ways.
  const onRedis = connect(redis.port);
  const onMnemo = connect(mnemo[1]!.port);
  t.after(() => {
    onRedis.disconnect();
    onMnemo.disconnect();
  });
  await onRedis.subscribe('news');
  await onMnemo.subscribe('news');
  const heard = (subscriber: typeof onRedis) => new Promise<string>((resolve) => subscriber.once('message', (_channel: string, message: string) => resolve(message)));
  const redisHeard = heard(onRedis);
  await clients[2]!.publish('news', 'from mnemo');
  assert.equal(await redisHeard, 'from mnemo');
  const mnemoHeard = heard(onMnemo);
  await clients[0]!.publish('news', 'from redis');
  assert.equal(await mnemoHeard, 'from redis');
});
