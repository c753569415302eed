// INCRBYFLOAT and HINCRBYFLOAT as Redis computes them: in x87 80-bit long double (64-bit
// significand), printed with "%.17Lf" and trailing zeros trimmed. Doing the sum in JS doubles
// shows as different digits ("0.1" + "0.2" is "0.3" in Redis, "1000" + "0.1" is
// "1000.09999999999999998"), so the arithmetic is emulated exactly with BigInt: values are
// m * 2^e, rounded to 64 significant bits (ties to even) after parsing and after the sum.

import { Buffer } from 'node:buffer';
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
/** Powers of ten up to this are kept for reuse; the rare larger ones (huge exponents) are computed. */
const POW10_CACHE = 400;
const TEN_17 = 10n ** 17n;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITE = /^[+-]?inf(?:inity)?$/i;

/**
 * current + increment, both as stored/typed strings (current null = 0), formatted as Redis
 * stores the result; NOT_A_NUMBER when either is not a float strtold accepts, NOT_FINITE when
 * the result would be infinite.
 */
export function addLongDoubleText(current: Uint8Array | null, increment: Uint8Array): string | typeof NOT_A_NUMBER | typeof NOT_FINITE {
  const fast = decimalSum(current, increment);
  if (fast !== null) return fast;
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

const SIMPLE_DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
/** Digits that keep a scaled operand and the sum exact in a double. */
const EXACT_DIGITS = 15;
/**
 * Below this |a| + |b| the long double result is within half a unit of the 17th decimal of
 * the exact sum (errors total under 2^-63 * (|a| + |b|)), so "%.17Lf" prints the exact sum.
 */
const EXACT_MAGNITUDE = 40;

/**
 * The common case without BigInt: short plain decimals whose sum "%.17Lf" prints exactly
 * (integers, or small magnitudes). Null when the general path must decide.
 */
function decimalSum(current: Uint8Array | null, increment: Uint8Array): string | null {
  const a = current === null ? ZERO_DECIMAL : simpleDecimal(current);
  const b = simpleDecimal(increment);
  if (a === null || b === null) return null;
  const places = Math.max(a.places, b.places);
  if (a.digits + places - a.places > EXACT_DIGITS || b.digits + places - b.places > EXACT_DIGITS) return null;
  const x = a.value * 10 ** (places - a.places);
  const y = b.value * 10 ** (places - b.places);
  if (places > 0 && Math.abs(x) + Math.abs(y) >= EXACT_MAGNITUDE * 10 ** places) return null;
  const sum = x + y;
  if (sum === 0) return '0';
  const text = String(Math.abs(sum)).padStart(places + 1, '0');
  let end = text.length;
  if (places > 0) {
    while (end > text.length - places && text.charCodeAt(end - 1) === 0x30) end--;
  }
  const whole = text.slice(0, text.length - places);
  const fraction = text.slice(text.length - places, end);
  return `${sum < 0 ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

interface SimpleDecimal {
  /** The digits as an integer, signed. */
  value: number;
  digits: number;
  /** Digits after the point. */
  places: number;
}

const ZERO_DECIMAL: SimpleDecimal = { value: 0, digits: 1, places: 0 };

function simpleDecimal(bytes: Uint8Array): SimpleDecimal | null {
  if (bytes.length > 40) return null;
  const match = SIMPLE_DECIMAL.exec(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'));
  if (match === null) return null;
  const [, sign, whole, fraction = ''] = match;
  const digits = whole!.length + fraction.length;
  if (digits > EXACT_DIGITS || fraction.length > 17) return null;
  const magnitude = Number(whole! + fraction);
  return { value: sign === '-' ? -magnitude : magnitude, digits, places: fraction.length };
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
    result = exponent >= 0 ? roundRational(digits * pow10(exponent), 1n) : roundRational(digits, pow10(-exponent));
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
    scaled = (m << BigInt(value.e)) * TEN_17;
  } else {
    const num = m * TEN_17;
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
  const hex = n.toString(16);
  return hex.length * 4 - Math.clz32(parseInt(hex[0]!, 16)) + 28;
}

const powersOfTen: bigint[] = [1n];

function pow10(k: number): bigint {
  for (let i = powersOfTen.length; i <= k && i <= POW10_CACHE; i++) powersOfTen.push(powersOfTen[i - 1]! * 10n);
  return k <= POW10_CACHE ? powersOfTen[k]! : 10n ** BigInt(k);
}
