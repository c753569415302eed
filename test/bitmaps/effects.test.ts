// What bitmap writes tell the world: setbit/set/del events and propagation as received, and
// nothing when no bit changed, including BITFIELD writes that OVERFLOW FAIL refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../strings/helpers.ts';

test('SETBIT raises setbit when it creates, grows or flips, and nothing when the bit already had its value', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('SETBIT', 'b', '3', '1');
  h.run('SETBIT', 'b', '3', '1');
  h.run('SETBIT', 'b', '15', '0');
  assert.deepEqual(effects.take(), ['setbit@0:b', '> 0 SETBIT b 3 1', 'setbit@0:b', '> 0 SETBIT b 15 0']);
});

test('BITOP raises set for a stored result and del when an empty result removes the destination', () => {
  const h = new Harness();
  h.run('SET', 'a', 'x');
  const effects = recordEffects(h);
  h.run('BITOP', 'NOT', 'd', 'a');
  h.run('BITOP', 'OR', 'd', 'nope');
  h.run('BITOP', 'OR', 'd', 'nope');
  assert.deepEqual(effects.take(), ['set@0:d', '> 0 BITOP NOT d a', 'del@0:d', '> 0 BITOP OR d nope']);
});

test('BITFIELD whose writes OVERFLOW FAIL refused propagates nothing, though it created the key', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '200');
  assert.equal(h.run('STRLEN', 'f'), 1);
  h.run('BITFIELD', 'f', 'SET', 'u8', '0', '0', 'GET', 'u8', '0');
  h.run('BITFIELD', 'f', 'SET', 'u8', '0', '7', 'INCRBY', 'u8', '8', '1');
  assert.deepEqual(effects.take(), ['setbit@0:f', '> 0 BITFIELD f SET u8 0 7 INCRBY u8 8 1']);
});
