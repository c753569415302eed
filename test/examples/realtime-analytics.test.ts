// The real-time analytics example (examples/realtime-analytics): events posted over HTTP, two
// aggregators of one consumer group, series with compaction rules and a columnar table checked
// against a recomputation from the stream, and the live page loaded in Chromium.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { createClient } from 'redis';
import { randomEvents, startAnalytics, type RunningAnalytics } from '../../examples/realtime-analytics/start.ts';
import { BUCKET_MS, GROUP, LATENCY, STREAM, VIEWS } from '../../examples/realtime-analytics/pipeline.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

describe('real-time analytics example', () => {
  let running: RunningAnalytics;
  let redis: ReturnType<typeof createClient>;
  let sql: pg.Client;
  const post = (events: unknown) =>
    fetch(`http://127.0.0.1:${running.httpPort}/events`, { method: 'POST', body: JSON.stringify(events) }).then((response) => {
      assert.equal(response.status, 202);
    });

  /** Resolves once the group has acknowledged every entry of the stream. */
  async function drained(): Promise<void> {
    for (const start = Date.now(); ; ) {
      assert.ok(Date.now() - start < 60_000, 'the aggregators did not catch up within a minute');
      const length = Number(await redis.sendCommand(['XLEN', STREAM]));
      const [pending] = (await redis.sendCommand(['XPENDING', STREAM, GROUP])) as [number];
      const processed = running.aggregators.reduce((sum, aggregator) => sum + aggregator.processed, 0);
      if (processed === length && Number(pending) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async () => {
    running = await startAnalytics({ consumers: 2 });
    redis = createClient({ url: running.mnemo.url });
    await redis.connect();
    sql = new pg.Client({ host: '127.0.0.1', port: running.sqlPort, user: 'default', database: 'mnemo' });
    await sql.connect();
  });
  after(async () => {
    await sql?.end();
    await redis?.close();
    await running?.stop();
  });

  it('aggregates posted events into per-second series and a SQL table equal to a recomputation from the stream', async () => {
    // Batches spread over about two seconds, so that several buckets fill and two aggregators interleave.
    for (let batch = 0; batch < 20; batch++) {
      await post(randomEvents(100));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await drained();
    const entries = (await redis.sendCommand(['XRANGE', STREAM, '-', '+'])) as [string, string[]][];
    assert.equal(entries.length, 2000);
    const perBucket = new Map<number, { views: number; ms: number }>();
    const perPage = new Map<string, { views: number; ms: number }>();
    for (const [id, fields] of entries) {
      const bucket = Math.floor(Number(id.split('-')[0]) / BUCKET_MS) * BUCKET_MS;
      const page = fields[fields.indexOf('page') + 1]!;
      const ms = Number(fields[fields.indexOf('ms') + 1]);
      for (const [map, key] of [[perBucket, bucket], [perPage, page]] as const) {
        const sums = (map as Map<typeof key, { views: number; ms: number }>).get(key) ?? { views: 0, ms: 0 };
        sums.views++;
        sums.ms += ms;
        (map as Map<typeof key, { views: number; ms: number }>).set(key, sums);
      }
    }
    assert.ok(perBucket.size >= 2, `events fell into ${perBucket.size} bucket(s)`);
    const range = async (key: string) =>
      new Map(((await redis.sendCommand(['TS.RANGE', key, '-', '+', 'LATEST'])) as [number, string][]).map(([t, v]) => [Number(t), Number(v)]));
    assert.deepEqual(await range(`${VIEWS}:1s`), new Map([...perBucket].map(([t, sums]) => [t, sums.views])));
    assert.deepEqual(await range(`${LATENCY}:1s`), new Map([...perBucket].map(([t, sums]) => [t, sums.ms])));
    const table = await sql.query('SELECT page, count(*) AS views, sum(ms) AS ms FROM page_views GROUP BY page ORDER BY page');
    assert.deepEqual(
      table.rows.map((row) => [row.page, Number(row.views), Number(row.ms)]),
      [...perPage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([page, sums]) => [page, sums.views, sums.ms]),
    );
  });

  it('the live page in Chromium charts the series, lists the top pages, and moves while events arrive', async (t) => {
    if (!existsSync(CHROMIUM)) {
      assert.notEqual(process.env.MNEMO_REQUIRE_REFERENCE, '1', `${CHROMIUM} is missing (apt-get install -y chromium)`);
      t.skip(`${CHROMIUM} is missing`);
      return;
    }
    const profile = mkdtempSync(join(tmpdir(), 'mnemo-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${running.httpPort}/`);
      await page.waitForFunction(() => (window as unknown as { dashboard: { points: number } }).dashboard.points > 0, null, { timeout: 30_000 });
      const views = () => page.evaluate(() => (window as unknown as { dashboard: { views: number } }).dashboard.views);
      const before = await views();
      await post(randomEvents(300));
      await drained();
      await page.waitForFunction((seen) => (window as unknown as { dashboard: { views: number } }).dashboard.views > seen, before, { timeout: 30_000 });
      const top = (await sql.query('SELECT page, count(*) AS views FROM page_views GROUP BY page ORDER BY views DESC, page LIMIT 10')).rows;
      await page.waitForFunction((expected) => document.querySelector('#top tbody tr td')?.textContent === expected, top[0].page, { timeout: 30_000 });
      assert.equal(await page.locator('#views canvas').count(), 1);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'realtime-analytics.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
