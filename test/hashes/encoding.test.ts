import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { encodingOf, objectOf } from '../lists/helpers.ts';
import type { HashValue } from '../../src/store/types/hash.ts';

const long = (n: number) => 'x'.repeat(n);

function fill(h: Harness, key: string, n: number): void {
  for (let i = 0; i < n; i++) h.run('HSET', key, `f${i}`, 'v');
}

// redis-server's compiled default is 512 (redis.conf's example file says 128).
test('a hash stays a listpack up to 512 fields and becomes a hashtable at 513', () => {
  const h = new Harness();
  fill(h, 'h', 512);
  assert.equal(encodingOf(h, 'h'), 'listpack');
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'listpack');
  h.run('HSET', 'h', 'f512', 'v');
  assert.equal(encodingOf(h, 'h'), 'hashtable');
  assert.equal(h.run('HLEN', 'h'), 513);
  assert.equal(h.run('HGET', 'h', 'f7'), 'v');
});

test('a field or value longer than 64 bytes converts the hash, 64 does not', () => {
  const h = new Harness();
  h.run('HSET', 'a', long(64), long(64));
  assert.equal(encodingOf(h, 'a'), 'listpack');
  h.run('HSET', 'b', 'f', long(65));
  assert.equal(encodingOf(h, 'b'), 'hashtable');
  assert.equal(h.run('HGET', 'b', 'f'), long(65));
});

test('HSETNX, HINCRBY and HINCRBYFLOAT convert for a long field name too', () => {
  const h = new Harness();
  h.run('HSETNX', 'a', long(65), '1');
  h.run('HINCRBY', 'b', long(65), 1);
  h.run('HINCRBYFLOAT', 'c', long(65), 1);
  for (const key of ['a', 'b', 'c']) assert.equal(encodingOf(h, key), 'hashtable', key);
});

test('a hashtable never converts back when it shrinks', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  fill(h, 'h', 130);
  for (let i = 0; i < 125; i++) h.run('HDEL', 'h', `f${i}`);
  assert.equal(encodingOf(h, 'h'), 'hashtable');
  assert.deepEqual(h.run('HKEYS', 'h'), ['f125', 'f126', 'f127', 'f128', 'f129']);
});

test('the thresholds follow CONFIG SET, including the old ziplist names', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'hash-max-ziplist-entries', '2');
  fill(h, 'h', 3);
  assert.equal(encodingOf(h, 'h'), 'hashtable');
  h.run('CONFIG', 'SET', 'hash-max-listpack-entries', '0');
  h.run('HSET', 'z', 'a', 'b');
  assert.equal(encodingOf(h, 'z'), 'hashtable');
  h.run('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  h.run('CONFIG', 'SET', 'hash-max-listpack-value', '3');
  h.run('HSET', 'v', 'abcd', '1');
  assert.equal(encodingOf(h, 'v'), 'hashtable');
});

test('a converted hash keeps every pair and its TTL', () => {
  const h = new Harness();
  fill(h, 'h', 100);
  h.run('EXPIRE', 'h', 50);
  h.run('HSET', 'h', 'big', long(100));
  assert.equal(encodingOf(h, 'h'), 'hashtable');
  assert.equal(h.run('TTL', 'h'), 50);
  assert.equal(h.run('HLEN', 'h'), 101);
  assert.equal(h.run('HGET', 'h', 'f99'), 'v');
});

test('a listpack hash of 100 small fields takes well under 44 bytes per field', () => {
  const h = new Harness();
  for (let i = 0; i < 100; i++) h.run('HSET', 'h', `field:${i}`, `value:${i}`);
  const perField = objectOf<HashValue>(h, 'h').bytes / 100;
  assert.ok(perField < 30, `${perField} bytes per field`);
});

test('a hashtable keeps binary fields and values byte for byte', () => {
  const h = new Harness({ 'hash-max-listpack-entries': '1' });
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  h.run('HSET', 'h', all, all, 'other', Buffer.from([0xff, 0]));
  assert.equal(encodingOf(h, 'h'), 'hashtable');
  assert.deepEqual(Buffer.from(h.runBinary('HGET', 'h', all) as string, 'latin1'), all);
  assert.equal(h.run('HSTRLEN', 'h', all), 256);
  const pairs = h.runBinary('HGETALL', 'h') as string[];
  assert.deepEqual(pairs.map((p) => Buffer.from(p, 'latin1')), [all, all, Buffer.from('other'), Buffer.from([0xff, 0])]);
  h.run('HINCRBY', 'h', Buffer.from([0xe9]), 5);
  assert.equal(h.run('HGET', 'h', Buffer.from([0xe9])), '5');
});
