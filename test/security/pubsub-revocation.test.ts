// Redis 7.0 closes a subscribed connection when its user loses the right to one of its
// channels (ACL SETUSER), closes every connection of a deleted or replaced user (ACL DELUSER,
// ACL LOAD), and leaves the default user's subscribers alone on ACL LOAD. The same scenario runs
// on Mnemo and on redis-server 7.0.15 and must end the same way.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { Harness } from '../helpers/harness.ts';
import { startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { referenceSkip } from '../helpers/side-by-side.ts';
import { WireConnection } from '../helpers/wire.ts';

const ACLFILE = 'user default on nopass ~* &* +@all\n';

function aclfile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mnemo-acl-')), 'users.acl');
  writeFileSync(path, ACLFILE);
  return path;
}

/** Which connections are still open after each step, e.g. "setuser-superset: A B C". */
async function scenario(port: number, aclfilePath: string): Promise<string[]> {
  const connections: WireConnection[] = [];
  const open = async (user: string | null, ...subscribe: string[][]) => {
    const connection = await WireConnection.connect(port);
    connections.push(connection);
    if (user !== null) await connection.command(['AUTH', user, 'x']);
    for (const args of subscribe) await connection.command(args);
    return connection;
  };
  const admin = await open(null);
  const outcome: string[] = [];
  const alive = async (step: string, subscribers: Record<string, WireConnection>) => {
    const names: string[] = [];
    for (const [name, connection] of Object.entries(subscribers)) {
      // PING is allowed in subscribed mode; a closed connection gives no reply.
      if ((await connection.command(['PING'])) !== null) names.push(name);
    }
    outcome.push(`${step}: ${names.join(' ')}`);
  };
  try {
    const ok = async (...args: string[]) => assert.equal((await admin.command(args))!.toString(), '+OK\r\n', args.join(' '));
    await ok('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', '&news.*', '&alerts');
    const subscribers = {
      A: await open('sub', ['SUBSCRIBE', 'news.1'], ['PSUBSCRIBE', 'news.*']),
      B: await open('sub', ['SUBSCRIBE', 'alerts']),
      C: await open('sub', ['SSUBSCRIBE', 'news.2']),
    };
    await ok('ACL', 'SETUSER', 'sub', 'resetchannels', '&news.*', '&alerts');
    await alive('same channels', subscribers);
    await ok('ACL', 'SETUSER', 'sub', 'resetchannels', '&news.1', '&news.2', '&alerts');
    await alive('pattern news.* revoked', subscribers);
    await ok('ACL', 'SETUSER', 'sub', 'resetchannels', '&news.1');
    await alive('alerts and news.2 revoked', subscribers);

    const D = await open('sub', ['SUBSCRIBE', 'news.1']);
    assert.equal((await admin.command(['ACL', 'DELUSER', 'sub']))!.toString(), ':1\r\n');
    await alive('user deleted', { D });

    await ok('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', '&*');
    const E = await open(null, ['SUBSCRIBE', 'news.1']);
    const F = await open('sub', ['SUBSCRIBE', 'news.1']);
    writeFileSync(aclfilePath, 'user default on nopass ~* &other +@all\nuser sub on nopass +@all &*\n');
    await ok('ACL', 'LOAD');
    await alive('ACL LOAD without news.1 for default', { E, F });
    return outcome;
  } finally {
    for (const connection of connections) connection.close();
  }
}

let reference: ReferenceServer | null = null;
let referenceAcl = '';
before(async () => {
  if (referenceSkip) return;
  referenceAcl = aclfile();
  reference = await startRedisReference(['--aclfile', referenceAcl]);
});
after(async () => {
  await reference?.close();
});

test('subscribers lose their connection with their channels, as in redis-server 7.0.15', { skip: referenceSkip }, async (t) => {
  const mnemoAcl = aclfile();
  const running: RunningServer = await startServer({ port: 0, host: '127.0.0.1', config: { aclfile: mnemoAcl } });
  t.after(() => running.close());
  const expected = [
    'same channels: A B C',
    'pattern news.* revoked: B C',
    'alerts and news.2 revoked: ',
    'user deleted: ',
    'ACL LOAD without news.1 for default: E',
  ];
  assert.deepEqual(await scenario(reference!.port, referenceAcl), expected);
  assert.deepEqual(await scenario(running.port, mnemoAcl), expected);
});

test('a RESP3 subscriber that revokes its own channel gets its OK before the connection closes', () => {
  const h = new Harness();
  h.run('ACL', 'SETUSER', 'self', 'on', 'nopass', '+@all', '&news');
  h.run('HELLO', '3', 'AUTH', 'self', 'x');
  h.run('SUBSCRIBE', 'news');
  assert.equal(h.run('ACL', 'SETUSER', 'self', 'resetchannels'), 'OK');
  assert.equal(h.client.closeAfterReply, true);
});
