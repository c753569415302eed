// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. The Lua engine, the script cache
// and the run in progress are in src/scripting/; a script's redis.call goes through the gate's
// check and call on a script client, so its commands get every check and effect. EVAL itself
// is never propagated: a script's effects are (Redis 7), as one unit.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  NOSCRIPT,
  NOTBUSY,
  BUSY_EVAL,
  BUSY_FUNCTION,
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
  UNKILLABLE,
} from '../errors.ts';
import { scriptingOf, ScriptFlag, SHEBANG_FLAGS, type Runnable } from '../scripting/scripting.ts';
import { isWord, longArg } from './args.ts';
import { numkeysKeys } from './keyspec.ts';
import { helpReply } from './server/help.ts';
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
export function parseShebang(body: Buffer, options: (option: string) => number = shebangFlagOption): { flags: number; codeStart: number } {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { flags: ScriptFlag.EvalCompat, codeStart: 0 };
  const end = body.indexOf(0x0a);
  if (end < 0) throw new CommandError(SHEBANG_INVALID);
  const parts = body.subarray(0, end).toString('latin1').split(' ').filter((part) => part !== '');
  if (parts[0] !== '#!lua') throw new CommandError(SHEBANG_UNKNOWN_ENGINE(parts[0] ?? '#!'));
  let flags = 0;
  for (const part of parts.slice(1)) flags |= options(part);
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
  scriptingOf(ctx.server).execute(ctx.client, ctx.w, target, isEval, ro || noWrites, keys, args);
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
    const script = scriptingOf(ctx.server).scripts.get(sha.toString('latin1').toLowerCase());
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
];
