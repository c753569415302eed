// Streams in RDB files and DUMP payloads: round trips within Mnemo (DEBUG RELOAD, DUMP/RESTORE)
// and interop both ways with a real redis-server 7.0.15, with groups, PELs, consumers,
// tombstones, trimmed nodes and IDs at the edges of 64 bits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { Harness } from '../helpers/harness.ts';
import { skipWithout } from '../helpers/reference.ts';
import { harnessAsk, interopHarness, redisAsk, withRedis } from './interop.ts';
import { limitsFrom, loadRdb, rdbImage } from '../../src/persistence/rdb/index.ts';
import { nodeListpack } from '../../src/persistence/rdb/stream.ts';
import { ListpackBuilder } from '../../src/persistence/rdb/packed.ts';
import type { StreamValue } from '../../src/store/types/stream.ts';
import { ReplyWriter } from '../../src/protocol/resp/writer.ts';
import { writeKeyAsCommands } from '../../src/persistence/aof/commands-form.ts';
import { decodeAll } from '../helpers/resp.ts';
import { RdbInput, RdbOutput, RdbType } from '../../src/persistence/rdb/format.ts';
import { DEFAULT_LIMITS, readValue } from '../../src/persistence/rdb/values.ts';
import type { Ask, Command } from './dataset.ts';

const skip = skipWithout('redis-server');
const KEYS = ['s1', 's2', 's3', 's4', 's5'];
const LONG = 'v'.repeat(120);

/** Streams with several nodes, mixed fields, tombstones, trims, groups, PELs and consumers. */
function streamCommands(): Command[] {
  const cmds: Command[] = [['config', 'set', 'stream-node-max-entries', '4']];
  for (let i = 1; i <= 14; i++) {
    const fields = i % 3 === 0 ? ['other', String(i)] : ['a', String(i * 1000 - 5000), 'b', i % 2 ? LONG : 'x'];
    cmds.push(['xadd', 's1', `${i}-${i % 4}`, ...fields]);
  }
  cmds.push(
    ['xdel', 's1', '2-2', '6-2', '14-2'],
    ['xtrim', 's1', 'minid', '4-0'],
    ['xgroup', 'create', 's1', 'g1', '0'],
    ['xgroup', 'create', 's1', 'g2', '$'],
    ['xgroup', 'create', 's1', 'a-group', '7-3', 'entriesread', '3'],
    ['xreadgroup', 'group', 'g1', 'alice', 'count', '3', 'streams', 's1', '>'],
    ['xreadgroup', 'group', 'g1', 'bob', 'count', '2', 'streams', 's1', '>'],
    ['xack', 's1', 'g1', '5-1'],
    ['xclaim', 's1', 'g1', 'bob', '0', '4-0'],
    ['xgroup', 'createconsumer', 's1', 'g1', 'carol'],
    ['xreadgroup', 'group', 'a-group', 'zed', 'streams', 's1', '>'],
    ['xdel', 's1', '9-1'],
    ['xadd', 's2', '18446744073709551614-5', 'f', 'v'],
    ['xadd', 's2', '18446744073709551615-0', 'f', 'w'],
    ['xadd', 's2', '18446744073709551615-18446744073709551615', 'g', '-9223372036854775808'],
    ['xadd', 's3', '1-0', 'f', 'v'],
    ['xadd', 's3', '9007199254740993-7', 'f', '9007199254740993'],
    ['xadd', 's4', '5-0', 'f', 'v'],
    ['xgroup', 'create', 's4', 'g', '0'],
    ['xreadgroup', 'group', 'g', 'c', 'streams', 's4', '>'],
    ['xdel', 's4', '5-0'],
    ['xsetid', 's4', '10-0', 'entriesadded', '7', 'maxdeletedid', '6-0'],
    ['xgroup', 'create', 's5', 'g', '$', 'mkstream'],
  );
  return cmds;
}

function plain(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  if (Array.isArray(reply)) return reply.map(plain);
  if (reply === null || reply === undefined) return null;
  return String(reply);
}

/** What the streams answer to XRANGE and XINFO STREAM FULL (absolute times only, so servers agree at any moment). */
async function describeStreams(ask: Ask): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const key of KEYS) {
    out.push(key, plain(await ask('xrange', key, '-', '+')), plain(await ask('xinfo', 'stream', key, 'full')), plain(await ask('object', 'encoding', key)));
  }
  return out;
}

const dump = (h: Harness, key: string) => Buffer.from(h.runBinary('dump', key) as string, 'latin1');

function filled(config: Record<string, string> = {}): Harness {
  const h = interopHarness(config);
  for (const cmd of streamCommands()) h.run(...cmd);
  return h;
}

test('each stream node is written as a listpack of exactly the size Mnemo accounts for it', () => {
  const h = filled();
  const builder = new ListpackBuilder();
  let nodes = 0;
  for (const key of KEYS) {
    const db = h.server.keyspace.dbs[0]!;
    const stream = db.objectOf(db.find(Buffer.from(key))) as StreamValue;
    for (const node of stream.nodes) {
      assert.equal(nodeListpack(node, builder).length, node.lpBytes, key);
      nodes++;
    }
  }
  assert.ok(nodes >= 5);
});

test('DEBUG RELOAD keeps streams whole: entries, tombstones, counters, groups, PELs and consumers', async () => {
  const h = filled({ dir: mkdtempSync(join(tmpdir(), 'mnemo-srdb-')) });
  const before = await describeStreams(harnessAsk(h));
  assert.equal(h.run('debug', 'reload'), 'OK');
  assert.deepEqual(await describeStreams(harnessAsk(h)), before);
  // The loaded stream goes on working: its nodes, IDs and group counters are live ones.
  h.run('xadd', 's1', '*', 'a', '1', 'b', 'x');
  assert.equal((h.run('xreadgroup', 'group', 'g2', 'new', 'streams', 's1', '>') as unknown[]).length, 1);
});

test('DUMP and RESTORE recreate a stream with its groups, PEL and consumers', async () => {
  const source = filled();
  const target = interopHarness();
  target.clock.ms = source.clock.ms;
  for (const key of KEYS) assert.equal(target.run('restore', key, '0', dump(source, key)), 'OK');
  assert.deepEqual(await describeStreams(harnessAsk(target)), await describeStreams(harnessAsk(source)));
  for (const key of KEYS) assert.deepEqual(dump(target, key), dump(source, key), key);
});

/** A 16-byte big-endian stream ID, as RDB writes PEL IDs. */
function rawId(ms: number, seq: number): Buffer {
  const raw = Buffer.alloc(16);
  raw.writeBigUInt64BE(BigInt(ms), 0);
  raw.writeBigUInt64BE(BigInt(seq), 8);
  return raw;
}

/**
 * The body of XADD s 1-1 f v, XADD s 2-0 f w, a group g at 1-1 whose consumer c holds 1-1
 * (delivered at `at`, twice), in the layouts of Redis before 7.0 (type 15) and of 7.2 (type 21).
 */
function olderStreamBody(rdbType: number, node: Buffer, at: number): Buffer {
  const out = new RdbOutput(false);
  out.length(1);
  out.string(rawId(1, 1));
  out.string(node);
  out.length(2);
  out.length(2);
  out.length(0);
  const v3 = rdbType === RdbType.StreamListpacks3;
  if (v3) for (const n of [1, 1, 0, 0, 2]) out.length(n);
  out.length(1);
  out.string(Buffer.from('g'));
  out.length(1);
  out.length(1);
  if (v3) out.length(1);
  out.length(1);
  out.bytes(rawId(1, 1));
  out.millis(at);
  out.length(2);
  out.length(1);
  out.string(Buffer.from('c'));
  out.millis(at);
  if (v3) out.millis(at + 5);
  out.length(1);
  out.bytes(rawId(1, 1));
  return out.take();
}

test('streams of Redis before 7.0 (type 15) and of 7.2 (type 21) load, with the counters 7.0 would derive', async () => {
  const source = interopHarness();
  for (const cmd of [['xadd', 's', '1-1', 'f', 'v'], ['xadd', 's', '2-0', 'f', 'w'], ['xgroup', 'create', 's', 'g', '0'], ['xreadgroup', 'group', 'g', 'c', 'count', '1', 'streams', 's', '>']]) source.run(...cmd);
  source.run('xclaim', 's', 'g', 'c', '0', '1-1');
  const db = source.server.keyspace.dbs[0]!;
  const node = nodeListpack((db.objectOf(db.find(Buffer.from('s'))) as StreamValue).nodes[0]!, new ListpackBuilder());
  const expected = plain(source.run('xinfo', 'stream', 's', 'full'));
  for (const rdbType of [RdbType.StreamListpacks, RdbType.StreamListpacks3]) {
    const target = interopHarness();
    target.clock.ms = source.clock.ms;
    const value = readValue(new RdbInput(olderStreamBody(rdbType, Buffer.from(node), source.clock.ms)), rdbType, { limits: DEFAULT_LIMITS, now: null });
    target.server.keyspace.dbs[0]!.importValue(Buffer.from('s'), value!);
    assert.deepEqual(plain(target.run('xinfo', 'stream', 's', 'full')), expected, `type ${rdbType}`);
  }
});

test('a dump.rdb with streams written by redis-server 7.0.15 loads into Mnemo equal', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-srdb-'));
  const expected = await withRedis(dir, async (client) => {
    for (const cmd of streamCommands()) await client.callBuffer(String(cmd[0]), ...cmd.slice(1));
    await client.call('save');
    return describeStreams(redisAsk(client));
  });
  const h = interopHarness();
  h.run('config', 'set', 'stream-node-max-entries', '4');
  loadRdb(h.server.keyspace, readFileSync(join(dir, 'dump.rdb')), { limits: limitsFrom(h.server.config), checksum: true, now: h.clock.now() });
  assert.deepEqual(await describeStreams(harnessAsk(h)), expected);
});

test('a dump.rdb with streams written by Mnemo loads into redis-server 7.0.15 equal', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-srdb-'));
  const h = filled();
  const expected = await describeStreams(harnessAsk(h));
  for (const compression of [true, false]) {
    writeFileSync(
      join(dir, 'dump.rdb'),
      rdbImage(h.server.keyspace, { compression, checksum: true, limits: limitsFrom(h.server.config), access: 'none', usedMemory: 0, now: Date.now() }),
    );
    assert.deepEqual(await withRedis(dir, (client) => describeStreams(redisAsk(client))), expected);
  }
});

// Uncompressed: Mnemo's LZF finds other matches than Redis's (both decode either), so only
// uncompressed payloads can be compared byte for byte.
test('stream DUMP payloads cross both ways with redis-server 7.0.15, byte for byte uncompressed', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-srdb-'));
  await withRedis(dir, async (client) => {
    await client.call('config', 'set', 'rdbcompression', 'no');
    for (const cmd of streamCommands()) await client.callBuffer(String(cmd[0]), ...cmd.slice(1));
    const expected = await describeStreams(redisAsk(client));
    const h = interopHarness({ rdbcompression: 'no' });
    for (const key of KEYS) {
      const payload = await client.dumpBuffer(key);
      assert.equal(h.run('restore', key, '0', payload), 'OK', key);
      assert.deepEqual(dump(h, key), payload, key);
    }
    assert.deepEqual(await describeStreams(harnessAsk(h)), expected);
    await client.flushall();
    const mnemo = filled();
    for (const key of KEYS) assert.equal(await client.restore(key, 0, dump(mnemo, key)), 'OK', key);
    assert.deepEqual(await describeStreams(redisAsk(client)), await describeStreams(harnessAsk(mnemo)));
  });
});

/** The commands an AOF rewrite without RDB preamble writes for the streams, as argument lists. */
function rewriteCommands(h: Harness): string[][] {
  const db = h.server.keyspace.dbs[0]!;
  const w = new ReplyWriter();
  for (const key of KEYS) writeKeyAsCommands(w, db, db.find(Buffer.from(key)));
  return decodeAll(w.take()!, 'latin1') as string[][];
}

/** Commands by the key they rebuild, with XCLAIM's TIME (a delivery time, not the same in two servers) left out. */
function byKey(commands: string[][]): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const cmd of commands) {
    if (cmd[0]!.toUpperCase() === 'SELECT') continue;
    const key = cmd[0] === 'XGROUP' ? cmd[2]! : cmd[1]!;
    const time = cmd.indexOf('TIME');
    const list = out.get(key) ?? [];
    list.push(time < 0 ? cmd : [...cmd.slice(0, time + 1), ...cmd.slice(time + 2)]);
    out.set(key, list);
  }
  return out;
}

test('the AOF commands form of streams is the one redis-server 7.0.15 writes, and Mnemo replays it as Redis does', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-srdb-'));
  const source = filled();
  const commands = rewriteCommands(source);
  assert.ok(commands.some((cmd) => cmd[0] === 'XCLAIM' && cmd.includes('FORCE')));
  assert.ok(commands.some((cmd) => cmd[0] === 'XGROUP' && cmd[1] === 'CREATECONSUMER'));
  await withRedis(dir, async (client) => {
    for (const cmd of streamCommands()) await client.callBuffer(String(cmd[0]), ...cmd.slice(1));
    await client.call('bgrewriteaof');
    for (let i = 0; i < 200 && /aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(String(await client.call('info', 'persistence'))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const manifest = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    const base = /file (\S+) seq \d+ type b/.exec(manifest)![1]!;
    const written = decodeAll(readFileSync(join(dir, 'appendonlydir', base)), 'latin1') as string[][];
    assert.deepEqual(byKey(commands), byKey(written));
    // Replaying loses what Redis's own rewrite loses (PEL entries of deleted entries, node
    // boundaries around tombstones, consumers' seen times): Mnemo's replay ends where Redis's does.
    await client.flushall();
    const target = interopHarness();
    target.run('config', 'set', 'stream-node-max-entries', '4');
    for (const cmd of commands) {
      await client.callBuffer(cmd[0]!, ...cmd.slice(1));
      target.run(...cmd);
    }
    const unseen = (facts: unknown[]) => JSON.stringify(facts).replace(/"seen-time","\d+"/g, '"seen-time"');
    assert.equal(unseen(await describeStreams(harnessAsk(target))), unseen(await describeStreams(redisAsk(client))));
  }, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
});
