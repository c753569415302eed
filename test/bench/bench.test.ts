import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/run.ts';
import { encodeSets, loadKeys, probe } from '../../bench/load.ts';
import { parseCpuTicks, parseRssBytes } from '../../bench/proc.ts';
import { parseCsv } from '../../bench/redis-benchmark.ts';
import type { BenchServer } from '../../bench/servers.ts';
import { median, percentile, summarizePauses } from '../../bench/stats.ts';

test('CPU ticks are utime plus stime even when the command name has spaces and parentheses', () => {
  const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 731 269 0 0 20 0 11 0 5000 1000000 300';
  assert.equal(parseCpuTicks(stat), 1000);
});

test('RSS is read from the VmRSS line in bytes', () => {
  const status = 'Name:\tredis-server\nVmPeak:\t  99999 kB\nVmRSS:\t    8192 kB\nRssAnon:\t 4096 kB\n';
  assert.equal(parseRssBytes(status), 8192 * 1024);
});

test('redis-benchmark CSV gives throughput and latency, after any warning lines', () => {
  const output = [
    'WARNING: Could not fetch server CONFIG',
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
    '"MSET (10 keys)","48780.49","0.532","0.256","0.511","0.639","0.991","3.823"',
    '',
  ].join('\n');
  assert.deepEqual(parseCsv(output), { rps: 48780.49, avgMs: 0.532, minMs: 0.256, p50Ms: 0.511, p95Ms: 0.639, p99Ms: 0.991, maxMs: 3.823 });
});

test('redis-benchmark output without a data row is an error', () => {
  assert.throws(() => parseCsv('Error from server: ERR unknown command\n'), /unexpected redis-benchmark output/);
});

test('median averages the middle pair and ignores non-finite values', () => {
  assert.equal(median([5, 1, NaN, 3, 9]), 4);
  assert.equal(median([7, 1, 4]), 4);
  assert.equal(median([]), null);
});

test('pause summary gives nearest-rank p99 and the maximum', () => {
  const pauses = Array.from({ length: 200 }, (_, i) => i + 1);
  assert.equal(percentile(pauses, 99), 198);
  assert.deepEqual(summarizePauses(pauses), { count: 200, totalMs: 20100, medianMs: 100.5, p99Ms: 198, maxMs: 200 });
});

test('the loader writes keys named as redis-benchmark names them, with 10-byte values', () => {
  assert.equal(
    encodeSets(41, 2).toString(),
    '*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000041\r\n$10\r\nv000000041\r\n' +
      '*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$10\r\nv000000042\r\n',
  );
});

test('the loader stores exactly the requested keys in a running server', async () => {
  const running = await startServer({ port: 0, host: '127.0.0.1' });
  try {
    const server: BenchServer = { name: 'mnemo', pid: process.pid, host: '127.0.0.1', port: running.port, stop: running.close };
    await loadKeys(server, 25_001);
    assert.equal(await probe(server, ['GET', 'key:000000025000']), '$10');
    assert.equal(await probe(server, ['GET', 'key:000000025001']), '$-1');
    assert.equal(running.server.keyspace.dbs[0]!.size, 25_001);
  } finally {
    await running.close();
  }
});

test('the loader reports the first error a server answers', async () => {
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { requirepass: 'secret' } });
  try {
    const server: BenchServer = { name: 'mnemo', pid: process.pid, host: '127.0.0.1', port: running.port, stop: running.close };
    await assert.rejects(loadKeys(server, 100), /mnemo answered SET with NOAUTH Authentication required\./);
  } finally {
    await running.close();
  }
});

test('the loader stops with an error when the server goes away mid-load', { timeout: 10_000 }, async () => {
  const running = await startServer({ port: 0, host: '127.0.0.1' });
  const server: BenchServer = { name: 'mnemo', pid: process.pid, host: '127.0.0.1', port: running.port, stop: running.close };
  const loading = loadKeys(server, 2_000_000);
  const db = running.server.keyspace.dbs[0]!;
  while (db.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await running.close();
  await assert.rejects(loading, /mnemo answered SET with a closed connection/);
});
