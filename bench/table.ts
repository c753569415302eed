// The plain-text tables that the benchmarks print, and the number formats in their cells.

const fixed = (digits: number) => (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);
export const f1 = fixed(1);
export const f2 = fixed(2);
export const count = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : Math.round(value).toLocaleString('en-US');
/** A ratio, as "0.85x". */
export const x = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}x`);

/** A titled table: the first column left-aligned, the others right-aligned; notes below it. */
export function table(title: string, header: string[], rows: string[][], notes: string[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes, ''].join('\n');
}
