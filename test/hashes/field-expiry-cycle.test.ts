// The active expire cycle's share of hash-field expiry: the store indexes the hashes holding
// field TTLs by entry id, wherever they go (SWAPDB, RENAME, MOVE, COPY), and the keyspace's
// cycle expires their due fields under the same switches as keys and with Redis 7.4's quota.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

/** What the propagation stream carries, with the database each command applies to. */
function recordPropagation(h: Harness): string[] {
  const seen: string[] = [];
  h.server.effects.onPropagate((db, argv) => seen.push(`${db}: ${argv.map((arg) => Buffer.from(arg).toString('latin1')).join(' ')}`));
  return seen;
}

const sizeOf = (h: Harness, index: number) => h.server.keyspace.dbs[index]!.size;
const indexed = (h: Harness, index: number) => h.server.keyspace.dbs[index]!.fieldExpiringCount;

test('the cron expires fields of a hash in a database reached by SWAPDB', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', '1', 'b', '2');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('SWAPDB', 0, 1);
  assert.deepEqual([indexed(h, 0), indexed(h, 1)], [0, 1]);
  h.clock.advance(10);
  const seen = recordPropagation(h);
  h.server.cron();
  assert.deepEqual(seen, ['1: HDEL h a']);
  h.run('SELECT', 1);
  assert.deepEqual(h.run('HGETALL', 'h'), ['b', '2']);
  assert.equal(indexed(h, 1), 0);
});

test('the cron expires fields of a hash after RENAME and MOVE, without it being used again', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', '1', 'b', '2');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
  h.run('RENAME', 'h', 'r');
  h.run('MOVE', 'r', 2);
  assert.deepEqual([indexed(h, 0), indexed(h, 2)], [0, 1]);
  h.clock.advance(10);
  const seen = recordPropagation(h);
  h.server.cron();
  assert.deepEqual(seen.sort(), ['2: HDEL r a', '2: HDEL r b']);
  assert.equal(sizeOf(h, 2), 0);
  assert.equal(indexed(h, 2), 0);
});

test('a COPY is indexed on its own: persisting the source leaves the copy to expire', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', '1', 'b', '2');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('COPY', 'h', 'c', 'DB', 3);
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'a');
  assert.deepEqual([indexed(h, 0), indexed(h, 3)], [0, 1]);
  h.clock.advance(10);
  h.server.cron();
  assert.equal(h.run('HLEN', 'h'), 2);
  h.run('SELECT', 3);
  assert.deepEqual(h.run('HKEYS', 'c'), ['b']);
});

test('the index holds exactly the hashes with field TTLs through HDEL, overwrites, DEL and FLUSHDB', () => {
  const h = new Harness();
  h.run('HSET', 'h', 'a', '1', 'b', '2');
  h.run('HSET', 'g', 'a', '1');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
  h.run('HPEXPIRE', 'g', 10, 'FIELDS', 1, 'a');
  assert.equal(indexed(h, 0), 2);
  h.run('HDEL', 'h', 'a');
  h.run('HSET', 'h', 'b', 'overwritten');
  assert.equal(indexed(h, 0), 1, 'h lost its last field TTL');
  h.run('SET', 'g', 'a string now');
  assert.equal(indexed(h, 0), 0, 'g was overwritten by a string');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'b');
  h.run('DEL', 'h');
  assert.equal(indexed(h, 0), 0);
  h.run('HSET', 'f', 'a', '1');
  h.run('HPEXPIRE', 'f', 10, 'FIELDS', 1, 'a');
  h.run('FLUSHDB');
  assert.equal(indexed(h, 0), 0);
});

test('DEBUG SET-ACTIVE-EXPIRE 0 and CLIENT PAUSE hold field expiry as they hold key expiry', () => {
  const h = new Harness({ 'enable-debug-command': 'yes' });
  h.run('HSET', 'h', 'a', '1');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'a');
  h.run('SET', 'k', 'v', 'PX', 10);
  h.clock.advance(20);
  h.run('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
  h.server.cron();
  assert.equal(sizeOf(h, 0), 2);
  h.run('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
  h.run('CLIENT', 'PAUSE', 100_000, 'WRITE');
  h.server.cron();
  assert.equal(sizeOf(h, 0), 2);
  h.run('CLIENT', 'UNPAUSE');
  h.server.cron();
  assert.equal(sizeOf(h, 0), 0);
});

test('each cron expires at most 10000/hz fields of a database, as Redis 7.4', () => {
  const h = new Harness({ databases: '1', hz: '10' });
  const fields = Array.from({ length: 2500 }, (_, i) => `f${i}`);
  h.run('HSET', 'h', ...fields.flatMap((f) => [f, 'v']));
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', fields.length, ...fields);
  h.clock.advance(10);
  const db = h.server.keyspace.dbs[0]!;
  const left = () => (db.objectOf(db.find(Buffer.from('h'))) as unknown as { size: number }).size;
  h.server.cron();
  assert.equal(left(), 1500);
  h.server.cron();
  assert.equal(left(), 500);
  h.server.cron();
  assert.equal(db.size, 0);
});
