// RDB files and DUMP payloads cross between Mnemo and a real redis-server 7.0.15 in both
// directions with every key, value, TTL, type and encoding equal (and DEBUG DIGEST equal).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { skipWithout } from '../helpers/reference.ts';
import { limitsFrom, loadRdb, rdbImage } from '../../src/persistence/rdb/index.ts';
import { datasetCommands, describe } from './dataset.ts';
import { harnessAsk, interopHarness, redisAsk, withRedis } from './interop.ts';

const skip = skipWithout('redis-server');

test('a dump.rdb written by redis-server 7.0.15 loads into Mnemo with every key equal', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-rdb-'));
  const [expected, digest] = await withRedis(dir, async (client) => {
    for (const cmd of datasetCommands()) await client.callBuffer(String(cmd[0]), ...cmd.slice(1));
    await client.call('save');
    return [await describe(redisAsk(client)), String(await client.call('debug', 'digest'))] as const;
  });
  const h = interopHarness();
  const result = loadRdb(h.server.keyspace, readFileSync(join(dir, 'dump.rdb')), { limits: limitsFrom(h.server.config), checksum: true, now: h.clock.now() });
  assert.equal(result.aux.get('redis-ver'), '7.0.15');
  assert.deepEqual(await describe(harnessAsk(h)), expected);
  assert.equal(h.run('debug', 'digest'), digest);
});

test('a dump.rdb written by Mnemo loads into redis-server 7.0.15 with every key equal', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-rdb-'));
  const h = interopHarness();
  for (const cmd of datasetCommands()) h.run(...cmd);
  for (const compression of [true, false]) {
    writeFileSync(
      join(dir, 'dump.rdb'),
      rdbImage(h.server.keyspace, { compression, checksum: true, limits: limitsFrom(h.server.config), access: 'none', usedMemory: 0, now: Date.now() }),
    );
    const [actual, digest] = await withRedis(dir, async (client) => [await describe(redisAsk(client)), String(await client.call('debug', 'digest'))] as const);
    assert.deepEqual(actual, await describe(harnessAsk(h)));
    assert.equal(digest, h.run('debug', 'digest'));
  }
});

test('DUMP payloads from redis-server RESTORE into Mnemo, and Mnemo\'s RESTORE into redis-server', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-rdb-'));
  await withRedis(dir, async (client) => {
    for (const cmd of datasetCommands()) await client.callBuffer(String(cmd[0]), ...cmd.slice(1));
    const expected = await describe(redisAsk(client));
    const h = interopHarness();
    const keys = [...expected.keys()].map((name) => {
      const colon = name.indexOf(':');
      return { db: name.slice(0, colon), key: name.slice(colon + 1) };
    });
    for (const { db, key } of keys) {
      await client.call('select', db);
      const payload = (await client.callBuffer('dump', key)) as Buffer;
      const ttl = Math.max(0, Number(await client.call('pexpiretime', key)));
      h.run('select', db);
      assert.equal(h.run('restore', key, String(ttl), payload, 'absttl'), 'OK', `${db}:${key}`);
    }
    assert.deepEqual(await describe(harnessAsk(h)), expected);
    await client.call('flushall');
    for (const { db, key } of keys) {
      h.run('select', db);
      const payload = Buffer.from(h.runBinary('dump', key) as string, 'latin1');
      const ttl = Math.max(0, Number(h.run('pexpiretime', key)));
      await client.call('select', db);
      assert.equal(await client.callBuffer('restore', key, String(ttl), payload, 'absttl').then(String), 'OK', `${db}:${key}`);
    }
    assert.deepEqual(await describe(redisAsk(client)), expected);
  });
});

const LIBRARY_CODES = ['one', 'two'].map(
  (name) => `#!lua name=lib_${name}\nredis.register_function('fn_${name}', function(keys, args) return 'from ${name} ' .. string.rep('*', 30) end)`,
);

test('function libraries cross in dump.rdb both ways: redis-server 7.0.15 to Mnemo and Mnemo to redis-server', { skip }, async () => {
  const fromRedis = mkdtempSync(join(tmpdir(), 'mnemo-rdb-'));
  await withRedis(fromRedis, async (client) => {
    for (const code of LIBRARY_CODES) await client.call('function', 'load', code);
    await client.set('k', 'v');
    await client.call('save');
  });
  const h = interopHarness({ dir: fromRedis, dbfilename: 'dump.rdb' });
  assert.equal(h.server.persistence.load()?.keysLoaded, 1);
  assert.equal(h.run('FCALL', 'fn_one', '0'), `from one ${'*'.repeat(30)}`);
  assert.equal(h.run('FCALL', 'fn_two', '0'), `from two ${'*'.repeat(30)}`);

  const fromMnemo = mkdtempSync(join(tmpdir(), 'mnemo-rdb-'));
  const writer = interopHarness({ dir: fromMnemo, dbfilename: 'dump.rdb' });
  for (const code of LIBRARY_CODES) writer.run('FUNCTION', 'LOAD', code);
  assert.equal(writer.run('SAVE'), 'OK');
  await withRedis(fromMnemo, async (client) => {
    assert.equal(await client.call('fcall', 'fn_two', '0'), `from two ${'*'.repeat(30)}`);
    const codes = ((await client.call('function', 'list', 'withcode')) as unknown[][]).map((library) => library[7]).sort();
    assert.deepEqual(codes, LIBRARY_CODES);
  });
});
