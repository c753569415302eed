// A Mnemo replica of a Mnemo primary: full sync of what was there, the stream of what follows,
// a read-only replica, INFO replication, ROLE, WAIT, and a partial resync after a dropped link.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Buffer } from 'node:buffer';
import { datasetCommands, describe } from '../persistence/dataset.ts';
import { ask, connect, info, inSync, serverPair, startMnemo, until } from './helpers.ts';
import { Harness } from '../helpers/harness.ts';

test('a Mnemo replica gets the dataset by full sync, then every write by the stream', async (t) => {
  const { primaryServer, replicaServer, primary, replica } = await serverPair(t);
  const commands = datasetCommands();
  const half = Math.floor(commands.length / 2);
  for (const cmd of commands.slice(0, half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  assert.equal(await replica.call('replicaof', '127.0.0.1', String(primaryServer.port)), 'OK');
  await inSync(primary, replica);
  for (const cmd of commands.slice(half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  await primary.call('select', '0');
  await primary.call('incrby', 'counter', '5');
  await primary.call('multi');
  await primary.call('set', 'in-multi', 'x');
  await primary.call('lpush', 'list-in-multi', 'y');
  await primary.call('exec');
  await inSync(primary, replica);
  assert.deepEqual(await describe(ask(replica)), await describe(ask(primary)));

  const p = await info(primary, 'replication');
  assert.equal(p.get('role'), 'master');
  assert.equal(p.get('connected_slaves'), '1');
  assert.match(p.get('slave0')!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replicaServer.port},state=online,offset=\\d+,lag=\\d+$`));
  const r = await info(replica, 'replication');
  assert.equal(r.get('role'), 'slave');
  assert.equal(r.get('master_port'), String(primaryServer.port));
  assert.equal(r.get('master_replid'), p.get('master_replid'));
  assert.deepEqual(await replica.call('role'), ['slave', '127.0.0.1', primaryServer.port, 'connected', Number(p.get('master_repl_offset'))]);
  const role = (await primary.call('role')) as unknown[];
  assert.equal(role[0], 'master');
  assert.deepEqual((role[2] as string[][])[0]!.slice(0, 2), ['127.0.0.1', String(replicaServer.port)]);
});

test('a read-only replica refuses writes from clients with READONLY; WAIT counts acknowledging replicas', async (t) => {
  const { primaryServer, primary, replica } = await serverPair(t);
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await inSync(primary, replica);
  await assert.rejects(replica.call('set', 'k', 'v'), { message: "READONLY You can't write against a read only replica." });
  assert.equal(await replica.call('get', 'k'), null);
  await primary.call('set', 'k', 'v');
  assert.equal(await primary.call('wait', '1', '5000'), 1);
  assert.equal(await replica.call('get', 'k'), 'v');
  await assert.rejects(replica.call('wait', '1', '0'), /^ReplyError: ERR WAIT cannot be used with replica instances/);
  // Promoted, it takes writes, and keeps the old ID as replid2.
  const before = await info(replica, 'replication');
  assert.equal(await replica.call('replicaof', 'no', 'one'), 'OK');
  const after = await info(replica, 'replication');
  assert.equal(after.get('role'), 'master');
  assert.equal(after.get('master_replid2'), before.get('master_replid'));
  assert.equal(after.get('second_repl_offset'), String(Number(before.get('master_repl_offset')) + 1));
  assert.equal(await replica.call('set', 'k', 'mine'), 'OK');
});

test('a replica whose link was killed resumes with a partial resync', async (t) => {
  const { primaryServer, primary, replica } = await serverPair(t);
  await primary.call('set', 'before', '1');
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await inSync(primary, replica);
  assert.equal(await primary.call('client', 'kill', 'type', 'replica'), 1);
  for (let i = 0; i < 100; i++) await primary.call('rpush', 'during', String(i));
  await until('the replica to reconnect', async () => (await info(primary, 'replication')).get('connected_slaves') === '1');
  await inSync(primary, replica);
  const stats = await info(primary, 'stats');
  assert.equal(stats.get('sync_full'), '1');
  assert.equal(stats.get('sync_partial_ok'), '1');
  assert.deepEqual(await replica.call('lrange', 'during', '0', '-1'), Array.from({ length: 100 }, (_, i) => String(i)));
  assert.equal(await replica.call('get', 'before'), '1');
});

test('a replica authenticates with masteruser/masterauth and passes the stream on to its own replica byte for byte', async (t) => {
  const primaryServer = await startMnemo({ requirepass: 'secret' });
  const middleServer = await startMnemo({ masterauth: 'secret', masteruser: 'default' });
  const leafServer = await startMnemo();
  const primary = connect(primaryServer.port, 'secret');
  const middle = connect(middleServer.port);
  const leaf = connect(leafServer.port);
  t.after(async () => {
    primary.disconnect();
    middle.disconnect();
    leaf.disconnect();
    await leafServer.close();
    await middleServer.close();
    await primaryServer.close();
  });
  await primary.call('set', 'a', '1');
  await middle.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await leaf.call('replicaof', '127.0.0.1', String(middleServer.port));
  await inSync(primary, middle);
  for (let i = 0; i < 20; i++) await primary.call('hset', 'h', `f${i}`, String(i));
  await primary.call('select', '2');
  await primary.call('set', 'b', '2');
  await inSync(primary, middle);
  await inSync(middle, leaf);
  // The same offsets and ID all along the chain: the leaf could follow the primary directly.
  const [p, l] = await Promise.all([info(primary, 'replication'), info(leaf, 'replication')]);
  assert.equal(l.get('master_replid'), p.get('master_replid'));
  assert.equal(l.get('master_repl_offset'), p.get('master_repl_offset'));
  assert.equal(await leaf.call('hlen', 'h'), 20);
  await leaf.call('select', '2');
  assert.equal(await leaf.call('get', 'b'), '2');
  assert.equal(await leaf.call('get', 'a'), null);
  await leaf.call('select', '0');
  assert.equal(await leaf.call('get', 'a'), '1');
});

test('a replica that hears nothing from its primary for repl-timeout drops the link and resumes with PSYNC', async (t) => {
  const { primaryServer, primary, replica } = await serverPair(t, {}, { 'repl-timeout': '1' });
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await inSync(primary, replica);
  // No writes and no PING for 10 s (repl-ping-replica-period): the replica gives up on the link.
  await until('a partial resync after the timeout', async () => (await info(primary, 'stats')).get('sync_partial_ok') === '1');
  assert.equal((await info(primary, 'stats')).get('sync_full'), '1');
});

test('a full sync sends the dataset as of the PSYNC while writes go on, then those writes', async (t) => {
  const config = { 'enable-debug-command': 'yes' };
  const { primaryServer, primary, replica } = await serverPair(t, config, config);
  // Values that do not compress, so that the RDB takes several steps.
  const load = primary.pipeline();
  for (let i = 0; i < 4000; i++) load.set(`key:${i}`, randomBytes(375).toString('base64'));
  await load.exec();
  // Writes in batches while the snapshot is walked a step per turn: changed, deleted and new keys.
  const batch = async (round: number) => {
    const writes = primary.pipeline();
    for (let i = round % 7; i < 4000; i += 97) writes.set(`key:${i}`, `changed:${round}`);
    writes.del(`key:${3999 - round}`);
    writes.set(`new:${round}`, String(round));
    await writes.exec();
  };
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  let round = 0;
  while (!(await info(primary, 'replication')).has('slave0')) await batch(round++);
  for (const end = round + 10; round < end; ) await batch(round++);
  await inSync(primary, replica);
  assert.equal(await replica.call('dbsize'), await primary.call('dbsize'));
  assert.equal(await replica.call('debug', 'digest'), await primary.call('debug', 'digest'));
  // In one go: a broken RDB would have made the replica retry.
  assert.equal((await info(primary, 'stats')).get('sync_full'), '1');
});

test("PSYNC from a client without capa eof gets +FULLRESYNC and the RDB as $<len>; SLAVEOF NO ONE on a primary is OK", async (t) => {
  const server = await startMnemo();
  const client = connect(server.port);
  const socket = net.connect(server.port, '127.0.0.1');
  t.after(async () => {
    socket.destroy();
    client.disconnect();
    await server.close();
  });
  await client.call('set', 'k', 'v');
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.write(['PSYNC', '?', '-1'].join(' ') + '\r\n');
  const header = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n\$(\d+)\r\n/;
  await until('the RDB', async () => {
    const match = header.exec(received.toString('latin1'));
    return match !== null && received.length >= match[0].length + Number(match[3]);
  });
  const match = header.exec(received.toString('latin1'))!;
  const replication = await info(client, 'replication');
  assert.equal(match[1], replication.get('master_replid'));
  const rdb = received.subarray(match[0].length, match[0].length + Number(match[3]));
  assert.equal(rdb.subarray(0, 9).toString('latin1'), 'REDIS0010');
  assert.ok(rdb.includes(Buffer.from('k')));
  assert.equal(replication.get('connected_slaves'), '1');
  assert.equal(await client.call('slaveof', 'no', 'one'), 'OK');
  await assert.rejects(client.call('slaveof', 'localhost', '70000'), { message: 'ERR Invalid master port' });
  await assert.rejects(client.call('replicaof', 'localhost', 'abc'), { message: 'ERR Invalid master port' });
});

test('REPLCONF takes the options a replica sends and refuses unknown ones with Redis\'s text', () => {
  const h = new Harness();
  assert.equal(h.run('REPLCONF', 'listening-port', '6380'), 'OK');
  assert.equal(h.run('REPLCONF', 'capa', 'eof', 'capa', 'psync2'), 'OK');
  assert.equal((h.run('REPLCONF', 'bogus', 'x') as { text: string }).text, 'ERR Unrecognized REPLCONF option: bogus');
});

test('the primary lists a replica under its replica-announce-ip/port; CONFIG GET replicaof follows REPLICAOF; a link never up is down since -1', async (t) => {
  const { primaryServer, primary, replica } = await serverPair(t, {}, { 'replica-announce-ip': '10.1.2.3', 'replica-announce-port': '9999' });
  // Port 1 refuses connections: the link stays down, never having been up.
  await replica.call('replicaof', '127.0.0.1', '1');
  const down = await info(replica, 'replication');
  assert.equal(down.get('master_link_status'), 'down');
  assert.equal(down.get('master_link_down_since_seconds'), '-1');
  assert.deepEqual(await replica.call('config', 'get', 'replicaof'), ['replicaof', '127.0.0.1 1']);

  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await inSync(primary, replica);
  assert.match((await info(primary, 'replication')).get('slave0')!, /^ip=10\.1\.2\.3,port=9999,state=online,/);
  const role = (await primary.call('role')) as [string, number, string[][]];
  assert.deepEqual(role[2][0]!.slice(0, 2), ['10.1.2.3', '9999']);
  assert.deepEqual(await replica.call('config', 'get', 'replicaof'), ['replicaof', `127.0.0.1 ${primaryServer.port}`]);

  await primaryServer.close();
  await until('the replica to see its link down', async () => (await info(replica, 'replication')).get('master_link_status') === 'down');
  assert.match((await info(replica, 'replication')).get('master_link_down_since_seconds')!, /^\d+$/);
  await replica.call('replicaof', 'no', 'one');
  assert.deepEqual(await replica.call('config', 'get', 'replicaof'), ['replicaof', '']);
});
