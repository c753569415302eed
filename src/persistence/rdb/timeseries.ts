// Time series in RDB files and DUMP payloads, as module data (RDB_TYPE_MODULE_2) of a module
// named "mnemo-tsd". The layout is Mnemo's own, not RedisTimeSeries's (whose chunks are its
// private Gorilla bit layout): a Redis without this module refuses the file with its "no
// matching module" error rather than misreading it. Values are written as module opcodes
// (UINT, SINT, DOUBLE, STRING, then EOF), so RDB tools can walk over them.
//
// DUMP payloads leave out the compaction links, as RedisTimeSeries's DUMP does. A rule's open
// bucket is not stored: loading recomputes it from the source's samples.

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import { Encoding, ValueType, type ByteRange } from '../../store/types.ts';
import { parseAggregationType, TimeWeightedAverage } from '../../analytics/timeseries/aggregation.ts';
import { chunkOf, type ChunkEncoding } from '../../analytics/timeseries/chunk.ts';
import { bucketStart, CompactionRule, DUPLICATE_POLICIES, TimeSeries, type Label } from '../../analytics/timeseries/series.ts';
import { RdbFormatError, RdbType, type RdbInput, type RdbOutput } from './format.ts';
import { registerValueCodec, type LoadedValue } from './values.ts';

const MODULE_NAME = 'mnemo-tsd';
const ENCODING_VERSION = 1;
const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const Op = { Eof: 0, Uint: 2, Double: 4, String: 5 } as const;
/** rdbSaveLen's marker for a 64-bit length: module ids need all 64 bits. */
const LENGTH_64 = 0x81;

/** Redis's moduleTypeEncodeId: nine 6-bit name characters, then a 10-bit encoding version. */
function moduleId(name: string, version: number): bigint {
  let id = 0n;
  for (const char of name) id = (id << 6n) | BigInt(CHARSET.indexOf(char));
  return (id << 10n) | BigInt(version);
}

function moduleName(id: bigint): string {
  let name = '';
  for (let shift = 10n + 6n * 8n; shift >= 10n; shift -= 6n) name += CHARSET[Number((id >> shift) & 63n)];
  return name;
}

const ID = moduleId(MODULE_NAME, ENCODING_VERSION);

class ModuleWriter {
  constructor(private readonly out: RdbOutput) {}
  uint(value: number): void {
    this.out.byte(Op.Uint);
    this.out.length(value);
  }
  double(value: number): void {
    this.out.byte(Op.Double);
    this.out.double(value);
  }
  string(value: Uint8Array): void {
    this.out.byte(Op.String);
    this.out.string(value);
  }
}

class ModuleReader {
  constructor(private readonly input: RdbInput) {}
  private expect(op: number): void {
    const found = this.input.length();
    if (found !== op) throw new RdbFormatError(`module ${MODULE_NAME}: expected opcode ${op}, found ${found}`);
  }
  uint(): number {
    this.expect(Op.Uint);
    return this.input.length();
  }
  double(): number {
    this.expect(Op.Double);
    return this.input.double();
  }
  string(): Buffer {
    this.expect(Op.String);
    return this.input.string();
  }
  end(): void {
    this.expect(Op.Eof);
  }
}

function writeSeries(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  out.byte(RdbType.Module2);
  if (key !== null) out.string(key.buf, key.start, key.end);
  const moduleIdBytes = Buffer.alloc(8);
  moduleIdBytes.writeBigUInt64BE(ID);
  out.byte(LENGTH_64);
  out.bytes(moduleIdBytes);
  const series = db.objectOf(id) as TimeSeries;
  const w = new ModuleWriter(out);
  // Files keep the compaction links; DUMP payloads (no key) do not.
  const links = key !== null;
  w.uint(series.retention);
  w.uint(series.chunkSize);
  w.uint(series.encoding === 'compressed' ? 0 : 1);
  w.uint(series.duplicatePolicy === null ? 0 : DUPLICATE_POLICIES.indexOf(series.duplicatePolicy) + 1);
  w.uint(series.lastTimestamp);
  w.double(series.lastValue);
  w.uint(links && series.source !== null ? 1 : 0);
  if (links && series.source !== null) w.string(series.source);
  w.uint(series.labels.length);
  for (const label of series.labels) {
    w.string(label.name);
    w.string(label.value);
  }
  const rules = links ? series.rules : [];
  w.uint(rules.length);
  for (const rule of rules) {
    w.string(rule.destination);
    w.uint(rule.bucketDuration);
    w.uint(rule.alignment);
    w.string(Buffer.from(rule.type));
    // -1 (no sample yet) as 0.
    w.uint(rule.bucketStart + 1);
  }
  w.uint(series.chunks.length);
  for (const chunk of series.chunks) {
    const samples = chunk.decode();
    w.uint(samples.timestamps.length);
    w.string(new Uint8Array(samples.timestamps.buffer, samples.timestamps.byteOffset, samples.timestamps.byteLength));
    w.string(new Uint8Array(samples.values.buffer, samples.values.byteOffset, samples.values.byteLength));
  }
  out.byte(Op.Eof);
  return RdbType.Module2;
}

function float64s(bytes: Buffer, count: number): Float64Array {
  if (bytes.length !== count * 8) throw new RdbFormatError(`module ${MODULE_NAME}: a chunk of ${count} samples holds ${bytes.length} bytes`);
  const copy = new Float64Array(count);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

function readSeries(input: RdbInput): LoadedValue {
  const marker = input.byte();
  const id = marker === LENGTH_64 ? input.take(8).readBigUInt64BE() : -1n;
  if (id !== ID) {
    throw new RdbFormatError(`The RDB file contains module data I can't load: no matching module '${moduleName(id)}'`);
  }
  const r = new ModuleReader(input);
  const retention = r.uint();
  const chunkSize = r.uint();
  const encoding: ChunkEncoding = r.uint() === 0 ? 'compressed' : 'uncompressed';
  const policyIndex = r.uint();
  const lastTimestamp = r.uint();
  const lastValue = r.double();
  const source = r.uint() === 1 ? r.string() : null;
  const labels: Label[] = [];
  for (let n = r.uint(); n > 0; n--) labels.push({ name: r.string(), value: r.string() });
  const rules: CompactionRule[] = [];
  for (let n = r.uint(); n > 0; n--) {
    const destination = r.string();
    const duration = r.uint();
    const alignment = r.uint();
    const type = parseAggregationType(r.string().toString('latin1'));
    if (type === null) throw new RdbFormatError(`module ${MODULE_NAME}: unknown aggregation`);
    const rule = new CompactionRule(destination, type, duration, alignment);
    rule.bucketStart = r.uint() - 1;
    rules.push(rule);
  }
  const series = new TimeSeries({
    retention,
    chunkSize,
    encoding,
    duplicatePolicy: policyIndex === 0 ? null : DUPLICATE_POLICIES[policyIndex - 1]!,
    labels,
  });
  for (let n = r.uint(); n > 0; n--) {
    const count = r.uint();
    const timestamps = float64s(r.string(), count);
    const values = float64s(r.string(), count);
    series.chunks.push(chunkOf(encoding, chunkSize, { timestamps, values }, 0, count));
    series.totalSamples += count;
  }
  r.end();
  series.lastTimestamp = lastTimestamp;
  series.lastValue = lastValue;
  series.source = source;
  series.rules = rules;
  for (const rule of rules) reopenBucket(series, rule);
  series.remeasure();
  return { type: ValueType.TimeSeries, encoding: Encoding.Raw, bytes: null, object: series, flags: 0, access: -1 };
}

/** A rule's open bucket again, from the source's samples since its start. */
function reopenBucket(series: TimeSeries, rule: CompactionRule): void {
  if (rule.bucketStart === -1) return;
  const samples = series.range(rule.bucketStart, series.lastTimestamp);
  const start = bucketStart(rule.bucketStart, rule.bucketDuration, rule.alignment);
  const twa = rule.aggregator;
  if (twa instanceof TimeWeightedAverage) {
    twa.setBucket(rule.bucketStart, start + rule.bucketDuration);
    const before = series.sampleBefore(rule.bucketStart);
    if (before !== null) twa.addPrevious(before[1], before[0]);
  }
  for (let i = 0; i < samples.timestamps.length; i++) rule.aggregator.add(samples.values[i]!, samples.timestamps[i]!);
}

registerValueCodec(ValueType.TimeSeries, writeSeries, [RdbType.Module2], readSeries);
