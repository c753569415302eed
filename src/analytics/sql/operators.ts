// Physical operators. Each yields batches (one table chunk's rows, or fewer after a filter);
// filters turn a predicate vector into a selection and gather only when some rows fail;
// aggregation, sorting, DISTINCT and the build side of a join consume their whole input.

import type { Table } from '../table.ts';
import { isNumberBacked, type SqlType } from '../types.ts';
import { ABSENT, concatBatches, constantVector, gatherBatch, numbers, strings, valueAt, type Batch, type Value, type Vector } from '../vector.ts';
import { createAggregate, Grouper, type AggName } from './aggregate.ts';
import { evaluate, type Bound, type RangeCondition } from './bound.ts';
import { buildVector } from './vectorops.ts';

export interface PlanNode {
  readonly types: readonly SqlType[];
  batches(): Generator<Batch>;
  /** EXPLAIN: a title, detail lines, then the inputs. */
  readonly title: string;
  readonly details: readonly string[];
  readonly inputs: readonly PlanNode[];
}

/** A plan as indented text, in the shape of PostgreSQL's EXPLAIN (without costs). */
export function explain(node: PlanNode, depth = 0): string[] {
  const indent = depth === 0 ? '' : `${' '.repeat(depth * 6 - 4)}->  `;
  const detailIndent = ' '.repeat(depth === 0 ? 2 : depth * 6 + 2);
  return [
    `${indent}${node.title}`,
    ...node.details.map((line) => `${detailIndent}${line}`),
    ...node.inputs.flatMap((input) => explain(input, depth + 1)),
  ];
}

export class Scan implements PlanNode {
  readonly title: string;
  readonly details: string[] = [];
  readonly inputs = [];
  readonly types: SqlType[];

  constructor(
    private readonly table: Table,
    alias: string,
    /** Which columns the query reads (decided once binding is done). */
    private readonly needed: () => readonly boolean[],
  ) {
    this.title = `Seq Scan on ${table.name}${alias !== table.name ? ` ${alias}` : ''}`;
    this.types = table.columns.map((c) => c.def.type);
  }

  /** Range conditions every wanted row meets: chunks whose zone map rules them out are skipped. */
  private conditions: readonly RangeCondition[] = [];

  restrict(conditions: readonly RangeCondition[]): void {
    this.conditions = conditions;
    if (conditions.length > 0) {
      this.details.push(`Chunks skipped unless: ${conditions.map((c) => `${this.table.columns[c.slot]!.def.name} ${c.op} ${c.value}`).join(' AND ')}`);
    }
  }

  private mayMatch(chunk: number): boolean {
    for (const { slot, op, value } of this.conditions) {
      const range = this.table.columns[slot]!.range(chunk);
      if (range === undefined) continue;
      // Comparisons are never true on NULL: a chunk of NULLs only has no match.
      if (range === null) return false;
      const [min, max] = range;
      const possible =
        op === '=' ? value >= min && value <= max
        : op === '<>' ? !(min === value && max === value)
        : op === '<' ? min < value
        : op === '<=' ? min <= value
        : op === '>' ? max > value
        : max >= value;
      if (!possible) return false;
    }
    return true;
  }

  *batches(): Generator<Batch> {
    const needed = this.needed();
    const chunks = this.table.chunkCount;
    for (let c = 0; c < chunks; c++) {
      if (!this.mayMatch(c)) continue;
      const columns = this.table.columns.map((column, i) => (needed[i] ? column.vector(c) : ABSENT));
      const length = this.table.columns[0]!.chunks[c]!.length;
      yield { length, columns };
    }
  }
}

/** The rows of each input in turn (UNION ALL). */
export class Concat implements PlanNode {
  readonly title = 'Append';
  readonly details = [];
  constructor(
    readonly inputs: readonly PlanNode[],
    readonly types: readonly SqlType[],
  ) {}

  *batches(): Generator<Batch> {
    for (const input of this.inputs) yield* input.batches();
  }
}

/** One row of no columns: the input of a SELECT without FROM. */
export class OneRow implements PlanNode {
  readonly title = 'Result';
  readonly details = [];
  readonly inputs = [];
  readonly types = [];
  *batches(): Generator<Batch> {
    yield { length: 1, columns: [] };
  }
}

/** Rows where the predicate is true (not false, not NULL). */
export function selection(predicate: Vector): { sel: Int32Array; count: number } {
  const truth = numbers(predicate);
  const nulls = predicate.nulls;
  const sel = new Int32Array(predicate.length);
  let count = 0;
  if (nulls === null) {
    for (let i = 0; i < truth.length; i++) if (truth[i] !== 0) sel[count++] = i;
  } else {
    for (let i = 0; i < truth.length; i++) if (truth[i] !== 0 && nulls[i] === 0) sel[count++] = i;
  }
  return { sel, count };
}

function exactRanges(predicate: Bound): RangeCondition[] | null {
  if (predicate.kind !== 'call' || predicate.prune === undefined) return null;
  if ('range' in predicate.prune) return [predicate.prune.range];
  const sides = predicate.args.map(exactRanges);
  return sides.every((side) => side !== null) ? sides.flat() : null;
}

/** Rows whose columns are non-NULL and meet every condition. */
function countInRanges(batch: Batch, ranges: readonly RangeCondition[]): number {
  if (ranges.length === 1) {
    const { slot, op, value } = ranges[0]!;
    const column = batch.columns[slot]!;
    const x = numbers(column);
    const nulls = column.nulls;
    const n = batch.length;
    let count = 0;
    if (nulls === null) {
      switch (op) {
        case '=':
          for (let i = 0; i < n; i++) if (x[i] === value) count++;
          return count;
        case '<>':
          for (let i = 0; i < n; i++) if (x[i] !== value) count++;
          return count;
        case '<':
          for (let i = 0; i < n; i++) if (x[i]! < value) count++;
          return count;
        case '<=':
          for (let i = 0; i < n; i++) if (x[i]! <= value) count++;
          return count;
        case '>':
          for (let i = 0; i < n; i++) if (x[i]! > value) count++;
          return count;
        case '>=':
          for (let i = 0; i < n; i++) if (x[i]! >= value) count++;
          return count;
      }
    }
  }
  let count = 0;
  for (let i = 0; i < batch.length; i++) {
    let pass = true;
    for (const { slot, op, value } of ranges) {
      const column = batch.columns[slot]!;
      if (column.nulls !== null && column.nulls[i] === 1) {
        pass = false;
        break;
      }
      const x = numbers(column)[i]!;
      const holds = op === '=' ? x === value : op === '<>' ? x !== value : op === '<' ? x < value : op === '<=' ? x <= value : op === '>' ? x > value : x >= value;
      if (!holds) {
        pass = false;
        break;
      }
    }
    if (pass) count++;
  }
  return count;
}

function countTrue(predicate: Vector): number {
  const truth = numbers(predicate);
  const nulls = predicate.nulls;
  let count = 0;
  if (nulls === null) for (let i = 0; i < truth.length; i++) count += truth[i]!;
  else for (let i = 0; i < truth.length; i++) if (nulls[i] === 0) count += truth[i]!;
  return count;
}

export class Filter implements PlanNode {
  readonly title = 'Filter';
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly predicate: Bound,
    /** Which columns operators above read (the others are not gathered); all when null. */
    private readonly keep: readonly boolean[] | null = null,
  ) {
    this.inputs = [input];
    this.types = input.types;
    this.details = [`Filter: ${predicate.key}`];
    this.keepsNothing = keep !== null && keep.every((k) => !k);
    this.ranges = exactRanges(predicate);
  }

  private readonly keepsNothing: boolean;
  /** The predicate as range conditions, when it is nothing but an AND of them. */
  private readonly ranges: readonly RangeCondition[] | null;

  *batches(): Generator<Batch> {
    for (const batch of this.input.batches()) {
      if (this.keepsNothing && this.ranges !== null) {
        // count(*) over range conditions: one pass over the columns, no predicate vector.
        const count = countInRanges(batch, this.ranges);
        if (count > 0) yield { length: count, columns: batch.columns.map(() => ABSENT) };
        continue;
      }
      const predicate = evaluate(this.predicate, batch);
      if (this.keepsNothing) {
        // Nothing above reads a column (count(*)): only the number of passing rows matters.
        const count = countTrue(predicate);
        if (count > 0) yield { length: count, columns: batch.columns.map(() => ABSENT) };
        continue;
      }
      const { sel, count } = selection(predicate);
      if (count === batch.length) yield batch;
      else if (count > 0) {
        const keep = this.keep;
        const columns = keep === null ? batch.columns : batch.columns.map((v, i) => (keep[i] ? v : ABSENT));
        yield gatherBatch({ length: batch.length, columns }, sel, count);
      }
    }
  }
}

export class Project implements PlanNode {
  readonly title = 'Project';
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly exprs: readonly Bound[],
  ) {
    this.inputs = [input];
    this.types = exprs.map((e) => e.type);
    this.details = [`Output: ${exprs.map((e) => e.key).join(', ')}`];
  }

  *batches(): Generator<Batch> {
    for (const batch of this.input.batches()) {
      yield { length: batch.length, columns: this.exprs.map((e) => evaluate(e, batch)) };
    }
  }
}

export interface AggregateCall {
  readonly name: AggName;
  readonly arg: Bound | null;
  readonly distinct: boolean;
  readonly type: SqlType;
  readonly key: string;
}

/** Output: the group keys, then one column per aggregate. */
export class HashAggregate implements PlanNode {
  readonly title: string;
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly keys: readonly Bound[],
    private readonly aggregates: readonly AggregateCall[],
  ) {
    this.inputs = [input];
    this.types = [...keys.map((k) => k.type), ...aggregates.map((a) => a.type)];
    this.title = keys.length > 0 ? 'HashAggregate' : 'Aggregate';
    this.details = [
      ...(keys.length > 0 ? [`Group Key: ${keys.map((k) => k.key).join(', ')}`] : []),
      ...(aggregates.length > 0 ? [`Aggregates: ${aggregates.map((a) => a.key).join(', ')}`] : []),
    ];
  }

  *batches(): Generator<Batch> {
    const grouper = new Grouper(this.keys.length);
    const states = this.aggregates.map((a) => createAggregate(a.name, a.arg?.type ?? null, a.distinct));
    for (const batch of this.input.batches()) {
      const keys = this.keys.map((k) => evaluate(k, batch));
      const gids = grouper.assign(keys, batch.length);
      for (let a = 0; a < states.length; a++) {
        const arg = this.aggregates[a]!.arg;
        states[a]!.add(gids, arg === null ? null : evaluate(arg, batch), batch.length, grouper.count);
      }
    }
    const groups = grouper.count;
    if (groups === 0) return;
    const columns: Vector[] = this.keys.map((k, i) => buildVector(k.type, groups, (g) => grouper.keys[i]![g]!));
    for (const state of states) columns.push(state.result(groups));
    yield { length: groups, columns };
  }
}

export interface SortKey {
  readonly slot: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
  readonly label: string;
}

export class Sort implements PlanNode {
  readonly title = 'Sort';
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly keys: readonly SortKey[],
  ) {
    this.inputs = [input];
    this.types = input.types;
    this.details = [`Sort Key: ${keys.map((k) => `${k.label}${k.descending ? ' DESC' : ''}${k.nullsFirst !== k.descending ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ')}`];
  }

  *batches(): Generator<Batch> {
    const all = concatBatches([...this.input.batches()], this.types.length, this.types);
    if (all.length === 0) return;
    const comparators = this.keys.map((key) => comparator(all.columns[key.slot]!, key));
    const order = Int32Array.from({ length: all.length }, (_, i) => i);
    order.sort((a, b) => {
      for (const compare of comparators) {
        const c = compare(a, b);
        if (c !== 0) return c;
      }
      return 0;
    });
    yield gatherBatch(all, order, all.length);
  }
}

/** Orders rows a and b of `v` as a sort key says (0 for equal values, NULLs equal each other). */
export function comparator(v: Vector, key: Pick<SortKey, 'descending' | 'nullsFirst'>): (a: number, b: number) => number {
  const nulls = v.nulls;
  const direction = key.descending ? -1 : 1;
  const nullOrder = key.nullsFirst ? -1 : 1;
  const values: ArrayLike<number> | readonly string[] = isNumberBacked(v.type)
    ? numbers(v)
    : v.type === 'numeric'
      ? Float64Array.from(strings(v), Number)
      : strings(v);
  return (a, b) => {
    if (nulls !== null) {
      const an = nulls[a] === 1;
      const bn = nulls[b] === 1;
      if (an || bn) return an && bn ? 0 : an ? nullOrder : -nullOrder;
    }
    const x = values[a]!;
    const y = values[b]!;
    return x < y ? -direction : x > y ? direction : 0;
  };
}

export class Limit implements PlanNode {
  readonly title = 'Limit';
  readonly details = [];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly limit: number | null,
    private readonly offset: number,
  ) {
    this.inputs = [input];
    this.types = input.types;
  }

  *batches(): Generator<Batch> {
    let skip = this.offset;
    let left = this.limit ?? Infinity;
    if (left === 0) return;
    for (const batch of this.input.batches()) {
      const from = Math.min(skip, batch.length);
      skip -= from;
      const take = Math.min(batch.length - from, left);
      if (take > 0) {
        yield take === batch.length ? batch : gatherBatch(batch, Int32Array.from({ length: take }, (_, i) => from + i), take);
        left -= take;
      }
      if (left === 0) return;
    }
  }
}

/** Text that identifies a row's values (for DISTINCT and multi-column join keys). */
function rowKey(columns: readonly Vector[], width: number, row: number): string {
  let key = '';
  for (let c = 0; c < width; c++) {
    const value = valueAt(columns[c]!, row);
    key += value === null ? '\u0001\u0000' : `${value}\u0000`;
  }
  return key;
}

export class Distinct implements PlanNode {
  readonly title = 'HashAggregate';
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly input: PlanNode,
    private readonly width: number,
  ) {
    this.inputs = [input];
    this.types = input.types;
    this.details = ['Distinct'];
  }

  *batches(): Generator<Batch> {
    const seen = new Set<string>();
    for (const batch of this.input.batches()) {
      const keep: number[] = [];
      for (let i = 0; i < batch.length; i++) {
        const key = rowKey(batch.columns, this.width, i);
        if (!seen.has(key)) {
          seen.add(key);
          keep.push(i);
        }
      }
      if (keep.length > 0) yield gatherBatch(batch, Int32Array.from(keep), keep.length);
    }
  }
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

const JOIN_TITLES: Record<JoinType, string> = { inner: '', cross: '', left: 'Left ', right: 'Right ', full: 'Full ' };

/**
 * Hash join: builds a table over the right input's keys, probes it with each left batch.
 * Output: the left columns then the right ones. LEFT and FULL joins add each left row that
 * matched nothing, with NULLs on the right; RIGHT and FULL joins add, after the last left
 * batch, each right row that matched nothing, with NULLs on the left.
 */
export class HashJoin implements PlanNode {
  readonly title: string;
  readonly details: string[];
  readonly inputs: PlanNode[];
  readonly types: readonly SqlType[];

  constructor(
    private readonly left: PlanNode,
    private readonly right: PlanNode,
    private readonly joinType: JoinType,
    private readonly leftKeys: readonly Bound[],
    private readonly rightKeys: readonly Bound[],
    /** Evaluated over joined rows (left columns then right ones). */
    private readonly residual: Bound | null,
  ) {
    this.inputs = [left, right];
    this.types = [...left.types, ...right.types];
    this.title = leftKeys.length > 0 ? `Hash ${JOIN_TITLES[joinType]}Join` : `Nested Loop${joinType === 'inner' || joinType === 'cross' ? '' : ` ${JOIN_TITLES[joinType]}Join`}`;
    this.details = [
      ...(leftKeys.length > 0 ? [`Hash Cond: ${leftKeys.map((k, i) => `(${k.key} = ${rightKeys[i]!.key})`).join(' AND ')}`] : []),
      ...(residual !== null ? [`Join Filter: ${residual.key}`] : []),
    ];
  }

  *batches(): Generator<Batch> {
    const build = concatBatches([...this.right.batches()], this.right.types.length, this.right.types);
    const table = new Map<Value | string, number[]>();
    if (this.rightKeys.length > 0 && build.length > 0) {
      const keys = this.rightKeys.map((k) => evaluate(k, build));
      for (let r = 0; r < build.length; r++) {
        const key = this.keyAt(keys, r);
        if (key === null) continue;
        let rows = table.get(key);
        if (rows === undefined) table.set(key, (rows = []));
        rows.push(r);
      }
    }
    const everyRow = Array.from({ length: build.length }, (_, r) => r);
    const keepsLeft = this.joinType === 'left' || this.joinType === 'full';
    const matchedRight = this.joinType === 'right' || this.joinType === 'full' ? new Uint8Array(build.length) : null;
    for (const batch of this.left.batches()) {
      const keys = this.leftKeys.map((k) => evaluate(k, batch));
      const leftRows: number[] = [];
      const rightRows: number[] = [];
      for (let l = 0; l < batch.length; l++) {
        let matches: readonly number[] | undefined;
        if (this.leftKeys.length === 0) matches = everyRow;
        else {
          const key = this.keyAt(keys, l);
          matches = key === null ? undefined : table.get(key);
        }
        for (const r of matches ?? []) {
          leftRows.push(l);
          rightRows.push(r);
        }
      }
      let joined = this.pairs(batch, build, leftRows, rightRows);
      let kept: Iterable<number> = leftRows.keys();
      if (this.residual !== null && joined.length > 0) {
        const { sel, count } = selection(evaluate(this.residual, joined));
        joined = gatherBatch(joined, sel, count);
        kept = sel.subarray(0, count);
      }
      const matchedLeft: Set<number> | null = keepsLeft ? new Set() : null;
      if (keepsLeft || matchedRight !== null) {
        for (const i of kept) {
          matchedLeft?.add(leftRows[i]!);
          if (matchedRight !== null) matchedRight[rightRows[i]!] = 1;
        }
      }
      if (matchedLeft !== null && matchedLeft.size < batch.length) {
        const unmatched: number[] = [];
        for (let l = 0; l < batch.length; l++) if (!matchedLeft.has(l)) unmatched.push(l);
        const extended = this.pairs(batch, build, unmatched, unmatched.map(() => -1));
        joined = concatBatches([joined, extended], this.types.length, this.types);
      }
      if (joined.length > 0) yield joined;
    }
    if (matchedRight !== null) {
      const unmatched: number[] = [];
      for (let r = 0; r < build.length; r++) if (matchedRight[r] === 0) unmatched.push(r);
      const m = unmatched.length;
      if (m > 0) yield { length: m, columns: [...this.left.types.map((type) => constantVector(type, null, m)), ...gatherBatch(build, Int32Array.from(unmatched), m).columns] };
    }
  }

  private keyAt(keys: readonly Vector[], row: number): Value | string | null {
    if (keys.length === 1) {
      const value = valueAt(keys[0]!, row);
      return typeof value === 'string' && keys[0]!.type === 'numeric' ? Number(value) : value;
    }
    for (const key of keys) if (valueAt(key, row) === null) return null;
    return rowKey(keys, keys.length, row);
  }

  /** Joined rows: left row leftRows[i] beside right row rightRows[i] (-1: all NULL). */
  private pairs(left: Batch, right: Batch, leftRows: readonly number[], rightRows: readonly number[]): Batch {
    const n = leftRows.length;
    const leftSel = Int32Array.from(leftRows);
    const columns = gatherBatch(left, leftSel, n).columns.slice();
    for (let c = 0; c < this.right.types.length; c++) {
      const source = right.columns[c];
      columns.push(
        buildVector(this.right.types[c]!, n, (i) => (rightRows[i]! < 0 || source === undefined ? null : valueAt(source, rightRows[i]!))),
      );
    }
    return { length: n, columns };
  }
}
