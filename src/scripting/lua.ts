// The Lua engine: fengari (Lua 5.3 in plain JS), loaded with the changes that give scripts
// Lua 5.1's numbers, which Redis runs: every number is a double (5.3 would keep integer
// literals as fengari's 32-bit integers, which wrap), and numbers print as %.14g ("5", not
// "5.0"; "1e+15"). fengari reads its configuration from FENGARICONF once, at load.

import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { formatG } from '../util/numbers.ts';

const require = createRequire(import.meta.url);

// fengari pops its stack with `delete stack[i]`, which V8 runs as a slow generic property
// deletion (several times per Lua call); storing undefined frees the slot the same way. The
// stack is a holey array whose length fengari keeps itself, so nothing can tell the two apart.
const STACK_DELETE: Patch = [/delete ((?:L|from)\.stack\[[^\]]+\]);/g, '$1 = undefined;'];
type Patch = readonly [RegExp, string];
/** Rewrites of fengari's sources (0.1.5, pinned), by module, applied as they load. */
const FENGARI_PATCHES = new Map<string, Patch[]>([
  ...['ldo', 'lapi', 'lvm', 'ltm', 'ldebug'].map((id) => [require.resolve(`fengari/src/${id}.js`), [STACK_DELETE]] as [string, Patch[]]),
  // Lua strings are copied with Uint8Array.from, which walks its argument as an iterable;
  // a Buffer's copy is a typed-array copy, and a string made so is already the Buffer that
  // redis.call hands to a command (luaBytes), not one more view to make per argument.
  [require.resolve('fengari/src/defs.js'), [[/luastring_from = Uint8Array\.from\.bind\(Uint8Array\);/, 'luastring_from = (a) => { const b = Buffer.allocUnsafe(a.length); b.set(a); return b; };']]],
  // Every table makes a Map for the dead keys of a traversal, and every insertion clears it:
  // made only when a key dies instead (most tables, such as KEYS and ARGV, never lose one).
  [
    require.resolve('fengari/src/ltable.js'),
    [
      [/this\.dead_strong = new Map\(\);/, 'this.dead_strong = void 0;'],
      [/t\.dead_strong\.clear\(\);/, 't.dead_strong = void 0;'],
      [/t\.dead_strong\.set\(hash, e\);/, '(t.dead_strong || (t.dead_strong = new Map())).set(hash, e);'],
      [/\|\| table\.dead_strong\.get\(hash\);/, '|| (table.dead_strong && table.dead_strong.get(hash));'],
    ],
  ],
]);

/**
 * Requires fengari with FENGARI_PATCHES applied: its modules are compiled from the rewritten
 * source while the require runs. Every patch must match, else loading fails here rather than
 * running an unpatched VM unnoticed.
 */
function requirePatchedFengari(): unknown {
  type Loader = (module: { _compile(source: string, filename: string): void }, filename: string) => void;
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  const loadJs = extensions['.js']!;
  const patched = new Set<string>();
  extensions['.js'] = (module, filename) => {
    const patches = FENGARI_PATCHES.get(filename);
    if (patches === undefined) return loadJs(module, filename);
    let source = readFileSync(filename, 'utf8');
    for (const [pattern, replacement] of patches) {
      if (source.search(pattern) < 0) throw new Error(`fengari patch ${pattern} does not match ${filename}`);
      source = source.replace(pattern, replacement);
    }
    patched.add(filename);
    module._compile(source, filename);
  };
  try {
    const fengari = require('fengari');
    if (patched.size !== FENGARI_PATCHES.size) throw new Error('fengari was loaded before its patches could be applied');
    return fengari;
  } finally {
    extensions['.js'] = loadJs;
  }
}

const previousConf = process.env.FENGARICONF;
process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
// fengari has no type declarations: its API is C's, one function per call, used through these.
const fengari = requirePatchedFengari() as any;
const lobject = require('fengari/src/lobject.js') as any;
const lstring = require('fengari/src/lstring.js') as any;
const ltable = require('fengari/src/ltable.js') as any;
if (previousConf === undefined) delete process.env.FENGARICONF;
else process.env.FENGARICONF = previousConf;

export const lua = fengari.lua as any;
export const lauxlib = fengari.lauxlib as any;
export const lualib = fengari.lualib as any;
export const toLuaString = fengari.to_luastring as (text: string) => Uint8Array;

/** A lua_State; opaque to us. */
export type LuaState = object;

/** How Lua 5.1 (and so Redis) prints a number: %.14g, with x86's "-nan" for NaN. */
export function luaNumberText(value: number): string {
  return Number.isNaN(value) ? '-nan' : formatG(value, 14);
}

// Numerals become doubles wherever they are read (source literals, tonumber, "10" + 1).
const str2num = lobject.luaO_str2num;
lobject.luaO_str2num = (text: Uint8Array, out: { ttisinteger(): boolean; value: number; setfltvalue(n: number): void }): number => {
  const consumed = str2num(text, out);
  if (consumed !== 0 && out.ttisinteger()) out.setfltvalue(out.value);
  return consumed;
};
lobject.luaO_tostring = (L: LuaState, obj: { value: number; setsvalue(s: unknown): void }): void => {
  obj.setsvalue(lstring.luaS_bless(L, toLuaString(luaNumberText(obj.value))));
};

const LUA51_ESCAPES = new Set([...'abfnrtv\\"\'\n\r0123456789'].map((c) => c.charCodeAt(0)));

/**
 * Lua 5.1 reads a backslash before any other character in a quoted string as that character
 * ("\." is "."; "\x41" is "x41"), where 5.3 reads \x, \z and \u as escapes and refuses the
 * rest. Scripts written for Redis rely on 5.1's reading, so those backslashes are dropped
 * before compiling (comments and long strings are left as they are; lines keep their numbers).
 */
export function lua51Source(source: Uint8Array): Uint8Array {
  if (source.indexOf(0x5c) < 0) return source;
  const out: number[] = [];
  let i = 0;
  const n = source.length;
  const longBracket = (at: number): number => {
    // "[" "="* "[": the level, or -1.
    let j = at + 1;
    while (source[j] === 0x3d) j++;
    return source[j] === 0x5b ? j - at - 1 : -1;
  };
  const copyLong = (level: number): void => {
    const close = `]${'='.repeat(level)}]`;
    const end = Buffer.from(source.buffer, source.byteOffset, source.length).indexOf(close, i + level + 2, 'latin1');
    const stop = end < 0 ? n : end + close.length;
    while (i < stop) out.push(source[i++]!);
  };
  while (i < n) {
    const c = source[i]!;
    if (c === 0x2d && source[i + 1] === 0x2d) {
      if (source[i + 2] === 0x5b && longBracket(i + 2) >= 0) {
        out.push(0x2d, 0x2d);
        i += 2;
        copyLong(longBracket(i));
      } else while (i < n && source[i] !== 0x0a) out.push(source[i++]!);
    } else if (c === 0x5b && longBracket(i) >= 0) {
      copyLong(longBracket(i));
    } else if (c === 0x22 || c === 0x27) {
      out.push(source[i++]!);
      while (i < n && source[i] !== c && source[i] !== 0x0a) {
        if (source[i] === 0x5c && i + 1 < n) {
          if (LUA51_ESCAPES.has(source[i + 1]!)) out.push(source[i]!, source[i + 1]!);
          else out.push(source[i + 1]!);
          i += 2;
        } else out.push(source[i++]!);
      }
      if (i < n) out.push(source[i++]!);
    } else out.push(source[i++]!);
  }
  return Uint8Array.from(out);
}

// Raw table writes for what every run sets up (KEYS, ARGV, a function's arguments), made on
// fengari's tables directly: the API's lua_createtable / lua_pushlstring / lua_rawseti /
// lua_rawset go through a stack slot, index checks and a value copy per element.
const { LUA_TLNGSTR, LUA_TTABLE: LUA_TTABLE_VALUE } = require('fengari/src/defs.js').constant_types as { LUA_TLNGSTR: number; LUA_TTABLE: number };

/** A fengari table (lua_topointer of a table), opaque to us. */
export type LuaTable = object;

/** A key for rawSetStringArray: a Lua string made once, whose hash fengari computes once. */
export type LuaKey = object;

export function luaKey(L: LuaState, name: Uint8Array): LuaKey {
  return new lobject.TValue(LUA_TLNGSTR, lstring.luaS_new(L, name));
}

/**
 * A table of `items` at 1..n. The Lua strings are the Buffers themselves, not copies: command
 * arguments, which nothing writes to once parsed (the keyspace keeps them as they are too).
 */
function newStringArray(L: LuaState, items: readonly Buffer[]): object {
  const table = ltable.luaH_new(L);
  for (let i = 0; i < items.length; i++) ltable.luaH_setint(table, i + 1, new lobject.TValue(LUA_TLNGSTR, lstring.luaS_bless(L, items[i])));
  return new lobject.TValue(LUA_TTABLE_VALUE, table);
}

/** Pushes a new table holding `items` (command arguments) at 1..n. */
export function pushStringArray(L: LuaState, items: readonly Buffer[]): void {
  lua.lua_checkstack(L, 1);
  const state = L as { stack: object[]; top: number };
  state.stack[state.top++] = newStringArray(L, items);
}

/** table[key] = a new table holding `items` (command arguments) at 1..n, without metamethods (lua_rawset). */
export function rawSetStringArray(L: LuaState, table: LuaTable, key: LuaKey, items: readonly Buffer[]): void {
  ltable.luaH_setfrom(L, table, key, newStringArray(L, items));
}
