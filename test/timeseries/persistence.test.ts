// Time series through RDB files (DEBUG RELOAD writes and loads one) and DUMP/RESTORE payloads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';

function seriesWithRule(): Harness {
  // DEBUG RELOAD writes dump.rdb into `dir`: a file left in the working directory would be
  // loaded by every redis-server the other tests start there.
  const h = new Harness({ 'enable-debug-command': 'yes', save: '', dir: mkdtempSync(join(tmpdir(), 'mnemo-ts-')) });
  h.run('TS.CREATE', 'raw', 'RETENTION', 100000, 'DUPLICATE_POLICY', 'MAX', 'LABELS', 'room', 'hall');
  h.run('TS.CREATE', 'sums', 'ENCODING', 'UNCOMPRESSED');
  h.run('TS.CREATERULE', 'raw', 'sums', 'AGGREGATION', 'sum', 10);
  for (const ts of [1, 5, 12, 18, 25]) h.run('TS.ADD', 'raw', ts, ts / 2);
  return h;
}

test('series, their settings, labels and compaction rules survive an RDB save and load', () => {
  const h = seriesWithRule();
  const before = [h.run('TS.RANGE', 'raw', '-', '+'), h.run('TS.INFO', 'raw'), h.run('TS.INFO', 'sums'), h.run('TS.RANGE', 'sums', '-', '+')];
  assert.equal(h.run('DEBUG', 'RELOAD'), 'OK');
  const after = [h.run('TS.RANGE', 'raw', '-', '+'), h.run('TS.INFO', 'raw'), h.run('TS.INFO', 'sums'), h.run('TS.RANGE', 'sums', '-', '+')];
  assert.deepEqual(after, before);
  assert.deepEqual(h.run('TS.QUERYINDEX', 'room=hall'), ['raw']);
  // The open bucket [20, 30) went on from the source's samples: 12.5 plus the new 15.
  h.run('TS.ADD', 'raw', 30, 15);
  h.run('TS.ADD', 'raw', 41, 1);
  assert.deepEqual(h.run('TS.RANGE', 'sums', 20, 30), [
    [20, '12.5'],
    [30, '15'],
  ]);
});

test('DUMP and RESTORE copy a series without its compaction links', () => {
  const h = seriesWithRule();
  const payload = h.runBinary('DUMP', 'raw') as string;
  assert.equal(h.run('RESTORE', 'copy', 0, Buffer.from(payload, 'latin1')), 'OK');
  assert.deepEqual(h.run('TS.RANGE', 'copy', '-', '+'), h.run('TS.RANGE', 'raw', '-', '+'));
  const info = h.run('TS.INFO', 'copy') as unknown[];
  assert.deepEqual(info[info.indexOf('rules') + 1], []);
  assert.deepEqual(info[info.indexOf('labels') + 1], [['room', 'hall']]);
  assert.equal(info[info.indexOf('duplicatePolicy') + 1], 'max');
});
