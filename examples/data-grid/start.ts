// Starts the example: a local cluster of 3 primaries and 3 replicas (Mnemo processes), the
// grid's functions, and worker processes; then produces orders and prints the totals.
//   node --import tsx examples/data-grid/start.ts [--workers 3] [--rate 100]
// Also used by the example's test.

import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCluster, type LocalCluster } from './cluster.ts';
import { spawnExample } from '../common.ts';
import { connectCluster, createGroups, produce, totals } from './pipeline.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export function startWorker(cluster: LocalCluster, name: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawnExample(WORKER, { SEEDS: JSON.stringify(cluster.seeds), WORKER_NAME: name, ...env });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
  });
}

export async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { workers: { type: 'string', default: '3' }, rate: { type: 'string', default: '100' } } });
  console.log('starting 6 Mnemo nodes and creating the cluster...');
  const cluster = await startCluster();
  console.log(`cluster up: ${cluster.seeds.map(({ port }) => port).join(' ')} (redis-cli -c -p ${cluster.seeds[0]!.port})`);
  const client = connectCluster(cluster.seeds);
  await createGroups(client);
  const workers = await Promise.all(Array.from({ length: Number(values.workers) }, (_, n) => startWorker(cluster, `worker-${n + 1}`)));
  let next = 0;
  let sentAmount = 0;
  const producing = setInterval(() => {
    const orders = Array.from({ length: Math.ceil(Number(values.rate) / 10) }, () => ({ id: `order-${next++}`, amount: 100 + Math.floor(Math.random() * 10_000) }));
    sentAmount += orders.reduce((sum, order) => sum + order.amount, 0);
    void produce(client, orders);
  }, 100);
  const reporting = setInterval(() => void totals(client).then((t) => console.log(`produced ${next} orders (${sentAmount} cents); settled ${t.orders} (${t.amount} cents, fees ${t.fees})`)), 2000);
  console.log('Ctrl-C stops everything.');
  process.on('SIGINT', () => {
    clearInterval(producing);
    clearInterval(reporting);
    void Promise.all(workers.map(stopWorker)).then(async () => {
      client.disconnect();
      await cluster.stop();
      process.exit(0);
    });
  });
}
