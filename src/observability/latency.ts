// The latency monitor of Redis 7.0's latency.c: per event, the last 160 samples (one per
// second at most, the worst of that second kept) and the all-time maximum, in milliseconds.

const HISTORY_LENGTH = 160;

export interface LatencySample {
  time: number;
  ms: number;
}

export class LatencySeries {
  /** Oldest first. */
  readonly samples: LatencySample[] = [];
  max = 0;

  add(time: number, ms: number): void {
    if (ms > this.max) this.max = ms;
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && last.time === time) {
      if (ms > last.ms) last.ms = ms;
      return;
    }
    this.samples.push({ time, ms });
    if (this.samples.length > HISTORY_LENGTH) this.samples.shift();
  }

  get latest(): LatencySample {
    return this.samples[this.samples.length - 1]!;
  }
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  constructor(private readonly unixSeconds: () => number) {}

  addSample(event: string, ms: number): void {
    let series = this.events.get(event);
    if (series === undefined) {
      series = new LatencySeries();
      this.events.set(event, series);
    }
    series.add(this.unixSeconds(), ms);
  }

  /** Forgets the named events (all of them when none is named); answers how many it forgot. */
  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const name of names) if (this.events.delete(name)) count++;
    return count;
  }
}

/** Redis's sparkline charset: three levels per row, filled below the line. */
const SPARK_FILL = '_o#';
const SPARK_LEVELS = SPARK_FILL.length;
const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;

interface SparkSample {
  value: number;
  label: string;
}

/** Rows of one stretch of at most `columns` samples, as Redis's sparklineRenderRange draws them (fill mode). */
function sparkRange(samples: readonly SparkSample[], min: number, max: number): string {
  const range = max - min === 0 ? 1 : max - min;
  const steps = SPARK_LEVELS * GRAPH_ROWS;
  const levels = samples.map(({ value }) => Math.min(steps - 1, Math.max(0, Math.trunc(Math.trunc((value - min) * steps) / range))));
  let out = '';
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = '';
    for (const level of levels) {
      const index = level - (GRAPH_ROWS - row - 1) * SPARK_LEVELS;
      line += index >= SPARK_LEVELS ? '|' : index >= 0 ? SPARK_FILL[index] : ' ';
    }
    out += `${line}\n`;
  }
  // One blank line, then the labels written downwards, a character per row.
  out += `${' '.repeat(samples.length)}\n`;
  for (let char = 0; samples.some(({ label }) => label.length > char); char++) {
    out += `${samples.map(({ label }) => label[char] ?? ' ').join('')}\n`;
  }
  return out;
}

/** How long ago, as LATENCY GRAPH labels a sample: 12s, 5m, 3h, 2d. */
function agoLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.trunc(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.trunc(seconds / 3600)}h`;
  return `${Math.trunc(seconds / 86400)}d`;
}

/** LATENCY GRAPH's text for one event, as Redis 7.0's latencyCommandGenSparkeline draws it. */
export function latencyGraph(event: string, series: LatencySeries, nowSeconds: number): string {
  const samples = series.samples.map(({ time, ms }) => ({ value: ms, label: agoLabel(nowSeconds - time) }));
  const values = samples.map(({ value }) => value);
  const high = Math.max(...values);
  const low = Math.min(...values);
  let out = `${event} - high ${high} ms, low ${low} ms (all time high ${series.max} ms)\n${'-'.repeat(GRAPH_COLUMNS)}\n`;
  for (let start = 0; start < samples.length; start += GRAPH_COLUMNS) {
    if (start !== 0) out += '\n';
    out += sparkRange(samples.slice(start, start + GRAPH_COLUMNS), low, high);
  }
  return out;
}
