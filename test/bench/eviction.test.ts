import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipfTrace } from '../../bench/eviction.ts';

test('the Zipf trace is the same for the same seed and follows rank^-0.99', () => {
  const a = zipfTrace(1000, 200_000, 0.99, 7);
  assert.deepEqual(a, zipfTrace(1000, 200_000, 0.99, 7));
  assert.notDeepEqual(a, zipfTrace(1000, 200_000, 0.99, 8));
  const counts = new Array<number>(1000).fill(0);
  for (const rank of a) counts[rank]!++;
  // Rank 1 is drawn 10^0.99 (about 9.8) times as often as rank 10.
  const ratio = counts[0]! / counts[9]!;
  assert.ok(ratio > 8.5 && ratio < 11.5, `ratio ${ratio}`);
  assert.ok(a.every((rank) => rank >= 0 && rank < 1000));
});
