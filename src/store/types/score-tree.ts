// The order of a big sorted set: a B+tree over (score, member) keys whose inner nodes count
// the entries under each child, so insert, delete, rank, select-by-rank and range counts are
// all O(log n), the guarantees Redis's skiplist gives.
//
// Why not Redis's skiplist: in JS a skiplist node is several heap objects (node, forward
// array, span array), so every step of a descent costs cache misses, and at 100k members
// ZADD spent about 10x Redis's CPU there. A leaf here holds up to 64 keys in two typed arrays
// (scores inline, so a binary search rarely leaves the leaf; member strings only on a score
// tie), and a descent touches about one node per level.
//
// Entries are slot numbers into the owner's member table (`members`, slot -> member as a latin1
// string, whose `<` is memcmp order); the tree never owns or frees slots.

const LEAF_CAP = 64;
const INNER_CAP = 32;
/** A leaf this empty is merged into a sibling when the two fit in MERGED_MAX. */
const LEAF_LOW = LEAF_CAP / 4;
const MERGED_MAX = (LEAF_CAP * 3) / 4;
/** Depth bound: 32^12 entries is far past any array's size. */
const MAX_HEIGHT = 12;

export class Leaf {
  n = 0;
  readonly scores = new Float64Array(LEAF_CAP);
  readonly slots = new Int32Array(LEAF_CAP);
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner {
  n = 0;
  /** Entries under each kid. */
  readonly counts = new Int32Array(INNER_CAP);
  /**
   * Separator i (for i >= 1): every key in kid i and after is >= it, every key before is < it.
   * Separators are copies, so they stay valid bounds after the key they came from is deleted.
   * Slot 0 is unused here, and carries the separator that rises to the parent on a split.
   */
  readonly sepScores = new Float64Array(INNER_CAP);
  readonly sepMembers: string[] = new Array<string>(INNER_CAP).fill('');
  readonly kids: (Leaf | Inner | null)[] = new Array<Leaf | Inner | null>(INNER_CAP).fill(null);
}

/** Tests a key; must hold for a prefix of the order (true, ..., true, false, ...). */
export type KeyTest = (score: number, member: string) => boolean;

// The path of the last descent, shared by every tree: operations run one at a time.
const PATH: Inner[] = [];
const AT = new Int32Array(MAX_HEIGHT);

function less(score: number, member: string, otherScore: number, otherMember: string): boolean {
  return score < otherScore || (score === otherScore && member < otherMember);
}

/** The kid of `inner` whose range holds the key: the number of separators <= key, minus one. */
function kidFor(inner: Inner, score: number, member: string): number {
  let lo = 1;
  let hi = inner.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (less(score, member, inner.sepScores[mid]!, inner.sepMembers[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

function moveKid(from: Inner, i: number, to: Inner, j: number): void {
  to.kids[j] = from.kids[i]!;
  to.counts[j] = from.counts[i]!;
  to.sepScores[j] = from.sepScores[i]!;
  to.sepMembers[j] = from.sepMembers[i]!;
}

function insertKid(inner: Inner, at: number, kid: Leaf | Inner, sepScore: number, sepMember: string, count: number): void {
  for (let j = inner.n; j > at; j--) moveKid(inner, j - 1, inner, j);
  inner.kids[at] = kid;
  inner.counts[at] = count;
  inner.sepScores[at] = sepScore;
  inner.sepMembers[at] = sepMember;
  inner.n++;
}

function moveEntries(from: Leaf, start: number, end: number, to: Leaf, at: number): void {
  to.scores.set(from.scores.subarray(start, end), at);
  to.slots.set(from.slots.subarray(start, end), at);
}

export class ScoreTree {
  private root: Leaf | Inner = new Leaf();
  private height = 0;
  size = 0;
  /** The index within the leaf that `leafAt` returned. */
  foundIndex = 0;

  constructor(private readonly members: readonly (string | undefined)[]) {}

  /** Adds a key known to be absent. */
  insert(score: number, member: string, slot: number): void {
    this.size++;
    let leaf = this.descend(score, member, 1);
    let pos = this.lowerBound(leaf, score, member);
    let right: Leaf | null = null;
    if (leaf.n === LEAF_CAP) {
      // Appending past the last leaf (ascending scores, such as timestamps) splits off an
      // empty leaf instead of halving, so such sets fill their leaves.
      const keep = pos === LEAF_CAP && leaf.next === null ? LEAF_CAP : LEAF_CAP >> 1;
      right = new Leaf();
      moveEntries(leaf, keep, LEAF_CAP, right, 0);
      right.n = LEAF_CAP - keep;
      leaf.n = keep;
      right.next = leaf.next;
      right.prev = leaf;
      if (leaf.next !== null) leaf.next.prev = right;
      leaf.next = right;
      if (pos > keep || (pos === keep && keep === LEAF_CAP)) {
        leaf = right;
        pos -= keep;
      }
    }
    leaf.scores.copyWithin(pos + 1, pos, leaf.n);
    leaf.slots.copyWithin(pos + 1, pos, leaf.n);
    leaf.scores[pos] = score;
    leaf.slots[pos] = slot;
    leaf.n++;
    if (right !== null) this.addKid(this.height - 1, right, right.scores[0]!, this.members[right.slots[0]!]!, right.n);
  }

  /** Removes a key known to be present. */
  remove(score: number, member: string): void {
    this.size--;
    const leaf = this.descend(score, member, -1);
    const pos = this.lowerBound(leaf, score, member);
    leaf.scores.copyWithin(pos, pos + 1, leaf.n);
    leaf.slots.copyWithin(pos, pos + 1, leaf.n);
    leaf.n--;
    if (this.height === 0 || leaf.n >= LEAF_LOW) return;
    const depth = this.height - 1;
    const parent = PATH[depth]!;
    const at = AT[depth]!;
    if (leaf.n === 0) {
      this.unlink(leaf);
      return this.removeKid(depth);
    }
    // Merge with a sibling under the same parent, so deletes cannot leave a trail of near-empty
    // leaves. Inner nodes are only removed once empty: there are 64x fewer of them.
    if (at + 1 < parent.n) {
      const sibling = parent.kids[at + 1] as Leaf;
      if (leaf.n + sibling.n > MERGED_MAX) return;
      moveEntries(sibling, 0, sibling.n, leaf, leaf.n);
      leaf.n += sibling.n;
      parent.counts[at] += parent.counts[at + 1]!;
      this.unlink(sibling);
      AT[depth] = at + 1;
    } else if (at > 0) {
      const sibling = parent.kids[at - 1] as Leaf;
      if (leaf.n + sibling.n > MERGED_MAX) return;
      moveEntries(leaf, 0, leaf.n, sibling, sibling.n);
      sibling.n += leaf.n;
      parent.counts[at - 1] += parent.counts[at]!;
      this.unlink(leaf);
    } else {
      return;
    }
    this.removeKid(depth);
  }

  /** The 0-based rank of a present key. */
  rank(score: number, member: string): number {
    let rank = 0;
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      const i = kidFor(inner, score, member);
      for (let j = 0; j < i; j++) rank += inner.counts[j]!;
      node = inner.kids[i]!;
    }
    return rank + this.lowerBound(node as Leaf, score, member);
  }

  /** How many leading keys pass `test` (which must hold for a prefix of the order). */
  countWhile(test: KeyTest): number {
    let count = 0;
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      let i = 1;
      while (i < inner.n && test(inner.sepScores[i]!, inner.sepMembers[i]!)) count += inner.counts[i++ - 1]!;
      node = inner.kids[i - 1]!;
    }
    const leaf = node as Leaf;
    let i = 0;
    while (i < leaf.n && test(leaf.scores[i]!, this.members[leaf.slots[i]!]!)) i++;
    return count + i;
  }

  /** The leaf holding the key at a 0-based rank below size; the index within it is `foundIndex`. */
  leafAt(rank: number): Leaf {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      let i = 0;
      while (rank >= inner.counts[i]!) rank -= inner.counts[i++]!;
      node = inner.kids[i]!;
    }
    this.foundIndex = rank;
    return node as Leaf;
  }

  /** The leaf for a key, recording the path in PATH/AT and adding `delta` to its counts. */
  private descend(score: number, member: string, delta: number): Leaf {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      const i = kidFor(inner, score, member);
      PATH[d] = inner;
      AT[d] = i;
      inner.counts[i] += delta;
      node = inner.kids[i]!;
    }
    return node as Leaf;
  }

  /** The first position in a leaf whose key is not below the given one. */
  private lowerBound(leaf: Leaf, score: number, member: string): number {
    const scores = leaf.scores;
    let lo = 0;
    let hi = leaf.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = scores[mid]!;
      if (s < score || (s === score && this.members[leaf.slots[mid]!]! < member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Puts `kid` (holding `count` entries, all >= the separator) right after the path's kid at
   * `depth`, whose count included them. A full parent splits, and its upper half goes one
   * level up the same way; a full root gets a new root above it.
   */
  private addKid(depth: number, kid: Leaf | Inner, sepScore: number, sepMember: string, count: number): void {
    if (depth < 0) {
      const root = new Inner();
      insertKid(root, 0, this.root, 0, '', this.size - count);
      insertKid(root, 1, kid, sepScore, sepMember, count);
      this.root = root;
      this.height++;
      return;
    }
    const parent = PATH[depth]!;
    const at = AT[depth]! + 1;
    parent.counts[at - 1] -= count;
    if (parent.n < INNER_CAP) return insertKid(parent, at, kid, sepScore, sepMember, count);
    const keep = at === INNER_CAP ? INNER_CAP : INNER_CAP >> 1;
    const right = new Inner();
    for (let j = keep; j < INNER_CAP; j++) {
      moveKid(parent, j, right, j - keep);
      parent.kids[j] = null;
      parent.sepMembers[j] = '';
    }
    right.n = INNER_CAP - keep;
    parent.n = keep;
    if (at >= keep) insertKid(right, at - keep, kid, sepScore, sepMember, count);
    else insertKid(parent, at, kid, sepScore, sepMember, count);
    let moved = 0;
    for (let j = 0; j < right.n; j++) moved += right.counts[j]!;
    this.addKid(depth - 1, right, right.sepScores[0]!, right.sepMembers[0]!, moved);
  }

  /** Drops the path's kid at `depth` (its entries already gone or moved), pruning upwards. */
  private removeKid(depth: number): void {
    const inner = PATH[depth]!;
    for (let j = AT[depth]! + 1; j < inner.n; j++) moveKid(inner, j, inner, j - 1);
    inner.n--;
    inner.kids[inner.n] = null;
    inner.sepMembers[inner.n] = '';
    if (inner.n === 0) {
      if (depth > 0) return this.removeKid(depth - 1);
      this.root = new Leaf();
      this.height = 0;
      return;
    }
    while (this.height > 0 && (this.root as Inner).n === 1) {
      this.root = (this.root as Inner).kids[0]!;
      this.height--;
    }
  }

  private unlink(leaf: Leaf): void {
    if (leaf.prev !== null) leaf.prev.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = leaf.prev;
  }
}
