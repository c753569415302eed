import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

function errorText(reply: unknown): string {
  assert.ok(reply !== null && typeof reply === 'object' && 'text' in reply, `expected an error, got ${JSON.stringify(reply)}`);
  return (reply as { text: string }).text;
}

test('TS.ADD appends samples that TS.RANGE and TS.GET read back, values printed as RedisTimeSeries prints them', () => {
  const h = new Harness();
  assert.equal(h.run('TS.ADD', 't', 1000, '26.2'), 1000);
  assert.equal(h.run('TS.ADD', 't', 2000, '0.5'), 2000);
  assert.equal(h.run('TS.ADD', 't', 3000, '500'), 3000);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+'), [
    [1000, '26.2'],
    [2000, '5E-1'],
    [3000, '500'],
  ]);
  assert.deepEqual(h.run('TS.GET', 't'), [3000, '500']);
  assert.deepEqual(h.run('TS.REVRANGE', 't', '-', '+', 'COUNT', 2), [
    [3000, '500'],
    [2000, '5E-1'],
  ]);
  assert.equal(h.run('TYPE', 't'), 'TSDB-TYPE');
});

test('a sample at an existing timestamp follows the duplicate policy: BLOCK refuses, the others merge', () => {
  const h = new Harness();
  h.run('TS.ADD', 't', 10, 5);
  assert.equal(
    errorText(h.run('TS.ADD', 't', 10, 7)),
    'ERR TSDB: Error at upsert, update is not supported when DUPLICATE_POLICY is set to BLOCK mode',
  );
  const merged: [string, string][] = [
    ['SUM', '12'],
    ['MIN', '5'],
    ['MAX', '7'],
    ['FIRST', '5'],
    ['LAST', '7'],
  ];
  for (const [policy, expected] of merged) {
    h.run('DEL', 't');
    h.run('TS.ADD', 't', 10, 5);
    assert.equal(h.run('TS.ADD', 't', 10, 7, 'ON_DUPLICATE', policy), 10);
    assert.deepEqual(h.run('TS.GET', 't'), [10, expected], policy);
  }
  h.run('TS.CREATE', 'p', 'DUPLICATE_POLICY', 'LAST');
  h.run('TS.ADD', 'p', 1, 1);
  h.run('TS.ADD', 'p', 1, 2);
  assert.deepEqual(h.run('TS.RANGE', 'p', '-', '+'), [[1, '2']]);
});

test('samples out of order are inserted in timestamp order, across chunk splits', () => {
  const h = new Harness();
  h.run('TS.CREATE', 't', 'CHUNK_SIZE', 48, 'ENCODING', 'UNCOMPRESSED');
  const order = [50, 10, 40, 20, 30, 5, 45, 15, 35, 25, 1, 49];
  for (const ts of order) h.run('TS.ADD', 't', ts, ts * 2);
  const range = h.run('TS.RANGE', 't', '-', '+') as [number, string][];
  assert.deepEqual(
    range.map(([ts]) => ts),
    [...order].sort((a, b) => a - b),
  );
  assert.ok(range.every(([ts, value]) => Number(value) === ts * 2));
  const info = h.run('TS.INFO', 't') as unknown[];
  assert.equal(info[info.indexOf('totalSamples') + 1], order.length);
  assert.ok((info[info.indexOf('chunkCount') + 1] as number) > 1, 'small chunks split');
});

test('RETENTION refuses samples older than the retention and hides expired ones from reads', () => {
  const h = new Harness();
  h.run('TS.CREATE', 't', 'RETENTION', 100);
  h.run('TS.ADD', 't', 1000, 1);
  h.run('TS.ADD', 't', 1050, 2);
  h.run('TS.ADD', 't', 1200, 3);
  assert.equal(errorText(h.run('TS.ADD', 't', 1000, 9)), 'ERR TSDB: Timestamp is older than retention');
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+'), [[1200, '3']]);
  const info = h.run('TS.INFO', 't') as unknown[];
  assert.equal(info[info.indexOf('totalSamples') + 1], 1);
  assert.equal(info[info.indexOf('firstTimestamp') + 1], 1200);
});

test('AGGREGATION buckets samples: alignment, bucket timestamps, EMPTY and COUNT', () => {
  const h = new Harness();
  for (const [ts, v] of [
    [1, 1],
    [2, 3],
    [11, 5],
    [35, 7],
  ])
    h.run('TS.ADD', 't', ts!, v!);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'avg', 10), [
    [0, '2'],
    [10, '5'],
    [30, '7'],
  ]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'count', 10, 'EMPTY'), [
    [0, '2'],
    [10, '1'],
    [20, '0'],
    [30, '1'],
  ]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'max', 10, 'BUCKETTIMESTAMP', 'end'), [
    [10, '3'],
    [20, '5'],
    [40, '7'],
  ]);
  assert.deepEqual(h.run('TS.RANGE', 't', 1, 40, 'ALIGN', 'start', 'AGGREGATION', 'sum', 10), [
    [1, '4'],
    [11, '5'],
    [31, '7'],
  ]);
  assert.deepEqual(h.run('TS.REVRANGE', 't', '-', '+', 'AGGREGATION', 'min', 10, 'COUNT', 2), [
    [30, '7'],
    [10, '5'],
  ]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'range', 100), [[0, '6']]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'var.p', 100), [[0, '5']]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'std.s', 100), [[0, String(Math.sqrt(20 / 3))]]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'FILTER_BY_TS', 2, 35, 99), [
    [2, '3'],
    [35, '7'],
  ]);
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'FILTER_BY_VALUE', 2, 6), [
    [2, '3'],
    [11, '5'],
  ]);
});

test('the time-weighted average interpolates at the bucket edges from the neighbouring samples', () => {
  const h = new Harness();
  h.run('TS.ADD', 't', 0, 0);
  h.run('TS.ADD', 't', 20, 20);
  // The line 0->20 over [10, 20) averages 15; over [0, 10) it averages 5.
  assert.deepEqual(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'twa', 10), [
    [0, '5'],
    [20, '20'],
  ]);
  h.run('TS.ADD', 't', 10, 10);
  assert.deepEqual(h.run('TS.RANGE', 't', 10, 19, 'AGGREGATION', 'twa', 10), [[10, '15']]);
});

test('a compaction rule writes each finished bucket into its destination; LATEST shows the open one', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'raw');
  h.run('TS.CREATE', 'sums');
  assert.equal(h.run('TS.CREATERULE', 'raw', 'sums', 'AGGREGATION', 'sum', 10), 'OK');
  for (const ts of [1, 5, 12, 18, 25]) h.run('TS.ADD', 'raw', ts, ts);
  assert.deepEqual(h.run('TS.RANGE', 'sums', '-', '+'), [
    [0, '6'],
    [10, '30'],
  ]);
  assert.deepEqual(h.run('TS.GET', 'sums'), [10, '30']);
  assert.deepEqual(h.run('TS.GET', 'sums', 'LATEST'), [20, '25']);
  assert.deepEqual(h.run('TS.RANGE', 'sums', '-', '+', 'LATEST'), [
    [0, '6'],
    [10, '30'],
    [20, '25'],
  ]);
  // A late sample into a finished bucket recomputes that bucket.
  h.run('TS.ADD', 'raw', 3, 100, 'ON_DUPLICATE', 'LAST');
  assert.deepEqual(h.run('TS.RANGE', 'sums', 0, 0), [[0, '106']]);
  const info = h.run('TS.INFO', 'raw') as unknown[];
  assert.deepEqual(info[info.indexOf('rules') + 1], [['sums', 10, 'SUM', 0]]);
  const destInfo = h.run('TS.INFO', 'sums') as unknown[];
  assert.equal(destInfo[destInfo.indexOf('sourceKey') + 1], 'raw');
  assert.equal(errorText(h.run('TS.CREATERULE', 'sums', 'raw', 'AGGREGATION', 'sum', 10)), 'ERR TSDB: the source key already has a source rule');
  assert.equal(errorText(h.run('TS.CREATERULE', 'raw', 'raw', 'AGGREGATION', 'sum', 10)), 'ERR TSDB: the source key and destination key should be different');
  assert.equal(h.run('TS.DELETERULE', 'raw', 'sums'), 'OK');
  assert.equal(errorText(h.run('TS.DELETERULE', 'raw', 'sums')), 'ERR TSDB: compaction rule does not exist');
  h.run('TS.ADD', 'raw', 40, 1);
  assert.equal((h.run('TS.RANGE', 'sums', '-', '+') as unknown[]).length, 2, 'no more compaction after DELETERULE');
});

test('TS.DEL removes a range of samples and reports how many went', () => {
  const h = new Harness();
  for (let ts = 1; ts <= 10; ts++) h.run('TS.ADD', 't', ts, ts);
  assert.equal(h.run('TS.DEL', 't', 3, 6), 4);
  assert.deepEqual(
    (h.run('TS.RANGE', 't', '-', '+') as [number, string][]).map(([ts]) => ts),
    [1, 2, 7, 8, 9, 10],
  );
  assert.equal(h.run('TS.DEL', 't', 100, 200), 0);
});

test('TS.INCRBY and TS.DECRBY build on the last value and refuse going back in time', () => {
  const h = new Harness();
  assert.equal(h.run('TS.INCRBY', 'c', 5, 'TIMESTAMP', 100), 100);
  assert.equal(h.run('TS.INCRBY', 'c', 2.5, 'TIMESTAMP', 100), 100);
  assert.equal(h.run('TS.DECRBY', 'c', 1, 'TIMESTAMP', 200), 200);
  assert.deepEqual(h.run('TS.RANGE', 'c', '-', '+'), [
    [100, '7.5'],
    [200, '6.5'],
  ]);
  assert.equal(errorText(h.run('TS.INCRBY', 'c', 1, 'TIMESTAMP', 50)), 'TSDB: timestamp must be equal to or higher than the maximum existing timestamp');
  h.clock.ms = 5000;
  assert.equal(h.run('TS.INCRBY', 'c', 1), 5000);
});

test('label filters select series for TS.MGET, TS.MRANGE and TS.QUERYINDEX, in key order', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'b', 'LABELS', 'room', 'kitchen', 'kind', 'temp');
  h.run('TS.CREATE', 'a', 'LABELS', 'room', 'hall', 'kind', 'temp');
  h.run('TS.CREATE', 'c', 'LABELS', 'room', 'hall', 'kind', 'humidity', 'floor', '1');
  h.run('TS.ADD', 'a', 1, 10);
  h.run('TS.ADD', 'b', 1, 20);
  h.run('TS.ADD', 'c', 2, 30);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'kind=temp'), ['a', 'b']);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'room=hall', 'kind!=temp'), ['c']);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'room=(hall,kitchen)', 'floor='), ['a', 'b']);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'room=(hall,kitchen)', 'floor!='), ['c']);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'room!=(hall)', 'kind=temp'), ['b']);
  assert.equal(errorText(h.run('TS.QUERYINDEX', 'room!=hall')), 'ERR TSDB: please provide at least one matcher');
  assert.deepEqual(h.run('TS.MGET', 'WITHLABELS', 'FILTER', 'kind=temp'), [
    ['a', [['room', 'hall'], ['kind', 'temp']], [1, '10']],
    ['b', [['room', 'kitchen'], ['kind', 'temp']], [1, '20']],
  ]);
  assert.deepEqual(h.run('TS.MGET', 'SELECTED_LABELS', 'floor', 'FILTER', 'room=hall'), [
    ['a', [['floor', null]], [1, '10']],
    ['c', [['floor', '1']], [2, '30']],
  ]);
  assert.deepEqual(h.run('TS.MRANGE', '-', '+', 'FILTER', 'room=hall'), [
    ['a', [], [[1, '10']]],
    ['c', [], [[2, '30']]],
  ]);
  assert.deepEqual(h.run('TS.MRANGE', '-', '+', 'WITHLABELS', 'FILTER', 'room=(hall,kitchen)', 'GROUPBY', 'kind', 'REDUCE', 'sum'), [
    ['kind=humidity', [['kind', 'humidity'], ['__reducer__', 'sum'], ['__source__', 'c']], [[2, '30']]],
    ['kind=temp', [['kind', 'temp'], ['__reducer__', 'sum'], ['__source__', 'a,b']], [[1, '30']]],
  ]);
});

test('the label index follows keys through RENAME, DEL, FLUSHDB, SWAPDB and TS.ALTER', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'x', 'LABELS', 'l', 'v');
  h.run('RENAME', 'x', 'y');
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=v'), ['y']);
  h.run('TS.ALTER', 'y', 'LABELS', 'l', 'w');
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=v'), []);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=w'), ['y']);
  h.run('SWAPDB', 0, 1);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=w'), []);
  h.run('SELECT', 1);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=w'), ['y']);
  h.run('DEL', 'y');
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=w'), []);
  h.run('TS.CREATE', 'z', 'LABELS', 'l', 'w');
  h.run('FLUSHDB');
  h.run('SET', 'z', 'string now');
  assert.deepEqual(h.run('TS.QUERYINDEX', 'l=w'), []);
});

test('errors carry RedisTimeSeries texts', () => {
  const h = new Harness();
  h.run('SET', 's', 'x');
  assert.equal(errorText(h.run('TS.GET', 'nope')), 'ERR TSDB: the key does not exist');
  assert.equal(errorText(h.run('TS.GET', 's')), 'ERR WRONGTYPE Operation against a key holding the wrong kind of value');
  assert.equal(errorText(h.run('TS.ADD', 's', 1, 1)), 'ERR TSDB: the key is not a TSDB key');
  assert.equal(errorText(h.run('TS.ADD', 't', 1, 'x')), 'ERR TSDB: invalid value');
  assert.equal(errorText(h.run('TS.ADD', 't', 'x', 1)), 'ERR TSDB: invalid timestamp');
  assert.equal(errorText(h.run('TS.ADD', 't', -1, 1)), 'ERR TSDB: invalid timestamp, must be a nonnegative integer');
  assert.equal(errorText(h.run('TS.CREATE', 't', 'CHUNK_SIZE', 50)), 'ERR TSDB: CHUNK_SIZE value must be a multiple of 8 in the range [48 .. 1048576]');
  assert.equal(errorText(h.run('TS.CREATE', 't', 'DUPLICATE_POLICY', 'nope')), 'ERR TSDB: Unknown DUPLICATE_POLICY');
  assert.equal(errorText(h.run('TS.CREATE', 't', 'ENCODING', 'zip')), 'ERR TSDB: unknown ENCODING parameter');
  assert.equal(errorText(h.run('TS.CREATE', 't', 'RETENTION', 'x')), "ERR TSDB: Couldn't parse RETENTION");
  assert.equal(errorText(h.run('TS.CREATE', 't', 'LABELS', 'a', '(b)')), "ERR TSDB: Couldn't parse LABELS");
  h.run('TS.CREATE', 't');
  assert.equal(errorText(h.run('TS.CREATE', 't')), 'ERR TSDB: key already exists');
  assert.equal(errorText(h.run('TS.RANGE', 't', 'a', '+')), 'ERR TSDB: wrong fromTimestamp');
  assert.equal(errorText(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'median', 10)), 'ERR TSDB: Unknown aggregation type');
  assert.equal(errorText(h.run('TS.RANGE', 't', '-', '+', 'AGGREGATION', 'avg', 0)), 'ERR TSDB: bucketDuration must be greater than zero');
  assert.equal(errorText(h.run('TS.RANGE', 't', '-', '+', 'ALIGN', 'start', 'AGGREGATION', 'avg', 10)), 'ERR TSDB: start alignment can only be used with explicit start timestamp');
  assert.equal(errorText(h.run('TS.RANGE', 't', 0, 10, 'ALIGN', 'start')), 'ERR TSDB: ALIGN parameter can only be used with AGGREGATION');
  assert.equal(errorText(h.run('TS.RANGE', 't', '-', '+', 'COUNT', 0)), 'ERR TSDB: Invalid COUNT value');
  assert.equal(errorText(h.run('TS.MRANGE', '-', '+', 'WITHLABELS')), 'ERR TSDB: missing FILTER argument');
  assert.equal(errorText(h.run('TS.MRANGE', '-', '+', 'FILTER', 'a=b', 'GROUPBY', 'a', 'REDUCE', 'last')), 'ERR TSDB: Invalid reducer type');
});

test('TS.ADD with * stores the server clock and propagates the concrete timestamp; events are class d', () => {
  const h = new Harness({ 'notify-keyspace-events': 'KEA' });
  const propagated: string[][] = [];
  h.server.effects.onPropagate((_db, argv) => propagated.push(argv.map((a) => a.toString())));
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event}:${key.toString()}`));
  h.clock.ms = 123456;
  assert.equal(h.run('TS.ADD', 't', '*', 1), 123456);
  h.clock.ms = 123457;
  const [added, refused] = h.run('TS.MADD', 't', '*', 2, 'missing', 1, 1) as unknown[];
  assert.equal(added, 123457);
  assert.equal(errorText(refused), 'ERR TSDB: the key is not a TSDB key');
  assert.deepEqual(
    propagated.filter((argv) => argv[0] !== 'SELECT' && argv[0] !== 'select'),
    [
      ['TS.ADD', 't', '123456', '1'],
      ['TS.MADD', 't', '123457', '2'],
    ],
  );
  assert.deepEqual(events, ['ts.add:t', 'ts.add:t', 'ts.add:missing']);
});

test('compressed series take a fraction of the uncompressed memory and read back the same samples', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'small', 'ENCODING', 'COMPRESSED');
  h.run('TS.CREATE', 'big', 'ENCODING', 'UNCOMPRESSED');
  for (let i = 0; i < 5000; i++) {
    const ts = 1_700_000_000_000 + i * 1000;
    const value = 20 + (i % 7);
    h.run('TS.ADD', 'small', ts, value);
    h.run('TS.ADD', 'big', ts, value);
  }
  assert.deepEqual(h.run('TS.RANGE', 'small', '-', '+'), h.run('TS.RANGE', 'big', '-', '+'));
  const small = h.run('MEMORY', 'USAGE', 'small') as number;
  const big = h.run('MEMORY', 'USAGE', 'big') as number;
  assert.ok(small * 4 < big, `compressed ${small} B vs uncompressed ${big} B`);
});

test('TS.MREVRANGE gives each matching series its samples newest first, COUNT per series', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'a', 'LABELS', 'k', 'v');
  h.run('TS.CREATE', 'b', 'LABELS', 'k', 'v');
  for (const ts of [1, 2, 3]) {
    h.run('TS.ADD', 'a', ts, ts);
    h.run('TS.ADD', 'b', ts, ts * 10);
  }
  assert.deepEqual(h.run('TS.MREVRANGE', '-', '+', 'COUNT', 2, 'FILTER', 'k=v'), [
    ['a', [], [[3, '3'], [2, '2']]],
    ['b', [], [[3, '30'], [2, '20']]],
  ]);
});
