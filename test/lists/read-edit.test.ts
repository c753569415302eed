import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, WRONGTYPE } from './helpers.ts';

function withList(...items: string[]): Harness {
  const h = new Harness();
  h.run('RPUSH', 'l', ...items);
  return h;
}

test('LRANGE takes negative indexes from the end and clamps out-of-range ones', () => {
  const h = withList('0', '1', '2', '3');
  assert.deepEqual(h.run('LRANGE', 'l', -2, -1), ['2', '3']);
  assert.deepEqual(h.run('LRANGE', 'l', -100, 1), ['0', '1']);
  assert.deepEqual(h.run('LRANGE', 'l', 2, 100), ['2', '3']);
  assert.deepEqual(h.run('LRANGE', 'l', 3, 2), []);
  assert.deepEqual(h.run('LRANGE', 'l', 4, 9), []);
  assert.deepEqual(h.run('LRANGE', 'nokey', 0, -1), []);
  assertError(h.run('LRANGE', 'l', 'x', 1), 'ERR value is not an integer or out of range');
});

test('LINDEX finds elements from either end and is null outside the list', () => {
  const h = withList('a', 'b', 'c');
  assert.equal(h.run('LINDEX', 'l', 0), 'a');
  assert.equal(h.run('LINDEX', 'l', -1), 'c');
  assert.equal(h.run('LINDEX', 'l', 3), null);
  assert.equal(h.run('LINDEX', 'l', -4), null);
  assert.equal(h.run('LINDEX', 'nokey', 'x'), null, 'a missing key is checked before the index');
  assertError(h.run('LINDEX', 'l', 'x'), 'ERR value is not an integer or out of range');
});

test('LSET replaces by index and fails on a missing key or an index outside the list', () => {
  const h = withList('a', 'b', 'c');
  assert.equal(h.run('LSET', 'l', 0, 'A'), 'OK');
  assert.equal(h.run('LSET', 'l', -1, 'C'), 'OK');
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['A', 'b', 'C']);
  assertError(h.run('LSET', 'l', 3, 'x'), 'ERR index out of range');
  assertError(h.run('LSET', 'nokey', 0, 'x'), 'ERR no such key');
});

test('LINSERT puts the element next to the first pivot and reports -1 without one', () => {
  const h = withList('a', 'b', 'c', 'b');
  assert.equal(h.run('LINSERT', 'l', 'BEFORE', 'b', 'X'), 5);
  assert.equal(h.run('LINSERT', 'l', 'after', 'b', 'Y'), 6);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['a', 'X', 'b', 'Y', 'c', 'b']);
  assert.equal(h.run('LINSERT', 'l', 'BEFORE', 'zz', 'X'), -1);
  assert.equal(h.run('LINSERT', 'nokey', 'BEFORE', 'a', 'X'), 0);
  assertError(h.run('LINSERT', 'l', 'MIDDLE', 'a', 'X'), 'ERR syntax error');
});

test('LREM removes from the head for positive counts, the tail for negative, all for zero', () => {
  const h = withList('a', 'b', 'a', 'c', 'a', 'd', 'a');
  assert.equal(h.run('LREM', 'l', 2, 'a'), 2);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['b', 'c', 'a', 'd', 'a']);
  assert.equal(h.run('LREM', 'l', -1, 'a'), 1);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['b', 'c', 'a', 'd']);
  assert.equal(h.run('LREM', 'l', 0, 'zz'), 0);
  assert.equal(h.run('LREM', 'l', 0, 'a'), 1);
  for (const x of ['b', 'c', 'd']) h.run('LREM', 'l', 0, x);
  assert.equal(h.run('EXISTS', 'l'), 0, 'LREM deletes the emptied list');
});

test('LTRIM keeps the range and deletes the key when the range is empty', () => {
  const h = withList('0', '1', '2', '3', '4', '5');
  assert.equal(h.run('LTRIM', 'l', 1, -2), 'OK');
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['1', '2', '3', '4']);
  h.run('LTRIM', 'l', -2, 100);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['3', '4']);
  assert.equal(h.run('LTRIM', 'l', 5, 1), 'OK');
  assert.equal(h.run('EXISTS', 'l'), 0);
  assert.equal(h.run('LTRIM', 'nokey', 0, 1), 'OK');
});

test('LPOS finds the nth match from either end, with COUNT and MAXLEN limits', () => {
  const h = withList('a', 'b', 'c', 'a', 'b', 'c', 'a');
  assert.equal(h.run('LPOS', 'l', 'a'), 0);
  assert.equal(h.run('LPOS', 'l', 'a', 'RANK', 2), 3);
  assert.equal(h.run('LPOS', 'l', 'a', 'RANK', -2), 3);
  assert.deepEqual(h.run('LPOS', 'l', 'a', 'COUNT', 0), [0, 3, 6]);
  assert.deepEqual(h.run('LPOS', 'l', 'a', 'RANK', -1, 'COUNT', 2), [6, 3]);
  assert.deepEqual(h.run('LPOS', 'l', 'a', 'COUNT', 0, 'MAXLEN', 4), [0, 3]);
  assert.equal(h.run('LPOS', 'l', 'a', 'RANK', 4), null);
  assert.equal(h.run('LPOS', 'nokey', 'a'), null);
  assert.deepEqual(h.run('LPOS', 'nokey', 'a', 'COUNT', 1), []);
});

test('LPOS with RANK of LONG_MIN behaves like Redis: the first match from the tail', () => {
  const h = withList('a', 'b', 'a');
  assert.equal(h.run('LPOS', 'l', 'a', 'RANK', '-9223372036854775808'), 2);
});

test('LPOS rejects a zero rank and negative COUNT or MAXLEN', () => {
  const h = withList('a');
  assertError(
    h.run('LPOS', 'l', 'a', 'RANK', 0),
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  );
  assertError(h.run('LPOS', 'l', 'a', 'COUNT', -1), "ERR COUNT can't be negative");
  assertError(h.run('LPOS', 'l', 'a', 'MAXLEN', -1), "ERR MAXLEN can't be negative");
  assertError(h.run('LPOS', 'l', 'a', 'RANK'), 'ERR syntax error');
});

test('read and edit commands fail against a key holding a string', () => {
  const h = new Harness();
  h.run('SET', 's', 'v');
  const cmds = [['LRANGE', 's', 0, 1], ['LINDEX', 's', 0], ['LSET', 's', 0, 'a'], ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LREM', 's', 0, 'a'], ['LTRIM', 's', 0, 1], ['LPOS', 's', 'a']];
  for (const cmd of cmds) assertError(h.run(...cmd), WRONGTYPE);
});

test("LPOS answers a COUNT or MAXLEN that is not an integer with its can't-be-negative error", () => {
  const h = withList('a');
  assertError(h.run('LPOS', 'l', 'a', 'COUNT', 'abc'), "ERR COUNT can't be negative");
  assertError(h.run('LPOS', 'l', 'a', 'COUNT', '99999999999999999999'), "ERR COUNT can't be negative");
  assertError(h.run('LPOS', 'l', 'a', 'MAXLEN', 'abc'), "ERR MAXLEN can't be negative");
  assertError(h.run('LPOS', 'l', 'a', 'RANK', 'abc'), 'ERR value is not an integer or out of range');
});
