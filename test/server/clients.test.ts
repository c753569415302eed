// Admin commands through real client libraries, which parse their replies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/server/run.ts';

test('node-redis parses CLIENT LIST, CLIENT INFO, CONFIG GET, INFO and COMMAND INFO', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const client = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP: 3 });
  try {
    await client.connect();
    await client.clientSetName('parser-check');
    const list = await client.clientList();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.name, 'parser-check');
    const info = await client.clientInfo();
    assert.equal(info.id, list[0]!.id);
    assert.deepEqual(await client.configGet('maxmemory-policy'), { 'maxmemory-policy': 'noeviction' });
    assert.match(String(await client.info('server')), /redis_version:7\.0\.15/);
    const [get] = await client.commandInfo(['get']);
    assert.equal(get!.name, 'get');
    assert.equal(get!.arity, 2);
  } finally {
    await client.quit().catch(() => {});
    await server.close();
  }
});

test('ioredis names its connection and reads INFO on connect', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const client = new Redis({ port: server.port, host: '127.0.0.1', connectionName: 'worker', lazyConnect: true });
  try {
    await client.connect();
    assert.equal(await client.client('GETNAME'), 'worker');
    assert.equal(server.server.commands.lookupName('info')!.stats.calls > 0, true);
    assert.equal(await client.config('SET', 'hz', '15'), 'OK');
    assert.deepEqual(await client.config('GET', 'hz'), ['hz', '15']);
  } finally {
    client.disconnect();
    await server.close();
  }
});
