// Blocking commands over real sockets: timeouts in real time, replies flushed to a served
// client, its pipelined commands held until then, disconnects, and a real client library.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { encodeCommand, WireConnection } from '../helpers/wire.ts';

let running: RunningServer;
const open: WireConnection[] = [];

before(async () => {
  running = await startServer({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  for (const conn of open) conn.close();
  await running.close();
});

async function connect(): Promise<WireConnection> {
  const conn = await WireConnection.connect(running.port);
  open.push(conn);
  return conn;
}

const text = (reply: Buffer | null) => reply?.toString('latin1');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server has `n` blocked clients, so that commands race nothing. */
async function blockedClients(n: number): Promise<void> {
  for (let i = 0; i < 100 && running.server.blocking.count !== n; i++) await sleep(5);
  assert.equal(running.server.blocking.count, n);
}

test('a fractional timeout answers a null array once it has passed', async () => {
  const conn = await connect();
  const started = Date.now();
  assert.equal(text(await conn.command(['BLPOP', 'tcp:none', '0.1'])), '*-1\r\n');
  assert.ok(Date.now() - started >= 95, `answered after ${Date.now() - started} ms`);
  assert.equal(text(await conn.command(['BLMOVE', 'tcp:none', 'tcp:dst', 'LEFT', 'LEFT', '0.05'])), '*-1\r\n');
  assert.equal(running.server.blocking.count, 0);
});

test('in RESP3 a timeout answers null', async () => {
  const conn = await connect();
  await conn.command(['HELLO', '3']);
  assert.equal(text(await conn.command(['BZPOPMIN', 'tcp:none', '0.05'])), '_\r\n');
  assert.equal(text(await conn.command(['BLMPOP', '0.05', '1', 'tcp:none', 'LEFT'])), '_\r\n');
});

test('commands pipelined after a blocked one run only once it is served', async () => {
  const waiter = await connect();
  const pusher = await connect();
  waiter.send(Buffer.concat([encodeCommand(['BLPOP', 'tcp:q', '0']), encodeCommand(['PING']), encodeCommand(['LLEN', 'tcp:q'])]));
  await blockedClients(1);
  assert.deepEqual(await waiter.repliesUntilQuiet(30), []);
  assert.equal(text(await pusher.command(['RPUSH', 'tcp:q', 'a', 'b'])), ':2\r\n');
  assert.equal(text(await waiter.reply()), '*2\r\n$5\r\ntcp:q\r\n$1\r\na\r\n');
  assert.equal(text(await waiter.reply()), '+PONG\r\n');
  assert.equal(text(await waiter.reply()), ':1\r\n');
  await pusher.command(['DEL', 'tcp:q']);
});

test('commands pipelined after a timeout run after the timeout reply', async () => {
  const conn = await connect();
  conn.send(Buffer.concat([encodeCommand(['BRPOP', 'tcp:none', '0.05']), encodeCommand(['ECHO', 'after'])]));
  assert.equal(text(await conn.reply()), '*-1\r\n');
  assert.equal(text(await conn.reply()), '$5\r\nafter\r\n');
});

test('CLIENT UNBLOCK releases a blocked client over TCP in both modes', async () => {
  const waiter = await connect();
  const admin = await connect();
  const id = text(await waiter.command(['CLIENT', 'ID']))!.slice(1).trim();
  waiter.send(Buffer.concat([encodeCommand(['BLPOP', 'tcp:u', '0']), encodeCommand(['PING'])]));
  await blockedClients(1);
  assert.equal(text(await admin.command(['CLIENT', 'UNBLOCK', id, 'TIMEOUT'])), ':1\r\n');
  assert.equal(text(await waiter.reply()), '*-1\r\n');
  assert.equal(text(await waiter.reply()), '+PONG\r\n');
  waiter.send(encodeCommand(['BZPOPMAX', 'tcp:u', '0']));
  await blockedClients(1);
  assert.equal(text(await admin.command(['CLIENT', 'UNBLOCK', id, 'ERROR'])), ':1\r\n');
  assert.equal(text(await waiter.reply()), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
});

test('a client that disconnects while blocked gets nothing and takes nothing', async () => {
  const gone = await connect();
  const pusher = await connect();
  gone.send(encodeCommand(['BLPOP', 'tcp:d', '0']));
  await blockedClients(1);
  gone.close();
  await blockedClients(0);
  assert.equal(text(await pusher.command(['RPUSH', 'tcp:d', 'kept'])), ':1\r\n');
  assert.equal(text(await pusher.command(['LPOP', 'tcp:d'])), '$4\r\nkept\r\n');
});

test('a blocked client killed by CLIENT KILL is not served by a write in the same pipeline', async () => {
  const victim = await connect();
  const admin = await connect();
  const id = text(await victim.command(['CLIENT', 'ID']))!.slice(1).trim();
  victim.send(encodeCommand(['BLPOP', 'tcp:k', '0']));
  await blockedClients(1);
  admin.send(Buffer.concat([encodeCommand(['CLIENT', 'KILL', 'ID', id]), encodeCommand(['RPUSH', 'tcp:k', 'kept'])]));
  assert.equal(text(await admin.reply()), ':1\r\n');
  assert.equal(text(await admin.reply()), ':1\r\n');
  assert.equal(text(await admin.command(['LPOP', 'tcp:k'])), '$4\r\nkept\r\n');
  assert.equal((await victim.drain(500)).data.length, 0);
});

test('ioredis workers share a queue: each job reaches exactly one worker', async () => {
  const workers = [new Redis(running.port, '127.0.0.1'), new Redis(running.port, '127.0.0.1')];
  const scheduler = new Redis(running.port, '127.0.0.1');
  const producer = new Redis(running.port, '127.0.0.1');
  try {
    const taken = workers.map((worker) => worker.brpop('tcp:jobs', 0));
    const scored = scheduler.bzpopmin('tcp:delayed', 0.5);
    await blockedClients(3);
    await producer.lpush('tcp:jobs', 'job1', 'job2');
    await producer.zadd('tcp:delayed', 1.5, 'later');
    const jobs = (await Promise.all(taken)).map((reply) => reply![1]).sort();
    assert.deepEqual(jobs, ['job1', 'job2']);
    assert.deepEqual(await scored, ['tcp:delayed', 'later', '1.5']);
    assert.equal(await producer.exists('tcp:jobs', 'tcp:delayed'), 0);
  } finally {
    for (const client of [...workers, scheduler, producer]) client.disconnect();
  }
});
