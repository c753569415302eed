// What generic key writes tell the world: their keyspace events (on the database each one
// concerns) and what they propagate, in Redis 7.0.15's forms (every expiry as PEXPIREAT with
// the absolute time, an expiry already past as DEL), and nothing when they changed nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../strings/helpers.ts';

const NOW = 1_700_000_000_000;

test('DEL raises del for each key it removed and propagates as received, or not at all when it removed none', () => {
  const h = new Harness();
  h.run('MSET', 'a', '1', 'b', '2');
  const effects = recordEffects(h);
  h.run('DEL', 'a', 'nope', 'a');
  h.run('DEL', 'nope');
  h.run('UNLINK', 'b');
  assert.deepEqual(effects.take(), ['del@0:a', '> 0 DEL a nope a', 'del@0:b', '> 0 UNLINK b']);
});

test('EXPIRE and its variants propagate as PEXPIREAT with the absolute time, keeping their options', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  const effects = recordEffects(h);
  h.run('EXPIRE', 'k', '100', 'NX');
  h.run('PEXPIRE', 'k', '500', 'LT');
  h.run('EXPIREAT', 'k', '4102444800');
  h.run('PEXPIREAT', 'k', '4102444800123', 'GT');
  h.run('EXPIRE', 'k', '100', 'NX');
  h.run('EXPIRE', 'nope', '100');
  assert.deepEqual(effects.take(), [
    'expire@0:k',
    `> 0 PEXPIREAT k ${NOW + 100_000} NX`,
    'expire@0:k',
    `> 0 PEXPIREAT k ${NOW + 500} LT`,
    'expire@0:k',
    '> 0 PEXPIREAT k 4102444800000',
    'expire@0:k',
    '> 0 PEXPIREAT k 4102444800123 GT',
  ]);
});

test('an expiry already past deletes the key: a del event, propagated as DEL or, under lazyfree-lazy-expire, UNLINK', () => {
  const h = new Harness();
  h.run('MSET', 'a', '1', 'b', '2');
  const effects = recordEffects(h);
  h.run('EXPIRE', 'a', '-1');
  h.run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
  h.run('PEXPIREAT', 'b', String(NOW));
  assert.deepEqual(effects.take(), ['del@0:a', '> 0 DEL a', 'del@0:b', '> 0 UNLINK b']);
});

test('PERSIST raises persist only when it removed a TTL', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'EX', '10');
  const effects = recordEffects(h);
  h.run('PERSIST', 'k');
  h.run('PERSIST', 'k');
  h.run('PERSIST', 'nope');
  assert.deepEqual(effects.take(), ['persist@0:k', '> 0 PERSIST k']);
});

test('RENAME raises rename_from then rename_to; a rename to itself or a refused RENAMENX changes nothing', () => {
  const h = new Harness();
  h.run('MSET', 'a', '1', 'b', '2');
  const effects = recordEffects(h);
  h.run('RENAME', 'a', 'c');
  h.run('RENAME', 'c', 'c');
  h.run('RENAMENX', 'c', 'b');
  h.run('RENAMENX', 'c', 'd');
  assert.deepEqual(effects.take(), ['rename_from@0:a', 'rename_to@0:c', '> 0 RENAME a c', 'rename_from@0:c', 'rename_to@0:d', '> 0 RENAMENX c d']);
});

test('MOVE and COPY raise their target-side events in the target database', () => {
  const h = new Harness();
  h.run('MSET', 'a', '1', 'b', '2');
  const effects = recordEffects(h);
  h.run('MOVE', 'a', '3');
  h.run('MOVE', 'a', '3');
  h.run('COPY', 'b', 'c', 'DB', '5');
  h.run('COPY', 'b', 'c', 'DB', '5');
  assert.deepEqual(effects.take(), ['move_from@0:a', 'move_to@3:a', '> 0 MOVE a 3', 'copy_to@5:c', '> 0 COPY b c DB 5']);
});
