// Number parsing as memcached does it (util.c's safe_strto* over strtoull/strtol): leading
// whitespace and a sign are allowed, junk after the digits is not, a minus sign only passes
// for zero, and overflow is an error.

const U64_MAX = 0xffffffffffffffffn;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses an unsigned 64-bit decimal in buf[start, end), allowing trailing whitespace (item
 * values end in "\r\n" inside memcached, so "1 " counts as 1). Null when rejected.
 */
export function parseU64(buf: Uint8Array, start = 0, end = buf.length): bigint | null {
  const signed = scanSigned(buf, start, end);
  if (signed === null) return null;
  return signed < 0n ? null : signed;
}

/** parseU64 as a JS number (exact below 2^53), or -1 when rejected. Fast for short tokens. */
export function parseUnsigned(buf: Uint8Array, start = 0, end = buf.length): number {
  const n = end - start;
  if (n > 0 && n <= 15) {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === end) return value;
  }
  const big = parseU64(buf, start, end);
  return big === null ? -1 : Number(big);
}

/** memcached's safe_strtoul for item flags: an unsigned 64-bit value cut to 32 bits. */
export function parseFlags(buf: Uint8Array, start = 0, end = buf.length): number {
  const n = end - start;
  if (n > 0 && n <= 9) {
    const fast = parseUnsigned(buf, start, end);
    if (fast >= 0) return fast;
  }
  const big = parseU64(buf, start, end);
  return big === null ? -1 : Number(big & 0xffffffffn);
}

/** memcached's safe_strtol: a signed 32-bit decimal, NaN when rejected. */
export function parseInt32(buf: Uint8Array, start = 0, end = buf.length): number {
  const n = end - start;
  if (n > 0 && n <= 9 && buf[start] !== 45) {
    const fast = parseUnsigned(buf, start, end);
    if (fast >= 0) return fast;
  }
  const signed = scanSigned(buf, start, end);
  if (signed === null || signed > BigInt(INT32_MAX) || signed < BigInt(INT32_MIN)) return Number.NaN;
  return Number(signed);
}

/**
 * strtoll-style scan: optional leading whitespace, sign, at least one digit, then only
 * whitespace. Returns -0n as a plain 0n; the caller decides what a negative means.
 */
function scanSigned(buf: Uint8Array, start: number, end: number): bigint | null {
  let i = start;
  while (i < end && isSpace(buf[i]!)) i++;
  let negative = false;
  if (i < end && (buf[i] === 43 || buf[i] === 45)) negative = buf[i++] === 45;
  const digitsStart = i;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
  if (i === digitsStart) return null;
  for (let j = i; j < end; j++) if (!isSpace(buf[j]!)) return null;
  const magnitude = BigInt(Buffer.from(buf.buffer, buf.byteOffset + digitsStart, i - digitsStart).toString('latin1'));
  if (magnitude > U64_MAX) return null;
  return negative ? -magnitude : magnitude;
}
