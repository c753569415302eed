// Real clients against a started Mnemo: ioredis and node-redis pub/sub (RESP2 and RESP3),
// keyspace notifications as an application listens for them, and node-redis 6's client-side
// cache (RESP3 tracking) serving reads from memory until Mnemo invalidates them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { waitFor } from '../clients/support.ts';

let mnemo: RunningServer;
before(async () => {
  mnemo = await startServer({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await mnemo?.close();
});

for (const protocol of [2, 3] as const) {
  describe(`ioredis pub/sub in RESP${protocol}`, () => {
    it('delivers channel and pattern messages, binary-safe, and counts receivers', async () => {
      const options = { port: mnemo.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 0, retryStrategy: () => null };
      const subscriber = new Redis(options);
      const publisher = new Redis(options);
      try {
        const got: string[] = [];
        subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => got.push(`${channel}:${message.toString('hex')}`));
        subscriber.on('pmessage', (pattern: string, channel: string, message: string) => got.push(`${pattern}|${channel}:${message}`));
        assert.equal(await subscriber.subscribe('news', 'sport'), 2);
        assert.equal(await subscriber.psubscribe('n*'), 3);
        assert.equal(await publisher.publish('news', Buffer.from([0, 0xff])), 2);
        assert.equal(await publisher.publish('sport', 'goal'), 1);
        await waitFor(() => got.length === 3, 'three messages');
        assert.deepEqual(got, ['news:00ff', 'n*|news:\u0000\ufffd', `sport:${Buffer.from('goal').toString('hex')}`]);
        assert.deepEqual(await publisher.pubsub('NUMSUB', 'news', 'none'), ['news', 1, 'none', 0]);
        // (ioredis's argument-less UNSUBSCRIBE waits forever while patterns remain, against Redis too.)
        assert.equal(await subscriber.unsubscribe('news', 'sport'), 1);
        assert.equal(await subscriber.punsubscribe('n*'), 0);
        assert.equal(await publisher.publish('news', 'x'), 0);
        // Out of subscribed mode, the connection runs ordinary commands again.
        assert.equal(await subscriber.ping(), 'PONG');
      } finally {
        subscriber.disconnect();
        publisher.disconnect();
      }
    });
  });
}

const NODE_REDIS: [string, typeof createClient6][] = [
  ['node-redis 5 (RESP2)', createClient5 as unknown as typeof createClient6],
  ['node-redis 6 (RESP3)', createClient6],
];

for (const [label, createClient] of NODE_REDIS) {
  describe(`${label} pub/sub`, () => {
    it('subscribes, pattern-subscribes and shard-subscribes on a duplicate connection', async () => {
      const client = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      await client.connect();
      const subscriber = client.duplicate();
      await subscriber.connect();
      try {
        const got: string[] = [];
        await subscriber.subscribe('orders', (message, channel) => got.push(`${channel}:${message}`));
        await subscriber.pSubscribe('ord*', (message, channel) => got.push(`p ${channel}:${message}`));
        await subscriber.sSubscribe('shard', (message, channel) => got.push(`s ${channel}:${message}`));
        assert.equal(await client.publish('orders', 'o1'), 2);
        assert.equal(await client.sPublish('shard', 's1'), 1);
        await waitFor(() => got.length === 3, 'three messages');
        assert.deepEqual(got.sort(), ['orders:o1', 'p orders:o1', 's shard:s1']);
        await subscriber.unsubscribe('orders');
        await subscriber.pUnsubscribe('ord*');
        await subscriber.sUnsubscribe('shard');
        assert.equal(await client.publish('orders', 'o2'), 0);
        assert.deepEqual(await client.pubSubChannels(), []);
      } finally {
        subscriber.destroy();
        client.destroy();
      }
    });

    it('hears keyspace notifications once notify-keyspace-events enables them', async () => {
      const client = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      await client.connect();
      const subscriber = client.duplicate();
      await subscriber.connect();
      try {
        await client.configSet('notify-keyspace-events', 'Kg$');
        const events: string[] = [];
        await subscriber.pSubscribe('__keyspace@0__:session:*', (event, channel) => events.push(`${channel.slice(15)} ${event}`));
        await client.set('session:1', 'x', { PX: 100000 });
        await client.del('session:1');
        await waitFor(() => events.length === 3, 'three events');
        assert.deepEqual(events, ['session:1 set', 'session:1 expire', 'session:1 del']);
      } finally {
        await client.configSet('notify-keyspace-events', '');
        subscriber.destroy();
        client.destroy();
      }
    });
  });
}

describe('node-redis 6 client-side cache (RESP3 tracking)', () => {
  it('serves repeated reads from its cache until another client changes the key', async () => {
    const cached = createClient6({ url: mnemo.url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 }, socket: { reconnectStrategy: false } });
    const writer = createClient6({ url: mnemo.url, socket: { reconnectStrategy: false } });
    cached.on('error', () => {});
    writer.on('error', () => {});
    await cached.connect();
    await writer.connect();
    try {
      await writer.set('price', '10');
      assert.equal(await cached.get('price'), '10');
      assert.equal(await cached.get('price'), '10');
      const cache = cached.clientSideCache!;
      assert.equal(cache.stats().hitCount, 1);
      assert.equal(mnemo.server.tracking.totalKeys, 1);
      await writer.set('price', '12');
      await waitFor(() => cache.size() === 0, 'the invalidation');
      assert.equal(await cached.get('price'), '12');
      await writer.flushAll();
      await waitFor(() => cache.size() === 0, 'the flush invalidation');
      assert.equal(await cached.get('price'), null);
    } finally {
      cached.destroy();
      writer.destroy();
    }
  });
});
