import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../helpers/server-process.ts';

/** Sends inline commands one at a time and collects one reply line each ('' once the server closed). */
async function session(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let closed = false;
  socket.once('close', () => (closed = true));
  const replies: string[] = [];
  let buffer = '';
  for (const command of commands) {
    socket.write(`${command}\r\n`);
    while (!buffer.includes('\r\n')) {
      if (closed) return [...replies, ''];
      buffer += await new Promise<string>((resolve) => {
        socket.once('data', (chunk) => resolve(chunk.toString()));
        socket.once('close', () => resolve(''));
      });
    }
    replies.push(buffer.slice(0, buffer.indexOf('\r\n')));
    buffer = buffer.slice(buffer.indexOf('\r\n') + 2);
  }
  socket.destroy();
  return replies;
}

test('the CLI server rewrites the config file it started from and exits on SHUTDOWN', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mnemo-cli-')), 'redis.conf');
  writeFileSync(file, '# test config\nport 0\nhz 10\n');
  const server = await startServerProcess([file]);
  const port = server.port;
  const exited = server.exited;
  assert.deepEqual(await session(port, ['CONFIG SET hz 20', 'CONFIG REWRITE', 'SHUTDOWN NOSAVE']), ['+OK', '+OK', '']);
  assert.equal(await exited, 0);
  const rewritten = readFileSync(file, 'utf8');
  assert.match(rewritten, /^# test config\n/);
  assert.match(rewritten, /\nhz 20\n/);
});
