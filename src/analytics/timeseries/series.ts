// A RedisTimeSeries series as a stored value: its chunks, settings, labels and compaction
// rules. Storage only: the commands (src/commands/timeseries.ts) parse, reply and notify.

import { Buffer } from 'node:buffer';
import { Meter, objectBytes, stringBytes, ARRAY_SLOT_BYTES } from '../../store/memory.ts';
import type { StoredObject } from '../../store/types.ts';
import { chunkOf, newChunk, type Chunk, type ChunkEncoding, type Samples } from './chunk.ts';
import { newAggregator, TimeWeightedAverage, type AggregationType, type Aggregator } from './aggregation.ts';

export const DUPLICATE_POLICIES = ['block', 'first', 'last', 'min', 'max', 'sum'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

export function parseDuplicatePolicy(text: string): DuplicatePolicy | null {
  const lower = text.toLowerCase();
  return (DUPLICATE_POLICIES as readonly string[]).includes(lower) ? (lower as DuplicatePolicy) : null;
}

/** A chunk past this share of its size is split in two on an upsert (as RedisTimeSeries). */
const SPLIT_FACTOR = 1.2;

export interface Label {
  name: Buffer;
  value: Buffer;
}

/** A compaction rule on its source series: samples aggregate into `destination` per bucket. */
export class CompactionRule {
  /** The start of the bucket being filled; -1 before the first sample. */
  bucketStart = -1;
  readonly aggregator: Aggregator;

  constructor(
    public destination: Buffer,
    readonly type: AggregationType,
    readonly bucketDuration: number,
    readonly alignment: number,
  ) {
    this.aggregator = newAggregator(type);
  }

  clone(): CompactionRule {
    const copy = new CompactionRule(this.destination, this.type, this.bucketDuration, this.alignment);
    copy.bucketStart = this.bucketStart;
    Object.assign(copy.aggregator, this.aggregator);
    return copy;
  }
}

/** The start of the bucket holding `timestamp` (RedisTimeSeries's CalcBucketStart). */
export function bucketStart(timestamp: number, duration: number, alignment: number): number {
  const offset = (timestamp - alignment) % duration;
  return timestamp - (offset < 0 ? offset + duration : offset);
}

export interface SeriesSettings {
  retention: number;
  chunkSize: number;
  encoding: ChunkEncoding;
  /** null: the server-wide policy applies (TS.INFO reports null). */
  duplicatePolicy: DuplicatePolicy | null;
  labels: Label[];
}

export type UpsertResult = 'added' | 'updated' | 'blocked';

export class TimeSeries extends Meter implements StoredObject {
  retention: number;
  chunkSize: number;
  readonly encoding: ChunkEncoding;
  duplicatePolicy: DuplicatePolicy | null;
  labels: Label[];
  chunks: Chunk[] = [];
  totalSamples = 0;
  lastTimestamp = 0;
  lastValue = 0;
  /** The series this one is a compaction of (TS.CREATERULE's destination side). */
  source: Buffer | null = null;
  rules: CompactionRule[] = [];

  constructor(settings: SeriesSettings) {
    super();
    this.retention = settings.retention;
    this.chunkSize = settings.chunkSize;
    this.encoding = settings.encoding;
    this.duplicatePolicy = settings.duplicatePolicy;
    this.labels = settings.labels;
    this.bytes = this.recount();
  }

  label(name: string): Buffer | undefined {
    for (const label of this.labels) if (label.name.toString('latin1') === name) return label.value;
    return undefined;
  }

  setLabels(labels: Label[]): void {
    this.labels = labels;
    this.remeasure();
  }

  /** Appends a sample later than the last one. */
  append(timestamp: number, value: number): void {
    const last = this.chunks[this.chunks.length - 1];
    // A compressed chunk's buffer grows as it fills; only the last chunk's size can change here.
    const before = last === undefined ? 0 : last.bytes;
    if (last !== undefined && last.append(timestamp, value)) {
      if (last.bytes !== before) this.adjust(last.bytes - before);
    } else {
      // As RedisTimeSeries: the series is trimmed to its retention when a chunk fills.
      this.trim();
      const chunk = newChunk(this.encoding, this.chunkSize);
      chunk.append(timestamp, value);
      this.chunks.push(chunk);
      this.adjust(chunk.bytes + ARRAY_SLOT_BYTES);
    }
    this.lastTimestamp = timestamp;
    this.lastValue = value;
    this.totalSamples++;
  }

  /** Writes a sample at or before the last timestamp, resolving a clash by `policy`. */
  upsert(timestamp: number, value: number, policy: DuplicatePolicy): UpsertResult {
    let index = this.chunkIndexFor(timestamp);
    let chunk = this.chunks[index]!;
    if (chunk.dataBytes > this.chunkSize * SPLIT_FACTOR) {
      const samples = chunk.decode();
      const half = samples.timestamps.length >>> 1;
      const right = chunkOf(this.encoding, this.chunkSize, samples, half, samples.timestamps.length);
      this.chunks.splice(index, 1, chunkOf(this.encoding, this.chunkSize, samples, 0, half), right);
      if (timestamp >= right.firstTimestamp) index++;
      chunk = this.chunks[index]!;
    }
    const samples = chunk.decode();
    const at = lowerBound(samples.timestamps, timestamp);
    let result: UpsertResult;
    let rebuilt: Samples;
    if (at < samples.timestamps.length && samples.timestamps[at] === timestamp) {
      const old = samples.values[at]!;
      const merged = resolveDuplicate(policy, old, value);
      if (merged === null) return 'blocked';
      samples.values[at] = merged;
      value = merged;
      rebuilt = samples;
      result = 'updated';
    } else {
      rebuilt = insertAt(samples, at, timestamp, value);
      this.totalSamples++;
      result = 'added';
    }
    this.chunks[index] = chunkOf(this.encoding, this.chunkSize, rebuilt, 0, rebuilt.timestamps.length);
    if (timestamp === this.lastTimestamp) this.lastValue = value;
    this.remeasure();
    return result;
  }

  /** Removes the samples in [from, to]; returns how many went. */
  deleteRange(from: number, to: number): number {
    let deleted = 0;
    const kept: Chunk[] = [];
    for (const chunk of this.chunks) {
      if (chunk.lastTimestamp < from || chunk.firstTimestamp > to) {
        kept.push(chunk);
        continue;
      }
      const samples = chunk.decode();
      const start = lowerBound(samples.timestamps, from);
      const end = upperBound(samples.timestamps, to);
      deleted += end - start;
      const rest = removeRange(samples, start, end);
      if (rest.timestamps.length > 0) kept.push(chunkOf(this.encoding, this.chunkSize, rest, 0, rest.timestamps.length));
    }
    if (deleted === 0) return 0;
    this.chunks = kept;
    this.totalSamples -= deleted;
    const last = kept[kept.length - 1];
    if (last === undefined) {
      this.lastTimestamp = 0;
      this.lastValue = 0;
    } else {
      const samples = last.decode();
      this.lastTimestamp = samples.timestamps[samples.timestamps.length - 1]!;
      this.lastValue = samples.values[samples.values.length - 1]!;
    }
    this.remeasure();
    return deleted;
  }

  /** The earliest timestamp a read may return: older samples are past the retention. */
  get retentionStart(): number {
    return this.retention > 0 && this.lastTimestamp > this.retention ? this.lastTimestamp - this.retention : 0;
  }

  /** The samples in [from, to], oldest first. */
  range(from: number, to: number): Samples {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const chunk of this.chunks) {
      if (chunk.count === 0 || chunk.lastTimestamp < from) continue;
      if (chunk.firstTimestamp > to) break;
      const samples = chunk.decode();
      const start = lowerBound(samples.timestamps, from);
      const end = upperBound(samples.timestamps, to);
      for (let i = start; i < end; i++) {
        timestamps.push(samples.timestamps[i]!);
        values.push(samples.values[i]!);
      }
    }
    return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
  }

  /** The last sample before `timestamp`, or null. */
  sampleBefore(timestamp: number): [number, number] | null {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c]!;
      if (chunk.count === 0 || chunk.firstTimestamp >= timestamp) continue;
      const samples = chunk.decode();
      const at = lowerBound(samples.timestamps, timestamp) - 1;
      return [samples.timestamps[at]!, samples.values[at]!];
    }
    return null;
  }

  /** The first sample after `timestamp`, or null. */
  sampleAfter(timestamp: number): [number, number] | null {
    for (const chunk of this.chunks) {
      if (chunk.count === 0 || chunk.lastTimestamp <= timestamp) continue;
      const samples = chunk.decode();
      const at = upperBound(samples.timestamps, timestamp);
      return [samples.timestamps[at]!, samples.values[at]!];
    }
    return null;
  }

  /** Samples older than the retention that are still stored (TS.INFO leaves them out). */
  expiredSampleCount(): number {
    const start = this.retentionStart;
    if (start === 0) return 0;
    let count = 0;
    for (const chunk of this.chunks) {
      if (chunk.firstTimestamp >= start) break;
      const samples = chunk.decode();
      count += lowerBound(samples.timestamps, start);
    }
    return count;
  }

  /** The first timestamp within the retention (TS.INFO's firstTimestamp); 0 when empty. */
  firstLiveTimestamp(): number {
    const start = this.retentionStart;
    for (const chunk of this.chunks) {
      if (chunk.count === 0 || chunk.lastTimestamp < start) continue;
      const samples = chunk.decode();
      return samples.timestamps[lowerBound(samples.timestamps, start)]!;
    }
    return 0;
  }


  clone(): TimeSeries {
    const copy = new TimeSeries({
      retention: this.retention,
      chunkSize: this.chunkSize,
      encoding: this.encoding,
      duplicatePolicy: this.duplicatePolicy,
      labels: this.labels.map((l) => ({ name: Buffer.from(l.name), value: Buffer.from(l.value) })),
    });
    copy.chunks = this.chunks.map((chunk) => {
      const samples = chunk.decode();
      return chunkOf(this.encoding, this.chunkSize, samples, 0, samples.timestamps.length);
    });
    copy.totalSamples = this.totalSamples;
    copy.lastTimestamp = this.lastTimestamp;
    copy.lastValue = this.lastValue;
    // A copy is a series of its own: RedisTimeSeries's COPY drops the compaction links too.
    copy.bytes = copy.recount();
    return copy;
  }

  recount(): number {
    let total = objectBytes(12) + ARRAY_SLOT_BYTES * (this.chunks.length + 2 * this.labels.length + this.rules.length);
    for (const chunk of this.chunks) total += chunk.bytes;
    for (const label of this.labels) total += stringBytes(label.name.length) + stringBytes(label.value.length);
    for (const rule of this.rules) total += objectBytes(6) + stringBytes(rule.destination.length);
    if (this.source !== null) total += stringBytes(this.source.length);
    return total;
  }

  /** Brings `bytes` up to date after a structural change, telling the owner the difference. */
  remeasure(): void {
    const now = this.recount();
    if (now !== this.bytes) this.adjust(now - this.bytes);
  }

  private trim(): void {
    if (this.retention === 0) return;
    const start = this.lastTimestamp > this.retention ? this.lastTimestamp - this.retention : 0;
    let drop = 0;
    while (drop < this.chunks.length && this.chunks[drop]!.lastTimestamp < start) {
      this.totalSamples -= this.chunks[drop]!.count;
      drop++;
    }
    if (drop === 0) return;
    let freed = 0;
    for (const chunk of this.chunks.splice(0, drop)) freed += chunk.bytes + ARRAY_SLOT_BYTES;
    this.adjust(-freed);
  }

  private chunkIndexFor(timestamp: number): number {
    let index = this.chunks.length - 1;
    while (index > 0 && this.chunks[index]!.firstTimestamp > timestamp) index--;
    return index;
  }
}

/** The aggregate of each bucket of `samples`, oldest first (TS.RANGE's AGGREGATION). */
export interface BucketQuery {
  type: AggregationType;
  duration: number;
  alignment: number;
  /** Which timestamp a bucket reports: its start, end or middle. */
  report: 'start' | 'end' | 'mid';
  empty: boolean;
}

export function aggregate(series: TimeSeries, samples: Samples, query: BucketQuery): Samples {
  const { timestamps, values } = samples;
  const outTimestamps: number[] = [];
  const outValues: number[] = [];
  const n = timestamps.length;
  if (n === 0) return { timestamps: new Float64Array(0), values: new Float64Array(0) };
  const aggregator = newAggregator(query.type);
  const twa = aggregator instanceof TimeWeightedAverage ? aggregator : null;
  const shift = query.report === 'start' ? 0 : query.report === 'end' ? query.duration : Math.floor(query.duration / 2);
  const emit = (start: number, value: number): void => {
    outTimestamps.push(Math.max(0, start) + shift);
    outValues.push(value);
  };
  let i = 0;
  let previousBucket = Number.NaN;
  while (i < n) {
    const start = bucketStart(timestamps[i]!, query.duration, query.alignment);
    if (query.empty && !Number.isNaN(previousBucket)) {
      for (let empty = previousBucket + query.duration; empty < start; empty += query.duration) emit(empty, aggregator.empty());
    }
    const end = start + query.duration;
    if (twa !== null) {
      twa.reset();
      twa.setBucket(Math.max(0, start), end);
      const before = i > 0 ? [timestamps[i - 1]!, values[i - 1]!] : series.sampleBefore(timestamps[i]!);
      if (before !== null && before[0] >= series.retentionStart) twa.addPrevious(before[1], before[0]);
    } else {
      aggregator.reset();
    }
    while (i < n && timestamps[i]! < end) {
      aggregator.add(values[i]!, timestamps[i]!);
      i++;
    }
    if (twa !== null) {
      const after = i < n ? [timestamps[i]!, values[i]!] : series.sampleAfter(timestamps[i - 1]!);
      if (after !== null) twa.addNext(after[1], after[0]);
    }
    const value = aggregator.finalize();
    if (value !== null) emit(start, value);
    previousBucket = start;
  }
  return { timestamps: Float64Array.from(outTimestamps), values: Float64Array.from(outValues) };
}

function resolveDuplicate(policy: DuplicatePolicy, old: number, value: number): number | null {
  switch (policy) {
    case 'block':
      return null;
    case 'first':
      return old;
    case 'last':
      return value;
    case 'min':
      return Math.min(old, value);
    case 'max':
      return Math.max(old, value);
    case 'sum':
      return old + value;
  }
}

export function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAt(samples: Samples, at: number, timestamp: number, value: number): Samples {
  const n = samples.timestamps.length;
  const timestamps = new Float64Array(n + 1);
  const values = new Float64Array(n + 1);
  timestamps.set(samples.timestamps.subarray(0, at));
  values.set(samples.values.subarray(0, at));
  timestamps[at] = timestamp;
  values[at] = value;
  timestamps.set(samples.timestamps.subarray(at), at + 1);
  values.set(samples.values.subarray(at), at + 1);
  return { timestamps, values };
}

function removeRange(samples: Samples, start: number, end: number): Samples {
  const n = samples.timestamps.length;
  const timestamps = new Float64Array(n - (end - start));
  const values = new Float64Array(n - (end - start));
  timestamps.set(samples.timestamps.subarray(0, start));
  values.set(samples.values.subarray(0, start));
  timestamps.set(samples.timestamps.subarray(end), start);
  values.set(samples.values.subarray(end), start);
  return { timestamps, values };
}
