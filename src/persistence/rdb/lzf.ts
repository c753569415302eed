// LZF, the compression Redis applies to strings in RDB files (rdbcompression yes). The format:
// a control byte below 32 starts a run of (control + 1) literal bytes; otherwise its top three
// bits are a match length - 2 (7 meaning "plus the next byte") and its low five bits, with the
// byte after the length, are the match's distance back - 1 (at most 8191).

const HASH_BITS = 14;
const MAX_LITERAL_RUN = 32;
const MAX_DISTANCE = 8192;
/** Longest match a reference can say: (7 + 255) + 2. */
const MAX_MATCH = 264;

/**
 * Last position of each 3-byte hash, as `base + position`: each call takes a fresh range of
 * bases, so entries left by earlier calls read as out of range instead of being cleared (a
 * 64 KB fill per short string would cost more than compressing it).
 */
const table = new Int32Array(1 << HASH_BITS);
let base = 0;

/**
 * Compresses `input` into at most `limit` bytes; returns the compressed bytes, or null when
 * they would not fit (Redis then stores the string as it is).
 */
export function lzfCompress(input: Uint8Array, limit: number): Uint8Array | null {
  const length = input.length;
  if (length < 4 || limit <= 0) return null;
  const out = new Uint8Array(limit);
  if (base + length >= 0x40000000) {
    table.fill(0);
    base = 0;
  }
  const start = base + 1;
  base = start + length;
  let ip = 0;
  let op = 1; // out[0] is the first literal run's control byte
  let literals = 0;
  while (ip < length - 2) {
    const h = (((input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!) * 2654435761) >>> (32 - HASH_BITS);
    const ref = table[h]! - start;
    table[h] = start + ip;
    const distance = ip - ref - 1;
    if (ref >= 0 && distance < MAX_DISTANCE && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      const maxMatch = Math.min(MAX_MATCH, length - ip);
      let match = 3;
      while (match < maxMatch && input[ref + match] === input[ip + match]) match++;
      // Close the literal run (or take back its unused control byte).
      if (literals > 0) out[op - literals - 1] = literals - 1;
      else op--;
      if (op + 4 > limit) return null;
      const encoded = match - 2;
      if (encoded < 7) {
        out[op++] = (distance >>> 8) | (encoded << 5);
      } else {
        out[op++] = (distance >>> 8) | (7 << 5);
        out[op++] = encoded - 7;
      }
      out[op++] = distance & 0xff;
      out[op++] = 0;
      literals = 0;
      ip += match;
      continue;
    }
    if (op >= limit) return null;
    out[op++] = input[ip++]!;
    if (++literals === MAX_LITERAL_RUN) {
      out[op - literals - 1] = literals - 1;
      literals = 0;
      if (op >= limit) return null;
      out[op++] = 0;
    }
  }
  while (ip < length) {
    if (op >= limit) return null;
    out[op++] = input[ip++]!;
    if (++literals === MAX_LITERAL_RUN && ip < length) {
      out[op - literals - 1] = literals - 1;
      literals = 0;
      if (op >= limit) return null;
      out[op++] = 0;
    }
  }
  if (literals > 0) out[op - literals - 1] = literals - 1;
  else op--;
  return out.subarray(0, op);
}

/** Decompresses into exactly `length` bytes; null when the data is not valid LZF of that length. */
export function lzfDecompress(input: Uint8Array, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const control = input[ip++]!;
    if (control < 32) {
      const run = control + 1;
      if (op + run > length || ip + run > input.length) return null;
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let match = control >>> 5;
    if (match === 7) {
      if (ip >= input.length) return null;
      match += input[ip++]!;
    }
    if (ip >= input.length) return null;
    const ref = op - ((control & 0x1f) << 8) - input[ip++]! - 1;
    match += 2;
    if (ref < 0 || op + match > length) return null;
    // Byte by byte: a match may overlap the bytes it produces.
    for (let i = 0; i < match; i++) out[op + i] = out[ref + i]!;
    op += match;
  }
  return op === length ? out : null;
}
