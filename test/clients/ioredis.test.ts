// ioredis 6 over TCP against a started Mnemo, in both protocols it speaks.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout } from '../helpers/reference.ts';
import { assertRedisRefusesToo, recordErrors, waitFor, type Refusal } from './support.ts';

const BINARY = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);

for (const protocol of [3, 2] as const) {
  describe(`ioredis with RESP${protocol}`, () => {
    let mnemo: RunningServer;
    let redis: Redis;
    let errors: Refusal[];
    before(async () => {
      mnemo = await startServer({ port: 0, host: '127.0.0.1' });
      errors = recordErrors(mnemo.server);
      redis = new Redis({ port: mnemo.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 0, retryStrategy: () => null });
      await redis.ping();
    });
    after(async () => {
      redis?.disconnect();
      await mnemo?.close();
    });

    it('refuses nothing in its handshake that Redis 7.0 accepts', { skip: skipWithout('redis-server') }, () =>
      assertRedisRefusesToo(errors));

    it('negotiates the protocol it asked for', () => {
      const clients = [...mnemo.server.clients.values()];
      assert.deepEqual(
        clients.map((c) => c.resp),
        [protocol],
      );
    });

    it('stores and reads back binary values byte for byte', async () => {
      assert.equal(await redis.set('bin', BINARY), 'OK');
      assert.deepEqual(await redis.getBuffer('bin'), BINARY);
      assert.equal(await redis.get('missing'), null);
    });

    it('counts with INCR and INCRBY', async () => {
      assert.equal(await redis.incr('counter'), 1);
      assert.equal(await redis.incrby('counter', 41), 42);
      assert.equal(await redis.get('counter'), '42');
    });

    it('runs a pipeline and reports each reply in order, errors included', async () => {
      const results = await redis.pipeline().set('p', 'x').incr('p').get('p').exec();
      assert.equal(results!.length, 3);
      assert.deepEqual(results![0], [null, 'OK']);
      assert.ok(results![1]![0] instanceof Error);
      assert.equal((results![1]![0] as Error).message, 'ERR value is not an integer or out of range');
      assert.deepEqual(results![2], [null, 'x']);
    });

    it('runs MULTI/EXEC atomically', async () => {
      const results = await redis.multi().set('m', '1').incr('m').incr('m').exec();
      assert.deepEqual(results, [
        [null, 'OK'],
        [null, 2],
        [null, 3],
      ]);
    });

    it('surfaces server errors as rejected promises with the error text', async () => {
      await redis.set('s', 'not a number');
      await assert.rejects(redis.incr('s'), { name: 'ReplyError', message: 'ERR value is not an integer or out of range' });
      await redis.rpush('list', 'a');
      await assert.rejects(redis.get('list'), { message: /^WRONGTYPE Operation against a key holding the wrong kind of value/ });
    });

    it('sets and reads expiries', async () => {
      await redis.set('e', 'v');
      assert.equal(await redis.ttl('e'), -1);
      assert.equal(await redis.expire('e', 100), 1);
      const ttl = await redis.ttl('e');
      assert.ok(ttl > 98 && ttl <= 100, `ttl ${ttl}`);
      assert.equal(await redis.ttl('missing'), -2);
    });

    it('reads hashes back as field-value pairs', async () => {
      await redis.hset('h', { a: '1', b: '2' });
      assert.deepEqual(await redis.hgetall('h'), { a: '1', b: '2' });
      assert.deepEqual(await redis.hgetall('missing-hash'), {});
    });

    it('quits cleanly and the server forgets the client', async () => {
      const other = new Redis({ port: mnemo.port, host: '127.0.0.1', protocol });
      await other.ping();
      assert.equal(mnemo.server.clients.size, 2);
      assert.equal(await other.quit(), 'OK');
      await waitFor(() => mnemo.server.clients.size === 1, 'the server to drop the client');
    });
  });
}

describe('ioredis with RESP3 reply mapping', () => {
  let mnemo: RunningServer;
  let redis: Redis;
  before(async () => {
    mnemo = await startServer({ port: 0, host: '127.0.0.1' });
    redis = new Redis({ port: mnemo.port, host: '127.0.0.1', protocol: 3, replyMapping: 'resp3', retryStrategy: () => null });
  });
  after(async () => {
    redis?.disconnect();
    await mnemo?.close();
  });

  it('receives RESP3 maps, nulls and doubles as JavaScript values', async () => {
    await redis.hset('h', 'f', 'v');
    assert.deepEqual(await redis.call('HGETALL', 'h'), { f: 'v' });
    assert.equal(await redis.call('GET', 'missing'), null);
    await redis.zadd('z', 1.5, 'm');
    assert.equal(await redis.call('ZSCORE', 'z', 'm'), 1.5);
  });
});
