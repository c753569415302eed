import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { Config } from '../../src/server/config.ts';
import { applyLines, linesFromArgs, StartupError } from '../../src/server/startup.ts';
import { startServerProcess } from '../helpers/server-process.ts';

function configFrom(args: string[]): Config {
  const config = new Config();
  applyLines(config, linesFromArgs(args), 'test');
  return config;
}

test('command-line flags set settings by their redis.conf names', () => {
  const config = configFrom(['--port', '6380', '--requirepass', 'secret', '--maxmemory', '100mb']);
  assert.equal(config.get('port'), '6380');
  assert.equal(config.get('requirepass'), 'secret');
  assert.equal(config.get('maxmemory'), String(100 * 1024 * 1024));
});

test('an empty --save argument turns snapshots off and several words accumulate', () => {
  assert.equal(configFrom(['--save', '']).get('save'), '');
  assert.equal(configFrom(['--save', '900', '1', '--save', '300', '10']).get('save'), '900 1 300 10');
});

test('a config file is read first and flags override it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-conf-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, '# comment\nport 7000\nbind "127.0.0.1"\n\ndatabases 4\n');
  const config = configFrom([file, '--port', '7001']);
  assert.equal(config.get('port'), '7001');
  assert.equal(config.get('databases'), '4');
});

test('aliases such as slaveof and hash-max-ziplist-entries reach their settings', () => {
  const config = configFrom(['--hash-max-ziplist-entries', '64']);
  assert.equal(config.get('hash-max-listpack-entries'), '64');
});

test('an unknown option stops start-up with redis-server style report', () => {
  assert.throws(
    () => configFrom(['--no-such-option', 'x']),
    (error: unknown) =>
      error instanceof StartupError &&
      error.message.includes('*** FATAL CONFIG FILE ERROR') &&
      error.message.includes(">>> 'no-such-option x'") &&
      error.message.includes('Bad directive or wrong number of arguments'),
  );
});

test('an invalid value stops start-up and names the problem', () => {
  assert.throws(() => configFrom(['--port', 'abc']), /argument couldn't be parsed into an integer/);
  assert.throws(() => configFrom(['--port', '70000']), /argument must be between 0 and 65535 inclusive/);
  assert.throws(() => configFrom(['--appendonly', 'maybe']), /argument must be 'yes' or 'no'/);
});

test('mnemo-server exits with status 1 and the report on stderr for a bad option', async () => {
  const child = spawn(process.execPath, ['bin/mnemo-server.js', '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /FATAL CONFIG FILE ERROR/);
});

test('mnemo-server serves PING on the port it was given and exits cleanly on SIGTERM', async () => {
  const server = await startServerProcess(['--port', '0']);
  try {
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
    });
    assert.equal(reply, '+PONG\r\n');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  } finally {
    await server.kill();
  }
});

/** A listener holding a free port, to make another listen on it fail. */
async function occupiedPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const net = await import('node:net');
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as import('node:net').AddressInfo).port;
  return { port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

test("mnemo-server reports a port in use in redis-server's words and exits with status 1", async () => {
  const { port, release } = await occupiedPort();
  try {
    const child = spawn(process.execPath, ['bin/mnemo-server.js', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(output, new RegExp(`Could not create server TCP listening socket 127\\.0\\.0\\.1:${port}: bind: Address already in use`));
    assert.match(output, new RegExp(`Failed listening on port ${port} \\(TCP\\), aborting\\.`));
    assert.doesNotMatch(output, /\n\s+at /);
  } finally {
    await release();
  }
});

test('a Memcached port in use fails start-up the same way and closes the Redis listener it had opened', async () => {
  const { startServer } = await import('../../src/server/run.ts');
  const { port, release } = await occupiedPort();
  const redisSide = await occupiedPort();
  await redisSide.release();
  try {
    await assert.rejects(
      startServer({ port: redisSide.port, host: '127.0.0.1', config: { 'memcached-port': String(port) } }),
      (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE',
    );
    // The Redis port is free again.
    const net = await import('node:net');
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(redisSide.port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
  } finally {
    await release();
  }
});
