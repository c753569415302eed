// What blocking commands propagate and which keyspace events they raise, served at once or
// after blocking: the forms Redis 7.0.15 sends its replicas for the same sequences (checked
// against redis-server with a replica connection and a __keyevent@*__ subscriber).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, type Arg } from '../helpers/harness.ts';
import type { Client } from '../../src/server/client.ts';
import { recordEffects } from '../lists/helpers.ts';

/** Keyspace events of every class but "new" (which the keyspace raises, not these commands). */
const EVENTS = { 'notify-keyspace-events': 'AE' };

function block(h: Harness, client: Client, ...args: Arg[]): void {
  assert.equal(h.raw(args, client).length, 0, `${args.join(' ')} should have blocked`);
}

test('served list waiters propagate as LPOP, LMOVE in lower-case words, RPOPLPUSH and [LR]POP key count', () => {
  const h = new Harness(EVENTS);
  const clients = [h.newClient(), h.newClient(), h.newClient(), h.newClient()];
  block(h, clients[0]!, 'BLPOP', 'q', 0);
  block(h, clients[1]!, 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', 0);
  block(h, clients[2]!, 'BRPOPLPUSH', 'src2', 'dst', 0);
  block(h, clients[3]!, 'BLMPOP', 0, 2, 'nokey', 'q2', 'RIGHT', 'COUNT', 5);
  const seen = recordEffects(h);
  h.run('RPUSH', 'q', 'a', 'b');
  h.run('RPUSH', 'src', 'x');
  h.run('RPUSH', 'src2', 'y', 'z');
  h.run('RPUSH', 'q2', 1, 2, 3);
  assert.deepEqual(seen.propagated, [
    'RPUSH q a b',
    'LPOP q',
    'RPUSH src x',
    'LMOVE src dst right left',
    'RPUSH src2 y z',
    'RPOPLPUSH src2 dst',
    'RPUSH q2 1 2 3',
    'RPOP q2 3',
  ]);
  assert.deepEqual(seen.events, [
    'rpush q',
    'lpop q',
    'rpush src',
    'lpush dst',
    'rpop src',
    'del src',
    'rpush src2',
    'lpush dst',
    'rpop src2',
    'rpush q2',
    'rpop q2',
    'del q2',
  ]);
});

test('served sorted-set waiters propagate as ZPOPMIN or ZPOPMAX, with the count popped for BZMPOP', () => {
  const h = new Harness(EVENTS);
  const [c1, c2] = [h.newClient(), h.newClient()];
  block(h, c1, 'BZPOPMAX', 'z', 0);
  block(h, c2, 'BZMPOP', 0, 1, 'z2', 'MIN', 'COUNT', 2);
  const seen = recordEffects(h);
  h.run('ZADD', 'z', 1, 'm');
  h.run('ZADD', 'z2', 1, 'a', 2, 'b', 3, 'c');
  assert.deepEqual(seen.propagated, ['ZADD z 1 m', 'ZPOPMAX z', 'ZADD z2 1 a 2 b 3 c', 'ZPOPMIN z2 2']);
});

test('served at once, blocking pops propagate as their non-blocking forms; BLMOVE keeps the directions as sent', () => {
  const h = new Harness(EVENTS);
  h.run('RPUSH', 'l', 'a', 'b', 'c', 'd');
  h.run('ZADD', 'z', 1, 'a', 2, 'b');
  const seen = recordEffects(h);
  h.run('BRPOP', 'nokey', 'l', 0);
  h.run('BLMOVE', 'l', 'd', 'left', 'Right', 0);
  h.run('BRPOPLPUSH', 'l', 'd', 0);
  h.run('BLMPOP', 0, 1, 'l', 'LEFT', 'COUNT', 9);
  h.run('BZPOPMIN', 'z', 0);
  h.run('BZMPOP', 0, 1, 'z', 'MAX', 'COUNT', 9);
  assert.deepEqual(seen.propagated, ['RPOP l', 'LMOVE l d left Right', 'RPOPLPUSH l d', 'LPOP l 1', 'ZPOPMIN z', 'ZPOPMAX z 1']);
  // The sorted set's own events are the zset module's (test/zsets).
  assert.deepEqual(seen.events.filter((event) => !event.endsWith(' z')), [
    'rpop l',
    'rpush d',
    'lpop l',
    'lpush d',
    'rpop l',
    'lpop l',
    'del l',
  ]);
});

test('inside MULTI blocking pops with data propagate as pops within MULTI/EXEC, and on empty keys nothing', () => {
  const h = new Harness(EVENTS);
  h.run('RPUSH', 'l', 'a');
  const seen = recordEffects(h);
  h.run('MULTI');
  h.run('BLPOP', 'l', 0);
  h.run('BLPOP', 'l', 0);
  h.run('BLMOVE', 'l', 'd', 'LEFT', 'LEFT', 0);
  h.run('LPUSH', 'l', 'b');
  h.run('BRPOP', 'l', 0);
  h.run('EXEC');
  assert.deepEqual(seen.propagated, ['MULTI', 'LPOP l', 'LPUSH l b', 'RPOP l', 'EXEC']);
  assert.deepEqual(seen.events, ['lpop l', 'del l', 'lpush l', 'rpop l', 'del l']);
});
