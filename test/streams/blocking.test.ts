// XREAD BLOCK and XREADGROUP BLOCK in process: several clients of one server, woken by XADD
// from any path, in the order they blocked, with exact timeouts on the fake clock, and what
// Redis 7.0.15 answers when the stream or the group goes away meanwhile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, type Arg } from '../helpers/harness.ts';
import type { Client } from '../../src/server/client.ts';
import { decodeAll, ReplyError, type Reply } from '../helpers/resp.ts';
import { recordEffects } from '../lists/helpers.ts';

const T0 = 1_700_000_000_000;

function block(h: Harness, client: Client, ...args: Arg[]): void {
  assert.equal(h.raw(args, client).length, 0, `${args.join(' ')} should have blocked`);
}

function received(client: Client): Reply[] {
  return decodeAll(client.w.take() ?? Buffer.alloc(0));
}

function errorOf(replies: Reply[]): string {
  assert.equal(replies.length, 1);
  assert.ok(replies[0] instanceof ReplyError, `expected an error, got ${JSON.stringify(replies[0])}`);
  return replies[0].text;
}

/** Lets the registry's timers (real time) run: the fake clock decides whether they time out. */
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('XREAD BLOCK with $ waits for the next XADD and gets only the new entry', () => {
  const h = new Harness();
  h.run('XADD', 's', '1-1', 'f', 'old');
  const reader = h.newClient();
  block(h, reader, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  h.run('XADD', 's', '2-1', 'f', 'new');
  assert.deepEqual(received(reader), [[['s', [['2-1', ['f', 'new']]]]]]);
  assert.equal(h.server.blocking.count, 0);
});

test('a reader blocked on several streams is answered with the one that got data', () => {
  const h = new Harness();
  const reader = h.newClient();
  block(h, reader, 'XREAD', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', 'a', 'b', 'c', '0', '0', '0');
  h.run('XADD', 'b', '1-1', 'f', 1);
  assert.deepEqual(received(reader), [[['b', [['1-1', ['f', '1']]]]]]);
  h.run('HELLO', 3);
  const resp3 = h.newClient();
  h.runAs(resp3, 'HELLO', 3);
  block(h, resp3, 'XREAD', 'BLOCK', 0, 'STREAMS', 'a', '$');
  h.run('XADD', 'a', '1-1', 'f', 1);
  assert.deepEqual(received(resp3), [new Map([['a', [['1-1', ['f', '1']]]]])]);
});

test('readers are served in the order they blocked, and a group delivers an entry once', () => {
  const h = new Harness();
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const [first, second, plain] = [h.newClient(), h.newClient(), h.newClient()];
  block(h, first, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', 0, 'STREAMS', 's', '>');
  block(h, second, 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', 0, 'STREAMS', 's', '>');
  block(h, plain, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  h.run('XADD', 's', '1-1', 'f', 1);
  assert.deepEqual(received(first), [[['s', [['1-1', ['f', '1']]]]]]);
  assert.deepEqual(received(second), []);
  assert.deepEqual(received(plain), [[['s', [['1-1', ['f', '1']]]]]]);
  h.run('XADD', 's', '1-2', 'f', 2);
  assert.deepEqual(received(second), [[['s', [['1-2', ['f', '2']]]]]]);
  assert.deepEqual(h.run('XPENDING', 's', 'g'), [2, '1-1', '1-2', [['alice', '1'], ['bob', '1']]]);
});

test('XADDs inside MULTI wake readers after EXEC, and a blocking read inside MULTI answers nil at once', () => {
  const h = new Harness();
  const reader = h.newClient();
  block(h, reader, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '0');
  h.run('MULTI');
  h.run('XADD', 's', '1-1', 'f', 1);
  h.run('XADD', 's', '1-2', 'f', 2);
  h.run('XREAD', 'BLOCK', 0, 'STREAMS', 'nokey', '$');
  assert.deepEqual(received(reader), []);
  assert.deepEqual(h.run('EXEC'), ['1-1', '1-2', null]);
  assert.deepEqual(received(reader), [
    [
      [
        's',
        [
          ['1-1', ['f', '1']],
          ['1-2', ['f', '2']],
        ],
      ],
    ],
  ]);
});

test('deleting the stream ends XREADGROUP waits with UNBLOCKED, while XREAD waits on', () => {
  const h = new Harness();
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const [group, plain] = [h.newClient(), h.newClient()];
  block(h, group, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  block(h, plain, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
  h.run('DEL', 's');
  assert.equal(errorOf(received(group)), 'UNBLOCKED the stream key no longer exists');
  assert.deepEqual(received(plain), []);
  h.run('XADD', 's', '5-1', 'f', 1);
  assert.deepEqual(received(plain), [[['s', [['5-1', ['f', '1']]]]]]);
});

test('overwriting the stream with another type also ends XREADGROUP waits', () => {
  const h = new Harness();
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const waiter = h.newClient();
  block(h, waiter, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  h.run('SET', 's', 'x');
  assert.equal(errorOf(received(waiter)), 'UNBLOCKED the stream key no longer exists');
});

test('FLUSHALL and SWAPDB take the stream away from XREADGROUP waits too', () => {
  const h = new Harness();
  const waiter = h.newClient();
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  block(h, waiter, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  h.run('FLUSHALL');
  assert.equal(errorOf(received(waiter)), 'UNBLOCKED the stream key no longer exists');
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  block(h, waiter, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  h.run('SWAPDB', 0, 1);
  assert.equal(errorOf(received(waiter)), 'UNBLOCKED the stream key no longer exists');
});

test('destroying the group ends its waits with NOGROUP', () => {
  const h = new Harness();
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const waiter = h.newClient();
  block(h, waiter, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
  h.run('XGROUP', 'DESTROY', 's', 'g');
  assert.equal(errorOf(received(waiter)), 'NOGROUP the consumer group this client was blocked on no longer exists');
  assert.equal(h.server.blocking.count, 0);
});

test('a served XREADGROUP propagates XCLAIM as when it read at once', () => {
  const h = new Harness({ 'notify-keyspace-events': 'AE' });
  h.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const waiter = h.newClient();
  block(h, waiter, 'XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 5, 'BLOCK', 0, 'STREAMS', 's', '>');
  const seen = recordEffects(h);
  h.run('XADD', 's', '1-1', 'f', 1);
  assert.deepEqual(seen.propagated, ['XADD s 1-1 f 1', `XCLAIM s g c 0 1-1 TIME ${T0} RETRYCOUNT 1 FORCE JUSTID LASTID 1-1`]);
  assert.deepEqual(seen.events, ['xadd s', 'xgroup-createconsumer s']);
});

test('XREAD BLOCK times out exactly when the clock reaches its deadline', async () => {
  const h = new Harness();
  const reader = h.newClient();
  block(h, reader, 'XREAD', 'BLOCK', 40, 'STREAMS', 's', '$');
  h.clock.advance(39);
  await tick(60);
  assert.deepEqual(received(reader), []);
  assert.equal(h.server.blocking.count, 1);
  h.clock.advance(1);
  await tick(20);
  assert.deepEqual(received(reader), [null]);
  assert.equal(h.server.blocking.count, 0);
});

test('a blocked reader skips XADDs that bring nothing past its ID', () => {
  const h = new Harness();
  h.run('XADD', 's', '5-1', 'f', 1);
  const reader = h.newClient();
  block(h, reader, 'XREAD', 'BLOCK', 0, 'STREAMS', 's', '9-0');
  h.run('XADD', 's', '6-1', 'f', 2);
  assert.deepEqual(received(reader), []);
  h.run('XADD', 's', '9-1', 'f', 3);
  assert.deepEqual(received(reader), [[['s', [['9-1', ['f', '3']]]]]]);
});
