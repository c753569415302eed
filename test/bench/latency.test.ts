import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOUNDS_MS, formatLatencyRuns, parseHistogram } from '../../bench/latency.ts';

/** redis-benchmark 7.0.15's text report of `-t get -n 2000 -c 5` (its progress lines left out). */
const REPORT = `====== GET ======
  2000 requests completed in 0.28 seconds
  5 parallel clients

Latency by percentile distribution:
0.000% <= 0.039 milliseconds (cumulative count 10)
50.000% <= 0.127 milliseconds (cumulative count 1033)
93.750% <= 0.407 milliseconds (cumulative count 1875)
98.438% <= 3.975 milliseconds (cumulative count 1969)
99.219% <= 13.535 milliseconds (cumulative count 1985)
99.805% <= 57.343 milliseconds (cumulative count 1997)
99.902% <= 57.407 milliseconds (cumulative count 2000)
100.000% <= 57.407 milliseconds (cumulative count 2000)

Cumulative distribution of latencies:
36.650% <= 0.103 milliseconds (cumulative count 733)
93.750% <= 0.407 milliseconds (cumulative count 1875)
95.150% <= 0.807 milliseconds (cumulative count 1903)
96.000% <= 1.903 milliseconds (cumulative count 1920)
96.600% <= 2.103 milliseconds (cumulative count 1932)
98.700% <= 4.103 milliseconds (cumulative count 1974)
99.200% <= 9.103 milliseconds (cumulative count 1984)
99.450% <= 14.103 milliseconds (cumulative count 1989)
99.750% <= 33.119 milliseconds (cumulative count 1995)
100.000% <= 58.111 milliseconds (cumulative count 2000)

Summary:
  throughput summary: 7168.46 requests per second
  latency summary (msec):
          avg       min       p50       p95       p99       max
        0.514     0.032     0.127     0.711     8.111    57.407
`;

test('a redis-benchmark report becomes requests per latency bin, each read at the last point at or below its bound', () => {
  const run = parseHistogram(REPORT);
  assert.deepEqual(BOUNDS_MS, [0.5, 1, 2, 5, 10, 20, 50]);
  assert.deepEqual(run.bins, [1875, 28, 17, 54, 10, 5, 6, 5]);
  assert.equal(run.bins.reduce((a, b) => a + b, 0), 2000);
  assert.deepEqual(
    { requests: run.requests, rps: run.rps, p50Ms: run.p50Ms, p99Ms: run.p99Ms, p999Ms: run.p999Ms, maxMs: run.maxMs },
    { requests: 2000, rps: 7168.46, p50Ms: 0.127, p99Ms: 8.111, p999Ms: 57.407, maxMs: 57.407 },
  );
});

test('a report without its summary is refused rather than read as zeros', () => {
  assert.throws(() => parseHistogram(REPORT.slice(0, REPORT.indexOf('Summary:'))), /unexpected redis-benchmark output/);
});

test('the latency table shows each pause source of Mnemo as a histogram of pause lengths', () => {
  const text = formatLatencyRuns(
    [
      { server: 'mnemo', test: 'get', keys: 1000, run: { ...parseHistogram(REPORT), cpuMicrosPerRequest: 5 }, pauses: {
        gc: { minor: [0.4, 0.7, 3] },
        loopDelay: { samples: 10, p50Ms: 1, p99Ms: 2, p999Ms: 3, maxMs: 4 },
        cronMs: [0.1],
      } },
      { server: 'redis', test: 'get', keys: 1000, error: 'failed to start' },
    ],
    50,
  );
  const minor = text.split('\n').find((line) => line.includes('gc minor'))!;
  // count 3, then one pause each in the <=0.5, <=1 and <=5 bins.
  assert.match(minor, /gc minor\s+3\s+4\.10\s+0\.70\s+3\.00\s+3\.00\s+1\s+1\s+0\s+1\s+0\s+0\s+0\s+0$/);
  assert.match(text, /GET\s+1,000\s+redis\s+failed to start/);
});
