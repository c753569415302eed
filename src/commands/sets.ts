// Set commands (Redis 7.0's t_set.c). A set is an intset while every member is an integer and
// it holds at most set-max-intset-entries of them, then a hash table for good. Results built
// by SUNION/SDIFF and the STORE forms start as intsets too, so their encoding (and, for
// intsets, their sorted order) comes out as Redis's does.

import { CommandError, LONG_RANGE, MUST_BE_POSITIVE, NOT_INTEGER, NUMKEYS_POSITIVE, SYNTAX, WRONGTYPE } from '../errors.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { ValueType } from '../store/types.ts';
import { SetValue, STOP } from '../store/types/set.ts';
import { stringMatch } from '../util/glob.ts';
import { INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { checkRepeatCount, isWord, longArg } from './args.ts';
import { parseScanCursor } from './keys.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const group = 'set';

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

/** Adds members to the set under `key` (created if missing); returns how many were new. */
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
  return added;
}

/** Removes members from the set `id`, deleting the key once empty; returns how many went. */
function removeMembers(ctx: CommandContext, id: number, members: readonly Uint8Array[]): number {
  const set = readSet(ctx, id);
  let removed = 0;
  for (const member of members) {
    if (!set.has(member)) continue;
    if (removed === 0) ctx.db.objectForWrite(id);
    set.delete(member);
    removed++;
  }
  if (set.size === 0) ctx.db.deleteId(id);
  return removed;
}

/** Replaces `key` with `set`, or deletes it when the set is empty (Redis keeps no empty sets). */
function storeSet(ctx: CommandContext, key: Buffer, set: SetValue): number {
  if (set.size === 0) ctx.db.delete(key);
  else ctx.db.setObject(key, ValueType.Set, set.encoding, set);
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
  ctx.w.int(id < 0 ? 0 : removeMembers(ctx, id, ctx.argv.slice(2)));
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
  if (removeMembers(ctx, src, [member]) === 0) return w.int(0);
  addMembers(ctx, argv[2]!, [member]);
  w.int(1);
}

function spop(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  if (argv.length > 3) throw new CommandError(SYNTAX);
  if (argv.length === 2) {
    const id = findSet(ctx, argv[1]!);
    if (id < 0) return w.null();
    const member = readSet(ctx, id).random();
    removeMembers(ctx, id, [member]);
    return w.bulk(member);
  }
  const count = parseInt64(argv[2]!);
  if (count === NOT_A_NUMBER || count < 0) throw new CommandError(MUST_BE_POSITIVE);
  const id = findSet(ctx, argv[1]!);
  if (id < 0 || count === 0) return w.set(0);
  const set = readSet(ctx, id);
  if (count >= set.size) {
    replyMembers(w, set);
    db.deleteId(id);
    return;
  }
  const members = set.sample(Number(count));
  removeMembers(ctx, id, members);
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
  ctx.w.int(storeSet(ctx, ctx.argv[1]!, result));
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
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const sets = lookupSets(ctx, argv.slice(store ? 2 : 1));
    const result = unionOrDiff(ctx, sets, op);
    if (store) w.int(storeSet(ctx, argv[1]!, result));
    else replyMembers(w, result);
  };
}

const NUMKEYS_EXCEED_ARGS = "ERR Number of keys can't be greater than number of args";
const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

// ---- the table -----------------------------------------------------------------------------------

export interface SpecOptions {
  name: string;
  arity: number;
  write: boolean;
  fast?: boolean;
  denyoom?: boolean;
  /** Default: the key at argv[1]; null for commands whose keys only getKeys finds. */
  keys?: CommandSpec['keys'] | null;
  getKeys?: CommandSpec['getKeys'];
  summary: string;
  since: string;
  complexity: string;
  handler: (ctx: CommandContext) => void;
  flags?: CommandSpec['flags'];
  /** The command group and ACL category; default 'set'. */
  group?: string;
  category?: string;
}

export function spec(o: SpecOptions): CommandSpec {
  const flags: CommandSpec['flags'][number][] = [o.write ? 'write' : 'readonly'];
  if (o.denyoom) flags.push('denyoom');
  if (o.fast) flags.push('fast');
  if (o.flags) flags.push(...o.flags);
  return {
    name: o.name,
    arity: o.arity,
    flags,
    acl: [o.write ? 'write' : 'read', o.category ?? o.group ?? group, o.fast ? 'fast' : 'slow'],
    ...(o.keys === null ? {} : { keys: o.keys ?? { first: 1, last: 1, step: 1 } }),
    ...(o.getKeys ? { getKeys: o.getKeys } : {}),
    summary: o.summary,
    since: o.since,
    group: o.group ?? group,
    complexity: o.complexity,
    handler: o.handler,
  };
}

const ALL_KEYS = { first: 1, last: -1, step: 1 };

export const setCommands: CommandSpec[] = [
  spec({ name: 'sadd', arity: -3, write: true, denyoom: true, fast: true, summary: 'Add one or more members to a set', since: '1.0.0', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', handler: sadd }),
  spec({ name: 'srem', arity: -3, write: true, fast: true, summary: 'Remove one or more members from a set', since: '1.0.0', complexity: 'O(N) where N is the number of members to be removed.', handler: srem }),
  spec({ name: 'sismember', arity: 3, write: false, fast: true, summary: 'Determine if a given value is a member of a set', since: '1.0.0', complexity: 'O(1)', handler: sismember }),
  spec({ name: 'smismember', arity: -3, write: false, fast: true, summary: 'Returns the membership associated with the given elements for a set', since: '6.2.0', complexity: 'O(N) where N is the number of elements being checked for membership', handler: smismember }),
  spec({ name: 'scard', arity: 2, write: false, fast: true, summary: 'Get the number of members in a set', since: '1.0.0', complexity: 'O(1)', handler: scard }),
  spec({ name: 'smembers', arity: 2, write: false, summary: 'Get all the members in a set', since: '1.0.0', complexity: 'O(N) where N is the set cardinality.', handler: sinter }),
  spec({ name: 'smove', arity: 4, write: true, fast: true, keys: { first: 1, last: 2, step: 1 }, summary: 'Move a member from one set to another', since: '1.0.0', complexity: 'O(1)', handler: smove }),
  spec({ name: 'spop', arity: -2, write: true, fast: true, summary: 'Remove and return one or multiple random members from a set', since: '1.0.0', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', handler: spop }),
  spec({ name: 'srandmember', arity: -2, write: false, summary: 'Get one or multiple random members from a set', since: '1.0.0', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', handler: srandmember }),
  spec({ name: 'sinter', arity: -2, write: false, keys: ALL_KEYS, summary: 'Intersect multiple sets', since: '1.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: sinter }),
  spec({ name: 'sintercard', arity: -3, write: false, keys: null, flags: ['movablekeys'], getKeys: numkeysKeys(1), summary: 'Intersect multiple sets and return the cardinality of the result', since: '7.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: sintercard }),
  spec({ name: 'sinterstore', arity: -3, write: true, denyoom: true, keys: ALL_KEYS, summary: 'Intersect multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: sinterstore }),
  spec({ name: 'sunion', arity: -2, write: false, keys: ALL_KEYS, summary: 'Add multiple sets', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: unionOrDiffCommand(UNION, false) }),
  spec({ name: 'sunionstore', arity: -3, write: true, denyoom: true, keys: ALL_KEYS, summary: 'Add multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: unionOrDiffCommand(UNION, true) }),
  spec({ name: 'sdiff', arity: -2, write: false, keys: ALL_KEYS, summary: 'Subtract multiple sets', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: unionOrDiffCommand(DIFF, false) }),
  spec({ name: 'sdiffstore', arity: -3, write: true, denyoom: true, keys: ALL_KEYS, summary: 'Subtract multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: unionOrDiffCommand(DIFF, true) }),
  spec({ name: 'sscan', arity: -3, write: false, summary: 'Incrementally iterate Set elements', since: '2.8.0', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', handler: sscan }),
];

/** Key positions of a command whose argv[at] counts the keys that follow it. */
export function numkeysKeys(at: number, extra: number[] = []) {
  return (argv: readonly Buffer[]): number[] => {
    const n = parseInt64(argv[at]!);
    if (n === NOT_A_NUMBER || n < 1) return [];
    const keys = [...extra];
    for (let i = 0; i < Number(n) && at + 1 + i < argv.length; i++) keys.push(at + 1 + i);
    return keys;
  };
}
