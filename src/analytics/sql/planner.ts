// Turns a bound SELECT into a tree of operators:
//   scans / hash joins -> Filter (WHERE) -> HashAggregate -> Filter (HAVING)
//   -> Project (select list + hidden sort keys) -> Distinct -> Sort -> Limit
// Expressions over grouped rows are rewritten to the aggregation's output slots; a column
// that is neither grouped nor aggregated is PostgreSQL's error 42803.

import type { CommonTable, Expr, FromItem, NamedWindow, OrderItem, Query, Select, SetOperation, WindowSpec } from './ast.ts';
import type { Catalog } from '../table.ts';
import { isInteger, typeByName, typeName, type SqlType } from '../types.ts';
import { colRef, evaluateConstant, markSlots, rangeConditions, rewrite, type Bound } from './bound.ts';
import { Binder, booleanCondition, Scope, type BindContext, type ScopeColumn } from './binder.ts';
import { SqlError } from './errors.ts';
import { commonType } from './functions.ts';
import {
  Concat,
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
import { mapWindowCall, windowInputs, WindowAgg, type WindowCall } from './window.ts';

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

/** Binding context plus the WITH tables in scope. */
export interface PlanContext extends BindContext {
  readonly commonTables?: ReadonlyMap<string, CommonTable>;
}

/** Plans any query: a SELECT, a UNION, or a WITH around either. */
export function planQuery(query: Query, catalog: Catalog, context: PlanContext): SelectPlan {
  switch (query.kind) {
    case 'Select':
      return planSelect(query, catalog, context);
    case 'SetOperation':
      return planSetOperation(query, catalog, context);
    case 'With': {
      const commonTables = new Map(context.commonTables ?? []);
      for (const table of query.tables) commonTables.set(table.name, table);
      return planQuery(query.body, catalog, { ...context, commonTables });
    }
  }
}

/** The plan's node cut down to its visible columns (dropping hidden sort keys). */
function visibleNode(plan: SelectPlan, context: PlanContext, casts: readonly (SqlType | null)[] = []): PlanNode {
  if (plan.node.types.length === plan.columns.length && casts.every((c, i) => c === null || c === plan.columns[i]!.type)) return plan.node;
  const binder = new Binder(new Scope([]), context);
  return new Project(
    plan.node,
    plan.columns.map((c, i) => {
      const column = colRef(i, plan.node.types[i]!, c.name);
      const to = casts[i] ?? null;
      return to === null ? column : binder.cast(column, to, -1, false);
    }),
  );
}

/** A query used as a table: its visible columns under the alias (or the given names). */
function derived(query: Query, alias: string, names: readonly string[] | null, catalog: Catalog, context: PlanContext, offset: number, at: number): Source {
  const plan = planQuery(query, catalog, context);
  if (names !== null && names.length > plan.columns.length) {
    throw new SqlError('42P10', `table "${alias}" has ${plan.columns.length} columns available but ${names.length} columns specified`, at + 1);
  }
  const columns: ScopeColumn[] = plan.columns.map((c, i) => ({ table: alias, name: names?.[i] ?? c.name, type: c.type, slot: offset + i, used: true }));
  return { node: visibleNode(plan, context), scope: new Scope(columns) };
}

export function planFrom(item: FromItem, catalog: Catalog, context: PlanContext, offset = 0): Source {
  if (item.kind === 'Subquery') return derived(item.query, item.alias, item.columns, catalog, context, offset, item.at);
  if (item.kind === 'TableRef') {
    const common = context.commonTables?.get(item.name);
    if (common !== undefined) return derived(common.query, item.alias ?? item.name, common.columns, catalog, context, offset, item.at);
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
  // PostgreSQL runs a FULL JOIN only as a hash or merge join, which need an equality to work on.
  if (item.joinType === 'full' && leftKeys.length === 0 && condition !== null && condition.kind !== 'const') {
    throw new SqlError('0A000', 'FULL JOIN is only supported with merge-joinable or hash-joinable join conditions');
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
  // A name of neither side must not resolve to an outer query's column here.
  const local: BindContext = { ...context, outer: undefined };
  for (const [l, r] of [[a, b], [b, a]] as const) {
    try {
      const lb = new Binder(left, local).bind(l);
      const rb = new Binder(right, local).bind(r);
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
    case 'Window':
      return figureName(expr.func);
    case 'SubqueryExpr':
      if (expr.form === 'exists') return ['exists', 2];
      if (expr.form === 'scalar') return [firstColumnName(expr.query), 2];
      return ['?column?', 0];
    default:
      return ['?column?', 0];
  }
}

/** The name of a query's first output column (what a scalar subquery is called). */
function firstColumnName(query: Query): string {
  if (query.kind === 'With') return firstColumnName(query.body);
  if (query.kind === 'SetOperation') return firstColumnName(query.left);
  const first = query.items[0]!;
  return first.alias ?? (first.expr.kind === 'Star' ? '?column?' : columnName(first.expr));
}

export function planSelect(select: Select, catalog: Catalog, context: PlanContext): SelectPlan {
  const source: Source = select.from === null ? { node: new OneRow(), scope: new Scope([]) } : planFrom(select.from, catalog, context);
  const scope = source.scope;
  let node = source.node;

  const where = select.where === null ? null : booleanCondition(new Binder(scope, context, { clause: 'WHERE' }), select.where, 'WHERE');
  if (where !== null && node instanceof Scan) node.restrict(rangeConditions(where));

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
  const windows: WindowCall[] = [];
  const binder = new Binder(scope, context, { collect: aggregates }, { collect: windows, named: namedWindows(select.windows) });
  const groupKeys = select.groupBy.map((g) => bindGroupKey(g, items, scope, context));
  const bound = items.map((item) => binder.bind(item.expr));
  const having = select.having === null ? null : booleanCondition(new Binder(scope, context, { collect: aggregates }, { clause: 'HAVING' }), select.having, 'HAVING');
  const orderBound = select.orderBy.map((o) => bindOrderKey(o.expr, items, bound, binder));
  const grouped = groupKeys.length > 0 || aggregates.length > 0 || having !== null;

  if (where !== null) {
    // Rows that pass the filter carry on with only the columns the rest of the query reads.
    const keep = new Array<boolean>(scope.width).fill(false);
    for (const expr of grouped ? [...groupKeys, ...aggregates.flatMap((a) => (a.arg === null ? [] : [a.arg]))] : [...bound, ...orderBound, ...windows.flatMap(windowInputs)]) {
      if (typeof expr !== 'number') markSlots(expr, keep);
    }
    node = new Filter(node, where, keep);
  }

  let outputs = bound;
  let orderExprs = orderBound;
  let windowCalls = windows;
  if (grouped) {
    node = new HashAggregate(node, groupKeys, aggregates);
    const post = (expr: Bound) => toGrouped(expr, groupKeys);
    outputs = bound.map(post);
    orderExprs = orderBound.map((o) => (typeof o === 'number' ? o : post(o)));
    windowCalls = windows.map((w) => mapWindowCall(w, post));
    if (having !== null) node = new Filter(node, post(having));
  }
  if (windowCalls.length > 0) {
    // Window functions see the rows after grouping and HAVING; their results follow the input columns.
    const width = node.types.length;
    node = new WindowAgg(node, windowCalls);
    const windowed = (expr: Bound) => rewrite(expr, (e) => (e.kind === 'win' ? colRef(width + e.index, e.type, e.key) : null));
    outputs = outputs.map(windowed);
    orderExprs = orderExprs.map((o) => (typeof o === 'number' ? o : windowed(o)));
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
  node = limited(node, select.limit, select.offset, context);
  return {
    node,
    columns: items.map((item, i) => ({ name: item.name, type: outputs[i]!.type === 'unknown' ? 'text' : outputs[i]!.type })),
  };
}

/** The WINDOW clause's definitions by name. */
function namedWindows(definitions: readonly NamedWindow[]): Map<string, WindowSpec> {
  const named = new Map<string, WindowSpec>();
  for (const { name, spec } of definitions) {
    if (named.has(name)) throw new SqlError('42P20', `window "${name}" is already defined`, spec.at + 1);
    named.set(name, spec);
  }
  return named;
}

/** LIMIT and OFFSET (constant expressions) over a plan, when given. */
function limited(node: PlanNode, limit: Expr | null, offset: Expr | null, context: BindContext): PlanNode {
  if (limit === null && offset === null) return node;
  const count = (expr: Expr | null, clause: string): number | null => {
    if (expr === null) return null;
    const binder = new Binder(new Scope([]), context, { clause });
    const value = evaluateConstant(binder.coerce(binder.bind(expr), 'int8'));
    if (value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new SqlError('42804', `argument of ${clause} must be type bigint, not type ${typeName('numeric')}`);
    if (value < 0) throw new SqlError('2201W', `${clause} must not be negative`);
    return value;
  };
  return new Limit(node, count(limit, 'LIMIT'), count(offset, 'OFFSET') ?? 0);
}

/** UNION [ALL]: both sides cast to common column types, concatenated, deduplicated unless ALL. */
function planSetOperation(operation: SetOperation, catalog: Catalog, context: PlanContext): SelectPlan {
  const left = planQuery(operation.left, catalog, context);
  const right = planQuery(operation.right, catalog, context);
  if (left.columns.length !== right.columns.length) {
    throw new SqlError('42601', 'each UNION query must have the same number of columns', operation.at + 1);
  }
  const types = left.columns.map((c, i) => commonType([c.type, right.columns[i]!.type], 'UNION'));
  let node: PlanNode = new Concat([visibleNode(left, context, types), visibleNode(right, context, types)], types);
  if (!operation.all) node = new Distinct(node, types.length);
  const columns = left.columns.map((c, i) => ({ name: c.name, type: types[i]! }));
  if (operation.orderBy.length > 0) node = new Sort(node, operation.orderBy.map((o) => unionSortKey(o, columns)));
  return { node: limited(node, operation.limit, operation.offset, context), columns };
}

/** ORDER BY of a UNION names an output column or its position, nothing else. */
function unionSortKey(order: OrderItem, columns: readonly OutputColumn[]): SortKey {
  let slot = -1;
  if (order.expr.kind === 'Literal' && order.expr.literal === 'integer') {
    slot = Number(order.expr.value) - 1;
    if (slot < 0 || slot >= columns.length) throw new SqlError('42P10', `ORDER BY position ${order.expr.value} is not in select list`, order.expr.at + 1);
  } else if (order.expr.kind === 'ColumnRef' && order.expr.table === null) {
    const name = order.expr.name;
    slot = columns.findIndex((c) => c.name === name);
    if (slot < 0) throw new SqlError('42703', `column "${name}" does not exist`, order.expr.at + 1);
  } else {
    throw new SqlError('0A000', 'invalid UNION/INTERSECT/EXCEPT ORDER BY clause');
  }
  return { slot, descending: order.descending, nullsFirst: order.nullsFirst ?? order.descending, label: columns[slot]!.name };
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
