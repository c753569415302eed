// Sets and sorted sets through real clients over TCP: the reply shapes they parse (RESP3 sets,
// doubles, nested WITHSCORES pairs, ZMPOP's nesting) in both protocols.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisSuite, nodeRedisSuite } from '../clients/support.ts';

for (const protocol of [3, 2] as const) {
  describe(`sets and sorted sets through ioredis with RESP${protocol}`, () => {
    const io = ioredisSuite(protocol);

    it('set members, cardinality and algebra round-trip', async () => {
      assert.equal(await io.redis.sadd('s', '3', '1', '2'), 3);
      assert.deepEqual(await io.redis.smembers('s'), ['1', '2', '3']);
      assert.deepEqual(await io.redis.smismember('s', '1', '9'), [1, 0]);
      assert.equal(await io.redis.sadd('t', '2', '3', '4'), 3);
      assert.deepEqual(await io.redis.sinter('s', 't'), ['2', '3']);
      assert.equal(await io.redis.sintercard(2, 's', 't'), 2);
      assert.equal((await io.redis.spop('s', 5)).length, 3);
      assert.equal(await io.redis.exists('s'), 0);
    });

    it('sorted-set scores come back as strings, and WITHSCORES ranges as flat or paired lists', async () => {
      assert.equal(await io.redis.zadd('z', 1.5, 'a', 2, 'b'), 2);
      assert.equal(String(await io.redis.zscore('z', 'a')), '1.5');
      assert.equal(String(await io.redis.zincrby('z', 1, 'a')), '2.5');
      const ranged = (await io.redis.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')) as unknown[];
      assert.deepEqual(ranged.flat().map(String), ['b', '2', 'a', '2.5']);
      assert.deepEqual(await io.redis.zrangebyscore('z', '(2', 'inf'), ['a']);
      const popped = (await io.redis.zmpop(1, 'z', 'MIN')) as [string, unknown[]];
      assert.equal(popped[0], 'z');
      assert.deepEqual(popped[1]!.flat().map(String), ['b', '2']);
      assert.equal(await io.redis.zmpop(1, 'missing', 'MIN'), null);
    });
  });
}

describe('sets and sorted sets through node-redis 6 (RESP3)', () => {
  const nr = nodeRedisSuite();

  it('SMEMBERS is a list of members and ZRANGE WITHSCORES a list of value/score objects', async () => {
    await nr.client.sAdd('s', ['b', 'a']);
    assert.deepEqual([...(await nr.client.sMembers('s'))].sort(), ['a', 'b']);
    await nr.client.zAdd('z', [{ score: 2, value: 'b' }, { score: 1, value: 'a' }]);
    assert.deepEqual(await nr.client.zRangeWithScores('z', 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2 }]);
    assert.equal(await nr.client.zScore('z', 'b'), 2);
    assert.deepEqual(await nr.client.zPopMin('z'), { value: 'a', score: 1 });
    assert.deepEqual(await nr.client.zScan('z', '0'), { cursor: '0', members: [{ value: 'b', score: 2 }] });
  });
});
