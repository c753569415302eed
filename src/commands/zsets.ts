// Sorted-set commands (Redis 7.0's t_zset.c). A zset is a listpack while it holds at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes, then a skiplist.
// Every range (by rank, score or lex) is resolved to a span of ranks first, so reading,
// counting and removing share one path over both encodings.

import { Buffer } from 'node:buffer';
import {
  atLeastOneKey,
  CommandError,
  COUNT_POSITIVE,
  GT_LT_NX,
  LIMIT_NEEDS_BY,
  LONG_RANGE,
  MIN_MAX_NOT_FLOAT,
  MIN_MAX_NOT_LEX,
  MUST_BE_POSITIVE,
  NOT_FLOAT,
  NOT_INTEGER,
  NUMKEYS_POSITIVE,
  ZSET_SCORE_NAN,
  SYNTAX,
  WEIGHT_NOT_FLOAT,
  WITHSCORES_BYLEX,
  WRONGTYPE,
  XX_AND_NX,
  ZADD_INCR_ONE_PAIR,
} from '../errors.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { Notify } from '../server/effects.ts';
import { Encoding, ValueType } from '../store/types.ts';
import { STOP, type SetValue } from '../store/types/set.ts';
import { ZSetValue, type LexBound, type ScoredVisitor } from '../store/types/zset.ts';
import { stringMatch } from '../util/glob.ts';
import { formatDouble, INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { checkPairedCount, checkRepeatCount, isWord, longArg } from './args.ts';
import { parseScanCursor } from './keys.ts';
import { numkeysKeys } from './keyspec.ts';
import { cardLimit, NUMKEYS_KEYS, replyScan, scanOptions } from './sets.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

// ---- lookup, creation and encoding ---------------------------------------------------------------

export function findZset(ctx: CommandContext, key: Buffer, forRead = false): number {
  const id = forRead ? ctx.db.findForRead(key) : ctx.db.find(key);
  if (id >= 0 && ctx.db.typeOf(id) !== ValueType.ZSet) throw new CommandError(WRONGTYPE);
  return id;
}

function readZset(ctx: CommandContext, id: number): ZSetValue {
  return ctx.db.objectOf(id) as ZSetValue;
}

/** zset-max-listpack-entries and -value, read once per command. */
interface Limits {
  entries: number;
  value: number;
}

function limits(ctx: CommandContext): Limits {
  const config = ctx.server.config;
  return { entries: config.number('zset-max-listpack-entries'), value: config.number('zset-max-listpack-value') };
}

/**
 * Sets the score of the member just looked up with z.locate. As zsetAdd does, a listpack that a
 * new member would outgrow becomes a skiplist before the insert (so a -0 score keeps its sign),
 * and a changed score never converts.
 */
function setScore(ctx: CommandContext, limit: Limits, id: number, z: ZSetValue, member: Uint8Array, score: number, added: boolean): void {
  if (added && z.encoding === Encoding.Listpack && (z.size + 1 > limit.entries || member.length > limit.value)) {
    z.convert(true);
    ctx.db.setEncoding(id, Encoding.Skiplist);
    z.set(member, score);
  } else {
    z.setLocated(member, score);
  }
}

/**
 * Stores a computed zset under `key` in the encoding Redis gives a new result (a listpack when
 * it fits the limits, a skiplist otherwise) and raises `event`; an empty result deletes the
 * key instead, raising "del" if there was one. Returns its size.
 */
export function storeZset(ctx: CommandContext, key: Buffer, members: Map<string, number>, event: string): number {
  if (members.size === 0) {
    if (ctx.db.delete(key)) ctx.notify(Notify.Generic, 'del', key);
    return 0;
  }
  const limit = limits(ctx);
  let longest = 0;
  for (const member of members.keys()) longest = Math.max(longest, member.length);
  const z = new ZSetValue(members.size > limit.entries || longest > limit.value);
  for (const [member, score] of members) z.set(Buffer.from(member, 'latin1'), score);
  ctx.db.setObject(key, ValueType.ZSet, z.encoding, z);
  ctx.notify(Notify.Zset, event, key);
  return members.size;
}

/** Deletes the zset `id` under `key` once a removal emptied it, as Redis keeps no empty zsets. */
function deleteIfEmpty(ctx: CommandContext, key: Buffer, id: number, z: ZSetValue): void {
  if (z.size > 0) return;
  ctx.db.deleteId(id);
  ctx.notify(Notify.Generic, 'del', key);
}

export function replyPair(w: ReplyWriter, member: Uint8Array, start: number, end: number, score: number): void {
  w.bulkRange(member, start, end);
  w.double(score);
}

/**
 * Writes `n` scored members as `emit` visits them: members only, or with their scores as
 * [member, score] pairs in RESP3 and a flat list in RESP2.
 */
function replyScored(w: ReplyWriter, n: number, withScores: boolean, emit: (visit: ScoredVisitor) => void): void {
  const nested = withScores && w.resp === 3;
  w.array(withScores && !nested ? n * 2 : n);
  emit((m, s, e, score) => {
    if (nested) w.array(2);
    w.bulkRange(m, s, e);
    if (withScores) w.double(score);
  });
}

const DECIMAL_FORM = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FORM = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITE_FORM = /^[+-]?inf(?:inity)?$/i;
const C_SPACE = /^[ \t\n\v\f\r]+/;

/**
 * C's strtod over a whole text (decimal, hexadecimal and infinite forms; NaN refused), or
 * null. `erange` says the value overflowed to infinity or underflowed to zero.
 */
function strtod(text: string): { value: number; erange: boolean } | null {
  let value: number;
  let digits: string;
  const hex = HEX_FORM.exec(text);
  if (DECIMAL_FORM.test(text)) {
    value = Number(text);
    digits = text.replace(/[eE].*$/, '');
  } else if (hex !== null && (hex[2]! + (hex[3] ?? '')).length > 0) {
    const fraction = hex[3] ?? '';
    digits = hex[2]! + fraction;
    value = parseInt(digits, 16) * 2 ** (Number(hex[4] ?? 0) - 4 * fraction.length);
    if (hex[1] === '-') value = -value;
  } else if (INFINITE_FORM.test(text)) {
    return { value: text[0] === '-' ? -Infinity : Infinity, erange: false };
  } else {
    return null;
  }
  const erange = !Number.isFinite(value) || (value === 0 && /[1-9a-fA-F]/.test(digits.replace(/^[+-]?0[xX]/, '')));
  return { value, erange };
}

/**
 * A decimal integer of up to 15 digits (so exact in a double), leading zeros allowed as strtod
 * reads them; NaN for anything else. The usual scores are read this way, without a string.
 */
function plainInteger(arg: Uint8Array): number {
  const negative = arg[0] === 0x2d;
  const n = arg.length;
  let i = negative ? 1 : 0;
  if (n === i || n - i > 15) return NaN;
  let value = 0;
  for (; i < n; i++) {
    const digit = arg[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** getDoubleFromObject: strtod's forms, but no leading space, overflow or underflow to zero. */
function parseScore(arg: Uint8Array, error = NOT_FLOAT): number {
  const integer = plainInteger(arg);
  if (!Number.isNaN(integer)) return integer;
  const text = Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1');
  const r = text.length === 0 || C_SPACE.test(text) ? null : strtod(text);
  if (r === null || r.erange) throw new CommandError(error);
  return r.value;
}

// ---- ZADD and friends ----------------------------------------------------------------------------

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;
const CH = 16;
const INCR = 32;

function zadd(ctx: CommandContext): void {
  zaddArgs(ctx, ctx.argv);
}

/** ZADD over `argv` rather than the command's own (GEOADD calls it with the scores it computed). */
export function zaddArgs(ctx: CommandContext, argv: readonly Buffer[]): void {
  const { w } = ctx;
  let flags = 0;
  let i = 2;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg, 'nx')) flags |= NX;
    else if (isWord(arg, 'xx')) flags |= XX;
    else if (isWord(arg, 'gt')) flags |= GT;
    else if (isWord(arg, 'lt')) flags |= LT;
    else if (isWord(arg, 'ch')) flags |= CH;
    else if (isWord(arg, 'incr')) flags |= INCR;
    else break;
  }
  const elements = argv.length - i;
  if (elements === 0 || elements % 2 !== 0) throw new CommandError(SYNTAX);
  if ((flags & NX) && (flags & XX)) throw new CommandError(XX_AND_NX);
  const exclusive = flags & (NX | GT | LT);
  if ((exclusive & (exclusive - 1)) !== 0) throw new CommandError(GT_LT_NX);
  if ((flags & INCR) && elements > 2) throw new CommandError(ZADD_INCR_ONE_PAIR);
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) scores.push(parseScore(argv[j]!));
  const key = argv[1]!;
  let id = findZset(ctx, key);
  if (id < 0 && flags & XX) return flags & INCR ? w.null() : w.int(0);
  const limit = limits(ctx);
  if (id < 0) {
    const z = new ZSetValue(limit.entries === 0 || argv[i + 1]!.length > limit.value);
    id = ctx.db.setObject(key, ValueType.ZSet, z.encoding, z);
  }
  let added = 0;
  let updated = 0;
  let result: number | null = null;
  for (let k = 0; k < scores.length; k++) {
    const outcome = applyScore(ctx, limit, id, argv[i + 2 * k + 1]!, scores[k]!, flags);
    if (outcome === null) continue;
    result = outcome.score;
    if (outcome.added) added++;
    else if (outcome.changed) updated++;
  }
  if (added + updated > 0) ctx.notify(Notify.Zset, flags & INCR ? 'zincr' : 'zadd', key);
  if (flags & INCR) return result === null ? w.null() : w.double(result);
  w.int(flags & CH ? added + updated : added);
}

interface Outcome {
  score: number;
  added: boolean;
  changed: boolean;
}

/** zsetAdd: one member under ZADD's flags; null when the flags made it a no-op. */
function applyScore(ctx: CommandContext, limit: Limits, id: number, member: Uint8Array, score: number, flags: number): Outcome | null {
  const z = readZset(ctx, id);
  const current = z.locate(member);
  if (current === undefined) {
    if (flags & XX) return null;
    ctx.db.objectForWrite(id);
    setScore(ctx, limit, id, z, member, score, true);
    return { score, added: true, changed: true };
  }
  if (flags & NX) return null;
  let next = score;
  if (flags & INCR) {
    next = current + score;
    if (Number.isNaN(next)) throw new CommandError(ZSET_SCORE_NAN);
  }
  if ((flags & LT && next >= current) || (flags & GT && next <= current)) return null;
  if (next === current) return { score: next, added: false, changed: false };
  ctx.db.objectForWrite(id);
  setScore(ctx, limit, id, z, member, next, false);
  return { score: next, added: false, changed: true };
}

function zincrby(ctx: CommandContext): void {
  const { argv } = ctx;
  const increment = parseScore(argv[2]!);
  const key = argv[1]!;
  let id = findZset(ctx, key);
  const limit = limits(ctx);
  if (id < 0) {
    const z = new ZSetValue(limit.entries === 0 || argv[3]!.length > limit.value);
    id = ctx.db.setObject(key, ValueType.ZSet, z.encoding, z);
  }
  const outcome = applyScore(ctx, limit, id, argv[3]!, increment, INCR)!;
  if (outcome.changed) ctx.notify(Notify.Zset, 'zincr', key);
  ctx.w.double(outcome.score);
}

function zrem(ctx: CommandContext): void {
  const { argv } = ctx;
  const key = argv[1]!;
  const id = findZset(ctx, key);
  if (id < 0) return ctx.w.int(0);
  const z = readZset(ctx, id);
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    if (z.score(argv[i]!) === undefined) continue;
    if (removed === 0) ctx.db.objectForWrite(id);
    z.delete(argv[i]!);
    removed++;
  }
  if (removed > 0) {
    ctx.notify(Notify.Zset, 'zrem', key);
    deleteIfEmpty(ctx, key, id, z);
  }
  ctx.w.int(removed);
}

// ---- point reads -----------------------------------------------------------------------------------

function zcard(ctx: CommandContext): void {
  const id = findZset(ctx, ctx.argv[1]!, true);
  ctx.w.int(id < 0 ? 0 : readZset(ctx, id).size);
}

function zscore(ctx: CommandContext): void {
  const id = findZset(ctx, ctx.argv[1]!, true);
  const score = id < 0 ? undefined : readZset(ctx, id).score(ctx.argv[2]!);
  if (score === undefined) ctx.w.null();
  else ctx.w.double(score);
}

function zmscore(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const id = findZset(ctx, argv[1]!, true);
  const z = id < 0 ? null : readZset(ctx, id);
  w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(argv[i]!);
    if (score === undefined) w.null();
    else w.double(score);
  }
}

function zrankGeneric(ctx: CommandContext, reverse: boolean): void {
  const id = findZset(ctx, ctx.argv[1]!, true);
  if (id < 0) return ctx.w.null();
  const z = readZset(ctx, id);
  const rank = z.rank(ctx.argv[2]!);
  if (rank < 0) return ctx.w.null();
  ctx.w.int(reverse ? z.size - 1 - rank : rank);
}

// ---- ranges ------------------------------------------------------------------------------------------

const BY_RANK = 0;
const BY_SCORE = 1;
const BY_LEX = 2;

interface ScoreRange {
  min: number;
  minExclusive: boolean;
  max: number;
  maxExclusive: boolean;
}

/** One end of a score interval: "(" makes it exclusive; as with strtod, "(" alone reads as 0. */
function scoreBound(arg: Uint8Array): [number, boolean] {
  const exclusive = arg[0] === 0x28;
  const body = Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1', exclusive ? 1 : 0);
  // zslParseRange calls strtod bare: leading spaces and out-of-range values pass, and an
  // empty text (as in "(") converts nothing, which reads as 0.
  if (body.length === 0) return [0, exclusive];
  const r = strtod(body.replace(C_SPACE, ''));
  if (r === null) throw new CommandError(MIN_MAX_NOT_FLOAT);
  return [r.value, exclusive];
}

function scoreRange(minArg: Uint8Array, maxArg: Uint8Array): ScoreRange {
  const [min, minExclusive] = scoreBound(minArg);
  const [max, maxExclusive] = scoreBound(maxArg);
  return { min, minExclusive, max, maxExclusive };
}

function lexBound(arg: Uint8Array): LexBound {
  if (arg.length === 1 && arg[0] === 0x2d) return { kind: 'min' };
  if (arg.length === 1 && arg[0] === 0x2b) return { kind: 'max' };
  if (arg[0] === 0x28 || arg[0] === 0x5b) return { kind: 'value', value: arg.subarray(1), exclusive: arg[0] === 0x28 };
  throw new CommandError(MIN_MAX_NOT_LEX);
}

/** A parsed range, resolved against a zset into ascending ranks [lo, hi). */
type RangeSpec =
  | { by: typeof BY_RANK; start: number; stop: number }
  | { by: typeof BY_SCORE; range: ScoreRange }
  | { by: typeof BY_LEX; min: LexBound; max: LexBound };

function parseRange(by: number, minArg: Buffer, maxArg: Buffer): RangeSpec {
  if (by === BY_SCORE) return { by, range: scoreRange(minArg, maxArg) };
  if (by === BY_LEX) return { by, min: lexBound(minArg), max: lexBound(maxArg) };
  return { by: BY_RANK, start: longArg(minArg), stop: longArg(maxArg) };
}

/** Ascending ranks [lo, hi) a range covers (a reverse read matters to lex ranges only). */
function spanOf(z: ZSetValue, spec: RangeSpec, reverse = false): [number, number] {
  if (spec.by === BY_SCORE) {
    const r = spec.range;
    return [z.firstRankByScore(r.min, r.minExclusive), z.endRankByScore(r.max, r.maxExclusive)];
  }
  if (spec.by === BY_LEX) return z.lexSpan(spec.min, spec.max, reverse);
  return rankSpan(z.size, spec.start, spec.stop);
}

/** Redis's start/stop index rules (negative from the end, clamped) as ranks [lo, hi). */
function rankSpan(size: number, start: number, stop: number): [number, number] {
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  if (start < 0) start = 0;
  if (start > stop || start >= size) return [0, 0];
  return [start, Math.min(stop, size - 1) + 1];
}

/**
 * The ranks a query selects, in reply order: `first` then `count` ranks going up (or down when
 * `reverse`). A reversed rank query counts its indexes from the top.
 */
function selection(z: ZSetValue, spec: RangeSpec, reverse: boolean, offset: number, limit: number): { first: number; count: number } {
  let lo: number;
  let hi: number;
  if (spec.by === BY_RANK && reverse) {
    const [a, b] = rankSpan(z.size, spec.start, spec.stop);
    [lo, hi] = [z.size - b, z.size - a];
  } else {
    [lo, hi] = spanOf(z, spec, reverse);
  }
  if (offset < 0 || hi - lo <= offset) return { first: 0, count: 0 };
  let count = hi - lo - offset;
  if (limit >= 0) count = Math.min(count, limit);
  return { first: reverse ? hi - 1 - offset : lo + offset, count };
}

function visitSelection(z: ZSetValue, sel: { first: number; count: number }, reverse: boolean, visit: ScoredVisitor): void {
  if (sel.count === 0) return;
  z.range(sel.first, reverse ? sel.first - sel.count + 1 : sel.first + sel.count - 1, reverse, visit);
}

interface RangeCommand {
  /** null: ZRANGE's BYSCORE/BYLEX options decide, by rank without them. */
  by: number | null;
  /** null: ZRANGE's REV option decides. */
  reverse: boolean | null;
  store: boolean;
}

/** zrangeGenericCommand: ZRANGE, ZRANGESTORE and the older ZRANGEBY* / ZREV* forms. */
function rangeCommand(cmd: RangeCommand) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const base = cmd.store ? 2 : 1;
    let by = cmd.by;
    let reverse = cmd.reverse ?? false;
    let withScores = false;
    let offset = 0;
    let limit = -1;
    for (let j = base + 3; j < argv.length; j++) {
      const arg = argv[j]!;
      if (!cmd.store && isWord(arg, 'withscores')) withScores = true;
      else if (isWord(arg, 'limit') && argv.length - j - 1 >= 2) {
        offset = longArg(argv[j + 1]!);
        limit = longArg(argv[j + 2]!);
        j += 2;
      } else if (cmd.reverse === null && isWord(arg, 'rev')) reverse = true;
      else if (cmd.by === null && by === null && isWord(arg, 'bylex')) by = BY_LEX;
      else if (cmd.by === null && by === null && isWord(arg, 'byscore')) by = BY_SCORE;
      else throw new CommandError(SYNTAX);
    }
    by ??= BY_RANK;
    // Redis tells "no LIMIT" from "LIMIT <offset> -1" only by the count, so a rank range takes
    // the latter and ignores its offset.
    if (by === BY_RANK) {
      if (limit !== -1) throw new CommandError(LIMIT_NEEDS_BY);
      offset = 0;
    }
    if (withScores && by === BY_LEX) throw new CommandError(WITHSCORES_BYLEX);
    // Reversed score and lex ranges are written max first.
    const swap = reverse && by !== BY_RANK;
    const spec = parseRange(by, argv[base + (swap ? 2 : 1)]!, argv[base + (swap ? 1 : 2)]!);
    const id = findZset(ctx, argv[base]!, true);
    const z = id < 0 ? null : readZset(ctx, id);
    const sel = z === null ? { first: 0, count: 0 } : selection(z, spec, reverse, offset, limit);
    if (cmd.store) {
      const members = new Map<string, number>();
      if (z !== null) {
        visitSelection(z, sel, reverse, (m, s, e, score) => {
          members.set(latin1(m, s, e), score);
        });
      }
      return w.int(storeZset(ctx, argv[1]!, members, 'zrangestore'));
    }
    replyScored(w, sel.count, withScores, (visit) => z !== null && visitSelection(z, sel, reverse, visit));
  };
}

function countCommand(by: number) {
  return (ctx: CommandContext): void => {
    const { argv } = ctx;
    const spec = parseRange(by, argv[2]!, argv[3]!);
    const id = findZset(ctx, argv[1]!, true);
    if (id < 0) return ctx.w.int(0);
    const [lo, hi] = spanOf(readZset(ctx, id), spec);
    ctx.w.int(Math.max(0, hi - lo));
  };
}

function removeRangeCommand(by: number) {
  const event = by === BY_RANK ? 'zremrangebyrank' : by === BY_SCORE ? 'zremrangebyscore' : 'zremrangebylex';
  return (ctx: CommandContext): void => {
    const { argv } = ctx;
    const key = argv[1]!;
    const spec = parseRange(by, argv[2]!, argv[3]!);
    const id = findZset(ctx, key);
    if (id < 0) return ctx.w.int(0);
    const z = readZset(ctx, id);
    const [lo, hi] = spanOf(z, spec);
    if (hi <= lo) return ctx.w.int(0);
    ctx.db.objectForWrite(id);
    const removed = z.removeRange(lo, hi - 1);
    ctx.notify(Notify.Zset, event, key);
    deleteIfEmpty(ctx, key, id, z);
    ctx.w.int(removed);
  };
}

// ---- pops ----------------------------------------------------------------------------------------------

/**
 * Pops up to `count` members from the lowest (or highest) end of the zset `id`, deleting the
 * key once empty. Raises Redis's genericZpopCommand events, "zpopmin"/"zpopmax" then "del",
 * for every pop that goes through here (the blocking pops too). `key` saves a copy of the key
 * when the caller has it.
 */
export function popMembers(ctx: CommandContext, id: number, count: number, max: boolean, key: Buffer = ctx.db.keyOf(id)): [Buffer, number][] {
  const z = ctx.db.objectForWrite(id) as ZSetValue;
  const n = Math.min(count, z.size);
  const popped: [Buffer, number][] = [];
  const first = max ? z.size - 1 : 0;
  z.range(first, max ? first - n + 1 : n - 1, max, (m, s, e, score) => {
    popped.push([Buffer.from(m.subarray(s, e)), score]);
  });
  if (max) z.removeRange(z.size - n, z.size - 1);
  else z.removeRange(0, n - 1);
  ctx.notify(Notify.Zset, max ? 'zpopmax' : 'zpopmin', key);
  deleteIfEmpty(ctx, key, id, z);
  return popped;
}

function popCommand(max: boolean) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    if (argv.length > 3) throw new CommandError(SYNTAX);
    let count = 1;
    if (argv.length === 3) {
      const n = parseInt64(argv[2]!);
      if (n === NOT_A_NUMBER || n < 0) throw new CommandError(MUST_BE_POSITIVE);
      count = Number(n);
    }
    const id = findZset(ctx, argv[1]!);
    if (id < 0 || count === 0) return w.array(0);
    const popped = popMembers(ctx, id, count, max, argv[1]!);
    // Without a count the one pair is a flat [member, score], in RESP3 too.
    if (argv.length === 2) {
      w.array(2);
      return replyPair(w, popped[0]![0], 0, popped[0]![0].length, popped[0]![1]);
    }
    replyScored(w, popped.length, true, (visit) => {
      for (const [m, score] of popped) visit(m, 0, m.length, score);
    });
  };
}

/** ZMPOP's options from argv[at] (numkeys) on: the keys are argv[at + 1] up to argv[whereAt - 1]. */
export function parseZmpop(argv: readonly Buffer[], at: number): { whereAt: number; max: boolean; count: number } {
  const numkeys = parseInt64(argv[at]!);
  if (numkeys === NOT_A_NUMBER || numkeys < 1) throw new CommandError(NUMKEYS_POSITIVE);
  const whereAt = at + 1 + Number(numkeys);
  if (whereAt >= argv.length) throw new CommandError(SYNTAX);
  const where = argv[whereAt]!;
  if (!isWord(where, 'min') && !isWord(where, 'max')) throw new CommandError(SYNTAX);
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count !== -1 || !isWord(argv[j]!, 'count') || j + 1 >= argv.length) throw new CommandError(SYNTAX);
    const n = parseInt64(argv[++j]!);
    if (n === NOT_A_NUMBER || n < 1) throw new CommandError(COUNT_POSITIVE);
    count = Number(n);
  }
  return { whereAt, max: isWord(where, 'max'), count: count === -1 ? 1 : count };
}

const ZPOPMIN = Buffer.from('ZPOPMIN');
const ZPOPMAX = Buffer.from('ZPOPMAX');

/**
 * ZMPOP's reply from the zset at `id`: [key, [[member, score]...]]. Propagates as Redis does
 * ZMPOP and BZMPOP: ZPOPMIN/ZPOPMAX of that key with the count it really popped.
 */
export function replyZmpop(ctx: CommandContext, key: Buffer, id: number, max: boolean, count: number): void {
  const { w } = ctx;
  const popped = popMembers(ctx, id, count, max, key);
  if (ctx.propagating) ctx.propagateAs([max ? ZPOPMAX : ZPOPMIN, key, Buffer.from(String(popped.length))]);
  w.array(2);
  w.bulk(key);
  w.array(popped.length);
  for (const [m, score] of popped) {
    w.array(2);
    replyPair(w, m, 0, m.length, score);
  }
}

function zmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereAt, max, count } = parseZmpop(argv, 1);
  for (let k = 2; k < whereAt; k++) {
    const id = findZset(ctx, argv[k]!);
    if (id >= 0) return replyZmpop(ctx, argv[k]!, id, max, count);
  }
  ctx.w.nullArray();
}

function zrandmember(ctx: CommandContext): void {
  const { argv, w } = ctx;
  if (argv.length === 2) {
    const id = findZset(ctx, argv[1]!, true);
    if (id < 0) return w.null();
    const z = readZset(ctx, id);
    const r = Math.floor(Math.random() * z.size);
    return z.range(r, r, false, (m, s, e) => w.bulkRange(m, s, e));
  }
  const raw = parseInt64(argv[2]!);
  if (raw === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (raw === INT64_MIN) throw new CommandError(LONG_RANGE);
  const requested = Number(raw);
  const withScores = argv.length === 4;
  if (argv.length > 4 || (withScores && !isWord(argv[3]!, 'withscores'))) throw new CommandError(SYNTAX);
  if (withScores) checkPairedCount(raw);
  const id = findZset(ctx, argv[1]!, true);
  if (id < 0 || requested === 0) return w.array(0);
  checkRepeatCount(requested);
  const z = readZset(ctx, id);
  const size = z.size;
  if (requested < 0) {
    // Negative counts may repeat members: each pick is independent.
    return replyScored(w, -requested, withScores, (visit) => {
      for (let i = 0; i < -requested; i++) {
        const r = Math.floor(Math.random() * size);
        z.range(r, r, false, visit);
      }
    });
  }
  let ranks: number[];
  if (requested >= size) {
    // The whole zset, which Redis lists from the highest rank down.
    ranks = Array.from({ length: size }, (_, i) => size - 1 - i);
  } else {
    ranks = Array.from({ length: size }, (_, i) => i);
    const n = requested;
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
    }
    ranks.length = n;
  }
  replyScored(w, ranks.length, withScores, (visit) => {
    for (const r of ranks) z.range(r, r, false, visit);
  });
}

function zscan(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const cursor = parseScanCursor(argv[2]!);
  const id = findZset(ctx, argv[1]!, true);
  if (id < 0) return replyScan(w, 0, []);
  const { count, pattern } = scanOptions(argv, 3);
  const found: Uint8Array[] = [];
  const z = readZset(ctx, id);
  const format = z.encoding === Encoding.Listpack ? listpackScore : formatDouble;
  const next = z.scan(cursor, count, (m, s, e, score) => {
    const member = m.subarray(s, e);
    if (pattern !== null && !stringMatch(pattern, member)) return;
    found.push(Buffer.from(member), Buffer.from(format(score), 'latin1'));
  });
  replyScan(w, next, found);
}

/** The largest double d2string prints as an integer: (double)(LLONG_MAX/2). */
const LISTPACK_INTEGER_MAX = 2 ** 62;

/**
 * A score as Redis's listpack holds it, which ZSCAN hands back as it is: d2string writes an
 * integral score up to LLONG_MAX/2 in full digits (123456789012345680, where a reply double
 * reads 1.2345678901234568e+17), any other as a reply double.
 */
function listpackScore(score: number): string {
  return Number.isInteger(score) && Math.abs(score) <= LISTPACK_INTEGER_MAX ? BigInt(score).toString() : formatDouble(score);
}

// ---- ZUNION / ZINTER / ZDIFF -----------------------------------------------------------------------

const UNION = 0;
const INTER = 1;
const DIFF = 2;

type Aggregate = (a: number, b: number) => number;

// Adding +inf and -inf gives NaN; Redis keeps 0 instead.
const SUM: Aggregate = (a, b) => {
  const r = a + b;
  return Number.isNaN(r) ? 0 : r;
};
// The score so far stays unless the new one is strictly beyond it, so -0 and 0 keep whichever
// came first (Math.min and Math.max would prefer -0 and 0).
const MIN: Aggregate = (a, b) => (a > b ? b : a);
const MAX: Aggregate = (a, b) => (a < b ? b : a);

/**
 * The sources in the order Redis combines them: by size, smallest first (a missing key counts
 * as empty), keeping their order on ties. It decides float rounding, inf + -inf and -0 ties.
 */
function bySize(sources: readonly (Source | null)[]): (Source | null)[] {
  return sources.slice().sort((a, b) => (a?.size ?? 0) - (b?.size ?? 0));
}

/** A source of members and scores: a zset, or a set whose members all score 1. */
interface Source {
  size: number;
  weight: number;
  score(member: Uint8Array): number | undefined;
  /** Visits members until `visit` returns STOP. */
  forEach(visit: (member: string, score: number) => typeof STOP | void): void;
}

function sourceOf(ctx: CommandContext, key: Buffer, write: boolean): Source | null {
  const id = write ? ctx.db.find(key) : ctx.db.findForRead(key);
  if (id < 0) return null;
  const type = ctx.db.typeOf(id);
  if (type === ValueType.ZSet) {
    const z = readZset(ctx, id);
    return {
      size: z.size,
      weight: 1,
      score: (m) => z.score(m),
      forEach: (visit) => z.range(0, z.size - 1, false, (m, s, e, score) => visit(latin1(m, s, e), score)),
    };
  }
  if (type === ValueType.Set) {
    const set = ctx.db.objectOf(id) as SetValue;
    return {
      size: set.size,
      weight: 1,
      score: (m) => (set.has(m) ? 1 : undefined),
      forEach: (visit) => set.forEach((m) => visit(latin1(m, 0, m.length), 1)),
    };
  }
  throw new CommandError(WRONGTYPE);
}

/** A weighted score; weight 0 times an infinite score is NaN, which Redis turns into 0. */
function weighted(score: number, weight: number): number {
  const r = score * weight;
  return Number.isNaN(r) ? 0 : r;
}

interface Combine {
  op: number;
  /** Where numkeys is. */
  at: number;
  /** The STORE form's keyspace event; null for the forms that reply. */
  store: string | null;
  cardinality: boolean;
}

/** zunionInterDiffGenericCommand: the members (and scores) the operation yields. */
function combineCommand(c: Combine) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const name = argv[0]!.toString('latin1').toLowerCase();
    const numkeys = longArg(argv[c.at]!);
    if (numkeys < 1) throw new CommandError(atLeastOneKey(name));
    if (numkeys > argv.length - c.at - 1) throw new CommandError(SYNTAX);
    const sources: (Source | null)[] = [];
    for (let k = 0; k < numkeys; k++) sources.push(sourceOf(ctx, argv[c.at + 1 + k]!, c.store !== null));
    let aggregate: Aggregate = SUM;
    let withScores = false;
    let limit = 0;
    let j = c.at + 1 + numkeys;
    const weights: number[] = [];
    while (j < argv.length) {
      const remaining = argv.length - j;
      const arg = argv[j]!;
      if (c.op !== DIFF && !c.cardinality && remaining >= numkeys + 1 && isWord(arg, 'weights')) {
        for (let k = 0; k < numkeys; k++) weights[k] = parseScore(argv[j + 1 + k]!, WEIGHT_NOT_FLOAT);
        j += numkeys + 1;
      } else if (c.op !== DIFF && !c.cardinality && remaining >= 2 && isWord(arg, 'aggregate')) {
        const kind = argv[j + 1]!;
        if (isWord(kind, 'sum')) aggregate = SUM;
        else if (isWord(kind, 'min')) aggregate = MIN;
        else if (isWord(kind, 'max')) aggregate = MAX;
        else throw new CommandError(SYNTAX);
        j += 2;
      } else if (c.store === null && !c.cardinality && isWord(arg, 'withscores')) {
        withScores = true;
        j++;
      } else if (c.cardinality) {
        limit = cardLimit(argv, j);
        break;
      } else {
        throw new CommandError(SYNTAX);
      }
    }
    weights.forEach((weight, k) => {
      if (sources[k]) sources[k].weight = weight;
    });
    const result = new Map<string, number>();
    if (c.op === UNION) {
      for (const src of bySize(sources)) {
        src?.forEach((m, score) => {
          const value = weighted(score, src.weight);
          const prior = result.get(m);
          result.set(m, prior === undefined ? value : aggregate(prior, value));
        });
      }
    } else if (c.op === INTER) {
      intersectSources(sources, aggregate, limit, result);
    } else {
      const [first, ...others] = sources;
      first?.forEach((m, score) => {
        const bytes = Buffer.from(m, 'latin1');
        for (const other of others) if (other !== null && other.score(bytes) !== undefined) return;
        result.set(m, score);
      });
    }
    if (c.cardinality) return w.int(result.size);
    if (c.store !== null) return w.int(storeZset(ctx, argv[1]!, result, c.store));
    const z = new ZSetValue(true);
    for (const [m, score] of result) z.set(Buffer.from(m, 'latin1'), score);
    replyScored(w, z.size, withScores, (visit) => z.size > 0 && z.range(0, z.size - 1, false, visit));
  };
}

/** The intersection, walking the smallest source; stops after `limit` members (0 = all). */
function intersectSources(sources: (Source | null)[], aggregate: Aggregate, limit: number, out: Map<string, number>): void {
  if (sources.some((s) => s === null || s.size === 0)) return;
  const [smallest, ...others] = bySize(sources) as Source[];
  smallest!.forEach((m, score) => {
    const bytes = Buffer.from(m, 'latin1');
    let value = weighted(score, smallest!.weight);
    for (const other of others) {
      const s = other.score(bytes);
      if (s === undefined) return;
      value = aggregate(value, weighted(s, other.weight));
    }
    out.set(m, value);
    if (out.size === limit) return STOP;
  });
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

// ---- the table ---------------------------------------------------------------------------------------

/** ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: destination, numkeys, keys (zunionInterDiffStoreGetKeys). */
const DESTINATION_NUMKEYS_KEYS = numkeysKeys(2, 3, 1);

export const zsetCommands: CommandSpec[] = [
  { name: 'zadd', handler: zadd },
  { name: 'zincrby', handler: zincrby },
  { name: 'zrem', handler: zrem },
  { name: 'zcard', handler: zcard },
  { name: 'zscore', handler: zscore },
  { name: 'zmscore', handler: zmscore },
  { name: 'zrank', handler: (ctx) => zrankGeneric(ctx, false) },
  { name: 'zrevrank', handler: (ctx) => zrankGeneric(ctx, true) },
  { name: 'zcount', handler: countCommand(BY_SCORE) },
  { name: 'zlexcount', handler: countCommand(BY_LEX) },
  { name: 'zrange', handler: rangeCommand({ by: null, reverse: null, store: false }) },
  { name: 'zrangestore', handler: rangeCommand({ by: null, reverse: null, store: true }) },
  { name: 'zrangebyscore', handler: rangeCommand({ by: BY_SCORE, reverse: false, store: false }) },
  { name: 'zrevrangebyscore', handler: rangeCommand({ by: BY_SCORE, reverse: true, store: false }) },
  { name: 'zrangebylex', handler: rangeCommand({ by: BY_LEX, reverse: false, store: false }) },
  { name: 'zrevrangebylex', handler: rangeCommand({ by: BY_LEX, reverse: true, store: false }) },
  { name: 'zrevrange', handler: rangeCommand({ by: BY_RANK, reverse: true, store: false }) },
  { name: 'zremrangebyrank', handler: removeRangeCommand(BY_RANK) },
  { name: 'zremrangebyscore', handler: removeRangeCommand(BY_SCORE) },
  { name: 'zremrangebylex', handler: removeRangeCommand(BY_LEX) },
  { name: 'zpopmin', handler: popCommand(false) },
  { name: 'zpopmax', handler: popCommand(true) },
  { name: 'zmpop', getKeys: NUMKEYS_KEYS, handler: zmpop },
  { name: 'zrandmember', handler: zrandmember },
  { name: 'zunion', getKeys: NUMKEYS_KEYS, handler: combineCommand({ op: UNION, at: 1, store: null, cardinality: false }) },
  { name: 'zinter', getKeys: NUMKEYS_KEYS, handler: combineCommand({ op: INTER, at: 1, store: null, cardinality: false }) },
  { name: 'zdiff', getKeys: NUMKEYS_KEYS, handler: combineCommand({ op: DIFF, at: 1, store: null, cardinality: false }) },
  { name: 'zunionstore', getKeys: DESTINATION_NUMKEYS_KEYS, handler: combineCommand({ op: UNION, at: 2, store: 'zunionstore', cardinality: false }) },
  { name: 'zinterstore', getKeys: DESTINATION_NUMKEYS_KEYS, handler: combineCommand({ op: INTER, at: 2, store: 'zinterstore', cardinality: false }) },
  { name: 'zdiffstore', getKeys: DESTINATION_NUMKEYS_KEYS, handler: combineCommand({ op: DIFF, at: 2, store: 'zdiffstore', cardinality: false }) },
  { name: 'zintercard', getKeys: NUMKEYS_KEYS, handler: combineCommand({ op: INTER, at: 1, store: null, cardinality: true }) },
  { name: 'zscan', handler: zscan },
];
