// Hash aggregation: a Grouper turns key vectors into group ids (a lookup table indexed by
// dictionary code when the key is one dictionary-encoded text column, a Map otherwise), and
// each aggregate keeps its state in typed arrays indexed by group id, updated by tight loops.

import { isFloat, isInteger, isNumberBacked, type SqlType } from '../types.ts';
import { numbers, strings, valueAt, type Value, type Vector } from '../vector.ts';
import { SqlError } from './errors.ts';
import { buildVector } from './vectorops.ts';
import { add, divide, fromDecimal, toDecimal, type Decimal } from '../decimal.ts';

export type AggName = 'count' | 'sum' | 'avg' | 'min' | 'max';
export const AGGREGATES = new Set<string>(['count', 'sum', 'avg', 'min', 'max']);

export function aggregateType(name: AggName, arg: SqlType | null): SqlType {
  switch (name) {
    case 'count':
      return 'int8';
    case 'sum':
      if (arg === 'int2' || arg === 'int4') return 'int8';
      if (arg === 'int8' || arg === 'numeric') return 'numeric';
      if (arg === 'float4' || arg === 'float8') return arg;
      break;
    case 'avg':
      if (arg !== null && (isInteger(arg) || arg === 'numeric')) return 'numeric';
      if (arg !== null && isFloat(arg)) return 'float8';
      break;
    case 'min':
    case 'max':
      if (arg !== null && arg !== 'bool') return arg === 'unknown' ? 'text' : arg;
      break;
  }
  throw new SqlError('42883', `function ${name}(${arg === null ? '' : typeNameOf(arg)}) does not exist`);
}

const typeNameOf = (t: SqlType) => (t === 'unknown' ? 'unknown' : ({ int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision' } as Record<string, string>)[t] ?? t);

/** Group ids for batches of key vectors; remembers each group's key values. */
export class Grouper {
  count = 0;
  readonly keys: Value[][];
  private byCode: Int32Array | null = null;
  private nullGroup = -1;
  private readonly byValue = new Map<Value, number>();
  private readonly byText = new Map<string, number>();

  constructor(private readonly width: number) {
    this.keys = Array.from({ length: width }, () => []);
    // A query without GROUP BY has exactly one group, even over no rows.
    if (width === 0) this.count = 1;
  }

  /** Group ids of a query without GROUP BY: all zero, shared between batches (never written). */
  private zeros = new Int32Array(0);

  assign(keys: readonly Vector[], n: number): Int32Array {
    if (this.width === 0) {
      if (this.zeros.length < n) this.zeros = new Int32Array(n);
      return this.zeros.subarray(0, n);
    }
    const gids = new Int32Array(n);
    if (this.width === 1) {
      const key = keys[0]!;
      if (key.dict !== null) this.assignByCode(key, gids, n);
      else this.assignByValue(key, gids, n);
      return gids;
    }
    for (let i = 0; i < n; i++) {
      let text = '';
      for (let k = 0; k < this.width; k++) {
        const value = valueAt(keys[k]!, i);
        text += value === null ? '\u0001' : `\u0002${typeof value}${value}`;
        text += '\u0000';
      }
      let gid = this.byText.get(text);
      if (gid === undefined) {
        gid = this.add(keys, i);
        this.byText.set(text, gid);
      }
      gids[i] = gid;
    }
    return gids;
  }

  private add(keys: readonly Vector[], row: number): number {
    for (let k = 0; k < this.width; k++) this.keys[k]!.push(valueAt(keys[k]!, row));
    return this.count++;
  }

  private assignByCode(key: Vector, gids: Int32Array, n: number): void {
    const dict = key.dict!;
    if (this.byCode === null || this.byCode.length < dict.length) {
      const table = new Int32Array(Math.max(dict.length, 16)).fill(-1);
      if (this.byCode !== null) table.set(this.byCode);
      this.byCode = table;
    }
    const table = this.byCode;
    const codes = key.data as Int32Array;
    const nulls = key.nulls;
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) {
        if (this.nullGroup < 0) this.nullGroup = this.add([key], i);
        gids[i] = this.nullGroup;
        continue;
      }
      const code = codes[i]!;
      let gid = table[code]!;
      if (gid < 0) {
        gid = this.add([key], i);
        table[code] = gid;
      }
      gids[i] = gid;
    }
  }

  private assignByValue(key: Vector, gids: Int32Array, n: number): void {
    // Neighbouring rows often share a key (time buckets, sorted input): remember the last one.
    let lastValue: Value = null;
    let lastGid = -1;
    for (let i = 0; i < n; i++) {
      const value = valueAt(key, i);
      if (value === lastValue && lastGid >= 0) {
        gids[i] = lastGid;
        continue;
      }
      let gid: number | undefined;
      if (value === null) {
        if (this.nullGroup < 0) this.nullGroup = this.add([key], i);
        gid = this.nullGroup;
      } else {
        gid = this.byValue.get(value);
        if (gid === undefined) {
          gid = this.add([key], i);
          this.byValue.set(value, gid);
        }
        lastValue = value;
        lastGid = gid;
      }
      gids[i] = gid;
    }
  }
}

export interface AggregateState {
  /** Folds rows [0, n) of `arg` (null for count(*)) into the groups `gids`. */
  add(gids: Int32Array, arg: Vector | null, n: number, groups: number): void;
  result(groups: number): Vector;
}

function grow(array: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  if (array.length >= size) return array;
  const out = new Float64Array(Math.max(size, array.length * 2, 16));
  out.set(array);
  return out;
}
function growBytes(array: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  if (array.length >= size) return array;
  const out = new Uint8Array(Math.max(size, array.length * 2, 16));
  out.set(array);
  return out;
}

class Count implements AggregateState {
  private counts = new Float64Array(16);
  add(gids: Int32Array, arg: Vector | null, n: number, groups: number): void {
    this.counts = grow(this.counts, groups);
    const counts = this.counts;
    const nulls = arg?.nulls ?? null;
    if (groups === 1 && nulls === null) counts[0]! += n;
    else if (nulls === null) for (let i = 0; i < n; i++) counts[gids[i]!]!++;
    else for (let i = 0; i < n; i++) if (nulls[i] === 0) counts[gids[i]!]!++;
  }
  result(groups: number): Vector {
    this.counts = grow(this.counts, groups);
    return { type: 'int8', length: groups, data: this.counts.slice(0, groups), nulls: null, dict: null };
  }
}

function sumFloat64(values: Float64Array, nulls: Uint8Array | null, gids: Int32Array, n: number, sums: Float64Array, counts: Float64Array): void {
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const g = gids[i]!;
    sums[g]! += values[i]!;
    counts[g]!++;
  }
}

function sumInt32(values: Int32Array, nulls: Uint8Array | null, gids: Int32Array, n: number, sums: Float64Array, counts: Float64Array): void {
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const g = gids[i]!;
    sums[g]! += values[i]!;
    counts[g]!++;
  }
}

function sumAny(values: ArrayLike<number>, nulls: Uint8Array | null, gids: Int32Array, n: number, sums: Float64Array, counts: Float64Array): void {
  for (let i = 0; i < n; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const g = gids[i]!;
    sums[g]! += values[i]!;
    counts[g]!++;
  }
}

/** sum and avg over number-backed or numeric arguments. */
class Sum implements AggregateState {
  private sums = new Float64Array(16);
  private counts = new Float64Array(16);
  /** Exact sums of numeric arguments, per group. */
  private readonly decimals: Decimal[] = [];
  constructor(
    private readonly argType: SqlType,
    private readonly type: SqlType,
    private readonly average: boolean,
  ) {}

  add(gids: Int32Array, arg: Vector | null, n: number, groups: number): void {
    this.sums = grow(this.sums, groups);
    this.counts = grow(this.counts, groups);
    const sums = this.sums;
    const counts = this.counts;
    const nulls = arg!.nulls;
    if (this.argType === 'numeric') {
      const values = strings(arg!);
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) continue;
        const g = gids[i]!;
        const value = toDecimal(values[i]!);
        this.decimals[g] = this.decimals[g] === undefined ? value : add(this.decimals[g], value);
        counts[g]!++;
      }
      return;
    }
    const values = numbers(arg!);
    // One loop per array type keeps each loop's element access monomorphic.
    if (values instanceof Float64Array) sumFloat64(values, nulls, gids, n, sums, counts);
    else if (values instanceof Int32Array) sumInt32(values, nulls, gids, n, sums, counts);
    else sumAny(values, nulls, gids, n, sums, counts);
  }

  result(groups: number): Vector {
    this.sums = grow(this.sums, groups);
    this.counts = grow(this.counts, groups);
    const sums = this.sums;
    const counts = this.counts;
    return buildVector(this.type, groups, (g) => {
      const count = counts[g]!;
      if (count === 0) return null;
      return finishSum(this.type, this.average, sums[g]!, count, this.argType === 'numeric' ? this.decimals[g]! : null);
    });
  }
}

/**
 * A sum or average of `count` values as its SQL type gives it, from their running total:
 * `exact` for numeric arguments, else the double `sum` (integers are exact in it).
 */
export function finishSum(type: SqlType, average: boolean, sum: number, count: number, exact: Decimal | null): Value {
  if (!average) {
    if (type === 'numeric') return fromDecimal(exact ?? toDecimal(String(sum)));
    if (type === 'float4') return Math.fround(sum);
    if (type === 'int8' && Math.abs(sum) > 9223372036854775807) throw new SqlError('22003', 'bigint out of range');
    return sum;
  }
  if (type === 'float8') return sum / count;
  return fromDecimal(divide(exact ?? toDecimal(String(sum)), toDecimal(String(count))));
}

class MinMax implements AggregateState {
  private values: Value[] = [];
  private numbersSeen = new Uint8Array(16);
  private best = new Float64Array(16);
  constructor(
    private readonly type: SqlType,
    private readonly max: boolean,
  ) {}

  add(gids: Int32Array, arg: Vector | null, n: number, groups: number): void {
    const v = arg!;
    if (isNumberBacked(this.type)) {
      this.best = grow(this.best, groups);
      this.numbersSeen = growBytes(this.numbersSeen, groups);
      const best = this.best;
      const seen = this.numbersSeen;
      const values = numbers(v);
      const nulls = v.nulls;
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) continue;
        const g = gids[i]!;
        const x = values[i]!;
        if (seen[g] === 0 || (this.max ? x > best[g]! : x < best[g]!)) {
          best[g] = x;
          seen[g] = 1;
        }
      }
      return;
    }
    const numeric = this.type === 'numeric';
    for (let i = 0; i < n; i++) {
      const x = valueAt(v, i) as string | null;
      if (x === null) continue;
      const g = gids[i]!;
      const current = this.values[g] as string | null | undefined;
      const better = current === undefined || current === null || (numeric ? (this.max ? Number(x) > Number(current) : Number(x) < Number(current)) : this.max ? x > current : x < current);
      if (better) this.values[g] = x;
    }
  }

  result(groups: number): Vector {
    if (isNumberBacked(this.type)) {
      this.best = grow(this.best, groups);
      this.numbersSeen = growBytes(this.numbersSeen, groups);
      return buildVector(this.type, groups, (g) => (this.numbersSeen[g] === 1 ? this.best[g]! : null));
    }
    return buildVector(this.type, groups, (g) => this.values[g] ?? null);
  }
}

/** An aggregate over DISTINCT values: collects each group's set, folds it at the end. */
class Distinct implements AggregateState {
  private readonly sets: Set<Value>[] = [];
  constructor(
    private readonly inner: AggregateState,
    private readonly argType: SqlType,
  ) {}

  add(gids: Int32Array, arg: Vector | null, n: number): void {
    for (let i = 0; i < n; i++) {
      const value = valueAt(arg!, i);
      if (value === null) continue;
      (this.sets[gids[i]!] ??= new Set()).add(value);
    }
  }

  result(groups: number): Vector {
    const gids: number[] = [];
    const values: Value[] = [];
    for (let g = 0; g < groups; g++) for (const value of this.sets[g] ?? []) {
      gids.push(g);
      values.push(value);
    }
    const vector = buildVector(this.argType, values.length, (i) => values[i]!);
    this.inner.add(Int32Array.from(gids), vector, values.length, groups);
    return this.inner.result(groups);
  }
}

export function createAggregate(name: AggName, argType: SqlType | null, distinct: boolean): AggregateState {
  const type = aggregateType(name, argType);
  let state: AggregateState;
  switch (name) {
    case 'count':
      state = new Count();
      break;
    case 'sum':
    case 'avg':
      state = new Sum(argType!, type, name === 'avg');
      break;
    case 'min':
    case 'max':
      state = new MinMax(type, name === 'max');
      break;
  }
  return distinct && argType !== null ? new Distinct(state, argType) : state;
}
