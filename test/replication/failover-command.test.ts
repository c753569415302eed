// FAILOVER as Redis 7.0: the primary pauses writes until its target acknowledged everything,
// then becomes the target's replica with PSYNC ... FAILOVER (the target promotes itself and
// answers +CONTINUE); a timeout aborts and lets the held writes run; the errors in Redis's words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connect, info, inSync, serverPair, startMnemo, until } from './helpers.ts';

test('FAILOVER TO hands the primary role to the replica, which continues the same stream; the old primary follows it', async (t) => {
  const { primaryServer, replicaServer, primary, replica } = await serverPair(t);
  await assert.rejects(primary.call('failover'), { message: 'ERR FAILOVER requires connected replicas.' });
  await assert.rejects(primary.call('failover', 'abort'), { message: 'ERR No failover in progress.' });
  await assert.rejects(primary.call('failover', 'timeout', '0'), { message: 'ERR FAILOVER timeout must be greater than 0' });
  await assert.rejects(primary.call('failover', 'bogus'), { message: 'ERR syntax error' });
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  for (let i = 0; i < 50; i++) await primary.set(`k${i}`, String(i));
  await inSync(primary, replica);
  await assert.rejects(primary.call('failover', 'force'), { message: 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.' });
  await assert.rejects(primary.call('failover', 'to', '127.0.0.1', '1'), { message: 'ERR FAILOVER target HOST and PORT is not a replica.' });
  await assert.rejects(replica.call('failover'), { message: 'ERR FAILOVER is not valid when server is a replica.' });

  assert.equal(await primary.call('failover', 'to', '127.0.0.1', String(replicaServer.port)), 'OK');
  await until('the roles to swap', async () => {
    const [p, r] = await Promise.all([info(primary, 'replication'), info(replica, 'replication')]);
    return r.get('role') === 'master' && p.get('role') === 'slave' && p.get('master_link_status') === 'up';
  });
  const old = await info(primary, 'replication');
  assert.equal(old.get('master_port'), String(replicaServer.port));
  assert.equal(old.get('master_failover_state'), 'no-failover');
  // The target continued the stream it had: a partial resync, no full one.
  assert.equal((await info(replica, 'stats')).get('sync_partial_ok'), '1');
  await assert.rejects(primary.set('k', 'v'), { message: "READONLY You can't write against a read only replica." });
  await replica.set('after', 'failover');
  await inSync(replica, primary);
  assert.equal(await primary.get('after'), 'failover');
  assert.equal(await primary.get('k49'), '49');
});

test('FAILOVER holds writes while it waits for a replica that never catches up, and gives up at its TIMEOUT', async (t) => {
  const primaryServer = await startMnemo();
  const primary = connect(primaryServer.port);
  const writer = connect(primaryServer.port);
  // A replica that syncs and never acknowledges anything.
  const silent = net.connect(primaryServer.port, '127.0.0.1');
  silent.on('data', () => {});
  t.after(async () => {
    silent.destroy();
    primary.disconnect();
    writer.disconnect();
    await primaryServer.close();
  });
  silent.write('REPLCONF listening-port 7777\r\nREPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n');
  await until('the silent replica to be online', async () => /state=online/.test((await info(primary, 'replication')).get('slave0') ?? ''));
  await primary.set('k', 'before');
  assert.equal(await primary.call('failover', 'to', '127.0.0.1', '7777', 'timeout', '300'), 'OK');
  assert.equal((await info(primary, 'replication')).get('master_failover_state'), 'waiting-for-sync');
  await assert.rejects(primary.call('failover'), { message: 'ERR FAILOVER already in progress.' });
  // Held until the failover ends, then run on the primary it still is.
  const held = writer.set('k', 'during');
  assert.equal(await primary.get('k'), 'before');
  assert.equal(await held, 'OK');
  assert.equal((await info(primary, 'replication')).get('master_failover_state'), 'no-failover');
  assert.equal((await info(primary, 'replication')).get('role'), 'master');
  assert.equal(await primary.get('k'), 'during');

  // ABORT ends a failover at once.
  assert.equal(await primary.call('failover', 'to', '127.0.0.1', '7777'), 'OK');
  assert.equal(await primary.call('failover', 'abort'), 'OK');
  assert.equal(await writer.set('k', 'after'), 'OK');
});
