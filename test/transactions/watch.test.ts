import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

function watchedExec(h: Harness, between: () => void, key = 'k'): unknown {
  h.run('WATCH', key);
  between();
  h.run('MULTI');
  h.run('SET', 'result', 'ran');
  return h.run('EXEC');
}

test('EXEC runs when no watched key changed', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.deepEqual(watchedExec(h, () => h.run('GET', 'k')), ['OK']);
});

test('EXEC fails when another client overwrote a watched key', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SET', 'k', 'v');
  assert.equal(watchedExec(h, () => h.runAs(other, 'SET', 'k', 'w')), null);
  assert.equal(h.run('GET', 'result'), null);
});

test('EXEC fails when a watched key that did not exist was created', () => {
  const h = new Harness();
  const other = h.newClient();
  assert.equal(watchedExec(h, () => h.runAs(other, 'SET', 'k', 'new')), null);
});

test('EXEC fails when the watching client itself changed the key before MULTI', () => {
  const h = new Harness();
  assert.equal(watchedExec(h, () => h.run('SET', 'k', 'mine')), null);
});

test('a write to the same key name in another database does not touch the watch', () => {
  const h = new Harness();
  const other = h.newClient();
  h.runAs(other, 'SELECT', '3');
  assert.deepEqual(watchedExec(h, () => h.runAs(other, 'SET', 'k', 'elsewhere')), ['OK']);
});

test('EXEC fails when a watched key expires between WATCH and EXEC', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'PX', '100');
  assert.equal(watchedExec(h, () => h.clock.advance(200)), null);
});

test('a key already expired at WATCH time does not fail EXEC when it is collected', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v', 'PX', '100');
  h.clock.advance(200);
  assert.deepEqual(watchedExec(h, () => h.run('GET', 'k')), ['OK']);
});

test('UNWATCH, EXEC and DISCARD forget the watched keys', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('WATCH', 'k');
  assert.equal(h.run('UNWATCH'), 'OK');
  h.runAs(other, 'SET', 'k', '1');
  h.run('MULTI');
  assert.deepEqual(h.run('EXEC'), []);

  h.run('WATCH', 'k');
  h.run('MULTI');
  h.run('EXEC');
  h.runAs(other, 'SET', 'k', '2');
  h.run('MULTI');
  assert.deepEqual(h.run('EXEC'), []);

  h.run('WATCH', 'k');
  h.run('MULTI');
  h.run('DISCARD');
  h.runAs(other, 'SET', 'k', '3');
  h.run('MULTI');
  assert.deepEqual(h.run('EXEC'), []);
});

test('RESET forgets the watched keys', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('WATCH', 'k');
  h.run('RESET');
  h.runAs(other, 'SET', 'k', '1');
  h.run('MULTI');
  assert.deepEqual(h.run('EXEC'), []);
});

test('WATCH observes the keyspace only while someone watches', () => {
  const h = new Harness();
  const other = h.newClient();
  const observerCount = () => (h.server.keyspace as unknown as { observers: unknown[] }).observers.length;
  const idle = observerCount();
  h.run('WATCH', 'a', 'b');
  h.runAs(other, 'WATCH', 'a');
  assert.equal(observerCount(), idle + 1);
  h.run('UNWATCH');
  assert.equal(observerCount(), idle + 1);
  // A client that disconnects is unwatched too.
  h.server.removeClient(other);
  assert.equal(observerCount(), idle);
});

test('FLUSHALL touches watched keys that exist, not absent ones', { skip: !new Harness().server.commands.lookupName('flushall') }, () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SET', 'k', 'v');
  assert.equal(watchedExec(h, () => h.runAs(other, 'FLUSHALL')), null);
  assert.deepEqual(watchedExec(h, () => h.runAs(other, 'FLUSHALL'), 'absent'), ['OK']);
});

test('FLUSHDB of another database does not touch the watch', { skip: !new Harness().server.commands.lookupName('flushdb') }, () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SET', 'k', 'v');
  h.runAs(other, 'SELECT', '2');
  assert.deepEqual(watchedExec(h, () => h.runAs(other, 'FLUSHDB')), ['OK']);
  h.runAs(other, 'SELECT', '0');
  assert.equal(watchedExec(h, () => h.runAs(other, 'FLUSHDB')), null);
});

test('SWAPDB touches a watched key that exists in either database', { skip: !new Harness().server.commands.lookupName('swapdb') }, () => {
  const h = new Harness();
  const other = h.newClient();
  h.runAs(other, 'SELECT', '1');
  h.runAs(other, 'SET', 'k', 'in-db1');
  assert.equal(watchedExec(h, () => h.runAs(other, 'SWAPDB', '0', '1')), null);
  assert.equal(h.run('GET', 'k'), 'in-db1');
  assert.deepEqual(watchedExec(h, () => h.runAs(other, 'SWAPDB', '2', '3'), 'other'), ['OK']);
});

test('SWAPDB of a database with itself leaves the watch alone', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SET', 'k', 'v');
  assert.deepEqual(watchedExec(h, () => h.run('SWAPDB', '0', '0')), ['OK']);
  assert.deepEqual(watchedExec(h, () => h.runAs(other, 'SWAPDB', '1', '1')), ['OK']);
});

test('a SWAPDB or FLUSHDB that fails its argument checks leaves the watch alone', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.deepEqual(watchedExec(h, () => h.run('SWAPDB', '0', 'x')), ['OK']);
  assert.deepEqual(watchedExec(h, () => h.run('SWAPDB', '0', '99')), ['OK']);
  assert.deepEqual(watchedExec(h, () => h.run('FLUSHDB', 'later')), ['OK']);
  assert.equal(h.run('GET', 'k'), 'v');
});

test('SWAPDB touches a watched key that only the other database holds, even when swapped back', () => {
  const h = new Harness();
  h.run('SELECT', '1');
  h.run('SET', 'k', 'in-db1');
  h.run('SELECT', '0');
  const swapTwice = () => {
    h.run('SWAPDB', '0', '1');
    h.run('SWAPDB', '0', '1');
  };
  assert.equal(watchedExec(h, swapTwice), null);
});
