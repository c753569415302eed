// What SORT ... STORE tells the world: sortstore for a stored result, del when an empty result
// removes the destination, and nothing when there was nothing to remove.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../strings/helpers.ts';

test('SORT STORE raises sortstore, or del when its empty result removes the destination', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', '2', '1');
  const effects = recordEffects(h);
  h.run('SORT', 'l', 'STORE', 'd');
  h.run('SORT', 'nope', 'STORE', 'd');
  h.run('SORT', 'nope', 'STORE', 'd');
  assert.deepEqual(effects.take(), ['sortstore@0:d', '> 0 SORT l STORE d', 'del@0:d', '> 0 SORT nope STORE d']);
});
