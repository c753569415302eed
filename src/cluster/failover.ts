// Replica promotion as Redis Cluster does it: when its primary is FAIL (or on CLUSTER FAILOVER),
// a replica waits a delay that grows with its rank (replicas with more data go first), takes a
// new epoch and asks every primary for a vote (FAILOVER_AUTH_REQUEST); a primary votes once per
// epoch (FAILOVER_AUTH_ACK); with a majority the replica takes its primary's slots under the new
// epoch and tells everyone with a PONG. A manual failover first has the primary pause writes
// (MFSTART) and waits to have replicated everything the primary had.

import { MessageFlag, type Message } from './message.ts';
import { NodeFlag, testBit, type ClusterNode } from './node.ts';
import { SLOT_COUNT } from '../store/slots.ts';

const MANUAL_FAILOVER_TIMEOUT = 5000;
const MANUAL_FAILOVER_PAUSE_MULT = 2;

/** What the election needs of the node (cluster.ts provides it). */
export interface FailoverHost {
  readonly myself: ClusterNode;
  readonly currentEpoch: number;
  lastVoteEpoch: number;
  readonly quorum: number;
  readonly nodeTimeout: number;
  /** cluster-replica-no-failover: only a manual failover may promote us. */
  readonly noFailover: boolean;
  nextEpoch(): number;
  slotOwner(slot: number): ClusterNode | null;
  /** Our replication offset (processed, as a replica). */
  replicationOffset(): number;
  requestVotes(forceAck: boolean): void;
  vote(node: ClusterNode): void;
  startManualFailover(master: ClusterNode): void;
  pauseWrites(until: number): void;
  pingManualReplica(replica: ClusterNode): void;
  replaceMaster(): void;
  saveSoon(): void;
  log(message: string): void;
}

export class Failover {
  private authTime = 0;
  private authCount = 0;
  private authSent = false;
  private authRank = 0;
  private authEpoch = 0;
  /** Manual failover: its deadline (0: none), the replica running it (on the primary), the primary's paused offset (on the replica). */
  private manualEnd = 0;
  private manualReplica: ClusterNode | null = null;
  private manualMasterOffset = -1;
  private manualCanStart = false;

  constructor(private readonly host: FailoverHost) {}

  get manualInProgress(): boolean {
    return this.manualEnd !== 0;
  }

  /** The replica running a manual failover with us, which we ping every cron tick. */
  get manualReplicaNode(): ClusterNode | null {
    return this.manualEnd !== 0 ? this.manualReplica : null;
  }

  resetManual(): void {
    this.manualEnd = 0;
    this.manualReplica = null;
    this.manualMasterOffset = -1;
    this.manualCanStart = false;
  }

  /** CLUSTER FAILOVER on a replica: TAKEOVER at once, FORCE without the primary, else with it. */
  requestManual(mode: 'default' | 'force' | 'takeover', now: number): void {
    this.resetManual();
    this.manualEnd = now + MANUAL_FAILOVER_TIMEOUT;
    if (mode === 'takeover') {
      this.host.log('Taking over the master (user request).');
      this.host.replaceMaster();
      this.resetManual();
    } else if (mode === 'force') {
      this.host.log('Forced failover user request accepted.');
      this.manualCanStart = true;
    } else {
      this.host.log('Manual failover user request accepted.');
      this.host.startManualFailover(this.host.myself.master!);
    }
  }

  /** On the primary: a replica asked to take over; writes pause until it has everything. */
  mfStart(sender: ClusterNode, now: number): void {
    if (sender.master !== this.host.myself) return;
    this.resetManual();
    this.manualEnd = now + MANUAL_FAILOVER_TIMEOUT;
    this.manualReplica = sender;
    this.host.pauseWrites(now + MANUAL_FAILOVER_TIMEOUT * MANUAL_FAILOVER_PAUSE_MULT);
    this.host.log(`Manual failover requested by replica ${sender.name}.`);
    this.host.pingManualReplica(sender);
  }

  /** On the replica: our primary says it paused, at this offset. */
  masterPaused(offset: number): void {
    if (this.manualEnd === 0 || this.manualMasterOffset !== -1) return;
    this.manualMasterOffset = offset;
    this.host.log(`Received replication offset for paused master manual failover: ${offset}`);
  }

  /** A primary's vote arrived. */
  acknowledged(sender: ClusterNode, senderCurrentEpoch: number): void {
    if (sender.isMaster && sender.numSlots > 0 && senderCurrentEpoch >= this.authEpoch) this.authCount++;
  }

  /** clusterSendFailoverAuthIfNeeded: our vote for `node`, if it deserves one. */
  considerVote(node: ClusterNode, request: Message, now: number): void {
    const host = this.host;
    const myself = host.myself;
    if (myself.isReplica || myself.numSlots === 0) return;
    if (request.currentEpoch < host.currentEpoch) return;
    if (host.lastVoteEpoch === host.currentEpoch) return;
    const master = node.master;
    if (!node.isReplica || master === null) return;
    const forceAck = (request.mflags & MessageFlag.ForceAck) !== 0;
    if (!master.failed && !forceAck) return;
    if (now - master.votedTime < host.nodeTimeout * 2) return;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!testBit(request.slots, slot)) continue;
      const owner = host.slotOwner(slot);
      if (owner !== null && owner.configEpoch > request.configEpoch) return;
    }
    host.lastVoteEpoch = host.currentEpoch;
    master.votedTime = now;
    host.saveSoon();
    host.vote(node);
    host.log(`Failover auth granted to ${node.name} for epoch ${host.currentEpoch}`);
  }

  /** The cron's part: timeouts, and the replica's election steps. */
  tick(now: number): void {
    const host = this.host;
    if (this.manualEnd !== 0 && this.manualEnd < now) {
      host.log('Manual failover timed out.');
      this.resetManual();
    }
    const myself = host.myself;
    if (!myself.isReplica) return;
    if (this.manualEnd !== 0 && !this.manualCanStart && this.manualMasterOffset !== -1 && host.replicationOffset() >= this.manualMasterOffset) {
      this.manualCanStart = true;
      host.log('All master replication stream processed, manual failover can start.');
    }
    this.electIfNeeded(now);
  }

  private electIfNeeded(now: number): void {
    const host = this.host;
    const myself = host.myself;
    const master = myself.master;
    const manual = this.manualEnd !== 0 && this.manualCanStart;
    if (master === null || master.numSlots === 0 || (!master.failed && !manual) || (host.noFailover && !manual)) return;
    const authTimeout = Math.max(host.nodeTimeout * 2, 2000);
    const authAge = now - this.authTime;
    if (authAge > authTimeout * 2) {
      this.authCount = 0;
      this.authSent = false;
      this.authRank = this.rank();
      this.authTime = this.manualEnd !== 0 ? now : now + 500 + Math.floor(Math.random() * 500) + this.authRank * 1000;
      if (this.manualEnd !== 0) this.authRank = 0;
      host.log(`Start of election delayed for ${this.authTime - now} milliseconds (rank #${this.authRank}, offset ${host.replicationOffset()}).`);
      return;
    }
    if (!this.authSent && this.manualEnd === 0) {
      const rank = this.rank();
      if (rank > this.authRank) {
        this.authTime += (rank - this.authRank) * 1000;
        this.authRank = rank;
      }
    }
    if (now < this.authTime || authAge > authTimeout) return;
    if (!this.authSent) {
      this.authEpoch = host.nextEpoch();
      host.log(`Starting a failover election for epoch ${this.authEpoch}.`);
      host.requestVotes(this.manualEnd !== 0);
      this.authSent = true;
      host.saveSoon();
      return;
    }
    if (this.authCount >= host.quorum) {
      host.log("Failover election won: I'm the new master.");
      if (myself.configEpoch < this.authEpoch) myself.configEpoch = this.authEpoch;
      host.replaceMaster();
      this.resetManual();
    }
  }

  /** Replicas of our primary with more of its data than we have. */
  private rank(): number {
    const myself = this.host.myself;
    const offset = this.host.replicationOffset();
    let rank = 0;
    for (const other of myself.master?.replicas ?? []) {
      if (other !== myself && !other.has(NodeFlag.NoFailover) && other.replOffset > offset) rank++;
    }
    return rank;
  }
}
