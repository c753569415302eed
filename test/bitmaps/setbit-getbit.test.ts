import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, expireAt, putList, WRONGTYPE } from '../strings/helpers.ts';

const BAD_OFFSET = 'ERR bit offset is not an integer or out of range';
const BAD_BIT = 'ERR bit is not an integer or out of range';

test('SETBIT returns the old bit and numbers bits from the most significant one', () => {
  const h = new Harness();
  assert.equal(h.run('SETBIT', 'b', 1, 1), 0);
  assert.equal(h.run('SETBIT', 'b', 7, 1), 0);
  assert.equal(h.runBinary('GET', 'b'), '\x41');
  assert.equal(h.run('SETBIT', 'b', 7, 0), 1);
  assert.equal(h.runBinary('GET', 'b'), '\x40');
  assert.equal(h.run('GETBIT', 'b', 1), 1);
  assert.equal(h.run('GETBIT', 'b', 0), 0);
});

test('SETBIT grows the string with zero bytes, past the inline limit too', () => {
  const h = new Harness();
  assert.equal(h.run('SETBIT', 'b', 100, 1), 0);
  assert.equal(h.run('STRLEN', 'b'), 13);
  assert.equal(h.run('SETBIT', 'b', 8 * 100_000 - 1, 1), 0);
  assert.equal(h.run('STRLEN', 'b'), 100_000);
  assert.equal(h.run('GETBIT', 'b', 100), 1);
  assert.equal(h.run('GETBIT', 'b', 8 * 100_000 - 1), 1);
  assert.equal(h.run('BITCOUNT', 'b'), 2);
  assert.equal(encodingOf(h, 'b'), 'raw');
});

test('GETBIT past the end or on a missing key is 0', () => {
  const h = new Harness();
  assert.equal(h.run('GETBIT', 'missing', 5), 0);
  h.run('SET', 'b', 'a');
  assert.equal(h.run('GETBIT', 'b', 1_000_000), 0);
});

test('SETBIT on an int-encoded value edits its digits and keeps the TTL', () => {
  const h = new Harness();
  h.run('SET', 'n', 1, 'EX', 100);
  const at = expireAt(h, 'n');
  assert.equal(h.run('GETBIT', 'n', 7), 1);
  assert.equal(h.run('SETBIT', 'n', 6, 1), 0);
  assert.equal(h.run('GET', 'n'), '3');
  assert.equal(expireAt(h, 'n'), at);
});

test('SETBIT and GETBIT reject bad offsets and bit values before touching the key', () => {
  const h = new Harness();
  for (const offset of ['-1', 'abc', '4294967296', '1.5']) {
    assertError(h.run('SETBIT', 'b', offset, 1), BAD_OFFSET);
    assertError(h.run('GETBIT', 'b', offset), BAD_OFFSET);
  }
  for (const bit of ['2', '-1', 'x', '']) assertError(h.run('SETBIT', 'b', 0, bit), BAD_BIT);
  assert.equal(h.run('GET', 'b'), null);
  putList(h, 'l');
  assertError(h.run('SETBIT', 'l', 0, 1), WRONGTYPE);
  assertError(h.run('GETBIT', 'l', 0), WRONGTYPE);
  assertError(h.run('SETBIT', 'l', -1, 1), BAD_OFFSET);
});

test('the bit offset limit follows proto-max-bulk-len', () => {
  const h = new Harness({ 'proto-max-bulk-len': '1mb' });
  assertError(h.run('SETBIT', 'b', 8 * 1024 * 1024, 1), BAD_OFFSET);
  assert.equal(h.run('SETBIT', 'b', 8 * 1024 * 1024 - 1, 1), 0);
  assert.equal(h.run('STRLEN', 'b'), 1024 * 1024);
});
