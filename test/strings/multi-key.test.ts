import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, expireAt, putList } from './helpers.ts';

test('MGET answers null for missing keys and for keys of another type', () => {
  const h = new Harness();
  h.run('MSET', 'a', 1, 'b', Buffer.from([0xff]));
  putList(h, 'l');
  assert.deepEqual(h.runBinary('MGET', 'a', 'missing', 'l', 'b'), ['1', null, null, '\xff']);
});

test('MSET with an odd number of arguments is a wrong-arity error and stores nothing', () => {
  const h = new Harness();
  assertError(h.run('MSET', 'a', 1, 'b'), "ERR wrong number of arguments for 'mset' command");
  assertError(h.run('MSETNX', 'a', 1, 'b'), "ERR wrong number of arguments for 'msetnx' command");
  assert.deepEqual(h.run('MGET', 'a', 'b'), [null, null]);
});

test('MSET overwrites any type, drops TTLs, and the last of a repeated key wins', () => {
  const h = new Harness();
  putList(h, 'l');
  h.run('SET', 't', 'v', 'EX', 100);
  assert.equal(h.run('MSET', 'l', 'x', 't', 'y', 'd', 1, 'd', 2), 'OK');
  assert.deepEqual(h.run('MGET', 'l', 't', 'd'), ['x', 'y', '2']);
  assert.equal(expireAt(h, 't'), -1);
});

test('MSETNX sets all keys or none', () => {
  const h = new Harness();
  assert.equal(h.run('MSETNX', 'x', 1, 'y', 2), 1);
  assert.equal(h.run('MSETNX', 'y', 3, 'z', 4), 0);
  assert.deepEqual(h.run('MGET', 'x', 'y', 'z'), ['1', '2', null]);
  putList(h, 'l');
  assert.equal(h.run('MSETNX', 'l', 1, 'w', 2), 0);
  assert.equal(h.run('GET', 'w'), null);
});

test('key positions in the command table match Redis', () => {
  const h = new Harness();
  const keys = (name: string) => {
    const { first, last, step } = h.server.commands.lookupName(name)!.legacy;
    return { first, last, step };
  };
  assert.deepEqual(keys('mset'), { first: 1, last: -1, step: 2 });
  assert.deepEqual(keys('msetnx'), { first: 1, last: -1, step: 2 });
  assert.deepEqual(keys('mget'), { first: 1, last: -1, step: 1 });
  assert.deepEqual(keys('lcs'), { first: 1, last: 2, step: 1 });
  assert.deepEqual(keys('bitop'), { first: 2, last: -1, step: 1 });
  assert.deepEqual(keys('getex'), { first: 1, last: 1, step: 1 });
});
