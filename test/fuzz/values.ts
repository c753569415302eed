// The arguments worth trying: int64 edges, special floats, binary and empty strings, values
// past the encoding thresholds, and names from small pools so commands meet each other's keys.

import type { Rng } from './rng.ts';

export const INT_EDGES = [
  '0', '1', '-1', '2', '3', '5', '10', '-10', '100', '-100', '255', '256', '65535', '2147483647', '-2147483648', '4294967296',
  '9007199254740993', '4611686018427387903', '-4611686018427387904', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '-9223372036854775809', '18446744073709551615',
];

export const NOT_INTS = ['', ' 1', '1 ', '+1', '01', '0x10', '1.0', '1e3', 'abc', '-', '--1', '\x001'];

/**
 * No value that strtod finds out of range (2e308, 1e-400): Redis 7.0's SORT reads errno without
 * clearing it first, so one such parse makes a later numeric SORT fail at random.
 */
export const FLOATS = [
  '0', '-0', '1', '-1', '1.5', '-2.5', '0.1', '3.0', '1e3', '1E-3', '1e308', '-1e308', '2.2250738585072014e-308', 'inf', '-inf', '+inf',
  'INF', 'infinity', '-Infinity', 'nan', 'NaN', '0x10', '.5', '5.', '1.7976931348623157e308', '123456789012345678', '',
];

/** Strings: empty, binary, a numeric one, one past the 64-byte listpack value limit. */
export const STRINGS = [
  'a', 'b', 'c', 'hello', '', ' ', '\x00', 'a\x00b', '\xff\xfe', '\r\n', '1', '-1', '10', '3.5', '-0', 'inf', 'nan',
  '9223372036854775807', '18446744073709551616', 'x'.repeat(20), 'y'.repeat(70), 'é', 'A', 'aa', 'ab', 'b\x00',
];

export const MEMBERS = ['a', 'b', 'c', 'd', 'e', '', '1', '2', '10', '-1', '0', 'a\x00', '\xff', 'm'.repeat(20), 'n'.repeat(70), '9223372036854775808'];

/** A length-limited count: mostly small, sometimes an edge. */
export function count(r: Rng): string {
  if (r.chance(0.8)) return String(r.between(-5, 8));
  return r.chance(0.8) ? r.pick(INT_EDGES) : r.pick(NOT_INTS);
}

/** An unknown option word, sometimes with bytes that error texts must cut or drop. */
export function junk(r: Rng): string {
  return r.pick(['FOO', 'a\x00b', 'xy\r\n', '\r\nz', '']);
}

/**
 * A count for SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: never a huge negative one, on which
 * Redis 7.0 spins until it runs out of memory.
 */
export function randomCount(r: Rng): string {
  return r.chance(0.85) ? String(r.between(-5, 8)) : r.pick(['9223372036854775807', '4611686018427387904', 'x', '', '1.5']);
}

export function int(r: Rng): string {
  if (r.chance(0.6)) return String(r.between(-20, 20));
  return r.chance(0.8) ? r.pick(INT_EDGES) : r.pick(NOT_INTS);
}

/** An index into something small: mostly within ±10, sometimes an edge or junk. */
export function index(r: Rng): string {
  if (r.chance(0.85)) return String(r.between(-10, 10));
  return r.chance(0.8) ? r.pick(INT_EDGES) : r.pick(NOT_INTS);
}

export function float(r: Rng): string {
  return r.chance(0.4) ? String(r.between(-10, 10)) : r.pick(FLOATS);
}

export function string(r: Rng): string {
  return r.chance(0.1) ? r.pick(NOT_INTS) : r.pick(STRINGS);
}

export function member(r: Rng): string {
  return r.pick(MEMBERS);
}

/** A score bound for ZRANGEBYSCORE and friends: inclusive, exclusive or infinite. */
export function scoreBound(r: Rng): string {
  const v = r.chance(0.7) ? String(r.between(-3, 12)) : r.pick(['-inf', '+inf', 'inf', '1.5', '-0', 'nan', 'abc', '']);
  return r.chance(0.3) ? `(${v}` : v;
}

/** A lex bound for ZRANGEBYLEX: [x, (x, -, + or an invalid one. */
export function lexBound(r: Rng): string {
  const roll = r.int(10);
  if (roll === 0) return '-';
  if (roll === 1) return '+';
  if (roll === 2) return r.pick(['a', '', 'x[', '*']);
  return `${r.chance(0.5) ? '[' : '('}${r.pick(MEMBERS)}`;
}

/** A relative expiry far enough away not to pass during a run, or one of the edge cases. */
export function expireSeconds(r: Rng): string {
  return r.chance(0.7) ? String(r.between(100, 100000)) : r.pick(['0', '-1', '-100', '9223372036854775807', '9223372036854775', '4611686018427387', 'abc', '1.5']);
}

/** A relative expiry in ms, as far away as expireSeconds'. */
export function expireMs(r: Rng): string {
  return r.chance(0.7) ? String(r.between(100000, 100000000)) : r.pick(['0', '-1', '9223372036854775807', '9223372036854775', 'abc']);
}

/** An absolute expiry in ms: past, far future, or int64 edges. */
export function expireAtMs(r: Rng): string {
  return r.pick(['1', '1000', '9223372036854775807', '9223372036854775806', '9007199254740993', '99999999999999', '-1', '0', '4102444800000']);
}
