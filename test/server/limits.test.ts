// Connection limits enforced over TCP: client-output-buffer-limit closes a client that stops
// reading its replies, and `timeout` closes idle clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../src/server/run.ts';

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

const BIG_VALUE = 'x'.repeat(1024 * 1024);

/** A client that stores a 1 MiB value, asks for it `gets` times, and does not read the replies. */
function slowReader(port: number, gets: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${BIG_VALUE.length}\r\n${BIG_VALUE}\r\n`);
  socket.write('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(gets));
  return socket;
}

test('a client that does not read its replies is closed at the hard output limit', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, config: { 'client-output-buffer-limit': 'normal 1mb 0 0' } });
  try {
    // Far more reply bytes than the kernel's socket buffers take, never read.
    const socket = slowReader(server.port, 64);
    // A paused socket does not notice the close; the server's side shows it.
    const stats = server.server.stats;
    while (stats.connectionsReceived === 0 || server.server.clients.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resume();
    await closed(socket);
    const other = net.connect(server.port, '127.0.0.1');
    const reply = await new Promise<string>((resolve) => {
      other.once('data', (data) => resolve(data.toString()));
      other.write('PING\r\n');
    });
    assert.equal(reply, '+PONG\r\n', 'the server itself goes on serving');
    other.destroy();
  } finally {
    await server.close();
  }
});

test('without output limits (the default for normal clients) a slow reader stays connected', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0 });
  try {
    const socket = slowReader(server.port, 16);
    let bytes = 0;
    // +OK, then per GET: "$1048576\r\n", the value, "\r\n".
    const expected = 5 + 16 * (BIG_VALUE.length + 12);
    await new Promise<void>((resolve, reject) => {
      socket.on('close', () => reject(new Error('closed')));
      socket.on('data', (data) => {
        bytes += data.length;
        if (bytes >= expected) resolve();
      });
      setTimeout(() => socket.resume(), 200);
    });
    assert.equal(bytes, expected);
    socket.destroy();
  } finally {
    await server.close();
  }
});

test('the timeout setting closes idle clients', { timeout: 20_000 }, async () => {
  const server = await startServer({ port: 0, config: { timeout: '1', hz: '100' } });
  try {
    const idle = net.connect(server.port, '127.0.0.1');
    const started = Date.now();
    await closed(idle);
    const waited = Date.now() - started;
    // Not before the timeout; that it happens at all, the test's own timeout checks.
    assert.ok(waited >= 1000, `closed after ${waited} ms`);
  } finally {
    await server.close();
  }
});
