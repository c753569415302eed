// The Memcached front's counters on /metrics, named and derived as memcached_exporter names
// them (from the same "stats" and "stats settings" lines the exporter reads), so dashboards
// built for memcached_exporter read Mnemo's Memcached side unchanged.

import type { MemcachedListener } from '../memcached/listener.ts';
import { statsGroup } from '../memcached/stats.ts';

type Kind = 'counter' | 'gauge';

export interface MetricFamilyWriter {
  family(name: string, kind: Kind, help: string, samples: readonly (readonly [labels: string, value: number])[]): void;
}

/** memcached_exporter's plain metrics: the stats line each reads, its name, type and help. */
const PLAIN: readonly [stat: string, metric: string, kind: Kind, help: string][] = [
  ['uptime', 'memcached_uptime_seconds', 'counter', 'Number of seconds since the server started.'],
  ['time', 'memcached_time_seconds', 'gauge', 'current UNIX time according to the server.'],
  ['rusage_user', 'memcached_process_user_cpu_seconds_total', 'counter', 'Accumulated user time for this process.'],
  ['rusage_system', 'memcached_process_system_cpu_seconds_total', 'counter', 'Accumulated system time for this process.'],
  ['bytes', 'memcached_current_bytes', 'gauge', 'Current number of bytes used to store items.'],
  ['limit_maxbytes', 'memcached_limit_bytes', 'gauge', 'Number of bytes this server is allowed to use for storage.'],
  ['curr_items', 'memcached_current_items', 'gauge', 'Current number of items stored by this instance.'],
  ['total_items', 'memcached_items_total', 'counter', 'Total number of items stored during the life of this instance.'],
  ['bytes_read', 'memcached_read_bytes_total', 'counter', 'Total number of bytes read by this server from network.'],
  ['bytes_written', 'memcached_written_bytes_total', 'counter', 'Total number of bytes sent by this server to network.'],
  ['curr_connections', 'memcached_current_connections', 'gauge', 'Current number of open connections.'],
  ['total_connections', 'memcached_connections_total', 'counter', 'Total number of connections opened since the server started running.'],
  ['rejected_connections', 'memcached_connections_rejected_total', 'counter', "Total number of connections rejected due to hitting the memcached's -c limit in maxconns_fast mode."],
  ['conn_yields', 'memcached_connections_yielded_total', 'counter', "Total number of connections yielded running due to hitting the memcached's -R limit."],
  ['listen_disabled_num', 'memcached_connections_listener_disabled_total', 'counter', 'Number of times that memcached has hit its connections limit and disabled its listener.'],
  ['evictions', 'memcached_items_evicted_total', 'counter', 'Total number of valid items removed from cache to free memory for new items.'],
  ['reclaimed', 'memcached_items_reclaimed_total', 'counter', 'Total number of times an entry was stored using memory from an expired entry.'],
  ['store_too_large', 'memcached_item_too_large_total', 'counter', 'The number of times an item exceeded the max-item-size when being stored.'],
  ['store_no_memory', 'memcached_item_no_memory_total', 'counter', 'The number of times an item could not be stored due to no more memory.'],
  ['total_malloced', 'memcached_malloced_bytes', 'gauge', 'Number of bytes of memory allocated to slab pages.'],
  ['accepting_conns', 'memcached_accepting_connections', 'gauge', 'The Memcached server is currently accepting new connections.'],
];

/** The operations memcached_exporter splits into hit and miss samples of memcached_commands_total. */
const HIT_MISS_OPS = ['get', 'delete', 'incr', 'decr', 'cas', 'touch'];

const commandLabels = (command: string, status: string) => `{command="${command}",status="${status}"}`;

export function renderMemcachedMetrics(out: MetricFamilyWriter, front: MemcachedListener): void {
  const info = front.info();
  const lines = statsGroup(front.store, '', info)!;
  const stats = new Map(lines.map(([name, value]) => [name, Number(value)]));
  const settings = new Map(statsGroup(front.store, 'settings', info)!);
  const stat = (name: string) => stats.get(name) ?? 0;
  out.family('memcached_up', 'gauge', 'Could the memcached server be reached.', [['', 1]]);
  const version = String(lines.find(([name]) => name === 'version')![1]);
  out.family('memcached_version', 'gauge', 'The version of this memcached server.', [[`{version="${version}"}`, 1]]);
  const commands: [string, number][] = [];
  for (const op of HIT_MISS_OPS) {
    commands.push([commandLabels(op, 'hit'), stat(`${op}_hits`)], [commandLabels(op, 'miss'), stat(`${op}_misses`)]);
  }
  commands.push([commandLabels('cas', 'badval'), stat('cas_badval')], [commandLabels('flush', 'hit'), stat('cmd_flush')]);
  // As the exporter: memcached counts cas operations in cmd_set too.
  commands.push([commandLabels('set', 'hit'), stat('cmd_set') - stat('cas_misses') - stat('cas_hits') - stat('cas_badval')]);
  out.family('memcached_commands_total', 'counter', 'Total number of all requests broken down by command (get, set, etc.) and status.', commands);
  for (const [name, metric, kind, help] of PLAIN) {
    const value = stats.get(name);
    if (value !== undefined) out.family(metric, kind, help, [['', value]]);
  }
  out.family('memcached_max_connections', 'gauge', 'Maximum number of clients allowed.', [['', Number(settings.get('maxconns'))]]);
}
