import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractKeys, KeyResult } from '../../src/commands/keyspec.ts';
import { Harness } from '../helpers/harness.ts';
import { assertError, WRONGTYPE } from './helpers.ts';

test('LMOVE moves between any ends and creates the destination', () => {
  const h = new Harness();
  h.run('RPUSH', 'src', 'a', 'b', 'c');
  assert.equal(h.run('LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'), 'a');
  assert.equal(h.run('LMOVE', 'src', 'dst', 'right', 'left'), 'c');
  assert.deepEqual(h.run('LRANGE', 'dst', 0, -1), ['c', 'a']);
  assert.equal(h.run('LMOVE', 'src', 'dst', 'LEFT', 'LEFT'), 'b');
  assert.equal(h.run('EXISTS', 'src'), 0, 'the emptied source is deleted');
  assert.equal(h.run('LMOVE', 'src', 'dst', 'LEFT', 'LEFT'), null);
});

test('LMOVE on one key rotates the list, even with a single element', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a', 'b', 'c');
  assert.equal(h.run('LMOVE', 'l', 'l', 'LEFT', 'RIGHT'), 'a');
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['b', 'c', 'a']);
  h.run('RPUSH', 'one', 'x');
  assert.equal(h.run('RPOPLPUSH', 'one', 'one'), 'x');
  assert.deepEqual(h.run('LRANGE', 'one', 0, -1), ['x']);
});

test('LMOVE checks the destination type before popping', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'a');
  h.run('SET', 's', 'v');
  assertError(h.run('RPOPLPUSH', 'l', 's'), WRONGTYPE);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['a']);
  assertError(h.run('LMOVE', 's', 'l', 'LEFT', 'LEFT'), WRONGTYPE);
  assertError(h.run('LMOVE', 'l', 'l', 'UP', 'LEFT'), 'ERR syntax error');
});

test('RPOPLPUSH moves the tail of one list to the head of another', () => {
  const h = new Harness();
  h.run('RPUSH', 'a', '1', '2');
  h.run('RPUSH', 'b', '3');
  assert.equal(h.run('RPOPLPUSH', 'a', 'b'), '2');
  assert.deepEqual(h.run('LRANGE', 'b', 0, -1), ['2', '3']);
});

test('LMPOP pops from the first non-empty list and names it', () => {
  const h = new Harness();
  h.run('RPUSH', 'a', '1', '2', '3');
  h.run('RPUSH', 'b', '4');
  assert.deepEqual(h.run('LMPOP', 3, 'none', 'a', 'b', 'LEFT'), ['a', ['1']]);
  assert.deepEqual(h.run('LMPOP', 2, 'a', 'b', 'RIGHT', 'COUNT', 10), ['a', ['3', '2']]);
  assert.equal(h.run('EXISTS', 'a'), 0);
  assert.deepEqual(h.run('LMPOP', 2, 'a', 'b', 'LEFT'), ['b', ['4']]);
  assert.equal(h.raw(['LMPOP', 1, 'b', 'LEFT']).toString(), '*-1\r\n');
});

test('LMPOP validates numkeys, the direction and COUNT', () => {
  const h = new Harness();
  assertError(h.run('LMPOP', 0, 'a', 'LEFT'), 'ERR numkeys should be greater than 0');
  assertError(h.run('LMPOP', 'x', 'a', 'LEFT'), 'ERR numkeys should be greater than 0');
  assertError(h.run('LMPOP', 2, 'a', 'LEFT'), 'ERR syntax error');
  assertError(h.run('LMPOP', 1, 'a', 'MIDDLE'), 'ERR syntax error');
  assertError(h.run('LMPOP', 1, 'a', 'LEFT', 'COUNT', 0), 'ERR count should be greater than 0');
  assertError(h.run('LMPOP', 1, 'a', 'LEFT', 'COUNT', 1, 'COUNT', 2), 'ERR syntax error');
  h.run('SET', 's', 'v');
  assertError(h.run('LMPOP', 2, 'none', 's', 'LEFT'), WRONGTYPE);
});

test('LMPOP reports its keys to the gate from numkeys', () => {
  const h = new Harness();
  const cmd = h.server.commands.lookupName('lmpop')!;
  const argv = ['LMPOP', '2', 'a', 'b', 'LEFT', 'COUNT', '2'].map((s) => Buffer.from(s));
  const found = new KeyResult();
  assert.equal(extractKeys(cmd, argv, found), 2);
  assert.deepEqual(found.positions.slice(0, found.count), [2, 3]);
});
