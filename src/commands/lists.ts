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
import { Encoding, ValueType } from '../store/types.ts';
import { LIST_HEAD, LIST_TAIL, ListValue, type ElementVisitor, type ListEnd } from '../store/types/list.ts';
import { entryBytes } from '../store/types/listpack.ts';
import { INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { isWord, longArg } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const group = 'list';
const EMPTY = Buffer.alloc(0);

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

/** Redis never keeps an empty list: the last pop deletes the key. */
export function deleteIfEmpty(ctx: CommandContext, id: number, list: ListValue): void {
  if (list.length === 0) ctx.db.deleteId(id);
}

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
  const id = findList(ctx, argv[1]!);
  if (id < 0) return hasCount ? w.nullArray() : w.null();
  if (hasCount && count === 0) return w.array(0);
  const list = listForWrite(ctx, id);
  if (hasCount) replyPopped(ctx, list, end, count);
  else list.pop(end, replyElement(ctx));
  deleteIfEmpty(ctx, id, list);
}

/** Pops up to `count` elements into an array reply. */
function replyPopped(ctx: CommandContext, list: ListValue, end: ListEnd, count: number): void {
  const n = Math.min(count, list.length);
  ctx.w.array(n);
  const reply = replyElement(ctx);
  for (let i = 0; i < n; i++) list.pop(end, reply);
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

/** LMPOP's reply from the list at `id`: [key, [elements...]]. */
export function replyLmpop(ctx: CommandContext, key: Buffer, id: number, end: ListEnd, count: number): void {
  const list = listForWrite(ctx, id);
  ctx.w.array(2);
  ctx.w.bulk(key);
  replyPopped(ctx, list, end, count);
  deleteIfEmpty(ctx, id, list);
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

function lmpopKeys(argv: readonly Buffer[]): number[] {
  const n = parseInt64(argv[1]!);
  if (n === NOT_A_NUMBER || n < 1) return [];
  const keys: number[] = [];
  for (let i = 2; i < Math.min(argv.length, 2 + Number(n)); i++) keys.push(i);
  return keys;
}

// ---- moving between lists ----------------------------------------------------------------------

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
  if (sameKey) {
    src.push(to, value);
  } else {
    deleteIfEmpty(ctx, srcId, src);
    listForPush(ctx, dstKey, dstId).push(to, value);
  }
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
  w.int(listForWrite(ctx, id).insert(argv[3]!, after, argv[4]!));
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
  const count = longArg(ctx.argv[2]!);
  const id = findList(ctx, ctx.argv[1]!);
  if (id < 0) return ctx.w.int(0);
  const list = ctx.db.objectOf(id) as ListValue;
  if (!hasElement(list, ctx.argv[3]!)) return ctx.w.int(0);
  const removed = listForWrite(ctx, id).remove(count, ctx.argv[3]!);
  deleteIfEmpty(ctx, id, list);
  ctx.w.int(removed);
}

function ltrim(ctx: CommandContext): void {
  const start = longArg(ctx.argv[2]!);
  const stop = longArg(ctx.argv[3]!);
  const id = findList(ctx, ctx.argv[1]!);
  if (id < 0) return ctx.w.ok();
  const list = listForWrite(ctx, id);
  const [from, to] = clampRange(start, stop, list.length);
  list.trim(from, to);
  deleteIfEmpty(ctx, id, list);
  ctx.w.ok();
}

export const listCommands: CommandSpec[] = [
  {
    name: 'lpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Prepend one or multiple elements to a list',
    since: '1.0.0',
    group,
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    handler: lpush,
  },
  {
    name: 'rpush',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Append one or multiple elements to a list',
    since: '1.0.0',
    group,
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    handler: rpush,
  },
  {
    name: 'lpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Prepend an element to a list, only if the list exists',
    since: '2.2.0',
    group,
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    handler: lpushx,
  },
  {
    name: 'rpushx',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Append an element to a list, only if the list exists',
    since: '2.2.0',
    group,
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    handler: rpushx,
  },
  {
    name: 'lpop',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Remove and get the first elements in a list',
    since: '1.0.0',
    group,
    complexity: 'O(N) where N is the number of elements returned',
    handler: lpop,
  },
  {
    name: 'rpop',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['write', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Remove and get the last elements in a list',
    since: '1.0.0',
    group,
    complexity: 'O(N) where N is the number of elements returned',
    handler: rpop,
  },
  {
    name: 'lrange',
    arity: 4,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get a range of elements from a list',
    since: '1.0.0',
    group,
    complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    handler: lrange,
  },
  {
    name: 'lindex',
    arity: 3,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get an element from a list by its index',
    since: '1.0.0',
    group,
    complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).',
    handler: lindex,
  },
  {
    name: 'lset',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Set the value of an element in a list by its index',
    since: '1.0.0',
    group,
    complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).',
    handler: lset,
  },
  {
    name: 'linsert',
    arity: 5,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Insert an element before or after another element in a list',
    since: '2.2.0',
    group,
    complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
    handler: linsert,
  },
  {
    name: 'llen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'list', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the length of a list',
    since: '1.0.0',
    group,
    complexity: 'O(1)',
    handler: llen,
  },
  {
    name: 'lrem',
    arity: 4,
    flags: ['write'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Remove elements from a list',
    since: '1.0.0',
    group,
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
    handler: lrem,
  },
  {
    name: 'ltrim',
    arity: 4,
    flags: ['write'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Trim a list to the specified range',
    since: '1.0.0',
    group,
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
    handler: ltrim,
  },
  {
    name: 'lpos',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'list', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Return the index of matching elements on a list',
    since: '6.0.6',
    group,
    complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    handler: lpos,
  },
  {
    name: 'lmove',
    arity: 5,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 2, step: 1 },
    summary: 'Pop an element from a list, push it to another list and return it',
    since: '6.2.0',
    group,
    complexity: 'O(1)',
    handler: lmove,
  },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'list', 'slow'],
    keys: { first: 1, last: 2, step: 1 },
    summary: 'Remove the last element in a list, prepend it to another list and return it',
    since: '1.2.0',
    group,
    complexity: 'O(1)',
    handler: rpoplpush,
  },
  {
    name: 'lmpop',
    arity: -4,
    flags: ['write', 'movablekeys'],
    acl: ['write', 'list', 'slow'],
    summary: 'Pop elements from a list',
    since: '7.0.0',
    group,
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    getKeys: lmpopKeys,
    handler: lmpop,
  },
];
