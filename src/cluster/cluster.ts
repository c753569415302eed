// Cluster mode (cluster-enabled yes): this node's place in a Redis Cluster. It keeps the
// cluster state (state.ts) current from the bus (Redis 7.0's binary protocol, message.ts), saves
// it to nodes.conf, runs Redis's clusterCron (reconnects, pings, PFAIL, FAIL by a majority of
// primaries' reports), and plugs the slot check into the command gate (redirect.ts).

import { Buffer } from 'node:buffer';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import net from 'node:net';
import type { Server } from '../server/server.ts';
import type { Client } from '../server/client.ts';
import { randomHex } from '../server/rates.ts';
import { Replication } from '../replication/replication.ts';
import { SLOT_COUNT } from '../store/slots.ts';
import { BusLink } from './bus.ts';
import {
  encodeBare,
  encodeFail,
  encodePing,
  encodePublish,
  encodeUpdate,
  MessageFlag,
  MessageType,
  type Gossip,
  type HeaderFields,
  type Message,
} from './message.ts';
import { ClusterNode, NodeFlag, testBit } from './node.ts';
import { ClusterState } from './state.ts';
import { installRedirection } from './redirect.ts';
import { Failover, type FailoverHost } from './failover.ts';

/** The bus listens on the client port plus this, unless cluster-port says otherwise. */
export const BUS_PORT_INCREMENT = 10000;
const CRON_MS = 100;
/** How long CLUSTER FORGET keeps a node from coming back through gossip. */
const FORGET_MS = 60_000;
const FAIL_REPORT_VALIDITY_MULT = 2;
const FAIL_UNDO_TIME_MULT = 2;
const WRITABLE_DELAY_MS = 2000;
const MIN_REJOIN_DELAY_MS = 500;
const MAX_REJOIN_DELAY_MS = 5000;

const byServer = new WeakMap<Server, Cluster>();

export class Cluster {
  state: ClusterState;
  readonly sent = new Array<number>(11).fill(0);
  readonly received = new Array<number>(11).fill(0);
  linksFreedOverLimit = 0;
  private readonly inbound = new Set<BusLink>();
  /** Outbound links by node (Redis keeps node->link). */
  private readonly outbound = new Map<ClusterNode, BusLink>();
  private listener: net.Server | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  private iteration = 0;
  private pingsSent = 0;
  private saveScheduled = false;
  private fsyncScheduled = false;
  private firstStateUpdate = 0;
  private amongMinoritySince = 0;
  /** Clients whose next command may use a slot being imported (ASKING). */
  readonly askingClients = new Set<Client>();
  /** Clients that read from this replica without redirection (READONLY). */
  readonly readonlyClients = new WeakSet<Client>();
  private readonly file: string;
  readonly failover: Failover;

  static of(server: Server): Cluster {
    let cluster = byServer.get(server);
    if (cluster === undefined) {
      cluster = new Cluster(server);
      byServer.set(server, cluster);
    }
    return cluster;
  }

  static existing(server: Server): Cluster | null {
    return byServer.get(server) ?? null;
  }

  private constructor(readonly server: Server) {
    this.file = server.config.get('cluster-config-file');
    this.state = this.load();
    this.failover = new Failover(this.failoverHost());
    this.applyAnnouncements();
    server.keyspace.dbs[0]!.enableSlotIndex();
    installRedirection(this);
    server.onClientRemoved((client) => this.askingClients.delete(client));
    server.config.onChange((name) => {
      if (name.startsWith('cluster-announce-')) this.applyAnnouncements();
      if (name === 'cluster-require-full-coverage') this.updateState();
    });
  }

  get myself(): ClusterNode {
    return this.state.myself;
  }

  get nodeTimeout(): number {
    return this.server.config.number('cluster-node-timeout');
  }

  // ---- start, stop, nodes.conf -----------------------------------------------------------------

  private load(): ClusterState {
    const now = Date.now();
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const loaded = ClusterState.fromConfig(text, now);
    if (loaded !== null) {
      this.server.log.notice(`Node configuration loaded, I'm ${loaded.myself.name}`);
      return loaded;
    }
    const myself = new ClusterNode(randomHex(), NodeFlag.Myself | NodeFlag.Master, now);
    this.server.log.notice(`No cluster configuration found, I'm ${myself.name}`);
    return new ClusterState(myself);
  }

  /** Our ports and announced address, from the configuration (and the listener's port). */
  private applyAnnouncements(): void {
    const config = this.server.config;
    const myself = this.myself;
    const port = config.number('port');
    myself.port = config.number('cluster-announce-port') || port;
    myself.cport = config.number('cluster-announce-bus-port') || this.busPort;
    myself.hostname = config.get('cluster-announce-hostname');
    const ip = config.get('cluster-announce-ip');
    if (ip !== '') myself.ip = ip;
  }

  get busPort(): number {
    return this.server.config.number('cluster-port') || this.server.config.number('port') + BUS_PORT_INCREMENT;
  }

  async start(hosts: readonly string[]): Promise<void> {
    this.applyAnnouncements();
    const listener = net.createServer((socket) => this.accept(socket));
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port: this.busPort, host: hosts[0] === '*' ? undefined : hosts[0]?.replace(/^-/, ''), backlog: 511 }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.saveConfig(true);
    this.updateState();
    if (this.myself.isReplica && this.myself.master !== null) this.followMaster(this.myself.master);
    this.cronTimer = setInterval(() => this.cron(), CRON_MS);
    this.cronTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    for (const link of [...this.inbound, ...this.outbound.values()]) link.close('shutdown');
    const listener = this.listener;
    this.listener = null;
    if (listener !== null) await new Promise<void>((resolve) => listener.close(() => resolve()));
    if (this.saveScheduled) this.saveConfig(this.fsyncScheduled);
  }

  /**
   * nodes.conf, written to a temporary file and renamed over the old one; fsynced first when
   * `fsync` (as Redis does after epoch and ownership changes, not after every SETSLOT).
   */
  saveConfig(fsync: boolean): void {
    this.saveScheduled = false;
    this.fsyncScheduled = false;
    const text = this.state.configText((node) => this.outbound.has(node));
    const temporary = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(temporary, 'w', 0o644);
    try {
      writeSync(fd, text);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
  }

  /** Saves once, before the event loop next waits (Redis's CLUSTER_TODO_SAVE_CONFIG and _FSYNC_CONFIG). */
  requestSave(fsync = false): void {
    this.fsyncScheduled ||= fsync;
    if (this.saveScheduled) return;
    this.saveScheduled = true;
    setImmediate(() => {
      if (!this.saveScheduled) return;
      try {
        this.saveConfig(this.fsyncScheduled);
      } catch (error) {
        this.server.log.warning(`Fatal: can't update cluster config file: ${(error as Error).message}`);
      }
    });
  }

  /**
   * clusterUpdateState: a primary stays down for its first 2 s (the cluster may have moved on
   * while it was away), and for a while after it was in a minority partition.
   */
  updateState(): void {
    const now = Date.now();
    this.firstStateUpdate ||= now;
    const state = this.state;
    const myself = this.myself;
    if (myself.isMaster && !state.ok && now - this.firstStateUpdate < WRITABLE_DELAY_MS) return;
    const { ok, minority } = state.evaluate(this.server.config.bool('cluster-require-full-coverage'));
    if (minority) this.amongMinoritySince = now;
    if (ok === state.ok) return;
    const rejoinDelay = Math.min(Math.max(this.nodeTimeout, MIN_REJOIN_DELAY_MS), MAX_REJOIN_DELAY_MS);
    if (ok && myself.isMaster && now - this.amongMinoritySince < rejoinDelay) return;
    this.server.log.warning(`Cluster state changed: ${ok ? 'ok' : 'fail'}`);
    state.ok = ok;
  }

  /** Both at once, as most changes need. */
  changed(fsync = false): void {
    this.updateState();
    this.requestSave(fsync);
  }

  isLinked(node: ClusterNode): boolean {
    return this.outbound.has(node);
  }

  // ---- links ---------------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    const link: BusLink = new BusLink(socket, true, null, Date.now(), (l, m) => this.process(l, m), (l) => this.inbound.delete(l));
    this.inbound.add(link);
  }

  private connect(node: ClusterNode, now: number): void {
    const socket = net.connect({ host: node.ip, port: node.cport });
    const link = new BusLink(socket, false, node, now, (l, m) => this.process(l, m), (l) => this.linkClosed(l));
    this.outbound.set(node, link);
    // As in Redis: the ping time of a failing node is kept, so a reconnect does not reset PFAIL.
    const pingSent = node.pingSent;
    this.sendPing(link, node.has(NodeFlag.Meet) ? MessageType.Meet : MessageType.Ping);
    if (pingSent !== 0) node.pingSent = pingSent;
    node.flags &= ~NodeFlag.Meet;
  }

  private linkClosed(link: BusLink): void {
    if (link.node !== null && this.outbound.get(link.node) === link) this.outbound.delete(link.node);
  }

  private freeOutbound(node: ClusterNode): void {
    this.outbound.get(node)?.close('freed');
    this.outbound.delete(node);
  }

  /** Links for CLUSTER LINKS. */
  links(): BusLink[] {
    return [...this.outbound.values(), ...[...this.inbound].filter((link) => link.node !== null)];
  }

  private send(link: BusLink | undefined, type: number, frame: Buffer): void {
    if (link === undefined || link.closed) return;
    const limit = this.server.config.number('cluster-link-sendbuf-limit');
    if (limit > 0 && link.pendingBytes > limit) {
      this.linksFreedOverLimit++;
      link.close('send buffer limit reached');
      return;
    }
    link.send(frame);
    this.sent[type]!++;
  }

  private broadcast(type: number, frame: Buffer): void {
    for (const [node, link] of this.outbound) {
      if (node.has(NodeFlag.Myself | NodeFlag.Handshake)) continue;
      this.send(link, type, frame);
    }
  }

  // ---- building messages -----------------------------------------------------------------------

  private headerFields(): HeaderFields {
    const myself = this.myself;
    const master = myself.isReplica && myself.master !== null ? myself.master : myself;
    const replication = Replication.existing(this.server);
    return {
      port: myself.port,
      pport: myself.pport,
      cport: myself.cport,
      currentEpoch: this.state.currentEpoch,
      configEpoch: master.configEpoch,
      offset: replication?.offset ?? 0,
      sender: myself.name,
      slots: master.slots,
      master: myself.master?.name ?? null,
      ip: this.server.config.get('cluster-announce-ip'),
      flags: myself.flags,
      ok: this.state.ok,
      paused: myself.isMaster && this.failover.manualInProgress,
    };
  }

  private gossipOf(node: ClusterNode): Gossip {
    return { name: node.name, pingSent: node.pingSent, pongReceived: node.pongReceived, ip: node.ip, port: node.port, cport: node.cport, flags: node.flags, pport: node.pport };
  }

  /** clusterSendPing: a PING, PONG or MEET with gossip about a tenth of the nodes (at least 3) and all PFAIL ones. */
  sendPing(link: BusLink, type: number): void {
    const sequence = ++this.pingsSent;
    const nodes = [...this.state.nodes.values()];
    let fresh = nodes.length - 2;
    const wanted = Math.min(Math.max(3, Math.floor(nodes.length / 10)), fresh);
    const gossip: Gossip[] = [];
    for (let tries = wanted * 3; fresh > 0 && gossip.length < wanted && tries > 0; tries--) {
      const node = nodes[Math.floor(Math.random() * nodes.length)]!;
      if (node === this.myself || node.has(NodeFlag.PFail)) continue;
      if (node.has(NodeFlag.Handshake | NodeFlag.NoAddr) || (!this.outbound.has(node) && node.numSlots === 0)) {
        fresh--;
        continue;
      }
      if (node.lastInPingGossip === sequence) continue;
      node.lastInPingGossip = sequence;
      gossip.push(this.gossipOf(node));
      fresh--;
    }
    for (const node of nodes) {
      if (node.has(NodeFlag.PFail) && !node.has(NodeFlag.Handshake | NodeFlag.NoAddr)) gossip.push(this.gossipOf(node));
    }
    if (!link.inbound && type === MessageType.Ping && link.node !== null) link.node.pingSent = Date.now();
    this.send(link, type, encodePing(type, this.headerFields(), gossip, this.myself.hostname));
  }

  /** A PONG to every connected node: how a configuration change spreads at once. */
  broadcastPong(): void {
    for (const [node, link] of this.outbound) {
      if (node.has(NodeFlag.Handshake)) continue;
      this.sendPing(link, MessageType.Pong);
    }
  }

  private sendUpdate(link: BusLink | undefined, about: ClusterNode): void {
    this.send(link, MessageType.Update, encodeUpdate(this.headerFields(), about.configEpoch, about.name, about.slots));
  }

  /** PUBLISH (or SPUBLISH) reaching the other nodes' subscribers. */
  propagatePublish(channel: Buffer, message: Buffer, sharded: boolean): void {
    const type = sharded ? MessageType.PublishShard : MessageType.Publish;
    if (this.outbound.size === 0) return;
    const frame = encodePublish(type, this.headerFields(), channel, message);
    if (!sharded) return this.broadcast(type, frame);
    // A shard channel reaches only the nodes of our shard.
    const master = this.myself.isMaster ? this.myself : this.myself.master;
    if (master === null) return;
    for (const node of [master, ...master.replicas]) if (node !== this.myself) this.send(this.outbound.get(node), type, frame);
  }

  // ---- receiving -------------------------------------------------------------------------------

  private process(link: BusLink, message: Message): void {
    const now = Date.now();
    if (message.type < this.received.length) this.received[message.type]!++;
    const state = this.state;
    let sender: ClusterNode | undefined;
    if (link.node !== null && !link.node.has(NodeFlag.Handshake)) sender = link.node;
    else {
      sender = state.lookup(message.sender);
      if (sender !== undefined && link.node === null) link.node = sender;
    }
    if (sender !== undefined) sender.dataReceived = now;
    if (sender !== undefined && !sender.has(NodeFlag.Handshake)) {
      if (message.currentEpoch > state.currentEpoch) state.currentEpoch = message.currentEpoch;
      if (message.configEpoch > sender.configEpoch) {
        sender.configEpoch = message.configEpoch;
        this.requestSave();
      }
      sender.replOffset = message.offset;
    }
    const type = message.type;
    if (type === MessageType.Ping || type === MessageType.Meet) {
      this.learnMyAddress(link, type === MessageType.Meet);
      if (sender === undefined && type === MessageType.Meet) {
        const node = new ClusterNode(randomHex(), NodeFlag.Handshake, now);
        node.ip = message.ip || link.remoteIp;
        node.port = message.port;
        node.pport = message.pport;
        node.cport = message.cport;
        state.add(node);
        this.requestSave();
        if (message.kind === 'ping') this.processGossip(message, undefined);
      }
      this.sendPing(link, MessageType.Pong);
    }
    if (message.kind === 'ping') {
      if (!this.processPingConfig(link, message, sender, now)) return;
    } else if (message.kind === 'fail') {
      if (sender === undefined) return;
      const failing = state.lookup(message.about);
      if (failing !== undefined && !failing.has(NodeFlag.Fail | NodeFlag.Myself)) {
        this.server.log.notice(`FAIL message received from ${message.sender} about ${message.about}`);
        failing.flags = (failing.flags | NodeFlag.Fail) & ~NodeFlag.PFail;
        failing.failTime = now;
        this.changed();
      }
    } else if (message.kind === 'publish') {
      if (sender === undefined) return;
      this.server.pubsub.publish(message.channel, message.message, message.type === MessageType.PublishShard);
    } else if (message.kind === 'update') {
      if (sender === undefined) return;
      const about = state.lookup(message.node);
      if (about === undefined || about.configEpoch >= message.epoch) return;
      if (about.isReplica) state.setAsMaster(about);
      about.configEpoch = message.epoch;
      this.updateSlotsConfigWith(about, message.epoch, message.nodeSlots);
      this.changed();
    } else if (message.kind === 'bare') {
      if (sender === undefined) return;
      if (type === MessageType.FailoverAuthRequest) this.failover.considerVote(sender, message, now);
      else if (type === MessageType.FailoverAuthAck) this.failover.acknowledged(sender, message.currentEpoch);
      else if (type === MessageType.MfStart) this.failover.mfStart(sender, now);
    }
    // MODULE messages and types of later versions are counted and otherwise ignored.
  }

  /** Our own address, from the socket another node reached us on (unless announced). */
  private learnMyAddress(link: BusLink, meet: boolean): void {
    if (this.server.config.get('cluster-announce-ip') !== '') return;
    if (!meet && this.myself.ip !== '') return;
    const ip = link.localIp;
    if (ip === '' || ip === this.myself.ip) return;
    this.myself.ip = ip;
    this.server.log.warning(`IP address for this node updated to ${ip}`);
    this.requestSave();
  }

  /** PING, PONG, MEET: what they say about the sender's role, slots and the others. False when the link is gone. */
  private processPingConfig(link: BusLink, message: Message & { kind: 'ping' }, sender: ClusterNode | undefined, now: number): boolean {
    const state = this.state;
    if (!link.inbound && link.node !== null) {
      const node = link.node;
      if (node.has(NodeFlag.Handshake)) {
        if (sender !== undefined) {
          // We knew it already under its real name: keep that one, drop the handshake.
          if (this.updateAddress(sender, link, message)) this.changed();
          this.forgetNode(node);
          return false;
        }
        state.rename(node, message.sender);
        node.flags = (node.flags & ~NodeFlag.Handshake) | (message.flags & (NodeFlag.Master | NodeFlag.Slave));
        this.requestSave();
      } else if (node.name !== message.sender) {
        node.flags |= NodeFlag.NoAddr;
        node.ip = '';
        node.port = node.pport = node.cport = 0;
        this.freeOutbound(node);
        this.requestSave();
        return false;
      }
    }
    sender ??= link.node !== null && !link.node.has(NodeFlag.Handshake) ? link.node : undefined;
    if (sender !== undefined) sender.flags = (sender.flags & ~NodeFlag.NoFailover) | (message.flags & NodeFlag.NoFailover);
    if (sender !== undefined && message.type === MessageType.Ping && !sender.has(NodeFlag.Handshake) && this.updateAddress(sender, link, message)) this.changed();
    if (!link.inbound && message.type === MessageType.Pong && link.node !== null) {
      const node = link.node;
      node.pongReceived = now;
      node.pingSent = 0;
      if (node.timedOut) {
        node.flags &= ~NodeFlag.PFail;
        this.changed();
      } else if (node.failed) this.clearFailureIfNeeded(node, now);
    }
    if (sender === undefined) return true;
    if (message.master === null) {
      if (state.setAsMaster(sender)) this.changed();
    } else {
      const master = state.lookup(message.master);
      if (sender.isMaster) {
        state.deleteNodeSlots(sender);
        sender.flags = (sender.flags & ~(NodeFlag.Master | NodeFlag.MigrateTo)) | NodeFlag.Slave;
        this.changed();
      }
      if (master !== undefined && sender.master !== master) {
        sender.master?.removeReplica(sender);
        master.addReplica(sender);
        sender.master = master;
        this.requestSave();
      }
    }
    const senderMaster = sender.isMaster ? sender : sender.master;
    const dirty = senderMaster !== null && !Buffer.from(senderMaster.slots).equals(Buffer.from(message.slots));
    if (sender.isMaster && dirty) this.updateSlotsConfigWith(sender, message.configEpoch, message.slots);
    if (dirty) {
      // The sender claims slots that a newer configuration gives to another node: tell it.
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        if (!testBit(message.slots, slot)) continue;
        const owner = state.owners[slot];
        if (owner === null || owner === undefined || owner === sender) continue;
        if (owner.configEpoch > message.configEpoch) {
          this.sendUpdate(link.inbound ? this.outbound.get(sender) : link, owner);
          break;
        }
      }
    }
    if (sender.isMaster && this.myself.isMaster && message.configEpoch === this.myself.configEpoch) this.handleEpochCollision(sender);
    if (this.myself.master === sender && (message.mflags & MessageFlag.Paused) !== 0) this.failover.masterPaused(sender.replOffset);
    this.processGossip(message, sender);
    if (message.hostname !== null || sender.hostname !== '') {
      const hostname = message.hostname ?? '';
      if (hostname !== sender.hostname) {
        sender.hostname = hostname;
        this.requestSave();
      }
    }
    return true;
  }

  /** nodeUpdateAddressIfNeeded: true when the node's address changed. */
  private updateAddress(node: ClusterNode, link: BusLink, message: Message): boolean {
    if (link === this.outbound.get(node) || node === this.myself) return false;
    const ip = message.ip || link.remoteIp;
    if (node.ip === ip && node.port === message.port && node.cport === message.cport && node.pport === message.pport) return false;
    node.ip = ip;
    node.port = message.port;
    node.pport = message.pport;
    node.cport = message.cport;
    this.freeOutbound(node);
    node.flags &= ~NodeFlag.NoAddr;
    this.server.log.warning(`Address updated for node ${node.name}, now ${ip}:${node.port}`);
    if (this.myself.isReplica && this.myself.master === node) this.followMaster(node);
    return true;
  }

  private processGossip(message: Message & { kind: 'ping' }, sender: ClusterNode | undefined): void {
    const now = Date.now();
    for (const entry of message.gossip) {
      const node = this.state.lookup(entry.name);
      if (node !== undefined) {
        if (sender !== undefined && sender.isMaster && node !== this.myself) {
          if ((entry.flags & (NodeFlag.Fail | NodeFlag.PFail)) !== 0) {
            node.failReports.set(sender, now);
            this.markFailingIfNeeded(node, now);
          } else node.failReports.delete(sender);
        }
        if ((entry.flags & (NodeFlag.Fail | NodeFlag.PFail)) === 0 && node.pingSent === 0 && this.failureReports(node, now) === 0) {
          const pongTime = entry.pongReceived;
          if (pongTime <= now + 500 && pongTime > node.pongReceived) node.pongReceived = pongTime;
        }
        if (
          node.has(NodeFlag.Fail | NodeFlag.PFail) &&
          (entry.flags & (NodeFlag.NoAddr | NodeFlag.Fail | NodeFlag.PFail)) === 0 &&
          (node.ip.toLowerCase() !== entry.ip.toLowerCase() || node.port !== entry.port || node.cport !== entry.cport)
        ) {
          this.freeOutbound(node);
          node.ip = entry.ip;
          node.port = entry.port;
          node.pport = entry.pport;
          node.cport = entry.cport;
          node.flags &= ~NodeFlag.NoAddr;
        }
      } else if (sender !== undefined && (entry.flags & NodeFlag.NoAddr) === 0 && !this.isForgotten(entry.name, now) && /^[0-9a-f]{40}$/.test(entry.name)) {
        const learned = new ClusterNode(entry.name, entry.flags & ~(NodeFlag.Myself | NodeFlag.Meet | NodeFlag.Handshake), now);
        learned.ip = entry.ip;
        learned.port = entry.port;
        learned.pport = entry.pport;
        learned.cport = entry.cport;
        this.state.add(learned);
        this.requestSave();
      }
    }
  }

  /** clusterUpdateSlotsConfigWith: slots the sender claims with a newer epoch become its. */
  private updateSlotsConfigWith(sender: ClusterNode, epoch: number, slots: Uint8Array): void {
    if (sender === this.myself) return;
    const state = this.state;
    const myself = this.myself;
    const current = myself.isMaster ? myself : myself.master;
    let newMaster: ClusterNode | null = null;
    let senderSlots = 0;
    let migratedOurSlots = 0;
    const dirtySlots: number[] = [];
    const db = this.server.keyspace.dbs[0]!;
    let reassigned = false;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!testBit(slots, slot)) continue;
      senderSlots++;
      const owner = state.owners[slot] ?? null;
      if (owner === sender || state.importingFrom[slot] !== null) continue;
      if (owner === null || owner.configEpoch < epoch) {
        if (owner === myself && db.countKeysInSlot(slot) > 0) dirtySlots.push(slot);
        if (owner !== null && owner === current) {
          newMaster = sender;
          migratedOurSlots++;
        }
        state.deleteSlot(slot);
        state.addSlot(sender, slot);
        reassigned = true;
      }
    }
    // Once for the whole message: the state's evaluation walks every slot.
    if (reassigned) this.changed(true);
    if (newMaster !== null && current !== null && current.numSlots === 0 && (this.server.config.bool('cluster-allow-replica-migration') || senderSlots === migratedOurSlots)) {
      this.server.log.warning(`Configuration change detected. Reconfiguring myself as a replica of ${sender.name}`);
      this.setMaster(sender);
      this.changed();
    } else if (dirtySlots.length > 0) {
      for (const slot of dirtySlots) this.deleteKeysInSlot(slot);
    }
  }

  deleteKeysInSlot(slot: number): number {
    const db = this.server.keyspace.dbs[0]!;
    const keys = db.keysInSlot(slot, Number.MAX_SAFE_INTEGER);
    for (const key of keys) {
      db.delete(key);
      this.server.effects.propagate(0, [Buffer.from('DEL'), key]);
    }
    return keys.length;
  }

  /** clusterHandleConfigEpochCollision: the node with the smaller name takes a new epoch. */
  private handleEpochCollision(sender: ClusterNode): void {
    if (sender.configEpoch !== this.myself.configEpoch || !sender.isMaster || !this.myself.isMaster) return;
    if (sender.name <= this.myself.name) return;
    this.state.currentEpoch++;
    this.myself.configEpoch = this.state.currentEpoch;
    this.requestSave();
    this.server.log.verbose(`WARNING: configEpoch collision with node ${sender.name}. configEpoch set to ${this.myself.configEpoch}`);
  }

  // ---- failure detection -------------------------------------------------------------------------

  private failureReports(node: ClusterNode, now: number): number {
    const validity = this.nodeTimeout * FAIL_REPORT_VALIDITY_MULT;
    for (const [reporter, time] of node.failReports) if (now - time > validity) node.failReports.delete(reporter);
    return node.failReports.size;
  }

  countFailureReports(node: ClusterNode): number {
    return this.failureReports(node, Date.now());
  }

  /** markNodeAsFailingIfNeeded: PFAIL becomes FAIL once a majority of primaries agree. */
  private markFailingIfNeeded(node: ClusterNode, now: number): void {
    if (!node.timedOut || node.failed) return;
    const failures = this.failureReports(node, now) + (this.myself.isMaster ? 1 : 0);
    if (failures < this.state.quorum) return;
    this.server.log.notice(`Marking node ${node.name} as failing (quorum reached).`);
    node.flags = (node.flags | NodeFlag.Fail) & ~NodeFlag.PFail;
    node.failTime = now;
    this.broadcast(MessageType.Fail, encodeFail(this.headerFields(), node.name));
    this.changed();
  }

  private clearFailureIfNeeded(node: ClusterNode, now: number): void {
    const undo = node.isReplica || node.numSlots === 0 || now - node.failTime > this.nodeTimeout * FAIL_UNDO_TIME_MULT;
    if (!undo) return;
    this.server.log.notice(`Clear FAIL state for node ${node.name}: ${node.isReplica ? 'replica' : 'master'} is reachable again.`);
    node.flags &= ~NodeFlag.Fail;
    this.changed();
  }

  // ---- the cron ----------------------------------------------------------------------------------

  private cron(): void {
    const now = Date.now();
    this.iteration++;
    // Other nodes rank replicas by this flag, so it follows the setting (clusterUpdateMyselfFlags).
    const noFailover = this.server.config.bool('cluster-replica-no-failover') ? NodeFlag.NoFailover : 0;
    if ((this.myself.flags & NodeFlag.NoFailover) !== noFailover) {
      this.myself.flags = (this.myself.flags & ~NodeFlag.NoFailover) | noFailover;
      this.requestSave();
    }
    const timeout = this.nodeTimeout;
    const handshakeTimeout = Math.max(timeout, 1000);
    for (const node of [...this.state.nodes.values()]) {
      if (node.has(NodeFlag.Myself | NodeFlag.NoAddr)) continue;
      if (node.has(NodeFlag.Handshake) && now - node.createdAt > handshakeTimeout) {
        this.forgetNode(node);
        continue;
      }
      if (!this.outbound.has(node) && node.ip !== '' && node.cport > 0) this.connect(node, now);
    }
    if (this.iteration % 10 === 0) {
      // Once a second, a node among five random ones: the one we heard from least recently.
      const nodes = [...this.state.nodes.values()];
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && nodes.length > 0; i++) {
        const node = nodes[Math.floor(Math.random() * nodes.length)]!;
        if (!this.outbound.has(node) || node.pingSent !== 0 || node.has(NodeFlag.Myself | NodeFlag.Handshake)) continue;
        if (oldest === null || node.pongReceived < oldest.pongReceived) oldest = node;
      }
      if (oldest !== null) this.sendPing(this.outbound.get(oldest)!, MessageType.Ping);
    }
    let update = false;
    for (const node of this.state.nodes.values()) {
      if (node.has(NodeFlag.Myself | NodeFlag.NoAddr | NodeFlag.Handshake)) continue;
      const link = this.outbound.get(node);
      const pingDelay = now - node.pingSent;
      const dataDelay = now - node.dataReceived;
      if (link !== undefined && now - link.createdAt > timeout && node.pingSent !== 0 && pingDelay > timeout / 2 && dataDelay > timeout / 2) {
        // The link looks stuck: reconnect before the node is judged.
        link.close('no pong');
        continue;
      }
      if (link !== undefined && node.pingSent === 0 && now - node.pongReceived > timeout / 2) {
        this.sendPing(link, MessageType.Ping);
        continue;
      }
      if (node.pingSent === 0) continue;
      if (Math.min(pingDelay, dataDelay) > timeout && !node.has(NodeFlag.PFail | NodeFlag.Fail)) {
        node.flags |= NodeFlag.PFail;
        update = true;
      }
    }
    const manualReplica = this.failover.manualReplicaNode;
    if (manualReplica !== null && this.outbound.has(manualReplica)) this.sendPing(this.outbound.get(manualReplica)!, MessageType.Ping);
    const myself = this.myself;
    if (myself.isReplica && myself.master !== null && myself.master.ip !== '' && Replication.existing(this.server)?.role !== 'slave') this.followMaster(myself.master);
    this.failover.tick(now);
    if (update || !this.state.ok) this.updateState();
  }

  private failoverHost(): FailoverHost {
    const cluster = this;
    const server = this.server;
    return {
      get myself() {
        return cluster.myself;
      },
      get currentEpoch() {
        return cluster.state.currentEpoch;
      },
      get lastVoteEpoch() {
        return cluster.state.lastVoteEpoch;
      },
      set lastVoteEpoch(epoch: number) {
        cluster.state.lastVoteEpoch = epoch;
      },
      get quorum() {
        return cluster.state.quorum;
      },
      get nodeTimeout() {
        return cluster.nodeTimeout;
      },
      get noFailover() {
        return server.config.bool('cluster-replica-no-failover');
      },
      nextEpoch: () => ++cluster.state.currentEpoch,
      slotOwner: (slot) => cluster.state.owners[slot] ?? null,
      replicationOffset: () => Replication.existing(server)?.offset ?? 0,
      requestVotes: (forceAck) => this.broadcast(MessageType.FailoverAuthRequest, encodeBare(MessageType.FailoverAuthRequest, this.headerFields(), forceAck)),
      vote: (node) => this.send(this.outbound.get(node), MessageType.FailoverAuthAck, encodeBare(MessageType.FailoverAuthAck, this.headerFields())),
      startManualFailover: (master) => this.send(this.outbound.get(master), MessageType.MfStart, encodeBare(MessageType.MfStart, this.headerFields())),
      pauseWrites: (until) => server.pauseClients(false, until),
      pingManualReplica: (replica) => {
        const link = this.outbound.get(replica);
        if (link !== undefined) this.sendPing(link, MessageType.Ping);
      },
      replaceMaster: () => this.replaceMaster(),
      saveSoon: () => this.requestSave(true),
      log: (message) => server.log.warning(message),
    };
  }

  /** clusterFailoverReplaceYourMaster: the replica takes its primary's slots and tells everyone. */
  replaceMaster(): void {
    const myself = this.myself;
    const old = myself.master;
    if (myself.isMaster || old === null) return;
    this.state.setAsMaster(myself);
    Replication.existing(this.server)?.promote();
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!old.ownsSlot(slot)) continue;
      this.state.deleteSlot(slot);
      this.state.addSlot(myself, slot);
    }
    this.updateState();
    this.saveConfig(true);
    this.broadcastPong();
  }

  private isForgotten(name: string, now: number): boolean {
    const until = this.state.forgotten.get(name);
    if (until !== undefined && until <= now) this.state.forgotten.delete(name);
    return until !== undefined && until > now;
  }

  // ---- changes the commands make ---------------------------------------------------------------

  /** CLUSTER MEET: a handshake node that the cron connects to with a MEET. */
  startHandshake(ip: string, port: number, cport: number): boolean {
    const normalized = net.isIP(ip) === 0 ? null : ip.toLowerCase();
    if (normalized === null || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
    for (const node of this.state.nodes.values()) {
      if (node.has(NodeFlag.Handshake) && node.ip === normalized && node.port === port && node.cport === cport) return true;
    }
    const node = new ClusterNode(randomHex(), NodeFlag.Handshake | NodeFlag.Meet, Date.now());
    node.ip = normalized;
    node.port = port;
    node.cport = cport;
    this.state.add(node);
    return true;
  }

  /** Removes a node, its links and what it reported. */
  forgetNode(node: ClusterNode): void {
    this.freeOutbound(node);
    for (const link of this.inbound) if (link.node === node) link.close('node forgotten');
    this.state.remove(node);
  }

  /** CLUSTER FORGET: also kept from coming back through gossip for a minute. */
  forget(node: ClusterNode): void {
    this.state.forgotten.set(node.name, Date.now() + FORGET_MS);
    this.forgetNode(node);
    this.changed();
  }

  /** clusterSetMaster: this node becomes a replica of `master`. */
  setMaster(master: ClusterNode): void {
    const myself = this.myself;
    if (myself.isMaster) {
      myself.flags = (myself.flags & ~(NodeFlag.Master | NodeFlag.MigrateTo)) | NodeFlag.Slave;
      this.state.migratingTo.fill(null);
      this.state.importingFrom.fill(null);
    } else myself.master?.removeReplica(myself);
    myself.master = master;
    master.addReplica(myself);
    this.followMaster(master);
  }

  private followMaster(master: ClusterNode): void {
    if (master.ip === '' || master.port === 0) return;
    Replication.of(this.server).replicaOf(master.ip, master.port);
  }

  /** CLUSTER RESET: forget every other node, drop slots; HARD also takes a new name and epoch 0. */
  reset(hard: boolean): void {
    const myself = this.myself;
    if (myself.isReplica) {
      this.state.setAsMaster(myself);
      Replication.existing(this.server)?.promote();
      this.server.keyspace.dbs.forEach((db) => db.clear());
    }
    this.state.migratingTo.fill(null);
    this.state.importingFrom.fill(null);
    this.state.deleteNodeSlots(myself);
    for (const node of [...this.state.nodes.values()]) if (node !== myself) this.forgetNode(node);
    if (hard) {
      this.state.currentEpoch = 0;
      this.state.lastVoteEpoch = 0;
      myself.configEpoch = 0;
      const name = randomHex();
      this.server.log.notice(`Node hard reset, now I'm ${name}`);
      this.state.rename(myself, name);
    }
    this.changed();
  }
}
