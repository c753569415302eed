// Text and meta behaviour that the differential suite cannot show: time (with a fake
// clock), the shared keyspace, pipelining, authentication and large values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Wire, startMnemo, textExchange } from './helpers.ts';
import { startServer } from '../../src/server/run.ts';

test('a relative exptime expires the item once its seconds have passed', () => {
  const w = new Wire();
  assert.equal(w.send('set k 0 10 1\r\nv\r\n'), 'STORED\r\n');
  w.clock.advance(9_000);
  assert.equal(w.send('get k\r\n'), 'VALUE k 0 1\r\nv\r\nEND\r\n');
  w.clock.advance(1_001);
  assert.equal(w.send('get k\r\n'), 'END\r\n');
});

test('an exptime over 30 days is an absolute Unix time', () => {
  const w = new Wire();
  const at = Math.floor(w.clock.ms / 1000) + 100;
  assert.equal(w.send(`set k 0 ${at} 1\r\nv\r\n`), 'STORED\r\n');
  assert.equal(w.send('mg k t\r\n'), 'HD t100\r\n');
  assert.equal(w.redis('TTL', 'k'), ':100\r\n');
  w.clock.advance(100_001);
  assert.equal(w.send('get k\r\n'), 'END\r\n');
});

test('touch and gat move the expiry, and exptime 0 removes it', () => {
  const w = new Wire();
  w.send('set k 0 10 1\r\nv\r\n');
  assert.equal(w.send('touch k 100\r\n'), 'TOUCHED\r\n');
  assert.equal(w.send('mg k t\r\n'), 'HD t100\r\n');
  assert.equal(w.send('gat 0 k\r\n'), 'VALUE k 0 1\r\nv\r\nEND\r\n');
  assert.equal(w.redis('TTL', 'k'), ':-1\r\n');
});

test('flush_all with a delay empties the cache only when the delay is over', () => {
  const w = new Wire();
  w.send('set a 0 0 1\r\n1\r\n');
  assert.equal(w.send('flush_all 5\r\n'), 'OK\r\n');
  w.clock.advance(4_000);
  assert.equal(w.send('get a\r\n'), 'VALUE a 0 1\r\n1\r\nEND\r\n');
  w.clock.advance(1_000);
  assert.equal(w.send('get a\r\n'), 'END\r\n');
});

test('flush_all empties database 0 only', () => {
  const w = new Wire();
  w.send('set a 0 0 1\r\n1\r\n');
  const client = w.server.createClient();
  w.server.execute(client, ['SELECT', '1'].map((a) => Buffer.from(a)));
  w.server.execute(client, ['SET', 'other', 'x'].map((a) => Buffer.from(a)));
  w.send('flush_all\r\n');
  assert.equal(w.server.keyspace.dbs[0]!.size, 0);
  assert.equal(w.server.keyspace.dbs[1]!.size, 1);
});

test('a Redis SET stores a new item with flags 0, while APPEND keeps the flags', () => {
  const w = new Wire();
  w.send('set k 42 0 1\r\na\r\n');
  w.redis('APPEND', 'k', 'b');
  assert.equal(w.send('get k\r\n'), 'VALUE k 42 2\r\nab\r\nEND\r\n');
  w.redis('SET', 'k', 'new');
  assert.equal(w.send('get k\r\n'), 'VALUE k 0 3\r\nnew\r\nEND\r\n');
});

test('Redis writes give a new CAS value, so a Memcached cas after them fails', () => {
  const w = new Wire();
  w.send('set k 0 0 1\r\na\r\n');
  const cas = /VALUE k 0 1 (\d+)/.exec(w.send('gets k\r\n'))![1]!;
  w.redis('APPEND', 'k', 'b');
  assert.equal(w.send(`cas k 0 0 1 ${cas}\r\nc\r\n`), 'EXISTS\r\n');
  assert.equal(w.send('get k\r\n'), 'VALUE k 0 2\r\nab\r\nEND\r\n');
});

test('flags are kept beside the value and survive append', () => {
  const w = new Wire();
  w.send('set k 4294967295 0 1\r\na\r\n');
  w.send('append k 0 0 1\r\nb\r\n');
  assert.equal(w.send('get k\r\n'), 'VALUE k 4294967295 2\r\nab\r\nEND\r\n');
  assert.equal(w.send('mg k f\r\n'), 'HD f4294967295\r\n');
});

test('a deep pipeline in one read is answered in order in one batch', () => {
  const w = new Wire();
  let input = '';
  let expected = '';
  for (let i = 0; i < 500; i++) {
    input += `set k${i} ${i} 0 ${String(i).length}\r\n${i}\r\nget k${i}\r\n`;
    expected += `STORED\r\nVALUE k${i} ${i} ${String(i).length}\r\n${i}\r\nEND\r\n`;
  }
  assert.equal(w.send(input), expected);
});

test('a request split across reads is answered once complete', () => {
  const w = new Wire();
  assert.equal(w.send('se'), '');
  assert.equal(w.send('t k 0 0 5\r\nhel'), '');
  assert.equal(w.send('lo\r'), '');
  assert.equal(w.send('\nget k\r\n'), 'STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n');
});

test('values past the inline size are stored, appended and read back whole', () => {
  const w = new Wire();
  const big = 'x'.repeat(100_000);
  assert.equal(w.send(`set k 0 0 ${big.length}\r\n${big}\r\n`), 'STORED\r\n');
  w.send('append k 0 0 3\r\nend\r\n');
  assert.equal(w.send('get k\r\n'), `VALUE k 0 ${big.length + 3}\r\n${big}end\r\nEND\r\n`);
});

test('memcached-max-item-size lowers the item limit', () => {
  const w = new Wire({ 'memcached-max-item-size': '2048' });
  const ok = 'x'.repeat(1000);
  const tooBig = 'x'.repeat(3000);
  assert.equal(w.send(`set a 0 0 ${ok.length}\r\n${ok}\r\n`), 'STORED\r\n');
  assert.equal(w.send(`set a 0 0 ${tooBig.length}\r\n${tooBig}\r\nget a\r\n`), 'SERVER_ERROR object too large for cache\r\nEND\r\n');
});

test('a line of more than 2048 bytes without a newline closes the connection unless it is a get', () => {
  const w = new Wire();
  assert.equal(w.send('x'.repeat(3000)), '');
  assert.equal(w.closed, true);
  const g = new Wire();
  assert.equal(g.send(`get ${'k '.repeat(1500)}`), '');
  assert.equal(g.closed, false);
  assert.equal(g.send('\r\n'), 'END\r\n');
});

test('with requirepass, text commands wait for the ASCII auth set', () => {
  const w = new Wire({ requirepass: 'pw' });
  assert.equal(w.send('get k\r\n'), 'CLIENT_ERROR unauthenticated\r\n');
  assert.equal(w.send('set auth 0 0 8\r\nuser bad\r\n'), 'CLIENT_ERROR authentication failure\r\n');
  assert.equal(w.send('set auth 0 0 7\r\nuser pw\r\n'), 'STORED\r\n');
  assert.equal(w.send('get k\r\n'), 'END\r\n');
});

test('stats groups carry the fields dashboards read', () => {
  const w = new Wire();
  w.send('set a 0 0 1\r\n1\r\nget a\r\nget b\r\n');
  const general = w.send('stats\r\n');
  for (const field of ['pid', 'uptime', 'curr_connections', 'cmd_get', 'get_hits', 'get_misses', 'curr_items', 'bytes', 'limit_maxbytes', 'evictions']) {
    assert.match(general, new RegExp(`^STAT ${field} \\S+\\r$`, 'm'));
  }
  assert.match(general, /^STAT get_hits 1\r$/m);
  assert.match(general, /^STAT get_misses 1\r$/m);
  assert.match(w.send('stats settings\r\n'), /^STAT item_size_max 1048576\r$/m);
  assert.match(w.send('stats items\r\n'), /^STAT items:1:number 1\r$/m);
  assert.match(w.send('stats slabs\r\n'), /^STAT active_slabs 1\r$/m);
  assert.equal(w.send('stats reset\r\n'), 'RESET\r\n');
  assert.match(w.send('stats\r\n'), /^STAT get_hits 0\r$/m);
});

test('meta l reports seconds since the last access and h whether it was fetched', () => {
  const w = new Wire();
  w.send('ms k 1\r\nv\r\n');
  w.clock.advance(5_000);
  assert.equal(w.send('mg k l h\r\n'), 'HD l5 h0\r\n');
  assert.equal(w.send('mg k l h\r\n'), 'HD l0 h1\r\n');
});

test('mnemo-server starts the Memcached listener when memcached-port is set', async () => {
  const probe = await startMnemo();
  const port = probe.port;
  await probe.close();
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { 'memcached-port': String(port) } });
  try {
    assert.equal(await textExchange(port, 'set k 0 0 1\r\nv\r\nget k\r\n'), 'STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\nMN\r\n');
  } finally {
    await running.close();
  }
});

test('Memcached writes count as changes since the last save, reads do not', () => {
  const w = new Wire();
  const before = w.server.dirty;
  w.send('set a 0 0 1\r\n1\r\nincr a 1\r\nappend a 0 0 1\r\n0\r\ndelete a\r\n');
  assert.equal(w.server.dirty - before, 4);
  w.send('get a\r\nadd b 0 0 1\r\n1\r\nadd b 0 0 1\r\n2\r\nappend nokey 0 0 1\r\nx\r\n');
  assert.equal(w.server.dirty - before, 5);
});
