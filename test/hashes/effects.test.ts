// What hash commands propagate and which keyspace events they raise. The Redis 7.0 commands are
// also compared with redis-server by the effects differential suite (hashes.redis); per-field
// expiry is Redis 7.4's, which that suite's 7.0.15 reference cannot answer, so it is here,
// following 7.4's t_hash.c: HPEXPIREAT with an absolute time for the fields set, HDEL for the
// fields removed, and hexpire, hdel, hpersist, hexpired and del events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { recordEffects } from '../lists/helpers.ts';

/** Keyspace events of every class but "new" (which the keyspace raises, not these commands). */
const EVENTS = { 'notify-keyspace-events': 'AE' };

function hashWith(...fieldsAndValues: string[]): Harness {
  const h = new Harness(EVENTS);
  h.run('HSET', 'h', ...fieldsAndValues);
  return h;
}

test('HINCRBYFLOAT propagates as HSET of the value it stored', () => {
  const h = hashWith('f', '1');
  const seen = recordEffects(h);
  h.run('HINCRBYFLOAT', 'h', 'f', '1e1');
  h.run('HINCRBYFLOAT', 'h', 'g', '0x10');
  assert.deepEqual(seen.propagated, ['HSET h f 11', 'HSET h g 16']);
  assert.deepEqual(seen.events, ['hincrbyfloat h', 'hincrbyfloat h']);
});

test('HEXPIRE, HPEXPIRE and HEXPIREAT propagate as HPEXPIREAT with the absolute time in ms', () => {
  const h = hashWith('a', '1', 'b', '2');
  const now = h.clock.ms;
  const seen = recordEffects(h);
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 1, 'a');
  h.run('hpexpire', 'h', 500, 'nx', 'fields', 1, 'b');
  h.run('HEXPIREAT', 'h', Math.floor(now / 1000) + 50, 'GT', 'FIELDS', 1, 'a');
  h.run('hpexpireat', 'h', now + 200_000, 'FIELDS', 1, 'a');
  assert.deepEqual(seen.propagated, [
    `HPEXPIREAT h ${now + 100_000} FIELDS 1 a`,
    `HPEXPIREAT h ${now + 500} nx fields 1 b`,
    `hpexpireat h ${now + 200_000} FIELDS 1 a`,
  ]);
  assert.deepEqual(seen.events, ['hexpire h', 'hexpire h', 'hexpire h']);
});

test('HEXPIRE names only the fields it gave a time; a time in the past propagates HDEL', () => {
  const h = hashWith('a', '1', 'b', '2', 'c', '3');
  const now = h.clock.ms;
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 1, 'b');
  const seen = recordEffects(h);
  h.run('HEXPIRE', 'h', 50, 'NX', 'FIELDS', 3, 'a', 'b', 'nope');
  h.run('HPEXPIREAT', 'h', now - 1, 'FIELDS', 2, 'c', 'nope');
  h.run('HEXPIRE', 'h', 0, 'FIELDS', 2, 'a', 'b');
  assert.deepEqual(seen.propagated, [`HPEXPIREAT h ${now + 50_000} NX FIELDS 1 a`, 'HDEL h c', 'MULTI', 'HDEL h a', 'HDEL h b', 'EXEC']);
  assert.deepEqual(seen.events, ['hexpire h', 'hdel h', 'hdel h', 'del h']);
});

test('HEXPIRE whose conditions no field meets, and HPERSIST of fields without a TTL, propagate nothing', () => {
  const h = hashWith('a', '1');
  const seen = recordEffects(h);
  h.run('HEXPIRE', 'h', 100, 'XX', 'FIELDS', 1, 'a');
  h.run('HEXPIRE', 'nokey', 100, 'FIELDS', 1, 'a');
  h.run('HPERSIST', 'h', 'FIELDS', 1, 'a');
  assert.deepEqual(seen.propagated, []);
  assert.deepEqual(seen.events, []);
});

test('HPERSIST propagates as sent and raises hpersist once', () => {
  const h = hashWith('a', '1', 'b', '2');
  h.run('HEXPIRE', 'h', 100, 'FIELDS', 2, 'a', 'b');
  const seen = recordEffects(h);
  h.run('HPERSIST', 'h', 'FIELDS', 3, 'a', 'b', 'c');
  assert.deepEqual(seen.propagated, ['HPERSIST h FIELDS 3 a b c']);
  assert.deepEqual(seen.events, ['hpersist h']);
});

test('fields expired by a read propagate as HDEL, soonest first, and raise hexpired, not the read', () => {
  const h = hashWith('a', '1', 'b', '2', 'c', '3');
  h.run('HPEXPIRE', 'h', 20, 'FIELDS', 1, 'b');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'c');
  h.clock.advance(30);
  const seen = recordEffects(h);
  assert.equal(h.run('HGET', 'h', 'a'), '1');
  assert.deepEqual(seen.propagated, ['MULTI', 'HDEL h c', 'HDEL h b', 'EXEC']);
  assert.deepEqual(seen.events, ['hexpired h']);
});

test('a write after expired fields propagates with their HDELs; one that then changes nothing does not', () => {
  const h = hashWith('a', '1', 'b', '2');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'b');
  h.clock.advance(10);
  const seen = recordEffects(h);
  h.run('HSET', 'h', 'c', '3');
  assert.deepEqual(seen.propagated, ['MULTI', 'HDEL h b', 'HSET h c 3', 'EXEC']);
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 1, 'c');
  h.clock.advance(10);
  seen.propagated.length = 0;
  seen.events.length = 0;
  assert.equal(h.run('HDEL', 'h', 'c'), 0);
  assert.equal(h.run('HSETNX', 'h', 'a', 'x'), 0);
  assert.deepEqual(seen.propagated, ['HDEL h c']);
  assert.deepEqual(seen.events, ['hexpired h']);
});

test('a hash whose last fields expire is deleted with hexpired then del', () => {
  const h = hashWith('a', '1', 'b', '2');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
  h.clock.advance(10);
  const seen = recordEffects(h);
  assert.equal(h.run('HLEN', 'h'), 0);
  // Fields with the same time go in listpack order, where a field given a time goes first.
  assert.deepEqual(seen.propagated, ['MULTI', 'HDEL h b', 'HDEL h a', 'EXEC']);
  assert.deepEqual(seen.events, ['hexpired h', 'del h']);
});

test('the cron propagates each expired field as an HDEL of its own', () => {
  const h = hashWith('a', '1', 'b', '2', 'c', '3');
  h.run('HPEXPIRE', 'h', 10, 'FIELDS', 2, 'a', 'b');
  h.run('SELECT', 1);
  h.run('HSET', 'g', 'x', '1');
  h.run('HPEXPIRE', 'g', 10, 'FIELDS', 1, 'x');
  h.clock.advance(10);
  const seen = recordEffects(h);
  h.server.cron();
  assert.deepEqual(seen.propagated.sort(), ['HDEL g x', 'HDEL h a', 'HDEL h b']);
  assert.deepEqual(seen.events.sort(), ['del g', 'hexpired g', 'hexpired h']);
  assert.equal(h.run('EXISTS', 'g'), 0);
});
