import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { errorText } from './helpers.ts';

test('EXPIRE sets a TTL that TTL and PTTL report', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('EXPIRE', 'k', 100), 1);
  assert.equal(h.run('TTL', 'k'), 100);
  assert.equal(h.run('PTTL', 'k'), 100_000);
  h.clock.advance(1500);
  assert.equal(h.run('PTTL', 'k'), 98_500);
});

test('TTL rounds to the nearest second as Redis does', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'PX', 1499);
  assert.equal(h.run('TTL', 'k'), 1);
  h.run('PEXPIRE', 'k', 1500);
  assert.equal(h.run('TTL', 'k'), 2);
  h.run('PEXPIRE', 'k', 499);
  assert.equal(h.run('TTL', 'k'), 0);
});

test('TTL is -2 for a missing key and -1 for a key without TTL', () => {
  const h = new Harness();
  assert.equal(h.run('TTL', 'nope'), -2);
  assert.equal(h.run('PTTL', 'nope'), -2);
  assert.equal(h.run('EXPIRETIME', 'nope'), -2);
  h.run('SET', 'k', 'v');
  assert.equal(h.run('TTL', 'k'), -1);
  assert.equal(h.run('PEXPIRETIME', 'k'), -1);
});

test('a key expires once its time has passed, and not at it', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.run('PEXPIRE', 'k', 100);
  h.clock.advance(100);
  assert.equal(h.run('PTTL', 'k'), 0);
  assert.equal(h.run('GET', 'k'), 'v');
  h.clock.advance(1);
  assert.equal(h.run('GET', 'k'), null);
  assert.equal(h.run('TTL', 'k'), -2);
});

test('EXPIREAT and PEXPIREAT take absolute times that EXPIRETIME and PEXPIRETIME return', () => {
  const h = new Harness();
  const now = h.clock.ms;
  h.run('SET', 'k', 'v');
  assert.equal(h.run('PEXPIREAT', 'k', now + 10_400), 1);
  assert.equal(h.run('PEXPIRETIME', 'k'), now + 10_400);
  assert.equal(h.run('EXPIRETIME', 'k'), Math.floor((now + 10_400 + 500) / 1000));
  assert.equal(h.run('EXPIREAT', 'k', Math.floor(now / 1000) + 50), 1);
  assert.equal(h.run('PEXPIRETIME', 'k'), (Math.floor(now / 1000) + 50) * 1000);
});

test('EXPIRE with a negative or past time deletes the key and replies 1', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v');
  h.run('SET', 'b', 'v');
  h.run('SET', 'c', 'v');
  assert.equal(h.run('EXPIRE', 'a', -1), 1);
  assert.equal(h.run('PEXPIREAT', 'b', h.clock.ms), 1);
  assert.equal(h.run('EXPIREAT', 'c', 1), 1);
  assert.equal(h.run('EXISTS', 'a', 'b', 'c'), 0);
  assert.equal(h.run('DBSIZE'), 0);
});

test('EXPIRE on a missing key replies 0', () => {
  const h = new Harness();
  assert.equal(h.run('EXPIRE', 'nope', 10), 0);
  assert.equal(h.run('EXPIRE', 'nope', -10), 0);
});

test('EXPIRE NX only sets a TTL on a key without one, XX only replaces one', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('EXPIRE', 'k', 100, 'XX'), 0);
  assert.equal(h.run('TTL', 'k'), -1);
  assert.equal(h.run('EXPIRE', 'k', 100, 'NX'), 1);
  assert.equal(h.run('EXPIRE', 'k', 200, 'NX'), 0);
  assert.equal(h.run('EXPIRE', 'k', 200, 'xx'), 1);
  assert.equal(h.run('TTL', 'k'), 200);
});

test('EXPIRE GT only lengthens a TTL and treats no TTL as infinite', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('EXPIRE', 'k', 100, 'GT'), 0);
  assert.equal(h.run('TTL', 'k'), -1);
  h.run('EXPIRE', 'k', 100);
  assert.equal(h.run('EXPIRE', 'k', 50, 'GT'), 0);
  assert.equal(h.run('EXPIRE', 'k', 100, 'GT'), 0);
  assert.equal(h.run('EXPIRE', 'k', 150, 'GT'), 1);
  assert.equal(h.run('TTL', 'k'), 150);
});

test('EXPIRE LT only shortens a TTL and sets one on a key without', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('EXPIRE', 'k', 100, 'LT'), 1);
  assert.equal(h.run('EXPIRE', 'k', 150, 'LT'), 0);
  assert.equal(h.run('EXPIRE', 'k', 50, 'LT'), 1);
  assert.equal(h.run('TTL', 'k'), 50);
  assert.equal(h.run('EXPIRE', 'k', 60, 'XX', 'LT'), 0);
});

test('EXPIRE rejects incompatible and unknown options before parsing the time', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(errorText(h.run('EXPIRE', 'k', 10, 'NX', 'XX')), 'ERR NX and XX, GT or LT options at the same time are not compatible');
  assert.equal(errorText(h.run('EXPIRE', 'k', 10, 'NX', 'LT')), 'ERR NX and XX, GT or LT options at the same time are not compatible');
  assert.equal(errorText(h.run('EXPIRE', 'k', 10, 'GT', 'LT')), 'ERR GT and LT options at the same time are not compatible');
  assert.equal(errorText(h.run('EXPIRE', 'k', 'abc', 'foo')), 'ERR Unsupported option foo');
  assert.equal(errorText(h.run('EXPIRE', 'k', 'abc')), 'ERR value is not an integer or out of range');
});

test('EXPIRE fails on times that overflow a 64-bit millisecond clock', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(errorText(h.run('EXPIRE', 'k', '9223372036854775807')), "ERR invalid expire time in 'expire' command");
  assert.equal(errorText(h.run('EXPIRE', 'k', '9223372036854775')), "ERR invalid expire time in 'expire' command");
  assert.equal(errorText(h.run('PEXPIRE', 'k', '9223372036854775807')), "ERR invalid expire time in 'pexpire' command");
  assert.equal(errorText(h.run('EXPIRE', 'k', '-9223372036854775808')), "ERR invalid expire time in 'expire' command");
  assert.equal(h.run('EXPIREAT', 'k', '9223372036854775'), 1);
  assert.equal(h.run('TTL', 'k') as bigint > 9_000_000_000_000_000n, true);
});

test('PERSIST removes a TTL and replies 0 when there was none', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'EX', 10);
  assert.equal(h.run('PERSIST', 'k'), 1);
  assert.equal(h.run('TTL', 'k'), -1);
  assert.equal(h.run('PERSIST', 'k'), 0);
  assert.equal(h.run('PERSIST', 'nope'), 0);
  h.clock.advance(20_000);
  assert.equal(h.run('GET', 'k'), 'v');
});

test('SET without KEEPTTL clears a TTL set by EXPIRE', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.run('EXPIRE', 'k', 10);
  h.run('SET', 'k', 'w');
  assert.equal(h.run('TTL', 'k'), -1);
});

test('the active expire cycle removes expired keys nobody touches', () => {
  const h = new Harness();
  const keyspace = h.server.keyspace;
  for (let i = 0; i < 200; i++) h.run('SET', `short:${i}`, 'v', 'PX', 100);
  for (let i = 0; i < 50; i++) h.run('SET', `long:${i}`, 'v', 'EX', 1000);
  h.run('SELECT', 3);
  for (let i = 0; i < 30; i++) h.run('SET', `db3:${i}`, 'v', 'PX', 50);
  h.clock.advance(101);
  // Sampling is random and a cycle stops once few samples are stale, as in Redis, so the
  // last stragglers may need another cycle or two.
  for (let cycle = 0; cycle < 20 && keyspace.dbs[0]!.size + keyspace.dbs[3]!.size > 50; cycle++) {
    keyspace.activeExpireCycle(1000);
  }
  assert.equal(keyspace.dbs[0]!.size, 50);
  assert.equal(keyspace.dbs[3]!.size, 0);
  assert.equal(keyspace.stats.expiredByCycle, 230);
  assert.equal(h.run('DBSIZE'), 0);
});

test('the active expire cycle leaves keys whose time has not come', () => {
  const h = new Harness();
  for (let i = 0; i < 100; i++) h.run('SET', `k:${i}`, 'v', 'PX', 100);
  h.clock.advance(100);
  assert.equal(h.server.keyspace.activeExpireCycle(1000), 0);
  assert.equal(h.run('DBSIZE'), 100);
});

test('the active expire cycle stops when its time budget is spent', () => {
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  for (let i = 0; i < 5000; i++) db.setExpire(db.setString(Buffer.from(`k:${i}`), Buffer.from('v')), h.clock.ms + 10);
  h.clock.advance(11);
  // A zero budget still does one batch of rounds before its first time check.
  const removed = h.server.keyspace.activeExpireCycle(0);
  assert.ok(removed > 0 && removed < 5000, `removed ${removed}`);
  assert.equal(db.size, 5000 - removed);
  h.server.keyspace.activeExpireCycle(10_000);
  assert.equal(db.size, 0);
});

test('expiry times past 2^53 ms reply as exact integers within int64', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('PEXPIREAT', 'k', '9223372036854775807'), 1);
  assert.equal(h.raw(['PEXPIRETIME', 'k']).toString(), ':9223372036854775807\r\n');
  assert.equal(h.raw(['EXPIRETIME', 'k']).toString(), ':9223372036854776\r\n');
});

test('an option quoted in an error is cut at a NUL byte and loses its trailing line breaks', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(errorText(h.run('EXPIRE', 'k', 100, Buffer.from('a\x00b'))), 'ERR Unsupported option a');
  assert.equal(errorText(h.run('EXPIRE', 'k', 100, 'xy\r\n')), 'ERR Unsupported option xy');
  assert.equal(errorText(h.run('EXPIRE', 'k', 100, 'x\ry\nz')), 'ERR Unsupported option x y z');
});

test('expiry times are exact int64 milliseconds, up to int64 max', () => {
  const h = new Harness();
  const now = BigInt(h.clock.ms);
  h.run('SET', 'k', 'v', 'EX', '4611686018427387');
  assert.equal(h.run('PTTL', 'k'), 4611686018427387000n);
  assert.equal(h.run('PEXPIRETIME', 'k'), 4611686018427387000n + now);
  h.run('PEXPIREAT', 'k', '9223372036854775807');
  assert.equal(h.run('PEXPIRETIME', 'k'), 9223372036854775807n);
  assert.equal(h.run('PTTL', 'k'), 9223372036854775807n - now);
  assert.equal(h.run('TTL', 'k'), (9223372036854775807n - now + 500n) / 1000n);
  assert.equal(h.run('EXPIRETIME', 'k'), 9223372036854776n);
  // GT and LT compare the exact times, though both round to the same double.
  assert.equal(h.run('PEXPIREAT', 'k', '9223372036854775806', 'GT'), 0);
  assert.equal(h.run('PEXPIREAT', 'k', '9223372036854775806', 'LT'), 1);
  assert.equal(h.run('PEXPIRETIME', 'k'), 9223372036854775806n);
  h.run('RENAME', 'k', 'moved');
  assert.equal(h.run('PEXPIRETIME', 'moved'), 9223372036854775806n);
  h.run('PEXPIRE', 'moved', 1000);
  assert.equal(h.run('PTTL', 'moved'), 1000);
  h.clock.advance(1001);
  assert.equal(h.run('EXISTS', 'moved'), 0);
});
