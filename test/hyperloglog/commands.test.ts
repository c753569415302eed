// HyperLogLog commands in-process: what PFADD/PFCOUNT/PFMERGE/PFDEBUG answer and store, the
// cached cardinality in the header, hll-sparse-max-bytes, and the two kinds of invalid value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, putList } from '../strings/helpers.ts';

const INVALID = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPT = 'INVALIDOBJ Corrupted HLL object detected';

function elements(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

function value(h: Harness, key: string): Buffer {
  return h.raw(['GET', key]).subarray(h.raw(['GET', key]).indexOf('\r\n') + 2, -2);
}

test('PFADD answers 1 when a register rose or the key was created, 0 otherwise', () => {
  const h = new Harness();
  assert.equal(h.run('PFADD', 'h', 'a', 'b'), 1);
  assert.equal(h.run('PFADD', 'h', 'a', 'b'), 0);
  assert.equal(h.run('PFADD', 'e'), 1);
  assert.equal(h.run('PFADD', 'e'), 0);
  assert.equal(h.run('PFCOUNT', 'h'), 2);
  assert.equal(h.run('PFCOUNT', 'e'), 0);
  assert.equal(encodingOf(h, 'h'), 'raw');
});

test('PFCOUNT stores the count in the header, and a change marks it stale again', () => {
  const h = new Harness();
  h.run('PFADD', 'h', 'a', 'b', 'c');
  assert.equal(value(h, 'h')[15]! & 0x80, 0x80);
  assert.equal(h.run('PFCOUNT', 'h'), 3);
  const cached = value(h, 'h');
  assert.equal(cached.readBigUInt64LE(8), 3n);
  h.run('PFADD', 'h', 'd');
  assert.equal(value(h, 'h')[15], 0x80);
  assert.equal(value(h, 'h')[8], 3);
  // A forged valid cache is believed, as Redis believes it.
  const forged = Buffer.from(cached);
  forged.writeBigUInt64LE(42n, 8);
  h.run('SET', 'f', forged);
  assert.equal(h.run('PFCOUNT', 'f'), 42);
});

test('values grow sparse until hll-sparse-max-bytes and then turn dense, keeping the TTL', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'hll-sparse-max-bytes', '100');
  h.run('PFADD', 'h', ...elements('x', 10));
  h.run('EXPIRE', 'h', '100');
  assert.equal(h.run('PFDEBUG', 'ENCODING', 'h'), 'sparse');
  h.run('PFADD', 'h', ...elements('y', 50));
  assert.equal(h.run('PFDEBUG', 'ENCODING', 'h'), 'dense');
  assert.equal(h.run('STRLEN', 'h'), 12304);
  assert.equal(h.run('TTL', 'h'), 100);
  assert.equal(h.run('PFCOUNT', 'h'), 60);
});

test('several keys count as their union, missing keys as empty, without storing anything', () => {
  const h = new Harness();
  h.run('PFADD', 'a', ...elements('e', 100));
  h.run('PFADD', 'b', ...elements('e', 150));
  h.run('PFDEBUG', 'TODENSE', 'b');
  const before = value(h, 'a');
  assert.equal(h.run('PFCOUNT', 'a', 'b', 'nope'), 150);
  assert.deepEqual(value(h, 'a'), before);
});

test('PFMERGE stores the union in the destination, dense when any input is dense', () => {
  const h = new Harness();
  h.run('PFADD', 'a', ...elements('e', 20));
  h.run('PFADD', 'b', ...elements('f', 20));
  assert.equal(h.run('PFMERGE', 'd', 'a', 'b'), 'OK');
  assert.equal(h.run('PFDEBUG', 'ENCODING', 'd'), 'sparse');
  assert.equal(h.run('PFCOUNT', 'd'), 40);
  h.run('PFDEBUG', 'TODENSE', 'b');
  h.run('PFMERGE', 'a', 'b');
  assert.equal(h.run('PFDEBUG', 'ENCODING', 'a'), 'dense');
  assert.equal(h.run('PFCOUNT', 'a'), 40);
  assert.equal(h.run('PFMERGE', 'empty'), 'OK');
  assert.equal(h.run('PFCOUNT', 'empty'), 0);
});

test('PFDEBUG reads registers, decodes opcodes and converts to dense', () => {
  const h = new Harness();
  h.run('PFADD', 'h', 'a');
  assert.equal(h.run('PFDEBUG', 'DECODE', 'h'), 'Z:12711 v:2,1 Z:3672');
  const registers = h.run('PFDEBUG', 'GETREG', 'h') as number[];
  assert.equal(registers.length, 16384);
  assert.equal(registers[12711], 2);
  assert.equal(registers.reduce((sum, r) => sum + r, 0), 2);
  assert.equal(h.run('PFDEBUG', 'ENCODING', 'h'), 'dense');
  assert.equal(h.run('PFDEBUG', 'TODENSE', 'h'), 0);
  assertError(h.run('PFDEBUG', 'DECODE', 'h'), 'ERR HLL encoding is not sparse');
  assertError(h.run('PFDEBUG', 'WHAT', 'h'), "ERR Unknown PFDEBUG subcommand 'WHAT'");
  assertError(h.run('PFDEBUG', 'ENCODING', 'nope'), 'ERR The specified key does not exist');
});

test('strings that are not HYLLs are refused, other types get WRONGTYPE', () => {
  const h = new Harness();
  h.run('SET', 's', 'hello');
  putList(h, 'l');
  for (const command of [['PFADD', 's', 'a'], ['PFCOUNT', 's'], ['PFCOUNT', 'nope', 's'], ['PFMERGE', 'd', 's'], ['PFDEBUG', 'ENCODING', 's']]) {
    assertError(h.run(...command), INVALID);
  }
  assertError(h.run('PFADD', 'l', 'a'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  // Dense must be exactly 12304 bytes.
  h.run('SET', 'd', Buffer.concat([Buffer.from('HYLL'), Buffer.alloc(20)]));
  assertError(h.run('PFCOUNT', 'd'), INVALID);
  assert.equal(h.run('EXISTS', 'd2'), 0);
});

test('sparse opcodes covering other than 16384 registers are corrupt', () => {
  const h = new Harness();
  const header = Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80', 'latin1');
  h.run('SET', 'short', Buffer.concat([header, Buffer.from([0x7f, 0xfe])]));
  assertError(h.run('PFCOUNT', 'short'), CORRUPT);
  assertError(h.run('PFCOUNT', 'short', 'nope'), CORRUPT);
  assertError(h.run('PFMERGE', 'd', 'short'), CORRUPT);
  assertError(h.run('PFDEBUG', 'TODENSE', 'short'), CORRUPT);
  assert.equal(h.run('EXISTS', 'd'), 0);
});

test('a value written by Redis (its bytes SET) is a working HLL', () => {
  const h = new Harness();
  // PFADD h a b c on Redis 7.0.15, then GET h.
  const redisBytes = Buffer.from('48594c4c01000000000000000000008060f38050b1844bfb80425a', 'hex');
  h.run('SET', 'h', redisBytes);
  assert.equal(h.run('PFCOUNT', 'h'), 3);
  assert.equal(h.run('PFADD', 'h', 'a', 'b', 'c'), 0);
  h.run('PFADD', 'mine', 'a', 'b', 'c');
  h.run('PFCOUNT', 'mine');
  assert.deepEqual(value(h, 'mine'), value(h, 'h'));
});

test('PFSELFTEST checks the register packing and the estimator and answers OK', () => {
  const h = new Harness();
  assert.equal(h.run('PFSELFTEST'), 'OK');
});
