// A high-availability group of real processes: three Mnemo nodes (a primary and two replicas,
// each started from its own config file, which Sentinel's CONFIG REWRITE keeps current) and
// three of Debian's redis-sentinel watching them with a quorum of two.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, freePort, startMnemoProcess, until } from '../common.ts';

export const MASTER_NAME = 'sessions';
const HOST = '127.0.0.1';

export interface Member {
  port: number;
  child: ChildProcess;
}

export interface GroupOptions {
  /** How long a primary must be unreachable before a sentinel calls it down. */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

export interface HaGroup {
  nodes: Member[];
  sentinels: Member[];
  /** The primary's port as every sentinel reports it, or -1 while they disagree. */
  primaryPort(): Promise<number>;
  /** SIGKILL, as a machine's death would. */
  kill(member: Member): Promise<void>;
  /** Waits until the sentinels agree on a primary other than `oldPort` and it says it is one; returns its port. */
  failedOver(oldPort: number, timeoutMs?: number): Promise<number>;
  /** The sentinels' logs, for a failure message. */
  sentinelLogs(): string;
  stop(): Promise<void>;
}

const alive = (member: Member) => member.child.exitCode === null && member.child.signalCode === null;

function kill(member: Member): Promise<void> {
  if (!alive(member)) return Promise.resolve();
  return new Promise((resolve) => (member.child.once('exit', () => resolve()), member.child.kill('SIGKILL')));
}

/** Each node in a directory of its own, as on separate machines (full syncs write files there). */
async function startNode(parent: string, port: number, primaryPort: number | null): Promise<Member> {
  const dir = join(parent, `mnemo-${port}`);
  mkdirSync(dir);
  const configFile = join(dir, 'mnemo.conf');
  const replicaOf = primaryPort === null ? '' : `replicaof ${HOST} ${primaryPort}\n`;
  writeFileSync(configFile, `port ${port}\nbind ${HOST}\ndir ${dir}\nsave ""\nappendonly no\n${replicaOf}`);
  return { port, child: await startMnemoProcess([configFile], dir) };
}

async function startSentinel(dir: string, primaryPort: number, { downAfterMs, failoverTimeoutMs }: Required<GroupOptions>): Promise<Member> {
  const port = await freePort();
  const configFile = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    configFile,
    [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      `logfile ${join(dir, `sentinel-${port}.log`)}`,
      `sentinel monitor ${MASTER_NAME} ${HOST} ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
      `sentinel failover-timeout ${MASTER_NAME} ${failoverTimeoutMs}`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-sentinel', [configFile], { stdio: 'ignore' });
  const member = { port, child };
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-sentinel on ${port} exited with ${code}`))));
  await Promise.race([until(`sentinel ${port} to answer`, async () => (await ask<string>(port, 'PING')) === 'PONG', 10_000), exited]);
  return member;
}

async function sentinelMaster(port: number): Promise<Map<string, string>> {
  const flat = await ask<string[]>(port, 'SENTINEL', 'MASTER', MASTER_NAME);
  return new Map(flat.flatMap((field, i) => (i % 2 === 0 ? [[field, flat[i + 1]!] as [string, string]] : [])));
}

export async function startGroup(options: GroupOptions = {}): Promise<HaGroup> {
  const settings = { downAfterMs: options.downAfterMs ?? 3000, failoverTimeoutMs: options.failoverTimeoutMs ?? 10_000 };
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-sessions-'));
  const nodes: Member[] = [];
  const sentinels: Member[] = [];
  const stop = async () => {
    await Promise.all([...sentinels, ...nodes].map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  const primaryPort = async () => {
    const answers = await Promise.all(sentinels.filter(alive).map((sentinel) => ask<[string, string]>(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)));
    const ports = answers.map((address) => Number(address[1]));
    return ports.length > 0 && ports.every((port) => port === ports[0]) ? ports[0]! : -1;
  };
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    nodes.push(await startNode(dir, ports[0]!, null));
    nodes.push(...(await Promise.all(ports.slice(1).map((port) => startNode(dir, port, ports[0]!)))));
    await until('both replicas to sync', async () => {
      const replication = await ask<string>(ports[0]!, 'INFO', 'replication');
      return (replication.match(/state=online/g) ?? []).length === 2;
    });
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(dir, ports[0]!, settings));
    // Sentinels find the replicas from the primary's INFO and each other by hello messages.
    for (const sentinel of sentinels) {
      await until(`sentinel ${sentinel.port} to know both replicas and the other sentinels`, async () => {
        const master = await sentinelMaster(sentinel.port);
        return master.get('num-slaves') === '2' && master.get('num-other-sentinels') === '2';
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    sentinels,
    primaryPort,
    kill,
    async failedOver(oldPort, timeoutMs = 60_000) {
      let port = -1;
      await until(
        'the sentinels to promote a replica',
        async () => {
          port = await primaryPort();
          return port !== -1 && port !== oldPort && (await ask<string[]>(port, 'ROLE'))[0] === 'master';
        },
        timeoutMs,
      );
      return port;
    },
    sentinelLogs: () =>
      readdirSync(dir)
        .filter((name) => name.startsWith('sentinel-') && name.endsWith('.log'))
        .map((name) => `--- ${name}\n${readFileSync(join(dir, name), 'utf8')}`)
        .join('\n'),
    stop,
  };
}
