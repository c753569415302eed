import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { errorOf } from './support.ts';

const FREQ_WITHOUT_LFU =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const IDLETIME_UNDER_LFU =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

test('OBJECT IDLETIME counts seconds since the last access, and OBJECT itself does not touch', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.clock.advance(5000);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 5);
  h.clock.advance(2000);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 7);
  assert.equal(h.run('OBJECT', 'ENCODING', 'k'), 'embstr');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 7);
  h.run('GET', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 0);
});

test('EXISTS, TYPE and TTL leave the access time alone', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.clock.advance(3000);
  h.run('EXISTS', 'k');
  h.run('TYPE', 'k');
  h.run('TTL', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 3);
});

test('CLIENT NO-TOUCH reads leave the access time alone, but TOUCH still touches', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.run('CLIENT', 'NO-TOUCH', 'ON');
  h.clock.advance(4000);
  h.run('GET', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 4);
  assert.equal(h.run('TOUCH', 'k', 'missing'), 1);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 0);
  h.run('CLIENT', 'NO-TOUCH', 'OFF');
  h.clock.advance(4000);
  h.run('GET', 'k');
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 0);
});

test('OBJECT FREQ answers only under an LFU policy, and OBJECT IDLETIME only under another', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  assert.equal(errorOf(h.run('OBJECT', 'FREQ', 'k')), FREQ_WITHOUT_LFU);
  assert.equal(h.run('OBJECT', 'FREQ', 'missing'), null);
  h.run('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu');
  assert.equal(errorOf(h.run('OBJECT', 'IDLETIME', 'k')), IDLETIME_UNDER_LFU);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'missing'), null);
});

test('the LFU counter starts at 5, grows logarithmically with reads and decays per lfu-decay-time minutes', () => {
  const h = new Harness({ 'maxmemory-policy': 'allkeys-lfu' });
  h.run('SET', 'k', 'v');
  assert.equal(h.run('OBJECT', 'FREQ', 'k'), 5);
  h.run('GET', 'k');
  assert.equal(h.run('OBJECT', 'FREQ', 'k'), 6);
  for (let i = 0; i < 1000; i++) h.run('GET', 'k');
  const counter = h.run('OBJECT', 'FREQ', 'k') as number;
  // With lfu-log-factor 10, a thousand hits lift the counter to about 18 (Redis's table).
  assert.ok(counter > 10 && counter < 30, `counter ${counter}`);
  h.clock.advance(3 * 60_000);
  assert.equal(h.run('OBJECT', 'FREQ', 'k'), counter - 3);
  h.run('CONFIG', 'SET', 'lfu-decay-time', '0');
  h.clock.advance(60 * 60_000);
  assert.equal(h.run('OBJECT', 'FREQ', 'k'), counter);
});

test('a higher lfu-log-factor makes the counter grow slower', () => {
  const counterAfter = (factor: string) => {
    const h = new Harness({ 'maxmemory-policy': 'allkeys-lfu', 'lfu-log-factor': factor });
    h.run('SET', 'k', 'v');
    for (let i = 0; i < 2000; i++) h.run('GET', 'k');
    return h.run('OBJECT', 'FREQ', 'k') as number;
  };
  assert.ok(counterAfter('1') > counterAfter('100'));
});

test('the keyspace API exposes and restores idle time and frequency (RDB IDLE/FREQ, RESTORE)', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  const db = h.server.keyspace.dbs[0]!;
  const id = db.locate(Buffer.from('k'));
  db.setIdleTime(id, 120);
  assert.equal(db.idleTime(id), 120_000);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 120);
  assert.equal(db.restoreAccess(id, 7, -1), false);
  h.run('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
  assert.equal(db.restoreAccess(id, 42, 10), true);
  assert.equal(db.frequency(id), 42);
  assert.equal(h.run('OBJECT', 'FREQ', 'k'), 42);
});

test('an idle time set beyond the LRU clock reads back across its wrap', () => {
  const h = new Harness();
  h.clock.ms = 5000; // The 24-bit clock at 5 s.
  h.run('SET', 'k', 'v');
  const db = h.server.keyspace.dbs[0]!;
  const id = db.locate(Buffer.from('k'));
  db.setIdleTime(id, 65);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'k'), 65);
});
