// Shared pieces of the cluster tests: Mnemo nodes in cluster mode (in this process, each with
// its own nodes.conf and bus port), redis-server nodes, redis-cli --cluster, polling.

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { freePort, spawnReference, type ReferenceServer } from '../helpers/reference.ts';

import { until as untilWithin } from '../replication/helpers.ts';

/**
 * Short enough for failure detection in a test, long enough for handshakes (which time out
 * after it) on a machine whose load average has been seen above 40 on 2 cores.
 */
export const NODE_TIMEOUT_MS = 5000;

/** Polls `check` until it holds; a cluster converges in seconds, a minute when the machine is loaded. */
export function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  return untilWithin(what, check, ms);
}

export interface ClusterNodeProcess {
  readonly port: number;
  readonly busPort: number;
  readonly dir: string;
  close(): Promise<void>;
}

/** A Mnemo node in cluster mode (in this process), its nodes.conf in a fresh directory. */
export async function startMnemoNode(config: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), 'mnemo-cluster-'))): Promise<ClusterNodeProcess & { server: RunningServer }> {
  const port = await freePort();
  const busPort = await freePort();
  const server = await startServer({
    port,
    host: '127.0.0.1',
    config: {
      'cluster-enabled': 'yes',
      'cluster-config-file': join(dir, 'nodes.conf'),
      'cluster-port': String(busPort),
      'cluster-node-timeout': String(NODE_TIMEOUT_MS),
      ...config,
    },
  });
  return { port, busPort, dir, server, close: () => server.close() };
}

/** A redis-server 7.0.15 node in cluster mode, its nodes.conf in a fresh directory. */
export async function startRedisNode(): Promise<ReferenceServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const busPort = await freePort();
  return spawnReference('redis-server', (port) => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', dir],
    ...['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', join(dir, 'nodes.conf')],
    ...['--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
  ]);
}

export function connect(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: false });
}

/** redis-cli with these arguments; resolves with its exit code and output (it never prompts: --cluster-yes). */
export function redisCli(args: readonly string[], timeoutMs = 180_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** CLUSTER INFO as a map. */
export async function clusterInfo(client: Redis): Promise<Map<string, string>> {
  const text = String(await client.call('cluster', 'info'));
  return new Map(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** CLUSTER NODES, one entry per node: id, address, flags, master, epoch, link, slots. */
export async function clusterNodes(client: Redis): Promise<{ id: string; address: string; flags: string[]; master: string; epoch: number; link: string; slots: string[] }[]> {
  const text = String(await client.call('cluster', 'nodes'));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      return { id: words[0]!, address: words[1]!, flags: words[2]!.split(','), master: words[3]!, epoch: Number(words[6]), link: words[7]!, slots: words.slice(8) };
    });
}

/** The view of the cluster that must agree everywhere: each node's role, epoch and slots, sorted. */
export async function sharedView(client: Redis): Promise<string> {
  const nodes = await clusterNodes(client);
  return nodes
    .map((node) => `${node.id} ${node.flags.filter((flag) => flag === 'master' || flag === 'slave').join()} ${node.master} ${node.epoch} ${node.slots.filter((slot) => !slot.startsWith('[')).join(' ')}`)
    .sort()
    .join('\n');
}
