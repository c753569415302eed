import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { decodeAll } from '../helpers/resp.ts';
import { referenceSkip } from '../helpers/side-by-side.ts';
import { startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';
import { histogramBucket, histogramBucketBound } from '../../src/observability/observability.ts';

test('a command over latency-monitor-threshold becomes a "command" event with its time and worst latency', () => {
  const h = new Harness({ 'latency-monitor-threshold': '5', 'enable-debug-command': 'yes' });
  h.run('PING');
  assert.deepEqual(h.run('LATENCY', 'LATEST'), []);
  h.run('DEBUG', 'SLEEP', '0.01');
  const [[event, time, latest, max]] = h.run('LATENCY', 'LATEST') as [[string, number, number, number]];
  assert.equal(event, 'command');
  assert.equal(time, Math.floor(h.clock.ms / 1000));
  assert.ok(latest >= 10 && max === latest);
  h.clock.advance(1000);
  h.run('DEBUG', 'SLEEP', '0.006');
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
  if (!referenceSkip) reference = await startRedisReference();
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
