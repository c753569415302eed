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
