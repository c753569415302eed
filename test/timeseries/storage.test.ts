import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkOf, newChunk, type ChunkEncoding } from '../../src/analytics/timeseries/chunk.ts';
import { formatSampleValue } from '../../src/analytics/timeseries/format.ts';

// Outputs of RedisTimeSeries 1.10's own printer (its dragonbox build, compiled and run on these
// inputs), for the shapes that differ from JavaScript's: fractions below 1 and large integers
// in E notation, 17 significant digits, NaN and the infinities.
const PRINTED: [number, string][] = [
  [0.5, '5E-1'],
  [0.1, '1E-1'],
  [0.75, '7.5E-1'],
  [0.001, '1E-3'],
  [1e-7, '1E-7'],
  [0.30000000000000004, '3.0000000000000004E-1'],
  [500, '500'],
  [26.2, '26.2'],
  [25.869, '25.869'],
  [-3.5, '-3.5'],
  [1.000001, '1.000001'],
  [1e15, '1000000000000000'],
  [1e16, '1E16'],
  [2e16, '2E16'],
  [1.25e16, '1.25E16'],
  [12345678901234567, '12345678901234568'],
  [123456789012345678, '1.2345678901234568E17'],
  [1.7976931348623157e308, '1.7976931348623157E308'],
  [5e-324, '5E-324'],
  [0, '0'],
  [-0, '-0'],
  [NaN, 'NaN'],
  [Infinity, 'Infinity'],
  [-Infinity, '-Infinity'],
];

test('sample values print as RedisTimeSeries 1.10 prints them in RESP2', () => {
  for (const [value, printed] of PRINTED) assert.equal(formatSampleValue(value), printed, String(value));
});

test('printed values read back as the same double', () => {
  let seed = 42;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 5000; i++) {
    const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    assert.equal(Number(formatSampleValue(value)), value);
  }
});

function randomSeries(random: () => number, n: number): [number[], number[]] {
  const timestamps: number[] = [];
  const values: number[] = [];
  let ts = Math.floor(random() * 2 ** 44);
  for (let i = 0; i < n; i++) {
    const step = random();
    ts += step < 0.6 ? 1000 : step < 0.9 ? 1 + Math.floor(random() * 5000) : 1 + Math.floor(random() * 2 ** 36);
    timestamps.push(ts);
    const kind = random();
    values.push(
      kind < 0.3 ? (values[i - 1] ?? 1) : kind < 0.6 ? Math.round(random() * 100) : kind < 0.95 ? random() * 1e6 - 5e5 : [NaN, Infinity, -0, 5e-324][i % 4]!,
    );
  }
  return [timestamps, values];
}

for (const encoding of ['compressed', 'uncompressed'] as ChunkEncoding[]) {
  test(`${encoding} chunks give back every sample bit for bit and stay within their size`, () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 100; round++) {
      const [timestamps, values] = randomSeries(random, 600);
      const chunk = newChunk(encoding, 1024);
      let stored = 0;
      while (stored < timestamps.length && chunk.append(timestamps[stored]!, values[stored]!)) stored++;
      assert.ok(stored > 0 && stored < timestamps.length, 'the chunk fills up');
      assert.ok(chunk.dataBytes <= 1024);
      const samples = chunk.decode();
      assert.equal(samples.timestamps.length, stored);
      for (let i = 0; i < stored; i++) {
        assert.equal(samples.timestamps[i], timestamps[i]);
        assert.ok(Object.is(samples.values[i], values[i]), `value ${i}: ${samples.values[i]} vs ${values[i]}`);
      }
      const copy = chunkOf(encoding, 1024, samples, 0, stored).decode();
      assert.deepEqual(copy, samples);
    }
  });
}

test('a regular series compresses to a few bytes per sample', () => {
  const chunk = newChunk('compressed', 4096);
  let n = 0;
  while (chunk.append(1_700_000_000_000 + n * 1000, 20 + (n % 3))) n++;
  assert.ok(4096 / n < 4, `${(4096 / n).toFixed(2)} B/sample`);
});
