// Streams in RDB files and DUMP payloads: written as Redis 7.0 writes them
// (RDB_TYPE_STREAM_LISTPACKS_2), read from that, from the older STREAM_LISTPACKS and from
// 7.2's STREAM_LISTPACKS_3 (whose consumers' active time Mnemo has no use for).
//
// Each of Mnemo's nodes holds the entries of one Redis listpack, deleted ones included, so
// a node is written as that listpack: the master entry (live count, deleted count, master
// fields, a 0 terminator), then per entry its flags, ms and seq deltas from the master ID,
// the values alone (same fields as the master) or a pair count and the pairs, and the entry's
// element count (lp-count) for walking backwards. Loading rebuilds one node per listpack, so
// node boundaries survive the round trip, as they do in Redis.

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import { Encoding, ValueType, type ByteRange } from '../../store/types.ts';
import { FLAG_DELETED, FLAG_SAMEFIELDS, StreamNode, StreamValue, idMs, inNameOrder, idSeq, makeId, type Consumer } from '../../store/types/stream.ts';
import { RdbFormatError, RdbType, type RdbInput, type RdbOutput } from './format.ts';
import { ListpackBuilder, PackedFormatError, readListpack } from './packed.ts';
import { registerValueCodec, type LoadedValue } from './values.ts';

const U64 = (1n << 64n) - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 128-bit ID as Redis keys its radix trees: ms then seq, big-endian. */
function rawId(id: bigint): Buffer {
  const raw = Buffer.allocUnsafe(16);
  raw.writeBigUInt64BE(idMs(id), 0);
  raw.writeBigUInt64BE(idSeq(id), 8);
  return raw;
}

function idFromRaw(raw: Buffer): bigint {
  return makeId(raw.readBigUInt64BE(0), raw.readBigUInt64BE(8));
}

/** Redis stores a delta as an int64 (the uint64 difference, wrapped); numbers where exact, so small ones take small encodings. */
function addDelta(builder: ListpackBuilder, delta: bigint): void {
  const wrapped = BigInt.asIntN(64, delta);
  builder.addInt(wrapped <= SAFE && wrapped >= -SAFE ? Number(wrapped) : wrapped);
}

/** Node `node` as the listpack Redis would hold for the same entries. */
export function nodeListpack(node: StreamNode, builder: ListpackBuilder): Buffer {
  builder.reset();
  const buf = node.buf;
  builder.addInt(node.live);
  builder.addInt(node.deleted);
  builder.addInt(node.masterFields);
  const fields = node.masterFieldSpans();
  for (let i = 0; i < fields.length; i += 2) builder.add(buf, fields[i], fields[i + 1]);
  builder.addInt(0);
  const cursor = { id: 0n, flags: 0, pairs: 0 };
  const spans: number[] = [];
  const masterMs = idMs(node.master);
  const masterSeq = idSeq(node.master);
  for (let at = node.fieldsEnd; at < node.end; ) {
    at = node.decode(at, cursor, spans);
    const same = (cursor.flags & FLAG_SAMEFIELDS) !== 0;
    builder.addInt(cursor.flags);
    addDelta(builder, idMs(cursor.id) - masterMs);
    addDelta(builder, idSeq(cursor.id) - masterSeq);
    if (!same) builder.addInt(cursor.pairs);
    for (let i = 0; i < cursor.pairs; i++) {
      if (!same) builder.add(buf, spans[4 * i], spans[4 * i + 1]);
      builder.add(buf, spans[4 * i + 2], spans[4 * i + 3]);
    }
    builder.addInt(same ? cursor.pairs + 3 : 2 * cursor.pairs + 4);
  }
  return builder.finish();
}

function writeStream(out: RdbOutput, db: Database, id: number, key: ByteRange | null): number {
  out.byte(RdbType.StreamListpacks2);
  if (key !== null) out.string(key.buf, key.start, key.end);
  const stream = db.objectOf(id) as StreamValue;
  out.length(stream.nodes.length);
  const builder = new ListpackBuilder();
  for (const node of stream.nodes) {
    out.string(rawId(node.master));
    out.string(nodeListpack(node, builder));
  }
  out.length(stream.length);
  for (const streamId of [stream.lastId, stream.firstId, stream.maxDeletedId]) {
    out.bigLength(idMs(streamId));
    out.bigLength(idSeq(streamId));
  }
  out.length(stream.entriesAdded);
  out.length(stream.groups.size);
  for (const group of inNameOrder(stream.groups.values())) {
    out.string(group.name);
    out.bigLength(idMs(group.lastId));
    out.bigLength(idSeq(group.lastId));
    // rdbSaveLen of a long long: the unknown counter (-1) goes out as 2^64 - 1.
    out.bigLength(BigInt.asUintN(64, BigInt(group.entriesRead)));
    out.length(group.pending.length);
    for (const entry of group.pending) {
      out.bytes(rawId(entry.id));
      out.millis(entry.deliveryTime);
      out.length(entry.deliveryCount);
    }
    out.length(group.consumers.size);
    for (const consumer of inNameOrder(group.consumers.values())) {
      out.string(consumer.name);
      out.millis(consumer.seenTime);
      out.length(consumer.pending.length);
      for (const entry of consumer.pending) out.bytes(rawId(entry.id));
    }
  }
  return RdbType.StreamListpacks2;
}

// ---- reading ------------------------------------------------------------------------------------

/** Redis reports any malformed node as "Stream listpack integrity check failed". */
function need(ok: boolean): void {
  if (!ok) throw new PackedFormatError('Stream listpack');
}

/** A listpack integer (readListpack gives its decimal form): a number when exact, else a bigint. */
function asInt(element: Buffer | undefined): number | bigint {
  need(element !== undefined);
  const length = element!.length;
  const negative = length > 1 && element![0] === 0x2d;
  if (length > 0 && length < 16) {
    let n = 0;
    for (let i = negative ? 1 : 0; i < length; i++) {
      const digit = element![i]! - 0x30;
      need(digit >= 0 && digit <= 9);
      n = n * 10 + digit;
    }
    return negative ? -n : n;
  }
  try {
    return BigInt(element!.toString('latin1'));
  } catch {
    throw new PackedFormatError('Stream listpack');
  }
}

const asCount = (element: Buffer | undefined): number => Number(asInt(element));

/** A node from a Redis listpack whose entries are relative to `master`. */
function readNode(master: bigint, lp: Buffer): StreamNode {
  const elements: Buffer[] = [];
  readListpack(lp, (element) => elements.push(element));
  let at = 0;
  const next = (): Buffer => {
    need(at < elements.length);
    return elements[at++]!;
  };
  const count = asCount(next());
  const deleted = asCount(next());
  const fieldCount = asCount(next());
  need(fieldCount >= 0 && fieldCount <= elements.length);
  const masterFields: Buffer[] = [];
  for (let i = 0; i < fieldCount; i++) masterFields.push(next(), Buffer.alloc(0));
  need(asInt(next()) === 0);
  const node = new StreamNode(master, masterFields, 0, masterFields.length, lp.length);
  const masterMs = idMs(master);
  const masterSeq = idSeq(master);
  const argv: Buffer[] = [];
  while (at < elements.length) {
    const flags = asCount(next());
    const msDelta = asInt(next());
    const seqDelta = asInt(next());
    // Most entries share the master's ms and follow its seq: one BigInt step, not a rebuild.
    const id =
      msDelta === 0 && typeof seqDelta === 'number' && seqDelta >= 0
        ? master + BigInt(seqDelta)
        : makeId((masterMs + BigInt(msDelta)) & U64, (masterSeq + BigInt(seqDelta)) & U64);
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    const pairs = same ? fieldCount : asCount(next());
    need(pairs >= 0 && pairs <= elements.length);
    argv.length = 0;
    for (let i = 0; i < pairs; i++) argv.push(same ? masterFields[2 * i]! : next(), next());
    need(asCount(next()) === (same ? pairs + 3 : 2 * pairs + 4));
    node.append(id, argv, 0, argv.length);
    if (flags & FLAG_DELETED) node.markDeleted(node.lastAt);
  }
  need(node.live === count && node.deleted === deleted && node.live > 0);
  node.shrinkToFit();
  return node;
}

function readId(input: RdbInput): bigint {
  const ms = input.bigLength();
  return makeId(ms, input.bigLength());
}

function readStream(input: RdbInput, rdbType: number): LoadedValue {
  const stream = new StreamValue();
  for (let n = input.length(); n > 0; n--) {
    const key = input.string();
    if (key.length !== 16) throw new RdbFormatError('Stream node key entry is not the size of a stream ID');
    const master = idFromRaw(key);
    const previous = stream.nodes[stream.nodes.length - 1];
    if (previous !== undefined && previous.master >= master) throw new RdbFormatError('Listpack re-added with existing key');
    stream.nodes.push(readNode(master, input.string()));
  }
  stream.length = input.length();
  stream.lastId = readId(input);
  if (rdbType === RdbType.StreamListpacks) {
    // Before 7.0: no counters saved; Redis starts them from the entries it has.
    stream.entriesAdded = stream.length;
    stream.firstId = stream.edgeId(false);
  } else {
    stream.firstId = readId(input);
    stream.maxDeletedId = readId(input);
    stream.entriesAdded = Number(input.bigLength());
  }
  if (stream.length > 0 && stream.nodes.length === 0) throw new RdbFormatError('Stream length inconsistent with rax entries');
  for (let groups = input.length(); groups > 0; groups--) {
    const name = input.string();
    const lastId = readId(input);
    const entriesRead = rdbType === RdbType.StreamListpacks ? stream.estimateEntriesRead(lastId) : Number(BigInt.asIntN(64, input.bigLength()));
    if (stream.group(name) !== undefined) throw new RdbFormatError(`Duplicated consumer group name ${name.toString('latin1')}`);
    const group = stream.createGroup(name, lastId, entriesRead);
    const delivered = new Map<bigint, { time: number; count: number; consumer: Consumer | null }>();
    for (let n = input.length(); n > 0; n--) {
      const id = idFromRaw(input.take(16));
      if (delivered.has(id)) throw new RdbFormatError('Duplicated global PEL entry loading stream consumer group');
      delivered.set(id, { time: Number(input.millis()), count: input.length(), consumer: null });
    }
    for (let n = input.length(); n > 0; n--) {
      const consumerName = input.string();
      if (group.consumers.has(consumerName.toString('latin1'))) throw new RdbFormatError('Duplicate stream consumer detected.');
      const seenTime = Number(input.millis());
      if (rdbType === RdbType.StreamListpacks3) input.millis();
      const consumer = stream.createConsumer(group, consumerName, seenTime);
      for (let pending = input.length(); pending > 0; pending--) {
        const id = idFromRaw(input.take(16));
        const nack = delivered.get(id);
        if (nack === undefined) throw new RdbFormatError('Consumer entry not found in group global PEL');
        if (nack.consumer !== null) throw new RdbFormatError('Duplicated consumer PEL entry  loading a stream consumer group');
        nack.consumer = consumer;
        stream.addPending(group, consumer, id, nack.time).deliveryCount = nack.count;
      }
    }
    for (const nack of delivered.values()) {
      if (nack.consumer === null) throw new RdbFormatError('Stream CG PEL entry without consumer');
    }
  }
  stream.adjust(stream.recount() - stream.bytes);
  return { type: ValueType.Stream, encoding: Encoding.Stream, bytes: null, object: stream, flags: 0, access: -1 };
}

registerValueCodec(ValueType.Stream, writeStream, [RdbType.StreamListpacks, RdbType.StreamListpacks2, RdbType.StreamListpacks3], readStream);
