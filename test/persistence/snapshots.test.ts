import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { describe } from './dataset.ts';

function harness(config: Record<string, string> = {}): { h: Harness; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-snap-'));
  return { h: new Harness({ dir, save: '', 'enable-debug-command': 'yes', ...config }), dir };
}

function persistence(h: Harness): Map<string, string> {
  const text = String(h.run('info', 'persistence'));
  return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
}

const ask = (h: Harness) => (...args: (string | Buffer)[]) => h.runBinary(...args);

test('SAVE writes dbfilename in dir, moves LASTSAVE and zeroes the change count; a new server loads it', async () => {
  const { h, dir } = harness({ dbfilename: 'snap.rdb' });
  h.run('set', 'a', '1');
  h.run('rpush', 'l', 'x', 'y');
  assert.equal(persistence(h).get('rdb_changes_since_last_save'), '2');
  h.clock.advance(5000);
  assert.equal(h.run('save'), 'OK');
  assert.ok(existsSync(join(dir, 'snap.rdb')));
  assert.deepEqual(readdirSync(dir), ['snap.rdb'], 'no temp file left behind');
  assert.equal(h.run('lastsave'), Math.floor(h.clock.now() / 1000));
  const p = persistence(h);
  assert.equal(p.get('rdb_changes_since_last_save'), '0');
  assert.equal(p.get('rdb_saves'), '1');
  assert.equal(p.get('persistence_engine'), 'rdb');
  const { h: other } = harness({ dir, dbfilename: 'snap.rdb' });
  other.server.persistence.load();
  assert.deepEqual(await describe(ask(other)), await describe(ask(h)));
  assert.equal(persistence(other).get('rdb_last_load_keys_loaded'), '2');
  assert.equal(persistence(other).get('rdb_changes_since_last_save'), '0');
});

test('BGSAVE writes the dataset as of its start while commands change, delete, add and flush keys', async () => {
  const { h, dir } = harness();
  for (let i = 0; i < 5000; i++) h.run('set', `k${i}`, `v${i}`);
  for (let i = 0; i < 50; i++) h.run('rpush', `list${i}`, ...Array.from({ length: 100 }, (_, j) => `e${j}`));
  h.run('select', '2');
  for (let i = 0; i < 1000; i++) h.run('hset', `h${i}`, 'f', String(i));
  h.run('select', '0');
  const before = await describe(ask(h));
  assert.equal(h.run('bgsave'), 'Background saving started');
  assert.equal(persistence(h).get('rdb_bgsave_in_progress'), '1');
  assert.match(String((h.run('bgsave') as ReplyError).message), /Background save already in progress/);
  // The first round runs before the walk's first step, so its writes always meet unvisited
  // keys; later rounds meet the walk wherever it is (or come after it).
  for (let round = 0; round < 20; round++) {
    // Writes everywhere in the id space, each turn: overwrites, deletes, new keys, list edits.
    const i = (round * 7919) % 5000;
    h.run('set', `k${i}`, 'changed');
    h.run('del', `k${(i + 1) % 5000}`);
    h.run('set', `new${round}`, 'x');
    h.run('lpop', `list${round % 50}`);
    h.run('select', '2');
    h.run('hset', `h${round % 1000}`, 'f', 'changed');
    if (round === 0) h.run('flushdb');
    h.run('select', '0');
    await turn();
  }
  assert.equal(await h.server.persistence.whenSaved(), true);
  const p = persistence(h);
  assert.equal(p.get('rdb_last_bgsave_status'), 'ok');
  assert.ok(Number(p.get('rdb_last_cow_size')) > 0, 'keys written early count as the snapshot\'s extra memory');
  const { h: loaded } = harness({ dir });
  loaded.server.persistence.load();
  assert.deepEqual(await describe(ask(loaded)), before);
});

test('save points start a BGSAVE from the cron once enough changes and seconds passed', async () => {
  const { h, dir } = harness({ save: '60 3' });
  h.run('set', 'a', '1');
  h.run('set', 'b', '1');
  h.clock.advance(61_000);
  h.server.cron();
  assert.equal(h.server.persistence.inProgress, false, 'two changes are not three');
  h.run('set', 'c', '1');
  h.server.cron();
  assert.equal(h.server.persistence.inProgress, true);
  assert.equal(await h.server.persistence.whenSaved(), true);
  assert.equal(persistence(h).get('rdb_changes_since_last_save'), '0');
  assert.ok(existsSync(join(dir, 'dump.rdb')));
});

test('BGSAVE SCHEDULE is accepted; inside MULTI a BGSAVE is scheduled for the cron', async () => {
  const { h } = harness();
  assert.match(String((h.run('bgsave', 'later') as ReplyError).message), /syntax error/);
  h.run('multi');
  h.run('bgsave');
  assert.deepEqual(h.run('exec'), ['Background saving scheduled']);
  assert.equal(h.server.persistence.inProgress, false);
  h.server.cron();
  assert.equal(h.server.persistence.inProgress, true);
  await h.server.persistence.whenSaved();
});

test('FLUSHALL with save points saves the empty dataset and leaves one change counted, as Redis does', () => {
  const { h, dir } = harness({ save: '3600 1' });
  h.run('set', 'a', '1');
  h.run('set', 'b', '1');
  h.run('flushall');
  assert.equal(persistence(h).get('rdb_changes_since_last_save'), '1');
  assert.ok(existsSync(join(dir, 'dump.rdb')));
  const { h: plain } = harness();
  plain.run('set', 'a', '1');
  plain.run('flushall');
  assert.equal(persistence(plain).get('rdb_changes_since_last_save'), '3');
});

test('a failed BGSAVE refuses writes and PING with MISCONF until stop-writes-on-bgsave-error is off', async () => {
  const { h, dir } = harness({ save: '3600 1' });
  h.run('set', 'a', '1');
  // A directory where the temp file should go: opening it for writing fails.
  mkdirSync(join(dir, `temp-bgsave-${process.pid}.rdb`));
  assert.match(String((h.run('bgsave') as ReplyError).message), /^ERR$/);
  assert.equal(persistence(h).get('rdb_last_bgsave_status'), 'err');
  assert.match(String((h.run('set', 'a', '2') as ReplyError).message), /^MISCONF Redis is configured to save RDB snapshots/);
  assert.match(String((h.run('ping') as ReplyError).message), /^MISCONF/);
  assert.equal(h.run('get', 'a'), '1');
  h.run('multi');
  assert.match(String((h.run('incr', 'a') as ReplyError).message), /^MISCONF/);
  h.run('discard');
  h.run('config', 'set', 'stop-writes-on-bgsave-error', 'no');
  assert.equal(h.run('set', 'a', '2'), 'OK');
});

test('DEBUG RELOAD saves, empties and loads the dataset back; NOSAVE reloads the file as it is', async () => {
  const { h } = harness();
  h.run('set', 'a', '1');
  h.run('hset', 'h', 'f', 'v');
  h.run('expire', 'h', '100');
  const before = await describe(ask(h));
  assert.equal(h.run('debug', 'reload'), 'OK');
  assert.deepEqual(await describe(ask(h)), before);
  h.run('set', 'later', 'x');
  assert.equal(h.run('debug', 'reload', 'nosave'), 'OK');
  assert.equal(h.run('exists', 'later'), 0);
  assert.match(String((h.run('debug', 'reload', 'bogus') as ReplyError).message), /only supports the MERGE, NOFLUSH and NOSAVE/);
});

test('the saved file is a Redis RDB: magic, aux fields, and the checksum at the end', () => {
  const { h, dir } = harness();
  h.run('set', 'a', '1');
  h.run('save');
  const file = readFileSync(join(dir, 'dump.rdb'));
  assert.equal(file.subarray(0, 9).toString(), 'REDIS0010');
  assert.ok(file.includes('redis-ver'));
  assert.notDeepEqual(file.subarray(-8), Buffer.alloc(8));
  const { h: unchecked, dir: other } = harness({ rdbchecksum: 'no' });
  unchecked.run('set', 'a', '1');
  unchecked.run('save');
  assert.deepEqual(readFileSync(join(other, 'dump.rdb')).subarray(-8), Buffer.alloc(8));
});
