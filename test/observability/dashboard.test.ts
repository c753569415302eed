import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DashboardSnapshot } from '../../src/observability/dashboard.ts';
import { launchChromium, skipWithoutChromium } from '../helpers/browser.ts';
import { WireConnection, encodeCommand } from '../helpers/wire.ts';
import { startWithMetrics } from './support.ts';

/** Browser tests keep their screenshots here (git ignores the folder). */
const ARTEFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** An event stream read one event at a time. */
class EventReader {
  private readonly controller = new AbortController();
  private readonly decoder = new TextDecoder();
  private text = '';
  private chunks!: AsyncIterator<Uint8Array>;

  static async open(url: string): Promise<EventReader> {
    const reader = new EventReader();
    const response = await fetch(url, { signal: reader.controller.signal });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    reader.chunks = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    return reader;
  }

  async next(): Promise<DashboardSnapshot> {
    for (;;) {
      const end = this.text.indexOf('\n\n');
      if (end >= 0) {
        const event = this.text.slice(0, end);
        this.text = this.text.slice(end + 2);
        assert.match(event, /^data: /);
        return JSON.parse(event.slice('data: '.length)) as DashboardSnapshot;
      }
      const chunk = await this.chunks.next();
      assert.equal(chunk.done, false, 'the event stream ended');
      this.text += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  close(): void {
    this.controller.abort();
  }
}

test('GET / serves the dashboard page, its script and uPlot from the package', async (t) => {
  const { running, http } = await startWithMetrics();
  t.after(() => running.close());
  const page = await fetch(`${http}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  assert.match(html, /<script src="uplot.js">/);
  assert.match(html, /<script src="dashboard.js">/);
  const uplot = await fetch(`${http}/uplot.js`);
  assert.match(uplot.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.match(await uplot.text(), /uPlot/);
  const css = await fetch(`${http}/uplot.css`);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  await css.text();
  const script = await fetch(`${http}/dashboard.js`);
  assert.match(await script.text(), /new EventSource/);
  const missing = await fetch(`${http}/nothing-here`);
  assert.equal(missing.status, 404);
  await missing.text();
});

test('the event stream sends snapshots of what the server did: commands, latency, keys per database, slow log, hits', async (t) => {
  const { running, http } = await startWithMetrics({ 'slowlog-log-slower-than': '0' });
  const client = await WireConnection.connect(running.port);
  t.after(async () => {
    client.close();
    await running.close();
  });
  await client.command(['SET', 'a', '1']);
  await client.command(['GET', 'a']);
  await client.command(['GET', 'missing']);
  await client.command(['SELECT', '3']);
  await client.command(['SET', 'b', '2', 'EX', '100']);
  const events = await EventReader.open(`${http}/events?interval=100`);
  const snapshot = await events.next();
  events.close();
  const calls = new Map(snapshot!.commands.map(([name, count]) => [name, count]));
  assert.equal(calls.get('set'), 2);
  assert.equal(calls.get('get'), 2);
  assert.equal(calls.get('select'), 1);
  // Every tracked call is in one bucket of the summed histogram.
  assert.equal(snapshot!.latencyBuckets.reduce((a, b) => a + b, 0), 5);
  assert.equal(snapshot!.latencyBounds.length, snapshot!.latencyBuckets.length);
  assert.deepEqual(snapshot!.dbs, [[0, 1, 0], [3, 1, 1]]);
  assert.equal(snapshot!.hits, 1);
  assert.equal(snapshot!.misses, 1);
  assert.equal(snapshot!.clients.connected, 1);
  assert.equal(snapshot!.slowlog[0]!.command, 'SET b 2 EX 100');
  assert.equal(snapshot!.slowlog.length, 5);
  assert.ok(snapshot!.memory.used > 0 && snapshot!.memory.rss > 0);
  assert.deepEqual(new Map(snapshot!.replication).get('role'), 'master');
  assert.equal(new Map(snapshot!.persistence).get('aof_enabled'), 0);
});

test('the event stream keeps sending snapshots, and their counters move with the load', async (t) => {
  const { running, http } = await startWithMetrics();
  const client = await WireConnection.connect(running.port);
  const events = await EventReader.open(`${http}/events?interval=100`);
  t.after(async () => {
    events.close();
    client.close();
    await running.close();
  });
  const first = await events.next();
  for (let i = 0; i < 20; i++) await client.command(['INCR', 'n']);
  // The stream goes on by itself: a later snapshot has counted the 20 calls.
  let later = await events.next();
  while (later.commands.find(([name]) => name === 'incr')?.[1] !== 20) later = await events.next();
  assert.ok(later.time >= first.time);
  assert.ok(later.commandsProcessed >= first.commandsProcessed + 20);
  assert.deepEqual(later.dbs, [[0, 1, 0]]);
});

test('in chromium the page loads, its charts move while a load runs, and a screenshot is kept', { skip: skipWithoutChromium() }, async (t) => {
  const { running, http } = await startWithMetrics();
  const browser = await launchChromium();
  const load = await WireConnection.connect(running.port);
  t.after(async () => {
    load.close();
    await browser.close();
    await running.close();
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // A loaded CI machine starts chromium slowly; the waits below are bounds, not expectations.
  page.setDefaultTimeout(90_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${http}/?interval=100`);
  assert.equal(await page.title(), 'Mnemo dashboard');
  await page.waitForFunction(() => (window as unknown as { mnemoDashboard: { points: number } }).mnemoDashboard.points >= 2);
  const throughputCanvas = () => page.evaluate(() => document.querySelector<HTMLCanvasElement>('#throughput canvas')!.toDataURL());
  const before = await throughputCanvas();

  // A bounded load: pipelined SET/GET batches until the page has drawn them and the screenshot is taken.
  let stop = false;
  const runningLoad = (async () => {
    const batch = Buffer.concat(Array.from({ length: 50 }, (_, i) => encodeCommand(i % 2 === 0 ? ['SET', `k${i}`, 'v'] : ['GET', `k${i - 1}`])));
    for (let round = 0; !stop && round < 4000; round++) {
      load.send(batch);
      for (let i = 0; i < 50; i++) await load.reply(30_000);
    }
  })();
  try {
    await page.waitForFunction(
      () => {
        const state = (window as unknown as { mnemoDashboard: { opsPerSecond: number; charts: { throughput: { names: string[] } } } }).mnemoDashboard;
        return state.opsPerSecond > 100 && state.charts.throughput.names.includes('set') && state.charts.throughput.names.includes('get');
      },
    );
    // The keys chart has db0 now, and the throughput chart was redrawn with the load on it.
    assert.deepEqual(await page.evaluate(() => (window as unknown as { mnemoDashboard: { charts: { keys: { names: string[] } } } }).mnemoDashboard.charts.keys.names), ['db0']);
    assert.notEqual(await throughputCanvas(), before);
    assert.match((await page.textContent('#dbs'))!, /db0\s*\d+/);
    assert.equal(await page.textContent('#state'), 'live');
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTEFACTS}dashboard.png`, fullPage: true });
  } finally {
    stop = true;
    await runningLoad;
  }
  assert.deepEqual(pageErrors, []);
});
