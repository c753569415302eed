// Memcached binary protocol: the 24-byte request header and its body (extras, key, value)
// in, response headers out. Field meanings are the opcode's business (src/memcached/).

import type { OutBuffer } from './out.ts';
import { view } from './text.ts';

export const REQUEST_MAGIC = 0x80;
export const RESPONSE_MAGIC = 0x81;
const HEADER = 24;

export const Op = {
  Get: 0x00,
  Set: 0x01,
  Add: 0x02,
  Replace: 0x03,
  Delete: 0x04,
  Increment: 0x05,
  Decrement: 0x06,
  Quit: 0x07,
  Flush: 0x08,
  GetQ: 0x09,
  Noop: 0x0a,
  Version: 0x0b,
  GetK: 0x0c,
  GetKQ: 0x0d,
  Append: 0x0e,
  Prepend: 0x0f,
  Stat: 0x10,
  SetQ: 0x11,
  AddQ: 0x12,
  ReplaceQ: 0x13,
  DeleteQ: 0x14,
  IncrementQ: 0x15,
  DecrementQ: 0x16,
  QuitQ: 0x17,
  FlushQ: 0x18,
  AppendQ: 0x19,
  PrependQ: 0x1a,
  Verbosity: 0x1b,
  Touch: 0x1c,
  Gat: 0x1d,
  GatQ: 0x1e,
  SaslListMechs: 0x20,
  SaslAuth: 0x21,
  SaslStep: 0x22,
  GatK: 0x23,
  GatKQ: 0x24,
} as const;

export const Status = {
  Ok: 0x00,
  KeyNotFound: 0x01,
  KeyExists: 0x02,
  TooLarge: 0x03,
  InvalidArguments: 0x04,
  NotStored: 0x05,
  DeltaBadValue: 0x06,
  AuthError: 0x20,
  AuthContinue: 0x21,
  UnknownCommand: 0x81,
  OutOfMemory: 0x82,
  NotSupported: 0x83,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** The texts memcached puts in the body of an error response. */
export const STATUS_TEXT: Partial<Record<Status, string>> = {
  [Status.KeyNotFound]: 'Not found',
  [Status.KeyExists]: 'Data exists for key.',
  [Status.TooLarge]: 'Too large.',
  [Status.InvalidArguments]: 'Invalid arguments',
  [Status.NotStored]: 'Not stored.',
  [Status.DeltaBadValue]: 'Non-numeric server-side value for incr or decr',
  [Status.AuthError]: 'Auth failure.',
  [Status.UnknownCommand]: 'Unknown command',
  [Status.OutOfMemory]: 'Out of memory',
  [Status.NotSupported]: 'Not supported',
};

export interface BinaryRequest {
  opcode: number;
  opaque: number;
  /** The CAS field (exact below 2^53; 0 = none). */
  cas: number;
  extras: Buffer;
  key: Buffer;
  value: Buffer;
}

export class BinaryParser {
  /** Set when a request did not start with the request magic; the connection must close. */
  closed = false;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  /** Bodies larger than this close the connection instead of being buffered. */
  constructor(private readonly maxBody: number) {}

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  next(): BinaryRequest | null {
    const buf = this.buf;
    const at = this.pos;
    if (buf.length - at < HEADER) return null;
    const keyLength = buf.readUInt16BE(at + 2);
    const extrasLength = buf[at + 4]!;
    const bodyLength = buf.readUInt32BE(at + 8);
    if (buf[at] !== REQUEST_MAGIC || bodyLength > this.maxBody || keyLength + extrasLength > bodyLength) {
      this.closed = true;
      return null;
    }
    if (buf.length - at < HEADER + bodyLength) return null;
    const body = at + HEADER;
    this.pos = body + bodyLength;
    return {
      opcode: buf[at + 1]!,
      opaque: buf.readUInt32BE(at + 12),
      cas: buf.readUInt32BE(at + 16) * 4294967296 + buf.readUInt32BE(at + 20),
      extras: view(buf, body, body + extrasLength),
      key: view(buf, body + extrasLength, body + extrasLength + keyLength),
      value: view(buf, body + extrasLength + keyLength, this.pos),
    };
  }
}

/** Writes a response header; the caller appends extras, key and value (bodyLength in all). */
export function writeResponseHeader(
  out: OutBuffer,
  opcode: number,
  status: number,
  opaque: number,
  cas: number,
  extrasLength: number,
  keyLength: number,
  bodyLength: number,
): void {
  out.byte(RESPONSE_MAGIC).byte(opcode).u16(keyLength).byte(extrasLength).byte(0).u16(status).u32(bodyLength).u32(opaque).u64(cas);
}
