// client-output-buffer-limit: per client class, a hard limit (close at once) and a soft limit
// (close once it has been exceeded for soft-seconds), as Redis enforces them on replies that
// pile up for a client that does not read.

import { parseMemory } from '../util/numbers.ts';

export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

const CLASSES = ['normal', 'slave', 'pubsub'] as const;
export type ClientClass = (typeof CLASSES)[number];
export type OutputLimits = Record<ClientClass, OutputLimit>;

/**
 * Parses "class hard soft seconds ..." over `previous` (classes not named keep their limits,
 * as in Redis). Returns Redis's reason text when the value is invalid.
 */
export function parseOutputLimits(text: string, previous?: OutputLimits): OutputLimits | string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const limits: OutputLimits = { ...(previous ?? { normal: NONE, slave: NONE, pubsub: NONE }) };
  for (let i = 0; i < words.length; i += 4) {
    let name = words[i]!.toLowerCase();
    if (name === 'replica') name = 'slave';
    if (!(CLASSES as readonly string[]).includes(name)) return 'Invalid client class specified in buffer limit configuration.';
    const hard = parseMemory(words[i + 1]!);
    const soft = parseMemory(words[i + 2]!);
    const softSeconds = Number(words[i + 3]);
    if (hard === null || soft === null || hard < 0 || soft < 0 || !/^\d+$/.test(words[i + 3]!)) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
    limits[name as ClientClass] = { hard, soft, softSeconds };
  }
  return limits;
}

export function formatOutputLimits(limits: OutputLimits): string {
  return CLASSES.map((name) => `${name} ${limits[name].hard} ${limits[name].soft} ${limits[name].softSeconds}`).join(' ');
}

const NONE: OutputLimit = { hard: 0, soft: 0, softSeconds: 0 };

/**
 * Whether a client with `pending` reply bytes queued must be closed. `softSince` is when the
 * soft limit was first exceeded (0 = it is not); returns the new value of it, or -1 to close.
 */
export function checkOutputLimit(limit: OutputLimit, pending: number, softSince: number, now: number): number {
  if (limit.hard > 0 && pending >= limit.hard) return -1;
  if (limit.soft === 0 || pending < limit.soft) return 0;
  if (softSince === 0) return now;
  return now - softSince >= limit.softSeconds * 1000 ? -1 : softSince;
}
