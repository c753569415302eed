// One worker process. Environment: SEEDS (JSON [{host, port}]), WORKER_NAME, and for the
// crash demonstration CRASH_AFTER_READS (exit, without processing, after that many batches).

import { Worker, connectCluster } from './pipeline.ts';

const cluster = connectCluster(JSON.parse(process.env.SEEDS ?? '[]'));
const crashAfterReads = process.env.CRASH_AFTER_READS === undefined ? undefined : Number(process.env.CRASH_AFTER_READS);
const worker = new Worker(cluster, { name: process.env.WORKER_NAME ?? `worker-${process.pid}`, crashAfterReads });
console.log('worker ready');

process.on('SIGTERM', () => {
  void worker.stop().then(() => {
    cluster.disconnect();
    process.exit(0);
  });
});
