// One node of the cluster as this node knows it (Redis's clusterNode): its name, address, flags,
// epochs, slots, role and failure reports. No sockets here: links are the bus's (bus.ts).

import { SLOT_COUNT } from '../store/slots.ts';

export const NAME_LENGTH = 40;

/** Node flags, with Redis's bit values (they travel on the bus). */
export const NodeFlag = {
  Master: 1,
  Slave: 2,
  PFail: 4,
  Fail: 8,
  Myself: 16,
  Handshake: 32,
  NoAddr: 64,
  Meet: 128,
  MigrateTo: 256,
  NoFailover: 512,
} as const;

/** Flag names in CLUSTER NODES' order (MEET and MIGRATE_TO are never shown). */
const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [NodeFlag.Myself, 'myself'],
  [NodeFlag.Master, 'master'],
  [NodeFlag.Slave, 'slave'],
  [NodeFlag.PFail, 'fail?'],
  [NodeFlag.Fail, 'fail'],
  [NodeFlag.Handshake, 'handshake'],
  [NodeFlag.NoAddr, 'noaddr'],
  [NodeFlag.NoFailover, 'nofailover'],
];

export function describeFlags(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return names.length === 0 ? 'noflags' : names.join(',');
}

/** The flags named in a nodes.conf line ("myself,master"); unknown names are a corrupt file. */
export function parseFlags(text: string): number {
  let flags = 0;
  for (const name of text.split(',')) {
    if (name === 'noflags') continue;
    const entry = FLAG_NAMES.find(([, known]) => known === name);
    if (entry === undefined) throw new Error(`Unknown flag in redis cluster config file: ${name}`);
    flags |= entry[0];
  }
  return flags;
}

export const SLOT_BITMAP_BYTES = SLOT_COUNT / 8;

export function testBit(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >>> 3]! & (1 << (slot & 7))) !== 0;
}

export class ClusterNode {
  flags: number;
  configEpoch = 0;
  /** Slots this node serves, as the bus carries them (slot j is bit j & 7 of byte j >> 3). */
  readonly slots = new Uint8Array(SLOT_BITMAP_BYTES);
  numSlots = 0;
  master: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  ip = '';
  port = 0;
  /** The plaintext port when `port` is a TLS port; 0 otherwise. */
  pport = 0;
  cport = 0;
  hostname = '';
  /** When our unanswered PING left (0: none pending), the last PONG, the last bytes: ms. */
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  /** When this node (a primary) last saw us vote for one of its replicas. */
  votedTime = 0;
  replOffset = 0;
  /** Nodes (primaries) that reported this one as failing, and when they last did. */
  readonly failReports = new Map<ClusterNode, number>();
  /** The sequence number of the last PING that carried this node in its gossip. */
  lastInPingGossip = 0;

  constructor(
    public name: string,
    flags: number,
    readonly createdAt: number,
  ) {
    this.flags = flags;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  get isMaster(): boolean {
    return this.has(NodeFlag.Master);
  }

  get isReplica(): boolean {
    return this.has(NodeFlag.Slave);
  }

  get failed(): boolean {
    return this.has(NodeFlag.Fail);
  }

  get timedOut(): boolean {
    return this.has(NodeFlag.PFail);
  }

  ownsSlot(slot: number): boolean {
    return testBit(this.slots, slot);
  }

  setSlotBit(slot: number): boolean {
    if (this.ownsSlot(slot)) return false;
    this.slots[slot >>> 3]! |= 1 << (slot & 7);
    this.numSlots++;
    return true;
  }

  clearSlotBit(slot: number): boolean {
    if (!this.ownsSlot(slot)) return false;
    this.slots[slot >>> 3]! &= ~(1 << (slot & 7));
    this.numSlots--;
    return true;
  }

  addReplica(replica: ClusterNode): void {
    if (!this.replicas.includes(replica)) this.replicas.push(replica);
    // A primary with replicas may donate one to an orphaned primary (replica migration).
    if (this.replicas.length > 0) this.flags |= NodeFlag.MigrateTo;
  }

  removeReplica(replica: ClusterNode): void {
    const at = this.replicas.indexOf(replica);
    if (at >= 0) this.replicas.splice(at, 1);
    if (this.replicas.length === 0) this.flags &= ~NodeFlag.MigrateTo;
  }

  /** The epoch CLUSTER NODES shows: a replica shows its primary's. */
  get shownEpoch(): number {
    return this.isReplica && this.master !== null ? this.master.configEpoch : this.configEpoch;
  }

  /** Ranges of served slots as [start, end] pairs, in order. */
  slotRanges(): [number, number][] {
    const ranges: [number, number][] = [];
    let start = -1;
    for (let slot = 0; slot < SLOT_COUNT; ) {
      const byte = this.slots[slot >> 3]!;
      // Slots come in ranges: whole bytes that neither start nor end one are skipped at once
      // (nodes.conf is written after every slot change, and this was most of its cost).
      if ((slot & 7) === 0 && byte === (start < 0 ? 0 : 0xff)) {
        slot += 8;
        continue;
      }
      const owned = (byte & (1 << (slot & 7))) !== 0;
      if (owned && start < 0) start = slot;
      else if (!owned && start >= 0) {
        ranges.push([start, slot - 1]);
        start = -1;
      }
      slot++;
    }
    if (start >= 0) ranges.push([start, SLOT_COUNT - 1]);
    return ranges;
  }
}
