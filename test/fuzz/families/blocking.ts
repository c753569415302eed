// Blocking pops and moves on connection B, woken by a push from A or answered by their timeout.

import { command, word, type Family, type GenContext, type Step } from '../family.ts';
import * as v from '../values.ts';

const TIMEOUT = '0.2';

function blocker(ctx: GenContext): string[] {
  const r = ctx.rng;
  const list = () => ctx.key('list');
  const zset = () => ctx.key('zset');
  const side = () => word(ctx, r.pick(['LEFT', 'RIGHT']));
  switch (r.int(7)) {
    case 0:
      return [r.pick(['BLPOP', 'BRPOP']), ...r.some(['k'], 2).map(list), TIMEOUT];
    case 1:
      return ['BLMOVE', list(), list(), side(), side(), TIMEOUT];
    case 2:
      return ['BRPOPLPUSH', list(), list(), TIMEOUT];
    case 3:
      return ['BLMPOP', TIMEOUT, '1', list(), side(), ...(r.chance(0.5) ? ['COUNT', String(r.between(1, 3))] : [])];
    case 4:
      return [r.pick(['BZPOPMIN', 'BZPOPMAX']), zset(), TIMEOUT];
    case 5:
      return ['BZMPOP', TIMEOUT, '1', zset(), r.pick(['MIN', 'MAX']), ...(r.chance(0.5) ? ['COUNT', String(r.between(1, 3))] : [])];
    default:
      return ['BLPOP', list(), r.pick(['-1', 'x', '0.2'])];
  }
}

function wake(ctx: GenContext, blocked: string[]): string[] | null {
  const r = ctx.rng;
  if (r.chance(0.25)) return null;
  const zset = blocked[0]!.startsWith('BZ');
  const key = r.pick(blocked.slice(1).filter((a) => /^[a-zA-Z]\d$/.test(a)));
  if (zset) return ['ZADD', key ?? ctx.key('zset'), String(r.between(0, 5)), v.member(r)];
  return [r.pick(['LPUSH', 'RPUSH']), key ?? ctx.key('list'), ...r.some(['x'], 2).map(() => v.member(r))];
}

function exchange(ctx: GenContext): Step[] {
  const blocked = blocker(ctx);
  return [{ kind: 'block', blocker: blocked, wake: wake(ctx, blocked) }, command(['PING'], 'exact', 1)];
}

export const blocking: Family = {
  name: 'blocking',
  weight: 3,
  generate: exchange,
};
