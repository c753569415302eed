import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';
import type { ReplyError } from '../helpers/resp.ts';
import { TieredHarness } from './support.ts';

test('tiering is off by default: nothing is demoted and no directory is made', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-off-'));
  const h = new Harness({ dir, 'tiering-max-memory': '1' });
  h.run('SET', 'k', 'v'.repeat(1000));
  h.run('PING');
  assert.equal(h.run('TIERING.WHERE', 'k'), 'hot');
  assert.match((h.run('TIERING.DEMOTE', 'k') as ReplyError).message, /tiering is not enabled/);
  assert.deepEqual(readdirSync(dir), []);
  assert.match(String(h.run('INFO', 'tiering')), /tiering_enabled:0\r\n/);
  rmSync(dir, { recursive: true, force: true });
});

test('every tiering setting is shown by CONFIG GET and changed by CONFIG SET, with Redis-style validation', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  assert.deepEqual(h.run('CONFIG', 'GET', 'tiering-policy'), ['tiering-policy', 'lru']);
  assert.equal(h.run('CONFIG', 'SET', 'tiering-policy', 'age', 'tiering-max-memory', '64mb', 'tiering-max-disk', '1gb', 'tiering-archive-after', '3600', 'tiering-min-value-size', '128'), 'OK');
  assert.deepEqual(h.run('CONFIG', 'GET', 'tiering-max-memory'), ['tiering-max-memory', String(64 * 1024 * 1024)]);
  assert.deepEqual(h.run('CONFIG', 'GET', 'tiering-archive-after'), ['tiering-archive-after', '3600']);
  assert.match((h.run('CONFIG', 'SET', 'tiering-policy', 'mru') as ReplyError).message, /argument\(s\) must be one of the following: lru, lfu, age/);
  assert.match((h.run('CONFIG', 'SET', 'tiering-max-memory', 'lots') as ReplyError).message, /argument must be a memory value/);
  assert.equal(h.run('TIERING.DEMOTE', 'missing'), 0);
});

test('CONFIG SET tiering-dir moves the cold tier: cold values come back first, the old files go', (t) => {
  const h = new TieredHarness();
  const other = mkdtempSync(join(tmpdir(), 'mnemo-tier-moved-'));
  t.after(() => {
    h.close();
    rmSync(other, { recursive: true, force: true });
  });
  h.run('SET', 'k', 'v'.repeat(1000));
  h.run('TIERING.DEMOTE', 'k');
  assert.ok(readdirSync(h.dir).some((name) => name.endsWith('.seg')));
  h.run('CONFIG', 'SET', 'tiering-dir', other);
  assert.equal(h.run('TIERING.WHERE', 'k'), 'hot');
  assert.deepEqual(readdirSync(h.dir), []);
  assert.equal(h.run('TIERING.DEMOTE', 'k'), 1);
  assert.ok(existsSync(join(other, 'tier.lock')));
  assert.equal(h.run('GET', 'k'), 'v'.repeat(1000));
});
