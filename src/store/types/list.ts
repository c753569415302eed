// Lists as Redis 7.0 keeps them: a quicklist, a deque of listpack nodes, each capped by
// list-max-listpack-size (negative: bytes per node, -2 = 8 KB; positive: entries per node).
// A small list is a single node, so it costs one allocation plus ~2 bytes per element.

import { ARRAY_SLOT_BYTES, Meter, objectBytes } from '../memory.ts';
import type { StoredObject } from '../types.ts';
import { entryBytes, Listpack } from './listpack.ts';

/** The ListValue object (length, nodes, fill, the Meter's fields) and its node array. */
const LIST_BYTES = objectBytes(5) + objectBytes(0);

export const LIST_HEAD = 0;
export const LIST_TAIL = 1;
export type ListEnd = typeof LIST_HEAD | typeof LIST_TAIL;

/** Visits an element in place; return false to stop. */
export type ElementVisitor = (buf: Uint8Array, start: number, end: number, index: number) => boolean | void;

export class ListValue extends Meter implements StoredObject {
  length = 0;
  /**
   * The node array only changes when a node fills up or empties, about once per 8 KB of
   * pushes, so unshift/shift on it keep pushes and pops amortised O(1).
   */
  private nodes: Listpack[] = [];

  /** `fill` is list-max-listpack-size, read when nodes are filled. */
  constructor(public fill = -2) {
    super();
    this.adjust(LIST_BYTES);
  }

  push(end: ListEnd, value: Uint8Array): void {
    const size = entryBytes(value.length);
    if (end === LIST_HEAD) {
      let node = this.nodes[0];
      if (node === undefined || !this.fits(node, size)) this.nodes.unshift((node = this.newNode(0, 0)));
      node.pushFront(value);
    } else {
      let node = this.nodes[this.nodes.length - 1];
      if (node === undefined || !this.fits(node, size)) this.nodes.push((node = this.newNode(0, 0)));
      node.pushBack(value);
    }
    this.length++;
  }

  /**
   * Sizes the first node of an empty list for a batch of `count` pushes of `bytes` entry bytes
   * (see entryBytes), so a list filled by one command is allocated once, when the batch fits a
   * node.
   */
  reserve(end: ListEnd, bytes: number, count: number): void {
    if (this.length > 0 || this.over(bytes, count)) return;
    this.dropAllNodes();
    this.nodes = [this.newNode(bytes, end === LIST_HEAD ? bytes : 0)];
  }

  /** Visits the element at one end in place, then removes it; false when the list is empty. */
  pop(end: ListEnd, visit: ElementVisitor): boolean {
    if (this.length === 0) return false;
    const ni = end === LIST_HEAD ? 0 : this.nodes.length - 1;
    const node = this.nodes[ni]!;
    const at = end === LIST_HEAD ? node.start : node.prev(node.end);
    visit(node.buf, node.dataStart(at), node.dataEnd(at), end === LIST_HEAD ? 0 : this.length - 1);
    this.removeAt(ni, at);
    return true;
  }

  /** Visits the element at `index` (0-based from the head); false when out of range. */
  at(index: number, visit: ElementVisitor): boolean {
    if (index < 0 || index >= this.length) return false;
    const [ni, at] = this.locate(index);
    const node = this.nodes[ni]!;
    visit(node.buf, node.dataStart(at), node.dataEnd(at), index);
    return true;
  }

  /** Visits elements from `from` towards the head (reverse) or tail until visit returns false. */
  walk(from: number, reverse: boolean, visit: ElementVisitor): void {
    if (from < 0 || from >= this.length) return;
    let [ni, at] = this.locate(from);
    let node = this.nodes[ni]!;
    for (let index = from; ; index += reverse ? -1 : 1) {
      if (visit(node.buf, node.dataStart(at), node.dataEnd(at), index) === false) return;
      if (reverse) {
        if (at === node.start) {
          if (--ni < 0) return;
          node = this.nodes[ni]!;
          at = node.end;
        }
        at = node.prev(at);
      } else {
        at = node.next(at);
        if (at === node.end) {
          if (++ni === this.nodes.length) return;
          node = this.nodes[ni]!;
          at = node.start;
        }
      }
    }
  }

  /** Replaces the element at `index`; false when out of range. */
  set(index: number, value: Uint8Array): boolean {
    if (index < 0 || index >= this.length) return false;
    const [ni, at] = this.locate(index);
    this.nodes[ni]!.replaceAt(at, value);
    this.splitIfOver(ni);
    return true;
  }

  /**
   * Inserts `value` next to the first element equal to `pivot`; returns the new length, or
   * -1 when no element equals the pivot.
   */
  insert(pivot: Uint8Array, after: boolean, value: Uint8Array): number {
    for (let ni = 0; ni < this.nodes.length; ni++) {
      const node = this.nodes[ni]!;
      for (let at = node.start; at < node.end; at = node.next(at)) {
        if (!node.equals(at, pivot)) continue;
        node.insertAt(after ? node.next(at) : at, value);
        this.length++;
        this.splitIfOver(ni);
        return this.length;
      }
    }
    return -1;
  }

  /**
   * Removes up to `count` elements equal to `value` (all when count is 0), from the head, or
   * from the tail when count is negative; returns how many went.
   */
  remove(count: number, value: Uint8Array): number {
    const limit = count === 0 ? Infinity : Math.abs(count);
    const fromTail = count < 0;
    let removed = 0;
    let ni = fromTail ? this.nodes.length - 1 : 0;
    while (removed < limit && ni >= 0 && ni < this.nodes.length) {
      const node = this.nodes[ni]!;
      let at = fromTail ? node.end : node.start;
      while (removed < limit && node.count > 0) {
        if (fromTail) {
          if (at === node.start) break;
          at = node.prev(at);
        } else if (at >= node.end) {
          break;
        }
        if (!node.equals(at, value)) {
          if (!fromTail) at = node.next(at);
          continue;
        }
        // Offsets from start survive a removal (even if the node reallocates): the entry
        // after the removed one now sits where it was.
        const offset = at - node.start;
        node.remove(at);
        at = node.start + offset;
        removed++;
      }
      if (node.count === 0) this.dropNode(ni);
      // After dropping a node, the next one towards the tail has taken its index.
      if (fromTail) ni--;
      else if (node.count > 0) ni++;
    }
    this.length -= removed;
    return removed;
  }

  /** Keeps only the elements in [start, stop] (already clamped: 0 <= start, stop < length). */
  trim(start: number, stop: number): void {
    if (start > stop) {
      this.dropAllNodes();
      this.length = 0;
      return;
    }
    this.dropEnd(LIST_TAIL, this.length - 1 - stop);
    this.dropEnd(LIST_HEAD, start);
  }

  clone(): ListValue {
    const copy = new ListValue(this.fill);
    copy.nodes = this.nodes.map((node) => node.clone(copy));
    copy.adjust(this.nodes.length * ARRAY_SLOT_BYTES);
    copy.length = this.length;
    return copy;
  }

  recount(): number {
    let total = LIST_BYTES + this.nodes.length * ARRAY_SLOT_BYTES;
    for (const node of this.nodes) total += node.recount();
    return total;
  }

  /** Nodes in the quicklist (tests check the node cap). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Removes `n` elements from one end, whole nodes at a time where possible. */
  private dropEnd(end: ListEnd, n: number): void {
    this.length -= n;
    while (n > 0) {
      const ni = end === LIST_HEAD ? 0 : this.nodes.length - 1;
      const node = this.nodes[ni]!;
      if (node.count <= n) {
        n -= node.count;
        this.dropNode(ni);
        continue;
      }
      if (end === LIST_HEAD) {
        const to = node.seek(n);
        node.removeRange(node.start, to, n);
      } else {
        const from = node.seek(node.count - n);
        node.removeRange(from, node.end, n);
      }
      n = 0;
    }
  }

  private removeAt(ni: number, at: number): void {
    const node = this.nodes[ni]!;
    node.remove(at);
    this.length--;
    if (node.count === 0) this.dropNode(ni);
  }

  /** A node for the node array (the caller puts it there), counted in this list's size. */
  private newNode(capacity: number, front: number): Listpack {
    this.adjust(ARRAY_SLOT_BYTES);
    return new Listpack(this, capacity, front);
  }

  private dropNode(ni: number): void {
    const [node] = this.nodes.splice(ni, 1);
    this.adjust(-(node!.bytes + ARRAY_SLOT_BYTES));
  }

  private dropAllNodes(): void {
    for (const node of this.nodes) this.adjust(-(node.bytes + ARRAY_SLOT_BYTES));
    this.nodes = [];
  }

  /** Node index and entry position of element `index`, walking from the nearer end. */
  private locate(index: number): [number, number] {
    if (index < this.length >>> 1) {
      let ni = 0;
      while (index >= this.nodes[ni]!.count) index -= this.nodes[ni++]!.count;
      return [ni, this.nodes[ni]!.seek(index)];
    }
    let ni = this.nodes.length - 1;
    let fromEnd = this.length - 1 - index;
    while (fromEnd >= this.nodes[ni]!.count) fromEnd -= this.nodes[ni--]!.count;
    const node = this.nodes[ni]!;
    return [ni, node.seek(node.count - 1 - fromEnd)];
  }

  private fits(node: Listpack, size: number): boolean {
    if (node.count === 0) return true;
    return !this.over(node.used + size, node.count + 1);
  }

  /**
   * Whether a node of this size breaks the cap. As in Redis, a count cap (fill >= 0) still
   * keeps nodes under the 8 KB safety limit, and fill 0 allows one entry per node.
   */
  private over(bytes: number, count: number): boolean {
    if (this.fill < 0) return bytes > nodeByteLimit(this.fill);
    return count > this.fill || bytes > SIZE_SAFETY_LIMIT;
  }

  /** Splits a node that an insert or replace pushed past the cap, keeping each half in order. */
  private splitIfOver(ni: number): void {
    const node = this.nodes[ni]!;
    if (node.count < 2 || !this.over(node.used, node.count)) return;
    const keep = node.count >>> 1;
    const from = node.seek(keep);
    const tail = this.newNode(node.end - from, 0);
    for (let at = from; at < node.end; at = node.next(at)) {
      tail.pushBack(node.buf.subarray(node.dataStart(at), node.dataEnd(at)));
    }
    node.removeRange(from, node.end, node.count - keep);
    this.nodes.splice(ni + 1, 0, tail);
    this.splitIfOver(ni + 1);
    this.splitIfOver(ni);
  }
}

const SIZE_SAFETY_LIMIT = 8192;

/** Redis's byte caps for negative list-max-listpack-size: -1 = 4 KB ... -5 = 64 KB. */
function nodeByteLimit(fill: number): number {
  return 4096 << (Math.min(5, -fill) - 1);
}
