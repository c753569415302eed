// The Memcached front under ACL users: text (ASCII auth) and binary (SASL PLAIN) logins name a
// user, and each operation is held to that user's command rules and key patterns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMnemo, textExchange, Wire } from '../memcached/helpers.ts';
import { decodeAll } from '../helpers/resp.ts';

const DENIED = 'CLIENT_ERROR NOPERM this user has no permissions for this operation or key\r\n';

/** The ASCII login: a set whose data is "<user> <password>". */
function login(user: string, password: string): string {
  const data = `${user} ${password}`;
  return `set auth 0 0 ${data.length}\r\n${data}\r\n`;
}

function withUsers(): Wire {
  const w = new Wire({ requirepass: 'adminpw' });
  assert.equal(w.server.acl.setUser('cache', ['on', '>cachepw', '%R~pub:*', '~cache:*', '+@all', '-flushall']), null);
  assert.equal(w.server.acl.setUser('reader', ['on', '>readpw', '~*', '-@all', '+get']), null);
  return w;
}

test('the ASCII login names an ACL user, whose key patterns then apply to reads and writes', () => {
  const w = withUsers();
  assert.equal(w.send(login('cache', 'wrongpass')), 'CLIENT_ERROR authentication failure\r\n');
  assert.equal(w.send(login('cache', 'adminpw')), 'CLIENT_ERROR authentication failure\r\n', "an existing user needs its own password");
  assert.equal(w.send(login('cache', 'cachepw')), 'STORED\r\n');
  assert.equal(w.send('set cache:1 0 0 1\r\nv\r\n'), 'STORED\r\n');
  assert.equal(w.send('get cache:1\r\n'), 'VALUE cache:1 0 1\r\nv\r\nEND\r\n');
  assert.equal(w.send('get pub:1\r\n'), 'END\r\n');
  assert.equal(w.send('set pub:1 0 0 1\r\nv\r\n'), DENIED, '%R~ allows reading only');
  assert.equal(w.send('get cache:1 secret\r\n'), DENIED, 'every key of a multi-get is checked');
  assert.equal(w.send('delete secret\r\n'), DENIED);
  assert.equal(w.send('mg secret v\r\n'), DENIED);
  assert.equal(w.send('flush_all\r\n'), DENIED, 'the user lacks FLUSHALL');
  assert.equal(w.send('incr cache:n 1\r\n'), 'NOT_FOUND\r\n');
});

test('a user allowed only GET can read but not write through the Memcached front', () => {
  const w = withUsers();
  const admin = w.server.createClient();
  for (const command of [['AUTH', 'adminpw'], ['SET', 'k', 'v']]) w.server.execute(admin, command.map((a) => Buffer.from(a)));
  assert.equal(w.send(login('reader', 'readpw')), 'STORED\r\n');
  assert.equal(w.send('get k\r\n'), 'VALUE k 0 1\r\nv\r\nEND\r\n');
  assert.equal(w.send('set k 0 0 1\r\nx\r\n'), DENIED);
  assert.equal(w.send('touch k 10\r\n'), DENIED);
  assert.equal(w.send('gat 10 k\r\n'), DENIED, 'gat touches too');
});

test('a name that is no ACL user logs in as the default user, with its password (requirepass)', () => {
  const w = withUsers();
  assert.equal(w.send(login('anyone', 'cachepw')), 'CLIENT_ERROR authentication failure\r\n');
  assert.equal(w.send(login('anyone', 'adminpw')), 'STORED\r\n');
  assert.equal(w.send('flush_all\r\n'), 'OK\r\n');
});

/** A binary request: header, extras, key, value. */
function binary(opcode: number, key: string, value = '', extras = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(24);
  header[0] = 0x80;
  header[1] = opcode;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  return Buffer.concat([header, extras, Buffer.from(key, 'latin1'), Buffer.from(value, 'latin1')]);
}

function status(reply: string): number {
  return Buffer.from(reply, 'latin1').readUInt16BE(6);
}

test('SASL PLAIN logs in as the user it names, and binary operations obey that user', () => {
  const w = withUsers();
  assert.equal(status(w.send(binary(0x21, 'PLAIN', '\0cache\0nope'))), 0x20);
  assert.equal(status(w.send(binary(0x21, 'PLAIN', '\0cache\0cachepw'))), 0x00);
  const setExtras = Buffer.alloc(8);
  assert.equal(status(w.send(binary(0x01, 'cache:1', 'v', setExtras))), 0x00);
  assert.equal(status(w.send(binary(0x01, 'other', 'v', setExtras))), 0x20);
  assert.equal(status(w.send(binary(0x00, 'pub:1'))), 0x01, 'a readable missing key is not found, not refused');
  assert.equal(status(w.send(binary(0x04, 'pub:1'))), 0x20);
});

test('Memcached denials and failed logins go to the ACL LOG: reason, object, user and the connection', async () => {
  const m = await startMnemo({ requirepass: 'adminpw' });
  try {
    assert.equal(m.server.acl.setUser('cache', ['on', '>cachepw', '%R~pub:*', '~cache:*', '+@all', '-flushall']), null);
    const replies = await textExchange(m.port, `${login('cache', 'nope')}${login('cache', 'cachepw')}set pub:1 0 0 1\r\nv\r\nset pub:1 0 0 1\r\nv\r\nflush_all\r\n`);
    assert.equal(replies, `CLIENT_ERROR authentication failure\r\nSTORED\r\n${DENIED}${DENIED}${DENIED}MN\r\n`);
    const admin = m.server.createClient();
    m.server.execute(admin, ['AUTH', 'adminpw'].map((a) => Buffer.from(a)));
    admin.w.take();
    m.server.execute(admin, ['ACL', 'LOG'].map((a) => Buffer.from(a)));
    const entries = (decodeAll(admin.w.take()!)[0] as unknown[][]).map((entry) => {
      const fields = new Map<string, unknown>();
      for (let i = 0; i < entry.length; i += 2) fields.set(entry[i] as string, entry[i + 1]);
      return fields;
    });
    // Newest first; the two denied sets of one key are one entry with a count.
    assert.deepEqual(
      entries.map((e) => [e.get('reason'), e.get('object'), e.get('username'), e.get('count'), e.get('context')]),
      [
        ['command', 'flushall', 'cache', 1, 'toplevel'],
        ['key', 'pub:1', 'cache', 2, 'toplevel'],
        ['auth', 'auth', 'cache', 1, 'toplevel'],
      ],
    );
    assert.match(String(entries[1]!.get('client-info')), new RegExp(`^addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${m.port} front=memcached cmd=set user=cache$`));
  } finally {
    await m.close();
  }
});
