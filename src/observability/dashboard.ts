// The live dashboard on metrics-port: a page (dashboard/index.html and dashboard.js, drawn with
// uPlot from the npm package's dist files) fed by server-sent events. Each event is one JSON
// snapshot of cumulative counters; the page turns them into rates and interval percentiles,
// so the server keeps no history and pays only for the snapshot, and only while a page is open.

import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { everyCommand, sectionFields } from '../commands/server/info.ts';
import type { RegisteredCommand } from '../commands/registry.ts';
import type { Server } from '../server/server.ts';
import { HISTOGRAM_BUCKETS, histogramBucketBound } from './observability.ts';

/** Fastest and default update periods of the event stream, in ms (10 and 1 updates a second). */
const MIN_PERIOD_MS = 100;
const DEFAULT_PERIOD_MS = 1000;
/** A page that reads slower than the server sends skips updates rather than queueing them. */
const MAX_UNSENT_BYTES = 256 * 1024;
const SLOWLOG_SHOWN = 10;

const PERSISTENCE_FIELDS = new Set([
  'loading',
  'rdb_changes_since_last_save',
  'rdb_bgsave_in_progress',
  'rdb_last_save_time',
  'rdb_last_bgsave_status',
  'rdb_saves',
  'aof_enabled',
  'aof_rewrite_in_progress',
  'aof_last_bgrewrite_status',
  'aof_last_write_status',
  'aof_current_size',
]);
const REPLICATION_FIELDS = new Set([
  'role',
  'master_host',
  'master_port',
  'master_link_status',
  'connected_slaves',
  'master_repl_offset',
  'slave_repl_offset',
  'repl_backlog_histlen',
]);

export interface DashboardSnapshot {
  /** Unix ms when it was taken. */
  time: number;
  /** Server CPU (user + system) so far, µs. */
  cpuUsec: number;
  commandsProcessed: number;
  /** Per command that ran: name, calls, µs spent. */
  commands: [string, number, number][];
  /** Every command's latency-tracking histogram summed: counts per bucket. */
  latencyBuckets: number[];
  /** Each bucket's upper bound in µs (constant; the page needs it once, it costs little). */
  latencyBounds: number[];
  memory: { used: number; rss: number; peak: number; max: number };
  /** Databases holding keys: index, keys, keys with a TTL. */
  dbs: [number, number, number][];
  clients: { connected: number; blocked: number };
  hits: number;
  misses: number;
  slowlog: { id: number; time: number; usec: number; command: string }[];
  persistence: [string, string | number][];
  replication: [string, string | number][];
}

const BOUNDS = Array.from({ length: HISTOGRAM_BUCKETS }, (_, k) => histogramBucketBound(k));

/** What changes slowly and costs a system call or a section's worth of fields: read at most once a second. */
const SLOW_FIELDS_MS = 1000;

/** Takes the snapshots of one server. */
export class SnapshotSource {
  /** Every command and subcommand; the table is fixed once the server runs (renames come first). */
  private readonly table: readonly RegisteredCommand[];
  private slowAt = -Infinity;
  private rss = 0;
  private persistence: [string, string | number][] = [];
  private replication: [string, string | number][] = [];

  constructor(private readonly server: Server) {
    this.table = everyCommand(server);
  }

  take(): DashboardSnapshot {
    const { server } = this;
    const { keyspace, stats } = server;
    const now = Date.now();
    if (now - this.slowAt >= SLOW_FIELDS_MS) {
      this.slowAt = now;
      this.rss = process.memoryUsage.rss();
      this.persistence = sectionFields(server, 'persistence').filter(([name]) => PERSISTENCE_FIELDS.has(name));
      this.replication = sectionFields(server, 'replication').filter(([name]) => REPLICATION_FIELDS.has(name));
    }
    const commands: [string, number, number][] = [];
    const buckets = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    for (const cmd of this.table) {
      if (cmd.stats.calls === 0) continue;
      commands.push([cmd.fullName, cmd.stats.calls, cmd.stats.usec]);
      const histogram = cmd.stats.histogram;
      if (histogram !== undefined) for (let k = 0; k < HISTOGRAM_BUCKETS; k++) buckets[k]! += histogram[k]!;
    }
    const dbs: [number, number, number][] = [];
    keyspace.dbs.forEach((db, i) => {
      if (db.size > 0) dbs.push([i, db.size, db.volatileCount]);
    });
    const cpu = process.cpuUsage();
    return {
      time: now,
      cpuUsec: cpu.user + cpu.system,
      commandsProcessed: stats.commandsProcessed,
      commands,
      latencyBuckets: buckets,
      latencyBounds: BOUNDS,
      memory: { used: keyspace.usedBytes, rss: this.rss, peak: keyspace.peakBytes, max: server.config.number('maxmemory') },
      dbs,
      clients: { connected: server.clients.size, blocked: server.blocking.count },
      hits: keyspace.stats.hits,
      misses: keyspace.stats.misses,
      slowlog: server.observability.slowlog.entries.slice(0, SLOWLOG_SHOWN).map((entry) => ({
        id: entry.id,
        time: entry.time,
        usec: entry.usec,
        command: entry.argv.map((arg) => arg.toString('latin1')).join(' '),
      })),
      persistence: this.persistence,
      replication: this.replication,
    };
  }
}

interface Asset {
  type: string;
  body: Buffer;
}

const pageFile = (name: string) => join(dirname(fileURLToPath(import.meta.url)), 'dashboard', name);
/** uPlot's browser build, from the npm package's dist folder. */
const uplotFile = (name: string) => join(dirname(createRequire(import.meta.url).resolve('uplot')), name);
const ASSET_FILES: Record<string, [path: () => string, type: string]> = {
  '/': [() => pageFile('index.html'), 'text/html; charset=utf-8'],
  '/dashboard.js': [() => pageFile('dashboard.js'), 'text/javascript; charset=utf-8'],
  '/uplot.js': [() => uplotFile('uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/uplot.css': [() => uplotFile('uPlot.min.css'), 'text/css; charset=utf-8'],
};

/** The page, its script and uPlot, read from disk on first request and kept. */
const assets = new Map<string, Asset>();

function asset(path: string): Asset | null {
  const file = ASSET_FILES[path];
  if (file === undefined) return null;
  let found = assets.get(path);
  if (found === undefined) {
    found = { type: file[1], body: readFileSync(file[0]()) };
    assets.set(path, found);
  }
  return found;
}

/** The dashboard's HTTP routes; the event streams it has open end with close(). */
export class Dashboard {
  private readonly streams = new Set<NodeJS.Timeout>();
  /** Made with the first event stream: no page open, no cost. */
  private source: SnapshotSource | null = null;

  constructor(private readonly server: Server) {}

  /** Answers a dashboard request; false when the path is not the dashboard's. */
  serve(path: string, query: URLSearchParams, response: http.ServerResponse): boolean {
    if (path === '/events') {
      this.stream(query, response);
      return true;
    }
    const found = asset(path);
    if (found === null) return false;
    response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-cache' }).end(found.body);
    return true;
  }

  close(): void {
    for (const timer of this.streams) clearInterval(timer);
    this.streams.clear();
  }

  /** An event stream: a snapshot now, then one every `interval` ms (?interval=, at least 100). */
  private stream(query: URLSearchParams, response: http.ServerResponse): void {
    const asked = Number(query.get('interval') ?? DEFAULT_PERIOD_MS);
    const period = Number.isFinite(asked) ? Math.max(MIN_PERIOD_MS, asked) : DEFAULT_PERIOD_MS;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = () => {
      if (response.writableLength > MAX_UNSENT_BYTES) return;
      this.source ??= new SnapshotSource(this.server);
      response.write(`data: ${JSON.stringify(this.source.take())}\n\n`);
    };
    send();
    const timer = setInterval(send, period);
    this.streams.add(timer);
    response.on('close', () => {
      clearInterval(timer);
      this.streams.delete(timer);
    });
  }
}
