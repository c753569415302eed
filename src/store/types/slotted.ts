// Keys (latin1 strings: binary-safe, one byte per char in V8) at stable slot numbers, found
// through a Map. Slots give SCAN-style cursors and random picks something to address, and a
// key present for a whole scan keeps its slot, so it is never missed. Freed slots are reused
// by later inserts; the slot array never shrinks, since compacting would move keys under a
// running cursor.

export class SlottedKeys {
  protected index = new Map<string, number>();
  protected keys: (string | undefined)[] = [];
  private free: number[] = [];

  get size(): number {
    return this.index.size;
  }

  get slots(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  occupied(slot: number): boolean {
    return this.keys[slot] !== undefined;
  }

  /**
   * Calls `visit` for up to `count` occupied slots from `cursor` and returns the cursor to go
   * on from (0 when the walk is done): SSCAN and HSCAN over a table.
   */
  scanSlots(cursor: number, count: number, visit: (slot: number) => void): number {
    let slot = cursor;
    for (let seen = 0; slot < this.keys.length && seen < count; slot++) {
      if (this.keys[slot] === undefined) continue;
      visit(slot);
      seen++;
    }
    return slot >= this.keys.length ? 0 : slot;
  }

  /** A random occupied slot; the table must not be empty. */
  randomSlot(): number {
    for (let tries = 0; tries < 64; tries++) {
      const slot = Math.floor(Math.random() * this.keys.length);
      if (this.keys[slot] !== undefined) return slot;
    }
    // Mostly holes: walk from a random slot to the next occupied one.
    const from = Math.floor(Math.random() * this.keys.length);
    for (let i = 0; ; i++) {
      const slot = (from + i) % this.keys.length;
      if (this.keys[slot] !== undefined) return slot;
    }
  }

  /** Puts a key that is not present yet in a slot and returns the slot. */
  protected insert(key: string): number {
    const slot = this.free.pop() ?? this.keys.length;
    this.keys[slot] = key;
    this.index.set(key, slot);
    return slot;
  }

  /** Takes a key out; returns the slot it had, or undefined when absent. */
  protected remove(key: string): number | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    this.index.delete(key);
    this.keys[slot] = undefined;
    this.free.push(slot);
    return slot;
  }

  protected copySlotsTo(copy: SlottedKeys): void {
    copy.index = new Map(this.index);
    copy.keys = this.keys.slice();
    copy.free = this.free.slice();
  }
}
