import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, WRONGTYPE } from './helpers.ts';

test('LPUSH prepends in argument order and RPUSH appends, both replying the new length', () => {
  const h = new Harness();
  assert.equal(h.run('RPUSH', 'l', 'a', 'b'), 2);
  assert.equal(h.run('LPUSH', 'l', 'x', 'y'), 4);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['y', 'x', 'a', 'b']);
});

test('LPUSHX and RPUSHX never create a list', () => {
  const h = new Harness();
  assert.equal(h.run('LPUSHX', 'l', 'a'), 0);
  assert.equal(h.run('RPUSHX', 'l', 'a'), 0);
  assert.equal(h.run('EXISTS', 'l'), 0);
  h.run('RPUSH', 'l', 'm');
  assert.equal(h.run('LPUSHX', 'l', 'a', 'b'), 3);
  assert.equal(h.run('RPUSHX', 'l', 'z'), 4);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['b', 'a', 'm', 'z']);
});

test('list elements are binary-safe, including empty and long ones', () => {
  const h = new Harness();
  const bin = Buffer.from([0, 0xff, 13, 10, 0x80]);
  const long = Buffer.alloc(70_000, 0x61);
  h.run('RPUSH', 'l', bin, '', long);
  const got = h.runBinary('LRANGE', 'l', 0, -1) as string[];
  assert.deepEqual(Buffer.from(got[0]!, 'latin1'), bin);
  assert.equal(got[1], '');
  assert.equal(got[2]!.length, 70_000);
  assert.deepEqual(Buffer.from(h.runBinary('RPOP', 'l') as string, 'latin1'), long);
});

test('LPOP and RPOP without a count return one element and delete the emptied key', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a', 'b');
  assert.equal(h.run('LPOP', 'l'), 'a');
  assert.equal(h.run('RPOP', 'l'), 'b');
  assert.equal(h.run('EXISTS', 'l'), 0);
  assert.equal(h.run('LPOP', 'l'), null);
});

test('LPOP with a count returns up to count elements, and a null array for a missing key', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a', 'b', 'c');
  assert.deepEqual(h.run('LPOP', 'l', 2), ['a', 'b']);
  assert.deepEqual(h.run('RPOP', 'l', 0), []);
  assert.deepEqual(h.run('RPOP', 'l', 10), ['c']);
  assert.equal(h.raw(['LPOP', 'l', 1]).toString(), '*-1\r\n');
  assert.equal(h.raw(['LPOP', 'l', 0]).toString(), '*-1\r\n');
  h.run('HELLO', 3);
  assert.equal(h.raw(['LPOP', 'l', 1]).toString(), '_\r\n');
});

test('LPOP rejects negative or non-numeric counts and extra arguments', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a');
  assertError(h.run('LPOP', 'l', -1), 'ERR value is out of range, must be positive');
  assertError(h.run('RPOP', 'l', 'x'), 'ERR value is out of range, must be positive');
  assertError(h.run('LPOP', 'l', 1, 2), "ERR wrong number of arguments for 'lpop' command");
});

test('push and pop commands fail against a key holding a string', () => {
  const h = new Harness();
  h.run('SET', 's', 'v');
  for (const cmd of [['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LPOP', 's'], ['RPOP', 's', 1], ['LLEN', 's']]) {
    assertError(h.run(...cmd), WRONGTYPE);
  }
  assert.equal(h.run('GET', 's'), 'v');
});

test('LLEN counts elements and is 0 for a missing key', () => {
  const h = new Harness();
  assert.equal(h.run('LLEN', 'l'), 0);
  h.run('RPUSH', 'l', 1, 2, 3);
  assert.equal(h.run('LLEN', 'l'), 3);
});

test('a popped list keeps no TTL once it is deleted and recreated', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a');
  h.run('EXPIRE', 'l', 100);
  h.run('LPOP', 'l');
  h.run('RPUSH', 'l', 'b');
  assert.equal(h.run('TTL', 'l'), -1);
});

test('pushing to a list keeps its TTL', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a');
  h.run('EXPIRE', 'l', 100);
  h.run('RPUSH', 'l', 'b');
  assert.equal(h.run('TTL', 'l'), 100);
});
