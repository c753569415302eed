import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { Encoding, ValueType } from '../../src/store/types.ts';
import { errorText, FakeList } from './helpers.ts';

test('DEL removes the keys that exist and counts only those', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2');
  assert.equal(h.run('DEL', 'a', 'b', 'missing', 'a'), 2);
  assert.equal(h.run('EXISTS', 'a', 'b'), 0);
});

test('UNLINK deletes like DEL', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  assert.equal(h.run('UNLINK', 'a', 'b'), 1);
  assert.equal(h.run('GET', 'a'), null);
});

test('DEL does not count a key whose TTL has passed', () => {
  const h = new Harness();
  h.run('SET', 'a', '1', 'PX', 10);
  h.clock.advance(11);
  assert.equal(h.run('DEL', 'a'), 0);
});

test('EXISTS counts a key once per time it is named', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  assert.equal(h.run('EXISTS', 'a', 'a', 'nope', 'a'), 3);
});

test('TOUCH counts existing keys and refreshes their idle time', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.clock.advance(5000);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'a'), 5);
  assert.equal(h.run('TOUCH', 'a', 'nope', 'a'), 2);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'a'), 0);
});

test('EXISTS and TYPE do not refresh the idle time', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.clock.advance(3000);
  h.run('EXISTS', 'a');
  h.run('TYPE', 'a');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'a'), 3);
});

test('TYPE names the value type, and none for a missing key', () => {
  const h = new Harness();
  h.run('SET', 's', 'v');
  h.server.keyspace.dbs[0]!.setObject(Buffer.from('l'), ValueType.List, Encoding.Quicklist, new FakeList(['x']));
  assert.equal(h.raw(['TYPE', 's']).toString(), '+string\r\n');
  assert.equal(h.run('TYPE', 'l'), 'list');
  assert.equal(h.raw(['TYPE', 'nope']).toString(), '+none\r\n');
});

test('RANDOMKEY returns a key that exists, or null for an empty database', () => {
  const h = new Harness();
  assert.equal(h.run('RANDOMKEY'), null);
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2');
  for (let i = 0; i < 10; i++) assert.ok(['a', 'b'].includes(h.run('RANDOMKEY') as string));
});

test('RANDOMKEY never returns an expired key', () => {
  const h = new Harness();
  h.run('SET', 'gone', '1', 'PX', 5);
  h.run('SET', 'kept', '1');
  h.clock.advance(10);
  for (let i = 0; i < 10; i++) assert.equal(h.run('RANDOMKEY'), 'kept');
});

test('DEL needs at least one key', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('DEL')), "ERR wrong number of arguments for 'del' command");
});
