// A BGSAVE and an AOF rewrite never run at once, as Redis's two child processes never do: the
// one asked for second waits for the first and starts from the cron once it is over.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startServer } from '../../src/server/run.ts';
import { connect, fillDataset, waitUntil } from './aof-dataset.ts';

/** A server with appendonly on and the reference dataset, and a client; both go after the test. */
async function start(t: TestContext): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-overlap-'));
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { dir, appendonly: 'yes', save: '' } });
  await fillDataset(running.port);
  const r = connect(running.port);
  t.after(async () => {
    r.disconnect();
    await running.close();
  });
  return r;
}

function field(info: string, name: string): string {
  return new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)![1]!;
}

/**
 * Waits until the counter `name` reached `count` and neither job runs any more; both must have
 * succeeded. Returns INFO persistence then.
 */
async function bothDone(r: Redis, name: string, count: number): Promise<string> {
  let info = '';
  await waitUntil(async () => {
    info = await r.info('persistence');
    return field(info, name) === String(count) && field(info, 'rdb_bgsave_in_progress') === '0' && field(info, 'aof_rewrite_in_progress') === '0';
  });
  assert.equal(field(info, 'rdb_last_bgsave_status'), 'ok');
  assert.equal(field(info, 'aof_last_bgrewrite_status'), 'ok');
  return info;
}

test('BGREWRITEAOF during a BGSAVE is scheduled, and runs once the BGSAVE is over', async (t) => {
  const r = await start(t);
  const rewrites = Number(field(await r.info('persistence'), 'aof_rewrites'));
  // One pipeline: both commands run in the same turn, before the BGSAVE's first step.
  const replies = await r.pipeline().bgsave().bgrewriteaof().info('persistence').exec();
  assert.deepEqual(replies!.slice(0, 2), [
    [null, 'Background saving started'],
    [null, 'Background append only file rewriting scheduled'],
  ]);
  const during = replies![2]![1] as string;
  assert.equal(field(during, 'aof_rewrite_scheduled'), '1');
  assert.equal(field(during, 'aof_rewrite_in_progress'), '0');
  const after = await bothDone(r, 'aof_rewrites', rewrites + 1);
  assert.equal(field(after, 'aof_rewrite_scheduled'), '0');
});

test('BGSAVE during an AOF rewrite is refused with Redis\'s error, and BGSAVE SCHEDULE runs it after', async (t) => {
  const r = await start(t);
  const saves = Number(field(await r.info('persistence'), 'rdb_saves'));
  const replies = await r.pipeline().bgrewriteaof().bgsave().bgsave('SCHEDULE').info('persistence').exec();
  assert.deepEqual(replies![0], [null, 'Background append only file rewriting started']);
  assert.equal(
    (replies![1]![0] as Error).message,
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  );
  assert.deepEqual(replies![2], [null, 'Background saving scheduled']);
  assert.equal(field(replies![3]![1] as string, 'rdb_bgsave_in_progress'), '0');
  await bothDone(r, 'rdb_saves', saves + 1);
});
