import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { forEachEncoding } from './helpers.ts';

const text = (reply: unknown) => (reply as ReplyError).text;

forEachEncoding((make, encoding) => {
  test(`ZADD adds and updates, ZSCORE and ZCARD read back (${encoding})`, () => {
    const h = make();
    assert.equal(h.run('ZADD', 'z', 1, 'a', 2, 'b'), 2);
    assert.equal(h.run('OBJECT', 'ENCODING', 'z'), encoding);
    assert.equal(h.run('ZADD', 'z', 3, 'a', 4, 'c'), 1);
    assert.equal(h.run('ZSCORE', 'z', 'a'), '3');
    assert.equal(h.run('ZCARD', 'z'), 3);
    assert.deepEqual(h.run('ZRANGE', 'z', 0, -1), ['b', 'a', 'c']);
    assert.equal(h.run('ZSCORE', 'z', 'nope'), null);
    assert.deepEqual(h.run('ZMSCORE', 'z', 'c', 'nope', 'b'), ['4', null, '2']);
  });

  test(`ZADD NX never updates and XX never creates (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a');
    assert.equal(h.run('ZADD', 'z', 'NX', 5, 'a', 2, 'b'), 1);
    assert.equal(h.run('ZADD', 'z', 'XX', 7, 'b', 3, 'c'), 0);
    assert.deepEqual(h.run('ZRANGE', 'z', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '7']);
    assert.equal(h.run('ZADD', 'nokey', 'XX', 1, 'a'), 0);
    assert.equal(h.run('EXISTS', 'nokey'), 0);
  });

  test(`ZADD GT and LT only move scores one way; CH counts changes (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 5, 'a', 5, 'b');
    assert.equal(h.run('ZADD', 'z', 'GT', 'CH', 4, 'a', 6, 'b', 1, 'c'), 2);
    assert.equal(h.run('ZADD', 'z', 'LT', 'CH', 4, 'a', 9, 'b'), 1);
    assert.deepEqual(h.run('ZMSCORE', 'z', 'a', 'b', 'c'), ['4', '6', '1']);
    assert.equal(h.run('ZADD', 'z', 'CH', 4, 'a'), 0);
  });

  test(`ZADD INCR and ZINCRBY return the new score, or null when the flags skip it (${encoding})`, () => {
    const h = make();
    assert.equal(h.run('ZADD', 'z', 'INCR', 2.5, 'a'), '2.5');
    assert.equal(h.run('ZINCRBY', 'z', 1, 'a'), '3.5');
    assert.equal(h.run('ZADD', 'z', 'INCR', 'NX', 1, 'a'), null);
    assert.equal(h.run('ZADD', 'z', 'INCR', 'XX', 1, 'b'), null);
    assert.equal(h.run('ZADD', 'z', 'INCR', 'GT', -1, 'a'), null);
    assert.equal(h.run('ZINCRBY', 'z', 'inf', 'a'), 'inf');
    assert.equal(text(h.run('ZINCRBY', 'z', '-inf', 'a')), 'ERR resulting score is not a number (NaN)');
    assert.equal(h.run('ZSCORE', 'z', 'a'), 'inf');
  });

  test(`ZREM removes members and the key with the last one (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a', 2, 'b');
    assert.equal(h.run('ZREM', 'z', 'a', 'x'), 1);
    assert.equal(h.run('ZREM', 'z', 'b'), 1);
    assert.equal(h.run('EXISTS', 'z'), 0);
    assert.equal(h.run('ZREM', 'z', 'b'), 0);
  });

  test(`ZRANK and ZREVRANK count from each end, ties ordered by member bytes (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'b', 1, 'a', 0, 'z', 1, Buffer.from([0xff]), 1, 'a\x00');
    assert.deepEqual(h.runBinary('ZRANGE', 'z', 0, -1), ['z', 'a', 'a\x00', 'b', '\xff']);
    assert.equal(h.run('ZRANK', 'z', 'z'), 0);
    assert.equal(h.run('ZRANK', 'z', 'b'), 3);
    assert.equal(h.run('ZREVRANK', 'z', 'b'), 1);
    assert.equal(h.run('ZRANK', 'z', 'nope'), null);
    assert.equal(h.run('ZRANK', 'nokey', 'a'), null);
  });

  test(`scores reply as %.17g doubles, and as RESP3 doubles (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', '0.1', 'a', '1e20', 'b', '-inf', 'c');
    assert.deepEqual(h.run('ZMSCORE', 'z', 'a', 'b', 'c'), ['0.10000000000000001', '1e+20', '-inf']);
    h.run('HELLO', '3');
    assert.equal(h.raw(['ZSCORE', 'z', 'a']).toString(), ',0.10000000000000001\r\n');
    assert.equal(h.raw(['ZSCORE', 'z', 'c']).toString(), ',-inf\r\n');
    assert.equal(h.raw(['ZSCORE', 'z', 'x']).toString(), '_\r\n');
  });
});

test('ZADD rejects incompatible flags and bad scores before touching the key', () => {
  const h = new Harness();
  assert.equal(text(h.run('ZADD', 'z', 'NX', 'XX', 1, 'a')), 'ERR XX and NX options at the same time are not compatible');
  assert.equal(text(h.run('ZADD', 'z', 'GT', 'LT', 1, 'a')), 'ERR GT, LT, and/or NX options at the same time are not compatible');
  assert.equal(text(h.run('ZADD', 'z', 'INCR', 1, 'a', 2, 'b')), 'ERR INCR option supports a single increment-element pair');
  assert.equal(text(h.run('ZADD', 'z', 'NX', 1)), 'ERR syntax error');
  assert.equal(text(h.run('ZADD', 'z', 1, 'a', 'x', 'b')), 'ERR value is not a valid float');
  assert.equal(text(h.run('ZADD', 'z', 'nan', 'a')), 'ERR value is not a valid float');
  assert.equal(h.run('EXISTS', 'z'), 0);
  h.run('SET', 'str', 'v');
  assert.match(text(h.run('ZADD', 'str', 1, 'a')), /^WRONGTYPE/);
});

test('a -0 score keeps its sign when the ZADD inserting it turns a listpack into a skiplist', () => {
  const h = new Harness({ 'zset-max-listpack-entries': '2' });
  h.run('ZADD', 'z', 1, 'a', 2, 'b');
  h.run('ZADD', 'z', '-0', 'c');
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'skiplist');
  assert.equal(h.run('ZSCORE', 'z', 'c'), '-0');
  assert.deepEqual(h.run('ZPOPMIN', 'z'), ['c', '-0']);
});

test('changing the score of an existing member never converts a listpack', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
  h.run('CONFIG', 'SET', 'zset-max-listpack-entries', '1');
  assert.equal(h.run('ZADD', 'z', 5, 'a'), 0);
  assert.equal(h.run('ZINCRBY', 'z', 1, 'b'), '3');
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'listpack');
  assert.equal(h.run('ZADD', 'z', 5, 'd'), 1);
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'skiplist');
});
