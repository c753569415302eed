// Strings: SET and its options, counters, ranges, LCS.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('string');

function setOptions(ctx: GenContext): string[] {
  const r = ctx.rng;
  const out: string[] = [];
  if (r.chance(0.3)) out.push(word(ctx, r.pick(['NX', 'XX'])));
  if (r.chance(0.3)) out.push(word(ctx, 'GET'));
  const roll = r.int(8);
  if (roll === 0) out.push(word(ctx, 'EX'), v.expireSeconds(ctx.rng));
  else if (roll === 1) out.push(word(ctx, 'PX'), String(r.between(100000, 10000000)));
  else if (roll === 2) out.push(word(ctx, r.pick(['EXAT', 'PXAT'])), v.expireAtMs(ctx.rng));
  else if (roll === 3) out.push(word(ctx, 'KEEPTTL'));
  if (r.chance(0.05)) out.push(r.chance(0.5) ? r.pick(['EX', 'PX', 'NX']) : v.junk(r));
  return r.chance(0.1) ? out.reverse() : out;
}

export const strings: Family = {
  name: 'strings',
  weight: 10,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['SET', k(c), v.string(c.rng), ...setOptions(c)]),
      (c) => command(['SET', k(c), v.int(c.rng)]),
      (c) => command(['GET', k(c)]),
      (c) => command(['GETEX', k(c), ...c.rng.pick([[], ['PERSIST'], ['EX', v.expireSeconds(c.rng)], ['PXAT', v.expireAtMs(c.rng)], ['EX']])]),
      (c) => command(['GETDEL', k(c)]),
      (c) => command(['GETSET', k(c), v.string(c.rng)]),
      (c) => command(['SETNX', k(c), v.string(c.rng)]),
      (c) => command(['SETEX', k(c), v.expireSeconds(c.rng), v.string(c.rng)]),
      (c) => command(['PSETEX', k(c), c.rng.pick(['100000', '0', '-5', 'x']), v.string(c.rng)]),
      (c) => command(['APPEND', k(c), v.string(c.rng)]),
      (c) => command(['STRLEN', k(c)]),
      (c) => command([c.rng.pick(['INCR', 'DECR']), k(c)]),
      (c) => command([c.rng.pick(['INCRBY', 'DECRBY']), k(c), v.int(c.rng)]),
      (c) => command(['INCRBYFLOAT', k(c), v.float(c.rng)]),
      (c) => command(['SETRANGE', k(c), String(c.rng.between(-1, 40)), v.string(c.rng)]),
      (c) => command([c.rng.pick(['GETRANGE', 'SUBSTR']), k(c), v.index(c.rng), v.index(c.rng)]),
      (c) => command(['MSET', ...c.rng.some(['string', 'string'], 3).flatMap(() => [k(c), v.string(c.rng)])]),
      (c) => command(['MSETNX', ...c.rng.some(['string'], 3).flatMap(() => [k(c), v.string(c.rng)])]),
      (c) => command(['MGET', ...c.rng.some(['string'], 4).map(() => k(c))]),
      (c) => {
        const opts: string[] = [];
        if (c.rng.chance(0.3)) opts.push(word(c, 'LEN'));
        if (c.rng.chance(0.4)) opts.push(word(c, 'IDX'));
        if (c.rng.chance(0.3)) opts.push(word(c, 'MINMATCHLEN'), v.count(c.rng));
        if (c.rng.chance(0.3)) opts.push(word(c, 'WITHMATCHLEN'));
        return command(['LCS', k(c), k(c), ...opts]);
      },
    ]),
};
