// SORT and SORT_RO, as Redis 7.0's sort.c does them, quirks included: patterns are read as C
// strings (up to the first NUL), numeric keys go through strtod's rules, ALPHA compares as
// strcoll in the C/C.UTF-8 locale (bytes up to the first NUL) except when storing, where it
// compares whole byte strings, and sorting a sorted set leaves it skiplist-encoded.

import { CommandError, NOT_INTEGER, SYNTAX, WRONGTYPE } from '../errors.ts';
import { Encoding, newByteRange, ValueType, type ByteRange } from '../store/types.ts';
import type { HashValue } from '../store/types/hash.ts';
import { LIST_TAIL, ListValue } from '../store/types/list.ts';
import type { SetValue } from '../store/types/set.ts';
import type { ZSetValue } from '../store/types/zset.ts';
import { NOT_A_NUMBER, parseDouble } from '../util/numbers.ts';
import { isWord, longArg } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const SCORES_NOT_DOUBLE = "ERR One or more scores can't be converted into double";
const STAR = 0x2a;
const NUL = 0;

/**
 * A BY or GET pattern, compiled once per command. `prefix` null means the pattern has no '*'
 * and so names no key; `self` is "#", the element itself.
 */
interface Pattern {
  self: boolean;
  prefix: Buffer | null;
  suffix: Buffer;
  /** The hash field after "->", or null for a string key. */
  field: Buffer | null;
}

/** Bytes up to the first NUL: what C string functions see of a value. */
function cLength(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const nul = bytes.subarray(start, end).indexOf(NUL);
  return nul < 0 ? end - start : nul;
}

function compilePattern(pattern: Buffer): Pattern {
  const visible = cLength(pattern);
  const none = { self: false, prefix: null, suffix: pattern, field: null };
  if (visible === 1 && pattern[0] === 0x23) return { ...none, self: true };
  const star = pattern.subarray(0, visible).indexOf(STAR);
  if (star < 0) return none;
  // "->" counts only after the '*' and with a field name after it.
  const arrow = pattern.subarray(0, visible).indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < visible;
  return {
    self: false,
    prefix: pattern.subarray(0, star),
    suffix: pattern.subarray(star + 1, hasField ? arrow : pattern.length),
    field: hasField ? pattern.subarray(arrow + 2) : null,
  };
}

/**
 * Points `out` at the value a pattern names for `element` (Redis's lookupKeyByPattern): the
 * element for "#", else the string key or the hash field with '*' replaced by the element.
 * False when there is no such key or field, or it has another type.
 */
function resolvePattern(ctx: CommandContext, pattern: Pattern, element: Buffer, out: ByteRange): boolean {
  if (pattern.self) {
    out.buf = element;
    out.start = 0;
    out.end = element.length;
    return true;
  }
  if (pattern.prefix === null) return false;
  const id = ctx.db.findForRead(Buffer.concat([pattern.prefix, element, pattern.suffix]));
  if (id < 0) return false;
  if (pattern.field !== null) {
    return ctx.db.typeOf(id) === ValueType.Hash && (ctx.db.objectOf(id) as HashValue).get(pattern.field, out);
  }
  if (ctx.db.typeOf(id) !== ValueType.String) return false;
  ctx.db.stringRange(id, out);
  return true;
}

// ---- numeric keys: strtod as SORT checks it --------------------------------------------------

const MIN_NORMAL = 2.2250738585072014e-308;
const HEX_FORM = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * The score SORT gives a value: strtod over the C string, which must consume all of it and
 * give neither NaN nor ERANGE (overflow, or an inexact result below the normal range). An
 * empty value is 0, as strtod leaves it untouched.
 */
function sortScore(buf: Uint8Array, start: number, end: number): number | typeof NOT_A_NUMBER {
  end = start + cLength(buf, start, end);
  if (start === end) return 0;
  while (start < end && isSpace(buf[start]!)) start++;
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  const hex = HEX_FORM.exec(text);
  if (hex !== null) return hexScore(hex);
  const value = parseDouble(Buffer.from(text, 'latin1'));
  if (value === NOT_A_NUMBER) return NOT_A_NUMBER;
  if (!Number.isFinite(value)) return /[iI]/.test(text) ? value : NOT_A_NUMBER;
  const mantissa = text.replace(/[eE].*$/, '');
  if (Math.abs(value) < MIN_NORMAL && /[1-9]/.test(mantissa)) return NOT_A_NUMBER;
  return value;
}

/** A C99 hex float ("0x1.8p3"), exact unless it overflows or loses bits below the normal range. */
function hexScore([, sign, whole = '', fraction = '', exponent = '0']: RegExpExecArray): number | typeof NOT_A_NUMBER {
  if (whole.length + fraction.length === 0) return NOT_A_NUMBER;
  let mantissa = BigInt(`0x0${whole}${fraction}`);
  let power = Number(exponent) - 4 * fraction.length;
  const negative = sign === '-';
  if (mantissa === 0n) return negative ? -0 : 0;
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    power++;
  }
  const bits = mantissa.toString(2).length;
  if (power + bits - 1 < -1022 && power < -1074) return NOT_A_NUMBER;
  // Keep 60 bits and a sticky bit so that Number() rounds to nearest as strtod does.
  if (bits > 60) {
    const dropped = BigInt(bits - 60);
    const sticky = (mantissa & ((1n << dropped) - 1n)) === 0n ? 0n : 1n;
    mantissa = (mantissa >> dropped) | sticky;
    power += bits - 60;
  }
  let value = Number(mantissa);
  for (; power > 1000; power -= 1000) value *= 2 ** 1000;
  for (; power < -1000; power += 1000) value *= 2 ** -1000;
  value *= 2 ** power;
  if (!Number.isFinite(value)) return NOT_A_NUMBER;
  return negative ? -value : value;
}

// ---- the command ------------------------------------------------------------------------------

interface SortRequest {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The BY pattern when it sorts by other keys; null to sort by the elements. */
  by: Pattern | null;
  /** BY with a pattern without '*': keep the value's own order. */
  dontSort: boolean;
  gets: Pattern[];
  store: Buffer | null;
}

function parseRequest(ctx: CommandContext, readonly: boolean): SortRequest {
  const { argv } = ctx;
  const cluster = ctx.server.config.bool('cluster-enabled');
  const request: SortRequest = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const arg = argv[j]!;
    const left = argv.length - j - 1;
    if (isWord(arg, 'asc')) request.desc = false;
    else if (isWord(arg, 'desc')) request.desc = true;
    else if (isWord(arg, 'alpha')) request.alpha = true;
    else if (isWord(arg, 'limit') && left >= 2) {
      request.limitStart = longArg(argv[j + 1]!, NOT_INTEGER);
      request.limitCount = longArg(argv[j + 2]!, NOT_INTEGER);
      j += 2;
    } else if (!readonly && isWord(arg, 'store') && left >= 1) {
      request.store = argv[++j]!;
    } else if (isWord(arg, 'by') && left >= 1) {
      const pattern = argv[++j]!;
      request.dontSort = pattern.subarray(0, cLength(pattern)).indexOf(STAR) < 0;
      if (!request.dontSort && cluster) throw new CommandError('ERR BY option of SORT denied in Cluster mode.');
      request.by = request.dontSort ? null : compilePattern(pattern);
    } else if (isWord(arg, 'get') && left >= 1) {
      if (cluster) throw new CommandError('ERR GET option of SORT denied in Cluster mode.');
      request.gets.push(compilePattern(argv[++j]!));
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return request;
}

/** One element being sorted, with what it sorts by. */
interface Item {
  element: Buffer;
  score: number;
  /** The BY value for ALPHA; null when the BY key or field is missing. */
  byValue: Buffer | null;
}

function item(buf: Uint8Array, start = 0, end = buf.length): Item {
  return { element: Buffer.from(buf.subarray(start, end)), score: 0, byValue: null };
}

/** The elements of `id` (or none for a missing key), only the selected range when it keeps its order. */
function loadItems(ctx: CommandContext, id: number, request: SortRequest, range: { start: number; end: number }): Item[] {
  const items: Item[] = [];
  if (id < 0) return items;
  const { start, end } = range;
  const ordered = request.dontSort;
  switch (ctx.db.typeOf(id)) {
    case ValueType.List: {
      const list = ctx.db.objectOf(id) as ListValue;
      if (!ordered) {
        list.walk(0, false, (buf, s, e) => void items.push(item(buf, s, e)));
      } else if (end >= start) {
        const count = end - start + 1;
        list.walk(request.desc ? list.length - start - 1 : start, request.desc, (buf, s, e) => {
          items.push(item(buf, s, e));
          return items.length < count;
        });
      }
      break;
    }
    case ValueType.Set:
      (ctx.db.objectOf(id) as SetValue).forEach((member) => void items.push(item(member)));
      break;
    case ValueType.ZSet: {
      const zset = ctx.db.objectOf(id) as ZSetValue;
      const size = zset.size;
      const push = (buf: Uint8Array, s: number, e: number) => void items.push(item(buf, s, e));
      if (!ordered) zset.range(0, size - 1, false, push);
      else if (request.desc) zset.range(size - 1 - start, size - 1 - end, true, push);
      else zset.range(start, end, false, push);
      break;
    }
  }
  return items;
}

const bytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
/** strcoll in the C and C.UTF-8 locales: byte order of the C strings. */
const collate = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a.subarray(0, cLength(a)), b.subarray(0, cLength(b)));

/** Redis's sortCompare, for the request's mode. */
function comparator(request: SortRequest): (a: Item, b: Item) => number {
  const sign = request.desc ? -1 : 1;
  if (!request.alpha) {
    return (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : bytes(a.element, b.element));
  }
  const compare = request.store !== null ? bytes : collate;
  if (request.by === null) return (a, b) => sign * compare(a.element, b.element);
  return (a, b) => {
    if (a.byValue === null || b.byValue === null) return sign * ((a.byValue === null ? 0 : 1) - (b.byValue === null ? 0 : 1));
    return sign * compare(a.byValue, b.byValue);
  };
}

/** Gives each item its sort key; false when a numeric key is not a valid double. */
function scoreItems(ctx: CommandContext, items: Item[], request: SortRequest): boolean {
  const by = request.by;
  const out = newByteRange();
  let valid = true;
  for (const entry of items) {
    if (by !== null) {
      if (!resolvePattern(ctx, by, entry.element, out)) continue;
    } else {
      out.buf = entry.element;
      out.start = 0;
      out.end = entry.element.length;
    }
    if (request.alpha) {
      if (by !== null) entry.byValue = Buffer.from(out.buf.subarray(out.start, out.end));
      continue;
    }
    const score = sortScore(out.buf, out.start, out.end);
    if (score === NOT_A_NUMBER) valid = false;
    else entry.score = score;
  }
  return valid;
}

function sortGeneric(ctx: CommandContext, readonly: boolean): void {
  const { db, w } = ctx;
  const request = parseRequest(ctx, readonly);
  const id = db.findForRead(ctx.argv[1]!);
  const type = id < 0 ? ValueType.List : db.typeOf(id);
  if (type !== ValueType.List && type !== ValueType.Set && type !== ValueType.ZSet) throw new CommandError(WRONGTYPE);

  // Stored results must not depend on a set's internal order, so they are sorted anyway.
  if (request.dontSort && type === ValueType.Set && request.store !== null) {
    request.dontSort = false;
    request.alpha = true;
    request.by = null;
  }
  if (type === ValueType.ZSet) {
    const zset = db.objectOf(id) as ZSetValue;
    if (zset.encoding !== Encoding.Skiplist) {
      zset.convert(true);
      db.setEncoding(id, Encoding.Skiplist);
    }
  }

  const length = id < 0 ? 0 : typeLength(ctx, id, type);
  let start = Math.max(0, request.limitStart);
  let end = request.limitCount < 0 ? length - 1 : start + request.limitCount - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  const items = loadItems(ctx, id, request, { start, end });
  if (request.dontSort && type !== ValueType.Set) {
    // Only the range was loaded.
    end -= start;
    start = 0;
  } else if (!request.dontSort) {
    if (!scoreItems(ctx, items, request)) throw new CommandError(SCORES_NOT_DOUBLE);
    items.sort(comparator(request));
  }

  const perItem = Math.max(1, request.gets.length);
  const count = end - start + 1;
  if (request.store === null) {
    w.array(count * perItem);
    const out = newByteRange();
    for (let j = start; j <= end; j++) {
      const element = items[j]!.element;
      if (request.gets.length === 0) w.bulk(element);
      for (const get of request.gets) {
        if (resolvePattern(ctx, get, element, out)) w.bulkRange(out.buf, out.start, out.end);
        else w.null();
      }
    }
    return;
  }
  storeResult(ctx, request, items.slice(start, end + 1));
  w.int(count * perItem);
}

function typeLength(ctx: CommandContext, id: number, type: ValueType): number {
  const value = ctx.db.objectOf(id);
  if (type === ValueType.List) return (value as ListValue).length;
  return (value as SetValue | ZSetValue).size;
}

/** STORE: the result as a list (GET misses as empty strings); an empty result deletes the key. */
function storeResult(ctx: CommandContext, request: SortRequest, items: Item[]): void {
  const store = request.store!;
  if (items.length === 0) {
    ctx.db.delete(store);
    return;
  }
  const list = new ListValue(ctx.server.config.number('list-max-listpack-size'));
  const out = newByteRange();
  for (const { element } of items) {
    if (request.gets.length === 0) list.push(LIST_TAIL, element);
    for (const get of request.gets) {
      list.push(LIST_TAIL, resolvePattern(ctx, get, element, out) ? out.buf.subarray(out.start, out.end) : EMPTY);
    }
  }
  ctx.db.setObject(store, ValueType.List, Encoding.Quicklist, list);
}

const EMPTY = Buffer.alloc(0);

/**
 * Redis's sortGetKeys: the sorted key, and the last STORE's destination. Options are skipped
 * with their arguments, and a STORE's destination is itself read as an option name.
 */
function sortKeys(argv: readonly Buffer[]): number[] {
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg, 'limit')) i += 2;
    else if (isWord(arg, 'get') || isWord(arg, 'by')) i += 1;
    else if (isWord(arg, 'store') && i + 1 < argv.length) store = i + 1;
  }
  return store < 0 ? [1] : [1, store];
}

const group = 'generic';
const SUMMARY = 'Sort the elements in a list, set or sorted set';
const COMPLEXITY =
  'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).';

export const sortCommands: CommandSpec[] = [
  {
    name: 'sort',
    arity: -2,
    flags: ['write', 'denyoom', 'movablekeys'],
    acl: ['write', 'set', 'sortedset', 'list', 'slow', 'dangerous'],
    keys: { first: 1, last: 1, step: 1 },
    getKeys: sortKeys,
    summary: SUMMARY,
    since: '1.0.0',
    group,
    complexity: COMPLEXITY,
    handler: (ctx) => sortGeneric(ctx, false),
  },
  {
    name: 'sort_ro',
    arity: -2,
    flags: ['readonly', 'movablekeys'],
    acl: ['read', 'set', 'sortedset', 'list', 'slow', 'dangerous'],
    keys: { first: 1, last: 1, step: 1 },
    summary: `${SUMMARY}. Read-only variant of SORT.`,
    since: '7.0.0',
    group,
    complexity: COMPLEXITY,
    handler: (ctx) => sortGeneric(ctx, true),
  },
];
