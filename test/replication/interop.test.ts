// Replication between Mnemo and a real redis-server 7.0.15, both ways: the replica reaches the
// primary's dataset (what was there at the sync and every write after it), and a dropped link
// resumes with a partial resync.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetCommands, describe } from '../persistence/dataset.ts';
import { skipWithout, startRedisReference } from '../helpers/reference.ts';
import { ask, connect, info, inSync, startMnemo, until } from './helpers.ts';

const skip = skipWithout('redis-server');

test('redis-server 7.0.15 as a replica of Mnemo receives the dataset and every write', { skip }, async (t) => {
  const primaryServer = await startMnemo();
  const primary = connect(primaryServer.port);
  const commands = datasetCommands();
  const half = Math.floor(commands.length / 2);
  for (const cmd of commands.slice(0, half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  const redis = await startRedisReference(['--replicaof', '127.0.0.1', String(primaryServer.port)]);
  const replica = connect(redis.port);
  t.after(async () => {
    primary.disconnect();
    replica.disconnect();
    await redis.close();
    await primaryServer.close();
  });
  await inSync(primary, replica);
  for (const cmd of commands.slice(half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  await primary.call('select', '0');
  await primary.call('multi');
  await primary.call('incr', 'n');
  await primary.call('hset', 'h', 'a', '1');
  await primary.call('exec');
  await inSync(primary, replica);
  assert.deepEqual(await describe(ask(replica)), await describe(ask(primary)));

  // Its link killed, it comes back with PSYNC and gets only what it missed.
  assert.equal(await primary.call('client', 'kill', 'type', 'replica'), 1);
  for (let i = 0; i < 50; i++) await primary.call('sadd', 'during', String(i));
  await until('redis-server to reconnect', async () => (await info(primary, 'replication')).get('connected_slaves') === '1');
  await inSync(primary, replica);
  const stats = await info(primary, 'stats');
  assert.equal(stats.get('sync_full'), '1');
  assert.equal(stats.get('sync_partial_ok'), '1');
  assert.equal(await replica.call('scard', 'during'), 50);
});

test('Mnemo as a replica of redis-server 7.0.15 receives the dataset and every write', { skip }, async (t) => {
  const redis = await startRedisReference(['--repl-diskless-sync-delay', '0']);
  const primary = connect(redis.port);
  const commands = datasetCommands();
  const half = Math.floor(commands.length / 2);
  for (const cmd of commands.slice(0, half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  const replicaServer = await startMnemo({ replicaof: `127.0.0.1 ${redis.port}` });
  const replica = connect(replicaServer.port);
  t.after(async () => {
    primary.disconnect();
    replica.disconnect();
    await replicaServer.close();
    await redis.close();
  });
  await inSync(primary, replica);
  for (const cmd of commands.slice(half)) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  await primary.call('select', '0');
  await primary.call('multi');
  await primary.call('incr', 'n');
  await primary.call('zadd', 'z', '1', 'a');
  await primary.call('exec');
  await inSync(primary, replica);
  assert.deepEqual(await describe(ask(replica)), await describe(ask(primary)));
  assert.equal(await primary.call('wait', '1', '5000'), 1);

  assert.equal(await primary.call('client', 'kill', 'type', 'replica'), 1);
  for (let i = 0; i < 50; i++) await primary.call('lpush', 'during', String(i));
  await until('Mnemo to reconnect', async () => (await info(primary, 'replication')).get('connected_slaves') === '1');
  await inSync(primary, replica);
  const stats = await info(primary, 'stats');
  assert.equal(stats.get('sync_full'), '1');
  assert.equal(stats.get('sync_partial_ok'), '1');
  assert.equal(await replica.call('llen', 'during'), 50);
});
