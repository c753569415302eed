// Argument parsing shared by command families: option words compared in place, and integer
// arguments with Redis's error texts.

import { CommandError, NOT_INTEGER } from '../errors.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';

/** Whether `arg` is the option `lowerName`, case-insensitively, without making a string. */
export function isWord(arg: Uint8Array, lowerName: string): boolean {
  if (arg.length !== lowerName.length) return false;
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * A long argument (getLongFromObjectOrReply) as a number; values past 2^53 lose precision,
 * which only matters to arguments that are compared or clamped, like list indexes.
 */
export function longArg(arg: Uint8Array, error = NOT_INTEGER): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(error);
  return Number(n);
}
