// SORT and SORT_RO over lists, sets and sorted sets, with BY and GET patterns that read
// weight strings (w_<member>) and hash fields (hw_<member> -> f).

import { command, oneOf, word, type Family, type GenContext, type Step } from '../family.ts';
import * as v from '../values.ts';

const source = (ctx: GenContext) => ctx.key(ctx.rng.pick(['list', 'set', 'zset']));

function weights(ctx: GenContext): Step {
  const r = ctx.rng;
  if (r.chance(0.5)) return command(['MSET', ...r.some(['m'], 4).flatMap(() => [`w_${v.member(r)}`, r.chance(0.8) ? String(r.between(-5, 5)) : v.float(r)])]);
  return command(['HSET', `hw_${v.member(r)}`, 'f', r.chance(0.8) ? String(r.between(-5, 5)) : v.string(r)]);
}

function sort(ctx: GenContext): Step {
  const r = ctx.rng;
  const key = source(ctx);
  const readOnly = r.chance(0.2);
  const args = [readOnly ? 'SORT_RO' : 'SORT', key];
  const by = r.chance(0.4) ? r.pick(['nosort', 'w_*', 'hw_*->f', 'nokey', 'w_*->', '*']) : null;
  const alpha = r.chance(0.4);
  if (by !== null) args.push(word(ctx, 'BY'), by);
  const limited = r.chance(0.3);
  if (limited) args.push(word(ctx, 'LIMIT'), v.index(r), v.index(r));
  // ALPHA compares as C strings (strcoll), so "a" and "a\x00" tie, and ties keep no order.
  const gets = alpha && by === null ? 0 : r.chance(0.3) ? r.between(1, 2) : 0;
  for (let i = gets; i > 0; i--) args.push(word(ctx, 'GET'), r.pick(['#', 'w_*', 'hw_*->f', 'nokey_*']));
  if (r.chance(0.3)) args.push(word(ctx, r.pick(['ASC', 'DESC'])));
  if (alpha) args.push(word(ctx, 'ALPHA'));
  // ALPHA by weights ties every pair whose weights are missing: no order to store.
  const store = !readOnly && !(alpha && by !== null) && r.chance(0.2);
  if (store) args.push(word(ctx, 'STORE'), ctx.key('list'));
  // A pattern without '*' does not sort: a set comes back in hash order (sorted only when
  // stored), and so do ALPHA ties.
  const unsorted = by !== null && (!by.includes('*') || alpha);
  if (store) return command(args);
  // LIMIT then takes a different subset, whose GET values may be null or not.
  if (unsorted) return command(args, limited ? 'length' : 'unordered');
  return command(args, alpha ? 'sort-alpha' : 'exact');
}

export const sorting: Family = {
  name: 'sort',
  weight: 4,
  generate: (ctx) => oneOf(ctx, [sort, sort, sort, weights]),
};
