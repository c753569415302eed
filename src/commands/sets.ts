// Set commands (Redis 7.0's t_set.c). A set is an intset while every member is an integer and
// it holds at most set-max-intset-entries of them, then a hash table for good. Results built
// by SUNION/SDIFF and the STORE forms start as intsets too, so their encoding (and, for
// intsets, their sorted order) comes out as Redis's does.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  LIMIT_NEGATIVE,
  LONG_RANGE,
  MUST_BE_POSITIVE,
  NOT_INTEGER,
  NUMKEYS_EXCEED_ARGS,
  NUMKEYS_POSITIVE,
  SYNTAX,
  WRONGTYPE,
} from '../errors.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { Notify } from '../server/effects.ts';
import { ValueType } from '../store/types.ts';
import { SetValue, STOP } from '../store/types/set.ts';
import { stringMatch } from '../util/glob.ts';
import { INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { checkRepeatCount, isWord, longArg } from './args.ts';
import { parseScanCursor } from './keys.ts';
import { numkeysKeys } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';


/** The set under `key`, or -1; WRONGTYPE for another type. Reads count hits and misses. */
function findSet(ctx: CommandContext, key: Buffer, forRead = false): number {
  const id = forRead ? ctx.db.findForRead(key) : ctx.db.find(key);
  if (id >= 0 && ctx.db.typeOf(id) !== ValueType.Set) throw new CommandError(WRONGTYPE);
  return id;
}

function readSet(ctx: CommandContext, id: number): SetValue {
  return ctx.db.objectOf(id) as SetValue;
}

function maxIntset(ctx: CommandContext): number {
  return ctx.server.config.number('set-max-intset-entries');
}

/** Adds members to the set under `key` (created if missing), raising "sadd" if any was new; returns how many were. */
function addMembers(ctx: CommandContext, key: Buffer, members: readonly Uint8Array[]): number {
  const { db } = ctx;
  const max = maxIntset(ctx);
  let id = findSet(ctx, key);
  let set: SetValue;
  if (id < 0) {
    set = SetValue.for(members[0]!, max);
    id = db.setObject(key, ValueType.Set, set.encoding, set);
  } else {
    set = readSet(ctx, id);
  }
  const encoding = set.encoding;
  let added = 0;
  for (const member of members) {
    if (set.has(member)) continue;
    // Touch the key only when it really changes, so a no-op SADD leaves WATCH alone.
    if (added === 0) db.objectForWrite(id);
    set.add(member, max);
    added++;
  }
  if (set.encoding !== encoding) db.setEncoding(id, set.encoding);
  if (added > 0) ctx.notify(Notify.Set, 'sadd', key);
  return added;
}

/**
 * Removes members from the set `id` under `key`, deleting the key once empty; raises `event`
 * (srem, spop) and then "del" as Redis does when anything went. Returns how many went.
 */
function removeMembers(ctx: CommandContext, key: Buffer, id: number, members: readonly Uint8Array[], event: string): number {
  const set = readSet(ctx, id);
  let removed = 0;
  for (const member of members) {
    if (!set.has(member)) continue;
    if (removed === 0) ctx.db.objectForWrite(id);
    set.delete(member);
    removed++;
  }
  if (removed === 0) return 0;
  ctx.notify(Notify.Set, event, key);
  if (set.size === 0) deleteEmptied(ctx, key, id);
  return removed;
}

function deleteEmptied(ctx: CommandContext, key: Buffer, id: number): void {
  ctx.db.deleteId(id);
  ctx.notify(Notify.Generic, 'del', key);
}

/**
 * Replaces `key` with `set` and raises `event`, or deletes it when the set is empty (Redis
 * keeps no empty sets) and raises "del" if there was one.
 */
function storeSet(ctx: CommandContext, key: Buffer, set: SetValue, event: string): number {
  if (set.size === 0) {
    if (ctx.db.delete(key)) ctx.notify(Notify.Generic, 'del', key);
  } else {
    ctx.db.setObject(key, ValueType.Set, set.encoding, set);
    ctx.notify(Notify.Set, event, key);
  }
  return set.size;
}

function replyMembers(w: ReplyWriter, set: SetValue): void {
  w.set(set.size);
  set.forEach((m) => w.bulk(m));
}

// ---- single-set commands ------------------------------------------------------------------------

const sadd = (ctx: CommandContext) => ctx.w.int(addMembers(ctx, ctx.argv[1]!, ctx.argv.slice(2)));

function srem(ctx: CommandContext): void {
  const id = findSet(ctx, ctx.argv[1]!);
  ctx.w.int(id < 0 ? 0 : removeMembers(ctx, ctx.argv[1]!, id, ctx.argv.slice(2), 'srem'));
}

function sismember(ctx: CommandContext): void {
  const id = findSet(ctx, ctx.argv[1]!, true);
  ctx.w.int(id >= 0 && readSet(ctx, id).has(ctx.argv[2]!) ? 1 : 0);
}

function smismember(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const id = findSet(ctx, argv[1]!, true);
  const set = id < 0 ? null : readSet(ctx, id);
  w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) w.int(set !== null && set.has(argv[i]!) ? 1 : 0);
}

function scard(ctx: CommandContext): void {
  const id = findSet(ctx, ctx.argv[1]!, true);
  ctx.w.int(id < 0 ? 0 : readSet(ctx, id).size);
}

function smove(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const member = argv[3]!;
  const src = findSet(ctx, argv[1]!);
  // A missing source answers 0 before the destination's type is looked at.
  if (src < 0) return w.int(0);
  const dst = findSet(ctx, argv[2]!);
  // Moving to the same set is a no-op that still tells whether the member is there.
  if (src === dst) return w.int(readSet(ctx, src).has(member) ? 1 : 0);
  if (removeMembers(ctx, argv[1]!, src, [member], 'srem') === 0) return w.int(0);
  addMembers(ctx, argv[2]!, [member]);
  w.int(1);
}

const SREM = Buffer.from('SREM');
const DEL = Buffer.from('DEL');

// A replica must remove the very members this server picked, so SPOP propagates as what it
// did: SREM of the member, one SREM per member for a count (wrapped in MULTI/EXEC as Redis
// 7.0's spopWithCountCommand does), or DEL when the count takes the whole set.
function spop(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const key = argv[1]!;
  if (argv.length > 3) throw new CommandError(SYNTAX);
  if (argv.length === 2) {
    const id = findSet(ctx, key);
    if (id < 0) return w.null();
    const member = readSet(ctx, id).random();
    removeMembers(ctx, key, id, [member], 'spop');
    if (ctx.propagating) ctx.propagateAs([SREM, key, member]);
    return w.bulk(member);
  }
  const count = parseInt64(argv[2]!);
  if (count === NOT_A_NUMBER || count < 0) throw new CommandError(MUST_BE_POSITIVE);
  const id = findSet(ctx, key);
  if (id < 0 || count === 0) return w.set(0);
  const set = readSet(ctx, id);
  if (count >= set.size) {
    ctx.notify(Notify.Set, 'spop', key);
    replyMembers(w, set);
    deleteEmptied(ctx, key, id);
    if (ctx.propagating) ctx.propagateAs([DEL, key]);
    return;
  }
  const members = set.sample(Number(count));
  removeMembers(ctx, key, id, members, 'spop');
  if (ctx.propagating) {
    for (const m of members) ctx.alsoPropagate([SREM, key, m]);
    ctx.preventPropagation();
  }
  w.set(members.length);
  for (const m of members) w.bulk(m);
}

function srandmember(ctx: CommandContext): void {
  const { argv, w } = ctx;
  if (argv.length > 3) throw new CommandError(SYNTAX);
  if (argv.length === 2) {
    const id = findSet(ctx, argv[1]!, true);
    if (id < 0) return w.null();
    return w.bulk(readSet(ctx, id).random());
  }
  const raw = parseInt64(argv[2]!);
  if (raw === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (raw === INT64_MIN) throw new CommandError(LONG_RANGE);
  const requested = Number(raw);
  const id = findSet(ctx, argv[1]!, true);
  if (id < 0 || requested === 0) return w.array(0);
  checkRepeatCount(requested);
  const set = readSet(ctx, id);
  if (requested < 0) {
    // Negative counts may repeat members: each pick is independent.
    w.array(-requested);
    for (let i = 0; i < -requested; i++) w.bulk(set.random());
    return;
  }
  if (requested >= set.size) {
    w.array(set.size);
    set.forEach((m) => w.bulk(m));
    return;
  }
  const members = set.sample(requested);
  w.array(members.length);
  for (const m of members) w.bulk(m);
}

// ---- SSCAN (its option parsing and reply are shared with ZSCAN) ----------------------------------

export interface ScanOptions {
  count: number;
  /** null matches everything. */
  pattern: Uint8Array | null;
}

/** COUNT and MATCH options of a collection SCAN, from argv[from] on. */
export function scanOptions(argv: readonly Buffer[], from: number): ScanOptions {
  const options: ScanOptions = { count: 10, pattern: null };
  for (let i = from; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw new CommandError(SYNTAX);
    const value = argv[i + 1]!;
    if (isWord(argv[i]!, 'count')) {
      options.count = longArg(value);
      if (options.count < 1) throw new CommandError(SYNTAX);
    } else if (isWord(argv[i]!, 'match')) {
      options.pattern = value.length === 1 && value[0] === 0x2a ? null : value;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return options;
}

export function replyScan(w: ReplyWriter, cursor: number, items: readonly Uint8Array[]): void {
  w.array(2);
  w.bulkString(String(cursor));
  w.array(items.length);
  for (const item of items) w.bulk(item);
}

function sscan(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const cursor = parseScanCursor(argv[2]!);
  const id = findSet(ctx, argv[1]!, true);
  if (id < 0) return replyScan(w, 0, []);
  const { count, pattern } = scanOptions(argv, 3);
  const found: Uint8Array[] = [];
  const next = readSet(ctx, id).scan(cursor, count, (m) => {
    if (pattern === null || stringMatch(pattern, m)) found.push(m);
  });
  replyScan(w, next, found);
}

// ---- multi-set algebra ---------------------------------------------------------------------------

/** The sets under `keys` (null for missing ones); WRONGTYPE if any key holds another type. */
function lookupSets(ctx: CommandContext, keys: readonly Buffer[]): (SetValue | null)[] {
  return keys.map((key) => {
    const id = findSet(ctx, key, true);
    return id < 0 ? null : readSet(ctx, id);
  });
}

/**
 * Visits the intersection's members, smallest set first so the work is bounded by it, and
 * stops once `limit` were visited (0 = no limit).
 */
function intersect(sets: readonly (SetValue | null)[], limit: number, visit: (member: Uint8Array) => void): void {
  if (sets.some((s) => s === null || s.size === 0)) return;
  const [smallest, ...others] = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  let found = 0;
  smallest!.forEach((m) => {
    for (const other of others) if (!other.has(m)) return;
    visit(m);
    if (++found === limit) return STOP;
  });
}

const UNION = 0;
const DIFF = 1;

/** SUNION/SDIFF's result, built as Redis builds it (an intset until a member says otherwise). */
function unionOrDiff(ctx: CommandContext, sets: readonly (SetValue | null)[], op: number): SetValue {
  const max = maxIntset(ctx);
  const result = new SetValue();
  if (op === UNION) {
    for (const set of sets) {
      set?.forEach((m) => {
        result.add(m, max);
      });
    }
    return result;
  }
  const [first, ...others] = sets;
  first?.forEach((m) => {
    for (const other of others) if (other !== null && other.has(m)) return;
    result.add(m, max);
  });
  return result;
}

function sinter(ctx: CommandContext): void {
  const { w } = ctx;
  const sets = lookupSets(ctx, ctx.argv.slice(1));
  const mark = w.deferLength();
  let n = 0;
  intersect(sets, 0, (m) => {
    w.bulk(m);
    n++;
  });
  w.setDeferredLength(mark, n, 'set');
}

function sinterstore(ctx: CommandContext): void {
  const sets = lookupSets(ctx, ctx.argv.slice(2));
  const max = maxIntset(ctx);
  const result = new SetValue();
  intersect(sets, 0, (m) => result.add(m, max));
  ctx.w.int(storeSet(ctx, ctx.argv[1]!, result, 'sinterstore'));
}

function sintercard(ctx: CommandContext): void {
  const { argv } = ctx;
  const numkeys = parseInt64(argv[1]!);
  if (numkeys === NOT_A_NUMBER || numkeys < 1) throw new CommandError(NUMKEYS_POSITIVE);
  if (numkeys > argv.length - 2) throw new CommandError(NUMKEYS_EXCEED_ARGS);
  const limit = cardLimit(argv, 2 + Number(numkeys));
  const sets = lookupSets(ctx, argv.slice(2, 2 + Number(numkeys)));
  let n = 0;
  intersect(sets, limit, () => n++);
  ctx.w.int(n);
}

/** The LIMIT option of SINTERCARD/ZINTERCARD, after the keys; 0 means none. */
export function cardLimit(argv: readonly Buffer[], from: number): number {
  let limit = 0;
  for (let i = from; i < argv.length; i++) {
    if (isWord(argv[i]!, 'limit') && i + 1 < argv.length) {
      const n = parseInt64(argv[++i]!);
      if (n === NOT_A_NUMBER || n < 0) throw new CommandError(LIMIT_NEGATIVE);
      limit = Number(n);
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return limit;
}

function unionOrDiffCommand(op: number, store: boolean) {
  const event = op === UNION ? 'sunionstore' : 'sdiffstore';
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const sets = lookupSets(ctx, argv.slice(store ? 2 : 1));
    const result = unionOrDiff(ctx, sets, op);
    if (store) w.int(storeSet(ctx, argv[1]!, result, event));
    else replyMembers(w, result);
  };
}


// ---- the table -----------------------------------------------------------------------------------

/** Commands with a key count before their keys (Redis's sintercardGetKeys, zunionInterDiffGetKeys...). */
export const NUMKEYS_KEYS = numkeysKeys(1, 2);

export const setCommands: CommandSpec[] = [
  { name: 'sadd', handler: sadd },
  { name: 'srem', handler: srem },
  { name: 'sismember', handler: sismember },
  { name: 'smismember', handler: smismember },
  { name: 'scard', handler: scard },
  { name: 'smembers', handler: sinter },
  { name: 'smove', handler: smove },
  { name: 'spop', handler: spop },
  { name: 'srandmember', handler: srandmember },
  { name: 'sinter', handler: sinter },
  { name: 'sintercard', getKeys: NUMKEYS_KEYS, handler: sintercard },
  { name: 'sinterstore', handler: sinterstore },
  { name: 'sunion', handler: unionOrDiffCommand(UNION, false) },
  { name: 'sunionstore', handler: unionOrDiffCommand(UNION, true) },
  { name: 'sdiff', handler: unionOrDiffCommand(DIFF, false) },
  { name: 'sdiffstore', handler: unionOrDiffCommand(DIFF, true) },
  { name: 'sscan', handler: sscan },
];
