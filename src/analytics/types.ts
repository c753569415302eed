// SQL types: their PostgreSQL names and OIDs, how values of each are held in a vector, and
// their text forms (input and output exactly as PostgreSQL 15 writes them with DateStyle ISO
// and TimeZone UTC).
//
// Representation in memory (one JS number per value unless said otherwise):
//   boolean                1 / 0
//   smallint, integer      the integer
//   bigint                 the integer as a double: exact within +-2^53, rounded beyond
//   real, double precision the float
//   numeric                its exact decimal text (a string), computed with doubles when it
//                          takes part in arithmetic; documented, not arbitrary precision
//   text, varchar          a string (columns keep them dictionary-encoded)
//   date                   days since 1970-01-01
//   timestamp[tz]          microseconds since 1970-01-01 00:00 UTC

import { SqlError } from './sql/errors.ts';

export type SqlType =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'varchar'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  /** A quoted literal whose type the context decides, as in PostgreSQL. */
  | 'unknown';

interface TypeInfo {
  readonly oid: number;
  /** The name PostgreSQL uses in messages (format_type). */
  readonly name: string;
  /** pg_type.typlen, sent in RowDescription. */
  readonly size: number;
}

const INFO: Record<SqlType, TypeInfo> = {
  bool: { oid: 16, name: 'boolean', size: 1 },
  int2: { oid: 21, name: 'smallint', size: 2 },
  int4: { oid: 23, name: 'integer', size: 4 },
  int8: { oid: 20, name: 'bigint', size: 8 },
  float4: { oid: 700, name: 'real', size: 4 },
  float8: { oid: 701, name: 'double precision', size: 8 },
  numeric: { oid: 1700, name: 'numeric', size: -1 },
  text: { oid: 25, name: 'text', size: -1 },
  varchar: { oid: 1043, name: 'character varying', size: -1 },
  date: { oid: 1082, name: 'date', size: 4 },
  timestamp: { oid: 1114, name: 'timestamp without time zone', size: 8 },
  timestamptz: { oid: 1184, name: 'timestamp with time zone', size: 8 },
  unknown: { oid: 705, name: 'unknown', size: -2 },
};

export const typeOid = (type: SqlType): number => INFO[type].oid;
export const typeName = (type: SqlType): string => INFO[type].name;
export const typeSize = (type: SqlType): number => INFO[type].size;

/** Type names as written in SQL (CREATE TABLE, CAST, ::), lower-cased, words joined by one space. */
const NAMES: Record<string, SqlType> = {
  bool: 'bool',
  boolean: 'bool',
  smallint: 'int2',
  int2: 'int2',
  integer: 'int4',
  int: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  real: 'float4',
  float4: 'float4',
  'double precision': 'float8',
  float8: 'float8',
  float: 'float8',
  numeric: 'numeric',
  decimal: 'numeric',
  text: 'text',
  varchar: 'varchar',
  'character varying': 'varchar',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
};

export function typeByName(name: string): SqlType | null {
  return NAMES[name] ?? null;
}

export const isInteger = (t: SqlType): boolean => t === 'int2' || t === 'int4' || t === 'int8';
export const isFloat = (t: SqlType): boolean => t === 'float4' || t === 'float8';
export const isNumeric = (t: SqlType): boolean => isInteger(t) || isFloat(t) || t === 'numeric';
export const isText = (t: SqlType): boolean => t === 'text' || t === 'varchar' || t === 'unknown';
export const isTime = (t: SqlType): boolean => t === 'timestamp' || t === 'timestamptz';

/** Whether values of the type are JS numbers (everything but text and numeric). */
export const isNumberBacked = (t: SqlType): boolean => !isText(t) && t !== 'numeric';

const INT_RANGE: Partial<Record<SqlType, [number, number]>> = {
  int2: [-32768, 32767],
  int4: [-2147483648, 2147483647],
  int8: [-9223372036854775808, 9223372036854775807],
};

/** Rounds to an integer of the type (half away from zero, as PostgreSQL's casts do) or fails. */
export function checkInteger(type: SqlType, value: number): number {
  const range = INT_RANGE[type]!;
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  if (!(rounded >= range[0] && rounded <= range[1])) {
    throw new SqlError('22003', `${type === 'int2' ? 'smallint' : type === 'int4' ? 'integer' : 'bigint'} out of range`);
  }
  return rounded === 0 ? 0 : rounded;
}

// ---- text input ----

const invalid = (type: SqlType, text: string) =>
  new SqlError('22P02', `invalid input syntax for type ${typeName(type)}: "${text}"`);

const BOOL_WORDS: Record<string, number> = {
  t: 1, true: 1, y: 1, yes: 1, on: 1, '1': 1,
  f: 0, false: 0, n: 0, no: 0, off: 0, '0': 0,
};

/** Parses PostgreSQL's text form of a value of a number-backed type. */
export function parseNumber(type: SqlType, text: string): number {
  if (isInteger(type)) {
    const plain = plainInteger(text);
    if (plain !== null && plain >= INT_RANGE[type]![0] && plain <= INT_RANGE[type]![1]) return plain === 0 ? 0 : plain;
  }
  const trimmed = text.trim();
  switch (type) {
    case 'bool': {
      const value = BOOL_WORDS[trimmed.toLowerCase()];
      if (value === undefined) throw invalid(type, text);
      return value;
    }
    case 'int2':
    case 'int4':
    case 'int8': {
      if (!/^[+-]?\d+$/.test(trimmed)) throw invalid(type, text);
      const range = INT_RANGE[type]!;
      const value = Number(trimmed);
      if (value < range[0] || value > range[1]) {
        throw new SqlError('22003', `value "${text}" is out of range for type ${typeName(type)}`);
      }
      return value;
    }
    case 'float4':
    case 'float8': {
      const lower = trimmed.toLowerCase();
      if (lower === 'nan') return NaN;
      if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return Infinity;
      if (lower === '-infinity' || lower === '-inf') return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) throw invalid(type, text);
      const value = Number(trimmed);
      return type === 'float4' ? Math.fround(value) : value;
    }
    case 'date':
      return parseDate(text);
    case 'timestamp':
    case 'timestamptz':
      return parseTimestamp(type, text);
    default:
      throw new Error(`parseNumber on ${type}`);
  }
}

/** Canonical numeric text: PostgreSQL keeps the scale written ('1.50' stays 1.50). */
export function parseNumericText(text: string): string {
  const trimmed = text.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(trimmed);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) {
    const lower = trimmed.toLowerCase();
    if (lower === 'nan') return 'NaN';
    throw invalid('numeric', text);
  }
  if (match[4] !== undefined) {
    const value = Number(trimmed);
    const scale = Math.max(0, (match[3]?.length ?? 0) - Number(match[4]));
    return value.toFixed(Math.min(scale, 100));
  }
  const digits = match[2]!.replace(/^0+(?=\d)/, '') || '0';
  const fraction = match[3] ?? '';
  const body = fraction.length > 0 ? `${digits}.${fraction}` : digits;
  const zero = /^[0.]*$/.test(body);
  return match[1] === '-' && !zero ? `-${body}` : body;
}

/** Formats a double as numeric text with the given scale (half away from zero). */
export function formatNumeric(value: number, scale: number): string {
  if (Number.isNaN(value)) return 'NaN';
  const text = (Math.abs(value) + 0).toFixed(Math.min(scale, 100));
  return value < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

const DAY_MS = 86_400_000;
const DATE_RE = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})/;
const TIME_RE = /^(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

function daysFromCivil(year: number, month: number, day: number, original: string): number {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (year < 1 || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new SqlError('22008', `date/time field value out of range: "${original}"`);
  }
  return Math.round(ms / DAY_MS);
}

export function parseDate(text: string): number {
  const match = DATE_RE.exec(text);
  if (match === null || text.slice(match[0].length).trim() !== '') throw invalid('date', text);
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]), text);
}

/** The number written by `count` digits at `from` (already checked to be digits). */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/** A plain integer (optional sign, 1 to 15 digits: exact in a double), or null for anything else. */
function plainInteger(text: string): number | null {
  const n = text.length;
  const signed = n > 0 && (text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43);
  const from = signed ? 1 : 0;
  if (n - from < 1 || n - from > 15) return null;
  let value = 0;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    value = value * 10 + c - 48;
  }
  return signed && text.charCodeAt(0) === 45 ? -value : value;
}

/** The digit positions of `YYYY-MM-DD HH:MM:SS`. */
const CANONICAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]`, the form COPY files and drivers send, read without regular
 * expressions or Date objects; null for anything else (the general parser takes it).
 */
function canonicalTimestamp(text: string): number | null {
  const n = text.length;
  if (n < 19 || n > 26 || n === 20) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  if (n > 19 && text.charCodeAt(19) !== 46) return null;
  for (const i of CANONICAL_DIGITS) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month - 1]! + (month === 2 && leap ? 1 : 0) || hours > 23 || minutes > 59 || seconds > 59) return null;
  let fraction = 0;
  for (let i = 20; i < 26; i++) {
    const c = i < n ? text.charCodeAt(i) : 48;
    if (c < 48 || c > 57) return null;
    fraction = fraction * 10 + c - 48;
  }
  // Days since 1970-01-01 by the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const days = era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
  return days * 86_400_000_000 + ((hours * 60 + minutes) * 60 + seconds) * 1e6 + fraction;
}

export function parseTimestamp(type: SqlType, text: string): number {
  const canonical = canonicalTimestamp(text);
  if (canonical !== null) return canonical;
  const date = DATE_RE.exec(text);
  const time = date === null ? null : TIME_RE.exec(text.slice(date[0].length));
  if (date === null || time === null) throw invalid(type, text);
  const days = daysFromCivil(Number(date[1]), Number(date[2]), Number(date[3]), text);
  const hours = Number(time[1] ?? 0);
  const minutes = Number(time[2] ?? 0);
  const seconds = Number(time[3] ?? 0);
  if (hours > 24 || minutes > 59 || seconds > 60) {
    throw new SqlError('22008', `date/time field value out of range: "${text}"`);
  }
  const fraction = time[4] === undefined ? 0 : Math.round(Number(time[4]) * 1e6);
  let micros = days * 86_400_000_000 + ((hours * 60 + minutes) * 60 + seconds) * 1e6 + fraction;
  // A timestamp without time zone ignores a written offset, as PostgreSQL does.
  if (type === 'timestamptz' && time[5] !== undefined && time[5].toUpperCase() !== 'Z') {
    const zone = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(time[5])!;
    const offset = (Number(zone[2]) * 60 + Number(zone[3] ?? 0)) * 60e6;
    micros -= zone[1] === '-' ? -offset : offset;
  }
  return micros;
}

// ---- text output ----

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDate(days: number): string {
  const d = new Date(days * DAY_MS);
  const year = d.getUTCFullYear();
  return `${String(year).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

export function formatTimestamp(micros: number, withZone: boolean): string {
  const days = Math.floor(micros / 86_400_000_000);
  let rest = micros - days * 86_400_000_000;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1e6);
  const fraction = Math.round(rest - seconds * 1e6);
  let text = `${formatDate(days)} ${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}`;
  if (fraction > 0) text += `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
  return withZone ? `${text}+00` : text;
}

/**
 * A float as PostgreSQL 15 prints it (extra_float_digits 1): the shortest text that reads back
 * to the same value, in exponent form below 1e-4 or from 1e15 (1e6 for real) on.
 */
export function formatFloat(value: number, single: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  let digits: string;
  if (single) {
    let precision = 1;
    while (precision < 9 && Math.fround(Number(value.toPrecision(precision))) !== value) precision++;
    digits = Number(value.toPrecision(precision)).toExponential();
  } else {
    digits = value.toExponential();
  }
  const [mantissa, exp] = digits.split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= (single ? 6 : 15)) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${pad2(Math.abs(exponent))}`;
  }
  const negative = mantissa.startsWith('-');
  const bare = mantissa.replace('-', '').replace('.', '');
  let text: string;
  if (exponent >= 0) {
    text = bare.length > exponent + 1 ? `${bare.slice(0, exponent + 1)}.${bare.slice(exponent + 1)}` : bare.padEnd(exponent + 1, '0');
  } else {
    text = `0.${'0'.repeat(-exponent - 1)}${bare}`;
  }
  return negative ? `-${text}` : text;
}

/** The text form of a number-backed value. */
export function formatNumber(type: SqlType, value: number): string {
  switch (type) {
    case 'bool':
      return value ? 't' : 'f';
    case 'float4':
      return formatFloat(value, true);
    case 'float8':
      return formatFloat(value, false);
    case 'date':
      return formatDate(value);
    case 'timestamp':
      return formatTimestamp(value, false);
    case 'timestamptz':
      return formatTimestamp(value, true);
    default:
      return String(value);
  }
}
