// String commands. GET and SET are the hot path: they hash the key straight from the request
// buffer, and GET copies the value from the arena into the reply without an intermediate Buffer.
// In-place edits (APPEND, SETRANGE) grow the stored value through resizeString, so a large
// string is never copied per operation.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  DECREMENT_OVERFLOW,
  INCR_NAN_OR_INFINITY,
  INVALID_EXPIRE,
  LCS_LEN_AND_IDX,
  LCS_NO_MEMORY,
  LCS_NOT_STRINGS,
  LCS_TOO_MUCH_MEMORY,
  NOT_FLOAT,
  NOT_INTEGER,
  OFFSET_RANGE,
  OVERFLOW,
  STRING_TOO_LONG,
  SYNTAX,
  wrongArity,
  WRONGTYPE,
} from '../errors.ts';
import { Encoding, newByteRange, ValueType, type ByteRange } from '../store/types.ts';
import type { Database } from '../store/database.ts';
import { INT64_MAX, INT64_MIN, NOT_A_NUMBER, parseInt64, toInt64, type Int64 } from '../util/numbers.ts';
import { addLongDoubleText, NOT_FINITE } from '../util/longdouble.ts';
import { isWord, longArg } from './args.ts';
import { isCWord, KeyFlag, type KeyResult } from './keyspec.ts';
import { Notify } from '../server/effects.ts';
import { deleteAndPropagate, expireTimeText, PEXPIREAT } from './keys.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const range = newByteRange();
const EMPTY = Buffer.alloc(0);

/** Redis's embstr limit: results of INCRBYFLOAT are never int-encoded, only embstr or raw. */
const EMBSTR_MAX = 44;

// Words of the forms Redis propagates string writes as.
const SET_WORD = Buffer.from('SET');
const PXAT_WORD = Buffer.from('PXAT');
const KEEPTTL_WORD = Buffer.from('KEEPTTL');
const PERSIST_WORD = Buffer.from('PERSIST');

// ---- shared helpers (bitmaps use them too) ------------------------------------------------

/** The entry for a key that must hold a string (WRONGTYPE otherwise), or -1; counts hits/misses. */
export function findString(db: Database, key: Buffer): number {
  const id = db.findForRead(key);
  if (id >= 0 && db.typeOf(id) !== ValueType.String) throw new CommandError(WRONGTYPE);
  return id;
}

/** Like findString, for a write: no hit/miss accounting (Redis's lookupKeyWrite). */
export function findStringForWrite(db: Database, key: Buffer): number {
  const id = db.find(key);
  if (id >= 0 && db.typeOf(id) !== ValueType.String) throw new CommandError(WRONGTYPE);
  return id;
}

/** Redis's checkStringLength: a string may not grow past proto-max-bulk-len. */
export function checkStringLength(ctx: CommandContext, length: number): void {
  if (length > maxStringLength(ctx)) throw new CommandError(STRING_TOO_LONG);
}

export function maxStringLength(ctx: CommandContext): number {
  return ctx.server.config.number(MAX_BULK);
}

const MAX_BULK = 'proto-max-bulk-len';

/**
 * Makes the string at `key` (created empty when missing) at least `length` bytes long and
 * points `out` at it for in-place edits. The caller checked the type.
 */
export function growString(db: Database, key: Buffer, id: number, length: number, out: ByteRange): ByteRange {
  const target = id >= 0 ? id : db.setString(key, EMPTY);
  return db.resizeString(target, Math.max(length, db.stringLength(target)), out);
}

function replyString(ctx: CommandContext, id: number): void {
  if (id < 0) return ctx.w.null();
  ctx.db.stringRange(id, range);
  ctx.w.bulkRange(range.buf, range.start, range.end);
}

/** An exact int64 argument (past 2^53 as a bigint). */
export function int64Arg(arg: Buffer): number | bigint {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  return n;
}

// ---- GET / SET and their expiry options ----------------------------------------------------

function get(ctx: CommandContext): void {
  replyString(ctx, findString(ctx.db, ctx.argv[1]!));
}

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

/** The expiry argument found by the last parseStringOptions call. */
let expireArg: Buffer = EMPTY;

/**
 * Redis's parseExtendedStringArgumentsOrReply for SET (from argv[3]) and GETEX (from argv[2]):
 * each option excludes the ones it conflicts with but may repeat itself ("EX 1 EX 2" is fine).
 */
function parseStringOptions(argv: Buffer[], forSet: boolean): number {
  let flags = 0;
  for (let i = forSet ? 3 : 2; i < argv.length; i++) {
    const arg = argv[i]!;
    const hasNext = i + 1 < argv.length;
    let expire = 0;
    if (arg.length === 2 || arg.length === 4) {
      if (isWord(arg, 'ex')) expire = EX;
      else if (isWord(arg, 'px')) expire = PX;
      else if (isWord(arg, 'exat')) expire = EXAT;
      else if (isWord(arg, 'pxat')) expire = PXAT;
    }
    if (expire !== 0 && hasNext && !(flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~expire)))) {
      flags |= expire;
      expireArg = argv[++i]!;
    } else if (forSet && isWord(arg, 'nx') && !(flags & XX)) flags |= NX;
    else if (forSet && isWord(arg, 'xx') && !(flags & NX)) flags |= XX;
    else if (forSet && isWord(arg, 'get')) flags |= GET;
    else if (forSet && isWord(arg, 'keepttl') && !(flags & ANY_EXPIRE)) flags |= KEEPTTL;
    else if (!forSet && isWord(arg, 'persist') && !(flags & ANY_EXPIRE)) flags |= PERSIST;
    else throw new CommandError(SYNTAX);
  }
  return flags;
}

/** Milliseconds per unit of an expiry option: EX and EXAT take seconds. */
function expireUnitMs(flags: number): number {
  return (flags & (EX | EXAT)) !== 0 ? 1000 : 1;
}

/** The time an expiry option counts from: now for EX and PX, the epoch for EXAT and PXAT. */
function expireBaseMs(ctx: CommandContext, flags: number): number {
  return (flags & (EX | PX)) !== 0 ? ctx.keyspace.now : 0;
}

/**
 * An expiry argument as an exact absolute time in ms, with Redis's checks: positive, and no
 * int64 overflow when scaled to ms or added to the current time.
 */
function expireAtFromArg(ctx: CommandContext, arg: Buffer, flags: number): Int64 {
  const n = int64Arg(arg);
  const unitMs = expireUnitMs(flags);
  const baseMs = expireBaseMs(ctx, flags);
  if (typeof n === 'number' && n > 0) {
    const at = n * unitMs + baseMs;
    if (Number.isSafeInteger(at)) return at;
  }
  let big = BigInt(n);
  if (big > 0n && !(unitMs === 1000 && big > INT64_MAX / 1000n)) {
    big = big * BigInt(unitMs) + BigInt(baseMs);
    if (big <= INT64_MAX) return toInt64(big);
  }
  throw new CommandError(INVALID_EXPIRE(ctx.argv[0]!.toString('latin1').toLowerCase()));
}

/** The absolute time of an expiry option, as PXAT and PEXPIREAT carry it when propagated. */
/**
 * SET and its variants: stores argv[valueAt] under argv[1]. Replies OK (or the old value for
 * GET), or null when NX/XX stopped it; SETNX passes `asInt` to answer 1/0 instead.
 */
function setGeneric(ctx: CommandContext, flags: number, valueAt: number, asInt: boolean): void {
  const { argv, db, w } = ctx;
  const expireAt = flags & ANY_EXPIRE ? expireAtFromArg(ctx, expireArg, flags) : -1;
  const key = argv[1]!;
  let found = false;
  if (flags & GET) {
    const existing = findString(db, key);
    replyString(ctx, existing);
    found = existing >= 0;
  } else if (flags & (NX | XX)) {
    found = db.find(key) >= 0;
  }
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (flags & GET) return;
    return asInt ? w.int(0) : w.null();
  }
  const value = argv[valueAt]!;
  const id = db.setString(key, value, (flags & KEEPTTL) !== 0);
  ctx.notify(Notify.String, 'set', key);
  if (expireAt >= 0) {
    db.setExpire(id, expireAt);
    // Every relative or absolute expiry propagates as an absolute one in ms.
    if (ctx.propagating) ctx.propagateAs([SET_WORD, key, value, PXAT_WORD, expireTimeText(expireAt)]);
    ctx.notify(Notify.Generic, 'expire', key);
  } else if (flags & GET && ctx.propagating) {
    ctx.propagateAs(withoutGet(argv));
  }
  if (flags & GET) return;
  if (asInt) w.int(1);
  else w.ok();
}

/** SET ... GET propagates without its GET options (replicas have no one to answer); GETSET as SET. */
function withoutGet(argv: Buffer[]): Buffer[] {
  const kept = [SET_WORD, argv[1]!, argv[2]!];
  for (let i = 3; i < argv.length; i++) if (!isWord(argv[i]!, 'get')) kept.push(argv[i]!);
  return kept;
}

function set(ctx: CommandContext): void {
  setGeneric(ctx, parseStringOptions(ctx.argv, true), 2, false);
}

function setWithExpire(flag: number) {
  return (ctx: CommandContext): void => {
    expireArg = ctx.argv[2]!;
    setGeneric(ctx, flag, 3, false);
  };
}

function getex(ctx: CommandContext): void {
  const { argv, db, keyspace } = ctx;
  const flags = parseStringOptions(argv, false);
  const id = findString(db, argv[1]!);
  if (id < 0) return ctx.w.null();
  const expireAt = flags & ANY_EXPIRE ? expireAtFromArg(ctx, expireArg, flags) : -1;
  replyString(ctx, id);
  const key = argv[1]!;
  // An absolute time already past deletes the key, as Redis does (it never stores it).
  if (flags & (EXAT | PXAT) && expireAt <= keyspace.now) {
    deleteAndPropagate(ctx, id, key, 'lazyfree-lazy-expire');
  } else if (expireAt >= 0) {
    db.setExpire(id, expireAt);
    if (ctx.propagating) ctx.propagateAs([PEXPIREAT, key, expireTimeText(expireAt)]);
    ctx.notify(Notify.Generic, 'expire', key);
  } else if (flags & PERSIST && db.clearExpire(id)) {
    if (ctx.propagating) ctx.propagateAs([PERSIST_WORD, key]);
    ctx.notify(Notify.Generic, 'persist', key);
  }
}

function getdel(ctx: CommandContext): void {
  const key = ctx.argv[1]!;
  const id = findString(ctx.db, key);
  replyString(ctx, id);
  if (id >= 0) deleteAndPropagate(ctx, id, key, 'lazyfree-lazy-user-del');
}

// ---- ranges and lengths --------------------------------------------------------------------

function getrange(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  let start = longArg(argv[2]!);
  let end = longArg(argv[3]!);
  const id = findString(db, argv[1]!);
  if (id < 0) return w.bulk(EMPTY);
  if (start < 0 && end < 0 && start > end) return w.bulk(EMPTY);
  const length = db.stringLength(id);
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  if (start > end || length === 0) return w.bulk(EMPTY);
  db.stringRange(id, range);
  w.bulkRange(range.buf, range.start + start, range.start + end + 1);
}

function strlen(ctx: CommandContext): void {
  const id = findString(ctx.db, ctx.argv[1]!);
  ctx.w.int(id < 0 ? 0 : ctx.db.stringLength(id));
}

function append(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const key = argv[1]!;
  const value = argv[2]!;
  const id = findStringForWrite(db, key);
  let length = value.length;
  if (id < 0) db.setString(key, value);
  else {
    const oldLength = db.stringLength(id);
    checkStringLength(ctx, oldLength + value.length);
    const out = db.resizeString(id, oldLength + value.length, range);
    out.buf.set(value, out.start + oldLength);
    length = out.end - out.start;
  }
  ctx.notify(Notify.String, 'append', key);
  w.int(length);
}

function setrange(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const offset = longArg(argv[2]!);
  if (offset < 0) throw new CommandError(OFFSET_RANGE);
  const key = argv[1]!;
  const value = argv[3]!;
  const id = findStringForWrite(db, key);
  if (value.length === 0) return w.int(id < 0 ? 0 : db.stringLength(id));
  checkStringLength(ctx, offset + value.length);
  const out = growString(db, key, id, offset + value.length, range);
  out.buf.set(value, out.start + offset);
  ctx.notify(Notify.String, 'setrange', key);
  w.int(out.end - out.start);
}

// ---- multiple keys -------------------------------------------------------------------------

function mget(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  w.array(argv.length - 1);
  db.warm(argv, 1, 1);
  for (let i = 1; i < argv.length; i++) {
    const id = db.findForRead(argv[i]!);
    if (id < 0 || db.typeOf(id) !== ValueType.String) w.null();
    else replyString(ctx, id);
  }
}

function msetGeneric(ctx: CommandContext, nx: boolean): void {
  const { argv, db, w } = ctx;
  if (argv.length % 2 === 0) throw new CommandError(wrongArity(nx ? 'msetnx' : 'mset'));
  db.warm(argv, 1, 2);
  if (nx) {
    for (let i = 1; i < argv.length; i += 2) if (db.find(argv[i]!) >= 0) return w.int(0);
  }
  for (let i = 1; i < argv.length; i += 2) {
    db.setString(argv[i]!, argv[i + 1]!);
    ctx.notify(Notify.String, 'set', argv[i]!);
  }
  if (nx) w.int(1);
  else w.ok();
}

// ---- counters ------------------------------------------------------------------------------

const intScratch = Buffer.alloc(24);
/** Views of intScratch by length, made once, so INCR stores its result without allocating. */
const intViews = Array.from({ length: intScratch.length + 1 }, (_, length) => intScratch.subarray(0, length));

/** Writes a safe integer's decimal digits into intScratch; returns their count. */
function formatSafeInt(value: number): number {
  let length = 0;
  if (value < 0) {
    intScratch[length++] = 0x2d;
    value = -value;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  length += digits;
  for (let at = length - 1; digits > 0; digits--, at--) {
    const q = Math.floor(value / 10);
    intScratch[at] = 0x30 + value - q * 10;
    value = q;
  }
  return length;
}

function incrBy(ctx: CommandContext, delta: number | bigint): void {
  const { argv, db, w } = ctx;
  const key = argv[1]!;
  const id = findStringForWrite(db, key);
  let current: number | bigint = 0;
  if (id >= 0) {
    db.stringRange(id, range);
    const parsed = parseInt64(range.buf, range.start, range.end);
    if (parsed === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
    current = parsed;
  }
  let result: number | bigint;
  if (typeof current === 'number' && typeof delta === 'number' && Number.isSafeInteger(current + delta)) {
    result = current + delta;
  } else {
    const exact = BigInt(current) + BigInt(delta);
    if (exact > INT64_MAX || exact < INT64_MIN) throw new CommandError(OVERFLOW);
    result = exact;
  }
  const bytes = intViews[typeof result === 'number' ? formatSafeInt(result) : intScratch.write(String(result), 'latin1')]!;
  if (id >= 0) db.replaceString(id, bytes, Encoding.Int);
  else db.setString(key, bytes);
  ctx.notify(Notify.String, 'incrby', key);
  if (typeof result === 'number') w.int(result);
  else w.bigint(result);
}

function incrByArg(ctx: CommandContext, negate: boolean): void {
  const n = int64Arg(ctx.argv[2]!);
  if (!negate) return incrBy(ctx, n);
  if (n === INT64_MIN) throw new CommandError(DECREMENT_OVERFLOW);
  incrBy(ctx, -n);
}

function incrbyfloat(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const key = argv[1]!;
  const id = findStringForWrite(db, key);
  let current: Uint8Array | null = null;
  if (id >= 0) {
    db.stringRange(id, range);
    current = range.buf.subarray(range.start, range.end);
  }
  const text = addLongDoubleText(current, argv[2]!);
  if (text === NOT_A_NUMBER) throw new CommandError(NOT_FLOAT);
  if (text === NOT_FINITE) throw new CommandError(INCR_NAN_OR_INFINITY);
  const bytes = Buffer.from(text, 'latin1');
  const encoding = bytes.length <= EMBSTR_MAX ? Encoding.Embstr : Encoding.Raw;
  if (id >= 0) db.replaceString(id, bytes, encoding);
  else db.setEncoding(db.setString(key, bytes), encoding);
  ctx.notify(Notify.String, 'incrbyfloat', key);
  w.bulk(bytes);
  // The result, not the increment: float formatting must not make a replica differ.
  if (ctx.propagating) ctx.propagateAs([SET_WORD, key, bytes, KEEPTTL_WORD]);
}

// ---- LCS -----------------------------------------------------------------------------------

const rangeA = newByteRange();
const rangeB = newByteRange();

function lcs(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const idA = db.findForRead(argv[1]!);
  const idB = db.findForRead(argv[2]!);
  if ((idA >= 0 && db.typeOf(idA) !== ValueType.String) || (idB >= 0 && db.typeOf(idB) !== ValueType.String)) {
    throw new CommandError(LCS_NOT_STRINGS);
  }
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg, 'idx')) getIdx = true;
    else if (isWord(arg, 'len')) getLen = true;
    else if (isWord(arg, 'withmatchlen')) withMatchLen = true;
    else if (isWord(arg, 'minmatchlen') && i + 1 < argv.length) {
      minMatchLen = Math.max(0, longArg(argv[++i]!));
    } else throw new CommandError(SYNTAX);
  }
  if (getLen && getIdx) throw new CommandError(LCS_LEN_AND_IDX);
  const a = idA >= 0 ? db.stringRange(idA, rangeA) : emptyRange(rangeA);
  const b = idB >= 0 ? db.stringRange(idB, rangeB) : emptyRange(rangeB);
  const alen = a.end - a.start;
  const blen = b.end - b.start;
  if ((alen + 1) * (blen + 1) * 4 > maxStringLength(ctx)) throw new CommandError(LCS_TOO_MUCH_MEMORY);

  // table[i * (blen + 1) + j] = LCS length of a[0..i) and b[0..j).
  const stride = blen + 1;
  let table: Uint32Array;
  try {
    table = new Uint32Array((alen + 1) * stride);
  } catch {
    throw new CommandError(LCS_NO_MEMORY);
  }
  for (let i = 1; i <= alen; i++) {
    const ca = a.buf[a.start + i - 1];
    const row = i * stride;
    const prev = row - stride;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.buf[b.start + j - 1]) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * stride + blen]!;
  if (getLen) return w.int(total);

  // Walk back from the end, collecting the LCS bytes and the ranges of contiguous matches
  // (emitted from the end of the strings towards the start, as Redis does).
  const result = Buffer.alloc(total);
  const matches: number[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.buf[a.start + i - 1] === b.buf[b.start + j - 1]) {
      result[--idx] = a.buf[a.start + i - 1]!;
      if (aStart < 0) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * stride + j]! > table[i * stride + j - 1]!) i--;
      else j--;
      if (aStart >= 0) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) matches.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = -1;
    }
  }
  if (!getIdx) return w.bulk(result);
  w.map(2);
  w.bulkString('matches');
  w.array(matches.length / 5);
  for (let k = 0; k < matches.length; k += 5) {
    w.array(withMatchLen ? 3 : 2);
    w.array(2);
    w.int(matches[k]!);
    w.int(matches[k + 1]!);
    w.array(2);
    w.int(matches[k + 2]!);
    w.int(matches[k + 3]!);
    if (withMatchLen) w.int(matches[k + 4]!);
  }
  w.bulkString('len');
  w.int(total);
}

function emptyRange(out: ByteRange): ByteRange {
  out.buf = EMPTY;
  out.start = 0;
  out.end = 0;
  return out;
}

// ---- the table -----------------------------------------------------------------------------

/** Redis's setGetKeys: SET overwrites its key, and also reads it when GET is among the options. */
function setKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  for (let i = 3; i < argv.length; i++) {
    if (isCWord(argv[i]!, 'get')) return out.add(1, KeyFlag.RW | KeyFlag.Access | KeyFlag.Update);
  }
  out.add(1, KeyFlag.OW | KeyFlag.Update);
}

export const stringCommands: CommandSpec[] = [
  { name: 'get', handler: get },
  { name: 'set', getKeys: setKeys, handler: set },
  { name: 'setnx', handler: (ctx) => setGeneric(ctx, NX, 2, true) },
  { name: 'setex', handler: setWithExpire(EX) },
  { name: 'psetex', handler: setWithExpire(PX) },
  { name: 'getset', handler: (ctx) => setGeneric(ctx, GET, 2, false) },
  { name: 'getex', handler: getex },
  { name: 'getdel', handler: getdel },
  { name: 'getrange', handler: getrange },
  { name: 'substr', handler: getrange },
  { name: 'strlen', handler: strlen },
  { name: 'append', handler: append },
  { name: 'setrange', handler: setrange },
  { name: 'mget', handler: mget },
  { name: 'mset', handler: (ctx) => msetGeneric(ctx, false) },
  { name: 'msetnx', handler: (ctx) => msetGeneric(ctx, true) },
  { name: 'incr', handler: (ctx) => incrBy(ctx, 1) },
  { name: 'decr', handler: (ctx) => incrBy(ctx, -1) },
  { name: 'incrby', handler: (ctx) => incrByArg(ctx, false) },
  { name: 'decrby', handler: (ctx) => incrByArg(ctx, true) },
  { name: 'incrbyfloat', handler: incrbyfloat },
  { name: 'lcs', handler: lcs },
];
