// RESP request parser: bytes in, argument vectors out, Redis's protocol errors on bad input.
// Arguments are views into the received chunks (no copy, no string); a bulk argument too
// large to wait for by concatenation is filled into a buffer of its exact size instead.

import { Buffer } from 'node:buffer';
import {
  PROTOCOL_BULK_COUNT_TOO_BIG,
  PROTOCOL_INLINE_TOO_BIG,
  PROTOCOL_INVALID_BULK_LENGTH,
  PROTOCOL_INVALID_MULTIBULK_LENGTH,
  PROTOCOL_MBULK_COUNT_TOO_BIG,
  PROTOCOL_UNAUTHENTICATED_BULK_LENGTH,
  PROTOCOL_UNAUTHENTICATED_MULTIBULK_LENGTH,
  PROTOCOL_UNBALANCED_QUOTES,
  protocolExpectedBulk,
} from '../../errors.ts';

const CR = 13;
const LF = 10;
/** Redis's PROTO_INLINE_MAX_SIZE: the longest line we wait for before calling it an attack. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Redis's PROTO_MBULK_BIG_ARG: bulks this big get a buffer of their own. */
const BIG_ARG = 32 * 1024;
/** The largest multibulk count and bulk length Redis accepts before the client authenticated. */
const UNAUTHENTICATED_MAX_COUNT = 10;
const UNAUTHENTICATED_MAX_BULK = 16 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLength: number;
  /** client-query-buffer-limit: unparsed bytes beyond this close the connection. */
  maxQueryBuffer: number;
  /** Whether the client has authenticated; until then big requests are refused (Redis's CVE-2021-32675 fix). */
  authenticated?: () => boolean;
}

export class RespParser {
  /** Set when the input cannot be parsed; the connection must answer it and close. */
  error: string | null = null;
  /** Set when the query buffer limit was passed; Redis closes such a client without a reply. */
  overflow = false;

  private data: Buffer = EMPTY;
  // data.buffer and data.byteOffset, read once per chunk: the buffer getter is a runtime call,
  // and every argument is a view made from them.
  private dataBuffer: ArrayBufferLike = EMPTY.buffer;
  private dataOffset = 0;
  private pos = 0;
  // State of a multibulk command whose arguments have not all arrived.
  private argv: Buffer[] | null = null;
  private lastName: Buffer = EMPTY;
  private remaining = 0;
  // State of one big bulk argument being filled across reads.
  private big: Buffer | null = null;
  private bigFilled = 0;

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received and not yet parsed (the query buffer). */
  get pendingBytes(): number {
    return this.data.length - this.pos + (this.big === null ? 0 : this.bigFilled);
  }

  push(chunk: Buffer): void {
    if (this.big !== null) {
      const take = Math.min(chunk.length, this.big.length + 2 - this.bigFilled);
      const copy = Math.min(take, this.big.length - this.bigFilled);
      if (copy > 0) chunk.copy(this.big, this.bigFilled, 0, copy);
      this.bigFilled += take;
      if (this.bigFilled < this.big.length + 2) {
        this.checkOverflow();
        return;
      }
      this.argv!.push(this.big);
      this.remaining--;
      this.big = null;
      this.bigFilled = 0;
      chunk = chunk.subarray(take);
    }
    this.use(this.pos >= this.data.length ? chunk : Buffer.concat([this.data.subarray(this.pos), chunk]));
    this.checkOverflow();
  }

  private checkOverflow(): void {
    if (this.pendingBytes > this.limits.maxQueryBuffer) this.overflow = true;
  }

  /**
   * The next complete command, or null when more bytes are needed or an error was found
   * (then `error` is set). An empty array never comes back: empty requests are skipped.
   */
  next(): Buffer[] | null {
    while (this.error === null && this.big === null) {
      if (this.argv === null) {
        if (this.pos >= this.data.length) return this.release();
        if (this.data[this.pos] === 0x2a /* '*' */) {
          if (!this.startMultibulk()) return null;
          if (this.argv === null) continue; // "*0" or "*-1": nothing to run
        } else {
          const inline = this.parseInline();
          if (inline === null) return null;
          if (inline.length === 0) continue;
          return inline;
        }
      }
      if (!this.parseBulks()) return null;
      const argv = this.argv!;
      this.argv = null;
      return argv;
    }
    return null;
  }

  /**
   * Pipelines repeat one command name; its view is shared rather than made again. Received
   * chunks are never written to, so the shared view stays valid.
   */
  private sameAsLastName(data: Buffer, start: number, length: number): boolean {
    const last = this.lastName;
    if (last.length !== length) return false;
    for (let i = 0; i < length; i++) if (last[i] !== data[start + i]) return false;
    return true;
  }

  private isAuthenticated(): boolean {
    return this.limits.authenticated?.() ?? true;
  }

  private release(): null {
    this.use(EMPTY);
    return null;
  }

  private use(data: Buffer): void {
    this.data = data;
    this.dataBuffer = data.buffer;
    this.dataOffset = data.byteOffset;
    this.pos = 0;
  }

  private startMultibulk(): boolean {
    const data = this.data;
    const lineEnd = findLineEnd(data, this.pos, CR);
    if (lineEnd < 0 || lineEnd + 1 >= data.length) {
      if (lineEnd < 0 && data.length - this.pos > INLINE_MAX_SIZE) this.error = PROTOCOL_MBULK_COUNT_TOO_BIG;
      return false;
    }
    const count = parseLength(data, this.pos + 1, lineEnd);
    if (count === BAD_NUMBER || count > 0x7fffffff) {
      this.error = PROTOCOL_INVALID_MULTIBULK_LENGTH;
      return false;
    }
    if (count > UNAUTHENTICATED_MAX_COUNT && !this.isAuthenticated()) {
      this.error = PROTOCOL_UNAUTHENTICATED_MULTIBULK_LENGTH;
      return false;
    }
    this.pos = lineEnd + 2;
    if (count > 0) {
      this.argv = [];
      this.remaining = count;
    }
    return true;
  }

  private parseBulks(): boolean {
    const argv = this.argv!;
    while (this.remaining > 0) {
      const data = this.data;
      const start = this.pos;
      if (start >= data.length) return this.release(), false;
      const lineEnd = findLineEnd(data, start, CR);
      if (lineEnd < 0 || lineEnd + 1 >= data.length) {
        if (lineEnd < 0 && data.length - start > INLINE_MAX_SIZE) this.error = PROTOCOL_BULK_COUNT_TOO_BIG;
        return false;
      }
      if (data[start] !== 0x24 /* '$' */) {
        this.error = protocolExpectedBulk(String.fromCharCode(data[start]!));
        return false;
      }
      const len = parseLength(data, start + 1, lineEnd);
      if (len === BAD_NUMBER || len < 0 || len > this.limits.maxBulkLength) {
        this.error = PROTOCOL_INVALID_BULK_LENGTH;
        return false;
      }
      if (len > UNAUTHENTICATED_MAX_BULK && !this.isAuthenticated()) {
        this.error = PROTOCOL_UNAUTHENTICATED_BULK_LENGTH;
        return false;
      }
      const bodyStart = lineEnd + 2;
      // Like Redis, the two bytes after the body are skipped unchecked.
      if (bodyStart + len + 2 <= data.length) {
        if (argv.length === 0 && this.sameAsLastName(data, bodyStart, len)) argv.push(this.lastName);
        else {
          // Buffer.from(arrayBuffer, ...) makes the view without subarray's species lookup.
          const arg = Buffer.from(this.dataBuffer, this.dataOffset + bodyStart, len);
          if (argv.length === 0) this.lastName = arg;
          argv.push(arg);
        }
        this.pos = bodyStart + len + 2;
        this.remaining--;
        continue;
      }
      if (len >= BIG_ARG) {
        const big = Buffer.allocUnsafe(len);
        const have = Math.min(data.length - bodyStart, len + 2);
        data.copy(big, 0, bodyStart, bodyStart + Math.min(have, len));
        this.big = big;
        this.bigFilled = have;
        this.release();
      } else {
        this.pos = start;
      }
      return false;
    }
    return true;
  }

  private parseInline(): Buffer[] | null {
    const data = this.data;
    const lineEnd = findLineEnd(data, this.pos, LF);
    if (lineEnd < 0) {
      if (data.length - this.pos > INLINE_MAX_SIZE) this.error = PROTOCOL_INLINE_TOO_BIG;
      return null;
    }
    let end = lineEnd;
    if (end > this.pos && data[end - 1] === CR) end--;
    const args = splitInlineArgs(data, this.pos, end);
    if (args === null) {
      this.error = PROTOCOL_UNBALANCED_QUOTES;
      return null;
    }
    this.pos = lineEnd + 1;
    return args;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The first `end` byte (CR or LF) from `start`, or -1. Redis finds line ends with strchr, which
 * stops at a NUL byte: a NUL before the line end leaves Redis waiting for more, and so do we.
 */
function findLineEnd(data: Buffer, start: number, end: number): number {
  for (let i = start; i < data.length; i++) {
    const c = data[i]!;
    if (c === end) return i;
    if (c === 0) return -1;
  }
  return -1;
}
const BAD_NUMBER = -0x20000000000000;

/** Redis's string2ll for protocol lengths: optional '-', no '+', no leading zeros. */
function parseLength(data: Buffer, start: number, end: number): number {
  if (start >= end) return BAD_NUMBER;
  let i = start;
  const negative = data[i] === 0x2d;
  if (negative) i++;
  if (i >= end) return BAD_NUMBER;
  if (data[i] === 0x30) return end - i === 1 && !negative ? 0 : BAD_NUMBER;
  let value = 0;
  for (; i < end; i++) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9) return BAD_NUMBER;
    value = value * 10 + digit;
    if (value > 0x1fffffffffffff) return BAD_NUMBER;
  }
  return negative ? -value : value;
}

/** C's isspace: what sdssplitargs skips between arguments and requires after a closing quote. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** What ends an unquoted argument in sdssplitargs: a narrower set than isspace (no \v, \f). */
function endsWord(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Splits an inline request the way Redis's sdssplitargs does: whitespace separates,
 * "double quotes" take \n \r \t \b \a \xHH escapes, 'single quotes' take only \'.
 * Returns null on unbalanced quotes (or a closing quote not followed by a space).
 */
export function splitInlineArgs(data: Uint8Array, start: number, end: number): Buffer[] | null {
  const args: Buffer[] = [];
  let i = start;
  while (true) {
    while (i < end && isSpace(data[i]!)) i++;
    if (i >= end) return args;
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = data[i];
      if (inDouble) {
        if (i >= end) return null;
        if (c === 0x5c && i + 3 < end && data[i + 1] === 0x78 && hexValue(data[i + 2]!) >= 0 && hexValue(data[i + 3]!) >= 0) {
          bytes.push(hexValue(data[i + 2]!) * 16 + hexValue(data[i + 3]!));
          i += 3;
        } else if (c === 0x5c && i + 1 < end) {
          i++;
          const e = data[i]!;
          bytes.push(e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e);
        } else if (c === 0x22) {
          if (i + 1 < end && !isSpace(data[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c!);
        }
      } else if (inSingle) {
        if (i >= end) return null;
        if (c === 0x5c && i + 1 < end && data[i + 1] === 0x27) {
          i++;
          bytes.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < end && !isSpace(data[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c!);
        }
      } else if (i >= end || endsWord(c!)) {
        done = true;
        continue;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        bytes.push(c!);
      }
      i++;
    }
    args.push(Buffer.from(bytes));
  }
}
