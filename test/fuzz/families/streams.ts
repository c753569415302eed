// Streams: explicit IDs only (a `*` ID is each server's own clock), small ones that collide and
// the 64-bit edges; trimming, ranges with exclusive bounds, consumer groups. Replies that show
// times (XPENDING's idle, XINFO CONSUMERS and FULL) are compared by shape.

import { command, oneOf, word, type Family, type GenContext } from '../family.ts';
import * as v from '../values.ts';

const k = (ctx: GenContext) => ctx.key('stream');
const GROUPS = ['g1', 'g2'];
const CONSUMERS = ['alice', 'bob', 'carol'];
const U64_MAX = '18446744073709551615';

function id(ctx: GenContext): string {
  const r = ctx.rng;
  // No `ms-18446744073709551615` below the largest ms: an `ms-*` onto it fails with an error
  // text that depends on Redis's errno.
  if (r.chance(0.05)) return r.pick([`${U64_MAX}-${U64_MAX}`, `${U64_MAX}-0`, '0-0', '0-1', '1-x', '-1', '']);
  const ms = r.between(0, 6);
  return r.chance(0.3) ? String(ms) : `${ms}-${r.between(0, 4)}`;
}

function bound(ctx: GenContext, low: boolean): string {
  const r = ctx.rng;
  if (r.chance(0.3)) return low ? '-' : '+';
  return (r.chance(0.3) ? '(' : '') + id(ctx);
}

function fields(ctx: GenContext): string[] {
  const pairs = ctx.rng.chance(0.6) ? [['f', 'g']] : [['f'], ['f', 'g', 'h'], ['x']];
  const names = ctx.rng.pick(pairs);
  return names.flatMap((name) => [name, v.member(ctx.rng)]);
}

function trim(ctx: GenContext): string[] {
  const r = ctx.rng;
  const strategy = r.chance(0.6) ? ['MAXLEN', String(r.between(0, 6))] : ['MINID', id(ctx)];
  const exact = r.pick([[], ['~'], ['=']]);
  const limit = exact[0] === '~' && r.chance(0.4) ? ['LIMIT', String(r.between(0, 5))] : [];
  return [word(ctx, strategy[0]!), ...exact, strategy[1]!, ...limit];
}

const group = (ctx: GenContext) => ctx.rng.pick(GROUPS);
const consumer = (ctx: GenContext) => ctx.rng.pick(CONSUMERS);

export const streams: Family = {
  name: 'streams',
  weight: 10,
  generate: (ctx) =>
    oneOf(ctx, [
      (c) => command(['XADD', k(c), id(c), ...fields(c)]),
      (c) => command(['XADD', k(c), id(c), ...fields(c)]),
      (c) => command(['XADD', k(c), `${c.rng.between(0, 6)}-*`, ...fields(c)]),
      (c) => command(['XADD', k(c), ...(c.rng.chance(0.3) ? ['NOMKSTREAM'] : []), ...trim(c), id(c), ...fields(c)]),
      (c) => command(['XRANGE', k(c), bound(c, true), bound(c, false), ...(c.rng.chance(0.4) ? ['COUNT', v.count(c.rng)] : [])]),
      (c) => command(['XREVRANGE', k(c), bound(c, false), bound(c, true), ...(c.rng.chance(0.4) ? ['COUNT', v.count(c.rng)] : [])]),
      (c) => command(['XLEN', k(c)]),
      (c) => command(['XDEL', k(c), ...c.rng.some([0], 3).map(() => id(c))]),
      (c) => command(['XTRIM', k(c), ...trim(c)]),
      (c) => command(['XSETID', k(c), id(c), ...(c.rng.chance(0.3) ? ['ENTRIESADDED', String(c.rng.between(0, 12))] : []), ...(c.rng.chance(0.3) ? ['MAXDELETEDID', id(c)] : [])]),
      (c) => command(['XREAD', ...(c.rng.chance(0.4) ? ['COUNT', String(c.rng.between(0, 3))] : []), 'STREAMS', 'X0', 'X1', c.rng.chance(0.3) ? '$' : id(c), id(c)]),
      (c) => command(['XGROUP', 'CREATE', k(c), group(c), c.rng.chance(0.4) ? '$' : id(c), ...(c.rng.chance(0.5) ? ['MKSTREAM'] : []), ...(c.rng.chance(0.2) ? ['ENTRIESREAD', String(c.rng.between(-1, 5))] : [])]),
      (c) => command(['XGROUP', 'SETID', k(c), group(c), c.rng.chance(0.3) ? '$' : id(c), ...(c.rng.chance(0.3) ? ['ENTRIESREAD', String(c.rng.between(-1, 5))] : [])]),
      (c) => command(['XGROUP', c.rng.pick(['CREATECONSUMER', 'DELCONSUMER']), k(c), group(c), consumer(c)]),
      (c) => command(['XGROUP', 'DESTROY', k(c), group(c)]),
      (c) => command(['XREADGROUP', 'GROUP', group(c), consumer(c), ...(c.rng.chance(0.4) ? ['COUNT', String(c.rng.between(1, 3))] : []), ...(c.rng.chance(0.2) ? ['NOACK'] : []), 'STREAMS', k(c), c.rng.chance(0.7) ? '>' : id(c)]),
      (c) => command(['XREADGROUP', 'GROUP', group(c), consumer(c), 'STREAMS', k(c), c.rng.chance(0.7) ? '>' : id(c)]),
      (c) => command(['XACK', k(c), group(c), ...c.rng.some([0], 3).map(() => id(c))]),
      (c) => command(['XPENDING', k(c), group(c)]),
      (c) => command(['XPENDING', k(c), group(c), bound(c, true), bound(c, false), String(c.rng.between(0, 5)), ...(c.rng.chance(0.3) ? [consumer(c)] : [])], 'shape'),
      (c) => command(['XCLAIM', k(c), group(c), consumer(c), '0', ...c.rng.some([0], 3).map(() => id(c)), 'JUSTID', ...(c.rng.chance(0.3) ? ['FORCE'] : []), ...(c.rng.chance(0.2) ? ['LASTID', id(c)] : [])]),
      (c) => command(['XAUTOCLAIM', k(c), group(c), consumer(c), '0', bound(c, true), 'COUNT', String(c.rng.between(1, 4)), 'JUSTID']),
      (c) => command(['XINFO', 'STREAM', k(c)]),
      (c) => command(['XINFO', 'GROUPS', k(c)]),
      (c) => command(['XINFO', 'CONSUMERS', k(c), group(c)], 'shape'),
    ]),
};
