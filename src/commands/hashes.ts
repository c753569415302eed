// Hash commands (Redis 7.0's t_hash.c, plus Redis 7.4's per-field expiry). Small hashes are
// listpacks; a hash converts to a hash table for good once it holds more than
// hash-max-listpack-entries fields or a field or value longer than hash-max-listpack-value bytes.
//
// A field past its expiry time is removed when its hash is next looked up (findHash), before
// any command sees it, and by the keyspace's active expire cycle; a hash whose last field
// expires is deleted. The store does both and reports them; effects.ts turns that into events
// and propagation.
//
// Effects follow Redis 7.0 (hset, hdel, hincrby, hincrbyfloat propagated as HSET) and, for
// field expiry, Redis 7.4: hexpire, hpersist and hexpired events; HEXPIRE and its kin
// propagate as HPEXPIREAT with an absolute time and the fields they set, and fields removed
// because their time has come (or was given in the past) propagate as HDEL key field.

import { Buffer } from 'node:buffer';
import { Notify } from '../server/effects.ts';
import {
  CommandError,
  HEXPIRE_NUMFIELDS_POSITIVE,
  FIELD_EXPIRE_NEGATIVE,
  HASH_FIELDS_ARGUMENT_MISSING,
  HASH_NOT_FLOAT,
  HASH_NOT_INTEGER,
  INCR_NAN_OR_INFINITY,
  INVALID_CURSOR,
  INVALID_EXPIRE,
  LONG_RANGE,
  NAN_OR_INFINITY,
  NOT_FLOAT,
  NOT_INTEGER,
  HASH_NUMFIELDS_MISMATCH,
  OVERFLOW,
  HASH_FIELD_COUNT_POSITIVE,
  SYNTAX,
  wrongArity,
  WRONGTYPE,
} from '../errors.ts';
import { Encoding, newByteRange, ValueType } from '../store/types.ts';
import { HashValue, type PairVisitor } from '../store/types/hash.ts';
import { entryBytes } from '../store/types/listpack.ts';
import { stringMatch } from '../util/glob.ts';
import { addLongDoubleText, NOT_FINITE } from '../util/longdouble.ts';
import { INT64_MAX, INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { checkPairedCount, checkRepeatCount, isWord, longArg } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const range = newByteRange();
const HSET = Buffer.from('HSET');
const HDEL = Buffer.from('HDEL');
const HPEXPIREAT = Buffer.from('HPEXPIREAT');

/**
 * The hash under `key`, or -1; WRONGTYPE for another type. Reads count hits and misses.
 * Fields past their time are removed here, so no command ever sees them.
 */
function findHash(ctx: CommandContext, key: Buffer, forRead = false): number {
  const { db } = ctx;
  const id = forRead ? db.findForRead(key) : db.find(key);
  if (id < 0) return id;
  if (db.typeOf(id) !== ValueType.Hash) throw new CommandError(WRONGTYPE);
  const hash = db.objectOf(id) as HashValue;
  if (!hash.expiresBy(db.keyspace.now)) return id;
  // The expiry propagates as HDELs of its own; the command itself only if it then writes
  // (see written), as in Redis, where removing expired fields leaves the command's dirty alone.
  ctx.preventPropagation();
  db.expireFields(id);
  return hash.size === 0 ? -1 : id;
}

/** The command changed the hash: it propagates, even after findHash removed expired fields. */
function written(ctx: CommandContext): void {
  ctx.forcePropagation();
}

function readHash(ctx: CommandContext, id: number): HashValue {
  return ctx.db.objectOf(id) as HashValue;
}

/** A hash about to be written, with its entry id; created empty when missing. */
function hashForWrite(ctx: CommandContext, key: Buffer): [number, HashValue] {
  const id = findHash(ctx, key);
  if (id >= 0) return [id, ctx.db.objectForWrite(id) as HashValue];
  const hash = new HashValue();
  return [ctx.db.setObject(key, ValueType.Hash, Encoding.Listpack, hash), hash];
}

/** hash-max-listpack-entries and -value, read once per command. */
interface Limits {
  entries: number;
  value: number;
}

function limits(ctx: CommandContext): Limits {
  const config = ctx.server.config;
  return { entries: config.number('hash-max-listpack-entries'), value: config.number('hash-max-listpack-value') };
}

/**
 * Sets a field, converting the hash to a table first or after when it outgrows the listpack.
 * The field's TTL goes unless `keepTtl` (HINCRBY and HINCRBYFLOAT keep it, HSET does not).
 */
function setField(
  ctx: CommandContext,
  limit: Limits,
  id: number,
  hash: HashValue,
  field: Uint8Array,
  value: Uint8Array,
  keepTtl = false,
): boolean {
  if (hash.encoding !== Encoding.Hashtable && (field.length > limit.value || value.length > limit.value)) convert(ctx, id, hash);
  const created = hash.set(field, value, keepTtl);
  if (hash.encoding !== Encoding.Hashtable && hash.size > limit.entries) convert(ctx, id, hash);
  return created;
}

function convert(ctx: CommandContext, id: number, hash: HashValue): void {
  hash.convert();
  ctx.db.setEncoding(id, Encoding.Hashtable);
}

// ---- writes ----------------------------------------------------------------------------------

function setPairs(ctx: CommandContext, name: string): number {
  const { argv } = ctx;
  if (argv.length % 2 !== 0) throw new CommandError(wrongArity(name));
  const [id, hash] = hashForWrite(ctx, argv[1]!);
  // A new hash filled in one command gets its listpack in one allocation.
  if (hash.size === 0 && argv.length > 4 && hash.encoding !== Encoding.Hashtable) {
    let bytes = 0;
    for (let i = 2; i < argv.length; i++) bytes += entryBytes(argv[i]!.length);
    hash.reserve(bytes);
  }
  const limit = limits(ctx);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (setField(ctx, limit, id, hash, argv[i]!, argv[i + 1]!)) created++;
  ctx.notify(Notify.Hash, 'hset', argv[1]!);
  written(ctx);
  return created;
}

const hset = (ctx: CommandContext) => ctx.w.int(setPairs(ctx, 'hset'));

function hmset(ctx: CommandContext): void {
  setPairs(ctx, 'hmset');
  ctx.w.ok();
}

function hsetnx(ctx: CommandContext): void {
  const { argv } = ctx;
  const id = findHash(ctx, argv[1]!);
  if (id >= 0 && readHash(ctx, id).has(argv[2]!)) return ctx.w.int(0);
  const [target, hash] = hashForWrite(ctx, argv[1]!);
  setField(ctx, limits(ctx), target, hash, argv[2]!, argv[3]!);
  ctx.notify(Notify.Hash, 'hset', argv[1]!);
  written(ctx);
  ctx.w.int(1);
}

function hdel(ctx: CommandContext): void {
  const { argv } = ctx;
  const key = argv[1]!;
  const id = findHash(ctx, key);
  if (id < 0) return ctx.w.int(0);
  const hash = readHash(ctx, id);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (!hash.has(argv[i]!)) continue;
    if (deleted === 0) ctx.db.objectForWrite(id);
    hash.delete(argv[i]!);
    deleted++;
  }
  if (deleted > 0) {
    ctx.notify(Notify.Hash, 'hdel', key);
    written(ctx);
    // Redis never keeps an empty hash.
    if (hash.size === 0) deleteHash(ctx, key, id);
  }
  ctx.w.int(deleted);
}

function deleteHash(ctx: CommandContext, key: Buffer, id: number): void {
  ctx.db.deleteId(id);
  ctx.notify(Notify.Generic, 'del', key);
}

function hincrby(ctx: CommandContext): void {
  const { argv } = ctx;
  const increment = parseInt64(argv[3]!);
  if (increment === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  const current = currentValue(ctx, (value) => {
    const n = parseInt64(value.buf, value.start, value.end);
    if (n === NOT_A_NUMBER) throw new CommandError(HASH_NOT_INTEGER);
    return n;
  }, 0);
  let result: number | bigint;
  const sum = Number(current) + Number(increment);
  if (typeof current === 'number' && typeof increment === 'number' && Number.isSafeInteger(sum)) {
    result = sum;
  } else {
    result = BigInt(current) + BigInt(increment);
    if (result > INT64_MAX || result < INT64_MIN) throw new CommandError(OVERFLOW);
  }
  storeNumber(ctx, String(result));
  ctx.notify(Notify.Hash, 'hincrby', argv[1]!);
  if (typeof result === 'bigint') ctx.w.bigint(result);
  else ctx.w.int(result);
}

function hincrbyfloat(ctx: CommandContext): void {
  const increment = ctx.argv[3]!;
  const alone = addLongDoubleText(null, increment);
  if (alone === NOT_A_NUMBER) throw new CommandError(NOT_FLOAT);
  if (alone === NOT_FINITE) throw new CommandError(NAN_OR_INFINITY);
  // The increment is valid, so a failed sum means the stored value is not a float.
  const text = currentValue(ctx, (value) => addLongDoubleText(value.buf.subarray(value.start, value.end), increment), alone);
  if (text === NOT_A_NUMBER) throw new CommandError(HASH_NOT_FLOAT);
  if (text === NOT_FINITE) throw new CommandError(INCR_NAN_OR_INFINITY);
  const value = storeNumber(ctx, text);
  ctx.notify(Notify.Hash, 'hincrbyfloat', ctx.argv[1]!);
  // Replicas get the result, so that float formatting can never make them differ.
  if (ctx.propagating) ctx.propagateAs([HSET, ctx.argv[1]!, ctx.argv[2]!, value]);
  ctx.w.bulkString(text);
}

/** The field's current value through `parse`, or `missing` when the key or field is absent. */
function currentValue<T>(ctx: CommandContext, parse: (value: typeof range) => T, missing: T): T {
  const id = findHash(ctx, ctx.argv[1]!);
  if (id < 0 || !readHash(ctx, id).get(ctx.argv[2]!, range)) return missing;
  return parse(range);
}

/** Stores HINCRBY's or HINCRBYFLOAT's result; returns the value stored. */
function storeNumber(ctx: CommandContext, text: string): Buffer {
  const [id, hash] = hashForWrite(ctx, ctx.argv[1]!);
  const value = Buffer.from(text, 'latin1');
  setField(ctx, limits(ctx), id, hash, ctx.argv[2]!, value, true);
  written(ctx);
  return value;
}

// ---- reads -------------------------------------------------------------------------------------

function hget(ctx: CommandContext): void {
  const id = findHash(ctx, ctx.argv[1]!, true);
  if (id < 0 || !readHash(ctx, id).get(ctx.argv[2]!, range)) return ctx.w.null();
  ctx.w.bulkRange(range.buf, range.start, range.end);
}

function hmget(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const id = findHash(ctx, argv[1]!, true);
  const hash = id < 0 ? null : readHash(ctx, id);
  w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    if (hash !== null && hash.get(argv[i]!, range)) w.bulkRange(range.buf, range.start, range.end);
    else w.null();
  }
}

function hexists(ctx: CommandContext): void {
  const id = findHash(ctx, ctx.argv[1]!, true);
  ctx.w.int(id >= 0 && readHash(ctx, id).has(ctx.argv[2]!) ? 1 : 0);
}

function hlen(ctx: CommandContext): void {
  const id = findHash(ctx, ctx.argv[1]!, true);
  ctx.w.int(id < 0 ? 0 : readHash(ctx, id).size);
}

function hstrlen(ctx: CommandContext): void {
  const id = findHash(ctx, ctx.argv[1]!, true);
  ctx.w.int(id >= 0 && readHash(ctx, id).get(ctx.argv[2]!, range) ? range.end - range.start : 0);
}

const FIELDS = 1;
const VALUES = 2;

/** HKEYS, HVALS and HGETALL: fields and/or values of every pair. */
function replyAll(ctx: CommandContext, what: number): void {
  const { w } = ctx;
  const id = findHash(ctx, ctx.argv[1]!, true);
  const hash = id < 0 ? null : readHash(ctx, id);
  const size = hash?.size ?? 0;
  if (what === (FIELDS | VALUES)) w.map(size);
  else w.array(size);
  hash?.forEach((f, fs, fe, v, vs, ve) => {
    if (what & FIELDS) w.bulkRange(f, fs, fe);
    if (what & VALUES) w.bulkRange(v, vs, ve);
  });
}

const hkeys = (ctx: CommandContext) => replyAll(ctx, FIELDS);
const hvals = (ctx: CommandContext) => replyAll(ctx, VALUES);
const hgetall = (ctx: CommandContext) => replyAll(ctx, FIELDS | VALUES);

function hrandfield(ctx: CommandContext): void {
  const { argv, w } = ctx;
  if (argv.length === 2) {
    const id = findHash(ctx, argv[1]!, true);
    if (id < 0) return w.null();
    readHash(ctx, id).random((f, fs, fe) => w.bulkRange(f, fs, fe));
    return;
  }
  const raw = parseInt64(argv[2]!);
  if (raw === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (raw === INT64_MIN) throw new CommandError(LONG_RANGE);
  const requested = Number(raw);
  const withValues = argv.length === 4;
  if (argv.length > 4 || (withValues && !isWord(argv[3]!, 'withvalues'))) throw new CommandError(SYNTAX);
  if (withValues) checkPairedCount(raw);
  const id = findHash(ctx, argv[1]!, true);
  if (id < 0 || requested === 0) return w.array(0);
  checkRepeatCount(requested);
  const hash = readHash(ctx, id);
  // A RESP3 client gets [field, value] pairs; a RESP2 client one flat array.
  const pairsAsArrays = withValues && w.resp === 3;
  const emit: PairVisitor = (f, fs, fe, v, vs, ve) => {
    if (pairsAsArrays) w.array(2);
    w.bulkRange(f, fs, fe);
    if (withValues) w.bulkRange(v, vs, ve);
  };
  const count = Math.abs(requested);
  const distinct = requested > 0;
  const n = distinct ? Math.min(count, hash.size) : count;
  w.array(withValues && !pairsAsArrays ? n * 2 : n);
  if (!distinct || count === 1) {
    for (let i = 0; i < n; i++) hash.random(emit);
  } else if (count >= hash.size) {
    hash.forEach(emit);
  } else {
    hash.sample(count, emit);
  }
}

function hscan(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const cursor = parseCursor(argv[2]!);
  const id = findHash(ctx, argv[1]!, true);
  if (id < 0) {
    w.array(2);
    w.bulkString('0');
    return w.array(0);
  }
  let count = 10;
  let pattern: Buffer | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw new CommandError(SYNTAX);
    if (isWord(argv[i]!, 'count')) {
      count = longArg(argv[i + 1]!);
      if (count < 1) throw new CommandError(SYNTAX);
    } else if (isWord(argv[i]!, 'match')) {
      const p = argv[i + 1]!;
      pattern = p.length === 1 && p[0] === 0x2a ? null : p;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const found: Uint8Array[] = [];
  const next = readHash(ctx, id).scan(cursor, count, (f, fs, fe, v, vs, ve) => {
    const field = f.subarray(fs, fe);
    if (pattern !== null && !stringMatch(pattern, field)) return;
    found.push(field, v.subarray(vs, ve));
  });
  w.array(2);
  w.bulkString(String(next));
  w.array(found.length);
  for (const bytes of found) w.bulk(bytes);
}

const ULONG_MAX = 2n ** 64n - 1n;

/** strtoul as Redis uses it for cursors: optional sign ("-1" wraps), digits, nothing after. */
function parseCursor(arg: Buffer): number {
  const text = arg.toString('latin1');
  const match = /^([+-]?)(\d*)$/.exec(text);
  if (match === null || (match[2] === '' && text !== '')) throw new CommandError(INVALID_CURSOR);
  if (match[2] === '') return 0;
  const n = BigInt(match[2]!);
  if (n > ULONG_MAX) throw new CommandError(INVALID_CURSOR);
  return Number(match[1] === '-' && n !== 0n ? ULONG_MAX + 1n - n : n);
}

// ---- per-field expiry (Redis 7.4) -----------------------------------------------------------

/** Redis keeps two bits of its 48-bit field expiry times spare (HFE_MAX_ABS_TIME_MSEC). */
const MAX_FIELD_EXPIRE_MS = 2 ** 46 - 1;

// Per-field reply codes.
const NO_FIELD = -2;
const NO_TTL = -1;
const NOT_MET = 0;
const DONE = 1;
const DELETED = 2;

/** Checks `FIELDS numfields field...` starting at `at`; returns the first field's index. */
function fieldsAt(argv: Buffer[], at: number, countError: string): number {
  if (!isWord(argv[at]!, 'fields')) throw new CommandError(HASH_FIELDS_ARGUMENT_MISSING);
  const n = parseInt64(argv[at + 1]!);
  if (n === NOT_A_NUMBER || n < 1) throw new CommandError(countError);
  if (Number(n) !== argv.length - at - 2) throw new CommandError(HASH_NUMFIELDS_MISMATCH);
  return at + 2;
}

/** Replies `code` for every field: a missing key is an empty hash. */
function replyEach(ctx: CommandContext, first: number, code: number): void {
  ctx.w.array(ctx.argv.length - first);
  for (let i = first; i < ctx.argv.length; i++) ctx.w.int(code);
}

const NX = 1;
const XX = 2;
const GT = 3;
const LT = 4;
const CONDITIONS: [string, number][] = [['nx', NX], ['xx', XX], ['gt', GT], ['lt', LT]];

/** HEXPIRE, HPEXPIRE, HEXPIREAT and HPEXPIREAT: times in `unitMs` units, from now or from the epoch. */
function hexpireGeneric(ctx: CommandContext, name: string, unitMs: number, relative: boolean): void {
  const { argv, db, w } = ctx;
  const id = findHash(ctx, argv[1]!);
  const raw = parseInt64(argv[2]!);
  if (raw === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (raw < 0) throw new CommandError(FIELD_EXPIRE_NEGATIVE);
  const now = ctx.keyspace.now;
  const base = relative ? now : 0;
  // Beyond 2^53 the value is a bigint, and far past the limit anyway.
  if (Number(raw) > MAX_FIELD_EXPIRE_MS / unitMs || Number(raw) * unitMs > MAX_FIELD_EXPIRE_MS - base) {
    throw new CommandError(INVALID_EXPIRE(name));
  }
  const at = Number(raw) * unitMs + base;
  let condition = 0;
  for (const [word, value] of CONDITIONS) if (isWord(argv[3]!, word)) condition = value;
  const first = fieldsAt(argv, condition === 0 ? 3 : 4, HEXPIRE_NUMFIELDS_POSITIVE);
  if (id < 0) return replyEach(ctx, first, NO_FIELD);
  const key = argv[1]!;
  const hash = readHash(ctx, id);
  hash.enableFieldTtls();
  db.setEncoding(id, hash.encoding);
  // The fields given a time, which alone the propagated HPEXPIREAT names.
  const updated: Buffer[] = [];
  let deleted = 0;
  w.array(argv.length - first);
  for (let i = first; i < argv.length; i++) {
    const field = argv[i]!;
    if (!hash.has(field)) {
      w.int(NO_FIELD);
      continue;
    }
    const previous = hash.fieldExpireAt(field);
    const met =
      previous < 0
        ? condition !== XX && condition !== GT
        : condition !== NX && !(condition === GT && previous >= at) && !(condition === LT && previous <= at);
    if (!met) {
      w.int(NOT_MET);
      continue;
    }
    if (updated.length + deleted === 0) db.objectForWrite(id);
    // A time already past deletes the field, as EXPIRE does a key.
    if (at <= now) {
      hash.delete(field);
      deleted++;
      ctx.alsoPropagate([HDEL, key, field]);
      w.int(DELETED);
    } else {
      hash.setFieldExpireAt(field, at);
      updated.push(field);
      w.int(DONE);
    }
  }
  if (updated.length + deleted > 0) ctx.notify(Notify.Hash, deleted > 0 ? 'hdel' : 'hexpire', key);
  if (hash.size === 0) deleteHash(ctx, key, id);
  propagateExpire(ctx, first, updated, at);
}

/**
 * HEXPIRE and its kin propagate as HPEXPIREAT key ms [condition] FIELDS n field..., naming only
 * the fields they gave a time (Redis 7.4's hexpireGenericCommand); nothing when there are none.
 */
function propagateExpire(ctx: CommandContext, first: number, updated: Buffer[], at: number): void {
  if (updated.length === 0) return ctx.preventPropagation();
  written(ctx);
  if (!ctx.propagating) return;
  const { argv } = ctx;
  const absolute = isWord(argv[0]!, 'hpexpireat');
  const numfields = updated.length === argv.length - first ? argv[first - 1]! : Buffer.from(String(updated.length));
  ctx.propagateAs([absolute ? argv[0]! : HPEXPIREAT, argv[1]!, absolute ? argv[2]! : Buffer.from(String(at)), ...argv.slice(3, first - 1), numfields, ...updated]);
}

const hexpire = (ctx: CommandContext) => hexpireGeneric(ctx, 'hexpire', 1000, true);
const hpexpire = (ctx: CommandContext) => hexpireGeneric(ctx, 'hpexpire', 1, true);
const hexpireat = (ctx: CommandContext) => hexpireGeneric(ctx, 'hexpireat', 1000, false);
const hpexpireat = (ctx: CommandContext) => hexpireGeneric(ctx, 'hpexpireat', 1, false);

/** HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME: times in `unitMs` units, relative to now or not. */
function httlGeneric(ctx: CommandContext, unitMs: number, relative: boolean): void {
  const { argv, w } = ctx;
  const id = findHash(ctx, argv[1]!, true);
  const first = fieldsAt(argv, 2, HASH_FIELD_COUNT_POSITIVE);
  if (id < 0) return replyEach(ctx, first, NO_FIELD);
  const hash = readHash(ctx, id);
  const base = relative ? ctx.keyspace.now : 0;
  w.array(argv.length - first);
  for (let i = first; i < argv.length; i++) {
    const field = argv[i]!;
    if (!hash.has(field)) {
      w.int(NO_FIELD);
      continue;
    }
    const at = hash.fieldExpireAt(field);
    // Seconds round up, as Redis's (ms + 999) / 1000.
    w.int(at < 0 ? NO_TTL : Math.floor((at - base + unitMs - 1) / unitMs));
  }
}

const httl = (ctx: CommandContext) => httlGeneric(ctx, 1000, true);
const hpttl = (ctx: CommandContext) => httlGeneric(ctx, 1, true);
const hexpiretime = (ctx: CommandContext) => httlGeneric(ctx, 1000, false);
const hpexpiretime = (ctx: CommandContext) => httlGeneric(ctx, 1, false);

function hpersist(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const id = findHash(ctx, argv[1]!);
  const first = fieldsAt(argv, 2, HASH_FIELD_COUNT_POSITIVE);
  if (id < 0) return replyEach(ctx, first, NO_FIELD);
  const hash = readHash(ctx, id);
  let changed = false;
  w.array(argv.length - first);
  for (let i = first; i < argv.length; i++) {
    const field = argv[i]!;
    if (!hash.has(field)) {
      w.int(NO_FIELD);
      continue;
    }
    if (hash.fieldExpireAt(field) < 0) {
      w.int(NO_TTL);
      continue;
    }
    if (!changed) db.objectForWrite(id);
    changed = true;
    hash.persistField(field);
    w.int(DONE);
  }
  if (!changed) return;
  ctx.notify(Notify.Hash, 'hpersist', argv[1]!);
  written(ctx);
}

export const hashCommands: CommandSpec[] = [
  {
    name: 'hset',
    handler: hset,
  },
  {
    name: 'hsetnx',
    handler: hsetnx,
  },
  {
    name: 'hget',
    handler: hget,
  },
  {
    name: 'hmget',
    handler: hmget,
  },
  {
    name: 'hmset',
    handler: hmset,
  },
  {
    name: 'hdel',
    handler: hdel,
  },
  {
    name: 'hexists',
    handler: hexists,
  },
  {
    name: 'hlen',
    handler: hlen,
  },
  {
    name: 'hstrlen',
    handler: hstrlen,
  },
  {
    name: 'hkeys',
    handler: hkeys,
  },
  {
    name: 'hvals',
    handler: hvals,
  },
  {
    name: 'hgetall',
    handler: hgetall,
  },
  {
    name: 'hincrby',
    handler: hincrby,
  },
  {
    name: 'hincrbyfloat',
    handler: hincrbyfloat,
  },
  {
    name: 'hrandfield',
    handler: hrandfield,
  },
  {
    name: 'hscan',
    handler: hscan,
  },
  {
    name: 'hexpire',
    handler: hexpire,
  },
  {
    name: 'hpexpire',
    handler: hpexpire,
  },
  {
    name: 'hexpireat',
    handler: hexpireat,
  },
  {
    name: 'hpexpireat',
    handler: hpexpireat,
  },
  {
    name: 'httl',
    handler: httl,
  },
  {
    name: 'hpttl',
    handler: hpttl,
  },
  {
    name: 'hexpiretime',
    handler: hexpiretime,
  },
  {
    name: 'hpexpiretime',
    handler: hpexpiretime,
  },
  {
    name: 'hpersist',
    handler: hpersist,
  },
];
