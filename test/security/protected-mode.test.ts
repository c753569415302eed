// Protected mode: with no password on the default user, a client that is not on the loopback
// interface gets Redis's DENIED line and is closed; loopback and unix-socket clients are served.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { Server } from '../../src/server/server.ts';
import { RedisListener } from '../../src/server/listener.ts';
import { isLoopback, protectedModeRefuses } from '../../src/security/protected-mode.ts';
import { PROTECTED_MODE_DENIED } from '../../src/errors.ts';

test('loopback addresses, IPv4-mapped ones included, and unix sockets count as local', () => {
  assert.ok(isLoopback('127.0.0.1'));
  assert.ok(isLoopback('127.8.9.10'));
  assert.ok(isLoopback('::1'));
  assert.ok(isLoopback('::ffff:127.0.0.1'));
  assert.ok(isLoopback(undefined));
  assert.ok(!isLoopback('10.0.0.5'));
  assert.ok(!isLoopback('::ffff:192.168.1.2'));
  assert.ok(!isLoopback('fe80::1'));
});

test('protected mode refuses remote clients only while it is on and the default user has no password', () => {
  const server = new Server();
  assert.ok(protectedModeRefuses(server, '10.0.0.5'));
  assert.ok(!protectedModeRefuses(server, '127.0.0.1'));
  server.config.set('requirepass', 'pw');
  assert.ok(!protectedModeRefuses(server, '10.0.0.5'));
  server.config.set('requirepass', '');
  server.acl.setUser('default', ['>pw']);
  assert.ok(!protectedModeRefuses(server, '10.0.0.5'), 'a password given by ACL SETUSER counts too');
  server.acl.setUser('default', ['nopass']);
  server.config.set('protected-mode', 'no');
  assert.ok(!protectedModeRefuses(server, '10.0.0.5'));
});

/** Just enough of a socket for the listener's accept path. */
class FakeSocket extends EventEmitter {
  written = '';
  ended = false;
  constructor(readonly remoteAddress: string) {
    super();
  }
  end(data: string): void {
    this.written += data;
    this.ended = true;
  }
  setKeepAlive(): void {}
  destroy(): void {}
}

test('a refused client gets the DENIED line, is closed, and counts as a rejected connection', () => {
  const server = new Server();
  const listener = new RedisListener(server);
  const accept = (listener as unknown as { accept(socket: net.Socket, addr: string, laddr: string): void }).accept.bind(listener);
  const remote = new FakeSocket('10.0.0.5');
  accept(remote as unknown as net.Socket, '10.0.0.5:40000', '10.0.0.1:6379');
  assert.equal(remote.written, PROTECTED_MODE_DENIED);
  assert.ok(remote.ended);
  assert.equal(server.stats.rejectedConnections, 1);
  assert.equal(server.clients.size, 0);
  const local = new FakeSocket('127.0.0.1');
  accept(local as unknown as net.Socket, '127.0.0.1:40001', '127.0.0.1:6379');
  assert.equal(local.written, '');
  assert.equal(server.clients.size, 1);
});
