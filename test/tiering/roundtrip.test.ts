import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TieredHarness } from './support.ts';

const big = 'v'.repeat(1000);

/** One value of each type, and the command that reads it whole. */
const CASES: { type: string; create: (string | number)[][]; read: (string | number)[] }[] = [
  { type: 'string (inline)', create: [['SET', 'k', big]], read: ['GET', 'k'] },
  { type: 'string (large)', create: [['SET', 'k', 'L'.repeat(40_000)]], read: ['GET', 'k'] },
  { type: 'string (int)', create: [['SET', 'k', '12345']], read: ['GET', 'k'] },
  { type: 'list', create: [['RPUSH', 'k', 'a', 'b', big, 'c']], read: ['LRANGE', 'k', 0, -1] },
  { type: 'set (intset)', create: [['SADD', 'k', 1, 2, 3]], read: ['SMEMBERS', 'k'] },
  { type: 'set (hashtable)', create: [['SADD', 'k', 'x', 'y', big]], read: ['SMEMBERS', 'k'] },
  { type: 'zset', create: [['ZADD', 'k', 1, 'a', 2.5, 'b', 3, big]], read: ['ZRANGE', 'k', 0, -1, 'WITHSCORES'] },
  { type: 'hash', create: [['HSET', 'k', 'f1', 'v1', 'f2', big]], read: ['HGETALL', 'k'] },
  { type: 'stream', create: [['XADD', 'k', '1-1', 'a', '1'], ['XADD', 'k', '2-1', 'b', big], ['XGROUP', 'CREATE', 'k', 'g', '0']], read: ['XRANGE', 'k', '-', '+'] },
];

for (const { type, create, read } of CASES) {
  test(`a ${type} demoted to disk reads back the same, and is hot again after the read`, (t) => {
    const h = new TieredHarness();
    t.after(() => h.close());
    for (const command of create) h.run(...command);
    const expected = h.run(...read);
    const dump = h.runBinary('DUMP', 'k');
    const valueType = h.run('TYPE', 'k');
    const ttlBefore = h.run('PEXPIRE', 'k', 100_000);
    assert.equal(ttlBefore, 1);
    assert.equal(h.run('TIERING.DEMOTE', 'k'), 1);
    assert.equal(h.run('TIERING.WHERE', 'k'), 'cold');
    assert.equal(h.tieringInfo().get('tiering_cold_keys'), '1');
    // Metadata stays in memory: no promotion to answer these.
    assert.equal(h.run('TYPE', 'k'), valueType);
    assert.equal(h.run('PTTL', 'k'), 100_000);
    assert.equal(h.run('EXISTS', 'k'), 1);
    assert.equal(h.run('TIERING.WHERE', 'k'), 'cold');
    assert.deepEqual(h.run(...read), expected);
    assert.equal(h.run('TIERING.WHERE', 'k'), 'hot');
    assert.deepEqual(h.runBinary('DUMP', 'k'), dump);
    const info = h.tieringInfo();
    assert.equal(info.get('tiering_cold_keys'), '0');
    assert.equal(info.get('tiering_promotions'), '1');
    assert.equal(info.get('tiering_demotions'), '1');
  });
}

test('DUMP of a cold value leaves it cold, and RESTORE of that payload gives the same value', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('HSET', 'k', 'f', big, 'g', 'x');
  const expected = h.run('HGETALL', 'k');
  h.run('TIERING.DEMOTE', 'k');
  const payload = h.runBinary('DUMP', 'k') as string;
  assert.equal(h.run('TIERING.WHERE', 'k'), 'cold');
  assert.equal(h.run('RESTORE', 'copy', 0, Buffer.from(payload, 'latin1')), 'OK');
  assert.deepEqual(h.run('HGETALL', 'copy'), expected);
});

test('writes to a cold value apply to the value it had: APPEND, HSET, LPUSH, INCR', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 's', 'abc');
  h.run('HSET', 'h', 'a', '1');
  h.run('RPUSH', 'l', 'x');
  h.run('SET', 'n', '41');
  for (const key of ['s', 'h', 'l', 'n']) assert.equal(h.run('TIERING.DEMOTE', key), 1);
  assert.equal(h.run('APPEND', 's', 'def'), 6);
  assert.equal(h.run('HSET', 'h', 'b', '2'), 1);
  assert.equal(h.run('LPUSH', 'l', 'w'), 2);
  assert.equal(h.run('INCR', 'n'), 42);
  assert.equal(h.run('GET', 's'), 'abcdef');
  assert.deepEqual(h.run('HGETALL', 'h'), ['a', '1', 'b', '2']);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['w', 'x']);
});

test('overwriting or deleting a cold value frees its disk copy without reading it', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'a', big);
  h.run('SET', 'b', big);
  h.run('TIERING.DEMOTE', 'a');
  h.run('TIERING.DEMOTE', 'b');
  h.run('SET', 'a', 'new');
  assert.equal(h.run('DEL', 'b'), 1);
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_cold_keys'), '0');
  assert.equal(info.get('tiering_cold_bytes'), '0');
  assert.equal(info.get('tiering_disk_reads'), '0');
  assert.equal(h.run('GET', 'a'), 'new');
});

test('a cold key past its TTL expires without being read back', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'k', big, 'PX', 1000);
  h.run('TIERING.DEMOTE', 'k');
  h.clock.advance(2000);
  h.server.keyspace.activeExpireCycle(100);
  assert.equal(h.run('EXISTS', 'k'), 0);
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_disk_reads'), '0');
  assert.equal(info.get('tiering_cold_bytes'), '0');
});

test('RENAME, COPY and MOVE carry a cold value along', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'a', big);
  h.run('TIERING.DEMOTE', 'a');
  assert.equal(h.run('COPY', 'a', 'b'), 1);
  assert.equal(h.run('RENAME', 'a', 'c'), 'OK');
  h.run('TIERING.DEMOTE', 'c');
  assert.equal(h.run('MOVE', 'c', 1), 1);
  assert.equal(h.run('GET', 'b'), big);
  h.run('SELECT', 1);
  assert.equal(h.run('GET', 'c'), big);
});

test('FLUSHALL drops cold values and their disk copies', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  for (let i = 0; i < 10; i++) h.run('SET', `k${i}`, big);
  for (let i = 0; i < 10; i++) h.run('TIERING.DEMOTE', `k${i}`);
  h.run('FLUSHALL');
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_cold_keys'), '0');
  assert.equal(info.get('tiering_cold_bytes'), '0');
  assert.equal(h.run('DBSIZE'), 0);
});

test('turning tiering off brings every cold value back to memory', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'a', big);
  h.run('RPUSH', 'l', 'x', 'y');
  h.run('TIERING.DEMOTE', 'a');
  h.run('TIERING.DEMOTE', 'l');
  h.run('CONFIG', 'SET', 'tiering-enabled', 'no');
  assert.equal(h.run('TIERING.WHERE', 'a'), 'hot');
  assert.equal(h.run('TIERING.WHERE', 'l'), 'hot');
  assert.equal(h.run('GET', 'a'), big);
  assert.match(String(h.run('TIERING.DEMOTE', 'a')), /tiering is not enabled/);
});
