// Bitmap commands: bit-level reads and writes on string values. Bit 0 is the most significant
// bit of the first byte. Writes grow the string in place through resizeString; BITFIELD works
// in BigInt because its fields go up to 64 bits.

import { Buffer } from 'node:buffer';
import {
  BIT_ARGUMENT,
  BIT_OFFSET,
  BIT_VALUE,
  BITFIELD_OVERFLOW,
  BITFIELD_RO_GET_ONLY,
  BITFIELD_TYPE,
  BITOP_NOT_ARITY,
  CommandError,
  SYNTAX,
} from '../errors.ts';
import { Encoding, newByteRange, type ByteRange } from '../store/types.ts';
import { INT64_MAX, parseInt64 } from '../util/numbers.ts';
import { Notify } from '../server/effects.ts';
import { isWord, longArg } from './args.ts';
import { findString, findStringForWrite, growString, int64Arg, maxStringLength } from './strings.ts';
import { isCWord, KeyFlag, type KeyResult } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const range = newByteRange();
const EMPTY = new Uint8Array(0);


/**
 * Redis's getBitOffsetFromArgument: a non-negative int64 whose byte lies within
 * proto-max-bulk-len. With `fieldBits` > 0 the "#n" form means n * fieldBits (BITFIELD).
 */
function bitOffset(ctx: CommandContext, arg: Buffer, fieldBits = 0): number {
  const hash = fieldBits > 0 && arg[0] === 0x23;
  const n = parseInt64(arg, hash ? 1 : 0);
  if (typeof n !== 'number') throw new CommandError(BIT_OFFSET);
  const offset = hash ? n * fieldBits : n;
  if (offset < 0 || Math.floor(offset / 8) >= maxStringLength(ctx)) throw new CommandError(BIT_OFFSET);
  return offset;
}

function setbit(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const offset = bitOffset(ctx, argv[2]!);
  const on = longArg(argv[3]!, BIT_VALUE);
  if (on !== 0 && on !== 1) throw new CommandError(BIT_VALUE);
  const key = argv[1]!;
  const id = findStringForWrite(db, key);
  const byte = Math.floor(offset / 8);
  const mask = 0x80 >>> (offset & 7);
  if (id >= 0) {
    const r = db.stringRange(id, range);
    const current = r.start + byte < r.end ? r.buf[r.start + byte]! & mask : -1;
    // Setting a bit to what it already is modifies nothing (watchers are not told), though
    // Redis still leaves the value raw-encoded.
    if (current >= 0 && (current !== 0) === (on === 1)) {
      db.setEncoding(id, Encoding.Raw);
      return w.int(on);
    }
  }
  const out = growString(db, key, id, byte + 1, range);
  const old = out.buf[out.start + byte]!;
  out.buf[out.start + byte] = on ? old | mask : old & ~mask;
  ctx.notify(Notify.String, 'setbit', key);
  w.int(old & mask ? 1 : 0);
}

function getbit(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const offset = bitOffset(ctx, argv[2]!);
  const id = findString(db, argv[1]!);
  if (id < 0) return w.int(0);
  const r = db.stringRange(id, range);
  const byte = Math.floor(offset / 8);
  w.int(byte < r.end - r.start && r.buf[r.start + byte]! & (0x80 >>> (offset & 7)) ? 1 : 0);
}

/** Whether a BIT/BYTE unit argument says BIT. */
function isBitUnit(arg: Buffer): boolean {
  if (isWord(arg, 'bit')) return true;
  if (isWord(arg, 'byte')) return false;
  throw new CommandError(SYNTAX);
}

/** A start..end range clamped into [0, total), Redis style; start > end means empty. */
function clampRange(start: number, end: number, total: number): [number, number] {
  if (start < 0) start = Math.max(0, total + start);
  if (end < 0) end = Math.max(0, total + end);
  if (end >= total) end = total - 1;
  return [start, end];
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >>> 1]!;

/** Below this many bytes a word view costs more than it saves. */
const WORDWISE_MIN = 64;

/** Set bits in buf[start, end): 32-bit words where aligned (SWAR), a table for the edges. */
function popcount(buf: Uint8Array, start: number, end: number): number {
  let bits = 0;
  let i = start;
  if (end - start >= WORDWISE_MIN) {
    while ((buf.byteOffset + i) & 3) bits += POPCOUNT[buf[i++]!]!;
    const words = new Uint32Array(buf.buffer, buf.byteOffset + i, (end - i) >>> 2);
    for (let k = 0; k < words.length; k++) {
      let v = words[k]!;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      bits += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words.length * 4;
  }
  while (i < end) bits += POPCOUNT[buf[i++]!]!;
  return bits;
}

/** The first index in [start, end) whose byte is not `skip` (0 or 0xff), or `end`. */
function skipBytes(buf: Uint8Array, start: number, end: number, skip: number): number {
  let i = start;
  if (end - start >= WORDWISE_MIN) {
    while ((buf.byteOffset + i) & 3) {
      if (buf[i] !== skip) return i;
      i++;
    }
    const words = new Int32Array(buf.buffer, buf.byteOffset + i, (end - i) >>> 2);
    const skipWord = skip === 0 ? 0 : -1;
    let k = 0;
    while (k < words.length && words[k] === skipWord) k++;
    i += k * 4;
  }
  while (i < end && buf[i] === skip) i++;
  return i;
}

function bitcount(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const id = findString(db, argv[1]!);
  if (id < 0) return w.int(0);
  const r = db.stringRange(id, range);
  const length = r.end - r.start;
  if (argv.length === 2) return w.int(popcount(r.buf, r.start, r.end));
  if (argv.length !== 4 && argv.length !== 5) throw new CommandError(SYNTAX);
  const rawStart = longArg(argv[2]!);
  const rawEnd = longArg(argv[3]!);
  if (rawStart < 0 && rawEnd < 0 && rawStart > rawEnd) return w.int(0);
  const isBit = argv.length === 5 && isBitUnit(argv[4]!);
  const [start, end] = clampRange(rawStart, rawEnd, isBit ? length * 8 : length);
  if (start > end) return w.int(0);
  if (!isBit) return w.int(popcount(r.buf, r.start + start, r.start + end + 1));
  const first = Math.floor(start / 8);
  const last = Math.floor(end / 8);
  let count = popcount(r.buf, r.start + first, r.start + last + 1);
  // Take off the bits of the edge bytes that lie outside the range.
  count -= POPCOUNT[r.buf[r.start + first]! & ~(0xff >>> (start & 7)) & 0xff]!;
  count -= POPCOUNT[r.buf[r.start + last]! & ((1 << (7 - (end & 7))) - 1)]!;
  w.int(count);
}

function bitpos(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const bit = longArg(argv[2]!);
  if (bit !== 0 && bit !== 1) throw new CommandError(BIT_ARGUMENT);
  const id = findString(db, argv[1]!);
  if (id < 0) return w.int(bit ? -1 : 0);
  const r = db.stringRange(id, range);
  const length = r.end - r.start;
  if (argv.length > 6) throw new CommandError(SYNTAX);
  let start = 0;
  let end = length * 8 - 1;
  const endGiven = argv.length >= 5;
  if (argv.length >= 4) {
    const rawStart = longArg(argv[3]!);
    const isBit = argv.length === 6 && isBitUnit(argv[5]!);
    const rawEnd = endGiven ? longArg(argv[4]!) : length - 1;
    [start, end] = clampRange(rawStart, rawEnd, isBit ? length * 8 : length);
    if (start > end) return w.int(-1);
    if (!isBit) {
      start *= 8;
      end = end * 8 + 7;
    }
  } else if (length === 0) {
    return w.int(-1);
  }
  for (let pos = start; pos <= end; pos++) {
    if ((pos & 7) === 0) {
      // Whole bytes without the bit sought are skipped at once.
      const from = r.start + pos / 8;
      pos += (skipBytes(r.buf, from, r.start + Math.floor((end + 1) / 8), bit ? 0 : 0xff) - from) * 8;
      if (pos > end) break;
    }
    if (((r.buf[r.start + Math.floor(pos / 8)]! >>> (7 - (pos & 7))) & 1) === bit) return w.int(pos);
  }
  // No clear bit: without an explicit end the string counts as padded with zeros on the right.
  w.int(bit === 0 && !endGiven ? end + 1 : -1);
}

const AND = 0;
const OR = 1;
const XOR = 2;
const NOT = 3;

function bitop(ctx: CommandContext): void {
  const { argv, db, w } = ctx;
  const opName = argv[1]!;
  let op: number;
  if (isWord(opName, 'and')) op = AND;
  else if (isWord(opName, 'or')) op = OR;
  else if (isWord(opName, 'xor')) op = XOR;
  else if (isWord(opName, 'not')) op = NOT;
  else throw new CommandError(SYNTAX);
  if (op === NOT && argv.length !== 4) throw new CommandError(BITOP_NOT_ARITY);
  const sources: Uint8Array[] = [];
  let maxLength = 0;
  for (let i = 3; i < argv.length; i++) {
    const id = findString(db, argv[i]!);
    if (id < 0) {
      sources.push(EMPTY);
      continue;
    }
    // Copies: a view into the store lasts only until the next write, and looking up a later
    // source may delete an expired key.
    const value = db.stringValue(id);
    sources.push(value);
    if (value.length > maxLength) maxLength = value.length;
  }
  const target = argv[2]!;
  if (maxLength === 0) {
    if (db.delete(target)) ctx.notify(Notify.Generic, 'del', target);
    return w.int(0);
  }
  const result = Buffer.alloc(maxLength);
  result.set(sources[0]!);
  if (op === NOT) combine(result, result, NOT);
  for (let i = 1; i < sources.length; i++) {
    const src = sources[i]!;
    combine(result, src, op);
    // AND with a shorter source: its missing bytes count as zeros.
    if (op === AND) result.fill(0, src.length);
  }
  // BITOP stores a fresh sds, never an int or embstr object.
  db.setEncoding(db.setString(target, result), Encoding.Raw);
  ctx.notify(Notify.String, 'set', target);
  w.int(maxLength);
}

/** result[j] = result[j] <op> src[j] over src's length (NOT ignores src), words where aligned. */
function combine(result: Uint8Array, src: Uint8Array, op: number): void {
  const n = src.length;
  let j = 0;
  if (n >= WORDWISE_MIN && ((result.byteOffset - src.byteOffset) & 3) === 0) {
    while ((result.byteOffset + j) & 3) combineByte(result, src, op, j++);
    const r = new Int32Array(result.buffer, result.byteOffset + j, (n - j) >>> 2);
    const s = new Int32Array(src.buffer, src.byteOffset + j, r.length);
    if (op === AND) for (let k = 0; k < r.length; k++) r[k]! &= s[k]!;
    else if (op === OR) for (let k = 0; k < r.length; k++) r[k]! |= s[k]!;
    else if (op === XOR) for (let k = 0; k < r.length; k++) r[k]! ^= s[k]!;
    else for (let k = 0; k < r.length; k++) r[k] = ~r[k]!;
    j += r.length * 4;
  }
  while (j < n) combineByte(result, src, op, j++);
}

function combineByte(result: Uint8Array, src: Uint8Array, op: number, j: number): void {
  if (op === AND) result[j]! &= src[j]!;
  else if (op === OR) result[j]! |= src[j]!;
  else if (op === XOR) result[j]! ^= src[j]!;
  else result[j] = ~result[j]! & 0xff;
}

// ---- BITFIELD ------------------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const WRAP = 0;
const SAT = 1;
const FAIL = 2;

interface FieldOp {
  op: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

/** "i1".."i64" or "u1".."u63"; lower-case sign only, as in Redis. */
function fieldType(arg: Buffer): { signed: boolean; bits: number } {
  const signed = arg[0] === 0x69;
  if (!signed && arg[0] !== 0x75) throw new CommandError(BITFIELD_TYPE);
  const bits = parseInt64(arg, 1);
  if (typeof bits !== 'number' || bits < 1 || bits > (signed ? 64 : 63)) throw new CommandError(BITFIELD_TYPE);
  return { signed, bits };
}

/**
 * A string's bytes with BITFIELD's pending writes on top: the operations run against it first,
 * so the stored string is only touched (and watchers told) when some field really changes.
 */
class FieldBytes {
  readonly pending = new Map<number, number>();
  constructor(private readonly view: ByteRange | null) {}

  byte(index: number): number {
    const written = this.pending.get(index);
    if (written !== undefined) return written;
    const v = this.view;
    return v !== null && v.start + index < v.end ? v.buf[v.start + index]! : 0;
  }

  read(offset: number, bits: number, signed: boolean): bigint {
    let value = 0n;
    for (let pos = offset; pos < offset + bits; pos++) {
      value = (value << 1n) | BigInt((this.byte(Math.floor(pos / 8)) >>> (7 - (pos & 7))) & 1);
    }
    return signed ? BigInt.asIntN(bits, value) : value;
  }

  write(offset: number, bits: number, value: bigint): void {
    for (let i = 0; i < bits; i++) {
      const pos = offset + i;
      const index = Math.floor(pos / 8);
      const mask = 0x80 >>> (pos & 7);
      const old = this.byte(index);
      this.pending.set(index, (value >> BigInt(bits - 1 - i)) & 1n ? old | mask : old & ~mask);
    }
  }
}

/**
 * The value to store for `wanted` (= base + increment) in a field, or null when FAIL refuses
 * it. Redis picks SAT's direction with int64 arithmetic in which `max - base` wraps negative
 * for a signed SET far below the range, saturating it to the maximum; clients see that, so
 * it is kept.
 */
function fitField(base: bigint, wanted: bigint, signed: boolean, bits: number, overflow: number): bigint | null {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (wanted >= min && wanted <= max) return wanted;
  if (overflow === FAIL) return null;
  if (overflow === SAT) return wanted > max || (signed && bits < 64 && max - base > INT64_MAX) ? max : min;
  return signed ? BigInt.asIntN(bits, wanted) : BigInt.asUintN(bits, wanted);
}

function bitfield(ctx: CommandContext, readonlyCommand: boolean): void {
  const { argv, db, w } = ctx;
  const ops: FieldOp[] = [];
  let overflow = WRAP;
  let writes = false;
  let highestBit = 0;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    const remaining = argv.length - i - 1;
    let op: number;
    if (isWord(arg, 'get') && remaining >= 2) op = OP_GET;
    else if (isWord(arg, 'set') && remaining >= 3) op = OP_SET;
    else if (isWord(arg, 'incrby') && remaining >= 3) op = OP_INCRBY;
    else if (isWord(arg, 'overflow') && remaining >= 1) {
      const kind = argv[++i]!;
      if (isWord(kind, 'wrap')) overflow = WRAP;
      else if (isWord(kind, 'sat')) overflow = SAT;
      else if (isWord(kind, 'fail')) overflow = FAIL;
      else throw new CommandError(BITFIELD_OVERFLOW);
      continue;
    } else throw new CommandError(SYNTAX);
    const { signed, bits } = fieldType(argv[i + 1]!);
    const offset = bitOffset(ctx, argv[i + 2]!, bits);
    let value = 0n;
    if (op !== OP_GET) {
      writes = true;
      highestBit = Math.max(highestBit, offset + bits - 1);
      value = BigInt(int64Arg(argv[i + 3]!));
    }
    ops.push({ op, signed, bits, offset, value, overflow });
    i += op === OP_GET ? 2 : 3;
  }
  const key = argv[1]!;
  if (readonlyCommand && writes) throw new CommandError(BITFIELD_RO_GET_ONLY);
  const id = writes ? findStringForWrite(db, key) : findString(db, key);
  const length = id >= 0 ? db.stringLength(id) : -1;
  const bytes = new FieldBytes(id >= 0 ? db.stringRange(id, range) : null);
  let changed = false;
  let stores = 0;
  w.array(ops.length);
  for (const f of ops) {
    const old = bytes.read(f.offset, f.bits, f.signed);
    if (f.op === OP_GET) {
      w.bigint(old);
      continue;
    }
    // SET of an unsigned field takes the argument as C's uint64 cast would.
    const base = f.op === OP_INCRBY ? old : f.signed ? f.value : BigInt.asUintN(64, f.value);
    const wanted = f.op === OP_INCRBY ? old + f.value : base;
    const stored = fitField(base, wanted, f.signed, f.bits, f.overflow);
    if (stored === null) {
      w.null();
      continue;
    }
    bytes.write(f.offset, f.bits, stored);
    stores++;
    if (stored !== old) changed = true;
    w.bigint(f.op === OP_INCRBY ? stored : old);
  }
  if (!writes) return;
  const needed = Math.floor(highestBit / 8) + 1;
  const grows = needed > length;
  if (changed || grows) {
    const r = growString(db, key, id, needed, range);
    for (const [index, value] of bytes.pending) r.buf[r.start + index] = value;
    // As Redis: the key is created or grown to the farthest field even when OVERFLOW FAIL
    // refused every write, but only a stored field is a change to tell and propagate.
    if (stores > 0) ctx.notify(Notify.String, 'setbit', key);
    else ctx.preventPropagation();
  } else {
    // Redis unshares the value (making it raw) even when no field changes.
    db.setEncoding(id, Encoding.Raw);
  }
}

// ---- the table -----------------------------------------------------------------------------

/**
 * Redis's bitfieldGetKeys: the key is read-only while only GET and OVERFLOW follow, read-write
 * from the first SET or INCRBY (or anything it cannot parse).
 */
function bitfieldKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const arg = argv[i]!;
    if (isCWord(arg, 'get') && remaining >= 2) i += 2;
    else if (isCWord(arg, 'overflow') && remaining >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  out.add(1, readonly ? KeyFlag.RO | KeyFlag.Access : KeyFlag.RW | KeyFlag.Access | KeyFlag.Update);
}

export const bitmapCommands: CommandSpec[] = [
  {
    name: 'setbit',
    handler: setbit,
  },
  {
    name: 'getbit',
    handler: getbit,
  },
  {
    name: 'bitcount',
    handler: bitcount,
  },
  {
    name: 'bitpos',
    handler: bitpos,
  },
  {
    name: 'bitop',
    handler: bitop,
  },
  {
    name: 'bitfield',
    getKeys: bitfieldKeys,
    handler: (ctx) => bitfield(ctx, false),
  },
  {
    name: 'bitfield_ro',
    handler: (ctx) => bitfield(ctx, true),
  },
];
