// What geo writes tell the world: GEOADD is a ZADD (its event and its propagated form), the STORE
// forms raise geosearchstore / georadiusstore, or del when an empty result removed the key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../strings/helpers.ts';

test('GEOADD raises zadd and propagates as the ZADD of the computed scores, nothing when nothing changed', () => {
  const h = new Harness();
  const effects = recordEffects(h);
  h.run('GEOADD', 'g', 'CH', '13.361389', '38.115556', 'Palermo');
  h.run('GEOADD', 'g', 'NX', '13.361389', '38.115556', 'Palermo');
  assert.deepEqual(effects.take(), ['zadd@0:g', '> 0 zadd g CH 3479099956230698 Palermo']);
});

test('the STORE forms raise their own event, and del for an empty result', () => {
  const h = new Harness();
  h.run('GEOADD', 'g', '13.361389', '38.115556', 'Palermo');
  const effects = recordEffects(h);
  h.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '13', '38', 'BYRADIUS', '100', 'km');
  h.run('GEORADIUS', 'g', '13', '38', '100', 'km', 'STORE', 'e');
  h.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km');
  h.run('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km');
  assert.deepEqual(effects.take(), [
    'geosearchstore@0:d',
    '> 0 GEOSEARCHSTORE d g FROMLONLAT 13 38 BYRADIUS 100 km',
    'georadiusstore@0:e',
    '> 0 GEORADIUS g 13 38 100 km STORE e',
    'del@0:d',
    '> 0 GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km',
  ]);
});
