import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, putList } from './helpers.ts';

test('LCS returns the longest common subsequence, or its length with LEN', () => {
  const h = new Harness();
  h.run('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
  assert.equal(h.run('LCS', 'a', 'b'), 'mytext');
  assert.equal(h.run('LCS', 'a', 'b', 'LEN'), 6);
  assert.equal(h.run('LCS', 'a', 'missing'), '');
});

test('LCS IDX lists matching ranges from the end, filtered by MINMATCHLEN', () => {
  const h = new Harness();
  h.run('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
  assert.deepEqual(h.run('LCS', 'a', 'b', 'IDX'), [
    'matches',
    [
      [
        [4, 7],
        [5, 8],
      ],
      [
        [2, 3],
        [0, 1],
      ],
    ],
    'len',
    6,
  ]);
  assert.deepEqual(h.run('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
});

test('LCS IDX is a map in RESP3', () => {
  const h = new Harness();
  h.run('HELLO', 3);
  h.run('MSET', 'a', 'abc', 'b', 'abc');
  assert.deepEqual(
    h.run('LCS', 'a', 'b', 'IDX'),
    new Map<unknown, unknown>([
      ['matches', [[[0, 2], [0, 2]]]],
      ['len', 3],
    ]),
  );
});

test('LCS errors: LEN with IDX, bad options, keys of another type', () => {
  const h = new Harness();
  h.run('MSET', 'a', 'x', 'b', 'y');
  assertError(h.run('LCS', 'a', 'b', 'LEN', 'IDX'), 'ERR If you want both the length and indexes, please just use IDX.');
  assertError(h.run('LCS', 'a', 'b', 'BOGUS'), 'ERR syntax error');
  assertError(h.run('LCS', 'a', 'b', 'MINMATCHLEN'), 'ERR syntax error');
  assertError(h.run('LCS', 'a', 'b', 'MINMATCHLEN', 'x'), 'ERR value is not an integer or out of range');
  putList(h, 'l');
  assertError(h.run('LCS', 'a', 'l', 'BOGUS'), 'ERR The specified keys must contain string values');
});

test('LCS refuses a table larger than proto-max-bulk-len', () => {
  const h = new Harness({ 'proto-max-bulk-len': '1mb' });
  const long = Buffer.alloc(600, 0x61);
  h.run('MSET', 'a', long, 'b', long);
  assertError(h.run('LCS', 'a', 'b', 'LEN'), 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
});
