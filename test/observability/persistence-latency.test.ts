// The latency monitor's persistence events, by Redis 7.0's names. A real write or fsync rarely
// takes a millisecond, so performance.now is mocked to move 5 ms per reading while the
// commands run: every timed step then lasts at least the 1 ms threshold.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/run.ts';
import { decodeAll } from '../helpers/resp.ts';
import { WireConnection, encodeCommand } from '../helpers/wire.ts';

async function serverIn(t: TestContext, config: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-latency-'));
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { dir, 'latency-monitor-threshold': '1', ...config } });
  const connection = await WireConnection.connect(running.port);
  t.after(async () => {
    connection.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return connection;
}

/** Runs `commands` pipelined in one write while every performance.now reading is 5 ms after the last. */
async function slowly(t: TestContext, connection: WireConnection, commands: string[][]): Promise<void> {
  const real = performance.now.bind(performance);
  let skew = 0;
  const mocked = t.mock.method(performance, 'now', () => real() + (skew += 5));
  connection.send(Buffer.concat(commands.map((args) => encodeCommand(args))));
  for (let i = 0; i < commands.length; i++) await connection.reply();
  mocked.mock.restore();
}

async function events(connection: WireConnection): Promise<string[]> {
  const latest = decodeAll((await connection.command(['LATENCY', 'LATEST']))!)[0] as [string][];
  return latest.map(([name]) => name).sort();
}

test('an AOF write and its fsync under appendfsync always are the aof-write, aof-write-alone and aof-fsync-always events', async (t) => {
  const connection = await serverIn(t, { appendonly: 'yes', appendfsync: 'always' });
  await slowly(t, connection, [['SET', 'k', 'v']]);
  const names = await events(connection);
  for (const name of ['aof-write', 'aof-write-alone', 'aof-fsync-always']) assert.ok(names.includes(name), `${name} in ${names}`);
  assert.ok(!names.includes('aof-write-active-child'));
});

test('an AOF write while a BGSAVE runs is aof-write-active-child', async (t) => {
  const connection = await serverIn(t, { appendonly: 'yes', appendfsync: 'no' });
  await slowly(t, connection, [['BGSAVE'], ['SET', 'k', 'v']]);
  const names = await events(connection);
  assert.ok(names.includes('aof-write-active-child'), String(names));
  assert.ok(names.includes('aof-write'), String(names));
  assert.ok(!names.includes('aof-write-alone'), String(names));
});

test("removing a stopped BGSAVE's temp file is the rdb-unlink-temp-file event", async (t) => {
  const connection = await serverIn(t, { save: '' });
  await connection.command(['SET', 'k', 'v']);
  // FLUSHALL in the same turn stops the BGSAVE before its walk has started.
  await slowly(t, connection, [['BGSAVE'], ['FLUSHALL']]);
  assert.ok((await events(connection)).includes('rdb-unlink-temp-file'));
});
