// Write throughput with the append-only file on: Mnemo and redis-server with the same settings
// (appendonly yes, appendfsync everysec or always, each in a fresh directory), redis-benchmark
// SET at -P 1 and -P 16, rounds alternating between the servers; median ops/s, the ratio, and
// each server's CPU time per request. Part of `npm run bench` (skip with BENCH_AOF=0); alone:
//   node --import tsx bench/aof.ts
// Knobs: BENCH_AOF_ROUNDS (3), BENCH_AOF_REQUESTS (50000 at -P 1, ten times that at -P 16),
// BENCH_AOF_POLICIES (everysec,always; 'off' adds a baseline without the AOF), BENCH_CLIENTS (50).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMicrosPerRequest } from './proc.ts';
import { runBenchmark } from './redis-benchmark.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { median, ratio } from './stats.ts';

export interface AofBenchRow {
  policy: string;
  pipeline: number;
  requests: number;
  mnemoRps: number | null;
  redisRps: number | null;
  rpsRatio: number | null;
  mnemoCpuMicros: number | null;
  redisCpuMicros: number | null;
}

export interface AofBenchOptions {
  rounds?: number;
  requests?: number;
  clients?: number;
  policies?: readonly string[];
  log?: (line: string) => void;
}

const KEYSPACE = 100_000;

export async function benchAof(opts: AofBenchOptions = {}): Promise<AofBenchRow[]> {
  const rounds = opts.rounds ?? 3;
  const baseRequests = opts.requests ?? 50_000;
  const clients = opts.clients ?? 50;
  const log = opts.log ?? ((line: string) => console.error(line));
  const rows: AofBenchRow[] = [];
  for (const policy of opts.policies ?? ['everysec', 'always']) {
    const dirs = [mkdtempSync(join(tmpdir(), 'bench-aof-mnemo-')), mkdtempSync(join(tmpdir(), 'bench-aof-redis-'))];
    // 'off' runs both without the AOF: the baseline the AOF's cost shows against.
    const settings = (dir: string) => (policy === 'off' ? [['dir', dir]] : [['appendonly', 'yes'], ['appendfsync', policy], ['dir', dir]]);
    const servers: BenchServer[] = [await startMnemo(settings(dirs[0]!)), await startRedis(settings(dirs[1]!))];
    try {
      for (const pipeline of [1, 16]) {
        const requests = pipeline === 1 ? baseRequests : baseRequests * 10;
        const options = { test: 'set', pipeline, requests, clients, keyspace: KEYSPACE };
        const rps: number[][] = [[], []];
        const cpu: number[][] = [[], []];
        for (const server of servers) await runBenchmark(server, { ...options, requests: Math.min(requests, 20_000) });
        for (let round = 0; round < rounds; round++) {
          for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
            const result = await runBenchmark(servers[i]!, options);
            rps[i]!.push(result.rps);
            cpu[i]!.push(cpuMicrosPerRequest(result.cpuTicks, requests));
            log(`aof bench: ${policy} -P ${pipeline} round ${round + 1}/${rounds} ${servers[i]!.name}: ${Math.round(result.rps)} ops/s`);
          }
        }
        const [mnemoRps, redisRps] = [median(rps[0]!), median(rps[1]!)];
        rows.push({
          policy,
          pipeline,
          requests,
          mnemoRps,
          redisRps,
          rpsRatio: ratio(mnemoRps, redisRps),
          mnemoCpuMicros: median(cpu[0]!),
          redisCpuMicros: median(cpu[1]!),
        });
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export function formatAofRows(rows: readonly AofBenchRow[]): string {
  const fixed = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
  const lines = [
    'Writes with appendonly yes (bench/aof.ts): SET, Mnemo vs redis-server with the same appendfsync',
    'appendfsync  -P  requests   mnemo ops/s  redis ops/s  ratio  mnemo us/req  redis us/req',
  ];
  for (const row of rows) {
    lines.push(
      `${row.policy.padEnd(11)} ${String(row.pipeline).padStart(3)}  ${String(row.requests).padStart(8)}  ${fixed(row.mnemoRps, 0).padStart(11)}  ${fixed(row.redisRps, 0).padStart(11)}  ${fixed(row.rpsRatio, 2).padStart(5)}  ${fixed(row.mnemoCpuMicros, 2).padStart(12)}  ${fixed(row.redisCpuMicros, 2).padStart(12)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const rows = await benchAof({
    rounds: env('BENCH_AOF_ROUNDS', 3),
    requests: env('BENCH_AOF_REQUESTS', 50_000),
    clients: env('BENCH_CLIENTS', 50),
    ...(process.env.BENCH_AOF_POLICIES ? { policies: process.env.BENCH_AOF_POLICIES.split(',') } : {}),
  });
  console.log(formatAofRows(rows));
  process.exit(0);
}
