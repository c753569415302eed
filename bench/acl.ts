// The cost of ACLs on the core rows: one Mnemo server, the same redis-benchmark runs as the
// default user (unrestricted: the gate skips the check) and as a user with key patterns that
// cover redis-benchmark's keys (every command checked, every key matched), alternating which
// goes first each round; each run's server CPU time per request from /proc.
// Usage: node --import tsx bench/acl.ts
// Knobs: ACL_TESTS (set,get,incr,mset,lpush,lpop,sadd,hset,zadd), ACL_PIPELINES (1,16), ACL_ROUNDS (5),
// ACL_REQUESTS (100000, scaled per test as bench/workloads.ts does).

import { execFileSync } from 'node:child_process';
import { cpuMicrosPerRequest } from './proc.ts';
import { runBenchmark, type RunOptions } from './redis-benchmark.ts';
import { startMnemo } from './servers.ts';
import { median } from './stats.ts';
import { requestsFor } from './workloads.ts';

const tests = (process.env.ACL_TESTS ?? 'set,get,incr,mset,lpush,lpop,sadd,hset,zadd').split(',');
const pipelines = (process.env.ACL_PIPELINES ?? '1,16').split(',').map(Number);
const rounds = Number(process.env.ACL_ROUNDS ?? 5);
const baseRequests = Number(process.env.ACL_REQUESTS ?? 100_000);

/** The keys redis-benchmark's tests use, as key patterns. */
const PATTERNS = ['~key:*', '~counter:*', '~mylist', '~myset', '~myhash', '~myzset'];
const LOGIN = { user: 'bench', password: 'bench' };

const server = await startMnemo();
try {
  execFileSync('redis-cli', ['-h', server.host, '-p', String(server.port), 'ACL', 'SETUSER', LOGIN.user, 'on', `>${LOGIN.password}`, ...PATTERNS, '+@all']);
  console.log(`ACL user: ${PATTERNS.join(' ')} +@all; ${rounds} rounds, order flipping each round\n`);
  console.log('test      -P   default us/req   user us/req   user/default   default ops/s   user ops/s');
  for (const pipeline of pipelines) {
    for (const test of tests) {
      const requests = requestsFor(test, pipeline, baseRequests);
      const base: RunOptions = { test, pipeline, requests, clients: 50, keyspace: 100_000 };
      const variants = [base, { ...base, login: LOGIN }];
      for (const options of variants) await runBenchmark(server, options); // warm-up, not recorded
      const cpu: number[][] = [[], []];
      const rps: number[][] = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const result = await runBenchmark(server, variants[i]!);
          cpu[i]!.push(cpuMicrosPerRequest(result.cpuTicks, requests));
          rps[i]!.push(result.rps);
        }
      }
      const [plain, user] = [median(cpu[0]!)!, median(cpu[1]!)!];
      console.log(
        `${test.padEnd(9)} ${String(pipeline).padStart(2)}   ${plain.toFixed(2).padStart(14)}   ${user.toFixed(2).padStart(11)}   ${(user / plain).toFixed(3).padStart(12)}   ${Math.round(median(rps[0]!)!).toString().padStart(13)}   ${Math.round(median(rps[1]!)!).toString().padStart(10)}`,
      );
    }
  }
} finally {
  await server.stop();
}
