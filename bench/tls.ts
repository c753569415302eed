// Throughput over TLS: Mnemo and redis-server each with a tls-port (certificates made by openssl
// at run time, tls-auth-clients yes as Redis defaults), redis-benchmark --tls with a client
// certificate, SET and GET at -P 1 and -P 16, rounds alternating between the servers; median
// ops/s, the ratio (the issue's target: at least 0.8 at -P 16) and each server's CPU time per
// request. Part of `npm run bench` (skip with BENCH_TLS=0); alone:
//   node --import tsx bench/tls.ts
// Knobs: BENCH_TLS_ROUNDS (3), BENCH_TLS_REQUESTS (50000 at -P 1, ten times that at -P 16),
// BENCH_TLS_TESTS (set,get), BENCH_CLIENTS (50).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCertificates } from '../test/helpers/certificates.ts';
import { envInt } from './env.ts';
import { cpuMicrosPerRequest } from './proc.ts';
import { runBenchmark, type RunOptions } from './redis-benchmark.ts';
import { freePort, releasePort, startMnemo, startRedis, type BenchServer } from './servers.ts';
import { median, ratio } from './stats.ts';
import { count, f2, table, x } from './table.ts';

export interface TlsBenchRow {
  test: string;
  pipeline: number;
  requests: number;
  mnemoRps: number | null;
  redisRps: number | null;
  rpsRatio: number | null;
  mnemoCpuMicros: number | null;
  redisCpuMicros: number | null;
  cpuRatio: number | null;
}

export interface TlsBenchOptions {
  rounds?: number;
  requests?: number;
  clients?: number;
  tests?: readonly string[];
  log?: (line: string) => void;
}

const KEYSPACE = 100_000;
const TARGET = 0.8;
// As the core rows warm up: enough batches at -P 16 for V8 to optimize the TLS read and write paths.
const WARM_UP_REQUESTS = 100_000;

/** A server started with a TLS port beside its plain one, seen by redis-benchmark through the TLS port. */
async function startWithTls(start: (settings: string[][]) => Promise<BenchServer>, tlsSettings: string[][]): Promise<BenchServer> {
  const tlsPort = await freePort();
  try {
    const server = await start([['tls-port', String(tlsPort)], ...tlsSettings]);
    return {
      ...server,
      port: tlsPort,
      stop: async () => {
        await server.stop();
        releasePort(tlsPort);
      },
    };
  } catch (error) {
    releasePort(tlsPort);
    throw error;
  }
}

export async function benchTls(opts: TlsBenchOptions = {}): Promise<TlsBenchRow[]> {
  const rounds = opts.rounds ?? 3;
  const baseRequests = opts.requests ?? 50_000;
  const clients = opts.clients ?? 50;
  const log = opts.log ?? ((line: string) => console.error(line));
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  const servers: BenchServer[] = [];
  try {
    const certificates = makeCertificates(dir);
    const tlsSettings = [
      ['tls-cert-file', certificates.serverCert],
      ['tls-key-file', certificates.serverKey],
      ['tls-ca-cert-file', certificates.caCert],
    ];
    servers.push(await startWithTls(startMnemo, tlsSettings), await startWithTls(startRedis, tlsSettings));
    const tls = { cert: certificates.clientCert, key: certificates.clientKey, cacert: certificates.caCert };
    const rows: TlsBenchRow[] = [];
    for (const pipeline of [1, 16]) {
      for (const test of opts.tests ?? ['set', 'get']) {
        const requests = pipeline === 1 ? baseRequests : baseRequests * 10;
        const options: RunOptions = { test, pipeline, requests, clients, keyspace: KEYSPACE, tls };
        const rps: number[][] = [[], []];
        const cpu: number[][] = [[], []];
        // Unrecorded: lets Mnemo's JIT compile the TLS path first.
        for (const server of servers) await runBenchmark(server, { ...options, requests: Math.min(requests, WARM_UP_REQUESTS) });
        for (let round = 0; round < rounds; round++) {
          for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
            const result = await runBenchmark(servers[i]!, options);
            rps[i]!.push(result.rps);
            cpu[i]!.push(cpuMicrosPerRequest(result.cpuTicks, requests));
            log(`tls bench: ${test.toUpperCase()} -P ${pipeline} round ${round + 1}/${rounds} ${servers[i]!.name}: ${Math.round(result.rps)} ops/s, ${cpu[i]!.at(-1)!.toFixed(2)} µs cpu/req`);
          }
        }
        const [mnemoRps, redisRps] = [median(rps[0]!), median(rps[1]!)];
        const [mnemoCpuMicros, redisCpuMicros] = [median(cpu[0]!), median(cpu[1]!)];
        rows.push({
          test,
          pipeline,
          requests,
          mnemoRps,
          redisRps,
          rpsRatio: ratio(mnemoRps, redisRps),
          mnemoCpuMicros,
          redisCpuMicros,
          cpuRatio: ratio(mnemoCpuMicros, redisCpuMicros),
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatTlsRows(title: string, rows: readonly TlsBenchRow[]): string {
  const missed = rows.filter((row) => row.pipeline > 1 && (row.rpsRatio ?? 0) < TARGET);
  return table(
    title,
    ['test', 'P', 'requests', 'mnemo ops/s', 'redis ops/s', 'ratio', 'mnemo cpu µs/req', 'redis cpu µs/req', 'cpu ratio'],
    rows.map((row) => [
      row.test.toUpperCase(),
      String(row.pipeline),
      count(row.requests),
      count(row.mnemoRps),
      count(row.redisRps),
      x(row.rpsRatio),
      f2(row.mnemoCpuMicros),
      f2(row.redisCpuMicros),
      x(row.cpuRatio),
    ]),
    [
      `  target: ops/s ratio >= ${TARGET} at -P 16; ${missed.length === 0 ? 'met' : `missed: ${missed.map((row) => `${row.test.toUpperCase()} ${x(row.rpsRatio)}`).join(', ')}`}`,
      '  (50 connections, each with a TLS handshake and a client certificate, counted in the CPU time)',
    ],
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rounds = envInt('BENCH_TLS_ROUNDS', 3);
  const rows = await benchTls({
    rounds,
    requests: envInt('BENCH_TLS_REQUESTS', 50_000),
    clients: envInt('BENCH_CLIENTS', 50),
    ...(process.env.BENCH_TLS_TESTS ? { tests: process.env.BENCH_TLS_TESTS.split(',') } : {}),
  });
  console.log(formatTlsRows(`TLS (bench/tls.ts, medians of ${rounds} interleaved rounds)`, rows));
  process.exit(0);
}
