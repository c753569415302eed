// Conversions between Redis replies and Lua values, as Redis's script_lua.c makes them.
//
// redis.call runs a command on the script's client and converts the reply the command wrote
// (RESP2, or RESP3 after redis.setresp(3)) into Lua: integers -> numbers, bulk strings ->
// strings, nil bulk and nil array -> false, status -> {ok=...}, error -> {err=...}, arrays ->
// tables; in RESP3 also map -> {map={...}}, set -> {set={member=true}}, null -> nil, double
// -> {double=n}, bool -> boolean, big number -> {big_number='...'}, verbatim ->
// {verbatim_string={format=..., string=...}}, attributes dropped.
//
// A script's return value goes the other way, into the caller's reply: strings -> bulk,
// numbers truncated to integers, true -> 1 / false -> nil (#t/#f after setresp(3)), tables by
// their err/ok/double/big_number/verbatim_string/map/set fields, else as an array up to the
// first nil.

import { Buffer } from 'node:buffer';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { lua, toLuaString, type LuaState } from './lua.ts';

const ERR = toLuaString('err');
const OK = toLuaString('ok');
const MAP = toLuaString('map');
const SET = toLuaString('set');
const DOUBLE = toLuaString('double');
const BIG_NUMBER = toLuaString('big_number');
const VERBATIM = toLuaString('verbatim_string');
const FORMAT = toLuaString('format');
const STRING = toLuaString('string');
const IGNORE_ERROR_STATS = toLuaString('ignore_error_stats_update');

/**
 * Pushes Redis's Lua error table for `text` (luaPushErrorBuff): "-CODE msg" keeps its code,
 * anything else gets ERR; CR/LF at the end are trimmed.
 */
export function pushErrorTable(L: LuaState, text: string, fromCommand = false): void {
  let code = 'ERR';
  let message = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space < 0) message = text.slice(1);
    else {
      code = text.slice(1, space);
      message = text.slice(space + 1);
    }
  }
  message = message.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushstring(L, toLuaString(`${code} ${message}`));
  lua.lua_setfield(L, -2, ERR);
  if (fromCommand) {
    lua.lua_pushboolean(L, 1);
    lua.lua_setfield(L, -2, IGNORE_ERROR_STATS);
  }
}

/** Converts the one reply in `reply` into a Lua value on the stack. */
export function pushReply(L: LuaState, reply: Buffer): void {
  const parser = { buf: reply, pos: 0 };
  pushValue(L, parser);
}

interface Cursor {
  buf: Buffer;
  pos: number;
}

function line(c: Cursor): Buffer {
  const end = c.buf.indexOf(0x0d, c.pos);
  const text = c.buf.subarray(c.pos + 1, end);
  c.pos = end + 2;
  return text;
}

/** Digits of an integer a double holds exactly, whatever their order of accumulation. */
const EXACT_DIGITS = 15;

function lineNumber(c: Cursor): number {
  const buf = c.buf;
  const end = buf.indexOf(0x0d, c.pos);
  let pos = c.pos + 1;
  const negative = buf[pos] === 0x2d;
  if (negative) pos++;
  if (end - pos > EXACT_DIGITS) return Number(line(c).toString('latin1'));
  let n = 0;
  while (pos < end) n = n * 10 + buf[pos++]! - 0x30;
  c.pos = end + 2;
  return negative ? -n : n;
}

function bulkBody(c: Cursor, length: number): Buffer {
  const body = c.buf.subarray(c.pos, c.pos + length);
  c.pos += length + 2;
  return body;
}

function pushValue(L: LuaState, c: Cursor): void {
  lua.lua_checkstack(L, 4);
  const type = c.buf[c.pos];
  switch (type) {
    case 0x3a: // : integer
      lua.lua_pushnumber(L, lineNumber(c));
      return;
    case 0x24: {
      // $ bulk
      const length = lineNumber(c);
      if (length < 0) lua.lua_pushboolean(L, 0);
      else lua.lua_pushlstring(L, bulkBody(c, length), length);
      return;
    }
    case 0x2b: // + status
      lua.lua_createtable(L, 0, 1);
      pushBytes(L, line(c));
      lua.lua_setfield(L, -2, OK);
      return;
    case 0x2d: // - error
      pushErrorTable(L, '-' + line(c).toString('latin1'), true);
      return;
    case 0x2a: // * array
    case 0x3e: {
      // > push
      const length = lineNumber(c);
      if (length < 0) return lua.lua_pushboolean(L, 0);
      lua.lua_createtable(L, length, 0);
      for (let i = 1; i <= length; i++) {
        pushValue(L, c);
        lua.lua_rawseti(L, -2, i);
      }
      return;
    }
    case 0x25: {
      // % map
      const pairs = lineNumber(c);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, pairs);
      for (let i = 0; i < pairs; i++) {
        pushValue(L, c);
        pushValue(L, c);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, MAP);
      return;
    }
    case 0x7e: {
      // ~ set
      const length = lineNumber(c);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, length);
      for (let i = 0; i < length; i++) {
        pushValue(L, c);
        lua.lua_pushboolean(L, 1);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, SET);
      return;
    }
    case 0x5f: // _ null
      line(c);
      lua.lua_pushnil(L);
      return;
    case 0x23: // # bool
      lua.lua_pushboolean(L, line(c)[0] === 0x74 ? 1 : 0);
      return;
    case 0x2c: {
      // , double
      const text = line(c).toString('latin1');
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushnumber(L, text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text));
      lua.lua_setfield(L, -2, DOUBLE);
      return;
    }
    case 0x28: // ( big number
      lua.lua_createtable(L, 0, 1);
      pushBytes(L, line(c));
      lua.lua_setfield(L, -2, BIG_NUMBER);
      return;
    case 0x3d: {
      // = verbatim: "fmt:text"
      const body = bulkBody(c, lineNumber(c));
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 2);
      pushBytes(L, body.subarray(4));
      lua.lua_setfield(L, -2, STRING);
      pushBytes(L, body.subarray(0, 3));
      lua.lua_setfield(L, -2, FORMAT);
      lua.lua_setfield(L, -2, VERBATIM);
      return;
    }
    case 0x7c: {
      // | attribute: skipped, the value after it is the reply
      const pairs = lineNumber(c);
      const top = lua.lua_gettop(L);
      for (let i = 0; i < pairs * 2; i++) pushValue(L, c);
      lua.lua_settop(L, top);
      pushValue(L, c);
      return;
    }
    default:
      throw new Error(`unexpected reply byte ${type} in a script call`);
  }
}

function pushBytes(L: LuaState, bytes: Uint8Array): void {
  lua.lua_pushlstring(L, bytes, bytes.length);
}

/** A Lua string's bytes as a Buffer (Lua strings are immutable): most already are one (see lua.ts). */
export function luaBytes(L: LuaState, index: number): Buffer {
  const bytes = lua.lua_tolstring(L, index) as Uint8Array;
  return bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

const LLONG_MIN = -9223372036854775808n;
const TWO_63 = 2 ** 63;

/** (long long) of a Lua number, as C converts it on x86: out of range and NaN give LLONG_MIN. */
export function writeLuaNumber(w: ReplyWriter, value: number): void {
  const truncated = Math.trunc(value);
  if (Number.isSafeInteger(truncated)) w.int(truncated);
  else if (truncated >= TWO_63 || truncated < -TWO_63 || Number.isNaN(truncated)) w.bigint(LLONG_MIN);
  else w.bigint(BigInt(truncated));
}

/** Where an error reply's text came from (for the caller's error statistics). */
export interface ErrorInfo {
  message: string;
  source: string | null;
  line: string | null;
}

/** luaExtractErrorInformation: the err/source/line fields of the error table on top. */
export function errorInfo(L: LuaState, index: number): ErrorInfo {
  return { message: stringField(L, index, 'err') ?? '', source: stringField(L, index, 'source'), line: stringField(L, index, 'line') };
}

function stringField(L: LuaState, index: number, name: string): string | null {
  lua.lua_getfield(L, index, toLuaString(name));
  const text = lua.lua_isstring(L, -1) ? luaBytes(L, -1).toString('latin1') : null;
  lua.lua_pop(L, 1);
  return text;
}

/**
 * Writes the Lua value on top of the stack as the reply (luaReplyToRedisReply) and pops it.
 * `resp` is the script's protocol (redis.setresp), which decides how booleans come out.
 */
export function writeLuaValue(L: LuaState, w: ReplyWriter, resp: 2 | 3): void {
  if (!lua.lua_checkstack(L, 4)) {
    w.error('ERR reached lua stack limit');
    lua.lua_pop(L, 1);
    return;
  }
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING: {
      const bytes = lua.lua_tolstring(L, -1) as Uint8Array;
      w.bulk(bytes);
      break;
    }
    case lua.LUA_TBOOLEAN:
      if (resp === 2) {
        if (lua.lua_toboolean(L, -1)) w.int(1);
        else w.null();
      } else w.bool(lua.lua_toboolean(L, -1));
      break;
    case lua.LUA_TNUMBER:
      writeLuaNumber(w, lua.lua_tonumber(L, -1));
      break;
    case lua.LUA_TTABLE:
      writeTable(L, w, resp);
      break;
    default:
      w.null();
  }
  lua.lua_pop(L, 1);
}

function fieldType(L: LuaState, name: Uint8Array): number {
  lua.lua_pushstring(L, name);
  lua.lua_gettable(L, -2);
  return lua.lua_type(L, -1);
}

/** The table on top (kept there); see writeLuaValue. */
function writeTable(L: LuaState, w: ReplyWriter, resp: 2 | 3): void {
  if (fieldType(L, ERR) === lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    w.error(errorInfo(L, -1).message);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, OK) === lua.LUA_TSTRING) {
    w.simple(luaBytes(L, -1).toString('latin1'));
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, DOUBLE) === lua.LUA_TNUMBER) {
    w.double(lua.lua_tonumber(L, -1));
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, BIG_NUMBER) === lua.LUA_TSTRING) {
    const text = luaBytes(L, -1).toString('latin1').replace(/[\r\n]/g, ' ');
    if (w.resp === 3) w.raw(Buffer.from(`(${text}\r\n`, 'latin1'));
    else w.bulkString(text);
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, VERBATIM) === lua.LUA_TTABLE && writeVerbatim(L, w)) {
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, MAP) === lua.LUA_TTABLE) {
    const mark = w.deferLength();
    let pairs = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pushvalue(L, -2);
      writeLuaValue(L, w, resp);
      writeLuaValue(L, w, resp);
      pairs++;
    }
    w.setDeferredLength(mark, pairs, 'map');
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (fieldType(L, SET) === lua.LUA_TTABLE) {
    const mark = w.deferLength();
    let members = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      writeLuaValue(L, w, resp);
      members++;
    }
    w.setDeferredLength(mark, members, 'set');
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  const mark = w.deferLength();
  let length = 0;
  for (;;) {
    lua.lua_pushnumber(L, length + 1);
    lua.lua_gettable(L, -2);
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    writeLuaValue(L, w, resp);
    length++;
  }
  w.setDeferredLength(mark, length);
}

/** The verbatim_string table on top: its format and string, if both are strings. */
function writeVerbatim(L: LuaState, w: ReplyWriter): boolean {
  if (fieldType(L, FORMAT) !== lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    return false;
  }
  const format = luaBytes(L, -1).toString('latin1');
  lua.lua_pop(L, 1);
  if (fieldType(L, STRING) !== lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    return false;
  }
  const text = luaBytes(L, -1);
  lua.lua_pop(L, 1);
  if (w.resp === 2) w.bulk(text);
  else {
    w.raw(Buffer.from(`=${text.length + 4}\r\n${format.padEnd(3, ' ').slice(0, 3)}:`, 'latin1'));
    w.raw(text);
    w.raw(Buffer.from('\r\n'));
  }
  return true;
}
