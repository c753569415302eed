// Lists and hashes through real clients over TCP: the reply shapes they parse (HGETALL as a
// RESP3 map, HRANDFIELD pairs, LMPOP's nested array, null pops) in both protocols.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisSuite, nodeRedisSuite } from '../clients/support.ts';

for (const protocol of [3, 2] as const) {
  describe(`lists and hashes through ioredis with RESP${protocol}`, () => {
    const io = ioredisSuite(protocol);

    it('HGETALL comes back as an object and HINCRBYFLOAT as a string', async () => {
      assert.equal(await io.redis.hset('h', { a: '1', b: '2' }), 2);
      assert.deepEqual(await io.redis.hgetall('h'), { a: '1', b: '2' });
      assert.equal(await io.redis.hincrbyfloat('h', 'a', '0.5'), '1.5');
      assert.deepEqual(await io.redis.hgetall('missing'), {});
    });

    it('list pushes, ranges and pops round-trip, with null for an empty pop', async () => {
      assert.equal(await io.redis.rpush('l', 'a', 'b', 'c'), 3);
      assert.deepEqual(await io.redis.lrange('l', 0, -1), ['a', 'b', 'c']);
      assert.deepEqual(await io.redis.lpop('l', 2), ['a', 'b']);
      assert.equal(await io.redis.rpoplpush('l', 'm'), 'c');
      assert.equal(await io.redis.lpop('l'), null);
      assert.deepEqual(await io.redis.lmpop(1, 'm', 'LEFT'), ['m', ['c']]);
    });
  });
}

describe('lists and hashes through node-redis 6 (RESP3)', () => {
  const nr = nodeRedisSuite();

  it('HGETALL is a map and HRANDFIELD WITHVALUES a list of pairs', async () => {
    await nr.client.hSet('h', { f: 'v' });
    assert.deepEqual({ ...(await nr.client.hGetAll('h')) }, { f: 'v' });
    assert.deepEqual(await nr.client.hRandFieldCountWithValues('h', 1), [{ field: 'f', value: 'v' }]);
    assert.deepEqual(await nr.client.hScan('h', '0'), { cursor: '0', entries: [{ field: 'f', value: 'v' }] });
  });

  it('LPOS and LMPOP parse', async () => {
    await nr.client.rPush('l', ['a', 'b', 'a']);
    assert.deepEqual(await nr.client.lPosCount('l', 'a', 0), [0, 2]);
    assert.deepEqual(await nr.client.lmPop('l', 'RIGHT', { COUNT: 2 }), ['l', ['a', 'b']]);
  });
});
