// The cluster bus's messages in Redis 7.0's binary layout (cluster.h's clusterMsg): a 2256-byte
// header (signature "RCmb", lengths, type, epochs, replication offset, sender name, its slot
// bitmap, its primary, address, ports, flags, cluster state), then the type's data: gossip
// entries and ping extensions for PING/PONG/MEET, a node name for FAIL, channel and message for
// PUBLISH, an epoch and bitmap for UPDATE. All integers are big-endian. Decoding checks every
// length against the buffer: a message that does not add up is a BusFormatError, never a read
// past its end.

import { Buffer } from 'node:buffer';
import { NAME_LENGTH, SLOT_BITMAP_BYTES } from './node.ts';

export const MessageType = {
  Ping: 0,
  Pong: 1,
  Meet: 2,
  Fail: 3,
  Publish: 4,
  FailoverAuthRequest: 5,
  FailoverAuthAck: 6,
  Update: 7,
  MfStart: 8,
  Module: 9,
  PublishShard: 10,
} as const;

/** The names CLUSTER INFO's cluster_stats_messages_<name>_sent/received use, by type. */
export const MESSAGE_TYPE_NAMES = ['ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard'];

/** mflags[0] bits. */
export const MessageFlag = { Paused: 1, ForceAck: 2, ExtData: 4 } as const;

const SIGNATURE = 'RCmb';
const PROTOCOL_VERSION = 1;
const IP_LENGTH = 46;
/** The header without the data union (CLUSTERMSG_MIN_LEN). */
export const HEADER_LENGTH = 2256;
const GOSSIP_LENGTH = 104;
const UPDATE_LENGTH = 8 + NAME_LENGTH + SLOT_BITMAP_BYTES;
const EXT_HEADER_LENGTH = 8;
const EXT_HOSTNAME = 0;

const At = {
  sig: 0,
  totlen: 4,
  ver: 8,
  port: 10,
  type: 12,
  count: 14,
  currentEpoch: 16,
  configEpoch: 24,
  offset: 32,
  sender: 40,
  myslots: 80,
  slaveof: 2128,
  myip: 2168,
  extensions: 2214,
  pport: 2246,
  cport: 2248,
  flags: 2250,
  state: 2252,
  mflags: 2253,
} as const;

export class BusFormatError extends Error {}

/** One gossip entry; times in ms (the wire carries whole seconds). */
export interface Gossip {
  name: string;
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

export interface Header {
  type: number;
  port: number;
  pport: number;
  cport: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  slots: Uint8Array;
  /** The sender's primary, or null when it is one. */
  master: string | null;
  /** The address the sender announces, or '' to take the connection's. */
  ip: string;
  flags: number;
  /** The sender's view: true when the cluster is ok. */
  ok: boolean;
  mflags: number;
}

/** What follows the header, by the message's kind (MODULE and unknown types are 'ignored'). */
export type Body =
  | { kind: 'ping'; gossip: Gossip[]; hostname: string | null }
  | { kind: 'fail'; about: string }
  | { kind: 'publish'; channel: Buffer; message: Buffer }
  | { kind: 'update'; epoch: number; node: string; nodeSlots: Uint8Array }
  | { kind: 'bare' }
  | { kind: 'ignored' };

export type Message = Header & Body;

const NULL_NAME = Buffer.alloc(NAME_LENGTH);

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('latin1', start, end < 0 || end > start + length ? start + length : end);
}

function readEpoch(buf: Buffer, at: number): number {
  // Epochs and offsets are uint64 on the wire; past 2^53 they cannot be exact here anyway.
  return Number(buf.readBigUInt64BE(at));
}

/**
 * The total length a frame announces once 8 bytes arrived, or a BusFormatError when they
 * cannot start a message (the link is then closed, as Redis does).
 */
export function frameLength(head: Buffer): number {
  if (head.toString('latin1', 0, 4) !== SIGNATURE) throw new BusFormatError('bad signature');
  const length = head.readUInt32BE(At.totlen);
  if (length < HEADER_LENGTH) throw new BusFormatError(`message of ${length} bytes is shorter than a header`);
  return length;
}

/** Decodes one whole frame (as many bytes as its totlen says). */
export function decodeMessage(buf: Buffer): Message {
  if (buf.length < HEADER_LENGTH) throw new BusFormatError('short message');
  const length = frameLength(buf);
  if (length !== buf.length) throw new BusFormatError('length does not match the frame');
  if (buf.readUInt16BE(At.ver) !== PROTOCOL_VERSION) throw new BusFormatError('unknown protocol version');
  const type = buf.readUInt16BE(At.type);
  const count = buf.readUInt16BE(At.count);
  const header: Header = {
    type,
    port: buf.readUInt16BE(At.port),
    pport: buf.readUInt16BE(At.pport),
    cport: buf.readUInt16BE(At.cport),
    currentEpoch: readEpoch(buf, At.currentEpoch),
    configEpoch: readEpoch(buf, At.configEpoch),
    offset: readEpoch(buf, At.offset),
    sender: buf.toString('latin1', At.sender, At.sender + NAME_LENGTH),
    slots: Uint8Array.prototype.slice.call(buf, At.myslots, At.myslots + SLOT_BITMAP_BYTES),
    master: buf.compare(NULL_NAME, 0, NAME_LENGTH, At.slaveof, At.slaveof + NAME_LENGTH) === 0 ? null : buf.toString('latin1', At.slaveof, At.slaveof + NAME_LENGTH),
    ip: cString(buf, At.myip, IP_LENGTH),
    flags: buf.readUInt16BE(At.flags),
    ok: buf[At.state] === 0,
    mflags: buf[At.mflags]!,
  };
  const expect = (expected: number) => {
    if (length !== expected) throw new BusFormatError(`message of type ${type} has ${length} bytes, expected ${expected}`);
  };
  switch (type) {
    case MessageType.Ping:
    case MessageType.Pong:
    case MessageType.Meet: {
      let at = HEADER_LENGTH + count * GOSSIP_LENGTH;
      if (at > length) throw new BusFormatError('gossip section past the end');
      const gossip: Gossip[] = [];
      for (let i = 0, g = HEADER_LENGTH; i < count; i++, g += GOSSIP_LENGTH) {
        gossip.push({
          name: buf.toString('latin1', g, g + NAME_LENGTH),
          pingSent: buf.readUInt32BE(g + 40) * 1000,
          pongReceived: buf.readUInt32BE(g + 44) * 1000,
          ip: cString(buf, g + 48, IP_LENGTH),
          port: buf.readUInt16BE(g + 94),
          cport: buf.readUInt16BE(g + 96),
          flags: buf.readUInt16BE(g + 98),
          pport: buf.readUInt16BE(g + 100),
        });
      }
      let hostname: string | null = null;
      if ((header.mflags & MessageFlag.ExtData) !== 0) {
        for (let n = buf.readUInt16BE(At.extensions); n > 0; n--) {
          if (at + EXT_HEADER_LENGTH > length) throw new BusFormatError('extension header past the end');
          const extLength = buf.readUInt32BE(at);
          if (extLength % 8 !== 0 || extLength < EXT_HEADER_LENGTH || at + extLength > length) throw new BusFormatError('bad extension length');
          if (buf.readUInt16BE(at + 4) === EXT_HOSTNAME) hostname = cString(buf, at + EXT_HEADER_LENGTH, extLength - EXT_HEADER_LENGTH);
          at += extLength;
        }
      }
      expect(at);
      return { ...header, kind: 'ping', gossip, hostname };
    }
    case MessageType.Fail:
      expect(HEADER_LENGTH + NAME_LENGTH);
      return { ...header, kind: 'fail', about: buf.toString('latin1', HEADER_LENGTH, HEADER_LENGTH + NAME_LENGTH) };
    case MessageType.Publish:
    case MessageType.PublishShard: {
      if (length < HEADER_LENGTH + 8) throw new BusFormatError('short PUBLISH');
      const channelLength = buf.readUInt32BE(HEADER_LENGTH);
      const messageLength = buf.readUInt32BE(HEADER_LENGTH + 4);
      const start = HEADER_LENGTH + 8;
      expect(start + channelLength + messageLength);
      return {
        ...header,
        kind: 'publish',
        channel: Buffer.from(buf.subarray(start, start + channelLength)),
        message: Buffer.from(buf.subarray(start + channelLength, start + channelLength + messageLength)),
      };
    }
    case MessageType.FailoverAuthRequest:
    case MessageType.FailoverAuthAck:
    case MessageType.MfStart:
      expect(HEADER_LENGTH);
      return { ...header, kind: 'bare' };
    case MessageType.Update: {
      expect(HEADER_LENGTH + UPDATE_LENGTH);
      const at = HEADER_LENGTH;
      return {
        ...header,
        kind: 'update',
        epoch: readEpoch(buf, at),
        node: buf.toString('latin1', at + 8, at + 8 + NAME_LENGTH),
        nodeSlots: Uint8Array.prototype.slice.call(buf, at + 8 + NAME_LENGTH, at + UPDATE_LENGTH),
      };
    }
    case MessageType.Module: {
      if (length < HEADER_LENGTH + 13) throw new BusFormatError('short MODULE');
      expect(HEADER_LENGTH + 13 + buf.readUInt32BE(HEADER_LENGTH + 8));
      return { ...header, kind: 'ignored' };
    }
    default:
      // A type from a later version: accepted as Redis does, and ignored.
      return { ...header, kind: 'ignored' };
  }
}

/** What a node puts in the header of every message it sends (clusterBuildMessageHdr). */
export type HeaderFields = Omit<Header, 'type' | 'mflags' | 'ok'> & { ok: boolean; paused: boolean };

function writeHeader(buf: Buffer, type: number, fields: HeaderFields): void {
  buf.write(SIGNATURE, At.sig, 'latin1');
  buf.writeUInt32BE(buf.length, At.totlen);
  buf.writeUInt16BE(PROTOCOL_VERSION, At.ver);
  buf.writeUInt16BE(fields.port, At.port);
  buf.writeUInt16BE(type, At.type);
  buf.writeBigUInt64BE(BigInt(fields.currentEpoch), At.currentEpoch);
  buf.writeBigUInt64BE(BigInt(fields.configEpoch), At.configEpoch);
  buf.writeBigUInt64BE(BigInt(Math.max(0, fields.offset)), At.offset);
  buf.write(fields.sender, At.sender, NAME_LENGTH, 'latin1');
  buf.set(fields.slots, At.myslots);
  if (fields.master !== null) buf.write(fields.master, At.slaveof, NAME_LENGTH, 'latin1');
  buf.write(fields.ip, At.myip, IP_LENGTH - 1, 'latin1');
  buf.writeUInt16BE(fields.pport, At.pport);
  buf.writeUInt16BE(fields.cport, At.cport);
  buf.writeUInt16BE(fields.flags & 0xffff, At.flags);
  buf[At.state] = fields.ok ? 0 : 1;
  if (fields.paused) buf[At.mflags] = MessageFlag.Paused;
}

/** A PING, PONG or MEET with these gossip entries and, when given, the hostname extension. */
export function encodePing(type: number, fields: HeaderFields, gossip: readonly Gossip[], hostname: string): Buffer {
  const extLength = hostname === '' ? 0 : EXT_HEADER_LENGTH + Math.ceil((Buffer.byteLength(hostname) + 1) / 8) * 8;
  const buf = Buffer.alloc(HEADER_LENGTH + gossip.length * GOSSIP_LENGTH + extLength);
  writeHeader(buf, type, fields);
  buf.writeUInt16BE(gossip.length, At.count);
  gossip.forEach((entry, i) => {
    const g = HEADER_LENGTH + i * GOSSIP_LENGTH;
    buf.write(entry.name, g, NAME_LENGTH, 'latin1');
    buf.writeUInt32BE(Math.floor(entry.pingSent / 1000) >>> 0, g + 40);
    buf.writeUInt32BE(Math.floor(entry.pongReceived / 1000) >>> 0, g + 44);
    buf.write(entry.ip, g + 48, IP_LENGTH - 1, 'latin1');
    buf.writeUInt16BE(entry.port, g + 94);
    buf.writeUInt16BE(entry.cport, g + 96);
    buf.writeUInt16BE(entry.flags & 0xffff, g + 98);
    buf.writeUInt16BE(entry.pport, g + 100);
  });
  if (extLength > 0) {
    const at = HEADER_LENGTH + gossip.length * GOSSIP_LENGTH;
    buf[At.mflags] = buf[At.mflags]! | MessageFlag.ExtData;
    buf.writeUInt16BE(1, At.extensions);
    buf.writeUInt32BE(extLength, at);
    buf.writeUInt16BE(EXT_HOSTNAME, at + 4);
    buf.write(hostname, at + EXT_HEADER_LENGTH, 'utf8');
  }
  return buf;
}

export function encodeFail(fields: HeaderFields, about: string): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + NAME_LENGTH);
  writeHeader(buf, MessageType.Fail, fields);
  buf.write(about, HEADER_LENGTH, NAME_LENGTH, 'latin1');
  return buf;
}

export function encodePublish(type: number, fields: HeaderFields, channel: Uint8Array, message: Uint8Array): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + 8 + channel.length + message.length);
  writeHeader(buf, type, fields);
  buf.writeUInt32BE(channel.length, HEADER_LENGTH);
  buf.writeUInt32BE(message.length, HEADER_LENGTH + 4);
  buf.set(channel, HEADER_LENGTH + 8);
  buf.set(message, HEADER_LENGTH + 8 + channel.length);
  return buf;
}

export function encodeUpdate(fields: HeaderFields, epoch: number, node: string, slots: Uint8Array): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + UPDATE_LENGTH);
  writeHeader(buf, MessageType.Update, fields);
  buf.writeBigUInt64BE(BigInt(epoch), HEADER_LENGTH);
  buf.write(node, HEADER_LENGTH + 8, NAME_LENGTH, 'latin1');
  buf.set(slots, HEADER_LENGTH + 8 + NAME_LENGTH);
  return buf;
}

/** FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART: the header alone. */
export function encodeBare(type: number, fields: HeaderFields, forceAck = false): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH);
  writeHeader(buf, type, fields);
  if (forceAck) buf[At.mflags] = buf[At.mflags]! | MessageFlag.ForceAck;
  return buf;
}
