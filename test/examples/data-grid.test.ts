// The data grid example (examples/data-grid): six Mnemo processes made a cluster by redis-cli,
// worker processes running the pipeline's functions next to the data, a worker that crashes
// with entries in hand, and a primary killed mid-run. Every order must count exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { until } from '../../examples/common.ts';
import { startCluster, type LocalCluster } from '../../examples/data-grid/cluster.ts';
import { ENRICHERS, PARTITIONS, SETTLERS, connectCluster, createGroups, keys, produce, totals } from '../../examples/data-grid/pipeline.ts';
import { startWorker, stopWorker } from '../../examples/data-grid/start.ts';
import { skipWithout } from '../helpers/reference.ts';

test('every order is settled exactly once through a worker crash and a primary killed mid-run', { skip: skipWithout('redis-cli') }, async (t) => {
  let cluster: LocalCluster | null = null;
  const workers: ChildProcess[] = [];
  let client: ReturnType<typeof connectCluster> | null = null;
  t.after(async () => {
    await Promise.all(workers.map(stopWorker));
    client?.disconnect();
    await cluster?.stop();
  });
  cluster = await startCluster({ primaries: 3, nodeTimeoutMs: 5000 });
  client = connectCluster(cluster.seeds);
  await createGroups(client);
  // The crashing worker runs alone at first, so that it surely reads a batch before it dies.
  const crashing = await startWorker(cluster, 'crashing', { CRASH_AFTER_READS: '1' });
  workers.push(crashing);
  const crashed = new Promise<number | null>((resolve) => crashing.once('exit', resolve));

  const orders = Array.from({ length: 600 }, (_, n) => ({ id: `order-${n}`, amount: 100 + ((n * 7919) % 10_000) }));
  const expected = {
    orders: orders.length,
    amount: orders.reduce((sum, order) => sum + order.amount, 0),
    fees: orders.reduce((sum, order) => sum + Math.floor((order.amount * 3) / 100), 0),
  };
  assert.equal(await produce(client, orders.slice(0, 300)), 0, 'every batch before the kill reached a replica');
  assert.equal(await crashed, 1, 'the crashing worker died with entries it had read');
  let abandoned = 0;
  for (let partition = 0; partition < PARTITIONS; partition++) abandoned += Number(((await client.xpending(keys(partition).orders, ENRICHERS)) as [number])[0]);
  assert.ok(abandoned > 0, 'the crashed worker left entries pending');
  workers.push(await startWorker(cluster, 'steady-1'), await startWorker(cluster, 'steady-2'));

  // The primary of partition 0 dies while the workers are busy; its replica is elected.
  const victim = await cluster.primaryOf(keys(0).orders);
  await cluster.kill(victim);
  await produce(client, orders.slice(300));

  await until('every order to be settled', async () => (await totals(client!)).orders >= expected.orders, 120_000);
  await until('no entry pending in any group', async () => {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const { orders: stream, enriched } = keys(partition);
      for (const [key, group] of [[stream, ENRICHERS], [enriched, SETTLERS]] as const) {
        const [pending] = (await client!.xpending(key, group)) as [number];
        if (Number(pending) !== 0) return false;
      }
    }
    return true;
  }, 60_000);
  assert.deepEqual(await totals(client), expected);
  assert.notEqual((await cluster.primaryOf(keys(0).orders)).port, victim.port, 'partition 0 moved to the elected replica');
});
