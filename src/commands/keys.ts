// Generic key commands: existence, type, deletion, renaming and moving between databases,
// iteration (KEYS, SCAN, RANDOMKEY), introspection (OBJECT), expiry, and whole-database
// commands (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB).

import { Buffer } from 'node:buffer';
import {
  CommandError,
  COPY_DB_IN_CLUSTER,
  DB_INDEX_RANGE,
  EXPIRE_GT_AND_LT,
  EXPIRE_NX_XX_GT_LT,
  FREQ_WITHOUT_LFU,
  IDLETIME_UNDER_LFU,
  INT_RANGE,
  INVALID_CURSOR,
  INVALID_EXPIRE,
  MOVE_IN_CLUSTER,
  NO_SUCH_KEY,
  NOT_INTEGER,
  quoteArg,
  SAME_OBJECT,
  SWAPDB_FIRST_INDEX,
  SWAPDB_IN_CLUSTER,
  SWAPDB_SECOND_INDEX,
  SYNTAX,
  unsupportedOption,
} from '../errors.ts';
import type { Database } from '../store/database.ts';
import { freeEffort, LAZYFREE_THRESHOLD } from '../store/lazyfree.ts';
import { ENCODING_NAMES, Encoding, newByteRange, TYPE_NAMES } from '../store/types.ts';
import { stringMatch } from '../util/glob.ts';
import { INT64_MAX, INT64_MIN, NOT_A_NUMBER, parseInt64, parseSafeInt, toInt64, type Int64 } from '../util/numbers.ts';
import { Notify } from '../server/effects.ts';
import { isWord } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const range = newByteRange();

// ---- lookups and argument helpers ---------------------------------------------------------------

/** A read lookup that leaves the key's access time alone (EXISTS, TYPE, TTL, OBJECT), as Redis's LOOKUP_NOTOUCH. */
function findWithoutTouch(ctx: CommandContext, key: Uint8Array): number {
  const keyspace = ctx.keyspace;
  const touch = keyspace.touchKeys;
  keyspace.touchKeys = false;
  const id = ctx.db.findForRead(key);
  keyspace.touchKeys = touch;
  return id;
}

/** getIntFromObjectOrReply: an int32 argument; a caller's own error text replaces both of Redis's. */
function intArg(arg: Uint8Array, error?: string): number {
  const n = parseSafeInt(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(error ?? NOT_INTEGER);
  if (n > 0x7fffffff || n < -0x80000000) {
    throw new CommandError(error ?? INT_RANGE);
  }
  return n;
}

function databaseArg(ctx: CommandContext, arg: Uint8Array): Database {
  const db = ctx.keyspace.dbs[intArg(arg)];
  if (db === undefined) throw new CommandError(DB_INDEX_RANGE);
  return db;
}

function denyInCluster(ctx: CommandContext, message: string): void {
  if (ctx.server.config.bool('cluster-enabled')) throw new CommandError(message);
}

/**
 * Puts the value of `from`'s entry `id` under `key` in `to` with its TTL, replacing what was
 * there. A move deletes the source; a copy clones the value so the two never share state.
 */
function transfer(from: Database, id: number, to: Database, key: Uint8Array, copy: boolean): void {
  const value = from.exportValue(id, copy);
  const expireAt = from.expireAt(id);
  if (!copy) from.deleteId(id);
  const target = to.importValue(key, value);
  if (expireAt >= 0) to.setExpire(target, expireAt);
}

function writeKey(ctx: CommandContext, id: number): void {
  ctx.db.keyRange(id, range);
  ctx.w.bulkRange(range.buf, range.start, range.end);
}

function keyMatches(db: Database, id: number, pattern: Uint8Array): boolean {
  db.keyRange(id, range);
  return stringMatch(pattern, range.buf.subarray(range.start, range.end));
}

function isStar(pattern: Uint8Array): boolean {
  return pattern.length === 1 && pattern[0] === 0x2a;
}

// ---- propagated forms shared with the string commands ----------------------------------------

const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');
/** How Redis propagates every expiry set on an existing key, with the absolute time in ms. */
export const PEXPIREAT = Buffer.from('PEXPIREAT');

/**
 * Deletes `key` (entry `id`) as a user command's side effect (GETDEL; EXPIRE or GETEX to a time
 * already past): a "del" event, and the command propagates as DEL, or as UNLINK when the
 * lazyfree option Redis consults for that path is on.
 */
export function deleteAndPropagate(ctx: CommandContext, id: number, key: Buffer, lazyOption: 'lazyfree-lazy-expire' | 'lazyfree-lazy-user-del'): void {
  ctx.db.deleteId(id);
  ctx.notify(Notify.Generic, 'del', key);
  if (ctx.propagating) ctx.propagateAs([ctx.server.config.bool(lazyOption) ? UNLINK : DEL, key]);
}

/** An absolute expiry (exact int64 ms) as Redis writes it into PEXPIREAT and SET ... PXAT. */
export function expireTimeText(when: Int64): Buffer {
  return Buffer.from(String(when));
}

// ---- existence, type, deletion -------------------------------------------------------------------

/**
 * DEL, and UNLINK (`lazy`; DEL too under lazyfree-lazy-user-del). Either way a value leaves in
 * O(1) (see store/lazyfree.ts); a lazy delete of a big value counts in INFO lazyfreed_objects,
 * as Redis counts the values it hands to its background thread.
 */
function del(ctx: CommandContext, lazy: boolean): void {
  const { argv, db } = ctx;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const id = db.find(argv[i]!);
    if (id < 0) continue;
    if (lazy && freeEffort(db, id) > LAZYFREE_THRESHOLD) ctx.keyspace.lazyFree.countReleased(1);
    db.deleteId(id);
    ctx.notify(Notify.Generic, 'del', argv[i]!);
    deleted++;
  }
  ctx.w.int(deleted);
}

function exists(ctx: CommandContext): void {
  const argv = ctx.argv;
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (findWithoutTouch(ctx, argv[i]!) >= 0) found++;
  ctx.w.int(found);
}

/** TOUCH records an access even for a CLIENT NO-TOUCH caller: that is what it is for (Redis 7.2). */
function touch(ctx: CommandContext): void {
  const { argv, db, keyspace } = ctx;
  const touchKeys = keyspace.touchKeys;
  keyspace.touchKeys = true;
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (db.findForRead(argv[i]!) >= 0) found++;
  keyspace.touchKeys = touchKeys;
  ctx.w.int(found);
}

function type(ctx: CommandContext): void {
  const id = findWithoutTouch(ctx, ctx.argv[1]!);
  ctx.w.simple(id < 0 ? 'none' : TYPE_NAMES[ctx.db.typeOf(id)]);
}

// ---- renaming, copying, moving -------------------------------------------------------------------

function rename(ctx: CommandContext, nx: boolean): void {
  const { argv, db, w } = ctx;
  const source = argv[1]!;
  const destination = argv[2]!;
  const id = db.find(source);
  if (id < 0) throw new CommandError(NO_SUCH_KEY);
  if (source.equals(destination)) return nx ? w.int(0) : w.ok();
  if (nx && db.find(destination) >= 0) return w.int(0);
  transfer(db, id, db, destination, false);
  ctx.notify(Notify.Generic, 'rename_from', source);
  ctx.notify(Notify.Generic, 'rename_to', destination);
  if (nx) w.int(1);
  else w.ok();
}

function copy(ctx: CommandContext): void {
  const { argv, db } = ctx;
  let target = db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg, 'replace')) replace = true;
    else if (isWord(arg, 'db') && i + 1 < argv.length) target = databaseArg(ctx, argv[++i]!);
    else throw new CommandError(SYNTAX);
  }
  if (db !== ctx.keyspace.dbs[0] || target !== db) {
    denyInCluster(ctx, COPY_DB_IN_CLUSTER);
  }
  const source = argv[1]!;
  const destination = argv[2]!;
  if (target === db && source.equals(destination)) throw new CommandError(SAME_OBJECT);
  const id = db.findForRead(source);
  if (id < 0) return ctx.w.int(0);
  if (!replace && target.find(destination) >= 0) return ctx.w.int(0);
  transfer(db, id, target, destination, true);
  // The event belongs to the target database, which need not be the caller's.
  ctx.server.effects.notify(Notify.Generic, 'copy_to', target.index, destination);
  ctx.w.int(1);
}

function move(ctx: CommandContext): void {
  denyInCluster(ctx, MOVE_IN_CLUSTER);
  const { argv, db } = ctx;
  const target = databaseArg(ctx, argv[2]!);
  if (target === db) throw new CommandError(SAME_OBJECT);
  const key = argv[1]!;
  const id = db.find(key);
  if (id < 0 || target.find(key) >= 0) return ctx.w.int(0);
  transfer(db, id, target, key, false);
  ctx.notify(Notify.Generic, 'move_from', key);
  ctx.server.effects.notify(Notify.Generic, 'move_to', target.index, key);
  ctx.w.int(1);
}

// ---- iteration -----------------------------------------------------------------------------------

function keys(ctx: CommandContext): void {
  const { db, w } = ctx;
  const pattern = ctx.argv[1]!;
  const all = isStar(pattern);
  // Ids are collected first: the walk deletes expired keys, which must not happen mid-reply.
  const ids: number[] = [];
  db.forEach((id) => {
    if (all || keyMatches(db, id, pattern)) ids.push(id);
  });
  w.array(ids.length);
  for (const id of ids) writeKey(ctx, id);
}

const CURSOR_LIMIT = 18446744073709551615n;

/**
 * A SCAN-family cursor as Redis reads it with strtoul: decimal, an optional sign (a negative
 * cursor wraps around to a huge one), no spaces, and "" reads as 0.
 */
export function parseScanCursor(arg: Uint8Array): number {
  let i = arg[0] === 0x2b || arg[0] === 0x2d ? 1 : 0;
  const negative = arg[0] === 0x2d;
  if (arg.length > 0 && i === arg.length) throw new CommandError(INVALID_CURSOR);
  let value = 0;
  for (; i < arg.length; i++) {
    const digit = arg[i]! - 0x30;
    if (digit < 0 || digit > 9) throw new CommandError(INVALID_CURSOR);
    value = value * 10 + digit;
  }
  if (value > Number.MAX_SAFE_INTEGER) {
    const digits = Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1').replace(/^[+-]/, '');
    if (BigInt(digits) > CURSOR_LIMIT) throw new CommandError(INVALID_CURSOR);
    return Number.MAX_SAFE_INTEGER;
  }
  return negative && value !== 0 ? Number.MAX_SAFE_INTEGER : value;
}

function scan(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const cursor = parseScanCursor(argv[1]!);
  let count = 10;
  let pattern: Uint8Array | null = null;
  let typeName: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (i + 1 >= argv.length) throw new CommandError(SYNTAX);
    const value = argv[++i]!;
    if (isWord(arg, 'count')) {
      const n = parseInt64(value);
      if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      if (n < 1) throw new CommandError(SYNTAX);
      count = Number(n);
    } else if (isWord(arg, 'match')) {
      pattern = isStar(value) ? null : value;
    } else if (isWord(arg, 'type')) {
      typeName = value.toString('latin1').toLowerCase();
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const ids: number[] = [];
  const next = db.scan(cursor, count, (id) => {
    if (typeName !== null && TYPE_NAMES[db.typeOf(id)] !== typeName) return;
    if (pattern !== null && !keyMatches(db, id, pattern)) return;
    ids.push(id);
  });
  w.array(2);
  w.bulkString(String(next));
  w.array(ids.length);
  for (const id of ids) writeKey(ctx, id);
}

function randomKey(ctx: CommandContext): void {
  const id = ctx.db.randomId();
  if (id < 0) ctx.w.null();
  else writeKey(ctx, id);
}

// ---- OBJECT --------------------------------------------------------------------------------------

const LFU_POLICIES = new Set(['volatile-lfu', 'allkeys-lfu']);
const LRU_POLICIES = new Set(['volatile-lru', 'allkeys-lru']);
/** Redis shares one object for the integers 0..9999 and reports its refcount as INT_MAX. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;

/** OBJECT's lookup: no LRU update, and a null reply for a missing key. */
function objectLookup(ctx: CommandContext): number {
  const id = findWithoutTouch(ctx, ctx.argv[2]!);
  if (id < 0) ctx.w.null();
  return id;
}

function objectEncoding(ctx: CommandContext): void {
  const id = objectLookup(ctx);
  if (id >= 0) ctx.w.bulkString(ENCODING_NAMES[ctx.db.encodingOf(id)]);
}

function objectRefcount(ctx: CommandContext): void {
  const id = objectLookup(ctx);
  if (id >= 0) ctx.w.int(isSharedInteger(ctx, id) ? SHARED_REFCOUNT : 1);
}

/** Redis stores small integer strings as shared objects unless an LRU/LFU policy needs per-key clocks. */
function isSharedInteger(ctx: CommandContext, id: number): boolean {
  const { db, server } = ctx;
  if (db.encodingOf(id) !== Encoding.Int) return false;
  const policy = server.config.get('maxmemory-policy');
  if (server.config.number('maxmemory') !== 0 && (LRU_POLICIES.has(policy) || LFU_POLICIES.has(policy))) return false;
  db.stringRange(id, range);
  const value = parseInt64(range.buf, range.start, range.end);
  return typeof value === 'number' && value >= 0 && value < SHARED_INTEGERS;
}

function objectIdletime(ctx: CommandContext): void {
  const id = objectLookup(ctx);
  if (id < 0) return;
  if (ctx.keyspace.lfu) {
    throw new CommandError(IDLETIME_UNDER_LFU);
  }
  ctx.w.int(Math.floor(ctx.db.idleTime(id) / 1000));
}

function objectFreq(ctx: CommandContext): void {
  const id = objectLookup(ctx);
  if (id < 0) return;
  if (!ctx.keyspace.lfu) {
    throw new CommandError(FREQ_WITHOUT_LFU);
  }
  ctx.w.int(ctx.db.frequency(id));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

function objectHelp(ctx: CommandContext): void {
  ctx.w.array(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) ctx.w.simple(line);
}

// ---- expiry --------------------------------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

function expireFlags(argv: Buffer[]): number {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg, 'nx')) flags |= EXPIRE_NX;
    else if (isWord(arg, 'xx')) flags |= EXPIRE_XX;
    else if (isWord(arg, 'gt')) flags |= EXPIRE_GT;
    else if (isWord(arg, 'lt')) flags |= EXPIRE_LT;
    else throw new CommandError(unsupportedOption(quoteArg(arg)));
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new CommandError(EXPIRE_NX_XX_GT_LT);
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    throw new CommandError(EXPIRE_GT_AND_LT);
  }
  return flags;
}

/** The absolute expiry time in ms, exact, failing on int64 overflow exactly where Redis does. */
function expireTime(arg: Uint8Array, unitMs: number, baseMs: number, name: string): Int64 {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (typeof n === 'number') {
    const when = n * unitMs + baseMs;
    if (Number.isSafeInteger(when)) return when;
  }
  let when = BigInt(n);
  const unit = BigInt(unitMs);
  if (when > INT64_MAX / unit || when < INT64_MIN / unit) throw new CommandError(INVALID_EXPIRE(name));
  when *= unit;
  if (when > INT64_MAX - BigInt(baseMs)) throw new CommandError(INVALID_EXPIRE(name));
  return toInt64(when + BigInt(baseMs));
}

function expire(ctx: CommandContext, name: string, unitMs: number, absolute: boolean): void {
  const { argv, db, keyspace, w } = ctx;
  const flags = expireFlags(argv);
  const baseMs = absolute ? 0 : keyspace.now;
  const when = expireTime(argv[2]!, unitMs, baseMs, name);
  const key = argv[1]!;
  const id = db.find(key);
  if (id < 0) return w.int(0);
  if (flags !== 0) {
    const current = db.expireAt(id);
    // No TTL counts as an infinite one: never less than, always greater than any time.
    if (flags & EXPIRE_NX && current !== -1) return w.int(0);
    if (flags & EXPIRE_XX && current === -1) return w.int(0);
    if (flags & EXPIRE_GT && (current === -1 || when <= current)) return w.int(0);
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return w.int(0);
  }
  if (when <= keyspace.now) {
    deleteAndPropagate(ctx, id, key, 'lazyfree-lazy-expire');
    return w.int(1);
  }
  db.setExpire(id, when);
  w.int(1);
  ctx.notify(Notify.Generic, 'expire', key);
  // PEXPIREAT with the absolute time in ms, the NX/XX/GT/LT options kept; PEXPIREAT itself as received.
  if (ctx.propagating && !(absolute && unitMs === 1)) {
    ctx.propagateAs([PEXPIREAT, key, expireTimeText(when), ...argv.slice(3)]);
  }
}

function ttl(ctx: CommandContext, inMs: boolean, absolute: boolean): void {
  const id = findWithoutTouch(ctx, ctx.argv[1]!);
  if (id < 0) return ctx.w.int(-2);
  const at = ctx.db.expireAt(id);
  if (at === -1) return ctx.w.int(-1);
  if (typeof at === 'number') {
    const ms = Math.max(0, absolute ? at : at - ctx.keyspace.now);
    return ctx.w.int(inMs ? ms : Math.floor((ms + 500) / 1000));
  }
  // A time past 2^53 ms is in the far future: no clamping at 0, and integer rounding.
  const ms = absolute ? at : at - BigInt(ctx.keyspace.now);
  ctx.w.bigint(inMs ? ms : (ms + 500n) / 1000n);
}

function persist(ctx: CommandContext): void {
  const key = ctx.argv[1]!;
  const id = ctx.db.find(key);
  if (id < 0 || !ctx.db.clearExpire(id)) return ctx.w.int(0);
  ctx.notify(Notify.Generic, 'persist', key);
  ctx.w.int(1);
}

// ---- databases -----------------------------------------------------------------------------------

/**
 * FLUSHDB and FLUSHALL take an optional ASYNC or SYNC; without one, lazyfree-lazy-user-flush
 * decides. Whether the contents are freed lazily (the database empties at once either way).
 */
function lazyFlush(ctx: CommandContext): boolean {
  const argv = ctx.argv;
  if (argv.length === 1) return ctx.server.config.bool('lazyfree-lazy-user-flush');
  if (argv.length === 2 && isWord(argv[1]!, 'async')) return true;
  if (argv.length === 2 && isWord(argv[1]!, 'sync')) return false;
  throw new CommandError(SYNTAX);
}

function swapdb(ctx: CommandContext): void {
  denyInCluster(ctx, SWAPDB_IN_CLUSTER);
  const { argv, keyspace } = ctx;
  const a = intArg(argv[1]!, SWAPDB_FIRST_INDEX);
  const b = intArg(argv[2]!, SWAPDB_SECOND_INDEX);
  if (a < 0 || b < 0 || a >= keyspace.dbs.length || b >= keyspace.dbs.length) throw new CommandError(DB_INDEX_RANGE);
  keyspace.swap(a, b);
  // Redis counts a swap as a change even of a database with itself.
  ctx.forcePropagation();
  ctx.w.ok();
}

// ---- the table -----------------------------------------------------------------------------------

export const keyCommands: CommandSpec[] = [
  {
    name: 'del',
    handler: (ctx) => del(ctx, ctx.server.config.bool('lazyfree-lazy-user-del')),
  },
  {
    name: 'unlink',
    handler: (ctx) => del(ctx, true),
  },
  {
    name: 'exists',
    handler: exists,
  },
  {
    name: 'touch',
    handler: touch,
  },
  {
    name: 'type',
    handler: type,
  },
  {
    name: 'rename',
    handler: (ctx) => rename(ctx, false),
  },
  {
    name: 'renamenx',
    handler: (ctx) => rename(ctx, true),
  },
  {
    name: 'copy',
    handler: copy,
  },
  {
    name: 'move',
    handler: move,
  },
  {
    name: 'keys',
    handler: keys,
  },
  {
    name: 'scan',
    handler: scan,
  },
  {
    name: 'randomkey',
    handler: randomKey,
  },
  {
    name: 'object',
    subcommands: [
      { name: 'object|encoding', handler: objectEncoding },
      { name: 'object|freq', handler: objectFreq },
      { name: 'object|idletime', handler: objectIdletime },
      { name: 'object|refcount', handler: objectRefcount },
      {
        name: 'object|help',
        handler: objectHelp,
      },
    ],
  },
  { name: 'expire', handler: (ctx) => expire(ctx, 'expire', 1000, false) },
  { name: 'pexpire', handler: (ctx) => expire(ctx, 'pexpire', 1, false) },
  { name: 'expireat', handler: (ctx) => expire(ctx, 'expireat', 1000, true) },
  { name: 'pexpireat', handler: (ctx) => expire(ctx, 'pexpireat', 1, true) },
  { name: 'ttl', handler: (ctx) => ttl(ctx, false, false) },
  { name: 'pttl', handler: (ctx) => ttl(ctx, true, false) },
  { name: 'expiretime', handler: (ctx) => ttl(ctx, false, true) },
  { name: 'pexpiretime', handler: (ctx) => ttl(ctx, true, true) },
  {
    name: 'persist',
    handler: persist,
  },
  {
    name: 'dbsize',
    handler: (ctx) => ctx.w.int(ctx.db.size),
  },
  {
    name: 'flushdb',
    handler: (ctx) => {
      ctx.keyspace.flush(ctx.db, lazyFlush(ctx));
      // Propagated even when the database was empty already, as Redis forces it.
      ctx.forcePropagation();
      ctx.w.ok();
    },
  },
  {
    name: 'flushall',
    handler: (ctx) => {
      ctx.keyspace.flushAll(lazyFlush(ctx));
      ctx.forcePropagation();
      ctx.w.ok();
    },
  },
  {
    name: 'swapdb',
    handler: swapdb,
  },
];
