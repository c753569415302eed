// The blocking list and sorted-set commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP) and CLIENT UNBLOCK. With data they pop like their non-blocking
// twins, whose helpers they reuse; without, they park the client in the server's blocking
// registry (src/server/blocking.ts), which runs them again once a key they wait on gets data.
//
// Served at once or after blocking, they propagate as the non-blocking command that did the
// same (Redis 7.0's rewrites in t_list.c, t_zset.c and blocked.c): BLPOP as LPOP key, BLMPOP
// as LPOP key count, BLMOVE as LMOVE, BZPOPMIN as ZPOPMIN key, BZMPOP as ZPOPMIN key count.

import {
  CommandError,
  NOT_INTEGER,
  quoteArg,
  TIMEOUT_NEGATIVE,
  TIMEOUT_NOT_FLOAT,
  CLIENT_UNBLOCK_REASON,
  unknownSubcommandOrArity,
  WRONGTYPE,
} from '../errors.ts';
import { ValueType } from '../store/types.ts';
import { LIST_HEAD, LIST_TAIL, type ListEnd } from '../store/types/list.ts';
import type { ZSetValue } from '../store/types/zset.ts';
import { NOT_A_NUMBER, parseDouble, parseSafeInt } from '../util/numbers.ts';
import { isWord } from './args.ts';
import { elementsPopped, listForWrite, listPop, moveGeneric, parseEnd, parseLmpop, propagatePop, replyElement, replyLmpop } from './lists.ts';
import { numkeysKeys } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import { parseZmpop, popMembers, replyPair, replyZmpop } from './zsets.ts';

/**
 * A timeout in seconds (Redis's getTimeoutFromObjectOrReply): milliseconds rounded up, 0 for
 * "forever". Redis casts the milliseconds to a long long, and a value past its range comes out
 * as LLONG_MIN, hence "negative" for inf and huge timeouts.
 */
function parseTimeout(arg: Buffer): number {
  const seconds = parseDouble(arg);
  if (seconds === NOT_A_NUMBER) throw new CommandError(TIMEOUT_NOT_FLOAT);
  const ms = seconds * 1000;
  if (!(ms < 2 ** 63 && ms >= -(2 ** 63))) throw new CommandError(TIMEOUT_NEGATIVE);
  const rounded = Math.ceil(ms);
  if (rounded < 0) throw new CommandError(TIMEOUT_NEGATIVE);
  return rounded === 0 ? 0 : rounded;
}

/** Serves a blocking command from `key`, found at `id` holding a value of the awaited type. */
type Serve = (key: Buffer, id: number) => void;

/**
 * What every blocking command does once its arguments are parsed: serve from the first key
 * holding data (failing on one of another type), answer `none` at once inside MULTI, or block.
 * When the registry serves a waiter, the key that got data goes first.
 */
function popOrBlock(ctx: CommandContext, keys: readonly Buffer[], type: ValueType, timeoutMs: number, serve: Serve, none: () => void): void {
  const { db, server } = ctx;
  const ready = server.blocking.servingKey;
  if (ready !== null) return serve(ready, db.find(ready));
  for (const key of keys) {
    const id = db.find(key);
    if (id < 0) continue;
    if (db.typeOf(id) !== type) throw new CommandError(WRONGTYPE);
    return serve(key, id);
  }
  if (server.denyBlocking) return none();
  server.blocking.block(ctx.client, ctx.argv, keys, type, timeoutMs);
}

// ---- lists -----------------------------------------------------------------------------------

function blockingPop(end: ListEnd) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const timeout = parseTimeout(argv[argv.length - 1]!);
    const serve: Serve = (key, id) => {
      const list = listForWrite(ctx, id);
      w.array(2);
      w.bulk(key);
      list.pop(end, replyElement(ctx));
      elementsPopped(ctx, key, id, list, end);
      propagatePop(ctx, listPop(end), key);
    };
    popOrBlock(ctx, argv.slice(1, -1), ValueType.List, timeout, serve, () => w.nullArray());
  };
}

const LMOVE = Buffer.from('LMOVE');
const RPOPLPUSH = Buffer.from('RPOPLPUSH');
const LEFT = Buffer.from('left');
const RIGHT = Buffer.from('right');

/**
 * BLMOVE and BRPOPLPUSH: argv[1] is the source, argv[2] the destination. They propagate as
 * RPOPLPUSH source destination or LMOVE with the directions as sent, or, served after
 * blocking, in Redis's own lower-case words.
 */
function blockingMove(ctx: CommandContext, from: ListEnd, to: ListEnd, timeoutArg: Buffer): void {
  const timeout = parseTimeout(timeoutArg);
  const serve = () => {
    moveGeneric(ctx, from, to);
    if (!ctx.propagating) return;
    const { argv } = ctx;
    if (argv.length === 4) return ctx.propagateAs([RPOPLPUSH, argv[1]!, argv[2]!]);
    const served = ctx.server.blocking.servingKey !== null;
    const word = (end: ListEnd, sent: Buffer) => (served ? (end === LIST_HEAD ? LEFT : RIGHT) : sent);
    ctx.propagateAs([LMOVE, argv[1]!, argv[2]!, word(from, argv[3]!), word(to, argv[4]!)]);
  };
  popOrBlock(ctx, [ctx.argv[1]!], ValueType.List, timeout, serve, () => ctx.w.null());
}

function blmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereIndex, end, count } = parseLmpop(argv, 2);
  const timeout = parseTimeout(argv[1]!);
  const serve: Serve = (key, id) => replyLmpop(ctx, key, id, end, count);
  popOrBlock(ctx, argv.slice(3, whereIndex), ValueType.List, timeout, serve, () => ctx.w.nullArray());
}

// ---- sorted sets -------------------------------------------------------------------------------

const ZPOPMIN = Buffer.from('ZPOPMIN');
const ZPOPMAX = Buffer.from('ZPOPMAX');

function blockingZpop(max: boolean) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const timeout = parseTimeout(argv[argv.length - 1]!);
    const serve: Serve = (key, id) => {
      const [member, score] = popMembers(ctx, id, 1, max)[0]!;
      w.array(3);
      w.bulk(key);
      replyPair(w, member, 0, member.length, score);
      propagatePop(ctx, max ? ZPOPMAX : ZPOPMIN, key);
    };
    popOrBlock(ctx, argv.slice(1, -1), ValueType.ZSet, timeout, serve, () => w.nullArray());
  };
}

function bzmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereAt, max, count } = parseZmpop(argv, 2);
  const timeout = parseTimeout(argv[1]!);
  const serve: Serve = (key, id) => {
    const size = (ctx.db.objectOf(id) as ZSetValue).size;
    replyZmpop(ctx, key, id, max, count);
    propagatePop(ctx, max ? ZPOPMAX : ZPOPMIN, key, Math.min(count, size));
  };
  popOrBlock(ctx, argv.slice(3, whereAt), ValueType.ZSet, timeout, serve, () => ctx.w.nullArray());
}

// ---- CLIENT UNBLOCK ----------------------------------------------------------------------------

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when the client was blocked (and now is not), else 0. */
export function clientUnblock({ argv, server, w }: CommandContext): void {
  let withError = false;
  if (argv.length === 4) {
    if (isWord(argv[3]!, 'error')) withError = true;
    else if (!isWord(argv[3]!, 'timeout')) throw new CommandError(CLIENT_UNBLOCK_REASON);
  } else if (argv.length > 4) {
    throw new CommandError(unknownSubcommandOrArity(quoteArg(argv[1]!), 'CLIENT'));
  }
  const id = parseSafeInt(argv[2]!);
  if (id === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  const target = server.clients.get(id);
  w.int(target !== undefined && server.blocking.unblock(target, withError) ? 1 : 0);
}

// ---- the table ---------------------------------------------------------------------------------

/** BLMPOP and BZMPOP: timeout, numkeys, keys (Redis's blmpopGetKeys). */
const TIMEOUT_NUMKEYS_KEYS = numkeysKeys(2, 3);

export const blockingCommands: CommandSpec[] = [
  {
    name: 'blpop',
    handler: blockingPop(LIST_HEAD),
  },
  {
    name: 'brpop',
    handler: blockingPop(LIST_TAIL),
  },
  {
    name: 'blmove',
    handler: (ctx) => blockingMove(ctx, parseEnd(ctx.argv[3]!), parseEnd(ctx.argv[4]!), ctx.argv[5]!),
  },
  {
    name: 'brpoplpush',
    handler: (ctx) => blockingMove(ctx, LIST_TAIL, LIST_HEAD, ctx.argv[3]!),
  },
  {
    name: 'blmpop',
    getKeys: TIMEOUT_NUMKEYS_KEYS,
    handler: blmpop,
  },
  {
    name: 'bzpopmin',
    handler: blockingZpop(false),
  },
  {
    name: 'bzpopmax',
    handler: blockingZpop(true),
  },
  {
    name: 'bzmpop',
    getKeys: TIMEOUT_NUMKEYS_KEYS,
    handler: bzmpop,
  },
];
