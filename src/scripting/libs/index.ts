// The libraries Redis adds to its Lua: bit (LuaBitOp), cjson, cmsgpack and struct.

import type { LuaState } from '../lua.ts';
import { openBit } from './bit.ts';
import { openCjson } from './cjson.ts';
import { openCmsgpack } from './cmsgpack.ts';
import { openStruct } from './struct.ts';

export function openLibraries(L: LuaState): void {
  openBit(L);
  openCjson(L);
  openCmsgpack(L);
  openStruct(L);
}
