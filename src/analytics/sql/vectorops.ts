// Vectorised scalar operations: each takes whole vectors and returns a vector, with tight loops
// over typed arrays for the common cases (arithmetic, comparisons, boolean logic) and a
// row-at-a-time fallback for the rare ones. Semantics are PostgreSQL's: three-valued logic,
// integer division truncating toward zero, overflow and division-by-zero errors.

import {
  checkInteger,
  formatFloat,
  formatNumber,
  isFloat,
  isInteger,
  isNumberBacked,
  isText,
  parseNumber,
  parseNumericText,
  typeName,
  type SqlType,
} from '../types.ts';
import { numbers, strings, valueAt, type Value, type Vector } from '../vector.ts';
import { SqlError } from './errors.ts';
import { add, divide, fromDecimal, modulo, multiply, round, subtract, toDecimal, type Decimal } from '../decimal.ts';

export function orNulls(a: Vector, b: Vector): Uint8Array | null {
  if (a.nulls === null) return b.nulls === null ? null : b.nulls.slice();
  if (b.nulls === null) return a.nulls.slice();
  const out = new Uint8Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a.nulls[i]! | b.nulls[i]!;
  return out;
}

/** Builds a vector of `type` row by row. */
export function buildVector(type: SqlType, n: number, valueOf: (i: number) => Value): Vector {
  let nulls: Uint8Array | null = null;
  if (isNumberBacked(type)) {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = valueOf(i);
      if (value === null) (nulls ??= new Uint8Array(n))[i] = 1;
      else data[i] = value as number;
    }
    return { type, length: n, data, nulls, dict: null };
  }
  const data = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const value = valueOf(i);
    if (value === null) {
      (nulls ??= new Uint8Array(n))[i] = 1;
      data[i] = '';
    } else data[i] = value as string;
  }
  return { type, length: n, data, nulls, dict: null };
}

/** Applies `fn` to each row whose arguments are all non-NULL (strict functions); NULL otherwise. */
export function mapStrict(type: SqlType, args: readonly Vector[], n: number, fn: (values: Value[]) => Value): Vector {
  const values: Value[] = new Array<Value>(args.length);
  return buildVector(type, n, (i) => {
    for (let a = 0; a < args.length; a++) {
      const value = valueAt(args[a]!, i);
      if (value === null) return null;
      values[a] = value;
    }
    return fn(values);
  });
}

// ---- casts ----

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Casts one non-NULL value between types. */
export function castValue(value: number | string, from: SqlType, to: SqlType): Value {
  if (from === to) return value;
  if (isText(to)) {
    if (typeof value === 'string') return value;
    return formatNumber(from, value);
  }
  if (typeof value === 'string') {
    if (from === 'numeric') {
      const number = Number(value);
      if (isInteger(to)) {
        // Rounded exactly (half away from zero); bigint's bounds are beyond a double's precision.
        const rounded = round(toDecimal(value), 0).digits;
        if (to === 'int8' && (rounded > 9223372036854775807n || rounded < -9223372036854775808n)) throw overflow('int8');
        return checkInteger(to, Number(rounded));
      }
      if (isFloat(to)) return to === 'float4' ? Math.fround(number) : number;
    } else if (isText(from)) {
      return to === 'numeric' ? parseNumericText(value) : parseNumber(to, value);
    }
    throw cannotCast(from, to);
  }
  if (to === 'numeric') {
    if (isInteger(from)) return String(value);
    if (isFloat(from)) {
      const text = formatFloat(value, from === 'float4');
      return /e/.test(text) ? parseNumericText(text) : text;
    }
    throw cannotCast(from, to);
  }
  if (isInteger(to)) {
    if (isInteger(from) || from === 'bool') return checkInteger(to, value);
    if (isFloat(from)) {
      if (!Number.isFinite(value)) throw new SqlError('22003', `${typeName(to) === 'integer' ? 'integer' : typeName(to)} out of range`);
      return checkInteger(to, roundHalfEven(value));
    }
    throw cannotCast(from, to);
  }
  if (isFloat(to)) {
    if (isInteger(from) || isFloat(from)) return to === 'float4' ? Math.fround(value) : value;
    throw cannotCast(from, to);
  }
  if (to === 'bool' && from === 'int4') return value !== 0 ? 1 : 0;
  if (to === 'timestamp' || to === 'timestamptz') {
    if (from === 'date') return value * 86_400_000_000;
    if (from === 'timestamp' || from === 'timestamptz') return value;
  }
  if (to === 'date' && (from === 'timestamp' || from === 'timestamptz')) return Math.floor(value / 86_400_000_000);
  throw cannotCast(from, to);
}

export const cannotCast = (from: SqlType, to: SqlType): SqlError =>
  new SqlError('42846', `cannot cast type ${typeName(from)} to ${typeName(to)}`);

export function castVector(v: Vector, to: SqlType): Vector {
  if (v.type === to) return v;
  if ((isText(v.type) && isText(to)) || (isNumberBacked(v.type) && isNumberBacked(to) && sameNumbers(v.type, to))) {
    return { ...v, type: to };
  }
  if (isNumberBacked(v.type) && isNumberBacked(to) && isFloat(to)) {
    const source = numbers(v);
    const out = new Float64Array(v.length);
    if (to === 'float4') for (let i = 0; i < out.length; i++) out[i] = Math.fround(source[i]!);
    else out.set(source);
    return { type: to, length: v.length, data: out, nulls: v.nulls, dict: null };
  }
  if (v.dict !== null && !isText(to)) {
    // Cast each dictionary entry once, then look the codes up.
    const cast = v.dict.map((text) => {
      try {
        return castValue(text, v.type, to);
      } catch (error) {
        return error as SqlError;
      }
    });
    const codes = numbers(v);
    return buildVector(to, v.length, (i) => {
      if (v.nulls !== null && v.nulls[i] === 1) return null;
      const value = cast[codes[i]!]!;
      if (value instanceof SqlError) throw value;
      return value;
    });
  }
  return mapStrict(to, [v], v.length, ([value]) => castValue(value!, v.type, to));
}

/** Types whose values need no conversion between each other. */
function sameNumbers(from: SqlType, to: SqlType): boolean {
  if (isInteger(from) && isInteger(to)) return rank(from) <= rank(to);
  return (from === 'timestamp' || from === 'timestamptz') && (to === 'timestamp' || to === 'timestamptz');
}

const rank = (t: SqlType): number => ['int2', 'int4', 'int8'].indexOf(t);

// ---- arithmetic ----

/** The result type of a numeric operator over two types (PostgreSQL's operator resolution). */
export function numericResult(a: SqlType, b: SqlType): SqlType {
  if (a === 'float8' || b === 'float8') return 'float8';
  if (a === 'float4' && b === 'float4') return 'float4';
  if (a === 'float4' || b === 'float4') return 'float8';
  if (a === 'numeric' || b === 'numeric') return 'numeric';
  return rank(a) >= rank(b) ? a : b;
}

const overflow = (type: SqlType) =>
  new SqlError('22003', `${type === 'int2' ? 'smallint' : type === 'int4' ? 'integer' : 'bigint'} out of range`);
const divisionByZero = () => new SqlError('22012', 'division by zero');

/** + - * / % over vectors already cast to `type` (an integer or float type). */
export function arithmetic(op: string, type: SqlType, a: Vector, b: Vector): Vector {
  const n = a.length;
  const x = numbers(a);
  const y = numbers(b);
  const nulls = orNulls(a, b);
  const out = new Float64Array(n);
  const integer = isInteger(type);
  switch (op) {
    case '+':
      for (let i = 0; i < n; i++) out[i] = x[i]! + y[i]!;
      break;
    case '-':
      for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!;
      break;
    case '*':
      for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
      break;
    case '/':
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) continue;
        if (y[i] === 0) throw divisionByZero();
        out[i] = integer ? Math.trunc(x[i]! / y[i]!) : x[i]! / y[i]!;
      }
      break;
    case '%':
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) continue;
        if (y[i] === 0) throw divisionByZero();
        out[i] = x[i]! % y[i]!;
      }
      break;
    default:
      throw new Error(`arithmetic ${op}`);
  }
  if (integer) checkRange(type, out, nulls);
  else if (type === 'float4') for (let i = 0; i < n; i++) out[i] = Math.fround(out[i]!);
  return { type, length: n, data: out, nulls, dict: null };
}

const RANGES: Partial<Record<SqlType, number>> = { int2: 32767, int4: 2147483647, int8: 9223372036854775807 };

function checkRange(type: SqlType, values: Float64Array, nulls: Uint8Array | null): void {
  const max = RANGES[type]!;
  const min = -max - 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if ((value > max || value < min) && (nulls === null || nulls[i] === 0)) throw overflow(type);
  }
}

/** Numeric arithmetic, exact, with PostgreSQL's result scales. */
export function numericArithmetic(op: string, a: Vector, b: Vector): Vector {
  const operation = NUMERIC_OPERATIONS[op]!;
  return mapStrict('numeric', [a, b], a.length, ([x, y]) => fromDecimal(operation(toDecimal(x as string), toDecimal(y as string))));
}

const NUMERIC_OPERATIONS: Record<string, (a: Decimal, b: Decimal) => Decimal> = {
  '+': add,
  '-': subtract,
  '*': multiply,
  '/': divide,
  '%': modulo,
};

/** Unary minus: -0 stays a float's -0, and negating an integer's minimum overflows. */
export function negate(v: Vector): Vector {
  if (v.type === 'numeric') {
    return mapStrict('numeric', [v], v.length, ([x]) => {
      const d = toDecimal(x as string);
      return fromDecimal({ digits: -d.digits, scale: d.scale });
    });
  }
  const x = numbers(v);
  const out = new Float64Array(v.length);
  for (let i = 0; i < out.length; i++) out[i] = -x[i]!;
  if (isInteger(v.type)) checkRange(v.type, out, v.nulls);
  return { type: v.type, length: v.length, data: out, nulls: v.nulls, dict: null };
}

// ---- comparisons ----

export type Comparison = '=' | '<>' | '<' | '>' | '<=' | '>=';

function compareResult(op: Comparison, c: number): number {
  switch (op) {
    case '=':
      return c === 0 ? 1 : 0;
    case '<>':
      return c !== 0 ? 1 : 0;
    case '<':
      return c < 0 ? 1 : 0;
    case '>':
      return c > 0 ? 1 : 0;
    case '<=':
      return c <= 0 ? 1 : 0;
    case '>=':
      return c >= 0 ? 1 : 0;
  }
}

/** The comparison with its operands swapped (a < b is b > a). */
export const FLIPPED: Record<Comparison, Comparison> = { '=': '=', '<>': '<>', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/** Compares a vector with one non-NULL value of a comparable type (not numeric text). */
export function compareWith(op: Comparison, a: Vector, value: number | string): Vector {
  const n = a.length;
  const out = new Uint8Array(n);
  if (typeof value === 'number' && a.type !== 'numeric') {
    const x = numbers(a);
    switch (op) {
      case '=':
        for (let i = 0; i < n; i++) out[i] = x[i] === value ? 1 : 0;
        break;
      case '<>':
        for (let i = 0; i < n; i++) out[i] = x[i] !== value ? 1 : 0;
        break;
      case '<':
        for (let i = 0; i < n; i++) out[i] = x[i]! < value ? 1 : 0;
        break;
      case '>':
        for (let i = 0; i < n; i++) out[i] = x[i]! > value ? 1 : 0;
        break;
      case '<=':
        for (let i = 0; i < n; i++) out[i] = x[i]! <= value ? 1 : 0;
        break;
      case '>=':
        for (let i = 0; i < n; i++) out[i] = x[i]! >= value ? 1 : 0;
        break;
    }
  } else if (typeof value === 'number') {
    const x = strings(a);
    for (let i = 0; i < n; i++) out[i] = compareResult(op, Math.sign(Number(x[i]) - value));
  } else if (a.dict !== null) {
    // Dictionary text: decide once per dictionary entry, then look the codes up.
    const verdicts = a.dict.map((text) => compareResult(op, text < value ? -1 : text > value ? 1 : 0));
    const codes = numbers(a);
    for (let i = 0; i < n; i++) out[i] = verdicts[codes[i]!]!;
  } else {
    const x = strings(a);
    for (let i = 0; i < n; i++) {
      const text = x[i]!;
      out[i] = compareResult(op, text < value ? -1 : text > value ? 1 : 0);
    }
  }
  return { type: 'bool', length: n, data: out, nulls: a.nulls, dict: null };
}

/** Compares two vectors of one comparable type family, giving a boolean vector. */
export function compare(op: Comparison, a: Vector, b: Vector): Vector {
  const n = a.length;
  const out = new Uint8Array(n);
  const nulls = orNulls(a, b);
  if (isNumberBacked(a.type) && isNumberBacked(b.type)) {
    const x = numbers(a);
    const y = numbers(b);
    switch (op) {
      case '=':
        for (let i = 0; i < n; i++) out[i] = x[i] === y[i] ? 1 : 0;
        break;
      case '<>':
        for (let i = 0; i < n; i++) out[i] = x[i] !== y[i] ? 1 : 0;
        break;
      case '<':
        for (let i = 0; i < n; i++) out[i] = x[i]! < y[i]! ? 1 : 0;
        break;
      case '>':
        for (let i = 0; i < n; i++) out[i] = x[i]! > y[i]! ? 1 : 0;
        break;
      case '<=':
        for (let i = 0; i < n; i++) out[i] = x[i]! <= y[i]! ? 1 : 0;
        break;
      case '>=':
        for (let i = 0; i < n; i++) out[i] = x[i]! >= y[i]! ? 1 : 0;
        break;
    }
  } else if (a.type === 'numeric' || b.type === 'numeric') {
    const x = strings(a);
    const y = strings(b);
    for (let i = 0; i < n; i++) out[i] = compareResult(op, Math.sign(Number(x[i]) - Number(y[i])));
  } else {
    const x = strings(a);
    const y = strings(b);
    for (let i = 0; i < n; i++) {
      const l = x[i]!;
      const r = y[i]!;
      out[i] = compareResult(op, l < r ? -1 : l > r ? 1 : 0);
    }
  }
  return { type: 'bool', length: n, data: out, nulls, dict: null };
}


// ---- boolean logic (three-valued) ----

export function and(a: Vector, b: Vector): Vector {
  const n = a.length;
  const x = numbers(a);
  const y = numbers(b);
  const out = new Uint8Array(n);
  if (a.nulls === null && b.nulls === null) {
    for (let i = 0; i < n; i++) out[i] = x[i]! & y[i]!;
    return { type: 'bool', length: n, data: out, nulls: null, dict: null };
  }
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const xn = a.nulls !== null && a.nulls[i] === 1;
    const yn = b.nulls !== null && b.nulls[i] === 1;
    const xf = !xn && x[i] === 0;
    const yf = !yn && y[i] === 0;
    if (xf || yf) out[i] = 0;
    else if (xn || yn) (nulls ??= new Uint8Array(n))[i] = 1;
    else out[i] = 1;
  }
  return { type: 'bool', length: n, data: out, nulls, dict: null };
}

export function or(a: Vector, b: Vector): Vector {
  const n = a.length;
  const x = numbers(a);
  const y = numbers(b);
  const out = new Uint8Array(n);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const xn = a.nulls !== null && a.nulls[i] === 1;
    const yn = b.nulls !== null && b.nulls[i] === 1;
    if ((!xn && x[i] !== 0) || (!yn && y[i] !== 0)) out[i] = 1;
    else if (xn || yn) (nulls ??= new Uint8Array(n))[i] = 1;
  }
  return { type: 'bool', length: n, data: out, nulls, dict: null };
}

export function not(a: Vector): Vector {
  const x = numbers(a);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i] === 0 ? 1 : 0;
  return { type: 'bool', length: a.length, data: out, nulls: a.nulls, dict: null };
}

export function isNull(a: Vector, negated: boolean): Vector {
  const out = new Uint8Array(a.length);
  if (a.nulls !== null) out.set(a.nulls);
  if (negated) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ 1;
  return { type: 'bool', length: a.length, data: out, nulls: null, dict: null };
}

// ---- LIKE ----

export function likeMatcher(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
}

const escapeRegExp = (ch: string) => ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function like(a: Vector, pattern: Vector, negated: boolean, caseInsensitive: boolean): Vector {
  const n = a.length;
  const out = new Uint8Array(n);
  const nulls = orNulls(a, pattern);
  const patterns = strings(pattern);
  const cache = new Map<string, RegExp>();
  const matcher = (p: string) => {
    let re = cache.get(p);
    if (re === undefined) cache.set(p, (re = likeMatcher(p, caseInsensitive)));
    return re;
  };
  if (a.dict !== null && pattern.constant === true) {
    const re = matcher(patterns[0] ?? '');
    const verdicts = a.dict.map((text) => (re.test(text) !== negated ? 1 : 0));
    const codes = numbers(a);
    for (let i = 0; i < n; i++) out[i] = verdicts[codes[i]!]!;
  } else {
    const texts = strings(a);
    for (let i = 0; i < n; i++) out[i] = matcher(patterns[i]!).test(texts[i]!) !== negated ? 1 : 0;
  }
  return { type: 'bool', length: n, data: out, nulls, dict: null };
}
