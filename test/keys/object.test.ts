import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { errorText } from './helpers.ts';

test('OBJECT ENCODING names string encodings as Redis does', () => {
  const h = new Harness();
  h.run('SET', 'i', '-42');
  h.run('SET', 'e', 'x'.repeat(44));
  h.run('SET', 'r', 'x'.repeat(45));
  assert.equal(h.run('OBJECT', 'ENCODING', 'i'), 'int');
  assert.equal(h.run('OBJECT', 'ENCODING', 'e'), 'embstr');
  assert.equal(h.run('OBJECT', 'encoding', 'r'), 'raw');
});

test('OBJECT subcommands reply null for a missing key', () => {
  const h = new Harness();
  for (const sub of ['ENCODING', 'REFCOUNT', 'IDLETIME']) assert.equal(h.run('OBJECT', sub, 'nope'), null);
});

test('OBJECT IDLETIME counts seconds since the last access and does not itself count as one', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.clock.advance(2500);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 2);
  h.clock.advance(1000);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 3);
  h.run('GET', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 0);
});

test('OBJECT does not refresh the idle time, and lookups touch keys again afterwards', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.clock.advance(4000);
  h.run('OBJECT', 'ENCODING', 'k');
  h.run('OBJECT', 'REFCOUNT', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 4);
  assert.equal(h.server.keyspace.touchKeys, true);
});

test('OBJECT REFCOUNT reports shared small integers as INT_MAX and others as 1', () => {
  const h = new Harness();
  h.run('SET', 'small', '9999');
  h.run('SET', 'big', '10000');
  h.run('SET', 'neg', '-1');
  h.run('SET', 'str', 'abc');
  assert.equal(h.run('OBJECT', 'REFCOUNT', 'small'), 2147483647);
  assert.equal(h.run('OBJECT', 'REFCOUNT', 'big'), 1);
  assert.equal(h.run('OBJECT', 'REFCOUNT', 'neg'), 1);
  assert.equal(h.run('OBJECT', 'REFCOUNT', 'str'), 1);
});

test('OBJECT REFCOUNT sees no sharing under maxmemory with an LRU policy', () => {
  const h = new Harness({ maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' });
  h.run('SET', 'small', '5');
  assert.equal(h.run('OBJECT', 'REFCOUNT', 'small'), 1);
});

test('OBJECT FREQ needs an LFU policy and IDLETIME refuses one', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(
    errorText(h.run('OBJECT', 'FREQ', 'k')),
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  );
  const lfu = new Harness({ 'maxmemory-policy': 'allkeys-lfu' });
  lfu.run('SET', 'k', 'v');
  assert.equal(typeof lfu.run('OBJECT', 'FREQ', 'k'), 'number');
  assert.equal(
    errorText(lfu.run('OBJECT', 'IDLETIME', 'k')),
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  );
});

test('OBJECT HELP lists the subcommands', () => {
  const h = new Harness();
  const lines = h.run('OBJECT', 'HELP') as string[];
  assert.equal(lines[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.equal(lines.length, 15);
  assert.ok(h.raw(['OBJECT', 'HELP']).toString().startsWith('*15\r\n+OBJECT'));
});

test('OBJECT rejects unknown subcommands and wrong arities', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('OBJECT', 'FOO', 'k')), "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  assert.equal(errorText(h.run('OBJECT', 'ENCODING')), "ERR wrong number of arguments for 'object|encoding' command");
  assert.equal(errorText(h.run('OBJECT', 'ENCODING', 'a', 'b')), "ERR wrong number of arguments for 'object|encoding' command");
  assert.equal(errorText(h.run('OBJECT', 'HELP', 'x')), "ERR wrong number of arguments for 'object|help' command");
});
