// HyperLogLog commands over string values in Redis's HYLL format (src/store/hll.ts). A dense
// value is edited in place in the store; a sparse one (at most hll-sparse-max-bytes) is copied
// out, edited and written back, since its opcodes move as registers change.

import {
  CommandError,
  HLL_CORRUPTED,
  HLL_INVALID,
  HLL_NO_KEY,
  HLL_NOT_SPARSE,
  pfdebugUnknown,
  pfselftestFailed,
  quoteArg,
  WRONGTYPE,
} from '../errors.ts';
import type { Database } from '../store/database.ts';
import {
  cachedCount,
  decodeSparse,
  denseRegister,
  elementRun,
  encodingOf,
  HLL_DENSE,
  HLL_DENSE_BYTES,
  HLL_HEADER_BYTES,
  HLL_REGISTERS,
  HLL_SPARSE,
  hllCount,
  invalidateCache,
  isHll,
  mergeInto,
  newSketch,
  raiseAll,
  registersCount,
  RUN_BITS,
  RUN_MASK,
  selfTest,
  setCachedCount,
  setDenseRegister,
  sketchAdd,
  sketchOf,
  sparseToDense,
  type Sketch,
} from '../store/hll.ts';
import { Encoding, newByteRange, ValueType } from '../store/types.ts';
import { Notify } from '../server/effects.ts';
import { isWord } from './args.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const range = newByteRange();
/** The union of several HLLs' registers, one byte each (PFCOUNT of several keys, PFMERGE). */
const union = new Uint8Array(HLL_REGISTERS);

function maxSparseBytes(ctx: CommandContext): number {
  return ctx.server.config.number('hll-sparse-max-bytes');
}

/**
 * The entry of a key that must hold a HYLL string (Redis's isHLLObjectOrReply), or -1 when
 * missing. `read` counts a keyspace hit or miss (lookupKeyRead).
 */
function findHll(db: Database, key: Buffer, read: boolean): number {
  const id = read ? db.findForRead(key) : db.find(key);
  if (id < 0) return -1;
  if (db.typeOf(id) !== ValueType.String) throw new CommandError(WRONGTYPE);
  db.stringRange(id, range);
  if (!isHll(range.buf, range.start, range.end)) throw new CommandError(HLL_INVALID);
  return id;
}

/** Writes an edited sketch back (or creates the key), as a raw string like Redis's sds HLLs. */
function storeSketch(db: Database, key: Buffer, id: number, sketch: Sketch): void {
  const value = sketch.bytes.subarray(0, sketch.length);
  if (id >= 0) db.replaceString(id, value, Encoding.Raw);
  else db.setEncoding(db.setString(key, value), Encoding.Raw);
}

function storedSketch(db: Database, id: number): Sketch {
  db.stringRange(id, range);
  return sketchOf(range.buf, range.start, range.end);
}

function pfadd(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const key = argv[1]!;
  const id = findHll(db, key, false);
  let updated: number;
  if (id >= 0) {
    // Redis unshares the value first, which leaves it raw-encoded even when nothing changes.
    db.setEncoding(id, Encoding.Raw);
    updated = encodingOf(range.buf, range.start) === HLL_DENSE ? addDense(ctx, id) : addSparse(ctx, id);
  } else {
    const sketch = newSketch();
    for (let i = 2; i < argv.length; i++) sketchAdd(sketch, argv[i]!, maxSparseBytes(ctx));
    invalidateCache(sketch.bytes, 0);
    storeSketch(db, key, -1, sketch);
    updated = 1;
  }
  if (updated > 0) ctx.notify(Notify.String, 'pfadd', key);
  w.int(updated > 0 ? 1 : 0);
}

/** PFADD into a dense value, in place: the value is opened for writing only if a register rises. */
function addDense(ctx: CommandContext, id: number): number {
  const { argv, db } = ctx;
  let updated = 0;
  for (let i = 2; i < argv.length; i++) {
    const packed = elementRun(argv[i]!);
    const register = packed >>> RUN_BITS;
    const run = packed & RUN_MASK;
    if (run <= denseRegister(range.buf, range.start + HLL_HEADER_BYTES, register)) continue;
    if (updated === 0) db.resizeString(id, HLL_DENSE_BYTES, range);
    setDenseRegister(range.buf, range.start + HLL_HEADER_BYTES, register, run);
    updated++;
  }
  if (updated > 0) invalidateCache(range.buf, range.start);
  return updated;
}

function addSparse(ctx: CommandContext, id: number): number {
  const { argv, db } = ctx;
  const sketch = storedSketch(db, id);
  const maxBytes = maxSparseBytes(ctx);
  let updated = 0;
  for (let i = 2; i < argv.length; i++) {
    const result = sketchAdd(sketch, argv[i]!, maxBytes);
    if (result < 0) {
      // Redis keeps the registers raised before the corrupt part was found, but neither
      // signals nor propagates them.
      if (updated > 0) {
        storeSketch(db, argv[1]!, id, sketch);
        ctx.preventPropagation();
      }
      throw new CommandError(HLL_CORRUPTED);
    }
    updated += result;
  }
  if (updated > 0) {
    // A register raised after promotion to dense left the copied header's cache as it was.
    invalidateCache(sketch.bytes, 0);
    storeSketch(db, argv[1]!, id, sketch);
  }
  return updated;
}

function pfcount(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  if (argv.length > 2) {
    union.fill(0);
    for (let i = 1; i < argv.length; i++) mergeKey(db, argv[i]!);
    return w.int(registersCount(union));
  }
  const id = findHll(db, argv[1]!, true);
  if (id < 0) return w.int(0);
  db.setEncoding(id, Encoding.Raw);
  const cached = cachedCount(range.buf, range.start);
  if (typeof cached === 'bigint') return w.bigint(cached);
  if (cached >= 0) return w.int(cached);
  const count = hllCount(range.buf, range.start, range.end);
  if (count < 0) throw new CommandError(HLL_CORRUPTED);
  // Caching the count changes the value: Redis propagates this PFCOUNT to replicas.
  db.resizeString(id, range.end - range.start, range);
  setCachedCount(range.buf, range.start, count);
  w.int(count);
}

/** Raises `union` to the registers of the HLL at `key` (if any); true if it is dense. */
function mergeKey(db: Database, key: Buffer): boolean {
  if (findHll(db, key, true) < 0) return false;
  if (!mergeInto(union, range.buf, range.start, range.end)) throw new CommandError(HLL_CORRUPTED);
  return encodingOf(range.buf, range.start) === HLL_DENSE;
}

function pfmerge(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  union.fill(0);
  let anyDense = false;
  for (let i = 1; i < argv.length; i++) if (mergeKey(db, argv[i]!)) anyDense = true;
  const key = argv[1]!;
  const id = db.find(key);
  const sketch = id >= 0 ? storedSketch(db, id) : newSketch();
  // One dense input makes the result dense at once, as Redis does, rather than by growth.
  if (anyDense && !sparseToDense(sketch)) throw new CommandError(HLL_CORRUPTED);
  raiseAll(sketch, union, maxSparseBytes(ctx));
  storeSketch(db, key, id, sketch);
  ctx.notify(Notify.String, 'pfadd', key);
  w.ok();
}

function pfdebug(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const sub = argv[1]!;
  const key = argv[2]!;
  const id = findHll(db, key, false);
  if (id < 0) throw new CommandError(HLL_NO_KEY);
  db.setEncoding(id, Encoding.Raw);
  const sparse = encodingOf(range.buf, range.start) === HLL_SPARSE;
  if (isWord(sub, 'getreg')) {
    if (sparse) makeDense(db, key, id);
    db.stringRange(id, range);
    w.array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) w.int(denseRegister(range.buf, range.start + HLL_HEADER_BYTES, i));
  } else if (isWord(sub, 'decode')) {
    if (!sparse) throw new CommandError(HLL_NOT_SPARSE);
    w.bulkString(decodeSparse(range.buf, range.start, range.end));
  } else if (isWord(sub, 'encoding')) {
    w.simple(sparse ? 'sparse' : 'dense');
  } else if (isWord(sub, 'todense')) {
    if (sparse) makeDense(db, key, id);
    w.int(sparse ? 1 : 0);
  } else {
    throw new CommandError(pfdebugUnknown(quoteArg(sub)));
  }
}

/** PFDEBUG's conversion of a sparse value (a change Redis propagates). */
function makeDense(db: Database, key: Buffer, id: number): void {
  const sketch = storedSketch(db, id);
  if (!sparseToDense(sketch)) throw new CommandError(HLL_CORRUPTED);
  storeSketch(db, key, id, sketch);
}

function pfselftest(ctx: CommandContext): void {
  const failure = selfTest(maxSparseBytes(ctx));
  if (failure !== null) throw new CommandError(pfselftestFailed(failure));
  ctx.w.ok();
}

export const hyperloglogCommands: CommandSpec[] = [
  { name: 'pfadd', handler: pfadd },
  { name: 'pfcount', handler: pfcount },
  { name: 'pfmerge', handler: pfmerge },
  { name: 'pfdebug', handler: pfdebug },
  { name: 'pfselftest', handler: pfselftest },
];
