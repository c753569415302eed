import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { forEachEncoding } from './helpers.ts';

const text = (reply: unknown) => (reply as ReplyError).text;

forEachEncoding((make, encoding) => {
  test(`ZPOPMIN and ZPOPMAX pop from each end and delete an emptied key (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.deepEqual(h.run('ZPOPMIN', 'z'), ['a', '1']);
    assert.deepEqual(h.run('ZPOPMAX', 'z', 2), ['d', '4', 'c', '3']);
    assert.deepEqual(h.run('ZPOPMIN', 'z', 0), []);
    assert.deepEqual(h.run('ZPOPMIN', 'z', 5), ['b', '2']);
    assert.equal(h.run('EXISTS', 'z'), 0);
    assert.deepEqual(h.run('ZPOPMIN', 'z'), []);
  });

  test(`ZMPOP pops from the first non-empty key and names it (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    assert.deepEqual(h.run('ZMPOP', 2, 'nokey', 'z', 'MAX', 'COUNT', 2), ['z', [['c', '3'], ['b', '2']]]);
    assert.deepEqual(h.run('ZMPOP', 1, 'z', 'MIN'), ['z', [['a', '1']]]);
    assert.equal(h.run('ZMPOP', 1, 'z', 'MIN'), null);
    assert.equal(h.raw(['ZMPOP', '1', 'z', 'MIN']).toString(), '*-1\r\n');
  });

  test(`ZRANDMEMBER picks distinct members for a positive count and repeats for a negative one (${encoding})`, () => {
    const h = make();
    h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    for (let i = 0; i < 10; i++) {
      const got = h.run('ZRANDMEMBER', 'z', 3) as string[];
      assert.equal(new Set(got).size, 3);
    }
    const many = h.run('ZRANDMEMBER', 'z', -40, 'WITHSCORES') as string[];
    assert.equal(many.length, 80);
    for (let i = 0; i < many.length; i += 2) assert.equal(many[i + 1], String(' abcd'.indexOf(many[i]!)));
    assert.deepEqual(h.run('ZRANDMEMBER', 'z', 10), ['d', 'c', 'b', 'a']);
    assert.ok(['a', 'b', 'c', 'd'].includes(h.run('ZRANDMEMBER', 'z') as string));
  });
});

test('pop and random counts are checked with Redis texts', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 1, 'a');
  assert.equal(text(h.run('ZPOPMIN', 'z', -1)), 'ERR value is out of range, must be positive');
  assert.equal(text(h.run('ZPOPMIN', 'z', 1, 2)), 'ERR syntax error');
  assert.equal(text(h.run('ZMPOP', 0, 'z', 'MIN')), 'ERR numkeys should be greater than 0');
  assert.equal(text(h.run('ZMPOP', 1, 'z', 'MIN', 'COUNT', 0)), 'ERR count should be greater than 0');
  assert.equal(text(h.run('ZMPOP', 2, 'z', 'MIN')), 'ERR syntax error');
  assert.equal(text(h.run('ZRANDMEMBER', 'z', 'x')), 'ERR value is not an integer or out of range');
  assert.equal(text(h.run('ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES')), 'ERR value is out of range');
});

test('ZSCAN walks a skiplist in steps, returning each member and its score once', () => {
  const h = new Harness();
  const args: (string | number)[] = [];
  for (let i = 0; i < 300; i++) args.push(i / 2, `m${i}`);
  h.run('ZADD', 'z', ...args);
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'skiplist');
  const seen = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, batch] = h.run('ZSCAN', 'z', cursor, 'COUNT', 25) as [string, string[]];
    for (let i = 0; i < batch.length; i += 2) {
      assert.ok(!seen.has(batch[i]!));
      seen.set(batch[i]!, batch[i + 1]!);
    }
    cursor = next;
  } while (cursor !== '0');
  assert.equal(seen.size, 300);
  assert.equal(seen.get('m3'), '1.5');
  const [, matched] = h.run('ZSCAN', 'z', '0', 'MATCH', 'm29*', 'COUNT', 1000) as [string, string[]];
  assert.equal(matched.length, 22);
});

test('a listpack zset comes back whole from ZSCAN', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 2, 'b', 1, 'a', 'inf', 'c');
  assert.deepEqual(h.run('ZSCAN', 'z', '0', 'COUNT', 1), ['0', ['a', '1', 'b', '2', 'c', 'inf']]);
  assert.deepEqual(h.run('ZSCAN', 'nokey', '0'), ['0', []]);
});

test('ZRANDMEMBER refuses a negative count whose reply could never be built, instead of spinning', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 1, 'a', 2, 'b');
  assert.equal(text(h.run('ZRANDMEMBER', 'z', '-9223372036854775807')), 'ERR value is out of range');
  assert.equal(text(h.run('ZRANDMEMBER', 'z', '-1000000000')), 'ERR value is out of range');
  assert.deepEqual(h.run('ZRANDMEMBER', 'nokey', '-9223372036854775807'), []);
  const picks = h.run('ZRANDMEMBER', 'z', -4, 'WITHSCORES') as string[];
  assert.equal(picks.length, 8);
  for (let i = 0; i < 8; i += 2) assert.equal(picks[i + 1], picks[i] === 'a' ? '1' : '2');
});

test('ZSCAN of a listpack writes an integral score up to 2^62 in full digits, as the listpack holds it', () => {
  const h = new Harness();
  h.run('ZADD', 'z', '123456789012345678', 'a', '4611686018427387904', 'b', '9.2e18', 'c', '0.1', 'd', '-0', 'e');
  assert.deepEqual((h.run('ZSCAN', 'z', 0) as [string, string[]])[1], ['e', '0', 'd', '0.10000000000000001', 'a', '123456789012345680', 'b', '4611686018427387904', 'c', '9.2e+18']);
  // ZSCORE answers with a reply double, and a skiplist's ZSCAN too.
  assert.equal(h.run('ZSCORE', 'z', 'a'), '1.2345678901234568e+17');
  h.run('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
  h.run('ZADD', 'big', '123456789012345678', 'a');
  assert.deepEqual((h.run('ZSCAN', 'big', 0) as [string, string[]])[1], ['a', '1.2345678901234568e+17']);
});
