import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, expireAt, putList, WRONGTYPE } from '../strings/helpers.ts';

test('BITOP AND, OR and XOR treat shorter and missing sources as zero-padded', () => {
  const h = new Harness();
  h.run('SET', 'a', Buffer.from([0xff, 0x0f]));
  h.run('SET', 'b', Buffer.from([0xf0]));
  assert.equal(h.run('BITOP', 'AND', 'd', 'a', 'b'), 2);
  assert.equal(h.runBinary('GET', 'd'), '\xf0\x00');
  assert.equal(h.run('BITOP', 'or', 'd', 'a', 'b'), 2);
  assert.equal(h.runBinary('GET', 'd'), '\xff\x0f');
  assert.equal(h.run('BITOP', 'Xor', 'd', 'a', 'b'), 2);
  assert.equal(h.runBinary('GET', 'd'), '\x0f\x0f');
  assert.equal(h.run('BITOP', 'AND', 'd', 'a', 'missing'), 2);
  assert.equal(h.runBinary('GET', 'd'), '\x00\x00');
});

test('BITOP NOT inverts a single source and stores a raw string without TTL', () => {
  const h = new Harness();
  h.run('SET', 'n', 1);
  h.run('SET', 'd', 'old', 'EX', 100);
  assert.equal(h.run('BITOP', 'NOT', 'd', 'n'), 1);
  assert.equal(h.runBinary('GET', 'd'), '\xce');
  assert.equal(encodingOf(h, 'd'), 'raw');
  assert.equal(expireAt(h, 'd'), -1);
  assertError(h.run('BITOP', 'NOT', 'd', 'n', 'n'), 'ERR BITOP NOT must be called with a single source key.');
});

test('BITOP may use the destination as a source', () => {
  const h = new Harness();
  h.run('SET', 'a', Buffer.from([0x0f]));
  h.run('SET', 'b', Buffer.from([0xf0, 0x01]));
  assert.equal(h.run('BITOP', 'XOR', 'a', 'a', 'b'), 2);
  assert.equal(h.runBinary('GET', 'a'), '\xff\x01');
});

test('BITOP with only empty sources deletes the destination and answers 0', () => {
  const h = new Harness();
  h.run('SET', 'd', 'keep');
  assert.equal(h.run('BITOP', 'OR', 'd', 'missing1', 'missing2'), 0);
  assert.equal(h.run('GET', 'd'), null);
});

test('BITOP errors: unknown operation, a source of another type', () => {
  const h = new Harness();
  assertError(h.run('BITOP', 'NAND', 'd', 'a'), 'ERR syntax error');
  putList(h, 'l');
  h.run('SET', 'a', 'x');
  assertError(h.run('BITOP', 'AND', 'd', 'a', 'l'), WRONGTYPE);
  assert.equal(h.run('GET', 'd'), null);
  assert.equal(h.run('BITOP', 'AND', 'l', 'a'), 1);
  assert.equal(h.run('GET', 'l'), 'x');
});

test('BITOP over large sources matches a byte-by-byte computation', () => {
  const h = new Harness();
  const a = Buffer.alloc(20_003);
  const b = Buffer.alloc(9_001);
  for (let i = 0; i < a.length; i++) a[i] = (i * 2654435761) >>> 24;
  for (let i = 0; i < b.length; i++) b[i] = (i * 40503) & 0xff;
  h.run('MSET', 'a', a, 'b', b);
  const expect = (f: (x: number, y: number) => number) => {
    const out = Buffer.alloc(a.length);
    for (let i = 0; i < a.length; i++) out[i] = f(a[i]!, i < b.length ? b[i]! : 0) & 0xff;
    return out.toString('latin1');
  };
  assert.equal(h.run('BITOP', 'AND', 'd', 'a', 'b'), a.length);
  assert.equal(h.runBinary('GET', 'd'), expect((x, y) => x & y));
  h.run('BITOP', 'OR', 'd', 'a', 'b');
  assert.equal(h.runBinary('GET', 'd'), expect((x, y) => x | y));
  h.run('BITOP', 'XOR', 'd', 'b', 'a');
  assert.equal(h.runBinary('GET', 'd'), expect((x, y) => x ^ y));
  h.run('BITOP', 'NOT', 'd', 'a');
  assert.equal(h.runBinary('GET', 'd'), expect((x) => ~x));
});
