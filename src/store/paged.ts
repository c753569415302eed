// Growable typed columns made of fixed pages: growth adds a page and never copies, so a
// table of ten million entries grows without a stall.

export const PAGE_SHIFT = 16;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export class PagedInt32 {
  readonly pages: Int32Array[] = [];
  get(i: number): number {
    return this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const page = i >>> PAGE_SHIFT;
    while (page >= this.pages.length) this.pages.push(new Int32Array(PAGE_SIZE));
    this.pages[page]![i & PAGE_MASK] = value;
  }
  get byteSize(): number {
    return this.pages.length * PAGE_SIZE * 4;
  }
}

export class PagedFloat64 {
  readonly pages: Float64Array[] = [];
  get(i: number): number {
    return this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const page = i >>> PAGE_SHIFT;
    while (page >= this.pages.length) this.pages.push(new Float64Array(PAGE_SIZE));
    this.pages[page]![i & PAGE_MASK] = value;
  }
  get byteSize(): number {
    return this.pages.length * PAGE_SIZE * 8;
  }
}
