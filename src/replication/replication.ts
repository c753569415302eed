// Redis's replication, both sides, as one server's state: the replication ID and offset (and
// the previous ID kept across a promotion, PSYNC2), the backlog, the replicas attached to this
// server (primary side) and the link to its own primary (replica side, link.ts).
//
// The stream a replica receives is the propagation stream (effects.ts) in RESP, with SELECTs,
// plus a PING every repl-ping-replica-period. master_repl_offset counts its bytes. A replica
// passes on to its own replicas exactly the bytes its primary sent, so offsets agree along a
// chain and after a promotion.

import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.ts';
import { CommandStreamEncoder } from '../server/effects.ts';
import type { Server } from '../server/server.ts';
import { Flag, type RegisteredCommand } from '../commands/registry.ts';
import { ReplyWriter } from '../protocol/resp/writer.ts';
import { RdbSnapshot } from '../persistence/rdb/index.ts';
import { randomHex } from '../server/rates.ts';
import { Expiry } from '../store/database.ts';
import { Backlog } from './backlog.ts';
import { MasterLink } from './link.ts';

export const NO_REPLID = '0000000000000000000000000000000000000000';
export const READONLY_REPLICA = "READONLY You can't write against a read only replica.";
export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/** Whether `cmd` (each command EXEC would run, for EXEC) has the property. */
function allQueued(client: Client, cmd: RegisteredCommand, property: (queued: RegisteredCommand) => boolean): boolean {
  if (cmd.spec.name === 'exec' && client.multi !== null) return client.multi.every((q) => property(q.cmd));
  return property(cmd);
}

/** A replica attached to this server (Redis's slave client). */
export interface AttachedReplica {
  client: Client;
  /** REPLCONF listening-port (0 if not told). */
  port: number;
  /** REPLCONF ip-address, or the connection's address. */
  ip: string;
  /** The offset of its last REPLCONF ACK. */
  ackOffset: number;
  /** When it last sent REPLCONF ACK, ms. */
  ackTime: number;
  /** INFO's state: send_bulk while its RDB is being written, then online. */
  state: 'send_bulk' | 'online';
  /** Stream bytes that follow its RDB, held until the RDB has gone; null once online. */
  pending: Buffer[] | null;
}

/** A FAILOVER under way: the replica to hand over to (null: the first that catches up). */
export interface PlannedFailover {
  state: 'waiting-for-sync' | 'failover-in-progress';
  target: { host: string; port: number } | null;
  /** When waiting-for-sync gives up (or, with force, fails over anyway), ms; 0: never. */
  endTime: number;
  force: boolean;
}

/** What a replica said with REPLCONF before its PSYNC. */
interface Handshake {
  port: number;
  ip: string | null;
  capaEof: boolean;
  capaPsync2: boolean;
}

/** A client that waits in WAIT for `count` replicas to acknowledge `offset`. */
interface Waiter {
  client: Client;
  offset: number;
  count: number;
  timer: NodeJS.Timeout | null;
  done: (acked: number) => void;
}

/** What a full sync's snapshot writes per event-loop turn: commands run between the steps. */
const SNAPSHOT_STEP_BYTES = 128 * 1024;
const LONGEST_TIMER_MS = 2 ** 31 - 1;
const PING = [Buffer.from('PING')];
const REPLCONF_GETACK = [Buffer.from('REPLCONF'), Buffer.from('GETACK'), Buffer.from('*')];

const byServer = new WeakMap<Server, Replication>();

export class Replication {
  /** master_replid2 and second_repl_offset: the ID this server had before its last promotion. */
  replid2 = NO_REPLID;
  secondOffset = -1;
  /** master_repl_offset when there is no backlog yet (a replica's, a primary's before any replica). */
  private bareOffset = 0;
  backlog: Backlog | null = null;
  readonly replicas: AttachedReplica[] = [];
  /** The link to this server's primary; null while it is a primary. */
  link: MasterLink | null = null;
  /** When the link to the primary was last lost (master_link_down_since_seconds), ms; 0 if it never was up. */
  linkDownSince = 0;
  stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  /** A FAILOVER under way (INFO's master_failover_state), or null. */
  failover: PlannedFailover | null = null;
  private readonly handshakes = new WeakMap<Client, Handshake>();
  private readonly encoder = new CommandStreamEncoder();
  /**
   * This turn's propagated commands, encoded as they come and fed at the end of the turn (or
   * before anything else reaches the stream): one backlog append and one copy per replica
   * for a turn's writes, not for each.
   */
  private readonly turn = new ReplyWriter();
  private turnQueued = false;
  private stopListening: (() => void) | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  private lastPing = 0;
  private waiters: Waiter[] = [];

  static of(server: Server): Replication {
    let replication = byServer.get(server);
    if (replication === undefined) {
      replication = new Replication(server);
      byServer.set(server, replication);
    }
    return replication;
  }

  static existing(server: Server): Replication | null {
    return byServer.get(server) ?? null;
  }

  private constructor(readonly server: Server) {
    // In Redis's order: NOREPLICAS or READONLY for writes, then MASTERDOWN on a stale replica.
    server.addCheck((client, cmd) => {
      const link = this.link;
      if (link === null ? server.config.number('min-replicas-to-write') === 0 : client === link.masterClient) return null;
      if (!allQueued(client, cmd, (queued) => !queued.has(Flag.Write))) {
        const refused = this.writeRefusal();
        if (refused !== null) return refused;
      }
      const stale = link !== null && link.state !== 'connected' && !server.config.bool('replica-serve-stale-data');
      return stale && !allQueued(client, cmd, (queued) => queued.has(Flag.Stale)) ? MASTERDOWN : null;
    });
    server.onClientRemoved((client) => this.detach(client));
    server.config.onChange((name, value) => {
      if (name === 'repl-backlog-size') this.backlog?.resize(Number(value));
    });
  }

  /** Start-up: `replicaof` in the configuration makes this server a replica at once. */
  startup(): void {
    const words = this.server.config.get('replicaof').split(/\s+/).filter(Boolean);
    if (words.length === 2) this.replicaOf(words[0]!, Number(words[1]));
  }

  /**
   * Why a client's write is refused now, or null: READONLY on a read-only replica, NOREPLICAS on
   * a primary with fewer than min-replicas-to-write replicas that acknowledged within
   * min-replicas-max-lag seconds. Also asked by the Memcached front.
   */
  writeRefusal(): string | null {
    const config = this.server.config;
    if (this.link !== null) return config.bool('replica-read-only') ? READONLY_REPLICA : null;
    const wanted = config.number('min-replicas-to-write');
    const maxLag = config.number('min-replicas-max-lag');
    return wanted === 0 || maxLag === 0 || this.goodReplicas(maxLag) >= wanted ? null : NOREPLICAS;
  }

  /** Online replicas whose last REPLCONF ACK is at most `maxLag` seconds old (Redis's repl_good_slaves_count). */
  goodReplicas(maxLag: number): number {
    const now = Date.now();
    return this.replicas.reduce((n, replica) => n + (replica.state === 'online' && Math.floor((now - replica.ackTime) / 1000) <= maxLag ? 1 : 0), 0);
  }

  get role(): 'master' | 'slave' {
    return this.link === null ? 'master' : 'slave';
  }

  /** master_repl_offset */
  get offset(): number {
    return (this.backlog?.end ?? this.bareOffset) + this.turn.pendingLength;
  }

  // ---- the stream ------------------------------------------------------------------------------

  /** Appends stream bytes: to the backlog and to every attached replica. */
  feed(bytes: Buffer): void {
    this.feedTurn();
    this.append(bytes);
  }

  /** Feeds the commands of this turn so far; the backlog and the replicas then hold the whole stream. */
  readonly feedTurn = (): void => {
    this.turnQueued = false;
    const bytes = this.turn.take();
    if (bytes !== null) this.append(bytes);
  };

  private append(bytes: Buffer): void {
    if (this.backlog !== null) this.backlog.append(bytes);
    else this.bareOffset += bytes.length;
    for (const replica of this.replicas) {
      if (replica.pending !== null) replica.pending.push(bytes);
      else {
        replica.client.w.raw(bytes);
        replica.client.wake();
      }
    }
  }

  /** Starts the backlog (at the first replica, as Redis): from then on writes are counted. */
  private ensureBacklog(): void {
    if (this.backlog !== null) return;
    this.backlog = new Backlog(this.server.config.number('repl-backlog-size'), this.offset);
    this.listen();
    this.startCron();
  }

  private listen(): void {
    if (this.stopListening !== null) return;
    this.stopListening = this.server.effects.onPropagate((db, argv) => {
      // A replica passes on its primary's bytes (link.ts), not what its own commands did.
      if (this.link !== null) return;
      this.encoder.write(this.turn, db, argv);
      if (this.turnQueued) return;
      this.turnQueued = true;
      setImmediate(this.feedTurn);
    });
  }

  private startCron(): void {
    if (this.cronTimer !== null) return;
    this.cronTimer = setInterval(() => this.cron(), 100);
    this.cronTimer.unref();
  }

  stop(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.link?.close();
    for (const waiter of this.waiters.splice(0)) this.endWait(waiter);
  }

  private cron(): void {
    const now = Date.now();
    const timeoutMs = this.server.config.number('repl-timeout') * 1000;
    this.link?.cron(now, timeoutMs);
    for (const replica of [...this.replicas]) {
      if (replica.state !== 'online' || now - replica.ackTime <= timeoutMs) continue;
      this.server.log.warning(`Disconnecting timedout replica (streaming sync): ${replica.ip}:${replica.port}`);
      replica.client.kill();
    }
    this.updateFailover(now);
    const period = this.server.config.number('repl-ping-replica-period') * 1000;
    if (this.link === null && this.replicas.length > 0 && now - this.lastPing >= period) {
      this.lastPing = now;
      this.feed(this.encoder.encode(-1, PING));
    }
  }

  // ---- primary side -------------------------------------------------------------------------

  /** REPLCONF listening-port / ip-address / capa, before PSYNC. */
  handshakeOf(client: Client): Handshake {
    let handshake = this.handshakes.get(client);
    if (handshake === undefined) {
      handshake = { port: 0, ip: null, capaEof: false, capaPsync2: false };
      this.handshakes.set(client, handshake);
    }
    return handshake;
  }

  /**
   * PSYNC replid offset (SYNC: no replid): +CONTINUE and the missing bytes when the backlog
   * holds them, otherwise +FULLRESYNC and an RDB of the dataset as of now, then the stream.
   */
  sync(client: Client, replid: string | null, wanted: number): void {
    this.feedTurn();
    const handshake = this.handshakeOf(client);
    if (replid !== null && this.canContinue(replid, wanted - 1)) {
      const w = client.w;
      w.raw(Buffer.from(handshake.capaPsync2 ? `+CONTINUE ${this.server.replId}\r\n` : '+CONTINUE\r\n'));
      const missing = this.backlog!.from(wanted - 1);
      if (missing.length > 0) w.raw(missing);
      this.stats.syncPartialOk++;
      this.server.log.notice(`Partial resynchronization request from ${client.addr} accepted. Sending ${missing.length} bytes of backlog starting from offset ${wanted}.`);
      this.attach(client, handshake);
      return;
    }
    if (replid !== null && replid !== '?') this.stats.syncPartialErr++;
    this.stats.syncFull++;
    this.ensureBacklog();
    // The replica starts with no database selected: the next command comes with a SELECT.
    this.encoder.forgetSelection();
    const offset = this.offset;
    if (replid !== null) client.w.raw(Buffer.from(`+FULLRESYNC ${this.server.replId} ${offset}\r\n`));
    const replica = this.attach(client, handshake);
    replica.state = 'send_bulk';
    replica.pending = [];
    this.sendSnapshot(replica, handshake.capaEof);
  }

  /**
   * Writes the dataset as of now to a replica, a step per event-loop turn so commands go on
   * meanwhile (the snapshot keeps to the instant it began): streamed as it is made after
   * `$EOF:<mark>`, or gathered first when the replica needs the length up front. Then the
   * stream bytes held since, and the replica is online.
   */
  private sendSnapshot(replica: AttachedReplica, eofForm: boolean): void {
    const { client } = replica;
    const w = client.w;
    const mark = randomBytes(20).toString('hex');
    const gathered: Buffer[] = [];
    let length = 0;
    if (eofForm) w.raw(Buffer.from(`$EOF:${mark}\r\n`));
    const snapshot = new RdbSnapshot(this.server.keyspace, this.server.persistence.saveOptions(), (chunk) => {
      if (eofForm) {
        w.raw(chunk);
        client.wake();
      } else {
        gathered.push(chunk);
        length += chunk.length;
      }
    });
    const step = () => {
      if (!this.replicas.includes(replica)) return snapshot.abort();
      if (!snapshot.step(SNAPSHOT_STEP_BYTES)) {
        setImmediate(step);
        return;
      }
      if (eofForm) w.raw(Buffer.from(mark));
      else {
        w.raw(Buffer.from(`$${length}\r\n`));
        for (const chunk of gathered) w.raw(chunk);
      }
      for (const bytes of replica.pending!) w.raw(bytes);
      replica.pending = null;
      replica.state = 'online';
      replica.ackTime = Date.now();
      client.wake();
      this.server.log.notice(`Synchronization with replica ${client.addr} succeeded`);
    };
    step();
  }

  /** Whether the bytes from `from` (0-based) of stream `replid` are all in the backlog. */
  private canContinue(replid: string, from: number): boolean {
    const backlog = this.backlog;
    if (backlog === null) return false;
    if (replid !== this.server.replId && (replid !== this.replid2 || from + 1 > this.secondOffset)) return false;
    return backlog.covers(from);
  }

  private attach(client: Client, handshake: Handshake): AttachedReplica {
    client.replication = 'replica';
    this.ensureBacklog();
    const ip = handshake.ip ?? client.addr.slice(0, client.addr.lastIndexOf(':'));
    const replica: AttachedReplica = { client, port: handshake.port, ip, ackOffset: 0, ackTime: Date.now(), state: 'online', pending: null };
    this.replicas.push(replica);
    return replica;
  }

  private detach(client: Client): void {
    const at = this.replicas.findIndex((replica) => replica.client === client);
    if (at >= 0) this.replicas.splice(at, 1);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.client !== client) return true;
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      return false;
    });
  }

  /** REPLCONF ACK from an attached replica. */
  acknowledged(client: Client, offset: number): void {
    const replica = this.replicas.find((r) => r.client === client);
    if (replica === undefined) return;
    if (offset > replica.ackOffset) replica.ackOffset = offset;
    replica.ackTime = Date.now();
    if (this.waiters.length > 0) this.serveWaiters();
    if (this.failover !== null) this.updateFailover(Date.now());
  }

  /** Closes every attached replica's link: they reconnect and learn a new replication ID. */
  disconnectReplicas(): void {
    for (const replica of [...this.replicas]) replica.client.kill();
  }

  // ---- WAIT ---------------------------------------------------------------------------------

  /** Replicas that acknowledged `offset`. */
  ackedBy(offset: number): number {
    return this.replicas.reduce((n, replica) => n + (replica.ackOffset >= offset ? 1 : 0), 0);
  }

  /** WAIT: `done` gets the count once `count` replicas acknowledged `offset`, or at the timeout (0 = none). */
  wait(client: Client, offset: number, count: number, timeoutMs: number, done: (acked: number) => void): void {
    const waiter: Waiter = { client, offset, count, timer: null, done };
    if (timeoutMs > 0) waiter.timer = setTimeout(() => this.endWait(waiter), timeoutMs);
    this.waiters.push(waiter);
    this.requestAcks();
  }

  /** Asks the replicas for their offsets (REPLCONF GETACK *), as Redis does before it sleeps while clients WAIT. */
  private requestAcks(): void {
    if (this.replicas.length === 0 || this.link !== null) return;
    this.feed(this.encoder.encode(-1, REPLCONF_GETACK));
  }

  private serveWaiters(): void {
    for (const waiter of [...this.waiters]) if (this.ackedBy(waiter.offset) >= waiter.count) this.endWait(waiter);
  }

  private endWait(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter);
    if (at < 0) return;
    this.waiters.splice(at, 1);
    if (waiter.timer !== null) clearTimeout(waiter.timer);
    waiter.done(this.ackedBy(waiter.offset));
  }

  // ---- FAILOVER -----------------------------------------------------------------------------

  /** The attached replica listed as host:port (its announced address, as FAILOVER TO names it). */
  findReplica(host: string, port: number): AttachedReplica | undefined {
    return this.replicas.find((replica) => replica.ip.toLowerCase() === host.toLowerCase() && replica.port === port);
  }

  /**
   * FAILOVER: writes wait (a write pause) until the target, or the first replica, acknowledged
   * the whole stream; then this server becomes its replica with PSYNC ... FAILOVER (link.ts),
   * which makes the target promote itself first. `timeoutMs` 0: no timeout.
   */
  startFailover(target: { host: string; port: number } | null, timeoutMs: number, force: boolean): void {
    const log = this.server.log;
    log.notice(target === null ? 'FAILOVER requested to any replica.' : `FAILOVER requested to ${target.host}:${target.port}.`);
    this.failover = { state: 'waiting-for-sync', target, endTime: timeoutMs > 0 ? Date.now() + timeoutMs : 0, force };
    // Until the failover ends: the longest pause a Node timer can time (about 24 days).
    this.server.pauseClients(false, this.server.keyspace.clock.now() + LONGEST_TIMER_MS);
    this.requestAcks();
  }

  /** Redis's updateFailoverStatus: fails over once the target caught up, or gives up at the timeout. */
  private updateFailover(now: number): void {
    const failover = this.failover;
    if (failover === null || failover.state !== 'waiting-for-sync') return;
    if (failover.endTime !== 0 && failover.endTime <= now) {
      if (!failover.force) return this.abortFailover('Replica never caught up before timeout');
      this.server.log.notice(`FAILOVER to ${failover.target!.host}:${failover.target!.port} time out exceeded, failing over.`);
      return this.failOverTo(failover.target!);
    }
    const offset = this.offset;
    const synced = failover.target === null
      ? this.replicas.find((replica) => replica.ackOffset === offset)
      : this.findReplica(failover.target.host, failover.target.port);
    if (synced === undefined || synced.ackOffset !== offset) return;
    const target = failover.target ?? { host: synced.ip, port: synced.port };
    this.server.log.notice(`Failover target ${target.host}:${target.port} is synced, failing over.`);
    this.failOverTo(target);
  }

  private failOverTo(target: { host: string; port: number }): void {
    this.failover = { ...this.failover!, state: 'failover-in-progress', target };
    this.replicaOf(target.host, target.port);
  }

  /** The target answered our PSYNC ... FAILOVER: the failover is done, writes go on (and get READONLY). */
  endFailover(): void {
    this.failover = null;
    this.server.unpauseClients();
  }

  abortFailover(reason: string): void {
    const failover = this.failover;
    if (failover === null) return;
    const target = failover.target === null ? 'any replica' : `${failover.target.host}:${failover.target.port}`;
    this.server.log.notice(`FAILOVER to ${target} aborted: ${reason}`);
    if (failover.state === 'failover-in-progress') this.promote();
    this.endFailover();
  }

  // ---- replica side -------------------------------------------------------------------------

  /** REPLICAOF host port: drops the current link (if any) and connects to the new primary. */
  replicaOf(host: string, port: number): void {
    this.feedTurn();
    this.link?.close();
    this.disconnectReplicas();
    this.ensureBacklog();
    // CONFIG GET and CONFIG REWRITE show the primary this server follows now, as Redis's do.
    this.server.config.set('replicaof', `${host} ${port}`, true);
    this.server.keyspace.expiry = Expiry.Hide;
    this.link = new MasterLink(this, host, port);
    this.startCron();
    this.link.connect();
  }

  /** REPLICAOF NO ONE: a promotion. The old ID stays as replid2 so that replicas resync partially. */
  promote(): void {
    if (this.link === null) return;
    this.link.close();
    this.link = null;
    this.server.config.set('replicaof', '', true);
    this.server.keyspace.expiry = Expiry.Delete;
    this.shiftReplicationId();
    this.encoder.forgetSelection();
    this.disconnectReplicas();
    this.server.log.notice('MASTER MODE enabled (user request from client)');
  }

  /** Redis's shiftReplicationId: a new ID, the old one valid up to the current offset. */
  shiftReplicationId(): void {
    this.replid2 = this.server.replId;
    this.secondOffset = this.offset + 1;
    this.server.replId = randomHex();
  }

  /** After a full sync from the primary: its ID and offset become ours, the backlog starts afresh. */
  adoptPrimary(replid: string, offset: number): void {
    this.server.replId = replid;
    this.replid2 = NO_REPLID;
    this.secondOffset = -1;
    this.backlog = new Backlog(this.server.config.number('repl-backlog-size'), offset);
    this.disconnectReplicas();
  }

  /** +CONTINUE with a new ID: the primary was promoted; our old ID stays valid up to here. */
  continueWithId(replid: string): void {
    if (replid === this.server.replId) return;
    this.replid2 = this.server.replId;
    this.secondOffset = this.offset + 1;
    this.server.replId = replid;
    this.disconnectReplicas();
  }
}
