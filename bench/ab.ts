// A/B of two Mnemo builds (two checkouts), interleaved: the same redis-benchmark runs against
// a server from each checkout in alternating order, and each server's CPU time per request
// from /proc. For "did my change make X slower" on a busy machine, where two separate
// `npm run bench` runs minutes apart differ by more than the change does.
// Usage: node --import tsx bench/ab.ts <checkout A> <checkout B>
// A checkout written as <dir>#bundle runs its server from an esbuild bundle instead of tsx
// (see scripts/bundle.mjs): `bench/ab.ts . .#bundle` compares the two ways to run one build.
// Knobs: AB_TESTS (set,hset,sadd,zadd,lpush), AB_PIPELINE (16), AB_ROUNDS (6),
// AB_REQUESTS (100000, scaled per test as bench/workloads.ts does).

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuMicrosPerRequest } from './proc.ts';
import { runBenchmark } from './redis-benchmark.ts';
import type { BenchServer } from './servers.ts';
import { median } from './stats.ts';
import { requestsFor, throughputTest } from './workloads.ts';

const [dirA, dirB] = process.argv.slice(2);
if (dirA === undefined || dirB === undefined) throw new Error('usage: bench/ab.ts <checkout A> <checkout B>');
const tests = (process.env.AB_TESTS ?? 'set,hset,sadd,zadd,lpush').split(',');
const pipeline = Number(process.env.AB_PIPELINE ?? 16);
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const baseRequests = Number(process.env.AB_REQUESTS ?? 100_000);

type Start = (settings: string[][], launch: 'tsx' | 'bundle') => Promise<BenchServer>;
const starter = async (spec: string): Promise<() => Promise<BenchServer>> => {
  const [dir, launch] = spec.split('#') as [string, string | undefined];
  const { startMnemo } = (await import(pathToFileURL(path.resolve(dir, 'bench/servers.ts')).href)) as { startMnemo: Start };
  return () => startMnemo([], launch === 'bundle' ? 'bundle' : 'tsx');
};
const builds = [
  { name: 'A', dir: dirA, start: await starter(dirA) },
  { name: 'B', dir: dirB, start: await starter(dirB) },
];

console.log(`A = ${dirA}\nB = ${dirB}\n-P ${pipeline}, ${rounds} rounds, order flipping each round\n`);
console.log('test      requests   A us/req   B us/req   B/A     A ops/s    B ops/s');
for (const test of tests) {
  const requests = requestsFor(test, pipeline, baseRequests);
  const { command, prepare } = throughputTest(test);
  const options = { test, pipeline, requests, clients: 50, keyspace: 100_000, ...(command ? { command } : {}) };
  const servers: BenchServer[] = [];
  for (const build of builds) servers.push(await build.start());
  const cpu: number[][] = [[], []];
  const rps: number[][] = [[], []];
  try {
    for (const server of servers) await prepare?.(server);
    for (const server of servers) await runBenchmark(server, options); // warm-up, not recorded
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const result = await runBenchmark(servers[i]!, options);
        cpu[i]!.push(cpuMicrosPerRequest(result.cpuTicks, requests));
        rps[i]!.push(result.rps);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const [a, b] = [median(cpu[0]!)!, median(cpu[1]!)!];
  console.log(
    `${test.padEnd(9)} ${String(requests).padStart(8)}   ${a.toFixed(2).padStart(8)}   ${b.toFixed(2).padStart(8)}   ${(b / a).toFixed(3)}   ${Math.round(median(rps[0]!)!).toString().padStart(8)}   ${Math.round(median(rps[1]!)!).toString().padStart(8)}`,
  );
  console.log(`          A rounds: ${cpu[0]!.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`          B rounds: ${cpu[1]!.map((v) => v.toFixed(2)).join(' ')}`);
}
