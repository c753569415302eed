import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

test('GET returns what SET stored, byte for byte', () => {
  const h = new Harness();
  const value = Buffer.from([0, 1, 2, 0xff, 13, 10]);
  assert.equal(h.run('SET', 'k', value), 'OK');
  assert.deepEqual(Buffer.from(h.runBinary('GET', 'k') as string, 'latin1'), value);
});

test('GET of a missing key is a null bulk in RESP2 and null in RESP3', () => {
  const h = new Harness();
  assert.equal(h.raw(['GET', 'nope']).toString(), '$-1\r\n');
  h.run('HELLO', '3');
  assert.equal(h.raw(['GET', 'nope']).toString(), '_\r\n');
});

test('SET NX does not overwrite and XX does not create', () => {
  const h = new Harness();
  assert.equal(h.run('SET', 'k', 'a', 'XX'), null);
  assert.equal(h.run('GET', 'k'), null);
  assert.equal(h.run('SET', 'k', 'a', 'NX'), 'OK');
  assert.equal(h.run('SET', 'k', 'b', 'NX'), null);
  assert.equal(h.run('GET', 'k'), 'a');
});

test('SET PX expires the key after the time passes, not at it', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'PX', 100);
  h.clock.advance(100);
  assert.equal(h.run('GET', 'k'), 'v');
  h.clock.advance(1);
  assert.equal(h.run('GET', 'k'), null);
});

test('SET rejects conflicting options with a syntax error', () => {
  const h = new Harness();
  const reply = h.run('SET', 'k', 'v', 'NX', 'XX');
  assert.ok(reply instanceof ReplyError);
  assert.equal(reply.text, 'ERR syntax error');
});

test('SET GET returns the old value and stores the new one', () => {
  const h = new Harness();
  assert.equal(h.run('SET', 'k', 'old'), 'OK');
  assert.equal(h.run('SET', 'k', 'new', 'GET'), 'old');
  assert.equal(h.run('GET', 'k'), 'new');
});

test('values past the inline limit survive overwrite with small ones', () => {
  const h = new Harness();
  const big = Buffer.alloc(100_000, 7);
  h.run('SET', 'k', big);
  assert.equal((h.runBinary('GET', 'k') as string).length, 100_000);
  h.run('SET', 'k', 'small');
  assert.equal(h.run('GET', 'k'), 'small');
});
