// The aggregations of RedisTimeSeries 1.10 (TS.RANGE AGGREGATION, compaction rules, MRANGE's
// REDUCE), with its arithmetic: the same sums and the same variance formula, so that results
// agree to the last bit where floating point would otherwise let them drift.

export const AGGREGATION_TYPES = [
  'avg',
  'sum',
  'min',
  'max',
  'range',
  'count',
  'first',
  'last',
  'std.p',
  'std.s',
  'var.p',
  'var.s',
  'twa',
] as const;
export type AggregationType = (typeof AGGREGATION_TYPES)[number];

export function parseAggregationType(text: string): AggregationType | null {
  const lower = text.toLowerCase();
  return (AGGREGATION_TYPES as readonly string[]).includes(lower) ? (lower as AggregationType) : null;
}

/** One bucket's running state. */
export interface Aggregator {
  readonly type: AggregationType;
  add(value: number, timestamp: number): void;
  /** The bucket's value, or null when it has none (an average of no samples). */
  finalize(): number | null;
  /** What EMPTY reports for a bucket without samples. */
  empty(): number;
  reset(): void;
  clone(): Aggregator;
}

export function newAggregator(type: AggregationType): Aggregator {
  switch (type) {
    case 'avg':
      return new Average();
    case 'sum':
      return new Sum();
    case 'count':
      return new Count();
    case 'min':
      return new Extreme(type);
    case 'max':
      return new Extreme(type);
    case 'range':
      return new Extreme(type);
    case 'first':
      return new First();
    case 'last':
      return new Last();
    case 'std.p':
    case 'std.s':
    case 'var.p':
    case 'var.s':
      return new Spread(type);
    case 'twa':
      return new TimeWeightedAverage();
  }
}

class Sum implements Aggregator {
  readonly type = 'sum';
  private total = 0;
  add(value: number): void {
    this.total += value;
  }
  finalize(): number {
    return this.total;
  }
  empty(): number {
    return 0;
  }
  reset(): void {
    this.total = 0;
  }
  clone(): Sum {
    return Object.assign(new Sum(), this);
  }
}

class Count implements Aggregator {
  readonly type = 'count';
  private count = 0;
  add(): void {
    this.count++;
  }
  finalize(): number {
    return this.count;
  }
  empty(): number {
    return 0;
  }
  reset(): void {
    this.count = 0;
  }
  clone(): Count {
    return Object.assign(new Count(), this);
  }
}

class Average implements Aggregator {
  readonly type = 'avg';
  private total = 0;
  private count = 0;
  /** Past the double range the sum is kept as a running mean instead (as RedisTimeSeries). */
  private overflowed = false;
  add(value: number): void {
    this.count++;
    const total = this.total;
    if (this.overflowed || ((total < 0) === (value < 0) && Math.abs(total) > Number.MAX_VALUE - Math.abs(value))) {
      const mean = this.overflowed ? (total * (this.count - 1)) / this.count : total / this.count;
      this.total = mean + value / this.count;
      this.overflowed = true;
    } else {
      this.total += value;
    }
  }
  finalize(): number | null {
    if (this.count === 0) return null;
    return this.overflowed ? this.total : this.total / this.count;
  }
  empty(): number {
    return NaN;
  }
  reset(): void {
    this.total = 0;
    this.count = 0;
    this.overflowed = false;
  }
  clone(): Average {
    return Object.assign(new Average(), this);
  }
}

class Extreme implements Aggregator {
  private min = Number.MAX_VALUE;
  private max = -Number.MAX_VALUE;
  constructor(readonly type: 'min' | 'max' | 'range') {}
  add(value: number): void {
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
  }
  finalize(): number {
    if (this.type === 'min') return this.min;
    if (this.type === 'max') return this.max;
    return this.max - this.min;
  }
  empty(): number {
    return NaN;
  }
  reset(): void {
    this.min = Number.MAX_VALUE;
    this.max = -Number.MAX_VALUE;
  }
  clone(): Extreme {
    return Object.assign(new Extreme(this.type), this);
  }
}

class First implements Aggregator {
  readonly type = 'first';
  private value = 0;
  private seen = false;
  add(value: number): void {
    if (this.seen) return;
    this.value = value;
    this.seen = true;
  }
  finalize(): number {
    return this.value;
  }
  empty(): number {
    return NaN;
  }
  reset(): void {
    this.value = 0;
    this.seen = false;
  }
  clone(): First {
    return Object.assign(new First(), this);
  }
}

/** Its reset keeps the value: EMPTY buckets report the last value seen before them. */
class Last implements Aggregator {
  readonly type = 'last';
  private value = NaN;
  add(value: number): void {
    this.value = value;
  }
  finalize(): number {
    return this.value;
  }
  empty(): number {
    return this.value;
  }
  reset(): void {}
  clone(): Last {
    return Object.assign(new Last(), this);
  }
}

class Spread implements Aggregator {
  private sum = 0;
  private sumOfSquares = 0;
  private count = 0;
  constructor(readonly type: 'std.p' | 'std.s' | 'var.p' | 'var.s') {}
  add(value: number): void {
    this.count++;
    this.sum += value;
    this.sumOfSquares += value * value;
  }
  finalize(): number | null {
    const n = this.count;
    if (n === 0) return null;
    const sum = this.sum;
    const population = (this.sumOfSquares - (2 * sum * sum) / n + (sum / n) ** 2 * n) / n;
    const sample = n === 1 ? 0 : (population * n) / (n - 1);
    switch (this.type) {
      case 'var.p':
        return population;
      case 'var.s':
        return sample;
      case 'std.p':
        return Math.sqrt(population);
      case 'std.s':
        return Math.sqrt(sample);
    }
  }
  empty(): number {
    return NaN;
  }
  reset(): void {
    this.sum = 0;
    this.sumOfSquares = 0;
    this.count = 0;
  }
  clone(): Spread {
    return Object.assign(new Spread(this.type), this);
  }
}

/**
 * The time-weighted average over a bucket [start, end): the area under the line through the
 * samples, with the value at each edge interpolated from the samples either side of it, divided
 * by the time it covers. A bucket at the series' first (or last) sample starts (or ends) there.
 */
export class TimeWeightedAverage implements Aggregator {
  readonly type = 'twa';
  private area = 0;
  private previousTimestamp = 0;
  private previousValue = 0;
  /** Whether a sample before the bucket is known (then the bucket's start is interpolated). */
  private hasPrevious = false;
  private bucketStart = 0;
  private bucketEnd = 0;
  private firstTimestamp = 0;
  private lastTimestamp = 0;
  private samples = 0;

  setBucket(start: number, end: number): void {
    this.bucketStart = start;
    this.bucketEnd = end;
  }

  /** The last sample before the bucket, for interpolating its start. */
  addPrevious(value: number, timestamp: number): void {
    this.previousValue = value;
    this.previousTimestamp = timestamp;
    this.hasPrevious = true;
  }

  add(value: number, timestamp: number): void {
    if (this.samples === 0) {
      if (this.hasPrevious) {
        const start = this.bucketStart;
        const atStart = this.interpolate(start, value, timestamp);
        this.area += ((atStart + value) * (timestamp - start)) / 2;
        this.firstTimestamp = start;
      } else {
        this.firstTimestamp = timestamp;
      }
    } else {
      this.area += ((this.previousValue + value) * (timestamp - this.previousTimestamp)) / 2;
    }
    this.lastTimestamp = this.previousTimestamp = timestamp;
    this.previousValue = value;
    this.samples++;
  }

  /** The first sample after the bucket, for interpolating its end. */
  addNext(value: number, timestamp: number): void {
    const end = this.bucketEnd;
    const atEnd = this.interpolate(end, value, timestamp);
    this.area += ((atEnd + this.previousValue) * (end - this.previousTimestamp)) / 2;
    this.lastTimestamp = end;
  }

  /** The bucket's last sample: the next bucket's previous one. */
  lastSample(): [timestamp: number, value: number] {
    return [this.previousTimestamp, this.previousValue];
  }

  finalize(): number | null {
    if (this.samples === 0) return null;
    if (this.lastTimestamp === this.firstTimestamp) return this.previousValue;
    return this.area / Math.abs(this.lastTimestamp - this.firstTimestamp);
  }

  empty(): number {
    return NaN;
  }

  reset(): void {
    this.area = 0;
    this.hasPrevious = false;
    this.samples = 0;
    this.firstTimestamp = this.lastTimestamp = 0;
  }

  clone(): TimeWeightedAverage {
    return Object.assign(new TimeWeightedAverage(), this);
  }

  private interpolate(at: number, value: number, timestamp: number): number {
    const t1 = this.previousTimestamp;
    const v1 = this.previousValue;
    return v1 + ((at - t1) * (value - v1)) / (timestamp - t1);
  }
}
