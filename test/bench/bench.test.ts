import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/run.ts';
import { encodeSets, hashFieldsLoad, listLoad, loadKeys, pipeline, probe, sortedSetLoad, ZSET_KEY } from '../../bench/load.ts';
import { parseCpuTicks, parseRssBytes } from '../../bench/proc.ts';
import { benchmarkArgs, parseCsv } from '../../bench/redis-benchmark.ts';
import { formatReport, targetMisses, type BenchReport, type ThroughputRow } from '../../bench/report.ts';
import type { BenchServer } from '../../bench/servers.ts';
import { median, percentile, summarizePauses } from '../../bench/stats.ts';
import { table } from '../../bench/table.ts';
import { DEFAULT_TESTS, HASH_FIELDS, requestsFor, THROUGHPUT_TESTS, ZSET_MEMBERS } from '../../bench/workloads.ts';

/** A Mnemo server in this process, as the loader sees a benchmarked one. */
async function inProcess(config?: Record<string, string>) {
  const running = await startServer({ port: 0, host: '127.0.0.1', ...(config ? { config } : {}) });
  const server: BenchServer = { name: 'mnemo', pid: process.pid, host: '127.0.0.1', port: running.port, stop: running.close };
  return { running, server };
}

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
  const { running, server } = await inProcess();
  try {
    await loadKeys(server, 25_001);
    assert.equal(await probe(server, ['GET', 'key:000000025000']), '$10');
    assert.equal(await probe(server, ['GET', 'key:000000025001']), '$-1');
    assert.equal(running.server.keyspace.dbs[0]!.size, 25_001);
  } finally {
    await running.close();
  }
});

test('the loader reports the first error a server answers', async () => {
  const { running, server } = await inProcess({ requirepass: 'secret' });
  try {
    await assert.rejects(loadKeys(server, 100), /mnemo answered SET with NOAUTH Authentication required\./);
  } finally {
    await running.close();
  }
});

test('the loader stops with an error when the server goes away mid-load', { timeout: 10_000 }, async () => {
  const { running, server } = await inProcess();
  const loading = loadKeys(server, 2_000_000);
  const db = running.server.keyspace.dbs[0]!;
  while (db.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await running.close();
  await assert.rejects(loading, /mnemo answered SET with a closed connection/);
});

test('hash loads put 100 fields in each hash, the last hash taking the remainder', () => {
  const load = hashFieldsLoad(250);
  assert.equal(load.count, 3);
  const text = load.encode(2, 1).toString();
  assert.ok(text.startsWith('*102\r\n$4\r\nHSET\r\n$17\r\nhash:000000000002\r\n$9\r\nfield:000\r\n$10\r\nv000000200\r\n'), text);
  assert.ok(text.endsWith('$9\r\nfield:049\r\n$10\r\nv000000249\r\n'), text);
});

test('sorted-set loads give each member a distinct score, 1000 pairs to a ZADD', () => {
  const load = sortedSetLoad(1500);
  assert.equal(load.count, 2);
  const args = load.encode(0, 2).toString().split('\r\n').filter((line) => !/^[*$]/.test(line) && line !== '');
  const scores = args.filter((arg, i) => i > 0 && !arg.startsWith('element:') && arg !== 'ZADD' && arg !== ZSET_KEY);
  assert.equal(scores.length, 1500);
  assert.equal(new Set(scores).size, 1500);
  assert.ok(args.includes('element:000000001499'));
});

test('hash and sorted-set loads store exactly the requested items in a running server', async () => {
  const { running, server } = await inProcess();
  try {
    await HASH_FIELDS.load(server, 2_050);
    await ZSET_MEMBERS.load(server, 2_500);
    assert.equal(running.server.keyspace.dbs[0]!.size, 21 + 1);
    assert.equal(await probe(server, ['HLEN', 'hash:000000000019']), ':100');
    assert.equal(await probe(server, ['HLEN', 'hash:000000000020']), ':50');
    assert.equal(await probe(server, ['ZCARD', ZSET_KEY]), ':2500');
  } finally {
    await running.close();
  }
});

test('list loads push the requested length over several commands', async () => {
  const { running, server } = await inProcess();
  try {
    await pipeline(server, listLoad('l', 2_345, 'xxx'));
    assert.equal(await probe(server, ['LLEN', 'l']), ':2345');
  } finally {
    await running.close();
  }
});

test('the loader names the command a server refused', async () => {
  const { running, server } = await inProcess();
  try {
    await probe(server, ['SET', ZSET_KEY, 'a string']);
    await assert.rejects(ZSET_MEMBERS.load(server, 10), /mnemo answered ZADD with WRONGTYPE/);
  } finally {
    await running.close();
  }
});

test('built-in tests are passed with -t, LRANGE tests as their own command line', () => {
  const base = { pipeline: 16, requests: 1000, clients: 50, keyspace: 100 };
  const server = { host: '127.0.0.1', port: 7230 };
  assert.deepEqual(benchmarkArgs(server, { ...base, test: 'zadd' }).slice(-3), ['--csv', '-t', 'zadd']);
  const lrange = THROUGHPUT_TESTS.lrange_300!;
  const args = benchmarkArgs(server, { ...base, test: 'lrange_300', command: lrange.command! });
  assert.deepEqual(args.slice(-5), ['--csv', 'LRANGE', 'bench:lrange', '0', '299']);
  assert.ok(!args.includes('-t'));
});

test('the default run covers the collection, stream, HyperLogLog and geo tests, with shorter LRANGE runs, and a script', () => {
  assert.equal(DEFAULT_TESTS, 'set,get,incr,mset,lpush,lpop,sadd,hset,zadd,xadd,xreadgroup,xack,lrange_100,lrange_300,evalsha_release,pfadd,pfcount_10,geoadd,geosearch');
  assert.equal(requestsFor('set', 16, 100_000), 1_000_000);
  assert.equal(requestsFor('zadd', 16, 100_000), 200_000);
  assert.equal(requestsFor('mset', 16, 100_000), 200_000);
  assert.equal(requestsFor('lrange_300', 1, 100_000), 20_000);
  assert.throws(() => requestsFor('lrange_500', 1, 100_000), /unknown test lrange_500/);
  // redis-benchmark runs redlock's release script by the SHA its probe (an EVAL) cached.
  const release = THROUGHPUT_TESTS.evalsha_release!;
  assert.equal(release.command![1], createHash('sha1').update(release.probe[1]!).digest('hex'));
});

test('targets are checked on ops/s at -P 1 and on CPU at -P 16', () => {
  const row = (test: string, pipeline: number, rpsRatio: number, cpuRatio: number) =>
    ({ test, pipeline, rpsRatio, cpuRatio }) as ThroughputRow;
  assert.deepEqual(targetMisses([row('hset', 1, 0.79, 3), row('hset', 16, 0.1, 1.6), row('zadd', 16, 1, 1.61)]), [
    'HSET -P 1: ops/s ratio 0.79x < 0.8',
    'ZADD -P 16: cpu ratio 1.61x > 1.6',
  ]);
});

test('tables align the first column left and the others right, notes below', () => {
  assert.equal(
    table('T', ['case', 'n'], [['a', '1,000'], ['bbbbbb', '2']], ['  note']),
    'T\ncase        n\n------  -----\na       1,000\nbbbbbb      2\n  note\n',
  );
});

test('the memory table gives bytes per item of each case for both servers and their ratio', () => {
  const side = (bytesPerItem: number) => ({ rssBefore: 0, rssAfter: 0, bytesPerItem, loadSeconds: 1.5 });
  const report: BenchReport = {
    startedAt: '',
    finishedAt: '',
    machine: { cpus: 2, loadAverageStart: [1, 1, 1], loadAverageEnd: [1, 1, 1], node: '20', redisServer: 'Redis 7.0.15' },
    settings: {},
    throughput: [],
    memory: [{ case: 'hash fields', unit: 'field', describe: '100 fields to a hash', items: 1_000_000, mnemo: side(56), redis: side(28), ratio: 2 }],
    largeKeyspace: [],
  };
  const text = formatReport(report);
  assert.match(text, /\nhash fields +1,000,000 +field +56\.0 +28\.0 +2\.00x /);
  assert.match(text, /\n {2}hash fields: 100 fields to a hash\n/);
});
