// The keyspace: existence, types, renames and copies, expiry, databases, listings.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('any');

function expireFlag(ctx: GenContext): string[] {
  if (ctx.rng.chance(0.6)) return [];
  return ctx.rng.chance(0.85) ? [word(ctx, ctx.rng.pick(['NX', 'XX', 'GT', 'LT']))] : [v.junk(ctx.rng)];
}

export const keys: Family = {
  name: 'keys',
  weight: 8,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['DEL', ...c.rng.some(['k'], 3).map(() => k(c))]),
      (c) => command(['UNLINK', k(c)]),
      (c) => command(['EXISTS', ...c.rng.some(['k'], 3).map(() => k(c))]),
      (c) => command(['TOUCH', k(c), k(c)]),
      (c) => command(['TYPE', k(c)]),
      (c) => command(['OBJECT', 'ENCODING', k(c)]),
      (c) => command(['OBJECT', 'ENCODING', k(c)]),
      (c) => command([c.rng.pick(['RENAME', 'RENAMENX']), k(c), k(c)]),
      (c) => command(['COPY', k(c), k(c), ...(c.rng.chance(0.3) ? ['REPLACE'] : []), ...(c.rng.chance(0.2) ? ['DB', c.rng.pick(['0', '1', '16', 'x'])] : [])]),
      (c) => command(['MOVE', k(c), c.rng.pick(['1', '0', '2', '16', '-1'])]),
      (c) => command(['EXPIRE', k(c), v.expireSeconds(c.rng), ...expireFlag(c)]),
      (c) => command(['PEXPIRE', k(c), v.expireMs(c.rng), ...expireFlag(c)]),
      (c) => command([c.rng.pick(['EXPIREAT', 'PEXPIREAT']), k(c), v.expireAtMs(c.rng), ...expireFlag(c)]),
      (c) => command(['PERSIST', k(c)]),
      (c) => command([c.rng.pick(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), k(c)], 'time'),
      () => command(['DBSIZE']),
      (c) => command(['KEYS', c.rng.pick(['*', 's*', '?0', '[a-z]1', '*\\*', 'l[^0]', 'nomatch'])], 'unordered'),
      (c) => command(['SCAN', '0', 'COUNT', '1000', ...(c.rng.chance(0.5) ? ['MATCH', c.rng.pick(['*', 'h*', 'z?'])] : []), ...(c.rng.chance(0.3) ? ['TYPE', c.rng.pick(['string', 'list', 'zset', 'hash', 'set', 'nosuch'])] : [])], 'scan'),
      () => command(['RANDOMKEY'], 'shape'),
      (c) => command(['SWAPDB', c.rng.pick(['0', '1']), c.rng.pick(['0', '1', '99', 'x'])]),
      (c) => command(['SELECT', c.rng.pick(['0', '0', '1', '16'])], 'exact', c.rng.chance(0.5) ? 0 : 1),
    ]),
};
