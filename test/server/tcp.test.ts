// Behaviour that needs real sockets: killing connections, pausing, silenced replies, SHUTDOWN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type RunningServer } from '../../src/server/run.ts';

/** A raw RESP connection that collects everything the server sends. */
class Conn {
  received = '';
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.received += chunk.toString('latin1');
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Conn(socket)));
      socket.once('error', reject);
    });
  }

  send(...commands: string[][]): void {
    let out = '';
    for (const args of commands) {
      out += `*${args.length}\r\n`;
      for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    }
    this.socket.write(out);
  }

  /** Waits until the received text satisfies `done` (or the socket closes). */
  async until(done: (text: string) => boolean, ms = 2000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!done(this.received) && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Sends one command and returns what arrives for it, once the text ends with `expectEnd`. */
  async call(args: string[], expectEnd = '\r\n'): Promise<string> {
    const start = this.received.length;
    this.send(args);
    await this.until((text) => text.length > start && text.endsWith(expectEnd));
    return this.received.slice(start);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

async function withServer(run: (server: RunningServer) => Promise<void>): Promise<void> {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('CLIENT KILL ID closes the other connection', () =>
  withServer(async ({ port }) => {
    const a = await Conn.open(port);
    const b = await Conn.open(port);
    const idB = (await b.call(['CLIENT', 'ID'])).slice(1, -2);
    assert.equal(await a.call(['CLIENT', 'KILL', 'ID', idB]), ':1\r\n');
    await b.until(() => b.closed);
    assert.equal(b.closed, true);
    assert.equal(await a.call(['PING']), '+PONG\r\n');
    a.socket.destroy();
  }));

test('CLIENT KILL of itself replies first, then closes', () =>
  withServer(async ({ port }) => {
    const a = await Conn.open(port);
    const addr = `127.0.0.1:${a.socket.localPort}`;
    a.send(['CLIENT', 'KILL', addr], ['PING']);
    await a.until(() => a.closed);
    assert.equal(a.received, '+OK\r\n');
  }));

test('CLIENT PAUSE WRITE holds writes, in order, until UNPAUSE, while reads go on', () =>
  withServer(async ({ port }) => {
    const admin = await Conn.open(port);
    const writer = await Conn.open(port);
    assert.equal(await admin.call(['CLIENT', 'PAUSE', '100000', 'WRITE']), '+OK\r\n');
    writer.send(['SET', 'k', 'v'], ['GET', 'k']);
    await sleep(50);
    assert.equal(writer.received, '');
    assert.equal(await admin.call(['GET', 'k']), '$-1\r\n');
    assert.equal(await admin.call(['CLIENT', 'UNPAUSE']), '+OK\r\n');
    assert.equal(await writer.until((text) => text.length >= 12), '+OK\r\n$1\r\nv\r\n');
    admin.socket.destroy();
    writer.socket.destroy();
  }));

test('CLIENT PAUSE ALL holds every command, including the pauser, until the timeout', () =>
  withServer(async ({ port }) => {
    const a = await Conn.open(port);
    const started = Date.now();
    a.send(['CLIENT', 'PAUSE', '150', 'ALL'], ['PING']);
    await a.until((text) => text === '+OK\r\n+PONG\r\n');
    assert.ok(Date.now() - started >= 140, `${Date.now() - started} ms`);
    a.socket.destroy();
  }));

test('CLIENT PAUSE WRITE lets a read-only transaction run and holds a queued write', () =>
  withServer(async ({ port }) => {
    const admin = await Conn.open(port);
    const client = await Conn.open(port);
    await admin.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    assert.equal(await client.call(['MULTI']), '+OK\r\n');
    assert.equal(await client.call(['GET', 'k']), '+QUEUED\r\n');
    assert.equal(await client.call(['EXEC']), '*1\r\n$-1\r\n');
    const start = client.received.length;
    client.send(['MULTI'], ['SET', 'k', 'v'], ['EXEC']);
    await sleep(50);
    // As in Redis 7.0, the write waits even to be queued.
    assert.equal(client.received.slice(start), '+OK\r\n');
    await admin.call(['CLIENT', 'UNPAUSE']);
    await client.until((text) => text.endsWith('*1\r\n+OK\r\n'));
    assert.equal(client.received.slice(start), '+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n');
    admin.socket.destroy();
    client.socket.destroy();
  }));

test('CLIENT REPLY OFF sends nothing back until ON', () =>
  withServer(async ({ port }) => {
    const a = await Conn.open(port);
    a.send(['CLIENT', 'REPLY', 'OFF'], ['SET', 'k', 'v'], ['GET', 'k'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'k']);
    assert.equal(await a.until((text) => text.endsWith('$1\r\nv\r\n')), '+OK\r\n$1\r\nv\r\n');
    a.socket.destroy();
  }));

test('SHUTDOWN closes every connection and the listener, without a reply', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const a = await Conn.open(server.port);
  const b = await Conn.open(server.port);
  a.send(['SHUTDOWN', 'NOSAVE']);
  await a.until(() => a.closed);
  await b.until(() => b.closed);
  assert.equal(a.received, '');
  await assert.rejects(Conn.open(server.port));
  await server.close();
});
