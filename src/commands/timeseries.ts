// The time-series commands of RedisTimeSeries 1.10 (TS.*), with its replies, errors, keyspace
// events (class d, "module") and propagation, so that its clients (node-redis's
// @redis/time-series, Grafana's data source) work unchanged. Storage is in
// src/analytics/timeseries; this module parses, replies and keeps compactions flowing.
//
// Option words are found anywhere after the key, as the module's RMUtil_ArgIndex finds them.

import { Buffer } from 'node:buffer';
import type { CommandContext, CommandSpec } from './spec.ts';
import { CommandError, wrongArity } from '../errors.ts';
import { Notify } from '../server/effects.ts';
import { Encoding, ValueType } from '../store/types.ts';
import { NOT_A_NUMBER, parseDouble, parseInt64 } from '../util/numbers.ts';
import { TS } from '../analytics/timeseries/errors.ts';
import { formatSampleValue } from '../analytics/timeseries/format.ts';
import { newAggregator, parseAggregationType, TimeWeightedAverage, type AggregationType } from '../analytics/timeseries/aggregation.ts';
import {
  aggregate,
  bucketStart,
  CompactionRule,
  lowerBound,
  parseDuplicatePolicy,
  TimeSeries,
  type BucketQuery,
  type DuplicatePolicy,
  type Label,
} from '../analytics/timeseries/series.ts';
import type { ChunkEncoding, Samples } from '../analytics/timeseries/chunk.ts';
import { seriesIndex, type Predicate } from '../analytics/timeseries/index.ts';

/** RedisTimeSeries's defaults when the module is loaded without arguments. */
const DEFAULT_CHUNK_SIZE = 4096;
const DEFAULT_DUPLICATE_POLICY: DuplicatePolicy = 'block';
const MAX_TIMESTAMP = 2 ** 63 - 1;
const MAX_SELECTED_LABELS = 50;
const MAX_FILTER_BY_TS = 128;
/** Words that end a SELECTED_LABELS list. */
const QUERY_WORDS = ['withlabels', 'aggregation', 'limit', 'groupby', 'reduce', 'filter', 'filter_by_value', 'filter_by_ts', 'count'];

// ---- argument helpers ---------------------------------------------------------------------

/** The first position at or after `from` of the option `word` (case-insensitive), or -1. */
function argIndex(argv: readonly Buffer[], word: string, from = 2): number {
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.length === word.length && arg.toString('latin1').toUpperCase() === word) return i;
  }
  return -1;
}

function longAfter(argv: readonly Buffer[], at: number): number | null {
  const text = argv[at + 1];
  if (text === undefined) return null;
  const n = parseInt64(text);
  return n === NOT_A_NUMBER ? null : Number(n);
}

function timestampArg(arg: Buffer): number | null {
  const n = parseInt64(arg);
  return n === NOT_A_NUMBER || n < 0 ? null : Number(n);
}

function keyText(key: Buffer): string {
  return key.toString('latin1');
}

// ---- series lookup ------------------------------------------------------------------------

function lookup(ctx: CommandContext, key: Buffer, forWrite: boolean): [number, TimeSeries] | null {
  const id = forWrite ? ctx.db.find(key) : ctx.db.findForRead(key);
  if (id < 0) return null;
  if (ctx.db.typeOf(id) !== ValueType.TimeSeries) throw new CommandError(TS.wrongType);
  return [id, (forWrite ? ctx.db.objectForWrite(id) : ctx.db.objectOf(id)) as TimeSeries];
}

/** The series under `key`, or the module's "does not exist" / WRONGTYPE errors. */
function existing(ctx: CommandContext, key: Buffer, forWrite = false): TimeSeries {
  const found = lookup(ctx, key, forWrite);
  if (found === null) throw new CommandError(TS.noKey);
  return found[1];
}

/** A series that is only read on the way (a compaction's destination, LATEST's source). */
function peek(ctx: CommandContext, key: Buffer): TimeSeries | null {
  const id = ctx.db.find(key);
  if (id < 0 || ctx.db.typeOf(id) !== ValueType.TimeSeries) return null;
  return ctx.db.objectOf(id) as TimeSeries;
}

function peekForWrite(ctx: CommandContext, key: Buffer): TimeSeries | null {
  const id = ctx.db.find(key);
  if (id < 0 || ctx.db.typeOf(id) !== ValueType.TimeSeries) return null;
  return ctx.db.objectForWrite(id) as TimeSeries;
}

/** The series about to be written under `key`, or null when there is none; another type is `wrongType`. */
function seriesToWrite(ctx: CommandContext, key: Buffer, wrongType: string): TimeSeries | null {
  const id = ctx.db.find(key);
  if (id < 0) return null;
  if (ctx.db.typeOf(id) !== ValueType.TimeSeries) throw new CommandError(wrongType);
  return ctx.db.objectForWrite(id) as TimeSeries;
}

/** Drops links to series that are gone (the module's deleteReferenceToDeletedSeries). */
function pruneReferences(ctx: CommandContext, series: TimeSeries): void {
  if (series.source !== null && peek(ctx, series.source) === null) series.source = null;
  if (series.rules.length > 0) series.rules = series.rules.filter((rule) => peek(ctx, rule.destination) !== null);
}

// ---- TS.CREATE and its options, shared by TS.ADD, TS.INCRBY and TS.ALTER -----------------

interface CreateOptions {
  retention: number;
  chunkSize: number;
  encoding: ChunkEncoding;
  duplicatePolicy: DuplicatePolicy | null;
  labels: Label[];
}

function parseLabels(argv: readonly Buffer[]): Label[] {
  const at = argIndex(argv, 'LABELS');
  if (at < 0) return [];
  const labels: Label[] = [];
  for (let i = at + 1; i + 1 < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1]!;
    if (name.length === 0 || value.length === 0 || /[(),]/.test(keyText(value))) throw new CommandError(TS.labels);
    labels.push({ name: Buffer.from(name), value: Buffer.from(value) });
  }
  return labels;
}

function parseCreateOptions(argv: readonly Buffer[]): CreateOptions {
  const labels = parseLabels(argv);
  let retention = 0;
  const retentionAt = argIndex(argv, 'RETENTION');
  if (retentionAt > 0) {
    const parsed = longAfter(argv, retentionAt);
    if (parsed === null) throw new CommandError(TS.retention);
    if (parsed < 0) throw new CommandError(TS.retentionNoCode);
    retention = parsed;
  }
  let chunkSize = DEFAULT_CHUNK_SIZE;
  const chunkAt = argIndex(argv, 'CHUNK_SIZE');
  if (chunkAt > 0) {
    const parsed = longAfter(argv, chunkAt);
    if (parsed === null) throw new CommandError(TS.chunkSize);
    if (parsed < 48 || parsed > 1048576 || parsed % 8 !== 0) throw new CommandError(TS.chunkSizeRange);
    chunkSize = parsed;
  }
  let encoding: ChunkEncoding = 'compressed';
  const encodingAt = argIndex(argv, 'ENCODING');
  if (encodingAt > 0) {
    const value = argv[encodingAt + 1];
    if (value === undefined) throw new CommandError(wrongArity(keyText(argv[0]!)));
    const word = keyText(value).toUpperCase();
    if (word === 'UNCOMPRESSED') encoding = 'uncompressed';
    else if (word !== 'COMPRESSED') throw new CommandError(TS.encoding);
  } else if (argIndex(argv, 'UNCOMPRESSED') > 0) {
    encoding = 'uncompressed';
  }
  return { retention, chunkSize, encoding, duplicatePolicy: parsePolicyOption(argv, 'DUPLICATE_POLICY'), labels };
}

function parsePolicyOption(argv: readonly Buffer[], word: string): DuplicatePolicy | null {
  const at = argIndex(argv, word);
  if (at < 0) return null;
  const value = argv[at + 1];
  if (value === undefined) throw new CommandError(TS.duplicatePolicy);
  const policy = parseDuplicatePolicy(keyText(value));
  if (policy === null) throw new CommandError(TS.unknownDuplicatePolicy);
  return policy;
}

function createSeries(ctx: CommandContext, key: Buffer, options: CreateOptions): TimeSeries {
  const series = new TimeSeries(options);
  seriesIndex(ctx.keyspace);
  ctx.db.setObject(key, ValueType.TimeSeries, Encoding.Raw, series);
  return series;
}

function tsCreate(ctx: CommandContext): void {
  const { argv } = ctx;
  const key = argv[1]!;
  const options = parseCreateOptions(argv);
  if (ctx.db.find(key) >= 0) throw new CommandError(TS.keyExists);
  createSeries(ctx, key, options);
  ctx.w.ok();
  ctx.notify(Notify.Module, 'ts.create', key);
}

function tsAlter(ctx: CommandContext): void {
  const { argv } = ctx;
  const key = argv[1]!;
  const options = parseCreateOptions(argv);
  const series = existing(ctx, key, true);
  if (argIndex(argv, 'RETENTION') > 0) series.retention = options.retention;
  if (argIndex(argv, 'CHUNK_SIZE') > 0) series.chunkSize = options.chunkSize;
  if (argIndex(argv, 'DUPLICATE_POLICY') > 0) series.duplicatePolicy = options.duplicatePolicy;
  if (argIndex(argv, 'LABELS') > 0) series.setLabels(options.labels);
  ctx.forcePropagation();
  ctx.w.ok();
  ctx.notify(Notify.Module, 'ts.alter', key);
}

// ---- adding samples ----------------------------------------------------------------------

/** The module's internalAdd: a sample into a series, compactions included; throws on refusal. */
function addSample(ctx: CommandContext, series: TimeSeries, timestamp: number, value: number, override: DuplicatePolicy | null): void {
  const last = series.lastTimestamp;
  if (series.retention > 0 && timestamp < last && series.retention < last - timestamp) throw new CommandError(TS.olderThanRetention);
  if (timestamp <= last && series.totalSamples !== 0) {
    const policy = override ?? series.duplicatePolicy ?? DEFAULT_DUPLICATE_POLICY;
    if (series.upsert(timestamp, value, policy) === 'blocked') throw new CommandError(TS.upsertBlocked);
    recompactAfterUpsert(ctx, series, timestamp);
    return;
  }
  series.append(timestamp, value);
  if (series.rules.length === 0) return;
  pruneReferences(ctx, series);
  for (const rule of series.rules) compact(ctx, rule, timestamp, value);
}

/** A new sample reaches a compaction rule: a finished bucket goes to the destination. */
function compact(ctx: CommandContext, rule: CompactionRule, timestamp: number, value: number): void {
  const start = bucketStart(timestamp, rule.bucketDuration, rule.alignment);
  const normalized = Math.max(0, start);
  const aggregator = rule.aggregator;
  const twa = aggregator instanceof TimeWeightedAverage ? aggregator : null;
  if (rule.bucketStart === -1) {
    rule.bucketStart = normalized;
    twa?.setBucket(normalized, start + rule.bucketDuration);
  }
  if (normalized > rule.bucketStart) {
    const destination = peekForWrite(ctx, rule.destination);
    if (destination === null) return;
    twa?.addNext(value, timestamp);
    const result = aggregator.finalize();
    if (result !== null) {
      addSample(ctx, destination, rule.bucketStart, result, 'last');
      ctx.notify(Notify.Module, 'ts.add:dest', rule.destination);
    }
    const previous = twa?.lastSample();
    aggregator.reset();
    if (twa !== null && previous !== undefined) {
      twa.setBucket(normalized, start + rule.bucketDuration);
      twa.addPrevious(previous[1], previous[0]);
    }
    rule.bucketStart = normalized;
  }
  aggregator.add(value, timestamp);
}

/** After a sample changed in place, the compactions of its bucket are computed again. */
function recompactAfterUpsert(ctx: CommandContext, series: TimeSeries, timestamp: number): void {
  if (series.rules.length === 0) return;
  pruneReferences(ctx, series);
  for (const rule of series.rules) {
    const current = Math.max(0, bucketStart(series.lastTimestamp, rule.bucketDuration, rule.alignment));
    const start = bucketStart(timestamp, rule.bucketDuration, rule.alignment);
    const normalized = Math.max(0, start);
    const samples = series.range(normalized, start + rule.bucketDuration - 1);
    if (timestamp >= current) {
      // The open bucket: its running state is rebuilt from the samples.
      rule.aggregator.reset();
      for (let i = 0; i < samples.timestamps.length; i++) rule.aggregator.add(samples.values[i]!, samples.timestamps[i]!);
      continue;
    }
    const destination = peekForWrite(ctx, rule.destination);
    if (destination === null) continue;
    const aggregator = newAggregator(rule.type);
    for (let i = 0; i < samples.timestamps.length; i++) aggregator.add(samples.values[i]!, samples.timestamps[i]!);
    const value = aggregator.finalize() ?? 0;
    if (destination.totalSamples === 0) destination.append(normalized, value);
    else destination.upsert(normalized, value, 'last');
  }
}

function parseValue(arg: Buffer): number {
  const value = parseDouble(arg);
  if (value === NOT_A_NUMBER) throw new CommandError(TS.invalidValue);
  return value;
}

/** TS.ADD's and TS.MADD's timestamp: `*` is the server's clock. */
function sampleTimestamp(ctx: CommandContext, arg: Buffer): number {
  if (arg.length === 1 && arg[0] === 0x2a) return ctx.keyspace.now;
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(TS.invalidTimestamp);
  if (n < 0) throw new CommandError(TS.negativeTimestamp);
  return Number(n);
}

function tsAdd(ctx: CommandContext): void {
  const { argv } = ctx;
  const key = argv[1]!;
  try {
    const value = parseValue(argv[3]!);
    const timestamp = sampleTimestamp(ctx, argv[2]!);
    const found = seriesToWrite(ctx, key, TS.notTsdbKey);
    let series: TimeSeries;
    let override: DuplicatePolicy | null = null;
    if (found === null) series = createSeries(ctx, key, parseCreateOptions(argv));
    else {
      series = found;
      override = parsePolicyOption(argv, 'ON_DUPLICATE');
    }
    addSample(ctx, series, timestamp, value, override);
    if (ctx.propagating && argv[2]!.length === 1 && argv[2]![0] === 0x2a) {
      const rewritten = argv.slice();
      rewritten[2] = Buffer.from(String(timestamp));
      ctx.propagateAs(rewritten);
    }
    ctx.forcePropagation();
    ctx.w.int(timestamp);
  } finally {
    // As the module: the event is raised whether or not the sample went in.
    ctx.notify(Notify.Module, 'ts.add', key);
  }
}

function tsMadd(ctx: CommandContext): void {
  const { argv } = ctx;
  if ((argv.length - 1) % 3 !== 0) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const accepted: Buffer[] = [argv[0]!];
  ctx.w.array((argv.length - 1) / 3);
  let now: Buffer | null = null;
  for (let i = 1; i < argv.length; i += 3) {
    const key = argv[i]!;
    try {
      const value = parseValue(argv[i + 2]!);
      let timestampArg = argv[i + 1]!;
      if (timestampArg.length === 1 && timestampArg[0] === 0x2a) timestampArg = now ??= Buffer.from(String(ctx.keyspace.now));
      const timestamp = sampleTimestamp(ctx, timestampArg);
      // A missing key gets the other-type error too: TS.MADD never creates a series.
      const series = seriesToWrite(ctx, key, TS.notTsdbKey);
      if (series === null) throw new CommandError(TS.notTsdbKey);
      addSample(ctx, series, timestamp, value, null);
      accepted.push(key, timestampArg, argv[i + 2]!);
      ctx.w.int(timestamp);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      ctx.w.error(error.message);
    }
  }
  // Only the samples that went in replicate, so replicas never meet the errors.
  if (accepted.length > 1) {
    ctx.propagateAs(accepted);
    ctx.forcePropagation();
  } else {
    ctx.preventPropagation();
  }
  for (let i = 1; i < argv.length; i += 3) ctx.notify(Notify.Module, 'ts.add', argv[i]!);
}

function tsIncrBy(ctx: CommandContext, sign: 1 | -1, event: string): void {
  const { argv } = ctx;
  const key = argv[1]!;
  const found = seriesToWrite(ctx, key, TS.wrongType);
  const series = found ?? createSeries(ctx, key, parseCreateOptions(argv));
  const increment = parseDouble(argv[2]!);
  if (increment === NOT_A_NUMBER) throw new CommandError(TS.invalidIncrement);
  const at = argIndex(argv, 'TIMESTAMP');
  let timestamp: number;
  const given = at < 0 ? undefined : argv[at + 1];
  if (given === undefined || (given.length === 1 && given[0] === 0x2a)) timestamp = ctx.keyspace.now;
  else {
    const n = parseInt64(given);
    if (n === NOT_A_NUMBER) throw new CommandError(TS.invalidTimestamp);
    timestamp = Number(n);
  }
  if (timestamp < series.lastTimestamp && series.lastTimestamp !== 0) throw new CommandError(TS.incrementNotLater);
  addSample(ctx, series, timestamp, series.lastValue + sign * increment, 'last');
  // The clock's reading replicates, so that a replica stores the same sample.
  if (ctx.propagating && (given === undefined || given[0] === 0x2a)) {
    const rewritten = argv.slice();
    const stamp = Buffer.from(String(timestamp));
    if (given === undefined) rewritten.push(Buffer.from('TIMESTAMP'), stamp);
    else rewritten[at + 1] = stamp;
    ctx.propagateAs(rewritten);
  }
  ctx.forcePropagation();
  ctx.w.int(timestamp);
  ctx.notify(Notify.Generic, event, key);
}

function tsDel(ctx: CommandContext): void {
  const { argv } = ctx;
  const range = parseRange(argv, 2);
  const series = existing(ctx, argv[1]!, true);
  if (series.rules.length > 0 && series.retention > 0) {
    const start = series.retentionStart;
    if (range.from < start) throw new CommandError(TS.deleteBeyondRetention);
  }
  const deleted = series.deleteRange(range.from, range.to);
  recomputeCompactionsAfterDelete(ctx, series, range.from, range.to);
  ctx.forcePropagation();
  ctx.w.int(deleted);
  ctx.notify(Notify.Module, 'ts.del', argv[1]!);
}

/** Deleted samples leave their compaction buckets: those are computed again or removed. */
function recomputeCompactionsAfterDelete(ctx: CommandContext, series: TimeSeries, from: number, to: number): void {
  if (series.rules.length === 0) return;
  pruneReferences(ctx, series);
  for (const rule of series.rules) {
    const destination = peekForWrite(ctx, rule.destination);
    if (destination === null) continue;
    const first = Math.max(0, bucketStart(from, rule.bucketDuration, rule.alignment));
    const open = rule.bucketStart;
    const last = Math.min(bucketStart(Math.min(to, series.lastTimestamp), rule.bucketDuration, rule.alignment), open - 1);
    if (last < first) continue;
    destination.deleteRange(first, last + rule.bucketDuration - 1);
    for (let bucket = first; bucket <= last; bucket += rule.bucketDuration) {
      const samples = series.range(bucket, bucket + rule.bucketDuration - 1);
      if (samples.timestamps.length === 0) continue;
      const aggregator = newAggregator(rule.type);
      for (let i = 0; i < samples.timestamps.length; i++) aggregator.add(samples.values[i]!, samples.timestamps[i]!);
      const value = aggregator.finalize();
      if (value !== null) destination.upsert(bucket, value, 'last');
    }
  }
}

// ---- compaction rules ---------------------------------------------------------------------

function tsCreateRule(ctx: CommandContext): void {
  const { argv } = ctx;
  if (argv.length !== 6 && argv.length !== 7) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const at = argIndex(argv, 'AGGREGATION', 3);
  if (at < 0) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const [type, duration] = parseAggregationWords(argv, at);
  let alignment = 0;
  if (argv.length === 7) {
    const parsed = timestampArg(argv[at + 3]!);
    if (parsed === null) throw new CommandError(TS.alignTimestamp);
    alignment = parsed;
  }
  const sourceKey = argv[1]!;
  const destinationKey = argv[2]!;
  if (sourceKey.equals(destinationKey)) throw new CommandError(TS.sameKeys);
  const source = existing(ctx, sourceKey, true);
  pruneReferences(ctx, source);
  if (source.source !== null) throw new CommandError(TS.sourceHasSource);
  const destination = existing(ctx, destinationKey, true);
  pruneReferences(ctx, destination);
  if (destination.rules.length > 0) throw new CommandError(TS.destinationHasRules);
  if (destination.source !== null) throw new CommandError(TS.destinationHasSource);
  destination.source = Buffer.from(sourceKey);
  source.rules.push(new CompactionRule(Buffer.from(destinationKey), type, duration, alignment));
  source.remeasure();
  destination.remeasure();
  ctx.forcePropagation();
  ctx.w.ok();
  ctx.notify(Notify.Module, 'ts.createrule:src', sourceKey);
  ctx.notify(Notify.Module, 'ts.createrule:dest', destinationKey);
}

function tsDeleteRule(ctx: CommandContext): void {
  const { argv } = ctx;
  const sourceKey = argv[1]!;
  const destinationKey = argv[2]!;
  const source = existing(ctx, sourceKey, true);
  const index = source.rules.findIndex((rule) => rule.destination.equals(destinationKey));
  if (index < 0) throw new CommandError(TS.noRule);
  source.rules.splice(index, 1);
  source.remeasure();
  const destination = peekForWrite(ctx, destinationKey);
  if (destination !== null) {
    destination.source = null;
    destination.remeasure();
  }
  ctx.forcePropagation();
  ctx.w.ok();
  ctx.notify(Notify.Module, 'ts.deleterule:src', sourceKey);
  ctx.notify(Notify.Module, 'ts.deleterule:dest', destinationKey);
}

// ---- range queries ------------------------------------------------------------------------

interface RangeQuery {
  from: number;
  to: number;
  latest: boolean;
  count: number;
  filterByTimestamps: number[] | null;
  filterByValue: [number, number] | null;
  buckets: BucketQuery | null;
}

function parseAggregationWords(argv: readonly Buffer[], at: number): [AggregationType, number] {
  const typeArg = argv[at + 1];
  const durationArg = argv[at + 2];
  if (typeArg === undefined || durationArg === undefined) throw new CommandError(TS.aggregation);
  const duration = parseInt64(durationArg);
  if (duration === NOT_A_NUMBER) throw new CommandError(TS.aggregation);
  const type = parseAggregationType(keyText(typeArg));
  if (type === null) throw new CommandError(TS.aggregationType);
  if (duration <= 0) throw new CommandError(TS.bucketDuration);
  return [type, Number(duration)];
}

function parseRange(argv: readonly Buffer[], at: number): RangeQuery {
  const fromArg = argv[at]!;
  const toArg = argv[at + 1]!;
  const openStart = fromArg.length === 1 && fromArg[0] === 0x2d;
  const openEnd = toArg.length === 1 && toArg[0] === 0x2b;
  const from = openStart ? 0 : timestampArg(fromArg);
  if (from === null) throw new CommandError(TS.fromTimestamp);
  const to = openEnd ? MAX_TIMESTAMP : timestampArg(toArg);
  if (to === null) throw new CommandError(TS.toTimestamp);
  const options = at + 2;
  const query: RangeQuery = {
    from,
    to,
    latest: argIndex(argv, 'LATEST', options) > 0,
    count: parseCount(argv, options),
    filterByTimestamps: null,
    filterByValue: null,
    buckets: null,
  };
  const aggregationAt = argIndex(argv, 'AGGREGATION', options);
  if (aggregationAt > 0) query.buckets = parseBuckets(argv, aggregationAt);
  const alignAt = argIndex(argv, 'ALIGN', options);
  if (alignAt > 0) {
    const value = argv[alignAt + 1];
    if (value === undefined) throw new CommandError(wrongArity(keyText(argv[0]!)));
    const word = keyText(value).toLowerCase();
    let alignment: number;
    let kind: 'start' | 'end' | 'at';
    if (word === 'start' || word === '-') [kind, alignment] = ['start', from];
    else if (word === 'end' || word === '+') [kind, alignment] = ['end', to];
    else {
      const parsed = timestampArg(value);
      if (parsed === null) throw new CommandError(TS.align);
      [kind, alignment] = ['at', parsed];
    }
    if (query.buckets === null) throw new CommandError(TS.alignWithoutAggregation);
    if (kind === 'start' && openStart) throw new CommandError(TS.alignStart);
    if (kind === 'end' && openEnd) throw new CommandError(TS.alignEnd);
    query.buckets.alignment = alignment;
  }
  const valueAt = argIndex(argv, 'FILTER_BY_VALUE', options);
  if (valueAt > 0) {
    if (valueAt + 2 >= argv.length) throw new CommandError(TS.filterByValueMissing);
    const min = parseDouble(argv[valueAt + 1]!);
    if (min === NOT_A_NUMBER) throw new CommandError(TS.filterMin);
    const max = parseDouble(argv[valueAt + 2]!);
    if (max === NOT_A_NUMBER) throw new CommandError(TS.filterMax);
    query.filterByValue = [min, max];
  }
  const timestampsAt = argIndex(argv, 'FILTER_BY_TS', options);
  if (timestampsAt > 0) {
    const wanted: number[] = [];
    for (let i = timestampsAt + 1; i < argv.length && wanted.length < MAX_FILTER_BY_TS; i++) {
      const parsed = timestampArg(argv[i]!);
      if (parsed === null) break;
      wanted.push(parsed);
    }
    if (wanted.length === 0) throw new CommandError(TS.filterByTsMissing);
    query.filterByTimestamps = [...new Set(wanted)].sort((a, b) => a - b);
  }
  return query;
}

/** COUNT, skipping a COUNT that is AGGREGATION's or REDUCE's argument (the `count` aggregation). */
function parseCount(argv: readonly Buffer[], from: number): number {
  let at = argIndex(argv, 'COUNT', from);
  if (at < 0) return -1;
  const aggregationAt = argIndex(argv, 'AGGREGATION', from);
  if (aggregationAt > 0 && at === aggregationAt + 1) at = argIndex(argv, 'COUNT', aggregationAt + 2);
  const reduceAt = argIndex(argv, 'REDUCE', from);
  if (at > 0 && reduceAt > 0 && at === reduceAt + 1) at = argIndex(argv, 'COUNT', reduceAt + 2);
  if (at < 0) return -1;
  if (at + 1 === argv.length) throw new CommandError(TS.countMissing);
  const n = parseInt64(argv[at + 1]!);
  if (n === NOT_A_NUMBER) throw new CommandError(TS.count);
  if (n < 1) throw new CommandError(TS.countValue);
  return Number(n);
}

function parseBuckets(argv: readonly Buffer[], at: number): BucketQuery {
  const [type, duration] = parseAggregationWords(argv, at);
  const buckets: BucketQuery = { type, duration, alignment: 0, report: 'start', empty: false };
  const emptyAt = argIndex(argv, 'EMPTY', at);
  if (emptyAt > 0) {
    if (emptyAt !== at + 3 && emptyAt !== at + 5) throw new CommandError(TS.emptyPosition);
    buckets.empty = true;
  }
  const reportAt = argIndex(argv, 'BUCKETTIMESTAMP', at);
  if (reportAt > 0) {
    if (reportAt !== at + 3 && reportAt !== at + 4) throw new CommandError(TS.bucketTimestampPosition);
    const value = argv[reportAt + 1];
    if (value === undefined) throw new CommandError(wrongArity(keyText(argv[0]!)));
    const word = keyText(value).toLowerCase();
    if (word === 'start' || word === '-') buckets.report = 'start';
    else if (word === 'end' || word === '+') buckets.report = 'end';
    else if (word === 'mid' || word === '~') buckets.report = 'mid';
    else throw new CommandError(TS.bucketTimestamp);
  }
  return buckets;
}

/** The samples a range query answers with, in reply order. */
function runRange(ctx: CommandContext, series: TimeSeries, query: RangeQuery, reverse: boolean, applyCount = true): Samples {
  const from = Math.max(query.from, series.retentionStart);
  let samples = series.range(from, query.to);
  if (query.latest) {
    const partial = latestSample(ctx, series);
    if (partial !== null && partial[0] > series.lastTimestamp && partial[0] >= from && partial[0] <= query.to) {
      samples = appendSample(samples, partial[0], partial[1]);
    }
  }
  if (query.filterByTimestamps !== null) samples = keepTimestamps(samples, query.filterByTimestamps);
  if (query.filterByValue !== null) samples = keepValues(samples, query.filterByValue[0], query.filterByValue[1]);
  if (query.buckets !== null) samples = aggregate(series, samples, query.buckets);
  if (reverse) samples = { timestamps: samples.timestamps.slice().reverse(), values: samples.values.slice().reverse() };
  if (applyCount && query.count >= 0 && samples.timestamps.length > query.count) {
    samples = { timestamps: samples.timestamps.subarray(0, query.count), values: samples.values.subarray(0, query.count) };
  }
  return samples;
}

/** A compaction's open bucket as it stands (LATEST), or null for a series that is none. */
function latestSample(ctx: CommandContext, series: TimeSeries): [number, number] | null {
  if (series.source === null) return null;
  const source = peek(ctx, series.source);
  if (source === null || source.totalSamples === 0) return null;
  const rule = source.rules.find((r) => peek(ctx, r.destination) === series);
  if (rule === undefined || rule.bucketStart === -1) return null;
  const value = rule.aggregator.clone().finalize();
  return value === null ? null : [rule.bucketStart, value];
}

function appendSample(samples: Samples, timestamp: number, value: number): Samples {
  const n = samples.timestamps.length;
  const timestamps = new Float64Array(n + 1);
  const values = new Float64Array(n + 1);
  timestamps.set(samples.timestamps);
  values.set(samples.values);
  timestamps[n] = timestamp;
  values[n] = value;
  return { timestamps, values };
}

function keepTimestamps(samples: Samples, wanted: readonly number[]): Samples {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (const timestamp of wanted) {
    const at = lowerBound(samples.timestamps, timestamp);
    if (samples.timestamps[at] === timestamp) {
      timestamps.push(timestamp);
      values.push(samples.values[at]!);
    }
  }
  return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}

function keepValues(samples: Samples, min: number, max: number): Samples {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < samples.timestamps.length; i++) {
    const value = samples.values[i]!;
    if (value >= min && value <= max) {
      timestamps.push(samples.timestamps[i]!);
      values.push(value);
    }
  }
  return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}

// ---- replies ------------------------------------------------------------------------------

/** A value as the module writes it: a status line in RESP2, a double in RESP3. */
function writeValue(ctx: CommandContext, value: number): void {
  if (ctx.client.resp === 3) ctx.w.double(value);
  else ctx.w.simple(formatSampleValue(value));
}

function writeSample(ctx: CommandContext, timestamp: number, value: number): void {
  ctx.w.array(2);
  ctx.w.int(timestamp);
  writeValue(ctx, value);
}

function writeSamples(ctx: CommandContext, samples: Samples): void {
  ctx.w.array(samples.timestamps.length);
  for (let i = 0; i < samples.timestamps.length; i++) writeSample(ctx, samples.timestamps[i]!, samples.values[i]!);
}

/** The last sample, or an empty array for an empty series (TS.GET, TS.MGET). */
function writeLast(ctx: CommandContext, series: TimeSeries, latest: boolean): void {
  const partial = latest ? latestSample(ctx, series) : null;
  if (partial !== null) writeSample(ctx, partial[0], partial[1]);
  else if (series.totalSamples === 0) ctx.w.array(0);
  else writeSample(ctx, series.lastTimestamp, series.lastValue);
}

/** A map in RESP3, an array of [name, value] pairs in RESP2. */
function writeLabels(ctx: CommandContext, labels: readonly { name: Buffer; value: Buffer | null }[]): void {
  const resp3 = ctx.client.resp === 3;
  if (resp3) ctx.w.map(labels.length);
  else ctx.w.array(labels.length);
  for (const { name, value } of labels) {
    if (!resp3) ctx.w.array(2);
    ctx.w.bulk(name);
    if (value === null) ctx.w.null();
    else ctx.w.bulk(value);
  }
}

interface LabelChoice {
  all: boolean;
  selected: string[];
}

function labelsToShow(series: TimeSeries | null, labels: readonly Label[], choice: LabelChoice): { name: Buffer; value: Buffer | null }[] {
  if (choice.all) return labels.map((l) => ({ name: l.name, value: l.value }));
  return choice.selected.map((name) => {
    const wanted = name.toLowerCase();
    const found = (series?.labels ?? labels).find((l) => keyText(l.name).toLowerCase() === wanted);
    return found === undefined ? { name: Buffer.from(name, 'latin1'), value: null } : { name: found.name, value: found.value };
  });
}

// ---- reads --------------------------------------------------------------------------------

function tsGet(ctx: CommandContext): void {
  const { argv } = ctx;
  if (argv.length > 3) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const series = existing(ctx, argv[1]!);
  if (argv.length === 3 && keyText(argv[2]!).toUpperCase() !== 'LATEST') throw new CommandError(TS.latest);
  writeLast(ctx, series, argv.length === 3);
}

function tsRange(ctx: CommandContext, reverse: boolean): void {
  const { argv } = ctx;
  const series = existing(ctx, argv[1]!);
  const query = parseRange(argv, 2);
  writeSamples(ctx, runRange(ctx, series, query, reverse));
}

function tsInfo(ctx: CommandContext): void {
  const { argv } = ctx;
  if (argv.length > 3) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const series = existing(ctx, argv[1]!);
  pruneReferences(ctx, series);
  const debug = argIndex(argv, 'DEBUG') > 0;
  const w = ctx.w;
  const resp3 = ctx.client.resp === 3;
  w.map(debug ? 14 : 12);
  const expired = series.expiredSampleCount();
  const first = series.firstLiveTimestamp();
  w.simple('totalSamples');
  w.int(series.totalSamples - expired);
  w.simple('memoryUsage');
  w.int(series.bytes);
  w.simple('firstTimestamp');
  w.int(first);
  w.simple('lastTimestamp');
  w.int(series.lastTimestamp);
  w.simple('retentionTime');
  w.int(series.retention);
  w.simple('chunkCount');
  w.int(series.chunks.length);
  w.simple('chunkSize');
  w.int(series.chunkSize);
  w.simple('chunkType');
  w.simple(series.encoding);
  w.simple('duplicatePolicy');
  if (series.duplicatePolicy === null) w.null();
  else w.simple(series.duplicatePolicy);
  w.simple('labels');
  writeLabels(ctx, series.labels);
  w.simple('sourceKey');
  if (series.source === null) w.null();
  else w.bulk(series.source);
  w.simple('rules');
  if (resp3) w.map(series.rules.length);
  else w.array(series.rules.length);
  for (const rule of series.rules) {
    if (!resp3) w.array(4);
    w.bulk(rule.destination);
    if (resp3) w.array(3);
    w.int(rule.bucketDuration);
    w.simple(rule.type.toUpperCase());
    w.int(rule.alignment);
  }
  if (!debug) return;
  w.simple('keySelfName');
  w.bulk(argv[1]!);
  w.simple('Chunks');
  w.array(series.chunks.length);
  for (const chunk of series.chunks) {
    w.map(5);
    w.simple('startTimestamp');
    w.int(chunk.count === 0 ? -1 : chunk.firstTimestamp);
    w.simple('endTimestamp');
    w.int(chunk.count === 0 ? -1 : chunk.lastTimestamp);
    w.simple('samples');
    w.int(chunk.count);
    w.simple('size');
    w.int(chunk.dataBytes);
    w.simple('bytesPerSample');
    w.double(chunk.count === 0 ? 0 : Math.fround(chunk.dataBytes / chunk.count));
  }
}

// ---- multi-series queries -----------------------------------------------------------------

/** FILTER's expressions, from `at` (the first) to `end` (exclusive). */
function parseFilter(argv: readonly Buffer[], at: number, end: number): Predicate[] {
  const predicates: Predicate[] = [];
  for (let i = at; i < end; i++) predicates.push(parsePredicate(keyText(argv[i]!)));
  if (!predicates.some((p) => p.include && p.values !== null && p.values.length > 0)) throw new CommandError(TS.noMatcher);
  return predicates;
}

function parsePredicate(text: string): Predicate {
  const negated = text.indexOf('!=');
  const equals = text.indexOf('=');
  if (equals < 0) throw new CommandError(TS.filterLabels);
  const include = negated < 0 || negated + 1 !== equals;
  const name = text.slice(0, include ? equals : negated);
  const rest = text.slice(equals + 1);
  if (name.length === 0) throw new CommandError(TS.filterLabels);
  if (rest.startsWith('(')) {
    if (!rest.endsWith(')')) throw new CommandError(TS.filterLabels);
    const inner = rest.slice(1, -1);
    return { name, include, values: inner.length === 0 ? [] : inner.split(',') };
  }
  return { name, include, values: rest.length === 0 ? null : [rest] };
}

function parseLabelChoice(argv: readonly Buffer[], from: number): LabelChoice {
  const all = argIndex(argv, 'WITHLABELS', from) > 0;
  const selectedAt = argIndex(argv, 'SELECTED_LABELS', from);
  if (selectedAt < 0) return { all, selected: [] };
  if (all) throw new CommandError(TS.withLabelsAndSelected);
  const selected: string[] = [];
  for (let i = selectedAt + 1; i < argv.length; i++) {
    const name = keyText(argv[i]!);
    if (QUERY_WORDS.includes(name.toLowerCase())) break;
    if (selected.length >= MAX_SELECTED_LABELS) throw new CommandError(TS.selectedLabelsMax);
    selected.push(name);
  }
  if (selected.length === 0) throw new CommandError(TS.selectedLabelsEmpty);
  return { all, selected };
}

function tsMget(ctx: CommandContext): void {
  const { argv } = ctx;
  const latest = argIndex(argv, 'LATEST', 1) > 0;
  const filterAt = argIndex(argv, 'FILTER', 1);
  if (filterAt < 0) throw new CommandError(wrongArity(keyText(argv[0]!)));
  const choice = parseLabelChoice(argv, 1);
  const predicates = parseFilter(argv, filterAt + 1, argv.length);
  const found = seriesIndex(ctx.keyspace).query(ctx.db, predicates);
  writePerSeries(ctx, found, choice, 2, (series) => writeLast(ctx, series, latest));
}

function tsQueryIndex(ctx: CommandContext): void {
  const predicates = parseFilter(ctx.argv, 1, ctx.argv.length);
  const found = seriesIndex(ctx.keyspace).query(ctx.db, predicates);
  ctx.w.set(found.length);
  for (const [key] of found) ctx.w.bulk(key);
}

interface Grouping {
  label: string;
  reducer: AggregationType;
}

function tsMrange(ctx: CommandContext, reverse: boolean): void {
  const { argv } = ctx;
  const query = parseRange(argv, 1);
  const filterAt = argIndex(argv, 'FILTER', 3);
  if (filterAt < 0) throw new CommandError(TS.missingFilter);
  const choice = parseLabelChoice(argv, 3);
  const groupAt = argIndex(argv, 'GROUPBY', 3);
  if (groupAt > 0 && groupAt < filterAt) throw new CommandError(TS.groupByPosition);
  const filterEnd = groupAt > 0 ? groupAt : argv.length;
  if (filterEnd - filterAt - 1 === 0) throw new CommandError(TS.missingFilterLabels);
  const predicates = parseFilter(argv, filterAt + 1, filterEnd);
  let grouping: Grouping | null = null;
  if (groupAt > 0) {
    const reduceAt = argIndex(argv, 'REDUCE', groupAt);
    if (groupAt + 1 >= argv.length || reduceAt < 0 || argv.length - groupAt !== 4) throw new CommandError(wrongArity(keyText(argv[0]!)));
    const reducer = parseAggregationType(keyText(argv[reduceAt + 1]!));
    if (reducer === null || reducer === 'first' || reducer === 'last' || reducer === 'twa') throw new CommandError(TS.reducer);
    grouping = { label: keyText(argv[groupAt + 1]!), reducer };
  }
  const found = seriesIndex(ctx.keyspace).query(ctx.db, predicates);
  if (grouping === null) writeSeriesRanges(ctx, found, query, choice, reverse);
  else writeGroupedRanges(ctx, found, query, choice, reverse, grouping);
}

function writeSeriesRanges(ctx: CommandContext, found: [Buffer, TimeSeries][], query: RangeQuery, choice: LabelChoice, reverse: boolean): void {
  writePerSeries(ctx, found, choice, 3, (series) => {
    if (ctx.client.resp === 3) {
      ctx.w.map(1);
      ctx.w.bulkString('aggregators');
      ctx.w.array(query.buckets === null ? 0 : 1);
      if (query.buckets !== null) ctx.w.bulkString(query.buckets.type);
    }
    writeSamples(ctx, runRange(ctx, series, query, reverse));
  });
}

/**
 * One entry per series, in key order: [key, labels, samples] in RESP2; in RESP3 a map of key
 * to [labels, ..., samples] (`resp3Fields` elements), as the module replies.
 */
function writePerSeries(
  ctx: CommandContext,
  found: [Buffer, TimeSeries][],
  choice: LabelChoice,
  resp3Fields: number,
  writeRest: (series: TimeSeries) => void,
): void {
  const resp3 = ctx.client.resp === 3;
  if (resp3) ctx.w.map(found.length);
  else ctx.w.array(found.length);
  for (const [key, series] of found) {
    if (!resp3) ctx.w.array(3);
    ctx.w.bulk(key);
    if (resp3) ctx.w.array(resp3Fields);
    writeLabels(ctx, labelsToShow(series, series.labels, choice));
    writeRest(series);
  }
}

/** GROUPBY: the series sharing a label value, reduced per timestamp into one series. */
function writeGroupedRanges(
  ctx: CommandContext,
  found: [Buffer, TimeSeries][],
  query: RangeQuery,
  choice: LabelChoice,
  reverse: boolean,
  grouping: Grouping,
): void {
  const groups = new Map<string, [Buffer, TimeSeries][]>();
  for (const entry of found) {
    const value = entry[1].label(grouping.label);
    if (value === undefined) continue;
    const name = keyText(value);
    const members = groups.get(name);
    if (members === undefined) groups.set(name, [entry]);
    else members.push(entry);
  }
  const names = [...groups.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const resp3 = ctx.client.resp === 3;
  if (resp3) ctx.w.map(names.length);
  else ctx.w.array(names.length);
  for (const name of names) {
    const members = groups.get(name)!;
    const perTimestamp = new Map<number, ReturnType<typeof newAggregator>>();
    for (const [, series] of members) {
      const samples = runRange(ctx, series, query, false, false);
      for (let i = 0; i < samples.timestamps.length; i++) {
        const timestamp = samples.timestamps[i]!;
        let reducer = perTimestamp.get(timestamp);
        if (reducer === undefined) perTimestamp.set(timestamp, (reducer = newAggregator(grouping.reducer)));
        reducer.add(samples.values[i]!, timestamp);
      }
    }
    const timestamps = [...perTimestamp.keys()].sort((a, b) => (reverse ? b - a : a - b));
    const limit = query.count >= 0 ? Math.min(query.count, timestamps.length) : timestamps.length;
    const sources = members.map(([key]) => keyText(key));
    const groupLabels: Label[] = [
      { name: Buffer.from(grouping.label, 'latin1'), value: Buffer.from(name, 'latin1') },
      { name: Buffer.from('__reducer__'), value: Buffer.from(grouping.reducer) },
      { name: Buffer.from('__source__'), value: Buffer.from(sources.join(','), 'latin1') },
    ];
    if (!resp3) ctx.w.array(3);
    ctx.w.bulkString(`${grouping.label}=${name}`);
    if (resp3) ctx.w.array(4);
    writeLabels(ctx, labelsToShow(null, resp3 && choice.all ? groupLabels.slice(0, 1) : groupLabels, choice));
    if (resp3) {
      ctx.w.map(1);
      ctx.w.bulkString('reducers');
      ctx.w.array(1);
      ctx.w.bulkString(grouping.reducer);
      ctx.w.map(1);
      ctx.w.bulkString('sources');
      ctx.w.array(sources.length);
      for (const source of sources) ctx.w.bulkString(source);
    }
    ctx.w.array(limit);
    for (let i = 0; i < limit; i++) writeSample(ctx, timestamps[i]!, perTimestamp.get(timestamps[i]!)!.finalize() ?? 0);
  }
}

export const timeseriesCommands: readonly CommandSpec[] = [
  { name: 'ts.create', handler: tsCreate },
  { name: 'ts.alter', handler: tsAlter },
  { name: 'ts.add', handler: tsAdd },
  { name: 'ts.madd', handler: tsMadd },
  { name: 'ts.incrby', handler: (ctx) => tsIncrBy(ctx, 1, 'ts.incrby') },
  { name: 'ts.decrby', handler: (ctx) => tsIncrBy(ctx, -1, 'ts.decrby') },
  { name: 'ts.del', handler: tsDel },
  { name: 'ts.createrule', handler: tsCreateRule },
  { name: 'ts.deleterule', handler: tsDeleteRule },
  { name: 'ts.get', handler: tsGet },
  { name: 'ts.mget', handler: tsMget },
  { name: 'ts.range', handler: (ctx) => tsRange(ctx, false) },
  { name: 'ts.revrange', handler: (ctx) => tsRange(ctx, true) },
  { name: 'ts.mrange', handler: (ctx) => tsMrange(ctx, false) },
  { name: 'ts.mrevrange', handler: (ctx) => tsMrange(ctx, true) },
  { name: 'ts.queryindex', handler: tsQueryIndex },
  { name: 'ts.info', handler: tsInfo },
];
