import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, expireAt, putList, WRONGTYPE } from './helpers.ts';

const TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

test('APPEND creates the key, then grows it and answers the new length', () => {
  const h = new Harness();
  assert.equal(h.run('APPEND', 'k', 'hello'), 5);
  assert.equal(h.run('APPEND', 'k', Buffer.from([0, 0xff])), 7);
  assert.equal(h.runBinary('GET', 'k'), 'hello\x00\xff');
  assert.equal(h.run('STRLEN', 'k'), 7);
  assert.equal(h.run('APPEND', 'k', ''), 7);
});

test('APPEND keeps the TTL and turns an int into a raw string', () => {
  const h = new Harness();
  h.run('SET', 'n', 12, 'EX', 100);
  const at = expireAt(h, 'n');
  assert.equal(h.run('APPEND', 'n', 34), 4);
  assert.equal(encodingOf(h, 'n'), 'raw');
  assert.equal(expireAt(h, 'n'), at);
  assert.equal(h.run('INCR', 'n'), 1235);
});

test('APPEND grows a value past the inline limit in place, many times over', () => {
  const h = new Harness();
  const chunk = Buffer.alloc(1000, 0x61);
  for (let i = 0; i < 100; i++) h.run('APPEND', 'k', chunk);
  assert.equal(h.run('STRLEN', 'k'), 100_000);
  assert.equal(h.run('GETRANGE', 'k', 99_998, -1), 'aa');
  assert.equal(h.run('APPEND', 'k', 'end'), 100_003);
  assert.equal(h.run('GETRANGE', 'k', -4, -1), 'aend');
});

test('SETRANGE pads with zero bytes and overwrites in place', () => {
  const h = new Harness();
  assert.equal(h.run('SETRANGE', 'k', 3, 'ab'), 5);
  assert.equal(h.runBinary('GET', 'k'), '\x00\x00\x00ab');
  assert.equal(h.run('SETRANGE', 'k', 0, 'xyz'), 5);
  assert.equal(h.run('GET', 'k'), 'xyzab');
  assert.equal(encodingOf(h, 'k'), 'raw');
});

test('SETRANGE with an empty value changes nothing and creates nothing', () => {
  const h = new Harness();
  assert.equal(h.run('SETRANGE', 'missing', 5, ''), 0);
  assert.equal(expireAt(h, 'missing'), -2);
  h.run('SET', 'k', 7);
  assert.equal(h.run('SETRANGE', 'k', 100, ''), 1);
  assert.equal(encodingOf(h, 'k'), 'int');
});

test('SETRANGE rejects negative and non-integer offsets', () => {
  const h = new Harness();
  assertError(h.run('SETRANGE', 'k', -1, 'x'), 'ERR offset is out of range');
  assertError(h.run('SETRANGE', 'k', 'x', 'x'), 'ERR value is not an integer or out of range');
  putList(h, 'l');
  assertError(h.run('SETRANGE', 'l', 0, 'x'), WRONGTYPE);
  assertError(h.run('APPEND', 'l', 'x'), WRONGTYPE);
  assertError(h.run('STRLEN', 'l'), WRONGTYPE);
});

test('SETRANGE and APPEND refuse to grow a string past proto-max-bulk-len without storing', () => {
  const h = new Harness();
  assertError(h.run('SETRANGE', 'k', 536870912, 'x'), TOO_LONG);
  assertError(h.run('SETRANGE', 'k', '9223372036854775807', 'x'), TOO_LONG);
  assert.equal(h.run('GET', 'k'), null);
  const small = new Harness({ 'proto-max-bulk-len': '1mb' });
  assert.equal(small.run('SETRANGE', 'k', 1024 * 1024 - 1, 'x'), 1024 * 1024);
  assertError(small.run('APPEND', 'k', 'y'), TOO_LONG);
  assertError(small.run('SETRANGE', 'k', 1024 * 1024, 'x'), TOO_LONG);
  assert.equal(small.run('STRLEN', 'k'), 1024 * 1024);
});

test('GETRANGE clamps like Redis: negative indexes from the end, empty when inverted', () => {
  const h = new Harness();
  h.run('SET', 'k', 'Hello World');
  const cases: [number | string, number | string, string][] = [
    [0, 4, 'Hello'],
    [-5, -1, 'World'],
    [-1, -5, ''],
    [5, 2, ''],
    [0, -100, 'H'],
    [-100, 3, 'Hell'],
    [6, 1000, 'World'],
    [11, 20, ''],
    ['-9223372036854775808', '9223372036854775807', 'Hello World'],
  ];
  for (const [start, end, expected] of cases) assert.equal(h.run('GETRANGE', 'k', start, end), expected, `${start} ${end}`);
  assert.equal(h.run('SUBSTR', 'k', -3, -1), 'rld');
});

test('GETRANGE of a missing key or an empty string is an empty bulk, not null', () => {
  const h = new Harness();
  assert.equal(h.raw(['GETRANGE', 'missing', 0, -1]).toString(), '$0\r\n\r\n');
  h.run('SET', 'e', '');
  assert.equal(h.raw(['GETRANGE', 'e', -1, 5]).toString(), '$0\r\n\r\n');
  assertError(h.run('GETRANGE', 'missing', 'a', 1), 'ERR value is not an integer or out of range');
  putList(h, 'l');
  assertError(h.run('GETRANGE', 'l', 0, 1), WRONGTYPE);
});

test('a proto-max-bulk-len changed at run time applies to the next write', () => {
  const h = new Harness();
  assert.equal(h.run('SETRANGE', 'k', 1024 * 1024, 'x'), 1024 * 1024 + 1);
  h.server.config.set('proto-max-bulk-len', '1mb');
  assertError(h.run('APPEND', 'k', 'y'), TOO_LONG);
  assertError(h.run('SETBIT', 'b', 8 * 1024 * 1024, 1), 'ERR bit offset is not an integer or out of range');
});
