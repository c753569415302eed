// Hybrid storage: a dataset several times the hot-tier budget in one Mnemo, values aged to disk
// by the lifecycle settings, a hot set kept in memory by use, and a report of hot and cold over
// time.
//   node --import tsx examples/hybrid-storage/start.ts [--documents 100000] [--budget-mb 32]
// Also used by the example's test.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/index.ts';

export interface TierReport {
  hotKeys: number;
  coldKeys: number;
  usedMemory: number;
  coldBytes: number;
  promotions: number;
  demotions: number;
  archived: number;
}

const connect = (url: string) => createClient({ url });
export type Client = ReturnType<typeof connect>;

/** A document of about 1 KB whose content can be checked against its number. */
export function documentOf(n: number): string {
  const words = Array.from({ length: 90 }, (_, i) => ((n * 2654435761 + i * 40503) >>> 0).toString(36).slice(0, 9).padEnd(9, 'x'));
  return JSON.stringify({ id: n, body: words.join(' ') });
}

export async function startHybrid(options: { budgetBytes: number; archiveAfterSeconds?: number }): Promise<{ mnemo: RunningServer; client: Client }> {
  const mnemo = await startServer({
    port: 0,
    host: '127.0.0.1',
    config: {
      dir: mkdtempSync(join(tmpdir(), 'mnemo-hybrid-')),
      'tiering-enabled': 'yes',
      'tiering-max-memory': String(options.budgetBytes),
      // Values under 256 bytes stay in memory: their key and metadata cost about as much.
      'tiering-min-value-size': '256',
      'tiering-policy': 'lru',
      'tiering-archive-after': String(options.archiveAfterSeconds ?? 0),
    },
  });
  const client = connect(mnemo.url);
  await client.connect();
  return { mnemo, client };
}

/** Writes documents 0..count-1 (`doc:<n>`), in pipelined batches; `afterBatch` sees the tiers after each. */
export async function load(client: Client, count: number, afterBatch?: (report: TierReport) => void): Promise<void> {
  for (let from = 0; from < count; from += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, count - from) }, (_, i) => client.set(`doc:${from + i}`, documentOf(from + i))));
    if (afterBatch) afterBatch(await report(client));
  }
}

export async function report(client: Client): Promise<TierReport> {
  const info = new Map(
    `${await client.info('tiering')}\r\n${await client.info('memory')}`
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
  const number = (name: string) => Number(info.get(name) ?? 0);
  return {
    hotKeys: number('tiering_hot_keys'),
    coldKeys: number('tiering_cold_keys'),
    usedMemory: number('used_memory'),
    coldBytes: number('tiering_cold_bytes'),
    promotions: number('tiering_promotions'),
    demotions: number('tiering_demotions'),
    archived: number('tiering_archived'),
  };
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
export const describe = (r: TierReport) =>
  `hot ${r.hotKeys} keys, cold ${r.coldKeys} keys (${mb(r.coldBytes)} on disk), used_memory ${mb(r.usedMemory)}, promotions ${r.promotions}, demotions ${r.demotions}, archived ${r.archived}`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { documents: { type: 'string', default: '100000' }, 'budget-mb': { type: 'string', default: '32' } } });
  const documents = Number(values.documents);
  const { mnemo, client } = await startHybrid({ budgetBytes: Number(values['budget-mb']) * 1048576, archiveAfterSeconds: 30 });
  console.log(`Mnemo: ${mnemo.url}; loading ${documents} documents of about 1 KB into a ${values['budget-mb']} MB hot tier`);
  await load(client, documents, (r) => process.stdout.write(`\r${describe(r)}   `));
  console.log(`\nloaded. Reading a hot set (the first 5% of documents) over and over; the rest ages to disk after 30 s.`);
  const hotSet = Math.max(1, Math.floor(documents / 20));
  const reading = setInterval(() => void Promise.all(Array.from({ length: 200 }, () => client.get(`doc:${Math.floor(Math.random() * hotSet)}`))), 100);
  const reporting = setInterval(() => void report(client).then((r) => console.log(`${new Date().toISOString().slice(11, 19)} ${describe(r)}`)), 2000);
  console.log(`Try: redis-cli -p ${new URL(mnemo.url).port} TIERING.WHERE doc:${documents - 1}`);
  process.on('SIGINT', () => {
    clearInterval(reading);
    clearInterval(reporting);
    void client.close().then(() => mnemo.close()).then(() => process.exit(0));
  });
}
