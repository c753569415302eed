// The package entry (index.js) as an application would load it: start a server on a free
// port, talk to it, and get the port back on close().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

// Loaded by path so that the JavaScript entry itself is what runs, typed as its source.
const entry = new URL('../../index.js', import.meta.url).href;
const { startServer, REDIS_VERSION } = (await import(entry)) as typeof import('../../src/index.ts');

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

test('the package entry starts a server on a free port that real clients can use', async () => {
  const running = await startServer({ port: 0, host: '127.0.0.1' });
  assert.ok(running.port > 0);
  assert.equal(running.url, `redis://127.0.0.1:${running.port}`);
  const redis = new Redis(running.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    assert.equal(await redis.set('k', 'v'), 'OK');
    assert.equal(await redis.get('k'), 'v');
    assert.equal(REDIS_VERSION, '7.0.15');
  } finally {
    redis.disconnect();
    await running.close();
  }
});

test('close() frees the port, drops open connections and may be called twice', async () => {
  const running = await startServer({ port: 0, host: '127.0.0.1' });
  assert.equal(await canListen(running.port), false);
  const socket = net.connect({ port: running.port, host: '127.0.0.1' });
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await running.close();
  await closed;
  assert.equal(await canListen(running.port), true);
  await running.close();
});

test('a plain Node process without a TypeScript loader can start and stop the server', async () => {
  const script = `
    const { startServer } = await import(${JSON.stringify(fileURLToPath(entry))});
    const running = await startServer({ port: 0, host: '127.0.0.1' });
    await running.close();
    console.log(running.port > 0 ? 'ok' : 'no port');
  `;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  assert.equal(output.trim(), 'ok');
});
