// TCP front for Memcached: accepts connections (up to maxclients, memcached's -c) and pipes
// each socket through a MemcachedConnection, one socket write per read.

import type net from 'node:net';
import type { Server } from '../server/server.ts';
import { closeAll, listenOnAll } from '../server/tcp.ts';
import { MemcachedConnection } from './connection.ts';
import type { Front } from './session.ts';
import type { ListenerInfo } from './stats.ts';
import { MemcachedStore } from './store.ts';

export class MemcachedListener implements Front {
  readonly store: MemcachedStore;
  private readonly servers: net.Server[] = [];
  private readonly connections = new Map<net.Socket, MemcachedConnection>();
  private port = 0;
  private hosts: string[] = [];

  constructor(private readonly server: Server) {
    this.store = new MemcachedStore(server);
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

  info(): ListenerInfo {
    return { port: this.port, hosts: this.hosts, currConnections: this.connections.size };
  }

  password(): string {
    return this.server.config.get('requirepass');
  }

  private accept(socket: net.Socket): void {
    const stats = this.store.stats;
    stats.totalConnections++;
    if (this.connections.size >= this.server.config.number('maxclients')) {
      stats.rejectedConnections++;
      socket.end('ERROR Too many open connections\r\n');
      return;
    }
    const conn = new MemcachedConnection(this);
    this.connections.set(socket, conn);
    socket.on('data', (chunk: Buffer) => {
      const { out, end, destroy } = conn.feed(chunk);
      if (out !== null) socket.write(out);
      if (destroy) socket.destroy();
      else if (end) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }
}
