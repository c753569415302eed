// A cluster of Mnemo nodes made the way operators make one: redis-cli --cluster create, then
// --cluster check, then a cluster-aware client (ioredis's Cluster) writing and reading keys
// across the nodes, which it finds from CLUSTER SLOTS and MOVED redirections, then
// --cluster reshard moving slots with their keys (SETSLOT, GETKEYSINSLOT, MIGRATE) while the
// client keeps writing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster as ClusterClient } from 'ioredis';
import { skipWithout } from '../helpers/reference.ts';
import { clusterInfo, connect, redisCli, sharedView, startMnemoNode, until } from './helpers.ts';

const skip = skipWithout('redis-cli');

test('redis-cli --cluster create makes three Mnemo nodes one cluster that --cluster check finds sound and reshard rebalances with its keys', { skip }, async (t) => {
  const nodes = await Promise.all([startMnemoNode(), startMnemoNode(), startMnemoNode()]);
  const clients = nodes.map((node) => connect(node.port));
  let clusterClient: ClusterClient | null = null;
  t.after(async () => {
    clusterClient?.disconnect();
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((node) => node.close()));
  });
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = await redisCli(['--cluster', 'create', ...addresses, '--cluster-yes']);
  assert.equal(created.code, 0, created.output);
  assert.match(created.output, /\[OK\] All 16384 slots covered/);

  await until('every node to see the cluster ok', async () => {
    const infos = await Promise.all(clients.map(clusterInfo));
    return infos.every((info) => info.get('cluster_state') === 'ok' && info.get('cluster_known_nodes') === '3');
  });
  const views = await Promise.all(clients.map(sharedView));
  assert.equal(views[1], views[0], 'nodes 0 and 1 agree on roles, epochs and slots');
  assert.equal(views[2], views[0], 'nodes 0 and 2 agree on roles, epochs and slots');
  const epochs = new Set(views[0]!.split('\n').map((line) => line.split(' ')[3]));
  assert.equal(epochs.size, 3, 'each primary has its own config epoch');

  const checked = await redisCli(['--cluster', 'check', addresses[0]!]);
  assert.equal(checked.code, 0, checked.output);
  assert.match(checked.output, /\[OK\] All nodes agree about slots configuration/);
  assert.match(checked.output, /\[OK\] All 16384 slots covered/);

  // A key on another node answers MOVED with that node's address.
  const slot = Number(await clients[0]!.call('cluster', 'keyslot', 'somekey'));
  const owner = (await clients[0]!.call('cluster', 'slots')) as [number, number, [string, number, string]][];
  const range = owner.find(([start, end]) => slot >= start && slot <= end)!;
  const ownerPort = range[2][1];
  const other = clients[nodes.findIndex((node) => node.port !== ownerPort)]!;
  await assert.rejects(other.set('somekey', 'v'), { message: `MOVED ${slot} 127.0.0.1:${ownerPort}` });

  clusterClient = new ClusterClient([{ host: '127.0.0.1', port: nodes[0]!.port }], { enableOfflineQueue: true });
  for (let i = 0; i < 300; i++) await clusterClient.set(`key:${i}`, `value:${i}`);
  for (let i = 0; i < 300; i += 37) assert.equal(await clusterClient.get(`key:${i}`), `value:${i}`);
  const perNode = await Promise.all(clients.map((client) => client.dbsize()));
  assert.equal(perNode.reduce((a, b) => a + b, 0), 300);
  assert.ok(perNode.every((count) => count > 50), `keys spread over the nodes: ${perNode}`);
  // Multi-key commands work within one hash tag and are refused across slots.
  await clusterClient.mset('{user:1}:name', 'ada', '{user:1}:lang', 'en');
  assert.deepEqual(await clusterClient.mget('{user:1}:name', '{user:1}:lang'), ['ada', 'en']);
  await assert.rejects(clients[0]!.mget('a', 'b'), { message: "CROSSSLOT Keys in request don't hash to the same slot" });

  // 100 slots with their keys move from the first node to the second while writes go on.
  const ids = await Promise.all(clients.map(async (client) => String(await client.call('cluster', 'myid'))));
  const before = await clients[1]!.dbsize();
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) await clusterClient!.set(`during:${written++}`, 'x');
  })();
  const resharded = await redisCli(['--cluster', 'reshard', addresses[0]!, '--cluster-from', ids[0]!, '--cluster-to', ids[1]!, '--cluster-slots', '100', '--cluster-yes'], 120_000);
  writing = false;
  await writer;
  assert.equal(resharded.code, 0, resharded.output);
  assert.ok((await clients[1]!.dbsize()) > before, 'the second node received keys');
  await until('every node to agree again', async () => new Set(await Promise.all(clients.map(sharedView))).size === 1);
  const after = await redisCli(['--cluster', 'check', addresses[2]!]);
  assert.equal(after.code, 0, after.output);
  assert.match(after.output, /\[OK\] All 16384 slots covered/);
  for (let i = 0; i < 300; i++) assert.equal(await clusterClient.get(`key:${i}`), `value:${i}`, `key:${i} survived the reshard`);
  const total = (await Promise.all(clients.map((client) => client.dbsize()))).reduce((a, b) => a + b, 0);
  assert.equal(total, 300 + 2 + written, 'no key lost or duplicated');
});
