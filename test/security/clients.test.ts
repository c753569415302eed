// Real clients and redis-cli logging in as ACL users defined by `user` lines of a config file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/server/run.ts';
import { skipWithout } from '../helpers/reference.ts';

const run = promisify(execFile);

const USERS = [
  ['user default on >adminpw ~* &* +@all'],
  ['user reader on >readpw ~cache:* resetchannels -@all +@read +hello +auth +ping +client|setname +client|setinfo +info +select'],
];

async function startWithUsers() {
  const lines = USERS.map(([text], i) => ({ text: text!, lineNumber: i + 1 }));
  return startServer({ port: 0, host: '127.0.0.1', lines });
}

test('user lines of the config file create users that ioredis logs in as, with their rules enforced', async () => {
  const running = await startWithUsers();
  const reader = new Redis({ port: running.port, host: '127.0.0.1', username: 'reader', password: 'readpw', maxRetriesPerRequest: 0, retryStrategy: () => null });
  const admin = new Redis({ port: running.port, host: '127.0.0.1', password: 'adminpw', maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    assert.equal(await admin.set('cache:1', 'v'), 'OK');
    assert.equal(await reader.get('cache:1'), 'v');
    assert.equal(await reader.call('ACL', 'WHOAMI').catch((error: Error) => error.message), "NOPERM this user has no permissions to run the 'acl|whoami' command");
    await assert.rejects(reader.get('secret'), /NOPERM this user has no permissions to access one of the keys used as arguments/);
    await assert.rejects(reader.set('cache:1', 'x'), /NOPERM this user has no permissions to run the 'set' command/);
  } finally {
    reader.disconnect();
    admin.disconnect();
    await running.close();
  }
});

test('node-redis logs in with a username and password (HELLO 3 AUTH) and is refused with a wrong one', async () => {
  const running = await startWithUsers();
  const client = createClient({ socket: { port: running.port, host: '127.0.0.1', reconnectStrategy: false }, username: 'reader', password: 'readpw' });
  const wrong = createClient({ socket: { port: running.port, host: '127.0.0.1', reconnectStrategy: false }, username: 'reader', password: 'nope' });
  wrong.on('error', () => {});
  try {
    await client.connect();
    assert.equal(await client.get('cache:none'), null);
    await assert.rejects(client.del('cache:none'), /NOPERM/);
    await assert.rejects(wrong.connect(), /WRONGPASS invalid username-password pair or user is disabled/);
  } finally {
    await client.quit().catch(() => {});
    await wrong.disconnect().catch(() => {});
    await running.close();
  }
});

test('redis-cli --user --pass logs in as an ACL user', { skip: skipWithout('redis-cli') }, async () => {
  const running = await startWithUsers();
  try {
    const base = ['-h', '127.0.0.1', '-p', String(running.port), '--no-auth-warning'];
    const ok = await run('redis-cli', [...base, '--user', 'reader', '--pass', 'readpw', 'GET', 'cache:x']);
    assert.equal(ok.stdout, '\n');
    const denied = await run('redis-cli', [...base, '--user', 'reader', '--pass', 'readpw', 'FLUSHALL']);
    assert.equal(denied.stdout, "NOPERM this user has no permissions to run the 'flushall' command\n\n");
    const whoami = await run('redis-cli', [...base, '--user', 'default', '--pass', 'adminpw', 'ACL', 'WHOAMI']);
    assert.equal(whoami.stdout, 'default\n');
  } finally {
    await running.close();
  }
});

test('a user line with a bad rule stops start-up', async () => {
  await assert.rejects(
    startServer({ port: 0, host: '127.0.0.1', lines: [{ text: 'user bad on +nosuch', lineNumber: 1 }] }),
    /Error loading ACL rule '\+nosuch' for the user named 'bad': Unknown command or category name in ACL\nCritical error while loading ACLs. Exiting./,
  );
});

test('user lines create users as ACL SETUSER would, and a default line starts from a reset', async () => {
  const lines = ['user default on >pw ~* +@all', 'user plain on >x ~k +get'].map((text, i) => ({ text, lineNumber: i + 1 }));
  const running = await startServer({ port: 0, host: '127.0.0.1', lines });
  try {
    assert.deepEqual(running.server.acl.list(), [
      'user default on sanitize-payload #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* resetchannels +@all',
      'user plain on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~k resetchannels -@all +get',
    ]);
  } finally {
    await running.close();
  }
});
