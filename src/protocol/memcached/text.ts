// Memcached text (and meta) request parser: command lines split into tokens, and the data
// block of storage commands (set/add/replace/append/prepend/cas, ms) read after its line.
// Tokens and data are views into the received bytes, valid until the next push.
//
// The parser checks what memcached checks before it reads a data block (token count, key
// length, the numbers, the item size), because that decides how many bytes belong to the
// command: a rejected line reads no data, a too-large item has its data swallowed.

import { parseFlags, parseInt32, parseUnsigned } from './numbers.ts';

export const KEY_MAX_LENGTH = 250;
/** memcached gives up on a line this long without a newline, unless it is a multi-get. */
const LINE_MAX = 2048;
/** ...and a multi-get may only start with this much leading space. */
const LEADING_SPACE_MAX = 100;
/** Bytes memcached adds to each item (header, CAS, the key's NUL), for the size limit. */
const ITEM_OVERHEAD = 57;

export const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
export const TOO_LARGE = 'SERVER_ERROR object too large for cache';
export const BAD_CHUNK = 'CLIENT_ERROR bad data chunk';

export interface TextRequest {
  tokens: Buffer[];
  /** The data block of a storage command, without its "\r\n". */
  data: Buffer | null;
  /** A storage command the parser refused; the reply text (the handler decides if it is sent). */
  error: string | null;
}

const EMPTY = Buffer.alloc(0);

export class TextParser {
  /** Set when the input broke memcached's line rules; the connection must close. */
  closed = false;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /** The storage command whose data block is being read or swallowed. */
  private pending: TextRequest | null = null;
  private fill: Buffer | null = null;
  private filled = 0;
  /** Bytes of the pending data block (with its "\r\n") still to read or swallow. */
  private need = 0;

  constructor(private readonly maxItemSize: number) {}

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** The next complete request, or null when more bytes are needed. */
  next(): TextRequest | null {
    if (this.pending !== null) return this.continuePending();
    const buf = this.buf;
    const eol = buf.indexOf(10, this.pos);
    if (eol < 0) {
      if (buf.length - this.pos > LINE_MAX && !this.startsMultiGet()) this.closed = true;
      return null;
    }
    const lineEnd = eol > this.pos && buf[eol - 1] === 13 ? eol - 1 : eol;
    const tokens = tokenize(buf, this.pos, lineEnd);
    this.pos = eol + 1;
    const request: TextRequest = { tokens, data: null, error: null };
    const length = storageDataLength(tokens, this.maxItemSize, request);
    if (length < 0) return request;
    this.pending = request;
    this.need = length + 2;
    return this.continuePending();
  }

  private continuePending(): TextRequest | null {
    const request = this.pending!;
    const available = this.buf.length - this.pos;
    if (request.error !== null) {
      const n = Math.min(this.need, available);
      this.pos += n;
      this.need -= n;
      if (this.need > 0) return null;
      this.pending = null;
      return request;
    }
    if (this.fill === null) {
      const need = this.need;
      if (available >= need) {
        request.data = view(this.buf, this.pos, this.pos + need);
        this.pos += need;
        return this.finishData(request);
      }
      this.fill = Buffer.allocUnsafe(need);
      this.filled = 0;
    }
    const n = Math.min(this.fill.length - this.filled, available);
    this.buf.copy(this.fill, this.filled, this.pos, this.pos + n);
    this.filled += n;
    this.pos += n;
    if (this.filled < this.fill.length) return null;
    request.data = this.fill;
    this.fill = null;
    return this.finishData(request);
  }

  private finishData(request: TextRequest): TextRequest {
    this.pending = null;
    const data = request.data!;
    const n = data.length - 2;
    if (data[n] !== 13 || data[n + 1] !== 10) {
      request.data = null;
      request.error = BAD_CHUNK;
    } else {
      request.data = data.subarray(0, n);
    }
    return request;
  }

  private startsMultiGet(): boolean {
    const buf = this.buf;
    let i = this.pos;
    while (buf[i] === 32) i++;
    if (i - this.pos > LEADING_SPACE_MAX) return false;
    return (buf[i] === 103 && buf[i + 1] === 101 && buf[i + 2] === 116)
      && (buf[i + 3] === 32 || (buf[i + 3] === 115 && buf[i + 4] === 32));
  }
}

/** Splits a line on spaces as memcached does (runs of spaces make no empty tokens). */
export function tokenize(buf: Buffer, start: number, end: number): Buffer[] {
  const tokens: Buffer[] = [];
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === 32) {
      if (i > s) tokens.push(view(buf, s, i));
      s = i + 1;
    }
  }
  if (end > s) tokens.push(view(buf, s, end));
  return tokens;
}

/** A view of buf[start, end): Buffer.from(arrayBuffer, ...) skips subarray's species lookup. */
export function view(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

/** Whether a token holds exactly this ASCII word. */
export function is(token: Uint8Array | undefined, word: string): boolean {
  if (token === undefined || token.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (token[i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * For a storage command line: the data block's length, or -1 when no data block follows
 * (not a storage command, or a refused line: request.error set). A TOO_LARGE item still
 * returns its length, for its data to be swallowed.
 */
function storageDataLength(tokens: Buffer[], maxItemSize: number, request: TextRequest): number {
  const cmd = tokens[0];
  if (cmd === undefined) return -1;
  let lengthToken: number;
  let flags = 0;
  if (is(cmd, 'ms')) {
    if (tokens.length < 3) {
      request.error = BAD_FORMAT;
      return -1;
    }
    lengthToken = 2;
  } else {
    const isCas = is(cmd, 'cas');
    if (!isCas && !is(cmd, 'set') && !is(cmd, 'add') && !is(cmd, 'replace') && !is(cmd, 'append') && !is(cmd, 'prepend')) return -1;
    const want = isCas ? 6 : 5;
    if (tokens.length !== want && tokens.length !== want + 1) return -1;
    flags = parseFlags(tokens[2]!);
    if (flags < 0 || Number.isNaN(parseInt32(tokens[3]!)) || (isCas && parseUnsigned(tokens[5]!) < 0)) {
      request.error = BAD_FORMAT;
      return -1;
    }
    lengthToken = 4;
  }
  const key = tokens[1]!;
  const length = parseInt32(tokens[lengthToken]!);
  if (key.length > KEY_MAX_LENGTH || !(length >= 0)) {
    request.error = BAD_FORMAT;
    return -1;
  }
  if (ITEM_OVERHEAD + key.length + length + 2 + (flags !== 0 ? 4 : 0) > maxItemSize) request.error = TOO_LARGE;
  return length;
}
