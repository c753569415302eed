// The libraries Redis adds to its Lua: bit (LuaBitOp), cjson, cmsgpack and struct.

import type { LuaState } from '../lua.ts';
import { openBit } from './bit.ts';

export function openLibraries(L: LuaState): void {
  openBit(L);
}
