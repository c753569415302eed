// The cold tier's disk store: values appended to segment files, read back with one pread.
//
// Each value goes to the end of the active segment as [id u32][length u32][bytes]; an in-memory
// index (typed arrays, by id) says where each live value is. Freeing a value only marks its
// bytes dead; a segment left with no live bytes is deleted at once, and compactStep() copies the
// live values of a mostly-dead sealed segment to the active one and deletes it.
//
// The files are a cache for one run of the server, never a source of truth (RDB and AOF hold
// every value, cold ones included): opening a directory deletes the segments a previous run
// left, and a lock file keeps two live servers from sharing one.
//
// Writes are synchronous and a batch is one write: the caller lets go of the values in memory
// only after the write succeeded, so a full disk or an I/O error never loses one.

import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { join } from 'node:path';

/** A sealed segment is compacted once less than this share of its bytes is live. */
const COMPACT_LIVE_RATIO = 0.5;
const HEADER_BYTES = 8;
const SEGMENT_FILE = /^tier-\d+\.seg$/;
const LOCK_FILE = 'tier.lock';

/** The file operations the store uses; replaceable to inject faults in tests. */
export interface StoreIo {
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
}

interface Segment {
  number: number;
  fd: number;
  path: string;
  /** Bytes written. */
  size: number;
  /** Bytes of live records, headers included. */
  live: number;
}

export class LogStore {
  io: StoreIo = { write: fs.writeSync, read: fs.readSync };
  /** Live values. */
  count = 0;
  /** Bytes of live values (payloads only). */
  liveBytes = 0;
  /** Bytes in segment files, live or dead. */
  fileBytes = 0;
  private segments = new Map<number, Segment>();
  private active: Segment;
  private nextSegment = 0;
  private segOf = new Int32Array(1024).fill(-1);
  private offsetOf = new Int32Array(1024);
  private lengthOf = new Int32Array(1024);
  private freeIds: number[] = [];
  private highId = 0;
  private scratch = Buffer.alloc(64 * 1024);

  constructor(
    readonly dir: string,
    private readonly segmentBytes = 8 * 1024 * 1024,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    takeLock(dir);
    for (const name of fs.readdirSync(dir)) if (SEGMENT_FILE.test(name)) fs.rmSync(join(dir, name), { force: true });
    this.active = this.openSegment();
  }

  /**
   * Appends the payloads in one write and returns their ids; throws (and keeps nothing) when
   * the write fails.
   */
  writeBatch(payloads: readonly Uint8Array[]): number[] {
    let total = 0;
    for (const payload of payloads) total += HEADER_BYTES + payload.length;
    if (this.active.size > 0 && this.active.size + total > this.segmentBytes) this.seal();
    const ids = payloads.map(() => this.allocId());
    try {
      this.append(payloads, ids, total);
    } catch (error) {
      for (const id of ids) this.freeIds.push(id);
      throw error;
    }
    return ids;
  }

  /** A value's bytes, read from disk. */
  read(id: number): Buffer {
    const segment = this.segments.get(this.segOf[id]!)!;
    const length = this.lengthOf[id]!;
    const out = Buffer.allocUnsafe(length);
    readFully(this.io, segment.fd, out, 0, length, this.offsetOf[id]! + HEADER_BYTES);
    return out;
  }

  /** Length of a value's bytes. */
  lengthOfValue(id: number): number {
    return this.lengthOf[id]!;
  }

  free(id: number): void {
    const number = this.segOf[id]!;
    const segment = this.segments.get(number)!;
    const length = this.lengthOf[id]!;
    segment.live -= HEADER_BYTES + length;
    this.liveBytes -= length;
    this.count--;
    this.segOf[id] = -1;
    this.freeIds.push(id);
    if (segment.live === 0 && segment !== this.active) this.dropSegment(segment);
  }

  /** Whether some sealed segment is mostly dead. */
  get needsCompaction(): boolean {
    return this.compactionCandidate() !== null;
  }

  /**
   * Moves the live values of the most-dead sealed segment to the active one and deletes it;
   * false when no segment needed it. Throws (changing nothing) when a read or write fails.
   */
  compactStep(): boolean {
    const segment = this.compactionCandidate();
    if (segment === null) return false;
    const bytes = Buffer.allocUnsafe(segment.size);
    readFully(this.io, segment.fd, bytes, 0, segment.size, 0);
    const ids: number[] = [];
    const payloads: Buffer[] = [];
    let total = 0;
    for (let at = 0; at < segment.size; ) {
      const id = bytes.readUInt32LE(at);
      const length = bytes.readUInt32LE(at + 4);
      if (this.segOf[id] === segment.number && this.offsetOf[id] === at) {
        ids.push(id);
        payloads.push(bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length));
        total += HEADER_BYTES + length;
      }
      at += HEADER_BYTES + length;
    }
    if (this.active.size > 0 && this.active.size + total > this.segmentBytes) this.seal();
    // The moved values are counted again by append.
    this.count -= ids.length;
    for (const payload of payloads) this.liveBytes -= payload.length;
    segment.live = 0;
    try {
      this.append(payloads, ids, total);
    } catch (error) {
      this.count += ids.length;
      for (const payload of payloads) this.liveBytes += payload.length;
      segment.live = total;
      throw error;
    }
    this.dropSegment(segment);
    return true;
  }

  /** Closes and deletes every file: nothing survives the run. */
  close(): void {
    for (const segment of this.segments.values()) {
      fs.closeSync(segment.fd);
      fs.rmSync(segment.path, { force: true });
    }
    this.segments.clear();
    fs.rmSync(join(this.dir, LOCK_FILE), { force: true });
  }

  private append(payloads: readonly Uint8Array[], ids: readonly number[], total: number): void {
    if (this.scratch.length < total) this.scratch = Buffer.alloc(Math.max(total, this.scratch.length * 2));
    const buf = this.scratch;
    let at = 0;
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i]!;
      buf.writeUInt32LE(ids[i]!, at);
      buf.writeUInt32LE(payload.length, at + 4);
      buf.set(payload, at + HEADER_BYTES);
      at += HEADER_BYTES + payload.length;
    }
    const segment = this.active;
    const base = segment.size;
    for (let written = 0; written < total; ) written += this.io.write(segment.fd, buf, written, total - written, base + written);
    at = base;
    for (let i = 0; i < payloads.length; i++) {
      const id = ids[i]!;
      const length = payloads[i]!.length;
      this.segOf[id] = segment.number;
      this.offsetOf[id] = at;
      this.lengthOf[id] = length;
      at += HEADER_BYTES + length;
      this.liveBytes += length;
    }
    this.count += payloads.length;
    segment.size += total;
    segment.live += total;
    this.fileBytes += total;
  }

  private allocId(): number {
    const id = this.freeIds.pop();
    if (id !== undefined) return id;
    if (this.highId === this.segOf.length) {
      this.segOf = grow(this.segOf, -1);
      this.offsetOf = grow(this.offsetOf, 0);
      this.lengthOf = grow(this.lengthOf, 0);
    }
    return this.highId++;
  }

  private compactionCandidate(): Segment | null {
    let best: Segment | null = null;
    for (const segment of this.segments.values()) {
      if (segment === this.active || segment.live >= segment.size * COMPACT_LIVE_RATIO) continue;
      if (best === null || segment.live / segment.size < best.live / best.size) best = segment;
    }
    return best;
  }

  private seal(): void {
    const sealed = this.active;
    this.active = this.openSegment();
    if (sealed.live === 0) this.dropSegment(sealed);
  }

  private openSegment(): Segment {
    const number = this.nextSegment++;
    const path = join(this.dir, `tier-${number}.seg`);
    const segment = { number, fd: fs.openSync(path, 'w+'), path, size: 0, live: 0 };
    this.segments.set(number, segment);
    return segment;
  }

  private dropSegment(segment: Segment): void {
    fs.closeSync(segment.fd);
    fs.rmSync(segment.path, { force: true });
    this.segments.delete(segment.number);
    this.fileBytes -= segment.size;
  }
}

function readFully(io: StoreIo, fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  for (let got = 0; got < length; ) {
    const n = io.read(fd, buf, offset + got, length - got, position + got);
    if (n === 0) throw new Error('cold tier: unexpected end of segment file');
    got += n;
  }
}

function grow<T extends Int32Array>(array: T, fill: number): T {
  const grown = new Int32Array(array.length * 2).fill(fill);
  grown.set(array);
  return grown as T;
}

/**
 * Claims the directory for this process: a lock left by a process that is gone (a crash) is
 * taken over; one held by a live process is refused.
 */
function takeLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  let holder = NaN;
  try {
    holder = Number(fs.readFileSync(path, 'latin1'));
  } catch {
    // No lock yet.
  }
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
    throw new Error(`tiering-dir ${dir} is in use by process ${holder}`);
  }
  fs.writeFileSync(path, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
