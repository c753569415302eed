// The Lua engine: fengari (Lua 5.3 in plain JS), loaded with the changes that give scripts
// Lua 5.1's numbers, which Redis runs: every number is a double (5.3 would keep integer
// literals as fengari's 32-bit integers, which wrap), and numbers print as %.14g ("5", not
// "5.0"; "1e+15"). fengari reads its configuration from FENGARICONF once, at load.

import { createRequire } from 'node:module';
import { formatG } from '../util/numbers.ts';

const require = createRequire(import.meta.url);

const previousConf = process.env.FENGARICONF;
process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
// fengari has no type declarations: its API is C's, one function per call, used through these.
const fengari = require('fengari') as any;
const lobject = require('fengari/src/lobject.js') as any;
const lstring = require('fengari/src/lstring.js') as any;
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
