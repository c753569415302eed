// One Lua state and what Redis 7.0 puts in it: the Lua 5.1 library set (base, table, string,
// math, coroutine; no io/os/debug/require/print), the 5.1 functions 5.3 dropped (unpack,
// loadstring, math.pow, table.getn, ...), the `redis` table, Redis's pcall and math.random,
// the libraries cjson, cmsgpack, bit and struct, and Redis's protection: globals and library
// tables are read-only ("Attempt to modify a readonly table") and reading a global that does
// not exist fails ("Script attempted to access nonexistent global variable").
//
// A script or function runs as a coroutine, so that the count hook can hand the event loop
// back (yield) once a script has run past busy-reply-threshold: other clients then get BUSY
// replies, and SCRIPT KILL can reach the script, whose next hook raises the kill error.

import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { REDIS_VERSION } from '../version.ts';
import { luaBytes, pushErrorTable } from './convert.ts';
import { lauxlib, lua, lua51Source, luaKey, lualib, luaNumberText, pushStringArray, rawSetStringArray, toLuaString, type LuaKey, type LuaState, type LuaTable } from './lua.ts';
import { openLibraries } from './libs/index.ts';

/** What the engine asks of the server while a script runs (implemented by scripting.ts). */
export interface ScriptHost {
  /** redis.call (raise) / redis.pcall: runs the command in the arguments on the stack. */
  call(L: LuaState, raise: boolean): number;
  /** redis.acl_check_cmd: pushes whether the caller's user may run the command in the arguments. */
  aclCheck(L: LuaState): number;
  setResp(resp: 2 | 3): void;
  setRepl(flags: number): void;
  log(level: number, text: string): void;
  /** Asked every HOOK_INSTRUCTIONS instructions: go on, give the event loop a turn, or stop. */
  interrupt(): Interrupt;
  /** Whether a run is in progress (redis.call outside one fails, as in Redis). */
  readonly running: boolean;
}

export const Interrupt = { Continue: 0, Yield: 1, Kill: 2 } as const;
export type Interrupt = (typeof Interrupt)[keyof typeof Interrupt];

/** Instructions between two looks at the clock (Redis looks every 100000; fengari is slower). */
const HOOK_INSTRUCTIONS = 10000;

export const LogLevel = { Debug: 0, Verbose: 1, Notice: 2, Warning: 3 } as const;

const REDIS_VERSION_NUM = REDIS_VERSION.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** How a run ended (or paused). */
export const RunStatus = { Done: 0, Failed: 1, Suspended: 2 } as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export function sha1hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

// The 5.1 functions Lua 5.3 no longer has, and the 5.3 ones Redis's Lua does not offer.
const LUA51_PRELUDE = `
local math, string, table, pairs, type, error, load = math, string, table, pairs, type, error, load
unpack = table.unpack
loadstring = function(s, chunkname) return load(s, chunkname) end
gcinfo = function() return math.floor(collectgarbage('count')) end
string.gfind = string.gmatch
math.mod = math.fmod
math.pow = function(x, y) return x ^ y end
math.atan2 = function(y, x) return math.atan(y, x) end
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m = m / 2; e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2; e = e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) if a == math.huge then return 1 end if b == math.huge then return -1 end return (a - b) / (a + b) end
table.getn = function(t) return #t end
table.setn = function() error("'setn' is obsolete", 2) end
table.maxn = function(t) local n = 0 for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end return n end
table.foreach = function(t, f) for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
string.pack, string.packsize, string.unpack = nil, nil, nil
math.maxinteger, math.mininteger, math.tointeger, math.type, math.ult = nil, nil, nil, nil, nil
table.move, table.pack, table.unpack = nil, nil, nil
coroutine.isyieldable = nil
rawlen, dofile, loadfile, print = nil, nil, nil, nil
_VERSION = 'Lua 5.1'
-- Redis's message handler lives among the globals; ours adds the same fields after the run.
function __redis__err__handler(err)
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  return err
end
`;

/** What collectgarbage('count') and INFO used_memory_lua report (Redis's empty Lua state holds about 31 KB). */
const NOMINAL_HEAP_KB = 31;
export const NOMINAL_VM_BYTES = NOMINAL_HEAP_KB * 1024;

/** Globals and library tables turned read-only once the environment is built. */
const PROTECTED_LIBRARIES = ['string', 'math', 'table', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct'];

export class LuaEngine {
  readonly L: LuaState;
  /** The coroutine scripts run in; replaced after a run that failed (a dead coroutine). */
  private thread: LuaState | null = null;
  private threadRef = lua.LUA_NOREF;
  /** Set by the hook just before it yields, to tell its yields from a script's own. */
  private hookYielded = false;
  /** The table behind the read-only globals: KEYS and ARGV are set here for each EVAL. */
  private globals: LuaTable | null = null;
  private readonly hook: (L: LuaState) => void;
  /** The Lua strings "KEYS" and "ARGV" as table keys. */
  private readonly keysKey: LuaKey;
  private readonly argvKey: LuaKey;
  /** The globals proxy scripts see, and the environments of function libraries. */
  private globalsProxyRef = lua.LUA_NOREF;
  private functionEnvRef = lua.LUA_NOREF;
  private functionEnvMetaRef = lua.LUA_NOREF;
  private loadEnvRef = lua.LUA_NOREF;
  private runtimeIndexRef = lua.LUA_NOREF;
  /** The functions a FUNCTION LOAD in progress has registered. */
  private registering: { functions: LibraryFunction[]; parseFlag: (name: string) => number | undefined } | null = null;
  /** The PRNG behind math.random (Redis's redisLrand48); as in Redis 7, not reseeded per script. */
  private randState = 0x330en;

  constructor(private readonly host: ScriptHost) {
    const L = lauxlib.luaL_newstate();
    this.L = L;
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['coroutine', lualib.luaopen_coroutine],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
    ] as const) {
      lauxlib.luaL_requiref(L, toLuaString(name), open, 1);
      lua.lua_pop(L, 1);
    }
    this.run(LUA51_PRELUDE, 'prelude');
    openLibraries(L);
    this.registerRedisApi();
    this.registerFunction(null, 'pcall', (S) => this.pcall(S));
    this.registerFunction(null, 'xpcall', (S) => this.xpcall(S));
    this.wrapStringFormat();
    // fengari leaves collection to the JS heap: collectgarbage has nothing to steer, and
    // reports a nominal heap size (Lua 5.1's "count" is in KB).
    this.registerFunction(null, 'collectgarbage', (S) => {
      const option = lua.lua_isnoneornil(S, 1) ? 'collect' : luaBytes(S, 1).toString('latin1');
      if (option === 'count') lua.lua_pushnumber(S, NOMINAL_HEAP_KB);
      else if (option === 'step') lua.lua_pushboolean(S, 0);
      else if (option === 'setpause' || option === 'setstepmul') lua.lua_pushnumber(S, 200);
      else if (['collect', 'stop', 'restart'].includes(option)) lua.lua_pushnumber(S, 0);
      else return lauxlib.luaL_argerror(S, 1, toLuaString(`invalid option '${option}'`));
      return 1;
    });
    // Lua 5.1's tostring prints numbers with %.14g (fengari's would print 1e15 in full).
    this.registerFunction(null, 'tostring', (S) => {
      lauxlib.luaL_checkany(S, 1);
      if (lua.lua_type(S, 1) === lua.LUA_TNUMBER) lua.lua_pushstring(S, toLuaString(luaNumberText(lua.lua_tonumber(S, 1))));
      else lauxlib.luaL_tolstring(S, 1);
      return 1;
    });
    lua.lua_getglobal(L, toLuaString('math'));
    this.registerFunction(-1, 'random', (S) => this.random(S));
    this.registerFunction(-1, 'randomseed', (S) => {
      this.seed(lauxlib.luaL_checkinteger(S, 1));
      return 0;
    });
    lua.lua_pop(L, 1);
    this.protect();
    this.hook = (S) => this.onHook(S);
    // The same Lua strings every time, whose hashes fengari computes once (a new string would
    // be hashed byte by byte for each call).
    this.keysKey = luaKey(L, KEYS);
    this.argvKey = luaKey(L, ARGV);
  }

  private run(code: string, name: string): void {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, toLuaString(code), null, toLuaString(name)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
      throw new Error(`Lua ${name}: ${lua.lua_tojsstring(L, -1)}`);
    }
  }

  /** Sets fn as field `name` of the table at `index`, or as a global when index is null. */
  private registerFunction(index: number | null, name: string, fn: (L: LuaState) => number): void {
    const L = this.L;
    lua.lua_pushcfunction(L, fn);
    if (index === null) lua.lua_setglobal(L, toLuaString(name));
    else lua.lua_setfield(L, index - 1, toLuaString(name));
  }

  private readonly redisLog = (S: LuaState): number => {
    const argc = lua.lua_gettop(S);
    if (argc < 2) return raise(S, 'redis.log() requires two arguments or more.');
    if (!lua.lua_isnumber(S, 1)) return raise(S, 'First argument must be a number (log level).');
    const level = Math.trunc(lua.lua_tonumber(S, 1));
    if (level < LogLevel.Debug || level > LogLevel.Warning) return raise(S, 'Invalid debug level.');
    const parts: string[] = [];
    for (let i = 2; i <= argc; i++) if (lua.lua_isstring(S, i)) parts.push(luaBytes(S, i).toString('latin1'));
    this.host.log(level, parts.join(' '));
    return 0;
  };

  private registerRedisApi(): void {
    const L = this.L;
    const host = this.host;
    lua.lua_newtable(L);
    const set = (name: string, fn: (S: LuaState) => number) => this.registerFunction(-1, name, fn);
    const number = (name: string, value: number) => {
      lua.lua_pushnumber(L, value);
      lua.lua_setfield(L, -2, toLuaString(name));
    };
    const requireRun = (S: LuaState, what: string) => {
      if (host.running) return;
      pushErrorTable(S, `${what} can only be called inside a script invocation`);
      lua.lua_error(S);
    };
    set('call', (S) => {
      requireRun(S, 'redis.call/pcall');
      return host.call(S, true);
    });
    set('pcall', (S) => {
      requireRun(S, 'redis.call/pcall');
      return host.call(S, false);
    });
    set('log', this.redisLog);
    number('LOG_DEBUG', LogLevel.Debug);
    number('LOG_VERBOSE', LogLevel.Verbose);
    number('LOG_NOTICE', LogLevel.Notice);
    number('LOG_WARNING', LogLevel.Warning);
    number('REDIS_VERSION_NUM', REDIS_VERSION_NUM);
    lua.lua_pushstring(L, toLuaString(REDIS_VERSION));
    lua.lua_setfield(L, -2, toLuaString('REDIS_VERSION'));
    set('setresp', (S) => {
      requireRun(S, 'redis.setresp');
      if (lua.lua_gettop(S) !== 1) return raise(S, 'redis.setresp() requires one argument.');
      const resp = Math.trunc(lua.lua_tonumber(S, 1));
      if (resp !== 2 && resp !== 3) return raise(S, 'RESP version must be 2 or 3.');
      host.setResp(resp);
      return 0;
    });
    set('sha1hex', (S) => {
      if (lua.lua_gettop(S) !== 1) return raise(S, 'wrong number of arguments');
      const bytes = lua.lua_isstring(S, 1) ? luaBytes(S, 1) : Buffer.alloc(0);
      lua.lua_pushstring(S, toLuaString(sha1hex(bytes)));
      return 1;
    });
    set('error_reply', (S) => {
      if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(S, 'wrong number or type of arguments');
        return 1;
      }
      const text = luaBytes(S, 1).toString('latin1');
      pushErrorTable(S, text.startsWith('-') ? text : '-' + text);
      return 1;
    });
    set('status_reply', (S) => {
      if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(S, 'wrong number or type of arguments');
        return 1;
      }
      lua.lua_newtable(S);
      lua.lua_pushvalue(S, 1);
      lua.lua_setfield(S, -2, toLuaString('ok'));
      return 1;
    });
    set('set_repl', (S) => {
      requireRun(S, 'redis.set_repl');
      if (lua.lua_gettop(S) !== 1) return raise(S, 'redis.set_repl() requires two arguments.');
      const flags = Math.trunc(lua.lua_tonumber(S, 1));
      if ((flags & ~(Repl.Aof | Repl.Replica)) !== 0) return raise(S, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      host.setRepl(flags);
      return 0;
    });
    number('REPL_NONE', 0);
    number('REPL_AOF', Repl.Aof);
    number('REPL_SLAVE', Repl.Replica);
    number('REPL_REPLICA', Repl.Replica);
    number('REPL_ALL', Repl.Aof | Repl.Replica);
    // Redis 7 always replicates a script's effects: kept for old scripts.
    set('replicate_commands', (S) => {
      lua.lua_pushboolean(S, 1);
      return 1;
    });
    // The Lua debugger (SCRIPT DEBUG) is not built: these do nothing, as outside a debug session.
    set('breakpoint', (S) => {
      lua.lua_pushboolean(S, 0);
      return 1;
    });
    set('debug', () => 0);
    set('acl_check_cmd', (S) => {
      requireRun(S, 'redis.acl_check_cmd');
      if (lua.lua_gettop(S) === 0) return raise(S, 'Please specify at least one argument for this redis lib call');
      return host.aclCheck(S);
    });
    lua.lua_setglobal(L, toLuaString('redis'));
  }

  /**
   * string.format with Lua 5.1's number handling: %s prints a number with %.14g, and the
   * integer conversions truncate a fractional number instead of failing.
   */
  private wrapStringFormat(): void {
    const L = this.L;
    lua.lua_getglobal(L, toLuaString('string'));
    lua.lua_getfield(L, -1, toLuaString('format'));
    lua.lua_pushcclosure(
      L,
      (S: LuaState) => {
        if (lua.lua_type(S, 1) === lua.LUA_TSTRING) {
          const format = luaBytes(S, 1).toString('latin1');
          let arg = 1;
          for (let i = 0; i < format.length; i++) {
            if (format[i] !== '%') continue;
            if (format[++i] === '%') continue;
            while (i < format.length && '-+ #0123456789.'.includes(format[i]!)) i++;
            arg++;
            if (lua.lua_type(S, arg) !== lua.LUA_TNUMBER) continue;
            const n = lua.lua_tonumber(S, arg);
            if (format[i] === 's') lua.lua_pushstring(S, toLuaString(luaNumberText(n)));
            else if ('dicouxX'.includes(format[i]!) && Number.isFinite(n) && !Number.isInteger(n)) lua.lua_pushnumber(S, Math.trunc(n));
            else continue;
            lua.lua_replace(S, arg);
          }
        }
        const argc = lua.lua_gettop(S);
        lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
        lua.lua_insert(S, 1);
        lua.lua_call(S, argc, 1);
        return 1;
      },
      1,
    );
    lua.lua_setfield(L, -2, toLuaString('format'));
    lua.lua_pop(L, 1);
  }

  /**
   * Redis's pcall: as Lua's, except that an error table with an `err` string comes back as
   * that string. A continuation keeps the protected call yieldable (fengari's lua_pcallk).
   */
  private pcall(L: LuaState): number {
    lauxlib.luaL_checkany(L, 1);
    lua.lua_pushboolean(L, 1);
    lua.lua_insert(L, 1);
    const finish = (S: LuaState, status: number): number => {
      if (status === lua.LUA_OK || status === lua.LUA_YIELD) return lua.lua_gettop(S);
      this.afterCaughtError(S);
      if (lua.lua_istable(S, -1)) {
        lua.lua_getfield(S, -1, toLuaString('err'));
        if (lua.lua_isstring(S, -1)) lua.lua_replace(S, -2);
        else lua.lua_pop(S, 1);
      }
      lua.lua_pushboolean(S, 0);
      lua.lua_pushvalue(S, -2);
      return 2;
    };
    return finish(L, lua.lua_pcallk(L, lua.lua_gettop(L) - 2, lua.LUA_MULTRET, 0, 0, finish));
  }

  /** Lua's xpcall, with pcall's care for kills and hooks. */
  private xpcall(L: LuaState): number {
    const n = lua.lua_gettop(L);
    lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
    lua.lua_pushboolean(L, 1);
    lua.lua_pushvalue(L, 1);
    lua.lua_rotate(L, 3, 2);
    const finish = (S: LuaState, status: number): number => {
      if (status === lua.LUA_OK || status === lua.LUA_YIELD) return lua.lua_gettop(S) - 2;
      this.afterCaughtError(S);
      lua.lua_pushboolean(S, 0);
      lua.lua_pushvalue(S, -2);
      return 2;
    };
    return finish(L, lua.lua_pcallk(L, n - 2, lua.LUA_MULTRET, 2, 0, finish));
  }

  /**
   * A protected call caught an error. A killed script's error is raised again, so that no
   * pcall swallows SCRIPT KILL. And hooks are switched back on: fengari's lua_pcallk loses
   * the saved allowhook flag (it clears CIST_OAH instead of setting it), so after an error
   * caught past a yield, the count hook (BUSY, SCRIPT KILL) would never run again.
   */
  private afterCaughtError(L: LuaState): void {
    (L as { allowhook: number }).allowhook = 1;
    if (this.host.interrupt() === Interrupt.Kill) lua.lua_error(L);
  }

  /** Redis's math.random: Lua 5.1's, over redisLrand48 (the same sequence on every platform). */
  private random(L: LuaState): number {
    this.randState = (this.randState * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    const max = 0x7fffffff;
    const r = (Number(this.randState >> 17n) % max) / max;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = lauxlib.luaL_checkinteger(L, 1);
        lauxlib.luaL_argcheck(L, u >= 1, 1, toLuaString('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = lauxlib.luaL_checkinteger(L, 1);
        const u = lauxlib.luaL_checkinteger(L, 2);
        lauxlib.luaL_argcheck(L, l <= u, 2, toLuaString('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return lauxlib.luaL_error(L, toLuaString('wrong number of arguments'));
    }
    return 1;
  }

  /** redisSrand48 (math.randomseed). */
  seed(value: number): void {
    this.randState = ((BigInt(value) & 0xffffffffn) << 16n) | 0x330en;
  }

  /**
   * Makes the globals and library tables read-only: each becomes an empty proxy whose reads
   * fall through to the real table and whose writes fail. A missing global fails too.
   */
  private protect(): void {
    const L = this.L;
    const readonlyError = (S: LuaState) => lauxlib.luaL_error(S, toLuaString('Attempt to modify a readonly table'));
    const proxyOf = () => {
      // Stack: real table -> proxy table (the real one stays reachable through __index).
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      lua.lua_pushvalue(L, -3);
      lua.lua_setfield(L, -2, toLuaString('__index'));
      lua.lua_pushcfunction(L, readonlyError);
      lua.lua_setfield(L, -2, toLuaString('__newindex'));
      lua.lua_pushvalue(L, -3);
      lua.lua_pushcclosure(
        L,
        (S: LuaState) => {
          lua.lua_getglobal(S, toLuaString('next'));
          lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
          lua.lua_pushnil(S);
          return 3;
        },
        1,
      );
      lua.lua_setfield(L, -2, toLuaString('__pairs'));
      lua.lua_pushboolean(L, 0);
      lua.lua_setfield(L, -2, toLuaString('__metatable'));
      lua.lua_setmetatable(L, -2);
      lua.lua_remove(L, -2);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, proxies);
      lua.lua_pushvalue(L, -2);
      lua.lua_pushboolean(L, 1);
      lua.lua_rawset(L, -3);
      lua.lua_pop(L, 1);
    };
    // rawset would write through a proxy: Redis refuses it as any other write.
    lua.lua_newtable(L);
    const proxies = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_getglobal(L, toLuaString('rawset'));
    lua.lua_pushcclosure(
      L,
      (S: LuaState) => {
        lua.lua_rawgeti(S, lua.LUA_REGISTRYINDEX, proxies);
        lua.lua_pushvalue(S, 1);
        const isProxy = lua.lua_rawget(S, -2) !== lua.LUA_TNIL;
        lua.lua_pop(S, 2);
        if (isProxy) {
          lua.lua_pushstring(S, toLuaString('Attempt to modify a readonly table'));
          return lua.lua_error(S);
        }
        lua.lua_pushvalue(S, lua.lua_upvalueindex(1));
        lua.lua_insert(S, 1);
        lua.lua_call(S, lua.lua_gettop(S) - 1, 1);
        return 1;
      },
      1,
    );
    lua.lua_setglobal(L, toLuaString('rawset'));
    lua.lua_pushglobaltable(L);
    const globals = lua.lua_gettop(L);
    for (const name of PROTECTED_LIBRARIES) {
      if (lua.lua_getfield(L, globals, toLuaString(name)) === lua.LUA_TNIL) {
        lua.lua_pop(L, 1);
        continue;
      }
      proxyOf();
      lua.lua_setfield(L, globals, toLuaString(name));
    }
    // A missing global is an error, not nil.
    const missingGlobal = (S: LuaState) =>
      lauxlib.luaL_error(S, toLuaString("Script attempted to access nonexistent global variable '%s'"), lua.lua_tostring(S, 2) ?? toLuaString('?'));
    lua.lua_newtable(L);
    lua.lua_pushcfunction(L, missingGlobal);
    lua.lua_setfield(L, -2, toLuaString('__index'));
    lua.lua_setmetatable(L, globals);
    this.globals = lua.lua_topointer(L, globals);
    lua.lua_pushvalue(L, globals);
    proxyOf();
    // _G names the proxy, and chunks loaded from now on see the proxy as their globals.
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, globals, toLuaString('_G'));
    lua.lua_pushvalue(L, -1);
    this.globalsProxyRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    this.buildFunctionEnvironments(readonlyError, missingGlobal);
    lua.lua_settop(L, 0);
  }

  /**
   * Function libraries see their own read-only globals: while FUNCTION LOAD runs a library's
   * code, only a `redis` table with register_function, log and the version constants (as
   * Redis 7.0's library API); when a function runs, everything a script sees, but no KEYS or
   * ARGV (a function gets its keys and arguments as parameters).
   */
  private buildFunctionEnvironments(readonlyError: (L: LuaState) => number, missingGlobal: (L: LuaState) => number): void {
    const L = this.L;
    const missingMeta = () => {
      lua.lua_newtable(L);
      lua.lua_pushcfunction(L, missingGlobal);
      lua.lua_setfield(L, -2, toLuaString('__index'));
      lua.lua_pushcfunction(L, readonlyError);
      lua.lua_setfield(L, -2, toLuaString('__newindex'));
      lua.lua_setmetatable(L, -2);
    };
    // The load-time environment.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    this.registerFunction(-1, 'register_function', (S) => this.registerLibraryFunction(S));
    this.registerFunction(-1, 'log', this.redisLog);
    for (const [name, value] of Object.entries(LogLevel)) {
      lua.lua_pushnumber(L, value);
      lua.lua_setfield(L, -2, toLuaString(`LOG_${name.toUpperCase()}`));
    }
    lua.lua_pushnumber(L, REDIS_VERSION_NUM);
    lua.lua_setfield(L, -2, toLuaString('REDIS_VERSION_NUM'));
    lua.lua_pushstring(L, toLuaString(REDIS_VERSION));
    lua.lua_setfield(L, -2, toLuaString('REDIS_VERSION'));
    missingMeta();
    lua.lua_setfield(L, -2, toLuaString('redis'));
    missingMeta();
    this.loadEnvRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // The runtime environment: KEYS and ARGV are hidden behind it.
    lua.lua_newtable(L);
    lua.lua_pushboolean(L, 1);
    lua.lua_setfield(L, -2, KEYS);
    lua.lua_pushboolean(L, 1);
    lua.lua_setfield(L, -2, ARGV);
    lua.lua_pushcclosure(
      L,
      (S: LuaState) => {
        if (lua.lua_type(S, 2) === lua.LUA_TSTRING) {
          lua.lua_pushvalue(S, 2);
          const hidden = lua.lua_rawget(S, lua.lua_upvalueindex(1)) !== lua.LUA_TNIL;
          lua.lua_pop(S, 1);
          if (hidden) return missingGlobal(S);
        }
        lua.lua_rawgeti(S, lua.LUA_REGISTRYINDEX, this.globalsProxyRef);
        lua.lua_pushvalue(S, 2);
        lua.lua_gettable(S, -2);
        return 1;
      },
      1,
    );
    this.runtimeIndexRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // The libraries' globals: an empty read-only table whose reads go to one of the two.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_pushcfunction(L, readonlyError);
    lua.lua_setfield(L, -2, toLuaString('__newindex'));
    lua.lua_pushvalue(L, -1);
    this.functionEnvMetaRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_setmetatable(L, -2);
    this.functionEnvRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.setFunctionEnvIndex(this.runtimeIndexRef);
  }

  private setFunctionEnvIndex(ref: number): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.functionEnvMetaRef);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    lua.lua_setfield(L, -2, toLuaString('__index'));
    lua.lua_pop(L, 1);
  }

  /**
   * FUNCTION LOAD: compiles a library's code and runs it in the load-time environment; the
   * functions it registered, or the error to answer.
   */
  loadLibrary(source: Uint8Array, parseFlag: (name: string) => number | undefined): LibraryFunction[] | string {
    const L = this.L;
    const code = lua51Source(source);
    if (lauxlib.luaL_loadbuffer(L, code, code.length, toLuaString('@user_function')) !== lua.LUA_OK) {
      const message = lua.lua_tojsstring(L, -1) as string;
      lua.lua_settop(L, 0);
      return `ERR Error compiling function: ${lua51ParseMessage(message)}`;
    }
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.functionEnvRef);
    lua.lua_setupvalue(L, -2, 1);
    const registered: LibraryFunction[] = [];
    this.registering = { functions: registered, parseFlag };
    this.setFunctionEnvIndex(this.loadEnvRef);
    const status = lua.lua_pcall(L, 0, 0, 0);
    this.setFunctionEnvIndex(this.runtimeIndexRef);
    this.registering = null;
    if (status === lua.LUA_OK) {
      lua.lua_settop(L, 0);
      return registered;
    }
    for (const fn of registered) this.release(fn.ref);
    let message: string;
    if (lua.lua_istable(L, -1)) {
      lua.lua_getfield(L, -1, toLuaString('err'));
      message = lua.lua_isstring(L, -1) ? luaBytes(L, -1).toString('latin1') : 'ERR unknown error';
    } else {
      lauxlib.luaL_tolstring(L, -1);
      message = 'ERR ' + lua51RuntimeMessage(luaBytes(L, -1).toString('latin1'));
    }
    lua.lua_settop(L, 0);
    return `ERR Error registering functions: ${message}`;
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
  private registerLibraryFunction(L: LuaState): number {
    const registering = this.registering;
    if (registering === null) return raise(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(L);
    let name: string | null = null;
    let description: string | null = null;
    let flags = 0;
    let hasCallback = false;
    if (argc === 1) {
      if (!lua.lua_istable(L, 1)) return raise(L, 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      // Slot 2 keeps the callback while the table is walked.
      lua.lua_settop(L, 2);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1)) {
        if (lua.lua_type(L, -2) !== lua.LUA_TSTRING) return raise(L, 'named argument key given to redis.register_function is not a string');
        const key = luaBytes(L, -2).toString('latin1');
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) return raise(L, 'function_name argument given to redis.register_function must be a string');
          name = luaBytes(L, -1).toString('latin1');
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) return raise(L, 'description argument given to redis.register_function must be a string');
          description = luaBytes(L, -1).toString('latin1');
        } else if (key === 'callback') {
          if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) return raise(L, 'callback argument given to redis.register_function must be a function');
          lua.lua_pushvalue(L, -1);
          lua.lua_replace(L, 2);
          hasCallback = true;
        } else if (key === 'flags') {
          if (!lua.lua_istable(L, -1)) return raise(L, 'flags argument to redis.register_function must be a table representing function flags');
          for (let i = 1; ; i++) {
            lua.lua_rawgeti(L, -1, i);
            if (lua.lua_isnil(L, -1)) {
              lua.lua_pop(L, 1);
              break;
            }
            const flag = lua.lua_isstring(L, -1) ? registering.parseFlag(luaBytes(L, -1).toString('latin1')) : undefined;
            if (flag === undefined) return raise(L, 'unknown flag given');
            flags |= flag;
            lua.lua_pop(L, 1);
          }
        } else return raise(L, 'unknown argument given to redis.register_function');
        lua.lua_pop(L, 1);
      }
      if (name === null) return raise(L, 'redis.register_function must get a function name argument');
      if (!hasCallback) return raise(L, 'redis.register_function must get a callback argument');
    } else {
      if (argc !== 2) return raise(L, 'wrong number of arguments to redis.register_function');
      if (!lua.lua_isstring(L, 1)) return raise(L, 'first argument to redis.register_function must be a string');
      if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) return raise(L, 'second argument to redis.register_function must be a function');
      name = luaBytes(L, 1).toString('latin1');
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) return raise(L, 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    if (registering.functions.some((fn) => fn.name === name)) return raise(L, 'Function already exists in the library');
    lua.lua_pushvalue(L, 2);
    registering.functions.push({ name, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), flags, description });
    return 0;
  }

  /** Compiles a chunk; its registry reference, or Lua's error message. */
  compile(source: Uint8Array, chunkName: string): number | string {
    const L = this.L;
    const body = lua51Source(source);
    if (lauxlib.luaL_loadbuffer(L, body, body.length, toLuaString(chunkName)) !== lua.LUA_OK) {
      const message = lua.lua_tojsstring(L, -1) as string;
      lua.lua_pop(L, 1);
      return message;
    }
    return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Sets the KEYS and ARGV globals of an EVAL script. */
  setKeysAndArgs(keys: readonly Buffer[], args: readonly Buffer[]): void {
    rawSetStringArray(this.L, this.globals!, this.keysKey, keys);
    rawSetStringArray(this.L, this.globals!, this.argvKey, args);
  }

  /**
   * Starts the function `ref` with `args` (tables of keys and arguments for a function, none
   * for an EVAL script) in the script coroutine.
   */
  start(ref: number, args: readonly (readonly Buffer[])[]): RunStatus {
    const co = this.coroutine();
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, ref);
    for (const list of args) pushStringArray(co, list);
    return this.resumeWith(co, args.length);
  }

  /** Continues a suspended run. */
  resume(): RunStatus {
    return this.resumeWith(this.thread!, 0);
  }

  private resumeWith(co: LuaState, nargs: number): RunStatus {
    this.hookYielded = false;
    const status = lua.lua_resume(co, this.L, nargs);
    if (status === lua.LUA_OK) return RunStatus.Done;
    if (status === lua.LUA_YIELD && this.hookYielded) return RunStatus.Suspended;
    if (status === lua.LUA_YIELD) {
      // coroutine.yield() at the top of a script: Redis's pcall'd script cannot yield.
      lua.lua_settop(co, 0);
      pushErrorTable(co, 'attempt to yield across metamethod/C-call boundary');
    }
    return RunStatus.Failed;
  }

  /** Tidies the coroutine after a finished run (a failed one is dropped: it is dead). */
  finish(failed: boolean): void {
    const co = this.thread!;
    if (failed) {
      lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, this.threadRef);
      this.thread = null;
      this.threadRef = lua.LUA_NOREF;
    } else lua.lua_settop(co, 0);
  }

  /** After Done: moves the script's first return value (nil when none) onto the main state. */
  takeResult(): void {
    const co = this.thread!;
    if (lua.lua_gettop(co) === 0) lua.lua_pushnil(this.L);
    else {
      lua.lua_settop(co, 1);
      lua.lua_xmove(co, this.L, 1);
    }
  }

  /**
   * After Failed: moves the error onto the main state as Redis's error table, with `source`
   * and `line` of the Lua code that raised it (what __redis__err__handler adds).
   */
  takeError(): void {
    const co = this.thread!;
    const L = this.L;
    const ar = new lua.lua_Debug();
    let found = lua.lua_getstack(co, 0, ar);
    if (found) {
      lua.lua_getinfo(co, toLuaString('Sl'), ar);
      // A function of the host (redis.call, error, ...): fengari marks them 'J' where Lua says 'C'.
      if (ar.what[0] === 0x4a) {
        found = lua.lua_getstack(co, 1, ar);
        if (found) lua.lua_getinfo(co, toLuaString('Sl'), ar);
      }
    }
    lua.lua_xmove(co, L, 1);
    if (!lua.lua_istable(L, -1)) {
      lauxlib.luaL_tolstring(L, -1);
      const text = lua51RuntimeMessage(luaBytes(L, -1).toString('latin1'));
      lua.lua_pop(L, 2);
      lua.lua_createtable(L, 0, 3);
      lua.lua_pushstring(L, toLuaString('ERR ' + text));
      lua.lua_setfield(L, -2, toLuaString('err'));
    }
    if (found) {
      lua.lua_pushstring(L, ar.source);
      lua.lua_setfield(L, -2, toLuaString('source'));
      lua.lua_pushnumber(L, ar.currentline);
      lua.lua_setfield(L, -2, toLuaString('line'));
    }
  }

  private coroutine(): LuaState {
    if (this.thread !== null) return this.thread;
    const L = this.L;
    const co = lua.lua_newthread(L);
    this.threadRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_sethook(co, this.hook, lua.LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    this.thread = co;
    return co;
  }

  private onHook(L: LuaState): void {
    const action = this.host.interrupt();
    if (action === Interrupt.Kill) {
      // Every instruction from now on raises it again, so that a pcall cannot swallow it.
      lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
      pushErrorTable(L, 'Script killed by user with SCRIPT KILL...');
      lua.lua_error(L);
    } else if (action === Interrupt.Yield && lua.lua_isyieldable(L)) {
      this.hookYielded = true;
      lua.lua_yield(L, 0);
    }
  }

}

const KEYS = toLuaString('KEYS');
const ARGV = toLuaString('ARGV');

/** A function a library registered (redis.register_function). */
export interface LibraryFunction {
  readonly name: string;
  /** Registry reference of its callback. */
  readonly ref: number;
  readonly flags: number;
  readonly description: string | null;
}

/** Lua 5.3 writes "near <eof>" where Lua 5.1 (and so Redis) writes "near '<eof>'". */
export function lua51ParseMessage(message: string): string {
  return message.replace(/ near <eof>$/, " near '<eof>'");
}

/** Bits of redis.set_repl (Redis's PROPAGATE_AOF and PROPAGATE_REPL). */
export const Repl = { Aof: 1, Replica: 2 } as const;

/** Lua 5.3 names the variable after the type ("a nil value (local 't')"), Lua 5.1 before it. */
function lua51RuntimeMessage(message: string): string {
  return message.replace(/attempt to (.+?) a (\S+) value \((\w+) '(.*)'\)$/, "attempt to $1 $3 '$4' (a $2 value)");
}

function raise(L: LuaState, message: string): number {
  pushErrorTable(L, message);
  return lua.lua_error(L);
}

