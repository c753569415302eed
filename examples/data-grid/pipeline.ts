// The partitioned pipeline. Orders are routed to partitions by hash tags, so every key of a
// partition lives in one slot, on one primary, and the grid's functions run there:
//
//   {pN}:orders --(group enrichers)--> FCALL enrich --> {pN}:enriched --(group settlers)--> FCALL settle --> {pN}:totals
//
// Workers are stateless: any worker serves any partition, a crashed worker's pending entries
// are claimed by the others (XAUTOCLAIM), and a node's death is a failover the cluster client
// follows. The functions' idempotence (see grid.lua) makes every order count exactly once.

import { Cluster } from 'ioredis';

export const PARTITIONS = 6;
export const ENRICHERS = 'enrichers';
export const SETTLERS = 'settlers';
/** Entries pending this long with a worker are presumed lost with it and claimed. */
export const CLAIM_IDLE_MS = 1500;

export const keys = (partition: number) => {
  const tag = `{p${partition}}`;
  return {
    orders: `${tag}:orders`,
    enrichedIds: `${tag}:enriched-ids`,
    enriched: `${tag}:enriched`,
    settledIds: `${tag}:settled-ids`,
    totals: `${tag}:totals`,
  };
};

export interface Order {
  id: string;
  /** In cents. */
  amount: number;
}

export const partitionOf = (order: Order) => Number(order.id.slice(order.id.lastIndexOf('-') + 1)) % PARTITIONS;

export function connectCluster(seeds: { host: string; port: number }[]): Cluster {
  const cluster = new Cluster(seeds, {
    // During a failover commands fail fast; callers retry their whole step.
    clusterRetryStrategy: () => 200,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  cluster.on('error', () => {});
  return cluster;
}

export async function createGroups(cluster: Cluster): Promise<void> {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const { orders, enriched } = keys(partition);
    for (const [stream, group] of [[orders, ENRICHERS], [enriched, SETTLERS]] as const) {
      await cluster.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: Error) => {
        if (!error.message.startsWith('BUSYGROUP')) throw error;
      });
    }
  }
}

/**
 * Adds orders, each partition's batch in one pipeline ending in WAIT 1, retried whole until it
 * is acknowledged (a retry may add an order twice: the functions count it once). Resolves with
 * how many batches no replica acknowledged (a primary without replicas after a failover).
 */
export async function produce(cluster: Cluster, orders: readonly Order[]): Promise<number> {
  const batches = new Map<number, Order[]>();
  for (const order of orders) {
    const partition = partitionOf(order);
    batches.set(partition, [...(batches.get(partition) ?? []), order]);
  }
  let unreplicated = 0;
  for (const [partition, batch] of batches) {
    for (;;) {
      const pipeline = cluster.pipeline();
      for (const order of batch) pipeline.xadd(keys(partition).orders, '*', 'order', order.id, 'amount', String(order.amount));
      pipeline.call('WAIT', '1', '1000');
      const replies = await pipeline.exec().catch(() => null);
      if (replies !== null && replies.every(([error]) => error === null)) {
        if (replies[replies.length - 1]![1] === 0) unreplicated++;
        break;
      }
      // A dead primary's slots move to its replica: ask the cluster again where they are.
      cluster.refreshSlotsCache();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return unreplicated;
}

type Entry = [id: string, fields: string[]];

const field = (fields: string[], name: string) => fields[fields.indexOf(name) + 1]!;

export interface WorkerOptions {
  name: string;
  /** For demonstrations and tests: the worker exits, without processing, after reading this many batches. */
  crashAfterReads?: number;
}

export class Worker {
  #reads = 0;
  #running = true;
  readonly done: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: WorkerOptions,
  ) {
    this.done = this.#loop();
  }

  stop(): Promise<void> {
    this.#running = false;
    return this.done;
  }

  async #loop(): Promise<void> {
    let lastClaim = 0;
    while (this.#running) {
      let worked = false;
      for (let partition = 0; partition < PARTITIONS && this.#running; partition++) {
        const claim = Date.now() - lastClaim > CLAIM_IDLE_MS / 2;
        worked = (await this.#step(partition, 'enrich', claim).catch(() => this.#failed())) || worked;
        worked = (await this.#step(partition, 'settle', claim).catch(() => this.#failed())) || worked;
      }
      if (Date.now() - lastClaim > CLAIM_IDLE_MS / 2) lastClaim = Date.now();
      if (!worked) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A step failed (a node died, a failover is under way): the slots may have moved. */
  #failed(): false {
    this.cluster.refreshSlotsCache();
    return false;
  }

  /** Reads new entries of one stage of one partition (or claims abandoned ones) and runs its function on each. */
  async #step(partition: number, stage: 'enrich' | 'settle', claim: boolean): Promise<boolean> {
    const k = keys(partition);
    const [stream, group] = stage === 'enrich' ? [k.orders, ENRICHERS] : [k.enriched, SETTLERS];
    let entries: Entry[];
    if (claim) {
      const [, claimed] = (await this.cluster.xautoclaim(stream, group, this.options.name, CLAIM_IDLE_MS, '0-0', 'COUNT', 100)) as [string, Entry[]];
      entries = claimed;
    } else {
      const reply = (await this.cluster.xreadgroup('GROUP', group, this.options.name, 'COUNT', 100, 'STREAMS', stream, '>')) as [string, Entry[]][] | null;
      entries = reply?.[0]?.[1] ?? [];
    }
    if (entries.length === 0) return false;
    if (this.options.crashAfterReads !== undefined && ++this.#reads >= this.options.crashAfterReads) process.exit(1);
    for (const [id, fields] of entries) {
      if (stage === 'enrich') {
        await this.cluster.fcall('enrich', 3, stream, k.enrichedIds, k.enriched, id, group, field(fields, 'order'), field(fields, 'amount'));
      } else {
        await this.cluster.fcall('settle', 3, stream, k.settledIds, k.totals, id, group, field(fields, 'order'), field(fields, 'amount'), field(fields, 'fee'));
      }
    }
    return true;
  }
}

/** Every partition's totals, summed. */
export async function totals(cluster: Cluster): Promise<{ orders: number; amount: number; fees: number }> {
  const sum = { orders: 0, amount: 0, fees: 0 };
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const hash = await cluster.hgetall(keys(partition).totals);
    sum.orders += Number(hash.orders ?? 0);
    sum.amount += Number(hash.amount ?? 0);
    sum.fees += Number(hash.fees ?? 0);
  }
  return sum;
}
