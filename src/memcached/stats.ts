// The "stats" groups memcached serves (general, settings, items, slabs), with the fields that
// clients and dashboards read, filled from Mnemo's own numbers where the concept maps.

import os from 'node:os';
import process from 'node:process';
import type { MemcachedStore } from './store.ts';

export const MEMCACHED_VERSION = '1.6.18';

export type StatLine = [name: string, value: string | number];

export interface ListenerInfo {
  port: number;
  hosts: string[];
  currConnections: number;
}

export function statsGroup(store: MemcachedStore, group: string, info: ListenerInfo): StatLine[] | null {
  switch (group) {
    case '':
      return generalStats(store, info);
    case 'settings':
      return settingsStats(store, info);
    case 'items':
      return itemStats(store);
    case 'slabs':
      return slabStats(store);
    case 'sizes':
      return [['sizes_status', 'disabled']];
    default:
      return null;
  }
}

function seconds(micros: number): string {
  return (micros / 1e6).toFixed(6);
}

function generalStats(store: MemcachedStore, info: ListenerInfo): StatLine[] {
  const s = store.stats;
  const server = store.server;
  const now = store.keyspace.now;
  const usage = process.resourceUsage();
  const db = store.db;
  return [
    ['pid', process.pid],
    ['uptime', Math.floor((now - store.startedAt) / 1000)],
    ['time', Math.floor(now / 1000)],
    ['version', MEMCACHED_VERSION],
    ['libevent', 'node'],
    ['pointer_size', 64],
    ['rusage_user', seconds(usage.userCPUTime)],
    ['rusage_system', seconds(usage.systemCPUTime)],
    ['max_connections', server.config.number('maxclients')],
    ['curr_connections', info.currConnections],
    ['total_connections', s.totalConnections],
    ['rejected_connections', s.rejectedConnections],
    ['connection_structures', info.currConnections],
    ['cmd_get', s.cmdGet],
    ['cmd_set', s.cmdSet],
    ['cmd_flush', s.cmdFlush],
    ['cmd_touch', s.cmdTouch],
    ['cmd_meta', s.cmdMeta],
    ['get_hits', s.getHits],
    ['get_misses', s.getMisses],
    ['get_expired', s.getExpired],
    ['get_flushed', s.getFlushed],
    ['delete_misses', s.deleteMisses],
    ['delete_hits', s.deleteHits],
    ['incr_misses', s.incrMisses],
    ['incr_hits', s.incrHits],
    ['decr_misses', s.decrMisses],
    ['decr_hits', s.decrHits],
    ['cas_misses', s.casMisses],
    ['cas_hits', s.casHits],
    ['cas_badval', s.casBadval],
    ['touch_hits', s.touchHits],
    ['touch_misses', s.touchMisses],
    ['store_too_large', s.storeTooLarge],
    ['store_no_memory', s.storeNoMemory],
    ['auth_cmds', s.authCmds],
    ['auth_errors', s.authErrors],
    ['bytes_read', s.bytesRead],
    ['bytes_written', s.bytesWritten],
    ['limit_maxbytes', limitMaxBytes(store)],
    ['accepting_conns', 1],
    ['threads', 1],
    ['bytes', store.keyspace.arena.usedBytes],
    ['curr_items', db.size],
    ['total_items', s.totalItems],
    ['expired_unfetched', 0],
    ['evicted_unfetched', 0],
    ['evictions', store.evictions],
    ['reclaimed', store.keyspace.stats.expiredKeys],
  ];
}

function limitMaxBytes(store: MemcachedStore): number {
  // memcached's -m is Mnemo's maxmemory; "no limit" (0) is shown as the machine's memory,
  // since dashboards divide by this number.
  return store.server.config.number('maxmemory') || os.totalmem();
}

function settingsStats(store: MemcachedStore, info: ListenerInfo): StatLine[] {
  const config = store.server.config;
  return [
    ['maxbytes', limitMaxBytes(store)],
    ['maxconns', config.number('maxclients')],
    ['tcpport', info.port],
    ['udpport', 0],
    ['inter', info.hosts.join(',')],
    ['verbosity', store.verbosity],
    ['oldest', 0],
    ['evictions', store.evictionsEnabled ? 'on' : 'off'],
    ['domain_socket', 'NULL'],
    ['growth_factor', '1.25'],
    ['chunk_size', 48],
    ['num_threads', 1],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', config.number('tcp-backlog')],
    ['binding_protocol', 'auto-negotiate'],
    ['auth_enabled_sasl', store.server.acl.authRequired ? 'yes' : 'no'],
    ['auth_enabled_ascii', store.server.acl.authRequired ? 'yes' : 'no'],
    ['item_size_max', config.number('memcached-max-item-size')],
    ['flush_enabled', 'yes'],
    ['hash_algorithm', 'mnemo'],
  ];
}

/** Mnemo has no slab classes: everything is reported as class 1. */
function itemStats(store: MemcachedStore): StatLine[] {
  const db = store.db;
  if (db.size === 0) return [];
  return [
    ['items:1:number', db.size],
    ['items:1:age', 0],
    ['items:1:mem_requested', store.keyspace.arena.usedBytes],
    ['items:1:evicted', 0],
    ['items:1:outofmemory', 0],
    ['items:1:reclaimed', store.keyspace.stats.expiredKeys],
  ];
}

function slabStats(store: MemcachedStore): StatLine[] {
  const s = store.stats;
  const lines: StatLine[] = [];
  const db = store.db;
  if (db.size > 0) {
    lines.push(
      ['1:chunk_size', 96],
      ['1:used_chunks', db.size],
      ['1:get_hits', s.getHits],
      ['1:cmd_set', s.cmdSet],
      ['1:delete_hits', s.deleteHits],
      ['1:incr_hits', s.incrHits],
      ['1:decr_hits', s.decrHits],
      ['1:cas_hits', s.casHits],
      ['1:cas_badval', s.casBadval],
      ['1:touch_hits', s.touchHits],
    );
  }
  lines.push(['active_slabs', db.size > 0 ? 1 : 0], ['total_malloced', store.keyspace.arena.usedBytes]);
  return lines;
}
