// The multi-tier cache example (examples/multi-tier-cache) run as a user runs it: an embedded
// Mnemo and three app processes, each with its own L1, driven over HTTP.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createClient } from 'redis';
import { startExample, type RunningExample } from '../../examples/multi-tier-cache/start.ts';

const require = createRequire(import.meta.url);
// memjs ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const memjs = require('memjs') as any;

describe('multi-tier cache example', () => {
  let example: RunningExample;
  let redis: ReturnType<typeof createClient>;
  const app = (n: number, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${example.apps[n]!.port}${path}`, init);
  const product = async (n: number, id: string) => (await app(n, `/products/${id}`)).json();
  const inL1 = async (n: number, id: string) => (await app(n, `/l1/${id}`)).status === 200;

  /** Milliseconds until none of `apps` holds `id` in its L1 any more (polling each every millisecond or so). */
  async function untilDropped(apps: number[], id: string): Promise<number> {
    const start = performance.now();
    for (;;) {
      const held = await Promise.all(apps.map((n) => inL1(n, id)));
      if (!held.includes(true)) return performance.now() - start;
      assert.ok(performance.now() - start < 10_000, `L1 still holds ${id} after 10 s: ${held}`);
    }
  }

  before(async () => {
    example = await startExample({ apps: 3, loadDelayMs: 50 });
    redis = createClient({ url: example.mnemo.url });
    await redis.connect();
  });
  after(async () => {
    await redis?.close();
    await example?.stop();
  });

  it('serves a second read from the L1 and a read in another process from the L2', async () => {
    await redis.hSet('catalog:products', '1', JSON.stringify({ id: '1', name: 'lamp', price: 30 }));
    assert.deepEqual(await product(0, '1'), { id: '1', name: 'lamp', price: 30 });
    assert.deepEqual(await product(0, '1'), { id: '1', name: 'lamp', price: 30 });
    assert.deepEqual(await product(1, '1'), { id: '1', name: 'lamp', price: 30 });
    const [first, second] = await Promise.all([0, 1].map(async (n) => (await app(n, '/stats')).json()));
    assert.equal(first.loads, 1);
    assert.equal(first.l1Hits, 1);
    assert.equal(second.loads, 0);
    assert.equal(second.l2Hits, 1);
  });

  it('a write in one process drops the key from the L1 of the others, which then read the new value', async () => {
    for (const n of [0, 1, 2]) await product(n, '1');
    assert.deepEqual(await Promise.all([0, 1, 2].map((n) => inL1(n, '1'))), [true, true, true]);
    const updated = { id: '1', name: 'lamp', price: 25 };
    await app(0, '/products/1', { method: 'PUT', body: JSON.stringify(updated) });
    const elapsed = await untilDropped([1, 2], '1');
    console.log(`# L1 of the other processes invalidated ${elapsed.toFixed(1)} ms after the write was acknowledged`);
    assert.equal(await inL1(0, '1'), true, 'the writer keeps its own, updated, entry');
    for (const n of [0, 1, 2]) assert.deepEqual(await product(n, '1'), updated);
  });

  it('concurrent misses of one key in several processes load it from the system of record once', async () => {
    const loadsBefore = Number((await redis.get('catalog:loads')) ?? 0);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, n) => product(n % 3, '42')));
    for (const reply of replies) assert.deepEqual(reply, { id: '42', name: 'product 42', price: 0 });
    assert.equal(Number(await redis.get('catalog:loads')) - loadsBefore, 1);
  });

  it('a Memcached client reads what the cache wrote, and its writes invalidate every L1', async () => {
    const memcached = memjs.Client.create(`127.0.0.1:${example.memcachedPort}`, { logger: { log: () => {} } });
    try {
      for (const n of [0, 1, 2]) await product(n, '7');
      const stored = await memcached.get('cache:product:7');
      assert.deepEqual(JSON.parse(stored.value.toString()), { id: '7', name: 'product 7', price: 0 });
      const fromMemcached = { id: '7', name: 'set over memcached', price: 1 };
      assert.equal(await memcached.set('cache:product:7', JSON.stringify(fromMemcached), { expires: 300 }), true);
      await untilDropped([0, 1, 2], '7');
      for (const n of [0, 1, 2]) assert.deepEqual(await product(n, '7'), fromMemcached);
    } finally {
      memcached.close();
    }
  });

  it('FLUSHALL empties every L1', async () => {
    for (const n of [0, 1, 2]) await product(n, '9');
    await redis.flushAll();
    await untilDropped([0, 1, 2], '9');
  });
});
