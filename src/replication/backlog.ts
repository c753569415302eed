// The replication backlog (Redis's repl_backlog): the last `size` bytes of the replication
// stream, so that a replica that lost its link for a while resumes with PSYNC from its offset
// instead of a full sync. Bytes go into fixed blocks so an append copies and rarely allocates.

import { Buffer } from 'node:buffer';

const BLOCK_BYTES = 16 * 1024;

export class Backlog {
  private blocks: Buffer[] = [];
  /** Bytes used in the last block. */
  private tailUsed = 0;
  /** Bytes of the first block that were trimmed away. */
  private headSkipped = 0;
  /** Bytes held (repl_backlog_histlen). */
  histlen = 0;

  constructor(
    public size: number,
    /** The stream offset (0-based) of the first byte held. */
    public start: number,
  ) {}

  /** The offset just past the last byte held: the primary's master_repl_offset. */
  get end(): number {
    return this.start + this.histlen;
  }

  append(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      let tail = this.blocks[this.blocks.length - 1];
      if (tail === undefined || this.tailUsed === tail.length) {
        tail = Buffer.allocUnsafe(BLOCK_BYTES);
        this.blocks.push(tail);
        this.tailUsed = 0;
      }
      const n = Math.min(bytes.length - at, tail.length - this.tailUsed);
      tail.set(bytes.subarray(at, at + n), this.tailUsed);
      this.tailUsed += n;
      at += n;
    }
    this.histlen += bytes.length;
    this.trim();
  }

  private trim(): void {
    let excess = this.histlen - this.size;
    while (excess > 0) {
      const first = this.blocks[0]!;
      const firstLength = (this.blocks.length === 1 ? this.tailUsed : first.length) - this.headSkipped;
      if (excess >= firstLength && this.blocks.length > 1) {
        this.blocks.shift();
        this.headSkipped = 0;
        this.drop(firstLength);
        excess -= firstLength;
      } else {
        const n = Math.min(excess, firstLength);
        this.headSkipped += n;
        this.drop(n);
        excess -= n;
      }
    }
  }

  private drop(n: number): void {
    this.histlen -= n;
    this.start += n;
  }

  /** Whether the bytes from `offset` (0-based) on are all held. */
  covers(offset: number): boolean {
    return offset >= this.start && offset <= this.end;
  }

  /** The bytes from `offset` (0-based, covered) to the end, as one buffer. */
  from(offset: number): Buffer {
    const parts: Buffer[] = [];
    let skip = offset - this.start + this.headSkipped;
    for (let i = 0; i < this.blocks.length; i++) {
      const block = this.blocks[i]!;
      const used = i === this.blocks.length - 1 ? this.tailUsed : block.length;
      if (skip >= used) {
        skip -= used;
        continue;
      }
      parts.push(block.subarray(skip, used));
      skip = 0;
    }
    return Buffer.concat(parts);
  }

  /** repl-backlog-size changed: keeps the newest bytes that fit. */
  resize(size: number): void {
    this.size = size;
    this.trim();
  }
}
