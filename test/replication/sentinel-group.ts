// A failover group of real processes: Mnemo nodes (the first the primary, the others its
// replicas), each started from its own config file (Sentinel's CONFIG REWRITE writes there),
// and Debian's redis-sentinel 7.0.15 processes monitoring them, each with its own writable
// config and log file. Shared by test/replication/sentinel.test.ts, the failover harness and
// scripts/failover-soak.ts.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnReference, type ReferenceServer } from '../helpers/reference.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { info, until } from './helpers.ts';

export const MASTER_NAME = 'mnemo';
const HOST = '127.0.0.1';

export interface GroupOptions {
  /** Replicas besides the primary (2 by default). */
  replicas?: number;
  sentinels?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  /** Extra config lines for node i (replica-priority, min-replicas-to-write, ...). */
  nodeConfig?: (index: number) => string;
}

export interface Node {
  port: number;
  configFile: string;
  process: ServerProcess;
}

export interface SentinelProcess extends ReferenceServer {
  logFile: string;
}

export class SentinelGroup {
  readonly nodes: Node[] = [];
  readonly sentinels: SentinelProcess[] = [];
  private readonly clients: Redis[] = [];

  private constructor(private readonly options: Required<GroupOptions>) {}

  /** Starts the nodes, waits for the replicas to sync, then starts the sentinels and waits until each knows every replica and every other sentinel. */
  static async start(options: GroupOptions = {}): Promise<SentinelGroup> {
    const group = new SentinelGroup({
      replicas: options.replicas ?? 2,
      sentinels: options.sentinels ?? 3,
      downAfterMs: options.downAfterMs ?? 1000,
      failoverTimeoutMs: options.failoverTimeoutMs ?? 5000,
      nodeConfig: options.nodeConfig ?? (() => ''),
    });
    try {
      await group.startNodes();
      await group.startSentinels();
    } catch (error) {
      await group.close();
      throw error;
    }
    return group;
  }

  /** A client of `port`, disconnected by close(). */
  client(port: number): Redis {
    const client = new Redis({ port, host: HOST, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
    client.on('error', () => {});
    this.clients.push(client);
    return client;
  }

  /** An ioredis client that finds the primary through the sentinels and follows failovers. */
  sentinelClient(): Redis {
    const client = new Redis({
      sentinels: this.sentinels.map((sentinel) => ({ host: HOST, port: sentinel.port })),
      name: MASTER_NAME,
      // Retries fast while the primary is down, so the client is back soon after the failover.
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => {});
    this.clients.push(client);
    return client;
  }

  private async startNodes(): Promise<void> {
    const total = 1 + this.options.replicas;
    const ports: number[] = [];
    for (let i = 0; i < total; i++) ports.push(await freePort());
    const starting = ports.map((port, i) => this.startNode(port, i, i === 0 ? '' : `replicaof ${HOST} ${ports[0]}\n`));
    this.nodes.push(...(await Promise.all(starting)));
    const primary = this.client(ports[0]!);
    await until('the replicas to sync', async () => {
      const fields = await info(primary, 'replication');
      return Number(fields.get('connected_slaves')) === this.options.replicas && [...fields].filter(([key, value]) => key.startsWith('slave') && value.includes('state=online')).length === this.options.replicas;
    });
  }

  private async startNode(port: number, index: number, extra: string): Promise<Node> {
    const dir = mkdtempSync(join(tmpdir(), `mnemo-node${index}-`));
    const configFile = join(dir, 'redis.conf');
    writeFileSync(configFile, `port ${port}\nbind ${HOST}\ndir ${dir}\nsave ""\nappendonly no\n${extra}${this.options.nodeConfig(index)}\n`);
    const process = await startServerProcess([configFile], dir);
    return { port, configFile, process };
  }

  /** Starts node `index` again from its config file, as a replica of `primaryPort`. */
  async restartNode(index: number, primaryPort: number): Promise<void> {
    const node = this.nodes[index]!;
    await node.process.kill();
    const lines = readFileSync(node.configFile, 'utf8').split('\n').filter((line) => !line.startsWith('replicaof '));
    writeFileSync(node.configFile, `${lines.join('\n')}\nreplicaof ${HOST} ${primaryPort}\n`);
    node.process = await startServerProcess([node.configFile], join(node.configFile, '..'));
  }

  private async startSentinels(): Promise<void> {
    const { downAfterMs, failoverTimeoutMs } = this.options;
    for (let i = 0; i < this.options.sentinels; i++) {
      const dir = mkdtempSync(join(tmpdir(), `mnemo-sentinel${i}-`));
      const logFile = join(dir, 'sentinel.log');
      const sentinel = await spawnReference('redis-sentinel', (port) => {
        const configFile = join(dir, 'sentinel.conf');
        writeFileSync(
          configFile,
          [
            `port ${port}`,
            `bind ${HOST}`,
            `dir ${dir}`,
            `logfile ${logFile}`,
            `sentinel monitor ${MASTER_NAME} ${HOST} ${this.nodes[0]!.port} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
            `sentinel failover-timeout ${MASTER_NAME} ${failoverTimeoutMs}`,
            '',
          ].join('\n'),
        );
        return [configFile];
      });
      this.sentinels.push({ ...sentinel, logFile });
    }
    const others = this.options.sentinels - 1;
    for (const sentinel of this.sentinels) {
      const client = this.client(sentinel.port);
      await until(`sentinel ${sentinel.port} to discover the replicas and the other sentinels`, async () => {
        const master = await sentinelMaster(client);
        return Number(master.get('num-slaves')) === this.options.replicas && Number(master.get('num-other-sentinels')) === others;
      });
    }
  }

  /** The primary's port as every sentinel reports it, once they agree. */
  async primaryPort(): Promise<number> {
    const ports = await Promise.all(this.sentinels.map(async (sentinel) => {
      const address = (await this.client(sentinel.port).call('sentinel', 'get-master-addr-by-name', MASTER_NAME)) as string[];
      return Number(address[1]);
    }));
    return ports.every((port) => port === ports[0]) ? ports[0]! : -1;
  }

  nodeIndex(port: number): number {
    return this.nodes.findIndex((node) => node.port === port);
  }

  /**
   * Waits until the sentinels agree on a primary other than `oldPort`, it says it is a master,
   * and each other running node is its replica with the link up. Returns the new primary's port.
   */
  async failedOver(oldPort: number, running: readonly number[], ms = 30_000): Promise<number> {
    let newPort = -1;
    const settled = async () => {
      newPort = await this.primaryPort();
      if (newPort === -1 || newPort === oldPort) return false;
      const role = (await this.client(newPort).call('role')) as unknown[];
      if (role[0] !== 'master') return false;
      for (const port of running) {
        if (port === newPort) continue;
        const fields = await info(this.client(port), 'replication');
        if (fields.get('master_port') !== String(newPort) || fields.get('master_link_status') !== 'up') return false;
      }
      return true;
    };
    // Sentinel's CLIENT KILL TYPE normal, part of each reconfiguration, may close a connection asking.
    await until('the sentinels to fail over', () => settled().catch(() => false), ms).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.sentinelLogs()}`);
    });
    return newPort;
  }

  /** The sentinels' logs, for a failure message. */
  sentinelLogs(): string {
    return this.sentinels.map((sentinel) => `--- sentinel ${sentinel.port}\n${readText(sentinel.logFile)}`).join('\n');
  }

  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) client.disconnect();
    await Promise.all(this.sentinels.map((sentinel) => sentinel.close()));
    await Promise.all(this.nodes.map((node) => {
      // A paused node must be resumed for SIGKILL to end it promptly.
      node.process.child.kill('SIGCONT');
      return node.process.kill();
    }));
  }
}

export async function sentinelMaster(client: Redis): Promise<Map<string, string>> {
  const flat = (await client.call('sentinel', 'master', MASTER_NAME)) as string[];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  return fields;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(no log)';
  }
}
