import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.ts';
import { WireConnection } from '../helpers/wire.ts';
import { textExchange } from '../memcached/helpers.ts';
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

test("the Memcached front's counters are on /metrics with memcached_exporter's names", async (t) => {
  const { running, http } = await startWithMetrics({}, ['memcached-port']);
  t.after(() => running.close());
  const port = running.server.config.number('memcached-port');
  const replies = await textExchange(port, 'set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget a\r\nget nope\r\ndelete b\r\ndelete b\r\nincr n 1\r\ngets a\r\n');
  const cas = /VALUE a 0 1 (\d+)\r\n1\r\nEND\r\nMN\r\n$/.exec(replies)![1];
  await textExchange(port, `cas a 0 0 1 ${cas}\r\n3\r\ncas a 0 0 1 ${cas}\r\n4\r\nflush_all\r\n`);
  const response = await fetch(`${http}/metrics`);
  const text = await response.text();
  assert.match(text, /# TYPE memcached_commands_total counter\n/);
  const got = samples(text);
  const command = (name: string, status: string) => got.get(`memcached_commands_total{command="${name}",status="${status}"}`);
  assert.equal(got.get('memcached_up'), 1);
  assert.equal(got.get('memcached_version{version="1.6.18"}'), 1);
  assert.equal(command('get', 'hit'), 2, 'get a, gets a');
  assert.equal(command('get', 'miss'), 1);
  assert.equal(command('delete', 'hit'), 1);
  assert.equal(command('delete', 'miss'), 1);
  assert.equal(command('incr', 'miss'), 1);
  assert.equal(command('cas', 'hit'), 1);
  assert.equal(command('cas', 'badval'), 1);
  assert.equal(command('flush', 'hit'), 1);
  // cmd_set counts the two sets and the two cas; the exporter's set sample leaves the cas out.
  assert.equal(command('set', 'hit'), 2);
  assert.equal(got.get('memcached_connections_total'), 2);
  assert.equal(got.get('memcached_max_connections'), 10000);
  assert.ok(got.get('memcached_read_bytes_total')! > 0);
  assert.ok(got.get('memcached_limit_bytes')! > 0);
  assert.ok(got.has('memcached_items_evicted_total') && got.has('memcached_current_connections'));
  assert.ok(got.has('memcached_process_user_cpu_seconds_total'));
});

test('without a Memcached front /metrics has no memcached_ metrics', async (t) => {
  const { running, http } = await startWithMetrics();
  t.after(() => running.close());
  assert.doesNotMatch(await (await fetch(`${http}/metrics`)).text(), /memcached_/);
});
