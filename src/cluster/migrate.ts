// MIGRATE's client side: the commands (AUTH, SELECT when the target's database is not the one
// wanted, RESTORE or RESTORE-ASKING per key) go to the target in one write, and its one-line
// replies come back in order. Redis blocks the whole server for this; here the caller keeps
// writes paused meanwhile (see commands/migrate.ts).
//
// Connections are kept per target for 10 s after their last use, at most 64 of them, as Redis
// keeps them (migrate_cached_sockets): a reshard runs one MIGRATE per batch of keys, and a new
// connection for each cost both servers more than the keys did.

import { Buffer } from 'node:buffer';
import net from 'node:net';
import { ReplyWriter } from '../protocol/resp/writer.ts';

export type TransferResult = { replies: string[] } | { failed: 'connect' | 'read' };
type LinkResult = { replies: string[] } | { failed: 'connect' | 'read'; timedOut: boolean };

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 64;
const SELECT = Buffer.from('SELECT');

interface Request {
  expected: number;
  replies: string[];
  /** Index of the SELECT reply in `replies`, or -1 when none was sent. */
  selectAt: number;
  db: number;
  timer: NodeJS.Timeout;
  done(result: LinkResult): void;
}

class TargetLink {
  readonly socket: net.Socket;
  connected = false;
  /** The database the target's connection is in once the requests sent so far have run (-1: unknown). */
  selectedDb = -1;
  private readonly pending: Request[] = [];
  private received = '';
  private idleTimer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly onGone: (link: TargetLink) => void,
  ) {
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('error', () => this.fail(false));
    this.socket.on('close', () => this.fail(false));
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  send(request: Buffer, expected: number, selectAt: number, db: number, timeoutMs: number): Promise<LinkResult> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.socket.ref();
    if (selectAt >= 0) this.selectedDb = db;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fail(true), timeoutMs);
      this.pending.push({ expected, replies: [], selectAt, db, timer, done: resolve });
      this.socket.write(request);
    });
  }

  private receive(chunk: Buffer): void {
    this.received += chunk.toString('latin1');
    let end: number;
    while (this.pending.length > 0 && (end = this.received.indexOf('\r\n')) >= 0) {
      const request = this.pending[0]!;
      request.replies.push(this.received.slice(0, end));
      this.received = this.received.slice(end + 2);
      if (request.replies.length < request.expected) continue;
      this.pending.shift();
      clearTimeout(request.timer);
      // A refused SELECT leaves the connection in a database we no longer know.
      if (request.selectAt >= 0 && request.replies[request.selectAt]!.startsWith('-') && this.selectedDb === request.db) this.selectedDb = -1;
      request.done({ replies: request.replies });
    }
    if (this.pending.length === 0) this.idle();
  }

  private idle(): void {
    this.socket.unref();
    this.idleTimer = setTimeout(() => this.close(), CACHE_TTL_MS);
    this.idleTimer.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.onGone(this);
  }

  /** An error, a timeout or the peer's close: every request waiting here fails, and the link goes. */
  private fail(timedOut: boolean): void {
    const failed = this.connected ? 'read' : 'connect';
    for (const request of this.pending.splice(0)) {
      clearTimeout(request.timer);
      request.done({ failed, timedOut });
    }
    this.close();
  }
}

/** The cached connections of one server, by "host:port", least recently used first. */
export class MigrateConnections {
  private readonly links = new Map<string, TargetLink>();

  /**
   * Sends `prefix` (AUTH, or nothing), a SELECT of `db` when needed, then `restores`; resolves
   * with one reply line per command sent (the restores' replies are the last ones). A cached
   * connection that turns out to be closed is replaced once, as Redis retries once.
   */
  async transfer(host: string, port: number, prefix: readonly (readonly Buffer[])[], db: number, restores: readonly (readonly Buffer[])[], timeoutMs: number): Promise<TransferResult> {
    const key = `${host}:${port}`;
    const cached = this.links.get(key);
    let result = await this.send(key, cached ?? this.open(key, host, port), prefix, db, restores, timeoutMs);
    // A cached connection the target closed while idle fails at once, not by timing out.
    if ('failed' in result && cached !== undefined && !result.timedOut) {
      result = await this.send(key, this.open(key, host, port), prefix, db, restores, timeoutMs);
    }
    return 'failed' in result ? { failed: result.failed } : result;
  }

  private open(key: string, host: string, port: number): TargetLink {
    if (this.links.size >= CACHE_MAX) this.links.values().next().value!.close();
    const link = new TargetLink(host, port, (gone) => {
      if (this.links.get(key) === gone) this.links.delete(key);
    });
    this.links.set(key, link);
    return link;
  }

  private send(key: string, link: TargetLink, prefix: readonly (readonly Buffer[])[], db: number, restores: readonly (readonly Buffer[])[], timeoutMs: number): Promise<LinkResult> {
    // Most recently used last: the first entry is the one closed when the cache is full.
    this.links.delete(key);
    this.links.set(key, link);
    const commands: (readonly Buffer[])[] = [...prefix];
    const selectAt = link.selectedDb === db ? -1 : commands.length;
    if (selectAt >= 0) commands.push([SELECT, Buffer.from(String(db))]);
    commands.push(...restores);
    const w = new ReplyWriter();
    for (const argv of commands) {
      w.array(argv.length);
      for (const arg of argv) w.bulk(arg);
    }
    return link.send(w.take() ?? Buffer.alloc(0), commands.length, selectAt, db, timeoutMs);
  }
}
