// SORT and SORT_RO, as Redis 7.0's sort.c does them, quirks included: patterns are read as C
// strings (up to the first NUL), numeric keys go through strtod's rules, ALPHA compares as
// strcoll in the C/C.UTF-8 locale (bytes up to the first NUL) except when storing, where it
// compares whole byte strings, and sorting a sorted set leaves it skiplist-encoded.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  NOT_INTEGER,
  SORT_BY_IN_CLUSTER,
  SORT_GET_IN_CLUSTER,
  SORT_SCORES_NOT_DOUBLE,
  SYNTAX,
  WRONGTYPE,
} from '../errors.ts';
import { Encoding, newByteRange, ValueType, type ByteRange } from '../store/types.ts';
import type { HashValue } from '../store/types/hash.ts';
import { LIST_TAIL, ListValue } from '../store/types/list.ts';
import type { SetValue } from '../store/types/set.ts';
import type { ZSetValue } from '../store/types/zset.ts';
import { NOT_A_NUMBER, parseDouble, parseInt64 } from '../util/numbers.ts';
import { Notify } from '../server/effects.ts';
import { isWord, longArg } from './args.ts';
import { isCWord, KeyFlag, type KeyResult } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

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
  for (let i = start; i < end; i++) if (bytes[i] === NUL) return i - start;
  return end - start;
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
  const integer = parseInt64(buf, start, end);
  if (typeof integer === 'number') return integer;
  const value = parseDouble(buf.subarray(start, end));
  if (value === NOT_A_NUMBER) {
    const hex = HEX_FORM.exec(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
    return hex === null ? NOT_A_NUMBER : hexScore(hex);
  }
  if (!Number.isFinite(value)) return isInfinityWord(buf, start) ? value : NOT_A_NUMBER;
  if (Math.abs(value) < MIN_NORMAL && hasNonZeroDigit(buf, start, end)) return NOT_A_NUMBER;
  return value;
}

/** Whether a parsed infinity was written as one ("inf"), rather than a decimal overflowing. */
function isInfinityWord(buf: Uint8Array, start: number): boolean {
  const c = buf[start] === 0x2b || buf[start] === 0x2d ? buf[start + 1] : buf[start];
  return c === 0x69 || c === 0x49;
}

/** Whether a decimal's digits before its exponent are not all zero (so a 0 result underflowed). */
function hasNonZeroDigit(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x65 || c === 0x45) return false;
    if (c >= 0x31 && c <= 0x39) return true;
  }
  return false;
}

/** A C99 hex float ("0x1.8p3"), exact unless it overflows or loses bits below the normal range. */
function hexScore([, sign, whole = '', fraction = '', exponent = '0']: RegExpExecArray): number | typeof NOT_A_NUMBER {
  const digits = whole + fraction;
  if (digits.length === 0) return NOT_A_NUMBER;
  const significant = digits.replace(/0+$/, '');
  const negative = sign === '-';
  if (significant.length === 0) return negative ? -0 : 0;
  let mantissa = BigInt(`0x${significant}`);
  let power = Number(exponent) - 4 * fraction.length + 4 * (digits.length - significant.length);
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    power++;
  }
  const bits = mantissa.toString(2).length;
  const top = power + bits - 1;
  if (top > 1023 || (top < -1022 && power < -1074)) return NOT_A_NUMBER;
  // Keep 60 bits and a sticky bit so that Number() rounds to nearest as strtod does.
  if (bits > 60) {
    const dropped = BigInt(bits - 60);
    const sticky = (mantissa & ((1n << dropped) - 1n)) === 0n ? 0n : 1n;
    mantissa = (mantissa >> dropped) | sticky;
    power += bits - 60;
  }
  // Two steps, so that neither factor overflows or underflows on its own.
  const half = Math.trunc(power / 2);
  const value = Number(mantissa) * 2 ** half * 2 ** (power - half);
  if (!Number.isFinite(value)) return NOT_A_NUMBER;
  return negative ? -value : value;
}

// ---- the command ------------------------------------------------------------------------------

interface SortRequest {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The last BY pattern with a '*'; null to sort by the elements. */
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
      // As in Redis, one BY without a '*' disables sorting whatever other BYs say.
      if (pattern.subarray(0, cLength(pattern)).indexOf(STAR) < 0) {
        request.dontSort = true;
        continue;
      }
      if (cluster) throw new CommandError(SORT_BY_IN_CLUSTER);
      request.by = compilePattern(pattern);
    } else if (isWord(arg, 'get') && left >= 1) {
      if (cluster) throw new CommandError(SORT_GET_IN_CLUSTER);
      request.gets.push(compilePattern(argv[++j]!));
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return request;
}

/** One element being sorted: its bytes at [start, end) of Elements.data, and what it sorts by. */
interface Item {
  start: number;
  end: number;
  score: number;
  /**
   * The ALPHA key as a latin1 string (one char per byte, so string order is byte order, and
   * far cheaper to compare than Buffers); null when the BY key or field is missing.
   */
  key: string | null;
}

/** The elements being sorted, copied into one buffer: no Buffer object per element. */
class Elements {
  data = Buffer.allocUnsafe(1024);
  private used = 0;
  readonly items: Item[] = [];

  readonly add = (buf: Uint8Array, start: number, end: number): void => {
    const length = end - start;
    if (this.used + length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.used + length));
      this.data.copy(grown, 0, 0, this.used);
      this.data = grown;
    }
    const data = this.data;
    const at = this.used;
    if (length < 32) for (let i = 0; i < length; i++) data[at + i] = buf[start + i]!;
    else data.set(buf.subarray(start, end), at);
    this.used += length;
    this.items.push({ start: at, end: at + length, score: 0, key: null });
  };

  bytes(item: Item): Buffer {
    return this.data.subarray(item.start, item.end);
  }
}

/** The elements of `id` (or none for a missing key), only the selected range when it keeps its order. */
function loadElements(ctx: CommandContext, id: number, request: SortRequest, range: { start: number; end: number }): Elements {
  const elements = new Elements();
  if (id < 0) return elements;
  const { start, end } = range;
  const { add, items } = elements;
  const ordered = request.dontSort;
  switch (ctx.db.typeOf(id)) {
    case ValueType.List: {
      const list = ctx.db.objectOf(id) as ListValue;
      if (!ordered) {
        list.walk(0, false, add);
      } else if (end >= start) {
        const count = end - start + 1;
        list.walk(request.desc ? list.length - start - 1 : start, request.desc, (buf, s, e) => {
          add(buf, s, e);
          return items.length < count;
        });
      }
      break;
    }
    case ValueType.Set:
      (ctx.db.objectOf(id) as SetValue).forEach((member) => add(member, 0, member.length));
      break;
    case ValueType.ZSet: {
      const zset = ctx.db.objectOf(id) as ZSetValue;
      const size = zset.size;
      if (!ordered) zset.range(0, size - 1, false, add);
      else if (request.desc) zset.range(size - 1 - start, size - 1 - end, true, add);
      else zset.range(start, end, false, add);
      break;
    }
  }
  return elements;
}

/** Redis's sortCompare, for the request's mode. */
function comparator(request: SortRequest, data: Buffer): (a: Item, b: Item) => number {
  const sign = request.desc ? -1 : 1;
  if (!request.alpha) {
    return (a, b) => {
      if (a.score !== b.score) return a.score > b.score ? sign : -sign;
      return sign * data.compare(data, b.start, b.end, a.start, a.end);
    };
  }
  return (a, b) => {
    const x = a.key;
    const y = b.key;
    if (x === null || y === null) return sign * ((x === null ? 0 : 1) - (y === null ? 0 : 1));
    return x < y ? -sign : x > y ? sign : 0;
  };
}

/**
 * The ALPHA key of a value: its bytes when storing, else what strcoll sees of it in the C and
 * C.UTF-8 locales, the bytes before the first NUL.
 */
function alphaKey(buf: Uint8Array, start: number, end: number, store: boolean): string {
  if (!store) end = start + cLength(buf, start, end);
  return Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1', start, end);
}

/** Gives each item its sort key; false when a numeric key is not a valid double. */
function scoreItems(ctx: CommandContext, elements: Elements, request: SortRequest): boolean {
  const by = request.by;
  const store = request.store !== null;
  const out = newByteRange();
  let valid = true;
  for (const entry of elements.items) {
    if (by !== null) {
      if (!resolvePattern(ctx, by, elements.bytes(entry), out)) continue;
    } else {
      out.buf = elements.data;
      out.start = entry.start;
      out.end = entry.end;
    }
    if (request.alpha) {
      entry.key = alphaKey(out.buf, out.start, out.end, store);
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
  // Redis does the same inside scripts (CLIENT_SCRIPT), a condition to add with scripting.
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

  const elements = loadElements(ctx, id, request, { start, end });
  const items = elements.items;
  if (request.dontSort && type !== ValueType.Set) {
    // Only the range was loaded.
    end -= start;
    start = 0;
  } else if (!request.dontSort) {
    if (!scoreItems(ctx, elements, request)) throw new CommandError(SORT_SCORES_NOT_DOUBLE);
    // A stable sort, like glibc's qsort. With BY and a LIMIT short of the whole, Redis sorts
    // partially (pqsort), which may order elements whose ALPHA BY values tie differently.
    items.sort(comparator(request, elements.data));
  }

  const perItem = Math.max(1, request.gets.length);
  const count = end - start + 1;
  if (request.store === null) {
    w.array(count * perItem);
    const out = newByteRange();
    for (let j = start; j <= end; j++) {
      const element = elements.bytes(items[j]!);
      if (request.gets.length === 0) w.bulk(element);
      for (const get of request.gets) {
        if (resolvePattern(ctx, get, element, out)) w.bulkRange(out.buf, out.start, out.end);
        else w.null();
      }
    }
    return;
  }
  storeResult(ctx, request, elements, items.slice(start, end + 1));
  w.int(count * perItem);
}

function typeLength(ctx: CommandContext, id: number, type: ValueType): number {
  const value = ctx.db.objectOf(id);
  if (type === ValueType.List) return (value as ListValue).length;
  return (value as SetValue | ZSetValue).size;
}

/** STORE: the result as a list (GET misses as empty strings); an empty result deletes the key. */
function storeResult(ctx: CommandContext, request: SortRequest, elements: Elements, items: Item[]): void {
  const store = request.store!;
  if (items.length === 0) {
    if (ctx.db.delete(store)) ctx.notify(Notify.Generic, 'del', store);
    return;
  }
  const list = new ListValue(ctx.server.config.number('list-max-listpack-size'));
  const out = newByteRange();
  for (const entry of items) {
    const element = elements.bytes(entry);
    if (request.gets.length === 0) list.push(LIST_TAIL, element);
    for (const get of request.gets) {
      list.push(LIST_TAIL, resolvePattern(ctx, get, element, out) ? out.buf.subarray(out.start, out.end) : EMPTY);
    }
  }
  ctx.db.setObject(store, ValueType.List, Encoding.Quicklist, list);
  ctx.notify(Notify.List, 'sortstore', store);
}

const EMPTY = Buffer.alloc(0);

/**
 * Redis's sortGetKeys: the sorted key, and the last STORE's destination. Options are skipped
 * with their arguments, and a STORE's destination is itself read as an option name.
 */
function sortKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isCWord(arg, 'limit')) i += 2;
    else if (isCWord(arg, 'get') || isCWord(arg, 'by')) i += 1;
    else if (isCWord(arg, 'store') && i + 1 < argv.length) store = i + 1;
  }
  out.add(1, KeyFlag.RO | KeyFlag.Access);
  if (store >= 0) out.add(store, KeyFlag.OW | KeyFlag.Update);
}

/** Redis's sortROGetKeys: only the sorted key (the BY and GET patterns name no key). */
function sortRoKeys(_argv: readonly Uint8Array[], out: KeyResult): void {
  out.add(1, KeyFlag.RO | KeyFlag.Access);
}

export const sortCommands: CommandSpec[] = [
  {
    name: 'sort',
    getKeys: sortKeys,
    handler: (ctx) => sortGeneric(ctx, false),
  },
  {
    name: 'sort_ro',
    getKeys: sortRoKeys,
    handler: (ctx) => sortGeneric(ctx, true),
  },
];
