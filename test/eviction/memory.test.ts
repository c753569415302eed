import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

test('MEMORY DOCTOR says an almost empty instance cannot be diagnosed, in Redis words', () => {
  const h = new Harness();
  assert.match(String(h.run('MEMORY', 'DOCTOR')), /^Hi Sam, this instance is empty or is using very little memory/);
});

test('MEMORY DOCTOR reports a past peak well above the memory used now', () => {
  const h = new Harness();
  const big = 'x'.repeat(10_000);
  for (let i = 0; i < 2000; i++) h.run('SET', `k${i}`, big);
  for (let i = 0; i < 1400; i++) h.run('DEL', `k${i}`);
  const report = String(h.run('MEMORY', 'DOCTOR'));
  assert.match(report, /^Sam, I detected a few issues in this Redis instance memory implants:\n\n \* Peak memory: /);
  assert.match(report, /I'm here to keep you safe, Sam\. I want to help you\.\n$/);
});

test('MEMORY MALLOC-STATS reports what the arena and the keyspace hold', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  const stats = String(h.run('MEMORY', 'MALLOC-STATS'));
  assert.match(stats, new RegExp(`^keyspace\\.dataset: ${h.server.keyspace.datasetBytes}$`, 'm'));
  assert.match(stats, /^arena\.used: \d+$/m);
});
