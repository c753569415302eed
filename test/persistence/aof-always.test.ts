// appendfsync always as a group commit: a reply leaves only after the fsync covering its write;
// commands that arrive while an fsync is under way wait, written and replied, for the next one.
// fs.fdatasync is replaced (and the ESM bindings synced) so the test decides when each fsync
// ends; nothing here depends on timing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/run.ts';
import { encodeCommand, WireConnection } from '../helpers/wire.ts';

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('under appendfsync always a reply waits for the fsync of its write, and a write sent during that fsync waits for the next one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-aof-always-'));
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { dir, appendonly: 'yes', appendfsync: 'always' } });
  const first = await WireConnection.connect(running.port);
  const second = await WireConnection.connect(running.port);
  const realFdatasync = fs.fdatasync;
  const held: (() => void)[] = [];
  fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    held.push(() => realFdatasync(fd, callback));
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  t.after(async () => {
    fs.fdatasync = realFdatasync;
    syncBuiltinESMExports();
    for (const release of held.splice(0)) release();
    first.close();
    second.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const incr = () => {
    const aofDir = join(dir, 'appendonlydir');
    return readdirSync(aofDir)
      .filter((name) => name.endsWith('.incr.aof'))
      .map((name) => readFileSync(join(aofDir, name), 'latin1'))
      .join('');
  };

  first.send(encodeCommand(['SET', 'first', '1']));
  await until('the first fsync', () => held.length === 1);
  assert.ok(incr().includes('first'), 'the write reaches the file before its fsync');
  second.send(encodeCommand(['SET', 'second', '2']));
  assert.equal(first.hasReply, false, 'no reply before the fsync of its write ended');

  held.shift()!();
  assert.equal(String(await first.reply()), '+OK\r\n');
  await until('the fsync of the second write', () => held.length === 1);
  assert.ok(incr().includes('second'));
  assert.equal(second.hasReply, false, 'the first fsync began before the second write: it does not cover it');

  held.shift()!();
  assert.equal(String(await second.reply()), '+OK\r\n');
});
