import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { encodingOf, objectOf } from './helpers.ts';
import type { ListValue } from '../../src/store/types/list.ts';

test('every list reports the quicklist encoding, as in Redis 7.0', () => {
  const h = new Harness();
  h.run('RPUSH', 'small', 'a');
  assert.equal(encodingOf(h, 'small'), 'quicklist');
  assert.equal(h.run('OBJECT', 'ENCODING', 'small'), 'quicklist');
});

test('nodes hold at most 8 KB by default, so a big list spans many nodes', () => {
  const h = new Harness();
  const value = Buffer.alloc(100, 0x61);
  for (let i = 0; i < 50; i++) h.run('RPUSH', 'l', ...Array(20).fill(value));
  const list = objectOf<ListValue>(h, 'l');
  // 1000 entries of 102 bytes at ~80 per 8 KB node.
  assert.ok(list.nodeCount >= 13 && list.nodeCount <= 14, `nodes: ${list.nodeCount}`);
  assert.equal(h.run('LLEN', 'l'), 1000);
});

test('a positive list-max-listpack-size caps entries per node', () => {
  const h = new Harness({ 'list-max-listpack-size': '4' });
  h.run('RPUSH', 'l', ...Array.from({ length: 10 }, (_, i) => String(i)));
  h.run('LPUSH', 'l', 'x');
  assert.equal(objectOf<ListValue>(h, 'l').nodeCount, 4);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['x', ...Array.from({ length: 10 }, (_, i) => String(i))]);
});

test('inserts and LSET split an overfull node and keep the order', () => {
  const h = new Harness({ 'list-max-listpack-size': '3' });
  h.run('RPUSH', 'l', 'a', 'b', 'c');
  h.run('LINSERT', 'l', 'AFTER', 'a', 'x');
  h.run('LINSERT', 'l', 'BEFORE', 'c', 'y');
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['a', 'x', 'b', 'y', 'c']);
  assert.ok(objectOf<ListValue>(h, 'l').nodeCount >= 2);
  const h2 = new Harness();
  h2.run('RPUSH', 'l', 'a', 'b', 'c');
  h2.run('LSET', 'l', 1, Buffer.alloc(9000, 0x62));
  assert.equal(objectOf<ListValue>(h2, 'l').nodeCount, 3);
  assert.equal(h2.run('LINDEX', 'l', 2), 'c');
});

// Quadratic pushes or pops would not finish inside the test's timeout.
test('pushes and pops at both ends of a 200,000 element list keep both ends in order', { timeout: 60_000 }, () => {
  const h = new Harness();
  const batch = Array.from({ length: 1000 }, (_, i) => `element:${i}`);
  for (let i = 0; i < 100; i++) {
    h.run('LPUSH', 'l', ...batch);
    h.run('RPUSH', 'l', ...batch);
  }
  for (let i = 0; i < 1000; i++) {
    h.run('LPOP', 'l');
    h.run('RPOP', 'l');
  }
  assert.equal(h.run('LLEN', 'l'), 198_000);
  assert.equal(h.run('LINDEX', 'l', 0), 'element:999');
  assert.equal(h.run('LINDEX', 'l', -1), 'element:999');
});

test('LTRIM drops whole nodes from a big list', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', ...Array.from({ length: 5000 }, (_, i) => String(i)));
  h.run('LTRIM', 'l', 2000, 2999);
  assert.equal(h.run('LLEN', 'l'), 1000);
  assert.equal(h.run('LINDEX', 'l', 0), '2000');
  assert.equal(h.run('LINDEX', 'l', -1), '2999');
  assert.equal(objectOf<ListValue>(h, 'l').nodeCount <= 3, true);
});

test('a count cap still keeps nodes under 8 KB, and a cap of 0 means one element per node', () => {
  const h = new Harness({ 'list-max-listpack-size': '1000' });
  h.run('RPUSH', 'l', ...Array(200).fill(Buffer.alloc(100, 0x61)));
  assert.equal(objectOf<ListValue>(h, 'l').nodeCount, 3);
  const h0 = new Harness({ 'list-max-listpack-size': '0' });
  h0.run('RPUSH', 'l', 'a', 'b', 'c');
  h0.run('LINSERT', 'l', 'AFTER', 'a', 'x');
  assert.equal(objectOf<ListValue>(h0, 'l').nodeCount, 4);
  assert.deepEqual(h0.run('LRANGE', 'l', 0, -1), ['a', 'x', 'b', 'c']);
});
