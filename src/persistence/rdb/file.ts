// Whole RDB files: writing the keyspace as of one instant, incrementally (RdbSnapshot), and
// loading a file into the keyspace (RdbLoader), also incrementally. Layout as Redis 7.0 writes
// it: "REDIS0010", aux fields, the function libraries, then per non-empty database SELECTDB, RESIZEDB and its keys
// ([EXPIRETIME_MS] [IDLE|FREQ] type key value), then EOF and the CRC-64 of everything before
// (8 zero bytes with rdbchecksum no).
//
// Point in time without fork: the snapshot walks each database's entry slots in order. A
// key about to change (or go) whose slot the walk has not reached is written right then into
// that database's side buffer, and its slot is marked done; a key created after the start is
// marked too, so the walk passes both by. The side buffer joins the file when the walk of its
// database ends. What it holds is the snapshot's extra memory (rdb_last_cow_size).

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import type { Keyspace } from '../../store/keyspace.ts';
import type { ByteRange } from '../../store/types.ts';
import { REDIS_VERSION } from '../../version.ts';
import { Crc64 } from './crc64.ts';
import { Opcode as OPCODES, RdbType as RDB_TYPES, RDB_VERSION, RDB_VERSION_FIELD_TTLS, RdbFormatError, RdbInput, RdbOutput } from './format.ts';
import { readFunctionRecord, writeFunctions } from './dump.ts';
import { functionRecordUnreadable } from '../../errors.ts';
import { isValueType as IS_VALUE_TYPE, readValue as READ_VALUE, writeValue as WRITE_VALUE, type ValueLimits } from './values.ts';

// Module-local bindings for the per-key paths: under tsx every use of an imported binding is a
// getter call, which a load of small keys paid several times per key (a third of its time).
const Opcode = OPCODES;
const RdbType = RDB_TYPES;
const isValueType = IS_VALUE_TYPE;
const readValue = READ_VALUE;
const writeValue = WRITE_VALUE;
/** Which access data each key carries: IDLE under an LRU maxmemory-policy, FREQ under LFU. */
export type AccessInfo = 'lru' | 'lfu' | 'none';

export interface RdbSaveOptions {
  /** rdbcompression */
  compression: boolean;
  /** rdbchecksum: without it the file ends in 8 zero bytes. */
  checksum: boolean;
  limits: ValueLimits;
  access: AccessInfo;
  /** The aux field used-mem. */
  usedMemory: number;
  /** aof-base: 1 when the file is an AOF's base (its preamble). */
  aofBase?: boolean;
  /** More aux fields, written after used-mem in this order (repl-stream-db, repl-id, repl-offset). */
  aux?: [string, string][];
  /** The wall clock in ms (ctime). */
  now: number;
  /** The function libraries' codes (FUNCTION LOAD's argument), as of the snapshot's start. */
  functions?: readonly Uint8Array[];
}

/** A database as the walk sees it. */
interface DbWalk {
  db: Database;
  /** Its number when the snapshot began (SWAPDB later does not move its keys in the file). */
  index: number;
  /** Sizes at the start, for RESIZEDB. */
  keys: number;
  expires: number;
  /** The next slot to visit; -1 once the walk is past the last one. */
  cursor: number;
  /** Slots at or past the cursor that the walk passes by: written early, or created after the start. */
  done: Set<number>;
  /** Keys written early, waiting for the walk of this database to end. */
  side: RdbOutput | null;
  /** SELECTDB and RESIZEDB written. */
  started: boolean;
  finished: boolean;
}

const SCRATCH: ByteRange = { buf: new Uint8Array(0), start: 0, end: 0 };
/** Keys the walk takes between checks of the output size. */
const KEYS_PER_CHECK = 64;

/**
 * Writes the keyspace as of its construction, in steps: each step() writes keys until about
 * `maxBytes` of output are ready and hands them to `sink`. Commands may run between steps.
 */
export class RdbSnapshot {
  private readonly out: RdbOutput;
  private readonly crc: Crc64 | null;
  private readonly walks: DbWalk[];
  private readonly byDb = new Map<Database, DbWalk>();
  private current = 0;
  private headerWritten = false;
  private finished = false;
  private stopObserving: (() => void) | null;
  /** Bytes written early for keys that changed before the walk reached them. */
  cowBytes = 0;
  /** Bytes handed to the sink so far. */
  written = 0;
  keysWritten = 0;
  /** Keys the keyspace held at the start. */
  readonly keysTotal: number;

  constructor(
    readonly keyspace: Keyspace,
    private readonly options: RdbSaveOptions,
    private readonly sink: (chunk: Buffer) => void,
  ) {
    this.out = new RdbOutput(options.compression);
    this.crc = options.checksum ? new Crc64() : null;
    this.walks = keyspace.dbs
      .map((db, index) => ({
        db,
        index,
        keys: db.size,
        expires: db.volatileCount,
        cursor: 0,
        done: new Set<number>(),
        side: null,
        started: false,
        finished: db.size === 0,
      }))
      .filter((walk) => !walk.finished);
    for (const walk of this.walks) this.byDb.set(walk.db, walk);
    this.keysTotal = this.walks.reduce((total, walk) => total + walk.keys, 0);
    this.stopObserving =
      this.walks.length === 0
        ? null
        : keyspace.observe({
            beforeChange: (db, id) => this.preserve(db, id),
            created: (db, id) => {
              const walk = this.byDb.get(db);
              if (walk !== undefined && !walk.finished && walk.cursor >= 0 && id >= walk.cursor) walk.done.add(id);
            },
            beforeFlush: (db) => this.preserveAll(db),
          });
  }

  /** Writes about `maxBytes` more; true once the whole file has gone to the sink. */
  step(maxBytes: number): boolean {
    if (this.finished) return true;
    const out = this.out;
    if (!this.headerWritten) this.writeHeader();
    while (out.at < maxBytes && this.current < this.walks.length) {
      const walk = this.walks[this.current]!;
      if (!walk.started) this.selectDb(walk);
      if (walk.cursor >= 0) {
        walk.cursor = walk.db.walk(walk.cursor, KEYS_PER_CHECK, (id) => {
          if (walk.done.size > 0 && walk.done.delete(id)) return;
          this.writeKey(out, walk.db, id);
        });
      }
      if (walk.cursor < 0) this.endDb(walk);
    }
    if (this.current >= this.walks.length) this.writeEnd();
    this.flush();
    return this.finished;
  }

  /** Stops: no more output, and the keyspace is no longer observed. */
  abort(): void {
    this.stop();
    this.finished = true;
  }

  private stop(): void {
    this.stopObserving?.();
    this.stopObserving = null;
  }

  private writeHeader(): void {
    const out = this.out;
    const { options, keyspace } = this;
    const fieldTtls = keyspace.dbs.some((db) => db.fieldExpiringCount > 0);
    out.bytes(Buffer.from(`REDIS${String(fieldTtls ? RDB_VERSION_FIELD_TTLS : RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    out.aux('redis-ver', REDIS_VERSION);
    out.aux('redis-bits', '64');
    out.aux('ctime', String(Math.floor(options.now / 1000)));
    out.aux('used-mem', String(options.usedMemory));
    for (const [key, value] of options.aux ?? []) out.aux(key, value);
    out.aux('aof-base', options.aofBase ? '1' : '0');
    // As rdbSaveRio: the function libraries come before the databases.
    writeFunctions(out, options.functions ?? []);
    this.headerWritten = true;
  }

  private selectDb(walk: DbWalk): void {
    walk.started = true;
    const out = this.out;
    out.byte(Opcode.SelectDb);
    out.length(walk.index);
    out.byte(Opcode.ResizeDb);
    out.length(walk.keys);
    out.length(walk.expires);
  }

  private endDb(walk: DbWalk): void {
    if (walk.side !== null) this.out.bytes(walk.side.view());
    walk.side = null;
    walk.done.clear();
    walk.finished = true;
    this.current++;
  }

  private writeEnd(): void {
    this.out.byte(Opcode.Eof);
    this.stop();
    const body = this.out.view();
    this.crc?.update(body);
    this.written += body.length;
    const tail = this.crc === null ? Buffer.alloc(8) : this.crc.digest();
    const chunk = Buffer.concat([body, tail]);
    this.out.at = 0;
    this.written += 8;
    this.finished = true;
    this.sink(chunk);
  }

  private flush(): void {
    if (this.out.at === 0) return;
    const chunk = this.out.take();
    this.crc?.update(chunk);
    this.written += chunk.length;
    this.sink(chunk);
  }

  private writeKey(out: RdbOutput, db: Database, id: number): void {
    const expireAt = db.expireAt(id);
    if (expireAt !== -1) {
      out.byte(Opcode.ExpireTimeMs);
      out.millis(expireAt);
    }
    if (this.options.access === 'lru') {
      out.byte(Opcode.Idle);
      out.length((this.keyspace.lruClock - db.lruOf(id) + 0x1000000) % 0x1000000);
    }
    // FREQ needs an LFU counter, which the store does not keep yet: without one, Redis too
    // gives a loaded key its initial counter.
    writeValue(out, db, id, db.keyRange(id, SCRATCH), this.options.limits);
    this.keysWritten++;
  }

  /** Before a key changes: write its current value now if the walk has yet to reach it. */
  private preserve(db: Database, id: number): void {
    const walk = this.byDb.get(db);
    if (walk === undefined || walk.finished || walk.cursor < 0 || id < walk.cursor || walk.done.has(id)) return;
    const side = (walk.side ??= new RdbOutput(this.options.compression, 4096));
    const before = side.at;
    this.writeKey(side, db, id);
    this.cowBytes += side.at - before;
    walk.done.add(id);
  }

  /** Before a database is emptied: every key the walk has yet to reach is written now. */
  private preserveAll(db: Database): void {
    const walk = this.byDb.get(db);
    if (walk === undefined || walk.finished || walk.cursor < 0) return;
    let cursor = walk.cursor;
    while (cursor >= 0) cursor = db.walk(cursor, KEYS_PER_CHECK, (id) => this.preserve(db, id));
    walk.cursor = -1;
  }
}

/** Writes the whole keyspace in one go (SAVE, DEBUG RELOAD, an AOF base). */
export function writeRdb(keyspace: Keyspace, options: RdbSaveOptions, sink: (chunk: Buffer) => void): RdbSnapshot {
  const snapshot = new RdbSnapshot(keyspace, options, sink);
  while (!snapshot.step(1 << 20));
  return snapshot;
}

/** The whole keyspace as one RDB file image. */
export function rdbImage(keyspace: Keyspace, options: RdbSaveOptions): Buffer {
  const chunks: Buffer[] = [];
  writeRdb(keyspace, options, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

// ---- loading ------------------------------------------------------------------------------------

export interface RdbLoadOptions {
  limits: ValueLimits;
  /** rdbchecksum: verify the CRC (a file saved without one has 0 there and is not checked). */
  checksum: boolean;
  /**
   * Keys (and hash fields) whose TTL passed before this time are not loaded, as a primary
   * loading its file does; null loads them all (an AOF preamble, a replica).
   */
  now: number | null;
  /** Where log lines go (warnings as redis-server writes them). */
  warn?: (message: string) => void;
  /** Loads a function library from its code; the error (which makes the file fail to load), or null. Without it libraries are skipped. */
  loadFunction?: (code: Buffer) => string | null;
}

export interface RdbLoadResult {
  version: number;
  keysLoaded: number;
  expiredSkipped: number;
  emptySkipped: number;
  aux: Map<string, string>;
  /** The offset just past the file (an AOF's commands follow an RDB preamble there). */
  end: number;
}

const MAGIC = Buffer.from('REDIS', 'latin1');
const KEY: ByteRange = { buf: new Uint8Array(0), start: 0, end: 0 };
const VALUE: ByteRange = { buf: new Uint8Array(0), start: 0, end: 0 };
const KEY_DIGITS = new Uint8Array(11);
const VALUE_DIGITS = new Uint8Array(11);
/** The newest format this loader reads (Redis 7.4's). */
const MAX_VERSION = RDB_VERSION_FIELD_TTLS;

/**
 * Loads an RDB image into the keyspace in steps (step() reads about `maxBytes` of the file),
 * so a server can answer -LOADING between them. Throws RdbFormatError for a corrupt file.
 */
export class RdbLoader {
  private readonly input: RdbInput;
  private readonly crc: Crc64 | null;
  private crcAt: number;
  private db: Database;
  private done = false;
  readonly result: RdbLoadResult;

  constructor(
    private readonly keyspace: Keyspace,
    readonly data: Buffer,
    private readonly options: RdbLoadOptions,
    start = 0,
  ) {
    this.input = new RdbInput(data, start);
    this.crcAt = start;
    this.crc = options.checksum ? new Crc64() : null;
    this.db = keyspace.dbs[0]!;
    if (data.length - start < 9 || !data.subarray(start, start + 5).equals(MAGIC)) {
      throw new RdbFormatError('Wrong signature trying to load DB from file');
    }
    const version = Number(data.subarray(start + 5, start + 9).toString('latin1'));
    if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
      throw new RdbFormatError(`Can't handle RDB format version ${data.subarray(start + 5, start + 9).toString('latin1')}`);
    }
    this.input.at = start + 9;
    this.result = { version, keysLoaded: 0, expiredSkipped: 0, emptySkipped: 0, aux: new Map(), end: start };
  }

  /** Bytes read so far (loading_loaded_bytes). */
  get position(): number {
    return this.input.at;
  }

  /** Reads about `maxBytes` more of the file; true once it is all loaded. */
  step(maxBytes: number): boolean {
    const input = this.input;
    const stop = input.at + maxBytes;
    while (!this.done && input.at < stop) this.record();
    this.updateCrc(input.at);
    return this.done;
  }

  private updateCrc(to: number): void {
    if (this.crc !== null && to > this.crcAt) {
      this.crc.update(this.data, this.crcAt, to);
      this.crcAt = to;
    }
  }

  /** One opcode, or one key with its prefixes. */
  private record(): void {
    const input = this.input;
    let expireAt: number | bigint = -1;
    let idle = -1;
    let type = input.byte();
    for (;;) {
      if (type === Opcode.ExpireTimeMs) expireAt = input.millis();
      else if (type === Opcode.ExpireTime) expireAt = input.seconds();
      else if (type === Opcode.Idle) idle = input.length();
      else if (type === Opcode.Freq) input.byte();
      else break;
      type = input.byte();
    }
    switch (type) {
      case Opcode.Eof:
        return this.end();
      case Opcode.SelectDb: {
        const index = input.length();
        const db = this.keyspace.dbs[index];
        if (db === undefined) {
          throw new RdbFormatError(
            `FATAL: Data file was created with a Redis server configured to handle more than ${this.keyspace.dbs.length} databases. Exiting`,
          );
        }
        this.db = db;
        return;
      }
      case Opcode.ResizeDb:
        this.db.reserve(input.length());
        input.length();
        return;
      case Opcode.Aux: {
        const key = input.string().toString('latin1');
        const value = input.string().toString('latin1');
        this.result.aux.set(key, value);
        return;
      }
      case Opcode.SlotInfo:
        input.length();
        input.length();
        input.length();
        return;
      case Opcode.Function2:
      case Opcode.FunctionPreGa: {
        const code = readFunctionRecord(input, type);
        if (typeof code === 'string') throw new RdbFormatError(`Failed loading library, ${functionRecordUnreadable(code).slice('ERR '.length)}`);
        const loadFunction = this.options.loadFunction;
        if (loadFunction === undefined) {
          this.options.warn?.('The RDB file holds a function library, which this load does not take; skipped.');
          return;
        }
        const refused = loadFunction(code);
        if (refused !== null) throw new RdbFormatError(`Failed loading library, ${refused.replace(/^ERR /, '')}`);
        return;
      }
      case Opcode.ModuleAux:
        throw new RdbFormatError('The RDB file contains AUX module data I can\'t load: no matching module');
    }
    if (!isValueType(type)) throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
    const access = idle < 0 ? -1 : (this.keyspace.lruClock - Math.min(idle, 0xffffff) + 0x1000000) % 0x1000000;
    let id: number;
    if (type === RdbType.String) {
      // The most common record has its own path, with no allocation: inserting copies the
      // key and value from the file's bytes.
      const key = input.stringRange(KEY, KEY_DIGITS);
      const value = input.stringRange(VALUE, VALUE_DIGITS);
      if (this.expiredBeforeLoad(expireAt)) return;
      id = this.db.loadString(key, value, access);
    } else {
      // Inserting copies the key, so a view into the file will do.
      const key = input.stringView();
      const value = readValue(input, type, { limits: this.options.limits, now: this.options.now });
      if (value === null) {
        this.result.emptySkipped++;
        return;
      }
      if (this.expiredBeforeLoad(expireAt)) return;
      value.access = access;
      id = this.db.importValue(key, value);
    }
    if (expireAt !== -1) this.db.setExpire(id, expireAt);
    this.result.keysLoaded++;
  }

  /** Whether a key's TTL passed before the load (then it is counted, not loaded). */
  private expiredBeforeLoad(expireAt: number | bigint): boolean {
    const now = this.options.now;
    if (expireAt === -1 || now === null || expireAt >= now) return false;
    this.result.expiredSkipped++;
    return true;
  }

  private end(): void {
    const input = this.input;
    if (this.result.version >= 5) {
      this.updateCrc(input.at);
      const stored = input.take(8);
      if (this.options.checksum && this.crc !== null) {
        if (stored.every((b) => b === 0)) {
          this.options.warn?.('RDB file was saved with checksum disabled: no check performed.');
        } else if (!stored.equals(this.crc.digest())) {
          throw new RdbFormatError(
            `Wrong RDB checksum expected: (${stored.readBigUInt64LE(0).toString(16)}) got: (${this.crc.value.toString(16)}). Aborting now.`,
          );
        }
      }
    }
    this.result.end = input.at;
    this.done = true;
  }
}

export function loadRdb(keyspace: Keyspace, data: Buffer, options: RdbLoadOptions, start = 0): RdbLoadResult {
  const loader = new RdbLoader(keyspace, data, options, start);
  while (!loader.step(1 << 24));
  return loader.result;
}
