import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { decodeAll } from '../helpers/resp.ts';
import type { Client } from '../../src/server/client.ts';

function subscriber(h: Harness, pattern = '__key*__:*'): Client {
  const client = h.newClient();
  h.raw(['PSUBSCRIBE', pattern], client);
  return client;
}

function messages(client: Client) {
  return decodeAll(client.w.take() ?? Buffer.alloc(0));
}

test('nothing is published while notify-keyspace-events is empty', () => {
  const h = new Harness();
  const sub = subscriber(h);
  h.run('SET', 'k', 'v');
  assert.deepEqual(messages(sub), []);
});

test('CONFIG SET notify-keyspace-events takes effect at once, and turning it off stops it', () => {
  const h = new Harness();
  const sub = subscriber(h);
  h.run('CONFIG', 'SET', 'notify-keyspace-events', 'KE$');
  h.run('SET', 'k', 'v');
  assert.deepEqual(messages(sub), [
    ['pmessage', '__key*__:*', '__keyspace@0__:k', 'set'],
    ['pmessage', '__key*__:*', '__keyevent@0__:set', 'k'],
  ]);
  h.run('CONFIG', 'SET', 'notify-keyspace-events', '');
  h.run('SET', 'k', 'w');
  assert.deepEqual(messages(sub), []);
});

test('a class letter without K or E publishes nothing; K alone publishes only keyspace channels', () => {
  const h = new Harness({ 'notify-keyspace-events': 'g$' });
  const sub = subscriber(h);
  h.run('SET', 'k', 'v');
  assert.deepEqual(messages(sub), []);
  h.run('CONFIG', 'SET', 'notify-keyspace-events', 'K$');
  h.run('SET', 'k', 'v');
  assert.deepEqual(messages(sub), [['pmessage', '__key*__:*', '__keyspace@0__:k', 'set']]);
});

test('keys expired by the background cycle are published as "expired" in their database', () => {
  const h = new Harness({ 'notify-keyspace-events': 'Ex' });
  const sub = subscriber(h);
  h.run('SELECT', '2');
  h.run('SET', 'k', 'v', 'PX', '10');
  h.clock.advance(20);
  for (let i = 0; i < 5 && h.server.keyspace.dbs[2]!.size > 0; i++) h.server.cron();
  assert.deepEqual(messages(sub), [['pmessage', '__key*__:*', '__keyevent@2__:expired', 'k']]);
});

test('"new" events (n) come before the creating command\'s own event', () => {
  const h = new Harness({ 'notify-keyspace-events': 'KEn$l' });
  const sub = subscriber(h, '__keyevent@0__:*');
  h.run('RPUSH', 'l', 'a');
  h.run('SET', 'l2', 'x');
  assert.deepEqual(
    messages(sub).map((m) => (m as string[])[2]),
    ['__keyevent@0__:new', '__keyevent@0__:rpush', '__keyevent@0__:new', '__keyevent@0__:set'],
  );
});
