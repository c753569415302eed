// A growable output buffer for Memcached replies: every reply of one read is appended here
// and leaves in a single socket write.

// Node's global Buffer is a getter, run on every use; the imported binding is not.
import { Buffer } from 'node:buffer';

const INITIAL = 16 * 1024;
const SHORT_TEXT = 32;

export class OutBuffer {
  private buf = Buffer.allocUnsafe(INITIAL);
  private len = 0;

  get length(): number {
    return this.len;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): this {
    const n = end - start;
    this.reserve(n);
    const buf = this.buf;
    let at = this.len;
    // Keys and small values: a loop beats making a subarray view to copy from.
    if (n <= 64) for (let i = start; i < end; i++) buf[at++] = src[i]!;
    else buf.set(n === src.length ? src : src.subarray(start, end), at);
    this.len += n;
    return this;
  }

  /** Appends a string of single-byte characters (protocol words, numbers). */
  ascii(text: string): this {
    const n = text.length;
    this.reserve(n);
    // Short protocol words are copied faster by hand than through Buffer#write's native call.
    if (n > SHORT_TEXT) {
      this.len += this.buf.write(text, this.len, 'latin1');
      return this;
    }
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.len = at;
    return this;
  }

  byte(value: number): this {
    this.reserve(1);
    this.buf[this.len++] = value;
    return this;
  }

  /** A non-negative integer in decimal, without making a string below 2^32. */
  uint(value: number): this {
    if (value < 10) return this.byte(48 + value);
    if (value > 0xffffffff) return this.ascii(String(value));
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    this.reserve(digits);
    const buf = this.buf;
    let at = this.len + digits;
    this.len = at;
    for (let v = value; digits > 0; digits--) {
      const q = Math.floor(v / 10);
      buf[--at] = 48 + v - q * 10;
      v = q;
    }
    return this;
  }

  crlf(): this {
    this.reserve(2);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.buf.writeUInt16BE(value, this.len);
    this.len += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buf.writeUInt32BE(value >>> 0, this.len);
    this.len += 4;
    return this;
  }

  /** An unsigned 64-bit big-endian integer from a JS number (exact below 2^53). */
  u64(value: number): this {
    const hi = Math.floor(value / 4294967296);
    return this.u32(hi).u32(value - hi * 4294967296);
  }

  u64Big(value: bigint): this {
    this.reserve(8);
    this.buf.writeBigUInt64BE(value, this.len);
    this.len += 8;
    return this;
  }

  /** Drops what was written after `length` (a reply abandoned half-way). */
  truncate(length: number): void {
    this.len = Math.min(this.len, length);
  }

  /** The bytes written so far, handed over; the buffer starts empty again. */
  take(): Buffer | null {
    if (this.len === 0) return null;
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    if (this.buf.length > INITIAL * 64) this.buf = Buffer.allocUnsafe(INITIAL);
    return out;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}
