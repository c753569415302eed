// Two Mnemo nodes met by CLUSTER MEET: a slot in migration answers ASK for keys that already
// left, TRYAGAIN for multi-key commands split between the nodes, and the importing node serves
// it only after ASKING; once the importing node owns the slot, the other learns it by gossip. Also
// what the bus survives: bytes
// that are not a cluster message close that link, not the node; and nodes.conf brings a node
// back with its name, epochs and slots after a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { clusterInfo, clusterNodes, connect, startMnemoNode, until } from './helpers.ts';

test('a slot being migrated answers ASK, TRYAGAIN and, after ASKING, serves on the importing node', async (t) => {
  const [a, b] = await Promise.all([startMnemoNode(), startMnemoNode()]);
  const ca = connect(a.port);
  const cb = connect(b.port);
  t.after(async () => {
    ca.disconnect();
    cb.disconnect();
    await Promise.all([a.close(), b.close()]);
  });
  await ca.call('cluster', 'addslotsrange', '0', '8191');
  await cb.call('cluster', 'addslotsrange', '8192', '16383');
  await ca.call('cluster', 'set-config-epoch', '1');
  await cb.call('cluster', 'set-config-epoch', '2');
  await ca.call('cluster', 'meet', '127.0.0.1', String(b.port), String(b.busPort));
  await until('both nodes to be ok', async () => (await Promise.all([ca, cb].map(clusterInfo))).every((info) => info.get('cluster_state') === 'ok'));
  const idA = String(await ca.call('cluster', 'myid'));
  const idB = String(await cb.call('cluster', 'myid'));
  const slot = Number(await ca.call('cluster', 'keyslot', '{b}'));
  assert.ok(slot < 8192, 'the tag {b} lives on node A');
  await ca.set('{b}stays', '1');
  await ca.set('{b}moves', '2');
  await cb.call('cluster', 'setslot', String(slot), 'importing', idA);
  await ca.call('cluster', 'setslot', String(slot), 'migrating', idB);
  assert.deepEqual((await clusterNodes(ca)).find((node) => node.id === idA)!.slots.slice(-1), [`[${slot}->-${idB}]`]);
  assert.equal(await ca.call('migrate', '127.0.0.1', String(b.port), '{b}moves', '0', '5000'), 'OK');

  assert.equal(await ca.get('{b}stays'), '1', 'a key still here is served here');
  await assert.rejects(ca.get('{b}moves'), { message: `ASK ${slot} 127.0.0.1:${b.port}` });
  await assert.rejects(ca.get('{b}never-existed'), { message: `ASK ${slot} 127.0.0.1:${b.port}` });
  await assert.rejects(ca.mget('{b}stays', '{b}moves'), { message: 'TRYAGAIN Multiple keys request during rehashing of slot' });
  await assert.rejects(cb.get('{b}moves'), { message: `MOVED ${slot} 127.0.0.1:${a.port}` }, 'without ASKING the importing node redirects');
  assert.equal(await cb.call('asking'), 'OK');
  assert.equal(await cb.get('{b}moves'), '2');
  await assert.rejects(cb.get('{b}moves'), { message: `MOVED ${slot} 127.0.0.1:${a.port}` }, 'ASKING lasts one command');
  await assert.rejects(cb.call('restore-asking', '{b}restored', '0', 'not a payload'), { message: 'ERR DUMP payload version or checksum are wrong' }, 'RESTORE-ASKING needs no ASKING');

  // Only the importing node is told: node A learns it lost the slot from B's pings (B claims it
  // with a higher config epoch than A's).
  await ca.call('migrate', '127.0.0.1', String(b.port), '{b}stays', '0', '5000');
  await cb.call('cluster', 'setslot', String(slot), 'node', idB);
  assert.equal(await cb.get('{b}stays'), '1');
  await until('node A to learn that node B serves the slot', async () => {
    const nodeB = (await clusterNodes(ca)).find((node) => node.id === idB)!;
    return nodeB.slots.includes(String(slot));
  });
  await assert.rejects(ca.get('{b}stays'), { message: `MOVED ${slot} 127.0.0.1:${b.port}` });
});

test('bytes that are not a bus message close that link only, and nodes.conf restores the node after a restart', async (t) => {
  const first = await startMnemoNode();
  let node = first;
  t.after(() => node.close());
  const client = connect(first.port);
  t.after(() => client.disconnect());
  await client.call('cluster', 'addslots', '1', '2', '3', '100');
  await client.call('cluster', 'set-config-epoch', '7');
  const id = String(await client.call('cluster', 'myid'));

  for (const garbage of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from('RCmb\0\0\0\x10\0\x01'), Buffer.concat([Buffer.from('RCmb'), Buffer.from([0, 0, 0x08, 0xd0]), Buffer.alloc(2252, 0xff)])]) {
    const closedByNode = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: first.busPort }, () => socket.write(garbage));
      socket.on('close', () => resolve(true));
      socket.on('error', () => resolve(true));
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 5000).unref();
    });
    assert.ok(closedByNode, `the node closed the link after ${garbage.length} bad bytes`);
    assert.equal(await client.ping(), 'PONG');
  }

  const conf = readFileSync(`${first.dir}/nodes.conf`, 'utf8');
  assert.match(conf, new RegExp(`^${id} :${first.port}@${first.busPort} myself,master - 0 0 7 connected 1-3 100\\n`));
  assert.match(conf, /\nvars currentEpoch 7 lastVoteEpoch 0\n$/);
  client.disconnect();
  await first.close();
  node = await startMnemoNode({}, first.dir);
  const again = connect(node.port);
  t.after(() => again.disconnect());
  assert.equal(String(await again.call('cluster', 'myid')), id);
  const [myself] = await clusterNodes(again);
  assert.equal(myself!.epoch, 7);
  assert.deepEqual(myself!.slots, ['1-3', '100']);
});
