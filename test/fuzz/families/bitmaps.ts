// Bitmaps: SETBIT/GETBIT, BITCOUNT/BITPOS over BYTE and BIT ranges, BITOP, BITFIELD.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('bitmap');
const offset = (ctx: GenContext) => (ctx.rng.chance(0.9) ? String(ctx.rng.between(0, 100)) : ctx.rng.pick(['-1', '4294967296', 'x', '']));

function range(ctx: GenContext): string[] {
  const r = ctx.rng;
  const roll = r.int(4);
  if (roll === 0) return [];
  const span = [v.index(r), v.index(r)];
  if (roll === 1) return span;
  return [...span, word(ctx, r.pick(['BYTE', 'BIT', 'bits']))];
}

function bitfieldOps(ctx: GenContext): string[] {
  const r = ctx.rng;
  const ops: string[] = [];
  for (let i = r.between(1, 3); i > 0; i--) {
    const type = r.pick(['u8', 'i8', 'u1', 'i16', 'u63', 'i64', 'u64', 'i5', 'x8']);
    const at = r.chance(0.3) ? `#${r.between(0, 4)}` : offset(ctx);
    const roll = r.int(4);
    if (roll === 0) ops.push(word(ctx, 'GET'), type, at);
    else if (roll === 1) ops.push(word(ctx, 'SET'), type, at, v.int(r));
    else if (roll === 2) ops.push(word(ctx, 'INCRBY'), type, at, v.int(r));
    else ops.push(word(ctx, 'OVERFLOW'), r.pick(['WRAP', 'SAT', 'FAIL', 'NONE']));
  }
  return ops;
}

export const bitmaps: Family = {
  name: 'bitmaps',
  weight: 5,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['SETBIT', k(c), offset(c), c.rng.pick(['0', '1', '1', '2', 'x'])]),
      (c) => command(['SETBIT', k(c), offset(c), '1']),
      (c) => command(['GETBIT', k(c), offset(c)]),
      (c) => command(['BITCOUNT', k(c), ...range(c)]),
      (c) => command(['BITPOS', k(c), c.rng.pick(['0', '1', '2']), ...range(c)]),
      (c) => command(['BITOP', c.rng.pick(['AND', 'OR', 'XOR', 'NOT', 'nand']), k(c), ...c.rng.some(['bitmap'], 3).map(() => k(c))]),
      (c) => command(['BITFIELD', k(c), ...bitfieldOps(c)]),
      (c) => command(['BITFIELD_RO', k(c), ...c.rng.some(['x'], 2).flatMap(() => ['GET', c.rng.pick(['u8', 'i16', 'u4']), offset(c)])]),
      (c) => command(['SET', k(c), v.string(c.rng)]),
      (c) => command(['GET', k(c)]),
    ]),
};
