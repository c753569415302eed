// MULTI/EXEC and WATCH through real client libraries, over TCP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/server/run.ts';

test('ioredis: multi().exec() returns [error, result] pairs and WATCH aborts with null', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const a = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  const b = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  try {
    await a.connect();
    await b.connect();
    assert.deepEqual(await a.multi().set('k', '1').get('k').exec(), [
      [null, 'OK'],
      [null, '1'],
    ]);
    await a.watch('k');
    await b.set('k', '2');
    assert.equal(await a.multi().set('k', '3').exec(), null);
    assert.equal(await a.get('k'), '2');
  } finally {
    a.disconnect();
    b.disconnect();
    await server.close();
  }
});

test('node-redis (RESP3): multi().exec() and a WATCH conflict error', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const url = `redis://127.0.0.1:${server.port}`;
  const a = createClient({ url, RESP: 3 });
  const b = createClient({ url });
  try {
    await a.connect();
    await b.connect();
    assert.deepEqual(await a.multi().set('k', '1').get('k').exec(), ['OK', '1']);
    await a.watch('k');
    await b.set('k', '2');
    await assert.rejects(a.multi().set('k', '3').exec(), /One \(or more\) of the watched keys has been changed/);
    assert.equal(await a.get('k'), '2');
  } finally {
    await a.quit().catch(() => {});
    await b.quit().catch(() => {});
    await server.close();
  }
});
