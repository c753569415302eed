// A vector is one column of a batch of rows: the values of one type in a typed array (or
// strings), with a null map beside them. Table chunks hand out vectors as views (no copy);
// operators build new ones. Dictionary-encoded text travels as codes plus the dictionary, so
// grouping and equality on it work on integers.

import { formatNumber, isNumberBacked, type SqlType } from './types.ts';

export type NumArray = Float64Array | Float32Array | Int32Array | Int16Array | Uint8Array;
export type Value = number | string | null;

export interface Vector {
  readonly type: SqlType;
  readonly length: number;
  /** Numbers for number-backed types; codes into `dict` for dictionary text; else strings. */
  readonly data: NumArray | readonly string[];
  /** 1 where the value is NULL; null when no value is. */
  readonly nulls: Uint8Array | null;
  readonly dict: readonly string[] | null;
  /** Set when every row holds the same value (lets operators work on it once). */
  readonly constant?: boolean;
}

export interface Batch {
  readonly length: number;
  readonly columns: readonly Vector[];
}

export const numbers = (v: Vector): NumArray => v.data as NumArray;

export function valueAt(v: Vector, i: number): Value {
  if (v.nulls !== null && v.nulls[i] === 1) return null;
  if (v.dict !== null) return v.dict[(v.data as Int32Array)[i]!]!;
  return v.data[i]!;
}

/** PostgreSQL's text form of one value (null for NULL). */
export function textAt(v: Vector, i: number): string | null {
  const value = valueAt(v, i);
  if (value === null) return null;
  return typeof value === 'number' ? formatNumber(v.type, value) : value;
}

/** Stands for a column an operator does not need (scans leave it out; gathers pass it on). */
export const ABSENT: Vector = { type: 'unknown', length: 0, data: new Float64Array(0), nulls: null, dict: null };

/** A vector of `length` copies of one value. */
export function constantVector(type: SqlType, value: Value, length: number): Vector {
  const nulls = value === null ? new Uint8Array(length).fill(1) : null;
  const data = isNumberBacked(type)
    ? new Float64Array(length).fill(value === null ? 0 : (value as number))
    : new Array<string>(length).fill(value === null ? '' : (value as string));
  return { type, length, data, nulls, dict: null, constant: true };
}

/** The rows of `v` at the positions `sel[0..n)`, as a new vector. */
export function gather(v: Vector, sel: Int32Array, n: number): Vector {
  if (v === ABSENT) return v;
  let nulls: Uint8Array | null = null;
  if (v.nulls !== null) {
    nulls = new Uint8Array(n);
    const source = v.nulls;
    for (let i = 0; i < n; i++) nulls[i] = source[sel[i]!]!;
  }
  if (Array.isArray(v.data)) {
    const source = v.data as readonly string[];
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = source[sel[i]!]!;
    return { type: v.type, length: n, data: out, nulls, dict: null };
  }
  const source = v.data as NumArray;
  const out = new (source.constructor as new (n: number) => NumArray)(n);
  for (let i = 0; i < n; i++) out[i] = source[sel[i]!]!;
  return { type: v.type, length: n, data: out, nulls, dict: v.dict };
}

export function gatherBatch(batch: Batch, sel: Int32Array, n: number): Batch {
  return { length: n, columns: batch.columns.map((v) => gather(v, sel, n)) };
}

/** Text vectors as plain strings (dictionary codes resolved). */
export function strings(v: Vector): readonly string[] {
  if (v.dict === null) return v.data as readonly string[];
  const codes = v.data as Int32Array;
  const dict = v.dict;
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = dict[codes[i]!] ?? '';
  return out;
}

/** Concatenates batches of the same shape into one. */
export function concatBatches(batches: readonly Batch[], width: number, types: readonly SqlType[]): Batch {
  let length = 0;
  for (const b of batches) length += b.length;
  const columns: Vector[] = [];
  for (let c = 0; c < width; c++) {
    const type = types[c]!;
    const anyNulls = batches.some((b) => b.columns[c]!.nulls !== null);
    const nulls = anyNulls ? new Uint8Array(length) : null;
    let data: NumArray | string[];
    if (isNumberBacked(type)) {
      const out = new Float64Array(length);
      let at = 0;
      for (const b of batches) {
        const v = b.columns[c]!;
        out.set(v.data as NumArray, at);
        if (nulls !== null && v.nulls !== null) nulls.set(v.nulls, at);
        at += b.length;
      }
      data = out;
    } else {
      const out: string[] = new Array<string>(length);
      let at = 0;
      for (const b of batches) {
        const v = b.columns[c]!;
        const values = strings(v);
        for (let i = 0; i < b.length; i++) out[at + i] = values[i]!;
        if (nulls !== null && v.nulls !== null) nulls.set(v.nulls, at);
        at += b.length;
      }
      data = out;
    }
    columns.push({ type, length, data, nulls, dict: null });
  }
  return { length, columns };
}
