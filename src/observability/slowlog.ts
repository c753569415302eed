// SLOWLOG's entries, as Redis 7.0's slowlog.c keeps them: newest first, at most
// slowlog-max-len (trimmed when an entry is added), the argv cut down so that a huge command
// cannot make the log huge.

import { Buffer } from 'node:buffer';

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix seconds when the command ended. */
  time: number;
  usec: number;
  argv: Buffer[];
  peer: string;
  name: string;
}

/** argv as the slow log keeps it: at most 32 arguments, each at most 128 bytes. */
export function truncateArgv(argv: readonly Buffer[]): Buffer[] {
  const kept = Math.min(argv.length, MAX_ARGC);
  const out: Buffer[] = new Array(kept);
  for (let i = 0; i < kept; i++) {
    if (i === kept - 1 && kept !== argv.length) {
      out[i] = Buffer.from(`... (${argv.length - kept + 1} more arguments)`);
      break;
    }
    const arg = argv[i]!;
    // A copy, not a view: the argv's bytes may belong to a reused read buffer.
    out[i] =
      arg.length > MAX_STRING
        ? Buffer.concat([arg.subarray(0, MAX_STRING), Buffer.from(`... (${arg.length - MAX_STRING} more bytes)`)])
        : Buffer.from(arg);
  }
  return out;
}

export class Slowlog {
  /** Newest first. */
  entries: SlowlogEntry[] = [];
  /** Ids keep counting across SLOWLOG RESET, as in Redis. */
  private nextId = 0;

  push(argv: readonly Buffer[], usec: number, unixSeconds: number, peer: string, name: string, maxLen: number): void {
    this.entries.unshift({ id: this.nextId++, time: unixSeconds, usec, argv: truncateArgv(argv), peer, name });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
