import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Harness } from '../helpers/harness.ts';
import { TieredHarness } from './support.ts';

const valueOf = (i: number): string => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26)));

function usedMemory(h: Harness): number {
  return Number(/used_memory:(\d+)/.exec(String(h.run('INFO', 'memory')))![1]);
}

function stat(h: Harness, field: string): number {
  return Number(new RegExp(`${field}:(\\d+)`).exec(String(h.run('INFO', 'everything')))![1]);
}

/**
 * A harness whose hot budget is what it uses with one key plus `extra` bytes (the first key
 * brings the database's first page of entries).
 */
function budgeted(extra: number, config: Record<string, string> = {}): TieredHarness {
  const h = new TieredHarness(config);
  h.run('SET', 'first', '1');
  h.run('CONFIG', 'SET', 'tiering-max-memory', String(usedMemory(h) + extra));
  return h;
}

const ENOSPC = (): never => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};

test('values go to disk, not away, once used memory passes tiering-max-memory; each reads back', (t) => {
  const h = budgeted(200_000);
  t.after(() => h.close());
  const budget = Number((h.run('CONFIG', 'GET', 'tiering-max-memory') as string[])[1]);
  for (let i = 0; i < 1000; i++) assert.equal(h.run('SET', `k${i}`, valueOf(i)), 'OK');
  h.run('PING');
  assert.ok(usedMemory(h) <= budget, `used ${usedMemory(h)} over the budget ${budget}`);
  const info = h.tieringInfo();
  assert.ok(Number(info.get('tiering_cold_keys')) > 700, `cold keys ${info.get('tiering_cold_keys')}`);
  for (let i = 0; i < 1000; i++) assert.equal(h.run('GET', `k${i}`), valueOf(i));
  assert.equal(h.run('DBSIZE'), 1001);
  h.run('PING');
  assert.ok(usedMemory(h) <= budget);
});

test('under maxmemory with an evicting policy, tiering keeps every key while the disk takes them', (t) => {
  const h = budgeted(200_000, { 'maxmemory-policy': 'allkeys-lru' });
  t.after(() => h.close());
  h.run('CONFIG', 'SET', 'maxmemory', String(usedMemory(h) + 400_000));
  for (let i = 0; i < 3000; i++) h.run('SET', `k${i}`, valueOf(i));
  assert.equal(h.run('DBSIZE'), 3001);
  assert.equal(stat(h, 'evicted_keys'), 0);
  for (let i = 0; i < 3000; i += 7) assert.equal(h.run('GET', `k${i}`), valueOf(i));
});

test('small values stay in memory: tiering-min-value-size', (t) => {
  const h = budgeted(50_000, { 'tiering-min-value-size': '100' });
  t.after(() => h.close());
  for (let i = 0; i < 2000; i++) h.run('SET', `small${i}`, 'tiny');
  for (let i = 0; i < 100; i++) h.run('SET', `big${i}`, valueOf(i));
  h.run('PING');
  for (let i = 0; i < 2000; i += 100) assert.equal(h.run('TIERING.WHERE', `small${i}`), 'hot');
  assert.ok(Number(h.tieringInfo().get('tiering_cold_keys')) > 0);
  assert.equal(h.run('TIERING.DEMOTE', 'small1'), 0);
});

test('a full disk stops demotion with a log line; noeviction then refuses writes with OOM and loses nothing', (t) => {
  const h = budgeted(100_000, { 'maxmemory-policy': 'noeviction' });
  t.after(() => h.close());
  const warnings: string[] = [];
  h.server.log.warning = (message: string) => void warnings.push(message);
  h.run('CONFIG', 'SET', 'maxmemory', String(usedMemory(h) + 300_000));
  for (let i = 0; i < 100; i++) h.run('SET', `k${i}`, valueOf(i));
  h.run('PING');
  const coldBefore = Number(h.tieringInfo().get('tiering_cold_keys'));
  assert.ok(coldBefore > 0);
  h.server.tiering.open()!.store.io.write = ENOSPC;
  const stored: number[] = [];
  let refused = 0;
  for (let i = 100; i < 1000; i++) {
    const reply = h.run('SET', `k${i}`, valueOf(i));
    if (reply === 'OK') stored.push(i);
    else {
      assert.match(String((reply as Error).message), /^OOM/);
      refused++;
    }
  }
  assert.ok(refused > 0, 'some writes were refused');
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_demotion_stopped'), '1');
  assert.match(info.get('tiering_last_error')!, /ENOSPC/);
  assert.ok(Number(info.get('tiering_errors')) >= 1);
  assert.ok(warnings.some((line) => /demotion stopped: disk error: ENOSPC/.test(line)), warnings.join('\n'));
  for (let i = 0; i < 100; i++) assert.equal(h.run('GET', `k${i}`), valueOf(i));
  for (const i of stored) assert.equal(h.run('GET', `k${i}`), valueOf(i));
});

test('a full disk under an evicting policy falls back to eviction, which takes values in memory before cold ones', (t) => {
  const h = budgeted(100_000, { 'maxmemory-policy': 'allkeys-lru' });
  t.after(() => h.close());
  h.server.log.warning = () => {};
  h.run('CONFIG', 'SET', 'maxmemory', String(usedMemory(h) + 300_000));
  for (let i = 0; i < 200; i++) h.run('SET', `early${i}`, valueOf(i));
  h.run('PING');
  const cold = Array.from({ length: 200 }, (_, i) => `early${i}`).filter((key) => h.run('TIERING.WHERE', key) === 'cold');
  assert.ok(cold.length > 50, `${cold.length} cold`);
  h.server.tiering.open()!.store.io.write = ENOSPC;
  // Later keys are newer than every cold one: LRU alone would evict the cold keys first.
  h.clock.advance(10_000);
  for (let i = 0; i < 1000; i++) assert.equal(h.run('SET', `k${i}`, valueOf(i)), 'OK');
  assert.ok(stat(h, 'evicted_keys') > 0);
  for (const key of cold) assert.equal(h.run('EXISTS', key), 1, key);
});

test('a read error answers an error and keeps the value on disk for the next read', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'k', valueOf(1));
  h.run('TIERING.DEMOTE', 'k');
  const store = h.server.tiering.open()!.store;
  const read = store.io.read;
  store.io.read = () => {
    throw new Error('EIO: i/o error, read');
  };
  assert.match(String((h.run('GET', 'k') as Error).message), /cold tier read failed: EIO/);
  assert.equal(h.run('TIERING.WHERE', 'k'), 'cold');
  store.io.read = read;
  assert.equal(h.run('GET', 'k'), valueOf(1));
});

test('tiering-max-disk caps the files: demotion stops there and says why', (t) => {
  const h = budgeted(20_000, { 'tiering-max-disk': '50000' });
  t.after(() => h.close());
  h.server.log.warning = () => {};
  for (let i = 0; i < 300; i++) h.run('SET', `k${i}`, valueOf(i));
  h.run('PING');
  const info = h.tieringInfo();
  assert.ok(Number(info.get('tiering_disk_bytes')) <= 50_000);
  assert.equal(info.get('tiering_demotion_stopped'), '1');
  assert.match(info.get('tiering_last_error')!, /tiering-max-disk/);
  for (let i = 0; i < 300; i++) assert.equal(h.run('GET', `k${i}`), valueOf(i));
});

test('tiering-archive-after moves values nobody read for that long to disk, whatever the memory used', (t) => {
  const h = new TieredHarness({ 'tiering-archive-after': '60' });
  t.after(() => h.close());
  for (let i = 0; i < 50; i++) h.run('SET', `k${i}`, valueOf(i));
  h.clock.advance(30_000);
  h.server.cron();
  assert.equal(h.tieringInfo().get('tiering_cold_keys'), '0');
  h.clock.advance(60_000);
  for (let run = 0; run < 5; run++) h.server.cron();
  const info = h.tieringInfo();
  assert.ok(Number(info.get('tiering_archived')) > 25, `archived ${info.get('tiering_archived')}`);
  for (let i = 0; i < 50; i++) assert.equal(h.run('GET', `k${i}`), valueOf(i));
});
