// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones polynomial
// (0xad93d23594c935a9), reflected, initial value 0, no final xor. crc64("123456789") is
// 0xe9c6d914c4b8d9ca.
//
// JS has no fast 64-bit integers, so the state is two uint32 halves, and the table lookup runs
// eight bytes per step (slice-by-8): eight tables, one per byte position of a 64-bit word.

import { Buffer } from 'node:buffer';

/** The Jones polynomial bit-reflected, as two halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLES = 8;
const LO = new Uint32Array(256 * TABLES);
const HI = new Uint32Array(256 * TABLES);

for (let n = 0; n < 256; n++) {
  let lo = n;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry !== 0) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  LO[n] = lo;
  HI[n] = hi;
}
for (let t = 1; t < TABLES; t++) {
  for (let n = 0; n < 256; n++) {
    const prevLo = LO[(t - 1) * 256 + n]!;
    const prevHi = HI[(t - 1) * 256 + n]!;
    const index = prevLo & 0xff;
    LO[t * 256 + n] = (((prevLo >>> 8) | (prevHi << 24)) ^ LO[index]!) >>> 0;
    HI[t * 256 + n] = ((prevHi >>> 8) ^ HI[index]!) >>> 0;
  }
}

/** A running CRC-64 over data fed in pieces. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const fast = end - ((end - start) & 7);
    for (; i < fast; i += 8) {
      const a = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const b = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
      lo =
        LO[7 * 256 + (a & 0xff)]! ^
        LO[6 * 256 + ((a >>> 8) & 0xff)]! ^
        LO[5 * 256 + ((a >>> 16) & 0xff)]! ^
        LO[4 * 256 + (a >>> 24)]! ^
        LO[3 * 256 + (b & 0xff)]! ^
        LO[2 * 256 + ((b >>> 8) & 0xff)]! ^
        LO[256 + ((b >>> 16) & 0xff)]! ^
        LO[b >>> 24]!;
      hi =
        HI[7 * 256 + (a & 0xff)]! ^
        HI[6 * 256 + ((a >>> 8) & 0xff)]! ^
        HI[5 * 256 + ((a >>> 16) & 0xff)]! ^
        HI[4 * 256 + (a >>> 24)]! ^
        HI[3 * 256 + (b & 0xff)]! ^
        HI[2 * 256 + ((b >>> 8) & 0xff)]! ^
        HI[256 + ((b >>> 16) & 0xff)]! ^
        HI[b >>> 24]!;
    }
    for (; i < end; i++) {
      const index = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ LO[index]!;
      hi = (hi >>> 8) ^ HI[index]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The CRC as 8 little-endian bytes, as RDB files and DUMP payloads store it. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

export function crc64(data: Uint8Array, start = 0, end = data.length): Crc64 {
  return new Crc64().update(data, start, end);
}
