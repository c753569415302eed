// TCP front for Memcached: accepts connections (up to maxclients, memcached's -c) and pipes
// each socket through a MemcachedConnection, writing each socket's replies once per event-loop
// turn as the Redis front does.

import type net from 'node:net';
import { MemcachedPermissions } from '../security/memcached.ts';
import type { Server } from '../server/server.ts';
import { EndOfTurn, closeAll, listenOnAll } from '../server/tcp.ts';
import { MemcachedConnection } from './connection.ts';
import type { Front } from './session.ts';
import type { ListenerInfo } from './stats.ts';
import { MemcachedStore } from './store.ts';
import { Replication } from '../replication/replication.ts';

interface Link {
  socket: net.Socket;
  conn: MemcachedConnection;
  /** Whether it waits in the end-of-turn flush list. */
  queued: boolean;
}

export class MemcachedListener implements Front {
  readonly store: MemcachedStore;
  readonly permissions: MemcachedPermissions;
  private readonly servers: net.Server[] = [];
  private readonly connections = new Map<net.Socket, Link>();
  private readonly unflushed = new EndOfTurn<Link>((link) => {
    link.queued = false;
    this.flush(link);
  });
  private port = 0;
  private hosts: string[] = [];

  constructor(private readonly server: Server) {
    this.store = new MemcachedStore(server);
    this.permissions = new MemcachedPermissions(server);
  }

  async listen(port: number, hosts: string[]): Promise<number> {
    const bound = await listenOnAll(hosts, port, this.server.config.number('tcp-backlog'), (socket) => this.accept(socket));
    this.servers.push(...bound.servers);
    this.port = bound.port;
    this.hosts = hosts;
    return bound.port;
  }

  async close(): Promise<void> {
    for (const socket of this.connections.keys()) socket.destroy();
    await closeAll(this.servers);
  }

  writeRefusal(): string | null {
    return Replication.existing(this.server)?.writeRefusal() ?? null;
  }

  info(): ListenerInfo {
    return { port: this.port, hosts: this.hosts, currConnections: this.connections.size };
  }


  private flush({ socket, conn }: Link): void {
    if (socket.destroyed) return;
    const out = conn.take();
    const last = conn.ending;
    if (out === null && !last) return;
    if (out !== null) this.server.beforeReplies();
    const defer = this.server.deferReplies;
    if (defer === null || !defer(() => this.send(socket, out, last))) this.send(socket, out, last);
  }

  private send(socket: net.Socket, out: Buffer | null, last: boolean): void {
    if (socket.destroyed) return;
    if (out !== null) socket.write(out);
    if (last) socket.end();
  }

  private accept(socket: net.Socket): void {
    const stats = this.store.stats;
    stats.totalConnections++;
    if (this.connections.size >= this.server.config.number('maxclients')) {
      stats.rejectedConnections++;
      socket.end('ERROR Too many open connections\r\n');
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const link: Link = { socket, conn: new MemcachedConnection(this, peer, `${socket.localAddress}:${socket.localPort}`), queued: false };
    this.connections.set(socket, link);
    socket.on('data', (chunk: Buffer) => {
      if (link.conn.feed(chunk)) {
        this.flush(link);
        socket.destroy();
      } else if (!link.queued) {
        link.queued = true;
        this.unflushed.add(link);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }
}
