// Sets: members, algebra (listed in hash order), random members, moves.

import { command, oneOf, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('set');
/** Sets see many integers, so that the intset encoding and its conversions are exercised. */
const member = (ctx: GenContext) => (ctx.rng.chance(0.5) ? String(ctx.rng.between(-5, 20)) : ctx.rng.chance(0.8) ? v.member(ctx.rng) : ctx.rng.pick(v.INT_EDGES));
const keys = (ctx: GenContext) => ctx.rng.some(['x'], 3).map(() => k(ctx));

export const sets: Family = {
  name: 'sets',
  weight: 10,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['SADD', k(c), ...c.rng.some(['m'], 6).map(() => member(c))]),
      (c) => command(['SADD', k(c), ...c.rng.some(['m'], 6).map(() => member(c))]),
      (c) => command(['SREM', k(c), ...c.rng.some(['m'], 3).map(() => member(c))]),
      (c) => command(['SISMEMBER', k(c), member(c)]),
      (c) => command(['SMISMEMBER', k(c), ...c.rng.some(['m'], 3).map(() => member(c))]),
      (c) => command(['SCARD', k(c)]),
      (c) => command(['SMEMBERS', k(c)], 'unordered'),
      (c) => command([c.rng.pick(['SINTER', 'SUNION', 'SDIFF']), ...keys(c)], 'unordered'),
      (c) => command([c.rng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), k(c), ...keys(c)]),
      (c) => {
        const ks = keys(c);
        return command(['SINTERCARD', c.rng.chance(0.9) ? String(ks.length) : v.int(c.rng), ...ks, ...(c.rng.chance(0.4) ? ['LIMIT', v.count(c.rng)] : [])]);
      },
      (c) => command(['SMOVE', k(c), k(c), member(c)]),
      // A count that takes every member leaves both servers with the same set.
      (c) => command(['SPOP', k(c), c.rng.pick(['1000', '0', '-1', 'x'])], 'unordered'),
      (c) => command(['SRANDMEMBER', k(c), ...(c.rng.chance(0.7) ? [v.randomCount(c.rng)] : [])], 'shape'),
      (c) => command(['SSCAN', k(c), '0', 'COUNT', '1000', ...(c.rng.chance(0.4) ? ['MATCH', c.rng.pick(['*', '1*', '?'])] : [])], 'scan'),
    ]),
};
