// Lists: pushes and pops from both ends, ranges, edits, moves.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('list');
const side = (ctx: GenContext) => word(ctx, ctx.rng.pick(['LEFT', 'RIGHT']));
const elements = (ctx: GenContext) => ctx.rng.some(['x'], 5).map(() => v.member(ctx.rng));

export const lists: Family = {
  name: 'lists',
  weight: 10,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command([c.rng.pick(['LPUSH', 'RPUSH']), k(c), ...elements(c)]),
      (c) => command([c.rng.pick(['LPUSH', 'RPUSH']), k(c), ...elements(c)]),
      (c) => command([c.rng.pick(['LPUSHX', 'RPUSHX']), k(c), ...elements(c)]),
      (c) => command([c.rng.pick(['LPOP', 'RPOP']), k(c), ...(c.rng.chance(0.5) ? [v.count(c.rng)] : [])]),
      (c) => command(['LRANGE', k(c), v.index(c.rng), v.index(c.rng)]),
      (c) => command(['LRANGE', k(c), '0', '-1']),
      (c) => command(['LLEN', k(c)]),
      (c) => command(['LINDEX', k(c), v.index(c.rng)]),
      (c) => command(['LSET', k(c), v.index(c.rng), v.member(c.rng)]),
      (c) => command(['LINSERT', k(c), word(c, c.rng.pick(['BEFORE', 'AFTER', 'MIDDLE'])), v.member(c.rng), v.member(c.rng)]),
      (c) => command(['LREM', k(c), v.index(c.rng), v.member(c.rng)]),
      (c) => command(['LTRIM', k(c), v.index(c.rng), v.index(c.rng)]),
      (c) => {
        const opts: string[] = [];
        if (c.rng.chance(0.4)) opts.push(word(c, 'RANK'), v.index(c.rng));
        if (c.rng.chance(0.4)) opts.push(word(c, 'COUNT'), v.count(c.rng));
        if (c.rng.chance(0.3)) opts.push(word(c, 'MAXLEN'), v.count(c.rng));
        return command(['LPOS', k(c), v.member(c.rng), ...opts]);
      },
      (c) => command(['LMOVE', k(c), k(c), side(c), side(c)]),
      (c) => command(['RPOPLPUSH', k(c), k(c)]),
      (c) => {
        const keys = c.rng.some(['x'], 3).map(() => k(c));
        const count = c.rng.chance(0.5) ? [word(c, 'COUNT'), v.count(c.rng)] : [];
        return command(['LMPOP', c.rng.chance(0.9) ? String(keys.length) : v.int(c.rng), ...keys, side(c), ...count]);
      },
    ]),
};
