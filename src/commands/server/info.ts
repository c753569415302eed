// INFO: Redis's sections, field names and formats, filled with what this server really does.
// Where Mnemo has no such machinery yet (RDB/AOF writing, replicas, forks) the fields say so
// with Redis's "nothing happened" values.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { MNEMO_VERSION, REDIS_VERSION } from '../../version.ts';
import type { Server } from '../../server/server.ts';
import { aofInfoFields } from '../../persistence/aof/aof.ts';
import type { RegisteredCommand } from '../registry.ts';
import type { CommandSpec } from '../spec.ts';
import { scriptingMemoryFields } from '../../scripting/scripting.ts';
import { latencyStatsFields } from '../../observability/observability.ts';
import { replicationInfoFields, syncStatsFields } from '../../replication/info.ts';
import { tieringInfoFields } from '../../tiering/index.ts';
import { Cluster } from '../../cluster/cluster.ts';

type Field = [string, string | number];
type Section = (server: Server) => Field[];

/** Redis's bytesToHuman: "894.79K", "6.39M". */
export function bytesToHuman(bytes: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (bytes < 1024) return `${bytes}B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

export interface MemoryFacts {
  /** What the keyspace holds: dataset + overhead, a running total (no walk). */
  used: number;
  peak: number;
  /** used_memory when the empty databases were made. */
  startup: number;
  rss: number;
  /** The engine's structures: entry pages, indexes, TTL lists. */
  overhead: number;
  /** Keys and values: arena records and collection objects. */
  dataset: number;
  heap: number;
  arenaUsed: number;
  arenaReserved: number;
}

export function memoryFacts(server: Server): MemoryFacts {
  const usage = process.memoryUsage();
  const keyspace = server.keyspace;
  return {
    used: keyspace.usedBytes,
    peak: keyspace.peakBytes,
    startup: keyspace.startupBytes,
    rss: usage.rss,
    overhead: keyspace.overheadBytes,
    dataset: keyspace.datasetBytes,
    heap: usage.heapUsed,
    arenaUsed: keyspace.arena.usedBytes,
    arenaReserved: keyspace.arena.reservedBytes,
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? '0.00' : ((part * 100) / whole).toFixed(2));

const serverSection: Section = (server) => {
  const now = server.keyspace.clock.now();
  const uptime = Math.floor((now - server.stats.startedAt) / 1000);
  const hz = server.config.number('hz');
  return [
    ['redis_version', REDIS_VERSION],
    ['mnemo_version', MNEMO_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', process.arch.endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'performance.now'],
    ['multiplexing_api', 'libuv'],
    ['node_version', process.versions.node],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.config.number('port')],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', server.keyspace.lruClock],
    ['executable', process.argv[1] ?? process.execPath],
    ['config_file', server.configFile ?? ''],
    ['io_threads_active', 0],
  ];
};

/** As Redis counts them: two bus links (one each way) per other known node. */
function clusterConnections(server: Server): number {
  const cluster = Cluster.existing(server);
  return cluster === null ? 0 : (cluster.state.nodes.size - 1) * 2;
}

const clientsSection: Section = (server) => [
  ['connected_clients', server.clients.size],
  ['cluster_connections', clusterConnections(server)],
  ['maxclients', server.config.number('maxclients')],
  ['client_recent_max_input_buffer', 0],
  ['client_recent_max_output_buffer', 0],
  ['blocked_clients', server.blocking.count],
  ['tracking_clients', server.tracking.clients],
  ['clients_in_timeout_table', server.blocking.timed],
];

const memorySection: Section = (server) => {
  const m = memoryFacts(server);
  const maxmemory = server.config.number('maxmemory');
  const total = os.totalmem();
  return [
    ['used_memory', m.used],
    ['used_memory_human', bytesToHuman(m.used)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', bytesToHuman(m.rss)],
    ['used_memory_peak', m.peak],
    ['used_memory_peak_human', bytesToHuman(m.peak)],
    ['used_memory_peak_perc', `${percent(m.used, m.peak)}%`],
    ['used_memory_overhead', m.overhead],
    ['used_memory_startup', m.startup],
    ['used_memory_dataset', m.dataset],
    // As Redis: the dataset's share of what was added since start-up.
    ['used_memory_dataset_perc', `${percent(m.dataset, m.used - m.startup)}%`],
    ['used_memory_js_heap', m.heap],
    ['used_memory_arena', m.arenaUsed],
    ['used_memory_arena_reserved', m.arenaReserved],
    // Redis's place for them: before the scripting fields.
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ...scriptingMemoryFields(server, bytesToHuman),
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.get('maxmemory-policy')],
    ['mem_fragmentation_ratio', m.used === 0 ? '0.00' : (m.rss / m.used).toFixed(2)],
    ['mem_fragmentation_bytes', m.rss - m.used],
    ['mem_allocator', 'v8+libc'],
    ['lazyfree_pending_objects', server.keyspace.lazyFree.pendingObjects],
    ['lazyfreed_objects', server.keyspace.lazyFree.freedObjects],
  ];
};

const persistenceSection: Section = (server) => {
  const rdb = server.persistence;
  const current = rdb.currentKeys;
  const loading = rdb.loading;
  const fields: Field[] = [
  ['loading', loading === null ? 0 : 1],
  ['async_loading', 0],
  ['persistence_engine', 'rdb'],
  // Forkless: a snapshot's extra memory is what it kept of keys written before its walk reached them.
  ['current_cow_size', rdb.currentCowBytes],
  ['current_save_keys_processed', current.processed],
  ['current_save_keys_total', current.total],
  ['rdb_changes_since_last_save', server.dirty],
  ['rdb_bgsave_in_progress', rdb.inProgress ? 1 : 0],
  ['rdb_last_save_time', rdb.lastSave],
  ['rdb_last_bgsave_status', rdb.lastBgsaveOk ? 'ok' : 'err'],
  ['rdb_last_bgsave_time_sec', rdb.lastBgsaveSeconds],
  ['rdb_current_bgsave_time_sec', rdb.currentSeconds],
  ['rdb_saves', rdb.saves],
  ['rdb_last_cow_size', rdb.lastCowBytes],
  ['rdb_last_load_keys_expired', rdb.lastLoad.expiredSkipped],
  ['rdb_last_load_keys_loaded', rdb.lastLoad.keysLoaded],
  ...aofInfoFields(server),
  ];
  if (loading !== null) {
    fields.push(
      ['loading_start_time', loading.startedAt],
      ['loading_total_bytes', loading.totalBytes],
      ['loading_rdb_used_mem', loading.rdbUsedMem],
      ['loading_loaded_bytes', loading.loadedBytes],
      ['loading_loaded_perc', rdb.loadingPercent.toFixed(2)],
      ['loading_eta_seconds', rdb.loadingEtaSeconds],
    );
  }
  return fields;
};

const statsSection: Section = (server) => {
  const s = server.stats;
  const ks = server.keyspace.stats;
  const state = server.rates;
  return [
    ['total_connections_received', s.connectionsReceived],
    ['total_commands_processed', s.commandsProcessed],
    ['instantaneous_ops_per_sec', Math.floor(state.ops.perSecond)],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['instantaneous_input_kbps', (state.netInput.perSecond / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (state.netOutput.perSecond / 1024).toFixed(2)],
    ['rejected_connections', s.rejectedConnections],
    ...syncStatsFields(server),
    ['expired_keys', ks.expiredKeys],
    ['expire_cycle_cpu_milliseconds', Math.round(ks.expireCycleMs)],
    ['evicted_keys', ks.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', Math.floor(server.keyspace.evictor.totalExceededMs)],
    ['current_eviction_exceeded_time', Math.floor(server.keyspace.evictor.currentExceededMs)],
    ['keyspace_hits', ks.hits],
    ['keyspace_misses', ks.misses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['pubsubshard_channels', server.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['tracking_total_keys', server.tracking.totalKeys],
    ['tracking_total_items', server.tracking.totalItems],
    ['tracking_total_prefixes', server.tracking.totalPrefixes],
    ['unexpected_error_replies', 0],
    ['total_error_replies', s.totalErrorReplies],
  ];
};

const replicationSection: Section = replicationInfoFields;

const cpuSection: Section = () => {
  const cpu = process.cpuUsage();
  return [
    ['used_cpu_sys', (cpu.system / 1e6).toFixed(6)],
    ['used_cpu_user', (cpu.user / 1e6).toFixed(6)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ...mainThreadCpuFields(),
  ];
};

/** USER_HZ, the unit of /proc's CPU times: Linux exports 100 on every architecture. */
const CLOCK_TICKS = 100;

/**
 * The main thread's own CPU time (Redis's RUSAGE_THREAD figures): the process's figures above
 * also count libuv's and V8's helper threads. Linux only, as in Redis; the main thread's id is the pid.
 */
function mainThreadCpuFields(): Field[] {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  } catch {
    return [];
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const seconds = (ticks: string | undefined) => (Number(ticks) / CLOCK_TICKS).toFixed(6);
  // utime and stime, fields 14 and 15 of the line (11 and 12 after the name and state).
  return [
    ['used_cpu_sys_main_thread', seconds(fields[12])],
    ['used_cpu_user_main_thread', seconds(fields[11])],
  ];
}

/** Every command and subcommand of the table, for commandstats and RESETSTAT. */
export function everyCommand(server: Server): RegisteredCommand[] {
  return server.commands.all.flatMap((cmd) => [cmd, ...cmd.subcommands]);
}

const commandstatsSection: Section = (server) =>
  everyCommand(server)
    .filter(({ stats }) => stats.calls > 0 || stats.rejected > 0 || stats.failed > 0)
    .map(({ fullName, stats }) => {
      const usec = Math.floor(stats.usec);
      const perCall = stats.calls === 0 ? 0 : stats.usec / stats.calls;
      return [
        `cmdstat_${fullName}`,
        `calls=${stats.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${stats.rejected},failed_calls=${stats.failed}`,
      ];
    });

const errorstatsSection: Section = (server) =>
  [...server.stats.errors.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]) => [`errorstat_${code}`, `count=${count}`]);

const clusterSection: Section = (server) => [['cluster_enabled', server.config.bool('cluster-enabled') ? 1 : 0]];

const keyspaceSection: Section = (server) => {
  const fields: Field[] = [];
  server.keyspace.dbs.forEach((db, i) => {
    // avg_ttl is Redis's running estimate from expiry sampling; Mnemo does not keep one.
    if (db.size > 0) fields.push([`db${i}`, `keys=${db.size},expires=${db.volatileCount},avg_ttl=0`]);
  });
  return fields;
};

const SECTIONS: readonly [string, string, Section][] = [
  ['server', 'Server', serverSection],
  ['clients', 'Clients', clientsSection],
  ['memory', 'Memory', memorySection],
  ['persistence', 'Persistence', persistenceSection],
  ['stats', 'Stats', statsSection],
  ['replication', 'Replication', replicationSection],
  ['cpu', 'CPU', cpuSection],
  ['modules', 'Modules', () => []],
  ['commandstats', 'Commandstats', commandstatsSection],
  ['errorstats', 'Errorstats', errorstatsSection],
  ['latencystats', 'Latencystats', (server) => latencyStatsFields(server, everyCommand(server))],
  ['cluster', 'Cluster', clusterSection],
  ['keyspace', 'Keyspace', keyspaceSection],
  ['tiering', 'Tiering', tieringInfoFields],
];

/** One INFO section's fields by its lower-case name (the dashboard shows some), or none. */
export function sectionFields(server: Server, name: string): Field[] {
  return SECTIONS.find(([section]) => section === name)?.[2](server) ?? [];
}

/** What INFO with no argument (or "default") shows. */
const DEFAULT_SECTIONS = new Set(['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']);

/** The INFO text for the requested section names (lower case); none means the default set. */
export function infoText(server: Server, requested: readonly string[]): string {
  const wanted = new Set<string>();
  for (const name of requested.length === 0 ? ['default'] : requested) {
    if (name === 'default') DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if (name === 'all' || name === 'everything') SECTIONS.forEach(([s]) => wanted.add(s));
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const [name, title, section] of SECTIONS) {
    if (!wanted.has(name)) continue;
    let text = `# ${title}\r\n`;
    for (const [field, value] of section(server)) text += `${field}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

export const infoCommands: CommandSpec[] = [
  {
    name: 'info',
    handler: ({ argv, server, w }) => {
      w.verbatim(infoText(server, argv.slice(1).map((arg) => arg.toString('latin1').toLowerCase())));
    },
  },
];
