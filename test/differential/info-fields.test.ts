// INFO's sections and field names, and CLIENT INFO's fields, against a real redis-server 7.0.15
// after the same commands: Mnemo gives every section, each of Redis's fields that has a meaning
// here in Redis's order, and the fields it leaves out are the ones listed below, with why.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { referenceSkip as skip } from '../helpers/side-by-side.ts';
import { startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';

/** Redis 7.0.15's fields that Mnemo does not give, by section, and why. */
const LEFT_OUT: Record<string, string[]> = {
  // Build facts of a C program.
  Server: ['atomicvar_api', 'gcc_version'],
  Memory: [
    // jemalloc's own figures: V8 and libc allocate here (see used_memory_js_heap and the arena fields).
    'allocator_allocated', 'allocator_active', 'allocator_resident', 'allocator_frag_ratio', 'allocator_frag_bytes',
    'allocator_rss_ratio', 'allocator_rss_bytes', 'rss_overhead_ratio', 'rss_overhead_bytes',
    // No active defragmentation.
    'active_defrag_running',
    // Not yet counted apart: functions libraries, buffers of clients, replicas, the backlog, the AOF and cluster links.
    'number_of_libraries', 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_total_replication_buffers',
    'mem_clients_slaves', 'mem_clients_normal', 'mem_cluster_links', 'mem_aof_buffer',
  ],
  // Snapshots are forkless: no copy-on-write pages, no fork progress, no module forks.
  Persistence: ['current_cow_peak', 'current_cow_size_age', 'current_fork_perc', 'module_fork_in_progress', 'module_fork_last_cow_size'],
  Stats: [
    // Not yet counted: replication traffic apart, the active expiry cycle's details, socket reads and writes.
    'total_net_repl_input_bytes', 'total_net_repl_output_bytes', 'instantaneous_input_repl_kbps', 'instantaneous_output_repl_kbps',
    'expired_stale_perc', 'expired_time_cap_reached_count', 'total_reads_processed', 'total_writes_processed',
    // MIGRATE keeps no cached sockets; replicas keep no writable-replica expires; no defragmentation; no payload sanitizing; no I/O threads; no reply buffer resizing.
    'migrate_cached_sockets', 'slave_expires_tracked_keys', 'active_defrag_hits', 'active_defrag_misses', 'active_defrag_key_hits',
    'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time', 'dump_payload_sanitizations',
    'io_threaded_reads_processed', 'io_threaded_writes_processed', 'reply_buffer_shrinks', 'reply_buffer_expands',
  ],
};

/** Mnemo's own fields, by section. */
const MNEMO_ONLY: Record<string, string[]> = {
  Server: ['mnemo_version', 'node_version'],
  Memory: ['used_memory_js_heap', 'used_memory_arena', 'used_memory_arena_reserved'],
  Persistence: ['persistence_engine'],
};

/** Sections Redis fills from its command dictionary, in that hash table's order. */
const UNORDERED = new Set(['Commandstats', 'Latencystats']);

let mnemo: RunningServer;
let redis: ReferenceServer;
const connections: WireConnection[] = [];

/** The same commands on both, so that commandstats, errorstats, latencystats and keyspace have entries. */
const WORKLOAD = [['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['HGET', 'a', 'f'], ['EXPIRE', 'a', '100'], ['SADD', 's', 'm']];

before(async () => {
  if (skip) return;
  mnemo = await startServer({ port: 0, host: '127.0.0.1' });
  redis = await startRedisReference();
  for (const port of [mnemo.port, redis.port]) {
    const connection = await WireConnection.connect(port);
    connections.push(connection);
    for (const command of WORKLOAD) await connection.command(command);
  }
});

after(async () => {
  for (const connection of connections) connection.close();
  if (skip) return;
  await mnemo.close();
  await redis.close();
});

/** INFO's field names by section, in order. */
async function infoFields(connection: WireConnection): Promise<Map<string, string[]>> {
  const text = String(await connection.command(['INFO', 'everything'])).replace(/^\$\d+\r\n/, '');
  const sections = new Map<string, string[]>();
  let fields: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.set(line.slice(2), (fields = []));
    else if (line.includes(':')) fields.push(line.slice(0, line.indexOf(':')));
  }
  return sections;
}

test("INFO everything has Redis's sections in Redis's order, and each of Redis's fields but the ones left out, in order", { skip }, async () => {
  const [mine, theirs] = [await infoFields(connections[0]!), await infoFields(connections[1]!)];
  const redisSections = [...theirs.keys()];
  assert.deepEqual([...mine.keys()].filter((name) => theirs.has(name)), redisSections);
  for (const [section, redisFields] of theirs) {
    const leftOut = LEFT_OUT[section] ?? [];
    const mnemoFields = mine.get(section)!;
    const expected = redisFields.filter((field) => !leftOut.includes(field));
    const given = mnemoFields.filter((field) => !(MNEMO_ONLY[section] ?? []).includes(field));
    if (UNORDERED.has(section)) assert.deepEqual(given.sort(), expected.sort(), section);
    else assert.deepEqual(given, expected, section);
    // A field listed as left out that Redis no longer shows, or that Mnemo now gives, is a stale entry.
    for (const field of leftOut) assert.ok(redisFields.includes(field) && !mnemoFields.includes(field), `${section}: ${field} is listed as left out`);
  }
});

test("CLIENT INFO gives Redis 7.0.15's fields in Redis's order", { skip }, async () => {
  const names = async (connection: WireConnection) =>
    String(await connection.command(['CLIENT', 'INFO']))
      .replace(/^\$\d+\r\n/, '')
      .trim()
      .split(' ')
      .map((pair) => pair.slice(0, pair.indexOf('=')));
  const [mine, theirs] = [await names(connections[0]!), await names(connections[1]!)];
  // lib-name and lib-ver come from Redis 7.2 (CLIENT SETINFO), which Mnemo answers for newer clients.
  assert.deepEqual(mine.filter((name) => name !== 'lib-name' && name !== 'lib-ver'), theirs);
});
