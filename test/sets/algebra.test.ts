import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

const sorted = (reply: unknown) => [...(reply as string[])].sort();

function setup(): Harness {
  const h = new Harness();
  h.run('SADD', 'a', 'x', 'y', 'z', '1');
  h.run('SADD', 'b', 'y', 'z', 'w');
  h.run('SADD', 'c', 'z', 'q');
  return h;
}

test('SINTER, SUNION and SDIFF over hashtable sets', () => {
  const h = setup();
  assert.deepEqual(sorted(h.run('SINTER', 'a', 'b')), ['y', 'z']);
  assert.deepEqual(sorted(h.run('SINTER', 'a', 'b', 'c')), ['z']);
  assert.deepEqual(sorted(h.run('SUNION', 'a', 'b', 'c')), ['1', 'q', 'w', 'x', 'y', 'z']);
  assert.deepEqual(sorted(h.run('SDIFF', 'a', 'b', 'c')), ['1', 'x']);
  assert.deepEqual(sorted(h.run('SDIFF', 'a', 'nokey')), ['1', 'x', 'y', 'z']);
  assert.deepEqual(h.run('SINTER', 'a', 'nokey'), []);
  assert.deepEqual(h.run('SDIFF', 'nokey', 'a'), []);
});

test('the STORE forms replace the destination and delete it for an empty result', () => {
  const h = setup();
  h.run('SET', 'd', 'string');
  h.run('EXPIRE', 'd', 100);
  assert.equal(h.run('SINTERSTORE', 'd', 'a', 'b'), 2);
  assert.equal(h.run('TYPE', 'd'), 'set');
  assert.equal(h.run('TTL', 'd'), -1);
  assert.equal(h.run('SUNIONSTORE', 'd', 'd', 'c'), 3);
  assert.deepEqual(sorted(h.run('SMEMBERS', 'd')), ['q', 'y', 'z']);
  assert.equal(h.run('SDIFFSTORE', 'd', 'a', 'a'), 0);
  assert.equal(h.run('EXISTS', 'd'), 0);
});

test('SINTERCARD counts the intersection and stops at LIMIT', () => {
  const h = setup();
  assert.equal(h.run('SINTERCARD', 2, 'a', 'b'), 2);
  assert.equal(h.run('SINTERCARD', 2, 'a', 'b', 'LIMIT', 1), 1);
  assert.equal(h.run('SINTERCARD', 2, 'a', 'b', 'LIMIT', 0), 2);
  assert.equal(h.run('SINTERCARD', 2, 'a', 'nokey'), 0);
  assert.equal((h.run('SINTERCARD', 0, 'a') as ReplyError).text, 'ERR numkeys should be greater than 0');
  assert.equal((h.run('SINTERCARD', 3, 'a', 'b') as ReplyError).text, "ERR Number of keys can't be greater than number of args");
  assert.equal((h.run('SINTERCARD', 1, 'a', 'LIMIT', -1) as ReplyError).text, "ERR LIMIT can't be negative");
  assert.equal((h.run('SINTERCARD', 1, 'a', 'FOO', 1) as ReplyError).text, 'ERR syntax error');
});

test('SMOVE moves a member, and moving within one set only reports membership', () => {
  const h = setup();
  assert.equal(h.run('SMOVE', 'a', 'c', 'x'), 1);
  assert.equal(h.run('SISMEMBER', 'a', 'x'), 0);
  assert.equal(h.run('SISMEMBER', 'c', 'x'), 1);
  assert.equal(h.run('SMOVE', 'a', 'c', 'x'), 0);
  assert.equal(h.run('SMOVE', 'a', 'a', 'y'), 1);
  assert.equal(h.run('SMOVE', 'a', 'a', 'nope'), 0);
  assert.equal(h.run('SCARD', 'a'), 3);
  h.run('SET', 'str', 'v');
  assert.match((h.run('SMOVE', 'a', 'str', 'y') as ReplyError).text, /^WRONGTYPE/);
  assert.equal(h.run('SISMEMBER', 'a', 'y'), 1);
  assert.equal(h.run('SMOVE', 'nokey', 'str', 'y'), 0);
});
