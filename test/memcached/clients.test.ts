// Real Memcached clients over TCP: memjs (binary protocol, SASL) and `memcached` (text,
// gets/cas), against Mnemo's Memcached listener, plus the Redis view of the same keys.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startMnemo } from './helpers.ts';

const require = createRequire(import.meta.url);
// Neither package ships type declarations.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const memjs = require('memjs') as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Memcached = require('memcached') as any;

const quiet = { log: () => {} };

function textClient(port: number) {
  const client = new Memcached(`127.0.0.1:${port}`, { retries: 0, timeout: 2000 });
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise((resolve, reject) => client[method](...args, (err: Error | null, result: T) => (err ? reject(err) : resolve(result))));
  return { call, end: () => client.end() };
}

test('memjs stores, reads, counts and deletes over the binary protocol', async () => {
  const m = await startMnemo();
  const client = memjs.Client.create(`127.0.0.1:${m.port}`, { logger: quiet });
  try {
    assert.equal(await client.set('greeting', 'hello', { expires: 0 }), true);
    const got = await client.get('greeting');
    assert.equal(got.value.toString(), 'hello');
    assert.equal(await client.add('greeting', 'again'), false);
    assert.equal(await client.replace('greeting', 'bonjour'), true);
    assert.equal(await client.append('greeting', '!'), true);
    assert.equal((await client.get('greeting')).value.toString(), 'bonjour!');
    assert.deepEqual(await client.increment('hits', 5, { initial: 10 }), { success: true, value: 10 });
    assert.deepEqual(await client.increment('hits', 5, {}), { success: true, value: 15 });
    assert.deepEqual(await client.decrement('hits', 20, {}), { success: true, value: 0 });
    assert.equal(await client.touch('greeting', 100), true);
    assert.equal(await client.delete('greeting'), true);
    assert.equal((await client.get('greeting')).value, null);
    const stats = await new Promise<Record<string, string>>((resolve) => client.stats((_err: unknown, _server: string, s: Record<string, string>) => resolve(s)));
    assert.equal(stats.version, '1.6.18');
    assert.equal(stats.curr_items, '1');
    assert.equal(await client.flush().then(() => true), true);
    assert.equal((await client.get('hits')).value, null);
  } finally {
    client.close();
    await m.close();
  }
});

test('memjs authenticates with SASL PLAIN when requirepass is set, and is refused without it', async () => {
  const m = await startMnemo({ requirepass: 's3cret' });
  const good = memjs.Client.create(`default:s3cret@127.0.0.1:${m.port}`, { logger: quiet });
  const bad = memjs.Client.create(`default:wrong@127.0.0.1:${m.port}`, { logger: quiet, retries: 0 });
  try {
    assert.equal(await good.set('k', 'v'), true);
    assert.equal((await good.get('k')).value.toString(), 'v');
    await assert.rejects(bad.get('k'));
  } finally {
    good.close();
    bad.close();
    await m.close();
  }
});

test('the memcached text client does gets and cas, with a stale cas refused', async () => {
  const m = await startMnemo();
  const { call, end } = textClient(m.port);
  try {
    assert.equal(await call('set', 'item', 'one', 0), true);
    const first = await call<{ item: string; cas: string }>('gets', 'item');
    assert.equal(first.item, 'one');
    assert.equal(await call('cas', 'item', 'two', first.cas, 0), true);
    assert.equal(await call('cas', 'item', 'three', first.cas, 0), false);
    assert.deepEqual(await call('getMulti', ['item', 'missing']), { item: 'two' });
    assert.equal(await call('set', 'n', '41', 0), true);
    assert.equal(await call('incr', 'n', 1), 42);
    assert.equal(await call('decr', 'n', 50), 0);
    assert.equal(await call('del', 'n'), true);
    assert.equal(await call('get', 'n'), undefined);
  } finally {
    end();
    await m.close();
  }
});

test('a Memcached item is a Redis string in database 0, and a Redis SET is visible to get', async () => {
  const m = await startMnemo();
  const { call, end } = textClient(m.port);
  const redis = m.server.createClient();
  const run = (...args: string[]) => {
    m.server.execute(redis, args.map((a) => Buffer.from(a)));
    return redis.w.take()!.toString();
  };
  try {
    assert.equal(await call('set', 'foo', 'bar', 0), true);
    assert.equal(run('GET', 'foo'), '$3\r\nbar\r\n');
    assert.equal(run('SET', 'fromredis', 'hello'), '+OK\r\n');
    assert.equal(await call('get', 'fromredis'), 'hello');
    run('RPUSH', 'alist', 'x');
    assert.equal(await call('get', 'alist'), undefined, 'other types are invisible to Memcached reads');
    assert.equal(await call('set', 'alist', 'now a string', 0), true);
    assert.equal(run('TYPE', 'alist'), '+string\r\n');
    assert.equal(await call('set', 'ttl', 'v', 100), true);
    assert.equal(run('TTL', 'ttl'), ':100\r\n');
  } finally {
    end();
    await m.close();
  }
});
