import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { forEachEncoding } from './helpers.ts';

const text = (reply: unknown) => (reply as ReplyError).text;

function fill(h: Harness): void {
  h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
}

forEachEncoding((make, encoding) => {
  test(`ZRANGE by index follows Redis's negative and out-of-range rules (${encoding})`, () => {
    const h = make();
    fill(h);
    assert.deepEqual(h.run('ZRANGE', 'z', 1, 2), ['b', 'c']);
    assert.deepEqual(h.run('ZRANGE', 'z', -2, -1, 'WITHSCORES'), ['d', '4', 'e', '5']);
    assert.deepEqual(h.run('ZRANGE', 'z', -100, 100), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(h.run('ZRANGE', 'z', 3, 1), []);
    assert.deepEqual(h.run('ZRANGE', 'z', 5, 10), []);
    assert.deepEqual(h.run('ZRANGE', 'z', 0, 1, 'REV'), ['e', 'd']);
    assert.deepEqual(h.run('ZREVRANGE', 'z', -2, -1), ['b', 'a']);
  });

  test(`ZRANGE BYSCORE honours exclusive bounds, infinities, REV and LIMIT (${encoding})`, () => {
    const h = make();
    fill(h);
    assert.deepEqual(h.run('ZRANGE', 'z', '(1', '4', 'BYSCORE'), ['b', 'c', 'd']);
    assert.deepEqual(h.run('ZRANGE', 'z', '1', '(4', 'BYSCORE'), ['a', 'b', 'c']);
    assert.deepEqual(h.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 1, 2), ['b', 'c']);
    assert.deepEqual(h.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', 3, -1), ['d', 'e']);
    assert.deepEqual(h.run('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', -1, 2), []);
    assert.deepEqual(h.run('ZRANGE', 'z', '+inf', '(2', 'BYSCORE', 'REV', 'LIMIT', 1, 2), ['d', 'c']);
    assert.deepEqual(h.run('ZREVRANGEBYSCORE', 'z', 4, 2, 'WITHSCORES'), ['d', '4', 'c', '3', 'b', '2']);
    assert.deepEqual(h.run('ZRANGEBYSCORE', 'z', '(3', '(3'), []);
    assert.deepEqual(h.run('ZRANGEBYSCORE', 'z', 3, 3), ['c']);
    assert.equal(h.run('ZCOUNT', 'z', '(1', 4), 3);
    assert.equal(h.run('ZCOUNT', 'z', 5, 1), 0);
  });

  test(`lex ranges cover [, ( and the infinite ends (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'l', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    assert.deepEqual(h.run('ZRANGEBYLEX', 'l', '[b', '(d'), ['b', 'c']);
    assert.deepEqual(h.run('ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', 1, 2), ['b', 'c']);
    assert.deepEqual(h.run('ZREVRANGEBYLEX', 'l', '+', '(b'), ['d', 'c']);
    assert.deepEqual(h.run('ZRANGE', 'l', '[c', '-', 'BYLEX', 'REV'), ['c', 'b', 'a']);
    assert.deepEqual(h.run('ZRANGEBYLEX', 'l', '+', '-'), []);
    assert.equal(h.run('ZLEXCOUNT', 'l', '(a', '[c'), 2);
    assert.equal(text(h.run('ZRANGEBYLEX', 'l', 'a', '+')), 'ERR min or max not valid string range item');
  });

  test(`ZREMRANGEBY* remove what the range selects and delete an emptied key (${encoding})`, () => {
    const h = make();
    fill(h);
    assert.equal(h.run('ZREMRANGEBYRANK', 'z', 0, 0), 1);
    assert.equal(h.run('ZREMRANGEBYSCORE', 'z', '(2', 3), 1);
    assert.deepEqual(h.run('ZRANGE', 'z', 0, -1), ['b', 'd', 'e']);
    h.run('ZADD', 'z', 0, 'x');
    assert.equal(h.run('ZREMRANGEBYLEX', 'z', '-', '+'), 4);
    assert.equal(h.run('ZREMRANGEBYRANK', 'z', 0, -1), 0);
    assert.equal(h.run('EXISTS', 'z'), 0);
  });

  test(`ZRANGESTORE stores the selection and deletes the destination when it is empty (${encoding})`, () => {
    const h = make();
    fill(h);
    assert.equal(h.run('ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', 0, 2), 2);
    assert.deepEqual(h.run('ZRANGE', 'd', 0, -1, 'WITHSCORES'), ['b', '2', 'c', '3']);
    assert.equal(h.run('ZRANGESTORE', 'd', 'z', 10, 20), 0);
    assert.equal(h.run('EXISTS', 'd'), 0);
  });

  test(`WITHSCORES pairs nest in RESP3 and flatten in RESP2 (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a', 2.5, 'b');
    assert.equal(h.raw(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']).toString(), '*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n');
    h.run('HELLO', '3');
    assert.equal(h.raw(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']).toString(), '*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n');
  });
});

test('range options are checked in Redis order with its texts', () => {
  const h = new Harness();
  fill(h);
  assert.equal(text(h.run('ZRANGE', 'z', 0, 1, 'LIMIT', 0, 1)), 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  assert.equal(text(h.run('ZRANGE', 'z', 0, 1, 'BYLEX', 'WITHSCORES')), 'ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  assert.equal(text(h.run('ZRANGEBYSCORE', 'z', 0, 1, 'REV')), 'ERR syntax error');
  assert.equal(text(h.run('ZRANGE', 'z', 0, 1, 'BYSCORE', 'LIMIT', 0)), 'ERR syntax error');
  assert.equal(text(h.run('ZRANGESTORE', 'd', 'z', 0, 1, 'WITHSCORES')), 'ERR syntax error');
  assert.equal(text(h.run('ZRANGE', 'z', 'x', 1, 'BYSCORE')), 'ERR min or max is not a float');
  assert.equal(text(h.run('ZRANGE', 'z', 'x', 1)), 'ERR value is not an integer or out of range');
  // "(" alone reads as an exclusive 0, as strtod does.
  assert.equal(h.run('ZCOUNT', 'z', '(', 1), 1);
  h.run('SET', 'str', 'v');
  assert.equal(text(h.run('ZRANGE', 'str', 'x', 1, 'BYSCORE')), 'ERR min or max is not a float');
  assert.match(text(h.run('ZRANGE', 'str', 0, 1)), /^WRONGTYPE/);
});

forEachEncoding((make, encoding) => {
  test(`an index range takes LIMIT with a count of -1 and ignores its offset (${encoding})`, () => {
    const h = make();
    fill(h);
    assert.deepEqual(h.run('ZRANGE', 'z', 0, -1, 'LIMIT', 1, -1), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(h.run('ZRANGESTORE', 'd', 'z', 0, 1, 'LIMIT', 0, -1), 2);
    assert.equal(text(h.run('ZRANGE', 'z', 0, -1, 'LIMIT', 0, 2)), 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    assert.equal(text(h.run('ZRANGE', 'z', ' 1', -1, 'LIMIT', 0, -1)), 'ERR value is not an integer or out of range');
    h.run('SET', 's', 'x');
    assert.match(text(h.run('ZRANGE', 's', 0, -1, 'LIMIT', 0, -1)), /^WRONGTYPE/);
  });
});
