// Memcached text (and meta) request parser: command lines split into tokens, and the data
// block of storage commands (set/add/replace/append/prepend/cas, ms) read after its line.
// Tokens are offsets into the received bytes; the data block is a view of them.
//
// The parser checks what memcached checks before it reads a data block (token count, key
// length, the numbers, the item size), because that decides how many bytes belong to the
// command: a rejected line reads no data, a too-large item has its data swallowed.

// Node's global Buffer is a getter, run on every use; the imported binding is not.
import { Buffer } from 'node:buffer';
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
/** A store over the memory limit with nothing to evict (memcached -M). */
export const OUT_OF_MEMORY = 'SERVER_ERROR out of memory storing object';
export const BAD_CHUNK = 'CLIENT_ERROR bad data chunk';

const EMPTY = Buffer.alloc(0);

const COMMANDS = [
  'get', 'gets', 'gat', 'gats', 'set', 'add', 'replace', 'append', 'prepend', 'cas', 'incr', 'decr', 'delete', 'touch',
  'flush_all', 'version', 'verbosity', 'stats', 'quit', 'shutdown', 'mg', 'ms', 'md', 'ma', 'mn', 'me',
];

/** COMMANDS by length and first byte: a command word is then found in one or two comparisons. */
const COMMANDS_BY_SHAPE = new Map<number, string[]>();
for (const name of COMMANDS) {
  const shape = (name.length << 8) | name.charCodeAt(0);
  COMMANDS_BY_SHAPE.set(shape, [...(COMMANDS_BY_SHAPE.get(shape) ?? []), name]);
}

/** Token slots a request starts with; a longer line (a multi-get) grows them. */
const INITIAL_TOKENS = 24;

/**
 * One request: the command line's tokens as offsets into the bytes they arrived in, and the
 * data block. The parser reuses one request object, so a request is valid only until the
 * next call of next(); views of tokens are made on demand, for what a handler keeps.
 */
export class TextRequest {
  /** The bytes the command line is in. */
  buf: Buffer = EMPTY;
  /** Token i is buf[bounds[2i], bounds[2i + 1]). */
  bounds = new Int32Array(2 * INITIAL_TOKENS);
  count = 0;
  /** The command word as one of COMMANDS (no string made per request), or '' when unknown. */
  name = '';
  /** The data block of a storage command, without its "\r\n". */
  data: Buffer | null = null;
  /** A storage command the parser refused; the reply text (the handler decides if it is sent). */
  error: string | null = null;
  /** Of a set/add/replace/append/prepend/cas line the parser accepted: its numbers, as it checked them. */
  flags = 0;
  exptime = 0;
  /** The cas command's unique, 0 for the others. */
  cas = 0;
  /** buf's ArrayBuffer and offset in it, read once per received chunk (Buffer#buffer is a runtime call). */
  private arrayBuffer: ArrayBufferLike = EMPTY.buffer;
  private byteOffset = 0;

  start(i: number): number {
    return this.bounds[2 * i]!;
  }

  end(i: number): number {
    return this.bounds[2 * i + 1]!;
  }

  length(i: number): number {
    return this.bounds[2 * i + 1]! - this.bounds[2 * i]!;
  }

  /** Whether token i holds exactly this ASCII word (false past the last token). */
  is(i: number, word: string): boolean {
    return i < this.count && isWord(this.buf, this.bounds[2 * i]!, this.bounds[2 * i + 1]!, word);
  }

  /** A view of token i. */
  token(i: number): Buffer {
    const start = this.bounds[2 * i]!;
    return Buffer.from(this.arrayBuffer, this.byteOffset + start, this.bounds[2 * i + 1]! - start);
  }

  /** Views of all tokens. */
  tokens(): Buffer[] {
    const tokens: Buffer[] = [];
    for (let i = 0; i < this.count; i++) tokens.push(this.token(i));
    return tokens;
  }

  /** Splits buf[start, end) on spaces as memcached does (runs of spaces make no empty tokens). */
  tokenize(buf: Buffer, arrayBuffer: ArrayBufferLike, byteOffset: number, start: number, end: number): void {
    this.buf = buf;
    this.arrayBuffer = arrayBuffer;
    this.byteOffset = byteOffset;
    this.data = null;
    this.error = null;
    this.flags = 0;
    this.exptime = 0;
    this.cas = 0;
    let n = 0;
    let s = start;
    for (let i = start; i < end; i++) {
      if (buf[i] === 32) {
        if (i > s) n = this.add(n, s, i);
        s = i + 1;
      }
    }
    if (end > s) n = this.add(n, s, end);
    this.count = n >> 1;
    this.name = n === 0 ? '' : this.commandName();
  }

  private commandName(): string {
    const candidates = COMMANDS_BY_SHAPE.get((this.length(0) << 8) | this.buf[this.bounds[0]!]!);
    if (candidates !== undefined) for (const name of candidates) if (this.is(0, name)) return name;
    return '';
  }

  private add(n: number, start: number, end: number): number {
    let bounds = this.bounds;
    if (n === bounds.length) {
      bounds = new Int32Array(2 * n);
      bounds.set(this.bounds);
      this.bounds = bounds;
    }
    bounds[n] = start;
    bounds[n + 1] = end;
    return n + 2;
  }
}

export class TextParser {
  /** Set when the input broke memcached's line rules; the connection must close. */
  closed = false;

  private buf: Buffer = EMPTY;
  private arrayBuffer: ArrayBufferLike = EMPTY.buffer;
  private byteOffset = 0;
  private pos = 0;
  private readonly request = new TextRequest();
  /** Whether the request's data block is being read or swallowed. */
  private pending = false;
  private fill: Buffer | null = null;
  private filled = 0;
  /** Bytes of the pending data block (with its "\r\n") still to read or swallow. */
  private need = 0;

  constructor(private readonly maxItemSize: number) {}

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.arrayBuffer = this.buf.buffer;
    this.byteOffset = this.buf.byteOffset;
    this.pos = 0;
  }

  /** The next complete request (valid until the next call), or null when more bytes are needed. */
  next(): TextRequest | null {
    if (this.pending) return this.continuePending();
    const buf = this.buf;
    const eol = buf.indexOf(10, this.pos);
    if (eol < 0) {
      if (buf.length - this.pos > LINE_MAX && !this.startsMultiGet()) this.closed = true;
      return null;
    }
    const lineEnd = eol > this.pos && buf[eol - 1] === 13 ? eol - 1 : eol;
    const request = this.request;
    request.tokenize(buf, this.arrayBuffer, this.byteOffset, this.pos, lineEnd);
    this.pos = eol + 1;
    const length = storageDataLength(request, this.maxItemSize);
    if (length < 0) return request;
    this.pending = true;
    this.need = length + 2;
    return this.continuePending();
  }

  private continuePending(): TextRequest | null {
    const request = this.request;
    const available = this.buf.length - this.pos;
    if (request.error !== null) {
      const n = Math.min(this.need, available);
      this.pos += n;
      this.need -= n;
      if (this.need > 0) return null;
      this.pending = false;
      return request;
    }
    if (this.fill === null) {
      const need = this.need;
      if (available >= need) {
        const at = this.pos;
        this.pos += need;
        return this.finishData(this.buf, at, need - 2, Buffer.from(this.arrayBuffer, this.byteOffset + at, need - 2));
      }
      this.fill = Buffer.allocUnsafe(need);
      this.filled = 0;
    }
    const fill = this.fill;
    const n = Math.min(fill.length - this.filled, available);
    this.buf.copy(fill, this.filled, this.pos, this.pos + n);
    this.filled += n;
    this.pos += n;
    if (this.filled < fill.length) return null;
    this.fill = null;
    return this.finishData(fill, 0, fill.length - 2, fill.subarray(0, fill.length - 2));
  }

  /** Ends the pending request with its data, buf[at, at + n), when "\r\n" follows it. */
  private finishData(buf: Buffer, at: number, n: number, data: Buffer): TextRequest {
    const request = this.request;
    this.pending = false;
    if (buf[at + n] !== 13 || buf[at + n + 1] !== 10) request.error = BAD_CHUNK;
    else request.data = data;
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

/** A view of buf[start, end): Buffer.from(arrayBuffer, ...) skips subarray's species lookup. */
export function view(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

/** Whether buf[start, end) holds exactly this ASCII word. */
function isWord(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * For a storage command line: the data block's length, or -1 when no data block follows
 * (not a storage command, or a refused line: request.error set). A TOO_LARGE item still
 * returns its length, for its data to be swallowed.
 */
function storageDataLength(request: TextRequest, maxItemSize: number): number {
  const name = request.name;
  const count = request.count;
  const buf = request.buf;
  let lengthToken: number;
  if (name === 'ms') {
    if (count < 3) {
      request.error = BAD_FORMAT;
      return -1;
    }
    lengthToken = 2;
  } else {
    const isCas = name === 'cas';
    if (!isCas && name !== 'set' && name !== 'add' && name !== 'replace' && name !== 'append' && name !== 'prepend') return -1;
    const want = isCas ? 6 : 5;
    if (count !== want && count !== want + 1) return -1;
    request.flags = parseFlags(buf, request.start(2), request.end(2));
    request.exptime = parseInt32(buf, request.start(3), request.end(3));
    request.cas = isCas ? parseUnsigned(buf, request.start(5), request.end(5)) : 0;
    if (request.flags < 0 || Number.isNaN(request.exptime) || request.cas < 0) {
      request.error = BAD_FORMAT;
      return -1;
    }
    lengthToken = 4;
  }
  const keyLength = request.length(1);
  const length = parseInt32(buf, request.start(lengthToken), request.end(lengthToken));
  if (keyLength > KEY_MAX_LENGTH || !(length >= 0)) {
    request.error = BAD_FORMAT;
    return -1;
  }
  if (ITEM_OVERHEAD + keyLength + length + 2 + (request.flags !== 0 ? 4 : 0) > maxItemSize) request.error = TOO_LARGE;
  return length;
}
