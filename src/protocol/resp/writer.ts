// The one reply writer. Handlers write RESP3-shaped replies; for a RESP2 client the same calls
// come out in RESP2's shapes (map -> flat array, null -> null bulk, double -> bulk string, ...).
// Replies accumulate in a pooled buffer and leave as one socket write per batch of requests.

import { Buffer } from 'node:buffer';
import { formatDouble } from '../../util/numbers.ts';

const POOL_SIZE = 64 * 1024;

export type RespVersion = 2 | 3;

export class ReplyWriter {
  resp: RespVersion = 2;
  /** Error replies written so far; the gate compares it to tell failed calls. */
  errorCount = 0;
  /** Told of every error reply (INFO errorstats). */
  onError: ((message: string) => void) | null = null;
  private buf: Buffer = Buffer.allocUnsafe(POOL_SIZE);
  private start = 0;
  private pos = 0;

  /** Bytes written since the last take(). */
  get pendingLength(): number {
    return this.pos - this.start;
  }

  /** The replies written since the last call, as a buffer the caller may keep. */
  take(): Buffer | null {
    if (this.pos === this.start) return null;
    const out = this.buf.subarray(this.start, this.pos);
    if (this.buf.length - this.pos < 1024) {
      this.buf = Buffer.allocUnsafe(POOL_SIZE);
      this.pos = 0;
    }
    this.start = this.pos;
    return out;
  }

  /** A position to rewind to (CLIENT REPLY OFF/SKIP, discarded MULTI replies). */
  mark(): number {
    return this.pos - this.start;
  }

  rewind(mark: number): void {
    this.pos = this.start + mark;
  }

  /** A status line (+...); CR and LF become spaces, as for errors. */
  simple(text: string): void {
    this.textLine(0x2b, text);
  }

  ok(): void {
    this.raw(OK);
  }

  /**
   * An error line; `message` starts with its code (ERR, WRONGTYPE, ...). As addReplyErrorFormat
   * does, CR and LF at either end are dropped and the others become spaces. (Client bytes
   * quoted in a message are cut at a NUL where the message is made: see errors.ts argText.)
   */
  error(message: string): void {
    this.errorCount++;
    this.onError?.(message);
    this.textLine(0x2d, trimLineBreaks(message));
  }

  int(value: number): void {
    this.reserve(24);
    this.buf[this.pos++] = 0x3a;
    this.number(value);
    this.crlf();
  }

  bigint(value: bigint): void {
    this.simpleLine(0x3a, value.toString());
  }

  bulk(bytes: Uint8Array): void {
    this.bulkRange(bytes, 0, bytes.length);
  }

  bulkRange(bytes: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.reserve(len + 16);
    if (len < 10) {
      // The common short element (LRANGE, HGETALL, SMEMBERS) in one pass with the position
      // kept local: "$", one digit, CRLF, the bytes, CRLF.
      const buf = this.buf;
      let pos = this.pos;
      buf[pos++] = 0x24;
      buf[pos++] = 0x30 + len;
      buf[pos++] = 0x0d;
      buf[pos++] = 0x0a;
      for (let i = start; i < end; i++) buf[pos++] = bytes[i]!;
      buf[pos++] = 0x0d;
      buf[pos++] = 0x0a;
      this.pos = pos;
      return;
    }
    this.buf[this.pos++] = 0x24;
    this.number(len);
    this.crlf();
    const buf = this.buf;
    let pos = this.pos;
    // Most values are short: a loop beats making a subarray view to copy from.
    if (len <= 64) for (let i = start; i < end; i++) buf[pos++] = bytes[i]!;
    else {
      buf.set(bytes.subarray(start, end), pos);
      pos += len;
    }
    this.pos = pos;
    this.crlf();
  }

  bulkString(text: string): void {
    const len = Buffer.byteLength(text);
    this.reserve(len + 16);
    this.buf[this.pos++] = 0x24;
    this.number(len);
    this.crlf();
    this.pos += this.buf.write(text, this.pos);
    this.crlf();
  }

  /** A bulk string of bytes held as latin1 text (one character per byte, as the store keeps members). */
  bulkLatin1(text: string): void {
    const len = text.length;
    this.reserve(len + 16);
    this.buf[this.pos++] = 0x24;
    this.number(len);
    this.crlf();
    const buf = this.buf;
    let pos = this.pos;
    if (len <= 64) for (let i = 0; i < len; i++) buf[pos++] = text.charCodeAt(i);
    else pos += buf.write(text, pos, 'latin1');
    this.pos = pos;
    this.crlf();
  }

  bulkInt(value: number): void {
    this.bulkString(String(value));
  }

  /** A null bulk in RESP2, the null type in RESP3. */
  null(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_BULK);
  }

  /** A null array in RESP2 (*-1), the null type in RESP3. */
  nullArray(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_ARRAY);
  }

  array(length: number): void {
    this.header(0x2a, length);
  }

  map(pairs: number): void {
    if (this.resp === 3) this.header(0x25, pairs);
    else this.header(0x2a, pairs * 2);
  }

  set(length: number): void {
    this.header(this.resp === 3 ? 0x7e : 0x2a, length);
  }

  push(length: number): void {
    this.header(this.resp === 3 ? 0x3e : 0x2a, length);
  }

  /** A double: RESP3's double type, or a bulk string of the same text in RESP2. */
  double(value: number): void {
    this.doubleText(formatDouble(value));
  }

  /** A double in a form the caller formatted (Redis's human-friendly long doubles, GEOPOS). */
  doubleText(text: string): void {
    if (this.resp === 3) this.simpleLine(0x2c, text);
    else this.bulkString(text);
  }

  bool(value: boolean): void {
    if (this.resp === 3) this.raw(value ? TRUE3 : FALSE3);
    else this.int(value ? 1 : 0);
  }

  /** RESP3 verbatim string ("txt" format); a plain bulk string in RESP2. */
  verbatim(text: string): void {
    if (this.resp === 2) return this.bulkString(text);
    const len = Buffer.byteLength(text) + 4;
    this.reserve(len + 16);
    this.buf[this.pos++] = 0x3d;
    this.number(len);
    this.crlf();
    this.ascii('txt:');
    this.pos += this.buf.write(text, this.pos);
    this.crlf();
  }

  /** Reserves room for an aggregate header whose length is known only after its elements. */
  deferLength(): number {
    return this.pos - this.start;
  }

  /** Fills a deferred header: `kind` is 'array', 'map' (pairs) or 'set'. */
  setDeferredLength(mark: number, length: number, kind: 'array' | 'map' | 'set' = 'array'): void {
    let type = 0x2a;
    if (kind === 'map') {
      if (this.resp === 3) type = 0x25;
      else length *= 2;
    } else if (kind === 'set' && this.resp === 3) {
      type = 0x7e;
    }
    const headerLength = digitCount(length) + 3;
    // After reserve(): growing the buffer moves the pending bytes to its start.
    this.reserve(headerLength);
    const at = this.start + mark;
    const end = this.pos + headerLength;
    this.buf.copyWithin(at + headerLength, at, this.pos);
    this.buf[at] = type;
    this.pos = at + 1;
    this.number(length);
    this.crlf();
    this.pos = end;
  }

  /** Pre-encoded protocol bytes (shared replies such as +OK). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private header(type: number, length: number): void {
    this.reserve(24);
    this.buf[this.pos++] = type;
    this.number(length);
    this.crlf();
  }

  /**
   * A status or error line. Like Redis, CR and LF become spaces so that it stays one line.
   * Texts quoting client bytes hold them as latin1 characters and go out as those bytes; a
   * text with wider characters is sent as UTF-8.
   */
  private textLine(type: number, text: string): void {
    this.reserve(text.length * 3 + 3);
    const buf = this.buf;
    buf[this.pos++] = type;
    if (!isLatin1(text)) {
      this.pos += buf.write(text.replace(/[\r\n]/g, ' '), this.pos);
    } else {
      let pos = this.pos;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        buf[pos++] = c === 0x0d || c === 0x0a ? 0x20 : c;
      }
      this.pos = pos;
    }
    this.crlf();
  }

  private simpleLine(type: number, text: string): void {
    this.reserve(text.length + 3);
    this.buf[this.pos++] = type;
    this.ascii(text);
    this.crlf();
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(POOL_SIZE, (used + bytes) * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  private crlf(): void {
    // Two stores: Buffer#writeUInt16LE's argument checks cost 10% of an LRANGE reply.
    const buf = this.buf;
    buf[this.pos++] = 0x0d;
    buf[this.pos++] = 0x0a;
  }

  private ascii(text: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  private number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.ascii(String(value));
      return;
    }
    const buf = this.buf;
    if (value < 0) {
      buf[this.pos++] = 0x2d;
      value = -value;
    }
    if (value < 10) {
      buf[this.pos++] = 0x30 + value;
      return;
    }
    this.pos = writeDigits(buf, this.pos, value);
  }
}

export function digitCount(value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}

/** A non-negative safe integer's decimal digits written at `at`; returns the position after them. */
export function writeDigits(buf: Uint8Array, at: number, value: number): number {
  const end = at + digitCount(value);
  let p = end;
  do {
    const q = Math.floor(value / 10);
    buf[--p] = 0x30 + (value - q * 10);
    value = q;
  } while (value > 0);
  return end;
}

/** `text` without the CRs and LFs at its ends. */
function trimLineBreaks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isLineBreak(text.charCodeAt(start))) start++;
  while (end > start && isLineBreak(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isLineBreak(c: number): boolean {
  return c === 0x0d || c === 0x0a;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

const OK = Buffer.from('+OK\r\n');
const NULL3 = Buffer.from('_\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const TRUE3 = Buffer.from('#t\r\n');
const FALSE3 = Buffer.from('#f\r\n');
