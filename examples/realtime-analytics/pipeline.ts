// The event pipeline: HTTP posts go into a stream; a consumer group turns them into time series
// (raw series with compaction rules per second) and rows of a columnar SQL table.
//
//   events (stream) --XREADGROUP--> TS.ADD events:views / events:latency  (+ 1 s compactions)
//                                   INSERT INTO page_views (pg wire)
//
// The stream entry's ID gives each event its time, so every consumer writes the series in
// time order and a recomputation from the stream gives the same buckets.

import pg from 'pg';

export const STREAM = 'events';
export const GROUP = 'aggregators';
/** Every event adds 1 here (samples at one millisecond are summed). */
export const VIEWS = 'events:views';
/** Every event adds its latency here; with VIEWS it gives the mean per bucket. */
export const LATENCY = 'events:latency';
export const BUCKET_MS = 1000;

export interface PageEvent {
  page: string;
  /** The page's load time as the browser measured it. */
  ms: number;
}

/** What the pipeline needs of a node-redis client. */
export interface Redis {
  sendCommand(args: string[]): Promise<unknown>;
  exists(key: string): Promise<number>;
}

/** Creates the stream's group, the series with their rules and the SQL table (idempotent). */
export async function createSchema(redis: Redis, sql: pg.Client): Promise<void> {
  await redis.sendCommand(['XGROUP', 'CREATE', STREAM, GROUP, '$', 'MKSTREAM']).catch((error: Error) => {
    if (!error.message.startsWith('BUSYGROUP')) throw error;
  });
  for (const series of [VIEWS, LATENCY]) {
    if ((await redis.exists(series)) === 1) continue;
    await redis.sendCommand(['TS.CREATE', series, 'DUPLICATE_POLICY', 'SUM', 'LABELS', 'pipeline', 'events']);
    await redis.sendCommand(['TS.CREATE', `${series}:1s`, 'LABELS', 'pipeline', 'events', 'bucket', '1s']);
    await redis.sendCommand(['TS.CREATERULE', series, `${series}:1s`, 'AGGREGATION', 'sum', String(BUCKET_MS)]);
  }
  await sql.query('CREATE TABLE IF NOT EXISTS page_views (at timestamptz, page text, ms integer)');
}

/** Appends events to the stream, one XADD each (node-redis pipelines the commands of one tick). */
export async function publish(redis: Redis, events: readonly PageEvent[]): Promise<void> {
  await Promise.all(events.map(({ page, ms }) => redis.sendCommand(['XADD', STREAM, '*', 'page', page, 'ms', String(ms)])));
}

/** One member of the consumer group; `stop()` ends its loop after the read in progress. */
export class Aggregator {
  #running = true;
  readonly done: Promise<void>;
  processed = 0;

  constructor(
    private readonly redis: Redis,
    private readonly sql: pg.Client,
    readonly name: string,
  ) {
    this.done = this.#loop();
  }

  stop(): Promise<void> {
    this.#running = false;
    return this.done;
  }

  async #loop(): Promise<void> {
    // First the entries this consumer read but never acknowledged (a restart after a crash), then new ones.
    let cursor = '0';
    while (this.#running) {
      const reply = await this.redis.sendCommand(['XREADGROUP', 'GROUP', GROUP, this.name, 'COUNT', '500', 'BLOCK', '200', 'STREAMS', STREAM, cursor]);
      const entries = entriesOf(reply as StreamReply);
      if (entries.length === 0) {
        cursor = '>';
        continue;
      }
      await this.#apply(entries);
      if (cursor !== '>') cursor = entries[entries.length - 1]![0];
    }
  }

  async #apply(entries: Entry[]): Promise<void> {
    const samples: string[] = [];
    const rows: unknown[] = [];
    const placeholders: string[] = [];
    for (const [id, fields] of entries) {
      const at = id.slice(0, id.indexOf('-'));
      const event = fieldsOf(fields);
      samples.push(VIEWS, at, '1', LATENCY, at, String(event.ms));
      placeholders.push(`($${rows.length + 1}, $${rows.length + 2}, $${rows.length + 3})`);
      rows.push(new Date(Number(at)).toISOString(), event.page, event.ms);
    }
    await this.redis.sendCommand(['TS.MADD', ...samples]);
    await this.sql.query(`INSERT INTO page_views VALUES ${placeholders.join(', ')}`, rows);
    await this.redis.sendCommand(['XACK', STREAM, GROUP, ...entries.map(([id]) => id)]);
    this.processed += entries.length;
  }
}

type Entry = [id: string, fields: string[]];
/** XREADGROUP's reply: streams as a map in RESP3, as [name, entries] pairs in RESP2, null on timeout. */
type StreamReply = Record<string, Entry[]> | [string, Entry[]][] | null;

function entriesOf(reply: StreamReply): Entry[] {
  if (reply === null) return [];
  const perStream = Array.isArray(reply) ? reply.map(([, entries]) => entries) : Object.values(reply);
  return perStream[0] ?? [];
}

function fieldsOf(fields: string[]): PageEvent {
  const event: PageEvent = { page: '', ms: 0 };
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'page') event.page = fields[i + 1]!;
    else if (fields[i] === 'ms') event.ms = Number(fields[i + 1]);
  }
  return event;
}
