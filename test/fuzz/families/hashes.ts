// Hashes: fields, counters, listings in hash order, random fields.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('hash');
const field = (ctx: GenContext) => v.member(ctx.rng);

export const hashes: Family = {
  name: 'hashes',
  weight: 10,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['HSET', k(c), ...c.rng.some(['f'], 4).flatMap(() => [field(c), v.string(c.rng)])]),
      (c) => command(['HSET', k(c), ...c.rng.some(['f'], 4).flatMap(() => [field(c), v.string(c.rng)])]),
      (c) => command(['HMSET', k(c), field(c), v.string(c.rng)]),
      (c) => command(['HSETNX', k(c), field(c), v.string(c.rng)]),
      (c) => command(['HGET', k(c), field(c)]),
      (c) => command(['HMGET', k(c), ...c.rng.some(['f'], 3).map(() => field(c))]),
      (c) => command(['HDEL', k(c), ...c.rng.some(['f'], 3).map(() => field(c))]),
      (c) => command(['HLEN', k(c)]),
      (c) => command(['HSTRLEN', k(c), field(c)]),
      (c) => command(['HEXISTS', k(c), field(c)]),
      (c) => command(['HINCRBY', k(c), field(c), v.int(c.rng)]),
      (c) => command(['HINCRBYFLOAT', k(c), field(c), v.float(c.rng)]),
      (c) => command(['HKEYS', k(c)], 'unordered'),
      (c) => command(['HVALS', k(c)], 'unordered'),
      (c) => command(['HGETALL', k(c)], 'pairs'),
      (c) => command(['HRANDFIELD', k(c), ...(c.rng.chance(0.7) ? [v.randomCount(c.rng)] : []), ...(c.rng.chance(0.4) ? [word(c, 'WITHVALUES')] : [])], 'shape'),
      (c) => command(['HSCAN', k(c), '0', 'COUNT', '1000', ...(c.rng.chance(0.4) ? ['MATCH', c.rng.pick(['*', 'a*', '?'])] : [])], 'scan-pairs'),
    ]),
};
