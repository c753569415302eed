// One application process: a product API over the tiered cache. Several of these run side by
// side against one Mnemo; each has its own L1. Environment: MNEMO_URL, APP_PORT (0: a free
// port, printed as "listening on <port>"), LOAD_DELAY_MS (how slow the system of record is).
//
//   GET /products/:id   cache-aside read
//   PUT /products/:id   write-through (body: the product's JSON)
//   GET /l1/:id         200 if this process's L1 holds the product, 404 if not
//   GET /stats          this process's hits, loads and invalidations

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createClient } from 'redis';
import { TieredCache } from './tiered-cache.ts';
import { readBody } from '../common.ts';

const url = process.env.MNEMO_URL ?? 'redis://127.0.0.1:6379';
const loadDelay = Number(process.env.LOAD_DELAY_MS ?? 30);

const cache = await TieredCache.connect({ url, prefix: 'cache:product:' });
// The system of record stands in for the application's SQL database: a hash in the same Mnemo,
// read slowly on purpose, so that cache hits and stampedes are visible. `catalog:loads` counts
// loads across every process.
const records = createClient({ url });
records.on('error', () => {});
await records.connect();

async function loadProduct(id: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, loadDelay));
  await records.incr('catalog:loads');
  return (await records.hGet('catalog:products', id)) ?? JSON.stringify({ id, name: `product ${id}`, price: 0 });
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const [, resource, id] = (request.url ?? '/').split('/');
  if (request.method === 'GET' && resource === 'stats') {
    response.end(JSON.stringify(cache.stats));
  } else if (request.method === 'GET' && resource === 'l1' && id) {
    response.statusCode = cache.inL1(id) ? 200 : 404;
    response.end();
  } else if (request.method === 'GET' && resource === 'products' && id) {
    response.setHeader('content-type', 'application/json');
    response.end(await cache.get(id, () => loadProduct(id)));
  } else if (request.method === 'PUT' && resource === 'products' && id) {
    const product = await readBody(request);
    await records.hSet('catalog:products', id, product);
    await cache.set(id, product);
    response.statusCode = 204;
    response.end();
  } else {
    response.statusCode = 404;
    response.end();
  }
}

const http = createServer((request, response) => {
  handle(request, response).catch((error: Error) => {
    response.statusCode = 500;
    response.end(error.message);
  });
});
http.listen(Number(process.env.APP_PORT ?? 0), '127.0.0.1', () => {
  const address = http.address();
  console.log(`listening on ${typeof address === 'object' && address !== null ? address.port : address}`);
});

async function shutdown(): Promise<void> {
  http.close();
  await Promise.allSettled([cache.close(), records.close()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
