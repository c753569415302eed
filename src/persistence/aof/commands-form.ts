// A key as the commands that rebuild it, the form of a base file written with
// aof-use-rdb-preamble no (Redis's rewriteAppendOnlyFileRio): SET, or RPUSH / SADD / ZADD /
// HMSET with at most 64 items per command, or a stream's XADDs, XSETID, XGROUP CREATEs and
// XCLAIMs (rewriteStreamObject), then PEXPIREAT for a key with a TTL.

import { Buffer } from 'node:buffer';
import type { ReplyWriter } from '../../protocol/resp/writer.ts';
import type { Database } from '../../store/database.ts';
import { newByteRange, ValueType } from '../../store/types.ts';
import type { ListValue } from '../../store/types/list.ts';
import type { SetValue } from '../../store/types/set.ts';
import type { ZSetValue } from '../../store/types/zset.ts';
import type { HashValue } from '../../store/types/hash.ts';
import { formatId, inNameOrder, type StreamValue } from '../../store/types/stream.ts';
import { formatDouble } from '../../util/numbers.ts';

/** Redis's AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_COMMAND = 64;

const SET = Buffer.from('SET');
const RPUSH = Buffer.from('RPUSH');
const SADD = Buffer.from('SADD');
const ZADD = Buffer.from('ZADD');
const HMSET = Buffer.from('HMSET');
const PEXPIREAT = Buffer.from('PEXPIREAT');
const HPEXPIREAT = Buffer.from('HPEXPIREAT');
const FIELDS = Buffer.from('FIELDS');
const ONE = Buffer.from('1');
const XADD = Buffer.from('XADD');
const XSETID = Buffer.from('XSETID');
const XGROUP = Buffer.from('XGROUP');
const XCLAIM = Buffer.from('XCLAIM');

const VALUE = newByteRange();

/**
 * Emits commands of `itemWidth` arguments per item in runs of at most 64 items, each run
 * opening with `name key`: RPUSH key a b c ..., ZADD key s1 m1 s2 m2 ...
 */
class Batcher {
  private left = 0;
  private inRun = 0;

  constructor(
    private readonly w: ReplyWriter,
    private readonly name: Buffer,
    private readonly key: Buffer,
    private readonly itemWidth: number,
    items: number,
  ) {
    this.left = items;
  }

  /** Call before each item's arguments. */
  item(): void {
    if (this.inRun === 0) {
      const count = Math.min(this.left, ITEMS_PER_COMMAND);
      this.w.array(2 + count * this.itemWidth);
      this.w.bulk(this.name);
      this.w.bulk(this.key);
    }
    this.left--;
    if (++this.inRun === ITEMS_PER_COMMAND) this.inRun = 0;
  }
}

/** Appends the commands that rebuild the key `id` of `db` (its value and TTL) to `w`. */
export function writeKeyAsCommands(w: ReplyWriter, db: Database, id: number): void {
  const key = db.keyOf(id);
  switch (db.typeOf(id)) {
    case ValueType.String: {
      const value = db.stringRange(id, VALUE);
      w.array(3);
      w.bulk(SET);
      w.bulk(key);
      w.bulkRange(value.buf, value.start, value.end);
      break;
    }
    case ValueType.List: {
      const list = db.objectOf(id) as ListValue;
      const batch = new Batcher(w, RPUSH, key, 1, list.length);
      list.walk(0, false, (buf, start, end) => {
        batch.item();
        w.bulkRange(buf, start, end);
      });
      break;
    }
    case ValueType.Set: {
      const set = db.objectOf(id) as SetValue;
      const batch = new Batcher(w, SADD, key, 1, set.size);
      set.forEach((member) => {
        batch.item();
        w.bulk(member);
      });
      break;
    }
    case ValueType.ZSet: {
      const zset = db.objectOf(id) as ZSetValue;
      const batch = new Batcher(w, ZADD, key, 2, zset.size);
      if (zset.size > 0) {
        zset.range(0, zset.size - 1, false, (member, start, end, score) => {
          batch.item();
          w.bulkString(formatDouble(score));
          w.bulkRange(member, start, end);
        });
      }
      break;
    }
    case ValueType.Hash: {
      const hash = db.objectOf(id) as HashValue;
      const batch = new Batcher(w, HMSET, key, 2, hash.size);
      const timed: [Buffer, number][] = [];
      hash.forEach((bytes, ks, ke, value, vs, ve) => {
        batch.item();
        w.bulkRange(bytes, ks, ke);
        w.bulkRange(value, vs, ve);
        const field = bytes.subarray(ks, ke);
        const at = hash.fieldExpireAt(field);
        if (at >= 0) timed.push([Buffer.from(field), at]);
      });
      // Field TTLs (Redis 7.4's): Redis 7.0 has no command for them and will not load these.
      for (const [field, at] of timed) {
        w.array(6);
        w.bulk(HPEXPIREAT);
        w.bulk(key);
        w.bulkString(String(at));
        w.bulk(FIELDS);
        w.bulk(ONE);
        w.bulk(field);
      }
      break;
    }
    case ValueType.Stream:
      writeStreamAsCommands(w, key, db.objectOf(id) as StreamValue);
      break;
    default:
      throw new Error(`cannot rewrite a value of type ${db.typeOf(id)}`);
  }
  const at = db.expireAt(id);
  if (at !== -1) {
    w.array(3);
    w.bulk(PEXPIREAT);
    w.bulk(key);
    w.bulkString(String(at));
  }
}

function command(w: ReplyWriter, args: readonly (Buffer | string)[]): void {
  w.array(args.length);
  for (const arg of args) {
    if (typeof arg === 'string') w.bulkString(arg);
    else w.bulk(arg);
  }
}

/**
 * XADD of each entry (an empty stream as XADD MAXLEN 0 of a dummy entry), XSETID with the
 * counters, then per group (name order) XGROUP CREATE with ENTRIESREAD, and per consumer an
 * XCLAIM ... FORCE JUSTID of each pending entry with its delivery time and count, or XGROUP
 * CREATECONSUMER when it has none. As in Redis, consumers' seen times are not kept.
 */
function writeStreamAsCommands(w: ReplyWriter, key: Buffer, stream: StreamValue): void {
  if (stream.length > 0) {
    stream.forEachEntry((id, buf, spans, pairs) => {
      w.array(3 + 2 * pairs);
      w.bulk(XADD);
      w.bulk(key);
      w.bulkString(formatId(id));
      for (let i = 0; i < 4 * pairs; i += 2) w.bulkRange(buf, spans[i]!, spans[i + 1]!);
    });
  } else {
    command(w, [XADD, key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  command(w, [XSETID, key, formatId(stream.lastId), 'ENTRIESADDED', String(stream.entriesAdded), 'MAXDELETEDID', formatId(stream.maxDeletedId)]);
  for (const group of inNameOrder(stream.groups.values())) {
    command(w, [XGROUP, 'CREATE', key, group.name, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
    for (const consumer of inNameOrder(group.consumers.values())) {
      if (consumer.pending.length === 0) command(w, [XGROUP, 'CREATECONSUMER', key, group.name, consumer.name]);
      for (const entry of consumer.pending) {
        command(w, [XCLAIM, key, group.name, consumer.name, '0', formatId(entry.id), 'TIME', String(entry.deliveryTime), 'RETRYCOUNT', String(entry.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
}
