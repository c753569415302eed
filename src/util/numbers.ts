// Number parsing and formatting with Redis's rules: string2ll's strictness for integers,
// strtod's forms for doubles, and the printf formats Redis 7.0 uses in replies.

import { Buffer } from 'node:buffer';

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** An exact int64 as parseInt64 returns it: a number while safe (within 2^53), a bigint beyond. */
export type Int64 = number | bigint;

/** `value` (within int64) in Int64's form. */
export function toInt64(value: bigint): Int64 {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Marks a failed parse; no valid result can equal it. */
export const NOT_A_NUMBER = Symbol('not a number');

/**
 * Redis's string2ll: an optional '-', digits without leading zeros, within int64.
 * Results beyond 2^53 come back as bigint so no precision is lost.
 */
export function parseInt64(bytes: Uint8Array, start = 0, end = bytes.length): Int64 | typeof NOT_A_NUMBER {
  const len = end - start;
  if (len === 0 || len > 20) return NOT_A_NUMBER;
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i === end) return NOT_A_NUMBER;
  if (bytes[i] === 0x30) return len === 1 ? 0 : NOT_A_NUMBER;
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return NOT_A_NUMBER;
    value = value * 10 + digit;
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? -value : value;
  let big = BigInt(Buffer.from(bytes.buffer, bytes.byteOffset + start, len).toString('latin1'));
  if (big > INT64_MAX || big < INT64_MIN) return NOT_A_NUMBER;
  return toInt64(big);
}

/** An int64 argument as a plain number, or NOT_A_NUMBER (also for values past 2^53, rare in arguments). */
export function parseSafeInt(bytes: Uint8Array): number | typeof NOT_A_NUMBER {
  const v = parseInt64(bytes);
  return typeof v === 'number' ? v : NOT_A_NUMBER;
}

const FLOAT_FORM = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_FORM = /^[+-]?inf(?:inity)?$/i;

/** strtod as Redis uses it: no surrounding spaces, no trailing junk, no NaN. */
export function parseDouble(bytes: Uint8Array): number | typeof NOT_A_NUMBER {
  if (bytes.length === 0 || bytes.length > 5000) return NOT_A_NUMBER;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  if (FLOAT_FORM.test(text)) return Number(text);
  if (INF_FORM.test(text)) return text[0] === '-' ? -Infinity : Infinity;
  return NOT_A_NUMBER;
}

/** printf("%.17g"), which Redis 7.0 uses for double replies (scores and the like). */
export function formatDouble(value: number): string {
  return Number.isNaN(value) ? 'nan' : formatG(value, 17);
}

/** printf("%.<precision>g") of a number that is not NaN (Lua 5.1 prints with %.14g). */
export function formatG(value: number, precision: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(precision - 1);
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= precision) {
    const mantissa = stripZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? '-' : '+';
    const digits = Math.abs(exponent);
    return `${mantissa}e${sign}${digits < 10 ? '0' : ''}${digits}`;
  }
  return stripZeros(value.toFixed(precision - 1 - exponent));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end--;
  if (text.charCodeAt(end - 1) === 0x2e) end--;
  return text.slice(0, end);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** Redis's memtoull: "100", "1k", "64mb", "1GB"; null when malformed. */
export function parseMemory(text: string): number | null {
  const match = /^(-?\d+)([a-z]*)$/i.exec(text);
  if (!match) return null;
  const unit = MEMORY_UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Number(match[1]) * unit;
}
