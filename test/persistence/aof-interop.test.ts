// Append-only directories move between Redis 7.0.15 and Mnemo both ways: one server writes
// (a base from a rewrite, then incremental writes), the other starts on the directory, and
// the two datasets are compared key by key (type, value, absolute expiry).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/run.ts';
import { AppendOnlyFile } from '../../src/persistence/aof/aof.ts';
import { skipWithout, startRedisReference } from '../helpers/reference.ts';
import { connect, diffDumps, dumpDataset, fillDataset, waitUntil } from './aof-dataset.ts';

const skip = skipWithout('redis-server');

async function redisRewriteDone(port: number): Promise<boolean> {
  const r = connect(port);
  const info = await r.info('persistence');
  r.disconnect();
  return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info);
}

/** Writes the dataset with a rewrite in the middle, so the directory has a base and incremental writes. */
async function writeWithRewrite(port: number, rewriteDone: () => Promise<boolean>): Promise<void> {
  await fillDataset(port);
  const r = connect(port);
  await r.call('BGREWRITEAOF');
  await waitUntil(rewriteDone);
  await r.set('after-rewrite', 'incr');
  await r.del('db0:str');
  await r.rpush('db0:list', 'tail');
  await r.hset('db0:hash', 'f1', 'changed');
  r.disconnect();
}

for (const preamble of ['yes', 'no'] as const) {
  test(`an appendonly directory written by redis-server 7.0.15 (aof-use-rdb-preamble ${preamble}) loads into Mnemo`, { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnemo-interop-'));
    const redis = await startRedisReference(['--appendonly', 'yes', '--dir', dir, '--aof-use-rdb-preamble', preamble]);
    let expected;
    try {
      await writeWithRewrite(redis.port, () => redisRewriteDone(redis.port));
      expected = await dumpDataset(redis.port);
    } finally {
      await redis.close();
    }
    const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: { dir, appendonly: 'yes' } });
    try {
      assert.equal(diffDumps(expected, await dumpDataset(mnemo.port)), '');
    } finally {
      await mnemo.close();
    }
  });

  test(`an appendonly directory written by Mnemo (aof-use-rdb-preamble ${preamble}) loads into redis-server 7.0.15`, { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnemo-interop-'));
    const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble } });
    let expected;
    try {
      await writeWithRewrite(mnemo.port, async () => AppendOnlyFile.of(mnemo.server).rewrite === null);
      expected = await dumpDataset(mnemo.port);
    } finally {
      await mnemo.close();
    }
    const redis = await startRedisReference(['--appendonly', 'yes', '--dir', dir]);
    try {
      assert.equal(diffDumps(expected, await dumpDataset(redis.port)), '');
    } finally {
      await redis.close();
    }
  });
}
