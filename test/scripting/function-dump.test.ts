// FUNCTION DUMP and FUNCTION RESTORE across servers: a payload written by Mnemo loads into a real
// redis-server 7.0.15 and the reverse (the differential cases compare single-library payloads
// byte for byte; with several libraries Redis writes them in its hash table's order).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { decodeAll, ReplyError } from '../helpers/resp.ts';
import { referenceSkip as skip, useRedisReference } from '../helpers/side-by-side.ts';

const reference = useRedisReference();

const LIBRARIES = ['alpha', 'beta', 'gamma'].map(
  (name) => `#!lua name=${name}\nredis.register_function('${name}_echo', function(keys, args) return '${name}:' .. (args[1] or '') .. string.rep('-', 40) end)`,
);

test('libraries dumped by Mnemo restore into redis-server, and its dump restores into Mnemo', { skip }, async () => {
  const redis = reference();
  const mnemo = new Harness();
  for (const code of LIBRARIES) mnemo.run('FUNCTION', 'LOAD', code);
  const payload = mnemo.raw(['FUNCTION', 'DUMP']);
  const dumped = decodeAll(payload, 'latin1')[0] as string;
  assert.equal(decodeAll((await redis.command(['FUNCTION', 'RESTORE', Buffer.from(dumped, 'latin1'), 'FLUSH']))!)[0], 'OK');
  for (const name of ['alpha', 'beta', 'gamma']) {
    assert.equal(decodeAll((await redis.command(['FCALL', `${name}_echo`, '0', 'x']))!)[0], `${name}:x${'-'.repeat(40)}`);
  }

  const back = decodeAll((await redis.command(['FUNCTION', 'DUMP']))!, 'latin1')[0] as string;
  const fresh = new Harness();
  assert.equal(fresh.run('FUNCTION', 'RESTORE', Buffer.from(back, 'latin1')), 'OK');
  for (const name of ['alpha', 'beta', 'gamma']) assert.equal(fresh.run('FCALL', `${name}_echo`, '0', 'y'), `${name}:y${'-'.repeat(40)}`);
  const codes = (fresh.run('FUNCTION', 'LIST', 'WITHCODE') as unknown[][]).map((library) => library[7]).sort();
  assert.deepEqual(codes, LIBRARIES);
});

test('FUNCTION RESTORE changes nothing when one of the payload libraries is refused', () => {
  const h = new Harness();
  h.run('FUNCTION', 'LOAD', LIBRARIES[0]!);
  h.run('FUNCTION', 'LOAD', LIBRARIES[1]!);
  const payload = Buffer.from(decodeAll(h.raw(['FUNCTION', 'DUMP']), 'latin1')[0] as string, 'latin1');
  h.run('FUNCTION', 'DELETE', 'alpha');
  h.run('FUNCTION', 'LOAD', "#!lua name=clash\nredis.register_function('alpha_echo', function() return 'clash' end)");

  for (const policy of ['APPEND', 'REPLACE']) {
    const refused = h.run('FUNCTION', 'RESTORE', payload, policy);
    assert.ok(refused instanceof ReplyError);
  }
  assert.equal(h.run('FCALL', 'alpha_echo', '0'), 'clash');
  assert.equal(h.run('FCALL', 'beta_echo', '0', 'z'), `beta:z${'-'.repeat(40)}`);
  assert.equal((h.run('FUNCTION', 'LIST') as unknown[]).length, 2);

  assert.equal(h.run('FUNCTION', 'RESTORE', payload, 'FLUSH'), 'OK');
  assert.equal(h.run('FCALL', 'alpha_echo', '0', 'z'), `alpha:z${'-'.repeat(40)}`);
  assert.ok(h.run('FCALL', 'clash', '0') instanceof ReplyError);
});

test('FUNCTION RESTORE propagates as sent, so replicas and the AOF get the same libraries', () => {
  const h = new Harness();
  h.run('FUNCTION', 'LOAD', LIBRARIES[2]!);
  const payload = Buffer.from(decodeAll(h.raw(['FUNCTION', 'DUMP']), 'latin1')[0] as string, 'latin1');
  const propagated: string[][] = [];
  h.server.effects.onPropagate((_db, argv) => propagated.push(argv.map((arg) => arg.toString('latin1'))));
  h.run('FUNCTION', 'RESTORE', payload, 'REPLACE');
  assert.deepEqual(propagated, [['FUNCTION', 'RESTORE', payload.toString('latin1'), 'REPLACE']]);
});
