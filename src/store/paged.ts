// Growable typed columns made of fixed pages: growth adds a page and never copies, so a
// table of ten million entries grows without a stall. Each new page is reported to the
// column's sink, if it has one (memory accounting, memory.ts).

import type { ByteSink } from './memory.ts';

export const PAGE_SHIFT = 16;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export class PagedInt32 {
  readonly pages: Int32Array[] = [];
  constructor(private readonly sink: ByteSink) {}
  get(i: number): number {
    return this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const page = i >>> PAGE_SHIFT;
    while (page >= this.pages.length) {
      this.pages.push(new Int32Array(PAGE_SIZE));
      this.sink.adjust(PAGE_SIZE * 4);
    }
    this.pages[page]![i & PAGE_MASK] = value;
  }
  get byteSize(): number {
    return this.pages.length * PAGE_SIZE * 4;
  }
}

export class PagedFloat64 {
  readonly pages: Float64Array[] = [];
  constructor(private readonly sink: ByteSink) {}
  get(i: number): number {
    return this.pages[i >>> PAGE_SHIFT]![i & PAGE_MASK]!;
  }
  /**
   * The page holding element i (at i & PAGE_MASK). Hot paths read doubles through it: a double
   * returned from a call V8 did not inline is boxed, a heap allocation per read.
   */
  pageOf(i: number): Float64Array {
    return this.pages[i >>> PAGE_SHIFT]!;
  }
  /** Copies element `from` to `to` without the double leaving this method. */
  move(from: number, to: number): void {
    this.pages[to >>> PAGE_SHIFT]![to & PAGE_MASK] = this.pages[from >>> PAGE_SHIFT]![from & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const page = i >>> PAGE_SHIFT;
    while (page >= this.pages.length) {
      this.pages.push(new Float64Array(PAGE_SIZE));
      this.sink.adjust(PAGE_SIZE * 8);
    }
    this.pages[page]![i & PAGE_MASK] = value;
  }
  get byteSize(): number {
    return this.pages.length * PAGE_SIZE * 8;
  }
}

const SPARSE_SHIFT = 12;
const SPARSE_PAGE = 1 << SPARSE_SHIFT;
const SPARSE_MASK = SPARSE_PAGE - 1;

/**
 * A column of numbers, zero by default, that costs memory only near indices holding non-zero
 * values: a page is made on the first non-zero write into its range. For per-key data most
 * keys never have (TTL position, Memcached flags and CAS).
 */
export class SparseColumn {
  private pages: (Int32Array | Float64Array | undefined)[] = [];
  private allocated = 0;

  constructor(
    private readonly Page: Int32ArrayConstructor | Float64ArrayConstructor,
    private readonly sink: ByteSink | null = null,
  ) {}

  get(i: number): number {
    const p = i >>> SPARSE_SHIFT;
    const page = p < this.pages.length ? this.pages[p] : undefined;
    return page === undefined ? 0 : page[i & SPARSE_MASK]!;
  }

  set(i: number, value: number): void {
    const p = i >>> SPARSE_SHIFT;
    let page = p < this.pages.length ? this.pages[p] : undefined;
    if (page === undefined) {
      if (value === 0) return;
      while (this.pages.length <= p) this.pages.push(undefined);
      page = this.pages[p] = new this.Page(SPARSE_PAGE);
      this.allocated++;
      this.sink?.adjust(SPARSE_PAGE * this.Page.BYTES_PER_ELEMENT);
    }
    page[i & SPARSE_MASK] = value;
  }

  get byteSize(): number {
    return this.allocated * SPARSE_PAGE * this.Page.BYTES_PER_ELEMENT;
  }
}
