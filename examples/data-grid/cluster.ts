// A local Mnemo cluster of real processes: N primaries with one replica each, created with
// `redis-cli --cluster create` as an operator would, the grid's functions loaded on every
// primary (replicas receive them through replication).

import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ask, freePort, startMnemoProcess, until } from '../common.ts';
export const FUNCTIONS = readFileSync(fileURLToPath(new URL('./grid.lua', import.meta.url)), 'utf8');

export interface Node {
  port: number;
  child: ChildProcess;
}

export interface LocalCluster {
  nodes: Node[];
  /** host:port of every node, for cluster clients' start-up lists. */
  seeds: { host: string; port: number }[];
  /** Kills a node with SIGKILL, as a machine's death would. */
  kill(node: Node): Promise<void>;
  /** The node that serves `key`'s slot as primary now. */
  primaryOf(key: string): Promise<Node>;
  stop(): Promise<void>;
}

/** Both ports free: the bus's default (port + 10000) may be taken or past 65535 for a port picked at random. */
async function startNode(dir: string, [port, busPort]: [number, number], nodeTimeoutMs: number): Promise<Node> {
  const child = await startMnemoProcess([
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
    ...['--cluster-port', String(busPort), '--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', '--appendonly', 'no'],
  ]);
  return { port, child };
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('redis-cli', args, { timeout: 120_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${stdout}${stderr}`)) : resolve(stdout))),
  );
}

export async function startCluster({ primaries = 3, nodeTimeoutMs = 2000 } = {}): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-grid-'));
  const nodes: Node[] = [];
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  const stop = async () => {
    await Promise.all(alive().map((node) => new Promise((resolve) => (node.child.once('exit', resolve), node.child.kill('SIGKILL')))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pairs = await Promise.all(Array.from({ length: primaries * 2 }, async () => [await freePort(), await freePort()] as [number, number]));
    const ports = pairs.map(([port]) => port);
    for (const started of await Promise.allSettled(pairs.map((pair) => startNode(dir, pair, nodeTimeoutMs)))) {
      if (started.status === 'rejected') throw started.reason;
      nodes.push(started.value);
    }
    await redisCli(['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await until('every node to see the cluster ok', async () => {
      const states = await Promise.all(ports.map((port) => ask<string>(port, 'CLUSTER', 'INFO')));
      return states.every((state) => state.includes('cluster_state:ok'));
    });
    for (const node of nodes) {
      if ((await ask<string[]>(node.port, 'ROLE'))[0] === 'master') await ask(node.port, 'FUNCTION', 'LOAD', 'REPLACE', FUNCTIONS);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    seeds: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    kill: (node) => new Promise((resolve) => (node.child.once('exit', () => resolve()), node.child.kill('SIGKILL'))),
    async primaryOf(key) {
      const slot = await ask<number>(alive()[0]!.port, 'CLUSTER', 'KEYSLOT', key);
      for (const node of alive()) {
        const ranges = (await ask<[number, number, ...unknown[]][]>(node.port, 'CLUSTER', 'SLOTS')) ?? [];
        const owner = ranges.find(([from, to]) => from <= slot && slot <= to);
        if (owner !== undefined) return nodes.find((candidate) => candidate.port === (owner[2] as [string, number])[1])!;
      }
      throw new Error(`no node serves slot ${slot}`);
    },
    stop,
  };
}

