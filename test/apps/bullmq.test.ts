// BullMQ against a started Mnemo: its Lua scripts (EVALSHA with msgpack and cjson), streams
// (QueueEvents' XREAD BLOCK) and blocking sorted-set pops, as an application uses them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { startServer, type RunningServer } from '../../src/server/run.ts';

describe('BullMQ on Mnemo', () => {
  let mnemo: RunningServer;
  let connection: { host: string; port: number; maxRetriesPerRequest: null };
  const closers: (() => Promise<unknown>)[] = [];
  before(async () => {
    mnemo = await startServer({ port: 0, host: '127.0.0.1' });
    const url = new URL(mnemo.url);
    connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await mnemo?.close();
  });

  function queue(name: string): Queue {
    const q = new Queue(name, { connection });
    closers.push(() => q.close());
    return q;
  }

  function worker(name: string, process: (job: Job) => Promise<unknown>, concurrency = 1): Worker {
    const w = new Worker(name, process, { connection, concurrency });
    closers.push(() => w.close());
    return w;
  }

  it('processes jobs with concurrency and reports completion through QueueEvents', async () => {
    const q = queue('work');
    const events = new QueueEvents('work', { connection });
    closers.push(() => events.close());
    await events.waitUntilReady();
    let running = 0;
    let peak = 0;
    worker(
      'work',
      async (job) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return job.data.n * 2;
      },
      5,
    );
    const jobs = await q.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'double', data: { n } })));
    const results = await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 20_000)));
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, n) => n * 2),
    );
    assert.ok(peak > 1 && peak <= 5, `ran ${peak} at once`);
    const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active');
    // BullMQ counts paused jobs with waiting ones and reports both.
    assert.deepEqual(counts, { completed: 20, failed: 0, waiting: 0, active: 0, paused: 0 });
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const q = queue('flaky');
    const attempts: number[] = [];
    const done = new Promise<Job>((resolve) => {
      const w = worker('flaky', async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error(`attempt ${attempts.length} fails`);
        return 'ok';
      });
      w.on('completed', (job: Job) => resolve(job));
    });
    await q.add('try', {}, { attempts: 5, backoff: { type: 'fixed', delay: 100 } });
    const job = await done;
    assert.equal(job.returnvalue, 'ok');
    assert.equal(job.attemptsMade, 3);
    assert.ok(attempts[2]! - attempts[0]! >= 200, 'two backoffs of 100 ms');
  });

  it('holds a delayed job back until its time', async () => {
    const q = queue('later');
    const added = Date.now();
    const processed = new Promise<number>((resolve) => {
      worker('later', async () => resolve(Date.now()));
    });
    await q.add('wait', {}, { delay: 300 });
    const at = await processed;
    assert.ok(at - added >= 300, `ran after ${at - added} ms`);
  });

  it('repeats a job on an interval', async () => {
    const q = queue('repeat');
    let runs = 0;
    const threeRuns = new Promise<void>((resolve) => {
      worker('repeat', async () => {
        runs++;
        if (runs === 3) resolve();
      });
    });
    await q.add('tick', {}, { repeat: { every: 100 } });
    await threeRuns;
    assert.ok(runs >= 3);
    const repeatable = await q.getRepeatableJobs();
    assert.equal(repeatable.length, 1);
  });
});
