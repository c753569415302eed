// LuaBitOp ("bit"), as Redis bundles it: 32-bit operations on numbers, results signed.

import { lauxlib, lua, toLuaString, type LuaState } from '../lua.ts';

/** LuaBitOp's barg: the number rounded (half to even, as its 2^52+2^51 trick does) modulo 2^32, signed. */
function toBit(n: number): number {
  let r = Math.round(n);
  if (r - n === 0.5 && r % 2 !== 0) r -= 1;
  return Number(BigInt.asIntN(32, BigInt(Number.isFinite(r) ? r : 0)));
}

function arg(L: LuaState, index: number): number {
  return toBit(lauxlib.luaL_checknumber(L, index));
}

function push(L: LuaState, value: number): number {
  lua.lua_pushnumber(L, value | 0);
  return 1;
}

function fold(op: (a: number, b: number) => number) {
  return (L: LuaState): number => {
    let acc = arg(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) acc = op(acc, arg(L, i));
    return push(L, acc);
  };
}

function shift(op: (x: number, n: number) => number) {
  return (L: LuaState): number => push(L, op(arg(L, 1), arg(L, 2) & 31));
}

const FUNCTIONS: Record<string, (L: LuaState) => number> = {
  tobit: (L) => push(L, arg(L, 1)),
  bnot: (L) => push(L, ~arg(L, 1)),
  band: fold((a, b) => a & b),
  bor: fold((a, b) => a | b),
  bxor: fold((a, b) => a ^ b),
  lshift: shift((x, n) => x << n),
  rshift: shift((x, n) => x >>> n),
  arshift: shift((x, n) => x >> n),
  rol: shift((x, n) => (x << n) | (x >>> (32 - n))),
  ror: shift((x, n) => (x >>> n) | (x << (32 - n))),
  bswap: (L) => {
    const x = arg(L, 1);
    return push(L, ((x >>> 24) & 0xff) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24));
  },
  tohex: (L) => {
    let b = arg(L, 1) >>> 0;
    let n = lua.lua_isnone(L, 2) ? 8 : arg(L, 2);
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    const out: string[] = new Array(n);
    for (let i = n; --i >= 0; ) {
      out[i] = digits[b & 15]!;
      b >>>= 4;
    }
    lua.lua_pushstring(L, toLuaString(out.join('')));
    return 1;
  },
};

export function openBit(L: LuaState): void {
  lua.lua_createtable(L, 0, Object.keys(FUNCTIONS).length);
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  lua.lua_setglobal(L, toLuaString('bit'));
}
