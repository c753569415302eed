// Lists and hashes through real clients over TCP: the reply shapes they parse (HGETALL as a
// RESP3 map, HRANDFIELD pairs, LMPOP's nested array, null pops) in both protocols.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/server/run.ts';

for (const protocol of [3, 2] as const) {
  describe(`lists and hashes through ioredis with RESP${protocol}`, () => {
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

    it('HGETALL comes back as an object and HINCRBYFLOAT as a string', async () => {
      assert.equal(await redis.hset('h', { a: '1', b: '2' }), 2);
      assert.deepEqual(await redis.hgetall('h'), { a: '1', b: '2' });
      assert.equal(await redis.hincrbyfloat('h', 'a', '0.5'), '1.5');
      assert.deepEqual(await redis.hgetall('missing'), {});
    });

    it('list pushes, ranges and pops round-trip, with null for an empty pop', async () => {
      assert.equal(await redis.rpush('l', 'a', 'b', 'c'), 3);
      assert.deepEqual(await redis.lrange('l', 0, -1), ['a', 'b', 'c']);
      assert.deepEqual(await redis.lpop('l', 2), ['a', 'b']);
      assert.equal(await redis.rpoplpush('l', 'm'), 'c');
      assert.equal(await redis.lpop('l'), null);
      assert.deepEqual(await redis.lmpop(1, 'm', 'LEFT'), ['m', ['c']]);
    });
  });
}

describe('lists and hashes through node-redis 6 (RESP3)', () => {
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

  it('HGETALL is a map and HRANDFIELD WITHVALUES a list of pairs', async () => {
    await client.hSet('h', { f: 'v' });
    assert.deepEqual({ ...(await client.hGetAll('h')) }, { f: 'v' });
    assert.deepEqual(await client.hRandFieldCountWithValues('h', 1), [{ field: 'f', value: 'v' }]);
    assert.deepEqual(await client.hScan('h', '0'), { cursor: '0', entries: [{ field: 'f', value: 'v' }] });
  });

  it('LPOS and LMPOP parse', async () => {
    await client.rPush('l', ['a', 'b', 'a']);
    assert.deepEqual(await client.lPosCount('l', 'a', 0), [0, 2]);
    assert.deepEqual(await client.lmPop('l', 'RIGHT', { COUNT: 2 }), ['l', ['a', 'b']]);
  });
});
