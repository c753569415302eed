import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { Verbatim } from '../helpers/resp.ts';
import { bytesToHuman } from '../../src/commands/server/info.ts';

/** INFO's text parsed into section titles and field maps. */
function info(h: Harness, ...sections: string[]): Map<string, Map<string, string>> {
  const text = h.run('INFO', ...sections) as string;
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) out.set(line.slice(2), (current = new Map()));
    else if (line !== '') current!.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  }
  return out;
}

test('INFO with no argument shows the default sections in Redis order', () => {
  const h = new Harness();
  assert.deepEqual([...info(h).keys()], ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
  assert.deepEqual([...info(h, 'default').keys()], [...info(h).keys()]);
});

test('INFO all and everything add commandstats; named sections combine; unknown ones are empty', () => {
  const h = new Harness();
  assert.ok(info(h, 'all').has('Commandstats'));
  assert.ok(info(h, 'everything').has('Commandstats'));
  assert.deepEqual([...info(h, 'KEYSPACE', 'server').keys()], ['Server', 'Keyspace']);
  assert.equal(h.run('INFO', 'nosuchsection'), '');
});

test('INFO is a verbatim string in RESP3 and a bulk string in RESP2', () => {
  const h = new Harness();
  assert.ok(h.raw(['INFO', 'cluster']).toString().startsWith('$'));
  h.run('HELLO', '3');
  const reply = h.run('INFO', 'cluster');
  assert.ok(reply instanceof Verbatim);
  assert.equal(reply.text, '# Cluster\r\ncluster_enabled:0\r\n');
});

test('INFO server reports the Redis version clients gate on, and Mnemo own version', () => {
  const h = new Harness();
  const server = info(h, 'server').get('Server')!;
  assert.equal(server.get('redis_version'), '7.0.15');
  assert.equal(server.get('mnemo_version'), '0.1.0');
  assert.equal(server.get('redis_mode'), 'standalone');
  assert.equal(server.get('process_id'), String(process.pid));
  assert.match(server.get('run_id')!, /^[0-9a-f]{40}$/);
  h.clock.advance(90_000);
  assert.equal(info(h, 'server').get('Server')!.get('uptime_in_seconds'), '90');
});

/** INFO memory's figures as numbers. */
function memory(h: Harness): Map<string, number> {
  return new Map([...info(h, 'memory').get('Memory')!].map(([name, value]) => [name, Number(value)]));
}

test('INFO memory reports maxmemory settings', () => {
  const h = new Harness({ maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' });
  const m = info(h, 'memory').get('Memory')!;
  assert.equal(m.get('maxmemory'), String(100 * 1024 * 1024));
  assert.equal(m.get('maxmemory_human'), '100.00M');
  assert.equal(m.get('maxmemory_policy'), 'allkeys-lru');
});

test('INFO used_memory is dataset plus overhead, grows by the bytes written and falls back after DEL and FLUSHALL', () => {
  const h = new Harness();
  const start = memory(h);
  assert.equal(start.get('used_memory'), start.get('used_memory_dataset')! + start.get('used_memory_overhead')!);
  assert.equal(start.get('used_memory'), start.get('used_memory_startup'));
  assert.equal(start.get('used_memory_dataset'), 0);
  for (let i = 0; i < 100; i++) h.run('SET', `k${i}`, 'x'.repeat(1000));
  const written = memory(h);
  // Each key is one arena record: a 4-byte header, the key (2-3 bytes) and the value, in an
  // 8-byte size class: 1008 bytes.
  assert.equal(written.get('used_memory_dataset'), 100 * 1008);
  assert.equal(written.get('used_memory'), written.get('used_memory_dataset')! + written.get('used_memory_overhead')!);
  for (let i = 0; i < 50; i++) h.run('DEL', `k${i}`);
  assert.equal(memory(h).get('used_memory_dataset'), 50 * 1008);
  h.run('FLUSHALL');
  const flushed = memory(h);
  assert.equal(flushed.get('used_memory_dataset'), 0);
  assert.equal(flushed.get('used_memory'), start.get('used_memory'));
});

test('INFO used_memory_peak remembers a high point no INFO call saw', () => {
  const h = new Harness();
  const start = memory(h).get('used_memory')!;
  h.run('SET', 'big', 'x'.repeat(1_000_000));
  h.run('DEL', 'big');
  const m = memory(h);
  assert.equal(m.get('used_memory_dataset'), 0);
  assert.ok(m.get('used_memory_peak')! >= start + 1_000_000, `peak ${m.get('used_memory_peak')} after a 1 MB value on ${start}`);
  assert.ok(m.get('used_memory_peak')! - m.get('used_memory')! >= 1_000_000);
});

test('INFO memory counts collections as they change, with MEMORY USAGE the key share', () => {
  const h = new Harness();
  for (let i = 0; i < 1000; i++) h.run('HSET', 'h', `field:${i}`, 'v'.repeat(50));
  const dataset = memory(h).get('used_memory_dataset')!;
  assert.ok(dataset >= 1000 * 57, `${dataset} bytes for 1000 fields of 57 bytes`);
  // The key's usage is its part of the dataset (the only key) plus its entry and index bucket.
  assert.equal(h.run('MEMORY', 'USAGE', 'h'), dataset + 20);
  h.run('DEL', 'h');
  assert.equal(memory(h).get('used_memory_dataset'), 0);
});

test('INFO persistence says no save is running, and counts changes since start', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2');
  h.run('GET', 'a');
  const p = info(h, 'persistence').get('Persistence')!;
  assert.equal(p.get('loading'), '0');
  assert.equal(p.get('rdb_changes_since_last_save'), '2');
  assert.equal(p.get('rdb_bgsave_in_progress'), '0');
  assert.equal(p.get('aof_enabled'), '0');
  assert.equal(p.get('persistence_engine'), 'rdb');
});

test('INFO stats counts commands, keyspace hits and misses, and error replies', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('GET', 'a');
  h.run('GET', 'a');
  h.run('GET', 'missing');
  h.run('NOSUCH');
  const stats = info(h, 'stats').get('Stats')!;
  assert.equal(stats.get('keyspace_hits'), '2');
  assert.equal(stats.get('keyspace_misses'), '1');
  assert.equal(stats.get('total_commands_processed'), '4');
  assert.equal(stats.get('total_error_replies'), '1');
});

test('INFO stats counts expired keys', () => {
  const h = new Harness();
  h.run('SET', 'a', '1', 'PX', '10');
  h.clock.advance(20);
  h.run('GET', 'a');
  assert.equal(info(h, 'stats').get('Stats')!.get('expired_keys'), '1');
});

test('INFO replication says master with no replicas', () => {
  const h = new Harness();
  const repl = info(h, 'replication').get('Replication')!;
  assert.equal(repl.get('role'), 'master');
  assert.equal(repl.get('connected_slaves'), '0');
  assert.match(repl.get('master_replid')!, /^[0-9a-f]{40}$/);
});

test('INFO commandstats lists called, rejected and failed commands with subcommands by full name', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('SET', 'a', '1', 'NX', 'XX');
  h.run('GET');
  h.run('CONFIG', 'GET', 'hz');
  const stats = info(h, 'commandstats').get('Commandstats')!;
  assert.match(stats.get('cmdstat_set')!, /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$/);
  assert.match(stats.get('cmdstat_get')!, /^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/);
  assert.match(stats.get('cmdstat_config|get')!, /^calls=1,/);
  assert.equal(stats.has('cmdstat_ping'), false);
});

test('INFO errorstats counts errors by their code, sorted', () => {
  const h = new Harness();
  h.run('NOSUCH');
  h.run('SET', 'a', '1', 'NX', 'XX');
  h.run('MULTI');
  h.run('NOSUCH');
  h.run('EXEC');
  const errors = info(h, 'errorstats').get('Errorstats')!;
  assert.deepEqual([...errors.entries()], [
    ['errorstat_ERR', 'count=3'],
    ['errorstat_EXECABORT', 'count=1'],
  ]);
});

test('INFO keyspace lists non-empty databases with their key and TTL counts', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '1', 'EX', '100');
  h.run('SELECT', '5');
  h.run('SET', 'c', '1');
  assert.deepEqual([...info(h, 'keyspace').get('Keyspace')!.entries()], [
    ['db0', 'keys=2,expires=1,avg_ttl=0'],
    ['db5', 'keys=1,expires=0,avg_ttl=0'],
  ]);
});

test('bytesToHuman formats like Redis', () => {
  assert.equal(bytesToHuman(0), '0B');
  assert.equal(bytesToHuman(1023), '1023B');
  assert.equal(bytesToHuman(916264), '894.79K');
  assert.equal(bytesToHuman(6696960), '6.39M');
  assert.equal(bytesToHuman(25276026880), '23.54G');
});

test('INFO stats instantaneous_ops_per_sec averages the rate the cron samples', () => {
  const h = new Harness();
  h.run('INFO', 'stats');
  h.server.cron();
  for (let round = 0; round < 16; round++) {
    h.clock.advance(100);
    for (let i = 0; i < 50; i++) h.run('GET', 'k');
    h.server.cron();
  }
  // 50 commands in each 100 ms between samples.
  const stats = info(h, 'stats').get('Stats')!;
  assert.equal(stats.get('instantaneous_ops_per_sec'), '500');
  assert.equal(stats.get('instantaneous_input_kbps'), '0.00');
});
