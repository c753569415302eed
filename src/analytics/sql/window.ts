// Window functions: WindowAgg reads its whole input, sorts it once per distinct
// (PARTITION BY, ORDER BY), and appends one column per window call. Ranking functions read
// partition and peer-group boundaries; lag/lead read other rows of the partition; aggregates
// and first/last/nth_value read the call's frame (ROWS, RANGE or GROUPS, PostgreSQL's default
// being RANGE UNBOUNDED PRECEDING .. CURRENT ROW). Frames only move forward through a
// partition, so an aggregate adds the rows entering its frame and, where that is exact
// (count, integer sums), removes those leaving it; otherwise it restarts from the new head,
// adding in row order as PostgreSQL does, so float sums round the same way.

import { isInteger, isNumberBacked, isNumeric, type SqlType } from '../types.ts';
import { concatBatches, gather, gatherBatch, numbers, strings, valueAt, type Batch, type Value, type Vector } from '../vector.ts';
import { add, toDecimal, type Decimal } from '../decimal.ts';
import { AGGREGATES, aggregateType, finishSum, type AggName } from './aggregate.ts';
import { evaluate, evaluateConstant, type Bound } from './bound.ts';
import { SqlError } from './errors.ts';
import { commonType, noSuchFunction } from './functions.ts';
import { comparator, type PlanNode } from './operators.ts';
import { buildVector } from './vectorops.ts';

/** Functions that exist only with OVER. */
export const WINDOW_FUNCTIONS = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value']);

export type BoundKind = 'unbounded preceding' | 'preceding' | 'current row' | 'following' | 'unbounded following';

export interface BoundFrameEdge {
  readonly kind: BoundKind;
  /** The distance of PRECEDING / FOLLOWING, a constant expression (checked when the node runs). */
  readonly offset: Bound | null;
}

export interface BoundFrame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: BoundFrameEdge;
  readonly end: BoundFrameEdge;
}

export interface WindowOrder {
  readonly expr: Bound;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export interface WindowCall {
  readonly name: string;
  /** Arguments, already cast to the types the function takes; empty for count(*). */
  readonly args: readonly Bound[];
  readonly type: SqlType;
  readonly partition: readonly Bound[];
  readonly order: readonly WindowOrder[];
  readonly frame: BoundFrame;
  readonly key: string;
}

/** PostgreSQL's frame when none is written. */
export const DEFAULT_FRAME: BoundFrame = {
  mode: 'range',
  start: { kind: 'unbounded preceding', offset: null },
  end: { kind: 'current row', offset: null },
};

/**
 * The result type of a window call and the types its arguments are cast to (lag and lead's
 * value and default share one type, as their anycompatible signature says).
 */
export function windowSignature(name: string, types: readonly SqlType[], star: boolean): { type: SqlType; argTypes: SqlType[] } {
  const integerArg = (t: SqlType | undefined) => t === 'int2' || t === 'int4' || t === 'unknown';
  const known = (t: SqlType) => (t === 'unknown' ? 'text' : t);
  switch (name) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      if (types.length === 0) return { type: 'int8', argTypes: [] };
      break;
    case 'percent_rank':
    case 'cume_dist':
      if (types.length === 0) return { type: 'float8', argTypes: [] };
      break;
    case 'ntile':
      if (types.length === 1 && integerArg(types[0])) return { type: 'int4', argTypes: ['int4'] };
      break;
    case 'lag':
    case 'lead': {
      if (types.length < 1 || types.length > 3 || (types.length > 1 && !integerArg(types[1]))) break;
      const type = types.length === 3 ? commonType([types[0]!, types[2]!], name) : known(types[0]!);
      return { type, argTypes: types.length === 3 ? [type, 'int4', type] : types.length === 2 ? [type, 'int4'] : [type] };
    }
    case 'first_value':
    case 'last_value':
      if (types.length === 1) return { type: known(types[0]!), argTypes: [known(types[0]!)] };
      break;
    case 'nth_value':
      if (types.length === 2 && integerArg(types[1])) return { type: known(types[0]!), argTypes: [known(types[0]!), 'int4'] };
      break;
    default: {
      if (!AGGREGATES.has(name) || (star ? name !== 'count' : types.length !== 1)) break;
      const arg = star ? null : types[0] === 'unknown' ? 'text' : types[0]!;
      try {
        return { type: aggregateType(name as AggName, arg), argTypes: arg === null ? [] : [arg] };
      } catch (error) {
        throw new SqlError('42883', (error as Error).message);
      }
    }
  }
  throw noSuchFunction(name, types);
}

/** Checks a frame as PostgreSQL's grammar does (42P20 for impossible combinations). */
export function checkFrame(frame: BoundFrame, orderKeys: number, orderType: SqlType | null): void {
  const fail = (message: string, code = '42P20') => {
    throw new SqlError(code, message);
  };
  if (frame.start.kind === 'unbounded following') fail('frame start cannot be UNBOUNDED FOLLOWING');
  if (frame.end.kind === 'unbounded preceding') fail('frame end cannot be UNBOUNDED PRECEDING');
  if (frame.start.kind === 'current row' && frame.end.kind === 'preceding') fail('frame starting from current row cannot have preceding rows');
  if (frame.start.kind === 'following' && (frame.end.kind === 'preceding' || frame.end.kind === 'current row')) {
    fail('frame starting from following row cannot have preceding rows');
  }
  const hasOffset = frame.start.offset !== null || frame.end.offset !== null;
  if (frame.mode === 'range' && hasOffset) {
    if (orderKeys !== 1) fail('RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column');
    if (orderType === null || !isNumeric(orderType)) fail(`RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${orderType}`, '0A000');
  }
  if (frame.mode === 'groups' && orderKeys === 0) fail('GROUPS mode requires an ORDER BY clause');
}

/** The call with every expression in it rewritten (onto the rows of a grouped query). */
export function mapWindowCall(call: WindowCall, map: (expr: Bound) => Bound): WindowCall {
  return {
    ...call,
    args: call.args.map(map),
    partition: call.partition.map(map),
    order: call.order.map((o) => ({ ...o, expr: map(o.expr) })),
  };
}

/** Every expression a window call reads from its input rows. */
export function windowInputs(call: WindowCall): Bound[] {
  return [...call.args, ...call.partition, ...call.order.map((o) => o.expr)];
}

/** The sort a set of calls shares: partition keys, then order keys. */
const sortKeyOf = (call: WindowCall) => [...call.partition.map((p) => p.key), '|', ...call.order.map((o) => `${o.expr.key} ${o.descending} ${o.nullsFirst}`)].join(',');

/** Input columns, then one column per window call. Output rows come in the last sort's order. */
export class WindowAgg implements PlanNode {
  readonly title = 'WindowAgg';
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly calls: readonly WindowCall[],
  ) {
    this.inputs = [input];
    this.types = [...input.types, ...calls.map((c) => c.type)];
    this.details = [`Window: ${calls.map((c) => c.key).join(', ')}`];
  }

  *batches(): Generator<Batch> {
    const all = concatBatches([...this.input.batches()], this.input.types.length, this.input.types);
    if (all.length === 0) return;
    const results = new Array<Vector>(this.calls.length);
    const sorts = new Map<string, number[]>();
    this.calls.forEach((call, i) => {
      const key = sortKeyOf(call);
      sorts.set(key, [...(sorts.get(key) ?? []), i]);
    });
    let order: Int32Array = Int32Array.from({ length: all.length }, (_, i) => i);
    for (const members of sorts.values()) {
      const layout = new Layout(all, this.calls[members[0]!]!);
      order = layout.order;
      for (const index of members) results[index] = computeCall(this.calls[index]!, all, layout);
    }
    yield gatherBatch({ length: all.length, columns: [...all.columns, ...results] }, order, all.length);
  }
}

/**
 * The rows of one sort: `order[p]` is the input row at sorted position p; partitions and peer
 * groups (rows equal on every ORDER BY key) are runs of positions.
 */
class Layout {
  readonly order: Int32Array;
  readonly partitionStart: Int32Array;
  readonly partitionEnd: Int32Array;
  readonly peerStart: Int32Array;
  readonly peerEnd: Int32Array;
  /** Peer groups numbered from 0 over the whole sort; `peerStarts[g]` is group g's first position. */
  readonly peerGroup: Int32Array;
  readonly peerStarts: number[] = [];

  constructor(all: Batch, call: WindowCall) {
    const n = all.length;
    const partition = call.partition.map((p) => comparator(evaluate(p, all), { descending: false, nullsFirst: false }));
    const ordering = call.order.map((o) => comparator(evaluate(o.expr, all), o));
    const keys = [...partition, ...ordering];
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    // Array.prototype.sort is stable: peers keep their input order.
    if (keys.length > 0) {
      this.order.sort((a, b) => {
        for (const compare of keys) {
          const c = compare(a, b);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    const order = this.order;
    const differs = (compares: typeof keys, p: number): boolean => {
      for (const compare of compares) if (compare(order[p - 1]!, order[p]!) !== 0) return true;
      return false;
    };
    this.partitionStart = new Int32Array(n);
    this.partitionEnd = new Int32Array(n);
    this.peerStart = new Int32Array(n);
    this.peerEnd = new Int32Array(n);
    this.peerGroup = new Int32Array(n);
    let partitionFrom = 0;
    let peerFrom = 0;
    for (let p = 0; p <= n; p++) {
      const newPartition = p === n || (p > 0 && differs(partition, p));
      const newPeers = newPartition || (p > 0 && differs(ordering, p));
      if (p > 0 && newPeers) this.peerEnd.fill(p, peerFrom, p);
      if (p > 0 && newPartition) this.partitionEnd.fill(p, partitionFrom, p);
      if (p === n) break;
      if (p === 0 || newPartition) partitionFrom = p;
      if (p === 0 || newPeers) {
        peerFrom = p;
        this.peerStarts.push(p);
      }
      this.partitionStart[p] = partitionFrom;
      this.peerStart[p] = peerFrom;
      this.peerGroup[p] = this.peerStarts.length - 1;
    }
    this.peerStarts.push(n);
  }
}

/** A frame offset's value: a non-negative number (PostgreSQL checks it when the window runs). */
function offsetValue(edge: BoundFrameEdge, which: 'starting' | 'ending', mode: BoundFrame['mode']): number {
  const value = evaluateConstant(edge.offset!);
  if (value === null) throw new SqlError('22004', `frame ${which} offset must not be null`);
  const number = Number(value);
  if (number < 0) {
    throw new SqlError('22013', mode === 'range' ? 'invalid preceding or following size in window function' : `frame ${which} offset must not be negative`);
  }
  return number;
}

/** Computes, for each sorted position, the frame [start, end) of positions. */
class Frames {
  private readonly startOffset: number;
  private readonly endOffset: number;
  /** RANGE with an offset: the sort key as numbers, sorted, and its NULLs. */
  private readonly keys: ArrayLike<number> | null = null;
  private readonly keyNulls: Uint8Array | null = null;
  private readonly ascending: boolean = true;

  constructor(
    private readonly frame: BoundFrame,
    private readonly layout: Layout,
    all: Batch,
    order: readonly WindowOrder[],
  ) {
    this.startOffset = frame.start.offset === null ? 0 : offsetValue(frame.start, 'starting', frame.mode);
    this.endOffset = frame.end.offset === null ? 0 : offsetValue(frame.end, 'ending', frame.mode);
    if (frame.mode === 'range' && (frame.start.offset !== null || frame.end.offset !== null)) {
      const sorted = gather(evaluate(order[0]!.expr, all), layout.order, all.length);
      this.keys = isNumberBacked(sorted.type) ? numbers(sorted) : Float64Array.from(strings(sorted), Number);
      this.keyNulls = sorted.nulls;
      this.ascending = !order[0]!.descending;
    }
  }

  start(p: number): number {
    return this.edge(p, this.frame.start, this.startOffset, true);
  }

  end(p: number): number {
    return this.edge(p, this.frame.end, this.endOffset, false);
  }

  private edge(p: number, edge: BoundFrameEdge, offset: number, isStart: boolean): number {
    const { layout } = this;
    const from = layout.partitionStart[p]!;
    const to = layout.partitionEnd[p]!;
    switch (edge.kind) {
      case 'unbounded preceding':
        return from;
      case 'unbounded following':
        return to;
      case 'current row':
        if (this.frame.mode === 'rows') return isStart ? p : p + 1;
        return isStart ? layout.peerStart[p]! : layout.peerEnd[p]!;
    }
    const distance = edge.kind === 'preceding' ? -offset : offset;
    if (this.frame.mode === 'rows') return Math.min(Math.max(isStart ? p + distance : p + distance + 1, from), to);
    if (this.frame.mode === 'groups') {
      const group = layout.peerGroup[p]! + distance;
      const first = layout.peerGroup[from]!;
      const last = layout.peerGroup[to - 1]!;
      if (isStart) return group < first ? from : group > last ? to : layout.peerStarts[group]!;
      return group < first ? from : group > last ? to : layout.peerStarts[group + 1]!;
    }
    return this.rangeEdge(p, from, to, distance, isStart);
  }

  /** RANGE offset: rows whose key is within the distance; NULL keys are peers only of NULLs. */
  private rangeEdge(p: number, from: number, to: number, distance: number, isStart: boolean): number {
    const keys = this.keys!;
    const nulls = this.keyNulls;
    if (nulls !== null && nulls[p] === 1) return isStart ? this.layout.peerStart[p]! : this.layout.peerEnd[p]!;
    // The run of non-NULL keys inside the partition (NULLs sort to one end of it).
    let low = from;
    let high = to;
    if (nulls !== null) {
      while (low < high && nulls[low] === 1) low++;
      while (high > low && nulls[high - 1] === 1) high--;
    }
    // Keys run ascending or descending: binary search for the first row past "before the bound".
    const ascending = this.ascending;
    const bound = ascending ? keys[p]! + distance : keys[p]! - distance;
    let lo = low;
    let hi = high;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = keys[mid]!;
      const before = isStart ? (ascending ? x < bound : x > bound) : ascending ? x <= bound : x >= bound;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A window call's values, by input row. */
function computeCall(call: WindowCall, all: Batch, layout: Layout): Vector {
  const n = all.length;
  const { order } = layout;
  // Arguments gathered into sorted order, so positions index them directly.
  const args = call.args.map((arg) => gather(evaluate(arg, all), order, n));
  // Filled, so V8 keeps it a packed array (a large empty one is a slow dictionary).
  const out = new Array<Value>(n).fill(null);
  const set = (p: number, value: Value) => (out[order[p]!] = value);
  const count = (p: number) => layout.partitionEnd[p]! - layout.partitionStart[p]!;
  switch (call.name) {
    case 'row_number':
      for (let p = 0; p < n; p++) set(p, p - layout.partitionStart[p]! + 1);
      break;
    case 'rank':
      for (let p = 0; p < n; p++) set(p, layout.peerStart[p]! - layout.partitionStart[p]! + 1);
      break;
    case 'dense_rank':
      for (let p = 0; p < n; p++) set(p, layout.peerGroup[p]! - layout.peerGroup[layout.partitionStart[p]!]! + 1);
      break;
    case 'percent_rank':
      for (let p = 0; p < n; p++) set(p, count(p) > 1 ? (layout.peerStart[p]! - layout.partitionStart[p]!) / (count(p) - 1) : 0);
      break;
    case 'cume_dist':
      for (let p = 0; p < n; p++) set(p, (layout.peerEnd[p]! - layout.partitionStart[p]!) / count(p));
      break;
    case 'ntile':
      for (let p = 0; p < n; p++) set(p, ntile(args[0]!, layout, p));
      break;
    case 'lag':
    case 'lead':
      for (let p = 0; p < n; p++) set(p, shifted(call.name === 'lag' ? -1 : 1, args, layout, p));
      break;
    case 'first_value':
    case 'last_value':
    case 'nth_value': {
      const frames = new Frames(call.frame, layout, all, call.order);
      for (let p = 0; p < n; p++) set(p, framed(call.name, args, frames.start(p), frames.end(p), p));
      break;
    }
    default:
      aggregateOverFrames(call, args[0] ?? null, new Frames(call.frame, layout, all, call.order), layout, set);
  }
  return buildVector(call.type, n, (i) => out[i]!);
}

/** ntile(k): k taken from the partition's first row; the first (rows % k) buckets hold one more. */
function ntile(buckets: Vector, layout: Layout, p: number): Value {
  const first = layout.partitionStart[p]!;
  const k = valueAt(buckets, first) as number | null;
  if (k === null) return null;
  if (k <= 0) throw new SqlError('22014', 'argument of ntile must be greater than zero');
  const total = layout.partitionEnd[p]! - first;
  const size = Math.floor(total / k);
  const larger = total % k;
  const i = p - first;
  const inLarger = larger * (size + 1);
  return i < inLarger ? Math.floor(i / (size + 1)) + 1 : larger + Math.floor((i - inLarger) / size) + 1;
}

/** lag/lead: the value `offset` rows back or ahead in the partition, else the default. */
function shifted(direction: number, args: readonly Vector[], layout: Layout, p: number): Value {
  const offset = args.length > 1 ? (valueAt(args[1]!, p) as number | null) : 1;
  if (offset === null) return null;
  const target = p + direction * offset;
  if (target >= layout.partitionStart[p]! && target < layout.partitionEnd[p]!) return valueAt(args[0]!, target);
  return args.length > 2 ? valueAt(args[2]!, p) : null;
}

function framed(name: string, args: readonly Vector[], start: number, end: number, p: number): Value {
  if (name === 'nth_value') {
    const nth = valueAt(args[1]!, p) as number | null;
    if (nth === null) return null;
    if (nth <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero');
    return start + nth - 1 < end ? valueAt(args[0]!, start + nth - 1) : null;
  }
  if (start >= end) return null;
  return valueAt(args[0]!, name === 'first_value' ? start : end - 1);
}

/** A running aggregate over rows entering (and, when invertible, leaving) a frame. */
class FrameAggregate {
  private count = 0;
  private sum = 0;
  private exact: Decimal | null = null;
  private best: Value = null;
  /** Whether rows can leave the state exactly: counts, and sums of integers (exact in a double). */
  readonly invertible: boolean;
  private readonly argType: SqlType | null;

  constructor(
    private readonly name: AggName,
    private readonly type: SqlType,
    private readonly arg: Vector | null,
  ) {
    this.argType = arg?.type ?? null;
    this.invertible = name === 'count' || ((name === 'sum' || name === 'avg') && this.argType !== null && isInteger(this.argType));
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.exact = null;
    this.best = null;
  }

  add(p: number): void {
    const value = this.arg === null ? 1 : valueAt(this.arg, p);
    if (value === null) return;
    this.count++;
    switch (this.name) {
      case 'sum':
      case 'avg':
        if (this.argType === 'numeric') {
          const decimal = toDecimal(value as string);
          this.exact = this.exact === null ? decimal : add(this.exact, decimal);
        } else this.sum += value as number;
        return;
      case 'min':
      case 'max': {
        if (this.best === null) {
          this.best = value;
          return;
        }
        const numeric = this.argType === 'numeric';
        const [x, y] = numeric ? [Number(value), Number(this.best)] : [value, this.best];
        if (this.name === 'max' ? x > y : x < y) this.best = value;
        return;
      }
      case 'count':
        return;
    }
  }

  remove(p: number): void {
    const value = this.arg === null ? 1 : valueAt(this.arg, p);
    if (value === null) return;
    this.count--;
    if (this.name !== 'count') this.sum -= value as number;
  }

  result(): Value {
    switch (this.name) {
      case 'count':
        return this.count;
      case 'sum':
      case 'avg':
        return this.count === 0 ? null : finishSum(this.type, this.name === 'avg', this.sum, this.count, this.exact);
      case 'min':
      case 'max':
        return this.best;
    }
  }
}

function aggregateOverFrames(call: WindowCall, arg: Vector | null, frames: Frames, layout: Layout, set: (p: number, value: Value) => void): void {
  const state = new FrameAggregate(call.name as AggName, call.type, arg);
  const n = layout.order.length;
  // [head, tail): the positions the state holds.
  let head = 0;
  let tail = 0;
  for (let p = 0; p < n; p++) {
    if (p === layout.partitionStart[p]) {
      state.reset();
      head = tail = p;
    }
    const start = frames.start(p);
    const end = Math.max(frames.end(p), start);
    if (start < head || end < tail || (start > head && !state.invertible)) {
      state.reset();
      head = tail = start;
    }
    for (; head < start; head++) if (head < tail) state.remove(head);
    if (tail < head) tail = head;
    for (; tail < end; tail++) state.add(tail);
    set(p, state.result());
  }
}
