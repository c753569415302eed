// The rest of redis-cli's cluster operations on Mnemo nodes: add-node of an empty primary,
// rebalance onto it (--cluster-use-empty-masters) and off it again (weight 0), fix of a slot
// left open by an interrupted migration, del-node (of the node, by then a replica); and
// node-redis's createCluster client writing through a reshard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster as ClusterClient } from 'ioredis';
import { createCluster } from 'redis';
import { skipWithout } from '../helpers/reference.ts';
import { clusterInfo, clusterNodes, connect, redisCli, sharedView, startMnemoNode, until } from './helpers.ts';

const skip = skipWithout('redis-cli');

async function createdCluster(count: number, t: { after(fn: () => Promise<void>): void }) {
  const nodes = await Promise.all(Array.from({ length: count }, () => startMnemoNode()));
  const clients = nodes.map((node) => connect(node.port));
  t.after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((node) => node.close()));
  });
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = await redisCli(['--cluster', 'create', ...addresses.slice(0, 3), '--cluster-yes']);
  assert.equal(created.code, 0, created.output);
  await until('the cluster to be ok', async () => (await Promise.all(clients.slice(0, 3).map(clusterInfo))).every((info) => info.get('cluster_state') === 'ok'));
  return { nodes, clients, addresses };
}

const slotsOf = async (client: ReturnType<typeof connect>, id: string) =>
  (await clusterNodes(client)).find((node) => node.id === id)!.slots.filter((slot) => !slot.startsWith('['));

test('add-node, rebalance onto an empty primary and off it, fix of an open slot, and del-node keep every key', { skip }, async (t) => {
  const { nodes, clients, addresses } = await createdCluster(4, t);
  const cluster = new ClusterClient([{ host: '127.0.0.1', port: nodes[0]!.port }], { enableOfflineQueue: true });
  t.after(async () => cluster.disconnect());
  for (let i = 0; i < 500; i++) await cluster.set(`k:${i}`, String(i));

  const added = await redisCli(['--cluster', 'add-node', addresses[3]!, addresses[0]!]);
  assert.equal(added.code, 0, added.output);
  const newId = String(await clients[3]!.call('cluster', 'myid'));
  // A new primary, like Redis's, says CLUSTERDOWN until it has seen the majority for the rejoin
  // delay (the node timeout, at most 5 s), so slots can move to it only after that.
  await until('every node to know the new primary and the cluster ok', async () =>
    (await Promise.all(clients.map(clusterInfo))).every((info) => info.get('cluster_known_nodes') === '4' && info.get('cluster_state') === 'ok'),
  );

  // A small weight for the newcomer (about 530 slots) keeps the test short: redis-cli moves
  // slots one at a time, and these four nodes share the test's one event loop.
  const onto = await redisCli(['--cluster', 'rebalance', addresses[0]!, '--cluster-use-empty-masters', '--cluster-weight', `${newId}=0.1`], 300_000);
  assert.equal(onto.code, 0, onto.output);
  assert.ok((await slotsOf(clients[0]!, newId)).length > 0, `the empty primary received slots:\n${onto.output}`);
  assert.ok((await clients[3]!.dbsize()) > 0, 'and the keys of those slots');
  await until('the nodes to agree after the rebalance', async () => new Set(await Promise.all(clients.map(sharedView))).size === 1);

  // An interrupted migration leaves a slot MIGRATING on its owner and IMPORTING on the target;
  // check reports it and fix closes it.
  const ids = await Promise.all(clients.map(async (client) => String(await client.call('cluster', 'myid'))));
  const slot = Number(await clients[0]!.call('cluster', 'keyslot', 'open-slot-key'));
  const ownerIndex = ids.indexOf((await clusterNodes(clients[0]!)).find((node) => node.slots.some((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return slot >= from && slot <= to;
  }))!.id);
  const targetIndex = (ownerIndex + 1) % 4;
  await cluster.set('open-slot-key', 'kept');
  assert.equal(await clients[targetIndex]!.call('cluster', 'setslot', String(slot), 'importing', ids[ownerIndex]!), 'OK');
  assert.equal(await clients[ownerIndex]!.call('cluster', 'setslot', String(slot), 'migrating', ids[targetIndex]!), 'OK');
  const broken = await redisCli(['--cluster', 'check', addresses[0]!]);
  assert.notEqual(broken.code, 0, 'check fails on an open slot');
  assert.match(broken.output, new RegExp(`open slot.*${slot}|${slot}.*open`, 'is'));
  const fixed = await redisCli(['--cluster', 'fix', addresses[0]!, '--cluster-yes'], 300_000);
  assert.equal(fixed.code, 0, fixed.output);
  const checked = await redisCli(['--cluster', 'check', addresses[0]!]);
  assert.equal(checked.code, 0, checked.output);
  assert.match(checked.output, /\[OK\] All 16384 slots covered/);
  assert.equal(await cluster.get('open-slot-key'), 'kept');

  // Weight 0 empties the fourth primary; then del-node removes it.
  const off = await redisCli(['--cluster', 'rebalance', addresses[0]!, '--cluster-weight', `${newId}=0`], 300_000);
  assert.equal(off.code, 0, off.output);
  assert.deepEqual(await slotsOf(clients[0]!, newId), [], `the fourth primary gave its slots away:\n${off.output}`);
  // As in Redis 7.0 (cluster-allow-replica-migration yes), a primary left without slots becomes
  // a replica of the node that took its last one, and then holds that node's keys.
  await until('the emptied primary to turn replica', async () => ((await clients[3]!.call('role')) as string[])[0] === 'slave');
  const removed = await redisCli(['--cluster', 'del-node', addresses[0]!, newId]);
  assert.equal(removed.code, 0, removed.output);
  await until('the others to forget the removed node', async () => (await Promise.all(clients.slice(0, 3).map(clusterInfo))).every((info) => info.get('cluster_known_nodes') === '3'));
  const total = (await Promise.all(clients.slice(0, 3).map((client) => client.dbsize()))).reduce((a, b) => a + b, 0);
  assert.equal(total, 501, 'no key lost or duplicated');
  for (let i = 0; i < 500; i += 7) assert.equal(await cluster.get(`k:${i}`), String(i));
});

test("node-redis's createCluster client keeps writing and reading through a reshard", { skip }, async (t) => {
  const { clients, addresses, nodes } = await createdCluster(3, t);
  const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${nodes[0]!.port}` }] });
  cluster.on('error', () => {});
  await cluster.connect();
  t.after(async () => cluster.destroy());
  const ids = await Promise.all(clients.map(async (client) => String(await client.call('cluster', 'myid'))));
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      await cluster.set(`nr:${written}`, String(written));
      written++;
    }
  })();
  const resharded = await redisCli(['--cluster', 'reshard', addresses[0]!, '--cluster-from', ids[0]!, '--cluster-to', ids[2]!, '--cluster-slots', '200', '--cluster-yes'], 300_000);
  writing = false;
  await writer;
  assert.equal(resharded.code, 0, resharded.output);
  assert.ok(written > 0);
  for (let i = 0; i < written; i++) assert.equal(await cluster.get(`nr:${i}`), String(i), `nr:${i}`);
  const total = (await Promise.all(clients.map((client) => client.dbsize()))).reduce((a, b) => a + b, 0);
  assert.equal(total, written);
});
