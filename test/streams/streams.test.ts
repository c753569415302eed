// Streams in process, with a fake clock: generated IDs, how entries are packed into nodes, the
// idle times of consumer groups, propagation, and stream keys under the generic commands.
// Replies compared byte for byte with Redis are in test/differential/cases/streams.redis.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf, objectOf, recordEffects } from '../lists/helpers.ts';
import type { StreamValue } from '../../src/store/types/stream.ts';

const T0 = 1_700_000_000_000;

function fieldsOf(reply: unknown): Record<string, unknown> {
  const list = reply as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

test('XADD * takes the clock\'s milliseconds, then counts up within one millisecond or when the clock goes back', () => {
  const h = new Harness();
  assert.equal(h.run('XADD', 's', '*', 'f', 'v'), `${T0}-0`);
  assert.equal(h.run('XADD', 's', '*', 'f', 'v'), `${T0}-1`);
  h.clock.advance(-5000);
  assert.equal(h.run('XADD', 's', '*', 'f', 'v'), `${T0}-2`);
  h.clock.advance(5001);
  assert.equal(h.run('XADD', 's', '*', 'f', 'v'), `${T0 + 1}-0`);
  assert.equal(h.run('XADD', 's', `${T0 + 1}-*`, 'f', 'v'), `${T0 + 1}-1`);
  assert.equal(h.run('XADD', 's', `${T0 + 7}-*`, 'f', 'v'), `${T0 + 7}-0`);
});

test('XADD propagates the ID it generated and an approximate trim as the exact one that happened', () => {
  const h = new Harness({ 'stream-node-max-entries': '2' });
  const seen = recordEffects(h);
  h.run('XADD', 's', '*', 'f', 'v');
  h.run('XADD', 's', `${T0}-*`, 'f', 'v');
  h.run('XADD', 's', '5000000000000-1', 'f', 'v');
  h.run('XADD', 's', 'MAXLEN', '~', '1', '*', 'f', 'v');
  h.run('XTRIM', 's', 'MINID', '~', '9999999999999');
  h.run('XTRIM', 's', 'MAXLEN', '~', '0');
  assert.deepEqual(seen.propagated, [
    `XADD s ${T0}-0 f v`,
    `XADD s ${T0}-1 f v`,
    'XADD s 5000000000000-1 f v',
    'XADD s MAXLEN = 2 5000000000000-2 f v',
    'XTRIM s MINID = 18446744073709551615-18446744073709551615',
  ]);
});

test('entries fill nodes up to stream-node-max-entries, and the node count shows in XINFO', () => {
  const h = new Harness({ 'stream-node-max-entries': '10' });
  for (let i = 1; i <= 25; i++) h.run('XADD', 's', `${i}-0`, 'a', i, 'b', 'x');
  const info = fieldsOf(h.run('XINFO', 'STREAM', 's'));
  assert.equal(info['radix-tree-keys'], 3);
  assert.equal(info.length, 25);
  // ~ removes whole nodes only: the first one, as the second would leave fewer than 6.
  assert.equal(h.run('XTRIM', 's', 'MAXLEN', '~', '6'), 10);
  assert.equal(h.run('XLEN', 's'), 15);
  assert.deepEqual(h.run('XRANGE', 's', '-', '+', 'COUNT', 1), [['11-0', ['a', '11', 'b', 'x']]]);
});

test('a node ends where Redis\'s listpack would pass stream-node-max-bytes', () => {
  const h = new Harness({ 'stream-node-max-bytes': '100', 'stream-node-max-entries': '0' });
  // A listpack starts at 22 bytes (header, end, master entry with "field"); each entry adds 20:
  // 2 (flags) + 2 + 2 (ID deltas) + 12 (the 10-byte value) + 2 (lp-count). A fifth entry would
  // start at 102 bytes, past 100 with its 15 bytes of field and value: Redis 7.0.15 also
  // reports 2 nodes for this sequence.
  for (let i = 1; i <= 8; i++) h.run('XADD', 's', `1-${i}`, 'field', 'x'.repeat(10));
  const stream = objectOf<StreamValue>(h, 's');
  assert.deepEqual(
    stream.nodes.map((node) => node.live),
    [4, 4],
  );
});

test('a stream\'s running size equals its recount through adds, deletes, trims and groups', () => {
  const h = new Harness({ 'stream-node-max-entries': '4' });
  for (let i = 1; i <= 30; i++) h.run('XADD', 's', `${i}-1`, 'f', 'v'.repeat(i));
  h.run('XDEL', 's', '3-1', '7-1', '29-1');
  h.run('XTRIM', 's', 'MAXLEN', 20);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 5, 'STREAMS', 's', '>');
  h.run('XACK', 's', 'g', '12-1');
  h.run('XGROUP', 'CREATECONSUMER', 's', 'g', 'bob');
  const stream = objectOf<StreamValue>(h, 's');
  assert.equal(stream.bytes, stream.recount());
  h.run('COPY', 's', 'copy');
  const copy = objectOf<StreamValue>(h, 'copy');
  assert.equal(copy.bytes, copy.recount());
  h.run('XGROUP', 'DELCONSUMER', 's', 'g', 'alice');
  h.run('XGROUP', 'DESTROY', 's', 'g');
  assert.equal(stream.bytes, stream.recount());
  const db = h.server.keyspace.dbs[0]!;
  assert.deepEqual(db.recountMemory().mismatched, []);
  assert.ok((h.run('MEMORY', 'USAGE', 's') as number) > 20 * 3);
});

test('XPENDING and XINFO CONSUMERS report idle times from the clock', () => {
  const h = new Harness();
  h.run('XADD', 's', '1-1', 'f', 1);
  h.run('XADD', 's', '1-2', 'f', 2);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 1, 'STREAMS', 's', '>');
  h.clock.advance(700);
  h.run('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
  h.clock.advance(300);
  assert.deepEqual(h.run('XPENDING', 's', 'g', '-', '+', 10), [
    ['1-1', 'alice', 1000, 1],
    ['1-2', 'bob', 300, 1],
  ]);
  assert.deepEqual(h.run('XPENDING', 's', 'g', 'IDLE', 500, '-', '+', 10), [['1-1', 'alice', 1000, 1]]);
  assert.deepEqual(
    (h.run('XINFO', 'CONSUMERS', 's', 'g') as unknown[]).map(fieldsOf),
    [
      { name: 'alice', pending: 1, idle: 1000 },
      { name: 'bob', pending: 1, idle: 300 },
    ],
  );
  // A history read delivers again: the count goes up and the idle time restarts.
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 0);
  assert.deepEqual(h.run('XPENDING', 's', 'g', '-', '+', 10, 'alice'), [['1-1', 'alice', 0, 2]]);
});

test('XCLAIM takes only entries idle long enough, and XAUTOCLAIM walks the PEL with a cursor', () => {
  const h = new Harness();
  for (let i = 1; i <= 5; i++) h.run('XADD', 's', `1-${i}`, 'f', i);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 's', '>');
  h.clock.advance(1000);
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
  assert.deepEqual(h.run('XCLAIM', 's', 'g', 'bob', 500, '1-1', '1-3', 'JUSTID'), ['1-1']);
  h.run('XDEL', 's', '1-4');
  assert.deepEqual(h.run('XAUTOCLAIM', 's', 'g', 'carol', 0, '0', 'COUNT', 3, 'JUSTID'), ['1-4', ['1-1', '1-2', '1-3'], []]);
  assert.deepEqual(h.run('XAUTOCLAIM', 's', 'g', 'carol', 0, '1-4', 'COUNT', 3), ['0-0', [['1-5', ['f', '5']]], ['1-4']]);
  assert.deepEqual(h.run('XPENDING', 's', 'g'), [4, '1-1', '1-5', [['carol', '4']]]);
});

test('XAUTOCLAIM drops entries deleted from the stream and lists their IDs', () => {
  const h = new Harness();
  for (let i = 1; i <= 4; i++) h.run('XADD', 's', `1-${i}`, 'f', i);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  h.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
  h.run('XDEL', 's', '1-2', '1-3');
  const seen = recordEffects(h);
  assert.deepEqual(h.run('XAUTOCLAIM', 's', 'g', 'bob', 0, '0', 'COUNT', 2), ['1-3', [['1-1', ['f', '1']]], ['1-2']]);
  assert.deepEqual(h.run('XAUTOCLAIM', 's', 'g', 'bob', 0, '1-3', 'JUSTID'), ['0-0', ['1-4'], ['1-3']]);
  assert.equal((h.run('XPENDING', 's', 'g') as unknown[])[0], 2);
  assert.deepEqual(seen.propagated, [
    'MULTI',
    `XCLAIM s g bob 0 1-1 TIME ${T0} RETRYCOUNT 2 FORCE JUSTID LASTID 1-4`,
    `XCLAIM s g alice 0 1-2 TIME ${T0} RETRYCOUNT 1 FORCE JUSTID LASTID 1-4`,
    'EXEC',
    'MULTI',
    `XCLAIM s g alice 0 1-3 TIME ${T0} RETRYCOUNT 1 FORCE JUSTID LASTID 1-4`,
    `XCLAIM s g bob 0 1-4 TIME ${T0} RETRYCOUNT 1 FORCE JUSTID LASTID 1-4`,
    'EXEC',
  ]);
});

test('XREADGROUP propagates an XCLAIM per delivered entry, or XGROUP SETID with NOACK', () => {
  const h = new Harness();
  h.run('XADD', 's', '1-1', 'f', 1);
  h.run('XADD', 's', '1-2', 'f', 2);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  const seen = recordEffects(h);
  h.run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', 's', '>');
  h.run('XREADGROUP', 'GROUP', 'g', 'd', 'NOACK', 'STREAMS', 's', '>');
  h.run('XREADGROUP', 'GROUP', 'g', 'd', 'NOACK', 'STREAMS', 's', '>');
  assert.deepEqual(seen.propagated, [
    `XCLAIM s g c 0 1-1 TIME ${T0} RETRYCOUNT 1 FORCE JUSTID LASTID 1-1`,
    'MULTI',
    'XGROUP CREATECONSUMER s g d',
    'XGROUP SETID s g 1-2 ENTRIESREAD 2',
    'EXEC',
  ]);
});

test('stream keys keep their groups through COPY, RENAME and MOVE, and COPY makes them independent', () => {
  const h = new Harness();
  h.run('XADD', 's', '1-1', 'f', 1);
  h.run('XGROUP', 'CREATE', 's', 'g', 0);
  h.run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
  assert.equal(h.run('COPY', 's', 'copy'), 1);
  h.run('XACK', 'copy', 'g', '1-1');
  h.run('XADD', 'copy', '2-1', 'f', 2);
  assert.equal((h.run('XPENDING', 's', 'g') as unknown[])[0], 1);
  assert.equal(h.run('XLEN', 's'), 1);
  assert.equal(h.run('RENAME', 's', 'r'), 'OK');
  assert.equal(h.run('MOVE', 'r', 1), 1);
  h.run('SELECT', 1);
  assert.equal((h.run('XPENDING', 'r', 'g') as unknown[])[0], 1);
  assert.equal(h.run('TYPE', 'r'), 'stream');
  assert.equal(encodingOf(h, 'copy'), 'stream');
  assert.deepEqual(h.run('SCAN', 0, 'TYPE', 'stream'), ['0', ['r']]);
  assertError(h.run('LPUSH', 'r', 'x'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
});
