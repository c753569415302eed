// XREAD BLOCK and XREADGROUP BLOCK over TCP with real client libraries: ioredis, and
// node-redis 5 (RESP2) and 6 (RESP3), each reading on a connection of its own while another
// one adds entries.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { startServer, type RunningServer } from '../../src/server/run.ts';

let running: RunningServer;

before(async () => {
  running = await startServer({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await running.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server has `n` blocked clients, so that the write races nothing. */
async function blockedClients(n: number): Promise<void> {
  for (let i = 0; i < 200 && running.server.blocking.count !== n; i++) await sleep(5);
  assert.equal(running.server.blocking.count, n);
}

test('ioredis: XREAD BLOCK resolves with the entry another connection adds', async () => {
  const reader = new Redis(running.port, '127.0.0.1');
  const writer = new Redis(running.port, '127.0.0.1');
  try {
    const pending = reader.xread('BLOCK', 0, 'STREAMS', 'io:s', '$');
    await blockedClients(1);
    const id = await writer.xadd('io:s', '*', 'name', 'ada');
    assert.deepEqual(await pending, [['io:s', [[id, ['name', 'ada']]]]]);
    assert.equal(await reader.xread('BLOCK', 30, 'STREAMS', 'io:s', '$'), null);
  } finally {
    reader.disconnect();
    writer.disconnect();
  }
});

test('ioredis: XREADGROUP BLOCK delivers to one consumer, and XACK settles it', async () => {
  const reader = new Redis(running.port, '127.0.0.1');
  const writer = new Redis(running.port, '127.0.0.1');
  try {
    await writer.xgroup('CREATE', 'io:g', 'workers', '$', 'MKSTREAM');
    const pending = reader.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 10, 'BLOCK', 0, 'STREAMS', 'io:g', '>');
    await blockedClients(1);
    const id = await writer.xadd('io:g', '*', 'job', '1');
    assert.deepEqual(await pending, [['io:g', [[id, ['job', '1']]]]]);
    assert.equal(await writer.xack('io:g', 'workers', id!), 1);
    assert.deepEqual(await writer.xpending('io:g', 'workers'), [0, null, null, null]);
  } finally {
    reader.disconnect();
    writer.disconnect();
  }
});

for (const [label, createClient] of [
  ['node-redis 5', createClient5 as unknown as typeof createClient6],
  ['node-redis 6', createClient6],
] as const) {
  test(`${label}: xRead with BLOCK resolves with the entry another connection adds`, async () => {
    const reader = createClient({ url: running.url, socket: { reconnectStrategy: false } });
    const writer = createClient({ url: running.url, socket: { reconnectStrategy: false } });
    reader.on('error', () => {});
    writer.on('error', () => {});
    await reader.connect();
    await writer.connect();
    const key = `${label}:s`;
    try {
      const pending = reader.xRead({ key, id: '$' }, { BLOCK: 0 });
      await blockedClients(1);
      const id = await writer.xAdd(key, '*', { name: 'ada' });
      const result = (await pending) as unknown;
      // node-redis 5 answers a list of {name, messages}; 6 in RESP3 a map-like object.
      const messages = Array.isArray(result) ? (result[0] as { messages: unknown }).messages : (result as Record<string, unknown>)[key];
      assert.deepEqual(JSON.parse(JSON.stringify(messages)), [{ id, message: { name: 'ada' } }]);
    } finally {
      reader.destroy();
      writer.destroy();
    }
  });
}
