// node-redis over TCP against a started Mnemo: version 5 (RESP2 by default) and version 6
// (RESP3 by default, which cannot connect without HELLO).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient as createClient6, RESP_TYPES } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout } from '../helpers/reference.ts';
import { assertRedisRefusesToo, recordErrors, waitFor, type Refusal } from './support.ts';

const BINARY = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);
// Both majors share this API; typing them as one keeps the suite single.
const CLIENTS: [string, typeof createClient6, number][] = [
  ['node-redis 5', createClient5 as unknown as typeof createClient6, 2],
  ['node-redis 6', createClient6, 3],
];

for (const [label, createClient, resp] of CLIENTS) {
  describe(`${label} (RESP${resp} by default)`, () => {
    let mnemo: RunningServer;
    let client: ReturnType<typeof createClient6>;
    let errors: Refusal[];
    before(async () => {
      mnemo = await startServer({ port: 0, host: '127.0.0.1' });
      errors = recordErrors(mnemo.server);
      client = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      await client.connect();
    });
    after(async () => {
      if (client?.isOpen) client.destroy();
      await mnemo?.close();
    });

    it('refuses nothing in its handshake that Redis 7.0 accepts', { skip: skipWithout('redis-server') }, () =>
      assertRedisRefusesToo(errors));

    it(`speaks RESP${resp}`, () => {
      assert.deepEqual(
        [...mnemo.server.clients.values()].map((c) => c.resp),
        [resp],
      );
    });

    it('stores and reads back binary values byte for byte', async () => {
      assert.equal(await client.set('bin', BINARY), 'OK');
      const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      assert.deepEqual(await binary.get('bin'), BINARY);
      assert.equal(await client.get('missing'), null);
    });

    it('counts with INCR and INCRBY', async () => {
      assert.equal(await client.incr('counter'), 1);
      assert.equal(await client.incrBy('counter', 41), 42);
    });

    it('runs MULTI/EXEC and a plain pipeline', async () => {
      assert.deepEqual(await client.multi().set('m', '1').incr('m').get('m').exec(), ['OK', 2, '2']);
      assert.deepEqual(await client.multi().set('p', 'a').append('p', 'b').get('p').execAsPipeline(), ['OK', 2, 'ab']);
    });

    it('surfaces server errors as rejected promises with the error text', async () => {
      await client.set('s', 'not a number');
      await assert.rejects(client.incr('s'), { message: 'ERR value is not an integer or out of range' });
      await client.rPush('list', 'a');
      await assert.rejects(client.get('list'), { message: /^WRONGTYPE / });
    });

    it('sets and reads expiries', async () => {
      await client.set('e', 'v');
      assert.equal(await client.ttl('e'), -1);
      assert.equal(await client.expire('e', 100), 1);
      const ttl = await client.ttl('e');
      assert.ok(ttl > 98 && ttl <= 100, `ttl ${ttl}`);
    });

    it('closes cleanly and the server forgets the client', async () => {
      await client.close();
      assert.equal(client.isOpen, false);
      await waitFor(() => mnemo.server.clients.size === 0, 'the server to drop the client');
    });
  });
}
