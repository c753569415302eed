import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Harness } from '../helpers/harness.ts';

function info(h: Harness, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(String(h.run('INFO', 'memory')));
  assert.ok(match, `INFO memory has ${field}`);
  return Number(match[1]);
}

function fill(h: Harness, db: number, keys: number, prefix = 'k'): void {
  h.run('SELECT', db);
  for (let i = 0; i < keys; i++) h.run('SET', `${prefix}${i}`, `value-${i}`);
}

/** Lets the lazy freeing run to its end between event-loop turns, as a server would. */
async function untilFreed(h: Harness): Promise<void> {
  while (h.server.keyspace.lazyFree.busy) await nextTurn();
}

function recountAgrees(h: Harness): void {
  const parts = Object.fromEntries(
    String(h.run('DEBUG', 'MEMORY-RECOUNT'))
      .split(' ')
      .map((part) => part.split(':')),
  );
  assert.equal(parts['dataset'], parts['recounted-dataset']);
  assert.equal(parts['overhead'], parts['recounted-overhead']);
}

test('FLUSHDB ASYNC empties the database at once and frees its records between turns', async () => {
  const h = new Harness({ 'enable-debug-command': 'yes' });
  fill(h, 1, 50, 'other');
  fill(h, 0, 1000);
  const arena = h.server.keyspace.arena;
  const used = arena.usedBytes;
  assert.equal(h.run('FLUSHDB', 'ASYNC'), 'OK');
  assert.equal(h.run('DBSIZE'), 0);
  assert.equal(h.run('GET', 'k1'), null);
  assert.equal(info(h, 'lazyfree_pending_objects'), 1000);
  // Not freed yet: the memory is still held, and counted.
  assert.equal(arena.usedBytes, used);
  const usedWhilePending = info(h, 'used_memory');
  recountAgrees(h);
  await untilFreed(h);
  // used_memory counted the pending records (at least 16 bytes each) until they were freed.
  assert.ok(usedWhilePending - info(h, 'used_memory') >= 1000 * 16);
  assert.equal(info(h, 'lazyfree_pending_objects'), 0);
  assert.equal(info(h, 'lazyfreed_objects'), 1000);
  assert.ok(arena.usedBytes < used / 10, `records went back to the arena (${arena.usedBytes} of ${used} left)`);
  recountAgrees(h);
  h.run('SELECT', 1);
  assert.equal(h.run('GET', 'other7'), 'value-7');
});

test('records freed lazily are reused by new keys instead of growing the arena', async () => {
  const h = new Harness();
  fill(h, 1, 10, 'other');
  fill(h, 0, 5000);
  const reserved = h.server.keyspace.arena.reservedBytes;
  h.run('FLUSHDB', 'ASYNC');
  await untilFreed(h);
  fill(h, 0, 5000, 'again');
  assert.equal(h.server.keyspace.arena.reservedBytes, reserved);
  assert.equal(h.run('GET', 'again4999'), 'value-4999');
});

test('FLUSHDB SYNC frees everything before it replies', () => {
  const h = new Harness();
  fill(h, 1, 10, 'other');
  fill(h, 0, 1000);
  const used = h.server.keyspace.arena.usedBytes;
  h.run('FLUSHDB', 'SYNC');
  assert.equal(info(h, 'lazyfree_pending_objects'), 0);
  assert.equal(info(h, 'lazyfreed_objects'), 0);
  assert.ok(h.server.keyspace.arena.usedBytes < used / 10);
});

test('a FLUSHALL while a lazy free is pending leaves nothing to corrupt the keys written after it', async () => {
  const h = new Harness({ 'enable-debug-command': 'yes' });
  fill(h, 1, 10, 'other');
  fill(h, 0, 2000);
  h.run('FLUSHDB', 'ASYNC');
  h.run('FLUSHALL');
  assert.equal(h.server.keyspace.arena.usedBytes, 0);
  fill(h, 0, 2000, 'new');
  await untilFreed(h);
  for (let i = 0; i < 2000; i += 97) assert.equal(h.run('GET', `new${i}`), `value-${i}`);
  recountAgrees(h);
});

test('FLUSHALL ASYNC empties every database and counts their keys as lazily freed', async () => {
  const h = new Harness({ 'enable-debug-command': 'yes' });
  fill(h, 2, 30, 'a');
  h.run('SELECT', 3);
  for (let i = 0; i < 200; i++) h.run('HSET', `h${i}`, 'f', 'v');
  assert.equal(h.run('FLUSHALL', 'ASYNC'), 'OK');
  assert.equal(h.server.keyspace.keyCount, 0);
  await untilFreed(h);
  assert.equal(info(h, 'lazyfreed_objects'), 230);
  assert.equal(info(h, 'lazyfree_pending_objects'), 0);
  recountAgrees(h);
});

test('lazyfree-lazy-user-flush makes FLUSHALL and FLUSHDB without an option lazy', async () => {
  const h = new Harness({ 'lazyfree-lazy-user-flush': 'yes' });
  fill(h, 1, 10, 'other');
  fill(h, 0, 100);
  h.run('FLUSHDB');
  assert.equal(info(h, 'lazyfree_pending_objects'), 100);
  await untilFreed(h);
  h.run('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no');
  fill(h, 0, 100);
  h.run('FLUSHDB');
  assert.equal(info(h, 'lazyfree_pending_objects'), 0);
  assert.equal(info(h, 'lazyfreed_objects'), 100);
});

test('UNLINK counts a big value as lazily freed and a small one not, as Redis does', () => {
  const h = new Harness();
  for (let i = 0; i < 600; i++) h.run('HSET', 'big', `f${i}`, 'v');
  h.run('HSET', 'small', 'f', 'v');
  for (let i = 0; i < 100; i++) h.run('SADD', 'members', `m${i}`);
  assert.equal(h.run('UNLINK', 'big', 'small', 'members', 'missing'), 3);
  assert.equal(info(h, 'lazyfreed_objects'), 2);
  assert.equal(h.run('EXISTS', 'big', 'small', 'members'), 0);
});

test('DEL frees lazily only under lazyfree-lazy-user-del', () => {
  const h = new Harness();
  const bigHash = () => {
    for (let i = 0; i < 600; i++) h.run('HSET', 'big', `f${i}`, 'v');
  };
  bigHash();
  h.run('DEL', 'big');
  assert.equal(info(h, 'lazyfreed_objects'), 0);
  h.run('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
  bigHash();
  assert.equal(h.run('DEL', 'big'), 1);
  assert.equal(info(h, 'lazyfreed_objects'), 1);
});
