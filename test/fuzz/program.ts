// A fuzz program: the protocol, the encoding thresholds and the steps, all drawn from a seed.

import { command, type Family, type GenContext, type Step } from './family.ts';
import { families } from './families/index.ts';
import { Rng } from './rng.ts';

/** Key names per family; a draw from another family's pool now and then exercises WRONGTYPE. */
const POOLS: Record<string, string[]> = {
  string: ['s0', 's1', 's2'],
  bitmap: ['b0', 'b1'],
  list: ['l0', 'l1', 'l2'],
  hash: ['h0', 'h1'],
  set: ['S0', 'S1', 'S2'],
  zset: ['z0', 'z1', 'z2'],
  stream: ['X0', 'X1'],
};
/** Sorted sets whose scores are all 0 (see families/zsets.ts); no other family writes them. */
const LEX_KEYS = ['x0', 'x1'];
const ALL_KEYS = Object.values(POOLS).flat();
const FOREIGN_KEY_CHANCE = 0.08;

/** Thresholds small enough that a few commands convert encodings, or Redis 7.0's defaults. */
const SMALL: [string, string][] = [
  ['list-max-listpack-size', '4'],
  ['hash-max-listpack-entries', '4'],
  ['hash-max-listpack-value', '16'],
  ['set-max-intset-entries', '4'],
  ['zset-max-listpack-entries', '4'],
  ['zset-max-listpack-value', '16'],
  ['stream-node-max-entries', '3'],
];
const DEFAULTS: [string, string][] = [
  ['list-max-listpack-size', '-2'],
  ['hash-max-listpack-entries', '512'],
  ['hash-max-listpack-value', '64'],
  ['set-max-intset-entries', '512'],
  ['zset-max-listpack-entries', '128'],
  ['zset-max-listpack-value', '64'],
  ['stream-node-max-entries', '100'],
];

export interface Program {
  seed: number;
  resp: 2 | 3;
  smallEncodings: boolean;
  steps: Step[];
}

/** The steps that set a program's stage on both connections, compared like any other. */
export function prelude(program: Program): Step[] {
  const settings = program.smallEncodings ? SMALL : DEFAULTS;
  const steps: Step[] = [command(['CONFIG', 'SET', ...settings.flat()])];
  if (program.resp === 3) steps.push(command(['HELLO', '3'], 'shape'), command(['HELLO', '3'], 'shape', 1));
  return steps;
}

export function generate(seed: number, length: number, only: readonly Family[] = families): Program {
  const rng = new Rng(seed);
  const ctx: GenContext = {
    rng,
    key: (pool) => {
      if (pool === 'lex') return rng.pick(LEX_KEYS);
      return pool === 'any' || rng.chance(FOREIGN_KEY_CHANCE) ? rng.pick(ALL_KEYS) : rng.pick(POOLS[pool]!);
    },
  };
  const resp = rng.chance(0.5) ? 3 : 2;
  const smallEncodings = rng.chance(0.6);
  const total = only.reduce((sum, f) => sum + f.weight, 0);
  const steps: Step[] = [];
  while (steps.length < length) {
    let roll = rng.next() * total;
    const family = only.find((f) => (roll -= f.weight) < 0) ?? only[0]!;
    steps.push(...family.generate(ctx));
  }
  return { seed, resp, smallEncodings, steps };
}
