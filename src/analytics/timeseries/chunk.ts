// A time series is a list of chunks, each a run of samples in timestamp order. Appends go to
// the last chunk; a full one is closed and a new one opened, so ingest never copies what is
// stored. Two encodings, as RedisTimeSeries has them: UNCOMPRESSED (a timestamp and a value
// array) and COMPRESSED, Gorilla's bit stream (delta-of-delta timestamps, XOR'd values), about
// 1-2 bytes per sample for regular series instead of 16. Rare writes into the middle of a chunk
// (upserts, TS.DEL, splits) decode it, change the arrays and encode it again.

import { typedArrayBytes } from '../../store/memory.ts';

export interface Chunk {
  readonly count: number;
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  /** Bytes of sample data (TS.INFO's chunk sizes). */
  readonly dataBytes: number;
  /** Bytes held, objects included (memory accounting). */
  readonly bytes: number;
  /** Appends a sample later than every other; false when the chunk is full. */
  append(timestamp: number, value: number): boolean;
  /** The samples, in order, as arrays of `count` elements the caller may keep. */
  decode(): Samples;
}

export interface Samples {
  timestamps: Float64Array;
  values: Float64Array;
}

export type ChunkEncoding = 'compressed' | 'uncompressed';

export function newChunk(encoding: ChunkEncoding, sizeBytes: number): Chunk {
  return encoding === 'compressed' ? new CompressedChunk(sizeBytes) : new UncompressedChunk(sizeBytes);
}

/** A chunk holding samples [from, to) of `samples`, in `encoding`; its size limit is not applied. */
export function chunkOf(encoding: ChunkEncoding, sizeBytes: number, samples: Samples, from: number, to: number): Chunk {
  const chunk =
    encoding === 'compressed' ? new CompressedChunk(Infinity) : new UncompressedChunk(Math.max(sizeBytes, (to - from) * 16));
  for (let i = from; i < to; i++) chunk.append(samples.timestamps[i]!, samples.values[i]!);
  if (chunk instanceof CompressedChunk) chunk.limit = sizeBytes;
  return chunk;
}

const OBJECT_BYTES = 64;

class UncompressedChunk implements Chunk {
  count = 0;
  private readonly timestamps: Float64Array;
  private readonly values: Float64Array;

  constructor(sizeBytes: number) {
    const capacity = Math.max(1, Math.floor(sizeBytes / 16));
    this.timestamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get firstTimestamp(): number {
    return this.timestamps[0]!;
  }

  get lastTimestamp(): number {
    return this.timestamps[this.count - 1]!;
  }

  get dataBytes(): number {
    return this.timestamps.byteLength * 2;
  }

  get bytes(): number {
    return OBJECT_BYTES + 2 * typedArrayBytes(this.timestamps.byteLength);
  }

  append(timestamp: number, value: number): boolean {
    if (this.count === this.timestamps.length) return false;
    this.timestamps[this.count] = timestamp;
    this.values[this.count] = value;
    this.count++;
    return true;
  }

  decode(): Samples {
    return { timestamps: this.timestamps.slice(0, this.count), values: this.values.slice(0, this.count) };
  }
}

// A double's two 32-bit halves, for XOR-ing values without BigInt.
const doubleView = new Float64Array(1);
const halves = new Uint32Array(doubleView.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

const TWO_32 = 2 ** 32;

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

class CompressedChunk implements Chunk {
  count = 0;
  firstTimestamp = 0;
  lastTimestamp = 0;
  private buffer = new Uint8Array(64);
  private bitLength = 0;
  private previousDelta = 0;
  private previousHi = 0;
  private previousLo = 0;
  private previousLeading = -1;
  private previousTrailing = 0;

  constructor(public limit: number) {}

  get dataBytes(): number {
    return (this.bitLength + 7) >>> 3;
  }

  get bytes(): number {
    return OBJECT_BYTES + typedArrayBytes(this.buffer.byteLength);
  }

  append(timestamp: number, value: number): boolean {
    const mark = this.bitLength;
    const state = [this.previousDelta, this.previousHi, this.previousLo, this.previousLeading, this.previousTrailing] as const;
    if (this.count === 0) {
      this.writeWide(timestamp);
      doubleView[0] = value;
      this.write(halves[HI]!, 32);
      this.write(halves[LO]!, 32);
      this.previousHi = halves[HI]!;
      this.previousLo = halves[LO]!;
    } else {
      const delta = timestamp - this.lastTimestamp;
      this.writeDeltaOfDelta(delta - this.previousDelta);
      this.previousDelta = delta;
      this.writeValue(value);
    }
    if (this.count > 0 && this.dataBytes > this.limit) {
      // Undo the sample: the chunk is full. Writes OR bits in, so the ones past the mark go.
      const byte = mark >>> 3;
      this.buffer[byte]! &= (0xff << (8 - (mark & 7))) & 0xff;
      this.buffer.fill(0, byte + 1);
      this.bitLength = mark;
      [this.previousDelta, this.previousHi, this.previousLo, this.previousLeading, this.previousTrailing] = state;
      return false;
    }
    if (this.count === 0) this.firstTimestamp = timestamp;
    this.lastTimestamp = timestamp;
    this.count++;
    return true;
  }

  decode(): Samples {
    const n = this.count;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    if (n === 0) return { timestamps, values };
    const reader = new BitReader(this.buffer);
    let timestamp = reader.readWide();
    let hi = reader.read(32);
    let lo = reader.read(32);
    timestamps[0] = timestamp;
    halves[HI] = hi;
    halves[LO] = lo;
    values[0] = doubleView[0]!;
    let delta = 0;
    let leading = 0;
    let trailing = 0;
    for (let i = 1; i < n; i++) {
      delta += reader.readDeltaOfDelta();
      timestamp += delta;
      timestamps[i] = timestamp;
      if (reader.read(1) === 1) {
        if (reader.read(1) === 1) {
          leading = reader.read(5);
          const length = reader.read(6) + 1;
          trailing = 64 - leading - length;
        }
        const length = 64 - leading - trailing;
        let xhi: number;
        let xlo: number;
        if (length > 32) {
          xhi = reader.read(length - 32);
          xlo = reader.read(32);
        } else {
          xhi = 0;
          xlo = reader.read(length);
        }
        // Shift the meaningful bits back into place.
        if (trailing >= 32) {
          xhi = (xlo << (trailing - 32)) >>> 0;
          xlo = 0;
        } else if (trailing > 0) {
          xhi = ((xhi << trailing) | (xlo >>> (32 - trailing))) >>> 0;
          xlo = (xlo << trailing) >>> 0;
        }
        hi = (hi ^ xhi) >>> 0;
        lo = (lo ^ xlo) >>> 0;
      }
      halves[HI] = hi;
      halves[LO] = lo;
      values[i] = doubleView[0]!;
    }
    return { timestamps, values };
  }

  private writeValue(value: number): void {
    doubleView[0] = value;
    const hi = halves[HI]!;
    const lo = halves[LO]!;
    const xhi = (hi ^ this.previousHi) >>> 0;
    const xlo = (lo ^ this.previousLo) >>> 0;
    this.previousHi = hi;
    this.previousLo = lo;
    if (xhi === 0 && xlo === 0) {
      this.write(0, 1);
      return;
    }
    this.write(1, 1);
    const leading = Math.min(31, clz64(xhi, xlo));
    const trailing = ctz64(xhi, xlo);
    if (this.previousLeading >= 0 && leading >= this.previousLeading && trailing >= this.previousTrailing) {
      this.write(0, 1);
      this.writeMeaningful(xhi, xlo, this.previousTrailing, 64 - this.previousLeading - this.previousTrailing);
      return;
    }
    const length = 64 - leading - trailing;
    this.write(1, 1);
    this.write(leading, 5);
    this.write(length - 1, 6);
    this.writeMeaningful(xhi, xlo, trailing, length);
    this.previousLeading = leading;
    this.previousTrailing = trailing;
  }

  private writeMeaningful(hi: number, lo: number, trailing: number, length: number): void {
    let shiftedHi: number;
    let shiftedLo: number;
    if (trailing >= 32) {
      shiftedHi = 0;
      shiftedLo = hi >>> (trailing - 32);
    } else if (trailing > 0) {
      shiftedHi = hi >>> trailing;
      shiftedLo = ((lo >>> trailing) | (hi << (32 - trailing))) >>> 0;
    } else {
      shiftedHi = hi;
      shiftedLo = lo;
    }
    if (length > 32) {
      this.write(shiftedHi, length - 32);
      this.write(shiftedLo, 32);
    } else {
      this.write(shiftedLo, length);
    }
  }

  private writeDeltaOfDelta(dod: number): void {
    if (dod === 0) this.write(0, 1);
    else if (dod >= -63 && dod <= 64) this.writeSigned(0b10, 2, dod, 7);
    else if (dod >= -255 && dod <= 256) this.writeSigned(0b110, 3, dod, 9);
    else if (dod >= -2047 && dod <= 2048) this.writeSigned(0b1110, 4, dod, 12);
    else if (dod >= -(2 ** 31) + 1 && dod <= 2 ** 31) this.writeSigned(0b11110, 5, dod, 32);
    else {
      this.write(0b11111, 5);
      this.write(dod < 0 ? 1 : 0, 1);
      this.writeWide(Math.abs(dod));
    }
  }

  /** `value` in `bits` bits as an offset from the range's low end. */
  private writeSigned(prefix: number, prefixBits: number, value: number, bits: number): void {
    this.write(prefix, prefixBits);
    this.write(value + 2 ** (bits - 1) - 1, bits);
  }

  /** A non-negative integer below 2^53 in 53 bits. */
  private writeWide(value: number): void {
    this.write(Math.floor(value / TWO_32), 21);
    this.write(value >>> 0, 32);
  }

  private write(value: number, bits: number): void {
    const needed = (this.bitLength + bits + 7) >>> 3;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    const buffer = this.buffer;
    for (let i = bits - 1; i >= 0; ) {
      const bitIndex = this.bitLength;
      const free = 8 - (bitIndex & 7);
      const take = Math.min(free, i + 1);
      // The `take` bits of value from bit i downwards.
      const chunk = Math.floor(value / 2 ** (i + 1 - take)) & ((1 << take) - 1);
      buffer[bitIndex >>> 3]! |= chunk << (free - take);
      this.bitLength += take;
      i -= take;
    }
  }
}

class BitReader {
  private position = 0;

  constructor(private readonly buffer: Uint8Array) {}

  read(bits: number): number {
    let value = 0;
    let remaining = bits;
    while (remaining > 0) {
      const byte = this.buffer[this.position >>> 3]!;
      const available = 8 - (this.position & 7);
      const take = Math.min(available, remaining);
      const chunk = (byte >>> (available - take)) & ((1 << take) - 1);
      value = value * (1 << take) + chunk;
      this.position += take;
      remaining -= take;
    }
    return value;
  }

  readWide(): number {
    const high = this.read(21);
    return high * TWO_32 + this.read(32);
  }

  readDeltaOfDelta(): number {
    if (this.read(1) === 0) return 0;
    if (this.read(1) === 0) return this.readSigned(7);
    if (this.read(1) === 0) return this.readSigned(9);
    if (this.read(1) === 0) return this.readSigned(12);
    if (this.read(1) === 0) return this.readSigned(32);
    const negative = this.read(1) === 1;
    const magnitude = this.readWide();
    return negative ? -magnitude : magnitude;
  }

  private readSigned(bits: number): number {
    return this.read(bits) - (2 ** (bits - 1) - 1);
  }
}
