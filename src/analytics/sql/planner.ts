// Turns a bound SELECT into a tree of operators:
//   scans / hash joins -> Filter (WHERE) -> HashAggregate -> Filter (HAVING)
//   -> Project (select list + hidden sort keys) -> Distinct -> Sort -> Limit
// Expressions over grouped rows are rewritten to the aggregation's output slots; a column
// that is neither grouped nor aggregated is PostgreSQL's error 42803.

import type { Expr, FromItem, Select } from './ast.ts';
import type { Catalog } from '../table.ts';
import { isInteger, typeByName, typeName, type SqlType } from '../types.ts';
import { colRef, evaluateConstant, markSlots, rewrite, type Bound } from './bound.ts';
import { Binder, booleanCondition, Scope, type BindContext, type ScopeColumn } from './binder.ts';
import { SqlError } from './errors.ts';
import {
  Distinct,
  Filter,
  HashAggregate,
  HashJoin,
  Limit,
  OneRow,
  Project,
  Scan,
  Sort,
  type AggregateCall,
  type PlanNode,
  type SortKey,
} from './operators.ts';

export interface OutputColumn {
  readonly name: string;
  /** Never 'unknown': an untyped literal in the output is text. */
  readonly type: SqlType;
}

export interface SelectPlan {
  readonly node: PlanNode;
  /** The visible columns (the node may carry hidden sort keys after them). */
  readonly columns: readonly OutputColumn[];
}

interface Source {
  readonly node: PlanNode;
  readonly scope: Scope;
}

export function planFrom(item: FromItem, catalog: Catalog, context: BindContext, offset = 0): Source {
  if (item.kind === 'TableRef') {
    const table = catalog.get(item.name);
    if (table === undefined) throw new SqlError('42P01', `relation "${item.name}" does not exist`, item.at + 1);
    const alias = item.alias ?? item.name;
    const columns: ScopeColumn[] = table.columns.map((c, i) => ({ table: alias, name: c.def.name, type: c.def.type, slot: offset + i, used: false }));
    const node = new Scan(table, alias, () => columns.map((c) => c.used));
    return { node, scope: new Scope(columns) };
  }
  const left = planFrom(item.left, catalog, context, offset);
  const right = planFrom(item.right, catalog, context, offset + left.scope.width);
  const scope = new Scope([...left.scope.columns, ...right.scope.columns]);
  const leftKeys: Bound[] = [];
  const rightKeys: Bound[] = [];
  const residual: Expr[] = [];
  for (const conjunct of item.on === null ? [] : conjuncts(item.on)) {
    const pair = conjunct.kind === 'Binary' && conjunct.op === '=' ? equiKeys(conjunct.left, conjunct.right, left.scope, right.scope, context) : null;
    if (pair === null) residual.push(conjunct);
    else {
      leftKeys.push(pair[0]);
      rightKeys.push(pair[1]);
    }
  }
  let condition: Bound | null = null;
  if (residual.length > 0) {
    const binder = new Binder(scope, context, { clause: 'JOIN conditions' });
    condition = residual.map((e) => booleanCondition(binder, e, 'JOIN/ON')).reduce((a, b) => binder.binary('and', a, b, 0));
  }
  // Join keys are evaluated on each side's own batches, whose slots start at 0.
  const rebase = (key: Bound, by: number) => rewrite(key, (e) => (e.kind === 'col' ? colRef(e.slot - by, e.type, e.key) : null));
  return {
    node: new HashJoin(left.node, right.node, item.joinType, leftKeys.map((k) => rebase(k, offset)), rightKeys.map((k) => rebase(k, offset + left.scope.width)), condition && rebase(condition, offset)),
    scope,
  };
}

function conjuncts(expr: Expr): Expr[] {
  return expr.kind === 'Binary' && expr.op === 'and' ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}

/** `a = b` with a over the left input only and b over the right only (either way round). */
function equiKeys(a: Expr, b: Expr, left: Scope, right: Scope, context: BindContext): [Bound, Bound] | null {
  for (const [l, r] of [[a, b], [b, a]] as const) {
    try {
      const lb = new Binder(left, context).bind(l);
      const rb = new Binder(right, context).bind(r);
      if (lb.kind === 'const' || rb.kind === 'const') return null;
      const bothNumbers = isNumberish(lb.type) && isNumberish(rb.type);
      if (lb.type !== rb.type && !bothNumbers && !(isTextual(lb.type) && isTextual(rb.type))) return null;
      return [lb, rb];
    } catch {
      // Not this way round (or not an equi-join key at all).
    }
  }
  return null;
}

const isNumberish = (t: SqlType) => isInteger(t) || t === 'float4' || t === 'float8' || t === 'numeric';
const isTextual = (t: SqlType) => t === 'text' || t === 'varchar';

/** PostgreSQL's name for an output column without an alias (FigureColname). */
function columnName(expr: Expr): string {
  return figureName(expr)[0];
}

/** A name and how strongly it holds: a cast keeps its operand's name only when that is strong. */
function figureName(expr: Expr): [string, number] {
  switch (expr.kind) {
    case 'ColumnRef':
      return [expr.name, 2];
    case 'Func':
      return [expr.name.includes('.') ? expr.name.slice(expr.name.lastIndexOf('.') + 1) : expr.name, 2];
    case 'Cast': {
      const inner = figureName(expr.operand);
      if (inner[1] > 1) return inner;
      // The type's internal name (integer is int4, double precision is float8).
      return [typeByName(expr.typeName) ?? expr.typeName, 1];
    }
    case 'Case':
      return ['case', 1];
    default:
      return ['?column?', 0];
  }
}

export function planSelect(select: Select, catalog: Catalog, context: BindContext): SelectPlan {
  const source: Source = select.from === null ? { node: new OneRow(), scope: new Scope([]) } : planFrom(select.from, catalog, context);
  const scope = source.scope;
  let node = source.node;

  const where = select.where === null ? null : booleanCondition(new Binder(scope, context, { clause: 'WHERE' }), select.where, 'WHERE');

  // The select list with * expanded.
  const items: { expr: Expr; name: string }[] = [];
  for (const item of select.items) {
    if (item.expr.kind === 'Star') {
      const star = item.expr;
      const columns = scope.columns.filter((c) => star.table === null || c.table === star.table);
      if (star.table !== null && columns.length === 0) throw new SqlError('42P01', `missing FROM-clause entry for table "${star.table}"`, star.at + 1);
      if (select.from === null) throw new SqlError('42601', 'SELECT * with no tables specified is not valid', star.at + 1);
      for (const c of columns) items.push({ expr: { kind: 'ColumnRef', table: c.table, name: c.name, at: star.at }, name: c.name });
    } else items.push({ expr: item.expr, name: item.alias ?? columnName(item.expr) });
  }

  const aggregates: AggregateCall[] = [];
  const binder = new Binder(scope, context, { collect: aggregates });
  const groupKeys = select.groupBy.map((g) => bindGroupKey(g, items, scope, context));
  const bound = items.map((item) => binder.bind(item.expr));
  const having = select.having === null ? null : booleanCondition(binder, select.having, 'HAVING');
  const orderBound = select.orderBy.map((o) => bindOrderKey(o.expr, items, bound, binder));
  const grouped = groupKeys.length > 0 || aggregates.length > 0 || having !== null;

  if (where !== null) {
    // Rows that pass the filter carry on with only the columns the rest of the query reads.
    const keep = new Array<boolean>(scope.width).fill(false);
    for (const expr of grouped ? [...groupKeys, ...aggregates.flatMap((a) => (a.arg === null ? [] : [a.arg]))] : [...bound, ...orderBound]) {
      if (typeof expr !== 'number') markSlots(expr, keep);
    }
    node = new Filter(node, where, keep);
  }

  let outputs = bound;
  let orderExprs = orderBound;
  if (grouped) {
    node = new HashAggregate(node, groupKeys, aggregates);
    const post = (expr: Bound) => toGrouped(expr, groupKeys);
    outputs = bound.map(post);
    orderExprs = orderBound.map((o) => (typeof o === 'number' ? o : post(o)));
    if (having !== null) node = new Filter(node, post(having));
  }

  // Project the select list, then any sort keys that are not in it.
  const projected = [...outputs];
  const sortSlots: number[] = orderExprs.map((o) => {
    if (typeof o === 'number') return o;
    const found = projected.findIndex((p, i) => i < outputs.length && p.key === o.key);
    if (found >= 0) return found;
    if (select.distinct) throw new SqlError('42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
    projected.push(o);
    return projected.length - 1;
  });
  node = new Project(node, projected);
  if (select.distinct) node = new Distinct(node, outputs.length);
  if (sortSlots.length > 0) {
    const keys: SortKey[] = select.orderBy.map((o, i) => ({
      slot: sortSlots[i]!,
      descending: o.descending,
      nullsFirst: o.nullsFirst ?? o.descending,
      label: projected[sortSlots[i]!]!.key,
    }));
    node = new Sort(node, keys);
  }
  if (select.limit !== null || select.offset !== null) {
    const count = (expr: Expr | null, clause: string): number | null => {
      if (expr === null) return null;
      const value = evaluateConstant(new Binder(new Scope([]), context, { clause }).coerce(new Binder(new Scope([]), context, { clause }).bind(expr), 'int8'));
      if (value === null) return null;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new SqlError('42804', `argument of ${clause} must be type bigint, not type ${typeName('numeric')}`);
      if (value < 0) throw new SqlError('2201W', `${clause} must not be negative`);
      return value;
    };
    node = new Limit(node, count(select.limit, 'LIMIT'), count(select.offset, 'OFFSET') ?? 0);
  }
  return {
    node,
    columns: items.map((item, i) => ({ name: item.name, type: outputs[i]!.type === 'unknown' ? 'text' : outputs[i]!.type })),
  };
}

/** GROUP BY takes an input column, an output column's position, or (failing those) its alias. */
function bindGroupKey(expr: Expr, items: readonly { expr: Expr; name: string }[], scope: Scope, context: BindContext): Bound {
  const binder = new Binder(scope, context, { clause: 'GROUP BY' });
  if (expr.kind === 'Literal' && expr.literal === 'integer') return binder.bind(outputAt(items.map((i) => i.expr), Number(expr.value), expr.at, 'GROUP BY'));
  if (expr.kind === 'ColumnRef' && expr.table === null && !scope.columns.some((c) => c.name === expr.name)) {
    const item = items.find((i) => i.name === expr.name);
    if (item !== undefined) return binder.bind(item.expr);
  }
  return binder.bind(expr);
}

/** ORDER BY takes an output column's alias or position first, then any expression. */
function bindOrderKey(expr: Expr, items: readonly { expr: Expr; name: string }[], bound: readonly Bound[], binder: Binder): Bound | number {
  if (expr.kind === 'Literal' && expr.literal === 'integer') {
    outputAt(items.map((i) => i.expr), Number(expr.value), expr.at, 'ORDER BY');
    return Number(expr.value) - 1;
  }
  if (expr.kind === 'ColumnRef' && expr.table === null) {
    const matches = items.map((item, i) => (item.name === expr.name ? i : -1)).filter((i) => i >= 0);
    if (matches.length > 1 && !matches.every((i) => bound[i]!.key === bound[matches[0]!]!.key)) {
      throw new SqlError('42702', `ORDER BY "${expr.name}" is ambiguous`, expr.at + 1);
    }
    if (matches.length > 0) return matches[0]!;
  }
  return binder.bind(expr);
}

function outputAt(exprs: readonly Expr[], position: number, at: number, clause: string): Expr {
  const expr = exprs[position - 1];
  if (expr === undefined) throw new SqlError('42P10', `${clause} position ${position} is not in select list`, at + 1);
  return expr;
}

/** Maps an expression over input rows to one over the aggregation's output (keys, then aggregates). */
function toGrouped(expr: Bound, keys: readonly Bound[]): Bound {
  return rewrite(expr, (e) => {
    const key = keys.findIndex((k) => k.key === e.key);
    if (key >= 0) return colRef(key, e.type, e.key);
    if (e.kind === 'agg') return colRef(keys.length + e.index, e.type, e.key);
    if (e.kind === 'col') {
      const [table, column] = e.key.includes('.') ? e.key.split('.') : [null, e.key];
      throw new SqlError('42803', `column "${table === null ? column : `${table}.${column}`}" must appear in the GROUP BY clause or be used in an aggregate function`);
    }
    return null;
  });
}
