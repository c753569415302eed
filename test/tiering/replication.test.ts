import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetCommands, describe } from '../persistence/dataset.ts';
import { ask, inSync, serverPair } from '../replication/helpers.ts';

test('a replica full sync from a primary holding cold values gets the whole dataset, and the primary keeps them cold', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-repl-'));
  const { primaryServer, primary, replica } = await serverPair(t, { dir, 'tiering-enabled': 'yes', 'tiering-dir': join(dir, 'tier'), 'tiering-min-value-size': '0' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const cmd of datasetCommands()) await primary.callBuffer(String(cmd[0]), ...cmd.slice(1));
  const expected = await describe(ask(primary));
  const { server } = primaryServer;
  let demoted = 0;
  for (const db of server.keyspace.dbs) db.walk(0, Number.MAX_SAFE_INTEGER, (id) => void (server.tiering.open()!.demoteKey(db, id) && demoted++));
  assert.ok(demoted > 20);
  assert.equal(await replica.call('replicaof', '127.0.0.1', String(primaryServer.port)), 'OK');
  await inSync(primary, replica);
  assert.equal(server.tiering.tier!.stats.promotions, 0);
  assert.deepEqual(await describe(ask(replica)), expected);
});
