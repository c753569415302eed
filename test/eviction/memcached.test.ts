// The Memcached front under maxmemory: it evicts as the Redis side does, or with
// memcached-evictions no (memcached's -M) refuses stores with memcached's error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import { startMnemo, type MnemoMemcached } from '../memcached/helpers.ts';

const require = createRequire(import.meta.url);
// The package ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Memcached = require('memcached') as any;

const VALUE = 'x'.repeat(1000);

/** A server whose maxmemory leaves room for about `items` items of VALUE. */
async function limited(items: number, config: Record<string, string>): Promise<MnemoMemcached> {
  const m = await startMnemo({ 'maxmemory-policy': 'allkeys-lru', ...config });
  const keyspace = m.server.keyspace;
  keyspace.dbs[0]!.setString(Buffer.from('warm-up'), Buffer.from('x'));
  keyspace.dbs[0]!.delete(Buffer.from('warm-up'));
  m.server.config.set('maxmemory', String(keyspace.usedBytes + items * 1100));
  return m;
}

/** Sends `requests` on one connection and reads until `lines` lines (or a stats listing's END) came back. */
async function exchange(port: number, requests: string, lines: number): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.write(requests);
  const done = () => text.split('\r\n').length > lines || (text.startsWith('STAT ') && text.endsWith('END\r\n'));
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  socket.destroy();
  return text.split('\r\n').slice(0, lines);
}

function stats(lines: string[]): Map<string, string> {
  return new Map(lines.filter((l) => l.startsWith('STAT ')).map((l) => l.split(' ').slice(1) as [string, string]));
}

test('Memcached stores evict under maxmemory, and stats count the evictions and show the limit', async () => {
  const m = await limited(10, {});
  try {
    const sets = Array.from({ length: 30 }, (_, i) => `set k${i} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`).join('');
    const replies = await exchange(m.port, sets, 30);
    assert.deepEqual(new Set(replies), new Set(['STORED']));
    const evicted = m.server.keyspace.stats.evictedKeys;
    assert.ok(evicted >= 15);
    const general = stats(await exchange(m.port, 'stats\r\n', 100));
    assert.equal(general.get('evictions'), String(evicted));
    assert.equal(general.get('limit_maxbytes'), String(m.server.keyspace.evictor.maxmemory));
    assert.equal(general.get('store_no_memory'), '0');
    assert.equal(stats(await exchange(m.port, 'stats settings\r\n', 100)).get('evictions'), 'on');
  } finally {
    await m.close();
  }
});

test('memcached-evictions no answers SERVER_ERROR out of memory storing object and drops the old value of a failed set', async () => {
  const m = await limited(5, { 'memcached-evictions': 'no' });
  try {
    const sets = Array.from({ length: 12 }, (_, i) => `set k${i} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`).join('');
    const replies = await exchange(m.port, sets, 12);
    assert.equal(replies[0], 'STORED');
    assert.equal(replies.at(-1), 'SERVER_ERROR out of memory storing object');
    assert.equal(m.server.keyspace.stats.evictedKeys, 0);
    const after = await exchange(m.port, `ms m ${VALUE.length} q\r\n${VALUE}\r\nset k0 0 0 1\r\nx\r\nget k0\r\n`, 3);
    assert.deepEqual(after, ['SERVER_ERROR out of memory storing object', 'SERVER_ERROR out of memory storing object', 'END']);
    const failures = replies.filter((r) => r.startsWith('SERVER_ERROR')).length + 2;
    assert.equal(stats(await exchange(m.port, 'stats\r\n', 100)).get('store_no_memory'), String(failures));
    assert.equal(stats(await exchange(m.port, 'stats settings\r\n', 100)).get('evictions'), 'off');
  } finally {
    await m.close();
  }
});

test('the memcached text client reports the out-of-memory error and fails the set', async () => {
  const m = await limited(3, { 'memcached-evictions': 'no' });
  // On SERVER_ERROR the client's issue log arms a retry timer (`retry`, 30 s by default) and a
  // failure-count reset timer (`failuresTimeout`, 5 min) that end() does not clear; at their
  // defaults they kept this file's process alive for 5 minutes after its tests had passed.
  const client = new Memcached(`127.0.0.1:${m.port}`, { retries: 0, timeout: 2000, retry: 10, failuresTimeout: 10 });
  const issues: string[] = [];
  // The client treats SERVER_ERROR as a server issue: it logs it and fails the request.
  client.on('issue', (details: { messages: string[] }) => issues.push(...details.messages));
  const set = (key: string) => new Promise<boolean>((resolve) => client.set(key, VALUE, 0, (_err: Error | null, ok: boolean) => resolve(ok)));
  try {
    const results: boolean[] = [];
    for (let i = 0; i < 10 && !results.includes(false); i++) results.push(await set(`k${i}`));
    assert.equal(results[0], true);
    assert.equal(results.at(-1), false);
    assert.ok(issues.some((message) => message.includes('out of memory storing object')), issues.join('; '));
  } finally {
    client.end();
    await m.close();
  }
});
