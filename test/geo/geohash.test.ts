// The geohash module on its own: Redis's known scores and hashes, positions decoded to within a
// cell of what was encoded, the haversine distance, the partial sort's agreement with a full
// sort on the ranks asked for, and the search cells covering every point a search can match.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeScore,
  distanceWithin,
  geoDistance,
  geohashString,
  geoScore,
  searchRanges,
  validLongLat,
  type GeoShape,
} from '../../src/store/geohash.ts';
import { partialSort } from '../../src/util/pqsort.ts';
import { Rng } from '../fuzz/rng.ts';

test('Palermo and Catania get the scores and geohashes Redis documents', () => {
  assert.equal(geoScore(13.361389, 38.115556), 3479099956230698);
  assert.equal(geoScore(15.087269, 37.502669), 3479447370796909);
  assert.equal(geohashString(3479099956230698), 'sqc8b49rny0');
  assert.equal(geohashString(3479447370796909), 'sqdtr74hyu0');
});

test('a decoded score lies within half a cell of the encoded position', () => {
  const rng = new Rng(5);
  const out = new Float64Array(4);
  for (let i = 0; i < 10_000; i++) {
    const longitude = (rng.next() - 0.5) * 360;
    const latitude = (rng.next() - 0.5) * 170.1;
    decodeScore(geoScore(longitude, latitude), out);
    assert.ok(Math.abs(out[0]! - longitude) <= 360 / 2 ** 27 + 1e-12);
    assert.ok(Math.abs(out[1]! - latitude) <= 170.10225756 / 2 ** 27 + 1e-12);
  }
});

test('coordinates outside Redis\'s limits are refused', () => {
  assert.ok(validLongLat(180, 85.05112878));
  assert.ok(!validLongLat(180.0000001, 0));
  assert.ok(!validLongLat(0, -85.0511288));
});

test('the distance from Palermo to Catania is Redis\'s 166274.1516 m, and zero to itself', () => {
  assert.equal(Math.round(geoDistance(13.361389338970184, 38.115556395496299, 15.087267458438873, 37.50266842333162) * 10000), 1662741516);
  assert.equal(geoDistance(10, 20, 10, 20), 0);
});

test('a partial sort puts in the asked ranks what a full sort puts there', () => {
  const rng = new Rng(8);
  for (let trial = 0; trial < 300; trial++) {
    const items = Array.from({ length: rng.between(1, 120) }, () => rng.int(30));
    const last = rng.int(items.length);
    const sorted = [...items].sort((a, b) => a - b);
    partialSort(items, (a, b) => a - b, 0, last);
    assert.deepEqual(items.slice(0, last + 1), sorted.slice(0, last + 1));
  }
});

// Away from the antimeridian, where Redis's cells do not wrap around (nor do Mnemo's, being Redis's).
test('every point a search matches lies in one of the cells it scans', () => {
  const rng = new Rng(13);
  const position = new Float64Array(4);
  for (let trial = 0; trial < 300; trial++) {
    const shape: GeoShape = {
      longitude: (rng.next() - 0.5) * 200,
      latitude: (rng.next() - 0.5) * 150,
      conversion: 1000,
      box: rng.chance(0.5),
      radius: rng.next() * 3000,
      width: rng.next() * 3000,
      height: rng.next() * 3000,
    };
    const ranges = searchRanges(shape);
    for (let i = 0; i < 200; i++) {
      const longitude = Math.max(-180, Math.min(180, shape.longitude + (rng.next() - 0.5) * 60));
      const latitude = Math.max(-85, Math.min(85, shape.latitude + (rng.next() - 0.5) * 60));
      const score = geoScore(longitude, latitude);
      if (distanceWithin(shape, score, position) < 0) continue;
      let covered = false;
      for (let r = 0; r < ranges.length && !covered; r += 2) covered = score >= ranges[r]! && score < ranges[r + 1]!;
      assert.ok(covered, `point ${longitude},${latitude} in shape around ${shape.longitude},${shape.latitude} not scanned`);
    }
  }
});
