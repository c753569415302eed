// The cluster as this node sees it (Redis's clusterState): the node table, who serves each
// slot, slots being migrated or imported, the epochs, and whether the cluster is up. Also the
// two text forms of it: CLUSTER NODES lines and nodes.conf, which is those lines plus a "vars"
// line. No sockets, no timers: bus.ts and cluster.ts drive it.

import { SLOT_COUNT } from '../store/slots.ts';
import { ClusterNode, describeFlags, NAME_LENGTH, NodeFlag, parseFlags } from './node.ts';

export class ClusterState {
  readonly nodes = new Map<string, ClusterNode>();
  readonly myself: ClusterNode;
  currentEpoch = 0;
  lastVoteEpoch = 0;
  ok = false;
  /** Primaries serving at least one slot. */
  size = 0;
  readonly owners: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  readonly migratingTo: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  readonly importingFrom: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  /** Forgotten nodes that gossip must not bring back before the time given (CLUSTER FORGET). */
  readonly forgotten = new Map<string, number>();

  constructor(myself: ClusterNode) {
    this.myself = myself;
    this.nodes.set(myself.name, myself);
  }

  lookup(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  add(node: ClusterNode): void {
    this.nodes.set(node.name, node);
  }

  rename(node: ClusterNode, name: string): void {
    this.nodes.delete(node.name);
    node.name = name;
    this.nodes.set(name, node);
  }

  /** Removes a node and every reference to it (its slots become unassigned). */
  remove(node: ClusterNode): void {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.importingFrom[slot] === node) this.importingFrom[slot] = null;
      if (this.migratingTo[slot] === node) this.migratingTo[slot] = null;
      if (this.owners[slot] === node) this.deleteSlot(slot);
    }
    for (const other of this.nodes.values()) other.failReports.delete(node);
    if (node.master !== null) node.master.removeReplica(node);
    for (const replica of node.replicas) if (replica.master === node) replica.master = null;
    this.nodes.delete(node.name);
  }

  addSlot(node: ClusterNode, slot: number): boolean {
    if (this.owners[slot] !== null) return false;
    node.setSlotBit(slot);
    this.owners[slot] = node;
    return true;
  }

  deleteSlot(slot: number): boolean {
    const owner = this.owners[slot];
    if (owner === null || owner === undefined) return false;
    owner.clearSlotBit(slot);
    this.owners[slot] = null;
    return true;
  }

  deleteNodeSlots(node: ClusterNode): number {
    let deleted = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (node.ownsSlot(slot) && this.deleteSlot(slot)) deleted++;
    return deleted;
  }

  /** The node turns into a primary (a replica promoted, or one we learn was promoted). */
  setAsMaster(node: ClusterNode): boolean {
    if (node.isMaster) return false;
    if (node.master !== null) {
      node.master.removeReplica(node);
      if (node !== this.myself) node.flags |= NodeFlag.MigrateTo;
    }
    node.flags = (node.flags & ~NodeFlag.Slave) | NodeFlag.Master;
    node.master = null;
    return true;
  }

  /** The highest config epoch any node has. */
  maxEpoch(): number {
    let max = 0;
    for (const node of this.nodes.values()) if (node.configEpoch > max) max = node.configEpoch;
    return max;
  }

  /** Redis's clusterBumpConfigEpochWithoutConsensus: true when our epoch changed. */
  bumpEpochWithoutConsensus(): boolean {
    const max = this.maxEpoch();
    if (this.myself.configEpoch !== 0 && this.myself.configEpoch === max) return false;
    this.currentEpoch++;
    this.myself.configEpoch = this.currentEpoch;
    return true;
  }

  /** Primaries' votes needed for a failover or a FAIL: a majority of the slot-serving ones. */
  get quorum(): number {
    return Math.floor(this.size / 2) + 1;
  }

  /**
   * What Redis's clusterUpdateState computes: `size` now, and whether the cluster would be ok
   * (every slot served by a node not FAIL, when full coverage is required, and a majority of
   * the slot-serving primaries reachable); `minority` when that majority is missing.
   */
  evaluate(requireFullCoverage: boolean): { ok: boolean; minority: boolean } {
    let ok = true;
    if (requireFullCoverage) {
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        const owner = this.owners[slot];
        if (owner === null || owner === undefined || owner.failed) {
          ok = false;
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const node of this.nodes.values()) {
      if (!node.isMaster || node.numSlots === 0) continue;
      size++;
      if (!node.has(NodeFlag.Fail | NodeFlag.PFail)) reachable++;
    }
    this.size = size;
    const minority = reachable < Math.floor(size / 2) + 1;
    return { ok: ok && !minority, minority };
  }

  // ---- text forms ---------------------------------------------------------------------------

  /** One CLUSTER NODES line (without its newline). */
  describe(node: ClusterNode, linked: boolean): string {
    const address = `${node.ip}:${node.port}@${node.cport}${node.hostname === '' ? '' : `,${node.hostname}`}`;
    let line = `${node.name} ${address} ${describeFlags(node.flags)} ${node.master?.name ?? '-'} ${node.pingSent} ${node.pongReceived} ${node.shownEpoch} ${linked || node.has(NodeFlag.Myself) ? 'connected' : 'disconnected'}`;
    for (const [start, end] of node.slotRanges()) line += start === end ? ` ${start}` : ` ${start}-${end}`;
    if (node.has(NodeFlag.Myself)) {
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        const to = this.migratingTo[slot];
        const from = this.importingFrom[slot];
        if (to) line += ` [${slot}->-${to.name}]`;
        else if (from) line += ` [${slot}-<-${from.name}]`;
      }
    }
    return line;
  }

  /** Every node's line (those whose flags intersect `skip` left out), each ending in "\n". */
  describeAll(linked: (node: ClusterNode) => boolean, skip = 0): string {
    let text = '';
    for (const node of this.nodes.values()) if ((node.flags & skip) === 0) text += `${this.describe(node, linked(node))}\n`;
    return text;
  }

  /** nodes.conf's content. */
  configText(linked: (node: ClusterNode) => boolean): string {
    return `${this.describeAll(linked, NodeFlag.Handshake)}vars currentEpoch ${this.currentEpoch} lastVoteEpoch ${this.lastVoteEpoch}\n`;
  }

  /**
   * The state a nodes.conf describes, or null for an empty file. Throws on a corrupt one (the
   * server then refuses to start, as Redis does).
   */
  static fromConfig(text: string, now: number): ClusterState | null {
    const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    if (lines.length === 0) return null;
    const byName = new Map<string, ClusterNode>();
    const nodeNamed = (name: string): ClusterNode => {
      if (name.length !== NAME_LENGTH) throw new Error(`Invalid node name ${name} in nodes.conf`);
      let node = byName.get(name);
      if (node === undefined) {
        node = new ClusterNode(name, 0, now);
        byName.set(name, node);
      }
      return node;
    };
    let myself: ClusterNode | null = null;
    let currentEpoch = 0;
    let lastVoteEpoch = 0;
    const slotLines: [ClusterNode, string[]][] = [];
    for (const line of lines) {
      const words = line.split(' ');
      if (words[0] === 'vars') {
        for (let i = 1; i + 1 < words.length; i += 2) {
          if (words[i] === 'currentEpoch') currentEpoch = Number(words[i + 1]);
          else if (words[i] === 'lastVoteEpoch') lastVoteEpoch = Number(words[i + 1]);
        }
        continue;
      }
      if (words.length < 8) throw new Error('Unrecoverable error: corrupted cluster config file.');
      const node = nodeNamed(words[0]!);
      const address = /^(.*):(\d+)@(\d+)(?:,(.*))?$/.exec(words[1]!);
      if (address === null) throw new Error(`Unrecoverable error: corrupted cluster config file (address ${words[1]}).`);
      node.ip = address[1]!;
      node.port = Number(address[2]);
      node.cport = Number(address[3]);
      node.hostname = address[4] ?? '';
      node.flags = parseFlags(words[2]!);
      if (node.has(NodeFlag.Myself)) myself = node;
      if (words[3] !== '-') {
        const master = nodeNamed(words[3]!);
        node.master = master;
        master.addReplica(node);
      }
      if (Number(words[4]) > 0) node.pingSent = now;
      if (Number(words[5]) > 0) node.pongReceived = now;
      node.configEpoch = Number(words[6]);
      slotLines.push([node, words.slice(8)]);
    }
    if (myself === null) throw new Error('Unrecoverable error: corrupted cluster config file (no myself).');
    const state = new ClusterState(myself);
    for (const node of byName.values()) state.add(node);
    for (const [node, slots] of slotLines) {
      for (const word of slots) {
        const open = /^\[(\d+)-([<>])-(.{40})\]$/.exec(word);
        if (open !== null) {
          const other = nodeNamed(open[3]!);
          if (open[2] === '>') state.migratingTo[Number(open[1])] = other;
          else state.importingFrom[Number(open[1])] = other;
          continue;
        }
        const range = /^(\d+)(?:-(\d+))?$/.exec(word);
        if (range === null) throw new Error(`Unrecoverable error: corrupted cluster config file (slot ${word}).`);
        const start = Number(range[1]);
        const end = range[2] === undefined ? start : Number(range[2]);
        if (end >= SLOT_COUNT || start > end) throw new Error(`Unrecoverable error: corrupted cluster config file (slot ${word}).`);
        for (let slot = start; slot <= end; slot++) state.addSlot(node, slot);
      }
    }
    state.currentEpoch = Math.max(currentEpoch, state.maxEpoch());
    state.lastVoteEpoch = lastVoteEpoch;
    return state;
  }
}
