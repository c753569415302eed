// Hash commands (Redis 7.0's t_hash.c, without per-field expiry). Small hashes are listpacks;
// a hash converts to a hash table for good once it holds more than hash-max-listpack-entries
// fields or a field or value longer than hash-max-listpack-value bytes.

import {
  CommandError,
  HASH_NOT_FLOAT,
  HASH_NOT_INTEGER,
  INCR_NAN_OR_INFINITY,
  INVALID_CURSOR,
  LONG_RANGE,
  NAN_OR_INFINITY,
  NOT_FLOAT,
  NOT_INTEGER,
  OVERFLOW,
  SYNTAX,
  VALUE_OUT_OF_RANGE,
  WRONGTYPE,
  wrongArity,
} from '../errors.ts';
import { Encoding, newByteRange, ValueType } from '../store/types.ts';
import { HashValue, type PairVisitor } from '../store/types/hash.ts';
import { entryBytes } from '../store/types/listpack.ts';
import { stringMatch } from '../util/glob.ts';
import { addLongDoubleText, NOT_FINITE } from '../util/longdouble.ts';
import { INT64_MAX, INT64_MIN, NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { isWord, longArg } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const group = 'hash';
const range = newByteRange();

/** The hash under `key`, or -1; WRONGTYPE for another type. Reads count hits and misses. */
function findHash(ctx: CommandContext, key: Buffer, forRead = false): number {
  const id = forRead ? ctx.db.findForRead(key) : ctx.db.find(key);
  if (id >= 0 && ctx.db.typeOf(id) !== ValueType.Hash) throw new CommandError(WRONGTYPE);
  return id;
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

/** Sets a field, converting the hash to a table first or after when it outgrows the listpack. */
function setField(ctx: CommandContext, limit: Limits, id: number, hash: HashValue, field: Uint8Array, value: Uint8Array): boolean {
  if (hash.encoding === Encoding.Listpack && (field.length > limit.value || value.length > limit.value)) convert(ctx, id, hash);
  const created = hash.set(field, value);
  if (hash.encoding === Encoding.Listpack && hash.size > limit.entries) convert(ctx, id, hash);
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
  if (hash.size === 0 && argv.length > 4 && hash.encoding === Encoding.Listpack) {
    let bytes = 0;
    for (let i = 2; i < argv.length; i++) bytes += entryBytes(argv[i]!.length);
    hash.reserve(bytes);
  }
  const limit = limits(ctx);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (setField(ctx, limit, id, hash, argv[i]!, argv[i + 1]!)) created++;
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
  ctx.w.int(1);
}

function hdel(ctx: CommandContext): void {
  const { argv } = ctx;
  const id = findHash(ctx, argv[1]!);
  if (id < 0) return ctx.w.int(0);
  const hash = readHash(ctx, id);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (!hash.has(argv[i]!)) continue;
    if (deleted === 0) ctx.db.objectForWrite(id);
    hash.delete(argv[i]!);
    deleted++;
  }
  // Redis never keeps an empty hash.
  if (hash.size === 0) ctx.db.deleteId(id);
  ctx.w.int(deleted);
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
  storeNumber(ctx, text);
  ctx.w.bulkString(text);
}

/** The field's current value through `parse`, or `missing` when the key or field is absent. */
function currentValue<T>(ctx: CommandContext, parse: (value: typeof range) => T, missing: T): T {
  const id = findHash(ctx, ctx.argv[1]!);
  if (id < 0 || !readHash(ctx, id).get(ctx.argv[2]!, range)) return missing;
  return parse(range);
}

function storeNumber(ctx: CommandContext, text: string): void {
  const [id, hash] = hashForWrite(ctx, ctx.argv[1]!);
  setField(ctx, limits(ctx), id, hash, ctx.argv[2]!, Buffer.from(text, 'latin1'));
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
  // Redis doubles the count for the reply's length, so it caps it at half the long range.
  if (withValues && Math.abs(requested) > Number(INT64_MAX / 2n)) throw new CommandError(VALUE_OUT_OF_RANGE);
  const id = findHash(ctx, argv[1]!, true);
  if (id < 0 || requested === 0) return w.array(0);
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

export const hashCommands: CommandSpec[] = [
  {
    name: 'hset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Set the string value of a hash field',
    since: '2.0.0',
    group,
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    handler: hset,
  },
  {
    name: 'hsetnx',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Set the value of a hash field, only if the field does not exist',
    since: '2.0.0',
    group,
    complexity: 'O(1)',
    handler: hsetnx,
  },
  {
    name: 'hget',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the value of a hash field',
    since: '2.0.0',
    group,
    complexity: 'O(1)',
    handler: hget,
  },
  {
    name: 'hmget',
    arity: -3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the values of all the given hash fields',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the number of fields being requested.',
    handler: hmget,
  },
  {
    name: 'hmset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Set multiple hash fields to multiple values',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the number of fields being set.',
    handler: hmset,
  },
  {
    name: 'hdel',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Delete one or more hash fields',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the number of fields to be removed.',
    handler: hdel,
  },
  {
    name: 'hexists',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Determine if a hash field exists',
    since: '2.0.0',
    group,
    complexity: 'O(1)',
    handler: hexists,
  },
  {
    name: 'hlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the number of fields in a hash',
    since: '2.0.0',
    group,
    complexity: 'O(1)',
    handler: hlen,
  },
  {
    name: 'hstrlen',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['read', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the length of the value of a hash field',
    since: '3.2.0',
    group,
    complexity: 'O(1)',
    handler: hstrlen,
  },
  {
    name: 'hkeys',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get all the fields in a hash',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the size of the hash.',
    handler: hkeys,
  },
  {
    name: 'hvals',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get all the values in a hash',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the size of the hash.',
    handler: hvals,
  },
  {
    name: 'hgetall',
    arity: 2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get all the fields and values in a hash',
    since: '2.0.0',
    group,
    complexity: 'O(N) where N is the size of the hash.',
    handler: hgetall,
  },
  {
    name: 'hincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Increment the integer value of a hash field by the given number',
    since: '2.0.0',
    group,
    complexity: 'O(1)',
    handler: hincrby,
  },
  {
    name: 'hincrbyfloat',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['write', 'hash', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Increment the float value of a hash field by the given amount',
    since: '2.6.0',
    group,
    complexity: 'O(1)',
    handler: hincrbyfloat,
  },
  {
    name: 'hrandfield',
    arity: -2,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get one or multiple random fields from a hash',
    since: '6.2.0',
    group,
    complexity: 'O(N) where N is the number of fields returned',
    handler: hrandfield,
  },
  {
    name: 'hscan',
    arity: -3,
    flags: ['readonly'],
    acl: ['read', 'hash', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Incrementally iterate hash fields and associated values',
    since: '2.8.0',
    group,
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    handler: hscan,
  },
];
