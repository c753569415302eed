// Where a command's keys are: Redis 7's key specs, compiled from the command metadata, and the
// one key extraction (getKeysFromCommandWithSpecs) that COMMAND GETKEYS, WATCH-style
// bookkeeping, blocking, and later ACL key patterns and cluster slots all share. Extraction
// writes into a caller-owned KeyResult, so a caller that keeps one allocates nothing per call.

import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import type { KeyProc, KeySpecJson } from './spec.ts';

/** Key-spec flags as bits, as Redis's CMD_KEY_*. */
export const KeyFlag = {
  RO: 1,
  RW: 2,
  OW: 4,
  RM: 8,
  Access: 16,
  Update: 32,
  Insert: 64,
  Delete: 128,
  NotKey: 256,
  Incomplete: 512,
  VariableFlags: 1024,
} as const;

/** [name in the metadata, name in replies, bit], in the order COMMAND replies list them. */
export const KEY_FLAG_NAMES: readonly (readonly [string, string, number])[] = [
  ['RO', 'RO', KeyFlag.RO],
  ['RW', 'RW', KeyFlag.RW],
  ['OW', 'OW', KeyFlag.OW],
  ['RM', 'RM', KeyFlag.RM],
  ['ACCESS', 'access', KeyFlag.Access],
  ['UPDATE', 'update', KeyFlag.Update],
  ['INSERT', 'insert', KeyFlag.Insert],
  ['DELETE', 'delete', KeyFlag.Delete],
  ['NOT_KEY', 'not_key', KeyFlag.NotKey],
  ['INCOMPLETE', 'incomplete', KeyFlag.Incomplete],
  ['VARIABLE_FLAGS', 'variable_flags', KeyFlag.VariableFlags],
];

export const BEGIN_UNKNOWN = 0;
export const BEGIN_INDEX = 1;
export const BEGIN_KEYWORD = 2;
export const FIND_UNKNOWN = 0;
export const FIND_RANGE = 1;
export const FIND_KEYNUM = 2;

export interface KeySpec {
  readonly flags: number;
  readonly notes: string | undefined;
  readonly begin: typeof BEGIN_UNKNOWN | typeof BEGIN_INDEX | typeof BEGIN_KEYWORD;
  /** BEGIN_INDEX: the argument the search starts at. */
  readonly index: number;
  /** BEGIN_KEYWORD: the keyword, in lower case to match, and where the search for it starts (negative: from the end). */
  readonly keyword: string;
  readonly keywordLower: string;
  readonly startfrom: number;
  readonly find: typeof FIND_UNKNOWN | typeof FIND_RANGE | typeof FIND_KEYNUM;
  /** FIND_RANGE: the last key relative to the first (negative: from the end), and a limit divisor. */
  readonly lastkey: number;
  readonly limit: number;
  /** FIND_KEYNUM: where the key count is and where the keys start, relative to the begin position. */
  readonly keynumidx: number;
  readonly firstkey: number;
  readonly keystep: number;
}

export function keyFlagBits(names: readonly string[], where: string): number {
  let bits = 0;
  for (const name of names) {
    const entry = KEY_FLAG_NAMES.find(([json]) => json === name);
    if (entry === undefined) throw new Error(`${where}: unknown key-spec flag ${name}`);
    bits |= entry[2];
  }
  return bits;
}

export function compileKeySpec(json: KeySpecJson, where: string): KeySpec {
  const begin = json.begin_search;
  const find = json.find_keys;
  return {
    flags: keyFlagBits(json.flags, where),
    notes: json.notes,
    begin: 'index' in begin ? BEGIN_INDEX : 'keyword' in begin ? BEGIN_KEYWORD : BEGIN_UNKNOWN,
    index: 'index' in begin ? begin.index.pos : 0,
    keyword: 'keyword' in begin ? begin.keyword.keyword : '',
    keywordLower: 'keyword' in begin ? begin.keyword.keyword.toLowerCase() : '',
    startfrom: 'keyword' in begin ? begin.keyword.startfrom : 0,
    find: 'range' in find ? FIND_RANGE : 'keynum' in find ? FIND_KEYNUM : FIND_UNKNOWN,
    lastkey: 'range' in find ? find.range.lastkey : 0,
    limit: 'range' in find ? find.range.limit : 0,
    keynumidx: 'keynum' in find ? find.keynum.keynumidx : 0,
    firstkey: 'keynum' in find ? find.keynum.firstkey : 0,
    keystep: 'range' in find ? find.range.step : 'keynum' in find ? find.keynum.step : 0,
  };
}

/** The legacy (first, last, step) triple COMMAND INFO shows, and whether the keys are "movable". */
export interface LegacyRange {
  readonly first: number;
  /** Absolute when >= 0, from the end when negative. */
  readonly last: number;
  readonly step: number;
  readonly movable: boolean;
}

/** Redis 7.0's populateCommandLegacyRangeSpec: the plain range the specs add up to, if any. */
export function legacyRange(specs: readonly KeySpec[]): LegacyRange {
  if (specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  if (specs.length === 1 && specs[0]!.begin === BEGIN_INDEX && specs[0]!.find === FIND_RANGE) {
    const only = specs[0]!;
    return {
      first: only.index,
      last: only.lastkey >= 0 ? only.lastkey + only.index : only.lastkey,
      step: only.keystep,
      movable: (only.flags & KeyFlag.Incomplete) !== 0,
    };
  }
  let movable = false;
  let first = Infinity;
  let last = 0;
  let previousLast = 0;
  for (const spec of specs) {
    if (spec.begin !== BEGIN_INDEX || spec.find !== FIND_RANGE) {
      movable = true;
      continue;
    }
    if (spec.keystep !== 1 || (previousLast !== 0 && previousLast !== spec.index - 1)) {
      movable = true;
      continue;
    }
    if (spec.flags & KeyFlag.Incomplete) movable = true;
    first = Math.min(first, spec.index);
    const absolute = spec.lastkey >= 0 ? spec.lastkey + spec.index : spec.lastkey;
    // Compared unsigned, as Redis does, so a count from the end wins over any absolute index.
    if (absolute >>> 0 > last >>> 0) last = absolute;
    previousLast = last;
  }
  if (first === Infinity) return { first: 0, last: 0, step: 0, movable: true };
  return { first, last, step: 1, movable };
}

/** Keys found in one command line: argument positions and key-spec flags, reused between calls. */
export class KeyResult {
  count = 0;
  readonly positions: number[] = [];
  readonly flags: number[] = [];

  add(position: number, flags: number): void {
    this.positions[this.count] = position;
    this.flags[this.count] = flags;
    this.count++;
  }
}

/** Also return keys of specs marked NOT_KEY (GET_KEYSPEC_INCLUDE_NOT_KEYS). */
export const INCLUDE_NOT_KEYS = 1;
/** Keep the keys of valid specs when another spec fails (GET_KEYSPEC_RETURN_PARTIAL). */
export const RETURN_PARTIAL = 2;

/** What extraction needs of a command (RegisteredCommand provides it). */
export interface KeyedCommand {
  readonly arity: number;
  readonly keySpecs: readonly KeySpec[];
  /** Some spec is not NOT_KEY and none is VARIABLE_FLAGS: the specs alone are trusted. */
  readonly specsDecide: boolean;
  readonly getKeys: KeyProc | undefined;
}

/**
 * The keys of `argv` (a whole command line, name first) into `out`; returns their count.
 * Redis's getKeysFromCommandWithSpecs: the key specs when they are trusted and fit the
 * arguments, otherwise the command's own procedure, otherwise none.
 */
export function extractKeys(cmd: KeyedCommand, argv: readonly Uint8Array[], out: KeyResult, search = 0): number {
  out.count = 0;
  if (cmd.specsDecide && keysFromSpecs(cmd, argv, out, search)) return out.count;
  out.count = 0;
  cmd.getKeys?.(argv, out);
  return out.count;
}

/** getKeysUsingKeySpecs; false where Redis returns -1 (a spec that fails on these arguments). */
function keysFromSpecs(cmd: KeyedCommand, argv: readonly Uint8Array[], out: KeyResult, search: number): boolean {
  const argc = argv.length;
  const specs = cmd.keySpecs;
  for (let s = 0; s < specs.length; s++) {
    const spec = specs[s]!;
    if (spec.flags & KeyFlag.NotKey && !(search & INCLUDE_NOT_KEYS)) continue;
    let first = 0;
    if (spec.begin === BEGIN_INDEX) first = spec.index;
    else if (spec.begin === BEGIN_KEYWORD) {
      first = keywordPosition(spec, argv);
      if (first === 0) continue;
    } else if (!(search & RETURN_PARTIAL)) return false;
    else continue;

    let last: number;
    let step: number;
    if (spec.find === FIND_RANGE) {
      step = spec.keystep;
      if (spec.lastkey >= 0) last = first + spec.lastkey;
      else if (spec.limit === 0) last = argc + spec.lastkey;
      else last = first + (Math.trunc((argc - first) / spec.limit) + spec.lastkey);
    } else if (spec.find === FIND_KEYNUM) {
      step = spec.keystep;
      const at = first + spec.keynumidx;
      const numkeys = at < argc ? parseInt64(argv[at]!) : NOT_A_NUMBER;
      if (numkeys === NOT_A_NUMBER || numkeys < 0) {
        if (!(search & RETURN_PARTIAL)) return false;
        continue;
      }
      first += spec.firstkey;
      last = first + asCInt(numkeys) - 1;
    } else if (!(search & RETURN_PARTIAL)) return false;
    else continue;

    if (last >= argc || last < first || first >= argc) {
      if (!(search & RETURN_PARTIAL)) return false;
      continue;
    }
    // Past the end only with a negative arity (no dispatch-time check): those positions are skipped.
    for (let i = first; i <= last && i < argc; i += step) out.add(i, spec.flags);
    if (spec.flags & KeyFlag.Incomplete && !(search & RETURN_PARTIAL)) return false;
  }
  return true;
}

/** Where the keys start after a spec's keyword: the argument after it, or 0 when it is absent. */
function keywordPosition(spec: KeySpec, argv: readonly Uint8Array[]): number {
  const argc = argv.length;
  const start = spec.startfrom > 0 ? spec.startfrom : argc + spec.startfrom;
  const end = spec.startfrom > 0 ? argc - 1 : 1;
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argc || i < 1) break;
    if (isCWord(argv[i]!, spec.keywordLower)) return i + 1;
  }
  return 0;
}

/** A long long truncated to C's int, as `(int)numkeys` does. */
function asCInt(n: number | bigint): number {
  return typeof n === 'number' && n <= 0x7fffffff ? n : Number(BigInt.asIntN(32, BigInt(n)));
}

/**
 * strcasecmp(arg, lowerWord) == 0: Redis compares arguments as C strings, so an argument ends
 * at its first NUL byte.
 */
export function isCWord(arg: Uint8Array, lowerWord: string): boolean {
  let i = 0;
  for (; i < arg.length && arg[i] !== 0; i++) {
    const c = arg[i]!;
    if (i >= lowerWord.length || (c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lowerWord.charCodeAt(i)) return false;
  }
  return i === lowerWord.length;
}

/** C's atoi: optional blanks and sign, then digits up to the first non-digit; a long truncated to int. */
export function cAtoi(arg: Uint8Array): number {
  let i = 0;
  while (i < arg.length && (arg[i] === 0x20 || (arg[i]! >= 0x09 && arg[i]! <= 0x0d))) i++;
  const negative = arg[i] === 0x2d;
  if (negative || arg[i] === 0x2b) i++;
  let value = 0n;
  const LONG_MAX = 0x7fffffffffffffffn;
  for (; i < arg.length && arg[i]! >= 0x30 && arg[i]! <= 0x39; i++) {
    value = value * 10n + BigInt(arg[i]! - 0x30);
    if (value > LONG_MAX + 1n) break;
  }
  // strtol saturates at LONG_MIN / LONG_MAX; atoi then keeps the low 32 bits.
  let long = negative ? -value : value;
  if (long > LONG_MAX) long = LONG_MAX;
  if (long < -LONG_MAX - 1n) long = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, long));
}

/**
 * Redis's genericGetKeys, the procedure of commands with a key count (ZUNIONSTORE, LMPOP,
 * SINTERCARD, ...): `numkeys` keys (read with atoi) from `firstAt`, then the destination at
 * `storeAt` if any; none when the count is below 1 or more than the arguments. Flags are 0, as
 * Redis leaves them.
 */
export function numkeysKeys(countAt: number, firstAt: number, storeAt = 0) {
  return (argv: readonly Uint8Array[], out: KeyResult): void => {
    const num = cAtoi(argv[countAt]!);
    if (num < 1 || num > argv.length - firstAt) return;
    for (let i = 0; i < num; i++) out.add(firstAt + i, 0);
    if (storeAt !== 0) out.add(storeAt, 0);
  };
}
