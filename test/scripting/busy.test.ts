import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Harness } from '../helpers/harness.ts';
import { decodeAll, ReplyError } from '../helpers/resp.ts';
import { abortScripts } from '../../src/scripting/scripting.ts';

const LOOP = 'local i = 0 while true do i = i + 1 end';
const BUSY = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

/** Starts a script that runs past busy-reply-threshold; resolves once others get BUSY. */
async function startBusy(h: Harness, script: string, ...args: string[]): Promise<void> {
  h.raw(['EVAL', script, ...args]);
  const probe = h.newClient();
  for (let turns = 0; turns < 10_000; turns++) {
    const reply = h.runAs(probe, 'PING');
    if (reply instanceof ReplyError) return;
    await nextTurn();
  }
  assert.fail('the script never became busy');
}

/** The caller's reply once its script has ended. */
async function callerReply(h: Harness): Promise<unknown> {
  for (let turns = 0; turns < 10_000; turns++) {
    const bytes = h.client.w.take();
    if (bytes !== null) return decodeAll(bytes)[0];
    await nextTurn();
  }
  assert.fail('the script never answered');
}

test('a script past busy-reply-threshold makes other clients get BUSY, and SCRIPT KILL stops it', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  await startBusy(h, LOOP, '0');
  const other = h.newClient();
  assert.equal(errorText(h.runAs(other, 'GET', 'a')), BUSY);
  assert.equal(errorText(h.runAs(other, 'EVAL', 'return 1', '0')), BUSY);
  assert.equal(errorText(h.runAs(other, 'FUNCTION', 'KILL')), BUSY);
  assert.equal(h.runAs(other, 'SCRIPT', 'KILL'), 'OK');
  const reply = errorText(await callerReply(h));
  assert.match(reply, /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/);
  assert.equal(h.runAs(other, 'GET', 'a'), null);
});

test('a pcall inside the script cannot swallow SCRIPT KILL', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  await startBusy(h, 'while true do pcall(function() local i = 0 while true do i = i + 1 end end) end', '0');
  assert.equal(h.runAs(h.newClient(), 'SCRIPT', 'KILL'), 'OK');
  assert.match(errorText(await callerReply(h)), /^ERR Script killed by user with SCRIPT KILL/);
});

test('SCRIPT KILL refuses a script that already wrote (UNKILLABLE) and SHUTDOWN needs NOSAVE', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  await startBusy(h, `redis.call('set', 'k', 'v') ${LOOP}`, '0');
  const other = h.newClient();
  assert.match(errorText(h.runAs(other, 'SCRIPT', 'KILL')), /^UNKILLABLE Sorry the script already executed write commands/);
  assert.equal(errorText(h.runAs(other, 'SHUTDOWN')), BUSY);
  assert.equal(errorText(h.runAs(other, 'SHUTDOWN', 'SAVE')), BUSY);
  // Embedded without a listener SHUTDOWN NOSAVE gets past the BUSY check and fails for want of one.
  assert.notEqual(errorText(h.runAs(other, 'SHUTDOWN', 'NOSAVE')), BUSY);
  // What SHUTDOWN NOSAVE does to the script once it shuts the server down.
  abortScripts(h.server);
  await nextTurn();
  assert.equal(h.runAs(other, 'GET', 'k'), 'v');
});

test('SCRIPT KILL with no script running answers NOTBUSY', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('SCRIPT', 'KILL')), 'NOTBUSY No scripts in execution right now.');
});

test('a busy script stays atomic: its writes propagate as one unit when it ends, and blocked clients wait for the end', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  const stream: string[] = [];
  h.server.effects.onPropagate((db, argv) => stream.push(`${db} ${argv.map(String).join(' ')}`));
  const waiter = h.newClient();
  h.raw(['BLPOP', 'list', '0'], waiter);
  const script = `
    redis.call('rpush', 'list', 'x')
    local i = 0
    while i < 3e6 do i = i + 1 end
    redis.call('set', 'done', 'yes')
    return i`;
  await startBusy(h, script, '0');
  assert.equal(waiter.w.take(), null, 'the blocked client was served while the script ran');
  assert.equal(await callerReply(h), 3000000);
  assert.deepEqual(stream.slice(0, 4), ['0 MULTI', '0 rpush list x', '0 set done yes', '-1 EXEC']);
  await nextTurn();
  assert.deepEqual(decodeAll(waiter.w.take()!)[0], ['list', 'x']);
});

test("the caller's next commands wait for its busy script to end", async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  await startBusy(h, `local i = 0 while i < 3e6 do i = i + 1 end redis.call('set', 'k', 'from script') return 1`, '0');
  assert.equal(h.server.mustWait(h.client, [Buffer.from('GET'), Buffer.from('k')]), true);
  assert.equal(await callerReply(h), 1);
  assert.equal(h.server.mustWait(h.client, [Buffer.from('GET'), Buffer.from('k')]), false);
  assert.equal(h.run('GET', 'k'), 'from script');
});

test('a busy function shows in FUNCTION STATS and FUNCTION KILL stops it (SCRIPT KILL refuses it)', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  h.run('FUNCTION', 'LOAD', `#!lua name=spin\nredis.register_function('spin', function() ${LOOP} end)`);
  h.raw(['FCALL', 'spin', '0']);
  const other = h.newClient();
  for (let turns = 0; !(h.runAs(other, 'PING') instanceof ReplyError); turns++) {
    assert.ok(turns < 10_000, 'the function never became busy');
    await nextTurn();
  }
  const busyFunction = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
  assert.equal(errorText(h.runAs(other, 'GET', 'a')), busyFunction);
  assert.equal(errorText(h.runAs(other, 'SCRIPT', 'KILL')), busyFunction);
  const stats = h.runAs(other, 'FUNCTION', 'STATS') as unknown[];
  const running = stats[1] as unknown[];
  assert.deepEqual(running.slice(0, 4), ['name', 'spin', 'command', ['FCALL', 'spin', '0']]);
  assert.equal(h.runAs(other, 'FUNCTION', 'KILL'), 'OK');
  assert.match(errorText(await callerReply(h)), /^ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.$/);
});

test('a long script inside EXEC runs to its end before the commands queued after it', () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  h.run('MULTI');
  h.run('EVAL', "local i = 0 while i < 2e6 do i = i + 1 end redis.call('set', 'k', 'script') return i", '0');
  h.run('SET', 'k', 'after');
  assert.deepEqual(h.run('EXEC'), [2000000, 'OK']);
  assert.equal(h.run('GET', 'k'), 'after');
});

test('time stands still inside a script: a key does not expire between its commands', async () => {
  const h = new Harness({ 'busy-reply-threshold': '20' });
  h.run('SET', 'k', 'v', 'PX', '1000');
  await startBusy(h, "local i = 0 while i < 3e6 do i = i + 1 end return redis.call('get', 'k')", '0');
  h.clock.advance(5000);
  assert.equal(await callerReply(h), 'v');
  assert.equal(h.run('GET', 'k'), null);
});
