// Real processes: what a server saved is there after a restart, whichever way it stopped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { WireConnection } from '../helpers/wire.ts';

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
  await withServer(dir, ['--save', ''], async (server, conn) => {
    assert.equal(text(await conn.command(['set', 'a', '1'])), '+OK\r\n');
    await conn.command(['rpush', 'l', 'x', 'y', 'z']);
    await conn.command(['set', 't', 'v', 'ex', '1000']);
    await conn.command(['select', '4']);
    await conn.command(['sadd', 's', 'm']);
    assert.equal(text(await conn.command(['shutdown', 'save'])), '(closed)');
    assert.equal(await server.exited, 0);
    assert.match(server.output, /Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/);
  });
  await withServer(dir, ['--save', ''], async (server, conn) => {
    assert.match(server.output, /Done loading RDB, keys loaded: 4, keys expired: 0\./);
    assert.equal(text(await conn.command(['lrange', 'l', '0', '-1'])), '*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n');
    const ttl = Number(text(await conn.command(['ttl', 't'])).slice(1));
    assert.ok(ttl > 990 && ttl <= 1000, `ttl ${ttl}`);
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
