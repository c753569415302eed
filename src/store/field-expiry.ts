// Which hashes of a database hold field TTLs, by entry id, ordered by their earliest field time
// (Redis 7.4's db->hexpires): the active expire cycle takes the due hashes first and never
// looks at the others. A stored hash reports its earliest time here whenever it changes
// (HashValue.trackFieldExpiry); the database removes an entry that goes away.

import { ARRAY_SLOT_BYTES, type ByteSink } from './memory.ts';
import { SparseColumn } from './paged.ts';

/** A heap entry: a slot in each of the two arrays. */
const HEAP_ENTRY_BYTES = 2 * ARRAY_SLOT_BYTES;

export class FieldExpiryIndex {
  /** A min-heap of (time, entry id) in two parallel arrays. */
  private times: number[] = [];
  private ids: number[] = [];
  /** Heap position + 1, by entry id; 0 = not in the index. */
  private readonly positions: SparseColumn;

  constructor(private readonly sink: ByteSink) {
    this.positions = new SparseColumn(Int32Array, sink);
  }

  /** How many hashes hold field TTLs. */
  get size(): number {
    return this.ids.length;
  }

  /** The entry id of the hash whose next field time is the earliest; -1 when none. */
  get nextId(): number {
    return this.ids.length > 0 ? this.ids[0]! : -1;
  }

  /** The earliest field time of any hash; Infinity when none. */
  get nextAt(): number {
    return this.times.length > 0 ? this.times[0]! : Infinity;
  }

  /** The hash under `id` has its earliest field time at `at` ms; Infinity: it holds none. */
  update(id: number, at: number): void {
    if (at === Infinity) return this.remove(id);
    const pos = this.positions.get(id) - 1;
    if (pos < 0) {
      this.sink.adjust(HEAP_ENTRY_BYTES);
      this.times.push(at);
      this.ids.push(id);
      this.siftUp(this.ids.length - 1);
      return;
    }
    const previous = this.times[pos]!;
    if (at === previous) return;
    this.times[pos] = at;
    if (at < previous) this.siftUp(pos);
    else this.siftDown(pos);
  }

  /** Takes `id` out of the index; nothing when it is not in. */
  remove(id: number): void {
    const pos = this.positions.get(id) - 1;
    if (pos < 0) return;
    this.positions.set(id, 0);
    this.sink.adjust(-HEAP_ENTRY_BYTES);
    const lastAt = this.times.pop()!;
    const lastId = this.ids.pop()!;
    if (pos === this.ids.length) return;
    this.times[pos] = lastAt;
    this.ids[pos] = lastId;
    this.positions.set(lastId, pos + 1);
    this.siftDown(pos);
    this.siftUp(pos);
  }

  /** Bytes of the structure (part of the database's overhead). */
  get byteSize(): number {
    return this.positions.byteSize + this.ids.length * HEAP_ENTRY_BYTES;
  }

  private siftUp(pos: number): void {
    const { times, ids } = this;
    const at = times[pos]!;
    const id = ids[pos]!;
    while (pos > 0) {
      const parent = (pos - 1) >>> 1;
      if (times[parent]! <= at) break;
      this.place(pos, times[parent]!, ids[parent]!);
      pos = parent;
    }
    this.place(pos, at, id);
  }

  private siftDown(pos: number): void {
    const { times, ids } = this;
    const at = times[pos]!;
    const id = ids[pos]!;
    const n = ids.length;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= at) break;
      this.place(pos, times[child]!, ids[child]!);
      pos = child;
    }
    this.place(pos, at, id);
  }

  private place(pos: number, at: number, id: number): void {
    this.times[pos] = at;
    this.ids[pos] = id;
    this.positions.set(id, pos + 1);
  }
}
