// Stream commands (Redis 7.0's t_stream.c): XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID,
// XREAD and XREADGROUP (blocking through the server's registry), XGROUP, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM, XINFO. The data lives in src/store/types/stream.ts.
//
// Propagation follows Redis 7.0: XADD sends the ID it generated (for `*` and `ms-*`), XADD and
// XTRIM with `~` send the exact trim that happened (`MAXLEN = <length>`, `MINID = <first ID>`),
// and the group commands that deliver or claim (XREADGROUP, XCLAIM, XAUTOCLAIM) never send
// themselves but an idempotent XCLAIM ... FORCE JUSTID per entry, and XGROUP SETID when only
// the group's last ID moved.

import { Buffer } from 'node:buffer';
import {
  BLOCKED_GROUP_GONE,
  BLOCKED_STREAM_GONE,
  BUSYGROUP,
  CommandError,
  ENTRIES_ADDED_NEGATIVE,
  ENTRIESREAD_RANGE,
  INVALID_END_ID,
  INVALID_START_ID,
  STREAM_LIMIT_NEGATIVE,
  LIMIT_WITHOUT_APPROX,
  LIMIT_WITHOUT_STRATEGY,
  MAXLEN_AND_MINID,
  MAXLEN_NEGATIVE,
  NO_SUCH_KEY,
  noKeyOrGroup,
  noSuchGroup,
  quoteArg,
  STREAM_EXHAUSTED,
  STREAM_INVALID_ID,
  SYNTAX,
  TIMEOUT_NEGATIVE,
  TIMEOUT_NOT_INTEGER,
  unknownSubcommandOrArity,
  wrongArity,
  XADD_ID_TOO_SMALL,
  XADD_ID_ZERO,
  XAUTOCLAIM_COUNT,
  xclaimInvalid,
  xclaimUnknownOption,
  XGROUP_NEEDS_KEY,
  XREAD_GREATER_ID,
  XREAD_GROUP_OPTION,
  XREAD_NOACK_OPTION,
  XREAD_UNBALANCED,
  XREADGROUP_DOLLAR,
  XREADGROUP_MISSING_GROUP,
  xreadNoGroup,
  XSETID_BELOW_GIVEN_MAX_DELETED,
  XSETID_ENTRIES_ADDED_SMALL,
  XSETID_TOO_SMALL,
  XTRIM_WITHOUT_STRATEGY,
  WRONGTYPE,
} from '../errors.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { Notify } from '../server/effects.ts';
import type { Database } from '../store/database.ts';
import { Encoding, ValueType } from '../store/types.ts';
import {
  ENTRIES_READ_UNKNOWN,
  findPending,
  formatId,
  lowerBound,
  makeId,
  MAX_ID,
  StreamValue,
  TRIM_MAXLEN,
  TRIM_MINID,
  type Consumer,
  type ConsumerGroup,
  type EntryVisitor,
  type PendingEntry,
  type TrimOptions,
} from '../store/types/stream.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { isWord, longArg } from './args.ts';
import { isCWord, type KeyResult } from './keyspec.ts';
import { helpReply } from './server/help.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const U64_MAX = (1n << 64n) - 1n;
/** What a blocked XREAD without COUNT gets at most when served (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;
/** XAUTOCLAIM scans this many PEL entries per entry it may claim. */
const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
const LONG_MAX = 9223372036854775807n;

// ---- IDs -------------------------------------------------------------------------------------

const SPACES = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/**
 * An unsigned 64-bit part of an ID as Redis's string2ull reads it: a canonical non-negative
 * integer, or what strtoull accepts (leading spaces, a sign, leading zeros; a minus wraps).
 */
function parseU64(bytes: Uint8Array, start: number, end: number): bigint | null {
  const exact = parseInt64(bytes, start, end);
  if (exact !== NOT_A_NUMBER) return exact < 0 ? null : BigInt(exact);
  let i = start;
  while (i < end && SPACES.has(bytes[i]!)) i++;
  let negative = false;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) negative = bytes[i++] === 0x2d;
  if (i === end) return null;
  let value = 0n;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return null;
    value = value * 10n + BigInt(c - 0x30);
    if (value > U64_MAX) return null;
  }
  return negative ? (U64_MAX + 1n - value) & U64_MAX : value;
}

/** Whether the last parsed ID gave its sequence (false for `ms-*`). */
let seqGiven = true;

/**
 * An ID argument (streamGenericParseIDOrReply): `ms-seq`, `ms` (seq = missingSeq), `-` and
 * `+` unless strict, and `ms-*` where allowed (then seqGiven is false).
 */
function parseId(arg: Uint8Array, missingSeq: bigint, strict: boolean, allowAutoSeq = false, start = 0): bigint {
  const length = arg.length - start;
  seqGiven = true;
  if (length > 127) throw new CommandError(STREAM_INVALID_ID);
  if (length === 1 && (arg[start] === 0x2d || arg[start] === 0x2b)) {
    if (strict) throw new CommandError(STREAM_INVALID_ID);
    return arg[start] === 0x2d ? 0n : MAX_ID;
  }
  let dash = -1;
  for (let i = start; i < arg.length; i++) {
    if (arg[i] === 0x2d) {
      dash = i;
      break;
    }
  }
  const ms = parseU64(arg, start, dash < 0 ? arg.length : dash);
  if (ms === null) throw new CommandError(STREAM_INVALID_ID);
  if (dash < 0) return makeId(ms, missingSeq);
  if (allowAutoSeq && arg.length - dash === 2 && arg[dash + 1] === 0x2a) {
    seqGiven = false;
    return makeId(ms, 0n);
  }
  const seq = parseU64(arg, dash + 1, arg.length);
  if (seq === null) throw new CommandError(STREAM_INVALID_ID);
  return makeId(ms, seq);
}

const strictId = (arg: Uint8Array): bigint => parseId(arg, 0n, true);

/** A range bound (streamParseIntervalIDOrReply): `(id` excludes it. */
function parseBound(arg: Uint8Array, missingSeq: bigint, isStart: boolean): bigint {
  const exclusive = arg.length > 1 && arg[0] === 0x28;
  const id = exclusive ? parseId(arg, missingSeq, true, false, 1) : parseId(arg, missingSeq, false);
  if (!exclusive) return id;
  if (isStart) {
    if (id === MAX_ID) throw new CommandError(INVALID_START_ID);
    return id + 1n;
  }
  if (id === 0n) throw new CommandError(INVALID_END_ID);
  return id - 1n;
}

const idBuffer = (id: bigint): Buffer => Buffer.from(formatId(id));

/** An ID's text is written from here: no string to build and encode for the common, small IDs. */
const ID_SCRATCH = new Uint8Array(48);
const SAFE_PART = 2n ** 53n;

function replyId(w: ReplyWriter, id: bigint): void {
  const ms = id >> 64n;
  const seq = id & U64_MAX;
  if (ms >= SAFE_PART || seq >= SAFE_PART) return w.bulkString(formatId(id));
  let end = writeDigits(ID_SCRATCH, 0, Number(ms));
  ID_SCRATCH[end++] = 0x2d;
  end = writeDigits(ID_SCRATCH, end, Number(seq));
  w.bulkRange(ID_SCRATCH, 0, end);
}

/** Writes a non-negative safe integer's decimal digits at `at`; returns where they end. */
function writeDigits(buf: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

// ---- lookups and replies -----------------------------------------------------------------------

/** The stream under `key`, or -1; WRONGTYPE for another type. */
function findStream(db: Database, key: Buffer, forRead = false): number {
  const id = forRead ? db.findForRead(key) : db.find(key);
  if (id >= 0 && db.typeOf(id) !== ValueType.Stream) throw new CommandError(WRONGTYPE);
  return id;
}

const streamAt = (db: Database, id: number): StreamValue => db.objectOf(id) as StreamValue;

/**
 * The stream at `id` about to change: snapshots and the like hear of it first, and WATCH too
 * for its entries (XADD, XDEL, XTRIM). Redis 7.0.15 does not signal group state changes nor
 * XSETID as modifications, so those pass `signalled` false.
 */
const streamForWrite = (db: Database, id: number, signalled = true): StreamValue => db.objectForWrite(id, signalled) as StreamValue;

function nodeLimits(ctx: CommandContext): [number, number] {
  const config = ctx.server.config;
  return [config.number('stream-node-max-bytes'), config.number('stream-node-max-entries')];
}

/** Writes one entry: [id, [field, value, ...]]. */
function entryWriter(w: ReplyWriter): EntryVisitor {
  return (id, buf, spans, pairs) => {
    w.array(2);
    replyId(w, id);
    w.array(2 * pairs);
    for (let i = 0; i < 4 * pairs; i += 2) w.bulkRange(buf, spans[i]!, spans[i + 1]!);
  };
}

/** Writes the entry with this ID, if it is live; whether it was. */
function replyEntryIfLive(w: ReplyWriter, stream: StreamValue, id: bigint): boolean {
  const write = entryWriter(w);
  let found = false;
  stream.range(id, id, false, (...args) => {
    found = true;
    write(...args);
    return false;
  });
  return found;
}

/** Writes up to `count` (0: all) entries in [start, end] as an array; returns how many. */
function replyRange(w: ReplyWriter, stream: StreamValue, start: bigint, end: bigint, count: number, reverse: boolean): number {
  const mark = w.deferLength();
  const write = entryWriter(w);
  let n = 0;
  stream.range(start, end, reverse, (...args) => {
    write(...args);
    return ++n !== count;
  });
  w.setDeferredLength(mark, n);
  return n;
}

// ---- XADD and XTRIM ----------------------------------------------------------------------------

interface AddTrimArgs extends TrimOptions {
  /** 0 when no trimming was asked for. */
  strategy: typeof TRIM_MAXLEN | typeof TRIM_MINID;
  trim: boolean;
  /** Where the trim's threshold argument is (its `~`/`=`, if any, just before). */
  thresholdAt: number;
  noMkstream: boolean;
  /** The ID given, or null for `*`. */
  id: bigint | null;
  seqGiven: boolean;
  /** Where the ID argument is (XADD). */
  idAt: number;
}

/** Redis's streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(ctx: CommandContext, xadd: boolean): AddTrimArgs {
  const { argv } = ctx;
  const args: AddTrimArgs = {
    strategy: TRIM_MAXLEN,
    trim: false,
    maxlen: 0,
    minid: 0n,
    approx: false,
    limit: 0,
    thresholdAt: 0,
    noMkstream: false,
    id: null,
    seqGiven: true,
    idAt: argv.length,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt.length === 1 && opt[0] === 0x2a) {
      args.idAt = i;
      break;
    } else if ((isWord(opt, 'maxlen') || isWord(opt, 'minid')) && moreArgs > 0) {
      if (args.trim) throw new CommandError(MAXLEN_AND_MINID);
      const maxlen = isWord(opt, 'maxlen');
      args.approx = false;
      const next = argv[i + 1]!;
      if (moreArgs >= 2 && next.length === 1 && (next[0] === 0x7e || next[0] === 0x3d)) {
        args.approx = next[0] === 0x7e;
        i++;
      }
      if (maxlen) {
        args.maxlen = longArg(argv[i + 1]!);
        if (args.maxlen < 0) throw new CommandError(MAXLEN_NEGATIVE);
      } else {
        args.minid = strictId(argv[i + 1]!);
      }
      i++;
      args.trim = true;
      args.strategy = maxlen ? TRIM_MAXLEN : TRIM_MINID;
      args.thresholdAt = i;
    } else if (isWord(opt, 'limit') && moreArgs > 0) {
      args.limit = longArg(argv[++i]!);
      if (args.limit < 0) throw new CommandError(STREAM_LIMIT_NEGATIVE);
      limitGiven = true;
    } else if (xadd && isWord(opt, 'nomkstream')) {
      args.noMkstream = true;
    } else if (xadd) {
      args.id = parseId(opt, 0n, true, true);
      args.seqGiven = seqGiven;
      args.idAt = i;
      break;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  if (args.limit !== 0 && !args.trim) throw new CommandError(LIMIT_WITHOUT_STRATEGY);
  if (!xadd && !args.trim) throw new CommandError(XTRIM_WITHOUT_STRATEGY);
  if (limitGiven) {
    if (!args.approx) throw new CommandError(LIMIT_WITHOUT_APPROX);
  } else if (args.approx) {
    const limit = 100 * ctx.server.config.number('stream-node-max-entries');
    args.limit = limit <= 0 || limit > 10000 ? 10000 : limit;
  } else {
    args.limit = 0;
  }
  return args;
}

/**
 * After a `~` trim: the command propagates as the exact trim that happened (Redis's
 * streamRewriteApproxSpecifier and streamRewriteTrimArgument).
 */
function rewriteApproxTrim(ctx: CommandContext, argv: Buffer[], args: AddTrimArgs, stream: StreamValue): void {
  argv[args.thresholdAt - 1] = EQUALS;
  argv[args.thresholdAt] = args.strategy === TRIM_MAXLEN ? Buffer.from(String(stream.length)) : idBuffer(stream.firstIdWithDeleted());
  ctx.propagateAs(argv);
}

const EQUALS = Buffer.from('=');

function xadd(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const args = parseAddOrTrim(ctx, true);
  const fieldsAt = args.idAt + 1;
  const fieldArgs = argv.length - fieldsAt;
  if (fieldArgs < 2 || fieldArgs % 2 === 1) throw new CommandError(wrongArity('xadd'));
  if (args.id === 0n && args.seqGiven) throw new CommandError(XADD_ID_ZERO);
  const key = argv[1]!;
  const id = findStream(db, key);
  if (id < 0 && args.noMkstream) return w.null();
  let stream = id < 0 ? null : streamAt(db, id);
  if (stream !== null && stream.lastId === MAX_ID) throw new CommandError(STREAM_EXHAUSTED);
  // The ID is settled before anything changes: a refused one leaves no trace, not even a new key.
  const entryId = nextId(ctx, stream?.lastId ?? 0n, args);
  if (stream === null) {
    stream = new StreamValue();
    db.setObject(key, ValueType.Stream, Encoding.Stream, stream);
  } else {
    streamForWrite(db, id);
  }
  const [maxBytes, maxEntries] = nodeLimits(ctx);
  stream.add(entryId, argv, fieldsAt, argv.length, maxBytes, maxEntries);
  replyId(w, entryId);
  ctx.notify(Notify.Stream, 'xadd', key);
  let rewritten: Buffer[] | null = null;
  if (args.trim) {
    if (stream.trim(args) > 0) ctx.notify(Notify.Stream, 'xtrim', key);
    if (args.approx && ctx.propagating) {
      rewritten = [...argv];
      rewriteApproxTrim(ctx, rewritten, args, stream);
    }
  }
  if ((args.id === null || !args.seqGiven) && ctx.propagating) {
    rewritten ??= [...argv];
    rewritten[args.idAt] = idBuffer(entryId);
    ctx.propagateAs(rewritten);
  }
  ctx.server.blocking.signalReady(db, key);
}

/** The new entry's ID (streamAppendItem's rules); XADD_ID_TOO_SMALL when it would not grow. */
function nextId(ctx: CommandContext, last: bigint, args: AddTrimArgs): bigint {
  let id: bigint;
  if (args.id === null) {
    const ms = BigInt(ctx.keyspace.now);
    id = ms > last >> 64n ? makeId(ms, 0n) : last + 1n;
  } else if (args.seqGiven) {
    id = args.id;
  } else if (args.id >> 64n === last >> 64n) {
    // Redis 7.0.15 leaves errno unset here, so its text depends on what failed before (often
    // this one, sometimes "Elements are too large to be stored"); later versions say this.
    if ((last & U64_MAX) === U64_MAX) throw new CommandError(XADD_ID_TOO_SMALL);
    id = last + 1n;
  } else {
    id = args.id;
  }
  if (id <= last) throw new CommandError(XADD_ID_TOO_SMALL);
  return id;
}

function xtrim(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const args = parseAddOrTrim(ctx, false);
  const key = argv[1]!;
  const id = findStream(db, key);
  if (id < 0) return w.int(0);
  const stream = streamAt(db, id);
  if (!wouldTrim(stream, args)) return w.int(0);
  const deleted = streamForWrite(db, id).trim(args);
  ctx.notify(Notify.Stream, 'xtrim', key);
  if (args.approx && ctx.propagating) rewriteApproxTrim(ctx, [...argv], args, stream);
  w.int(deleted);
}

/** Whether a trim would remove anything, asked without changing the stream (a copy is trimmed). */
function wouldTrim(stream: StreamValue, args: TrimOptions): boolean {
  if (stream.length === 0) return false;
  if (args.strategy === TRIM_MAXLEN) {
    if (stream.length <= args.maxlen) return false;
  } else if (stream.firstId >= args.minid) {
    return false;
  }
  return stream.trim(args, false) > 0;
}

// ---- XRANGE, XREVRANGE, XLEN, XDEL, XSETID ------------------------------------------------------

function rangeGeneric(ctx: CommandContext, reverse: boolean): void {
  const { argv, db, w } = ctx;
  const start = parseBound(reverse ? argv[3]! : argv[2]!, 0n, true);
  const end = parseBound(reverse ? argv[2]! : argv[3]!, U64_MAX, false);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (isWord(argv[j]!, 'count') && j + 1 < argv.length) {
      count = longArg(argv[++j]!);
      if (count < 0) count = 0;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const id = findStream(db, argv[1]!, true);
  if (id < 0) return w.array(0);
  if (count === 0) return w.nullArray();
  replyRange(w, streamAt(db, id), start, end, count === -1 ? 0 : count, reverse);
}

function xlen(ctx: CommandContext): void {
  const id = findStream(ctx.db, ctx.argv[1]!, true);
  ctx.w.int(id < 0 ? 0 : streamAt(ctx.db, id).length);
}

function xdel(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const key = argv[1]!;
  const id = findStream(db, key);
  if (id < 0) return w.int(0);
  const ids = argv.slice(2).map(strictId);
  const stream = streamAt(db, id);
  if (!ids.some((entry) => stream.has(entry))) return w.int(0);
  streamForWrite(db, id);
  let deleted = 0;
  for (const entry of ids) {
    if (!stream.delete(entry)) continue;
    if (entry > stream.maxDeletedId) stream.maxDeletedId = entry;
    deleted++;
  }
  ctx.notify(Notify.Stream, 'xdel', key);
  w.int(deleted);
}

function xsetid(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const lastId = strictId(argv[2]!);
  let entriesAdded = -1;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const hasArg = i + 1 < argv.length;
    if (isWord(opt, 'entriesadded') && hasArg) {
      entriesAdded = longArg(argv[i + 1]!);
      if (entriesAdded < 0) throw new CommandError(ENTRIES_ADDED_NEGATIVE);
    } else if (isWord(opt, 'maxdeletedid') && hasArg) {
      maxDeleted = strictId(argv[i + 1]!);
      if (lastId < maxDeleted) throw new CommandError(XSETID_BELOW_GIVEN_MAX_DELETED);
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const key = argv[1]!;
  const id = findStream(db, key);
  if (id < 0) throw new CommandError(NO_SUCH_KEY);
  const stream = streamAt(db, id);
  if (stream.length > 0) {
    if (lastId < stream.lastLiveId()) throw new CommandError(XSETID_TOO_SMALL);
    if (entriesAdded !== -1 && stream.length > entriesAdded) throw new CommandError(XSETID_ENTRIES_ADDED_SMALL);
  }
  streamForWrite(db, id, false);
  stream.lastId = lastId;
  if (entriesAdded !== -1) stream.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) stream.maxDeletedId = maxDeleted;
  w.ok();
  ctx.notify(Notify.Stream, 'xsetid', key);
}

// ---- XREAD and XREADGROUP ----------------------------------------------------------------------

const XCLAIM = Buffer.from('XCLAIM');
const XGROUP = Buffer.from('XGROUP');
const SETID = Buffer.from('SETID');
const CREATECONSUMER = Buffer.from('CREATECONSUMER');
const ENTRIESREAD = Buffer.from('ENTRIESREAD');
const ZERO = Buffer.from('0');
const TIME = Buffer.from('TIME');
const RETRYCOUNT = Buffer.from('RETRYCOUNT');
const FORCE = Buffer.from('FORCE');
const JUSTID = Buffer.from('JUSTID');
const LASTID = Buffer.from('LASTID');
const DOLLAR = 0x24;
const GREATER = 0x3e;

/** Propagates what a group did with one entry, idempotently (streamPropagateXCLAIM). */
function propagateClaim(ctx: CommandContext, key: Buffer, group: ConsumerGroup, groupName: Buffer, id: bigint, entry: PendingEntry): void {
  if (!ctx.propagating) return;
  ctx.alsoPropagate([
    XCLAIM,
    key,
    groupName,
    entry.consumer.name,
    ZERO,
    idBuffer(id),
    TIME,
    Buffer.from(String(entry.deliveryTime)),
    RETRYCOUNT,
    Buffer.from(String(entry.deliveryCount)),
    FORCE,
    JUSTID,
    LASTID,
    idBuffer(group.lastId),
  ]);
}

/** Propagates a group's last ID and read counter (streamPropagateGroupID). */
function propagateGroupId(ctx: CommandContext, key: Buffer, group: ConsumerGroup, groupName: Buffer): void {
  if (!ctx.propagating) return;
  ctx.alsoPropagate([XGROUP, SETID, key, groupName, idBuffer(group.lastId), ENTRIESREAD, Buffer.from(String(group.entriesRead))]);
}

interface ReadArgs {
  timeoutMs: number;
  count: number;
  noack: boolean;
  group: Buffer | null;
  consumer: Buffer | null;
  /** Index of the first key. */
  keysAt: number;
  streams: number;
}

/** A BLOCK timeout in milliseconds (getTimeoutFromObjectOrReply with UNIT_MILLISECONDS); -1 without BLOCK. */
function parseBlockTimeout(arg: Uint8Array): number {
  const ms = parseInt64(arg);
  if (ms === NOT_A_NUMBER) throw new CommandError(TIMEOUT_NOT_INTEGER);
  if (ms < 0) throw new CommandError(TIMEOUT_NEGATIVE);
  return Number(ms);
}

function parseRead(argv: readonly Buffer[], group: boolean): ReadArgs {
  const args: ReadArgs = { timeoutMs: -1, count: 0, noack: false, group: null, consumer: null, keysAt: 0, streams: 0 };
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const opt = argv[i]!;
    if (isWord(opt, 'block') && moreArgs > 0) {
      args.timeoutMs = parseBlockTimeout(argv[++i]!);
    } else if (isWord(opt, 'count') && moreArgs > 0) {
      args.count = Math.max(0, longArg(argv[++i]!));
    } else if (isWord(opt, 'streams') && moreArgs > 0) {
      args.keysAt = i + 1;
      const rest = argv.length - args.keysAt;
      if (rest % 2 !== 0) throw new CommandError(XREAD_UNBALANCED);
      args.streams = rest / 2;
      break;
    } else if (isWord(opt, 'group') && moreArgs >= 2) {
      if (!group) throw new CommandError(XREAD_GROUP_OPTION);
      args.group = argv[++i]!;
      args.consumer = argv[++i]!;
    } else if (isWord(opt, 'noack')) {
      if (!group) throw new CommandError(XREAD_NOACK_OPTION);
      args.noack = true;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  if (args.keysAt === 0) throw new CommandError(SYNTAX);
  if (group && args.group === null) throw new CommandError(XREADGROUP_MISSING_GROUP);
  return args;
}

/** XREAD and XREADGROUP share this stand-in for ">": no entry ID can be larger. */
const NEW_ENTRIES = MAX_ID;

function xreadGeneric(ctx: CommandContext, readGroup: boolean): void {
  const { argv, db, w, server } = ctx;
  const args = parseRead(argv, readGroup);
  const { keysAt, streams } = args;
  const serving = server.blocking.servingKey;
  if (serving !== null) return serveBlocked(ctx, args, serving);
  const afterIds: bigint[] = [];
  const groups: (ConsumerGroup | null)[] = [];
  for (let i = 0; i < streams; i++) {
    const key = argv[keysAt + i]!;
    const idArg = argv[keysAt + streams + i]!;
    const id = findStream(db, key, true);
    let group: ConsumerGroup | null = null;
    if (args.group !== null) {
      group = id < 0 ? null : (streamAt(db, id).group(args.group) ?? null);
      if (group === null) throw new CommandError(xreadNoGroup(key, args.group));
    }
    groups.push(group);
    if (idArg.length === 1 && idArg[0] === DOLLAR) {
      if (readGroup) throw new CommandError(XREADGROUP_DOLLAR);
      afterIds.push(id < 0 ? 0n : streamAt(db, id).lastId);
    } else if (idArg.length === 1 && idArg[0] === GREATER) {
      if (!readGroup) throw new CommandError(XREAD_GREATER_ID);
      afterIds.push(NEW_ENTRIES);
    } else {
      afterIds.push(strictId(idArg));
    }
  }

  let served = 0;
  let mark = 0;
  for (let i = 0; i < streams; i++) {
    const key = argv[keysAt + i]!;
    const id = db.find(key);
    if (id < 0) continue;
    const stream = streamAt(db, id);
    const group = groups[i]!;
    let after = afterIds[i]!;
    let history = false;
    if (group !== null) {
      if (after !== NEW_ENTRIES) history = true;
      else if (stream.length > 0 && stream.lastLiveId() > group.lastId) after = group.lastId;
      else continue;
    } else if (stream.length === 0 || stream.lastLiveId() <= after) {
      continue;
    }
    if (++served === 1) mark = w.deferLength();
    if (w.resp === 2) w.array(2);
    w.bulk(key);
    replyStreamRead(ctx, key, id, stream, after, args, group, history);
  }
  if (served > 0) return w.setDeferredLength(mark, served, w.resp === 2 ? 'array' : 'map');
  if (args.timeoutMs === -1 || server.denyBlocking) return w.nullArray();
  blockOnStreams(ctx, args, afterIds);
}

/**
 * The entries of one stream after `after` (streamReplyWithRange), through the group when
 * reading with one: delivered entries join the PEL (unless NOACK) and propagate as XCLAIM;
 * with a history ID, the consumer's own pending entries are read again instead.
 */
function replyStreamRead(
  ctx: CommandContext,
  key: Buffer,
  id: number,
  stream: StreamValue,
  after: bigint,
  args: ReadArgs,
  group: ConsumerGroup | null,
  history: boolean,
): void {
  const { w, db } = ctx;
  const start = after === MAX_ID ? MAX_ID : after + 1n;
  if (group === null) {
    replyRange(w, stream, start, MAX_ID, args.count, false);
    return;
  }
  streamForWrite(db, id, false);
  const now = ctx.keyspace.now;
  const consumer = lookupOrCreateConsumer(ctx, key, stream, group, args.consumer!, args.noack);
  consumer.seenTime = now;
  if (history) return replyHistory(w, stream, consumer, start, args.count, now);
  const mark = w.deferLength();
  const write = entryWriter(w);
  const delivered: bigint[] = [];
  let advanced = false;
  stream.range(start, MAX_ID, false, (entryId, buf, spans, pairs) => {
    write(entryId, buf, spans, pairs);
    delivered.push(entryId);
    return delivered.length !== args.count;
  });
  w.setDeferredLength(mark, delivered.length);
  for (const entryId of delivered) {
    if (entryId > group.lastId) {
      stream.advanceGroup(group, entryId);
      advanced = true;
    }
    if (args.noack) continue;
    // Usually newer than anything pending; an older group ID (XGROUP SETID) may have left it there.
    const newest = group.pending[group.pending.length - 1];
    let entry = newest !== undefined && newest.id >= entryId ? findPending(group.pending, entryId) : undefined;
    if (entry === undefined) {
      entry = stream.addPending(group, consumer, entryId, now);
    } else {
      stream.movePending(entry, consumer);
      entry.deliveryTime = now;
      entry.deliveryCount = 1;
    }
    propagateClaim(ctx, key, group, args.group!, entryId, entry);
  }
  if (advanced && args.noack) propagateGroupId(ctx, key, group, args.group!);
}

/** A consumer's pending entries from `start` on, read again (streamReplyWithRangeFromConsumerPEL). */
function replyHistory(w: ReplyWriter, stream: StreamValue, consumer: Consumer, start: bigint, count: number, now: number): void {
  const pending = consumer.pending;
  const from = lowerBound(pending, start);
  const n = count === 0 ? pending.length - from : Math.min(count, pending.length - from);
  w.array(n);
  for (let i = from; i < from + n; i++) {
    const entry = pending[i]!;
    if (replyEntryIfLive(w, stream, entry.id)) {
      entry.deliveryTime = now;
      entry.deliveryCount++;
    } else {
      w.array(2);
      replyId(w, entry.id);
      w.nullArray();
    }
  }
}

/**
 * The named consumer, created when missing. A creation propagates only when asked (XREADGROUP
 * NOACK, whose reads send no XCLAIM that would create it on a replica).
 */
function lookupOrCreateConsumer(ctx: CommandContext, key: Buffer, stream: StreamValue, group: ConsumerGroup, name: Buffer, propagate = false): Consumer {
  const consumer = group.consumers.get(name.toString('latin1'));
  if (consumer !== undefined) {
    consumer.seenTime = ctx.keyspace.now;
    return consumer;
  }
  const created = stream.createConsumer(group, name, ctx.keyspace.now);
  ctx.notify(Notify.Stream, 'xgroup-createconsumer', key);
  if (propagate && ctx.propagating) ctx.alsoPropagate([XGROUP, CREATECONSUMER, key, group.name, name]);
  return created;
}

/**
 * Parks the client until one of its streams gets an entry past its ID (XREAD) or past its
 * group's last ID (XREADGROUP `>`). `$` is fixed now to the stream's last ID, so the wait
 * holds the IDs it was blocked with.
 */
function blockOnStreams(ctx: CommandContext, args: ReadArgs, afterIds: bigint[]): void {
  const { argv, server } = ctx;
  const waitArgv = [...argv];
  for (let i = 0; i < args.streams; i++) {
    if (afterIds[i] !== NEW_ENTRIES) waitArgv[args.keysAt + args.streams + i] = idBuffer(afterIds[i]!);
  }
  const keys = argv.slice(args.keysAt, args.keysAt + args.streams);
  const groupName = args.group;
  const canServe = (db: Database, id: number, key: Buffer): boolean => {
    const stream = streamAt(db, id);
    if (groupName === null) {
      const k = keys.findIndex((candidate) => candidate.equals(key));
      return stream.lastId > afterIds[k]!;
    }
    const group = stream.group(groupName);
    return group === undefined || stream.lastId > group.lastId;
  };
  server.blocking.block(ctx.client, waitArgv, keys, ValueType.Stream, args.timeoutMs, {
    canServe,
    goneError: groupName === null ? undefined : BLOCKED_STREAM_GONE,
  });
}

/**
 * A blocked read served from the key that got data: that key alone, as a one-element reply.
 * Its ID was fixed when it blocked; a group reads past its last ID as it is now.
 */
function serveBlocked(ctx: CommandContext, args: ReadArgs, key: Buffer): void {
  const { argv, db, w } = ctx;
  const k = argv.slice(args.keysAt, args.keysAt + args.streams).findIndex((candidate) => candidate.equals(key));
  const id = db.find(key);
  const stream = streamAt(db, id);
  let group: ConsumerGroup | null = null;
  let after: bigint;
  if (args.group !== null) {
    group = stream.group(args.group) ?? null;
    if (group === null) throw new CommandError(BLOCKED_GROUP_GONE);
    after = group.lastId;
  } else {
    after = strictId(argv[args.keysAt + args.streams + k]!);
  }
  if (w.resp === 2) {
    w.array(1);
    w.array(2);
  } else {
    w.map(1);
  }
  w.bulk(key);
  replyStreamRead(ctx, key, id, stream, after, { ...args, count: args.count || BLOCKED_DEFAULT_COUNT }, group, false);
}

function xread(ctx: CommandContext): void {
  xreadGeneric(ctx, false);
}

function xreadgroup(ctx: CommandContext): void {
  xreadGeneric(ctx, true);
  // What XREADGROUP changed propagates as the XCLAIMs and XGROUP SETIDs it sent, never itself.
  ctx.preventPropagation();
}

/**
 * XREAD/XREADGROUP keys (Redis's xreadGetKeys): after the first STREAMS that follows the
 * options, as many as there are IDs; flags 0 as Redis leaves them.
 */
function xreadKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  let streamsAt = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isCWord(arg, 'block') || isCWord(arg, 'count')) i++;
    else if (isCWord(arg, 'group')) i += 2;
    else if (isCWord(arg, 'noack')) continue;
    else {
      if (isCWord(arg, 'streams')) streamsAt = i;
      break;
    }
  }
  const rest = argv.length - streamsAt - 1;
  if (streamsAt < 0 || rest === 0 || rest % 2 !== 0) return;
  for (let i = streamsAt + 1; i < argv.length - rest / 2; i++) out.add(i, 0);
}

// ---- XGROUP ------------------------------------------------------------------------------------

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

function parseEntriesRead(arg: Uint8Array): number {
  const n = longArg(arg);
  if (n < 0 && n !== ENTRIES_READ_UNKNOWN) throw new CommandError(ENTRIESREAD_RANGE);
  return n;
}

const subcommandSyntax = (ctx: CommandContext) => new CommandError(unknownSubcommandOrArity(quoteArg(ctx.argv[1]!), 'XGROUP'));

/** The stream and group an XGROUP subcommand works on (the group must exist unless `create`). */
function xgroupTarget(ctx: CommandContext, create: boolean, mkstream = false): { id: number; stream: StreamValue | null; group: ConsumerGroup | null } {
  const { argv, db } = ctx;
  const id = findStream(db, argv[2]!);
  if (id < 0 && !mkstream) throw new CommandError(XGROUP_NEEDS_KEY);
  const stream = id < 0 ? null : streamAt(db, id);
  const group = stream?.group(argv[3]!) ?? null;
  if (group === null && !create) throw new CommandError(noSuchGroup(argv[3]!, argv[2]!));
  return { id, stream, group };
}

function xgroupCreate(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  let mkstream = false;
  let entriesRead = ENTRIES_READ_UNKNOWN;
  for (let i = 5; i < argv.length; i++) {
    if (isWord(argv[i]!, 'mkstream')) mkstream = true;
    else if (isWord(argv[i]!, 'entriesread') && i + 1 < argv.length) entriesRead = parseEntriesRead(argv[++i]!);
    else throw subcommandSyntax(ctx);
  }
  const key = argv[2]!;
  const target = xgroupTarget(ctx, true, mkstream);
  if (argv.length > 8) throw subcommandSyntax(ctx);
  let { stream } = target;
  const idArg = argv[4]!;
  const lastId = idArg.length === 1 && idArg[0] === DOLLAR ? (stream?.lastId ?? 0n) : strictId(idArg);
  if (stream === null) {
    stream = new StreamValue();
    db.setObject(key, ValueType.Stream, Encoding.Stream, stream);
  } else if (target.group !== null) {
    throw new CommandError(BUSYGROUP);
  } else {
    streamForWrite(db, target.id, false);
  }
  stream.createGroup(Buffer.from(argv[3]!), lastId, entriesRead);
  w.ok();
  ctx.notify(Notify.Stream, 'xgroup-create', key);
}

function xgroupSetid(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const { id, stream, group } = xgroupTarget(ctx, false);
  if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntax(ctx);
  const idArg = argv[4]!;
  const lastId = idArg.length === 1 && idArg[0] === DOLLAR ? stream!.lastId : parseId(idArg, 0n, false);
  let entriesRead = ENTRIES_READ_UNKNOWN;
  if (argv.length === 7) {
    if (!isWord(argv[5]!, 'entriesread')) throw subcommandSyntax(ctx);
    entriesRead = parseEntriesRead(argv[6]!);
  }
  streamForWrite(db, id, false);
  group!.lastId = lastId;
  group!.entriesRead = entriesRead;
  w.ok();
  ctx.notify(Notify.Stream, 'xgroup-setid', argv[2]!);
}

function xgroupDestroy(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const { id, stream, group } = xgroupTarget(ctx, true);
  if (group === null) return w.int(0);
  streamForWrite(db, id, false);
  stream!.destroyGroup(group);
  w.int(1);
  ctx.notify(Notify.Stream, 'xgroup-destroy', argv[2]!);
  ctx.server.blocking.signalReady(db, argv[2]!);
}

function xgroupCreateConsumer(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const { id, stream, group } = xgroupTarget(ctx, false);
  if (group!.consumers.has(argv[4]!.toString('latin1'))) return w.int(0);
  streamForWrite(db, id, false);
  stream!.createConsumer(group!, Buffer.from(argv[4]!), ctx.keyspace.now);
  w.int(1);
  ctx.notify(Notify.Stream, 'xgroup-createconsumer', argv[2]!);
}

function xgroupDelConsumer(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const { id, stream, group } = xgroupTarget(ctx, false);
  const consumer = group!.consumers.get(argv[4]!.toString('latin1'));
  if (consumer === undefined) return w.int(0);
  streamForWrite(db, id, false);
  w.int(stream!.deleteConsumer(group!, consumer));
  ctx.notify(Notify.Stream, 'xgroup-delconsumer', argv[2]!);
}

// ---- XACK, XPENDING ----------------------------------------------------------------------------

function xack(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const id = findStream(db, argv[1]!, true);
  const group = id < 0 ? undefined : streamAt(db, id).group(argv[2]!);
  if (group === undefined) return w.int(0);
  const ids = argv.slice(3).map(strictId);
  const stream = streamAt(db, id);
  let acknowledged = 0;
  for (const entryId of ids) {
    const entry = findPending(group.pending, entryId);
    if (entry === undefined) continue;
    if (acknowledged === 0) streamForWrite(db, id, false);
    stream.removePending(group, entry);
    acknowledged++;
  }
  w.int(acknowledged);
}

function xpending(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) throw new CommandError(SYNTAX);
  let minIdle = 0;
  let count = 0;
  let start = 0n;
  let end = MAX_ID;
  let consumerName: Buffer | null = null;
  if (!summary) {
    let at = 3;
    if (isWord(argv[3]!, 'idle')) {
      minIdle = longArg(argv[4]!);
      if (argv.length < 8) throw new CommandError(SYNTAX);
      at += 2;
    }
    count = Math.max(0, longArg(argv[at + 2]!));
    start = parseBound(argv[at]!, 0n, true);
    end = parseBound(argv[at + 1]!, U64_MAX, false);
    if (at + 3 < argv.length) consumerName = argv[at + 3]!;
  }
  const id = findStream(db, argv[1]!, true);
  const group = id < 0 ? undefined : streamAt(db, id).group(argv[2]!);
  if (group === undefined) throw new CommandError(noKeyOrGroup(argv[1]!, argv[2]!));
  if (summary) return replyPendingSummary(w, group);
  let pending = group.pending;
  if (consumerName !== null) {
    const consumer = group.consumers.get(consumerName.toString('latin1'));
    if (consumer === undefined) return w.array(0);
    pending = consumer.pending;
  }
  const now = ctx.keyspace.now;
  const mark = w.deferLength();
  let n = 0;
  for (let i = lowerBound(pending, start); count > 0 && i < pending.length && pending[i]!.id <= end; i++) {
    const entry = pending[i]!;
    if (minIdle !== 0 && now - entry.deliveryTime < minIdle) continue;
    n++;
    count--;
    w.array(4);
    replyId(w, entry.id);
    w.bulk(entry.consumer.name);
    w.int(Math.max(0, now - entry.deliveryTime));
    w.int(entry.deliveryCount);
  }
  w.setDeferredLength(mark, n);
}

function replyPendingSummary(w: ReplyWriter, group: ConsumerGroup): void {
  w.array(4);
  const pending = group.pending;
  if (pending.length === 0) {
    w.int(0);
    w.null();
    w.null();
    w.nullArray();
    return;
  }
  w.int(pending.length);
  replyId(w, pending[0]!.id);
  replyId(w, pending[pending.length - 1]!.id);
  const busy = sortedConsumers(group).filter((consumer) => consumer.pending.length > 0);
  w.array(busy.length);
  for (const consumer of busy) {
    w.array(2);
    w.bulk(consumer.name);
    w.bulkString(String(consumer.pending.length));
  }
}

/** Consumers in name order (Redis keeps them in a radix tree). */
function sortedConsumers(group: ConsumerGroup): Consumer[] {
  return [...group.consumers.values()].sort((a, b) => Buffer.compare(a.name, b.name));
}

// ---- XCLAIM, XAUTOCLAIM --------------------------------------------------------------------------

/** The stream and group XCLAIM and XAUTOCLAIM work on; NOGROUP when either is missing. */
function claimTarget(ctx: CommandContext): { id: number; stream: StreamValue; group: ConsumerGroup } {
  const { argv, db } = ctx;
  const id = findStream(db, argv[1]!, true);
  const group = id < 0 ? undefined : streamAt(db, id).group(argv[2]!);
  if (group === undefined) throw new CommandError(noKeyOrGroup(argv[1]!, argv[2]!));
  return { id, stream: streamAt(db, id), group };
}

function claimConsumer(ctx: CommandContext, stream: StreamValue, group: ConsumerGroup): Consumer {
  return lookupOrCreateConsumer(ctx, ctx.argv[1]!, stream, group, Buffer.from(ctx.argv[3]!));
}

/** Drops a pending entry whose stream entry is gone, propagating that (XCLAIM and XAUTOCLAIM). */
function dropDeletedPending(ctx: CommandContext, stream: StreamValue, group: ConsumerGroup, entry: PendingEntry): void {
  propagateClaim(ctx, ctx.argv[1]!, group, ctx.argv[2]!, entry.id, entry);
  stream.removePending(group, entry);
}

/**
 * Gives a pending entry to the claiming consumer and propagates the claim. A RETRYCOUNT of -1
 * counts one more delivery, except for JUSTID, which does not deliver the entry.
 */
function claimPending(
  ctx: CommandContext,
  stream: StreamValue,
  group: ConsumerGroup,
  consumer: Consumer,
  entry: PendingEntry,
  deliveryTime: number,
  retryCount: number,
  justId: boolean,
): void {
  stream.movePending(entry, consumer);
  entry.deliveryTime = deliveryTime;
  if (retryCount >= 0) entry.deliveryCount = retryCount;
  else if (!justId) entry.deliveryCount++;
  propagateClaim(ctx, ctx.argv[1]!, group, ctx.argv[2]!, entry.id, entry);
}

/** A claimed entry in XCLAIM's and XAUTOCLAIM's replies: its ID (JUSTID), else the entry, or null once deleted. */
function replyClaimed(w: ReplyWriter, stream: StreamValue, id: bigint, justId: boolean): void {
  if (justId) replyId(w, id);
  else if (!replyEntryIfLive(w, stream, id)) w.null();
}

function xclaim(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const { id, stream, group } = claimTarget(ctx);
  const minIdle = Math.max(0, longArg(argv[4]!, xclaimInvalid('min-idle-time', 'XCLAIM')));
  const ids: bigint[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    try {
      ids.push(strictId(argv[j]!));
    } catch {
      break;
    }
  }
  const now = ctx.keyspace.now;
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId = 0n;
  for (; j < argv.length; j++) {
    const opt = argv[j]!;
    const hasArg = j + 1 < argv.length;
    if (isWord(opt, 'force')) force = true;
    else if (isWord(opt, 'justid')) justId = true;
    else if (isWord(opt, 'idle') && hasArg) deliveryTime = now - longArg(argv[++j]!, xclaimInvalid('IDLE option', 'XCLAIM'));
    else if (isWord(opt, 'time') && hasArg) deliveryTime = longArg(argv[++j]!, xclaimInvalid('TIME option', 'XCLAIM'));
    else if (isWord(opt, 'retrycount') && hasArg) retryCount = longArg(argv[++j]!, xclaimInvalid('RETRYCOUNT option', 'XCLAIM'));
    else if (isWord(opt, 'lastid') && hasArg) lastId = strictId(argv[++j]!);
    else throw new CommandError(xclaimUnknownOption(opt));
  }
  ctx.preventPropagation();
  streamForWrite(db, id, false);
  let propagateLastId = false;
  if (lastId > group.lastId) {
    group.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  let consumer: Consumer | null = null;
  const mark = w.deferLength();
  let n = 0;
  for (const entryId of ids) {
    let entry = findPending(group.pending, entryId);
    if (!stream.has(entryId)) {
      if (entry !== undefined) {
        dropDeletedPending(ctx, stream, group, entry);
        propagateLastId = false;
      }
      continue;
    }
    let forced = false;
    if (force && entry === undefined) {
      consumer ??= claimConsumer(ctx, stream, group);
      entry = stream.addPending(group, consumer, entryId, now);
      forced = true;
    }
    if (entry === undefined) continue;
    if (!forced && minIdle !== 0 && now - entry.deliveryTime < minIdle) continue;
    consumer ??= claimConsumer(ctx, stream, group);
    claimPending(ctx, stream, group, consumer, entry, deliveryTime, retryCount, justId);
    replyClaimed(w, stream, entryId, justId);
    n++;
    propagateLastId = false;
  }
  if (propagateLastId) propagateGroupId(ctx, argv[1]!, group, argv[2]!);
  w.setDeferredLength(mark, n);
}

function xautoclaim(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const minIdle = Math.max(0, longArg(argv[4]!, xclaimInvalid('min-idle-time', 'XAUTOCLAIM')));
  const start = parseBound(argv[5]!, 0n, true);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    if (isWord(argv[j]!, 'count') && j + 1 < argv.length) {
      const n = parseInt64(argv[++j]!);
      const maxCount = LONG_MAX / 16n;
      if (n === NOT_A_NUMBER || n < 1 || BigInt(n) > maxCount) throw new CommandError(XAUTOCLAIM_COUNT);
      count = Number(n);
    } else if (isWord(argv[j]!, 'justid')) {
      justId = true;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const { id, stream, group } = claimTarget(ctx);
  ctx.preventPropagation();
  let attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR;
  const now = ctx.keyspace.now;
  let consumer: Consumer | null = null;
  const claimed: bigint[] = [];
  const deletedIds: bigint[] = [];
  const pending = group.pending;
  let i = lowerBound(pending, start);
  let changed = false;
  while (attempts > 0 && count > 0 && i < pending.length) {
    attempts--;
    const entry = pending[i]!;
    const live = stream.has(entry.id);
    if (live && minIdle !== 0 && now - entry.deliveryTime < minIdle) {
      i++;
      continue;
    }
    if (!changed) streamForWrite(db, id, false);
    changed = true;
    count--;
    if (!live) {
      // Dropped from the PEL: the next entry slides into place i.
      dropDeletedPending(ctx, stream, group, entry);
      deletedIds.push(entry.id);
      continue;
    }
    i++;
    consumer ??= claimConsumer(ctx, stream, group);
    claimPending(ctx, stream, group, consumer, entry, now, -1, justId);
    claimed.push(entry.id);
  }
  w.array(3);
  replyId(w, pending[i]?.id ?? 0n);
  w.array(claimed.length);
  for (const entryId of claimed) replyClaimed(w, stream, entryId, justId);
  w.array(deletedIds.length);
  for (const deleted of deletedIds) replyId(w, deleted);
}

// ---- XINFO -------------------------------------------------------------------------------------

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function xinfoStreamTarget(ctx: CommandContext): StreamValue {
  const id = findStream(ctx.db, ctx.argv[2]!, true);
  if (id < 0) throw new CommandError(NO_SUCH_KEY);
  return streamAt(ctx.db, id);
}

function sortedGroups(stream: StreamValue): ConsumerGroup[] {
  return [...stream.groups.values()].sort((a, b) => Buffer.compare(a.name, b.name));
}

function replyNullableInt(w: ReplyWriter, value: number | null): void {
  if (value === null) w.null();
  else w.int(value);
}

/** XINFO STREAM FULL's pel-count and up to `count` (0: all) pending entries, with their consumer for a group's. */
function replyPel(w: ReplyWriter, pending: readonly PendingEntry[], count: number, withConsumer: boolean): void {
  w.bulkString('pel-count');
  w.int(pending.length);
  w.bulkString('pending');
  const n = count === 0 ? pending.length : Math.min(count, pending.length);
  w.array(n);
  for (let i = 0; i < n; i++) {
    const entry = pending[i]!;
    w.array(withConsumer ? 4 : 3);
    replyId(w, entry.id);
    if (withConsumer) w.bulk(entry.consumer.name);
    w.int(entry.deliveryTime);
    w.int(entry.deliveryCount);
  }
}

/** A group's last-delivered-id, entries-read and lag fields (XINFO GROUPS and STREAM FULL). */
function replyGroupPosition(w: ReplyWriter, stream: StreamValue, group: ConsumerGroup): void {
  w.bulkString('last-delivered-id');
  replyId(w, group.lastId);
  w.bulkString('entries-read');
  replyNullableInt(w, group.entriesRead === ENTRIES_READ_UNKNOWN ? null : group.entriesRead);
  w.bulkString('lag');
  replyNullableInt(w, stream.lag(group));
}

function xinfoStream(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const stream = xinfoStreamTarget(ctx);
  let full = false;
  let count = 10;
  if (argv.length > 3) {
    const syntax = new CommandError(unknownSubcommandOrArity(quoteArg(argv[1]!), 'XINFO'));
    if (!isWord(argv[3]!, 'full')) throw syntax;
    full = true;
    if (argv.length > 4) {
      if (argv.length !== 6 || !isWord(argv[4]!, 'count')) throw syntax;
      count = Math.max(0, longArg(argv[5]!));
    }
  }
  w.map(full ? 9 : 10);
  w.bulkString('length');
  w.int(stream.length);
  w.bulkString('radix-tree-keys');
  w.int(stream.nodes.length);
  w.bulkString('radix-tree-nodes');
  w.int(stream.radixTreeNodes());
  w.bulkString('last-generated-id');
  replyId(w, stream.lastId);
  w.bulkString('max-deleted-entry-id');
  replyId(w, stream.maxDeletedId);
  w.bulkString('entries-added');
  w.int(stream.entriesAdded);
  w.bulkString('recorded-first-entry-id');
  replyId(w, stream.firstId);
  if (!full) {
    w.bulkString('groups');
    w.int(stream.groups.size);
    const write = entryWriter(w);
    for (const [name, last] of [
      ['first-entry', false],
      ['last-entry', true],
    ] as const) {
      w.bulkString(name);
      let found = false;
      stream.range(0n, MAX_ID, last, (...args) => {
        found = true;
        write(...args);
        return false;
      });
      if (!found) w.null();
    }
    return;
  }
  w.bulkString('entries');
  replyRange(w, stream, 0n, MAX_ID, count, false);
  w.bulkString('groups');
  const groups = sortedGroups(stream);
  w.array(groups.length);
  for (const group of groups) {
    w.map(7);
    w.bulkString('name');
    w.bulk(group.name);
    replyGroupPosition(w, stream, group);
    replyPel(w, group.pending, count, true);
    w.bulkString('consumers');
    const consumers = sortedConsumers(group);
    w.array(consumers.length);
    for (const consumer of consumers) {
      w.map(4);
      w.bulkString('name');
      w.bulk(consumer.name);
      w.bulkString('seen-time');
      w.int(consumer.seenTime);
      replyPel(w, consumer.pending, count, false);
    }
  }
}

function xinfoGroups(ctx: CommandContext): void {
  const { w } = ctx;
  const stream = xinfoStreamTarget(ctx);
  const groups = sortedGroups(stream);
  w.array(groups.length);
  for (const group of groups) {
    w.map(6);
    w.bulkString('name');
    w.bulk(group.name);
    w.bulkString('consumers');
    w.int(group.consumers.size);
    w.bulkString('pending');
    w.int(group.pending.length);
    replyGroupPosition(w, stream, group);
  }
}

function xinfoConsumers(ctx: CommandContext): void {
  const { argv, w } = ctx;
  const stream = xinfoStreamTarget(ctx);
  const group = stream.group(argv[3]!);
  if (group === undefined) throw new CommandError(noSuchGroup(argv[3]!, argv[2]!));
  const consumers = sortedConsumers(group);
  const now = ctx.keyspace.now;
  w.array(consumers.length);
  for (const consumer of consumers) {
    w.map(3);
    w.bulkString('name');
    w.bulk(consumer.name);
    w.bulkString('pending');
    w.int(consumer.pending.length);
    w.bulkString('idle');
    w.int(Math.max(0, now - consumer.seenTime));
  }
}

// ---- the table -----------------------------------------------------------------------------------

export const streamCommands: CommandSpec[] = [
  { name: 'xadd', handler: xadd },
  { name: 'xrange', handler: (ctx) => rangeGeneric(ctx, false) },
  { name: 'xrevrange', handler: (ctx) => rangeGeneric(ctx, true) },
  { name: 'xlen', handler: xlen },
  { name: 'xdel', handler: xdel },
  { name: 'xtrim', handler: xtrim },
  { name: 'xsetid', handler: xsetid },
  { name: 'xread', handler: xread, getKeys: xreadKeys },
  { name: 'xreadgroup', handler: xreadgroup, getKeys: xreadKeys },
  { name: 'xack', handler: xack },
  { name: 'xpending', handler: xpending },
  { name: 'xclaim', handler: xclaim },
  { name: 'xautoclaim', handler: xautoclaim },
  {
    name: 'xgroup',
    subcommands: [
      { name: 'xgroup|create', handler: xgroupCreate },
      { name: 'xgroup|setid', handler: xgroupSetid },
      { name: 'xgroup|destroy', handler: xgroupDestroy },
      { name: 'xgroup|createconsumer', handler: xgroupCreateConsumer },
      { name: 'xgroup|delconsumer', handler: xgroupDelConsumer },
      { name: 'xgroup|help', handler: (ctx) => helpReply(ctx.w, 'XGROUP', XGROUP_HELP) },
    ],
  },
  {
    name: 'xinfo',
    subcommands: [
      { name: 'xinfo|stream', handler: xinfoStream },
      { name: 'xinfo|groups', handler: xinfoGroups },
      { name: 'xinfo|consumers', handler: xinfoConsumers },
      { name: 'xinfo|help', handler: (ctx) => helpReply(ctx.w, 'XINFO', XINFO_HELP) },
    ],
  },
];

