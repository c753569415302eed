import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, expireAt, putList, WRONGTYPE } from '../strings/helpers.ts';

const BAD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

test('BITFIELD SET returns the old value, INCRBY the new one, GET reads signed or unsigned', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'bf', 'SET', 'u8', 0, 255, 'GET', 'u8', 0, 'GET', 'i8', 0), [0, 255, -1]);
  assert.deepEqual(h.run('BITFIELD', 'bf', 'INCRBY', 'u8', 8, 10, 'GET', 'u4', 0, 'GET', 'i4', 12), [10, 15, -6]);
  assert.equal(h.runBinary('GET', 'bf'), '\xff\x0a');
});

test('BITFIELD # offsets are multiplied by the field width', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'bf', 'SET', 'u8', '#2', 65, 'GET', 'u8', 16), [0, 65]);
  assert.equal(h.runBinary('GET', 'bf'), '\x00\x00A');
});

test('BITFIELD fields cross byte boundaries and reach 64 bits exactly', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'bf', 'SET', 'i3', 13, 5, 'GET', 'i3', 13, 'GET', 'u3', 13), [0, -3, 5]);
  assert.deepEqual(h.run('BITFIELD', 'w', 'SET', 'i64', 0, '-9223372036854775808', 'GET', 'i64', 0, 'GET', 'u63', 0), [
    0,
    -9223372036854775808n,
    4611686018427387904n,
  ]);
});

test('BITFIELD overflow: WRAP by default, SAT clamps, FAIL answers null and writes nothing', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'o', 'SET', 'u8', 0, 250, 'INCRBY', 'u8', 0, 10), [0, 4]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', 0, 300, 'INCRBY', 'u8', 0, -300), [255, 0]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 256, 'GET', 'u8', 0), [null, 0]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'SET', 'i8', 0, 127, 'INCRBY', 'i8', 0, 1), [0, -128]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, -200, 'SET', 'i8', 0, 500, 'GET', 'i8', 0), [-128, -128, 127]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'SET', 'i8', 0, -129, 'SET', 'i8', 0, -128), [null, 127]);
});

test('BITFIELD SET of a negative value into an unsigned field wraps or saturates to the maximum', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'o', 'SET', 'u8', 0, -1, 'GET', 'u8', 0), [0, 255]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'SAT', 'SET', 'u8', 0, -5, 'GET', 'u8', 0), [255, 255]);
});

test('i64 INCRBY overflow is detected without losing precision', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'o', 'SET', 'i64', 0, '9223372036854775807', 'INCRBY', 'i64', 0, 1), [0, -9223372036854775808n]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', 0, -1), [-9223372036854775808n]);
  assert.deepEqual(h.run('BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', 0, -1), [null]);
});

test('BITFIELD reads of a missing key create nothing; a write creates it even if it fails', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'm', 'GET', 'u8', 0, 'GET', 'i16', 100), [0, 0]);
  assert.equal(expireAt(h, 'm'), -2);
  assert.deepEqual(h.run('BITFIELD', 'm'), []);
  assert.deepEqual(h.run('BITFIELD', 'm', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 8, 300), [null]);
  assert.equal(h.run('STRLEN', 'm'), 2);
});

test('BITFIELD errors come from parsing all operations before the key is looked at', () => {
  const h = new Harness();
  putList(h, 'l');
  assertError(h.run('BITFIELD', 'l', 'GET', 'u8'), 'ERR syntax error');
  assertError(h.run('BITFIELD', 'l', 'OVERFLOW', 'BAD', 'GET', 'u8', 0), 'ERR Invalid OVERFLOW type specified');
  for (const type of ['I8', 'u64', 'i65', 'u0', 'i', 'x8']) assertError(h.run('BITFIELD', 'l', 'GET', type, 0), BAD_TYPE);
  for (const offset of ['-1', '#-1', 'abc', '4294967296', '#536870912']) {
    assertError(h.run('BITFIELD', 'l', 'GET', 'u8', offset), 'ERR bit offset is not an integer or out of range');
  }
  assertError(h.run('BITFIELD', 'l', 'SET', 'u8', 0, 'abc'), 'ERR value is not an integer or out of range');
  assertError(h.run('BITFIELD', 'l', 'GET', 'u8', 0), WRONGTYPE);
  assertError(h.run('BITFIELD', 'l', 'SET', 'u8', 0, 1), WRONGTYPE);
  assertError(h.run('BITFIELD', 'k', 'GET', 'u8', 0, 'SET', 'u8', 0, 1, 'BOGUS'), 'ERR syntax error');
  assert.equal(expireAt(h, 'k'), -2);
});

test('BITFIELD_RO reads like BITFIELD GET and refuses writes', () => {
  const h = new Harness();
  h.run('SET', 'r', Buffer.from([0x12, 0x34]));
  assert.deepEqual(h.run('BITFIELD_RO', 'r', 'GET', 'u8', 0, 'GET', 'u4', 12, 'GET', 'i16', 0), [0x12, 4, 0x1234]);
  assertError(h.run('BITFIELD_RO', 'r', 'SET', 'u8', 0, 1), 'ERR BITFIELD_RO only supports the GET subcommand');
  assertError(h.run('BITFIELD_RO', 'r', 'INCRBY', 'u8', 0, 1), 'ERR BITFIELD_RO only supports the GET subcommand');
  putList(h, 'l');
  assertError(h.run('BITFIELD_RO', 'l', 'SET', 'u8', 0, 1), 'ERR BITFIELD_RO only supports the GET subcommand');
  assertError(h.run('BITFIELD_RO', 'l', 'GET', 'u8', 0), WRONGTYPE);
  assert.equal(h.runBinary('GET', 'r'), '\x12\x34');
});

test('BITFIELD FAIL is a null bulk in RESP2 and null in RESP3', () => {
  const h = new Harness();
  assert.equal(h.raw(['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'u1', 0, 2]).toString(), '*1\r\n$-1\r\n');
  h.run('HELLO', 3);
  assert.equal(h.raw(['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'u1', 0, 2]).toString(), '*1\r\n_\r\n');
});

test('SAT on a signed SET far below the range saturates to the maximum, as Redis int64 math does', () => {
  const h = new Harness();
  assert.deepEqual(h.run('BITFIELD', 'q', 'OVERFLOW', 'SAT', 'SET', 'i8', 0, '-9223372036854775808', 'GET', 'i8', 0), [0, 127]);
  assert.deepEqual(h.run('BITFIELD', 'q', 'OVERFLOW', 'SAT', 'SET', 'i8', 0, '-9223372036854775680', 'GET', 'i8', 0), [127, -128]);
  assert.deepEqual(h.run('BITFIELD', 'q', 'OVERFLOW', 'SAT', 'SET', 'i64', 8, '-9223372036854775808', 'GET', 'i64', 8), [0, -9223372036854775808n]);
});

test('a BITFIELD or SETBIT that changes no bit leaves WATCH alone; a real change aborts EXEC', () => {
  const h = new Harness();
  const other = h.newClient();
  const attempt = (...write: (string | number)[]) => {
    h.run('SET', 'k', '1');
    h.run('WATCH', 'k');
    h.runAs(other, ...write);
    h.run('MULTI');
    h.run('PING');
    return h.run('EXEC');
  };
  assert.deepEqual(attempt('SETBIT', 'k', 7, 1), ['PONG']);
  assert.deepEqual(attempt('BITFIELD', 'k', 'SET', 'u8', 0, 49), ['PONG']);
  assert.deepEqual(attempt('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 300), ['PONG']);
  assert.equal(attempt('SETBIT', 'k', 6, 1), null);
  assert.equal(attempt('BITFIELD', 'k', 'SET', 'u8', 0, 50), null);
});
