// The append-only file within one process: what appendonly yes writes, what a restart on the
// same directory loads, rewrites, run-time switching, torn and corrupt files, annotations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { AppendOnlyFile } from '../../src/persistence/aof/aof.ts';
import { connect, diffDumps, dumpDataset, fillDataset, waitUntil } from './aof-dataset.ts';
import { freePort } from '../helpers/reference.ts';
import { textExchange } from '../memcached/helpers.ts';

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'mnemo-aof-'));
}

function start(dir: string, config: Record<string, string> = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', config: { dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no', ...config } });
}

function manifestOf(dir: string): string {
  return readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}

function filesOf(dir: string): string[] {
  return readdirSync(join(dir, 'appendonlydir')).sort();
}

async function restartAndCompare(dir: string, running: RunningServer, config: Record<string, string> = {}): Promise<void> {
  const before = await dumpDataset(running.port);
  await running.close();
  const again = await start(dir, config);
  try {
    assert.equal(diffDumps(before, await dumpDataset(again.port)), '');
  } finally {
    await again.close();
  }
}

test('appendonly yes at start-up creates a base, an incremental file and the manifest, named as Redis 7.0 names them', async () => {
  const dir = freshDir();
  const running = await start(dir);
  await running.close();
  assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  assert.deepEqual(filesOf(dir), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
});

test('the incremental file holds the propagation stream with SELECTs, and a restart loads every type, TTL and database', async () => {
  const dir = freshDir();
  const running = await start(dir);
  await fillDataset(running.port);
  const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.ok(incr.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n'), incr.slice(0, 60));
  // SET ... PX is written as Redis propagates it: SET ... PXAT.
  assert.match(incr, /PXAT\r\n\$13\r\n\d{13}\r\n/);
  await restartAndCompare(dir, running);
});

test('with aof-use-rdb-preamble yes the base is an RDB image marked as an AOF base, and a restart loads it', async () => {
  const dir = freshDir();
  const running = await start(dir, { 'aof-use-rdb-preamble': 'yes' });
  await fillDataset(running.port);
  const r = connect(running.port);
  await r.call('BGREWRITEAOF');
  await waitUntil(() => AppendOnlyFile.of(running.server).rewrite === null);
  await r.set('after', 'rewrite');
  r.disconnect();
  assert.equal(manifestOf(dir), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
  const base = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.base.rdb'));
  assert.equal(base.subarray(0, 9).toString('latin1'), 'REDIS0010');
  assert.ok(base.includes(Buffer.from('aof-base')));
  await restartAndCompare(dir, running, { 'aof-use-rdb-preamble': 'yes' });
});

test('BGREWRITEAOF writes a new base, starts a new incremental file and removes the history', async () => {
  const dir = freshDir();
  const running = await start(dir);
  await fillDataset(running.port);
  const r = connect(running.port);
  assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await waitUntil(() => AppendOnlyFile.of(running.server).rewrite === null);
  await r.set('after', 'rewrite');
  r.disconnect();
  assert.equal(manifestOf(dir), 'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
  await waitUntil(() => filesOf(dir).length === 3);
  assert.deepEqual(filesOf(dir), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  const info = await connect(running.port).info('persistence');
  assert.match(info, /aof_rewrites:1\r\n/);
  assert.match(info, /aof_last_bgrewrite_status:ok\r\n/);
  await restartAndCompare(dir, running);
});

test('a rewrite writes the keyspace as it was when it started, whatever commands do meanwhile', async () => {
  const dir = freshDir();
  const running = await start(dir);
  const { server } = running;
  const r = connect(running.port);
  const pipeline = r.pipeline();
  for (let i = 0; i < 3000; i++) pipeline.set(`k${i}`, `v${i}`);
  for (let i = 0; i < 200; i++) pipeline.rpush('list', `e${i}`);
  pipeline.select(1);
  for (let i = 0; i < 500; i++) pipeline.set(`one${i}`, 'x');
  await pipeline.exec();
  r.disconnect();
  const atStart = await dumpDataset(running.port, [0, 1, 2]);
  const aof = AppendOnlyFile.of(server);
  assert.ok(aof.rewriteInBackground());
  // Before the walk's first slice (it starts on the next turn), every kind of change lands
  // on keys it has not reached yet.
  const client = server.createClient();
  const run = (...args: string[]) => server.execute(client, args.map((a) => Buffer.from(a)));
  for (let i = 2999; i >= 2000; i--) run('SET', `k${i}`, 'changed');
  for (let i = 1000; i < 1500; i++) run('DEL', `k${i}`);
  run('RPUSH', 'list', 'late');
  run('SET', 'created-later', '1');
  run('SWAPDB', '1', '2');
  run('SELECT', '2');
  run('FLUSHDB');
  client.w.take();
  await waitUntil(() => aof.rewrite === null);
  assert.ok(aof.lastRewriteOk);
  // The base alone, loaded by a server whose manifest names only it, is the dataset at the start.
  const base = aof.manifest.base!.name;
  await running.close();
  const only = freshDir();
  mkdirSync(join(only, 'appendonlydir'));
  copyFileSync(join(dir, 'appendonlydir', base), join(only, 'appendonlydir', base));
  writeFileSync(join(only, 'appendonlydir', 'appendonly.aof.manifest'), `file ${base} seq 1 type b\n`);
  const loaded = await start(only);
  try {
    assert.equal(diffDumps(atStart, await dumpDataset(loaded.port, [0, 1, 2])), '');
  } finally {
    await loaded.close();
  }
});

test('CONFIG SET appendonly yes writes a base of the data already there; no closes the file and stops writing', async () => {
  const dir = freshDir();
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { dir, 'aof-use-rdb-preamble': 'no' } });
  const r = connect(running.port);
  await r.set('before', '1');
  assert.equal(existsSync(join(dir, 'appendonlydir')), false);
  assert.equal(await r.config('SET', 'appendonly', 'yes'), 'OK');
  await r.set('during', '2');
  await waitUntil(() => AppendOnlyFile.of(running.server).rewrite === null);
  assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  await r.set('after', '3');
  assert.match(await r.info('persistence'), /aof_enabled:1\r\n/);
  assert.equal(await r.config('SET', 'appendonly', 'no'), 'OK');
  await r.set('off', '4');
  assert.match(await r.info('persistence'), /aof_enabled:0\r\n/);
  r.disconnect();
  await running.close();
  const again = await start(dir);
  const a = connect(again.port);
  assert.deepEqual((await a.keys('*')).sort(), ['after', 'before', 'during']);
  a.disconnect();
  await again.close();
});

test('a torn last command is dropped and the file truncated there; with aof-load-truncated no the server does not start', async () => {
  const dir = freshDir();
  const running = await start(dir);
  const r = connect(running.port);
  await r.set('kept', '1');
  r.disconnect();
  await running.close();
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  const whole = readFileSync(incr).length;
  appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nval');
  await assert.rejects(start(dir, { 'aof-load-truncated': 'no' }), /AOF could not be loaded/);
  const again = await start(dir);
  const a = connect(again.port);
  assert.deepEqual(await a.keys('*'), ['kept']);
  a.disconnect();
  await again.close();
  assert.equal(readFileSync(incr).length, whole);
});

test('corruption before the end of a file stops the load with a clear error', async () => {
  const dir = freshDir();
  const running = await start(dir);
  const r = connect(running.port);
  await r.set('a', '1');
  r.disconnect();
  await running.close();
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  const text = readFileSync(incr, 'latin1');
  writeFileSync(incr, `${text}!garbage\r\n${text}`, 'latin1');
  await assert.rejects(start(dir), /AOF could not be loaded/);
});

test('aof-timestamp-enabled annotates the files with #TS lines, which loading skips', async () => {
  const dir = freshDir();
  const running = await start(dir, { 'aof-timestamp-enabled': 'yes' });
  const r = connect(running.port);
  await r.set('a', '1');
  r.disconnect();
  const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.match(incr, /^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT/);
  await restartAndCompare(dir, running, { 'aof-timestamp-enabled': 'yes' });
});

test('hash field TTLs survive a rewrite and a restart', async () => {
  const dir = freshDir();
  const running = await start(dir);
  const r = connect(running.port);
  await r.hset('h', 'a', '1', 'b', '2');
  await r.call('HPEXPIRE', 'h', '3600000', 'FIELDS', '1', 'a');
  const ttlBefore = await r.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'a');
  await r.bgrewriteaof();
  await waitUntil(() => AppendOnlyFile.of(running.server).rewrite === null);
  r.disconnect();
  await running.close();
  const again = await start(dir);
  const a = connect(again.port);
  assert.deepEqual(await a.call('HPEXPIRETIME', 'h', 'FIELDS', '2', 'a', 'b'), [(ttlBefore as number[])[0], -1]);
  a.disconnect();
  await again.close();
});

test('the manifest round-trips and refuses what Redis refuses', async () => {
  const { Manifest, ManifestError } = await import('../../src/persistence/aof/manifest.ts');
  const text = 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\n';
  assert.equal(Manifest.parse('appendonly.aof', text).format(), text);
  const refused = (bad: string, reason: string) =>
    assert.throws(() => Manifest.parse('appendonly.aof', bad), (e: unknown) => e instanceof ManifestError && e.reason === reason);
  refused('', 'Found an empty AOF manifest');
  refused('file a seq 1\n', 'Invalid AOF manifest file format');
  refused('file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information');
  refused('file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number');
  refused('file a seq 1 type x\n', 'Unknown AOF file type');
  refused('file dir/a seq 1 type b\n', "File can't be a path, just a filename");
});

test('Memcached writes and expirations reach the AOF like any other write', async () => {
  const dir = freshDir();
  const port = await freePort();
  const running = await start(dir, { 'memcached-port': String(port) });
  assert.equal(
    await textExchange(port, 'set kept 5 0 5\r\nhello\r\nset gone 0 1 3\r\nbye\r\nincr n 1\r\nset n 0 0 1\r\n7\r\nincr n 3\r\n'),
    'STORED\r\nSTORED\r\nNOT_FOUND\r\nSTORED\r\n10\r\nMN\r\n',
  );
  // Past its exptime the item goes on the next read, which propagates its DEL.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal(await textExchange(port, 'get gone\r\n'), 'END\r\nMN\r\n');
  const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.match(incr, /\$3\r\nDEL\r\n\$4\r\ngone\r\n/);
  await running.close();
  const again = await start(dir);
  const r = connect(again.port);
  assert.deepEqual((await r.keys('*')).sort(), ['kept', 'n']);
  assert.equal(await r.get('n'), '10');
  r.disconnect();
  await again.close();
});

test('a single appendonly.aof of Redis before 7.0 (RDB preamble and commands tail) moves into the directory as its base and loads', async () => {
  const dir = freshDir();
  // An old-style file: an RDB preamble (as BGREWRITEAOF of Redis 6 wrote it), then commands.
  const source = await start(freshDir(), { 'aof-use-rdb-preamble': 'yes' });
  const r = connect(source.port);
  await r.set('from-preamble', '1');
  await r.call('BGREWRITEAOF');
  await waitUntil(() => AppendOnlyFile.of(source.server).rewrite === null);
  r.disconnect();
  const base = AppendOnlyFile.of(source.server).manifest.base!.name;
  const preamble = readFileSync(join(source.server.config.get('dir'), 'appendonlydir', base));
  await source.close();
  writeFileSync(join(dir, 'appendonly.aof'), Buffer.concat([preamble, Buffer.from('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$9\r\nfrom-tail\r\n$1\r\n2\r\n')]));
  const running = await start(dir);
  const a = connect(running.port);
  assert.deepEqual((await a.keys('*')).sort(), ['from-preamble', 'from-tail']);
  a.disconnect();
  await running.close();
  assert.equal(existsSync(join(dir, 'appendonly.aof')), false);
  assert.match(manifestOf(dir), /^file appendonly\.aof seq 1 type b\nfile appendonly\.aof\.1\.incr\.aof seq 1 type i\n$/);
});

test('BGREWRITEAOF with appendonly no writes a base that follows the manifest already in the directory', async () => {
  const dir = freshDir();
  const first = await start(dir);
  const r = connect(first.port);
  await r.set('a', '1');
  r.disconnect();
  await first.close();
  const off = await startServer({ port: 0, host: '127.0.0.1', config: { dir, 'aof-use-rdb-preamble': 'no' } });
  const o = connect(off.port);
  await o.set('b', '2');
  assert.equal(await o.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await waitUntil(() => AppendOnlyFile.of(off.server).rewrite === null);
  o.disconnect();
  await off.close();
  assert.equal(manifestOf(dir), 'file appendonly.aof.2.base.aof seq 2 type b\n');
  await waitUntil(() => filesOf(dir).length === 2);
  const again = await start(dir);
  const a = connect(again.port);
  assert.deepEqual((await a.keys('*')).sort(), ['b']);
  a.disconnect();
  await again.close();
});
