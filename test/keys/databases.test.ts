import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { errorText } from './helpers.ts';

test('DBSIZE counts the keys of the selected database only', () => {
  const h = new Harness();
  h.run('SET', 'a', 1);
  h.run('SET', 'b', 1);
  h.run('SELECT', 1);
  h.run('SET', 'c', 1);
  assert.equal(h.run('DBSIZE'), 1);
  h.run('SELECT', 0);
  assert.equal(h.run('DBSIZE'), 2);
});

test('FLUSHDB empties only the selected database', () => {
  const h = new Harness();
  h.run('SET', 'a', 1);
  h.run('SELECT', 1);
  h.run('SET', 'b', 1, 'EX', 10);
  assert.equal(h.run('FLUSHDB'), 'OK');
  assert.equal(h.run('DBSIZE'), 0);
  assert.equal(h.run('GET', 'b'), null);
  h.run('SELECT', 0);
  assert.equal(h.run('GET', 'a'), '1');
});

test('FLUSHALL empties every database, with ASYNC or SYNC alike', () => {
  const h = new Harness();
  for (const mode of [[], ['ASYNC'], ['sync']]) {
    h.run('SELECT', 0);
    h.run('SET', 'a', 1);
    h.run('SELECT', 9);
    h.run('SET', 'b', 1);
    assert.equal(h.run('FLUSHALL', ...mode), 'OK');
    assert.equal(h.server.keyspace.keyCount, 0);
  }
});

test('a flushed database takes new keys normally', () => {
  const h = new Harness();
  for (let i = 0; i < 100; i++) h.run('SET', `k${i}`, i, 'EX', 100);
  h.run('FLUSHDB', 'ASYNC');
  h.run('SET', 'k1', 'again');
  assert.equal(h.run('GET', 'k1'), 'again');
  assert.equal(h.run('TTL', 'k1'), -1);
  assert.deepEqual(h.run('KEYS', '*'), ['k1']);
});

test('FLUSHDB and FLUSHALL reject other arguments', () => {
  const h = new Harness();
  h.run('SET', 'a', 1);
  assert.equal(errorText(h.run('FLUSHDB', 'foo')), 'ERR syntax error');
  assert.equal(errorText(h.run('FLUSHALL', 'ASYNC', 'SYNC')), 'ERR syntax error');
  assert.equal(h.run('DBSIZE'), 1);
});

test('SWAPDB exchanges two databases under clients on both', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SET', 'k', 'from0', 'EX', 50);
  h.runAs(other, 'SELECT', 1);
  h.runAs(other, 'SET', 'k', 'from1');
  h.runAs(other, 'SET', 'only1', 'x');
  assert.equal(h.run('SWAPDB', 0, 1), 'OK');
  assert.equal(h.run('GET', 'k'), 'from1');
  assert.equal(h.run('TTL', 'k'), -1);
  assert.equal(h.run('EXISTS', 'only1'), 1);
  assert.equal(h.runAs(other, 'GET', 'k'), 'from0');
  assert.equal(h.runAs(other, 'TTL', 'k'), 50);
  assert.equal(h.runAs(other, 'DBSIZE'), 1);
});

test('SWAPDB of a database with itself changes nothing', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(h.run('SWAPDB', 0, 0), 'OK');
  assert.equal(h.run('GET', 'k'), 'v');
});

test('SWAPDB names the bad index', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('SWAPDB', 'a', 1)), 'ERR invalid first DB index');
  assert.equal(errorText(h.run('SWAPDB', 1, 'a')), 'ERR invalid second DB index');
  assert.equal(errorText(h.run('SWAPDB', '4294967296', 1)), 'ERR invalid first DB index');
  assert.equal(errorText(h.run('SWAPDB', 1, 16)), 'ERR DB index is out of range');
  assert.equal(errorText(h.run('SWAPDB', -1, 1)), 'ERR DB index is out of range');
});

test('expired keys vanish from the swapped database too', () => {
  const h = new Harness();
  h.run('SELECT', 2);
  h.run('SET', 'k', 'v', 'PX', 100);
  h.run('SWAPDB', 2, 3);
  h.run('SELECT', 3);
  h.clock.advance(101);
  assert.equal(h.run('GET', 'k'), null);
});
