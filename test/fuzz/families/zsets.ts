// Sorted sets: ZADD's flags and scores (-0, inf, nan), every range form, pops, set algebra.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('zset');
/**
 * Lex ranges are meant for members of one score; over mixed scores a skiplist's answer depends
 * on its random node levels (in Redis too). They get keys of their own, where every score is 0.
 */
const lexKey = (ctx: GenContext) => ctx.key('lex');
const score = (ctx: GenContext) => (ctx.rng.chance(0.6) ? String(ctx.rng.between(-3, 10)) : v.float(ctx.rng));
const keys = (ctx: GenContext) => ctx.rng.some(['x'], 3).map(() => k(ctx));

function addFlags(ctx: GenContext): string[] {
  const out: string[] = [];
  for (const flag of ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']) if (ctx.rng.chance(0.12)) out.push(word(ctx, flag));
  return out;
}

function rangeOptions(ctx: GenContext, store: boolean): string[] {
  const r = ctx.rng;
  const out: string[] = [];
  if (r.chance(0.3)) out.push(word(ctx, 'REV'));
  if (r.chance(0.3)) out.push(word(ctx, 'LIMIT'), v.index(r), r.chance(0.3) ? '-1' : v.count(r));
  if (!store && r.chance(0.4)) out.push(word(ctx, 'WITHSCORES'));
  return r.chance(0.2) ? out.reverse() : out;
}

/** ZRANGE / ZRANGESTORE in one of the three forms, with bounds that suit it (mostly). */
function zrange(ctx: GenContext, store: boolean): string[] {
  const r = ctx.rng;
  const roll = r.int(3);
  const source = roll === 2 ? lexKey(ctx) : k(ctx);
  const head = store ? ['ZRANGESTORE', k(ctx), source] : ['ZRANGE', source];
  if (roll === 0) return [...head, v.index(r), v.index(r), ...rangeOptions(ctx, store)];
  if (roll === 1) return [...head, v.scoreBound(r), v.scoreBound(r), word(ctx, 'BYSCORE'), ...rangeOptions(ctx, store)];
  return [...head, v.lexBound(r), v.lexBound(r), word(ctx, 'BYLEX'), ...rangeOptions(ctx, store)];
}

function combineOptions(ctx: GenContext, n: number, scores: boolean): string[] {
  const r = ctx.rng;
  const out: string[] = [];
  if (r.chance(0.3)) out.push(word(ctx, 'WEIGHTS'), ...Array.from({ length: r.chance(0.9) ? n : n + 1 }, () => score(ctx)));
  if (r.chance(0.3)) out.push(word(ctx, 'AGGREGATE'), r.pick(['SUM', 'MIN', 'MAX', 'avg']));
  if (scores && r.chance(0.4)) out.push(word(ctx, 'WITHSCORES'));
  return out;
}

export const zsets: Family = {
  name: 'zsets',
  weight: 12,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['ZADD', k(c), ...addFlags(c), ...c.rng.some(['m'], 4).flatMap(() => [score(c), v.member(c.rng)])]),
      (c) => command(['ZADD', k(c), ...c.rng.some(['m'], 5).flatMap(() => [score(c), v.member(c.rng)])]),
      (c) => command(['ZINCRBY', k(c), score(c), v.member(c.rng)]),
      (c) => command(['ZSCORE', k(c), v.member(c.rng)]),
      (c) => command(['ZMSCORE', k(c), ...c.rng.some(['m'], 3).map(() => v.member(c.rng))]),
      (c) => command([c.rng.pick(['ZRANK', 'ZREVRANK']), k(c), v.member(c.rng)]),
      (c) => command(['ZCARD', k(c)]),
      (c) => command(['ZCOUNT', k(c), v.scoreBound(c.rng), v.scoreBound(c.rng)]),
      (c) => command(['ZADD', lexKey(c), ...c.rng.some(['m'], 4).flatMap(() => ['0', v.member(c.rng)])]),
      (c) => command(['ZLEXCOUNT', lexKey(c), v.lexBound(c.rng), v.lexBound(c.rng)]),
      (c) => command(zrange(c, false)),
      (c) => command(zrange(c, false)),
      (c) => command(zrange(c, true)),
      (c) => command([c.rng.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), k(c), v.scoreBound(c.rng), v.scoreBound(c.rng), ...(c.rng.chance(0.4) ? ['WITHSCORES'] : []), ...(c.rng.chance(0.3) ? ['LIMIT', v.index(c.rng), v.count(c.rng)] : [])]),
      (c) => command([c.rng.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), lexKey(c), v.lexBound(c.rng), v.lexBound(c.rng), ...(c.rng.chance(0.3) ? ['LIMIT', v.index(c.rng), v.count(c.rng)] : [])]),
      (c) => command(['ZREVRANGE', k(c), v.index(c.rng), v.index(c.rng), ...(c.rng.chance(0.4) ? ['WITHSCORES'] : [])]),
      (c) => command(['ZREM', k(c), ...c.rng.some(['m'], 3).map(() => v.member(c.rng))]),
      (c) => command(['ZREMRANGEBYRANK', k(c), v.index(c.rng), v.index(c.rng)]),
      (c) => command(['ZREMRANGEBYSCORE', k(c), v.scoreBound(c.rng), v.scoreBound(c.rng)]),
      (c) => command(['ZREMRANGEBYLEX', lexKey(c), v.lexBound(c.rng), v.lexBound(c.rng)]),
      (c) => command([c.rng.pick(['ZPOPMIN', 'ZPOPMAX']), k(c), ...(c.rng.chance(0.5) ? [v.count(c.rng)] : [])]),
      (c) => {
        const ks = keys(c);
        return command(['ZMPOP', c.rng.chance(0.9) ? String(ks.length) : v.int(c.rng), ...ks, word(c, c.rng.pick(['MIN', 'MAX'])), ...(c.rng.chance(0.5) ? ['COUNT', v.count(c.rng)] : [])]);
      },
      (c) => {
        const ks = keys(c);
        return command([c.rng.pick(['ZUNION', 'ZINTER', 'ZDIFF']), String(ks.length), ...ks, ...combineOptions(c, ks.length, true)]);
      },
      (c) => {
        const ks = keys(c);
        const name = c.rng.pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
        return command([name, k(c), String(ks.length), ...ks, ...(name === 'ZDIFFSTORE' ? [] : combineOptions(c, ks.length, false))]);
      },
      (c) => {
        const ks = keys(c);
        return command(['ZINTERCARD', String(ks.length), ...ks, ...(c.rng.chance(0.4) ? ['LIMIT', v.count(c.rng)] : [])]);
      },
      (c) => command(['ZRANDMEMBER', k(c), ...(c.rng.chance(0.7) ? [v.randomCount(c.rng)] : []), ...(c.rng.chance(0.4) ? ['WITHSCORES'] : [])], 'shape'),
      (c) => command(['ZSCAN', k(c), '0', 'COUNT', '1000'], 'scan-pairs'),
    ]),
};
