import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { skipWithout } from '../helpers/reference.ts';
import { MNEMO_BIN, spawnServer, startServerProcess, writeConfig } from '../helpers/server-process.ts';

const DEBIAN_CONF = '/etc/redis/redis.conf';

function redisCli(args: string[]): string {
  const result = spawnSync('redis-cli', args, { encoding: 'utf8' });
  return result.stdout.trim();
}

/** The messages of the log lines in `output` (the text after the level mark). */
function messages(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^\d+:[MS] .{24} [.\-*#] (.*)$/.exec(line)?.[1])
    .filter((message): message is string => message !== undefined);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(condition(), what);
}

test('start-up, always-show-logo and a SIGINT shutdown log the lines redis-server logs, in its order', async () => {
  const server = await startServerProcess(['--port', '0', '--always-show-logo', 'yes']);
  try {
    const pid = server.child.pid!;
    assert.match(server.output, new RegExp(`\\n.*Port: ${server.port}\\n.*PID: ${pid}\\n`));
    assert.notEqual(server.port, 0);
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0);
    assert.deepEqual(messages(server.output), [
      'oO0OoO0OoO0Oo Mnemo is starting oO0OoO0OoO0Oo',
      `Mnemo version=0.1.0, redis_version=7.0.15, bits=64, commit=00000000, modified=0, pid=${pid}, just started`,
      'Configuration loaded',
      'Server initialized',
      'Ready to accept connections',
      'Received SIGINT scheduling shutdown...',
      'User requested shutdown...',
      'Saving the final RDB snapshot before exiting.',
      'DB saved on disk',
      'Redis is now ready to exit, bye bye...',
    ]);
  } finally {
    await server.kill();
  }
});

test(
  "Debian's stock redis.conf starts Mnemo; the pidfile is written at start and removed by SHUTDOWN",
  { skip: existsSync(DEBIAN_CONF) ? false : `${DEBIAN_CONF} is not installed (Debian's redis-server package)` },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnemo-debian-'));
    const pidfile = join(dir, 'redis.pid');
    // The stock file daemonizes and writes under /var; the overrides keep the test in its directory.
    const server = await startServerProcess([DEBIAN_CONF, '--port', '0', '--daemonize', 'no', '--logfile', '', '--pidfile', pidfile, '--dir', dir]);
    try {
      assert.equal(readFileSync(pidfile, 'utf8'), `${server.child.pid}\n`);
      assert.equal(redisCli(['-p', String(server.port), 'CONFIG', 'GET', 'hz']), 'hz\n10');
      assert.doesNotMatch(server.output, /Ignoring/);
      redisCli(['-p', String(server.port), 'SHUTDOWN', 'NOSAVE']);
      assert.equal(await server.exited, 0);
      assert.equal(existsSync(pidfile), false);
      assert.deepEqual(messages(server.output).slice(-3), ['User requested shutdown...', 'Removing the pid file.', 'Redis is now ready to exit, bye bye...']);
    } finally {
      await server.kill();
    }
  },
);

test('a unix socket serves redis-cli -s, shows its clients as addr=<path>:0 with flag U, and is removed at exit', { skip: skipWithout('redis-cli') }, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mnemo-unix-')), 'mnemo.sock');
  const config = writeConfig(`port 0\nunixsocket ${path}\nunixsocketperm 700\n`);
  const server = await startServerProcess([config]);
  try {
    assert.match(server.output, new RegExp(`\\* The server is now ready to accept connections at ${path}\\n`));
    // Port 0 with a unix socket means no TCP listener, as in Redis.
    assert.doesNotMatch(server.output, /Ready to accept connections\n/);
    assert.equal(statSync(path).mode & 0o777, 0o700);
    assert.equal(redisCli(['-s', path, 'PING']), 'PONG');
    const info = redisCli(['-s', path, 'CLIENT', 'INFO']);
    assert.match(info, new RegExp(`^id=\\d+ addr=${path}:0 laddr=${path}:0 fd=\\d+ name= age=\\d+ idle=\\d+ flags=U `));
    redisCli(['-s', path, 'SHUTDOWN']);
    assert.equal(await server.exited, 0);
    assert.equal(existsSync(path), false);
    assert.ok(messages(server.output).includes('Removing the unix socket file.'));
  } finally {
    await server.kill();
  }
});

test('daemonize yes returns once the daemon listens; the daemon writes its pidfile and log, and SHUTDOWN ends it', { skip: skipWithout('redis-cli') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-daemon-'));
  const pidfile = join(dir, 'mnemo.pid');
  const logfile = join(dir, 'mnemo.log');
  const parent = spawn(process.execPath, [MNEMO_BIN, '--daemonize', 'yes', '--port', '0', '--pidfile', pidfile, '--logfile', logfile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let parentOutput = '';
  parent.stdout.on('data', (chunk) => (parentOutput += chunk));
  parent.stderr.on('data', (chunk) => (parentOutput += chunk));
  const code = await new Promise((resolve) => parent.once('exit', resolve));
  assert.equal(code, 0, parentOutput);
  // The parent wrote nothing: the daemon logs to its file.
  assert.equal(parentOutput, '');
  const pid = Number(readFileSync(pidfile, 'utf8'));
  try {
    assert.notEqual(pid, parent.pid);
    assert.ok(isRunning(pid));
    const log = readFileSync(logfile, 'utf8');
    assert.match(log, new RegExp(`^${pid}:M .* \\* Ready to accept connections$`, 'm'));
    const port = /Running mode=standalone, port=(\d+)\./.exec(log)![1]!;
    assert.equal(redisCli(['-p', port, 'PING']), 'PONG');
    redisCli(['-p', port, 'SHUTDOWN']);
    await until(() => !isRunning(pid), 'the daemon exits after SHUTDOWN');
    assert.equal(existsSync(pidfile), false);
    assert.match(readFileSync(logfile, 'utf8'), /# Redis is now ready to exit, bye bye\.\.\.\n$/);
  } finally {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('a port already in use stops start-up with exit status 1 and Redis\'s "Failed listening" line', async () => {
  const first = await startServerProcess(['--port', '0']);
  try {
    const second = spawnServer(['--port', String(first.port)]);
    assert.equal(await second.exited, 1);
    assert.deepEqual(messages(second.output).slice(-2), [
      `Warning: Could not create server TCP listening socket 127.0.0.1:${first.port}: bind: Address already in use`,
      `Failed listening on port ${first.port} (TCP), aborting.`,
    ]);
  } finally {
    await first.kill();
  }
});

test('a config file named relative to the start directory stays reachable after the server changes to dir', { skip: skipWithout('redis-cli') }, async () => {
  const file = writeConfig('port 0\nhz 10\n');
  const elsewhere = mkdtempSync(join(tmpdir(), 'mnemo-dir-'));
  const server = await startServerProcess(['redis.conf', '--dir', elsewhere], dirname(file));
  try {
    const port = String(server.port);
    assert.match(redisCli(['-p', port, 'INFO', 'server']), new RegExp(`\\r?\\nconfig_file:${file}\\r?\\n`));
    assert.equal(redisCli(['-p', port, 'CONFIG', 'GET', 'dir']), `dir\n${elsewhere}`);
    assert.equal(redisCli(['-p', port, 'CONFIG', 'SET', 'hz', '20']), 'OK');
    assert.equal(redisCli(['-p', port, 'CONFIG', 'REWRITE']), 'OK');
    assert.match(readFileSync(file, 'utf8'), /\nhz 20\n/);
  } finally {
    await server.kill();
  }
});

test('a server whose log pipe closed keeps serving, as redis-server ignores SIGPIPE', { skip: skipWithout('redis-cli') }, async () => {
  const server = await startServerProcess(['--port', '0']);
  try {
    server.child.stdout!.destroy();
    const port = String(server.port);
    // Logged (an ignored setting changed) into the closed pipe.
    assert.equal(redisCli(['-p', port, 'CONFIG', 'SET', 'jemalloc-bg-thread', 'no']), 'OK');
    assert.equal(redisCli(['-p', port, 'CONFIG', 'SET', 'jemalloc-bg-thread', 'yes']), 'OK');
    assert.equal(redisCli(['-p', port, 'PING']), 'PONG');
  } finally {
    await server.kill();
  }
});
