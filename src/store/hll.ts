// HyperLogLog in Redis's exact HYLL string format, so a value written here loads in Redis and
// the other way round (GET, RDB, replication carry the bytes as they are).
//
// Layout: a 16-byte header ("HYLL", encoding byte, 3 zero bytes, the cached cardinality as 8
// little-endian bytes whose top bit marks it stale), then the registers: 16384 6-bit registers
// packed LSB-first (dense, 12288 bytes), or run-length opcodes (sparse):
//   00xxxxxx        ZERO:  xxxxxx+1 registers at 0 (1..64)
//   01xxxxxx yyyyyyyy  XZERO: 14-bit length+1 registers at 0 (1..16384)
//   1vvvvvxx        VAL:   xx+1 registers (1..4) at vvvvv+1 (1..32)
// Sparse edits split and merge opcodes exactly as Redis's do, byte for byte: the same PFADDs
// leave the same string in both servers. No protocol here: callers turn results into replies.

export const HLL_HEADER_BYTES = 16;
export const HLL_REGISTERS = 16384;
const INDEX_BITS = 14;
const INDEX_MASK = HLL_REGISTERS - 1;
const REGISTER_MAX = 63;
/** Hash bits left for the zero run once the index is taken: the longest run counts Q+1. */
const Q = 64 - INDEX_BITS;
export const HLL_DENSE_BYTES = HLL_HEADER_BYTES + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const ENCODING_BYTE = 4;
const CARD_TOP_BYTE = 15;

const SPARSE_VAL_MAX = 32;
const SPARSE_VAL_MAX_RUN = 4;
const SPARSE_ZERO_MAX_RUN = 64;
const SPARSE_XZERO_MAX_RUN = 16384;

/** A HYLL string being edited: `bytes` may be longer than `length` (room to grow). */
export interface Sketch {
  bytes: Uint8Array;
  length: number;
}

// ---- MurmurHash64A (seed 0xadc83b19), in 32-bit halves -------------------------------------

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

// The 64-bit value being hashed, as two 32-bit halves (no BigInt on the hot path), kept signed
// so that V8 stores them as small integers rather than boxing each new value.
let hHi = 0;
let hLo = 0;

const M_LO_LOW = M_LO & 0xffff;
const M_LO_HIGH = M_LO >>> 16;

/** (hi, lo) * M mod 2^64 into hHi/hLo. */
function mulM(hi: number, lo: number): void {
  // The high half of lo * M_LO from 16-bit pieces, each partial product exact in a double.
  const lo0 = lo & 0xffff;
  const lo1 = lo >>> 16;
  const low = lo0 * M_LO_LOW;
  const mid1 = lo1 * M_LO_LOW + (low >>> 16);
  const mid2 = lo0 * M_LO_HIGH + (mid1 & 0xffff);
  const carry = lo1 * M_LO_HIGH + (mid1 >>> 16) + (mid2 >>> 16);
  hHi = (carry + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) | 0;
  hLo = Math.imul(lo, M_LO);
}

function readLE32(data: Uint8Array, i: number): number {
  return data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
}

/** MurmurHash64A of data[start, end) into hHi/hLo (endian-neutral, as Redis patched it). */
function murmur64(data: Uint8Array, start: number, end: number): void {
  const len = end - start;
  mulM(0, len);
  let hi = hHi;
  let lo = hLo ^ SEED;
  const blocksEnd = start + (len - (len & 7));
  for (let i = start; i < blocksEnd; i += 8) {
    mulM(readLE32(data, i + 4), readLE32(data, i));
    // k ^= k >> 47
    mulM(hHi, hLo ^ (hHi >>> 15));
    mulM(hi ^ hHi, lo ^ hLo);
    hi = hHi;
    lo = hLo;
  }
  const tail = len & 7;
  if (tail > 0) {
    let tailLo = 0;
    let tailHi = 0;
    switch (tail) {
      case 7: tailHi |= data[blocksEnd + 6]! << 16; // falls through
      case 6: tailHi |= data[blocksEnd + 5]! << 8; // falls through
      case 5: tailHi |= data[blocksEnd + 4]!; // falls through
      case 4: tailLo |= data[blocksEnd + 3]! << 24; // falls through
      case 3: tailLo |= data[blocksEnd + 2]! << 16; // falls through
      case 2: tailLo |= data[blocksEnd + 1]! << 8; // falls through
      case 1: tailLo |= data[blocksEnd]!;
    }
    mulM(hi ^ tailHi, lo ^ tailLo);
    hi = hHi;
    lo = hLo;
  }
  mulM(hi, lo ^ (hi >>> 15));
  hLo ^= hHi >>> 15;
}

/** MurmurHash64A of `data` as Redis's HLL computes it (for tests and PFSELFTEST). */
export function hllHash(data: Uint8Array): bigint {
  murmur64(data, 0, data.length);
  return (BigInt(hHi >>> 0) << 32n) | BigInt(hLo >>> 0);
}

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Hashes an element: its register (the low 14 bits of the hash) and the length of the 0...01
 * run in the rest, 1 to Q+1, packed as register << 6 | run (see RUN_BITS).
 */
export function elementRun(data: Uint8Array): number {
  murmur64(data, 0, data.length);
  const register = hLo & INDEX_MASK;
  const low = hLo >>> INDEX_BITS;
  let run: number;
  if (low !== 0) run = trailingZeros32(low) + 1;
  else if (hHi !== 0) run = 32 - INDEX_BITS + trailingZeros32(hHi) + 1;
  else run = Q + 1;
  return (register << RUN_BITS) | run;
}

/** elementRun's packing: the run in the low bits, the register above. */
export const RUN_BITS = 6;
export const RUN_MASK = (1 << RUN_BITS) - 1;

// ---- header ------------------------------------------------------------------------------

/**
 * Whether a string value is a HYLL Redis accepts as one: long enough for the header, the
 * magic, a known encoding, and exactly the dense size when dense. (Sparse opcodes are only
 * found corrupt when walked.)
 */
export function isHll(buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length < HLL_HEADER_BYTES) return false;
  if (buf[start] !== 0x48 || buf[start + 1] !== 0x59 || buf[start + 2] !== 0x4c || buf[start + 3] !== 0x4c) return false;
  const encoding = buf[start + ENCODING_BYTE]!;
  if (encoding > HLL_SPARSE) return false;
  return encoding === HLL_SPARSE || length === HLL_DENSE_BYTES;
}

export function encodingOf(buf: Uint8Array, start: number): number {
  return buf[start + ENCODING_BYTE]!;
}

export function invalidateCache(buf: Uint8Array, start: number): void {
  buf[start + CARD_TOP_BYTE]! |= 0x80;
}

/** The cached cardinality, or -1 when stale. Past 2^53 (only a forged header) as a bigint. */
export function cachedCount(buf: Uint8Array, start: number): number | bigint {
  if (buf[start + CARD_TOP_BYTE]! & 0x80) return -1;
  const low = readLE32(buf, start + 8) >>> 0;
  const high = readLE32(buf, start + 12) >>> 0;
  if (high < 0x200000) return high * 0x100000000 + low;
  return (BigInt(high) << 32n) | BigInt(low);
}

export function setCachedCount(buf: Uint8Array, start: number, count: number): void {
  const high = Math.floor(count / 0x100000000);
  const low = count >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[start + 8 + i] = (low >>> (i * 8)) & 0xff;
    buf[start + 12 + i] = (high >>> (i * 8)) & 0xff;
  }
}

/** A new, empty HYLL: sparse, all registers in XZERO opcodes, the cache 0 and valid. */
export function newSketch(capacity = 64): Sketch {
  const sparseLength = HLL_HEADER_BYTES + Math.ceil(HLL_REGISTERS / SPARSE_XZERO_MAX_RUN) * 2;
  const bytes = new Uint8Array(Math.max(capacity, sparseLength));
  bytes.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]);
  let p = HLL_HEADER_BYTES;
  for (let left = HLL_REGISTERS; left > 0; ) {
    const run = Math.min(left, SPARSE_XZERO_MAX_RUN);
    writeXZero(bytes, p, run);
    p += 2;
    left -= run;
  }
  return { bytes, length: sparseLength };
}

/** A sketch over a copy of a stored value, with room for sparse edits. */
export function sketchOf(buf: Uint8Array, start: number, end: number): Sketch {
  const bytes = new Uint8Array(end - start + 64);
  bytes.set(buf.subarray(start, end));
  return { bytes, length: end - start };
}

// ---- dense registers ---------------------------------------------------------------------

/** Register `index` of the dense registers starting at `base`. */
export function denseRegister(buf: Uint8Array, base: number, index: number): number {
  const bit = index * 6;
  const byte = base + (bit >>> 3);
  const shift = bit & 7;
  // A register starting in the low 3 bits of a byte fits in it: the next byte (which may not
  // exist for the last register) is not read.
  if (shift <= 2) return (buf[byte]! >>> shift) & REGISTER_MAX;
  return ((buf[byte]! >>> shift) | (buf[byte + 1]! << (8 - shift))) & REGISTER_MAX;
}

export function setDenseRegister(buf: Uint8Array, base: number, index: number, value: number): void {
  const bit = index * 6;
  const byte = base + (bit >>> 3);
  const shift = bit & 7;
  buf[byte] = (buf[byte]! & ~(REGISTER_MAX << shift)) | (value << shift);
  if (shift > 2) {
    const rest = 8 - shift;
    buf[byte + 1] = (buf[byte + 1]! & ~(REGISTER_MAX >>> rest)) | (value >>> rest);
  }
}

/** Raises a dense register to `count`; 1 if it was lower, else 0. */
export function denseRaise(buf: Uint8Array, base: number, index: number, count: number): number {
  if (count <= denseRegister(buf, base, index)) return 0;
  setDenseRegister(buf, base, index, count);
  return 1;
}

// ---- sparse opcodes ----------------------------------------------------------------------

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXZero = (op: number): boolean => (op & 0xc0) === 0x40;
const isVal = (op: number): boolean => (op & 0x80) !== 0;
const zeroRun = (op: number): number => (op & 0x3f) + 1;
const xzeroRun = (bytes: Uint8Array, p: number): number => (((bytes[p]! & 0x3f) << 8) | bytes[p + 1]!) + 1;
const valValue = (op: number): number => ((op >>> 2) & 0x1f) + 1;
const valRun = (op: number): number => (op & 0x3) + 1;
const valOp = (value: number, run: number): number => (((value - 1) << 2) | (run - 1) | 0x80) & 0xff;

function writeXZero(bytes: Uint8Array, p: number, run: number): void {
  bytes[p] = ((run - 1) >>> 8) | 0x40;
  bytes[p + 1] = (run - 1) & 0xff;
}

/** Writes a ZERO or XZERO opcode for `run` zero registers at p; returns its length. */
function writeZeros(bytes: Uint8Array, p: number, run: number): number {
  if (run > SPARSE_ZERO_MAX_RUN) {
    writeXZero(bytes, p, run);
    return 2;
  }
  bytes[p] = run - 1;
  return 1;
}

function ensureCapacity(sketch: Sketch, length: number): void {
  if (sketch.bytes.length >= length) return;
  const grown = new Uint8Array(Math.max(length, sketch.bytes.length * 2));
  grown.set(sketch.bytes.subarray(0, sketch.length));
  sketch.bytes = grown;
}

/**
 * Walks the opcodes of a sparse value in buf[start, end): `visit(first, run, value)` for each
 * run of registers that ends within the 16384 (value 0 for ZERO and XZERO runs). Returns how
 * many registers the opcodes cover: a value is corrupt unless that is exactly 16384 (Redis
 * 7.0.15 as Debian ships it, with the CVE-2025-32023 fix, refuses any run past the end).
 */
function walkSparse(buf: Uint8Array, start: number, end: number, visit: (first: number, run: number, value: number) => void): number {
  let index = 0;
  let p = start + HLL_HEADER_BYTES;
  while (p < end) {
    const op = buf[p]!;
    let run: number;
    let value = 0;
    if (isZero(op)) {
      run = zeroRun(op);
      p++;
    } else if (isXZero(op)) {
      run = xzeroRun(buf, p);
      p += 2;
    } else {
      run = valRun(op);
      value = valValue(op);
      p++;
    }
    if (index + run <= HLL_REGISTERS) visit(index, run, value);
    index += run;
  }
  return index;
}

/**
 * Rewrites a sparse sketch as dense, keeping the header (magic and cached cardinality).
 * False, leaving it as it was, when the opcodes do not cover exactly 16384 registers.
 */
export function sparseToDense(sketch: Sketch): boolean {
  const { bytes, length } = sketch;
  if (bytes[ENCODING_BYTE] === HLL_DENSE) return true;
  const dense = new Uint8Array(HLL_DENSE_BYTES);
  dense.set(bytes.subarray(0, HLL_HEADER_BYTES));
  dense[ENCODING_BYTE] = HLL_DENSE;
  const index = walkSparse(bytes, 0, length, (first, run, value) => {
    if (value === 0) return;
    for (let i = first; i < first + run; i++) setDenseRegister(dense, HLL_HEADER_BYTES, i, value);
  });
  if (index !== HLL_REGISTERS) return false;
  sketch.bytes = dense;
  sketch.length = HLL_DENSE_BYTES;
  return true;
}

/** The opcode sequence replacing one split opcode: at most XZERO VAL XZERO, 5 bytes. */
const splitSequence = new Uint8Array(5);

/**
 * Raises register `index` of a sketch to `count` (Redis's hllSparseSet): 1 if it changed, 0 if
 * it was already as high, -1 if the opcodes are corrupt. A value past what VAL holds, or growth
 * past `maxSparseBytes`, makes the sketch dense first.
 */
export function sparseRaise(sketch: Sketch, index: number, count: number, maxSparseBytes: number): number {
  if (count > SPARSE_VAL_MAX) return promoteAndRaise(sketch, index, count);
  ensureCapacity(sketch, sketch.length + 3);
  let bytes = sketch.bytes;
  let end = sketch.length;

  // Find the opcode covering the register.
  let p = HLL_HEADER_BYTES;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = bytes[p]!;
    let opLength = 1;
    if (isZero(op)) span = zeroRun(op);
    else if (isVal(op)) span = valRun(op);
    else {
      span = xzeroRun(bytes, p);
      opLength = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += opLength;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = bytes[p]!;
  const xzero = isXZero(op);
  const next = p + (xzero ? 2 : 1) < end ? p + (xzero ? 2 : 1) : -1;
  const zero = isZero(op);
  const run = zero ? zeroRun(op) : xzero ? xzeroRun(bytes, p) : valRun(op);

  let inPlace = false;
  if (!zero && !xzero) {
    if (valValue(op) >= count) return 0;
    inPlace = run === 1;
  } else if (zero && run === 1) {
    inPlace = true;
  }

  if (inPlace) {
    bytes[p] = valOp(count, 1);
  } else {
    // Split the opcode: what precedes the register, the register, what follows it.
    const seq = splitSequence;
    let n = 0;
    const last = first + span - 1;
    if (zero || xzero) {
      if (index !== first) n += writeZeros(seq, n, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) n += writeZeros(seq, n, last - index);
    } else {
      const current = valValue(op);
      if (index !== first) seq[n++] = valOp(current, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(current, last - index);
    }
    const delta = n - (xzero ? 2 : 1);
    if (delta > 0 && sketch.length + delta > maxSparseBytes) return promoteAndRaise(sketch, index, count);
    if (delta !== 0 && next >= 0) bytes.copyWithin(next + delta, next, end);
    sketch.length += delta;
    end += delta;
    bytes.set(seq.subarray(0, n), p);
  }

  // Merge adjacent VAL opcodes of one value, scanning up to 5 opcodes from the one before.
  p = prev >= 0 ? prev : HLL_HEADER_BYTES;
  bytes = sketch.bytes;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const current = bytes[p]!;
    if (isXZero(current)) {
      p += 2;
      continue;
    }
    if (isZero(current)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(bytes[p + 1]!)) {
      const following = bytes[p + 1]!;
      const value = valValue(current);
      const merged = valRun(current) + valRun(following);
      if (value === valValue(following) && merged <= SPARSE_VAL_MAX_RUN) {
        bytes[p + 1] = valOp(value, merged);
        bytes.copyWithin(p, p + 1, end);
        sketch.length--;
        end--;
        continue;
      }
    }
    p++;
  }
  invalidateCache(bytes, 0);
  return 1;
}

function promoteAndRaise(sketch: Sketch, index: number, count: number): number {
  if (!sparseToDense(sketch)) return -1;
  return denseRaise(sketch.bytes, HLL_HEADER_BYTES, index, count);
}

/** Adds an element to a sketch of either encoding: 1 if a register rose, 0 if not, -1 if corrupt. */
export function sketchAdd(sketch: Sketch, element: Uint8Array, maxSparseBytes: number): number {
  return raise(sketch, elementRun(element), maxSparseBytes);
}

/** Raises the register of an elementRun result to its run, in either encoding. */
function raise(sketch: Sketch, packed: number, maxSparseBytes: number): number {
  const register = packed >>> RUN_BITS;
  const run = packed & RUN_MASK;
  if (sketch.bytes[ENCODING_BYTE] === HLL_DENSE) return denseRaise(sketch.bytes, HLL_HEADER_BYTES, register, run);
  return sparseRaise(sketch, register, run, maxSparseBytes);
}

// ---- counting and merging ------------------------------------------------------------------

const histogram = new Int32Array(64);

function denseHistogram(buf: Uint8Array, base: number): void {
  // Four registers in every three bytes.
  for (let b = base, end = base + (HLL_REGISTERS * 6) / 8; b < end; b += 3) {
    const b0 = buf[b]!;
    const b1 = buf[b + 1]!;
    const b2 = buf[b + 2]!;
    histogram[b0 & 63]!++;
    histogram[((b0 >>> 6) | (b1 << 2)) & 63]!++;
    histogram[((b1 >>> 4) | (b2 << 4)) & 63]!++;
    histogram[b2 >>> 2]!++;
  }
}

/** False when the opcodes do not cover exactly 16384 registers. */
function sparseHistogram(buf: Uint8Array, start: number, end: number): boolean {
  return walkSparse(buf, start, end, (_first, run, value) => (histogram[value]! += run)) === HLL_REGISTERS;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

const ALPHA_INF = 0.721347520444481703680;

/** Ertl's improved estimator over the histogram of register values. */
function estimate(): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[Q + 1]!) / m);
  for (let j = Q; j >= 1; j--) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** The estimated cardinality of a stored HYLL (validated by isHll), or -1 if its opcodes are corrupt. */
export function hllCount(buf: Uint8Array, start: number, end: number): number {
  histogram.fill(0);
  if (buf[start + ENCODING_BYTE] === HLL_DENSE) denseHistogram(buf, start + HLL_HEADER_BYTES);
  else if (!sparseHistogram(buf, start, end)) return -1;
  return estimate();
}

/** The estimated cardinality of plain byte registers (a merge of several HYLLs). */
export function registersCount(registers: Uint8Array): number {
  histogram.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]!]!++;
  return estimate();
}

/** registers[i] = max(registers[i], the HYLL's register i); false if its opcodes are corrupt. */
export function mergeInto(registers: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (buf[start + ENCODING_BYTE] === HLL_DENSE) {
    const base = start + HLL_HEADER_BYTES;
    for (let i = 0, b = base; i < HLL_REGISTERS; i += 4, b += 3) {
      const b0 = buf[b]!;
      const b1 = buf[b + 1]!;
      const b2 = buf[b + 2]!;
      const r0 = b0 & 63;
      const r1 = ((b0 >>> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >>> 4) | (b2 << 4)) & 63;
      const r3 = b2 >>> 2;
      if (r0 > registers[i]!) registers[i] = r0;
      if (r1 > registers[i + 1]!) registers[i + 1] = r1;
      if (r2 > registers[i + 2]!) registers[i + 2] = r2;
      if (r3 > registers[i + 3]!) registers[i + 3] = r3;
    }
    return true;
  }
  const covered = walkSparse(buf, start, end, (first, run, value) => {
    for (let i = first; i < first + run; i++) if (value > registers[i]!) registers[i] = value;
  });
  return covered === HLL_REGISTERS;
}

/** Raises every register of a sketch to at least `registers` (PFMERGE's write), in index order. */
export function raiseAll(sketch: Sketch, registers: Uint8Array, maxSparseBytes: number): void {
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const value = registers[i]!;
    if (value === 0) continue;
    // As in Redis, a corrupt destination is not reported here: the sources' walk already was.
    if (sketch.bytes[ENCODING_BYTE] === HLL_DENSE) denseRaise(sketch.bytes, HLL_HEADER_BYTES, i, value);
    else sparseRaise(sketch, i, value, maxSparseBytes);
  }
  invalidateCache(sketch.bytes, 0);
}

/** PFDEBUG DECODE's text: the sparse opcodes as "z:len", "Z:len" and "v:value,len". */
export function decodeSparse(buf: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  let p = start + HLL_HEADER_BYTES;
  while (p < end) {
    const op = buf[p]!;
    if (isZero(op)) {
      parts.push(`z:${zeroRun(op)}`);
      p++;
    } else if (isXZero(op)) {
      parts.push(`Z:${xzeroRun(buf, p)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valRun(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---- self test -----------------------------------------------------------------------------

const SELFTEST_CYCLES = 1000;
const SELFTEST_ELEMENTS = 10_000_000;

/**
 * PFSELFTEST: the register packing keeps what it is given, and sparse and dense sketches fed
 * the same elements agree and stay within six standard errors at each power of ten. Null on
 * success, else the failure text.
 */
export function selfTest(maxSparseBytes: number, random: () => number = Math.random): string | null {
  const dense = new Uint8Array(HLL_DENSE_BYTES + 1);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < SELFTEST_CYCLES; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = Math.floor(random() * 64);
      expected[i] = value;
      setDenseRegister(dense, HLL_HEADER_BYTES, i, value);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = denseRegister(dense, HLL_HEADER_BYTES, i);
      if (value !== expected[i]) return `TESTFAILED Register ${i} should be ${expected[i]} but is ${value}`;
    }
  }

  dense.fill(0);
  dense[ENCODING_BYTE] = HLL_DENSE;
  const sketch = newSketch();
  const relativeError = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = Math.floor(random() * 0x100000000) >>> 0;
  const seedHi = Math.floor(random() * 0x100000000) >>> 0;
  const element = new Uint8Array(8);
  const view = new DataView(element.buffer);
  let checkpoint = 1;
  for (let j = 1; j <= SELFTEST_ELEMENTS; j++) {
    view.setUint32(0, (j ^ seedLo) >>> 0, true);
    view.setUint32(4, seedHi, true);
    const packed = elementRun(element);
    raise(sketch, packed, maxSparseBytes);
    denseRaise(dense, HLL_HEADER_BYTES, packed >>> RUN_BITS, packed & RUN_MASK);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxSparseBytes / 2) && sketch.bytes[ENCODING_BYTE] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const denseCount = hllCount(dense, 0, HLL_DENSE_BYTES);
    if (denseCount !== hllCount(sketch.bytes, 0, sketch.length)) return 'TESTFAILED dense/sparse disagree';
    const maxError = j === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint);
    const error = Math.abs(checkpoint - denseCount);
    if (error > maxError) return `TESTFAILED Too big error. card:${checkpoint} abserr:${error}`;
    checkpoint *= 10;
  }
  return null;
}
