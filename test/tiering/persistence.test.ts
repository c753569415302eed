import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';
import { startServer } from '../../src/server/run.ts';
import { AppendOnlyFile } from '../../src/persistence/aof/aof.ts';
import { connect, diffDumps, dumpDataset, fillDataset, waitUntil } from '../persistence/aof-dataset.ts';
import { datasetCommands, describe } from '../persistence/dataset.ts';
import { TieredHarness } from './support.ts';

const ask = (h: Harness) => (...args: (string | Buffer)[]) => h.runBinary(...args);

/** Every type in its encodings, then every key of every database demoted; returns how many. */
function demoteEverything(h: TieredHarness): number {
  let demoted = 0;
  for (let db = 0; db < 16; db++) {
    h.run('SELECT', db);
    for (const key of h.run('KEYS', '*') as string[]) demoted += h.run('TIERING.DEMOTE', key) as number;
  }
  h.run('SELECT', 0);
  return demoted;
}

function build(h: Harness): void {
  for (const command of datasetCommands()) h.run(...command);
  h.run('SELECT', 0);
}

test('SAVE writes cold values without bringing them back, and another server loads the whole dataset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-rdb-'));
  const h = new TieredHarness({ dir, 'enable-debug-command': 'yes' });
  t.after(() => h.close());
  build(h);
  const before = await describe(ask(h));
  const demoted = demoteEverything(h);
  assert.ok(demoted > 20, `demoted ${demoted}`);
  assert.equal(h.run('SAVE'), 'OK');
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_promotions'), '0');
  assert.equal(info.get('tiering_cold_keys'), String(demoted));
  const other = new Harness({ dir });
  other.server.persistence.load();
  assert.deepEqual(await describe(ask(other)), before);
});

test('DEBUG RELOAD with cold values keeps the whole dataset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-rdb-'));
  const h = new TieredHarness({ dir, 'enable-debug-command': 'yes' });
  t.after(() => h.close());
  build(h);
  const before = await describe(ask(h));
  demoteEverything(h);
  assert.equal(h.run('DEBUG', 'RELOAD'), 'OK');
  assert.deepEqual(await describe(ask(h)), before);
  // The reload emptied the keyspace: no disk copy is left behind for dropped values.
  const info = h.tieringInfo();
  assert.equal(info.get('tiering_cold_keys'), '0');
  assert.equal(info.get('tiering_cold_bytes'), '0');
});

test('BGSAVE sees the values as of its start while cold keys are overwritten and deleted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-rdb-'));
  const h = new TieredHarness({ dir, 'rdb-key-save-delay': '0' });
  t.after(() => h.close());
  for (let i = 0; i < 2000; i++) h.run('SET', `k${i}`, `value-${i}-${'p'.repeat(200)}`);
  const before = await describe(ask(h));
  for (let i = 0; i < 2000; i++) h.run('TIERING.DEMOTE', `k${i}`);
  h.run('BGSAVE');
  for (let i = 0; i < 2000; i += 3) h.run('SET', `k${i}`, 'changed');
  for (let i = 1; i < 2000; i += 3) h.run('DEL', `k${i}`);
  while (String(h.run('INFO', 'persistence')).includes('rdb_bgsave_in_progress:1')) await new Promise((resolve) => setImmediate(resolve));
  const other = new Harness({ dir });
  other.server.persistence.load();
  assert.deepEqual(await describe(ask(other)), before);
});

test('an AOF rewrite in command form includes cold values, and a restart loads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-aof-'));
  const config = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no' };
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { ...config, 'tiering-enabled': 'yes', 'tiering-dir': join(dir, 'tier'), 'tiering-min-value-size': '0' } });
  await fillDataset(running.port);
  const before = await dumpDataset(running.port);
  const { server } = running;
  let demoted = 0;
  for (const db of server.keyspace.dbs) db.walk(0, Number.MAX_SAFE_INTEGER, (id) => void (server.tiering.open()!.demoteKey(db, id) && demoted++));
  assert.ok(demoted > 20, `demoted ${demoted}`);
  const r = connect(running.port);
  await r.call('BGREWRITEAOF');
  await waitUntil(() => AppendOnlyFile.of(server).rewrite === null);
  r.disconnect();
  await running.close();
  const again = await startServer({ port: 0, host: '127.0.0.1', config });
  try {
    assert.equal(diffDumps(before, await dumpDataset(again.port)), '');
  } finally {
    await again.close();
  }
});
