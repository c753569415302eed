import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Config } from '../../src/server/config.ts';
import { applyLines, linesFromArgs, StartupError, type StartupNote } from '../../src/server/startup.ts';
import { Harness } from '../helpers/harness.ts';
import { skipWithout, spawnReference } from '../helpers/reference.ts';

/** Settings whose value legitimately differs from a stock redis-server's, and why. */
const DIFFERENT_BY_DESIGN: Record<string, string> = {
  port: 'each server runs on a port of its own here',
  dir: 'the working directory of each process',
  bind: "Mnemo listens on loopback unless told otherwise (Redis: '* -::*')",
};
/** Mnemo's own settings, which Redis does not have. */
const MNEMO_ONLY = new Set(['memcached-port', 'memcached-max-item-size', 'memcached-evictions', 'sql-port', 'metrics-port', 'tiering-enabled', 'tiering-dir', 'tiering-max-memory', 'tiering-min-value-size', 'tiering-policy', 'tiering-max-disk', 'tiering-archive-after']);

function configGetAll(h: Harness): Map<string, string> {
  const reply = h.run('CONFIG', 'GET', '*') as string[];
  const out = new Map<string, string>();
  for (let i = 0; i < reply.length; i += 2) out.set(reply[i]!, reply[i + 1]!);
  return out;
}

function load(text: string, ...flags: string[]): { config: Config; notes: StartupNote[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-conf-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, text);
  const config = new Config();
  const notes = applyLines(config, linesFromArgs([file, ...flags]), 'test');
  return { config, notes };
}

test(
  'CONFIG GET * lists every setting of redis-server 7.0.15 with the same default, aliases included',
  { skip: skipWithout('redis-server') },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnemo-ref-'));
    const reference = await spawnReference('redis-server', (port) => ['--port', String(port), '--dir', dir]);
    let redis: Map<string, string>;
    try {
      const client = new Redis(reference.port, '127.0.0.1', { lazyConnect: true });
      await client.connect();
      const reply = (await client.config('GET', '*')) as string[];
      client.disconnect();
      redis = new Map();
      for (let i = 0; i < reply.length; i += 2) redis.set(reply[i]!, reply[i + 1]!);
    } finally {
      await reference.close();
    }
    // The harness turns save points off unless asked; here they must be Redis's default.
    const mnemo = configGetAll(new Harness({ save: '3600 1 300 100 60 10000' }));
    assert.deepEqual(
      [...mnemo.keys()].filter((name) => !MNEMO_ONLY.has(name)).sort(),
      [...redis.keys()].sort(),
      'the same setting names',
    );
    const differing = [...redis].filter(([name, value]) => mnemo.get(name) !== value).map(([name]) => name);
    assert.deepEqual(differing.sort(), Object.keys(DIFFERENT_BY_DESIGN).sort());
  },
);

test('CONFIG GET shows values in Redis formats: octal permissions, percentages, memory in bytes, canonical event classes', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'maxmemory-clients', '10%', 'notify-keyspace-events', 'KEA', 'hll-sparse-max-bytes', '1kb');
  const all = configGetAll(h);
  assert.equal(all.get('maxmemory-clients'), '10%');
  assert.equal(all.get('notify-keyspace-events'), 'AKE');
  assert.equal(all.get('hll-sparse-max-bytes'), '1024');
  const { config } = load('unixsocketperm 700\n');
  assert.equal(config.get('unixsocketperm'), '700');
});

test('CONFIG GET * leaves out hidden debugging settings, which an exact name still finds', () => {
  const h = new Harness();
  assert.equal(configGetAll(h).has('watchdog-period'), false);
  assert.deepEqual(h.run('CONFIG', 'GET', 'watchdog-period'), ['watchdog-period', '0']);
});

test('multi-argument directives parse as Redis parses them: save lines accumulate, buffer limits merge per class', () => {
  const { config } = load(
    [
      'save 3600 1 300 100',
      'save 60 10000',
      'client-output-buffer-limit normal 0 0 0',
      'client-output-buffer-limit replica 256mb 64mb 60',
      'client-output-buffer-limit pubsub 32mb 8mb 60',
      'bind 127.0.0.1 -::1',
      'replicaof 10.0.0.1 6380',
      'oom-score-adj-values 0 200 800',
    ].join('\n'),
  );
  assert.equal(config.get('save'), '3600 1 300 100 60 10000');
  assert.equal(config.get('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  assert.equal(config.get('bind'), '127.0.0.1 -::1');
  assert.equal(config.get('replicaof'), '10.0.0.1 6380');
  assert.equal(load('save ""\n').config.get('save'), '');
  assert.equal(load('save 900 1\nsave ""\nsave 60 5\n').config.get('save'), '60 5');
  // One quoted argument is split into words, as for --save "900 1" on the command line.
  assert.equal(load('', '--save', '900 1').config.get('save'), '900 1');
});

test('a one-value directive given two values is a wrong number of arguments', () => {
  assert.throws(() => load('port 6379 6380\n'), (error: unknown) => error instanceof StartupError && /wrong number of arguments$/.test(error.message));
  assert.throws(() => load('save 900\n'), /Invalid save parameters/);
  assert.throws(() => load('replicaof host port\n'), /Invalid master port/);
});

test('quoted arguments keep their spaces and escapes; unbalanced quotes are a fatal error', () => {
  assert.equal(load('requirepass "a b\\x41"\n').config.get('requirepass'), 'a bA');
  assert.equal(load("masterauth 'it\\'s'\n").config.get('masterauth'), "it's");
  assert.throws(() => load('requirepass "open\n'), /Unbalanced quotes in configuration line/);
});

test('include reads another file (or every file a glob matches, in name order) with its own line numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-include-'));
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'conf.d', 'a.conf'), 'databases 4\n');
  writeFileSync(join(dir, 'conf.d', 'b.conf'), '\n\ndatabases 8\n');
  writeFileSync(join(dir, 'base.conf'), 'maxclients 77\n');
  const { config } = load(`include ${join(dir, 'base.conf')}\ninclude ${join(dir, 'conf.d', '*.conf')}\ninclude ${join(dir, 'none', '*.conf')}\n`);
  assert.equal(config.get('maxclients'), '77');
  assert.equal(config.get('databases'), '8');
  writeFileSync(join(dir, 'bad.conf'), '# ok\nnot-a-setting 1\n');
  assert.throws(
    () => load(`include ${join(dir, 'bad.conf')}\n`),
    (error: unknown) => error instanceof StartupError && error.message.includes('at line 2') && error.message.includes(">>> 'not-a-setting 1'"),
  );
  assert.throws(() => load(`include ${join(dir, 'missing.conf')}\n`), /Fatal error, can't open config file '.*missing.conf': No such file or directory/);
});

test('rename-command and user lines are kept for the server; loadmodule and module options are accepted with a warning', () => {
  const { config, notes } = load(
    ['rename-command FLUSHALL ""', 'user alice on >secret ~* +@all', 'loadmodule /x/redisbloom.so', 'bf.initial-size 100'].join('\n'),
  );
  assert.deepEqual(config.renamedCommands, [['FLUSHALL', '']]);
  assert.deepEqual(config.userLines, [['alice', 'on', '>secret', '~*', '+@all']]);
  assert.equal(notes.length, 2);
  assert.ok(notes.every((note) => note.level === 'warning'));
});

test("Redis's deprecated directives are accepted silently; sentinel directives are refused outside sentinel mode", () => {
  assert.deepEqual(load('list-max-ziplist-entries 512\nlua-replicate-commands yes\n').notes, []);
  assert.throws(() => load('sentinel monitor m 127.0.0.1 6379 2\n'), /sentinel directive while not in sentinel mode/);
});

test('settings with no equivalent in Node are logged as ignored, only when set to something other than the default', () => {
  const { notes } = load('io-threads 4\njemalloc-bg-thread yes\noom-score-adj yes\nlazyfree-lazy-eviction no\n');
  assert.deepEqual(notes, [
    { level: 'warning', message: "Ignoring 'io-threads 4': Node runs one JS thread for commands and does its own I/O." },
    { level: 'warning', message: "Ignoring 'oom-score-adj yes': Mnemo does not tune the process as redis-server does." },
  ]);
});

test('settings of capabilities not built yet are logged as having no effect yet when set', () => {
  const { notes } = load('min-replicas-to-write 50\nrepl-timeout 60\n');
  assert.deepEqual(notes, [{ level: 'notice', message: "'min-replicas-to-write 50' is kept but has no effect yet: replication is not built yet." }]);
});

test('settings of capabilities not built yet are stored and shown', () => {
  const h = new Harness();
  h.run('CONFIG', 'SET', 'replica-priority', '50', 'cluster-node-timeout', '5000', 'tls-port', '0', 'acllog-max-len', '64');
  const all = configGetAll(h);
  assert.equal(all.get('replica-priority'), '50');
  assert.equal(all.get('cluster-node-timeout'), '5000');
  assert.equal(all.get('acllog-max-len'), '64');
});

test('a log file that cannot be opened, or replicaof in cluster mode, is a fatal error reported without a line', () => {
  assert.throws(
    () => load('logfile /no/such/dir/server.log\n'),
    (error: unknown) =>
      error instanceof StartupError &&
      error.message === "\n*** FATAL CONFIG FILE ERROR (Mnemo test) ***\nCan't open the log file: No such file or directory",
  );
  assert.throws(() => load('cluster-enabled yes\nreplicaof 127.0.0.1 6380\n'), /\*\*\*\nreplicaof directive not allowed in cluster mode$/);
});
