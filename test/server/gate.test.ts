// The gate's check -> call -> effects steps: what is refused before running, what reaches the
// propagation stream and when, and that a failed command leaves exactly one reply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Harness } from '../helpers/harness.ts';
import { Wire } from '../memcached/helpers.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';
import type { Handler } from '../../src/commands/spec.ts';

function errorText(reply: Reply): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${String(reply)}`);
  return reply.text;
}

/** The propagation stream of a harness's server, as text, one entry per command. */
function recordPropagation(h: Harness): string[] {
  const seen: string[] = [];
  h.server.effects.onPropagate((db, argv) => seen.push(`${db}: ${argv.map((a) => a.toString('latin1')).join(' ')}`));
  return seen;
}

test('EXEC with extra arguments discards the transaction with EXECABORT, inside MULTI and out', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  assert.match(errorText(h.run('EXEC', 'x')), /^EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command$/);
  assert.equal(h.run('SET', 'b', '2'), 'OK');
  assert.match(errorText(h.run('EXEC')), /^ERR EXEC without MULTI/);
  assert.equal(h.run('GET', 'a'), null);
  assert.match(errorText(h.run('EXEC', 'x')), /^EXECABORT Transaction discarded because of: wrong number/);
});

test('a command that fails after writing part of its reply sends only the error', () => {
  const h = new Harness();
  const ping = h.server.commands.lookupName('ping')!;
  const original = ping.spec.handler;
  (ping.spec as { handler: Handler }).handler = ({ w }) => {
    w.array(2);
    w.bulkString('half');
    throw new Error('boom');
  };
  try {
    assert.equal(h.raw(['PING']).toString(), '-ERR boom\r\n');
  } finally {
    (ping.spec as { handler: Handler | undefined }).handler = original;
  }
});

test('a write that changes nothing propagates nothing and does not count as a change', () => {
  const h = new Harness();
  const seen = recordPropagation(h);
  const dirty = h.server.dirty;
  h.run('DEL', 'missing');
  h.run('SREM', 'missing', 'm');
  h.run('SET', 'k', 'v', 'XX');
  assert.deepEqual(seen, []);
  assert.equal(h.server.dirty, dirty);
  h.run('DEL', 'missing', 'also');
  h.run('SET', 'k', 'v');
  h.run('DEL', 'k', 'missing');
  assert.deepEqual(seen, ['0: SET k v', '0: DEL k missing']);
  assert.equal(h.server.dirty, dirty + 2);
});

test('EXEC propagates its writes as one unit, wrapped in MULTI/EXEC when there are several', () => {
  const h = new Harness();
  const seen = recordPropagation(h);
  h.run('MULTI');
  h.run('SET', 'a', '1');
  h.run('GET', 'a');
  h.run('SELECT', '2');
  h.run('SET', 'b', '2');
  h.run('EXEC');
  assert.deepEqual(seen, ['0: MULTI', '0: SET a 1', '2: SET b 2', '-1: EXEC']);
  seen.length = 0;
  h.run('MULTI');
  h.run('INCR', 'n');
  h.run('EXEC');
  assert.deepEqual(seen, ['2: INCR n']);
});

test('a key that expires inside a write is deleted in the same unit, before the write', () => {
  const h = new Harness();
  const seen = recordPropagation(h);
  h.run('SET', 'k', 'v', 'PX', '10');
  seen.length = 0;
  h.clock.advance(20);
  h.run('SET', 'k', 'w');
  assert.deepEqual(seen, ['0: MULTI', '0: DEL k', '0: SET k w', '-1: EXEC']);
});

test('checks registered on the gate refuse a command before it runs and before MULTI queues it', () => {
  const h = new Harness();
  const remove = h.server.addCheck((_client, cmd) => (cmd.spec.name === 'set' ? 'OOM command not allowed' : null));
  assert.match(errorText(h.run('SET', 'k', 'v')), /^OOM/);
  assert.equal(h.run('GET', 'k'), null);
  h.run('MULTI');
  assert.match(errorText(h.run('SET', 'k', 'v')), /^OOM/);
  assert.match(errorText(h.run('EXEC')), /^EXECABORT Transaction discarded because of previous errors/);
  remove();
  assert.equal(h.run('SET', 'k', 'v'), 'OK');
});

test('a switchable check runs only while switched on, in the place it was registered', () => {
  const h = new Harness();
  const ran: string[] = [];
  const switchFirst = h.server.switchableCheck(() => {
    ran.push('first');
    return 'ERR first';
  });
  h.server.addCheck(() => {
    ran.push('second');
    return 'ERR second';
  });
  assert.equal(errorText(h.run('GET', 'k')), 'ERR second');
  switchFirst(true);
  assert.equal(errorText(h.run('GET', 'k')), 'ERR first');
  switchFirst(false);
  assert.equal(errorText(h.run('GET', 'k')), 'ERR second');
  assert.deepEqual(ran, ['second', 'first', 'second']);
});

test('maxmemory puts its check on the gate only while a limit is set', () => {
  const h = new Harness();
  const checks = () => (h.server as unknown as { checks: unknown[] }).checks.length;
  const off = checks();
  h.run('CONFIG', 'SET', 'maxmemory', '100mb');
  assert.equal(checks(), off + 1);
  h.run('CONFIG', 'SET', 'maxmemory', '0');
  assert.equal(checks(), off);
});

test('keyspace events are delivered only for the classes notify-keyspace-events enables', () => {
  const h = new Harness({ 'notify-keyspace-events': 'E$' });
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, db, key) => events.push(`${event}@${db}:${key.toString()}`));
  h.run('SET', 'k', 'v');
  h.run('DEL', 'k');
  h.run('CONFIG', 'SET', 'notify-keyspace-events', 'Eg');
  h.run('SET', 'k', 'v');
  h.run('DEL', 'k');
  assert.deepEqual(events, ['set@0:k', 'del@0:k']);
  assert.equal((h.run('CONFIG', 'GET', 'notify-keyspace-events') as string[])[1], 'gE');
  assert.match(errorText(h.run('CONFIG', 'SET', 'notify-keyspace-events', 'Q')), /Invalid event class character/);
});

test('an expired key raises "expired" and propagates as DEL, or UNLINK under lazyfree-lazy-expire', () => {
  const h = new Harness({ 'notify-keyspace-events': 'Ex' });
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event}:${key.toString()}`));
  const seen = recordPropagation(h);
  h.run('SET', 'a', '1', 'PX', '5');
  h.run('SET', 'b', '1', 'PX', '5');
  h.clock.advance(10);
  seen.length = 0;
  h.run('GET', 'a');
  h.run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
  h.run('EXISTS', 'b');
  assert.deepEqual(events, ['expired:a', 'expired:b']);
  assert.deepEqual(seen, ['0: DEL a', '0: UNLINK b']);
});

test('Memcached writes propagate as the Redis commands that do the same', () => {
  const w = new Wire();
  const seen: string[] = [];
  w.server.effects.onPropagate((db, argv) => seen.push(`${db}: ${argv.map((a) => Buffer.from(a).toString('latin1')).join(' ')}`));
  w.send('set a 0 0 1\r\n1\r\nincr a 41\r\nappend a 0 0 1\r\n!\r\ndelete a\r\ndelete a\r\nflush_all\r\n');
  assert.deepEqual(seen, ['0: SET a 1', '0: SET a 42 KEEPTTL', '0: APPEND a !', '0: DEL a', '0: FLUSHDB']);
});

test('notify-keyspace-events "AEn" shows as "AE", as in Redis 7.0, and still raises new-key events', () => {
  const h = new Harness();
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event}:${key.toString()}`));
  h.run('CONFIG', 'SET', 'notify-keyspace-events', 'AEn');
  assert.equal((h.run('CONFIG', 'GET', 'notify-keyspace-events') as string[])[1], 'AE');
  h.run('LPUSH', 'l', 'x');
  assert.equal(events[0], 'new:l');
});
