// Pipelining over TCP: many requests in one write, one request in many writes, and a client
// that outgrows the query buffer limit.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { WireConnection, encodeCommand } from '../helpers/wire.ts';
import { waitFor } from '../clients/support.ts';

let mnemo: RunningServer;
before(async () => {
  mnemo = await startServer({ port: 0, host: '127.0.0.1', config: { 'client-query-buffer-limit': '1mb' } });
});
after(() => mnemo.close());

test('thousands of pipelined commands in one write are all answered, in order', async () => {
  const conn = await WireConnection.connect(mnemo.port);
  const count = 5000;
  const requests: Buffer[] = [];
  for (let i = 0; i < count; i++) requests.push(encodeCommand(['INCR', 'counter']), Buffer.from('PING\r\n'));
  conn.send(Buffer.concat(requests));
  for (let i = 1; i <= count; i++) {
    assert.equal((await conn.reply())?.toString(), `:${i}\r\n`);
    assert.equal((await conn.reply())?.toString(), '+PONG\r\n');
  }
  conn.close();
});

test('a 900 KB value sent in small writes arrives whole', async () => {
  const conn = await WireConnection.connect(mnemo.port);
  const value = Buffer.alloc(900 * 1024);
  for (let i = 0; i < value.length; i++) value[i] = i % 251;
  const request = encodeCommand(['SET', 'big', value]);
  for (let at = 0; at < request.length; at += 50_000) conn.send(request.subarray(at, at + 50_000));
  assert.equal((await conn.reply())?.toString(), '+OK\r\n');
  const reply = (await conn.command(['GET', 'big']))!;
  const header = `$${value.length}\r\n`;
  assert.equal(reply.subarray(0, header.length).toString(), header);
  assert.ok(reply.subarray(header.length, header.length + value.length).equals(value));
  conn.close();
});

test('a client whose unparsed request passes client-query-buffer-limit is disconnected without a reply', async () => {
  const conn = await WireConnection.connect(mnemo.port);
  conn.send('*1\r\n$2000000\r\n');
  conn.send(Buffer.alloc(1100 * 1024, 0x61));
  const { data, closed } = await conn.drain(2000);
  assert.equal(data.length, 0);
  assert.equal(closed, true);
});

test('a client that disconnects halfway through a big request is forgotten', async () => {
  const before = mnemo.server.clients.size;
  const conn = await WireConnection.connect(mnemo.port);
  conn.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n');
  conn.send(Buffer.alloc(50_000, 0x61));
  const check = await WireConnection.connect(mnemo.port);
  assert.equal((await check.command(['PING']))?.toString(), '+PONG\r\n');
  assert.equal(mnemo.server.clients.size, before + 2);
  conn.close();
  await waitFor(() => mnemo.server.clients.size === before + 1, 'the server to drop the client');
  assert.equal((await check.command(['EXISTS', 'k']))?.toString(), ':0\r\n');
  check.close();
});
