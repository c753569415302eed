// MULTI/EXEC/DISCARD and WATCH, with connection B writing (or not) between WATCH and EXEC.

import { command, type Family, type GenContext, type Step } from '../family.ts';
import { families } from './index.ts';

/** A few commands of the other families, for the queue or for B's interference. */
function others(ctx: GenContext, n: number, conn: 0 | 1): Step[] {
  const steps: Step[] = [];
  while (steps.length < n) {
    const family = ctx.rng.pick(families.filter((f) => f.name !== 'transactions' && f.name !== 'blocking'));
    for (const step of family.generate(ctx)) if (step.kind === 'command') steps.push({ ...step, conn });
  }
  return steps.slice(0, n);
}

function transaction(ctx: GenContext): Step[] {
  const r = ctx.rng;
  const steps: Step[] = [];
  if (r.chance(0.5)) steps.push(command(['WATCH', ...r.some(['k'], 2).map(() => ctx.key('any'))]));
  if (r.chance(0.5)) steps.push(...others(ctx, r.between(1, 2), 1));
  if (r.chance(0.1)) steps.push(command(['UNWATCH']));
  steps.push(command(['MULTI']));
  steps.push(...others(ctx, r.between(0, 4), 0));
  if (r.chance(0.15)) steps.push(command([r.pick(['MULTI', 'WATCH', 'NOSUCHCOMMAND', 'GET'])]));
  if (r.chance(0.3)) steps.push(...others(ctx, 1, 1));
  steps.push(command([r.chance(0.85) ? 'EXEC' : 'DISCARD']));
  return steps;
}

export const transactions: Family = {
  name: 'transactions',
  weight: 4,
  generate: transaction,
};
