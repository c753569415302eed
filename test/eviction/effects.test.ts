import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_BYTES, limitedHarness } from './support.ts';

function recorded(config: Record<string, string> = {}) {
  const h = limitedHarness('allkeys-lru', 5 * KEY_BYTES, { 'notify-keyspace-events': 'KEA', ...config });
  const events: string[] = [];
  const stream: string[] = [];
  h.server.effects.onEvent((_type, event, db, key) => events.push(`${event} ${db} ${key.toString()}`));
  h.server.effects.onPropagate((db, argv) => stream.push(`${db} ${argv.map(String).join(' ')}`));
  return { h, events, stream };
}

test('an evicted key raises "evicted" and propagates as DEL on its own, before the command that made room', () => {
  const { h, events, stream } = recorded();
  for (let i = 0; i < 5; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  h.clock.advance(10_000);
  for (let i = 5; i < 10; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  const evicted = events.filter((e) => e.startsWith('evicted '));
  assert.ok(evicted.length >= 2, events.join('\n'));
  // The idle keys go first; a newer key only once every older one is gone (the limit may need more room).
  const firstNew = evicted.findIndex((event) => !/^evicted 0 k[0-4]$/.test(event));
  if (firstNew >= 0) assert.equal(firstNew, 5, events.join('\n'));
  const firstDel = stream.findIndex((line) => line.startsWith('0 DEL '));
  assert.ok(firstDel > 0);
  // The DEL stands alone (no MULTI around it), and the SET that needed the room follows it.
  assert.doesNotMatch(stream.join('\n'), /MULTI/);
  assert.match(stream[firstDel + 1]!, /^0 SET k\d /);
  assert.equal(stream.filter((line) => line.startsWith('0 DEL ')).length, evicted.length);
});

test('lazyfree-lazy-eviction propagates evictions as UNLINK', () => {
  const { h, stream } = recorded({ 'lazyfree-lazy-eviction': 'yes' });
  for (let i = 0; i < 12; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  assert.ok(stream.some((line) => /^0 UNLINK k\d+$/.test(line)));
  assert.ok(!stream.some((line) => line.includes(' DEL ')));
});

test('evictions are not counted as changes of the command (dirty) and make a WATCH fail', () => {
  const h = limitedHarness('allkeys-lru', 5 * KEY_BYTES);
  for (let i = 0; i < 5; i++) h.run('SET', `k${i}`, 'v'.repeat(40));
  for (let i = 0; i < 5; i++) h.run('WATCH', `k${i}`);
  // The watched keys are the idle ones, so they are what goes.
  h.clock.advance(10_000);
  const dirty = h.server.dirty;
  for (let i = 5; i < 8; i++) h.run('SET', `n${i}`, 'v'.repeat(40));
  assert.ok(h.server.keyspace.stats.evictedKeys > 0);
  assert.equal(h.server.dirty, dirty + 3);
  h.run('MULTI');
  h.run('PING');
  assert.equal(h.run('EXEC'), null);
});
