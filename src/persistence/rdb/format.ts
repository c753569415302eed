// The RDB byte format's primitives: opcodes, value type bytes, lengths, strings (integer-encoded
// or LZF-compressed as Redis writes them), doubles and times, for writing (RdbOutput) and
// reading (RdbInput). Facts from Redis 7.0's rdb.h/rdb.c and 7.4's for hash-field TTLs.

import { Buffer } from 'node:buffer';
import { NOT_A_NUMBER, parseInt64 } from '../../util/numbers.ts';
import { lzfCompress, lzfDecompress } from './lzf.ts';
import type { ByteRange } from '../../store/types.ts';

/** What Redis 7.0 writes and DUMP payloads carry. */
export const RDB_VERSION = 10;
/** What Redis 7.4 writes; a file or payload holding hash-field TTLs says this version. */
export const RDB_VERSION_FIELD_TTLS = 12;

export const Opcode = {
  SlotInfo: 244,
  Function2: 245,
  FunctionPreGa: 246,
  ModuleAux: 247,
  Idle: 248,
  Freq: 249,
  Aux: 250,
  ResizeDb: 251,
  ExpireTimeMs: 252,
  ExpireTime: 253,
  SelectDb: 254,
  Eof: 255,
} as const;

export const RdbType = {
  String: 0,
  List: 1,
  Set: 2,
  ZSet: 3,
  Hash: 4,
  ZSet2: 5,
  ModulePreGa: 6,
  Module2: 7,
  HashZipmap: 9,
  ListZiplist: 10,
  SetIntset: 11,
  ZSetZiplist: 12,
  HashZiplist: 13,
  ListQuicklist: 14,
  StreamListpacks: 15,
  HashListpack: 16,
  ZSetListpack: 17,
  ListQuicklist2: 18,
  StreamListpacks2: 19,
  SetListpack: 20,
  StreamListpacks3: 21,
  HashMetadataPreGa: 22,
  HashListpackExPreGa: 23,
  HashMetadata: 24,
  HashListpackEx: 25,
} as const;

/** Quicklist 2 node containers. */
export const QUICKLIST_PLAIN = 1;
export const QUICKLIST_PACKED = 2;

const ENC_INT8 = 0;
const ENC_INT16 = 1;
const ENC_INT32 = 2;
const ENC_LZF = 3;

/** Thrown for bytes that do not parse as RDB; loaders report it as a corrupt file. */
export class RdbFormatError extends Error {}

/** Redis compresses strings longer than this when rdbcompression is on. */
const COMPRESS_ABOVE = 20;
/** Redis tries the integer encoding for strings up to this long. */
const INT_ENCODE_MAX = 11;

/** Bytes appended to a growing buffer, taken out in chunks by the file writer. */
export class RdbOutput {
  buf: Buffer;
  at = 0;

  constructor(
    /** rdbcompression: LZF for strings over 20 bytes that it shrinks. */
    public compression = true,
    capacity = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** The bytes written since the last take(), copied out; the buffer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  /** The bytes written so far, in place (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  reserve(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buf[this.at++] = value;
  }

  bytes(data: Uint8Array, start = 0, end = data.length): void {
    const length = end - start;
    this.reserve(length);
    const buf = this.buf;
    const at = this.at;
    if (length > 32) buf.set(data.subarray(start, end), at);
    else for (let i = 0; i < length; i++) buf[at + i] = data[start + i]!;
    this.at = at + length;
  }

  /** A length: 6 bits, 14 bits, or a 32/64-bit big-endian number after a marker byte. */
  length(n: number): void {
    this.reserve(9);
    const buf = this.buf;
    if (n < 64) {
      buf[this.at++] = n;
    } else if (n < 16384) {
      buf[this.at++] = 0x40 | (n >>> 8);
      buf[this.at++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      buf[this.at++] = 0x80;
      buf.writeUInt32BE(n, this.at);
      this.at += 4;
    } else {
      buf[this.at++] = 0x81;
      buf.writeBigUInt64BE(BigInt(n), this.at);
      this.at += 8;
    }
  }

  /** A length of up to 64 bits (stream IDs and counters). */
  bigLength(n: bigint): void {
    if (n <= 0xffffffffn) return this.length(Number(n));
    this.reserve(9);
    this.buf[this.at++] = 0x81;
    this.buf.writeBigUInt64BE(n, this.at);
    this.at += 8;
  }

  /** A string as rdbSaveRawString writes it: integer-encoded, LZF-compressed, or as it is. */
  string(data: Uint8Array, start = 0, end = data.length): void {
    const length = end - start;
    if (length <= INT_ENCODE_MAX && length > 0 && this.integer(data, start, end)) return;
    if (this.compression && length > COMPRESS_ABOVE) {
      const packed = lzfCompress(start === 0 && end === data.length ? data : data.subarray(start, end), length - 4);
      if (packed !== null) {
        this.byte(0xc0 | ENC_LZF);
        this.length(packed.length);
        this.length(length);
        this.bytes(packed);
        return;
      }
    }
    this.length(length);
    this.bytes(data, start, end);
  }

  /** The integer encodings of a string that is an integer in canonical form within int32. */
  private integer(data: Uint8Array, start: number, end: number): boolean {
    const n = parseInt64(data, start, end);
    if (n === NOT_A_NUMBER || typeof n !== 'number') return false;
    this.reserve(5);
    const buf = this.buf;
    if (n >= -128 && n <= 127) {
      buf[this.at++] = 0xc0 | ENC_INT8;
      buf.writeInt8(n, this.at);
      this.at += 1;
    } else if (n >= -32768 && n <= 32767) {
      buf[this.at++] = 0xc0 | ENC_INT16;
      buf.writeInt16LE(n, this.at);
      this.at += 2;
    } else if (n >= -2147483648 && n <= 2147483647) {
      buf[this.at++] = 0xc0 | ENC_INT32;
      buf.writeInt32LE(n, this.at);
      this.at += 4;
    } else {
      return false;
    }
    return true;
  }

  /** An 8-byte little-endian double (ZSET_2 scores). */
  double(value: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(value, this.at);
    this.at += 8;
  }

  /** An int64 in ms, little-endian (expiry times). */
  millis(value: number | bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(value), this.at);
    this.at += 8;
  }

  aux(key: string, value: string): void {
    this.byte(Opcode.Aux);
    const k = Buffer.from(key, 'latin1');
    const v = Buffer.from(value, 'latin1');
    this.string(k);
    this.string(v);
  }
}

const VIEW: ByteRange = { buf: new Uint8Array(0), start: 0, end: 0 };
const VIEW_DIGITS = new Uint8Array(11);

/** Points `out` at the decimal text of an int32, written at the end of `digits`. */
function decimal(n: number, out: ByteRange, digits: Uint8Array): ByteRange {
  let at = digits.length;
  let rest = Math.abs(n);
  do {
    digits[--at] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  if (n < 0) digits[--at] = 0x2d;
  out.buf = digits;
  out.start = at;
  out.end = digits.length;
  return out;
}

/** Reads RDB primitives from a buffer; every read checks its bounds. */
export class RdbInput {
  at: number;
  /** Whether the last lengthOrEncoding() read a special string encoding. */
  lastEncoded = false;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.at = start;
  }

  private need(n: number): void {
    if (this.at + n > this.end) throw new RdbFormatError('Unexpected EOF reading RDB file');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  take(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /**
   * A length, or with `lastEncoded` set, the kind of a special string encoding (kept in a
   * field rather than a returned object: this runs twice per key on load).
   */
  lengthOrEncoding(): number {
    const first = this.byte();
    const kind = first >>> 6;
    this.lastEncoded = kind === 3;
    if (kind === 0 || kind === 3) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.byte();
    if (first === 0x80) {
      this.need(4);
      const value = this.buf.readUInt32BE(this.at);
      this.at += 4;
      return value;
    }
    if (first === 0x81) {
      this.need(8);
      const value = this.buf.readBigUInt64BE(this.at);
      this.at += 8;
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('Length too large');
      return Number(value);
    }
    throw new RdbFormatError(`Unknown length encoding ${first} in rdbLoadLen()`);
  }

  length(): number {
    const value = this.lengthOrEncoding();
    if (this.lastEncoded) throw new RdbFormatError('Unexpected string encoding where a length was expected');
    return value;
  }

  /** A length of up to 64 bits (stream IDs and counters). */
  bigLength(): bigint {
    this.need(1);
    if (this.buf[this.at] !== 0x81) return BigInt(this.length());
    this.at++;
    return this.take(8).readBigUInt64BE(0);
  }

  /** A string in any of its encodings, as bytes the caller may keep (a copy). */
  string(): Buffer {
    const view = this.stringView();
    return view.buffer === this.buf.buffer ? Buffer.from(view) : view;
  }

  /**
   * A string in any of its encodings: a view into the file's bytes when stored as it is (valid
   * while the file's buffer is), else fresh bytes.
   */
  stringView(): Buffer {
    const range = this.stringRange(VIEW, VIEW_DIGITS);
    if (range.buf === this.buf) return this.buf.subarray(range.start, range.end);
    if (range.buf === VIEW_DIGITS) return Buffer.from(VIEW_DIGITS.subarray(range.start, range.end));
    return Buffer.from(range.buf.buffer, range.buf.byteOffset + range.start, range.end - range.start);
  }

  /**
   * A string in any of its encodings, with no allocation unless it is compressed: `out` is
   * pointed at the file's bytes when stored as they are, at `digits` (11 bytes or more, which
   * the text of an integer encoding is written into), or at fresh decompressed bytes.
   */
  stringRange(out: ByteRange, digits: Uint8Array): ByteRange {
    const value = this.lengthOrEncoding();
    if (!this.lastEncoded) {
      this.need(value);
      out.buf = this.buf;
      out.start = this.at;
      out.end = this.at += value;
      return out;
    }
    switch (value) {
      case ENC_INT8:
        return decimal(this.take(1).readInt8(0), out, digits);
      case ENC_INT16:
        return decimal(this.take(2).readInt16LE(0), out, digits);
      case ENC_INT32:
        return decimal(this.take(4).readInt32LE(0), out, digits);
      case ENC_LZF: {
        const packedLength = this.length();
        const length = this.length();
        const bytes = lzfDecompress(this.take(packedLength), length);
        if (bytes === null) throw new RdbFormatError('Invalid LZF compressed string');
        out.buf = bytes;
        out.start = 0;
        out.end = bytes.length;
        return out;
      }
      default:
        throw new RdbFormatError(`Unknown RDB string encoding type ${value}`);
    }
  }

  double(): number {
    this.need(8);
    const value = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }

  /** The old ZSET type's scores: a length byte (253 nan, 254 inf, 255 -inf) and ASCII. */
  textDouble(): number {
    const length = this.byte();
    if (length === 253) return NaN;
    if (length === 254) return Infinity;
    if (length === 255) return -Infinity;
    return Number(this.take(length).toString('latin1'));
  }

  millis(): number | bigint {
    this.need(8);
    const value = this.buf.readBigInt64LE(this.at);
    this.at += 8;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  seconds(): number {
    this.need(4);
    const value = this.buf.readInt32LE(this.at);
    this.at += 4;
    return value * 1000;
  }
}
