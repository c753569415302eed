import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { errorOf, KEY_BYTES, limitedHarness } from './support.ts';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** A noeviction server holding `foo`, then put over its limit. */
function outOfMemory(): Harness {
  const h = new Harness();
  h.run('SET', 'foo', 'bar');
  h.run('CONFIG', 'SET', 'maxmemory', '1');
  return h;
}

test('noeviction refuses denyoom commands over maxmemory and still serves reads and deletes', () => {
  const h = outOfMemory();
  assert.equal(errorOf(h.run('SET', 'a', 'b')), OOM);
  assert.equal(errorOf(h.run('LPUSH', 'l', 'x')), OOM);
  assert.equal(errorOf(h.run('APPEND', 'foo', 'x')), OOM);
  assert.equal(h.run('GET', 'foo'), 'bar');
  assert.equal(h.run('EXPIRE', 'foo', '100'), 1);
  assert.equal(h.run('DEL', 'foo'), 1);
  assert.equal(h.server.keyspace.stats.evictedKeys, 0);
  h.run('CONFIG', 'SET', 'maxmemory', '0');
  assert.equal(h.run('SET', 'a', 'b'), 'OK');
});

test('a refused command counts as an OOM error in errorstats', () => {
  const h = outOfMemory();
  assert.equal(errorOf(h.run('SET', 'a', 'b')), OOM);
  assert.match(String(h.run('INFO', 'errorstats')), /^errorstat_OOM:count=1\r$/m);
});

test('in MULTI every command but EXEC, DISCARD, QUIT and RESET is refused over maxmemory, and EXEC then aborts', () => {
  const h = outOfMemory();
  assert.equal(h.run('MULTI'), 'OK');
  assert.equal(errorOf(h.run('GET', 'foo')), OOM);
  assert.equal(errorOf(h.run('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
  h.run('MULTI');
  assert.equal(h.run('DISCARD'), 'OK');
});

test('EXEC over maxmemory aborts when a queued command is denyoom, and runs when none is', () => {
  const h = new Harness();
  h.run('SET', 'foo', 'bar');
  const admin = h.newClient();
  h.run('MULTI');
  assert.equal(h.run('SET', 'x', 'y'), 'QUEUED');
  h.runAs(admin, 'CONFIG', 'SET', 'maxmemory', '1');
  assert.equal(errorOf(h.run('EXEC')), `EXECABORT Transaction discarded because of: ${OOM}`);
  assert.equal(h.run('EXISTS', 'x'), 0);
  h.runAs(admin, 'CONFIG', 'SET', 'maxmemory', '0');
  h.run('MULTI');
  h.run('GET', 'foo');
  h.runAs(admin, 'CONFIG', 'SET', 'maxmemory', '1');
  assert.deepEqual(h.run('EXEC'), ['bar']);
});

test('an eviction policy with nothing left to evict refuses writes', () => {
  const h = new Harness({ 'maxmemory-policy': 'allkeys-lru', maxmemory: '1' });
  assert.equal(errorOf(h.run('SET', 'a', 'b')), OOM);
  assert.equal(h.run('GET', 'a'), null);
});

test('eviction waits while clients are paused', () => {
  const h = limitedHarness('allkeys-random', 10 * KEY_BYTES);
  for (let i = 0; i < 10; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  h.server.pauseClients(false, h.clock.now() + 60_000);
  const evictor = h.server.keyspace.evictor;
  evictor.maxmemory = 1;
  assert.equal(h.run('GET', 'k1'), 'v'.repeat(40));
  assert.equal(h.run('DBSIZE'), 10);
  h.server.unpauseClients();
  h.run('GET', 'k1');
  assert.equal(h.run('DBSIZE'), 0);
});

test('INFO reports maxmemory, the policy, evicted keys and time over the limit', () => {
  const h = limitedHarness('allkeys-lru', 10 * KEY_BYTES);
  for (let i = 0; i < 40; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  const info = String(h.run('INFO'));
  const field = (name: string) => info.match(new RegExp(`^${name}:(.*)\\r$`, 'm'))?.[1];
  assert.equal(field('maxmemory'), String(h.server.keyspace.evictor.maxmemory));
  assert.equal(field('maxmemory_policy'), 'allkeys-lru');
  assert.match(field('maxmemory_human')!, /^\d+\.\d\dM$/);
  assert.equal(Number(field('evicted_keys')), h.server.keyspace.stats.evictedKeys);
  assert.ok(Number(field('evicted_keys')) >= 25);
  assert.match(field('total_eviction_exceeded_time')!, /^\d+$/);
  assert.equal(field('current_eviction_exceeded_time'), '0');
  h.run('CONFIG', 'RESETSTAT');
  assert.match(String(h.run('INFO', 'stats')), /^evicted_keys:0\r$/m);
});

test('CONFIG SET maxmemory below the used memory evicts from the event loop, not inside CONFIG SET', async () => {
  const h = limitedHarness('allkeys-lru', 1000 * KEY_BYTES);
  for (let i = 0; i < 200; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  const keyspace = h.server.keyspace;
  const target = keyspace.usedBytes - 100 * KEY_BYTES;
  h.run('CONFIG', 'SET', 'maxmemory', String(target));
  assert.equal(keyspace.dbs[0]!.size, 200);
  for (let turn = 0; turn < 10_000 && keyspace.usedBytes > target; turn++) await new Promise(setImmediate);
  assert.ok(keyspace.usedBytes <= target, `${keyspace.usedBytes} > ${target}`);
  assert.ok(keyspace.stats.evictedKeys >= 90, `${keyspace.stats.evictedKeys} evicted`);
});
