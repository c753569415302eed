// What a family generator produces: steps, each a command on connection A or B with the way
// its replies are compared, or a blocking exchange between the two connections.

import type { Rng } from './rng.ts';

/**
 * How two replies are compared:
 * - exact: byte for byte;
 * - unordered: an array's (or RESP3 set's or map's) elements in any order (hash order);
 * - pairs: like unordered, with a flat RESP2 array read as field/value pairs;
 * - shape: same types and lengths, any content (random picks); errors still exactly;
 * - length: only the same type and number of elements (a random subset of mixed elements);
 * - scan: [cursor, elements]: elements as `pairs` or `unordered` once both cursors are 0;
 * - time: an integer TTL or expiry time, equal when not positive, else within a second;
 * - sort-alpha: exact, except that elements equal up to a NUL (ties for strcoll) may swap.
 */
export type Compare = 'exact' | 'unordered' | 'pairs' | 'shape' | 'length' | 'scan' | 'scan-pairs' | 'time' | 'sort-alpha';

export interface CommandStep {
  kind: 'command';
  /** 0: connection A, 1: connection B. */
  conn: 0 | 1;
  args: string[];
  compare: Compare;
}

/**
 * B sends a blocking command; once both servers count it as blocked, A sends `wake` (or
 * nothing, and the timeout answers). B's reply is compared exactly.
 */
export interface BlockStep {
  kind: 'block';
  blocker: string[];
  wake: string[] | null;
}

export type Step = CommandStep | BlockStep;

/** A generator's view of a run: the random source and the key names it may use. */
export interface GenContext {
  rng: Rng;
  /** A key of this family's pool, sometimes one of another family's (WRONGTYPE paths). */
  key(pool: string): string;
}

export interface Family {
  name: string;
  /** Relative share of the steps. */
  weight: number;
  /** The steps for one draw: usually one command, sometimes a small scenario. */
  generate(ctx: GenContext): Step[];
}

export function command(args: string[], compare: Compare = 'exact', conn: 0 | 1 = 0): CommandStep {
  return { kind: 'command', conn, args, compare };
}

/** One of `makers`, uniformly; list a maker twice to make it twice as likely. */
export function oneOf(ctx: GenContext, makers: readonly ((ctx: GenContext) => Step | Step[])[]): Step[] {
  const made = ctx.rng.pick(makers)(ctx);
  return Array.isArray(made) ? made : [made];
}

/** `word` in a random letter case: options are case-insensitive. */
export function word(ctx: GenContext, option: string): string {
  const roll = ctx.rng.int(4);
  if (roll === 0) return option.toLowerCase();
  if (roll === 1) return option[0]!.toLowerCase() + option.slice(1);
  return option;
}
