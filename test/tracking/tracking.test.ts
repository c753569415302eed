import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Harness } from '../helpers/harness.ts';
import { Verbatim } from '../helpers/resp.ts';
import type { Client } from '../../src/server/client.ts';
import { MemcachedStore, StoreMode } from '../../src/memcached/store.ts';

/** A RESP3 client tracking keys in the default mode. */
function tracker(h: Harness, ...options: string[]): Client {
  const client = h.newClient();
  h.raw(['HELLO', '3'], client);
  assert.equal(h.raw(['CLIENT', 'TRACKING', 'ON', ...options], client).toString(), '+OK\r\n');
  return client;
}

function received(client: Client): string {
  return client.w.take()?.toString('latin1') ?? '';
}

const invalidation = (key: string) => `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${key.length}\r\n${key}\r\n`;

test('a key read by a tracking client is invalidated once when it changes, then forgotten', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.raw(['GET', 'k'], reader);
  h.run('SET', 'k', '1');
  assert.equal(received(reader), invalidation('k'));
  h.run('SET', 'k', '2');
  assert.equal(received(reader), '');
});

test('keys expired by the background cycle are invalidated', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.run('SET', 'k', 'v', 'PX', '10');
  h.raw(['GET', 'k'], reader);
  h.clock.advance(20);
  for (let i = 0; i < 5 && h.server.keyspace.dbs[0]!.size > 0; i++) h.server.cron();
  assert.equal(received(reader), invalidation('k'));
});

test('writes through the Memcached front invalidate', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.raw(['GET', 'mc'], reader);
  const memcached = new MemcachedStore(h.server);
  memcached.store(StoreMode.Set, Buffer.from('mc'), Buffer.from('v'), 0, 0);
  assert.equal(received(reader), invalidation('mc'));
});

test('FLUSHALL tells each tracking client once that everything is invalid, not once per database', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.raw(['GET', 'k'], reader);
  h.run('FLUSHALL');
  assert.equal(received(reader), '>2\r\n$10\r\ninvalidate\r\n_\r\n');
  assert.equal(h.server.tracking.totalKeys, 0);
});

test('the tracking client\'s own invalidation follows its reply', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.raw(['GET', 'k'], reader);
  assert.equal(h.raw(['SET', 'k', 'v'], reader).toString(), `+OK\r\n${invalidation('k')}`);
});

test('tracking-table-max-keys forgets keys past the limit, invalidating them for their readers', () => {
  const h = new Harness({ 'tracking-table-max-keys': '2' });
  const reader = tracker(h);
  h.raw(['MGET', 'a', 'b', 'c'], reader);
  assert.equal(h.server.tracking.totalKeys, 3);
  h.run('PING');
  assert.equal(h.server.tracking.totalKeys, 2);
  assert.equal(received(reader), invalidation('a'));
});

test('INFO and CLIENT LIST tell the truth about tracking', () => {
  const h = new Harness();
  const reader = tracker(h);
  const bcast = tracker(h, 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:');
  h.raw(['MGET', 'a', 'b'], reader);
  h.raw(['GET', 'a'], tracker(h));
  const info = String(h.run('INFO'));
  assert.match(info, /tracking_clients:3\r\n/);
  assert.match(info, /tracking_total_keys:2\r\n/);
  assert.match(info, /tracking_total_items:3\r\n/);
  assert.match(info, /tracking_total_prefixes:2\r\n/);
  const line = (h.runAs(bcast, 'CLIENT', 'INFO') as Verbatim).text;
  assert.match(line, / flags=tB /);
  assert.match(line, / redir=0 /);
});

test('a closed connection stops tracking; its prefixes go when nobody else uses them', () => {
  const h = new Harness();
  const bcast = tracker(h, 'BCAST', 'PREFIX', 'p:');
  tracker(h, 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:');
  h.server.removeClient(bcast);
  assert.equal(h.server.tracking.clients, 1);
  assert.equal(h.server.tracking.totalPrefixes, 2);
});

test('BCAST invalidations are gathered and sent once per turn', async () => {
  const h = new Harness();
  const bcast = tracker(h, 'BCAST', 'PREFIX', 'p:');
  h.run('SET', 'p:2', 'x');
  h.run('SET', 'p:1', 'x');
  h.run('SET', 'p:2', 'y');
  h.run('SET', 'other', 'x');
  assert.equal(received(bcast), '');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(received(bcast), '>2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\np:1\r\n$3\r\np:2\r\n');
});

test('a RESP2 client without redirection is tracked but gets nothing', () => {
  const h = new Harness();
  const reader = h.newClient();
  h.raw(['CLIENT', 'TRACKING', 'ON'], reader);
  h.raw(['GET', 'k'], reader);
  h.run('SET', 'k', 'v');
  assert.equal(received(reader), '');
  assert.equal(h.server.tracking.totalKeys, 0);
});

test('RESET turns tracking off', () => {
  const h = new Harness();
  const reader = tracker(h);
  h.raw(['RESET'], reader);
  assert.equal(reader.tracking, null);
  assert.equal(h.server.tracking.clients, 0);
});

test('OPTIN tracks only the command after CLIENT CACHING YES; GETREDIR and TRACKINGINFO report the mode', () => {
  const h = new Harness();
  const reader = tracker(h, 'OPTIN');
  h.raw(['GET', 'skipped'], reader);
  assert.equal(h.runAs(reader, 'CLIENT', 'CACHING', 'YES'), 'OK');
  assert.deepEqual(h.runAs(reader, 'CLIENT', 'TRACKINGINFO'), new Map<unknown, unknown>([
    ['flags', new Set(['on', 'optin', 'caching-yes'])],
    ['redirect', 0],
    ['prefixes', []],
  ]));
  h.raw(['GET', 'cached'], reader);
  h.raw(['GET', 'after'], reader);
  assert.equal(h.server.tracking.totalKeys, 1);
  assert.equal(h.runAs(reader, 'CLIENT', 'GETREDIR'), 0);
  h.raw(['CLIENT', 'TRACKING', 'OFF'], reader);
  assert.equal(h.runAs(reader, 'CLIENT', 'GETREDIR'), -1);
});
