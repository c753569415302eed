// What HyperLogLog commands tell the world: PFADD and PFMERGE raise "pfadd"; PFCOUNT raises
// nothing but propagates when it cached a count in the value; PFDEBUG propagates conversions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../strings/helpers.ts';

test('PFADD raises pfadd and propagates only when a register rose or the key was created', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('PFADD', 'h', 'a');
  h.run('PFADD', 'h', 'a');
  h.run('PFADD', 'e');
  assert.deepEqual(effects.take(), ['pfadd@0:h', '> 0 PFADD h a', 'pfadd@0:e', '> 0 PFADD e']);
});

test('PFCOUNT propagates when it writes the cached count, and not when it reads it', () => {
  const h = new Harness();
  h.run('PFADD', 'h', 'a', 'b');
  const effects = recordEffects(h);
  h.run('PFCOUNT', 'h');
  h.run('PFCOUNT', 'h');
  h.run('PFCOUNT', 'h', 'nope');
  assert.deepEqual(effects.take(), ['> 0 PFCOUNT h']);
});

test('PFMERGE always raises pfadd on the destination and propagates', () => {
  const h = new Harness();
  h.run('PFADD', 'a', 'x');
  const effects = recordEffects(h);
  h.run('PFMERGE', 'd', 'a');
  h.run('PFMERGE', 'd', 'a');
  assert.deepEqual(effects.take(), ['pfadd@0:d', '> 0 PFMERGE d a', 'pfadd@0:d', '> 0 PFMERGE d a']);
});

test('PFDEBUG TODENSE and GETREG propagate a conversion and nothing otherwise', () => {
  const h = new Harness();
  h.run('PFADD', 'a', 'x');
  h.run('PFADD', 'b', 'x');
  const effects = recordEffects(h);
  h.run('PFDEBUG', 'TODENSE', 'a');
  h.run('PFDEBUG', 'TODENSE', 'a');
  h.run('PFDEBUG', 'GETREG', 'b');
  h.run('PFDEBUG', 'ENCODING', 'b');
  assert.deepEqual(effects.take(), ['> 0 PFDEBUG TODENSE a', '> 0 PFDEBUG GETREG b']);
});
