// TCP front for Memcached: each connection speaks text/meta or binary, chosen by its first
// byte as memcached does; every request of one read is answered in one socket write.

import net from 'node:net';
import { BinaryParser, REQUEST_MAGIC } from '../protocol/memcached/binary.ts';
import { OutBuffer } from '../protocol/memcached/out.ts';
import { TextParser } from '../protocol/memcached/text.ts';
import type { Server } from '../server/server.ts';
import { runBinary } from './binary.ts';
import type { Front, Session } from './session.ts';
import type { ListenerInfo } from './stats.ts';
import { MemcachedStore } from './store.ts';
import { runText } from './text.ts';

/** Binary bodies up to this many item sizes are read (so a too-large item gets its error). */
const BINARY_BODY_ITEMS = 2;

interface Connection {
  socket: net.Socket;
  session: Session;
  text: TextParser | null;
  binary: BinaryParser | null;
}

export class MemcachedListener implements Front {
  readonly store: MemcachedStore;
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private port = 0;
  private hosts: string[] = [];

  constructor(private readonly server: Server) {
    this.store = new MemcachedStore(server);
  }

  async listen(port: number, hosts: string[]): Promise<number> {
    let boundPort = port;
    for (const host of hosts) {
      const tcp = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: boundPort, host, backlog: this.server.config.number('tcp-backlog') }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      boundPort = (tcp.address() as net.AddressInfo).port;
      this.servers.push(tcp);
    }
    this.port = boundPort;
    this.hosts = hosts;
    return boundPort;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
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
    const conn: Connection = {
      socket,
      session: { out: new OutBuffer(), authenticated: this.password() === '', closing: false },
      text: null,
      binary: null,
    };
    this.connections.add(conn);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(conn));
  }

  private onData(conn: Connection, chunk: Buffer): void {
    const { session, socket } = conn;
    if (session.closing) return;
    this.store.stats.bytesRead += chunk.length;
    const maxItemSize = this.server.config.number('memcached-max-item-size');
    if (conn.text === null && conn.binary === null) {
      if (chunk[0] === REQUEST_MAGIC) conn.binary = new BinaryParser(maxItemSize * BINARY_BODY_ITEMS);
      else conn.text = new TextParser(maxItemSize);
    }
    let broken = false;
    try {
      if (conn.text !== null) {
        const parser = conn.text;
        parser.push(chunk);
        while (!session.closing) {
          const request = parser.next();
          if (request === null) break;
          runText(this, session, request);
        }
        broken = parser.closed;
      } else {
        const parser = conn.binary!;
        parser.push(chunk);
        while (!session.closing) {
          const request = parser.next();
          if (request === null) break;
          runBinary(this, session, request);
        }
        broken = parser.closed;
      }
    } catch (error) {
      // A bug must not take the server down: answer it and drop the connection.
      session.out.ascii(`SERVER_ERROR ${error instanceof Error ? error.message : String(error)}`).crlf();
      session.closing = true;
      console.error(error);
    }
    const out = session.out.take();
    if (out !== null) {
      this.store.stats.bytesWritten += out.length;
      socket.write(out);
    }
    if (broken) socket.destroy();
    else if (session.closing) socket.end();
  }
}
