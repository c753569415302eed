import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, expireAt, putList, WRONGTYPE } from './helpers.ts';

test('INCR, DECR, INCRBY and DECRBY count from a missing key as 0', () => {
  const h = new Harness();
  assert.equal(h.run('INCR', 'n'), 1);
  assert.equal(h.run('INCRBY', 'n', 10), 11);
  assert.equal(h.run('DECR', 'n'), 10);
  assert.equal(h.run('DECRBY', 'n', 15), -5);
  assert.equal(h.run('DECRBY', 'm', -3), 3);
  assert.equal(h.run('GET', 'n'), '-5');
  assert.equal(encodingOf(h, 'n'), 'int');
});

test('INCR stays exact past 2^53', () => {
  const h = new Harness();
  h.run('SET', 'n', '9007199254740992');
  assert.equal(h.run('INCR', 'n'), 9007199254740993n);
  assert.equal(h.run('INCRBY', 'n', '9007199254740993'), 18014398509481986n);
  assert.equal(h.run('GET', 'n'), '18014398509481986');
  assert.equal(h.run('DECRBY', 'n', '18014398509481987'), -1);
  assert.equal(encodingOf(h, 'n'), 'int');
});

test('INCR at the int64 edges fails with the overflow error and keeps the value', () => {
  const h = new Harness();
  h.run('SET', 'n', '9223372036854775806');
  assert.equal(h.run('INCR', 'n'), 9223372036854775807n);
  assertError(h.run('INCR', 'n'), 'ERR increment or decrement would overflow');
  assert.equal(h.run('GET', 'n'), '9223372036854775807');
  h.run('SET', 'n', '-9223372036854775807');
  assert.equal(h.run('DECR', 'n'), -9223372036854775808n);
  assertError(h.run('DECRBY', 'n', 1), 'ERR increment or decrement would overflow');
  assertError(h.run('INCRBY', 'n', '9223372036854775808'), 'ERR value is not an integer or out of range');
});

test('DECRBY of the smallest int64 is its own error, even on a missing key', () => {
  const h = new Harness();
  assertError(h.run('DECRBY', 'n', '-9223372036854775808'), 'ERR decrement would overflow');
  assert.equal(h.run('GET', 'n'), null);
});

test('INCR fails against values that are not canonical integers', () => {
  const h = new Harness();
  for (const value of ['abc', '1 ', ' 1', '01', '+1', '-0', '1.0', '', '12345678901234567890']) {
    h.run('SET', 's', value);
    assertError(h.run('INCR', 's'), 'ERR value is not an integer or out of range');
    assert.equal(h.run('GET', 's'), value);
  }
  assertError(h.run('INCRBY', 's', '1.5'), 'ERR value is not an integer or out of range');
});

test('INCR fails against a key holding a list', () => {
  const h = new Harness();
  putList(h, 'l');
  assertError(h.run('INCR', 'l'), WRONGTYPE);
  assertError(h.run('DECRBY', 'l', 2), WRONGTYPE);
  assertError(h.run('INCRBYFLOAT', 'l', 2), WRONGTYPE);
});

test('INCR and INCRBYFLOAT keep the TTL of the key', () => {
  const h = new Harness();
  h.run('SET', 'n', 5, 'EX', 100);
  const at = expireAt(h, 'n');
  h.run('INCR', 'n');
  assert.equal(expireAt(h, 'n'), at);
  h.run('INCRBYFLOAT', 'n', '0.5');
  assert.equal(expireAt(h, 'n'), at);
  assert.equal(h.run('GET', 'n'), '6.5');
});

test('INCRBYFLOAT computes in long double and prints like %.17Lf', () => {
  const h = new Harness();
  const cases: [string | null, string, string][] = [
    [null, '10.5', '10.5'],
    ['0.1', '0.2', '0.3'],
    ['1000', '0.1', '1000.09999999999999998'],
    ['3', '5.0e3', '5003'],
    [null, '1e-20', '0'],
    [null, '-1e-17', '-0.00000000000000001'],
    ['12345678901234567890', '1', '12345678901234567891'],
    [null, '0x10', '16'],
    ['5', '-5', '0'],
  ];
  for (const [start, incr, expected] of cases) {
    h.server.keyspace.dbs[0]!.delete(Buffer.from('f'));
    if (start !== null) h.run('SET', 'f', start);
    assert.equal(h.run('INCRBYFLOAT', 'f', incr), expected, `${start} + ${incr}`);
    assert.equal(h.run('GET', 'f'), expected);
  }
});

test('INCRBYFLOAT results are embstr strings, never int-encoded', () => {
  const h = new Harness();
  assert.equal(h.run('INCRBYFLOAT', 'f', '5'), '5');
  assert.equal(encodingOf(h, 'f'), 'embstr');
  h.run('SET', 'g', '1');
  h.run('INCRBYFLOAT', 'g', '1e40');
  assert.equal(encodingOf(h, 'g'), 'embstr');
  h.run('INCRBYFLOAT', 'g', '1e60');
  assert.equal(encodingOf(h, 'g'), 'raw');
});

test('INCRBYFLOAT rejects what strtold would not fully parse, and infinite results', () => {
  const h = new Harness();
  for (const incr of ['abc', '', ' 1', '1 ', 'nan', '1e5000', '1e-5000', '1e']) {
    assertError(h.run('INCRBYFLOAT', 'f', incr), 'ERR value is not a valid float');
  }
  assertError(h.run('INCRBYFLOAT', 'f', 'inf'), 'ERR increment would produce NaN or Infinity');
  h.run('SET', 'f', 'abc');
  assertError(h.run('INCRBYFLOAT', 'f', '1'), 'ERR value is not a valid float');
  assert.equal(h.run('GET', 'f'), 'abc');
});

test('INCRBYFLOAT takes hex floats and subnormals as strtold does, and rejects what over- or underflows', () => {
  const h = new Harness();
  assert.equal(h.run('INCRBYFLOAT', 'a', '0xA.8'), '10.5');
  assert.equal(h.run('INCRBYFLOAT', 'b', '0x1p-16445'), '0');
  assert.equal((h.run('INCRBYFLOAT', 'c', '0x1p16383') as string).slice(0, 12), '594865747678');
  for (const incr of ['0x1p-16446', '0x1p16384', '0x1p-99999999999', '1e99999999999']) {
    assertError(h.run('INCRBYFLOAT', 'd', incr), 'ERR value is not a valid float');
  }
  assertError(h.run('INCRBYFLOAT', 'c', '0x1p16383'), 'ERR increment would produce NaN or Infinity');
});
