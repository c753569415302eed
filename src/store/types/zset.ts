// Sorted sets in Redis 7.0's two encodings, both ordered by (score, member bytes):
// - listpack: the members packed in one Listpack, their scores in a parallel Float64Array;
//   operations walk it linearly, which is cheap at the sizes it is used for;
// - skiplist (the name Redis reports): Redis keeps a skiplist with span counts; here it is a
//   counted B+tree (score-tree.ts) with the same O(log n) rank and range guarantees, plus a
//   map from member to a slot number, which SCAN cursors use.
// Every range operation is expressed in ranks (0-based), so commands work the same on both.
// The command layer owns the thresholds (they are config) and decides when to convert.

import { Buffer } from 'node:buffer';
import { Meter, objectBytes, typedArrayBytes, type ByteSink } from '../memory.ts';
import { Encoding, type StoredObject } from '../types.ts';
import { Listpack } from './listpack.ts';
import { STOP } from './set.ts';
import { NO_LEAF, ScoreTree } from './score-tree.ts';
import { SlottedKeys, latin1 } from './slotted.ts';

/** Visits one member (bytes valid until the zset changes) and its score; STOP ends the walk. */
export type ScoredVisitor = (member: Uint8Array, start: number, end: number, score: number) => typeof STOP | void;

/** Visits one score and its rank; STOP ends the walk. */
export type RankedScoreVisitor = (score: number, rank: number) => typeof STOP | void;

/** One end of a ZRANGEBYLEX interval; "-" and "+" are the infinite ends. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: Uint8Array; exclusive: boolean };

interface Backend {
  readonly size: number;
  /** A member's score, or undefined; remembers the lookup for a setLocated right after it. */
  locate(member: Uint8Array): number | undefined;
  /** Sets the score of the member the last locate looked up, adding it if it was absent. */
  setLocated(member: Uint8Array, score: number): void;
  delete(member: Uint8Array): boolean;
  /** The 0-based ascending rank of a member, or -1. */
  rank(member: Uint8Array): number;
  /** How many members have a score below `score` (or at most `score` when `orEqual`). */
  countBelow(score: number, orEqual: boolean): number;
  /** The ranks [lo, hi) a lex range selects; see ZSetValue.lexSpan. */
  lexSpan(min: LexBound, max: LexBound, reverse: boolean): [number, number];
  /** Visits ranks from..to (inclusive), descending when `reverse` (from >= to then). */
  visit(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void;
  /** Visits the scores of ranks from..to (inclusive, ascending), without the members. */
  visitScores(from: number, to: number, visit: RankedScoreVisitor): void;
  /** The member at `rank`, its bytes as latin1 characters. */
  memberTextAt(rank: number): string;
  /** Removes ranks from..to (inclusive). */
  removeRange(from: number, to: number): void;
  /** A copy belonging to `owner`. */
  clone(owner: ByteSink): Backend;
  /** The running size (a Meter's). */
  readonly bytes: number;
  recount(): number;
}

/** The ZSetValue object: its backend and the Meter's fields. */
const ZSET_BYTES = objectBytes(3);

export class ZSetValue extends Meter implements StoredObject {
  private b: Backend;

  constructor(skiplist = false) {
    super();
    this.adjust(ZSET_BYTES);
    this.b = skiplist ? new TreeBackend(this) : new PackedBackend(this);
  }

  get encoding(): Encoding {
    return this.b instanceof PackedBackend ? Encoding.Listpack : Encoding.Skiplist;
  }

  get size(): number {
    return this.b.size;
  }

  score(member: Uint8Array): number | undefined {
    return this.b.locate(member);
  }

  /** Sets a member's score, adding it if absent. */
  set(member: Uint8Array, score: number): void {
    this.b.locate(member);
    this.b.setLocated(member, score);
  }

  /**
   * A member's score, or undefined; the lookup is kept for a setLocated of the same member,
   * which must come before any other call on this zset. ZADD's read-then-write path looks the
   * member up once this way.
   */
  locate(member: Uint8Array): number | undefined {
    return this.b.locate(member);
  }

  setLocated(member: Uint8Array, score: number): void {
    this.b.setLocated(member, score);
  }

  delete(member: Uint8Array): boolean {
    return this.b.delete(member);
  }

  /** The 0-based ascending rank of a member, or -1. */
  rank(member: Uint8Array): number {
    return this.b.rank(member);
  }

  /** The rank of the first member with a score above `min` (or at least `min` when inclusive). */
  firstRankByScore(min: number, exclusive: boolean): number {
    return this.b.countBelow(min, exclusive);
  }

  /** The rank past the last member with a score below `max` (or at most `max` when inclusive). */
  endRankByScore(max: number, exclusive: boolean): number {
    return this.b.countBelow(max, !exclusive);
  }

  /**
   * The ranks [lo, hi) a lex range selects. Lex ranges assume one score for all members; when
   * scores differ, the result follows Redis's walks: nothing unless the last member is above
   * `min` and the first below `max`, then (in a listpack) a run from the first member above
   * `min` while members stay below `max`, or for a reverse read the mirror run from the top.
   */
  lexSpan(min: LexBound, max: LexBound, reverse: boolean): [number, number] {
    if (this.size === 0) return [0, 0];
    return this.b.lexSpan(min, max, reverse);
  }

  /** Visits ranks from..to inclusive (both within the zset), descending when `reverse`. */
  range(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void {
    if (reverse ? from < to : from > to) return;
    this.b.visit(from, to, reverse, visit);
  }

  /**
   * Visits the scores of ranks from..to inclusive, ascending: for scans that look at many
   * scores and want few members (GEOSEARCH), which memberTextAt then fetches.
   */
  scoresInRange(from: number, to: number, visit: RankedScoreVisitor): void {
    if (from <= to) this.b.visitScores(from, to, visit);
  }

  /** The member at `rank` as latin1 text (one character per byte): the tree's own string, no copy. */
  memberTextAt(rank: number): string {
    return this.b.memberTextAt(rank);
  }

  /** Removes ranks from..to inclusive; returns how many went. */
  removeRange(from: number, to: number): number {
    if (from > to) return 0;
    this.b.removeRange(from, to);
    return to - from + 1;
  }

  /**
   * Visits about `count` members from `cursor` and returns the cursor to go on from (0 when
   * done). A listpack is returned whole, as Redis does.
   */
  scan(cursor: number, count: number, visit: ScoredVisitor): number {
    const b = this.b;
    if (b instanceof PackedBackend) {
      b.visit(0, b.size - 1, false, visit);
      return 0;
    }
    return (b as TreeBackend).scan(cursor, count, visit);
  }

  /** Moves the members into the other encoding. */
  convert(skiplist: boolean): void {
    if (skiplist === (this.b instanceof TreeBackend)) return;
    const next: Backend = skiplist ? new TreeBackend(this) : new PackedBackend(this);
    if (this.b.size > 0) {
      this.b.visit(0, this.b.size - 1, false, (m, s, e, score) => {
        const member = m.subarray(s, e);
        next.locate(member);
        next.setLocated(member, score);
      });
    }
    this.adjust(-this.b.bytes);
    this.b = next;
  }

  clone(): ZSetValue {
    const copy = new ZSetValue();
    copy.adjust(-copy.b.bytes);
    copy.b = this.b.clone(copy);
    return copy;
  }

  recount(): number {
    return ZSET_BYTES + this.b.recount();
  }
}

// ---- listpack encoding ------------------------------------------------------------------------

/** The PackedBackend object: its fields and the Meter's. */
const PACKED_BYTES = objectBytes(6);

class PackedBackend extends Meter implements Backend {
  lp = new Listpack(this);
  scores = new Float64Array(4);

  constructor(owner: ByteSink) {
    super(owner);
    this.adjust(PACKED_BYTES + typedArrayBytes(this.scores.byteLength));
  }

  get size(): number {
    return this.lp.count;
  }

  /** The index and entry position of the member that the last lookup found (index -1: absent). */
  private foundIndex = -1;
  private foundAt = 0;

  /** The index of a member, or -1. */
  private indexOf(member: Uint8Array): number {
    const lp = this.lp;
    let i = 0;
    for (let at = lp.start; at < lp.end; at = lp.next(at), i++) {
      if (lp.equals(at, member)) {
        this.foundAt = at;
        return i;
      }
    }
    return -1;
  }

  locate(member: Uint8Array): number | undefined {
    const i = (this.foundIndex = this.indexOf(member));
    return i < 0 ? undefined : this.scores[i];
  }

  setLocated(member: Uint8Array, score: number): void {
    const i = this.foundIndex;
    if (i >= 0) {
      if (this.scores[i] === score) return;
      this.removeRange(i, i, this.foundAt);
    }
    this.insert(member, score);
  }

  private insert(member: Uint8Array, score: number): void {
    // Redis writes listpack scores as text, where -0 comes out as 0.
    if (score === 0) score = 0;
    const lp = this.lp;
    let at = lp.start;
    let i = 0;
    for (; at < lp.end; at = lp.next(at), i++) {
      const s = this.scores[i]!;
      if (s > score || (s === score && compareEntry(lp, at, member) > 0)) break;
    }
    lp.insertAt(at, member);
    if (lp.count > this.scores.length) {
      const grown = new Float64Array(this.scores.length * 2);
      grown.set(this.scores);
      this.adjust(grown.byteLength - this.scores.byteLength);
      this.scores = grown;
    }
    this.scores.copyWithin(i + 1, i, lp.count - 1);
    this.scores[i] = score;
  }

  delete(member: Uint8Array): boolean {
    const i = this.indexOf(member);
    if (i < 0) return false;
    this.removeRange(i, i, this.foundAt);
    return true;
  }

  rank(member: Uint8Array): number {
    return this.indexOf(member);
  }

  countBelow(score: number, orEqual: boolean): number {
    let i = 0;
    while (i < this.lp.count && (this.scores[i]! < score || (orEqual && this.scores[i] === score))) i++;
    return i;
  }

  lexSpan(min: LexBound, max: LexBound, reverse: boolean): [number, number] {
    const lp = this.lp;
    const n = lp.count;
    const aboveMin: boolean[] = [];
    const belowMax: boolean[] = [];
    for (let at = lp.start; at < lp.end; at = lp.next(at)) {
      const compare = (value: Uint8Array) => compareEntry(lp, at, value);
      aboveMin.push(isAboveMin(min, compare));
      belowMax.push(isBelowMax(max, compare));
    }
    if (!aboveMin[n - 1] || !belowMax[0]) return [0, 0];
    if (reverse) {
      const hi = belowMax.lastIndexOf(true) + 1;
      if (hi === 0 || !aboveMin[hi - 1]) return [0, 0];
      let lo = hi - 1;
      while (lo > 0 && aboveMin[lo - 1]) lo--;
      return [lo, hi];
    }
    const lo = aboveMin.indexOf(true);
    if (lo < 0 || !belowMax[lo]) return [0, 0];
    let hi = lo + 1;
    while (hi < n && belowMax[hi]) hi++;
    return [lo, hi];
  }

  visit(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void {
    const lp = this.lp;
    const buf = lp.buf;
    let at = lp.seek(from);
    if (!reverse) {
      for (let i = from; i <= to; i++, at = lp.next(at)) if (visit(buf, lp.dataStart(at), lp.dataEnd(at), this.scores[i]!) === STOP) return;
      return;
    }
    for (let i = from; i >= to; i--) {
      if (visit(buf, lp.dataStart(at), lp.dataEnd(at), this.scores[i]!) === STOP) return;
      if (i > to) at = lp.prev(at);
    }
  }

  visitScores(from: number, to: number, visit: RankedScoreVisitor): void {
    for (let i = from; i <= to; i++) if (visit(this.scores[i]!, i) === STOP) return;
  }

  memberTextAt(rank: number): string {
    const lp = this.lp;
    const at = lp.seek(rank);
    return latin1(lp.buf, lp.dataStart(at), lp.dataEnd(at));
  }

  removeRange(from: number, to: number, at = this.lp.seek(from)): void {
    const lp = this.lp;
    let end = at;
    for (let i = from; i <= to; i++) end = lp.next(end);
    const count = lp.count;
    lp.removeRange(at, end, to - from + 1);
    this.scores.copyWithin(from, to + 1, count);
  }

  clone(owner: ByteSink): PackedBackend {
    const copy = new PackedBackend(owner);
    copy.adjust(-copy.lp.bytes + this.scores.byteLength - copy.scores.byteLength);
    copy.lp = this.lp.clone(copy);
    copy.scores = this.scores.slice();
    return copy;
  }

  recount(): number {
    return PACKED_BYTES + typedArrayBytes(this.scores.byteLength) + this.lp.recount();
  }
}

/** memcmp order of the entry at `at` against `value`, shorter first on a common prefix. */
function compareEntry(lp: Listpack, at: number, value: Uint8Array): number {
  const buf = lp.buf;
  const start = lp.dataStart(at);
  const length = lp.dataLength(at);
  const n = Math.min(length, value.length);
  for (let i = 0; i < n; i++) {
    const d = buf[start + i]! - value[i]!;
    if (d !== 0) return d;
  }
  return length - value.length;
}

// ---- skiplist encoding (a counted B+tree; see score-tree.ts for why not a skiplist) ----------

/**
 * The members of a big zset: slot -> member in the slotted key table (found by bytes), slot ->
 * score in a Float64Array, and the order in a ScoreTree over slots. Slots are also the SCAN
 * cursors, which stay valid while the zset changes.
 */
class TreeBackend extends SlottedKeys implements Backend {
  private scores = new Float64Array(8);
  private readonly tree = new ScoreTree(this.keys, this);
  /** The slot the last locate found, or -1. */
  private located = -1;

  constructor(owner: ByteSink) {
    super(owner);
    this.adjust(typedArrayBytes(this.scores.byteLength));
  }

  locate(member: Uint8Array): number | undefined {
    const slot = (this.located = this.find(member));
    return slot < 0 ? undefined : this.scores[slot];
  }

  setLocated(member: Uint8Array, score: number): void {
    const slot = this.located;
    if (slot < 0) return this.add(member, 0, member.length, score);
    const old = this.scores[slot]!;
    if (old === score) return;
    const stored = this.keys[slot]!;
    this.tree.remove(old, stored);
    this.scores[slot] = score;
    this.tree.insert(score, stored, slot);
  }

  private add(bytes: Uint8Array, start: number, end: number, score: number): void {
    const slot = this.insert(bytes, start, end);
    if (slot >= this.scores.length) {
      const grown = new Float64Array(this.scores.length * 2);
      grown.set(this.scores);
      this.adjust(grown.byteLength - this.scores.byteLength);
      this.scores = grown;
    }
    this.scores[slot] = score;
    this.tree.insert(score, this.keys[slot]!, slot);
  }

  delete(member: Uint8Array): boolean {
    const slot = this.find(member);
    if (slot < 0) return false;
    this.removeMember(slot);
    return true;
  }

  private removeMember(slot: number): void {
    const member = this.keys[slot]!;
    this.tree.remove(this.scores[slot]!, member);
    this.removeSlot(slot);
  }

  rank(member: Uint8Array): number {
    const slot = this.find(member);
    return slot < 0 ? -1 : this.tree.rank(this.scores[slot]!, this.keys[slot]!);
  }

  countBelow(score: number, orEqual: boolean): number {
    return this.tree.countByScore(score, orEqual);
  }

  lexSpan(min: LexBound, max: LexBound): [number, number] {
    // The bounds as strings once, rather than a conversion per comparison.
    const minText = min.kind === 'value' ? latin1(min.value) : '';
    const maxText = max.kind === 'value' ? latin1(max.value) : '';
    const aboveMin = (member: string) => isAboveMin(min, () => compareStrings(member, minText));
    const belowMax = (member: string) => isBelowMax(max, () => compareStrings(member, maxText));
    const tree = this.tree;
    const last = tree.entrySlot(tree.leafAt(this.size - 1), tree.foundIndex);
    const first = tree.entrySlot(tree.leafAt(0), 0);
    if (!aboveMin(this.keys[last]!) || !belowMax(this.keys[first]!)) return [0, 0];
    const lo = this.tree.countWhile((_, member) => !aboveMin(member));
    const hi = this.tree.countWhile((_, member) => belowMax(member));
    return hi > lo ? [lo, hi] : [0, 0];
  }

  visit(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void {
    const tree = this.tree;
    let leaf = tree.leafAt(from);
    let i = tree.foundIndex;
    for (let n = Math.abs(to - from) + 1; n > 0 && leaf !== NO_LEAF; n--) {
      const bytes = Buffer.from(this.keys[tree.entrySlot(leaf, i)]!, 'latin1');
      const score = tree.entryScore(leaf, i);
      // Step before visiting: the visitor may not change the zset, but it may read it.
      if (reverse) {
        if (--i < 0 && (leaf = tree.prevLeaf(leaf)) !== NO_LEAF) i = tree.entryCount(leaf) - 1;
      } else if (++i === tree.entryCount(leaf)) {
        leaf = tree.nextLeaf(leaf);
        i = 0;
      }
      if (visit(bytes, 0, bytes.length, score) === STOP) return;
    }
  }

  visitScores(from: number, to: number, visit: RankedScoreVisitor): void {
    const tree = this.tree;
    let leaf = tree.leafAt(from);
    let i = tree.foundIndex;
    try {
      for (let rank = from; rank <= to && leaf !== NO_LEAF; rank++) {
        this.visitedRank = rank;
        this.visitedSlot = tree.entrySlot(leaf, i);
        if (visit(tree.entryScore(leaf, i), rank) === STOP) return;
        if (++i === tree.entryCount(leaf)) {
          leaf = tree.nextLeaf(leaf);
          i = 0;
        }
      }
    } finally {
      this.visitedRank = -1;
    }
  }

  /** The rank visitScores is visiting and its slot, so that its visitor reads the member without a descent. */
  private visitedRank = -1;
  private visitedSlot = 0;

  memberTextAt(rank: number): string {
    if (rank === this.visitedRank) return this.keys[this.visitedSlot]!;
    const tree = this.tree;
    const leaf = tree.leafAt(rank);
    return this.keys[tree.entrySlot(leaf, tree.foundIndex)]!;
  }

  removeRange(from: number, to: number): void {
    const doomed: number[] = [];
    const tree = this.tree;
    let leaf = tree.leafAt(from);
    for (let i = tree.foundIndex, n = to - from + 1; n > 0 && leaf !== NO_LEAF; n--) {
      doomed.push(tree.entrySlot(leaf, i));
      if (++i === tree.entryCount(leaf)) {
        leaf = tree.nextLeaf(leaf);
        i = 0;
      }
    }
    for (const slot of doomed) this.removeMember(slot);
  }

  scan(cursor: number, count: number, visit: ScoredVisitor): number {
    return this.scanSlots(cursor, count, (slot) => {
      const bytes = Buffer.from(this.keys[slot]!, 'latin1');
      visit(bytes, 0, bytes.length, this.scores[slot]!);
    });
  }

  clone(owner: ByteSink): TreeBackend {
    const copy = new TreeBackend(owner);
    if (this.size > 0) this.visit(0, this.size - 1, false, (m, s, e, score) => copy.add(m, s, e, score));
    return copy;
  }

  override recount(): number {
    return super.recount() + typedArrayBytes(this.scores.byteLength) + this.tree.recount();
  }
}

/** Whether a member (compared to a bound's value by `compare`, memcmp's sign) is inside `min`. */
function isAboveMin(min: LexBound, compare: (value: Uint8Array) => number): boolean {
  if (min.kind !== 'value') return min.kind === 'min';
  const c = compare(min.value);
  return min.exclusive ? c > 0 : c >= 0;
}

function isBelowMax(max: LexBound, compare: (value: Uint8Array) => number): boolean {
  if (max.kind !== 'value') return max.kind === 'max';
  const c = compare(max.value);
  return max.exclusive ? c < 0 : c <= 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
