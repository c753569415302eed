// The order of a big sorted set: a B+tree over (score, member) keys whose inner nodes count
// the entries under each child, so insert, delete, rank, select-by-rank and range counts are
// all O(log n), the guarantees Redis's skiplist gives.
//
// Why not Redis's skiplist: in JS a skiplist node is several heap objects (node, forward
// array, span array), so every step of a descent costs cache misses, and at 100k members
// ZADD spent about 10x Redis's CPU there. Here nodes are numbers into a few big typed arrays
// shared by the whole tree (a leaf's 64 scores and slots are two runs in them), so reaching a
// node costs only the lines of its data: no node object, typed-array object or ArrayBuffer
// to go through first. Scores sit in the leaves, so a binary search reads member strings only
// on a score tie.
//
// Entries are slot numbers into the owner's member table (`members`, slot -> member as a latin1
// string, whose `<` is memcmp order); the tree never owns or frees slots.

import { ARRAY_SLOT_BYTES, Meter, objectBytes, typedArrayBytes, type ByteSink } from '../memory.ts';

const LEAF_CAP = 64;
const INNER_CAP = 32;
/** A leaf this empty is merged into a sibling when the two fit in MERGED_MAX. */
const LEAF_LOW = LEAF_CAP / 4;
const MERGED_MAX = (LEAF_CAP * 3) / 4;
/** Depth bound: 32^12 entries is far past any array's size. */
const MAX_HEIGHT = 12;

/** The leaf before the first and after the last. */
export const NO_LEAF = -1;

/** Tests a key; must hold for a prefix of the order (true, ..., true, false, ...). */
export type KeyTest = (score: number, member: string) => boolean;

// The path of the last descent (inner node ids and kid positions), shared by every tree:
// operations run one at a time.
const PATH = new Int32Array(MAX_HEIGHT);
const AT = new Int32Array(MAX_HEIGHT);

function less(score: number, member: string, otherScore: number, otherMember: string): boolean {
  return score < otherScore || (score === otherScore && member < otherMember);
}

/** The ScoreTree object's fields and its two id free-lists (their contents are not counted). */
const TREE_BYTES = objectBytes(20) + 2 * objectBytes(0);

export class ScoreTree extends Meter {
  size = 0;
  /** The index within the leaf that `leafAt` returned. */
  foundIndex = 0;
  /** A leaf id when height is 0, else an inner node id. */
  private root: number;
  private height = 0;

  // Leaves: entries [id * LEAF_CAP, id * LEAF_CAP + leafSize[id]) of scores and slots.
  private leafSize = new Int32Array(4);
  private leafPrev = new Int32Array(4);
  private leafNext = new Int32Array(4);
  private scores = new Float64Array(4 * LEAF_CAP);
  private slots = new Int32Array(4 * LEAF_CAP);
  private leavesUsed = 0;
  private readonly freeLeaves: number[] = [];

  // Inner nodes: kids [id * INNER_CAP, id * INNER_CAP + innerSize[id]), each with the number
  // of entries under it and a separator. Separator j (j >= 1): every key in kid j and after
  // is >= it, every key before is < it. Separators are copies, so they stay valid bounds after
  // the key they came from is deleted; position 0 carries the separator that rises to the
  // parent when a node splits.
  private innerSize = new Int32Array(2);
  private kids = new Int32Array(2 * INNER_CAP);
  private counts = new Int32Array(2 * INNER_CAP);
  private sepScores = new Float64Array(2 * INNER_CAP);
  private readonly sepMembers: string[] = [];
  private innersUsed = 0;
  private readonly freeInners: number[] = [];

  /** `owner`: the sorted set this tree orders, told of its size. */
  constructor(
    private readonly members: readonly (string | undefined)[],
    owner: ByteSink,
  ) {
    super(owner);
    this.root = this.newLeaf();
    this.adjust(this.recount());
  }

  /** The typed arrays and the separator array; O(1), as none of it is per-entry objects. */
  recount(): number {
    const arrays = [this.leafSize, this.leafPrev, this.leafNext, this.scores, this.slots, this.innerSize, this.kids, this.counts, this.sepScores];
    let bytes = TREE_BYTES + this.sepMembers.length * ARRAY_SLOT_BYTES;
    for (const array of arrays) bytes += typedArrayBytes(array.byteLength);
    return bytes;
  }

  /** A copy of `array`, `length` long, counted in the tree's size. */
  private grown<T extends Float64Array | Int32Array>(array: T, length: number): T {
    const next = new (array.constructor as new (length: number) => T)(length);
    next.set(array);
    this.adjust(next.byteLength - array.byteLength);
    return next;
  }

  // ---- reading entries -------------------------------------------------------------------------

  entryCount(leaf: number): number {
    return this.leafSize[leaf]!;
  }

  entrySlot(leaf: number, i: number): number {
    return this.slots[leaf * LEAF_CAP + i]!;
  }

  entryScore(leaf: number, i: number): number {
    return this.scores[leaf * LEAF_CAP + i]!;
  }

  nextLeaf(leaf: number): number {
    return this.leafNext[leaf]!;
  }

  prevLeaf(leaf: number): number {
    return this.leafPrev[leaf]!;
  }

  /** The leaf holding the key at a 0-based rank below size; the index within it is `foundIndex`. */
  leafAt(rank: number): number {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      let k = node * INNER_CAP;
      while (rank >= this.counts[k]!) rank -= this.counts[k++]!;
      node = this.kids[k]!;
    }
    this.foundIndex = rank;
    return node;
  }

  /** The 0-based rank of a present key. */
  rank(score: number, member: string): number {
    let rank = 0;
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const i = this.kidFor(node, score, member);
      const base = node * INNER_CAP;
      for (let j = 0; j < i; j++) rank += this.counts[base + j]!;
      node = this.kids[base + i]!;
    }
    return rank + this.lowerBound(node, score, member);
  }

  /** How many leading keys pass `test` (which must hold for a prefix of the order). */
  countWhile(test: KeyTest): number {
    const count = this.descendWhile(test);
    const node = this.descended;
    const base = node * LEAF_CAP;
    const n = this.leafSize[node]!;
    let i = 0;
    while (i < n && test(this.scores[base + i]!, this.members[this.slots[base + i]!]!)) i++;
    return count + i;
  }

  /**
   * How many keys score below `score` (or at most `score` when `orEqual`). countWhile could
   * answer, but in the leaf it reads every entry's member string: a cache miss per entry in a
   * big set, which made each score bound of a range search (GEOSEARCH takes up to eighteen)
   * cost microseconds. Here the leaf is searched by its scores alone.
   */
  countByScore(score: number, orEqual: boolean): number {
    const count = this.descendWhile((s) => s < score || (orEqual && s === score));
    return count + this.leafBound(this.descended, score, null, orEqual);
  }

  /** The leaf descendWhile ended in. */
  private descended = 0;

  /** Descends to the leaf where `test` turns false (see countWhile); the keys in the leaves before it. */
  private descendWhile(test: KeyTest): number {
    let count = 0;
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const base = node * INNER_CAP;
      const n = this.innerSize[node]!;
      let i = 1;
      while (i < n && test(this.sepScores[base + i]!, this.sepMembers[base + i]!)) count += this.counts[base + i++ - 1]!;
      node = this.kids[base + i - 1]!;
    }
    this.descended = node;
    return count;
  }

  // ---- changes ---------------------------------------------------------------------------------

  /** Adds a key known to be absent. */
  insert(score: number, member: string, slot: number): void {
    this.size++;
    let leaf = this.descend(score, member, 1);
    let pos = this.lowerBound(leaf, score, member);
    let right = NO_LEAF;
    if (this.leafSize[leaf] === LEAF_CAP) {
      // Appending past the last leaf (ascending scores, such as timestamps) splits off an
      // empty leaf instead of halving, so such sets fill their leaves.
      const keep = pos === LEAF_CAP && this.leafNext[leaf] === NO_LEAF ? LEAF_CAP : LEAF_CAP >> 1;
      right = this.newLeaf();
      this.moveEntries(leaf, keep, LEAF_CAP, right, 0);
      this.leafSize[right] = LEAF_CAP - keep;
      this.leafSize[leaf] = keep;
      const next = this.leafNext[leaf]!;
      this.leafNext[right] = next;
      this.leafPrev[right] = leaf;
      if (next !== NO_LEAF) this.leafPrev[next] = right;
      this.leafNext[leaf] = right;
      if (pos > keep || (pos === keep && keep === LEAF_CAP)) {
        leaf = right;
        pos -= keep;
      }
    }
    const scores = this.scores;
    const slots = this.slots;
    const base = leaf * LEAF_CAP;
    // Loops rather than copyWithin: a builtin call costs more than moving a few dozen entries.
    for (let i = base + this.leafSize[leaf]!; i > base + pos; i--) {
      scores[i] = scores[i - 1]!;
      slots[i] = slots[i - 1]!;
    }
    scores[base + pos] = score;
    slots[base + pos] = slot;
    this.leafSize[leaf]++;
    if (right !== NO_LEAF) {
      const first = right * LEAF_CAP;
      this.addKid(this.height - 1, right, scores[first]!, this.members[slots[first]!]!, this.leafSize[right]!);
    }
  }

  /** Removes a key known to be present. */
  remove(score: number, member: string): void {
    this.size--;
    const leaf = this.descend(score, member, -1);
    const pos = this.lowerBound(leaf, score, member);
    const n = --this.leafSize[leaf]!;
    const scores = this.scores;
    const slots = this.slots;
    const base = leaf * LEAF_CAP;
    for (let i = base + pos; i < base + n; i++) {
      scores[i] = scores[i + 1]!;
      slots[i] = slots[i + 1]!;
    }
    if (this.height === 0 || n >= LEAF_LOW) return;
    const depth = this.height - 1;
    const parent = PATH[depth]!;
    const at = AT[depth]!;
    const kids = parent * INNER_CAP;
    if (n === 0) {
      this.dropLeaf(leaf);
      return this.removeKid(depth);
    }
    // Merge with a sibling under the same parent, so deletes cannot leave a trail of near-empty
    // leaves. Inner nodes are only removed once empty: there are 32x fewer of them.
    if (at + 1 < this.innerSize[parent]!) {
      const sibling = this.kids[kids + at + 1]!;
      if (n + this.leafSize[sibling]! > MERGED_MAX) return;
      this.moveEntries(sibling, 0, this.leafSize[sibling]!, leaf, n);
      this.leafSize[leaf] += this.leafSize[sibling]!;
      this.counts[kids + at] += this.counts[kids + at + 1]!;
      this.dropLeaf(sibling);
      AT[depth] = at + 1;
    } else if (at > 0) {
      const sibling = this.kids[kids + at - 1]!;
      if (n + this.leafSize[sibling]! > MERGED_MAX) return;
      this.moveEntries(leaf, 0, n, sibling, this.leafSize[sibling]!);
      this.leafSize[sibling] += n;
      this.counts[kids + at - 1] += this.counts[kids + at]!;
      this.dropLeaf(leaf);
    } else {
      return;
    }
    this.removeKid(depth);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The kid of an inner node whose range holds the key: the number of separators <= key, minus one. */
  private kidFor(inner: number, score: number, member: string): number {
    const base = inner * INNER_CAP;
    let lo = 1;
    let hi = this.innerSize[inner]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (less(score, member, this.sepScores[base + mid]!, this.sepMembers[base + mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo - 1;
  }

  /** The first position in a leaf whose key is not below the given one. */
  private lowerBound(leaf: number, score: number, member: string): number {
    return this.leafBound(leaf, score, member, false);
  }

  /**
   * The first position in a leaf whose key is not below (score, member); with a null member,
   * by scores alone: the first score not below `score`, or above it when `orEqual`.
   */
  private leafBound(leaf: number, score: number, member: string | null, orEqual: boolean): number {
    const scores = this.scores;
    const base = leaf * LEAF_CAP;
    let lo = 0;
    let hi = this.leafSize[leaf]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = scores[base + mid]!;
      if (s < score || (s === score && (member === null ? orEqual : this.members[this.slots[base + mid]!]! < member))) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The leaf for a key, recording the path in PATH/AT and adding `delta` to its counts. */
  private descend(score: number, member: string, delta: number): number {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const i = this.kidFor(node, score, member);
      PATH[d] = node;
      AT[d] = i;
      this.counts[node * INNER_CAP + i] += delta;
      node = this.kids[node * INNER_CAP + i]!;
    }
    return node;
  }

  /**
   * Puts `kid` (holding `count` entries, all >= the separator) right after the path's kid at
   * `depth`, whose count included them. A full parent splits, and its upper half goes one
   * level up the same way; a full root gets a new root above it.
   */
  private addKid(depth: number, kid: number, sepScore: number, sepMember: string, count: number): void {
    if (depth < 0) {
      const root = this.newInner();
      this.insertKid(root, 0, this.root, 0, '', this.size - count);
      this.insertKid(root, 1, kid, sepScore, sepMember, count);
      this.root = root;
      this.height++;
      return;
    }
    const parent = PATH[depth]!;
    const at = AT[depth]! + 1;
    this.counts[parent * INNER_CAP + at - 1] -= count;
    if (this.innerSize[parent]! < INNER_CAP) return this.insertKid(parent, at, kid, sepScore, sepMember, count);
    const keep = at === INNER_CAP ? INNER_CAP : INNER_CAP >> 1;
    const right = this.newInner();
    for (let j = keep; j < INNER_CAP; j++) {
      this.moveKid(parent * INNER_CAP + j, right * INNER_CAP + j - keep);
      this.sepMembers[parent * INNER_CAP + j] = '';
    }
    this.innerSize[right] = INNER_CAP - keep;
    this.innerSize[parent] = keep;
    if (at >= keep) this.insertKid(right, at - keep, kid, sepScore, sepMember, count);
    else this.insertKid(parent, at, kid, sepScore, sepMember, count);
    const base = right * INNER_CAP;
    let moved = 0;
    for (let j = 0; j < this.innerSize[right]!; j++) moved += this.counts[base + j]!;
    this.addKid(depth - 1, right, this.sepScores[base]!, this.sepMembers[base]!, moved);
  }

  /** Drops the path's kid at `depth` (its entries already gone or moved), pruning upwards. */
  private removeKid(depth: number): void {
    const inner = PATH[depth]!;
    const base = inner * INNER_CAP;
    const n = --this.innerSize[inner]!;
    for (let j = base + AT[depth]!; j < base + n; j++) this.moveKid(j + 1, j);
    this.sepMembers[base + n] = '';
    if (n === 0) {
      this.freeInners.push(inner);
      if (depth > 0) return this.removeKid(depth - 1);
      this.root = this.newLeaf();
      this.height = 0;
      return;
    }
    while (this.height > 0 && this.innerSize[this.root] === 1) {
      const old = this.root;
      this.root = this.kids[old * INNER_CAP]!;
      this.sepMembers[old * INNER_CAP] = '';
      this.innerSize[old] = 0;
      this.freeInners.push(old);
      this.height--;
    }
  }

  private insertKid(inner: number, at: number, kid: number, sepScore: number, sepMember: string, count: number): void {
    const base = inner * INNER_CAP;
    for (let j = base + this.innerSize[inner]!; j > base + at; j--) this.moveKid(j - 1, j);
    this.kids[base + at] = kid;
    this.counts[base + at] = count;
    this.sepScores[base + at] = sepScore;
    this.sepMembers[base + at] = sepMember;
    this.innerSize[inner]++;
  }

  /** Copies one kid position (absolute index) to another. */
  private moveKid(from: number, to: number): void {
    this.kids[to] = this.kids[from]!;
    this.counts[to] = this.counts[from]!;
    this.sepScores[to] = this.sepScores[from]!;
    this.sepMembers[to] = this.sepMembers[from]!;
  }

  private moveEntries(from: number, start: number, end: number, to: number, at: number): void {
    const source = from * LEAF_CAP;
    const target = to * LEAF_CAP + at;
    this.scores.copyWithin(target, source + start, source + end);
    this.slots.copyWithin(target, source + start, source + end);
  }

  private newLeaf(): number {
    let leaf = this.freeLeaves.pop();
    if (leaf === undefined) {
      leaf = this.leavesUsed++;
      if (leaf === this.leafSize.length) {
        const capacity = leaf * 2;
        this.leafSize = this.grown(this.leafSize, capacity);
        this.leafPrev = this.grown(this.leafPrev, capacity);
        this.leafNext = this.grown(this.leafNext, capacity);
        this.scores = this.grown(this.scores, capacity * LEAF_CAP);
        this.slots = this.grown(this.slots, capacity * LEAF_CAP);
      }
    }
    this.leafSize[leaf] = 0;
    this.leafPrev[leaf] = NO_LEAF;
    this.leafNext[leaf] = NO_LEAF;
    return leaf;
  }

  /** Unlinks an emptied or merged-away leaf and frees its id. */
  private dropLeaf(leaf: number): void {
    const prev = this.leafPrev[leaf]!;
    const next = this.leafNext[leaf]!;
    if (prev !== NO_LEAF) this.leafNext[prev] = next;
    if (next !== NO_LEAF) this.leafPrev[next] = prev;
    this.freeLeaves.push(leaf);
  }

  private newInner(): number {
    let inner = this.freeInners.pop();
    if (inner === undefined) {
      inner = this.innersUsed++;
      if (inner === this.innerSize.length) {
        const capacity = inner * 2;
        this.innerSize = this.grown(this.innerSize, capacity);
        this.kids = this.grown(this.kids, capacity * INNER_CAP);
        this.counts = this.grown(this.counts, capacity * INNER_CAP);
        this.sepScores = this.grown(this.sepScores, capacity * INNER_CAP);
      }
      const slotsBefore = this.sepMembers.length;
      for (let j = inner * INNER_CAP; j < (inner + 1) * INNER_CAP; j++) this.sepMembers[j] = '';
      this.adjust((this.sepMembers.length - slotsBefore) * ARRAY_SLOT_BYTES);
    }
    this.innerSize[inner] = 0;
    return inner;
  }
}
