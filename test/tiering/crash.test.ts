// SIGKILL of a real server while it demotes values to disk on every write: the restart loads
// the AOF (the source of truth), takes over the tier directory the dead process left (its lock
// and segment files), and every acknowledged write is there.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../helpers/server-process.ts';
import { connect } from '../persistence/aof-dataset.ts';

const valueOf = (i: number): string => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26)));

test('SIGKILL while values are being demoted: the restart starts over the leftover tier files and nothing acknowledged is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-crash-'));
  const args = ['--port', '0', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--tiering-enabled', 'yes', '--tiering-max-memory', '1300kb', '--tiering-min-value-size', '0'];
  const first = await startServerProcess(args);
  const acked = new Set<number>();
  let killed = false;
  try {
    const client = connect(first.port);
    client.on('error', () => {});
    for (let from = 0; from < 1500; from += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => from + j).map((i) => client.set(`k${i}`, valueOf(i)).then(() => acked.add(i))));
    }
    assert.match(await client.info('tiering'), /tiering_cold_keys:[1-9]\d*\r\n/);
    // Writes in flight (and demotions with them) when the kill lands.
    const inFlight = Array.from({ length: 1500 }, (_, j) => 1500 + j).map((i) =>
      client.set(`k${i}`, valueOf(i)).then(
        () => void acked.add(i),
        () => {},
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    killed = true;
    await first.exited;
    await Promise.all(inFlight);
    client.disconnect();
  } finally {
    if (!killed) await first.kill();
  }
  const tierDir = join(dir, 'tiering');
  assert.ok(readdirSync(tierDir).some((name) => name.endsWith('.seg')), 'the dead server left segment files');
  assert.equal(readFileSync(join(tierDir, 'tier.lock'), 'latin1'), String(first.child.pid));

  const second = await startServerProcess(args);
  try {
    const client = connect(second.port);
    const keys = [...acked];
    const values = await client.mget(keys.map((i) => `k${i}`));
    keys.forEach((i, at) => assert.equal(values[at], valueOf(i), `k${i}`));
    assert.ok(acked.size >= 1500);
    // The reloaded dataset is over the budget: the tier opened, took the lock and demoted anew.
    assert.match(await client.info('tiering'), /tiering_cold_keys:[1-9]\d*\r\n/);
    assert.equal(readFileSync(join(tierDir, 'tier.lock'), 'latin1'), String(second.child.pid));
    client.disconnect();
  } finally {
    await second.kill();
  }
  assert.ok(existsSync(dir));
});
