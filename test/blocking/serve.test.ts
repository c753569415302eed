// Blocking commands in process: several clients of one server, the blocked ones served by
// the writes of others through the same gate a socket uses. Timeouts need real time and are
// in tcp.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, type Arg } from '../helpers/harness.ts';
import type { Client } from '../../src/server/client.ts';
import { decodeAll, ReplyError, type Reply } from '../helpers/resp.ts';

/** Sends a command that should block: it must answer nothing yet. */
function block(h: Harness, client: Client, ...args: Arg[]): void {
  assert.equal(h.raw(args, client).length, 0, `${args.join(' ')} should have blocked`);
}

/** Replies a client has received since it was last looked at. */
function received(client: Client): Reply[] {
  return decodeAll(client.w.take() ?? Buffer.alloc(0));
}

function errorText(reply: Reply): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('BLPOP and BRPOP pop at once from the first non-empty key', () => {
  const h = new Harness();
  h.run('RPUSH', 'b', 'x', 'y', 'z');
  assert.deepEqual(h.run('BLPOP', 'a', 'b', 0), ['b', 'x']);
  assert.deepEqual(h.run('BRPOP', 'a', 'b', 0), ['b', 'z']);
  assert.deepEqual(h.run('BRPOP', 'b', 0), ['b', 'y']);
  assert.equal(h.run('EXISTS', 'b'), 0);
});

test('BZPOPMIN and BZPOPMAX pop at once with the key, member and score', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
  assert.deepEqual(h.run('BZPOPMIN', 'nothing', 'z', 0), ['z', 'a', '1']);
  assert.deepEqual(h.run('BZPOPMAX', 'z', 0), ['z', 'c', '3']);
  h.run('HELLO', 3);
  assert.deepEqual(h.run('BZPOPMIN', 'z', 0), ['z', 'b', 2]);
});

test('waiters on a key are served in the order they blocked, one element each', () => {
  const h = new Harness();
  const [c1, c2, c3] = [h.newClient(), h.newClient(), h.newClient()];
  block(h, c1, 'BLPOP', 'q', 0);
  block(h, c2, 'BRPOP', 'q', 0);
  block(h, c3, 'BLPOP', 'q', 0);
  assert.equal(h.run('RPUSH', 'q', 'a', 'b'), 2);
  assert.deepEqual(received(c1), [['q', 'a']]);
  assert.deepEqual(received(c2), [['q', 'b']]);
  assert.deepEqual(received(c3), []);
  assert.equal(h.run('EXISTS', 'q'), 0);
  h.run('LPUSH', 'q', 'c');
  assert.deepEqual(received(c3), [['q', 'c']]);
});

test('the pusher sees the list as the waiters left it', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'q', 0);
  assert.equal(h.run('RPUSH', 'q', 'a', 'b', 'c'), 3);
  assert.deepEqual(received(waiter), [['q', 'a']]);
  assert.deepEqual(h.run('LRANGE', 'q', 0, -1), ['b', 'c']);
});

test('a client blocked on several keys is served once, from the key that got data', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'a', 'b', 'c', 0);
  h.run('RPUSH', 'b', 'x');
  assert.deepEqual(received(waiter), [['b', 'x']]);
  h.run('RPUSH', 'a', 'y');
  assert.deepEqual(received(waiter), []);
  assert.deepEqual(h.run('LRANGE', 'a', 0, -1), ['y']);
});

test('pushes inside MULTI wake waiters only after EXEC, with the list as EXEC left it', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'q', 0);
  h.run('MULTI');
  h.run('RPUSH', 'q', 'a', 'b');
  h.run('LPOP', 'q');
  assert.deepEqual(received(waiter), []);
  assert.deepEqual(h.run('EXEC'), [2, 'a']);
  assert.deepEqual(received(waiter), [['q', 'b']]);
});

test('a waiter on several keys filled by one EXEC is served from the key filled first', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'k1', 'k2', 0);
  h.run('MULTI');
  h.run('RPUSH', 'k2', 'two');
  h.run('RPUSH', 'k1', 'one');
  h.run('EXEC');
  assert.deepEqual(received(waiter), [['k2', 'two']]);
  assert.deepEqual(h.run('LRANGE', 'k1', 0, -1), ['one']);
});

test('inside MULTI a blocking command on empty keys answers at once', () => {
  const h = new Harness();
  h.run('MULTI');
  for (const args of [['BLPOP', 'q', 0], ['BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', 0], ['BRPOPLPUSH', 'q', 'd', 0], ['BZPOPMIN', 'z', 0], ['BLMPOP', 0, 1, 'q', 'LEFT'], ['BZMPOP', 0, 1, 'z', 'MAX']]) {
    assert.equal(h.run(...args), 'QUEUED');
  }
  assert.equal(h.raw(['EXEC']).toString(), '*6\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n');
  assert.equal(h.server.blocking.count, 0);
});

test('blocking on a key of another type fails with WRONGTYPE at once', () => {
  const h = new Harness();
  h.run('SET', 's', 'v');
  h.run('ZADD', 'z', 1, 'm');
  assert.match(errorText(h.run('BLPOP', 'missing', 's', 0)), /^WRONGTYPE/);
  assert.match(errorText(h.run('BZPOPMIN', 's', 0)), /^WRONGTYPE/);
  assert.match(errorText(h.run('BLMOVE', 'z', 'd', 'LEFT', 'LEFT', 0)), /^WRONGTYPE/);
  assert.equal(h.server.blocking.count, 0);
});

test('BLMOVE delivers a pushed element exactly once and serves a waiter on its destination', () => {
  const h = new Harness();
  const [mover1, mover2, reader] = [h.newClient(), h.newClient(), h.newClient()];
  block(h, mover1, 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', 0);
  block(h, mover2, 'BRPOPLPUSH', 'src', 'dst', 0);
  block(h, reader, 'BLPOP', 'dst', 0);
  h.run('RPUSH', 'src', 'job');
  assert.deepEqual(received(mover1), ['job']);
  assert.deepEqual(received(mover2), []);
  // The move filled dst within the same pass, so its waiter took the element.
  assert.deepEqual(received(reader), [['dst', 'job']]);
  assert.equal(h.run('EXISTS', 'src', 'dst'), 0);
  h.run('RPUSH', 'src', 'next');
  assert.deepEqual(received(mover2), ['next']);
  assert.deepEqual(h.run('LRANGE', 'dst', 0, -1), ['next']);
});

test('a served BLMOVE whose destination holds another type gets WRONGTYPE and leaves the element', () => {
  const h = new Harness();
  const mover = h.newClient();
  block(h, mover, 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', 0);
  h.run('SET', 'dst', 'string');
  h.run('RPUSH', 'src', 'a');
  assert.match(errorText(received(mover)[0]!), /^WRONGTYPE/);
  assert.deepEqual(h.run('LRANGE', 'src', 0, -1), ['a']);
  assert.equal(h.server.blocking.count, 0);
});

test('BLMPOP and BZMPOP waiters get up to COUNT elements', () => {
  const h = new Harness();
  const [lists, zsets] = [h.newClient(), h.newClient()];
  block(h, lists, 'BLMPOP', 0, 2, 'l1', 'l2', 'RIGHT', 'COUNT', 2);
  block(h, zsets, 'BZMPOP', 0, 1, 'z', 'MIN', 'COUNT', 5);
  h.run('RPUSH', 'l2', 'a', 'b', 'c');
  h.run('ZADD', 'z', 2, 'two', 1, 'one');
  assert.deepEqual(received(lists), [['l2', ['c', 'b']]]);
  assert.deepEqual(received(zsets), [['z', [['one', '1'], ['two', '2']]]]);
});

test('sorted-set waiters are served by ZADD; list waiters skip a key that became a sorted set', () => {
  const h = new Harness();
  const [lister, zsetter] = [h.newClient(), h.newClient()];
  block(h, lister, 'BLPOP', 'k', 0);
  block(h, zsetter, 'BZPOPMAX', 'k', 0);
  h.run('ZADD', 'k', 5, 'm', 7, 'n');
  assert.deepEqual(received(zsetter), [['k', 'n', '7']]);
  assert.deepEqual(received(lister), []);
  assert.equal(h.server.blocking.count, 1);
});

test('a waiter waits on the database it selected', () => {
  const h = new Harness();
  const waiter = h.newClient();
  h.raw(['SELECT', '1'], waiter);
  block(h, waiter, 'BLPOP', 'q', 0);
  h.run('RPUSH', 'q', 'db0');
  assert.deepEqual(received(waiter), []);
  h.run('SELECT', 1);
  h.run('RPUSH', 'q', 'db1');
  assert.deepEqual(received(waiter), [['q', 'db1']]);
  assert.deepEqual(h.run('LRANGE', 'q', 0, -1), []);
});

test('RENAME, MOVE and SWAPDB that bring a list to a waited key serve the waiter', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'q', 0);
  h.run('RPUSH', 'tmp', 'renamed');
  h.run('RENAME', 'tmp', 'q');
  assert.deepEqual(received(waiter), [['q', 'renamed']]);

  block(h, waiter, 'BLPOP', 'q', 0);
  h.run('SELECT', 1);
  h.run('RPUSH', 'q', 'moved');
  h.run('MOVE', 'q', 0);
  assert.deepEqual(received(waiter), [['q', 'moved']]);

  block(h, waiter, 'BLPOP', 'q', 0);
  h.run('RPUSH', 'q', 'swapped');
  h.run('SWAPDB', 0, 1);
  assert.deepEqual(received(waiter), [['q', 'swapped']]);
});

test('CLIENT UNBLOCK answers as a timeout or with an UNBLOCKED error, once', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'q', 0);
  assert.equal(h.run('CLIENT', 'UNBLOCK', waiter.id), 1);
  assert.equal(waiter.w.take()?.toString(), '*-1\r\n');
  assert.equal(h.run('CLIENT', 'UNBLOCK', waiter.id), 0);

  block(h, waiter, 'BZPOPMIN', 'z', 0);
  assert.equal(h.run('CLIENT', 'UNBLOCK', waiter.id, 'ERROR'), 1);
  assert.equal(waiter.w.take()?.toString(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
  h.run('RPUSH', 'q', 'a');
  assert.deepEqual(received(waiter), []);
  assert.equal(h.run('CLIENT', 'UNBLOCK', h.client.id), 0);
  assert.equal(h.run('CLIENT', 'UNBLOCK', 999_999, 'TIMEOUT'), 0);
});

test('INFO and CLIENT LIST show blocked clients and their command', () => {
  const h = new Harness();
  const [forever, timed] = [h.newClient(), h.newClient()];
  block(h, forever, 'BLPOP', 'q', 0);
  block(h, timed, 'BZPOPMIN', 'z', 1000);
  const info = h.run('INFO', 'clients') as string;
  assert.match(info, /\r\nblocked_clients:2\r\n/);
  assert.match(info, /\r\nclients_in_timeout_table:1\r\n/);
  const line = (h.run('CLIENT', 'LIST', 'ID', forever.id) as string).trim();
  assert.match(line, / flags=b /);
  assert.match(line, / cmd=blpop /);
  h.run('CLIENT', 'UNBLOCK', timed.id);
  h.run('RPUSH', 'q', 'a');
  const after = h.run('INFO', 'clients') as string;
  assert.match(after, /\r\nblocked_clients:0\r\n/);
  assert.match(after, /\r\nclients_in_timeout_table:0\r\n/);
  assert.match(h.run('CLIENT', 'LIST', 'ID', forever.id) as string, / flags=N .* cmd=blpop /);
});

test('a client that disconnects while blocked stops waiting', () => {
  const h = new Harness();
  const [gone, next] = [h.newClient(), h.newClient()];
  block(h, gone, 'BLPOP', 'q', 0);
  block(h, next, 'BLPOP', 'q', 0);
  h.server.removeClient(gone);
  h.run('RPUSH', 'q', 'a', 'b');
  assert.deepEqual(received(next), [['q', 'a']]);
  assert.deepEqual(h.run('LRANGE', 'q', 0, -1), ['b']);
  assert.equal(h.server.blocking.count, 0);
});

test('a blocked command counts as one call, when it blocks', () => {
  const h = new Harness();
  const waiter = h.newClient();
  block(h, waiter, 'BLPOP', 'q', 0);
  assert.match(h.run('INFO', 'commandstats') as string, /cmdstat_blpop:calls=1,/);
  h.run('RPUSH', 'q', 'a');
  assert.match(h.run('INFO', 'commandstats') as string, /cmdstat_blpop:calls=1,/);
});
