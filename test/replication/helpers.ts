// Shared pieces of the replication tests: in-process Mnemo servers, clients, polling.

import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import type { Ask } from '../persistence/dataset.ts';

export async function startMnemo(config: Record<string, string> = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', config });
}

/** Two started Mnemo servers (not linked yet) and a client of each, all closed when the test ends. */
export async function serverPair(t: TestContext, primaryConfig: Record<string, string> = {}, replicaConfig: Record<string, string> = {}) {
  const primaryServer = await startMnemo(primaryConfig);
  const replicaServer = await startMnemo(replicaConfig);
  const primary = connect(primaryServer.port);
  const replica = connect(replicaServer.port);
  t.after(async () => {
    primary.disconnect();
    replica.disconnect();
    await replicaServer.close();
    await primaryServer.close();
  });
  return { primaryServer, replicaServer, primary, replica };
}

export function connect(port: number, password?: string): Redis {
  return new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 0, enableOfflineQueue: true });
}

export function ask(client: Redis): Ask {
  return (...args) => client.callBuffer(String(args[0]), ...args.slice(1));
}

/** INFO fields of one section as a map. */
export async function info(client: Redis, section: string): Promise<Map<string, string>> {
  const text = String(await client.call('info', section));
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Polls `check` until it holds; fails with `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the replica's link is up and its offset equals the primary's. */
export async function inSync(primary: Redis, replica: Redis): Promise<void> {
  let last = '';
  await until('the replica to catch up', async () => {
    const [p, r] = await Promise.all([info(primary, 'replication'), info(replica, 'replication')]);
    last = `primary offset ${p.get('master_repl_offset')}, replica link ${r.get('master_link_status')} offset ${r.get('master_repl_offset')}`;
    return r.get('master_link_status') === 'up' && r.get('master_repl_offset') === p.get('master_repl_offset');
  }).catch((error: Error) => {
    throw new Error(`${error.message} (${last})`);
  });
}
