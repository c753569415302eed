// Bound expressions: names resolved to batch slots, types decided, operators chosen. They are
// evaluated a whole batch at a time. `key` is a canonical text of the expression, used to match
// SELECT expressions against GROUP BY keys and to print plans.

import type { SqlType } from '../types.ts';
import { constantVector, gatherBatch, numbers, valueAt, type Batch, type Value, type Vector } from '../vector.ts';
import { buildVector } from './vectorops.ts';

export type Bound =
  | { readonly kind: 'col'; readonly type: SqlType; readonly key: string; readonly slot: number }
  | { readonly kind: 'const'; readonly type: SqlType; readonly key: string; readonly value: Value }
  | {
      readonly kind: 'call';
      readonly type: SqlType;
      readonly key: string;
      readonly args: readonly Bound[];
      readonly run: (args: readonly Vector[], n: number) => Vector;
      /** What a scan can learn from this predicate to skip whole chunks (see RangeCondition). */
      readonly prune?: Prune;
    }
  | {
      readonly kind: 'case';
      readonly type: SqlType;
      readonly key: string;
      readonly whens: readonly { readonly when: Bound; readonly then: Bound }[];
      readonly otherwise: Bound | null;
    }
  /** An aggregate's result, before the planner maps it to a slot of the aggregation's output. */
  | { readonly kind: 'agg'; readonly type: SqlType; readonly key: string; readonly index: number }
  /** A window function's result, before the planner maps it to a slot of the WindowAgg's output. */
  | { readonly kind: 'win'; readonly type: SqlType; readonly key: string; readonly index: number }
  /** An outer query's column inside a correlated subquery: the value of the outer row being evaluated. */
  | { readonly kind: 'outer'; readonly type: SqlType; readonly key: string; readonly cell: OuterCell };

/** Holds the current outer row's value of one column a correlated subquery reads. */
export interface OuterCell {
  value: Value;
}

export const colRef = (slot: number, type: SqlType, key: string): Bound => Object.freeze({ kind: 'col', slot, type, key });
export const constant = (value: Value, type: SqlType, key: string): Bound => Object.freeze({ kind: 'const', value, type, key });
/** `column op number`: a chunk whose min..max cannot satisfy it holds no matching row. */
export interface RangeCondition {
  readonly slot: number;
  readonly op: '=' | '<>' | '<' | '>' | '<=' | '>=';
  readonly value: number;
}

/** A predicate's pruning facts: one range condition, or an AND whose sides both must hold. */
export type Prune = { readonly range: RangeCondition } | { readonly and: true };

export const call = (
  type: SqlType,
  key: string,
  args: readonly Bound[],
  run: (args: readonly Vector[], n: number) => Vector,
  prune?: Prune,
): Bound => Object.freeze(prune === undefined ? { kind: 'call', type, key, args, run } : { kind: 'call', type, key, args, run, prune });

/** The range conditions every row passing `predicate` satisfies (through ANDs). */
export function rangeConditions(predicate: Bound): RangeCondition[] {
  if (predicate.kind !== 'call' || predicate.prune === undefined) return [];
  if ('range' in predicate.prune) return [predicate.prune.range];
  return predicate.args.flatMap(rangeConditions);
}

export function evaluate(expr: Bound, batch: Batch): Vector {
  switch (expr.kind) {
    case 'col':
      return batch.columns[expr.slot]!;
    case 'const':
      return constantVector(expr.type, expr.value, batch.length);
    case 'call':
      return expr.run(
        expr.args.map((arg) => evaluate(arg, batch)),
        batch.length,
      );
    case 'case':
      return evaluateCase(expr, batch);
    case 'agg':
      throw new Error('aggregate evaluated outside an aggregation');
    case 'win':
      throw new Error('window function evaluated outside a WindowAgg');
    case 'outer':
      return constantVector(expr.type, expr.cell.value, batch.length);
  }
}

/**
 * CASE evaluates each branch only on the rows that reach it, as PostgreSQL does, so
 * `CASE WHEN x = 0 THEN 0 ELSE 1 / x END` never divides by zero.
 */
function evaluateCase(expr: Extract<Bound, { kind: 'case' }>, batch: Batch): Vector {
  const n = batch.length;
  const results: Value[] = new Array<Value>(n).fill(null);
  let remaining = Int32Array.from({ length: n }, (_, i) => i);
  let current = batch;
  for (const { when, then } of expr.whens) {
    if (remaining.length === 0) break;
    const condition = evaluate(when, current);
    const truth = numbers(condition);
    const hit: number[] = [];
    const miss: number[] = [];
    for (let i = 0; i < remaining.length; i++) {
      if ((condition.nulls === null || condition.nulls[i] === 0) && truth[i] !== 0) hit.push(i);
      else miss.push(i);
    }
    if (hit.length > 0) {
      const selected = Int32Array.from(hit);
      const values = evaluate(then, gatherBatch(current, selected, hit.length));
      for (let j = 0; j < hit.length; j++) results[remaining[hit[j]!]!] = valueAt(values, j);
    }
    const rest = Int32Array.from(miss);
    current = gatherBatch(current, rest, miss.length);
    remaining = Int32Array.from(miss, (i) => remaining[i]!);
  }
  if (expr.otherwise !== null && remaining.length > 0) {
    const values = evaluate(expr.otherwise, current);
    for (let j = 0; j < remaining.length; j++) results[remaining[j]!] = valueAt(values, j);
  }
  return buildVector(expr.type, n, (i) => results[i] ?? null);
}

/** Evaluates an expression that references no column (LIMIT, VALUES rows) to one value. */
export function evaluateConstant(expr: Bound): Value {
  return valueAt(evaluate(expr, { length: 1, columns: [] }), 0);
}

/** Rewrites an expression bottom-up (the planner maps group keys and aggregates to slots). */
export function rewrite(expr: Bound, visit: (expr: Bound) => Bound | null): Bound {
  const replaced = visit(expr);
  if (replaced !== null) return replaced;
  switch (expr.kind) {
    case 'call':
      return call(expr.type, expr.key, expr.args.map((arg) => rewrite(arg, visit)), expr.run, expr.prune && 'and' in expr.prune ? expr.prune : undefined);
    case 'case':
      return Object.freeze({
        ...expr,
        whens: expr.whens.map(({ when, then }) => ({ when: rewrite(when, visit), then: rewrite(then, visit) })),
        otherwise: expr.otherwise === null ? null : rewrite(expr.otherwise, visit),
      });
    default:
      return expr;
  }
}

/** Marks in `used` every input slot the expression reads. */
export function markSlots(expr: Bound, used: boolean[]): void {
  switch (expr.kind) {
    case 'col':
      used[expr.slot] = true;
      return;
    case 'call':
      for (const arg of expr.args) markSlots(arg, used);
      return;
    case 'case':
      for (const { when, then } of expr.whens) {
        markSlots(when, used);
        markSlots(then, used);
      }
      if (expr.otherwise !== null) markSlots(expr.otherwise, used);
      return;
    default:
      return;
  }
}
