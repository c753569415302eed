import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('MULTI queues commands and EXEC runs them in order, one reply each', () => {
  const h = new Harness();
  assert.equal(h.run('MULTI'), 'OK');
  assert.equal(h.run('SET', 'a', '1'), 'QUEUED');
  assert.equal(h.run('GET', 'a'), 'QUEUED');
  assert.equal(h.run('GET', 'a'), 'QUEUED');
  assert.equal(h.run('GET', 'nope'), 'QUEUED');
  assert.deepEqual(h.run('EXEC'), ['OK', '1', '1', null]);
  assert.equal(h.run('GET', 'a'), '1');
});

test('queued commands do not run before EXEC', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  assert.equal(h.runAs(other, 'GET', 'a'), null);
  h.run('EXEC');
  assert.equal(h.runAs(other, 'GET', 'a'), '1');
});

test('EXEC with nothing queued replies with an empty array', () => {
  const h = new Harness();
  h.run('MULTI');
  assert.deepEqual(h.run('EXEC'), []);
});

test('a runtime error inside EXEC is one element of the reply; the rest still run', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2', 'NX', 'XX');
  h.run('GET', 'a');
  const reply = h.run('EXEC') as unknown[];
  assert.equal(reply[0], 'OK');
  assert.equal(errorText(reply[1]), 'ERR syntax error');
  assert.equal(reply[2], '1');
});

test('a command rejected while queueing aborts the transaction with EXECABORT', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  assert.match(errorText(h.run('NOSUCHCOMMAND')), /^ERR unknown command 'NOSUCHCOMMAND'/);
  assert.equal(errorText(h.run('GET')), "ERR wrong number of arguments for 'get' command");
  assert.equal(errorText(h.run('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
  assert.equal(h.run('GET', 'a'), null);
  assert.equal(errorText(h.run('EXEC')), 'ERR EXEC without MULTI');
});

test('EXEC, DISCARD, nested MULTI and WATCH inside MULTI fail with Redis texts', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('EXEC')), 'ERR EXEC without MULTI');
  assert.equal(errorText(h.run('DISCARD')), 'ERR DISCARD without MULTI');
  h.run('MULTI');
  assert.equal(errorText(h.run('MULTI')), 'ERR MULTI calls can not be nested');
  assert.equal(errorText(h.run('WATCH', 'x')), 'ERR WATCH inside MULTI is not allowed');
  // Neither error flags the transaction.
  h.run('SET', 'a', '1');
  assert.deepEqual(h.run('EXEC'), ['OK']);
});

test('DISCARD drops the queue and leaves MULTI', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  assert.equal(h.run('DISCARD'), 'OK');
  assert.equal(h.run('GET', 'a'), null);
  assert.equal(errorText(h.run('EXEC')), 'ERR EXEC without MULTI');
});

test('RESET leaves MULTI and drops the queue', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  assert.equal(h.run('RESET'), 'RESET');
  assert.equal(errorText(h.run('EXEC')), 'ERR EXEC without MULTI');
  assert.equal(h.run('GET', 'a'), null);
});

test('EXEC runs queued commands in the database selected when they run', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', 'zero');
  h.run('SELECT', '1');
  h.run('SET', 'a', 'one');
  assert.deepEqual(h.run('EXEC'), ['OK', 'OK', 'OK']);
  assert.equal(h.run('GET', 'a'), 'one');
  h.run('SELECT', '0');
  assert.equal(h.run('GET', 'a'), 'zero');
});

test('queued commands are counted in commandstats when EXEC runs them', () => {
  const h = new Harness();
  h.run('MULTI');
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '1');
  const set = h.server.commands.lookupName('set')!;
  assert.equal(set.stats.calls, 0);
  h.run('EXEC');
  assert.equal(set.stats.calls, 2);
});

test('EXEC aborted by WATCH is a null array in RESP2 and null in RESP3', () => {
  const h = new Harness();
  const other = h.newClient();
  h.run('WATCH', 'k');
  h.runAs(other, 'SET', 'k', 'v');
  h.run('MULTI');
  assert.equal(h.raw(['EXEC']).toString(), '*-1\r\n');
  h.run('HELLO', '3');
  h.run('WATCH', 'k');
  h.runAs(other, 'SET', 'k', 'w');
  h.run('MULTI');
  assert.equal(h.raw(['EXEC']).toString(), '_\r\n');
});
