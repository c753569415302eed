// Byte storage off the JS heap: 4 MiB chunks carved into records in 8-byte size classes.
// A freed record goes on its class's free list (the link lives in the record itself), so a
// keyspace of small strings costs no JS objects and overwrites recycle space in place.
// Records bigger than a class get a chunk of their own, released when they are freed.

import { Buffer } from 'node:buffer';

export const UNIT = 8;
const CHUNK_SHIFT = 19; // units per chunk = 2^19, 4 MiB
const CHUNK_UNITS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_UNITS - 1;
/** Records up to this many bytes come from size classes; larger ones get a dedicated chunk. */
export const MAX_CLASS_BYTES = 64 * 1024;
const CLASS_COUNT = MAX_CLASS_BYTES / UNIT + 1;
/** refs are non-negative int32s, which caps the arena at 2^31 units (16 GiB) of records. */
const MAX_CHUNKS = 1 << (31 - CHUNK_SHIFT);

export class Arena {
  /** chunk index -> bytes; ref >>> CHUNK_SHIFT selects the chunk, low bits the 8-byte unit. */
  readonly bytes: Buffer[] = [];
  /** The same chunks as int32 words, for aligned header reads. */
  readonly words: Int32Array[] = [];
  /** Bytes handed out in live records (size-class rounded). */
  usedBytes = 0;
  /** Bytes held in chunks, live or free. */
  reservedBytes = 0;

  private readonly freeHeads = new Int32Array(CLASS_COUNT).fill(-1);
  private bumpChunk = -1;
  private bumpUnit = CHUNK_UNITS;
  private readonly freeChunkSlots: number[] = [];

  /** The rounded size a record of `bytes` occupies. */
  static roundedSize(bytes: number): number {
    return bytes <= MAX_CLASS_BYTES ? (bytes + UNIT - 1) & ~(UNIT - 1) : bytes;
  }

  alloc(bytes: number): number {
    const size = Arena.roundedSize(bytes);
    this.usedBytes += size;
    if (size > MAX_CLASS_BYTES) return this.allocDedicated(size);
    const cls = size >>> 3;
    const head = this.freeHeads[cls]!;
    if (head >= 0) {
      this.freeHeads[cls] = this.words[head >>> CHUNK_SHIFT]![(head & CHUNK_MASK) << 1]!;
      return head;
    }
    const units = cls;
    if (this.bumpUnit + units > CHUNK_UNITS) this.newBumpChunk();
    const ref = (this.bumpChunk << CHUNK_SHIFT) | this.bumpUnit;
    this.bumpUnit += units;
    return ref;
  }

  free(ref: number, bytes: number): void {
    const size = Arena.roundedSize(bytes);
    this.usedBytes -= size;
    if (size > MAX_CLASS_BYTES) {
      const chunk = ref >>> CHUNK_SHIFT;
      this.reservedBytes -= this.bytes[chunk]!.length;
      this.bytes[chunk] = EMPTY;
      this.words[chunk] = EMPTY_WORDS;
      this.freeChunkSlots.push(chunk);
      return;
    }
    const cls = size >>> 3;
    this.words[ref >>> CHUNK_SHIFT]![(ref & CHUNK_MASK) << 1] = this.freeHeads[cls]!;
    this.freeHeads[cls] = ref;
  }

  /** Drops every record at once (no database holds a key any more): its chunks go back to the OS. */
  reset(): void {
    this.bytes.length = 0;
    this.words.length = 0;
    this.usedBytes = 0;
    this.reservedBytes = 0;
    this.freeHeads.fill(-1);
    this.bumpChunk = -1;
    this.bumpUnit = CHUNK_UNITS;
    this.freeChunkSlots.length = 0;
  }

  /** Whether a record of `oldBytes` can hold `newBytes` without moving. */
  static fitsInPlace(oldBytes: number, newBytes: number): boolean {
    return newBytes <= MAX_CLASS_BYTES && Arena.roundedSize(oldBytes) === Arena.roundedSize(newBytes);
  }

  chunkOf(ref: number): Buffer {
    return this.bytes[ref >>> CHUNK_SHIFT]!;
  }

  wordsOf(ref: number): Int32Array {
    return this.words[ref >>> CHUNK_SHIFT]!;
  }

  /** Byte offset of a record within its chunk. */
  static offsetOf(ref: number): number {
    return (ref & CHUNK_MASK) << 3;
  }

  /** Word (int32) index of a record within its chunk. */
  static wordOf(ref: number): number {
    return (ref & CHUNK_MASK) << 1;
  }

  private newBumpChunk(): void {
    this.bumpChunk = this.addChunk(Buffer.alloc(CHUNK_UNITS * UNIT));
    this.bumpUnit = 0;
  }

  private allocDedicated(size: number): number {
    return this.addChunk(Buffer.alloc((size + UNIT - 1) & ~(UNIT - 1))) << CHUNK_SHIFT;
  }

  private addChunk(chunk: Buffer): number {
    const words = new Int32Array(chunk.buffer, chunk.byteOffset, chunk.length >>> 2);
    this.reservedBytes += chunk.length;
    const slot = this.freeChunkSlots.pop();
    if (slot !== undefined) {
      this.bytes[slot] = chunk;
      this.words[slot] = words;
      return slot;
    }
    if (this.bytes.length >= MAX_CHUNKS) throw new RangeError('arena is full');
    this.bytes.push(chunk);
    this.words.push(words);
    return this.bytes.length - 1;
  }
}

const EMPTY = Buffer.alloc(0);
const EMPTY_WORDS = new Int32Array(0);
