// Redis's glob matcher (stringmatchlen in util.c) over bytes, with its quirks kept: an
// unterminated "[" class ends at the pattern's end, "\" escapes inside and outside classes,
// reversed ranges ("[z-a]") are swapped, and range bounds compare as C's signed chars.

/** Redis 7 gives up (no match) past this many nested "*" to stop abusive patterns. */
const MAX_NESTING = 1000;

const CHAR_STAR = 0x2a;
const CHAR_QUESTION = 0x3f;
const CHAR_OPEN = 0x5b;
const CHAR_CLOSE = 0x5d;
const CHAR_CARET = 0x5e;
const CHAR_DASH = 0x2d;
const CHAR_BACKSLASH = 0x5c;

export function stringMatch(pattern: Uint8Array, subject: Uint8Array, nocase = false): boolean {
  return matchFrom(pattern, 0, subject, 0, nocase, { skipLongerMatches: false }, 0);
}

/** Shared across one match's recursion: once the tail after a "*" fails everywhere, no earlier "*" can help. */
interface MatchState {
  skipLongerMatches: boolean;
}

function matchFrom(
  pattern: Uint8Array,
  p: number,
  subject: Uint8Array,
  s: number,
  nocase: boolean,
  state: MatchState,
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  const pEnd = pattern.length;
  const sEnd = subject.length;
  while (p < pEnd && s < sEnd) {
    const c = pattern[p]!;
    if (c === CHAR_STAR) {
      while (p + 1 < pEnd && pattern[p + 1] === CHAR_STAR) p++;
      if (p + 1 === pEnd) return true;
      for (; s < sEnd; s++) {
        if (matchFrom(pattern, p + 1, subject, s, nocase, state, nesting + 1)) return true;
        if (state.skipLongerMatches) return false;
      }
      state.skipLongerMatches = true;
      return false;
    } else if (c === CHAR_QUESTION) {
      s++;
    } else if (c === CHAR_OPEN) {
      p++;
      const negate = p < pEnd && pattern[p] === CHAR_CARET;
      if (negate) p++;
      const target = subject[s]!;
      let matched = false;
      for (;;) {
        if (p + 1 < pEnd && pattern[p] === CHAR_BACKSLASH) {
          p++;
          if (pattern[p] === target) matched = true;
        } else if (p >= pEnd) {
          // Unterminated class: step back so the shared advance below lands on the end.
          p--;
          break;
        } else if (pattern[p] === CHAR_CLOSE) {
          break;
        } else if (p + 2 < pEnd && pattern[p + 1] === CHAR_DASH) {
          if (inRange(pattern[p]!, pattern[p + 2]!, target, nocase)) matched = true;
          p += 2;
        } else if (sameByte(pattern[p]!, target, nocase)) {
          matched = true;
        }
        p++;
      }
      if (matched === negate) return false;
      s++;
    } else {
      if (c === CHAR_BACKSLASH && p + 1 < pEnd) p++;
      if (!sameByte(pattern[p]!, subject[s]!, nocase)) return false;
      s++;
    }
    p++;
    if (s === sEnd) {
      while (p < pEnd && pattern[p] === CHAR_STAR) p++;
      break;
    }
  }
  return p === pEnd && s === sEnd;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

function sameByte(a: number, b: number, nocase: boolean): boolean {
  return a === b || (nocase && lower(a) === lower(b));
}

/**
 * C compares the bounds as signed chars, so bytes >= 0x80 sort below every ASCII byte, and
 * Redis swaps reversed bounds before folding case ("[Z-a]" matches nothing under nocase).
 */
function inRange(startByte: number, endByte: number, target: number, nocase: boolean): boolean {
  let start = signed(startByte);
  let end = signed(endByte);
  let c = signed(target);
  if (start > end) [start, end] = [end, start];
  if (nocase) {
    start = lower(start);
    end = lower(end);
    c = lower(c);
  }
  return c >= start && c <= end;
}

function signed(byte: number): number {
  return (byte << 24) >> 24;
}
