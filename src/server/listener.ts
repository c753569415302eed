// TCP front for the Redis protocol: feeds socket bytes to a client's parser, runs the
// commands through the gate, and writes each batch of replies with one socket write.

import type net from 'node:net';
import tls from 'node:tls';
import { RespParser } from '../protocol/resp/parser.ts';
import type { Client } from './client.ts';
import type { Server } from './server.ts';
import { EndOfTurn, closeAll, listenOnAll, listenOnPath } from './tcp.ts';
import { checkOutputLimit } from './output-limits.ts';
import { protectedModeRefuses } from '../security/protected-mode.ts';
import { PROTECTED_MODE_DENIED } from '../errors.ts';

export interface Connection {
  client: Client;
  socket: net.Socket;
  parser: RespParser;
  /** When the client's unsent replies first passed the soft output limit; 0 = they are under it. */
  softLimitSince: number;
  /** A parsed command waiting for CLIENT PAUSE to end or a blocked command to be served; the ones after it stay in the parser. */
  held: Buffer[] | null;
  /** Whether the connection waits in the listener's end-of-turn flush list. */
  flushQueued: boolean;
}

export class RedisListener {
  private readonly servers: net.Server[] = [];
  private readonly tlsServers: tls.Server[] = [];
  readonly connections = new Map<number, Connection>();
  /** Connections with replies to send at the end of this event-loop turn. */
  private readonly unflushed = new EndOfTurn<Connection>((conn) => {
    conn.flushQueued = false;
    this.flush(conn);
  });

  constructor(private readonly server: Server) {
    server.onUnpause(() => {
      for (const conn of this.connections.values()) if (conn.held !== null) this.process(conn);
    });
  }

  async listen(port: number, hosts: string[]): Promise<number> {
    const bound = await listenOnAll(hosts, port, this.server.config.number('tcp-backlog'), (socket) => {
      const keepalive = this.server.config.number('tcp-keepalive');
      if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
      this.accept(socket, `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`);
    });
    this.servers.push(...bound.servers);
    return bound.port;
  }

  /**
   * The TLS port (tls-port): the same sessions over TLS. `options` come from tlsServerOptions;
   * setSecureContext replaces them on the open listeners when a tls-* setting changes.
   */
  async listenTls(port: number, hosts: string[], options: tls.TlsOptions): Promise<number> {
    const bound = await listenOnAll(
      hosts,
      port,
      this.server.config.number('tcp-backlog'),
      (socket) => {
        socket.setNoDelay(true);
        const keepalive = this.server.config.number('tcp-keepalive');
        if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
        this.accept(socket, `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`);
      },
      (handler) => tls.createServer(options, handler),
    );
    this.tlsServers.push(...(bound.servers as tls.Server[]));
    this.servers.push(...bound.servers);
    return bound.port;
  }

  setSecureContext(options: tls.TlsOptions): void {
    for (const server of this.tlsServers) server.setSecureContext(options);
  }

  /** Listens on a unix socket too; its clients' addr and laddr read "<path>:0", as in Redis. */
  async listenUnix(path: string, perm: number): Promise<void> {
    const addr = `${path}:0`;
    const server = await listenOnPath(path, perm, this.server.config.number('tcp-backlog'), (socket) => this.accept(socket, addr, addr));
    this.servers.push(server);
  }

  async close(): Promise<void> {
    for (const conn of this.connections.values()) conn.socket.destroy();
    await closeAll(this.servers);
  }

  private accept(socket: net.Socket, addr: string, laddr: string): void {
    const server = this.server;
    server.stats.connectionsReceived++;
    if (this.connections.size >= server.config.number('maxclients')) {
      server.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (protectedModeRefuses(server, socket.remoteAddress)) {
      server.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = server.createClient(addr, laddr, (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1);
    const parser = new RespParser({
      maxBulkLength: server.config.number('proto-max-bulk-len'),
      maxQueryBuffer: server.config.number('client-query-buffer-limit'),
      authenticated: () => client.authenticated,
    });
    const conn: Connection = { client, socket, parser, held: null, softLimitSince: 0, flushQueued: false };
    this.connections.set(client.id, conn);
    client.kill = () => {
      client.killed = true;
      socket.destroy();
    };
    client.wake = () => this.queueFlush(conn);
    client.resume = () => {
      if (this.connections.has(client.id)) this.process(conn);
    };
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.connections.delete(client.id);
      server.removeClient(client);
    });
  }

  private onData(conn: Connection, chunk: Buffer): void {
    const { client, parser, socket } = conn;
    const server = this.server;
    server.stats.netInputBytes += chunk.length;
    client.lastInteraction = server.keyspace.clock.now();
    parser.push(chunk);
    if (parser.overflow) {
      socket.destroy();
      return;
    }
    if (conn.held === null) this.process(conn);
  }

  /** Runs the complete commands received, stopping at one that must wait for CLIENT UNPAUSE. */
  private process(conn: Connection): void {
    const { client, parser } = conn;
    const server = this.server;
    server.beginBackToBack();
    try {
      while (!client.closeAfterReply && !client.killed) {
        const argv = conn.held ?? parser.next();
        if (argv === null) break;
        if (server.mustWait(client, argv)) {
          conn.held = argv;
          break;
        }
        conn.held = null;
        server.execute(client, argv);
      }
    } finally {
      server.endBackToBack();
    }
    if (parser.error !== null && !client.closeAfterReply && conn.held === null) {
      // Counted like any error, but not sent while CLIENT REPLY is OFF or SKIP.
      const mark = client.w.mark();
      client.w.error(parser.error);
      if (client.replyMode !== 'on') client.w.rewind(mark);
      client.closeAfterReply = true;
    }
    this.queueFlush(conn);
  }

  private queueFlush(conn: Connection): void {
    if (conn.flushQueued) return;
    conn.flushQueued = true;
    this.unflushed.add(conn);
  }

  private flush(conn: Connection): void {
    const { client, socket } = conn;
    if (client.killed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const out = client.w.take();
    if (out === null) return;
    this.server.beforeReplies();
    // As in Redis, the close comes once the last reply is written: with replies off (CLIENT
    // REPLY OFF/SKIP) there is none, and the connection stays open but no longer reads.
    const last = client.closeAfterReply;
    const defer = this.server.deferReplies;
    if (defer === null || !defer(() => this.send(conn, out, last))) this.send(conn, out, last);
  }

  private send(conn: Connection, out: Buffer, last: boolean): void {
    const { socket } = conn;
    if (socket.destroyed) return;
    this.server.stats.netOutputBytes += out.length;
    socket.write(out);
    this.enforceOutputLimit(conn);
    if (last) socket.end();
  }

  /** Closes, as Redis does, a client whose unread replies pass client-output-buffer-limit. */
  private enforceOutputLimit(conn: Connection): void {
    // Subscribed clients are of the pubsub class (Redis's getClientType).
    const limits = this.server.outputLimits;
    const limit = conn.client.pubsub === null ? limits.normal : limits.pubsub;
    if (limit.hard === 0 && limit.soft === 0) return;
    const state = checkOutputLimit(limit, conn.socket.writableLength, conn.softLimitSince, this.server.keyspace.clock.now());
    if (state >= 0) {
      conn.softLimitSince = state;
      return;
    }
    this.server.log.warning(`Client id=${conn.client.id} addr=${conn.client.addr} closed for overcoming of output buffer limits.`);
    conn.client.kill();
  }

  /** Closes clients idle for longer than `ms` (the timeout setting); blocked clients wait on. */
  closeIdle(ms: number): void {
    const now = this.server.keyspace.clock.now();
    for (const { client } of this.connections.values()) {
      if (client.blocked === null && now - client.lastInteraction > ms) client.kill();
    }
  }
}
