// What string writes tell the world: their keyspace events and what they propagate, in Redis
// 7.0.15's forms (relative expiries as absolute PXAT/PEXPIREAT times, INCRBYFLOAT as SET ...
// KEEPTTL, GETDEL as DEL), and nothing at all when they changed nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from './helpers.ts';

const NOW = 1_700_000_000_000;

test('SET with an expiry raises set then expire and propagates SET ... PXAT with the absolute time', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('SET', 'k', 'v', 'EX', '100');
  assert.deepEqual(effects.take(), ['set@0:k', 'expire@0:k', `> 0 SET k v PXAT ${NOW + 100_000}`]);
  h.run('SETEX', 'k', '5', 'w');
  h.run('PSETEX', 'k', '5', 'x');
  h.run('SET', 'k', 'y', 'EXAT', '9999999999999', 'GET');
  assert.deepEqual(effects.take(), [
    'set@0:k',
    'expire@0:k',
    `> 0 SET k w PXAT ${NOW + 5000}`,
    'set@0:k',
    'expire@0:k',
    `> 0 SET k x PXAT ${NOW + 5}`,
    'set@0:k',
    'expire@0:k',
    // Past 2^53 ms, still the exact product.
    '> 0 SET k y PXAT 9999999999999000',
  ]);
});

test('SET ... GET propagates without GET, GETSET as SET, and a SET that NX or XX stopped not at all', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('SET', 'k', 'v', 'GET', 'KEEPTTL', 'get');
  h.run('GETSET', 'k', 'w');
  h.run('SET', 'k', 'x', 'NX', 'GET');
  h.run('SET', 'nope', 'x', 'XX');
  h.run('SETNX', 'k', 'x');
  assert.deepEqual(effects.take(), ['set@0:k', '> 0 SET k v KEEPTTL', 'set@0:k', '> 0 SET k w']);
});

test('GETEX propagates as PEXPIREAT, PERSIST or DEL, and a GETEX that changed nothing not at all', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  const effects = recordEffects(h);
  h.run('GETEX', 'k');
  h.run('GETEX', 'k', 'PERSIST');
  h.run('GETEX', 'k', 'PX', '250');
  h.run('GETEX', 'k', 'PERSIST');
  h.run('GETEX', 'k', 'EXAT', '1');
  assert.deepEqual(effects.take(), [`expire@0:k`, `> 0 PEXPIREAT k ${NOW + 250}`, 'persist@0:k', '> 0 PERSIST k', 'del@0:k', '> 0 DEL k']);
  assert.equal(h.run('EXISTS', 'k'), 0);
});

test('GETDEL and a GETEX to a past time propagate as UNLINK under their lazyfree options', () => {
  const h = new Harness({ 'lazyfree-lazy-user-del': 'yes', 'lazyfree-lazy-expire': 'yes' });
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2');
  const effects = recordEffects(h);
  h.run('GETDEL', 'a');
  h.run('GETDEL', 'a');
  h.run('GETEX', 'b', 'PXAT', '1');
  assert.deepEqual(effects.take(), ['del@0:a', '> 0 UNLINK a', 'del@0:b', '> 0 UNLINK b']);
});

test('INCRBYFLOAT propagates its result as SET ... KEEPTTL; the other counters as received', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('INCRBYFLOAT', 'f', '1e1');
  h.run('INCRBY', 'n', '0');
  h.run('DECR', 'n');
  assert.deepEqual(effects.take(), ['incrbyfloat@0:f', '> 0 SET f 10 KEEPTTL', 'incrby@0:n', '> 0 INCRBY n 0', 'incrby@0:n', '> 0 DECR n']);
});

test('APPEND of nothing is still a write; SETRANGE of nothing is not; MSET raises one set per pair', () => {
  const h = new Harness();
  h.run('SET', 'a', 'x');
  const effects = recordEffects(h);
  h.run('APPEND', 'a', '');
  h.run('SETRANGE', 'a', '0', '');
  h.run('SETRANGE', 'a', '2', 'y');
  h.run('MSET', 'a', '1', 'b', '2');
  h.run('MSETNX', 'b', '3', 'c', '4');
  assert.deepEqual(effects.take(), [
    'append@0:a',
    '> 0 APPEND a ',
    'setrange@0:a',
    '> 0 SETRANGE a 2 y',
    'set@0:a',
    'set@0:b',
    '> 0 MSET a 1 b 2',
  ]);
});
