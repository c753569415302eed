// Redis's packed byte formats as they appear inside RDB values: listpacks (written and read),
// and the older ziplists, zipmaps and intsets (read only; Redis 7.0 still loads them).
// Mnemo's own compact encodings differ in layout, so values are converted element by element.

import { Buffer } from 'node:buffer';
import { NOT_A_NUMBER, parseInt64, type Int64 } from '../../util/numbers.ts';

/** Thrown for bytes that are not a valid packed structure; the loader reports it as corruption. */
export class PackedFormatError extends Error {}

/** Visits one element; the bytes are a fresh copy. */
export type ElementSink = (element: Buffer) => void;

const LP_HEADER = 6;
const LP_EOF = 0xff;

/** Bytes the listpack back-length of an entry of `size` bytes takes (Redis's thresholds). */
function backlenBytes(size: number): number {
  return size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5;
}

/**
 * Builds a listpack as Redis lays it out: header (total bytes u32, count u16), entries (an
 * integer in the smallest encoding when the element is one in string2ll's strict form, else
 * a string), then 0xFF. Each entry ends with its own size, so Redis can walk it backwards.
 */
export class ListpackBuilder {
  private buf = Buffer.allocUnsafe(256);
  private at = LP_HEADER;
  count = 0;

  get bytes(): number {
    return this.at + 1;
  }

  /** Bytes an element would take as an entry here, back-length included. */
  static entryBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const length = end - start;
    const n = length <= 20 ? parseInt64(bytes, start, end) : NOT_A_NUMBER;
    let size: number;
    if (n === NOT_A_NUMBER) size = (length < 64 ? 1 : length < 4096 ? 2 : 5) + length;
    else if (typeof n === 'bigint') size = 9;
    else size = n >= 0 && n <= 127 ? 1 : n >= -4096 && n <= 4095 ? 2 : n >= -32768 && n <= 32767 ? 3 : n >= -8388608 && n <= 8388607 ? 4 : n >= -2147483648 && n <= 2147483647 ? 5 : 9;
    return size + backlenBytes(size);
  }

  add(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const length = end - start;
    const n = length <= 20 ? parseInt64(bytes, start, end) : NOT_A_NUMBER;
    if (n !== NOT_A_NUMBER) return this.addInt(n);
    this.reserve(length + 10);
    const buf = this.buf;
    let size: number;
    if (length < 64) {
      buf[this.at] = 0x80 | length;
      size = 1;
    } else if (length < 4096) {
      buf[this.at] = 0xe0 | (length >>> 8);
      buf[this.at + 1] = length & 0xff;
      size = 2;
    } else {
      buf[this.at] = 0xf0;
      buf.writeUInt32LE(length, this.at + 1);
      size = 5;
    }
    if (length > 0) buf.set(bytes.subarray(start, end), this.at + size);
    this.finishEntry(size + length);
  }

  addInt(value: Int64): void {
    this.reserve(14);
    const buf = this.buf;
    const at = this.at;
    let size: number;
    if (typeof value === 'bigint') {
      buf[at] = 0xf4;
      buf.writeBigInt64LE(value, at + 1);
      size = 9;
    } else if (value >= 0 && value <= 127) {
      buf[at] = value;
      size = 1;
    } else if (value >= -4096 && value <= 4095) {
      const u = value < 0 ? 8192 + value : value;
      buf[at] = 0xc0 | (u >>> 8);
      buf[at + 1] = u & 0xff;
      size = 2;
    } else if (value >= -32768 && value <= 32767) {
      buf[at] = 0xf1;
      buf.writeInt16LE(value, at + 1);
      size = 3;
    } else if (value >= -8388608 && value <= 8388607) {
      buf[at] = 0xf2;
      buf.writeIntLE(value, at + 1, 3);
      size = 4;
    } else if (value >= -2147483648 && value <= 2147483647) {
      buf[at] = 0xf3;
      buf.writeInt32LE(value, at + 1);
      size = 5;
    } else {
      buf[at] = 0xf4;
      buf.writeBigInt64LE(BigInt(value), at + 1);
      size = 9;
    }
    this.finishEntry(size);
  }

  /** The finished listpack (a view of the builder's buffer, valid until the next add). */
  finish(): Buffer {
    this.reserve(1);
    const buf = this.buf;
    buf[this.at] = LP_EOF;
    const total = this.at + 1;
    buf.writeUInt32LE(total, 0);
    buf.writeUInt16LE(Math.min(this.count, 65535), 4);
    return buf.subarray(0, total);
  }

  reset(): void {
    this.at = LP_HEADER;
    this.count = 0;
  }

  private finishEntry(size: number): void {
    const buf = this.buf;
    let at = this.at + size;
    // The back-length: the entry's size in 7-bit groups, most significant first, every byte
    // but the first flagged with 0x80 (read backwards from the last byte).
    const groups = backlenBytes(size);
    for (let g = groups - 1; g >= 0; g--) {
      const bits = (size / 2 ** (7 * g)) & 127;
      buf[at++] = g === groups - 1 ? bits : bits | 128;
    }
    this.at = at;
    this.count++;
  }

  private reserve(extra: number): void {
    if (this.at + extra + 1 <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra + 1));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

function intBuffer(value: Int64): Buffer {
  return Buffer.from(value.toString(), 'latin1');
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new PackedFormatError(what);
}

/** Visits every element of a Redis listpack, integers as their decimal strings. Returns the count. */
export function readListpack(lp: Uint8Array, visit: ElementSink): number {
  const buf = Buffer.from(lp.buffer, lp.byteOffset, lp.length);
  need(buf.length >= LP_HEADER + 1 && buf.readUInt32LE(0) === buf.length, 'listpack header');
  let at = LP_HEADER;
  let count = 0;
  for (;;) {
    need(at < buf.length, 'listpack end');
    const b = buf[at]!;
    if (b === LP_EOF) break;
    let size: number;
    if (b < 0x80) {
      visit(intBuffer(b));
      size = 1;
    } else if (b < 0xc0) {
      const length = b & 0x3f;
      need(at + 1 + length <= buf.length, 'listpack string');
      visit(Buffer.from(buf.subarray(at + 1, at + 1 + length)));
      size = 1 + length;
    } else if (b < 0xe0) {
      const u = ((b & 0x1f) << 8) | buf[at + 1]!;
      visit(intBuffer(u >= 4096 ? u - 8192 : u));
      size = 2;
    } else if (b < 0xf0) {
      const length = ((b & 0x0f) << 8) | buf[at + 1]!;
      need(at + 2 + length <= buf.length, 'listpack string');
      visit(Buffer.from(buf.subarray(at + 2, at + 2 + length)));
      size = 2 + length;
    } else {
      need(at + (b === 0xf4 ? 9 : 5) <= buf.length, 'listpack entry');
      switch (b) {
        case 0xf0: {
          const length = buf.readUInt32LE(at + 1);
          need(at + 5 + length <= buf.length, 'listpack string');
          visit(Buffer.from(buf.subarray(at + 5, at + 5 + length)));
          size = 5 + length;
          break;
        }
        case 0xf1:
          visit(intBuffer(buf.readInt16LE(at + 1)));
          size = 3;
          break;
        case 0xf2:
          visit(intBuffer(buf.readIntLE(at + 1, 3)));
          size = 4;
          break;
        case 0xf3:
          visit(intBuffer(buf.readInt32LE(at + 1)));
          size = 5;
          break;
        case 0xf4: {
          const big = buf.readBigInt64LE(at + 1);
          visit(intBuffer(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big));
          size = 9;
          break;
        }
        default:
          throw new PackedFormatError('listpack encoding');
      }
    }
    at += size + backlenBytes(size);
    count++;
  }
  need(at === buf.length - 1, 'listpack trailing bytes');
  return count;
}

/** Visits every element of a ziplist (Redis before 7.0). Returns the count. */
export function readZiplist(zl: Uint8Array, visit: ElementSink): number {
  const buf = Buffer.from(zl.buffer, zl.byteOffset, zl.length);
  need(buf.length >= 11 && buf.readUInt32LE(0) === buf.length, 'ziplist header');
  let at = 10;
  let count = 0;
  for (;;) {
    need(at < buf.length, 'ziplist end');
    if (buf[at] === 0xff) break;
    at += buf[at] === 0xfe ? 5 : 1; // the previous entry's length
    need(at < buf.length, 'ziplist entry');
    const b = buf[at]!;
    const kind = b >>> 6;
    if (kind === 0 || kind === 1 || kind === 2) {
      let length: number;
      if (kind === 0) {
        length = b & 0x3f;
        at += 1;
      } else if (kind === 1) {
        length = ((b & 0x3f) << 8) | buf[at + 1]!;
        at += 2;
      } else {
        length = buf.readUInt32BE(at + 1);
        at += 5;
      }
      need(at + length <= buf.length, 'ziplist string');
      visit(Buffer.from(buf.subarray(at, at + length)));
      at += length;
    } else {
      at += 1;
      if (b === 0xc0) {
        visit(intBuffer(buf.readInt16LE(at)));
        at += 2;
      } else if (b === 0xd0) {
        visit(intBuffer(buf.readInt32LE(at)));
        at += 4;
      } else if (b === 0xe0) {
        const big = buf.readBigInt64LE(at);
        visit(intBuffer(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big));
        at += 8;
      } else if (b === 0xf0) {
        visit(intBuffer(buf.readIntLE(at, 3)));
        at += 3;
      } else if (b === 0xfe) {
        visit(intBuffer(buf.readInt8(at)));
        at += 1;
      } else if (b >= 0xf1 && b <= 0xfd) {
        visit(intBuffer((b & 0x0f) - 1));
      } else {
        throw new PackedFormatError('ziplist encoding');
      }
    }
    count++;
  }
  return count;
}

/** Visits the fields and values of a zipmap (Redis before 2.6), alternately. Returns the pair count. */
export function readZipmap(zm: Uint8Array, visit: ElementSink): number {
  const buf = Buffer.from(zm.buffer, zm.byteOffset, zm.length);
  let at = 1;
  let pairs = 0;
  const length = (): number => {
    need(at < buf.length, 'zipmap length');
    const b = buf[at]!;
    if (b < 254) {
      at += 1;
      return b;
    }
    need(b === 254 && at + 5 <= buf.length, 'zipmap length');
    const n = buf.readUInt32LE(at + 1);
    at += 5;
    return n;
  };
  for (;;) {
    need(at < buf.length, 'zipmap end');
    if (buf[at] === 0xff) break;
    const fieldLength = length();
    need(at + fieldLength <= buf.length, 'zipmap field');
    visit(Buffer.from(buf.subarray(at, at + fieldLength)));
    at += fieldLength;
    const valueLength = length();
    const free = buf[at++]!;
    need(at + valueLength + free <= buf.length, 'zipmap value');
    visit(Buffer.from(buf.subarray(at, at + valueLength)));
    at += valueLength + free;
    pairs++;
  }
  return pairs;
}

/** Visits the members of an intset, as decimal strings in ascending order. Returns the count. */
export function readIntset(is: Uint8Array, visit: ElementSink): number {
  const buf = Buffer.from(is.buffer, is.byteOffset, is.length);
  need(buf.length >= 8, 'intset header');
  const width = buf.readUInt32LE(0);
  const count = buf.readUInt32LE(4);
  need((width === 2 || width === 4 || width === 8) && buf.length === 8 + width * count, 'intset size');
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    if (width === 2) visit(intBuffer(buf.readInt16LE(at)));
    else if (width === 4) visit(intBuffer(buf.readInt32LE(at)));
    else visit(intBuffer(buf.readBigInt64LE(at)));
  }
  return count;
}

/** An intset of `values` (ascending), in the narrowest width that holds them all. */
export function buildIntset(values: readonly bigint[]): Buffer {
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const buf = Buffer.alloc(8 + width * values.length);
  buf.writeUInt32LE(width, 0);
  buf.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    const at = 8 + i * width;
    if (width === 2) buf.writeInt16LE(Number(v), at);
    else if (width === 4) buf.writeInt32LE(Number(v), at);
    else buf.writeBigInt64LE(v, at);
  });
  return buf;
}
