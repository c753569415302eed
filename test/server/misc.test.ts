import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('TIME reads the server clock as seconds and microseconds', () => {
  const h = new Harness();
  h.clock.ms = 1_700_000_123_456;
  assert.deepEqual(h.run('TIME'), ['1700000123', '456000']);
});

test('LASTSAVE is the start time while nothing has been saved', () => {
  const h = new Harness();
  h.clock.advance(60_000);
  assert.equal(h.run('LASTSAVE'), 1_700_000_000);
});

test('MEMORY USAGE grows with the value and is null for a missing key', () => {
  const h = new Harness();
  h.run('SET', 'small', 'x');
  h.run('SET', 'big', 'x'.repeat(10_000));
  const small = h.run('MEMORY', 'USAGE', 'small') as number;
  const big = h.run('MEMORY', 'USAGE', 'big') as number;
  assert.ok(small > 0 && big > small && big >= 10_000, `${small} ${big}`);
  assert.equal(h.run('MEMORY', 'USAGE', 'nosuch'), null);
  assert.equal(h.run('MEMORY', 'USAGE', 'small', 'SAMPLES', '0'), small);
  assert.equal(errorText(h.run('MEMORY', 'USAGE', 'small', 'SAMPLES', 'x')), 'ERR value is not an integer or out of range');
  assert.equal(errorText(h.run('MEMORY', 'USAGE', 'small', 'FOO')), 'ERR syntax error');
  assert.equal((h.run('MEMORY', 'HELP') as string[])[0], 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
});

test('SHUTDOWN validates its options with Redis texts', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('SHUTDOWN', 'FOO')), 'ERR syntax error');
  assert.equal(errorText(h.run('SHUTDOWN', 'SAVE', 'NOSAVE')), 'ERR syntax error');
  assert.equal(errorText(h.run('SHUTDOWN', 'ABORT', 'NOW')), 'ERR syntax error');
  assert.equal(errorText(h.run('SHUTDOWN', 'ABORT')), 'ERR No shutdown in progress.');
  h.run('MULTI');
  assert.equal(errorText(h.run('SHUTDOWN')), 'ERR Command not allowed inside a transaction');
});

test('SHUTDOWN of a server without listeners fails instead of stopping the host', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('SHUTDOWN', 'NOSAVE')), 'ERR Errors trying to SHUTDOWN. Check logs.');
});

test('MEMORY STATS counts keys and data, with a map per non-empty database', () => {
  const h = new Harness();
  h.run('HELLO', '3');
  for (let i = 0; i < 10; i++) h.run('SET', `k${i}`, 'x'.repeat(100));
  h.run('SELECT', '2');
  h.run('SET', 'other', '1');
  const stats = h.run('MEMORY', 'STATS') as Map<string, unknown>;
  assert.equal(stats.get('keys.count'), 11);
  // Ten records of 4 + 2 + 100 bytes in 8-byte classes, and one of 4 + 5 + 1.
  assert.equal(stats.get('dataset.bytes'), 10 * 112 + 16);
  assert.equal(stats.get('total.allocated'), (stats.get('overhead.total') as number) + (stats.get('dataset.bytes') as number));
  assert.ok((stats.get('peak.allocated') as number) >= (stats.get('total.allocated') as number));
  assert.deepEqual([...(stats.get('db.0') as Map<string, unknown>).keys()], ['overhead.hashtable.main', 'overhead.hashtable.expires']);
  assert.ok(stats.get('db.2') instanceof Map);
  assert.equal(stats.has('db.1'), false);
  assert.equal(typeof stats.get('dataset.percentage'), 'number');
  assert.equal(h.run('MEMORY', 'PURGE'), 'OK');
});
