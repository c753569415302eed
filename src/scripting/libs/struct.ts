// Roberto Ierusalimschy's struct library ("struct"), as Redis bundles it: pack(fmt, ...),
// unpack(fmt, s[, pos]) and size(fmt) over the formats < > = !n (endianness, alignment),
// b B h H l L T i[n] I[n] (integers), f d (floats), s (zero-terminated), c[n] (fixed; c0 takes
// its length from the previous value), x (padding) and spaces.

import { Buffer } from 'node:buffer';
import { luaBytes } from '../convert.ts';
import { lauxlib, lua, toLuaString, type LuaState } from '../lua.ts';

interface Format {
  text: string;
  pos: number;
  little: boolean;
  align: number;
}

const NATIVE_LITTLE = true;
/** The integer options: lower case signed, upper case unsigned (T is size_t). */
const INTEGER_OPTIONS = 'bBhHlLTiI';
const MAX_INT_SIZE = 32;

function error(L: LuaState, message: string): never {
  lauxlib.luaL_error(L, toLuaString(message));
  throw new Error('unreachable');
}

function readNumber(f: Format, fallback: number): number {
  const match = /^[0-9]+/.exec(f.text.slice(f.pos));
  if (match === null) return fallback;
  f.pos += match[0].length;
  return Number(match[0]);
}

/** The size of the next option; mutates endianness/alignment settings as it passes them. */
function optionSize(L: LuaState, f: Format, option: string): number {
  switch (option) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
      return 8;
    case 'f':
      return 4;
    case 'd':
      return 8;
    case 'x':
      return 1;
    case 'c':
      return readNumber(f, 1);
    case 'i':
    case 'I': {
      const size = readNumber(f, 4);
      if (size > MAX_INT_SIZE) error(L, `integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
      return size;
    }
    default:
      return 0;
  }
}

function alignment(f: Format, size: number, totalSize: number): number {
  let align = size;
  if (align <= 1 || f.align <= 1) return 0;
  if (align > f.align) align = f.align;
  if ((align & (align - 1)) !== 0) return 0;
  return (align - (totalSize & (align - 1))) & (align - 1);
}

/** Handles the settings options; true when `option` was one. */
function setting(L: LuaState, f: Format, option: string): boolean {
  switch (option) {
    case ' ':
      return true;
    case '>':
      f.little = false;
      return true;
    case '<':
      f.little = true;
      return true;
    case '=':
      f.little = NATIVE_LITTLE;
      return true;
    case '!': {
      const a = readNumber(f, 8);
      if ((a & (a - 1)) !== 0) error(L, `alignment ${a} is not a power of 2`);
      f.align = a;
      return true;
    }
  }
  return false;
}

function writeInt(out: number[], value: number, size: number, little: boolean): void {
  let v = BigInt.asUintN(size * 8, BigInt(Math.trunc(value)));
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  }
  out.push(...(little ? bytes : bytes.reverse()));
}

function readInt(data: Buffer, at: number, size: number, little: boolean, signed: boolean): number {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(data[little ? at + size - 1 - i : at + i]!);
  return Number(signed ? BigInt.asIntN(size * 8, v) : v);
}

const FUNCTIONS: Record<string, (L: LuaState) => number> = {
  pack: (L) => {
    const f: Format = { text: luaBytes(L, 1).toString('latin1'), pos: 0, little: NATIVE_LITTLE, align: 1 };
    const out: number[] = [];
    let arg = 2;
    while (f.pos < f.text.length) {
      const option = f.text[f.pos++]!;
      if (setting(L, f, option)) continue;
      const size = optionSize(L, f, option);
      for (let pad = alignment(f, size, out.length); pad > 0; pad--) out.push(0);
      if (INTEGER_OPTIONS.includes(option)) {
        writeInt(out, lauxlib.luaL_checknumber(L, arg++), size, f.little);
        continue;
      }
      switch (option) {
        case 'x':
          out.push(0);
          break;
        case 'f':
        case 'd': {
          const b = Buffer.alloc(size);
          const n = lauxlib.luaL_checknumber(L, arg++);
          if (size === 4) (f.little ? b.writeFloatLE(n) : b.writeFloatBE(n));
          else f.little ? b.writeDoubleLE(n) : b.writeDoubleBE(n);
          out.push(...b);
          break;
        }
        case 'c':
        case 's': {
          const s = luaBytes(L, arg);
          let length = s.length;
          if (option === 'c' && size !== 0) {
            if (s.length < size) lauxlib.luaL_argerror(L, arg, toLuaString('string too short'));
            length = size;
          }
          out.push(...s.subarray(0, length));
          if (option === 's') out.push(0);
          arg++;
          break;
        }
        default:
          lauxlib.luaL_argerror(L, 1, toLuaString(`invalid format option '${option}'`));
      }
    }
    const bytes = Uint8Array.from(out);
    lua.lua_pushlstring(L, bytes, bytes.length);
    return 1;
  },
  unpack: (L) => {
    const f: Format = { text: luaBytes(L, 1).toString('latin1'), pos: 0, little: NATIVE_LITTLE, align: 1 };
    const data = luaBytes(L, 2);
    let pos = lua.lua_isnoneornil(L, 3) ? 0 : lauxlib.luaL_checkinteger(L, 3) - 1;
    if (pos < 0 || pos > data.length) lauxlib.luaL_argerror(L, 3, toLuaString('offset must be 1 or greater'));
    let results = 0;
    let previous = 0;
    while (f.pos < f.text.length) {
      const option = f.text[f.pos++]!;
      if (setting(L, f, option)) continue;
      const size = optionSize(L, f, option);
      pos += alignment(f, size, pos);
      if (size > data.length - pos && option !== 'c' && option !== 's') lauxlib.luaL_argerror(L, 2, toLuaString('data string too short'));
      lua.lua_checkstack(L, 2);
      if (INTEGER_OPTIONS.includes(option)) {
        previous = readInt(data, pos, size, f.little, option === option.toLowerCase());
        lua.lua_pushnumber(L, previous);
        results++;
        pos += size;
        continue;
      }
      switch (option) {
        case 'x':
          break;
        case 'f':
        case 'd':
          lua.lua_pushnumber(L, size === 4 ? (f.little ? data.readFloatLE(pos) : data.readFloatBE(pos)) : f.little ? data.readDoubleLE(pos) : data.readDoubleBE(pos));
          results++;
          break;
        case 'c': {
          let length = size;
          if (length === 0) {
            if (results === 0 || lua.lua_type(L, -1) !== lua.LUA_TNUMBER) error(L, 'format \'c0\' needs a previous size');
            length = previous;
            lua.lua_pop(L, 1);
            results--;
          }
          if (length > data.length - pos) lauxlib.luaL_argerror(L, 2, toLuaString('data string too short'));
          lua.lua_pushlstring(L, data.subarray(pos, pos + length), length);
          results++;
          pos += length;
          continue;
        }
        case 's': {
          const end = data.indexOf(0, pos);
          if (end < 0) error(L, 'unfinished string in data');
          lua.lua_pushlstring(L, data.subarray(pos, end), end - pos);
          results++;
          pos = end + 1;
          continue;
        }
        default:
          lauxlib.luaL_argerror(L, 1, toLuaString(`invalid format option '${option}'`));
      }
      pos += size;
    }
    lua.lua_pushnumber(L, pos + 1);
    return results + 1;
  },
  size: (L) => {
    const f: Format = { text: luaBytes(L, 1).toString('latin1'), pos: 0, little: NATIVE_LITTLE, align: 1 };
    let total = 0;
    while (f.pos < f.text.length) {
      const option = f.text[f.pos++]!;
      if (setting(L, f, option)) continue;
      const size = optionSize(L, f, option);
      total += alignment(f, size, total);
      if (option === 's') lauxlib.luaL_argerror(L, 1, toLuaString('options \'s\' has no fixed size'));
      if (option === 'c' && size === 0) lauxlib.luaL_argerror(L, 1, toLuaString('options \'c0\' has no fixed size'));
      total += size;
    }
    lua.lua_pushnumber(L, total);
    return 1;
  },
};

export function openStruct(L: LuaState): void {
  lua.lua_newtable(L);
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  lua.lua_setglobal(L, toLuaString('struct'));
}
