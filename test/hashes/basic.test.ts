import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, WRONGTYPE } from '../lists/helpers.ts';

test('HSET counts only new fields and overwrites existing ones in place', () => {
  const h = new Harness();
  assert.equal(h.run('HSET', 'h', 'a', '1', 'b', '2'), 2);
  assert.equal(h.run('HSET', 'h', 'a', 'x', 'c', '3'), 1);
  assert.deepEqual(h.run('HGETALL', 'h'), ['a', 'x', 'b', '2', 'c', '3']);
});

test('HSET and HMSET need field/value pairs', () => {
  const h = new Harness();
  assertError(h.run('HSET', 'h', 'a', '1', 'b'), "ERR wrong number of arguments for 'hset' command");
  assertError(h.run('HMSET', 'h', 'a', '1', 'b'), "ERR wrong number of arguments for 'hmset' command");
  assert.equal(h.run('EXISTS', 'h'), 0);
  assert.equal(h.run('HMSET', 'h', 'a', '1'), 'OK');
});

test('HSETNX sets a field only when it is absent', () => {
  const h = new Harness();
  assert.equal(h.run('HSETNX', 'h', 'a', '1'), 1);
  assert.equal(h.run('HSETNX', 'h', 'a', '2'), 0);
  assert.equal(h.run('HGET', 'h', 'a'), '1');
});

test('HGET, HMGET, HEXISTS, HSTRLEN and HLEN read fields, with nulls and zeros for misses', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', 'hello', 'b', '');
  assert.equal(h.run('HGET', 'h', 'a'), 'hello');
  assert.equal(h.run('HGET', 'h', 'zz'), null);
  assert.equal(h.run('HGET', 'nokey', 'a'), null);
  assert.deepEqual(h.run('HMGET', 'h', 'a', 'zz', 'b'), ['hello', null, '']);
  assert.deepEqual(h.run('HMGET', 'nokey', 'a', 'b'), [null, null]);
  assert.equal(h.run('HEXISTS', 'h', 'b'), 1);
  assert.equal(h.run('HEXISTS', 'h', 'zz'), 0);
  assert.equal(h.run('HSTRLEN', 'h', 'a'), 5);
  assert.equal(h.run('HSTRLEN', 'h', 'zz'), 0);
  assert.equal(h.run('HLEN', 'h'), 2);
  assert.equal(h.run('HLEN', 'nokey'), 0);
});

test('fields and values are binary-safe', () => {
  const h = new Harness();
  const field = Buffer.from([0, 0xff, 13, 10]);
  const value = Buffer.from([0x80, 0, 1]);
  h.run('HSET', 'h', field, value);
  assert.deepEqual(Buffer.from(h.runBinary('HGET', 'h', field) as string, 'latin1'), value);
  assert.deepEqual(Buffer.from((h.runBinary('HKEYS', 'h') as string[])[0]!, 'latin1'), field);
});

test('HKEYS, HVALS and HGETALL list pairs in insertion order; HGETALL is a map in RESP3', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'b', '2', 'a', '1');
  assert.deepEqual(h.run('HKEYS', 'h'), ['b', 'a']);
  assert.deepEqual(h.run('HVALS', 'h'), ['2', '1']);
  assert.deepEqual(h.run('HKEYS', 'nokey'), []);
  h.run('HELLO', 3);
  assert.equal(h.raw(['HGETALL', 'h']).toString(), '%2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n');
  assert.equal(h.raw(['HGETALL', 'nokey']).toString(), '%0\r\n');
});

test('HDEL counts removed fields and deletes the emptied hash', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', '1', 'b', '2');
  assert.equal(h.run('HDEL', 'h', 'a', 'zz', 'a'), 1);
  assert.equal(h.run('HDEL', 'h', 'b'), 1);
  assert.equal(h.run('EXISTS', 'h'), 0);
  assert.equal(h.run('HDEL', 'h', 'b'), 0);
});

test('hash commands fail against a key holding a string', () => {
  const h = new Harness();
  h.run('SET', 's', 'v');
  const cmds = [
    ['HSET', 's', 'a', 'b'], ['HMSET', 's', 'a', 'b'], ['HSETNX', 's', 'a', 'b'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'],
    ['HDEL', 's', 'a'], ['HLEN', 's'], ['HEXISTS', 's', 'a'], ['HSTRLEN', 's', 'a'], ['HKEYS', 's'], ['HVALS', 's'],
    ['HGETALL', 's'], ['HINCRBY', 's', 'a', 1], ['HINCRBYFLOAT', 's', 'a', 1], ['HRANDFIELD', 's'], ['HRANDFIELD', 's', 2],
    ['HSCAN', 's', 0],
  ];
  for (const cmd of cmds) assertError(h.run(...cmd), WRONGTYPE);
  assert.equal(h.run('GET', 's'), 'v');
});
