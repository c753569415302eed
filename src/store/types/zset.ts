// Sorted sets in Redis 7.0's two encodings, both ordered by (score, member bytes):
// - listpack: the members packed in one Listpack, their scores in a parallel Float64Array;
//   operations walk it linearly, which is cheap at the sizes it is used for;
// - skiplist: Redis's skiplist with span counts (O(log n) rank and range), plus a map from
//   member to node, and a slot array so SCAN cursors and random picks address nodes by number.
// Every range operation is expressed in ranks (0-based), so commands work the same on both.
// The command layer owns the thresholds (they are config) and decides when to convert.

import { Encoding, type StoredObject } from '../types.ts';
import { Listpack } from './listpack.ts';
import { STOP } from './set.ts';

/** Visits one member (bytes valid until the zset changes) and its score; STOP ends the walk. */
export type ScoredVisitor = (member: Uint8Array, start: number, end: number, score: number) => typeof STOP | void;

/** One end of a ZRANGEBYLEX interval; "-" and "+" are the infinite ends. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: Uint8Array; exclusive: boolean };

interface Backend {
  readonly size: number;
  score(member: Uint8Array): number | undefined;
  /** Inserts a member known to be absent. */
  insert(member: Uint8Array, score: number): void;
  /** Removes a present member whose score is `score`. */
  remove(member: Uint8Array, score: number): void;
  /** The rank of a present member. */
  rank(member: Uint8Array, score: number): number;
  /** How many members have a score below `score` (or at most `score` when `orEqual`). */
  countBelow(score: number, orEqual: boolean): number;
  /** The ranks [lo, hi) a lex range selects; see ZSetValue.lexSpan. */
  lexSpan(min: LexBound, max: LexBound, reverse: boolean): [number, number];
  /** Visits ranks from..to (inclusive), descending when `reverse` (from >= to then). */
  visit(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void;
  /** Removes ranks from..to (inclusive). */
  removeRange(from: number, to: number): void;
  clone(): Backend;
  byteSize(): number;
}

export class ZSetValue implements StoredObject {
  private b: Backend;

  constructor(skiplist = false) {
    this.b = skiplist ? new SkipBackend() : new PackedBackend();
  }

  get encoding(): Encoding {
    return this.b instanceof PackedBackend ? Encoding.Listpack : Encoding.Skiplist;
  }

  get size(): number {
    return this.b.size;
  }

  score(member: Uint8Array): number | undefined {
    return this.b.score(member);
  }

  /** Sets a member's score, adding it if absent. */
  set(member: Uint8Array, score: number): void {
    const old = this.b.score(member);
    if (old === score) return;
    if (old !== undefined) this.b.remove(member, old);
    this.b.insert(member, score);
  }

  delete(member: Uint8Array): boolean {
    const old = this.b.score(member);
    if (old === undefined) return false;
    this.b.remove(member, old);
    return true;
  }

  /** The 0-based ascending rank of a member, or -1. */
  rank(member: Uint8Array): number {
    const score = this.b.score(member);
    return score === undefined ? -1 : this.b.rank(member, score);
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
    return (b as SkipBackend).scan(cursor, count, visit);
  }

  /** Moves the members into the other encoding. */
  convert(skiplist: boolean): void {
    if (skiplist === (this.b instanceof SkipBackend)) return;
    const next: Backend = skiplist ? new SkipBackend() : new PackedBackend();
    if (this.b.size > 0) this.b.visit(0, this.b.size - 1, false, (m, s, e, score) => next.insert(m.subarray(s, e), score));
    this.b = next;
  }

  clone(): ZSetValue {
    const copy = new ZSetValue();
    copy.b = this.b.clone();
    return copy;
  }

  byteSize(): number {
    return 32 + this.b.byteSize();
  }
}

// ---- listpack encoding ------------------------------------------------------------------------

class PackedBackend implements Backend {
  lp = new Listpack();
  scores = new Float64Array(4);

  get size(): number {
    return this.lp.count;
  }

  /** The entry position and index of a member, or null. */
  private find(member: Uint8Array): [number, number] | null {
    const lp = this.lp;
    let i = 0;
    for (let at = lp.start; at < lp.end; at = lp.next(at), i++) if (lp.equals(at, member)) return [at, i];
    return null;
  }

  score(member: Uint8Array): number | undefined {
    const found = this.find(member);
    return found === null ? undefined : this.scores[found[1]];
  }

  insert(member: Uint8Array, score: number): void {
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
      this.scores = grown;
    }
    this.scores.copyWithin(i + 1, i, lp.count - 1);
    this.scores[i] = score;
  }

  remove(member: Uint8Array): void {
    const [at, i] = this.find(member)!;
    this.removeRange(i, i, at);
  }

  rank(member: Uint8Array): number {
    return this.find(member)![1];
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

  removeRange(from: number, to: number, at = this.lp.seek(from)): void {
    const lp = this.lp;
    let end = at;
    for (let i = from; i <= to; i++) end = lp.next(end);
    const count = lp.count;
    lp.removeRange(at, end, to - from + 1);
    this.scores.copyWithin(from, to + 1, count);
  }

  clone(): PackedBackend {
    const copy = new PackedBackend();
    copy.lp = this.lp.clone();
    copy.scores = this.scores.slice();
    return copy;
  }

  byteSize(): number {
    return this.lp.byteSize() + this.scores.byteLength;
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

// ---- skiplist encoding ------------------------------------------------------------------------

const MAX_LEVEL = 32;
const P = 0.25;

class SkipNode {
  backward: SkipNode | null = null;
  readonly next: (SkipNode | null)[];
  readonly span: number[];
  /** Position in the slot array. */
  slot = -1;

  constructor(
    /** The member's bytes as a latin1 string: one char per byte, so < compares as memcmp. */
    readonly member: string,
    readonly score: number,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

function before(node: SkipNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

/**
 * Scratch for the nodes and ranks a descent passes, shared by every skiplist: operations run
 * one at a time, and allocating them per insert made garbage on the hottest zset path.
 */
const UPDATE: SkipNode[] = [];
const RANK = new Float64Array(MAX_LEVEL);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

class SkipBackend implements Backend {
  private head = new SkipNode('', 0, MAX_LEVEL);
  private tail: SkipNode | null = null;
  private level = 1;
  private length = 0;
  private dict = new Map<string, SkipNode>();
  private slots: (SkipNode | undefined)[] = [];
  private freeSlots: number[] = [];
  private bytes = 0;

  get size(): number {
    return this.length;
  }

  score(member: Uint8Array): number | undefined {
    return this.dict.get(latin1(member))?.score;
  }

  insert(bytes: Uint8Array, score: number): void {
    const member = latin1(bytes);
    const update = UPDATE;
    const rank = RANK;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      for (let n = x.next[i]; n && before(n, score, member); n = x.next[i]) {
        rank[i]! += x.span[i]!;
        x = n;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.next[i] = u.next[i]!;
      u.next[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.head ? null : update[0]!;
    if (node.next[0]) node.next[0].backward = node;
    else this.tail = node;
    this.length++;
    this.dict.set(member, node);
    node.slot = this.freeSlots.pop() ?? this.slots.length;
    this.slots[node.slot] = node;
    this.bytes += member.length;
  }

  remove(bytes: Uint8Array, score: number): void {
    const member = latin1(bytes);
    const update = UPDATE;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && before(n, score, member); n = x.next[i]) x = n;
      update[i] = x;
    }
    this.unlink(x.next[0]!, update);
  }

  private unlink(node: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === node) {
        u.span[i]! += node.span[i]! - 1;
        u.next[i] = node.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    if (node.next[0]) node.next[0].backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
    this.dict.delete(node.member);
    this.slots[node.slot] = undefined;
    this.freeSlots.push(node.slot);
    this.bytes -= node.member.length;
  }

  rank(bytes: Uint8Array, score: number): number {
    const member = latin1(bytes);
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && (before(n, score, member) || (n.score === score && n.member === member)); n = x.next[i]) {
        rank += x.span[i]!;
        x = n;
      }
    }
    return rank - 1;
  }

  countBelow(score: number, orEqual: boolean): number {
    return this.countWhile((n) => n.score < score || (orEqual && n.score === score));
  }

  lexSpan(min: LexBound, max: LexBound): [number, number] {
    const aboveMin = (n: SkipNode) => isAboveMin(min, (value) => compareStrings(n.member, latin1(value)));
    const belowMax = (n: SkipNode) => isBelowMax(max, (value) => compareStrings(n.member, latin1(value)));
    if (!aboveMin(this.tail!) || !belowMax(this.head.next[0]!)) return [0, 0];
    const lo = this.countWhile((n) => !aboveMin(n));
    const hi = this.countWhile(belowMax);
    return hi > lo ? [lo, hi] : [0, 0];
  }

  /** How many leading nodes satisfy `test`, found by descending the levels as Redis does. */
  private countWhile(test: (node: SkipNode) => boolean): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = x.next[i]; n && test(n); n = x.next[i]) {
        rank += x.span[i]!;
        x = n;
      }
    }
    return rank;
  }

  /** The node at a 0-based rank. */
  private at(rank: number): SkipNode {
    let traversed = 0;
    let x = this.head;
    const target = rank + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] && traversed + x.span[i]! <= target) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      if (traversed === target) return x;
    }
    return x;
  }

  visit(from: number, to: number, reverse: boolean, visit: ScoredVisitor): void {
    let x: SkipNode | null = this.at(from);
    for (let n = Math.abs(to - from) + 1; n > 0 && x; n--) {
      const bytes = Buffer.from(x.member, 'latin1');
      const next: SkipNode | null = reverse ? x.backward : x.next[0]!;
      if (visit(bytes, 0, bytes.length, x.score) === STOP) return;
      x = next;
    }
  }

  removeRange(from: number, to: number): void {
    const update = UPDATE;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] && traversed + x.span[i]! <= from) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      update[i] = x;
    }
    let node = x.next[0];
    for (let n = to - from + 1; n > 0 && node; n--) {
      const next = node.next[0]!;
      this.unlink(node, update);
      node = next;
    }
  }

  scan(cursor: number, count: number, visit: ScoredVisitor): number {
    let slot = cursor;
    for (let seen = 0; slot < this.slots.length && seen < count; slot++) {
      const node = this.slots[slot];
      if (node === undefined) continue;
      const bytes = Buffer.from(node.member, 'latin1');
      visit(bytes, 0, bytes.length, node.score);
      seen++;
    }
    return slot >= this.slots.length ? 0 : slot;
  }

  clone(): SkipBackend {
    const copy = new SkipBackend();
    for (let x = this.head.next[0]; x; x = x.next[0]!) {
      const bytes = Buffer.from(x.member, 'latin1');
      copy.insert(bytes, x.score);
    }
    return copy;
  }

  byteSize(): number {
    // A node with its two arrays (1.33 levels on average), a map entry and a slot, per member.
    return 64 + this.length * 160 + this.bytes;
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

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
