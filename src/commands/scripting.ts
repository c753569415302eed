// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and FUNCTION (DUMP and
// RESTORE carry the libraries in RDB's records, src/persistence/rdb/dump.ts). The Lua engine, the script cache
// and the run in progress are in src/scripting/; a script's redis.call goes through the gate's
// check and call on a script client, so its commands get every check and effect. EVAL itself
// is never propagated: a script's effects are (Redis 7), as one unit.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  DUMP_PAYLOAD_WRONG,
  FUNCTION_PAYLOAD_NOT_FUNCTION,
  FUNCTION_RESTORE_POLICY,
  functionRecordUnreadable,
  NOSCRIPT,
  NOTBUSY,
  BUSY_EVAL,
  BUSY_FUNCTION,
  FUNCTION_BAD_NUMKEYS,
  FUNCTION_FLUSH_OPTION,
  FUNCTION_LIST_NAME_MISSING,
  FUNCTION_NOT_FOUND,
  FUNCTION_UNKNOWN_ARGUMENT,
  FUNCTION_UNKNOWN_OPTION,
  LIBRARY_NOT_FOUND,
  NUMKEYS_NEGATIVE,
  NUMKEYS_TOO_MANY,
  SCRIPT_DEBUG_MODE,
  SCRIPT_DEBUG_UNSUPPORTED,
  SCRIPT_FLUSH_OPTION,
  SCRIPT_WRITE_FLAG_RO,
  SHEBANG_INVALID,
  SHEBANG_UNKNOWN_ENGINE,
  SHEBANG_UNKNOWN_FLAG,
  SHEBANG_UNKNOWN_OPTION,
  quoteArg,
  UNKILLABLE,
  unknownSubcommandOrArity,
} from '../errors.ts';
import { functionsDumpPayload, readFunctionsPayload } from '../persistence/rdb/index.ts';
import { libraryCodes, parseLibraryShebang, scriptingOf, ScriptFlag, SHEBANG_FLAGS, type RestorePolicy, type Runnable } from '../scripting/scripting.ts';
import { isWord, longArg } from './args.ts';
import { numkeysKeys } from './keyspec.ts';
import { helpReply } from './server/help.ts';
import { stringMatch } from '../util/glob.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

/** The keys and arguments after a numkeys argument at `at` (EVAL's and FCALL's). */
export function keysAndArgs(argv: readonly Buffer[], at: number): { keys: Buffer[]; args: Buffer[] } {
  const numkeys = longArg(argv[at]!);
  if (numkeys > argv.length - at - 1) throw new CommandError(NUMKEYS_TOO_MANY);
  if (numkeys < 0) throw new CommandError(NUMKEYS_NEGATIVE);
  return { keys: argv.slice(at + 1, at + 1 + numkeys), args: argv.slice(at + 1 + numkeys) };
}

/**
 * A script body's shebang (Redis's evalExtractShebangFlags): its flags, and where the Lua
 * code starts (the shebang line is left out, its newline kept so that line numbers hold).
 * A script without one runs by Redis 6's rules (EvalCompat).
 */
export function parseShebang(body: Buffer): { flags: number; codeStart: number } {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { flags: ScriptFlag.EvalCompat, codeStart: 0 };
  const end = body.indexOf(0x0a);
  if (end < 0) throw new CommandError(SHEBANG_INVALID);
  const parts = body.subarray(0, end).toString('latin1').split(' ').filter((part) => part !== '');
  if (parts[0] !== '#!lua') throw new CommandError(SHEBANG_UNKNOWN_ENGINE(parts[0] ?? '#!'));
  let flags = 0;
  for (const part of parts.slice(1)) flags |= shebangFlagOption(part);
  return { flags, codeStart: end };
}

/** The one shebang option of an EVAL script: flags=<flag>,<flag>... */
function shebangFlagOption(option: string): number {
  if (!option.startsWith('flags=')) throw new CommandError(SHEBANG_UNKNOWN_OPTION(option));
  return parseScriptFlags(option.slice('flags='.length).split(',').filter((flag) => flag !== ''));
}

export function parseScriptFlags(names: readonly string[]): number {
  let flags = 0;
  for (const name of names) {
    const flag = SHEBANG_FLAGS.get(name);
    if (flag === undefined) throw new CommandError(SHEBANG_UNKNOWN_FLAG(name));
    flags |= flag;
  }
  return flags;
}

/** Runs `target` for the command's caller, with Redis's checks of a script's flags. */
export function runScript(ctx: CommandContext, target: Runnable, isEval: boolean, ro: boolean, at: number): void {
  const { keys, args } = keysAndArgs(ctx.argv, at);
  // Only what the script does propagates, not the command that ran it.
  ctx.preventPropagation();
  const declared = (target.flags & ScriptFlag.EvalCompat) === 0;
  const noWrites = (target.flags & ScriptFlag.NoWrites) !== 0;
  if (declared && !noWrites && ro) throw new CommandError(SCRIPT_WRITE_FLAG_RO);
  scriptingOf(ctx.server).execute(ctx.client, ctx.w, ctx.argv, target, isEval, ro || noWrites, keys, args);
}

function evalCommand(ro: boolean) {
  return (ctx: CommandContext): void => {
    const body = ctx.argv[1]!;
    // Redis checks numkeys before it compiles anything.
    keysAndArgs(ctx.argv, 2);
    const { flags, codeStart } = parseShebang(body);
    const script = scriptingOf(ctx.server).load(body, flags, body.subarray(codeStart));
    if (typeof script === 'string') throw new CommandError(script);
    runScript(ctx, script, true, ro, 2);
  };
}

function evalshaCommand(ro: boolean) {
  return (ctx: CommandContext): void => {
    const sha = ctx.argv[1]!;
    // A wrong-sized SHA is refused before numkeys is looked at, a missing one after.
    if (sha.length !== 40) throw new CommandError(NOSCRIPT);
    const script = scriptingOf(ctx.server).find(sha);
    if (script === undefined) {
      keysAndArgs(ctx.argv, 2);
      throw new CommandError(NOSCRIPT);
    }
    runScript(ctx, script, true, ro, 2);
  };
}

/** SCRIPT KILL and FUNCTION KILL (Redis's scriptKill). */
export function killScript(ctx: CommandContext, isEval: boolean): void {
  const scripting = scriptingOf(ctx.server);
  const current = scripting.current;
  if (current === null) throw new CommandError(NOTBUSY);
  if (current.wrote) throw new CommandError(UNKILLABLE);
  if (isEval && !current.isEval) throw new CommandError(BUSY_FUNCTION);
  if (!isEval && current.isEval) throw new CommandError(BUSY_EVAL);
  scripting.kill();
  ctx.w.ok();
}

/** The ASYNC|SYNC option of SCRIPT FLUSH and FUNCTION FLUSH (both flush at once). */
export function checkFlushMode(argv: readonly Buffer[], error: string): void {
  if (argv.length > 3 || (argv.length === 3 && !isWord(argv[2]!, 'sync') && !isWord(argv[2]!, 'async'))) throw new CommandError(error);
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

// Libraries are part of the dataset replicas and the AOF keep: their changes propagate as sent.

function functionLoad(ctx: CommandContext): void {
  const { argv, server, w } = ctx;
  let replace = false;
  for (let i = 2; i < argv.length - 1; i++) {
    if (isWord(argv[i]!, 'replace') && !replace) replace = true;
    else throw new CommandError(FUNCTION_UNKNOWN_OPTION(argv[i]!.toString('latin1')));
  }
  const code = argv[argv.length - 1]!;
  const { name, codeStart } = parseLibraryShebang(code);
  const refused = scriptingOf(server).loadLibrary(name, code, code.subarray(codeStart), replace);
  if (refused !== null) throw new CommandError(refused);
  ctx.forcePropagation();
  w.bulkString(name);
}

function functionList({ argv, server, w }: CommandContext): void {
  let withCode = false;
  let pattern: Buffer | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (isWord(argv[i]!, 'withcode') && !withCode) withCode = true;
    else if (isWord(argv[i]!, 'libraryname') && pattern === null) {
      if (i + 1 >= argv.length) throw new CommandError(FUNCTION_LIST_NAME_MISSING);
      pattern = argv[++i]!;
    } else throw new CommandError(FUNCTION_UNKNOWN_ARGUMENT(argv[i]!.toString('latin1')));
  }
  const libraries = [...scriptingOf(server).libraries.values()].filter((library) => pattern === null || stringMatch(pattern, Buffer.from(library.name, 'latin1')));
  w.array(libraries.length);
  for (const library of libraries) {
    w.map(withCode ? 4 : 3);
    w.bulkString('library_name');
    w.bulkString(library.name);
    w.bulkString('engine');
    w.bulkString('LUA');
    w.bulkString('functions');
    w.array(library.functions.length);
    for (const fn of library.functions) {
      w.map(3);
      w.bulkString('name');
      w.bulkString(fn.name);
      w.bulkString('description');
      if (fn.description === null) w.null();
      else w.bulkString(fn.description);
      w.bulkString('flags');
      const names = [...SHEBANG_FLAGS].filter(([, bit]) => (fn.flags & bit) !== 0).map(([flagName]) => flagName);
      w.set(names.length);
      for (const flagName of names) w.simple(flagName);
    }
    if (withCode) {
      w.bulkString('library_code');
      w.bulk(library.code);
    }
  }
}

function functionStats({ server, w }: CommandContext): void {
  const scripting = scriptingOf(server);
  w.map(2);
  w.bulkString('running_script');
  const current = scripting.current;
  if (current === null || current.isEval) w.null();
  else {
    w.map(3);
    w.bulkString('name');
    w.bulkString(current.name);
    w.bulkString('command');
    w.array(current.argv.length);
    for (const arg of current.argv) w.bulk(arg);
    w.bulkString('duration_ms');
    w.int(current.durationMs);
  }
  w.bulkString('engines');
  w.map(1);
  w.bulkString('LUA');
  w.map(2);
  w.bulkString('libraries_count');
  w.int(scripting.libraries.size);
  w.bulkString('functions_count');
  w.int(scripting.functions.size);
}

function functionDump({ server, w }: CommandContext): void {
  w.bulk(functionsDumpPayload(libraryCodes(server), server.config.bool('rdbcompression')));
}

function functionRestore(ctx: CommandContext): void {
  const { argv, server } = ctx;
  if (argv.length > 4) throw new CommandError(unknownSubcommandOrArity(quoteArg(argv[1]!), 'FUNCTION'));
  let policy: RestorePolicy = 'append';
  if (argv.length === 4) {
    if (isWord(argv[3]!, 'append')) policy = 'append';
    else if (isWord(argv[3]!, 'replace')) policy = 'replace';
    else if (isWord(argv[3]!, 'flush')) policy = 'flush';
    else throw new CommandError(FUNCTION_RESTORE_POLICY);
  }
  const codes = readFunctionsPayload(argv[2]!);
  if (codes === 'footer') throw new CommandError(DUMP_PAYLOAD_WRONG);
  if (codes === 'not-function') throw new CommandError(FUNCTION_PAYLOAD_NOT_FUNCTION);
  if (!Array.isArray(codes)) throw new CommandError(functionRecordUnreadable(codes.unreadable));
  const refused = scriptingOf(server).restoreLibraries(codes, parseLibraryShebang, policy);
  if (refused !== null) throw new CommandError(refused);
  ctx.forcePropagation();
  ctx.w.ok();
}

function fcallCommand(ro: boolean) {
  return (ctx: CommandContext): void => {
    const fn = scriptingOf(ctx.server).functions.get(ctx.argv[1]!.toString('latin1'));
    if (fn === undefined) throw new CommandError(FUNCTION_NOT_FOUND);
    longArg(ctx.argv[2]!, FUNCTION_BAD_NUMKEYS);
    runScript(ctx, fn, false, ro, 2);
  };
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const EVAL_KEYS = numkeysKeys(2, 3);

export const scriptingCommands: CommandSpec[] = [
  { name: 'eval', getKeys: EVAL_KEYS, handler: evalCommand(false) },
  { name: 'eval_ro', getKeys: EVAL_KEYS, handler: evalCommand(true) },
  { name: 'evalsha', getKeys: EVAL_KEYS, handler: evalshaCommand(false) },
  { name: 'evalsha_ro', getKeys: EVAL_KEYS, handler: evalshaCommand(true) },
  {
    name: 'script',
    subcommands: [
      {
        name: 'script|load',
        handler: ({ argv, server, w }) => {
          const body = argv[2]!;
          const { flags, codeStart } = parseShebang(body);
          const script = scriptingOf(server).load(body, flags, body.subarray(codeStart));
          if (typeof script === 'string') throw new CommandError(script);
          w.bulkString(script.name);
        },
      },
      {
        name: 'script|exists',
        handler: ({ argv, server, w }) => {
          const scripts = scriptingOf(server).scripts;
          w.array(argv.length - 2);
          for (let i = 2; i < argv.length; i++) w.int(scripts.has(argv[i]!.toString('latin1').toLowerCase()) ? 1 : 0);
        },
      },
      {
        name: 'script|flush',
        handler: ({ argv, server, w }) => {
          checkFlushMode(argv, SCRIPT_FLUSH_OPTION);
          scriptingOf(server).flush();
          w.ok();
        },
      },
      { name: 'script|kill', handler: (ctx) => killScript(ctx, true) },
      {
        // The Lua debugger is not built: only turning it off is accepted.
        name: 'script|debug',
        handler: ({ argv, w }) => {
          if (isWord(argv[2]!, 'no')) return w.ok();
          if (isWord(argv[2]!, 'yes') || isWord(argv[2]!, 'sync')) throw new CommandError(SCRIPT_DEBUG_UNSUPPORTED);
          throw new CommandError(SCRIPT_DEBUG_MODE);
        },
      },
      { name: 'script|help', handler: ({ w }) => helpReply(w, 'SCRIPT', SCRIPT_HELP) },
    ],
  },
  { name: 'fcall', getKeys: EVAL_KEYS, handler: fcallCommand(false) },
  { name: 'fcall_ro', getKeys: EVAL_KEYS, handler: fcallCommand(true) },
  {
    name: 'function',
    subcommands: [
      { name: 'function|load', handler: functionLoad },
      { name: 'function|list', handler: functionList },
      {
        name: 'function|delete',
        handler: (ctx) => {
          const scripting = scriptingOf(ctx.server);
          const library = scripting.libraries.get(ctx.argv[2]!.toString('latin1'));
          if (library === undefined) throw new CommandError(LIBRARY_NOT_FOUND);
          scripting.deleteLibrary(library);
          ctx.forcePropagation();
          ctx.w.ok();
        },
      },
      {
        name: 'function|flush',
        handler: (ctx) => {
          checkFlushMode(ctx.argv, FUNCTION_FLUSH_OPTION);
          scriptingOf(ctx.server).flushFunctions();
          ctx.forcePropagation();
          ctx.w.ok();
        },
      },
      { name: 'function|stats', handler: functionStats },
      { name: 'function|dump', handler: functionDump },
      { name: 'function|restore', handler: functionRestore },
      { name: 'function|kill', handler: (ctx) => killScript(ctx, false) },
      { name: 'function|help', handler: ({ w }) => helpReply(w, 'FUNCTION', FUNCTION_HELP) },
    ],
  },
];
