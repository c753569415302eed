// Argument parsing shared by command families: option words compared in place, and integer
// arguments with Redis's error texts.

import { constants } from 'node:buffer';
import { CommandError, NOT_INTEGER, VALUE_OUT_OF_RANGE } from '../errors.ts';
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

const HALF_LONG = 4611686018427387903n;

/**
 * HRANDFIELD's and ZRANDMEMBER's count with WITHVALUES / WITHSCORES, which doubles it for the
 * reply's length: Redis refuses it past LONG_MAX/2 either way, before looking at the key.
 * (Compared as an exact int64: a double would round LONG_MAX/2 up by one.)
 */
export function checkPairedCount(count: number | bigint): void {
  if (count > HALF_LONG || count < -HALF_LONG) throw new CommandError(VALUE_OUT_OF_RANGE);
}

/** The fewest bytes one element of a reply takes: an empty bulk, "$0\r\n\r\n". */
const MIN_ELEMENT_BYTES = 6;

/**
 * Checks the negative (repeating) count of HRANDFIELD, SRANDMEMBER or ZRANDMEMBER on an
 * existing key, where Redis 7.0 builds a reply of that many elements however many that is and
 * spins until it runs out of memory. Redis 7.2+ refuses counts past LONG_MAX/2 with "value is out
 * of range"; the same error goes here to any count whose reply could not fit a Buffer.
 */
export function checkRepeatCount(count: number): void {
  if (-count > constants.MAX_LENGTH / MIN_ELEMENT_BYTES) throw new CommandError(VALUE_OUT_OF_RANGE);
}
