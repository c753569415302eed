import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Harness, toBuffer, type Arg } from '../helpers/harness.ts';
import { decodeAll } from '../helpers/resp.ts';
import type { Client } from '../../src/server/client.ts';

/** Runs a command whose replies may be several (one per channel), decoded. */
function all(h: Harness, client: Client, ...args: Arg[]) {
  return decodeAll(h.raw(args, client));
}

/** What a client received while others ran commands. */
function received(client: Client): Buffer {
  return client.w.take() ?? Buffer.alloc(0);
}

test('PUBLISH reaches channel and pattern subscribers and counts them', () => {
  const h = new Harness();
  const a = h.newClient();
  const b = h.newClient();
  all(h, a, 'SUBSCRIBE', 'news');
  all(h, b, 'PSUBSCRIBE', 'n*', 'x*');
  assert.equal(h.run('PUBLISH', 'news', 'hi'), 2);
  assert.deepEqual(decodeAll(received(a)), [['message', 'news', 'hi']]);
  assert.deepEqual(decodeAll(received(b)), [['pmessage', 'n*', 'news', 'hi']]);
  assert.equal(h.run('PUBLISH', 'other', 'hi'), 0);
});

test('messages carry exact bulk lengths across digit counts, for channels, patterns and shard channels', () => {
  const h = new Harness();
  const channel = h.newClient();
  const pattern = h.newClient();
  const shard = h.newClient();
  const name = 'c'.repeat(12);
  all(h, channel, 'SUBSCRIBE', name);
  all(h, pattern, 'PSUBSCRIBE', 'c*');
  all(h, shard, 'SSUBSCRIBE', name);
  for (const length of [0, 9, 10, 99, 100, 1000, 10_000]) {
    const payload = 'p'.repeat(length);
    assert.equal(h.run('PUBLISH', name, payload), 2);
    assert.equal(h.run('SPUBLISH', name, payload), 1);
    const bulk = (text: string) => `$${text.length}\r\n${text}\r\n`;
    assert.equal(received(channel).toString(), `*3\r\n${bulk('message')}${bulk(name)}${bulk(payload)}`);
    assert.equal(received(pattern).toString(), `*4\r\n${bulk('pmessage')}${bulk('c*')}${bulk(name)}${bulk(payload)}`);
    assert.equal(received(shard).toString(), `*3\r\n${bulk('smessage')}${bulk(name)}${bulk(payload)}`);
  }
});

test('a RESP3 subscriber gets pushes, a RESP2 one arrays, with the same bytes after the header', () => {
  const h = new Harness();
  const two = h.newClient();
  const three = h.newClient();
  h.raw(['HELLO', '3'], three);
  h.raw(['SUBSCRIBE', 'c'], two);
  h.raw(['SUBSCRIBE', 'c'], three);
  h.run('PUBLISH', 'c', Buffer.from([0, 0xff]));
  const body = Buffer.concat([Buffer.from('$7\r\nmessage\r\n$1\r\nc\r\n$2\r\n'), Buffer.from([0, 0xff]), Buffer.from('\r\n')]);
  assert.deepEqual(received(two), Buffer.concat([Buffer.from('*3\r\n'), body]));
  assert.deepEqual(received(three), Buffer.concat([Buffer.from('>3\r\n'), body]));
});

test('a RESP3 client runs ordinary commands while subscribed, its own messages arriving before the reply', () => {
  const h = new Harness();
  h.run('HELLO', '3');
  h.raw(['SUBSCRIBE', 'c']);
  assert.equal(h.run('SET', 'k', 'v'), 'OK');
  assert.equal(h.raw(['PUBLISH', 'c', 'm']).toString(), '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n:1\r\n');
});

test('a subscribed RESP2 client may only (un)subscribe, PING, QUIT and RESET', () => {
  const h = new Harness();
  h.raw(['SUBSCRIBE', 'c']);
  assert.match((h.run('GET', 'k') as Error).message, /^ERR Can't execute 'get': only \(P\|S\)SUBSCRIBE/);
  assert.match((h.run('CLIENT', 'ID') as Error).message, /^ERR Can't execute 'client\|id'/);
  assert.deepEqual(h.run('PING'), ['pong', '']);
  assert.deepEqual(h.run('PING', 'x'), ['pong', 'x']);
  h.raw(['UNSUBSCRIBE']);
  assert.equal(h.run('GET', 'k'), null);
  assert.equal(h.run('PING'), 'PONG');
});

test('the last unsubscription of any kind leaves subscribed mode, not an earlier one', () => {
  const h = new Harness();
  h.raw(['SUBSCRIBE', 'a']);
  h.raw(['SSUBSCRIBE', 's']);
  assert.deepEqual(all(h, h.client, 'UNSUBSCRIBE'), [['unsubscribe', 'a', 0]]);
  assert.ok(h.client.pubsub !== null);
  assert.deepEqual(all(h, h.client, 'SUNSUBSCRIBE'), [['sunsubscribe', 's', 0]]);
  assert.equal(h.client.pubsub, null);
});

test('UNSUBSCRIBE with nothing subscribed still confirms once, with a null channel', () => {
  const h = new Harness();
  assert.deepEqual(all(h, h.client, 'UNSUBSCRIBE'), [['unsubscribe', null, 0]]);
  assert.deepEqual(all(h, h.client, 'PUNSUBSCRIBE'), [['punsubscribe', null, 0]]);
});

test('confirmation counts: channels and patterns together, shard channels apart', () => {
  const h = new Harness();
  assert.deepEqual(all(h, h.client, 'SUBSCRIBE', 'a', 'b', 'a'), [
    ['subscribe', 'a', 1],
    ['subscribe', 'b', 2],
    ['subscribe', 'a', 2],
  ]);
  assert.deepEqual(all(h, h.client, 'PSUBSCRIBE', 'p*'), [['psubscribe', 'p*', 3]]);
  assert.deepEqual(all(h, h.client, 'SSUBSCRIBE', 's'), [['ssubscribe', 's', 1]]);
});

test('SPUBLISH reaches shard subscribers only, and PUBLISH never reaches them', () => {
  const h = new Harness();
  const shard = h.newClient();
  const plain = h.newClient();
  h.raw(['SSUBSCRIBE', 'c'], shard);
  h.raw(['PSUBSCRIBE', '*'], plain);
  assert.equal(h.run('SPUBLISH', 'c', 'm'), 1);
  assert.deepEqual(decodeAll(received(shard)), [['smessage', 'c', 'm']]);
  assert.equal(received(plain).length, 0);
  assert.equal(h.run('PUBLISH', 'c', 'm'), 1);
  assert.equal(received(shard).length, 0);
});

test('a closed connection leaves every channel and pattern, and emptied ones disappear', () => {
  const h = new Harness();
  const sub = h.newClient();
  h.raw(['SUBSCRIBE', 'a', 'b'], sub);
  h.raw(['PSUBSCRIBE', 'p*'], sub);
  assert.deepEqual(h.run('PUBSUB', 'NUMSUB', 'a', 'b'), ['a', 1, 'b', 1]);
  h.server.removeClient(sub);
  assert.deepEqual(h.run('PUBSUB', 'CHANNELS'), []);
  assert.equal(h.run('PUBSUB', 'NUMPAT'), 0);
  assert.equal(h.run('PUBLISH', 'a', 'm'), 0);
});

test('RESET leaves subscribed mode and every subscription without confirming', () => {
  const h = new Harness();
  h.raw(['SUBSCRIBE', 'a']);
  h.raw(['PSUBSCRIBE', 'p*']);
  assert.equal(h.raw(['RESET']).toString(), '+RESET\r\n');
  assert.equal(h.client.pubsub, null);
  assert.equal(h.run('PUBSUB', 'NUMPAT'), 0);
});

test('PUBSUB NUMPAT counts distinct patterns, not subscriptions', () => {
  const h = new Harness();
  h.raw(['PSUBSCRIBE', 'a*'], h.newClient());
  h.raw(['PSUBSCRIBE', 'a*', 'b*'], h.newClient());
  assert.equal(h.run('PUBSUB', 'NUMPAT'), 2);
});

test('patterns match as Redis globs do: classes, escapes, ?', () => {
  const h = new Harness();
  const sub = h.newClient();
  h.raw(['PSUBSCRIBE', 'h[ae]llo', 'x\\*', 'a?c'], sub);
  received(sub);
  assert.equal(h.run('PUBLISH', 'hallo', 'm'), 1);
  assert.equal(h.run('PUBLISH', 'hillo', 'm'), 0);
  assert.equal(h.run('PUBLISH', 'x*', 'm'), 1);
  assert.equal(h.run('PUBLISH', 'xy', 'm'), 0);
  assert.equal(h.run('PUBLISH', 'abc', 'm'), 1);
});

test('SSUBSCRIBE inside MULTI is refused when EXEC runs it, SUBSCRIBE is not', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SSUBSCRIBE', 's');
  h.run('SUBSCRIBE', 'c');
  assert.equal(
    h.raw(['EXEC']).toString(),
    "*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n",
  );
});

test('a subscriber on another connection is woken to send what it received', () => {
  const h = new Harness();
  const sub = h.newClient();
  let wakes = 0;
  sub.wake = () => wakes++;
  h.raw(['SUBSCRIBE', 'c'], sub);
  h.run('PUBLISH', 'c', 'm');
  assert.equal(wakes, 1);
});

test('PUBLISH to 100 subscribers serialises the message once per protocol, not once per subscriber', () => {
  const h = new Harness();
  const subscribers = Array.from({ length: 100 }, () => h.newClient());
  subscribers.forEach((client, i) => h.raw(i % 2 === 0 ? ['SUBSCRIBE', 'c'] : ['HELLO', '3'], client));
  subscribers.forEach((client, i) => i % 2 === 1 && h.raw(['SUBSCRIBE', 'c'], client));
  const allocUnsafe = Buffer.allocUnsafe;
  let allocations = 0;
  Buffer.allocUnsafe = (size: number) => {
    allocations++;
    return allocUnsafe(size);
  };
  try {
    assert.equal(h.server.pubsub.publish(toBuffer('c'), toBuffer('payload')), 100);
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
  }
  assert.equal(allocations, 2);
  const expected = '$7\r\nmessage\r\n$1\r\nc\r\n$7\r\npayload\r\n';
  assert.equal(received(subscribers[0]!).toString(), `*3\r\n${expected}`);
  assert.equal(received(subscribers[1]!).toString(), `>3\r\n${expected}`);
});
