import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { decodeAll } from '../helpers/resp.ts';
import { referenceSkip } from '../helpers/side-by-side.ts';
import { startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';
import { histogramBucket, histogramBucketBound } from '../../src/observability/observability.ts';
import { LatencySeries, latencyGraph } from '../../src/observability/latency.ts';

test('a command over latency-monitor-threshold becomes a "command" event with its time and worst latency', () => {
  // A threshold far above what a PING takes even on a loaded machine (CI saw one of 56 ms at 5).
  const h = new Harness({ 'latency-monitor-threshold': '100', 'enable-debug-command': 'yes' });
  h.run('PING');
  assert.deepEqual(h.run('LATENCY', 'LATEST'), []);
  h.run('DEBUG', 'SLEEP', '0.15');
  const [[event, time, latest, max]] = h.run('LATENCY', 'LATEST') as [[string, number, number, number]];
  assert.equal(event, 'command');
  assert.equal(time, Math.floor(h.clock.ms / 1000));
  assert.ok(latest >= 150 && max === latest);
  h.clock.advance(1000);
  h.run('DEBUG', 'SLEEP', '0.11');
  const history = h.run('LATENCY', 'HISTORY', 'command') as [number, number][];
  assert.equal(history.length, 2);
  assert.equal(history[1]![0], history[0]![0] + 1);
  assert.deepEqual(h.run('LATENCY', 'HISTORY', 'nosuch'), []);
  assert.equal(h.run('LATENCY', 'RESET', 'nosuch', 'command'), 1);
  assert.deepEqual(h.run('LATENCY', 'LATEST'), []);
});

test('the latency monitor is off at threshold 0', () => {
  const h = new Harness({ 'enable-debug-command': 'yes' });
  h.run('DEBUG', 'SLEEP', '0.002');
  assert.deepEqual(h.run('LATENCY', 'LATEST'), []);
  assert.match(String(h.run('LATENCY', 'DOCTOR')), /Latency monitoring is disabled/);
  h.run('CONFIG', 'SET', 'latency-monitor-threshold', '1000');
  assert.match(String(h.run('LATENCY', 'DOCTOR')), /no latency spike was observed/);
});

test('LATENCY HISTOGRAM counts calls per command in cumulative power-of-two buckets', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.run('SET', 'k', 'w');
  const reply = h.run('LATENCY', 'HISTOGRAM', 'set', 'nosuch', 'config|get') as unknown as unknown[];
  assert.equal(reply[0], 'set');
  const [callsLabel, calls, bucketsLabel, buckets] = reply[1] as [string, number, string, number[]];
  assert.deepEqual([callsLabel, calls, bucketsLabel], ['calls', 2, 'histogram_usec']);
  assert.equal(buckets[buckets.length - 1], 2);
  assert.equal(reply.length, 2);
  h.run('CONFIG', 'SET', 'latency-tracking', 'no');
  h.run('GET', 'k');
  assert.deepEqual(h.run('LATENCY', 'HISTOGRAM', 'get'), []);
});

test("histogram buckets and their bounds are Redis's (1, 2, 4, 8, 16, 33, 66, 132 ... µs)", () => {
  assert.deepEqual(
    Array.from({ length: 12 }, (_, k) => histogramBucketBound(k)),
    [1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113],
  );
  assert.equal(histogramBucket(0), 0);
  assert.equal(histogramBucket(1), 0);
  assert.equal(histogramBucket(2), 1);
  assert.equal(histogramBucket(3), 2);
  assert.equal(histogramBucket(40), 6);
});

let reference: ReferenceServer | null = null;
before(async () => {
  if (!referenceSkip) reference = await startRedisReference(['--enable-debug-command', 'yes']);
});
after(async () => {
  await reference?.close();
});

test('LATENCY error texts and HELP match redis-server', { skip: referenceSkip }, async () => {
  const h = new Harness();
  const connection = await WireConnection.connect(reference!.port);
  try {
    for (const args of [
      ['LATENCY', 'HELP'],
      ['LATENCY', 'HISTORY'],
      ['LATENCY', 'GRAPH', 'nosuch'],
      ['LATENCY', 'NOPE'],
      ['LATENCY'],
      ['LATENCY', 'LATEST'],
      ['LATENCY', 'RESET'],
      ['LATENCY', 'RESET', 'a', 'b'],
      ['LATENCY', 'DOCTOR'],
    ]) {
      assert.deepEqual(decodeAll(h.raw(args))[0], decodeAll((await connection.command(args))!)[0], args.join(' '));
    }
  } finally {
    connection.close();
  }
});

test('INFO latencystats gives the configured percentiles of each tracked command', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  h.run('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.99 100');
  const text = String(h.run('INFO', 'latencystats'));
  assert.match(text, /^# Latencystats\r\n/);
  assert.match(text, /\r\nlatency_percentiles_usec_set:p50=\d+\.000,p99\.99=\d+\.000,p100=\d+\.000\r\n/);
  assert.doesNotMatch(String(h.run('INFO')), /Latencystats/);
});

test('SLOWLOG HELP and LATENCY HELP list their subcommands; LATENCY GRAPH refuses an event without samples', () => {
  const h = new Harness();
  assert.equal((h.run('SLOWLOG', 'HELP') as string[])[1], 'GET [<count>]');
  assert.equal((h.run('LATENCY', 'HELP') as string[])[1], 'DOCTOR');
  assert.equal((h.run('LATENCY', 'GRAPH', 'command') as { text: string }).text, "ERR No samples available for event 'command'");
});

test('LATENCY GRAPH draws the samples redis-server 7.0 recorded exactly as it does', { skip: referenceSkip }, async () => {
  const connection = await WireConnection.connect(reference!.port);
  const ask = async (...args: string[]) => decodeAll((await connection.command(args))!)[0];
  try {
    await ask('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    await ask('LATENCY', 'RESET');
    // One sample per second at most: a pause between sleeps gives each its own second.
    for (const seconds of ['0.03', '0.004', '0.015']) {
      await ask('DEBUG', 'SLEEP', seconds);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    // Labels are ages ("2s"), so both graphs must be drawn within one wall-clock second.
    for (let attempt = 0; ; attempt++) {
      const second = Math.floor(Date.now() / 1000);
      const graph = await ask('LATENCY', 'GRAPH', 'command');
      const history = (await ask('LATENCY', 'HISTORY', 'command')) as [number, number][];
      if (Math.floor(Date.now() / 1000) !== second && attempt < 5) continue;
      assert.equal(history.length, 3);
      const h = new Harness({ 'latency-monitor-threshold': '1' });
      for (const [time, ms] of history) {
        h.clock.ms = time * 1000;
        h.server.observability.latency.addSample('command', ms);
      }
      h.clock.ms = second * 1000;
      assert.deepEqual(h.run('LATENCY', 'GRAPH', 'command'), graph);
      break;
    }
  } finally {
    connection.close();
  }
});

test('LATENCY GRAPH wraps past 80 samples into another block and labels ages in s, m, h and d', () => {
  const series = new LatencySeries();
  const now = 1_000_000;
  for (let i = 0; i < 100; i++) series.add(now - 200_000 + i * 2000, (i * 7) % 23);
  const graph = latencyGraph('command', series, now);
  const [title, rule, ...rest] = graph.split('\n');
  assert.equal(title, 'command - high 22 ms, low 0 ms (all time high 22 ms)');
  assert.equal(rule, '-'.repeat(80));
  const blank = rest.indexOf(' '.repeat(80));
  // Four rows of bars, a blank row, then labels downwards: "2d" for 200000 s ago.
  assert.equal(blank, 4);
  assert.equal(rest[5]![0], '2');
  assert.equal(rest[6]![0], 'd');
  // The last 20 samples form a second block after an empty line.
  const second = rest.indexOf('', blank);
  assert.equal(rest[second + 1]!.length, 20);
  assert.ok(graph.endsWith('\n'));
});
