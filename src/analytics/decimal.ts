// Exact decimal arithmetic for numeric values (held as their text): a BigInt of digits and a
// scale. Result scales follow PostgreSQL: max of the scales for + and -, their sum for *, and
// select_div_scale's rule for / (at least 16 significant digits).

import { SqlError } from './sql/errors.ts';

export interface Decimal {
  readonly digits: bigint;
  readonly scale: number;
}

export function toDecimal(text: string): Decimal {
  const negative = text.startsWith('-');
  const bare = negative || text.startsWith('+') ? text.slice(1) : text;
  const dot = bare.indexOf('.');
  const scale = dot < 0 ? 0 : bare.length - dot - 1;
  const digits = BigInt(dot < 0 ? bare || '0' : bare.slice(0, dot) + bare.slice(dot + 1) || '0');
  return { digits: negative ? -digits : digits, scale };
}

export function fromDecimal({ digits, scale }: Decimal): string {
  const negative = digits < 0n;
  let text = (negative ? -digits : digits).toString();
  if (scale > 0) {
    text = text.padStart(scale + 1, '0');
    text = `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  }
  return negative ? `-${text}` : text;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function rescale(d: Decimal, scale: number): bigint {
  return d.digits * pow10(scale - d.scale);
}

/** Divides rounding half away from zero. */
function divideRounded(numerator: bigint, divisor: bigint): bigint {
  const negative = numerator < 0n !== divisor < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = divisor < 0n ? -divisor : divisor;
  let q = n / d;
  if ((n % d) * 2n >= d) q++;
  return negative ? -q : q;
}

export function round(d: Decimal, scale: number): Decimal {
  if (scale >= d.scale) return { digits: rescale(d, scale), scale };
  return { digits: divideRounded(d.digits, pow10(d.scale - scale)), scale };
}

/** Base-10000 weight and leading base-10000 digit, as PostgreSQL's NumericVar holds a value. */
function weightOf(d: Decimal): [number, number] {
  const abs = d.digits < 0n ? -d.digits : d.digits;
  if (abs === 0n) return [0, 0];
  const text = abs.toString();
  // The power of ten of the leading digit; groups of four digits align to the decimal point.
  const exponent = text.length - 1 - d.scale;
  const weight = Math.floor(exponent / 4);
  const leading = exponent - weight * 4 + 1;
  return [weight, Number(text.slice(0, leading).padEnd(leading, '0'))];
}

export function divisionScale(a: Decimal, b: Decimal): number {
  const [w1, f1] = weightOf(a);
  const [w2, f2] = weightOf(b);
  let qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  const scale = Math.max(16 - qweight * 4, a.scale, b.scale, 0);
  return Math.min(scale, 1000);
}

export function add(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { digits: rescale(a, scale) + rescale(b, scale), scale };
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  return add(a, { digits: -b.digits, scale: b.scale });
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { digits: a.digits * b.digits, scale: a.scale + b.scale };
}

export function divide(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new SqlError('22012', 'division by zero');
  const scale = divisionScale(a, b);
  // a / b = (a.digits / 10^a.scale) / (b.digits / 10^b.scale); scale the numerator so the
  // integer quotient carries `scale` decimals.
  const numerator = a.digits * pow10(scale + b.scale);
  const divisor = b.digits * pow10(a.scale);
  return { digits: divideRounded(numerator, divisor), scale };
}

export function modulo(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new SqlError('22012', 'division by zero');
  const scale = Math.max(a.scale, b.scale);
  return { digits: rescale(a, scale) % rescale(b, scale), scale };
}
