// The HYLL format module on its own: the hash against a BigInt transcription of
// MurmurHash64A, the 6-bit register packing, the sparse opcodes' splitting and merging, and the
// estimator on sketches of known size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSparse,
  denseRegister,
  elementRun,
  HLL_DENSE_BYTES,
  HLL_HEADER_BYTES,
  HLL_REGISTERS,
  hllCount,
  hllHash,
  newSketch,
  RUN_BITS,
  RUN_MASK,
  setDenseRegister,
  sketchAdd,
  sparseRaise,
  sparseToDense,
} from '../../src/store/hll.ts';
import { Rng } from '../fuzz/rng.ts';

const MASK64 = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A with seed 0xadc83b19, read straight from its definition in 64-bit BigInts. */
function referenceHash(data: Uint8Array): bigint {
  let h = (0xadc83b19n ^ (BigInt(data.length) * M)) & MASK64;
  const blocks = data.length - (data.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]!);
    k = (k * M) & MASK64;
    k ^= k >> 47n;
    k = (k * M) & MASK64;
    h ^= k;
    h = (h * M) & MASK64;
  }
  const tail = data.length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]!) << BigInt(8 * j);
    h = (h * M) & MASK64;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK64;
  h ^= h >> 47n;
  return h;
}

test('the element hash equals MurmurHash64A for every length and byte value', () => {
  const rng = new Rng(7);
  for (let length = 0; length < 40; length++) {
    for (let trial = 0; trial < 20; trial++) {
      const data = Uint8Array.from({ length }, () => rng.int(256));
      assert.equal(hllHash(data), referenceHash(data), `length ${length}`);
    }
  }
});

test('an element picks the register of the hash\'s low 14 bits and counts the zero run above them plus one', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 2000; trial++) {
    const data = Uint8Array.from({ length: rng.int(24) }, () => rng.int(256));
    const hash = referenceHash(data);
    let rest = (hash >> 14n) | (1n << 50n);
    let run = 1;
    while ((rest & 1n) === 0n) {
      run++;
      rest >>= 1n;
    }
    const packed = elementRun(data);
    assert.equal(packed >>> RUN_BITS, Number(hash & 0x3fffn));
    assert.equal(packed & RUN_MASK, run);
  }
});

test('dense registers keep each value without disturbing their neighbours', () => {
  const rng = new Rng(3);
  const registers = new Uint8Array(HLL_DENSE_BYTES);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      expected[i] = rng.int(64);
      setDenseRegister(registers, HLL_HEADER_BYTES, i, expected[i]!);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) assert.equal(denseRegister(registers, HLL_HEADER_BYTES, i), expected[i]);
  }
});

test('a new sketch is one XZERO run, and raising registers splits and merges opcodes as Redis does', () => {
  const sketch = newSketch();
  assert.equal(decodeSparse(sketch.bytes, 0, sketch.length), 'Z:16384');
  assert.equal(sparseRaise(sketch, 100, 3, 3000), 1);
  assert.equal(decodeSparse(sketch.bytes, 0, sketch.length), 'Z:100 v:3,1 Z:16283');
  assert.equal(sparseRaise(sketch, 100, 2, 3000), 0);
  assert.equal(sparseRaise(sketch, 101, 3, 3000), 1);
  assert.equal(sparseRaise(sketch, 99, 3, 3000), 1);
  // Three neighbours with one value become one VAL run.
  assert.equal(decodeSparse(sketch.bytes, 0, sketch.length), 'Z:99 v:3,3 Z:16282');
  assert.equal(sparseRaise(sketch, 5, 1, 3000), 1);
  assert.equal(decodeSparse(sketch.bytes, 0, sketch.length), 'z:5 v:1,1 Z:93 v:3,3 Z:16282');
  assert.equal(sparseRaise(sketch, 100, 4, 3000), 1);
  assert.equal(decodeSparse(sketch.bytes, 0, sketch.length), 'z:5 v:1,1 Z:93 v:3,1 v:4,1 v:3,1 Z:16282');
});

test('a value past 32 or growth past the sparse limit turns the sketch dense with the same registers', () => {
  const sketch = newSketch();
  sparseRaise(sketch, 7, 5, 3000);
  assert.equal(sparseRaise(sketch, 9, 40, 3000), 1);
  assert.equal(sketch.length, HLL_DENSE_BYTES);
  assert.equal(denseRegister(sketch.bytes, HLL_HEADER_BYTES, 7), 5);
  assert.equal(denseRegister(sketch.bytes, HLL_HEADER_BYTES, 9), 40);

  const small = newSketch();
  assert.equal(sparseRaise(small, 50, 1, 21), 1);
  assert.equal(decodeSparse(small.bytes, 0, small.length), 'z:50 v:1,1 Z:16333');
  assert.equal(small.length, 20);
  assert.equal(sparseRaise(small, 500, 1, 21), 1);
  assert.equal(small.length, HLL_DENSE_BYTES);
});

test('opcodes that do not cover exactly 16384 registers are corrupt: no dense form, no count', () => {
  const sketch = newSketch();
  sketch.bytes[HLL_HEADER_BYTES + 1] = 0xfe; // XZERO of 16383
  assert.equal(sparseToDense(sketch), false);
  assert.equal(hllCount(sketch.bytes, 0, sketch.length), -1);
});

test('sparse and dense sketches of the same elements count the same, within the standard error', () => {
  const sketch = newSketch();
  const element = Buffer.alloc(8);
  for (let n = 1; n <= 100_000; n++) {
    element.writeUInt32LE(n, 0);
    sketchAdd(sketch, element, 3000);
    if (n === 1000) {
      const sparseCount = hllCount(sketch.bytes, 0, sketch.length);
      const dense = { bytes: sketch.bytes.slice(), length: sketch.length };
      assert.ok(sparseToDense(dense));
      assert.equal(hllCount(dense.bytes, 0, dense.length), sparseCount);
    }
  }
  const count = hllCount(sketch.bytes, 0, sketch.length);
  assert.ok(Math.abs(count - 100_000) < 100_000 * 0.0081 * 3, `count ${count}`);
});
