// The blocking list and sorted-set commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP) and CLIENT UNBLOCK. With data they pop like their non-blocking
// twins, whose helpers they reuse; without, they park the client in the server's blocking
// registry (src/server/blocking.ts), which runs them again once a key they wait on gets data.

import { CommandError, NOT_INTEGER, quoteArg, TIMEOUT_NEGATIVE, TIMEOUT_NOT_FLOAT, WRONGTYPE } from '../errors.ts';
import { ValueType } from '../store/types.ts';
import { LIST_HEAD, LIST_TAIL, type ListEnd } from '../store/types/list.ts';
import { NOT_A_NUMBER, parseDouble, parseSafeInt } from '../util/numbers.ts';
import { isWord } from './args.ts';
import { deleteIfEmpty, listForWrite, moveGeneric, parseEnd, parseLmpop, replyElement, replyLmpop } from './lists.ts';
import { numkeysKeys } from './sets.ts';
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
      deleteIfEmpty(ctx, id, list);
    };
    popOrBlock(ctx, argv.slice(1, -1), ValueType.List, timeout, serve, () => w.nullArray());
  };
}

/** BLMOVE and BRPOPLPUSH: argv[1] is the source, argv[2] the destination. */
function blockingMove(ctx: CommandContext, from: ListEnd, to: ListEnd, timeoutArg: Buffer): void {
  const timeout = parseTimeout(timeoutArg);
  popOrBlock(ctx, [ctx.argv[1]!], ValueType.List, timeout, () => moveGeneric(ctx, from, to), () => ctx.w.null());
}

function blmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereIndex, end, count } = parseLmpop(argv, 2);
  const timeout = parseTimeout(argv[1]!);
  const serve: Serve = (key, id) => replyLmpop(ctx, key, id, end, count);
  popOrBlock(ctx, argv.slice(3, whereIndex), ValueType.List, timeout, serve, () => ctx.w.nullArray());
}

// ---- sorted sets -------------------------------------------------------------------------------

function blockingZpop(max: boolean) {
  return (ctx: CommandContext): void => {
    const { argv, w } = ctx;
    const timeout = parseTimeout(argv[argv.length - 1]!);
    const serve: Serve = (key, id) => {
      const [member, score] = popMembers(ctx, id, 1, max)[0]!;
      w.array(3);
      w.bulk(key);
      replyPair(w, member, 0, member.length, score);
    };
    popOrBlock(ctx, argv.slice(1, -1), ValueType.ZSet, timeout, serve, () => w.nullArray());
  };
}

function bzmpop(ctx: CommandContext): void {
  const { argv } = ctx;
  const { whereAt, max, count } = parseZmpop(argv, 2);
  const timeout = parseTimeout(argv[1]!);
  const serve: Serve = (key, id) => replyZmpop(ctx, key, id, max, count);
  popOrBlock(ctx, argv.slice(3, whereAt), ValueType.ZSet, timeout, serve, () => ctx.w.nullArray());
}

// ---- CLIENT UNBLOCK ----------------------------------------------------------------------------

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when the client was blocked (and now is not), else 0. */
export function clientUnblock({ argv, server, w }: CommandContext): void {
  let withError = false;
  if (argv.length === 4) {
    if (isWord(argv[3]!, 'error')) withError = true;
    else if (!isWord(argv[3]!, 'timeout')) throw new CommandError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  } else if (argv.length > 4) {
    throw new CommandError(`ERR unknown subcommand or wrong number of arguments for '${quoteArg(argv[1]!)}'. Try CLIENT HELP.`);
  }
  const id = parseSafeInt(argv[2]!);
  if (id === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  const target = server.clients.get(id);
  w.int(target !== undefined && server.blocking.unblock(target, withError) ? 1 : 0);
}

// ---- the table ---------------------------------------------------------------------------------

const LIST_ACL = ['write', 'list', 'slow', 'blocking'];
const ZSET_ACL = ['write', 'sortedset', 'fast', 'blocking'];
const KEYS_BEFORE_TIMEOUT = { first: 1, last: -2, step: 1 };
const SOURCE_AND_DESTINATION = { first: 1, last: 2, step: 1 };
const MOVE_SUMMARY = 'Pop an element from a list, push it to another list and return it; or block until one is available';

export const blockingCommands: CommandSpec[] = [
  {
    name: 'blpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    acl: LIST_ACL,
    keys: KEYS_BEFORE_TIMEOUT,
    summary: 'Remove and get the first element in a list, or block until one is available',
    since: '2.0.0',
    group: 'list',
    complexity: 'O(N) where N is the number of provided keys.',
    handler: blockingPop(LIST_HEAD),
  },
  {
    name: 'brpop',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    acl: LIST_ACL,
    keys: KEYS_BEFORE_TIMEOUT,
    summary: 'Remove and get the last element in a list, or block until one is available',
    since: '2.0.0',
    group: 'list',
    complexity: 'O(N) where N is the number of provided keys.',
    handler: blockingPop(LIST_TAIL),
  },
  {
    name: 'blmove',
    arity: 6,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    acl: LIST_ACL,
    keys: SOURCE_AND_DESTINATION,
    summary: MOVE_SUMMARY,
    since: '6.2.0',
    group: 'list',
    complexity: 'O(1)',
    handler: (ctx) => blockingMove(ctx, parseEnd(ctx.argv[3]!), parseEnd(ctx.argv[4]!), ctx.argv[5]!),
  },
  {
    name: 'brpoplpush',
    arity: 4,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    acl: LIST_ACL,
    keys: SOURCE_AND_DESTINATION,
    summary: MOVE_SUMMARY,
    since: '2.2.0',
    group: 'list',
    complexity: 'O(1)',
    handler: (ctx) => blockingMove(ctx, LIST_TAIL, LIST_HEAD, ctx.argv[3]!),
  },
  {
    name: 'blmpop',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: LIST_ACL,
    getKeys: numkeysKeys(2),
    summary: 'Pop elements from a list, or block until one is available',
    since: '7.0.0',
    group: 'list',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    handler: blmpop,
  },
  {
    name: 'bzpopmin',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    acl: ZSET_ACL,
    keys: KEYS_BEFORE_TIMEOUT,
    summary: 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    handler: blockingZpop(false),
  },
  {
    name: 'bzpopmax',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    acl: ZSET_ACL,
    keys: KEYS_BEFORE_TIMEOUT,
    summary: 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    handler: blockingZpop(true),
  },
  {
    name: 'bzmpop',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['write', 'sortedset', 'slow', 'blocking'],
    getKeys: numkeysKeys(2),
    summary: 'Remove and return members with scores in a sorted set or block until one is available',
    since: '7.0.0',
    group: 'sorted-set',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    handler: bzmpop,
  },
];
