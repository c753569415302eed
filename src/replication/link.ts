// The replica side: the link to this server's primary, as Redis 7.0's replica does it. The
// handshake (PING, AUTH with masteruser/masterauth, REPLCONF listening-port, REPLCONF capa eof
// capa psync2, PSYNC with our replication ID and offset), then either the RDB of a full sync
// (as `$<len>` or `$EOF:<mark>`) loaded in place of the dataset, or +CONTINUE; then the stream,
// run through the gate as the master client (no replies; allowed on a read-only replica) and
// passed on byte for byte to our own replicas. A lost link reconnects and tries PSYNC.

import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { Client } from '../server/client.ts';
import { CommandStreamEncoder } from '../server/effects.ts';
import { RespParser } from '../protocol/resp/parser.ts';
import { limitsFrom, loadRdb } from '../persistence/rdb/index.ts';
import { Expiry } from '../store/database.ts';
import type { Replication } from './replication.ts';
import { existingScripting, loadLibraryFromRdb } from '../scripting/scripting.ts';

/** Redis's repl_state, as ROLE names it. */
export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

const RECONNECT_MS = 1000;
const ACK_PERIOD_MS = 1000;
const EOF_MARK_LENGTH = 40;

/** Bytes received and not yet consumed, in one growing buffer (an RDB can be large). */
class Inbox {
  private data = Buffer.allocUnsafe(16 * 1024);
  private start = 0;
  private end = 0;
  private waiter: (() => void) | null = null;
  closed = false;

  push(chunk: Buffer): void {
    if (this.end + chunk.length > this.data.length) {
      const needed = this.end - this.start + chunk.length;
      const grown = Buffer.allocUnsafe(Math.max(needed * 2, this.data.length));
      this.data.copy(grown, 0, this.start, this.end);
      this.data = grown;
      this.end -= this.start;
      this.start = 0;
    }
    chunk.copy(this.data, this.end);
    this.end += chunk.length;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error('connection lost');
    await new Promise<void>((resolve) => (this.waiter = resolve));
    if (this.closed) throw new Error('connection lost');
  }

  /** The next line, without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const at = this.data.indexOf(0x0a, this.start);
      if (at >= 0 && at < this.end) {
        const line = this.data.toString('latin1', this.start, at > this.start && this.data[at - 1] === 0x0d ? at - 1 : at);
        this.start = at + 1;
        return line;
      }
      await this.more();
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.end - this.start < n) await this.more();
    const out = Buffer.from(this.data.subarray(this.start, this.start + n));
    this.start += n;
    return out;
  }

  /** Everything up to `mark` (consumed, not returned). */
  async upTo(mark: Buffer): Promise<Buffer> {
    let searchFrom = this.start;
    for (;;) {
      const at = this.data.subarray(0, this.end).indexOf(mark, searchFrom);
      if (at >= 0) {
        const out = Buffer.from(this.data.subarray(this.start, at));
        this.start = at + mark.length;
        return out;
      }
      searchFrom = Math.max(this.start, this.end - mark.length);
      await this.more();
    }
  }

  /** What is left, handing the socket over to the stream parser. */
  rest(): Buffer {
    const out = Buffer.from(this.data.subarray(this.start, this.end));
    this.start = this.end;
    return out;
  }
}

export class MasterLink {
  state: LinkState = 'connect';
  /** The client the primary's commands run as (CLIENT LIST flags M); null until the stream starts. */
  masterClient: Client | null = null;
  lastIo = 0;
  private socket: net.Socket | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastAck = 0;
  private readonly encoder = new CommandStreamEncoder();
  /** Stream bytes received and not yet passed on (the start of a command not yet whole, mostly). */
  private unfed: Buffer[] = [];
  private unfedLength = 0;

  constructor(
    private readonly replication: Replication,
    readonly host: string,
    readonly port: number,
  ) {}

  connect(): void {
    if (this.closed) return;
    const { server } = this.replication;
    this.state = 'connecting';
    this.lastIo = Date.now();
    server.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    const socket = net.connect(this.port, this.host);
    this.socket = socket;
    const inbox = new Inbox();
    let streaming: ((chunk: Buffer) => void) | null = null;
    socket.on('data', (chunk: Buffer) => {
      this.lastIo = Date.now();
      if (streaming !== null) streaming(chunk);
      else inbox.push(chunk);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      inbox.close();
      this.lost(socket);
    });
    socket.on('connect', () => {
      server.log.notice('MASTER <-> REPLICA sync started');
      this.handshake(socket, inbox)
        .then((parser) => {
          if (parser === null || socket.destroyed) return;
          streaming = (chunk) => this.receive(parser, chunk);
          this.receive(parser, inbox.rest());
        })
        .catch((error: Error) => {
          server.log.warning(`Error condition on socket for SYNC: ${error.message}`);
          socket.destroy();
        });
    });
  }

  private async handshake(socket: net.Socket, inbox: Inbox): Promise<RespParser | null> {
    const { server } = this.replication;
    const config = server.config;
    this.state = 'handshake';
    const send = (...argv: string[]) => socket.write(this.encoder.encode(-1, argv.map((arg) => Buffer.from(arg))));
    send('PING');
    const pong = await inbox.line();
    // As Redis: -NOAUTH and -NOPERM are fine here, AUTH follows.
    if (pong.startsWith('-') && !pong.startsWith('-NOAUTH') && !pong.startsWith('-NOPERM') && !pong.startsWith('-ERR operation not permitted')) {
      throw new Error(`Error reply to PING from master: '${pong}'`);
    }
    server.log.notice('Master replied to PING, replication can continue...');
    const masterauth = config.get('masterauth');
    if (masterauth !== '') {
      const user = config.get('masteruser');
      if (user !== '') send('AUTH', user, masterauth);
      else send('AUTH', masterauth);
      const reply = await inbox.line();
      if (reply.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${reply}`);
    }
    send('REPLCONF', 'listening-port', String(config.number('replica-announce-port') || config.number('port')));
    await inbox.line();
    // The address the primary lists us under (INFO's slaveN, ROLE, hence Sentinel) when NAT hides ours.
    const announceIp = config.get('replica-announce-ip');
    if (announceIp !== '') {
      send('REPLCONF', 'ip-address', announceIp);
      const reply = await inbox.line();
      if (reply.startsWith('-')) server.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${reply}`);
    }
    send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
    await inbox.line();
    const replication = this.replication;
    const replid = server.replId;
    // A primary handing over with FAILOVER asks the target to promote itself first.
    const failingOver = replication.failover?.state === 'failover-in-progress';
    if (failingOver) send('PSYNC', replid, String(replication.offset + 1), 'FAILOVER');
    else send('PSYNC', replid, String(replication.offset + 1));
    server.log.notice(`Trying a partial resynchronization (request ${replid}:${replication.offset + 1}).`);
    let reply = await inbox.line();
    // The primary may send newlines while it prepares the RDB.
    while (reply === '') reply = await inbox.line();
    if (failingOver) {
      if (!reply.startsWith('+CONTINUE') && !reply.startsWith('+FULLRESYNC')) {
        replication.abortFailover('Failover target rejected psync request');
        return null;
      }
      replication.endFailover();
    }
    if (reply.startsWith('+CONTINUE')) {
      const newId = reply.slice('+CONTINUE'.length).trim();
      server.log.notice('Successful partial resynchronization with master.');
      if (newId !== '') replication.continueWithId(newId);
      return this.online();
    }
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(reply);
    if (full === null) throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
    server.log.notice(`Full resync from master: ${full[1]}:${full[2]}`);
    this.state = 'sync';
    let header = await inbox.line();
    while (header === '') header = await inbox.line();
    if (!header.startsWith('$')) throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${header}')`);
    const rdb = header.startsWith('$EOF:')
      ? await inbox.upTo(Buffer.from(header.slice(5, 5 + EOF_MARK_LENGTH), 'latin1'))
      : await inbox.bytes(Number(header.slice(1)));
    server.log.notice(`MASTER <-> REPLICA sync: receiving ${rdb.length} bytes from master to disk`);
    this.load(rdb);
    replication.adoptPrimary(full[1]!, Number(full[2]));
    server.log.notice('MASTER <-> REPLICA sync: Finished with success');
    return this.online();
  }

  /** Replaces the dataset with the primary's RDB. */
  private load(rdb: Buffer): void {
    const server = this.replication.server;
    const { keyspace, config, log } = server;
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of keyspace.dbs) keyspace.flush(db);
    // The primary's libraries replace the replica's, as its keys do.
    existingScripting(server)?.flushFunctions();
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    loadRdb(keyspace, rdb, {
      limits: limitsFrom(config),
      checksum: config.bool('rdbchecksum'),
      now: null,
      warn: (message) => log.warning(message),
      loadFunction: (code) => loadLibraryFromRdb(server, code),
    });
  }

  private online(): RespParser {
    const { server } = this.replication;
    const client = server.createClient(`${this.host}:${this.port}`);
    client.authenticated = true;
    // The primary's stream is applied unchecked, as Redis runs its master client with no user.
    client.user = server.acl.internalUser;
    client.replication = 'master';
    client.kill = () => this.socket?.destroy();
    this.masterClient = client;
    this.unfed = [];
    this.unfedLength = 0;
    this.state = 'connected';
    this.replication.linkDownSince = 0;
    this.lastAck = 0;
    this.sendAck();
    return new RespParser({ maxBulkLength: Number.MAX_SAFE_INTEGER, maxQueryBuffer: Number.MAX_SAFE_INTEGER });
  }

  /**
   * Runs the primary's commands as they arrive, and passes their bytes on as received (not
   * encoded again): after each chunk, the bytes of the whole commands in it; before a GETACK's
   * answer, the bytes of the commands before it, so the ACK counts exactly those.
   */
  private receive(parser: RespParser, chunk: Buffer): void {
    const client = this.masterClient;
    if (client === null) return;
    const server = this.replication.server;
    parser.push(chunk);
    this.unfed.push(chunk);
    this.unfedLength += chunk.length;
    // Unfed bytes that the commands run so far took: right after a whole command the parser
    // holds nothing of it, so all but its pending bytes are taken.
    let taken = 0;
    // As a client's pipeline in listener.ts: each command's start is the previous one's end.
    server.beginBackToBack();
    try {
      for (let argv = parser.next(); argv !== null; argv = parser.next()) {
        const before = taken;
        taken = this.unfedLength - parser.pendingBytes;
        if (isGetack(argv)) {
          this.passOn(before);
          taken -= before;
          this.sendAck();
        } else {
          // The primary's commands see the keys it saw: none has expired before its DEL comes.
          server.keyspace.expiry = Expiry.Ignore;
          try {
            server.execute(client, argv);
          } finally {
            server.keyspace.expiry = Expiry.Hide;
          }
          client.w.take();
        }
      }
    } finally {
      server.endBackToBack();
    }
    this.passOn(taken);
    if (parser.error !== null) {
      server.log.warning(`Protocol error from MASTER: ${parser.error}`);
      this.socket?.destroy();
    }
  }

  /** Feeds the first `n` unfed bytes to this server's own stream (offset, backlog, replicas). */
  private passOn(n: number): void {
    this.unfedLength -= n;
    while (n > 0) {
      const head = this.unfed[0]!;
      if (head.length <= n) {
        this.unfed.shift();
        this.replication.feed(head);
        n -= head.length;
      } else {
        this.unfed[0] = head.subarray(n);
        this.replication.feed(head.subarray(0, n));
        n = 0;
      }
    }
  }

  private sendAck(): void {
    this.lastAck = Date.now();
    this.socket?.write(this.encoder.encode(-1, [Buffer.from('REPLCONF'), Buffer.from('ACK'), Buffer.from(String(this.replication.offset))]));
  }

  /** Once a second, REPLCONF ACK (the primary's lag and WAIT read it); a silent primary is dropped after repl-timeout. */
  cron(now: number, timeoutMs: number): void {
    if (this.socket === null) return;
    if (now - this.lastIo > timeoutMs) {
      this.replication.server.log.warning('MASTER timeout: no data nor PING received...');
      this.socket.destroy();
      return;
    }
    if (this.state === 'connected' && now - this.lastAck >= ACK_PERIOD_MS) this.sendAck();
  }

  private lost(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    const { server } = this.replication;
    if (this.masterClient !== null) {
      server.removeClient(this.masterClient);
      this.masterClient = null;
      server.log.notice('Connection with master lost.');
      this.replication.linkDownSince = Date.now();
    }
    this.state = 'connect';
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => this.connect(), RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    if (this.masterClient !== null) {
      this.replication.server.removeClient(this.masterClient);
      this.masterClient = null;
    }
    socket?.destroy();
    if (this.state === 'connected') this.replication.linkDownSince = Date.now();
    this.state = 'connect';
  }
}

function isGetack(argv: readonly Buffer[]): boolean {
  return argv.length >= 2 && argv[0]!.length === 8 && argv[0]!.toString('latin1').toLowerCase() === 'replconf' && argv[1]!.toString('latin1').toLowerCase() === 'getack';
}
