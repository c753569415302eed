// Redis's pqsort (Bentley & McIlroy's quicksort that only recurses into partitions overlapping
// the wanted ranks), reproduced step for step: it is not stable, so which of several equal
// elements land in the first ranks depends on its exact pivots and swaps, and replies that
// show a partially sorted array (GEOSEARCH ... COUNT) must come out as Redis's do.

type Compare<T> = (a: T, b: T) => number;

/** Sorts `items` enough that ranks first..last (inclusive) hold what a full sort would put there. */
export function partialSort<T>(items: T[], compare: Compare<T>, first: number, last: number): void {
  sortRange(items, 0, items.length, compare, first, last);
}

function swap<T>(items: T[], i: number, j: number): void {
  const t = items[i]!;
  items[i] = items[j]!;
  items[j] = t;
}

function swapRuns<T>(items: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(items, i + k, j + k);
}

function median3<T>(items: T[], a: number, b: number, c: number, compare: Compare<T>): number {
  return compare(items[a]!, items[b]!) < 0
    ? compare(items[b]!, items[c]!) < 0
      ? b
      : compare(items[a]!, items[c]!) < 0
        ? c
        : a
    : compare(items[b]!, items[c]!) > 0
      ? b
      : compare(items[a]!, items[c]!) < 0
        ? a
        : c;
}

/** Whether the partition [lo, lo + n) holds none of the wanted ranks. */
function outside(lo: number, n: number, first: number, last: number): boolean {
  return (first < lo && last < lo) || (first >= lo + n && last >= lo + n);
}

function sortRange<T>(items: T[], lo: number, n: number, compare: Compare<T>, first: number, last: number): void {
  for (;;) {
    if (n < 7) {
      for (let m = lo + 1; m < lo + n; m++) {
        for (let l = m; l > lo && compare(items[l - 1]!, items[l]!) > 0; l--) swap(items, l, l - 1);
      }
      return;
    }
    let pivot = lo + Math.floor(n / 2);
    if (n > 7) {
      let left = lo;
      let right = lo + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        left = median3(items, left, left + d, left + 2 * d, compare);
        pivot = median3(items, pivot - d, pivot, pivot + d, compare);
        right = median3(items, right - 2 * d, right - d, right, compare);
      }
      pivot = median3(items, left, pivot, right, compare);
    }
    swap(items, lo, pivot);
    // Equal elements gather at both ends ([lo+1, pa) and (pd, end)), then move to the middle.
    let pa = lo + 1;
    let pb = lo + 1;
    let pc = lo + n - 1;
    let pd = lo + n - 1;
    for (;;) {
      let c: number;
      while (pb <= pc && (c = compare(items[pb]!, items[lo]!)) <= 0) {
        if (c === 0) swap(items, pa++, pb);
        pb++;
      }
      while (pb <= pc && (c = compare(items[pc]!, items[lo]!)) >= 0) {
        if (c === 0) swap(items, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(items, pb++, pc--);
    }
    const end = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    swapRuns(items, lo, pb - r, r);
    r = Math.min(pd - pc, end - pd - 1);
    swapRuns(items, pb, end - r, r);
    r = pb - pa;
    if (r > 1 && !outside(lo, r, first, last)) sortRange(items, lo, r, compare, first, last);
    r = pd - pc;
    if (r <= 1) return;
    lo = end - r;
    n = r;
    if (outside(lo, n, first, last)) return;
  }
}
