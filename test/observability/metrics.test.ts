import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.ts';
import { WireConnection } from '../helpers/wire.ts';
import { startWithMetrics } from './support.ts';

/** The samples of the exposition text, by metric name with labels. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

test("GET /metrics serves redis_exporter's metric names for what the server did; MONITOR lines reach a TCP monitor", async () => {
  const { running, http } = await startWithMetrics();
  const client = await WireConnection.connect(running.port);
  const monitor = await WireConnection.connect(running.port);
  try {
    assert.equal((await monitor.command(['MONITOR']))!.toString(), '+OK\r\n');
    await client.command(['SET', 'a', '1']);
    await client.command(['SET', 'b', '2']);
    await client.command(['GET', 'a']);
    await client.command(['GET', 'missing']);
    await client.command(['SELECT', '2']);
    await client.command(['SET', 'c', '3']);
    const lines = (await monitor.repliesUntilQuiet(200)).map((line) => line.toString().replace(/^\+\d+\.\d{6} /, '+').replace(/:\d+\]/, ':PORT]'));
    assert.deepEqual(lines.slice(0, 2), ['+[0 127.0.0.1:PORT] "SET" "a" "1"\r\n', '+[0 127.0.0.1:PORT] "SET" "b" "2"\r\n']);
    assert.equal(lines[lines.length - 1], '+[2 127.0.0.1:PORT] "SET" "c" "3"\r\n');

    const response = await fetch(`${http}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /# TYPE redis_commands_total counter\n/);
    const got = samples(text);
    assert.equal(got.get('redis_up'), 1);
    assert.equal(got.get('redis_connected_clients'), 2);
    assert.equal(got.get('redis_commands_total{cmd="set"}'), 3);
    assert.equal(got.get('redis_commands_total{cmd="get"}'), 2);
    assert.ok(got.get('redis_commands_duration_seconds_total{cmd="set"}')! > 0);
    assert.equal(got.get('redis_db_keys{db="db0"}'), 2);
    assert.equal(got.get('redis_db_keys{db="db2"}'), 1);
    assert.equal(got.get('redis_keyspace_hits_total'), 1);
    assert.equal(got.get('redis_keyspace_misses_total'), 1);
    assert.ok(got.get('redis_memory_used_bytes')! > 0);

    assert.equal((await fetch(`${http}/other`)).status, 404);
  } finally {
    client.close();
    monitor.close();
    await running.close();
  }
});

test('a metrics-port already in use stops start-up and closes the listeners already open', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-metrics-'));
  t.after(() => {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const busyPort = (blocker.address() as net.AddressInfo).port;
  const unixsocket = join(dir, 'redis.sock');
  await assert.rejects(
    startServer({ port: 0, host: '127.0.0.1', config: { unixsocket, 'metrics-port': String(busyPort), save: '' } }),
    (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE',
  );
  // The Redis front had opened first; it must be gone, or this process could never exit.
  const refused = await new Promise<boolean>((resolve) => {
    const socket = net.connect(unixsocket, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  assert.equal(refused, true);
});
