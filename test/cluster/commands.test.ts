// CLUSTER subcommands, READONLY/READWRITE/ASKING and the gate's redirection errors on a fresh
// node, differential: the same sequence on a redis-server 7.0.15 in cluster mode and on a Mnemo
// node, replies compared exactly (the sequence avoids node ids and timings, which differ).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { skipWithout } from '../helpers/reference.ts';
import { clusterInfo, connect, startMnemoNode, startRedisNode, until } from './helpers.ts';

const skip = skipWithout('redis-server');

const SEQUENCE: string[][] = [
  ['cluster', 'keyslot', 'foo{bar}'],
  ['cluster', 'keyslot', '{}x'],
  ['cluster', 'addslots', '16384'],
  ['cluster', 'addslots', 'abc'],
  ['cluster', 'addslotsrange', '5', '1'],
  ['cluster', 'addslotsrange', '1', '2', '3'],
  ['cluster', 'addslots', '1', '1'],
  ['cluster', 'addslots', '0', '1', '2'],
  ['cluster', 'addslots', '2'],
  ['cluster', 'delslots', '5'],
  ['cluster', 'delslotsrange', '0', '1'],
  ['cluster', 'countkeysinslot', '16384'],
  ['cluster', 'countkeysinslot', 'abc'],
  ['cluster', 'countkeysinslot', '2'],
  ['cluster', 'getkeysinslot', '2', '-1'],
  ['cluster', 'setslot', '2', 'bogus'],
  ['cluster', 'setslot', '3', 'migrating', 'abc'],
  ['cluster', 'setslot', '2', 'migrating', 'abc'],
  ['cluster', 'setslot', '2', 'importing', 'abc'],
  ['cluster', 'setslot', '4', 'importing', 'abc'],
  ['cluster', 'setslot', '2', 'node', 'abc'],
  ['cluster', 'setslot', '2', 'stable'],
  ['cluster', 'forget', 'abc'],
  ['cluster', 'replicate', 'abc'],
  ['cluster', 'count-failure-reports', 'abc'],
  ['cluster', 'replicas', 'abc'],
  ['cluster', 'set-config-epoch', '-1'],
  ['cluster', 'set-config-epoch', '5'],
  ['cluster', 'set-config-epoch', '6'],
  ['cluster', 'bumpepoch'],
  ['cluster', 'meet', '1.2.3', '5'],
  ['cluster', 'meet', '127.0.0.1', 'abc'],
  ['cluster', 'meet', '127.0.0.1', '1', 'x'],
  ['cluster', 'reset', 'bogus'],
  ['cluster', 'reset', 'soft', 'extra'],
  ['cluster', 'failover', 'force', 'extra'],
  ['cluster', 'meet', '127.0.0.1', '1', '2', '3'],
  ['cluster', 'failover'],
  ['cluster', 'failover', 'bogus'],
  ['cluster', 'bogus'],
  ['cluster', 'help'],
  ['get', 'foo'],
  ['cluster', 'flushslots'],
  ['cluster', 'addslotsrange', '0', '16383'],
  ['set', 'foo', 'bar'],
  ['cluster', 'countkeysinslot', '12182'],
  ['cluster', 'nodes'],
  ['cluster', 'shards'],
  ['cluster', 'links'],
  ['cluster', 'slaves', 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0'],
  ['cluster', 'saveconfig'],
  ['cluster', 'getkeysinslot', '12182', '5'],
  ['mget', 'a', 'b'],
  ['mset', '{t}a', '1', '{t}b', '2'],
  ['multi'],
  ['set', 'a', '1'],
  ['set', 'b', '2'],
  ['exec'],
  ['multi'],
  ['set', '{t}a', '1'],
  ['get', '{t}b'],
  ['exec'],
  ['readonly'],
  ['readwrite'],
  ['asking'],
  ['eval', "return redis.call('get', KEYS[1])", '1', 'foo'],
  ['eval', 'return 1', '2', 'a', 'b'],
  ['cluster', 'flushslots'],
  ['cluster', 'reset', 'soft'],
  ['del', 'foo'],
  ['del', '{t}a', '{t}b'],
  ['cluster', 'reset', 'hard'],
  ['cluster', 'info'],
];

/** A reply with node ids, port numbers and millisecond times replaced by placeholders. */
function anonymous(reply: unknown): unknown {
  if (Array.isArray(reply)) return reply.map(anonymous);
  if (typeof reply === 'number') return reply > 1000 ? 'N' : reply;
  return String(reply)
    .replace(/[0-9a-f]{40}/g, 'ID')
    .replace(/:\d+@\d+/g, ':PORT@BUS')
    .replace(/ \d{6,} /g, ' TIME ');
}

async function reply(client: Redis, argv: string[]): Promise<unknown> {
  try {
    const result = await client.call(argv[0]!, ...argv.slice(1));
    // CLUSTER INFO: its first lines (the counters of bus messages differ between any two nodes).
    if (argv[1] === 'info') return String(result).split('\r\n').slice(0, 9);
    // CLUSTER NODES and SHARDS: node ids, ports and times differ between any two nodes.
    if (argv[1] === 'nodes' || argv[1] === 'shards') return anonymous(result);
    return result;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

test('CLUSTER subcommands and redirection errors answer as redis-server 7.0.15 in cluster mode', { skip }, async (t) => {
  const redisServer = await startRedisNode();
  const mnemoNode = await startMnemoNode();
  const redis = connect(redisServer.port);
  const mnemo = connect(mnemoNode.port);
  t.after(async () => {
    redis.disconnect();
    mnemo.disconnect();
    await mnemoNode.close();
    await redisServer.close();
  });
  for (const argv of SEQUENCE) {
    assert.deepEqual(await reply(mnemo, argv), await reply(redis, argv), argv.join(' '));
    // Both stay down for a while after start or a change of coverage: go on once both are up.
    if (argv[1] === 'addslotsrange' && argv.length === 4 && argv[3] === '16383') {
      for (const client of [redis, mnemo]) await until('cluster_state:ok', async () => (await clusterInfo(client)).get('cluster_state') === 'ok');
    }
  }
});
