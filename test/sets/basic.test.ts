import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('SADD counts only new members and SCARD counts them all', () => {
  const h = new Harness();
  assert.equal(h.run('SADD', 's', 'a', 'b', 'a'), 2);
  assert.equal(h.run('SADD', 's', 'b', 'c'), 1);
  assert.equal(h.run('SCARD', 's'), 3);
  assert.equal(h.run('SCARD', 'nokey'), 0);
  assert.equal(h.run('TYPE', 's'), 'set');
});

test('SISMEMBER and SMISMEMBER answer per member, and 0 for a missing key', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a', '1');
  assert.equal(h.run('SISMEMBER', 's', 'a'), 1);
  assert.equal(h.run('SISMEMBER', 's', 'b'), 0);
  assert.equal(h.run('SISMEMBER', 'nokey', 'a'), 0);
  assert.deepEqual(h.run('SMISMEMBER', 's', 'a', 'b', '1'), [1, 0, 1]);
  assert.deepEqual(h.run('SMISMEMBER', 'nokey', 'a'), [0]);
});

test('SREM deletes the key once the last member goes', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a', 'b');
  assert.equal(h.run('SREM', 's', 'a', 'x'), 1);
  assert.equal(h.run('EXISTS', 's'), 1);
  assert.equal(h.run('SREM', 's', 'b'), 1);
  assert.equal(h.run('EXISTS', 's'), 0);
  assert.equal(h.run('SREM', 'nokey', 'a'), 0);
});

test('members are binary-safe, in both encodings', () => {
  const h = new Harness();
  const odd = Buffer.from([0, 0xff, 13, 10, 0x80]);
  h.run('SADD', 's', odd, '');
  assert.equal(h.run('SISMEMBER', 's', odd), 1);
  assert.equal(h.run('SISMEMBER', 's', ''), 1);
  const members = (h.runBinary('SMEMBERS', 's') as string[]).map((m) => Buffer.from(m, 'latin1'));
  assert.equal(members.length, 2);
  assert.ok(members.some((m) => m.equals(odd)));
});

test('set commands fail against a key holding a string', () => {
  const h = new Harness();
  h.run('SET', 'str', 'x');
  for (const cmd of [
    ['SADD', 'str', 'a'],
    ['SREM', 'str', 'a'],
    ['SCARD', 'str'],
    ['SISMEMBER', 'str', 'a'],
    ['SMISMEMBER', 'str', 'a'],
    ['SMEMBERS', 'str'],
    ['SPOP', 'str'],
    ['SRANDMEMBER', 'str'],
    ['SSCAN', 'str', '0'],
    ['SINTER', 'nokey', 'str'],
    ['SUNIONSTORE', 'd', 'str'],
    ['SINTERCARD', '1', 'str'],
  ]) {
    assert.match(errorText(h.run(...cmd)), /^WRONGTYPE /, cmd.join(' '));
  }
  assert.equal(h.run('GET', 'str'), 'x');
});

test('SMEMBERS is a set in RESP3 and an array in RESP2', () => {
  const h = new Harness();
  h.run('SADD', 's', '2', '1');
  assert.equal(h.raw(['SMEMBERS', 's']).toString(), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
  h.run('HELLO', '3');
  assert.equal(h.raw(['SMEMBERS', 's']).toString(), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
  assert.equal(h.raw(['SMEMBERS', 'nokey']).toString(), '~0\r\n');
});

test('SADD of members already present leaves a WATCHed key untouched', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('SADD', 's', 'a');
  h.run('WATCH', 's');
  h.runAs(other, 'SADD', 's', 'a');
  h.runAs(other, 'SREM', 's', 'zz');
  h.run('MULTI');
  h.run('SCARD', 's');
  assert.deepEqual(h.run('EXEC'), [1]);
  h.run('WATCH', 's');
  h.runAs(other, 'SADD', 's', 'b');
  h.run('MULTI');
  h.run('SCARD', 's');
  assert.equal(h.run('EXEC'), null);
});
