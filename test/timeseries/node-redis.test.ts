// node-redis's time-series client (@redis/time-series, bundled with redis 6) against a started
// Mnemo, in RESP2 and RESP3: the commands it builds and the replies it parses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { TIME_SERIES_AGGREGATION_TYPE, TIME_SERIES_DUPLICATE_POLICIES, TIME_SERIES_REDUCERS } from '@redis/time-series';
import { startServer, type RunningServer } from '../../src/server/run.ts';

for (const RESP of [2, 3] as const) {
  describe(`@redis/time-series over RESP${RESP}`, () => {
    let mnemo: RunningServer;
    let client: ReturnType<typeof createClient<{}, {}, {}, typeof RESP>>;
    before(async () => {
      mnemo = await startServer({ port: 0, host: '127.0.0.1' });
      client = createClient({ url: mnemo.url, RESP, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      await client.connect();
    });
    after(async () => {
      if (client?.isOpen) client.destroy();
      await mnemo?.close();
    });

    it('creates series, adds samples and reads them back', async () => {
      assert.equal(
        await client.ts.create('temp:1', {
          RETENTION: 86_400_000,
          DUPLICATE_POLICY: TIME_SERIES_DUPLICATE_POLICIES.LAST,
          LABELS: { sensor: '1', room: 'hall' },
        }),
        'OK',
      );
      await client.ts.create('temp:2', { LABELS: { sensor: '2', room: 'hall' } });
      for (let i = 0; i < 10; i++) {
        await client.ts.add('temp:1', 1000 + i * 100, 20 + i / 2);
        await client.ts.add('temp:2', 1000 + i * 100, 30 - i);
      }
      assert.deepEqual(await client.ts.get('temp:1'), { timestamp: 1900, value: 24.5 });
      const range = await client.ts.range('temp:1', '-', '+', { COUNT: 3 });
      assert.deepEqual(range, [
        { timestamp: 1000, value: 20 },
        { timestamp: 1100, value: 20.5 },
        { timestamp: 1200, value: 21 },
      ]);
      const buckets = await client.ts.range('temp:2', 1000, 1999, {
        AGGREGATION: { type: TIME_SERIES_AGGREGATION_TYPE.AVG, timeBucket: 500 },
      });
      assert.deepEqual(buckets, [
        { timestamp: 1000, value: 28 },
        { timestamp: 1500, value: 23 },
      ]);
    });

    it('reports TS.INFO fields the client maps by name', async () => {
      const info = (await client.ts.info('temp:1')) as unknown as Record<string, unknown>;
      assert.equal(info.totalSamples, 10);
      assert.equal(info.lastTimestamp, 1900);
      assert.equal(info.retentionTime, 86_400_000);
      assert.equal(String(info.duplicatePolicy).toLowerCase(), 'last');
    });

    it('queries several series by label with MGET, MRANGE and GROUPBY', async () => {
      const latest = (await client.ts.mGet('room=hall')) as unknown;
      const keys = Array.isArray(latest) ? latest.map((entry: { key: string }) => entry.key) : Object.keys(latest as object);
      assert.deepEqual(keys, ['temp:1', 'temp:2']);
      const grouped = (await client.ts.mRangeGroupBy('-', '+', 'room=hall', { label: 'room', REDUCE: TIME_SERIES_REDUCERS.MAX })) as unknown;
      const text = JSON.stringify(grouped);
      assert.ok(text.includes('room=hall'), text);
      assert.ok(text.includes('29'), 'the max of 20 and 29 at the second timestamp');
      assert.deepEqual(await client.ts.queryIndex('sensor=2'), ['temp:2']);
    });

    it('keeps a compaction through createRule and deletes samples with del', async () => {
      await client.ts.create('raw');
      await client.ts.create('per10');
      assert.equal(await client.ts.createRule('raw', 'per10', TIME_SERIES_AGGREGATION_TYPE.SUM, 10), 'OK');
      for (const ts of [1, 2, 11, 21]) await client.ts.add('raw', ts, ts);
      assert.deepEqual(await client.ts.range('per10', '-', '+'), [
        { timestamp: 0, value: 3 },
        { timestamp: 10, value: 11 },
      ]);
      assert.equal(await client.ts.del('raw', 0, 5), 2);
      assert.equal(await client.ts.incrBy('counter', 3, { TIMESTAMP: 5 }), 5);
    });
  });
}
