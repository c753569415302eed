// What list writes propagate and which keyspace events they raise, in Redis 7.0.15's order
// (taken from redis-server with a replica connection and a __keyevent@*__ subscriber); the
// effects differential suite compares the same against the real server when it is installed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from './helpers.ts';

test('every list write raises its event; writes that change nothing propagate nothing', () => {
  const h = new Harness({ 'notify-keyspace-events': 'AE' });
  const seen = recordEffects(h);
  const commands = [
    'RPUSH l a b c',
    'LPUSH l z',
    'LPUSHX nokey a',
    'RPUSHX l d',
    'LINSERT l BEFORE a x',
    'LINSERT l BEFORE nothere x',
    'LSET l 0 Z',
    'LREM l 0 x',
    'LREM l 0 nothere',
    'LTRIM l 0 -1',
    'LTRIM l 1 -1',
    'LPOP l',
    'RPOP l 2',
    'LPOP l 0',
    'LMPOP 1 l LEFT COUNT 5',
  ];
  for (const command of commands) h.run(...command.split(' '));
  assert.deepEqual(seen.propagated, [
    'RPUSH l a b c',
    'LPUSH l z',
    'RPUSHX l d',
    'LINSERT l BEFORE a x',
    'LSET l 0 Z',
    'LREM l 0 x',
    'LTRIM l 1 -1',
    'LPOP l',
    'RPOP l 2',
    'LPOP l 1',
  ]);
  assert.deepEqual(seen.events, [
    'rpush l',
    'lpush l',
    'rpush l',
    'linsert l',
    'lset l',
    'lrem l',
    'ltrim l',
    'ltrim l',
    'lpop l',
    'rpop l',
    'lpop l',
    'del l',
  ]);
});

test('LMOVE and RPOPLPUSH push to the destination before the source pops and goes', () => {
  const h = new Harness({ 'notify-keyspace-events': 'AEn' });
  h.run('RPUSH', 's', 1, 2);
  const seen = recordEffects(h);
  h.run('LMOVE', 's', 'd', 'RIGHT', 'LEFT');
  h.run('RPOPLPUSH', 's', 'd');
  h.run('RPOPLPUSH', 'd', 'd');
  h.run('LTRIM', 'd', 5, 10);
  assert.deepEqual(seen.propagated, ['LMOVE s d RIGHT LEFT', 'RPOPLPUSH s d', 'RPOPLPUSH d d', 'LTRIM d 5 10']);
  assert.deepEqual(seen.events, ['new d', 'lpush d', 'rpop s', 'lpush d', 'rpop s', 'del s', 'lpush d', 'rpop d', 'ltrim d', 'del d']);
});
