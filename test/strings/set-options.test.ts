import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, expireAt, putList, WRONGTYPE } from './helpers.ts';

test('SET EX, PX, EXAT and PXAT store the same absolute expiry', () => {
  const h = new Harness();
  const now = h.clock.ms;
  h.run('SET', 'ex', 'v', 'EX', 10);
  h.run('SET', 'px', 'v', 'PX', 10_000);
  h.run('SET', 'exat', 'v', 'EXAT', Math.floor(now / 1000) + 10);
  h.run('SET', 'pxat', 'v', 'PXAT', now + 10_000);
  assert.equal(expireAt(h, 'ex'), now + 10_000);
  assert.equal(expireAt(h, 'px'), now + 10_000);
  assert.equal(expireAt(h, 'exat'), Math.floor(now / 1000) * 1000 + 10_000);
  assert.equal(expireAt(h, 'pxat'), now + 10_000);
});

test('SET without KEEPTTL drops the TTL, with KEEPTTL keeps it', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'EX', 100);
  const at = expireAt(h, 'k');
  assert.equal(h.run('SET', 'k', 'w', 'KEEPTTL'), 'OK');
  assert.equal(expireAt(h, 'k'), at);
  h.run('SET', 'k', 'x');
  assert.equal(expireAt(h, 'k'), -1);
});

test('SET EXAT in the past stores a key that is already gone', () => {
  const h = new Harness();
  assert.equal(h.run('SET', 'k', 'v', 'EXAT', 1), 'OK');
  assert.equal(h.run('GET', 'k'), null);
});

test('a repeated expiry option is allowed and the last one wins', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'EX', 10, 'EX', 20);
  assert.equal(expireAt(h, 'k'), h.clock.ms + 20_000);
});

test('conflicting SET options are a syntax error, checked before the expiry value', () => {
  const h = new Harness();
  for (const args of [
    ['NX', 'XX'],
    ['EX', 10, 'PX', 10],
    ['KEEPTTL', 'EX', 10],
    ['PX', 10, 'KEEPTTL'],
    ['EXAT', 10, 'PXAT', 10],
    ['PERSIST'],
    ['EX'],
    ['EX', 'abc', 'NX', 'XX'],
  ]) {
    assertError(h.run('SET', 'k', 'v', ...args), 'ERR syntax error');
  }
  assert.equal(h.run('GET', 'k'), null);
});

test('SET rejects expiry values that are not positive or overflow int64 milliseconds', () => {
  const h = new Harness();
  assertError(h.run('SET', 'k', 'v', 'EX', 'abc'), 'ERR value is not an integer or out of range');
  assertError(h.run('SET', 'k', 'v', 'EX', '1.5'), 'ERR value is not an integer or out of range');
  for (const [option, value] of [
    ['EX', '0'],
    ['PX', '-5'],
    ['EXAT', '0'],
    ['EX', '9223372036854776'],
    ['PX', '9223372036854775807'],
  ]) {
    assertError(h.run('SET', 'k', 'v', option!, value!), "ERR invalid expire time in 'set' command");
  }
  assert.equal(h.run('GET', 'k'), null);
});

test('SET EX accepts the largest seconds value that still fits in int64 milliseconds', () => {
  const h = new Harness();
  assertError(h.run('SET', 'k', 'v', 'EX', '9223372036854775'), "ERR invalid expire time in 'set' command");
  assert.equal(h.run('SET', 'k', 'v', 'PXAT', '9223372036854775807'), 'OK');
  assert.equal(h.run('GET', 'k'), 'v');
});

test('SET GET replies with the old value even when NX or XX stops the write', () => {
  const h = new Harness();
  assert.equal(h.run('SET', 'k', 'old'), 'OK');
  assert.equal(h.run('SET', 'k', 'new', 'NX', 'GET'), 'old');
  assert.equal(h.run('GET', 'k'), 'old');
  assert.equal(h.run('SET', 'missing', 'v', 'XX', 'GET'), null);
  assert.equal(h.run('GET', 'missing'), null);
  assert.equal(h.run('SET', 'fresh', 'v', 'NX', 'GET'), null);
  assert.equal(h.run('GET', 'fresh'), 'v');
});

test('SET GET fails against a key holding a list and leaves it alone', () => {
  const h = new Harness();
  putList(h, 'l');
  assertError(h.run('SET', 'l', 'v', 'GET'), WRONGTYPE);
  assertError(h.run('GET', 'l'), WRONGTYPE);
  assert.equal(h.run('SET', 'l', 'v'), 'OK');
  assert.equal(h.run('GET', 'l'), 'v');
});

test('SET options are case-insensitive', () => {
  const h = new Harness();
  assert.equal(h.run('set', 'k', 'v', 'nx', 'px', 500), 'OK');
  assert.equal(h.run('SET', 'k', 'w', 'gEt', 'xX'), 'v');
  assert.equal(expireAt(h, 'k'), -1);
});

test('SETNX answers 1 when it stores and 0 when the key exists', () => {
  const h = new Harness();
  assert.equal(h.run('SETNX', 'k', 'a'), 1);
  assert.equal(h.run('SETNX', 'k', 'b'), 0);
  assert.equal(h.run('GET', 'k'), 'a');
  putList(h, 'l');
  assert.equal(h.run('SETNX', 'l', 'b'), 0);
});
