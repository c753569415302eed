// Small summaries of repeated measurements.

/** The median of the finite values, or null when there are none. */
export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of the finite values, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  if (p === 50 && sorted.length % 2 === 0) {
    const mid = sorted.length / 2;
    return (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

export interface PauseSummary {
  count: number;
  totalMs: number;
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarizePauses(durationsMs: readonly number[]): PauseSummary {
  return {
    count: durationsMs.length,
    totalMs: durationsMs.reduce((sum, d) => sum + d, 0),
    medianMs: median(durationsMs),
    p99Ms: percentile(durationsMs, 99),
    maxMs: percentile(durationsMs, 100),
  };
}
