import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, putList, WRONGTYPE } from '../strings/helpers.ts';

test('BITCOUNT counts set bits in the whole string or a byte range', () => {
  const h = new Harness();
  h.run('SET', 's', 'foobar');
  assert.equal(h.run('BITCOUNT', 's'), 26);
  assert.equal(h.run('BITCOUNT', 's', 0, 0), 4);
  assert.equal(h.run('BITCOUNT', 's', 1, 1), 6);
  assert.equal(h.run('BITCOUNT', 's', 1, -2), 18);
  assert.equal(h.run('BITCOUNT', 's', -1, -5), 0);
  assert.equal(h.run('BITCOUNT', 's', -100, 100), 26);
  assert.equal(h.run('BITCOUNT', 's', 0, -1, 'BYTE'), 26);
});

test('BITCOUNT BIT counts only the bits inside the range, edges included', () => {
  const h = new Harness();
  h.run('SET', 's', Buffer.from([0xff, 0xff]));
  assert.equal(h.run('BITCOUNT', 's', 3, 3, 'BIT'), 1);
  assert.equal(h.run('BITCOUNT', 's', 3, 12, 'bit'), 10);
  assert.equal(h.run('BITCOUNT', 's', -9, -1, 'BIT'), 9);
  assert.equal(h.run('BITCOUNT', 's', 1, 0, 'BIT'), 0);
  h.run('SET', 'f', 'foobar');
  assert.equal(h.run('BITCOUNT', 'f', 5, 30, 'BIT'), 17);
});

test('BITCOUNT answers 0 for a missing key before looking at its arguments', () => {
  const h = new Harness();
  assert.equal(h.run('BITCOUNT', 'missing', 'a', 'b'), 0);
  assert.equal(h.run('BITCOUNT', 'missing', 1), 0);
  h.run('SET', 's', 'x');
  assertError(h.run('BITCOUNT', 's', 1), 'ERR syntax error');
  assertError(h.run('BITCOUNT', 's', 0, 1, 'BAD'), 'ERR syntax error');
  assertError(h.run('BITCOUNT', 's', 'a', 1), 'ERR value is not an integer or out of range');
  putList(h, 'l');
  assertError(h.run('BITCOUNT', 'l'), WRONGTYPE);
});

test('BITPOS finds the first set or clear bit, padding with zeros when no end is given', () => {
  const h = new Harness();
  h.run('SET', 's', Buffer.from([0xff, 0xf0, 0x00]));
  assert.equal(h.run('BITPOS', 's', 0), 12);
  assert.equal(h.run('BITPOS', 's', 1), 0);
  assert.equal(h.run('BITPOS', 's', 1, 2), -1);
  assert.equal(h.run('BITPOS', 's', 0, 0, 0), -1);
  h.run('SET', 'f', Buffer.from([0xff, 0xff]));
  assert.equal(h.run('BITPOS', 'f', 0), 16);
  assert.equal(h.run('BITPOS', 'f', 0, 0), 16);
  assert.equal(h.run('BITPOS', 'f', 0, 0, -1), -1);
});

test('BITPOS BIT ranges start and stop inside bytes', () => {
  const h = new Harness();
  h.run('SET', 's', Buffer.from([0xff, 0xf0, 0x00]));
  assert.equal(h.run('BITPOS', 's', 0, 7, 15, 'BIT'), 12);
  assert.equal(h.run('BITPOS', 's', 0, 0, 11, 'BIT'), -1);
  assert.equal(h.run('BITPOS', 's', 1, 3, 6, 'BIT'), 3);
  assert.equal(h.run('BITPOS', 's', 1, 12, -1, 'BIT'), -1);
  assert.equal(h.run('BITPOS', 's', 0, -10, -1, 'BIT'), 14);
});

test('BITPOS of a missing key is 0 for a clear bit and -1 for a set one', () => {
  const h = new Harness();
  assert.equal(h.run('BITPOS', 'missing', 0), 0);
  assert.equal(h.run('BITPOS', 'missing', 1, 'junk'), -1);
  h.run('SET', 'e', '');
  assert.equal(h.run('BITPOS', 'e', 0), -1);
});

test('BITPOS errors: bit argument first, then type, then range syntax', () => {
  const h = new Harness();
  assertError(h.run('BITPOS', 'missing', 2), 'ERR The bit argument must be 1 or 0.');
  assertError(h.run('BITPOS', 'missing', 'x'), 'ERR value is not an integer or out of range');
  h.run('SET', 's', 'x');
  assertError(h.run('BITPOS', 's', 1, 0, 1, 'BAD'), 'ERR syntax error');
  assertError(h.run('BITPOS', 's', 1, 0, 1, 'BIT', 'extra'), 'ERR syntax error');
  assertError(h.run('BITPOS', 's', 1, 'a'), 'ERR value is not an integer or out of range');
  putList(h, 'l');
  assertError(h.run('BITPOS', 'l', 1), WRONGTYPE);
});

/** Bits of `bytes` counted one by one, as a check independent of the command's word-wise path. */
function naiveCount(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i <= to; i++) for (let b = 0; b < 8; b++) n += (bytes[i]! >> b) & 1;
  return n;
}

test('BITCOUNT and BITPOS agree with a bit-by-bit count on large strings at odd offsets', () => {
  const h = new Harness();
  const bytes = Buffer.alloc(50_003);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  h.run('SET', 'big', bytes);
  assert.equal(h.run('BITCOUNT', 'big'), naiveCount(bytes, 0, bytes.length - 1));
  assert.equal(h.run('BITCOUNT', 'big', 3, 40_001), naiveCount(bytes, 3, 40_001));
  assert.equal(h.run('BITCOUNT', 'big', 1, -2), naiveCount(bytes, 1, bytes.length - 2));
  const sparse = Buffer.alloc(30_001);
  sparse[29_997] = 0x10;
  h.run('SET', 'sparse', sparse);
  assert.equal(h.run('BITPOS', 'sparse', 1), 29_997 * 8 + 3);
  assert.equal(h.run('BITPOS', 'sparse', 1, 5, -1), 29_997 * 8 + 3);
  assert.equal(h.run('BITPOS', 'sparse', 1, 17, 29_996 * 8 + 7, 'BIT'), -1);
  h.run('SET', 'full', Buffer.alloc(10_001, 0xff));
  assert.equal(h.run('BITPOS', 'full', 0), 10_001 * 8);
  assert.equal(h.run('BITPOS', 'full', 0, 1, -1), -1);
});
