// lua-cjson 2.1 ("cjson"), as Redis bundles it: encode with %.14g numbers, '/' escaped, sparse
// arrays refused past ratio 2 / safe 10, nesting up to 1000; decode to tables, cjson.null for
// null. Strings are bytes both ways; \u escapes decode to UTF-8.

import { Buffer } from 'node:buffer';
import { luaBytes } from '../convert.ts';
import { lauxlib, lua, luaNumberText, toLuaString, type LuaState } from '../lua.ts';

const MAX_DEPTH = 1000;
const SPARSE_RATIO = 2;
const SPARSE_SAFE = 10;

/** cjson.null: a light userdata Lua tells apart from every other value. */
const NULL_SENTINEL = { cjsonNull: true };

function encodeFailure(L: LuaState, message: string): never {
  lauxlib.luaL_error(L, toLuaString(message));
  throw new Error('unreachable');
}

function encodeString(bytes: Uint8Array, out: number[]): void {
  out.push(0x22);
  for (const c of bytes) {
    switch (c) {
      case 0x22:
        out.push(0x5c, 0x22);
        break;
      case 0x5c:
        out.push(0x5c, 0x5c);
        break;
      case 0x2f:
        out.push(0x5c, 0x2f);
        break;
      case 0x08:
        out.push(0x5c, 0x62);
        break;
      case 0x0c:
        out.push(0x5c, 0x66);
        break;
      case 0x0a:
        out.push(0x5c, 0x6e);
        break;
      case 0x0d:
        out.push(0x5c, 0x72);
        break;
      case 0x09:
        out.push(0x5c, 0x74);
        break;
      default:
        if (c < 0x20 || c === 0x7f) for (const b of Buffer.from(`\\u${c.toString(16).padStart(4, '0')}`, 'latin1')) out.push(b);
        else out.push(c);
    }
  }
  out.push(0x22);
}

function pushText(out: number[], text: string): void {
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
}

/** The array length of the table on top, or -1 when it must be encoded as an object. */
function arrayLength(L: LuaState): number {
  let max = 0;
  let count = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER) {
      lua.lua_pop(L, 1);
      return -1;
    }
    const k = lua.lua_tonumber(L, -1);
    if (!Number.isInteger(k) || k < 1) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, k);
    count++;
  }
  if (max > SPARSE_SAFE && max > count * SPARSE_RATIO) encodeFailure(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function encodeValue(L: LuaState, out: number[], depth: number): void {
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      return encodeString(lua.lua_tolstring(L, -1), out);
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, -1);
      if (!Number.isFinite(n)) encodeFailure(L, 'Cannot serialise number: must not be NaN or Inf');
      return pushText(out, luaNumberText(n));
    }
    case lua.LUA_TBOOLEAN:
      return pushText(out, lua.lua_toboolean(L, -1) ? 'true' : 'false');
    case lua.LUA_TNIL:
      return pushText(out, 'null');
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, -1) === NULL_SENTINEL) return pushText(out, 'null');
      break;
    case lua.LUA_TTABLE: {
      if (depth >= MAX_DEPTH) encodeFailure(L, `Cannot serialise, excessive nesting (${depth + 1})`);
      lua.lua_checkstack(L, 4);
      const length = arrayLength(L);
      if (length >= 0) {
        // An empty table has no way to say it is an array: lua-cjson writes an object.
        if (length === 0) return pushText(out, '{}');
        out.push(0x5b);
        for (let i = 1; i <= length; i++) {
          if (i > 1) out.push(0x2c);
          lua.lua_rawgeti(L, -1, i);
          encodeValue(L, out, depth + 1);
          lua.lua_pop(L, 1);
        }
        out.push(0x5d);
        return;
      }
      out.push(0x7b);
      let first = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, -2)) {
        if (!first) out.push(0x2c);
        first = false;
        const keyType = lua.lua_type(L, -2);
        if (keyType === lua.LUA_TSTRING) encodeString(lua.lua_tolstring(L, -2), out);
        else if (keyType === lua.LUA_TNUMBER) encodeString(toLuaString(luaNumberText(lua.lua_tonumber(L, -2))), out);
        else encodeFailure(L, 'Cannot serialise table: table key must be a number or string');
        out.push(0x3a);
        encodeValue(L, out, depth + 1);
        lua.lua_pop(L, 1);
      }
      out.push(0x7d);
      return;
    }
  }
  encodeFailure(L, `Cannot serialise ${Buffer.from(lua.lua_typename(L, lua.lua_type(L, -1)) as Uint8Array).toString('latin1')}: type not supported`);
}

class JsonDecoder {
  pos = 0;
  constructor(
    private readonly L: LuaState,
    private readonly text: Uint8Array,
  ) {}

  fail(expected: string): never {
    this.skipSpace();
    const found = this.pos >= this.text.length ? 'T_END' : this.tokenName();
    lauxlib.luaL_error(this.L, toLuaString(`Expected ${expected} but found ${found} at character ${this.pos + 1}`));
    throw new Error('unreachable');
  }

  private tokenName(): string {
    const c = this.text[this.pos]!;
    const names: Record<number, string> = { 0x7b: 'T_OBJ_BEGIN', 0x7d: 'T_OBJ_END', 0x5b: 'T_ARR_BEGIN', 0x5d: 'T_ARR_END', 0x3a: 'T_COLON', 0x2c: 'T_COMMA', 0x22: 'T_STRING' };
    if (names[c] !== undefined) return names[c]!;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return 'T_NUMBER';
    const rest = Buffer.from(this.text.buffer, this.text.byteOffset + this.pos, Math.min(5, this.text.length - this.pos)).toString('latin1');
    if (rest.startsWith('true') || rest.startsWith('false')) return 'T_BOOLEAN';
    if (rest.startsWith('null')) return 'T_NULL';
    return 'invalid token';
  }

  skipSpace(): void {
    while (this.pos < this.text.length && [0x20, 0x09, 0x0a, 0x0d].includes(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): void {
    const L = this.L;
    this.skipSpace();
    const c = this.text[this.pos];
    lua.lua_checkstack(L, 4);
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) {
        lauxlib.luaL_error(L, toLuaString(`Found too many nested data structures (${depth + 1}) at character ${this.pos + 1}`));
      }
      this.pos++;
      lua.lua_newtable(L);
      return c === 0x7b ? this.object(depth) : this.array(depth);
    }
    if (c === 0x22) return this.string();
    for (const [word, push] of [
      ['true', () => lua.lua_pushboolean(L, 1)],
      ['false', () => lua.lua_pushboolean(L, 0)],
      ['null', () => lua.lua_pushlightuserdata(L, NULL_SENTINEL)],
    ] as const) {
      if (Buffer.from(this.text.buffer, this.text.byteOffset + this.pos, Math.min(word.length, this.text.length - this.pos)).toString('latin1') === word) {
        this.pos += word.length;
        return push();
      }
    }
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(Buffer.from(this.text.buffer, this.text.byteOffset + this.pos, Math.min(400, this.text.length - this.pos)).toString('latin1'));
    if (match === null) this.fail('value');
    this.pos += match[0].length;
    lua.lua_pushnumber(L, Number(match[0]));
  }

  private object(depth: number): void {
    const L = this.L;
    this.skipSpace();
    if (this.text[this.pos] === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== 0x22) this.fail('object key string');
      this.string();
      this.skipSpace();
      if (this.text[this.pos] !== 0x3a) this.fail('colon');
      this.pos++;
      this.value(depth + 1);
      lua.lua_rawset(L, -3);
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === 0x7d) return;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('comma or object end');
      }
    }
  }

  private array(depth: number): void {
    const L = this.L;
    this.skipSpace();
    if (this.text[this.pos] === 0x5d) {
      this.pos++;
      return;
    }
    for (let i = 1; ; i++) {
      this.value(depth + 1);
      lua.lua_rawseti(L, -2, i);
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === 0x5d) return;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('comma or array end');
      }
    }
  }

  private string(): void {
    const out: number[] = [];
    const text = this.text;
    this.pos++;
    for (;;) {
      if (this.pos >= text.length) this.fail('string end');
      const c = text[this.pos++]!;
      if (c === 0x22) break;
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      const e = text[this.pos++];
      const simple: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };
      if (e !== undefined && simple[e] !== undefined) out.push(simple[e]!);
      else if (e === 0x75) {
        let code = parseInt(Buffer.from(text.subarray(this.pos, this.pos + 4)).toString('latin1'), 16);
        this.pos += 4;
        if (code >= 0xd800 && code < 0xdc00 && text[this.pos] === 0x5c && text[this.pos + 1] === 0x75) {
          const low = parseInt(Buffer.from(text.subarray(this.pos + 2, this.pos + 6)).toString('latin1'), 16);
          if (low >= 0xdc00 && low < 0xe000) {
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            this.pos += 6;
          }
        }
        if (Number.isNaN(code)) this.fail('valid unicode escape');
        for (const b of Buffer.from(String.fromCodePoint(code), 'utf8')) out.push(b);
      } else {
        this.pos -= 2;
        this.fail('valid escape');
      }
    }
    const bytes = Uint8Array.from(out);
    lua.lua_pushlstring(this.L, bytes, bytes.length);
  }
}

const FUNCTIONS: Record<string, (L: LuaState) => number> = {
  encode: (L) => {
    if (lua.lua_gettop(L) !== 1) return lauxlib.luaL_argerror(L, 1, toLuaString('expected 1 argument'));
    const out: number[] = [];
    encodeValue(L, out, 0);
    const bytes = Uint8Array.from(out);
    lua.lua_pushlstring(L, bytes, bytes.length);
    return 1;
  },
  decode: (L) => {
    if (lua.lua_gettop(L) !== 1) return lauxlib.luaL_argerror(L, 1, toLuaString('expected 1 argument'));
    const decoder = new JsonDecoder(L, luaBytes(L, 1));
    decoder.value(0);
    decoder.skipSpace();
    if (decoder.pos < luaBytes(L, 1).length) decoder.fail('the end');
    return 1;
  },
};

/** Settings lua-cjson lets scripts read or change; Redis's scripts only ever read them back. */
const SETTINGS = ['encode_sparse_array', 'encode_max_depth', 'decode_max_depth', 'encode_number_precision', 'encode_keep_buffer', 'encode_invalid_numbers', 'decode_invalid_numbers'];

/** Pushes a cjson module table (cjson.new() makes another). */
function pushCjson(L: LuaState): void {
  lua.lua_newtable(L);
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  for (const name of SETTINGS) {
    lua.lua_pushcfunction(L, (S: LuaState) => {
      lua.lua_settop(S, 0);
      if (name === 'encode_sparse_array') {
        lua.lua_pushboolean(S, 0);
        lua.lua_pushnumber(S, SPARSE_RATIO);
        lua.lua_pushnumber(S, SPARSE_SAFE);
        return 3;
      }
      if (name.endsWith('max_depth')) lua.lua_pushnumber(S, MAX_DEPTH);
      else if (name === 'encode_number_precision') lua.lua_pushnumber(S, 14);
      else lua.lua_pushboolean(S, name === 'encode_keep_buffer' ? 1 : 0);
      return 1;
    });
    lua.lua_setfield(L, -2, toLuaString(name));
  }
  lua.lua_pushcfunction(L, (S: LuaState) => {
    pushCjson(S);
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaString('new'));
  lua.lua_pushlightuserdata(L, NULL_SENTINEL);
  lua.lua_setfield(L, -2, toLuaString('null'));
  lua.lua_pushstring(L, toLuaString('cjson'));
  lua.lua_setfield(L, -2, toLuaString('_NAME'));
  lua.lua_pushstring(L, toLuaString('2.1.0'));
  lua.lua_setfield(L, -2, toLuaString('_VERSION'));
}

export function openCjson(L: LuaState): void {
  pushCjson(L);
  lua.lua_setglobal(L, toLuaString('cjson'));
}
