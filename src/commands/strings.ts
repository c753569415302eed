// String commands. GET and SET are the hot path: they hash the key straight from the request
// buffer, and GET copies the value from the arena into the reply without an intermediate Buffer.

import { CommandError, SYNTAX, WRONGTYPE, NOT_INTEGER, INVALID_EXPIRE } from '../errors.ts';
import { newByteRange, ValueType } from '../store/types.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const group = 'string';
const range = newByteRange();

function get(ctx: CommandContext): void {
  const { db, w } = ctx;
  const id = db.findForRead(ctx.argv[1]!);
  if (id < 0) return w.null();
  if (db.typeOf(id) !== ValueType.String) throw new CommandError(WRONGTYPE);
  db.stringRange(id, range);
  w.bulkRange(range.buf, range.start, range.end);
}

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;

/** Lower-cased first byte and length identify SET's options without making strings. */
function optionIs(arg: Buffer, name: string): boolean {
  if (arg.length !== name.length) return false;
  for (let i = 0; i < arg.length; i++) if ((arg[i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

function set(ctx: CommandContext): void {
  const { argv, db, w, keyspace } = ctx;
  let flags = 0;
  let expireAt = -1;
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    const hasNext = i + 1 < argv.length;
    if (optionIs(arg, 'nx') && !(flags & XX)) flags |= NX;
    else if (optionIs(arg, 'xx') && !(flags & NX)) flags |= XX;
    else if (optionIs(arg, 'get')) flags |= GET;
    else if (optionIs(arg, 'keepttl') && expireAt < 0) flags |= KEEPTTL;
    else if (hasNext && expireAt < 0 && !(flags & KEEPTTL) && (optionIs(arg, 'ex') || optionIs(arg, 'px') || optionIs(arg, 'exat') || optionIs(arg, 'pxat'))) {
      const n = parseInt64(argv[++i]!);
      if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      const amount = Number(n);
      if (amount <= 0) throw new CommandError(INVALID_EXPIRE('set'));
      const seconds = (arg[0]! | 0x20) === 0x65;
      const absolute = arg.length === 4;
      const ms = seconds ? amount * 1000 : amount;
      if (!Number.isSafeInteger(ms) || (!absolute && !Number.isSafeInteger(ms + keyspace.now))) {
        throw new CommandError(INVALID_EXPIRE('set'));
      }
      expireAt = absolute ? ms : keyspace.now + ms;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  const key = argv[1]!;
  let existing = flags & (NX | XX | GET) ? db.find(key) : -1;
  if (flags & GET) {
    if (existing >= 0 && db.typeOf(existing) !== ValueType.String) throw new CommandError(WRONGTYPE);
  }
  if ((flags & NX && existing >= 0) || (flags & XX && existing < 0)) {
    if (flags & GET) replyString(ctx, existing);
    else w.null();
    return;
  }
  if (flags & GET) replyString(ctx, existing);
  const id = db.setString(key, argv[2]!, (flags & KEEPTTL) !== 0);
  if (expireAt >= 0) db.setExpire(id, expireAt);
  if (!(flags & GET)) w.ok();
}

function replyString(ctx: CommandContext, id: number): void {
  if (id < 0) return ctx.w.null();
  ctx.db.stringRange(id, range);
  ctx.w.bulkRange(range.buf, range.start, range.end);
}

export const stringCommands: CommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['read', 'string', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Get the value of a key',
    since: '1.0.0',
    group,
    complexity: 'O(1)',
    handler: get,
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['write', 'string', 'slow'],
    keys: { first: 1, last: 1, step: 1 },
    summary: 'Set the string value of a key',
    since: '1.0.0',
    group,
    complexity: 'O(1)',
    handler: set,
  },
];
