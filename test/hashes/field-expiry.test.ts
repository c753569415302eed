// Per-field expiry on hashes (Redis 7.4's HEXPIRE family), in-process with a fake clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, WRONGTYPE } from '../lists/helpers.ts';

function hashWith(fields: Record<string, string>, config: Record<string, string> = {}): Harness {
  const h = new Harness(config);
  h.run('HSET', 'h', ...Object.entries(fields).flat());
  return h;
}

const abc = { a: '1', b: '2', c: '3' };
const TABLE = { 'hash-max-listpack-entries': '1' };

// ---- setting TTLs ------------------------------------------------------------------------------

test('HEXPIRE replies per field: 1 set, -2 no such field', () => {
  const h = hashWith(abc);
  assert.deepEqual(h.run('HEXPIRE', 'h', 100, 'FIELDS', 3, 'a', 'zz', 'c'), [1, -2, 1]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 3, 'a', 'b', 'c'), [100, -1, 100]);
});

test('HEXPIRE on a missing key replies -2 for every field', () => {
  const h = new Harness();
  assert.deepEqual(h.run('HEXPIRE', 'nokey', 10, 'FIELDS', 2, 'a', 'b'), [-2, -2]);
  assert.deepEqual(h.run('HTTL', 'nokey', 'FIELDS', 1, 'a'), [-2]);
  assert.deepEqual(h.run('HPERSIST', 'nokey', 'FIELDS', 1, 'a'), [-2]);
  assert.equal(h.run('EXISTS', 'nokey'), 0);
});

test('HEXPIRE with 0 seconds or HPEXPIREAT in the past deletes the field and replies 2', () => {
  const h = hashWith(abc);
  assert.deepEqual(h.run('HEXPIRE', 'h', 0, 'FIELDS', 1, 'a'), [2]);
  assert.deepEqual(h.run('HPEXPIREAT', 'h', h.clock.ms - 1, 'FIELDS', 2, 'b', 'nope'), [2, -2]);
  assert.deepEqual(h.run('HGETALL', 'h'), ['c', '3']);
});

test('deleting the last field by a past time deletes the hash', () => {
  const h = hashWith({ a: '1' });
  assert.deepEqual(h.run('HEXPIREAT', 'h', 1, 'FIELDS', 1, 'a'), [2]);
  assert.equal(h.run('EXISTS', 'h'), 0);
});

test('the four units: HEXPIRE seconds, HPEXPIRE ms, HEXPIREAT and HPEXPIREAT absolute', () => {
  const h = hashWith(abc);
  const now = h.clock.ms;
  h.run('HEXPIRE', 'h', 5, 'FIELDS', 1, 'a');
  h.run('HPEXPIRE', 'h', 1500, 'FIELDS', 1, 'b');
  h.run('HEXPIREAT', 'h', Math.floor(now / 1000) + 60, 'FIELDS', 1, 'c');
  assert.deepEqual(h.run('HPEXPIRETIME', 'h', 'FIELDS', 3, 'a', 'b', 'c'), [now + 5000, now + 1500, (Math.floor(now / 1000) + 60) * 1000]);
  h.run('HPEXPIREAT', 'h', now + 1234, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HPTTL', 'h', 'FIELDS', 1, 'a'), [1234]);
});

test('HTTL and HEXPIRETIME round milliseconds up to whole seconds', () => {
  const h = hashWith(abc);
  h.clock.ms = 1_700_000_000_500;
  h.run('HPEXPIRE', 'h', 1001, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [2]);
  assert.deepEqual(h.run('HEXPIRETIME', 'h', 'FIELDS', 1, 'a'), [1_700_000_002]);
  assert.deepEqual(h.run('HPEXPIRETIME', 'h', 'FIELDS', 1, 'a'), [1_700_000_001_501]);
  h.clock.advance(1000);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [1]);
  assert.deepEqual(h.run('HPTTL', 'h', 'FIELDS', 1, 'a'), [1]);
});

test('HTTL replies -1 for a field without TTL and -2 for a missing one', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 3, 'b', 'x', 'a'), [-1, -2, 10]);
  assert.deepEqual(h.run('HEXPIRETIME', 'h', 'FIELDS', 1, 'b'), [-1]);
});

// ---- NX / XX / GT / LT ------------------------------------------------------------------------------

test('HEXPIRE NX sets only fields without a TTL', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HEXPIRE', 'h', 50, 'NX', 'FIELDS', 2, 'a', 'b'), [0, 1]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'b'), [10, 50]);
});

test('HEXPIRE XX sets only fields that have a TTL', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HEXPIRE', 'h', 50, 'xx', 'FIELDS', 2, 'a', 'b'), [1, 0]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'b'), [50, -1]);
});

test('HEXPIRE GT only lengthens a TTL and never applies to a field without one', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HEXPIRE', 'h', 10, 'GT', 'FIELDS', 2, 'a', 'b'), [0, 0]);
  assert.deepEqual(h.run('HEXPIRE', 'h', 5, 'GT', 'FIELDS', 1, 'a'), [0]);
  assert.deepEqual(h.run('HEXPIRE', 'h', 20, 'GT', 'FIELDS', 1, 'a'), [1]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'b'), [20, -1]);
});

test('HEXPIRE LT only shortens a TTL and treats no TTL as infinite', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HEXPIRE', 'h', 10, 'LT', 'FIELDS', 1, 'a'), [0]);
  assert.deepEqual(h.run('HEXPIRE', 'h', 30, 'LT', 'FIELDS', 2, 'a', 'b'), [0, 1]);
  assert.deepEqual(h.run('HEXPIRE', 'h', 3, 'LT', 'FIELDS', 1, 'a'), [1]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'b'), [3, 30]);
});

test('a condition not met keeps the field even when the time is in the past', () => {
  const h = hashWith(abc);
  assert.deepEqual(h.run('HEXPIRE', 'h', 0, 'XX', 'FIELDS', 1, 'a'), [0]);
  assert.equal(h.run('HGET', 'h', 'a'), '1');
});

// ---- HPERSIST ---------------------------------------------------------------------------------

test('HPERSIST replies 1 when it removed a TTL, -1 without one, -2 for no field', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HPERSIST', 'h', 'FIELDS', 3, 'a', 'b', 'x'), [1, -1, -2]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [-1]);
  h.clock.advance(20_000);
  assert.equal(h.run('HGET', 'h', 'a'), '1');
});

// ---- errors ----------------------------------------------------------------------------------

test('HEXPIRE argument errors carry Redis 7.4 texts', () => {
  const h = hashWith(abc);
  assertError(h.run('HEXPIRE', 'h', 10, 'FIELDS', 0, 'a'), 'ERR Parameter `numFields` should be greater than 0');
  assertError(h.run('HEXPIRE', 'h', 10, 'FIELDS', 'x', 'a'), 'ERR Parameter `numFields` should be greater than 0');
  assertError(h.run('HEXPIRE', 'h', 10, 'FIELDS', 2, 'a'), 'ERR The `numfields` parameter must match the number of arguments');
  assertError(h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a', 'b'), 'ERR The `numfields` parameter must match the number of arguments');
  assertError(h.run('HEXPIRE', 'h', 10, 'FELDS', 1, 'a'), 'ERR Mandatory argument FIELDS is missing or not at the right position');
  assertError(h.run('HEXPIRE', 'h', 10, 'NX', 'XX', 'FIELDS', 1, 'a'), 'ERR Mandatory argument FIELDS is missing or not at the right position');
  assertError(h.run('HEXPIRE', 'h', 'soon', 'FIELDS', 1, 'a'), 'ERR value is not an integer or out of range');
  assertError(h.run('HEXPIRE', 'h', -1, 'FIELDS', 1, 'a'), 'ERR invalid expire time, must be >= 0');
  assertError(h.run('HEXPIRE', 'h', 2 ** 46, 'FIELDS', 1, 'a'), "ERR invalid expire time in 'hexpire' command");
  assertError(h.run('HPEXPIRE', 'h', 2 ** 46 - 1, 'FIELDS', 1, 'a'), "ERR invalid expire time in 'hpexpire' command");
  assertError(h.run('HPEXPIREAT', 'h', 2 ** 46, 'FIELDS', 1, 'a'), "ERR invalid expire time in 'hpexpireat' command");
  assertError(h.run('HEXPIREAT', 'h', '99999999999999999999', 'FIELDS', 1, 'a'), 'ERR value is not an integer or out of range');
  assertError(h.run('HEXPIRE', 'h', 10, 'FIELDS', 1), "ERR wrong number of arguments for 'hexpire' command");
  // The largest time allowed is 2^46 - 1 ms.
  assert.deepEqual(h.run('HPEXPIREAT', 'h', 2 ** 46 - 1, 'FIELDS', 1, 'a'), [1]);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'b'), [-1]);
});

test('HTTL and HPERSIST argument errors carry Redis 7.4 texts', () => {
  const h = hashWith(abc);
  for (const cmd of ['HTTL', 'HPTTL', 'HEXPIRETIME', 'HPEXPIRETIME', 'HPERSIST']) {
    assertError(h.run(cmd, 'h', 'FIELDS', 0, 'a'), 'ERR Number of fields must be a positive integer');
    assertError(h.run(cmd, 'h', 'FIELDS', 3, 'a', 'b'), 'ERR The `numfields` parameter must match the number of arguments');
    assertError(h.run(cmd, 'h', 'FIELD', 1, 'a'), 'ERR Mandatory argument FIELDS is missing or not at the right position');
    assertError(h.run(cmd, 'h', 'FIELDS', 1), `ERR wrong number of arguments for '${cmd.toLowerCase()}' command`);
  }
});

test('the field-expiry commands fail against a key holding another type before parsing', () => {
  const h = new Harness();
  h.run('SET', 's', 'x');
  assertError(h.run('HEXPIRE', 's', 'bad', 'FIELDS', 1, 'a'), WRONGTYPE);
  assertError(h.run('HTTL', 's', 'FIELDS', 0, 'a'), WRONGTYPE);
  assertError(h.run('HPERSIST', 's', 'FIELDS', 1, 'a'), WRONGTYPE);
});

// ---- lazy expiry: an expired field is invisible -----------------------------------------------------

for (const [encoding, config] of [
  ['listpackex', {}],
  ['hashtable', TABLE],
] as const) {
  test(`an expired field is invisible to every hash command (${encoding})`, () => {
    const h = hashWith(abc, config);
    h.run('HPEXPIRE', 'h', 100, 'FIELDS', 1, 'b');
    assert.equal(encodingOf(h, 'h'), encoding);
    h.clock.advance(99);
    assert.equal(h.run('HGET', 'h', 'b'), '2');
    h.clock.advance(1);
    assert.equal(h.run('HGET', 'h', 'b'), null);
    assert.deepEqual(h.run('HMGET', 'h', 'a', 'b'), ['1', null]);
    assert.equal(h.run('HEXISTS', 'h', 'b'), 0);
    assert.equal(h.run('HSTRLEN', 'h', 'b'), 0);
    assert.equal(h.run('HLEN', 'h'), 2);
    assert.deepEqual((h.run('HKEYS', 'h') as string[]).sort(), ['a', 'c']);
    assert.deepEqual((h.run('HVALS', 'h') as string[]).sort(), ['1', '3']);
    const [, scanned] = h.run('HSCAN', 'h', 0, 'COUNT', 100) as [string, string[]];
    assert.ok(!scanned.includes('b'));
    for (let i = 0; i < 10; i++) assert.notEqual(h.run('HRANDFIELD', 'h'), 'b');
    assert.deepEqual((h.run('HRANDFIELD', 'h', -20) as string[]).filter((f) => f === 'b'), []);
    assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'b'), [-2]);
    assert.deepEqual(h.run('HPERSIST', 'h', 'FIELDS', 1, 'b'), [-2]);
    assert.deepEqual(h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'b'), [-2]);
    assert.equal(h.run('HDEL', 'h', 'b'), 0);
  });
}

test('a hash whose last field expires is gone on the next access', () => {
  const h = hashWith({ a: '1', b: '2' });
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
  h.clock.advance(10);
  assert.equal(h.run('HLEN', 'h'), 0);
  assert.equal(h.run('EXISTS', 'h'), 0);
  assert.deepEqual(h.run('HGETALL', 'h'), []);
});

test('HSETNX and HINCRBY see an expired field as absent', () => {
  const h = hashWith({ a: '5', n: '7', keep: 'x' });
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'n');
  h.clock.advance(10);
  assert.equal(h.run('HSETNX', 'h', 'a', 'new'), 1);
  assert.equal(h.run('HINCRBY', 'h', 'n', 1), 1);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'n'), [-1, -1]);
});

// ---- interplay with other writes ---------------------------------------------------------------------

test('HSET and HMSET overwriting a field clear its TTL', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 3, 'a', 'b', 'c');
  assert.equal(h.run('HSET', 'h', 'a', 'new'), 0);
  h.run('HMSET', 'h', 'b', 'new');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 3, 'a', 'b', 'c'), [-1, -1, 10]);
});

// Redis 7.4 passes HASH_SET_KEEP_TTL from HINCRBY and HINCRBYFLOAT.
test('HINCRBY and HINCRBYFLOAT keep the field TTL', () => {
  const h = hashWith({ n: '1', f: '1.5' });
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 2, 'n', 'f');
  assert.equal(h.run('HINCRBY', 'h', 'n', 2), 3);
  assert.equal(h.run('HINCRBYFLOAT', 'h', 'f', '1'), '2.5');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'n', 'f'), [10, 10]);
});

test('HSETNX on an existing field keeps its TTL', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.equal(h.run('HSETNX', 'h', 'a', 'other'), 0);
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [10]);
});

test('HDEL then HSET of the same field starts without a TTL', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('HDEL', 'h', 'a');
  h.run('HSET', 'h', 'a', 'again');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [-1]);
  h.clock.advance(20_000);
  assert.equal(h.run('HGET', 'h', 'a'), 'again');
});

test('RENAME keeps field TTLs and COPY clones them independently', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('RENAME', 'h', 'r');
  assert.deepEqual(h.run('HTTL', 'r', 'FIELDS', 1, 'a'), [10]);
  h.run('COPY', 'r', 'c');
  h.run('HPERSIST', 'r', 'FIELDS', 1, 'a');
  assert.deepEqual(h.run('HTTL', 'c', 'FIELDS', 1, 'a'), [10]);
  assert.deepEqual(h.run('HTTL', 'r', 'FIELDS', 1, 'a'), [-1]);
  h.clock.advance(10_000);
  assert.deepEqual((h.run('HKEYS', 'c') as string[]).sort(), ['b', 'c']);
  assert.equal(h.run('HGET', 'r', 'a'), '1');
});

test('a key TTL and field TTLs are independent', () => {
  const h = hashWith(abc);
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 1, 'a');
  h.run('EXPIRE', 'h', 50);
  assert.equal(h.run('TTL', 'h'), 50);
  h.run('PERSIST', 'h');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 1, 'a'), [100]);
});

// ---- encodings ---------------------------------------------------------------------------------

test('a listpack hash becomes listpackex at its first field-expiry write and stays so', () => {
  const h = hashWith(abc);
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'listpack');
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'nope');
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'listpackex');
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'a');
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'listpackex');
});

test('listpackex keeps fields with a TTL first, soonest first, as Redis 7.4 does', () => {
  const h = hashWith({ a: '1', b: '2', c: '3', n: '0' });
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 1, 'c');
  assert.deepEqual(h.run('HKEYS', 'h'), ['c', 'a', 'b', 'n']);
  h.run('HEXPIRE', 'h', 50, 'FIELDS', 1, 'b');
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 1, 'n');
  assert.deepEqual(h.run('HKEYS', 'h'), ['b', 'n', 'c', 'a']);
  h.run('HINCRBY', 'h', 'n', 1);
  assert.deepEqual(h.run('HGETALL', 'h'), ['b', '2', 'n', '1', 'c', '3', 'a', '1']);
  // Losing a TTL, by HPERSIST or an overwrite, sends the field to the end.
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'b');
  h.run('HSET', 'h', 'n', 'new');
  assert.deepEqual(h.run('HGETALL', 'h'), ['c', '3', 'a', '1', 'b', '2', 'n', 'new']);
});

test('field TTLs survive the conversion from listpackex to hashtable', () => {
  const h = hashWith(abc, { 'hash-max-listpack-entries': '4' });
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('HSET', 'h', 'd', '4', 'e', '5');
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'hashtable');
  assert.deepEqual(h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'e'), [10, -1]);
  h.clock.advance(10_000);
  assert.equal(h.run('HLEN', 'h'), 4);
});

test('HTTL and HPERSIST do not turn a plain listpack into listpackex', () => {
  const h = hashWith(abc);
  h.run('HTTL', 'h', 'FIELDS', 1, 'a');
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'a');
  assert.equal(h.run('OBJECT', 'ENCODING', 'h'), 'listpack');
});

// ---- active expiry ------------------------------------------------------------------------------

test('the cron removes expired fields nobody reads', () => {
  const h = hashWith(abc, TABLE);
  h.run('HPEXPIRE', 'h', 100, 'FIELDS', 2, 'a', 'b');
  const db = h.server.keyspace.dbs[0]!;
  const size = () => (db.objectOf(db.find(Buffer.from('h'))) as unknown as { size: number }).size;
  h.server.cron();
  assert.equal(size(), 3);
  h.clock.advance(100);
  h.server.cron();
  assert.equal(size(), 1);
});

test('the cron deletes a hash whose fields all expired, in any database', () => {
  const h = new Harness();
  h.run('SELECT', 3);
  h.run('HSET', 'h', 'a', '1');
  h.run('HPEXPIRE', 'h', 5, 'FIELDS', 1, 'a');
  h.clock.advance(5);
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[3]!.size, 0);
});

test('the cron finds a renamed hash once it has been used under its new name', () => {
  const h = hashWith(abc);
  h.run('HPEXPIRE', 'h', 5, 'FIELDS', 3, 'a', 'b', 'c');
  h.run('RENAME', 'h', 'r');
  h.run('HLEN', 'r');
  h.clock.advance(5);
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 0);
});

test('DEBUG SET-ACTIVE-EXPIRE 0 stops the field cycle too', () => {
  const h = hashWith(abc, { 'enable-debug-command': 'yes' });
  h.run('HPEXPIRE', 'h', 5, 'FIELDS', 3, 'a', 'b', 'c');
  assert.equal(h.run('DEBUG', 'SET-ACTIVE-EXPIRE', 0), 'OK');
  h.clock.advance(5);
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 1);
  h.run('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 0);
});

test('fields expire in time order after many TTL changes (stale entries skipped)', () => {
  const h = new Harness(TABLE);
  const last = new Map<string, number>();
  for (let i = 0; i < 60; i++) h.run('HSET', 'h', `f${i}`, 'v');
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 60; i++) {
      const ms = 1 + ((i * 37 + round * 11) % 100);
      h.run('HPEXPIRE', 'h', ms, 'FIELDS', 1, `f${i}`);
      last.set(`f${i}`, ms);
    }
  }
  h.run('HPERSIST', 'h', 'FIELDS', 2, 'f0', 'f1');
  for (let t = 1; t <= 100; t += 7) {
    h.clock.ms = 1_700_000_000_000 + t;
    h.server.cron();
    const alive = [...last].filter(([f, ms]) => f === 'f0' || f === 'f1' || ms > t).length;
    assert.equal(h.run('HLEN', 'h'), alive, `at +${t} ms`);
  }
});

// ---- memory ----------------------------------------------------------------------------------

test('field TTLs cost memory only while a field has one', () => {
  const h = hashWith(abc, TABLE);
  const before = h.run('MEMORY', 'USAGE', 'h') as number;
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  assert.ok((h.run('MEMORY', 'USAGE', 'h') as number) > before);
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'a');
  assert.equal(h.run('MEMORY', 'USAGE', 'h'), before);
});

test('field-expiry commands work in RESP3 and inside MULTI', () => {
  const h = hashWith(abc);
  h.run('HELLO', 3);
  h.run('MULTI');
  h.run('HEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('HTTL', 'h', 'FIELDS', 2, 'a', 'b');
  assert.deepEqual(h.run('EXEC'), [[1], [10, -1]]);
});
