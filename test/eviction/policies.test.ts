import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_BYTES, limitedHarness, range, survivors } from './support.ts';

const VALUE = 'v'.repeat(40);
const OOM_REPLY = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

test('allkeys-lru keeps the keys read recently and evicts long-idle ones', () => {
  const h = limitedHarness('allkeys-lru', 40 * KEY_BYTES, { 'maxmemory-samples': '10' });
  const old = range('old', 0, 40);
  for (const key of old) {
    h.run('SET', key, VALUE);
    h.clock.advance(1000);
  }
  const read = survivors(h, old).slice(0, 8);
  for (const key of read) h.run('GET', key);
  h.clock.advance(1000);
  for (const key of range('new', 0, 15)) h.run('SET', key, VALUE);
  assert.ok(h.server.keyspace.stats.evictedKeys > 0);
  assert.deepEqual(survivors(h, read), read);
});

test('allkeys-lfu keeps the keys read often and evicts keys read once', () => {
  const h = limitedHarness('allkeys-lfu', 40 * KEY_BYTES, { 'maxmemory-samples': '10' });
  const keys = range('k', 0, 40);
  for (const key of keys) h.run('SET', key, VALUE);
  const hot = survivors(h, keys).slice(-8);
  for (let i = 0; i < 30; i++) for (const key of hot) h.run('GET', key);
  for (const key of range('new', 0, 15)) h.run('SET', key, VALUE);
  assert.ok(h.server.keyspace.stats.evictedKeys > 0);
  assert.deepEqual(survivors(h, hot), hot);
});

for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
  test(`${policy} never evicts a key without a TTL, and refuses writes once no key has one`, () => {
    const h = limitedHarness(policy, 60 * KEY_BYTES);
    const persistent = range('p', 0, 30);
    for (const key of persistent) h.run('SET', key, VALUE);
    const volatile = range('v', 0, 30);
    for (const key of volatile) h.run('SET', key, VALUE, 'EX', 1000);
    let reply = '';
    for (let i = 0; i < 200 && reply !== OOM_REPLY; i++) reply = h.raw(['SET', `more${i}`, VALUE]).toString();
    assert.equal(reply, OOM_REPLY);
    assert.deepEqual(survivors(h, persistent), persistent);
    assert.deepEqual(survivors(h, volatile), []);
    assert.equal(h.server.keyspace.stats.evictedKeys, 30);
  });
}

test('volatile-ttl evicts the keys that expire soonest first', () => {
  const h = limitedHarness('volatile-ttl', 40 * KEY_BYTES, { 'maxmemory-samples': '10' });
  const keys = range('t', 0, 40);
  keys.forEach((key, i) => h.run('SET', key, VALUE, 'EX', 1000 + i * 100));
  for (const key of range('new', 0, 20)) h.run('SET', key, VALUE);
  const lasting = keys.slice(32);
  assert.deepEqual(survivors(h, lasting), lasting);
  assert.ok(survivors(h, keys.slice(0, 8)).length < 8);
});

for (const policy of ['allkeys-random', 'allkeys-lru', 'allkeys-lfu', 'volatile-random']) {
  test(`${policy} brings used memory back under maxmemory before each command`, () => {
    const h = limitedHarness(policy, 100 * KEY_BYTES);
    const keyspace = h.server.keyspace;
    const maxmemory = keyspace.evictor.maxmemory;
    for (let i = 0; i < 500; i++) {
      h.run('SET', `key${i}`, VALUE, ...(policy.startsWith('volatile') ? ['EX', '1000'] : []));
      // One command adds at most one key's worth beyond the limit before the next one evicts.
      assert.ok(keyspace.usedBytes <= maxmemory + 200, `${keyspace.usedBytes} > ${maxmemory} after SET ${i}`);
    }
    assert.ok(keyspace.stats.evictedKeys > 300);
  });
}

test('maxmemory-samples and lfu settings take effect at run time', () => {
  const h = limitedHarness('allkeys-lru', 1000);
  h.run('CONFIG', 'SET', 'maxmemory-samples', '7');
  assert.equal(h.server.keyspace.evictor.samples, 7);
  h.run('CONFIG', 'SET', 'lfu-log-factor', '3', 'lfu-decay-time', '4');
  assert.equal(h.server.keyspace.lfuLogFactor, 3);
  assert.equal(h.server.keyspace.lfuDecayTime, 4);
  h.run('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
  assert.equal(h.server.keyspace.lfu, true);
});

test('maxmemory takes Redis memory units', () => {
  const h = limitedHarness('allkeys-lru', 1000);
  h.run('CONFIG', 'SET', 'maxmemory', '2mb');
  assert.equal(h.server.keyspace.evictor.maxmemory, 2 * 1024 * 1024);
  assert.deepEqual(h.run('CONFIG', 'GET', 'maxmemory'), ['maxmemory', String(2 * 1024 * 1024)]);
  h.run('CONFIG', 'SET', 'maxmemory', '1g');
  assert.equal(h.server.keyspace.evictor.maxmemory, 1000 * 1000 * 1000);
});
