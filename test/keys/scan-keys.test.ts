import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { Encoding, ValueType } from '../../src/store/types.ts';
import type { Reply } from '../helpers/resp.ts';
import { errorText, FakeList } from './helpers.ts';

const sorted = (reply: Reply) => [...(reply as string[])].sort();

/** Runs SCAN to completion with the given options, returning every key seen (with repeats). */
function fullScan(h: Harness, ...options: (string | number)[]): string[] {
  const seen: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = h.run('SCAN', cursor, ...options) as [string, string[]];
    seen.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return seen;
}

test('KEYS * lists every key', () => {
  const h = new Harness();
  for (const k of ['a', 'b', 'c']) h.run('SET', k, 1);
  assert.deepEqual(sorted(h.run('KEYS', '*')), ['a', 'b', 'c']);
});

test('KEYS filters by glob pattern', () => {
  const h = new Harness();
  for (const k of ['user:1', 'user:2', 'user:10', 'order:1', 'hello', 'hallo']) h.run('SET', k, 1);
  assert.deepEqual(sorted(h.run('KEYS', 'user:?')), ['user:1', 'user:2']);
  assert.deepEqual(sorted(h.run('KEYS', 'user:*')), ['user:1', 'user:10', 'user:2']);
  assert.deepEqual(sorted(h.run('KEYS', 'h[ae]llo')), ['hallo', 'hello']);
  assert.deepEqual(h.run('KEYS', 'nothing*'), []);
});

test('KEYS skips expired keys', () => {
  const h = new Harness();
  h.run('SET', 'a', 1, 'PX', 10);
  h.run('SET', 'b', 1);
  h.clock.advance(11);
  assert.deepEqual(h.run('KEYS', '*'), ['b']);
});

test('KEYS returns binary keys byte for byte', () => {
  const h = new Harness();
  const k = Buffer.from([0, 0xff, 0x0d, 0x0a]);
  h.run('SET', k, 1);
  assert.deepEqual(h.runBinary('KEYS', '*'), [k.toString('latin1')]);
});

test('SCAN walks every key exactly once in a quiet database', () => {
  const h = new Harness();
  for (let i = 0; i < 500; i++) h.run('SET', `k:${i}`, 1);
  const seen = fullScan(h, 'COUNT', 7);
  assert.equal(seen.length, 500);
  assert.equal(new Set(seen).size, 500);
});

test('SCAN returns every key present for the whole scan while keys come, go and the table grows', () => {
  const h = new Harness();
  const stable = new Set<string>();
  for (let i = 0; i < 300; i++) {
    h.run('SET', `stable:${i}`, 1);
    stable.add(`stable:${i}`);
  }
  for (let i = 0; i < 300; i++) h.run('SET', `doomed:${i}`, 1);
  const seen = new Map<string, number>();
  let cursor = '0';
  let round = 0;
  do {
    const [next, keys] = h.run('SCAN', cursor, 'COUNT', 50) as [string, string[]];
    for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
    cursor = next;
    // Between the first calls: delete some keys and add many more (several table resizes).
    if (round < 10) {
      for (let i = 0; i < 30; i++) h.run('DEL', `doomed:${round * 30 + i}`);
      for (let i = 0; i < 300; i++) h.run('SET', `new:${round}:${i}`, 1);
    }
    round++;
  } while (cursor !== '0' && round < 1000);
  assert.equal(cursor, '0');
  for (const k of stable) assert.equal(seen.get(k), 1, `${k} seen ${seen.get(k) ?? 0} times`);
  assert.ok(round > 10);
});

test('SCAN MATCH filters keys but still advances the cursor', () => {
  const h = new Harness();
  for (let i = 0; i < 100; i++) h.run('SET', `${i % 2 ? 'odd' : 'even'}:${i}`, 1);
  const seen = fullScan(h, 'MATCH', 'odd:*', 'COUNT', 10);
  assert.equal(seen.length, 50);
  assert.ok(seen.every((k) => k.startsWith('odd:')));
});

test('SCAN TYPE filters by value type, case-insensitively', () => {
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  h.run('SET', 's1', 1);
  h.run('SET', 's2', 1);
  db.setObject(Buffer.from('l1'), ValueType.List, Encoding.Quicklist, new FakeList(['x']));
  assert.deepEqual(fullScan(h, 'TYPE', 'list'), ['l1']);
  assert.deepEqual(fullScan(h, 'TYPE', 'STRING').sort(), ['s1', 's2']);
  assert.deepEqual(fullScan(h, 'TYPE', 'nosuchtype'), []);
  assert.deepEqual(fullScan(h, 'TYPE', 'string', 'MATCH', '*2'), ['s2']);
});

test('SCAN skips expired keys', () => {
  const h = new Harness();
  h.run('SET', 'a', 1, 'PX', 10);
  h.run('SET', 'b', 1);
  h.clock.advance(11);
  assert.deepEqual(fullScan(h), ['b']);
});

test('SCAN replies the cursor as a bulk string and an array of keys', () => {
  const h = new Harness();
  h.run('SET', 'a', 1);
  assert.equal(h.raw(['SCAN', '0']).toString(), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n');
});

test('SCAN reads cursors as strtoul does', () => {
  const h = new Harness();
  h.run('SET', 'a', 1);
  assert.deepEqual(h.run('SCAN', ''), ['0', ['a']]);
  assert.deepEqual(h.run('SCAN', '+0'), ['0', ['a']]);
  assert.deepEqual(h.run('SCAN', '00'), ['0', ['a']]);
  assert.deepEqual(h.run('SCAN', '-1'), ['0', []]);
  assert.deepEqual(h.run('SCAN', '18446744073709551615'), ['0', []]);
  for (const bad of ['abc', ' 0', '0 ', '18446744073709551616', '-', '1.5']) {
    assert.equal(errorText(h.run('SCAN', bad)), 'ERR invalid cursor', bad);
  }
});

test('SCAN rejects bad options', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('SCAN', 0, 'COUNT', 0)), 'ERR syntax error');
  assert.equal(errorText(h.run('SCAN', 0, 'COUNT', -1)), 'ERR syntax error');
  assert.equal(errorText(h.run('SCAN', 0, 'COUNT', 'x')), 'ERR value is not an integer or out of range');
  assert.equal(errorText(h.run('SCAN', 0, 'COUNT')), 'ERR syntax error');
  assert.equal(errorText(h.run('SCAN', 0, 'MATCH')), 'ERR syntax error');
  assert.equal(errorText(h.run('SCAN', 0, 'FOO', 'bar')), 'ERR syntax error');
});
