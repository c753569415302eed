// What a primary or a replica refuses or hides, as Redis 7.0: min-replicas-to-write
// (NOREPLICAS), replica-serve-stale-data no (MASTERDOWN), the Memcached front of a read-only
// replica, and keys past their TTL on a replica (missing to readers, deleted by the primary's DEL).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from '../helpers/reference.ts';
import { connect, info, inSync, serverPair, startMnemo, until } from './helpers.ts';

test('min-replicas-to-write refuses writes with NOREPLICAS until enough replicas acknowledge within min-replicas-max-lag', async (t) => {
  const { primaryServer, primary, replica } = await serverPair(t, { 'min-replicas-to-write': '1', 'min-replicas-max-lag': '10' });
  await assert.rejects(primary.set('k', 'v'), { message: 'NOREPLICAS Not enough good replicas to write.' });
  await primary.call('multi');
  await primary.call('get', 'k');
  await assert.rejects(primary.call('set', 'k', 'v'), { message: 'NOREPLICAS Not enough good replicas to write.' });
  await assert.rejects(primary.call('exec'), { message: 'EXECABORT Transaction discarded because of previous errors.' });
  // Reads and EXEC without writes still run.
  assert.equal(await primary.get('k'), null);
  assert.equal((await info(primary, 'replication')).get('min_slaves_good_slaves'), '0');

  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await until('the replica to count as good', async () => (await info(primary, 'replication')).get('min_slaves_good_slaves') === '1');
  assert.equal(await primary.set('k', 'v'), 'OK');
  assert.equal(await primary.call('config', 'set', 'min-replicas-to-write', '2'), 'OK');
  await assert.rejects(primary.set('k', 'w'), { message: 'NOREPLICAS Not enough good replicas to write.' });
  // A max lag of 0 turns the rule off, as in Redis.
  await primary.call('config', 'set', 'min-replicas-max-lag', '0');
  assert.equal(await primary.set('k', 'w'), 'OK');
  assert.equal((await info(primary, 'replication')).has('min_slaves_good_slaves'), false);
});

test('a replica with replica-serve-stale-data no answers MASTERDOWN while its link is down, except to stale-flagged commands (INFO, ECHO, CONFIG, REPLICAOF)', async (t) => {
  const replicaServer = await startMnemo({ 'replica-serve-stale-data': 'no' });
  const replica = connect(replicaServer.port);
  t.after(async () => {
    replica.disconnect();
    await replicaServer.close();
  });
  assert.equal(await replica.get('k'), null);
  await replica.call('replicaof', '127.0.0.1', '1');
  await assert.rejects(replica.get('k'), { message: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." });
  await assert.rejects(replica.set('k', 'v'), { message: "READONLY You can't write against a read only replica." });
  // PING is not flagged stale: Sentinel takes MASTERDOWN as a live instance's answer.
  await assert.rejects(replica.call('ping'), { message: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." });
  assert.equal((await info(replica, 'replication')).get('master_link_status'), 'down');
  assert.equal(await replica.call('echo', 'a'), 'a');
  await replica.call('config', 'set', 'replica-serve-stale-data', 'yes');
  assert.equal(await replica.get('k'), null);
});

/** Sends one Memcached text request and resolves with the first reply line. */
function memcachedLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(received.slice(0, end));
      }
    });
    socket.on('error', reject);
  });
}

test('the Memcached front of a read-only replica serves reads and refuses writes', async (t) => {
  const memcachedPort = await freePort();
  const { primaryServer, primary, replica } = await serverPair(t, {}, { 'memcached-port': String(memcachedPort) });
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  await primary.set('item', 'hello');
  await inSync(primary, replica);
  assert.equal(await memcachedLine(memcachedPort, 'get item\r\n'), 'VALUE item 0 5');
  const refused = "SERVER_ERROR READONLY You can't write against a read only replica.";
  assert.equal(await memcachedLine(memcachedPort, 'set item 0 0 3\r\nnew\r\n'), refused);
  assert.equal(await memcachedLine(memcachedPort, 'delete item\r\n'), refused);
  assert.equal(await memcachedLine(memcachedPort, 'incr item 1\r\n'), refused);
  assert.equal(await memcachedLine(memcachedPort, 'ms item 3\r\nnew\r\n'), refused);
  assert.equal(await replica.get('item'), 'hello');
});

test('on a replica a key past its TTL reads as missing but stays until the primary deletes it', async (t) => {
  const config = { 'enable-debug-command': 'yes' };
  const { primaryServer, primary, replica } = await serverPair(t, config, config);
  await replica.call('replicaof', '127.0.0.1', String(primaryServer.port));
  // The primary expires nothing by itself: only a lookup there deletes the key.
  await primary.call('debug', 'set-active-expire', '0');
  await primary.set('short', 'lived', 'PX', 100);
  await primary.set('other', 'kept');
  await inSync(primary, replica);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await replica.get('short'), null);
  assert.equal(await replica.exists('short'), 0);
  assert.equal(await replica.call('ttl', 'short'), -2);
  assert.deepEqual(await replica.keys('*'), ['other']);
  // Still there, for the primary's DEL: the replica's own clock deleted nothing.
  assert.equal(await replica.dbsize(), 2);
  assert.equal(await primary.get('short'), null);
  await inSync(primary, replica);
  assert.equal(await replica.dbsize(), 1);
});
