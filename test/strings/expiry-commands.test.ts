import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, expireAt, putList, WRONGTYPE } from './helpers.ts';

test('SETEX and PSETEX store a value that expires after the given time', () => {
  const h = new Harness();
  assert.equal(h.run('SETEX', 's', 10, 'v'), 'OK');
  assert.equal(h.run('PSETEX', 'p', 1500, 'w'), 'OK');
  h.clock.advance(1500);
  assert.equal(h.run('GET', 'p'), 'w');
  h.clock.advance(1);
  assert.equal(h.run('GET', 'p'), null);
  assert.equal(h.run('GET', 's'), 'v');
  h.clock.advance(8500);
  assert.equal(h.run('GET', 's'), null);
});

test('SETEX names itself in the invalid expire error', () => {
  const h = new Harness();
  assertError(h.run('SETEX', 'k', 0, 'v'), "ERR invalid expire time in 'setex' command");
  assertError(h.run('PSETEX', 'k', -1, 'v'), "ERR invalid expire time in 'psetex' command");
  assertError(h.run('SETEX', 'k', 'x', 'v'), 'ERR value is not an integer or out of range');
  assert.equal(h.run('GET', 'k'), null);
});

test('GETEX without options is GET and leaves the TTL alone', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'EX', 100);
  const at = expireAt(h, 'k');
  assert.equal(h.run('GETEX', 'k'), 'v');
  assert.equal(expireAt(h, 'k'), at);
});

test('GETEX EX, PX, EXAT and PXAT set the expiry and PERSIST removes it', () => {
  const h = new Harness();
  const now = h.clock.ms;
  h.run('SET', 'k', 'v');
  assert.equal(h.run('GETEX', 'k', 'EX', 5), 'v');
  assert.equal(expireAt(h, 'k'), now + 5000);
  assert.equal(h.run('GETEX', 'k', 'PX', 7), 'v');
  assert.equal(expireAt(h, 'k'), now + 7);
  assert.equal(h.run('GETEX', 'k', 'PXAT', now + 9), 'v');
  assert.equal(expireAt(h, 'k'), now + 9);
  assert.equal(h.run('GETEX', 'k', 'EXAT', Math.floor(now / 1000) + 60), 'v');
  assert.equal(expireAt(h, 'k'), (Math.floor(now / 1000) + 60) * 1000);
  assert.equal(h.run('GETEX', 'k', 'PERSIST'), 'v');
  assert.equal(expireAt(h, 'k'), -1);
});

test('GETEX with an absolute time already past returns the value and deletes the key', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('GETEX', 'k', 'PXAT', h.clock.ms), 'v');
  assert.equal(expireAt(h, 'k'), -2);
  assert.equal(h.run('GET', 'k'), null);
});

test('GETEX of a missing key is null before its expiry value is checked', () => {
  const h = new Harness();
  assert.equal(h.run('GETEX', 'missing', 'EX', 'abc'), null);
  assertError(h.run('GETEX', 'missing', 'BOGUS'), 'ERR syntax error');
  h.run('SET', 'k', 'v');
  assertError(h.run('GETEX', 'k', 'EX', 'abc'), 'ERR value is not an integer or out of range');
  assertError(h.run('GETEX', 'k', 'EX', 0), "ERR invalid expire time in 'getex' command");
});

test('GETEX accepts only its own options, once each kind', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  for (const args of [['NX'], ['GET'], ['KEEPTTL'], ['EX', 10, 'PERSIST'], ['PERSIST', 'PX', 10], ['EX']]) {
    assertError(h.run('GETEX', 'k', ...args), 'ERR syntax error');
  }
  assert.equal(h.run('GETEX', 'k', 'PERSIST', 'PERSIST'), 'v');
});

test('GETEX, GETDEL and GETSET fail against a key holding a list', () => {
  const h = new Harness();
  putList(h, 'l');
  assertError(h.run('GETEX', 'l', 'EX', 10), WRONGTYPE);
  assertError(h.run('GETDEL', 'l'), WRONGTYPE);
  assertError(h.run('GETSET', 'l', 'v'), WRONGTYPE);
  assert.equal(expireAt(h, 'l'), -1);
});

test('GETDEL returns the value once and removes the key', () => {
  const h = new Harness();
  h.run('SET', 'k', Buffer.from([0, 0xff]));
  assert.equal(h.runBinary('GETDEL', 'k'), '\x00\xff');
  assert.equal(h.run('GETDEL', 'k'), null);
  assert.equal(expireAt(h, 'k'), -2);
});

test('GETSET returns the old value, stores the new one and drops the TTL', () => {
  const h = new Harness();
  assert.equal(h.run('GETSET', 'k', 'a'), null);
  h.server.keyspace.dbs[0]!.setExpire(h.server.keyspace.dbs[0]!.find(Buffer.from('k')), h.clock.ms + 1000);
  assert.equal(h.run('GETSET', 'k', 'b'), 'a');
  assert.equal(h.run('GET', 'k'), 'b');
  assert.equal(expireAt(h, 'k'), -1);
});

test('an expired key reads as missing for every string read', () => {
  const h = new Harness();
  h.run('SET', 'k', 'value', 'PX', 10);
  h.clock.advance(11);
  assert.equal(h.run('STRLEN', 'k'), 0);
  assert.equal(h.run('GETRANGE', 'k', 0, -1), '');
  assert.deepEqual(h.run('MGET', 'k'), [null]);
  assert.equal(h.run('APPEND', 'k', 'x'), 1);
  assert.equal(expireAt(h, 'k'), -1);
});
