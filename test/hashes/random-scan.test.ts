import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError } from '../lists/helpers.ts';

function hashOf(n: number, config: Record<string, string> = {}): Harness {
  const h = new Harness(config);
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(`f${i}`, `v${i}`);
  h.run('HSET', 'h', ...args);
  return h;
}

const TABLE = { 'hash-max-listpack-entries': '4' };

test('HRANDFIELD without a count returns one existing field, or null for a missing key', () => {
  const h = hashOf(5);
  for (let i = 0; i < 20; i++) assert.match(h.run('HRANDFIELD', 'h') as string, /^f[0-4]$/);
  assert.equal(h.run('HRANDFIELD', 'nokey'), null);
});

for (const [name, config] of [['listpack', {}], ['hashtable', TABLE]] as const) {
  test(`HRANDFIELD with a positive count returns distinct fields (${name})`, () => {
    const h = hashOf(10, config);
    for (let i = 0; i < 20; i++) {
      const got = h.run('HRANDFIELD', 'h', 4) as string[];
      assert.equal(got.length, 4);
      assert.equal(new Set(got).size, 4);
      for (const f of got) assert.match(f, /^f\d$/);
    }
    assert.deepEqual(new Set(h.run('HRANDFIELD', 'h', 100) as string[]), new Set(Array.from({ length: 10 }, (_, i) => `f${i}`)));
  });

  test(`HRANDFIELD with a negative count may repeat and returns exactly that many (${name})`, () => {
    const h = hashOf(2, config);
    const got = h.run('HRANDFIELD', 'h', -50, 'WITHVALUES') as string[];
    assert.equal(got.length, 100);
    for (let i = 0; i < got.length; i += 2) assert.equal(got[i + 1], got[i]!.replace('f', 'v'));
    assert.equal(new Set(got).size, 4, 'both pairs show up in 50 draws');
  });
}

test('HRANDFIELD WITHVALUES nests pairs in RESP3 and flattens them in RESP2', () => {
  const h = hashOf(1);
  assert.equal(h.raw(['HRANDFIELD', 'h', 1, 'WITHVALUES']).toString(), '*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n');
  h.run('HELLO', 3);
  assert.equal(h.raw(['HRANDFIELD', 'h', 1, 'WITHVALUES']).toString(), '*1\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n');
});

test('HRANDFIELD count edge cases: zero, missing keys and the long range', () => {
  const h = hashOf(3);
  assert.deepEqual(h.run('HRANDFIELD', 'h', 0), []);
  assert.deepEqual(h.run('HRANDFIELD', 'nokey', -3), []);
  assertError(h.run('HRANDFIELD', 'h', 'x'), 'ERR value is not an integer or out of range');
  assertError(
    h.run('HRANDFIELD', 'h', '-9223372036854775808'),
    'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  );
  assertError(h.run('HRANDFIELD', 'h', '9223372036854775807', 'WITHVALUES'), 'ERR value is out of range');
  assertError(h.run('HRANDFIELD', 'h', 1, 'WITHSCORES'), 'ERR syntax error');
});

test('HSCAN returns a small hash whole with cursor 0, filtered by MATCH', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'f1', 'a', 'f2', 'b', 'g1', 'c');
  assert.deepEqual(h.run('HSCAN', 'h', 0, 'COUNT', 1), ['0', ['f1', 'a', 'f2', 'b', 'g1', 'c']]);
  assert.deepEqual(h.run('HSCAN', 'h', 0, 'MATCH', 'f*'), ['0', ['f1', 'a', 'f2', 'b']]);
  assert.deepEqual(h.run('HSCAN', 'nokey', 0), ['0', []]);
});

test('HSCAN over a hash table returns every field exactly once across calls', () => {
  const h = hashOf(500, TABLE);
  const seen = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = h.run('HSCAN', 'h', cursor, 'COUNT', 50) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) {
      assert.ok(!seen.has(items[i]!), `duplicate ${items[i]}`);
      seen.set(items[i]!, items[i + 1]!);
    }
    cursor = next;
    calls++;
  } while (cursor !== '0');
  assert.equal(seen.size, 500);
  assert.equal(seen.get('f42'), 'v42');
  assert.ok(calls >= 10);
});

test('HSCAN keeps returning fields present throughout, while others are added and removed', () => {
  const h = hashOf(300);
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, items] = h.run('HSCAN', 'h', cursor, 'COUNT', 20) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) seen.add(items[i]!);
    h.run('HDEL', 'h', `f${200 + round}`);
    h.run('HSET', 'h', `new${round}`, 'x');
    cursor = next;
    round++;
  } while (cursor !== '0');
  for (let i = 0; i < 200; i++) assert.ok(seen.has(`f${i}`), `missed f${i}`);
});

test('HSCAN validates the cursor like strtoul and its options', () => {
  const h = hashOf(2);
  assertError(h.run('HSCAN', 'h', 'x'), 'ERR invalid cursor');
  assertError(h.run('HSCAN', 'h', ' 1'), 'ERR invalid cursor');
  assertError(h.run('HSCAN', 'h', '18446744073709551616'), 'ERR invalid cursor');
  assert.equal((h.run('HSCAN', 'h', '') as string[])[0], '0');
  assertError(h.run('HSCAN', 'h', 0, 'COUNT', 0), 'ERR syntax error');
  assertError(h.run('HSCAN', 'h', 0, 'COUNT', 'x'), 'ERR value is not an integer or out of range');
  assertError(h.run('HSCAN', 'h', 0, 'MATCH'), 'ERR syntax error');
  assertError(h.run('HSCAN', 'h', 0, 'TYPE', 'string'), 'ERR syntax error');
});

test('HRANDFIELD refuses a negative count whose reply could never be built, instead of spinning', () => {
  const h = hashOf(3);
  assertError(h.run('HRANDFIELD', 'h', '-9223372036854775807'), 'ERR value is out of range');
  assertError(h.run('HRANDFIELD', 'h', '-1000000000'), 'ERR value is out of range');
  assertError(h.run('HRANDFIELD', 'nokey', '-9223372036854775807', 'WITHVALUES'), 'ERR value is out of range');
  assert.deepEqual(h.run('HRANDFIELD', 'nokey', '-9223372036854775807'), []);
  assert.equal((h.run('HRANDFIELD', 'h', '-5') as string[]).length, 5);
});
