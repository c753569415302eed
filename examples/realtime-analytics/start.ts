// Starts the example: an embedded Mnemo (Redis protocol and the PostgreSQL wire protocol), the
// aggregators of the consumer group, and the HTTP front with the live page.
//   node --import tsx examples/realtime-analytics/start.ts [--http-port 3000] [--load 200]
// --load N posts N random events a second, so that the charts move. Also used by the test.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/index.ts';
import { freePort, readBody } from '../common.ts';
import { Aggregator, BUCKET_MS, LATENCY, VIEWS, createSchema, publish, type PageEvent } from './pipeline.ts';

const require = createRequire(import.meta.url);
const UPLOT_DIST = fileURLToPath(new URL('.', `file://${require.resolve('uplot')}`));
const PAGE = fileURLToPath(new URL('./page.html', import.meta.url));

export interface RunningAnalytics {
  mnemo: RunningServer;
  sqlPort: number;
  httpPort: number;
  aggregators: Aggregator[];
  stop(): Promise<void>;
}

const TOP_PAGES = `SELECT page, count(*) AS views, round(avg(ms)) AS avg_ms
  FROM page_views GROUP BY page ORDER BY views DESC, page LIMIT 10`;

export async function startAnalytics(options: { httpPort?: number; port?: number; consumers?: number } = {}): Promise<RunningAnalytics> {
  const sqlPort = await freePort();
  const mnemo = await startServer({ port: options.port ?? 0, host: '127.0.0.1', config: { 'sql-port': String(sqlPort) } });
  const connections: { close(): Promise<unknown> }[] = [];
  const redis = async () => {
    const client = createClient({ url: mnemo.url });
    client.on('error', () => {});
    await client.connect();
    connections.push(client);
    return client;
  };
  const sql = async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: sqlPort, user: 'default', database: 'mnemo' });
    await client.connect();
    connections.push({ close: () => client.end() });
    return client;
  };

  const front = await redis();
  const frontSql = await sql();
  await createSchema(front, frontSql);
  const aggregators: Aggregator[] = [];
  for (let n = 0; n < (options.consumers ?? 2); n++) aggregators.push(new Aggregator(await redis(), await sql(), `aggregator-${n + 1}`));

  async function series(seconds: number) {
    const from = String(Date.now() - seconds * 1000);
    const range = (key: string) => front.sendCommand(['TS.RANGE', key, from, '+', 'LATEST']) as Promise<[number, string][]>;
    const [views, latency] = await Promise.all([range(`${VIEWS}:1s`), range(`${LATENCY}:1s`)]);
    const latencyAt = new Map(latency.map(([t, v]) => [t, Number(v)]));
    return {
      bucketMs: BUCKET_MS,
      t: views.map(([t]) => t / 1000),
      views: views.map(([, v]) => Number(v)),
      meanMs: views.map(([t, v]) => (latencyAt.get(t) ?? 0) / Number(v)),
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const json = (value: unknown) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(value));
    };
    if (request.method === 'POST' && url.pathname === '/events') {
      const posted = JSON.parse(await readBody(request)) as PageEvent | PageEvent[];
      await publish(front, Array.isArray(posted) ? posted : [posted]);
      response.statusCode = 202;
      response.end();
    } else if (url.pathname === '/api/series') {
      json(await series(Number(url.searchParams.get('seconds') ?? 60)));
    } else if (url.pathname === '/api/top') {
      json((await frontSql.query(TOP_PAGES)).rows);
    } else if (url.pathname === '/api/sql') {
      // A read-only session per query would be the production choice; the demo runs SELECTs only.
      const query = url.searchParams.get('q') ?? '';
      if (!/^\s*(select|with|explain)\b/i.test(query)) {
        response.statusCode = 400;
        json({ error: 'only SELECT, WITH and EXPLAIN here' });
        return;
      }
      const result = await frontSql.query(query);
      json({ columns: result.fields.map((field) => field.name), rows: result.rows });
    } else if (url.pathname === '/') {
      response.setHeader('content-type', 'text/html');
      response.end(readFileSync(PAGE));
    } else if (url.pathname === '/uPlot.iife.min.js' || url.pathname === '/uPlot.min.css') {
      response.setHeader('content-type', url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css');
      response.end(readFileSync(UPLOT_DIST + url.pathname.slice(1)));
    } else {
      response.statusCode = 404;
      response.end();
    }
  }

  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      response.statusCode = 500;
      response.end(JSON.stringify({ error: error.message }));
    });
  });
  await new Promise<void>((resolve) => http.listen(options.httpPort ?? 0, '127.0.0.1', resolve));
  const httpPort = (http.address() as { port: number }).port;

  return {
    mnemo,
    sqlPort,
    httpPort,
    aggregators,
    async stop() {
      await Promise.all(aggregators.map((aggregator) => aggregator.stop()));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await Promise.allSettled(connections.map((connection) => connection.close()));
      await mnemo.close();
    },
  };
}

/** Random page views: a few popular pages, load times around 200 ms with a long tail. */
export function randomEvents(count: number): PageEvent[] {
  const pages = ['/', '/pricing', '/docs', '/blog', '/signup', '/login'];
  return Array.from({ length: count }, () => ({
    page: pages[Math.floor(pages.length * Math.random() ** 2)]!,
    ms: Math.round(80 + 120 * -Math.log(1 - Math.random())),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'http-port': { type: 'string', default: '3000' }, port: { type: 'string', default: '6391' }, load: { type: 'string', default: '0' } } });
  const running = await startAnalytics({ httpPort: Number(values['http-port']), port: Number(values.port) });
  console.log(`live page: http://127.0.0.1:${running.httpPort}/`);
  console.log(`Redis protocol: ${running.mnemo.url}; SQL: psql -h 127.0.0.1 -p ${running.sqlPort} -U default -c 'SELECT count(*) FROM page_views'`);
  const rate = Number(values.load);
  const load = rate > 0 ? setInterval(() => void fetch(`http://127.0.0.1:${running.httpPort}/events`, { method: 'POST', body: JSON.stringify(randomEvents(Math.ceil(rate / 10))) }), 100) : null;
  if (rate > 0) console.log(`posting ${rate} random events a second`);
  console.log('Ctrl-C stops everything.');
  process.on('SIGINT', () => {
    if (load !== null) clearInterval(load);
    void running.stop().then(() => process.exit(0));
  });
}
