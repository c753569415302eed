// TCP front for the PostgreSQL wire protocol (sql-port): one PgSession per socket, replies
// written once per batch of received bytes.

import type net from 'node:net';
import { closeAll, listenOnAll } from '../../server/tcp.ts';
import type { SqlEngine } from '../engine.ts';
import { PgSession, type SessionHost } from './session.ts';

export class PgListener implements SessionHost {
  readonly processId = process.pid;
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly engine: SqlEngine,
    /** The password clients must give (requirepass); empty for none. */
    readonly password: () => string,
  ) {}

  async listen(port: number, hosts: readonly string[], backlog: number): Promise<number> {
    const bound = await listenOnAll(hosts, port, backlog, (socket) => this.accept(socket));
    this.servers.push(...bound.servers);
    return bound.port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closeAll(this.servers);
  }

  private accept(socket: net.Socket): void {
    const session = new PgSession(this);
    this.sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      const closing = session.feed(chunk);
      const out = session.out.take();
      if (out !== null) socket.write(out);
      if (closing) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
