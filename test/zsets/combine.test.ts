import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { forEachEncoding } from './helpers.ts';

const text = (reply: unknown) => (reply as ReplyError).text;

function setup(h: Harness): void {
  h.run('ZADD', 'a', 1, 'x', 2, 'y', 3, 'z');
  h.run('ZADD', 'b', 10, 'y', 20, 'z', 30, 'w');
  h.run('SADD', 's', 'x', 'w');
}

forEachEncoding((make, encoding) => {
  test(`ZUNION/ZINTER/ZDIFF aggregate weighted scores and reply ordered by score (${encoding})`, () => {
    const h = make();
    setup(h);
    assert.deepEqual(h.run('ZUNION', 2, 'a', 'b', 'WITHSCORES'), ['x', '1', 'y', '12', 'z', '23', 'w', '30']);
    assert.deepEqual(h.run('ZUNION', 2, 'a', 'b', 'WEIGHTS', 2, 0.5, 'AGGREGATE', 'MAX', 'WITHSCORES'), ['x', '2', 'y', '5', 'z', '10', 'w', '15']);
    assert.deepEqual(h.run('ZINTER', 2, 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'), ['y', '2', 'z', '3']);
    assert.deepEqual(h.run('ZDIFF', 2, 'a', 'b', 'WITHSCORES'), ['x', '1']);
    assert.equal(h.run('ZINTERCARD', 2, 'a', 'b'), 2);
    assert.equal(h.run('ZINTERCARD', 2, 'a', 'b', 'LIMIT', 1), 1);
  });

  test(`plain sets join in with score 1 (${encoding})`, () => {
    const h = make();
    setup(h);
    assert.deepEqual(h.run('ZUNION', 2, 'a', 's', 'WITHSCORES'), ['w', '1', 'x', '2', 'y', '2', 'z', '3']);
    assert.deepEqual(h.run('ZINTER', 2, 's', 'b', 'WITHSCORES'), ['w', '31']);
  });

  test(`the STORE forms replace the destination and delete it for an empty result (${encoding})`, () => {
    const h = make();
    setup(h);
    assert.equal(h.run('ZUNIONSTORE', 'd', 2, 'a', 'b', 'WEIGHTS', 1, 0), 4);
    assert.deepEqual(h.run('ZRANGE', 'd', 0, -1, 'WITHSCORES'), ['w', '0', 'x', '1', 'y', '2', 'z', '3']);
    assert.equal(h.run('ZINTERSTORE', 'd', 2, 'a', 'nokey'), 0);
    assert.equal(h.run('EXISTS', 'd'), 0);
    assert.equal(h.run('ZDIFFSTORE', 'd', 1, 'b'), 3);
    assert.equal(h.run('ZCARD', 'd'), 3);
  });
});

test('inf plus -inf aggregates to 0, and so does a zero weight on inf', () => {
  const h = new Harness();
  h.run('ZADD', 'p', 'inf', 'x');
  h.run('ZADD', 'n', '-inf', 'x');
  assert.deepEqual(h.run('ZUNION', 2, 'p', 'n', 'WITHSCORES'), ['x', '0']);
  assert.deepEqual(h.run('ZUNION', 1, 'p', 'WEIGHTS', 0, 'WITHSCORES'), ['x', '0']);
});

test('a stored result is a listpack when it fits and a skiplist when it does not', () => {
  const h = new Harness({ 'zset-max-listpack-entries': '3' });
  h.run('ZADD', 'big', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
  assert.equal(h.run('OBJECT', 'ENCODING', 'big'), 'skiplist');
  h.run('ZRANGESTORE', 'small', 'big', 0, 2);
  assert.equal(h.run('OBJECT', 'ENCODING', 'small'), 'listpack');
  h.run('ZUNIONSTORE', 'u', 1, 'big');
  assert.equal(h.run('OBJECT', 'ENCODING', 'u'), 'skiplist');
  h.run('ZADD', 'long', 1, 'x'.repeat(65));
  assert.equal(h.run('OBJECT', 'ENCODING', 'long'), 'skiplist');
  h.run('ZADD', 'grow', 1, 'x');
  h.run('ZADD', 'grow', 2, 'y'.repeat(65));
  assert.equal(h.run('OBJECT', 'ENCODING', 'grow'), 'skiplist');
});

test('combining commands check numkeys, options and types with Redis texts', () => {
  const h = new Harness();
  setup(h);
  assert.equal(text(h.run('ZUNION', 0, 'a')), "ERR at least 1 input key is needed for 'zunion' command");
  assert.equal(text(h.run('ZINTERSTORE', 'd', 0, 'a')), "ERR at least 1 input key is needed for 'zinterstore' command");
  assert.equal(text(h.run('ZUNION', 'x', 'a')), 'ERR value is not an integer or out of range');
  assert.equal(text(h.run('ZUNION', 3, 'a', 'b')), 'ERR syntax error');
  assert.equal(text(h.run('ZUNION', 1, 'a', 'WEIGHTS', 'x')), 'ERR weight value is not a float');
  assert.equal(text(h.run('ZUNION', 1, 'a', 'AGGREGATE', 'avg')), 'ERR syntax error');
  assert.equal(text(h.run('ZDIFF', 1, 'a', 'WEIGHTS', 1)), 'ERR syntax error');
  assert.equal(text(h.run('ZUNIONSTORE', 'd', 1, 'a', 'WITHSCORES')), 'ERR syntax error');
  assert.equal(text(h.run('ZINTERCARD', 1, 'a', 'LIMIT', -1)), "ERR LIMIT can't be negative");
  h.run('SET', 'str', 'v');
  assert.match(text(h.run('ZUNION', 2, 'a', 'str')), /^WRONGTYPE/);
});

test('ZUNION adds the sources smallest first, as Redis does, which decides float rounding and inf + -inf', () => {
  const h = new Harness();
  h.run('ZADD', 'a', 0.1, 'm', 1, 'x', 2, 'y');
  h.run('ZADD', 'b', 0.2, 'm');
  h.run('ZADD', 'c', 0.3, 'm', 5, 'q');
  // (0.2 + 0.3) + 0.1, not (0.1 + 0.2) + 0.3 = 0.6000000000000001.
  assert.equal(h.run('ZSCORE', 'a', 'm'), '0.10000000000000001');
  h.run('ZUNIONSTORE', 'u', 3, 'a', 'b', 'c');
  assert.equal(h.run('ZSCORE', 'u', 'm'), '0.59999999999999998');
  h.run('ZADD', 'big', 'inf', 'k', 1, 'p', 2, 'r');
  h.run('ZADD', 'small', 5, 'k');
  // -5 + -inf = -inf, then + inf is NaN, which Redis makes 0.
  h.run('ZUNIONSTORE', 'v', 3, 'big', 'big', 'small', 'WEIGHTS', -1, 6, -1);
  assert.equal(h.run('ZSCORE', 'v', 'k'), '0');
});

test('ZUNION AGGREGATE MIN and MAX keep the first of two equal scores, so -0 and 0 stay apart', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
  h.run('ZADD', 'neg', '-0', 'e');
  h.run('ZADD', 'pos', '0', 'e');
  assert.equal(h.run('ZSCORE', 'neg', 'e'), '-0');
  assert.deepEqual(h.run('ZUNION', 2, 'neg', 'pos', 'AGGREGATE', 'MAX', 'WITHSCORES'), ['e', '-0']);
  assert.deepEqual(h.run('ZUNION', 2, 'pos', 'neg', 'AGGREGATE', 'MIN', 'WITHSCORES'), ['e', '0']);
});
