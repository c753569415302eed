// Running scripts on a server: the script cache (EVAL/EVALSHA/SCRIPT LOAD), the script client
// whose commands go through the gate's check and call, and the one run in progress.
//
// A script is atomic: it runs to its end in the handler of the command that started it, unless
// it runs past busy-reply-threshold. Then its count hook hands the event loop back between
// slices of running; until it ends, other clients' commands get BUSY (except the few flagged
// allow-busy: SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, ...), its caller's next commands
// wait, blocked clients are not served and the cron expires nothing. Its writes form one
// execution unit: they propagate when it ends, wrapped in MULTI/EXEC when more than one.

import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { Flag, type RegisteredCommand } from '../commands/registry.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { errorInfo, luaBytes, pushErrorTable, pushReply, writeLuaValue } from './convert.ts';
import { Interrupt, LogLevel, lua51ParseMessage, LuaEngine, NOMINAL_VM_BYTES, RunStatus, sha1hex, type LibraryFunction, type ScriptHost } from './engine.ts';
import { formatG } from '../util/numbers.ts';
import { Denial } from '../security/acl.ts';
import { lua, toLuaString, type LuaState } from './lua.ts';
import {
  BUSY_EVAL,
  BUSY_FUNCTION,
  CommandError,
  LIBRARY_ENGINE_NOT_FOUND,
  LIBRARY_METADATA_INVALID,
  LIBRARY_METADATA_MISSING,
  LIBRARY_NAME_INVALID,
  LIBRARY_NAME_MISSING,
  SCRIPT_ARGS_NOT_STRINGS,
  SCRIPT_NO_ARGS,
  SCRIPT_NOSCRIPT_COMMAND,
  SCRIPT_ACL_CHECK_INVALID_COMMAND,
  SCRIPT_READONLY_WRITE,
  SCRIPT_UNKNOWN_COMMAND,
  SCRIPT_WRONG_ARITY,
  wrongArity,
} from '../errors.ts';

/** Shebang flags (Redis's SCRIPT_FLAG_*). */
export const ScriptFlag = {
  NoWrites: 1 << 0,
  AllowOom: 1 << 1,
  AllowStale: 1 << 2,
  NoCluster: 1 << 3,
  /** A script without a shebang: Redis 6's rules (writes allowed, checked per command). */
  EvalCompat: 1 << 4,
  AllowCrossSlot: 1 << 5,
} as const;

export const SHEBANG_FLAGS: ReadonlyMap<string, number> = new Map([
  ['no-writes', ScriptFlag.NoWrites],
  ['allow-oom', ScriptFlag.AllowOom],
  ['allow-stale', ScriptFlag.AllowStale],
  ['no-cluster', ScriptFlag.NoCluster],
  ['allow-cross-slot-keys', ScriptFlag.AllowCrossSlot],
]);

/** What a run executes: a compiled chunk (EVAL) or a library function (FCALL). */
export interface Runnable {
  /** Registry reference of the Lua function. */
  readonly ref: number;
  /** The name errors and logs give: the SHA of an EVAL script, the function's name. */
  readonly name: string;
  readonly flags: number;
}

/** The run in progress. */
interface Run {
  readonly caller: Client;
  readonly w: ReplyWriter;
  readonly target: Runnable;
  readonly isEval: boolean;
  readonly readOnly: boolean;
  /** The command that started it (FUNCTION STATS). */
  readonly argv: readonly Buffer[];
  readonly started: number;
  /** Reply protocol of redis.call's replies and of the script's booleans (redis.setresp). */
  resp: 2 | 3;
  /** The script wrote to the dataset: SCRIPT KILL refuses (UNKILLABLE). */
  wrote: boolean;
  killed: boolean;
  /** Past busy-reply-threshold: running in slices, others get BUSY. */
  busy: boolean;
  /**
   * Whether it may hand the event loop back: not when it runs inside another command (EXEC),
   * whose later commands and reply must wait for it.
   */
  readonly mayYield: boolean;
  sliceStarted: number;
}

/** How long a busy script runs before the event loop gets another turn. */
const BUSY_SLICE_MS = 10;

const scriptingByServer = new WeakMap<Server, Scripting>();

/** The server's scripting, created with its Lua state on first use. */
export function scriptingOf(server: Server): Scripting {
  let scripting = scriptingByServer.get(server);
  if (scripting === undefined) {
    scripting = new Scripting(server);
    scriptingByServer.set(server, scripting);
  }
  return scripting;
}

/** The server's scripting if any script ran (INFO reads it without creating a Lua state). */
export function existingScripting(server: Server): Scripting | undefined {
  return scriptingByServer.get(server);
}

/** SHUTDOWN NOSAVE stops a busy script: it never resumes. */
export function abortScripts(server: Server): void {
  scriptingByServer.get(server)?.abort();
}

/**
 * INFO memory's scripting fields, in Redis 7.0's order. The Lua states' sizes are nominal
 * (their objects live on the JS heap, counted in used_memory_js_heap); the scripts' are their
 * bodies.
 */
export function scriptingMemoryFields(server: Server, human: (bytes: number) => string): [string, number | string][] {
  const scripting = scriptingByServer.get(server);
  const vm = NOMINAL_VM_BYTES;
  const scripts = scripting?.scriptBytes ?? 0;
  const functions = scripting?.functionBytes ?? 0;
  return [
    ['used_memory_lua', vm],
    ['used_memory_vm_eval', vm],
    ['used_memory_lua_human', human(vm)],
    ['used_memory_scripts_eval', scripts],
    ['number_of_cached_scripts', scripting?.scripts.size ?? 0],
    ['number_of_functions', scripting?.functions.size ?? 0],
    ['used_memory_vm_functions', vm],
    ['used_memory_vm_total', vm * 2],
    ['used_memory_vm_total_human', human(vm * 2)],
    ['used_memory_functions', functions],
    ['used_memory_scripts', scripts + functions],
    ['used_memory_scripts_human', human(scripts + functions)],
  ];
}

/**
 * A library's first line (functionExtractLibMetaData): "#!lua name=<library>"; the name and
 * where the Lua code starts (its newline kept, so that line numbers count the shebang).
 */
export function parseLibraryShebang(code: Buffer): { name: string; codeStart: number } {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) throw new CommandError(LIBRARY_METADATA_MISSING);
  const newline = code.indexOf(0x0a);
  const end = newline < 0 ? code.length : newline;
  const parts = code.subarray(0, end).toString('latin1').split(' ').filter((part) => part !== '');
  const engine = parts[0]!.slice(2);
  if (engine.toLowerCase() !== 'lua') throw new CommandError(LIBRARY_ENGINE_NOT_FOUND(engine));
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('name=')) throw new CommandError(LIBRARY_METADATA_INVALID(part));
    name = part.slice('name='.length);
  }
  if (name === null) throw new CommandError(LIBRARY_NAME_MISSING);
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new CommandError(LIBRARY_NAME_INVALID);
  return { name, codeStart: end };
}

/** The library codes an RDB file written now holds (none when no library was ever loaded). */
export function libraryCodes(server: Server): Buffer[] {
  const scripting = existingScripting(server);
  return scripting === undefined ? [] : [...scripting.libraries.values()].map((library) => library.code);
}

/** Loads a library record of an RDB file, replacing a library of the same name; the error, or null. */
export function loadLibraryFromRdb(server: Server, code: Buffer): string | null {
  try {
    const { name, codeStart } = parseLibraryShebang(code);
    return scriptingOf(server).loadLibrary(name, code, code.subarray(codeStart), true);
  } catch (error) {
    if (error instanceof CommandError) return error.message;
    throw error;
  }
}

/** A function of a library (FCALL runs it). */
export interface LibraryFunctionEntry extends Runnable {
  readonly description: string | null;
  readonly library: Library;
}

/** A library FUNCTION LOAD made. */
export interface Library {
  readonly name: string;
  readonly code: Buffer;
  readonly functions: LibraryFunctionEntry[];
}

/** A library whose code ran and registered its functions, not yet among the loaded ones. */
interface CompiledLibrary {
  readonly name: string;
  readonly code: Buffer;
  readonly functions: readonly LibraryFunction[];
}

/** FUNCTION RESTORE's handling of the libraries already loaded. */
export type RestorePolicy = 'flush' | 'append' | 'replace';

export interface CachedScript extends Runnable {
  readonly body: Buffer;
}

export class Scripting implements ScriptHost {
  readonly engine: LuaEngine;
  /** EVAL scripts by SHA1 (lower-case hex). */
  readonly scripts = new Map<string, CachedScript>();
  /** Bytes of the cached scripts' bodies (INFO used_memory_scripts_eval). */
  scriptBytes = 0;
  private lastFound: { sha: Buffer; script: CachedScript } | null = null;
  /** Function libraries by name, and their functions by name. */
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, LibraryFunctionEntry>();
  private run: Run | null = null;
  private readonly client: Client;

  constructor(private readonly server: Server) {
    this.engine = new LuaEngine(this);
    // The script client is no connection: made like one, then kept out of the client list.
    this.client = server.createClient();
    server.clients.delete(this.client.id);
    server.addCheck((client, cmd, argv) => this.refuseWhileBusy(client, cmd, argv));
  }

  get running(): boolean {
    return this.run !== null;
  }

  /** Whether a script has run past busy-reply-threshold and others are answered BUSY. */
  get busy(): boolean {
    return this.run?.busy ?? false;
  }

  /** The running script's kind and whether it wrote, for SCRIPT KILL / FUNCTION KILL. */
  get current(): { isEval: boolean; wrote: boolean; name: string; argv: readonly Buffer[]; durationMs: number } | null {
    const run = this.run;
    if (run === null) return null;
    return { isEval: run.isEval, wrote: run.wrote, name: run.target.name, argv: run.argv, durationMs: Math.floor(performance.now() - run.started) };
  }

  kill(): void {
    if (this.run === null) return;
    this.run.killed = true;
    this.server.log.warning('Lua script killed by user with SCRIPT KILL.');
  }

  abort(): void {
    if (this.run === null) return;
    this.run = null;
    this.engine.finish(true);
    this.server.scriptCaller = null;
  }

  private refuseWhileBusy(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): string | null {
    const run = this.run;
    if (run === null || !run.busy || client === this.client) return null;
    const refusal = run.isEval ? BUSY_EVAL : BUSY_FUNCTION;
    if (!cmd.has(Flag.AllowBusy)) return refusal;
    // SHUTDOWN only as NOSAVE: saving would snapshot the script's half-done writes.
    if (cmd.spec.name === 'shutdown' && !argv.some((arg, i) => i > 0 && arg.toString('latin1').toLowerCase() === 'nosave')) return refusal;
    return null;
  }

  /** Caches an EVAL script (SCRIPT LOAD, first EVAL); its SHA, or the compile error. */
  load(body: Buffer, flags: number, luaBody: Buffer): CachedScript | string {
    const sha = sha1hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) return cached;
    const compiled = this.engine.compile(luaBody, '@user_script');
    if (typeof compiled === 'string') return `ERR Error compiling script (new function): ${lua51ParseMessage(compiled)}`;
    const script: CachedScript = { ref: compiled, name: sha, flags, body: Buffer.from(body) };
    this.scripts.set(sha, script);
    this.scriptBytes += body.length;
    return script;
  }

  /**
   * The cached script of an EVALSHA's SHA (hex in any letter case). The last one found is
   * remembered by its bytes, so that a client calling one script again and again does not
   * turn the SHA into a string for every call.
   */
  find(sha: Buffer): CachedScript | undefined {
    const last = this.lastFound;
    if (last !== null && sha.equals(last.sha)) return last.script;
    const script = this.scripts.get(sha.toString('latin1').toLowerCase());
    if (script !== undefined) this.lastFound = { sha: Buffer.from(sha), script };
    return script;
  }

  flush(): void {
    for (const script of this.scripts.values()) this.engine.release(script.ref);
    this.scripts.clear();
    this.lastFound = null;
    this.scriptBytes = 0;
  }

  /** Bytes of the function libraries' code (INFO used_memory_functions). */
  get functionBytes(): number {
    let bytes = 0;
    for (const library of this.libraries.values()) bytes += library.code.length;
    return bytes;
  }

  /**
   * FUNCTION LOAD: runs the library's code (after its shebang line) and keeps what it
   * registered; null, or the error to answer. A library replaced keeps its place.
   */
  loadLibrary(name: string, code: Buffer, luaCode: Buffer, replace: boolean): string | null {
    const existing = this.libraries.get(name);
    if (existing !== undefined && !replace) return `ERR Library '${name}' already exists`;
    const compiled = this.compileLibrary(name, code, luaCode);
    if (typeof compiled === 'string') return compiled;
    const clash = this.functionClash([compiled], existing === undefined ? [] : [existing]);
    if (clash !== null) {
      this.release([compiled]);
      return clash;
    }
    if (existing !== undefined) this.deleteLibrary(existing);
    this.link(compiled);
    return null;
  }

  /**
   * FUNCTION RESTORE: compiles every library of a payload apart from those loaded (in Redis, a
   * library context of their own), then adds them by `policy`; nothing changes on an error,
   * which is returned. `parse` is the shebang parser FUNCTION LOAD uses, which may throw.
   */
  restoreLibraries(codes: readonly Buffer[], parse: (code: Buffer) => { name: string; codeStart: number }, policy: RestorePolicy): string | null {
    const staged: CompiledLibrary[] = [];
    const fail = (error: string): string => {
      this.release(staged);
      return error;
    };
    try {
      for (const code of codes) {
        const { name, codeStart } = parse(code);
        if (staged.some((library) => library.name === name)) return fail(`ERR Library '${name}' already exists`);
        const compiled = this.compileLibrary(name, code, code.subarray(codeStart));
        if (typeof compiled === 'string') return fail(compiled);
        const twin = compiled.functions.find((fn) => staged.some((library) => library.functions.some((other) => other.name === fn.name)));
        staged.push(compiled);
        if (twin !== undefined) return fail(`ERR Function ${twin.name} already exists`);
      }
    } catch (error) {
      this.release(staged);
      throw error;
    }
    if (policy === 'flush') {
      this.flushFunctions();
    } else {
      const replaced: Library[] = [];
      for (const library of staged) {
        const existing = this.libraries.get(library.name);
        if (existing === undefined) continue;
        if (policy === 'append') return fail(`ERR Library ${library.name} already exists`);
        replaced.push(existing);
      }
      const clash = this.functionClash(staged, replaced);
      if (clash !== null) return fail(clash);
      for (const library of replaced) this.deleteLibrary(library);
    }
    for (const library of staged) this.link(library);
    return null;
  }

  /** Runs a library's code, which registers its functions; the error to answer when that fails. */
  private compileLibrary(name: string, code: Buffer, luaCode: Buffer): CompiledLibrary | string {
    const registered = this.engine.loadLibrary(luaCode, (flag) => SHEBANG_FLAGS.get(flag));
    if (typeof registered === 'string') return registered;
    const compiled: CompiledLibrary = { name, code: Buffer.from(code), functions: registered };
    if (registered.length > 0) return compiled;
    this.release([compiled]);
    return 'ERR No functions registered';
  }

  private release(compiled: readonly CompiledLibrary[]): void {
    for (const library of compiled) for (const fn of library.functions) this.engine.release(fn.ref);
  }

  /** The error for the first of their functions that a loaded library (other than those `leaving`) has. */
  private functionClash(compiled: readonly CompiledLibrary[], leaving: readonly Library[]): string | null {
    for (const library of compiled) {
      for (const fn of library.functions) {
        const owner = this.functions.get(fn.name)?.library;
        if (owner !== undefined && !leaving.includes(owner)) return `ERR Function ${fn.name} already exists`;
      }
    }
    return null;
  }

  private link(compiled: CompiledLibrary): void {
    const library: Library = { name: compiled.name, code: compiled.code, functions: [] };
    for (const fn of compiled.functions) {
      const entry: LibraryFunctionEntry = { ...fn, library };
      library.functions.push(entry);
      this.functions.set(fn.name, entry);
    }
    this.libraries.set(compiled.name, library);
  }

  deleteLibrary(library: Library): void {
    for (const fn of library.functions) {
      this.functions.delete(fn.name);
      this.engine.release(fn.ref);
    }
    this.libraries.delete(library.name);
  }

  flushFunctions(): void {
    for (const library of [...this.libraries.values()]) this.deleteLibrary(library);
  }

  /**
   * Runs a script or function for `caller`, answering on `w`. Returns false when it ran
   * past busy-reply-threshold and goes on asynchronously (it answers when it ends).
   */
  execute(caller: Client, w: ReplyWriter, argv: readonly Buffer[], target: Runnable, isEval: boolean, readOnly: boolean, keys: readonly Buffer[], args: readonly Buffer[]): boolean {
    const now = performance.now();
    const mayYield = !this.server.denyBlocking;
    const run: Run = { caller, w, argv, target, isEval, readOnly, started: now, resp: 2, wrote: false, killed: false, busy: false, mayYield, sliceStarted: now };
    this.run = run;
    this.server.scriptCaller = caller;
    const client = this.client;
    client.db = caller.db;
    client.resp = 2;
    client.user = caller.user;
    const engine = this.engine;
    let status: RunStatus;
    if (isEval) {
      engine.setKeysAndArgs(keys, args);
      status = engine.start(target.ref, []);
    } else status = engine.start(target.ref, [keys, args]);
    if (status !== RunStatus.Suspended) {
      this.end(status);
      return true;
    }
    // Its writes stay one unit until it ends.
    this.server.effects.beginUnit();
    setImmediate(() => this.continue(run));
    return false;
  }

  private continue(run: Run): void {
    if (this.run !== run) return;
    run.sliceStarted = performance.now();
    const status = this.engine.resume();
    if (status === RunStatus.Suspended) {
      setImmediate(() => this.continue(run));
      return;
    }
    this.end(status);
    const server = this.server;
    server.effects.endUnit();
    if (server.blocking.hasReady) server.blocking.serveReady();
    run.caller.resume();
  }

  /** Answers the caller with the script's result or error. */
  private end(status: RunStatus): void {
    const run = this.run!;
    const engine = this.engine;
    const L = engine.L;
    try {
      if (status === RunStatus.Done) {
        engine.takeResult();
        writeLuaValue(L, run.w, run.resp);
      } else {
        engine.takeError();
        const info = errorInfo(L, -1);
        let message = info.message;
        if (info.line !== null && info.source !== null) message += ` script: ${run.target.name}, on ${info.source}:${info.line}.`;
        writeUncounted(run.w, message, ignoresErrorStats(L));
      }
    } finally {
      lua.lua_settop(L, 0);
      engine.finish(status !== RunStatus.Done);
    }
    this.run = null;
    this.server.scriptCaller = null;
  }

  interrupt(): Interrupt {
    const run = this.run;
    if (run === null) return Interrupt.Continue;
    if (run.killed) return Interrupt.Kill;
    const now = performance.now();
    if (run.busy) return now - run.sliceStarted >= BUSY_SLICE_MS ? Interrupt.Yield : Interrupt.Continue;
    const threshold = this.server.config.number('busy-reply-threshold');
    if (!run.mayYield || threshold <= 0 || now - run.started < threshold) return Interrupt.Continue;
    run.busy = true;
    this.server.log.warning(
      `Slow script detected: still in execution after ${Math.round(now - run.started)} milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.target.name}.`,
    );
    return Interrupt.Yield;
  }

  setResp(resp: 2 | 3): void {
    this.run!.resp = resp;
    this.client.resp = resp;
  }

  setRepl(): void {
    // Mnemo has one propagation stream (no AOF/replica split yet): every script write goes to it.
  }

  log(level: number, text: string): void {
    const log = this.server.log;
    if (level === LogLevel.Debug) log.debug(text);
    else if (level === LogLevel.Verbose) log.verbose(text);
    else if (level === LogLevel.Notice) log.notice(text);
    else log.warning(text);
  }

  /** redis.call / redis.pcall (luaRedisGenericCommand and scriptCall). */
  call(L: LuaState, raise: boolean): number {
    const argc = lua.lua_gettop(L);
    if (argc === 0) return this.callError(L, SCRIPT_NO_ARGS, raise);
    const argv = commandArguments(L);
    if (argv === null) return this.callError(L, SCRIPT_ARGS_NOT_STRINGS, raise);
    const run = this.run!;
    const server = this.server;
    const client = this.client;
    const cmd = server.resolve(argv);
    if (cmd === undefined) return this.callError(L, SCRIPT_UNKNOWN_COMMAND, raise);
    const arity = cmd.arity;
    if ((arity > 0 && argc !== arity) || argc < -arity) return this.callError(L, SCRIPT_WRONG_ARITY, raise);
    if (cmd.has(Flag.Noscript)) return this.callError(L, SCRIPT_NOSCRIPT_COMMAND, raise);
    // Before the gate, whose ACL check would give the top-level NOPERM text and log context.
    const denied = server.acl.scriptCheck(client, cmd, argv);
    if (denied !== null) return this.callError(L, denied, raise);
    if (run.readOnly && cmd.has(Flag.Write | Flag.MayReplicate)) return this.callError(L, SCRIPT_READONLY_WRITE, raise);
    const refused = server.check(client, cmd, argv);
    if (refused !== null) return this.callError(L, refused === wrongArity(cmd.fullName) ? SCRIPT_WRONG_ARITY : '-' + refused, raise);
    const changes = server.keyspace.changes;
    server.call(client, cmd, argv);
    if (server.keyspace.changes !== changes) run.wrote = true;
    const reply = client.w.take()!;
    pushReply(L, reply);
    if (raise && reply[0] === 0x2d) return lua.lua_error(L);
    return 1;
  }

  /** redis.acl_check_cmd: whether the script's user may run the command in the arguments. */
  aclCheck(L: LuaState): number {
    const argv = commandArguments(L);
    if (argv === null) return this.callError(L, SCRIPT_ARGS_NOT_STRINGS, true);
    const cmd = this.server.resolve(argv);
    if (cmd === undefined) return this.callError(L, SCRIPT_ACL_CHECK_INVALID_COMMAND, true);
    lua.lua_pushboolean(L, this.server.acl.checkUser(this.client.user, cmd, argv) === Denial.None ? 1 : 0);
    return 1;
  }

  private callError(L: LuaState, text: string, raise: boolean): number {
    pushErrorTable(L, text);
    return raise ? lua.lua_error(L) : 1;
  }
}

/** The command in the arguments on the stack (which it empties), or null when one is neither a string nor a number. */
function commandArguments(L: LuaState): Buffer[] | null {
  const argc = lua.lua_gettop(L);
  const argv: Buffer[] = new Array(argc);
  for (let i = 0; i < argc; i++) {
    const type = lua.lua_type(L, i + 1);
    // Redis formats numbers with %.17g, not Lua's %.14g, so that no precision is lost.
    if (type === lua.LUA_TNUMBER) argv[i] = Buffer.from(numberArgument(lua.lua_tonumber(L, i + 1)), 'latin1');
    else if (type === lua.LUA_TSTRING) argv[i] = luaBytes(L, i + 1);
    else {
      lua.lua_settop(L, 0);
      return null;
    }
  }
  lua.lua_settop(L, 0);
  return argv;
}

/** %.17g, as Redis turns a Lua number into a command argument. */
function numberArgument(value: number): string {
  return Number.isNaN(value) ? '-nan' : formatG(value, 17);
}


const IGNORE_ERROR_STATS = toLuaString('ignore_error_stats_update');

function ignoresErrorStats(L: LuaState): boolean {
  lua.lua_getfield(L, -1, IGNORE_ERROR_STATS);
  const ignore = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  return ignore;
}

/** An error reply that, when a command inside the script already counted it, is not counted again. */
function writeUncounted(w: ReplyWriter, message: string, uncounted: boolean): void {
  if (!uncounted) return w.error(message);
  const onError = w.onError;
  w.onError = null;
  w.error(message);
  w.onError = onError;
}
