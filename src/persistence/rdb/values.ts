// Values in RDB form, by type: how each of Mnemo's values is written (the type byte and the
// body Redis 7.0 would write for the same encoding) and how every type byte Redis 7.0 loads
// (and 7.4's hashes with field TTLs) becomes a Mnemo value, in the encoding Redis would give
// it under the current thresholds. A type joins by one registerValueCodec call (see stream.ts, timeseries.ts).

import { Buffer } from 'node:buffer';
import type { Database, ExportedValue } from '../../store/database.ts';
import { stringEncoding as STRING_ENCODING } from '../../store/database.ts';
import { Encoding, ValueType as VALUE_TYPES, type ByteRange, type StoredObject } from '../../store/types.ts';
import { HashValue } from '../../store/types/hash.ts';
import { LIST_TAIL, ListValue } from '../../store/types/list.ts';
import { SetValue } from '../../store/types/set.ts';
import { ZSetValue } from '../../store/types/zset.ts';
import { NOT_A_NUMBER, parseDouble } from '../../util/numbers.ts';
import { QUICKLIST_PACKED, QUICKLIST_PLAIN, RdbFormatError, RdbType, type RdbInput, type RdbOutput } from './format.ts';
import { ListpackBuilder, PackedFormatError, buildIntset, readIntset, readListpack, readZiplist, readZipmap, type ElementSink } from './packed.ts';

// Module-local bindings for what the per-key paths use: under tsx every use of an imported
// binding is a getter call.
const ValueType = VALUE_TYPES;
type ValueType = VALUE_TYPES;
const stringEncoding = STRING_ENCODING;

/** The encoding thresholds (config) a loaded value is fitted to, and the list node size. */
export interface ValueLimits {
  hashEntries: number;
  hashValue: number;
  zsetEntries: number;
  zsetValue: number;
  intsetEntries: number;
  /** list-max-listpack-size: entries per node when positive, a byte size class when negative. */
  listFill: number;
}

/** Redis 7.0.15's defaults. */
export const DEFAULT_LIMITS: ValueLimits = {
  hashEntries: 512,
  hashValue: 64,
  zsetEntries: 128,
  zsetValue: 64,
  intsetEntries: 512,
  listFill: -2,
};

/** The thresholds as a server's config has them now. */
export function limitsFrom(config: { number(name: string): number }): ValueLimits {
  return {
    hashEntries: config.number('hash-max-listpack-entries'),
    hashValue: config.number('hash-max-listpack-value'),
    zsetEntries: config.number('zset-max-listpack-entries'),
    zsetValue: config.number('zset-max-listpack-value'),
    intsetEntries: config.number('set-max-intset-entries'),
    listFill: config.number('list-max-listpack-size'),
  };
}

/** A value read from RDB, ready for Database.importValue (no Memcached flags, a fresh access time). */
export type LoadedValue = ExportedValue;

function loaded(type: ValueType, encoding: Encoding, bytes: Buffer | null, object: StoredObject | null): LoadedValue {
  return { type, encoding, bytes, object, flags: 0, access: -1 };
}

export interface ReadOptions {
  limits: ValueLimits;
  /** Hash fields whose TTL passed before this time (ms) are dropped; null keeps them (RESTORE). */
  now: number | null;
}

/** Writes the value's type byte, then `key` if given (files put it there), then the body; returns the type byte. */
export type ValueWriter = (out: RdbOutput, db: Database, id: number, key: ByteRange | null, limits: ValueLimits) => number;
/** Reads the body of a value of type byte `rdbType`; null for an empty collection (skipped, as Redis does). */
export type ValueReader = (input: RdbInput, rdbType: number, options: ReadOptions) => LoadedValue | null;

const writers = new Map<ValueType, ValueWriter>();
const readers = new Map<number, ValueReader>();

/** Makes a value type known to RDB files and DUMP/RESTORE: its writer and the type bytes its reader takes. */
export function registerValueCodec(type: ValueType, write: ValueWriter, rdbTypes: readonly number[], read: ValueReader): void {
  writers.set(type, write);
  for (const rdbType of rdbTypes) readers.set(rdbType, read);
}

export function writeValue(out: RdbOutput, db: Database, id: number, key: ByteRange | null, limits: ValueLimits): number {
  if (db.coldCount !== 0 && db.isCold(id)) return writeColdValue(out, db, id, key);
  const write = writers.get(db.typeOf(id));
  if (write === undefined) throw new Error(`no RDB writer for value type ${db.typeOf(id)}`);
  return write(out, db, id, key, limits);
}

/** A value on disk (src/tiering) is kept in RDB form: its bytes go out as they are, and it stays cold. */
function writeColdValue(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  const payload = db.keyspace.cold!.payload(db, id);
  head(out, payload[0]!, key);
  out.bytes(payload.subarray(1));
  return payload[0]!;
}

export function isValueType(rdbType: number): boolean {
  return readers.has(rdbType);
}

export function readValue(input: RdbInput, rdbType: number, options: ReadOptions): LoadedValue | null {
  const read = readers.get(rdbType);
  if (read === undefined) throw new RdbFormatError(`Unknown RDB encoding type ${rdbType}`);
  try {
    return read(input, rdbType, options);
  } catch (error) {
    if (error instanceof PackedFormatError) throw new RdbFormatError(`${error.message} integrity check failed`);
    throw error;
  }
}

function head(out: RdbOutput, rdbType: number, key: ByteRange | null): number {
  out.byte(rdbType);
  if (key !== null) out.string(key.buf, key.start, key.end);
  return rdbType;
}

const range: ByteRange = { buf: new Uint8Array(0), start: 0, end: 0 };

// ---- strings ------------------------------------------------------------------------------------

function writeString(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  // The key may point into the same arena chunk as the value: write it before taking the value's range.
  head(out, RdbType.String, key);
  const value = db.stringRange(id, range);
  out.string(value.buf, value.start, value.end);
  return RdbType.String;
}

function readString(input: RdbInput): LoadedValue {
  // A view is enough: storing a string copies it (into the arena, or a LargeString).
  const bytes = input.stringView();
  return loaded(ValueType.String, stringEncoding(bytes), bytes, null);
}

// ---- lists --------------------------------------------------------------------------------------

/** Listpack bytes a quicklist node may reach for a negative fill (Redis's optimization_level). */
const NODE_BYTES = [4096, 8192, 16384, 32768, 65536];
/** A node capped by count is also capped at 8 KB (SIZE_SAFETY_LIMIT). */
const NODE_SAFETY_BYTES = 8192;

/** Quicklist 2: the nodes as Redis 7.0 would fill them, each a packed listpack. */
function writeList(out: RdbOutput, db: Database, id: number, key: ByteRange | null, limits: ValueLimits): number {
  head(out, RdbType.ListQuicklist2, key);
  const list = db.objectOf(id) as ListValue;
  const fill = limits.listFill;
  const maxBytes = fill < 0 ? NODE_BYTES[Math.min(-fill, NODE_BYTES.length) - 1]! : NODE_SAFETY_BYTES;
  const nodes: Buffer[] = [];
  const builder = new ListpackBuilder();
  list.walk(0, false, (buf, start, end) => {
    const over = builder.bytes + ListpackBuilder.entryBytes(buf, start, end) > maxBytes || (fill > 0 && builder.count >= fill);
    if (builder.count > 0 && over) {
      nodes.push(Buffer.from(builder.finish()));
      builder.reset();
    }
    builder.add(buf, start, end);
  });
  if (builder.count > 0) nodes.push(builder.finish());
  out.length(nodes.length);
  for (const node of nodes) {
    out.length(QUICKLIST_PACKED);
    out.string(node);
  }
  return RdbType.ListQuicklist2;
}

function readList(input: RdbInput, rdbType: number, { limits }: ReadOptions): LoadedValue | null {
  const list = new ListValue(limits.listFill);
  const push: ElementSink = (element) => list.push(LIST_TAIL, element);
  if (rdbType === RdbType.List) {
    for (let n = input.length(); n > 0; n--) push(input.string());
  } else if (rdbType === RdbType.ListZiplist) {
    readZiplist(input.string(), push);
  } else {
    for (let nodes = input.length(); nodes > 0; nodes--) {
      const container = rdbType === RdbType.ListQuicklist2 ? input.length() : QUICKLIST_PACKED;
      const node = input.string();
      if (container === QUICKLIST_PLAIN) push(node);
      else if (container !== QUICKLIST_PACKED) throw new RdbFormatError(`Quicklist integrity check failed.`);
      else if (rdbType === RdbType.ListQuicklist2) readListpack(node, push);
      else readZiplist(node, push);
    }
  }
  if (list.length === 0) return null;
  return loaded(ValueType.List, Encoding.Quicklist, null, list);
}

// ---- sets ---------------------------------------------------------------------------------------

function writeSet(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  const set = db.objectOf(id) as SetValue;
  if (set.encoding === Encoding.Intset) {
    head(out, RdbType.SetIntset, key);
    const values: bigint[] = [];
    set.forEach((member) => {
      values.push(BigInt(Buffer.from(member.buffer, member.byteOffset, member.length).toString('latin1')));
    });
    out.string(buildIntset(values));
    return RdbType.SetIntset;
  }
  head(out, RdbType.Set, key);
  out.length(set.size);
  set.forEach((member) => {
    out.string(member);
  });
  return RdbType.Set;
}

function readSet(input: RdbInput, rdbType: number, { limits }: ReadOptions): LoadedValue | null {
  const max = limits.intsetEntries;
  const set = new SetValue();
  if (rdbType === RdbType.SetIntset) {
    const count = readIntset(input.string(), (member) => set.add(member, Infinity));
    if (count > max) set.convert();
  } else {
    const add: ElementSink = (member) => set.add(member, max);
    if (rdbType === RdbType.SetListpack) {
      const blob = input.string();
      let count = 0;
      readListpack(blob, () => count++);
      if (count > max) set.convert();
      readListpack(blob, add);
    } else {
      const count = input.length();
      // Redis makes a set of more members than an intset may hold a table from the start.
      if (count > max) set.convert();
      for (let n = count; n > 0; n--) add(input.string());
    }
  }
  if (set.size === 0) return null;
  return loaded(ValueType.Set, set.encoding, null, set);
}

// ---- sorted sets --------------------------------------------------------------------------------

/** A score as text for a listpack: integers in their decimal form (stored as listpack integers), others round-trip exact. */
function scoreText(score: number): string {
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  if (Object.is(score, -0)) return '-0';
  return String(score);
}

function writeZset(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  const z = db.objectOf(id) as ZSetValue;
  if (z.encoding === Encoding.Listpack) {
    head(out, RdbType.ZSetListpack, key);
    const builder = new ListpackBuilder();
    z.range(0, z.size - 1, false, (member, start, end, score) => {
      builder.add(member, start, end);
      builder.add(Buffer.from(scoreText(score), 'latin1'));
    });
    out.string(builder.finish());
    return RdbType.ZSetListpack;
  }
  head(out, RdbType.ZSet2, key);
  out.length(z.size);
  // Highest first, as Redis writes them (its loader then inserts each at the head).
  z.range(z.size - 1, 0, true, (member, start, end, score) => {
    out.string(member, start, end);
    out.double(score);
  });
  return RdbType.ZSet2;
}

function parseScore(text: Buffer): number {
  const score = parseDouble(text);
  if (score === NOT_A_NUMBER) throw new RdbFormatError('Zset listpack integrity check failed.');
  return score;
}

function readZset(input: RdbInput, rdbType: number, { limits }: ReadOptions): LoadedValue | null {
  let z: ZSetValue;
  if (rdbType === RdbType.ZSet2 || rdbType === RdbType.ZSet) {
    const members: [Buffer, number][] = [];
    let longest = 0;
    for (let n = input.length(); n > 0; n--) {
      const member = input.string();
      const score = rdbType === RdbType.ZSet2 ? input.double() : input.textDouble();
      if (Number.isNaN(score)) throw new RdbFormatError('Zset with NAN score detected');
      members.push([member, score]);
      longest = Math.max(longest, member.length);
    }
    // Loaded as a skiplist, then made a listpack if it fits the thresholds (Redis's order).
    z = new ZSetValue(!(members.length <= limits.zsetEntries && longest <= limits.zsetValue));
    for (const [member, score] of members) z.set(member, score);
  } else {
    const elements: Buffer[] = [];
    const blob = input.string();
    if (rdbType === RdbType.ZSetListpack) readListpack(blob, (e) => elements.push(e));
    else readZiplist(blob, (e) => elements.push(e));
    if (elements.length % 2 !== 0) throw new RdbFormatError('Zset listpack integrity check failed.');
    // Only the length decides here, as in Redis (checking every member's size would be a scan).
    z = new ZSetValue(elements.length / 2 > limits.zsetEntries);
    for (let i = 0; i < elements.length; i += 2) z.set(elements[i]!, parseScore(elements[i + 1]!));
  }
  if (z.size === 0) return null;
  return loaded(ValueType.ZSet, z.encoding, null, z);
}

// ---- hashes -------------------------------------------------------------------------------------

function writeHash(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  const hash = db.objectOf(id) as HashValue;
  // Field TTLs (Redis 7.4's types) only when a field has one, so other hashes stay loadable by 7.0.
  const withTtls = hash.expiresBy(Number.MAX_VALUE);
  let minExpire = Infinity;
  if (withTtls) {
    hash.forEach((f, fs, fe) => {
      const at = hash.fieldExpireAt(f.subarray(fs, fe));
      if (at >= 0 && at < minExpire) minExpire = at;
    });
  }
  if (hash.encoding !== Encoding.Hashtable) {
    const rdbType = withTtls ? RdbType.HashListpackEx : RdbType.HashListpack;
    head(out, rdbType, key);
    if (withTtls) out.millis(minExpire);
    const builder = new ListpackBuilder();
    hash.forEach((f, fs, fe, v, vs, ve) => {
      builder.add(f, fs, fe);
      builder.add(v, vs, ve);
      if (withTtls) builder.addInt(Math.max(0, hash.fieldExpireAt(f.subarray(fs, fe))));
    });
    out.string(builder.finish());
    return rdbType;
  }
  const rdbType = withTtls ? RdbType.HashMetadata : RdbType.Hash;
  head(out, rdbType, key);
  if (withTtls) out.millis(minExpire);
  out.length(hash.size);
  hash.forEach((f, fs, fe, v, vs, ve) => {
    if (withTtls) {
      const at = hash.fieldExpireAt(f.subarray(fs, fe));
      // 0: no TTL; otherwise the time relative to the hash's earliest, plus one.
      out.length(at < 0 ? 0 : at - minExpire + 1);
    }
    out.string(f, fs, fe);
    out.string(v, vs, ve);
  });
  return rdbType;
}

function readHash(input: RdbInput, rdbType: number, { limits, now }: ReadOptions): LoadedValue | null {
  const fields: Buffer[] = [];
  const values: Buffer[] = [];
  const ttls: number[] = [];
  let tuple = 2;
  let fromPacked = true;
  switch (rdbType) {
    case RdbType.Hash:
    case RdbType.HashMetadata:
    case RdbType.HashMetadataPreGa: {
      fromPacked = false;
      const minExpire = rdbType === RdbType.HashMetadata ? Number(input.millis()) : 0;
      for (let n = input.length(); n > 0; n--) {
        if (rdbType !== RdbType.Hash) {
          const ttl = input.length();
          ttls.push(ttl === 0 ? 0 : rdbType === RdbType.HashMetadata ? ttl + minExpire - 1 : ttl);
        }
        fields.push(input.string());
        values.push(input.string());
      }
      break;
    }
    case RdbType.HashZipmap:
      readZipmap(input.string(), (e) => (fields.length === values.length ? fields : values).push(e));
      break;
    default: {
      if (rdbType === RdbType.HashListpackEx) input.millis();
      if (rdbType === RdbType.HashListpackEx || rdbType === RdbType.HashListpackExPreGa) tuple = 3;
      const blob = input.string();
      let i = 0;
      const sink: ElementSink = (e) => {
        const slot = i++ % tuple;
        if (slot === 0) fields.push(e);
        else if (slot === 1) values.push(e);
        else ttls.push(Number(e.toString('latin1')));
      };
      if (rdbType === RdbType.HashZiplist) readZiplist(blob, sink);
      else readListpack(blob, sink);
      if (i % tuple !== 0) throw new RdbFormatError('Hash listpack integrity check failed.');
    }
  }
  // As Redis 7.4 loading a file: a field already past its TTL is not loaded.
  const keep = (i: number) => (ttls[i] ?? 0) === 0 || now === null || ttls[i]! >= now;
  let longest = 0;
  let kept = 0;
  for (let i = 0; i < fields.length; i++) {
    if (!keep(i)) continue;
    longest = Math.max(longest, fields[i]!.length, values[i]!.length);
    kept++;
  }
  if (kept === 0) return null;
  const hash = new HashValue();
  // Packed forms are converted on their length only (as Redis does); pairs read one by one
  // also on their size. A table from the start, so a big hash is not built in a listpack.
  if (kept > limits.hashEntries || (!fromPacked && longest > limits.hashValue)) hash.convert();
  for (let i = 0; i < fields.length; i++) if (keep(i)) hash.set(fields[i]!, values[i]!);
  if (ttls.length > 0) {
    for (let i = 0; i < fields.length; i++) {
      if (ttls[i] === 0 || !keep(i)) continue;
      hash.enableFieldTtls();
      hash.setFieldExpireAt(fields[i]!, ttls[i]!);
    }
  }
  return loaded(ValueType.Hash, hash.encoding, null, hash);
}

registerValueCodec(ValueType.String, writeString, [RdbType.String], readString);
registerValueCodec(ValueType.List, writeList, [RdbType.List, RdbType.ListZiplist, RdbType.ListQuicklist, RdbType.ListQuicklist2], readList);
registerValueCodec(ValueType.Set, writeSet, [RdbType.Set, RdbType.SetIntset, RdbType.SetListpack], readSet);
registerValueCodec(ValueType.ZSet, writeZset, [RdbType.ZSet, RdbType.ZSet2, RdbType.ZSetZiplist, RdbType.ZSetListpack], readZset);
registerValueCodec(
  ValueType.Hash,
  writeHash,
  [
    RdbType.Hash,
    RdbType.HashZipmap,
    RdbType.HashZiplist,
    RdbType.HashListpack,
    RdbType.HashMetadataPreGa,
    RdbType.HashListpackExPreGa,
    RdbType.HashMetadata,
    RdbType.HashListpackEx,
  ],
  readHash,
);
