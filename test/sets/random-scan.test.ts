import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

const hashtableSet = (h: Harness, n: number) => h.run('SADD', 's', ...Array.from({ length: n }, (_, i) => `m${i}`));

test('SRANDMEMBER with a positive count returns distinct members, at most the whole set', () => {
  for (const members of [['1', '2', '3', '4', '5', '6'], ['a', 'b', 'c', 'd', 'e', 'f']]) {
    const h = new Harness();
    h.run('SADD', 's', ...members);
    for (let i = 0; i < 20; i++) {
      const got = h.run('SRANDMEMBER', 's', 3) as string[];
      assert.equal(new Set(got).size, 3);
      for (const m of got) assert.ok(members.includes(m));
    }
    assert.deepEqual(new Set(h.run('SRANDMEMBER', 's', 100) as string[]), new Set(members));
    assert.equal(h.run('SCARD', 's'), 6);
  }
});

test('SRANDMEMBER with a negative count returns that many picks and may repeat', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a', 'b');
  const got = h.run('SRANDMEMBER', 's', -50) as string[];
  assert.equal(got.length, 50);
  assert.deepEqual(new Set(got), new Set(['a', 'b']));
});

test('SRANDMEMBER without a count picks every member eventually', () => {
  const h = new Harness();
  hashtableSet(h, 5);
  h.run('SREM', 's', 'm0', 'm1');
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(h.run('SRANDMEMBER', 's') as string);
  assert.deepEqual(seen, new Set(['m2', 'm3', 'm4']));
  assert.equal(h.run('SRANDMEMBER', 'nokey'), null);
});

test('SPOP removes what it returns, and a count pops distinct members', () => {
  const h = new Harness();
  hashtableSet(h, 10);
  const one = h.run('SPOP', 's') as string;
  assert.equal(h.run('SISMEMBER', 's', one), 0);
  const some = h.run('SPOP', 's', 4) as string[];
  assert.equal(new Set(some).size, 4);
  for (const m of some) assert.equal(h.run('SISMEMBER', 's', m), 0);
  assert.equal(h.run('SCARD', 's'), 5);
  const rest = h.run('SPOP', 's', 100) as string[];
  assert.equal(rest.length, 5);
  assert.equal(h.run('EXISTS', 's'), 0);
});

test('SPOP with a count replies with a RESP3 set; SRANDMEMBER with an array', () => {
  const h = new Harness();
  h.run('HELLO', '3');
  h.run('SADD', 's', 'a', 'b', 'c');
  assert.ok(h.run('SPOP', 's', 1) instanceof Set);
  assert.ok(Array.isArray(h.run('SRANDMEMBER', 's', 5)));
  assert.equal(h.raw(['SPOP', 'nokey', '2']).toString(), '~0\r\n');
  assert.equal(h.raw(['SPOP', 'nokey']).toString(), '_\r\n');
});

test('SPOP and SRANDMEMBER reject bad counts with Redis texts', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a');
  assert.equal((h.run('SPOP', 's', -1) as ReplyError).text, 'ERR value is out of range, must be positive');
  assert.equal((h.run('SPOP', 's', 'x') as ReplyError).text, 'ERR value is out of range, must be positive');
  assert.equal((h.run('SPOP', 's', 1, 2) as ReplyError).text, 'ERR syntax error');
  assert.equal((h.run('SRANDMEMBER', 's', 'x') as ReplyError).text, 'ERR value is not an integer or out of range');
  assert.match((h.run('SRANDMEMBER', 's', '-9223372036854775808') as ReplyError).text, /^ERR value is out of range, value must between/);
});

test('SSCAN walks a big set in steps and returns every member exactly once', () => {
  const h = new Harness();
  hashtableSet(h, 300);
  const seen: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, batch] = h.run('SSCAN', 's', cursor, 'COUNT', 20) as [string, string[]];
    seen.push(...batch);
    cursor = next;
    calls++;
  } while (cursor !== '0');
  assert.ok(calls > 5);
  assert.equal(seen.length, 300);
  assert.equal(new Set(seen).size, 300);
});

test('SSCAN keeps returning members that stay while others are removed', () => {
  const h = new Harness();
  hashtableSet(h, 100);
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, batch] = h.run('SSCAN', 's', cursor, 'COUNT', 10) as [string, string[]];
    for (const m of batch) seen.add(m);
    h.run('SREM', 's', `m${90 + round++}`);
    cursor = next;
  } while (cursor !== '0');
  for (let i = 0; i < 90; i++) assert.ok(seen.has(`m${i}`), `m${i}`);
});

test('SSCAN MATCH filters, and an intset comes back whole with cursor 0', () => {
  const h = new Harness();
  h.run('SADD', 'i', '10', '2', '13');
  assert.deepEqual(h.run('SSCAN', 'i', '0', 'COUNT', 1), ['0', ['2', '10', '13']]);
  assert.deepEqual(h.run('SSCAN', 'i', '0', 'MATCH', '1*'), ['0', ['10', '13']]);
  assert.deepEqual(h.run('SSCAN', 'nokey', '0', 'COUNT', 0), ['0', []]);
  assert.equal((h.run('SSCAN', 'i', '0', 'COUNT', 0) as ReplyError).text, 'ERR syntax error');
  assert.equal((h.run('SSCAN', 'i', 'x') as ReplyError).text, 'ERR invalid cursor');
});

test('SRANDMEMBER refuses a negative count whose reply could never be built, instead of spinning', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a');
  assert.equal((h.run('SRANDMEMBER', 's', '-9223372036854775807') as ReplyError).text, 'ERR value is out of range');
  assert.equal((h.run('SRANDMEMBER', 's', '-4611686018427387903') as ReplyError).text, 'ERR value is out of range');
  assert.equal((h.run('SRANDMEMBER', 's', '-1000000000') as ReplyError).text, 'ERR value is out of range');
  assert.deepEqual(h.run('SRANDMEMBER', 's', '9223372036854775807'), ['a']);
  // As in Redis, a missing key answers before the count is looked at.
  assert.deepEqual(h.run('SRANDMEMBER', 'nokey', '-9223372036854775807'), []);
});
