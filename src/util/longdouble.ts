// INCRBYFLOAT and HINCRBYFLOAT as Redis computes them: in x87 80-bit long double (64-bit
// significand), printed with "%.17Lf" and trailing zeros trimmed. Doing the sum in JS doubles
// shows as different digits ("0.1" + "0.2" is "0.3" in Redis, "1000" + "0.1" is
// "1000.09999999999999998"), so the arithmetic is emulated exactly with BigInt: values are
// m * 2^e, rounded to 64 significant bits (ties to even) after parsing and after the sum.

import { NOT_A_NUMBER } from './numbers.ts';

/** A finite long double: m * 2^e, |m| < 2^64. */
interface LongDouble {
  m: bigint;
  e: number;
}

/** The sum overflowed or an operand was infinite. */
export const NOT_FINITE = Symbol('not finite');

const SIGNIFICAND_BITS = 64;
const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
/** Smallest exponent of a subnormal long double (2^-16445). */
const MIN_EXP = -16445;
/** Values at or above 2^16384 overflow. */
const MAX_BINARY_EXP = 16384;
/** strtold's buffer in Redis (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITE = /^[+-]?inf(?:inity)?$/i;

/**
 * current + increment, both as stored/typed strings (current null = 0), formatted as Redis
 * stores the result; NOT_A_NUMBER when either is not a float strtold accepts, NOT_FINITE when
 * the result would be infinite.
 */
export function addLongDoubleText(current: Uint8Array | null, increment: Uint8Array): string | typeof NOT_A_NUMBER | typeof NOT_FINITE {
  const a = current === null ? { m: 0n, e: 0 } : parseLongDouble(current);
  if (a === NOT_A_NUMBER) return a;
  const b = parseLongDouble(increment);
  if (b === NOT_A_NUMBER) return b;
  if (a === NOT_FINITE || b === NOT_FINITE) return NOT_FINITE;
  const e = Math.min(a.e, b.e);
  const sum = (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e));
  const rounded = e >= 0 ? roundRational(sum << BigInt(e), 1n) : roundRational(sum, 1n << BigInt(-e));
  if (rounded === NOT_A_NUMBER || rounded === NOT_FINITE) return NOT_FINITE;
  return formatFixed17(rounded);
}

/** Redis's string2ld: strtold without leading spaces or trailing junk; NaN and range errors rejected. */
function parseLongDouble(bytes: Uint8Array): LongDouble | typeof NOT_A_NUMBER | typeof NOT_FINITE {
  if (bytes.length === 0 || bytes.length >= MAX_CHARS) return NOT_A_NUMBER;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  let match = DECIMAL.exec(text);
  let base = 10n;
  let digitBits = 0;
  if (match === null) {
    match = HEX.exec(text);
    base = 16n;
    digitBits = 4;
  }
  if (match === null) return INFINITE.test(text) ? NOT_FINITE : NOT_A_NUMBER;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  if (whole.length + fraction.length === 0) return NOT_A_NUMBER;
  const digits = BigInt((base === 16n ? '0x' : '') + (whole + fraction || '0'));
  let exponent = Number(exponentText ?? 0);
  if (digits === 0n) return { m: 0n, e: 0 };
  let result: LongDouble | typeof NOT_A_NUMBER | typeof NOT_FINITE;
  if (base === 16n) {
    // Hex floats are binary already: the exponent counts powers of two.
    const shift = exponent - fraction.length * digitBits;
    const magnitude = shift + bitLength(digits);
    if (magnitude > MAX_BINARY_EXP + 8 || magnitude < MIN_EXP - 8) return NOT_A_NUMBER;
    result = roundRational(digits, 1n, shift);
  } else {
    exponent -= fraction.length;
    const magnitude = exponent + (whole + fraction).replace(/^0+/, '').length;
    // Outside long double's range whatever the digits: skip building enormous powers of ten.
    if (magnitude > 4940) return NOT_A_NUMBER;
    if (magnitude < -4960) return NOT_A_NUMBER;
    result = exponent >= 0 ? roundRational(digits * 10n ** BigInt(exponent), 1n) : roundRational(digits, 10n ** BigInt(-exponent));
  }
  // strtold reports overflow (HUGE_VAL) and underflow to zero as range errors; Redis rejects both.
  if (result === NOT_FINITE || result === NOT_A_NUMBER) return NOT_A_NUMBER;
  if (sign === '-') result.m = -result.m;
  return result;
}

/**
 * Rounds num / den * 2^shift to the nearest long double (ties to even). NOT_FINITE on
 * overflow, NOT_A_NUMBER when a non-zero value underflows to zero.
 */
function roundRational(num: bigint, den: bigint, shift = 0): LongDouble | typeof NOT_A_NUMBER | typeof NOT_FINITE {
  const negative = num < 0n;
  const n = negative ? -num : num;
  if (n === 0n) return { m: 0n, e: 0 };
  let e = bitLength(n) - bitLength(den) - SIGNIFICAND_BITS + shift;
  let q = 0n;
  let r = 0n;
  let d = den;
  for (;;) {
    const s = e - shift;
    const scaledNum = s < 0 ? n << BigInt(-s) : n;
    d = s > 0 ? den << BigInt(s) : den;
    q = scaledNum / d;
    r = scaledNum - q * d;
    if (q >= TWO_64) e++;
    else if (q < TWO_63 && e > MIN_EXP) e--;
    else break;
  }
  if (e < MIN_EXP) {
    e = MIN_EXP;
    const s = e - shift;
    const scaledNum = s < 0 ? n << BigInt(-s) : n;
    d = s > 0 ? den << BigInt(s) : den;
    q = scaledNum / d;
    r = scaledNum - q * d;
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO_64) {
    q = TWO_63;
    e++;
  }
  if (q === 0n) return NOT_A_NUMBER;
  if (e + SIGNIFICAND_BITS > MAX_BINARY_EXP) return NOT_FINITE;
  return { m: negative ? -q : q, e };
}

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed, and "-0" as "0". */
function formatFixed17(value: LongDouble): string {
  const negative = value.m < 0n;
  const m = negative ? -value.m : value.m;
  let scaled: bigint;
  if (value.e >= 0) {
    scaled = (m << BigInt(value.e)) * 10n ** 17n;
  } else {
    const num = m * 10n ** 17n;
    const bits = BigInt(-value.e);
    scaled = num >> bits;
    const rest = num - (scaled << bits);
    const half = 1n << (bits - 1n);
    if (rest > half || (rest === half && (scaled & 1n) === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(18, '0');
  let text = `${digits.slice(0, -17)}.${digits.slice(-17)}`.replace(/\.?0+$/, '');
  if (negative && text !== '0') text = `-${text}`;
  return text;
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}
