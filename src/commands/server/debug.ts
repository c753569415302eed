// DEBUG: the subset of Redis's testing hooks that client test suites rely on. Refused unless
// enable-debug-command allows it, with Redis's text.

import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  CommandError,
  DEBUG_MEMORY_VALUE_RANGE,
  DEBUG_NOT_ALLOWED,
  DEBUG_PROTOCOL_TYPES,
  BARE_ERR,
  RELOAD_BAD_OPTION,
  RELOAD_LOAD_FAILED,
  debugDigestUnsupported,
  NO_SUCH_KEY,
  NOT_LISTPACK,
  quoteArg,
  RESP2_NOT_SUPPORTED,
  unknownSubcommandOrArity,
} from '../../errors.ts';
import type { Database } from '../../store/database.ts';
import type { HashValue } from '../../store/types/hash.ts';
import type { ListValue } from '../../store/types/list.ts';
import type { SetValue } from '../../store/types/set.ts';
import type { ZSetValue } from '../../store/types/zset.ts';
import { ENCODING_NAMES, Encoding, TYPE_NAMES, ValueType, newByteRange } from '../../store/types.ts';
import { idMs, idSeq, type StreamValue } from '../../store/types/stream.ts';
import { parseMemory } from '../../util/numbers.ts';
import { NOT_A_NUMBER, formatDouble, parseDouble } from '../../util/numbers.ts';
import { stringMatch } from '../../util/glob.ts';
import type { CommandContext, CommandSpec } from '../spec.ts';
import { helpReply } from './help.ts';
import { randomHex } from '../../server/rates.ts';

function allowed(ctx: CommandContext): boolean {
  const setting = ctx.server.config.get('enable-debug-command');
  if (setting === 'yes') return true;
  if (setting === 'no') return false;
  const addr = ctx.client.addr;
  return addr === '' || addr.startsWith('127.') || addr.startsWith('::1') || addr.startsWith('[::1]');
}

// ---- digests, as Redis's debug.c computes them -------------------------------------------------

function sha1(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function xorDigest(digest: Buffer, bytes: Uint8Array): void {
  const hash = sha1(bytes);
  for (let i = 0; i < 20; i++) digest[i]! ^= hash[i]!;
}

function mixDigest(digest: Buffer, bytes: Uint8Array): void {
  xorDigest(digest, bytes);
  sha1(digest).copy(digest);
}

const EXPIRE_MARK = Buffer.from('!!expire!!');
const range = newByteRange();

/**
 * Redis's xorObjectDigest: ordered values (strings, lists) are mixed in, unordered members
 * (sets, hash fields, scored members) xor-ed, so equal data gives equal digests whatever the
 * encoding.
 */
function objectDigest(db: Database, id: number, digest: Buffer): void {
  const type = db.typeOf(id);
  // Redis's type codes are ours minus one for string through hash; a stream is 6 (OBJ_STREAM).
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(type === ValueType.Stream ? 6 : type - ValueType.String);
  mixDigest(digest, aux);
  switch (type) {
    case ValueType.String:
      db.stringRange(id, range);
      mixDigest(digest, range.buf.subarray(range.start, range.end));
      break;
    case ValueType.List:
      (db.objectOf(id) as ListValue).walk(0, false, (buf, start, end) => {
        mixDigest(digest, buf.subarray(start, end));
      });
      break;
    case ValueType.Set:
      (db.objectOf(id) as SetValue).forEach((member) => xorDigest(digest, member));
      break;
    case ValueType.ZSet: {
      const zset = db.objectOf(id) as ZSetValue;
      zset.range(0, zset.size - 1, false, (member, start, end, score) => {
        const pair = Buffer.alloc(20);
        mixDigest(pair, member.subarray(start, end));
        mixDigest(pair, Buffer.from(formatDouble(score)));
        xorDigest(digest, pair);
      });
      break;
    }
    case ValueType.Hash:
      (db.objectOf(id) as HashValue).forEach((field, fs, fe, value, vs, ve) => {
        const pair = Buffer.alloc(20);
        mixDigest(pair, field.subarray(fs, fe));
        mixDigest(pair, value.subarray(vs, ve));
        xorDigest(digest, pair);
      });
      break;
    case ValueType.Stream:
      // Entries in order, each as "ms.seq" then its fields and values; groups are left out.
      (db.objectOf(id) as StreamValue).forEachEntry((entryId, buf, spans, pairs) => {
        mixDigest(digest, Buffer.from(`${idMs(entryId)}.${idSeq(entryId)}`));
        for (let i = 0; i < 4 * pairs; i += 2) mixDigest(digest, buf.subarray(spans[i], spans[i + 1]));
      });
      break;
    default:
      throw new CommandError(debugDigestUnsupported(TYPE_NAMES[type]));
  }
  if (db.expireAt(id) !== -1) xorDigest(digest, EXPIRE_MARK);
}

function datasetDigest(ctx: CommandContext): string {
  const total = Buffer.alloc(20);
  ctx.keyspace.dbs.forEach((db, index) => {
    if (db.size === 0) return;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(index);
    mixDigest(total, aux);
    db.forEach((id) => {
      const digest = Buffer.alloc(20);
      mixDigest(digest, db.keyOf(id));
      objectDigest(db, id, digest);
      xorDigest(total, digest);
    });
  });
  return total.toString('hex');
}

/** A key's entry without expiring it or touching its LRU clock, as DEBUG looks at keys. */
function peek(ctx: CommandContext, key: Buffer): number {
  const keyspace = ctx.keyspace;
  const touch = keyspace.touchKeys;
  keyspace.touchKeys = false;
  try {
    return ctx.db.find(key);
  } finally {
    keyspace.touchKeys = touch;
  }
}

// ---- DEBUG PROTOCOL -----------------------------------------------------------------------------

const BIGNUM = '1234567999999999999999999999999999999';

function protocol({ argv, client, w }: CommandContext): void {
  const resp3 = client.resp === 3;
  switch (argv[2]!.toString().toLowerCase()) {
    case 'string':
      return w.bulkString('Hello World');
    case 'integer':
      return w.int(12345);
    case 'double':
      return w.double(3.141);
    case 'bignum':
      return resp3 ? w.raw(Buffer.from(`(${BIGNUM}\r\n`)) : w.bulkString(BIGNUM);
    case 'null':
      return w.null();
    case 'array':
    case 'set':
      if (argv[2]!.toString().toLowerCase() === 'set') w.set(3);
      else w.array(3);
      for (let i = 0; i < 3; i++) w.int(i);
      return;
    case 'map':
      w.map(3);
      for (let i = 0; i < 3; i++) {
        w.int(i);
        w.bool(i === 1);
      }
      return;
    case 'attrib':
      if (resp3) {
        w.raw(Buffer.from('|1\r\n'));
        w.bulkString('key-popularity');
        w.array(2);
        w.bulkString('key:123');
        w.int(90);
      }
      return w.bulkString('Some real reply following the attribute');
    case 'push':
      if (!resp3) throw new CommandError(RESP2_NOT_SUPPORTED);
      w.push(2);
      w.bulkString('server-cpu-usage');
      w.int(42);
      return w.bulkString('Some real reply following the push reply');
    case 'verbatim':
      return w.verbatim('This is a verbatim\nstring');
    case 'true':
      return w.bool(true);
    case 'false':
      return w.bool(false);
    default:
      throw new CommandError(DEBUG_PROTOCOL_TYPES);
  }
}

// ---- the other subcommands ------------------------------------------------------------------

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the RDB file, empties the keyspace and loads
 * the file again, as Redis does. With NOFLUSH the file's keys replace existing ones of the
 * same name (Redis's MERGE; without MERGE Redis would stop on such a key).
 */
function reload(ctx: CommandContext): void {
  const { argv, server, keyspace } = ctx;
  const options = new Set<string>();
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toString().toLowerCase();
    if (option !== 'merge' && option !== 'noflush' && option !== 'nosave') throw new CommandError(RELOAD_BAD_OPTION);
    options.add(option);
  }
  const snapshots = server.persistence;
  if (!options.has('nosave')) {
    snapshots.abortBackgroundSave();
    if (!snapshots.save()) throw new CommandError(BARE_ERR);
  }
  if (!options.has('noflush')) for (const db of keyspace.dbs) keyspace.flush(db);
  try {
    snapshots.load();
  } catch (error) {
    server.log.warning(`Error loading the RDB dump: ${(error as Error).message}`);
    throw new CommandError(RELOAD_LOAD_FAILED);
  }
  server.log.notice('DB reloaded by DEBUG RELOAD');
  ctx.w.ok();
}

function debugObject(ctx: CommandContext): void {
  const id = peek(ctx, ctx.argv[2]!);
  if (id < 0) throw new CommandError(NO_SUCH_KEY);
  const db = ctx.db;
  const lru = db.lruOf(id);
  const idle = (ctx.keyspace.lruClock - lru + 0x1000000) % 0x1000000;
  // serializedlength approximates the RDB size with the value's size in memory.
  const size = db.typeOf(id) === ValueType.String ? db.stringLength(id) : db.memoryUsage(id);
  ctx.w.simple(
    `Value at:0x${id.toString(16)} refcount:1 encoding:${ENCODING_NAMES[db.encodingOf(id)]} serializedlength:${size} lru:${lru} lru_seconds_idle:${idle}`,
  );
}

/**
 * Mnemo's own: the keyspace's running memory totals next to a count from scratch of every
 * record, object and structure, and how many keys' running sizes differ from their recount.
 * The two must agree; an O(n) check, for tests and for doubt.
 */
function memoryRecount(ctx: CommandContext): void {
  const keyspace = ctx.keyspace;
  // What lazy freeing has still to free is held, and counted, until it is.
  let dataset = keyspace.lazyFree.pendingBytes;
  let overhead = 0;
  let mismatched = 0;
  for (const db of keyspace.dbs) {
    const counted = db.recountMemory();
    dataset += counted.dataset;
    overhead += counted.overhead;
    mismatched += counted.mismatched.length;
  }
  ctx.w.simple(
    `dataset:${keyspace.datasetBytes} recounted-dataset:${dataset} overhead:${keyspace.overheadBytes} recounted-overhead:${overhead} mismatched-keys:${mismatched}`,
  );
}

/** Blocks the whole server, as Redis's DEBUG SLEEP does (tests use it to stall the event loop). */
function sleep(seconds: number): void {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** A short fuzz of the glob matcher with random patterns: it must never throw or hang. */
function stringmatchFuzz(): void {
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(Math.random() * 256)));
  for (let i = 0; i < 1000; i++) stringMatch(bytes(Math.floor(Math.random() * 32)), bytes(Math.floor(Math.random() * 32)));
}

const HELP = [
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-LEN',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'MEMORY-RECOUNT',
  '    (Mnemo) Count the memory of every key and structure from scratch and show it',
  '    next to the running totals used_memory is made of.',
];

function debug(ctx: CommandContext): void {
  if (!allowed(ctx)) throw new CommandError(DEBUG_NOT_ALLOWED);
  const { argv, server, w } = ctx;
  const sub = argv[1]!.toString().toLowerCase();
  const argc = argv.length;
  if (sub === 'help' && argc === 2) return helpReply(w, 'DEBUG', HELP);
  if (sub === 'sleep' && argc === 3) {
    const seconds = parseDouble(argv[2]!);
    sleep(seconds === NOT_A_NUMBER ? 0 : seconds);
    return w.ok();
  }
  if (sub === 'set-active-expire' && argc === 3) {
    server.activeExpire = argv[2]!.toString() !== '0';
    return w.ok();
  }
  if (sub === 'object' && argc === 3) return debugObject(ctx);
  if (sub === 'reload') return reload(ctx);
  if (sub === 'memory-recount' && argc === 2) return memoryRecount(ctx);
  if (sub === 'protocol' && argc === 3) return protocol(ctx);
  if (sub === 'digest' && argc === 2) return w.simple(datasetDigest(ctx));
  if (sub === 'digest-value') {
    w.array(argc - 2);
    for (let i = 2; i < argc; i++) {
      const digest = Buffer.alloc(20);
      const id = peek(ctx, argv[i]!);
      if (id >= 0) objectDigest(ctx.db, id, digest);
      w.simple(digest.toString('hex'));
    }
    return;
  }
  if (sub === 'stringmatch-len' && argc === 2) {
    stringmatchFuzz();
    return w.simple('Apparently Redis did not crash: test passed');
  }
  if (sub === 'change-repl-id' && argc === 2) {
    server.replId = randomHex();
    return w.ok();
  }
  if (sub === 'quicklist-packed-threshold' && argc === 3) {
    const size = parseMemory(argv[2]!.toString());
    if (size === null || size < 0 || size > 4 * 1024 ** 3) {
      throw new CommandError(DEBUG_MEMORY_VALUE_RANGE);
    }
    // Mnemo's lists have no plain-node threshold to set; the value is checked and accepted.
    return w.ok();
  }
  if (sub === 'listpack' && argc === 3) {
    const id = peek(ctx, argv[2]!);
    if (id < 0) throw new CommandError(NO_SUCH_KEY);
    if (ctx.db.encodingOf(id) !== Encoding.Listpack) throw new CommandError(NOT_LISTPACK);
    console.log(`DEBUG LISTPACK ${argv[2]!.toString()}: ${TYPE_NAMES[ctx.db.typeOf(id)]}, ${ctx.db.memoryUsage(id)} bytes`);
    return w.simple('Listpack structure printed on stdout');
  }
  throw new CommandError(unknownSubcommandOrArity(quoteArg(argv[1]!), 'DEBUG'));
}

export const debugCommands: CommandSpec[] = [
  {
    name: 'debug',
    handler: debug,
  },
];
