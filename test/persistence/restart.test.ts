// Real processes: what a server saved is there after a restart, whichever way it stopped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { WireConnection } from '../helpers/wire.ts';
import { Harness } from '../helpers/harness.ts';
import { limitsFrom, rdbImage } from '../../src/persistence/rdb/index.ts';

async function withServer<T>(dir: string, extra: string[], run: (server: ServerProcess, conn: WireConnection) => Promise<T>): Promise<T> {
  const server = await startServerProcess(['--port', '0', '--dir', dir, ...extra]);
  try {
    const conn = await WireConnection.connect(server.port);
    return await run(server, conn);
  } finally {
    await server.kill();
  }
}

const text = (reply: Buffer | null) => reply?.toString() ?? '(closed)';

test('SHUTDOWN SAVE writes the file and a restarted server has every key and TTL back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-restart-'));
  let expireAt = '';
  await withServer(dir, ['--save', ''], async (server, conn) => {
    assert.equal(text(await conn.command(['set', 'a', '1'])), '+OK\r\n');
    await conn.command(['rpush', 'l', 'x', 'y', 'z']);
    await conn.command(['set', 't', 'v', 'ex', '1000']);
    expireAt = text(await conn.command(['pexpiretime', 't']));
    await conn.command(['select', '4']);
    await conn.command(['sadd', 's', 'm']);
    assert.equal(text(await conn.command(['shutdown', 'save'])), '(closed)');
    assert.equal(await server.exited, 0);
    assert.match(server.output, /Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/);
  });
  await withServer(dir, ['--save', ''], async (server, conn) => {
    assert.match(server.output, /Done loading RDB, keys loaded: 4, keys expired: 0\./);
    assert.equal(text(await conn.command(['lrange', 'l', '0', '-1'])), '*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n');
    assert.equal(text(await conn.command(['pexpiretime', 't'])), expireAt);
    await conn.command(['select', '4']);
    assert.equal(text(await conn.command(['smembers', 's'])), '*1\r\n$1\r\nm\r\n');
  });
});

test('SIGTERM saves when save points are configured, and not with save ""', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-restart-'));
  await withServer(dir, ['--save', ''], async (server, conn) => {
    await conn.command(['set', 'a', '1']);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
  assert.equal(existsSync(join(dir, 'dump.rdb')), false);
  await withServer(dir, ['--save', '3600 1'], async (server, conn) => {
    await conn.command(['set', 'a', '1']);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
  await withServer(dir, ['--save', ''], async (_server, conn) => {
    assert.equal(text(await conn.command(['get', 'a'])), '$1\r\n1\r\n');
  });
});

test('a corrupt dump.rdb stops start-up with a fatal log line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-restart-'));
  writeFileSync(join(dir, 'dump.rdb'), 'REDIS0010\xfa\x09redis-ver');
  const server = spawnServer(['--port', '0', '--dir', dir]);
  try {
    assert.equal(await server.exited, 1);
    assert.match(server.output, /Fatal error loading the DB: .*Exiting\./);
  } finally {
    await server.kill();
  }
});

test('while a large file loads at start-up, clients get -LOADING and INFO shows the progress', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-restart-'));
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  for (let i = 0; i < 400_000; i++) db.setString(Buffer.from(`key:${i}`), Buffer.from(`value:${i}`));
  writeFileSync(join(dir, 'dump.rdb'), rdbImage(h.server.keyspace, { compression: true, checksum: true, limits: limitsFrom(h.server.config), access: 'none', usedMemory: 0, now: Date.now() }));
  const server = spawnServer(['--port', '0', '--dir', dir]);
  try {
    await server.waitFor(/Running mode=standalone, port=\d+/);
    const port = Number(/port=(\d+)/.exec(server.output)![1]);
    const conn = await WireConnection.connect(port);
    assert.equal(text(await conn.command(['get', 'key:1'], 60_000)), '-LOADING Redis is loading the dataset in memory\r\n');
    const info = text(await conn.command(['info', 'persistence'], 60_000));
    assert.match(info, /loading:1\r\n/);
    assert.match(info, /loading_total_bytes:\d+\r\nloading_rdb_used_mem:\d+\r\nloading_loaded_bytes:\d+\r\nloading_loaded_perc:\d+\.\d\d\r\n/);
    await server.waitFor(/Ready to accept connections/);
    assert.equal(text(await conn.command(['get', 'key:1'])), '$7\r\nvalue:1\r\n');
    assert.equal(text(await conn.command(['dbsize'])), ':400000\r\n');
    assert.match(server.output, /Done loading RDB, keys loaded: 400000, keys expired: 0\./);
  } finally {
    await server.kill();
  }
});
