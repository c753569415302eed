// List commands (Redis 7.0's t_list.c without the blocking variants). Lists are quicklists of
// listpack nodes; Redis 7.0 reports every list as "quicklist", however small, and so do we.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  COUNT_POSITIVE,
  INDEX_OUT_OF_RANGE,
  LPOS_COUNT_NEGATIVE,
  LPOS_MAXLEN_NEGATIVE,
  LPOS_RANK_ZERO,
  MUST_BE_POSITIVE,
  NO_SUCH_KEY,
  NOT_INTEGER,
  NUMKEYS_POSITIVE,
  SYNTAX,
  WRONGTYPE,
  wrongArity,
} from '../errors.ts';
import { Notify } from '../server/effects.ts';
import { Encoding, ValueType } from '../store/types.ts';
import { LIST_HEAD, LIST_TAIL, ListValue, type ElementVisitor, type ListEnd } from '../store/types/list.ts';
import { entryBytes } from '../store/types/listpack.ts';
import { INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { isWord, longArg } from './args.ts';
import { numkeysKeys } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const EMPTY = Buffer.alloc(0);
const LPOP = Buffer.from('LPOP');
const RPOP = Buffer.from('RPOP');

/** The list under `key`, or -1; WRONGTYPE for another type. Reads count hits and misses. */
function findList(ctx: CommandContext, key: Buffer, forRead = false): number {
  const id = forRead ? ctx.db.findForRead(key) : ctx.db.find(key);
  if (id >= 0 && ctx.db.typeOf(id) !== ValueType.List) throw new CommandError(WRONGTYPE);
  return id;
}

function fill(ctx: CommandContext): number {
  return ctx.server.config.number('list-max-listpack-size');
}

export function listForWrite(ctx: CommandContext, id: number): ListValue {
  const list = ctx.db.objectForWrite(id) as ListValue;
  list.fill = fill(ctx);
  return list;
}

/** The list under `key` for a push, created when missing. */
function listForPush(ctx: CommandContext, key: Buffer, id: number): ListValue {
  if (id >= 0) return listForWrite(ctx, id);
  const list = new ListValue(fill(ctx));
  ctx.db.setObject(key, ValueType.List, Encoding.Quicklist, list);
  return list;
}

/** Redis never keeps an empty list: the last removal deletes the key, with a "del" event. */
function deleteIfEmpty(ctx: CommandContext, key: Buffer, id: number, list: ListValue): void {
  if (list.length > 0) return;
  ctx.db.deleteId(id);
  ctx.notify(Notify.Generic, 'del', key);
}

/** After elements left `end` of the list: its event, then the key's removal if that emptied it (Redis's listElementsRemoved). */
export function elementsPopped(ctx: CommandContext, key: Buffer, id: number, list: ListValue, end: ListEnd): void {
  ctx.notify(Notify.List, end === LIST_HEAD ? 'lpop' : 'rpop', key);
  deleteIfEmpty(ctx, key, id, list);
}

/**
 * Propagates the command as `pop key [count]`, the plain pop that did the same: how LMPOP and
 * the blocking pops replicate ([LR]POP, ZPOPMIN/ZPOPMAX).
 */
export function propagatePop(ctx: CommandContext, pop: Buffer, key: Buffer, count?: number): void {
  if (!ctx.propagating) return;
  ctx.propagateAs(count === undefined ? [pop, key] : [pop, key, Buffer.from(String(count))]);
}

export const listPop = (end: ListEnd): Buffer => (end === LIST_HEAD ? LPOP : RPOP);

export function parseEnd(arg: Buffer): ListEnd {
  if (isWord(arg, 'left')) return LIST_HEAD;
  if (isWord(arg, 'right')) return LIST_TAIL;
  throw new CommandError(SYNTAX);
}

export const replyElement = (ctx: CommandContext): ElementVisitor => (buf, start, end) => {
  ctx.w.bulkRange(buf, start, end);
};

// ---- push and pop --------------------------------------------------------------------------

function pushGeneric(ctx: CommandContext, end: ListEnd, onlyIfExists: boolean): void {
  const key = ctx.argv[1]!;
  const id = findList(ctx, key);
  if (id < 0 && onlyIfExists) return ctx.w.int(0);
  const list = listForPush(ctx, key, id);
  if (id < 0 && ctx.argv.length > 3) {
    let bytes = 0;
    for (let i = 2; i < ctx.argv.length; i++) bytes += entryBytes(ctx.argv[i]!.length);
    list.reserve(end, bytes, ctx.argv.length - 2);
  }
  for (let i = 2; i < ctx.argv.length; i++) list.push(end, ctx.argv[i]!);
  ctx.notify(Notify.List, end === LIST_HEAD ? 'lpush' : 'rpush', key);
  ctx.w.int(list.length);
}

const lpush = (ctx: CommandContext) => pushGeneric(ctx, LIST_HEAD, false);
const rpush = (ctx: CommandContext) => pushGeneric(ctx, LIST_TAIL, false);
const lpushx = (ctx: CommandContext) => pushGeneric(ctx, LIST_HEAD, true);
const rpushx = (ctx: CommandContext) => pushGeneric(ctx, LIST_TAIL, true);

function popGeneric(ctx: CommandContext, end: ListEnd, name: string): void {
  const { argv, w } = ctx;
  if (argv.length > 3) throw new CommandError(wrongArity(name));
  const hasCount = argv.length === 3;
  let count = 1;
  if (hasCount) {
    count = longArg(argv[2]!, MUST_BE_POSITIVE);
    if (count < 0) throw new CommandError(MUST_BE_POSITIVE);
  }
  const key = argv[1]!;
  const id = findList(ctx, key);
  if (id < 0) return hasCount ? w.nullArray() : w.null();
  if (hasCount && count === 0) return w.array(0);
  const list = listForWrite(ctx, id);
  if (hasCount) replyPopped(ctx, list, end, count);
  else list.pop(end, replyElement(ctx));
  elementsPopped(ctx, key, id, list, end);
}

/** Pops up to `count` elements into an array reply; returns how many. */
function replyPopped(ctx: CommandContext, list: ListValue, end: ListEnd, count: number): number {
  const n = Math.min(count, list.length);
  ctx.w.array(n);
  const reply = replyElement(ctx);
  for (let i = 0; i < n; i++) list.pop(end, reply);
  return n;
}

const lpop = (ctx: CommandContext) => popGeneric(ctx, LIST_HEAD, 'lpop');
const rpop = (ctx: CommandContext) => popGeneric(ctx, LIST_TAIL, 'rpop');

/** LMPOP's options from argv[at] (numkeys) on: the keys are argv[at + 1] up to argv[whereIndex - 1]. */
export function parseLmpop(argv: readonly Buffer[], at: number): { whereIndex: number; end: ListEnd; count: number } {
  const numkeys = longArg(argv[at]!, NUMKEYS_POSITIVE);
  if (numkeys < 1) throw new CommandError(NUMKEYS_POSITIVE);
  const whereIndex = at + 1 + numkeys;
  if (whereIndex >= argv.length) throw new CommandError(SYNTAX);
  const end = parseEnd(argv[whereIndex]!);
  let count = -1;
  for (let i = whereIndex + 1; i < argv.length; i++) {
    if (count === -1 && isWord(argv[i]!, 'count') && i + 1 < argv.length) {
      count = longArg(argv[++i]!, COUNT_POSITIVE);
      if (count < 1) throw new CommandError(COUNT_POSITIVE);
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return { whereIndex, end, count: count === -1 ? 1 : count };
}

/**
 * LMPOP's reply from the list at `id`: [key, [elements...]]. LMPOP and BLMPOP propagate as
 * the [LR]POP key count that did the same.
 */
export function replyLmpop(ctx: CommandContext, key: Buffer, id: number, end: ListEnd, count: number): void {
  const list = listForWrite(ctx, id);
  ctx.w.array(2);
  ctx.w.bulk(key);
  const popped = replyPopped(ctx, list, end, count);
  elementsPopped(ctx, key, id, list, end);
  propagatePop(ctx, listPop(end), key, popped);
}

function lmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereIndex, end, count } = parseLmpop(argv, 1);
  for (let k = 2; k < whereIndex; k++) {
    const id = findList(ctx, argv[k]!);
    if (id >= 0) return replyLmpop(ctx, argv[k]!, id, end, count);
  }
  ctx.w.nullArray();
}

// ---- moving between lists ----------------------------------------------------------------------

/**
 * LMOVE and its kin, in Redis's order: the destination is created and pushed to (its event
 * first), then the source's pop event and its removal once empty.
 */
export function moveGeneric(ctx: CommandContext, from: ListEnd, to: ListEnd): void {
  const { argv, w } = ctx;
  const srcKey = argv[1]!;
  const dstKey = argv[2]!;
  const srcId = findList(ctx, srcKey);
  if (srcId < 0) return w.null();
  const sameKey = srcKey.equals(dstKey);
  const dstId = sameKey ? srcId : findList(ctx, dstKey);
  const src = listForWrite(ctx, srcId);
  let value = EMPTY;
  src.pop(from, (buf, start, end) => {
    value = Buffer.from(buf.subarray(start, end));
  });
  (sameKey ? src : listForPush(ctx, dstKey, dstId)).push(to, value);
  ctx.notify(Notify.List, to === LIST_HEAD ? 'lpush' : 'rpush', dstKey);
  elementsPopped(ctx, srcKey, srcId, src, from);
  w.bulk(value);
}

const lmove = (ctx: CommandContext) => moveGeneric(ctx, parseEnd(ctx.argv[3]!), parseEnd(ctx.argv[4]!));
const rpoplpush = (ctx: CommandContext) => moveGeneric(ctx, LIST_TAIL, LIST_HEAD);

// ---- reading ---------------------------------------------------------------------------------

function llen(ctx: CommandContext): void {
  const id = findList(ctx, ctx.argv[1]!, true);
  ctx.w.int(id < 0 ? 0 : (ctx.db.objectOf(id) as ListValue).length);
}

function lindex(ctx: CommandContext): void {
  const id = findList(ctx, ctx.argv[1]!, true);
  if (id < 0) return ctx.w.null();
  const list = ctx.db.objectOf(id) as ListValue;
  let index = longArg(ctx.argv[2]!);
  if (index < 0) index += list.length;
  if (!list.at(index, replyElement(ctx))) ctx.w.null();
}

function lrange(ctx: CommandContext): void {
  let start = longArg(ctx.argv[2]!);
  let stop = longArg(ctx.argv[3]!);
  const id = findList(ctx, ctx.argv[1]!, true);
  if (id < 0) return ctx.w.array(0);
  const list = ctx.db.objectOf(id) as ListValue;
  [start, stop] = clampRange(start, stop, list.length);
  if (start > stop) return ctx.w.array(0);
  ctx.w.array(stop - start + 1);
  const reply = replyElement(ctx);
  list.walk(start, false, (buf, s, e, index) => {
    reply(buf, s, e, index);
    return index < stop;
  });
}

/** Redis's index rules for LRANGE and LTRIM: negatives count from the end, then clamp. */
function clampRange(start: number, stop: number, length: number): [number, number] {
  if (start < 0) start += length;
  if (stop < 0) stop += length;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return [1, 0];
  return [start, Math.min(stop, length - 1)];
}

function lpos(ctx: CommandContext): void {
  const { argv, w } = ctx;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let fromTail = false;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i]!;
    const hasArg = i + 1 < argv.length;
    if (isWord(opt, 'rank') && hasArg) {
      const raw = parseInt64(argv[++i]!);
      if (raw === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      if (raw === 0) throw new CommandError(LPOS_RANK_ZERO);
      fromTail = raw < 0;
      // Redis negates LONG_MIN into itself, a rank every match satisfies.
      rank = raw === INT64_MIN ? 1 : Math.abs(Number(raw));
    } else if (isWord(opt, 'count') && hasArg) {
      // getPositiveLongFromObjectOrReply: its one message covers "not an integer" too.
      count = longArg(argv[++i]!, LPOS_COUNT_NEGATIVE);
      if (count < 0) throw new CommandError(LPOS_COUNT_NEGATIVE);
    } else if (isWord(opt, 'maxlen') && hasArg) {
      maxlen = longArg(argv[++i]!, LPOS_MAXLEN_NEGATIVE);
      if (maxlen < 0) throw new CommandError(LPOS_MAXLEN_NEGATIVE);
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const id = findList(ctx, argv[1]!, true);
  if (id < 0) return count === -1 ? w.null() : w.array(0);
  const list = ctx.db.objectOf(id) as ListValue;
  const element = argv[2]!;
  const found: number[] = [];
  let matches = 0;
  let scanned = 0;
  list.walk(fromTail ? list.length - 1 : 0, fromTail, (buf, start, end, index) => {
    if (maxlen !== 0 && scanned++ >= maxlen) return false;
    if (!sameBytes(element, buf, start, end) || ++matches < rank) return true;
    found.push(index);
    return count !== -1 && (count === 0 || found.length < count);
  });
  if (count === -1) {
    if (found.length === 0) w.null();
    else w.int(found[0]!);
    return;
  }
  w.array(found.length);
  for (const index of found) w.int(index);
}

// ---- changing in place ---------------------------------------------------------------------

function lset(ctx: CommandContext): void {
  const id = findList(ctx, ctx.argv[1]!);
  if (id < 0) throw new CommandError(NO_SUCH_KEY);
  let index = longArg(ctx.argv[2]!);
  const list = ctx.db.objectOf(id) as ListValue;
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) throw new CommandError(INDEX_OUT_OF_RANGE);
  listForWrite(ctx, id).set(index, ctx.argv[3]!);
  ctx.notify(Notify.List, 'lset', ctx.argv[1]!);
  ctx.w.ok();
}

function linsert(ctx: CommandContext): void {
  const { argv, w } = ctx;
  let after: boolean;
  if (isWord(argv[2]!, 'after')) after = true;
  else if (isWord(argv[2]!, 'before')) after = false;
  else throw new CommandError(SYNTAX);
  const id = findList(ctx, argv[1]!);
  if (id < 0) return w.int(0);
  const list = ctx.db.objectOf(id) as ListValue;
  // Only a list that changes counts as written (WATCH, snapshots).
  if (!hasElement(list, argv[3]!)) return w.int(-1);
  const length = listForWrite(ctx, id).insert(argv[3]!, after, argv[4]!);
  ctx.notify(Notify.List, 'linsert', argv[1]!);
  w.int(length);
}

function sameBytes(element: Buffer, buf: Uint8Array, start: number, end: number): boolean {
  return end - start === element.length && element.compare(buf, start, end) === 0;
}

function hasElement(list: ListValue, element: Buffer): boolean {
  let found = false;
  list.walk(0, false, (buf, start, end) => {
    found = sameBytes(element, buf, start, end);
    return !found;
  });
  return found;
}

function lrem(ctx: CommandContext): void {
  const key = ctx.argv[1]!;
  const count = longArg(ctx.argv[2]!);
  const id = findList(ctx, key);
  if (id < 0) return ctx.w.int(0);
  const list = ctx.db.objectOf(id) as ListValue;
  if (!hasElement(list, ctx.argv[3]!)) return ctx.w.int(0);
  const removed = listForWrite(ctx, id).remove(count, ctx.argv[3]!);
  ctx.notify(Notify.List, 'lrem', key);
  deleteIfEmpty(ctx, key, id, list);
  ctx.w.int(removed);
}

function ltrim(ctx: CommandContext): void {
  const key = ctx.argv[1]!;
  const start = longArg(ctx.argv[2]!);
  const stop = longArg(ctx.argv[3]!);
  const id = findList(ctx, key);
  if (id < 0) return ctx.w.ok();
  // Redis touches the key (WATCH) and raises "ltrim" even when the range keeps every element,
  // but propagates only a trim that removed some.
  const list = listForWrite(ctx, id);
  const length = list.length;
  const [from, to] = clampRange(start, stop, length);
  list.trim(from, to);
  if (list.length === length) ctx.preventPropagation();
  ctx.notify(Notify.List, 'ltrim', key);
  deleteIfEmpty(ctx, key, id, list);
  ctx.w.ok();
}

export const listCommands: CommandSpec[] = [
  {
    name: 'lpush',
    handler: lpush,
  },
  {
    name: 'rpush',
    handler: rpush,
  },
  {
    name: 'lpushx',
    handler: lpushx,
  },
  {
    name: 'rpushx',
    handler: rpushx,
  },
  {
    name: 'lpop',
    handler: lpop,
  },
  {
    name: 'rpop',
    handler: rpop,
  },
  {
    name: 'lrange',
    handler: lrange,
  },
  {
    name: 'lindex',
    handler: lindex,
  },
  {
    name: 'lset',
    handler: lset,
  },
  {
    name: 'linsert',
    handler: linsert,
  },
  {
    name: 'llen',
    handler: llen,
  },
  {
    name: 'lrem',
    handler: lrem,
  },
  {
    name: 'ltrim',
    handler: ltrim,
  },
  {
    name: 'lpos',
    handler: lpos,
  },
  {
    name: 'lmove',
    handler: lmove,
  },
  {
    name: 'rpoplpush',
    handler: rpoplpush,
  },
  {
    name: 'lmpop',
    getKeys: numkeysKeys(1, 2),
    handler: lmpop,
  },
];
