import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

function fields(line: string): Map<string, string> {
  return new Map(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

test('CLIENT ID is the connection id, distinct per client', () => {
  const h = new Harness();
  const other = h.newClient();
  assert.equal(h.run('CLIENT', 'ID'), h.client.id);
  assert.equal(h.runAs(other, 'CLIENT', 'ID'), other.id);
  assert.notEqual(h.client.id, other.id);
});

test('CLIENT SETNAME and GETNAME; an empty name clears it; spaces are refused', () => {
  const h = new Harness();
  assert.equal(h.run('CLIENT', 'GETNAME'), null);
  assert.equal(h.run('CLIENT', 'SETNAME', 'worker-1'), 'OK');
  assert.equal(h.run('CLIENT', 'GETNAME'), 'worker-1');
  assert.equal(errorText(h.run('CLIENT', 'SETNAME', 'a b')), 'ERR Client names cannot contain spaces, newlines or special characters.');
  assert.equal(h.run('CLIENT', 'SETNAME', ''), 'OK');
  assert.equal(h.run('CLIENT', 'GETNAME'), null);
});

test('CLIENT LIST shows every client with Redis 7.0 fields in order', () => {
  const h = new Harness();
  const other = h.newClient();
  h.runAs(other, 'CLIENT', 'SETNAME', 'bob');
  h.runAs(other, 'SELECT', '3');
  const lines = (h.run('CLIENT', 'LIST') as string).split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 2);
  const bob = fields(lines.find((line) => line.includes('name=bob'))!);
  assert.deepEqual([...bob.keys()].slice(0, 28), [
    'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'qbuf-free',
    'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user', 'redir', 'resp',
  ]);
  assert.equal(bob.get('id'), String(other.id));
  assert.equal(bob.get('addr'), '127.0.0.1:50001');
  assert.equal(bob.get('db'), '3');
  assert.equal(bob.get('cmd'), 'select');
  assert.equal(bob.get('flags'), 'N');
});

test('CLIENT LIST filters by ID and TYPE, with Redis errors', () => {
  const h = new Harness();
  const other = h.newClient();
  const listed = h.run('CLIENT', 'LIST', 'ID', String(other.id), '999') as string;
  assert.equal(listed.split('\n').length, 2);
  assert.equal(fields(listed).get('id'), String(other.id));
  assert.equal((h.run('CLIENT', 'LIST', 'TYPE', 'normal') as string).split('\n').length, 3);
  assert.equal(h.run('CLIENT', 'LIST', 'TYPE', 'pubsub'), '');
  assert.equal(errorText(h.run('CLIENT', 'LIST', 'TYPE', 'foo')), "ERR Unknown client type 'foo'");
  assert.equal(errorText(h.run('CLIENT', 'LIST', 'ID', 'abc')), 'ERR Invalid client ID');
  assert.equal(errorText(h.run('CLIENT', 'LIST', 'ID')), 'ERR syntax error');
});

test('CLIENT INFO describes the caller; CLIENT LIST shows another client queueing in MULTI', () => {
  const h = new Harness();
  const other = h.newClient();
  const me = fields(h.run('CLIENT', 'INFO') as string);
  assert.equal(me.get('id'), String(h.client.id));
  assert.equal(me.get('multi'), '-1');
  assert.equal(me.get('cmd'), 'NULL');
  h.runAs(other, 'MULTI');
  h.runAs(other, 'SET', 'a', '1');
  h.runAs(other, 'GET', 'a');
  const queueing = fields(h.run('CLIENT', 'LIST', 'ID', String(other.id)) as string);
  assert.equal(queueing.get('flags'), 'x');
  assert.equal(queueing.get('multi'), '2');
});

test('CLIENT SETINFO stores the library name and version shown by CLIENT INFO', () => {
  const h = new Harness();
  assert.equal(h.run('CLIENT', 'SETINFO', 'LIB-NAME', 'ioredis'), 'OK');
  assert.equal(h.run('CLIENT', 'SETINFO', 'lib-ver', '6.0.0'), 'OK');
  const me = fields(h.run('CLIENT', 'INFO') as string);
  assert.equal(me.get('lib-name'), 'ioredis');
  assert.equal(me.get('lib-ver'), '6.0.0');
  assert.equal(errorText(h.run('CLIENT', 'SETINFO', 'foo', '1')), "ERR Unrecognized option 'foo'");
  assert.equal(errorText(h.run('CLIENT', 'SETINFO', 'lib-name', 'a b')), 'ERR lib-name cannot contain spaces, newlines or special characters.');
});

test('CLIENT NO-EVICT and NO-TOUCH set flags; other words are a syntax error', () => {
  const h = new Harness();
  assert.equal(h.run('CLIENT', 'NO-EVICT', 'on'), 'OK');
  assert.equal(h.run('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
  assert.equal(fields(h.run('CLIENT', 'INFO') as string).get('flags'), 'eT');
  assert.equal(h.client.noTouch, true);
  assert.equal(errorText(h.run('CLIENT', 'NO-EVICT', 'maybe')), 'ERR syntax error');
  h.run('CLIENT', 'NO-EVICT', 'off');
  h.run('CLIENT', 'NO-TOUCH', 'off');
  assert.equal(fields(h.run('CLIENT', 'INFO') as string).get('flags'), 'N');
});

test('CLIENT NO-TOUCH leaves the LRU clock of keys it reads alone', () => {
  const h = new Harness();
  h.run('SET', 'k', 'v');
  const db = h.server.keyspace.dbs[0]!;
  const before = db.lruOf(db.find(Buffer.from('k')));
  h.clock.advance(10_000);
  h.run('CLIENT', 'NO-TOUCH', 'on');
  h.run('GET', 'k');
  h.server.keyspace.touchKeys = false;
  assert.equal(db.lruOf(db.find(Buffer.from('k'))), before);
});

test('CLIENT KILL by ID closes that client and counts it; SKIPME protects the caller', () => {
  const h = new Harness();
  const other = h.newClient();
  assert.equal(h.run('CLIENT', 'KILL', 'ID', String(other.id)), 1);
  assert.equal(other.killed, true);
  assert.equal(h.run('CLIENT', 'KILL', 'ID', String(h.client.id)), 0);
  assert.equal(h.run('CLIENT', 'KILL', 'ID', String(h.client.id), 'SKIPME', 'no'), 1);
  assert.equal(h.client.closeAfterReply, true);
});

test('CLIENT KILL filters by ADDR, LADDR, USER and TYPE', () => {
  const h = new Harness();
  const other = h.newClient();
  assert.equal(h.run('CLIENT', 'KILL', 'ADDR', '127.0.0.1:50001'), 1);
  assert.equal(other.killed, true);
  const third = h.newClient();
  assert.equal(h.run('CLIENT', 'KILL', 'LADDR', '127.0.0.1:6379', 'USER', 'default', 'TYPE', 'normal'), 2);
  assert.equal(third.killed, true);
  assert.equal(h.client.killed, false);
});

test('CLIENT KILL ip:port kills one client or fails; bad filters get Redis errors', () => {
  const h = new Harness();
  const other = h.newClient();
  assert.equal(h.run('CLIENT', 'KILL', '127.0.0.1:50001'), 'OK');
  assert.equal(other.killed, true);
  assert.equal(errorText(h.run('CLIENT', 'KILL', '1.2.3.4:5')), 'ERR No such client');
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'ID', 'abc')), 'ERR client-id should be greater than 0');
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'foo', 'bar')), 'ERR syntax error');
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'SKIPME', 'maybe')), 'ERR syntax error');
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'ID', '999', 'SKIPME')), 'ERR syntax error');
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'TYPE', 'foo')), "ERR Unknown client type 'foo'");
  assert.equal(errorText(h.run('CLIENT', 'KILL', 'USER', 'nobody')), "ERR No such user 'nobody'");
});

test('CLIENT REPLY OFF silences replies until ON; SKIP silences only the next command', () => {
  const h = new Harness();
  assert.equal(h.raw(['CLIENT', 'REPLY', 'OFF']).length, 0);
  assert.equal(h.raw(['SET', 'a', '1']).length, 0);
  assert.equal(h.raw(['NOSUCH']).length, 0);
  assert.equal(h.run('CLIENT', 'REPLY', 'ON'), 'OK');
  assert.equal(h.raw(['CLIENT', 'REPLY', 'SKIP']).length, 0);
  assert.equal(h.raw(['GET', 'a']).length, 0);
  assert.equal(h.run('GET', 'a'), '1');
  assert.equal(errorText(h.run('CLIENT', 'REPLY', 'maybe')), 'ERR syntax error');
});

test('CLIENT PAUSE validates its arguments with Redis texts', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('CLIENT', 'PAUSE', 'abc')), 'ERR timeout is not an integer or out of range');
  assert.equal(errorText(h.run('CLIENT', 'PAUSE', '-1')), 'ERR timeout is negative');
  assert.equal(errorText(h.run('CLIENT', 'PAUSE', '10', 'maybe')), 'ERR CLIENT PAUSE mode must be WRITE or ALL');
  assert.equal(h.run('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
  assert.deepEqual(h.server.pause, { all: false, until: h.clock.ms + 100000 });
  // A weaker pause never shortens or relaxes a stronger one.
  h.run('CLIENT', 'PAUSE', '10', 'ALL');
  assert.deepEqual(h.server.pause, { all: true, until: h.clock.ms + 100000 });
  assert.equal(h.run('CLIENT', 'UNPAUSE'), 'OK');
  assert.equal(h.server.pause, null);
});

test('CLIENT HELP and unknown subcommands', () => {
  const h = new Harness();
  const help = h.run('CLIENT', 'HELP') as string[];
  assert.equal(help[0], 'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.ok(help.includes('PAUSE <timeout> [WRITE|ALL]'));
  assert.equal(errorText(h.run('CLIENT', 'NOSUCH')), "ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.");
  assert.equal(errorText(h.run('CLIENT', 'ID', 'x')), "ERR wrong number of arguments for 'client|id' command");
});

test('active expiry waits while clients are paused', () => {
  const h = new Harness();
  h.run('SET', 'a', '1', 'PX', '10');
  h.clock.advance(100);
  h.run('CLIENT', 'PAUSE', '100000', 'WRITE');
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 1);
  h.run('CLIENT', 'UNPAUSE');
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 0);
});
