// ACL users at the gate, in process: what each user may run, the ACL LOG, killing the
// connections of a deleted user, requirepass as the default user's password, the aclfile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.message;
}

/** ACL LOG's entries as objects (the flat RESP2 map decoded pairwise). */
function logEntries(h: Harness, ...args: string[]): Record<string, unknown>[] {
  const reply = h.run('ACL', 'LOG', ...args) as unknown[][];
  return reply.map((flat) => {
    const entry: Record<string, unknown> = {};
    for (let i = 0; i < flat.length; i += 2) entry[flat[i] as string] = flat[i + 1];
    return entry;
  });
}

test('a user runs only the commands and keys its rules allow, and is told why not in NOPERM', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'app', 'on', '>pw', '~app:*', '+@string', '-set');
  assert.equal(h.run('AUTH', 'app', 'pw'), 'OK');
  assert.equal(h.run('GET', 'app:1'), null);
  assert.equal(errorText(h.run('SET', 'app:1', 'v')), "NOPERM this user has no permissions to run the 'set' command");
  assert.equal(errorText(h.run('GET', 'other')), 'NOPERM this user has no permissions to access one of the keys used as arguments');
  assert.equal(errorText(h.run('MGET', 'app:1', 'other')), 'NOPERM this user has no permissions to access one of the keys used as arguments');
  assert.equal(errorText(h.run('CLIENT', 'LIST')), "NOPERM this user has no permissions to run the 'client|list' command");
  assert.equal(h.run('APPEND', 'app:2', 'x'), 1);
});

test('a refused command inside MULTI makes EXEC abort, and is logged with the multi context', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'm', 'on', 'nopass', '~a', '+@all');
  h.run('AUTH', 'm', 'x');
  h.run('MULTI');
  assert.match(errorText(h.run('GET', 'b')), /^NOPERM/);
  assert.equal(h.run('GET', 'a'), 'QUEUED');
  assert.equal(errorText(h.run('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
  const [entry] = logEntries(h);
  assert.equal(entry!.context, 'multi');
  assert.equal(entry!.reason, 'key');
  assert.equal(entry!.object, 'b');
  assert.equal(entry!.username, 'm');
});

test("a script's inner command the user may not run fails with the script's text and is logged with the lua context", () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 's', 'on', 'nopass', '~a*', '+@all');
  h.run('AUTH', 's', 'x');
  assert.match(errorText(h.run('EVAL', "return redis.call('get', 'b')", '0')), /^ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: /);
  assert.equal(h.run('EVAL', "return redis.acl_check_cmd('get', 'b')", '0'), null);
  assert.equal(h.run('EVAL', "return redis.acl_check_cmd('get', 'a')", '0'), 1);
  const [entry] = logEntries(h);
  assert.equal(entry!.context, 'lua');
  assert.equal(entry!.reason, 'key');
  assert.equal(entry!.object, 'b');
});

test('ACL LOG groups repeated denials into one entry with a count, newest first, and RESET empties it', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'lg', 'on', '>pw', '~a*', '+get', '+acl');
  h.run('AUTH', 'lg', 'pw');
  h.run('GET', 'b');
  h.clock.advance(1500);
  h.run('DEL', 'a');
  h.run('GET', 'b');
  h.run('AUTH', 'lg', 'nope');
  h.run('HELLO', '2', 'AUTH', 'ghost', 'pw');
  const entries = logEntries(h);
  assert.deepEqual(
    entries.map((e) => [e.count, e.reason, e.context, e.object, e.username]),
    [
      [1, 'auth', 'toplevel', 'HELLO', 'ghost'],
      [1, 'auth', 'toplevel', 'AUTH', 'lg'],
      [2, 'key', 'toplevel', 'b', 'lg'],
      [1, 'command', 'toplevel', 'del', 'lg'],
    ],
  );
  h.clock.advance(2250);
  // DEL was refused 1.5 s after the first GET, 2.25 s ago.
  assert.equal(logEntries(h)[3]!['age-seconds'], '2.25');
  assert.match(entries[2]!['client-info'] as string, /^id=\d+ addr=.* cmd=get user=lg /);
  assert.equal(logEntries(h, '2').length, 2);
  assert.equal(h.run('ACL', 'LOG', 'RESET'), 'OK');
  assert.deepEqual(h.run('ACL', 'LOG'), []);
});

test('ACL LOG keeps at most acllog-max-len entries', () => {
  const h = new Harness({ 'acllog-max-len': '2' });
  for (const user of ['a', 'b', 'c']) h.run('AUTH', user, 'x');
  assert.deepEqual(
    logEntries(h).map((e) => e.username),
    ['c', 'b'],
  );
  h.run('CONFIG', 'SET', 'acllog-max-len', '1');
  assert.equal(logEntries(h).length, 1);
});

test('deleting a user closes its connections; the deleting client gets its reply first', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'gone', 'on', 'nopass', '+@all', '~*');
  const other = h.newClient();
  h.runAs(other, 'AUTH', 'gone', 'x');
  h.run('AUTH', 'gone', 'x');
  assert.equal(h.run('ACL', 'DELUSER', 'gone'), 1);
  assert.equal(other.killed, true);
  assert.equal(h.client.closeAfterReply, true);
});

test('requirepass sets the default user password, and clients must authenticate only while one is set', () => {
  const h = new Harness();
  const late = h.newClient();
  h.run('CONFIG', 'SET', 'requirepass', 'secret');
  // A client that connected without a password requirement stays authenticated, as in Redis.
  assert.equal(h.runAs(late, 'PING'), 'PONG');
  const fresh = h.newClient();
  assert.equal(errorText(h.runAs(fresh, 'GET', 'k')), 'NOAUTH Authentication required.');
  assert.equal(errorText(h.runAs(fresh, 'AUTH', 'wrong')), 'WRONGPASS invalid username-password pair or user is disabled.');
  assert.equal(h.runAs(fresh, 'AUTH', 'default', 'secret'), 'OK');
  const waiting = h.newClient();
  h.run('CONFIG', 'SET', 'requirepass', '');
  assert.equal(h.runAs(waiting, 'GET', 'k'), null);
  const defaultUser = h.run('ACL', 'GETUSER', 'default') as unknown[];
  assert.deepEqual(defaultUser.slice(0, 4), ['flags', ['on', 'nopass'], 'passwords', []]);
});

test('CLIENT LIST shows the user and CLIENT KILL USER closes its connections', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'worker', 'on', 'nopass', '+@all', '~*');
  const other = h.newClient();
  h.runAs(other, 'AUTH', 'worker', 'x');
  const list = h.run('CLIENT', 'LIST') as string;
  assert.match(list, /id=2 .* user=worker /);
  assert.match(list, /id=1 .* user=default /);
  assert.equal(h.run('CLIENT', 'KILL', 'USER', 'worker'), 1);
  assert.equal(other.killed, true);
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'USER', 'nobody')), "ERR No such user 'nobody'");
});

test('acl-pubsub-default allchannels gives new users every channel', () => {
  const h = new Harness({ 'acl-pubsub-default': 'allchannels' });
  h.run('ACL', 'SETUSER', 'pub');
  assert.deepEqual(h.run('ACL', 'LIST'), ['user default on nopass ~* &* +@all', 'user pub off &* -@all']);
});

test('ACL SAVE writes ACL LIST lines to the aclfile and ACL LOAD reads them back, all or nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-acl-'));
  const file = join(dir, 'users.acl');
  writeFileSync(file, '');
  const h = new Harness({ aclfile: file });
  h.run('ACL', 'SETUSER', 'saved', 'on', '>pw', '~k*', '+get');
  assert.equal(h.run('ACL', 'SAVE'), 'OK');
  assert.equal(readFileSync(file, 'utf8'), `${(h.run('ACL', 'LIST') as string[]).join('\n')}\n`);
  h.run('ACL', 'DELUSER', 'saved');
  assert.equal(h.run('ACL', 'LOAD'), 'OK');
  assert.deepEqual(h.run('ACL', 'USERS'), ['default', 'saved']);

  writeFileSync(file, 'user default on nopass ~* &* +@all\nuser x on +nosuch\nnotuser y\n');
  assert.equal(
    errorText(h.run('ACL', 'LOAD')),
    `ERR ${file}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:3 should start with user keyword. WARNING: ACL errors detected, no change to the previous ACLs was applied`,
  );
  assert.deepEqual(h.run('ACL', 'USERS'), ['default', 'saved']);
});

test('a client of a user replaced by ACL LOAD is closed, a default-user client stays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-acl-'));
  const file = join(dir, 'users.acl');
  writeFileSync(file, 'user keeper on nopass ~* +@all\n');
  const h = new Harness({ aclfile: file });
  h.run('ACL', 'LOAD');
  const keeper = h.newClient();
  h.runAs(keeper, 'AUTH', 'keeper', 'x');
  assert.equal(h.run('ACL', 'LOAD'), 'OK');
  assert.equal(keeper.killed, true);
  assert.equal(h.client.killed, false);
  assert.equal(h.run('ACL', 'WHOAMI'), 'default');
});

test('EXEC refuses a queued command the user may no longer run, with the reason, and runs the others', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'tx', 'on', 'nopass', '~*', '+@all');
  h.run('AUTH', 'tx', 'x');
  h.run('MULTI');
  h.run('SET', 'k', 'v');
  h.run('GET', 'k');
  const admin = h.newClient();
  h.runAs(admin, 'ACL', 'SETUSER', 'tx', '-set');
  const replies = h.run('EXEC') as unknown[];
  assert.equal(
    errorText(replies[0]),
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand',
  );
  assert.equal(replies[1], null);
  const [entry] = logEntries(h);
  assert.deepEqual([entry!.reason, entry!.context, entry!.object], ['command', 'multi', 'set']);
});

test('changing a user tells pub/sub, which can ask whether its channels are still allowed', () => {
  const h = new Harness();
  const changed: string[] = [];
  h.server.acl.onUserChanged((user) => changed.push(`${user.name}:${user.allowsChannel(Buffer.from('news.1'), false)}:${user.allowsChannel(Buffer.from('news.*'), true)}`));
  h.run('ACL', 'SETUSER', 'sub', 'on', 'nopass', '&news.*');
  assert.deepEqual(changed, [], 'creating a user changes nobody');
  h.run('ACL', 'SETUSER', 'sub', 'resetchannels', '&news.1');
  h.run('ACL', 'SETUSER', 'sub', '(&news.*)');
  assert.deepEqual(changed, ['sub:true:false', 'sub:true:true']);
});
