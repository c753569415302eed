// Every error text Mnemo sends lives here, worded exactly as Redis 7.0 words it, so that
// clients that match on error prefixes (and the differential tests) see no difference.

import { Buffer } from 'node:buffer';

/** An error reply raised from deep inside a command; the gate turns it into "-<message>". */
export class CommandError extends Error {
  constructor(message: string) {
    // An error reply is an expected outcome, not a bug: capturing a stack trace would cost
    // several microseconds per error (WRONGTYPE and friends on a busy server).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const NO_SUCH_KEY = 'ERR no such key';
export const DB_INDEX_RANGE = 'ERR DB index is out of range';
export const INVALID_EXPIRE = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
export const NOAUTH = 'NOAUTH Authentication required.';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
export const BIT_VALUE = 'ERR bit is not an integer or out of range';
export const OFFSET_RANGE = 'ERR offset is out of range';
export const SAME_OBJECT = 'ERR source and destination objects are the same';
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
export const VALUE_OUT_OF_RANGE = 'ERR value is out of range';
export const INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const INVALID_CURSOR = 'ERR invalid cursor';
export const NAN_OR_INFINITY = 'ERR value is NaN or Infinity';
export const INCR_NAN_OR_INFINITY = 'ERR increment would produce NaN or Infinity';
export const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
export const HASH_NOT_FLOAT = 'ERR hash value is not a float';
export const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
export const COUNT_POSITIVE = 'ERR count should be greater than 0';
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
/** getRangeLongFromObjectOrReply's text for a value outside (-LONG_MAX, LONG_MAX) (sic, 7.0). */
export const LONG_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
/** EXEC itself refused by the gate: Redis's execCommandAbort puts the reason after this. */
export const EXECABORT_BECAUSE = 'EXECABORT Transaction discarded because of: ';
export const NO_MULTI = 'ERR Command not allowed inside a transaction';
export const EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
export const MULTI_NESTED = 'ERR MULTI calls can not be nested';
export const WATCH_IN_MULTI = 'ERR WATCH inside MULTI is not allowed';

/** What a client blocked in BLPOP and the like gets from CLIENT UNBLOCK <id> ERROR. */
export const UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function unknownCommand(args: readonly Uint8Array[]): string {
  let argText = '';
  for (let i = 1; i < args.length && argText.length < 128; i++) {
    argText += `'${quoteArg(args[i]!, 128 - argText.length)}' `;
  }
  return `ERR unknown command '${quoteArg(args[0]!, 128)}', with args beginning with: ${argText}`;
}

export function unknownSubcommand(sub: Uint8Array, container: string): string {
  return `ERR unknown subcommand '${quoteArg(sub, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

/**
 * A client's bytes for quoting in an error text: up to `max` of them as they came (latin1),
 * cut at a NUL as Redis's printf("%s") cuts them.
 */
export function quoteArg(bytes: Uint8Array, max = bytes.length): string {
  const nul = bytes.indexOf(0);
  const length = Math.min(nul < 0 ? bytes.length : nul, max);
  return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
}
