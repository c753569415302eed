// lua-cmsgpack 0.4.0 ("cmsgpack"), as Redis bundles it: pack(...) concatenates the encodings of
// its arguments (integral numbers in the smallest integer form, others as float32 when exact,
// else float64; tables as arrays when their keys are 1..n, else maps; nesting past 16 packs
// nil); unpack(s) returns every value in s, unpack_one(s[, offset]) and unpack_limit(s, limit[,
// offset]) return the offset after what they read (-1 at the end), then the values.

import { Buffer } from 'node:buffer';
import { luaBytes } from '../convert.ts';
import { lauxlib, lua, toLuaString, type LuaState } from '../lua.ts';

const MAX_NESTING = 16;

class Packer {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  uint(bytes: number, value: number | bigint): void {
    this.reserve(bytes);
    if (bytes === 8) this.buf.writeBigUInt64BE(BigInt.asUintN(64, BigInt(value)), this.length);
    else this.buf.writeUIntBE(Number(value), this.length, bytes);
    this.length += bytes;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  float(value: number): void {
    this.reserve(9);
    if (Math.fround(value) === value || Number.isNaN(value)) {
      this.buf[this.length++] = 0xca;
      this.buf.writeFloatBE(value, this.length);
      this.length += 4;
    } else {
      this.buf[this.length++] = 0xcb;
      this.buf.writeDoubleBE(value, this.length);
      this.length += 8;
    }
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function packInteger(p: Packer, n: number): void {
  if (n >= 0) {
    if (n <= 127) p.byte(n);
    else if (n <= 0xff) (p.byte(0xcc), p.uint(1, n));
    else if (n <= 0xffff) (p.byte(0xcd), p.uint(2, n));
    else if (n <= 0xffffffff) (p.byte(0xce), p.uint(4, n));
    else (p.byte(0xcf), p.uint(8, BigInt(n)));
  } else if (n >= -32) p.byte(n & 0xff);
  else if (n >= -128) (p.byte(0xd0), p.uint(1, n & 0xff));
  else if (n >= -32768) (p.byte(0xd1), p.uint(2, n & 0xffff));
  else if (n >= -2147483648) (p.byte(0xd2), p.uint(4, n >>> 0));
  else (p.byte(0xd3), p.uint(8, BigInt(n)));
}

function packLength(p: Packer, length: number, fix: number, fixMax: number, codes: readonly number[]): void {
  if (length <= fixMax) p.byte(fix | length);
  else if (codes[0] !== 0 && length <= 0xff) (p.byte(codes[0]!), p.uint(1, length));
  else if (length <= 0xffff) (p.byte(codes[1]!), p.uint(2, length));
  else (p.byte(codes[2]!), p.uint(4, length));
}

/** The array length of the table on top (keys exactly 1..n), or -1. */
function arrayLength(L: LuaState): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    const k = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : -1;
    if (!Number.isInteger(k) || k <= 0) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, k);
    count++;
  }
  return max === count ? count : -1;
}

function packValue(L: LuaState, p: Packer, level: number): void {
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING: {
      const bytes = lua.lua_tolstring(L, -1) as Uint8Array;
      packLength(p, bytes.length, 0xa0, 31, [0xd9, 0xda, 0xdb]);
      return p.bytes(bytes);
    }
    case lua.LUA_TBOOLEAN:
      return p.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, -1);
      if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 64) return packInteger(p, n);
      return p.float(n);
    }
    case lua.LUA_TTABLE: {
      if (level >= MAX_NESTING) return p.byte(0xc0);
      lua.lua_checkstack(L, 4);
      const length = arrayLength(L);
      if (length >= 0) {
        packLength(p, length, 0x90, 15, [0, 0xdc, 0xdd]);
        for (let i = 1; i <= length; i++) {
          lua.lua_rawgeti(L, -1, i);
          packValue(L, p, level + 1);
          lua.lua_pop(L, 1);
        }
        return;
      }
      let pairs = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, -2)) {
        lua.lua_pop(L, 1);
        pairs++;
      }
      packLength(p, pairs, 0x80, 15, [0, 0xde, 0xdf]);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, -2)) {
        lua.lua_pushvalue(L, -2);
        packValue(L, p, level + 1);
        lua.lua_pop(L, 1);
        packValue(L, p, level + 1);
        lua.lua_pop(L, 1);
      }
      return;
    }
    default:
      return p.byte(0xc0);
  }
}

class Unpacker {
  constructor(
    private readonly L: LuaState,
    private readonly buf: Buffer,
    public pos: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      lauxlib.luaL_error(this.L, toLuaString('Missing bytes in input.'));
    }
  }

  private read(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private str(length: number): void {
    const bytes = this.read(length);
    lua.lua_pushlstring(this.L, bytes, length);
  }

  private array(length: number): void {
    const L = this.L;
    lua.lua_checkstack(L, 2);
    lua.lua_createtable(L, length, 0);
    for (let i = 1; i <= length; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
    }
  }

  private map(pairs: number): void {
    const L = this.L;
    lua.lua_checkstack(L, 3);
    lua.lua_createtable(L, 0, pairs);
    for (let i = 0; i < pairs; i++) {
      this.value();
      this.value();
      if (lua.lua_isnil(L, -2)) lua.lua_pop(L, 2);
      else lua.lua_settable(L, -3);
    }
  }

  value(): void {
    const L = this.L;
    const c = this.read(1)[0]!;
    if (c <= 0x7f) return lua.lua_pushnumber(L, c);
    if (c >= 0xe0) return lua.lua_pushnumber(L, c - 0x100);
    if ((c & 0xe0) === 0xa0) return this.str(c & 0x1f);
    if ((c & 0xf0) === 0x90) return this.array(c & 0x0f);
    if ((c & 0xf0) === 0x80) return this.map(c & 0x0f);
    switch (c) {
      case 0xc0:
        return lua.lua_pushnil(L);
      case 0xc2:
        return lua.lua_pushboolean(L, 0);
      case 0xc3:
        return lua.lua_pushboolean(L, 1);
      case 0xca:
        return lua.lua_pushnumber(L, this.read(4).readFloatBE(0));
      case 0xcb:
        return lua.lua_pushnumber(L, this.read(8).readDoubleBE(0));
      case 0xcc:
        return lua.lua_pushnumber(L, this.read(1).readUInt8(0));
      case 0xcd:
        return lua.lua_pushnumber(L, this.read(2).readUInt16BE(0));
      case 0xce:
        return lua.lua_pushnumber(L, this.read(4).readUInt32BE(0));
      case 0xcf:
        return lua.lua_pushnumber(L, Number(this.read(8).readBigUInt64BE(0)));
      case 0xd0:
        return lua.lua_pushnumber(L, this.read(1).readInt8(0));
      case 0xd1:
        return lua.lua_pushnumber(L, this.read(2).readInt16BE(0));
      case 0xd2:
        return lua.lua_pushnumber(L, this.read(4).readInt32BE(0));
      case 0xd3:
        return lua.lua_pushnumber(L, Number(this.read(8).readBigInt64BE(0)));
      case 0xc4:
      case 0xd9:
        return this.str(this.read(1)[0]!);
      case 0xc5:
      case 0xda:
        return this.str(this.read(2).readUInt16BE(0));
      case 0xc6:
      case 0xdb:
        return this.str(this.read(4).readUInt32BE(0));
      case 0xdc:
        return this.array(this.read(2).readUInt16BE(0));
      case 0xdd:
        return this.array(this.read(4).readUInt32BE(0));
      case 0xde:
        return this.map(this.read(2).readUInt16BE(0));
      case 0xdf:
        return this.map(this.read(4).readUInt32BE(0));
      default:
        lauxlib.luaL_error(L, toLuaString('Bad data format in input.'));
    }
  }
}

/** Unpacks up to `limit` values (0: all) from `offset`; returns how many were pushed and where it stopped. */
function unpackValues(L: LuaState, data: Buffer, offset: number, limit: number): { count: number; next: number } {
  const unpacker = new Unpacker(L, data, offset);
  let count = 0;
  while (unpacker.pos < data.length && (limit === 0 || count < limit)) {
    lua.lua_checkstack(L, 2);
    unpacker.value();
    count++;
  }
  return { count, next: unpacker.pos >= data.length ? -1 : unpacker.pos };
}

function unpackWithOffset(L: LuaState, limit: number, offsetIndex: number): number {
  const data = luaBytes(L, 1);
  const offset = lua.lua_isnoneornil(L, offsetIndex) ? 0 : lauxlib.luaL_checkinteger(L, offsetIndex);
  if (offset < 0 || offset > data.length) return lauxlib.luaL_error(L, toLuaString(`Start offset ${offset} greater than input length ${data.length}.`));
  lua.lua_pushnumber(L, 0);
  const slot = lua.lua_gettop(L);
  const { count, next } = unpackValues(L, data, offset, limit);
  lua.lua_pushnumber(L, next);
  lua.lua_replace(L, slot);
  return count + 1;
}

const FUNCTIONS: Record<string, (L: LuaState) => number> = {
  pack: (L) => {
    const argc = lua.lua_gettop(L);
    if (argc === 0) return lauxlib.luaL_argerror(L, 0, toLuaString('MessagePack pack needs input.'));
    const p = new Packer();
    for (let i = 1; i <= argc; i++) {
      lua.lua_pushvalue(L, i);
      packValue(L, p, 0);
      lua.lua_pop(L, 1);
    }
    const out = p.result();
    lua.lua_pushlstring(L, out, out.length);
    return 1;
  },
  unpack: (L) => {
    const data = luaBytes(L, 1);
    lua.lua_settop(L, 0);
    return unpackValues(L, data, 0, 0).count;
  },
  unpack_one: (L) => unpackWithOffset(L, 1, 2),
  unpack_limit: (L) => unpackWithOffset(L, lauxlib.luaL_checkinteger(L, 2), 3),
};

const INFO: Record<string, string> = {
  _NAME: 'cmsgpack',
  _VERSION: 'lua-cmsgpack 0.4.0',
  _COPYRIGHT: 'Copyright (C) 2012, Salvatore Sanfilippo',
  _DESCRIPTION: 'MessagePack C implementation for Lua',
};

export function openCmsgpack(L: LuaState): void {
  lua.lua_newtable(L);
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  for (const [name, value] of Object.entries(INFO)) {
    lua.lua_pushstring(L, toLuaString(value));
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  lua.lua_setglobal(L, toLuaString('cmsgpack'));
}
