// A Prometheus endpoint (GET /metrics on metrics-port) whose metric names and labels are
// redis_exporter's, so that dashboards built for it read Mnemo unchanged. The text is built
// per scrape from the same counters INFO reads; nothing is added to the command path.

import http from 'node:http';
import type net from 'node:net';
import { closeAll, listenOnAll } from '../server/tcp.ts';
import type { Server } from '../server/server.ts';
import { everyCommand } from '../commands/server/info.ts';
import { Dashboard } from './dashboard.ts';
import type { MemcachedListener } from '../memcached/listener.ts';
import { renderMemcachedMetrics, type MetricFamilyWriter } from './memcached-metrics.ts';

type Kind = 'counter' | 'gauge';

class Exposition implements MetricFamilyWriter {
  private text = '';

  /** One metric family: its HELP and TYPE lines, then a sample per label set. */
  family(name: string, kind: Kind, help: string, samples: readonly (readonly [labels: string, value: number])[]): void {
    this.text += `# HELP ${name} ${help}\n# TYPE ${name} ${kind}\n`;
    for (const [labels, value] of samples) this.text += `${name}${labels} ${value}\n`;
  }

  single(name: string, kind: Kind, help: string, value: number): void {
    this.family(name, kind, help, [['', value]]);
  }

  toString(): string {
    return this.text;
  }
}

/** A label value escaped as the exposition format wants it. */
function label(name: string, value: string): string {
  return `{${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"}`;
}

/** The exposition text: the Redis side, and the Memcached front's counters when it is on. */
export function renderMetrics(server: Server, memcached: MemcachedListener | null = null): string {
  const out = new Exposition();
  const { keyspace, stats } = server;
  out.single('redis_up', 'gauge', 'Information about the Redis instance', 1);
  out.single('redis_uptime_in_seconds', 'gauge', 'uptime_in_seconds metric', Math.floor((keyspace.clock.now() - stats.startedAt) / 1000));
  out.single('redis_connected_clients', 'gauge', 'connected_clients metric', server.clients.size);
  out.single('redis_memory_used_bytes', 'gauge', 'used_memory metric', keyspace.usedBytes);
  out.single('redis_memory_max_bytes', 'gauge', 'maxmemory metric', server.config.number('maxmemory'));
  out.single('redis_commands_processed_total', 'counter', 'total_commands_processed metric', stats.commandsProcessed);
  out.single('redis_connections_received_total', 'counter', 'total_connections_received metric', stats.connectionsReceived);
  out.single('redis_rejected_connections_total', 'counter', 'rejected_connections metric', stats.rejectedConnections);
  out.single('redis_net_input_bytes_total', 'counter', 'total_net_input_bytes metric', stats.netInputBytes);
  out.single('redis_net_output_bytes_total', 'counter', 'total_net_output_bytes metric', stats.netOutputBytes);
  out.single('redis_keyspace_hits_total', 'counter', 'keyspace_hits metric', keyspace.stats.hits);
  out.single('redis_keyspace_misses_total', 'counter', 'keyspace_misses metric', keyspace.stats.misses);
  out.single('redis_expired_keys_total', 'counter', 'expired_keys metric', keyspace.stats.expiredKeys);
  out.single('redis_evicted_keys_total', 'counter', 'evicted_keys metric', keyspace.stats.evictedKeys);
  out.single('redis_slowlog_length', 'gauge', 'Total slowlog', server.observability.slowlog.entries.length);
  const dbs = keyspace.dbs.map((db, i) => ({ db, labels: label('db', `db${i}`) })).filter(({ db }) => db.size > 0);
  out.family('redis_db_keys', 'gauge', 'Total number of keys by DB', dbs.map(({ db, labels }) => [labels, db.size]));
  out.family('redis_db_keys_expiring', 'gauge', 'Total number of expiring keys by DB', dbs.map(({ db, labels }) => [labels, db.volatileCount]));
  const ran = everyCommand(server).filter((cmd) => cmd.stats.calls > 0 || cmd.stats.rejected > 0 || cmd.stats.failed > 0);
  const byCmd = (value: (cmd: (typeof ran)[number]) => number) => ran.map((cmd) => [label('cmd', cmd.fullName), value(cmd)] as const);
  out.family('redis_commands_total', 'counter', 'Total number of calls per command', byCmd((cmd) => cmd.stats.calls));
  out.family('redis_commands_duration_seconds_total', 'counter', 'Total amount of time in seconds spent per command', byCmd((cmd) => cmd.stats.usec / 1e6));
  out.family('redis_commands_rejected_calls_total', 'counter', 'Total number of errors prior command execution per command', byCmd((cmd) => cmd.stats.rejected));
  out.family('redis_commands_failed_calls_total', 'counter', 'Total number of errors within command execution per command', byCmd((cmd) => cmd.stats.failed));
  const errors = [...stats.errors].map(([code, count]) => [label('err', code), count] as const);
  out.family('redis_errors_total', 'counter', 'Total number of errors per error type', errors);
  if (memcached !== null) renderMemcachedMetrics(out, memcached);
  return out.toString();
}

/** The HTTP listener of metrics-port: /metrics, and the live dashboard at /. */
export class MetricsListener {
  private servers: net.Server[] = [];
  private readonly dashboard: Dashboard;

  constructor(
    private readonly server: Server,
    private readonly memcached: MemcachedListener | null = null,
  ) {
    this.dashboard = new Dashboard(server);
  }

  async listen(port: number, hosts: readonly string[], backlog: number): Promise<number> {
    const bound = await listenOnAll(hosts, port, backlog, () => {}, () => http.createServer((request, response) => this.serve(request, response)));
    this.servers = bound.servers;
    return bound.port;
  }

  async close(): Promise<void> {
    this.dashboard.close();
    for (const server of this.servers) (server as http.Server).closeAllConnections();
    await closeAll(this.servers);
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(renderMetrics(this.server, this.memcached));
    } else if (request.method !== 'GET' || !this.dashboard.serve(url.pathname, url.searchParams, response)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }
}
