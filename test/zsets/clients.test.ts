// Sets and sorted sets through real clients over TCP: the reply shapes they parse (RESP3 sets,
// doubles, nested WITHSCORES pairs, ZMPOP's nesting) in both protocols.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/server/run.ts';

for (const protocol of [3, 2] as const) {
  describe(`sets and sorted sets through ioredis with RESP${protocol}`, () => {
    let mnemo: RunningServer;
    let redis: Redis;
    before(async () => {
      mnemo = await startServer({ port: 0, host: '127.0.0.1' });
      redis = new Redis({ port: mnemo.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 0, retryStrategy: () => null });
    });
    after(async () => {
      redis?.disconnect();
      await mnemo?.close();
    });

    it('set members, cardinality and algebra round-trip', async () => {
      assert.equal(await redis.sadd('s', '3', '1', '2'), 3);
      assert.deepEqual(await redis.smembers('s'), ['1', '2', '3']);
      assert.deepEqual(await redis.smismember('s', '1', '9'), [1, 0]);
      assert.equal(await redis.sadd('t', '2', '3', '4'), 3);
      assert.deepEqual(await redis.sinter('s', 't'), ['2', '3']);
      assert.equal(await redis.sintercard(2, 's', 't'), 2);
      assert.equal((await redis.spop('s', 5)).length, 3);
      assert.equal(await redis.exists('s'), 0);
    });

    it('sorted-set scores come back as strings, and WITHSCORES ranges as flat or paired lists', async () => {
      assert.equal(await redis.zadd('z', 1.5, 'a', 2, 'b'), 2);
      assert.equal(String(await redis.zscore('z', 'a')), '1.5');
      assert.equal(String(await redis.zincrby('z', 1, 'a')), '2.5');
      const ranged = (await redis.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')) as unknown[];
      assert.deepEqual(ranged.flat().map(String), ['b', '2', 'a', '2.5']);
      assert.deepEqual(await redis.zrangebyscore('z', '(2', 'inf'), ['a']);
      const popped = (await redis.zmpop(1, 'z', 'MIN')) as [string, unknown[]];
      assert.equal(popped[0], 'z');
      assert.deepEqual(popped[1]!.flat().map(String), ['b', '2']);
      assert.equal(await redis.zmpop(1, 'missing', 'MIN'), null);
    });
  });
}

describe('sets and sorted sets through node-redis 6 (RESP3)', () => {
  let mnemo: RunningServer;
  let client: ReturnType<typeof createClient>;
  before(async () => {
    mnemo = await startServer({ port: 0, host: '127.0.0.1' });
    client = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
  });
  after(async () => {
    if (client?.isOpen) client.destroy();
    await mnemo?.close();
  });

  it('SMEMBERS is a list of members and ZRANGE WITHSCORES a list of value/score objects', async () => {
    await client.sAdd('s', ['b', 'a']);
    assert.deepEqual([...(await client.sMembers('s'))].sort(), ['a', 'b']);
    await client.zAdd('z', [{ score: 2, value: 'b' }, { score: 1, value: 'a' }]);
    assert.deepEqual(await client.zRangeWithScores('z', 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2 }]);
    assert.equal(await client.zScore('z', 'b'), 2);
    assert.deepEqual(await client.zPopMin('z'), { value: 'a', score: 1 });
    assert.deepEqual(await client.zScan('z', '0'), { cursor: '0', members: [{ value: 'b', score: 2 }] });
  });
});
