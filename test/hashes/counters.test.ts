import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError } from '../lists/helpers.ts';

test('HINCRBY creates the field at zero and adds signed increments', () => {
  const h = new Harness();
  assert.equal(h.run('HINCRBY', 'h', 'n', 5), 5);
  assert.equal(h.run('HINCRBY', 'h', 'n', -7), -2);
  assert.equal(h.run('HGET', 'h', 'n'), '-2');
});

test('HINCRBY is exact across the whole int64 range and refuses to overflow', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'big', '9223372036854775800', 'low', '-9223372036854775800');
  assert.equal(h.run('HINCRBY', 'h', 'big', 7), 9223372036854775807n);
  assertError(h.run('HINCRBY', 'h', 'big', 1), 'ERR increment or decrement would overflow');
  assert.equal(h.run('HINCRBY', 'h', 'low', -8), -9223372036854775808n);
  assertError(h.run('HINCRBY', 'h', 'low', -1), 'ERR increment or decrement would overflow');
  assert.equal(h.run('HGET', 'h', 'big'), '9223372036854775807');
});

test('HINCRBY fails on a value or increment that is not an integer', () => {
  const h = new Harness();
  h.run('HSET', 'h', 's', 'abc', 'sp', ' 1', 'z', '01');
  for (const field of ['s', 'sp', 'z']) assertError(h.run('HINCRBY', 'h', field, 1), 'ERR hash value is not an integer');
  assertError(h.run('HINCRBY', 'h', 'n', '1.5'), 'ERR value is not an integer or out of range');
  assertError(h.run('HINCRBY', 'h', 'n', '9223372036854775808'), 'ERR value is not an integer or out of range');
});

test('HINCRBYFLOAT adds in long double and stores the human form', () => {
  const h = new Harness();
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'f', '10.5'), '10.5');
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'f', '0.1'), '10.6');
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'f', '-10.6'), '0');
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'g', '5.0e3'), '5000');
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'g', '1e-5'), '5000.00001000000000007');
  assert.equal(h.run('HGET', 'h', 'g'), '5000.00001000000000007');
});

test('HINCRBYFLOAT tells a bad increment, a bad stored value and an infinite result apart', () => {
  const h = new Harness();
  h.run('HSET', 'h', 's', 'abc', 'inf', 'inf');
  assertError(h.run('HINCRBYFLOAT', 'h', 'f', 'x'), 'ERR value is not a valid float');
  assertError(h.run('HINCRBYFLOAT', 'h', 'f', 'nan'), 'ERR value is not a valid float');
  assertError(h.run('HINCRBYFLOAT', 'h', 'f', 'inf'), 'ERR value is NaN or Infinity');
  assertError(h.run('HINCRBYFLOAT', 'h', 's', '1'), 'ERR hash value is not a float');
  assertError(h.run('HINCRBYFLOAT', 'h', 'inf', '1'), 'ERR increment would produce NaN or Infinity');
  assert.equal(h.run('HEXISTS', 'h', 'f'), 0);
});
