// Binding: resolves names against a scope, decides types (PostgreSQL's rules: quoted literals
// take the type their context asks for, integers widen, numeric meets float as double), picks
// operators, and folds casts of constants so that errors in literals surface at plan time.

import type { Expr, FrameBound, Query, WindowSpec } from './ast.ts';
import {
  isFloat,
  isInteger,
  isNumberBacked,
  isNumeric,
  isText,
  isTime,
  typeByName,
  typeName,
  type SqlType,
} from '../types.ts';
import { strings, valueAt, type Value, type Vector } from '../vector.ts';
import { AGGREGATES, aggregateType, type AggName } from './aggregate.ts';
import { call, colRef, constant, evaluate, type Bound, type OuterCell } from './bound.ts';
import { SqlError } from './errors.ts';
import { commonType, resolveFunction, callResolved, type FunctionContext } from './functions.ts';
import type { AggregateCall } from './operators.ts';
import { checkFrame, DEFAULT_FRAME, WINDOW_FUNCTIONS, windowSignature, type BoundFrame, type BoundFrameEdge, type WindowCall } from './window.ts';
import {
  and,
  arithmetic,
  buildVector,
  castValue,
  castVector,
  compare,
  compareWith,
  FLIPPED,
  isNull,
  like,
  not,
  negate,
  numericArithmetic,
  numericResult,
  or,
  type Comparison,
} from './vectorops.ts';

export interface ScopeColumn {
  /** The table's alias (or name) the column can be qualified with. */
  readonly table: string | null;
  readonly name: string;
  readonly type: SqlType;
  readonly slot: number;
  /** Set when a query reads it (scans skip the others). */
  used: boolean;
}

export class Scope {
  constructor(readonly columns: readonly ScopeColumn[]) {}

  get width(): number {
    return this.columns.length;
  }

  resolve(table: string | null, name: string, at: number): ScopeColumn {
    if (table !== null && !this.columns.some((c) => c.table === table)) {
      throw new SqlError('42P01', `missing FROM-clause entry for table "${table}"`, at + 1);
    }
    const found = this.columns.filter((c) => c.name === name && (table === null || c.table === table));
    if (found.length === 0) {
      throw new SqlError('42703', `column ${table === null ? `"${name}"` : `${table}.${name}`} does not exist`, at + 1);
    }
    if (found.length > 1) throw new SqlError('42702', `column reference "${name}" is ambiguous`, at + 1);
    found[0]!.used = true;
    return found[0]!;
  }
}

/** A planned subquery, run once when uncorrelated, else once per distinct outer row. */
export interface SubqueryPlan {
  readonly types: readonly SqlType[];
  /** Its rows (at most `limit`), with the outer cells as they are set now. */
  rows(limit?: number): Value[][];
}

/** The query around a subquery: names the subquery does not know resolve here. */
export interface OuterScope {
  readonly scope: Scope;
  /** The outer columns the subquery reads, by slot in the outer rows. */
  readonly cells: Map<number, OuterCell>;
}

export interface BindContext {
  readonly params: readonly (string | null)[];
  readonly functions: FunctionContext;
  readonly subquery?: (query: Query, context: BindContext) => SubqueryPlan;
  /** Set while binding a subquery (one level: a name two queries out is not found). */
  readonly outer?: OuterScope;
}

/** Where aggregates may appear, and the clause named in the error when they may not. */
export type AggregatePolicy = { readonly collect: AggregateCall[] } | { readonly clause: string };

/** Where window functions may appear (the select list and ORDER BY), with the WINDOW clause's names. */
export type WindowPolicy = { readonly collect: WindowCall[]; readonly named: ReadonlyMap<string, WindowSpec> } | { readonly clause: string };

export class Binder {
  private insideAggregate = false;
  private insideWindow = false;

  constructor(
    private readonly scope: Scope,
    private readonly context: BindContext,
    private readonly aggregates: AggregatePolicy = { clause: 'this context' },
    /** By default window functions are refused, naming the clause aggregates are refused in. */
    private readonly windows: WindowPolicy = { clause: 'clause' in aggregates ? aggregates.clause : 'this context' },
  ) {}

  bind(expr: Expr): Bound {
    switch (expr.kind) {
      case 'Literal':
        return this.literal(expr);
      case 'Param': {
        if (expr.index < 1 || expr.index > this.context.params.length) {
          throw new SqlError('42P02', `there is no parameter $${expr.index}`, expr.at + 1);
        }
        return constant(this.context.params[expr.index - 1] ?? null, 'unknown', `$${expr.index}`);
      }
      case 'ColumnRef':
        return this.column(expr);
      case 'Star':
        throw new SqlError('42601', 'syntax error at or near "*"', expr.at + 1);
      case 'Unary':
        return this.unary(expr.op, this.bind(expr.operand), expr.at);
      case 'Binary':
        return this.binary(expr.op, this.bind(expr.left), this.bind(expr.right), expr.at);
      case 'IsNull': {
        const operand = this.bind(expr.operand);
        return call('bool', `(${operand.key} IS ${expr.negated ? 'NOT ' : ''}NULL)`, [operand], ([v]) => isNull(v!, expr.negated));
      }
      case 'Between': {
        const operand = this.bind(expr.operand);
        const inside = this.binary(
          'and',
          this.binary('>=', operand, this.bind(expr.low), 0),
          this.binary('<=', operand, this.bind(expr.high), 0),
          0,
        );
        return expr.negated ? this.unary('not', inside, 0) : inside;
      }
      case 'InList': {
        const operand = this.bind(expr.operand);
        let result: Bound | null = null;
        for (const item of expr.items) {
          const equal = this.binary(expr.negated ? '<>' : '=', operand, this.bind(item), 0);
          result = result === null ? equal : this.binary(expr.negated ? 'and' : 'or', result, equal, 0);
        }
        return result!;
      }
      case 'Like': {
        const operand = this.coerce(this.bind(expr.operand), 'text');
        const pattern = this.coerce(this.bind(expr.pattern), 'text');
        if (!isText(operand.type) || !isText(pattern.type)) {
          throw new SqlError('42883', `operator does not exist: ${typeName(operand.type)} ${expr.caseInsensitive ? '~~*' : '~~'} ${typeName(pattern.type)}`);
        }
        const op = `${expr.negated ? 'NOT ' : ''}${expr.caseInsensitive ? 'ILIKE' : 'LIKE'}`;
        return call('bool', `(${operand.key} ${op} ${pattern.key})`, [operand, pattern], ([v, p]) => like(v!, p!, expr.negated, expr.caseInsensitive));
      }
      case 'Case':
        return this.caseExpr(expr);
      case 'Cast': {
        const type = typeByName(expr.typeName);
        if (type === null) throw new SqlError('42704', `type "${expr.typeName}" does not exist`, expr.at + 1);
        // A failing literal is reported at the literal, as PostgreSQL does.
        return this.cast(this.bind(expr.operand), type, expr.operand.kind === 'Literal' ? expr.operand.at : expr.at, true);
      }
      case 'Func':
        return this.func(expr);
      case 'SubqueryExpr':
        return this.subquery(expr);
      case 'Window':
        return this.window(expr);
    }
  }

  private window(expr: Extract<Expr, { kind: 'Window' }>): Bound {
    const { func } = expr;
    const at = func.at + 1;
    if (!('collect' in this.windows)) throw new SqlError('42P20', `window functions are not allowed in ${this.windows.clause}`, at);
    if (this.insideAggregate) throw new SqlError('42803', 'aggregate function calls cannot contain window function calls', at);
    if (this.insideWindow) throw new SqlError('42P20', 'window function calls cannot be nested', at);
    if (!WINDOW_FUNCTIONS.has(func.name) && !AGGREGATES.has(func.name)) {
      throw new SqlError('42809', `OVER specified, but ${func.name} is not a window function nor an aggregate function`, at);
    }
    if (func.distinct) throw new SqlError('0A000', 'DISTINCT is not implemented for window functions', at);
    // rank(x) and the like are hypothetical-set aggregates, which take WITHIN GROUP, not OVER.
    if (['rank', 'dense_rank', 'percent_rank', 'cume_dist'].includes(func.name) && func.args.length > 0) {
      throw new SqlError('42809', `OVER is not supported for ordered-set aggregate ${func.name}`, at);
    }
    const spec = resolveWindow(expr.over, this.windows.named);
    this.insideWindow = true;
    let call: WindowCall;
    try {
      const bound = func.args.map((arg) => this.bind(arg));
      const { type, argTypes } = windowSignature(func.name, bound.map((a) => a.type), func.star);
      const args = bound.map((arg, i) => this.cast(arg, argTypes[i]!, -1, false));
      const partition = spec.partitionBy.map((e) => this.bind(e));
      const order = spec.orderBy.map((o) => ({ expr: this.bind(o.expr), descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending }));
      const frame = spec.frame === null ? DEFAULT_FRAME : this.frame(spec.frame.mode, spec.frame.start, spec.frame.end, order[0]?.expr.type ?? null);
      checkFrame(frame, order.length, order[0]?.expr.type ?? null);
      const over = [
        ...(partition.length > 0 ? [`PARTITION BY ${partition.map((p) => p.key).join(', ')}`] : []),
        ...(order.length > 0 ? [`ORDER BY ${order.map((o) => `${o.expr.key}${o.descending ? ' DESC' : ''}`).join(', ')}`] : []),
        ...(spec.frame === null ? [] : [`${frame.mode.toUpperCase()} BETWEEN ${edgeText(frame.start)} AND ${edgeText(frame.end)}`]),
      ].join(' ');
      const key = `${func.name}(${func.star ? '*' : args.map((a) => a.key).join(', ')}) OVER (${over})`;
      call = { name: func.name, args, type, partition, order, frame, key };
    } finally {
      this.insideWindow = false;
    }
    const list = this.windows.collect;
    let index = list.findIndex((w) => w.key === call.key);
    if (index < 0) {
      index = list.length;
      list.push(call);
    }
    return Object.freeze({ kind: 'win' as const, type: call.type, key: call.key, index });
  }

  /** Frame offsets are constants: bigint rows or groups, or a distance in the ORDER BY key's type. */
  private frame(mode: BoundFrame['mode'], start: FrameBound, end: FrameBound, orderType: SqlType | null): BoundFrame {
    const edge = (bound: FrameBound): BoundFrameEdge => {
      if (bound.offset === null) return { kind: bound.kind, offset: null };
      const binder = new Binder(new Scope([]), this.context, { clause: 'window definition' }, { clause: 'window definition' });
      const value = binder.bind(bound.offset);
      const want: SqlType = mode !== 'range' ? 'int8' : orderType !== null && isInteger(orderType) ? 'int8' : orderType === 'numeric' ? 'numeric' : 'float8';
      const offset = binder.coerce(value, want);
      // ROWS and GROUPS take any number, rounded to bigint as an assignment would.
      if (mode !== 'range' && !isNumeric(offset.type)) {
        throw new SqlError('42804', `argument of ${mode.toUpperCase()} must be type bigint, not type ${typeName(offset.type)}`, bound.offset.kind === 'Literal' ? bound.offset.at + 1 : undefined);
      }
      return { kind: bound.kind, offset: binder.cast(offset, want, -1, false) };
    };
    return { mode, start: edge(start), end: edge(end) };
  }

  /** A column of this query, else (inside a subquery) of the query around it. */
  private column(expr: Extract<Expr, { kind: 'ColumnRef' }>): Bound {
    let column: ScopeColumn;
    try {
      column = this.scope.resolve(expr.table, expr.name, expr.at);
    } catch (error) {
      const outer = this.context.outer;
      // Only a name this query lacks looks outward (an ambiguous one stays an error).
      if (outer === undefined || !(error instanceof SqlError) || (error.code !== '42703' && error.code !== '42P01')) throw error;
      let found: ScopeColumn;
      try {
        found = outer.scope.resolve(expr.table, expr.name, expr.at);
      } catch {
        throw error;
      }
      let cell = outer.cells.get(found.slot);
      if (cell === undefined) outer.cells.set(found.slot, (cell = { value: null }));
      return Object.freeze({ kind: 'outer' as const, type: found.type, key: columnKey(found), cell });
    }
    return colRef(column.slot, column.type, columnKey(column));
  }

  private subquery(expr: Extract<Expr, { kind: 'SubqueryExpr' }>): Bound {
    if (this.context.subquery === undefined) throw new SqlError('0A000', 'subqueries are not supported here', expr.at + 1);
    const outer: OuterScope = { scope: this.scope, cells: new Map() };
    const plan = this.context.subquery(expr.query, { ...this.context, outer });
    if (expr.form !== 'exists' && plan.types.length !== 1) throw new SqlError('42601', 'subquery must return only one column', expr.at + 1);
    const type = plan.types[0]!;
    const correlated = outer.cells.size > 0;
    // Correlated: the outer columns it reads are arguments, the subquery runs per distinct outer row.
    const slots = [...outer.cells.keys()];
    const cells = slots.map((slot) => outer.cells.get(slot)!);
    const outerArgs = slots.map((slot) => {
      const column = this.scope.columns.find((c) => c.slot === slot)!;
      return colRef(slot, column.type, columnKey(column));
    });
    const label = correlated ? `SubPlan at ${expr.at + 1}` : 'SELECT ...';
    /** Runs the subquery for the outer row `i` of `args` (memoised per distinct outer values). */
    const perRow = <T>(compute: () => T) => {
      const memo = new Map<string, T>();
      return (args: readonly Vector[], i: number): T => {
        const values = cells.map((cell, k) => (cell.value = valueAt(args[k]!, i)));
        const key = JSON.stringify(values);
        let result = memo.get(key);
        if (result === undefined) memo.set(key, (result = compute()));
        return result;
      };
    };
    if (expr.form === 'exists') {
      const exists = () => (plan.rows(1).length > 0 ? 1 : 0);
      if (!correlated) return constant(exists(), 'bool', 'EXISTS(...)');
      const at = perRow(exists);
      return call('bool', `EXISTS(${label})`, outerArgs, (args, n) => buildVector('bool', n, (i) => at(args, i)));
    }
    if (expr.form === 'scalar') {
      const single = (): Value => {
        const rows = plan.rows(2);
        if (rows.length > 1) throw new SqlError('21000', 'more than one row returned by a subquery used as an expression');
        return rows[0]?.[0] ?? null;
      };
      if (!correlated) return constant(single(), type, '(SELECT ...)');
      const at = perRow(single);
      const resultType = type === 'unknown' ? 'text' : type;
      return call(resultType, `(${label})`, outerArgs, (args, n) => buildVector(resultType, n, (i) => at(args, i)));
    }
    // x IN (subquery): membership in the set of values, NULL when absent but a NULL is present.
    const operand = this.coerce(this.bind(expr.operand!), type === 'unknown' ? 'text' : type);
    const comparable = operand.type === type || (isNumeric(operand.type) && isNumeric(type)) || (isText(operand.type) && isText(type));
    if (!comparable) throw new SqlError('42883', `operator does not exist: ${typeName(operand.type)} = ${typeName(type)}`, expr.at + 1);
    const asNumbers = isNumberBacked(operand.type) || operand.type === 'numeric';
    const valueSet = () => {
      const members = new Set<number | string>();
      let hasNull = false;
      for (const row of plan.rows()) {
        const value = row[0] ?? null;
        if (value === null) hasNull = true;
        else members.add(asNumbers ? Number(value) : (value as string));
      }
      return { members, hasNull };
    };
    const negated = expr.negated;
    const fixed = correlated ? null : valueSet();
    const setAt = perRow(valueSet);
    return call('bool', `(${operand.key} ${negated ? 'NOT ' : ''}IN (${label}))`, [operand, ...outerArgs], ([v, ...args], n) =>
      buildVector('bool', n, (i) => {
        const { members, hasNull } = fixed ?? setAt(args, i);
        const value = valueAt(v!, i);
        if (value === null) return members.size === 0 && !hasNull ? (negated ? 1 : 0) : null;
        if (members.has(asNumbers ? Number(value) : value)) return negated ? 0 : 1;
        return hasNull ? null : negated ? 1 : 0;
      }),
    );
  }

  private literal(expr: Extract<Expr, { kind: 'Literal' }>): Bound {
    switch (expr.literal) {
      case 'null':
        return constant(null, 'unknown', 'NULL');
      case 'bool':
        return constant(expr.value ? 1 : 0, 'bool', expr.value ? 'true' : 'false');
      case 'string':
        return constant(expr.value as string, 'unknown', `'${(expr.value as string).replace(/'/g, "''")}'`);
      case 'integer': {
        const value = Number(expr.value);
        if (Number.isSafeInteger(value) && value >= -2147483648 && value <= 2147483647) return constant(value, 'int4', String(value));
        if (fitsBigint(expr.value as string)) return constant(value, 'int8', String(expr.value));
        return constant(castValue(expr.value as string, 'unknown', 'numeric'), 'numeric', String(expr.value));
      }
      case 'decimal':
        return constant(castValue(expr.value as string, 'unknown', 'numeric'), 'numeric', String(expr.value));
    }
  }

  /** Converts an expression to `type`: a quoted literal is read as that type, others cast. */
  coerce(expr: Bound, type: SqlType): Bound {
    if (expr.type !== 'unknown') return expr;
    return this.cast(expr, type, -1, false);
  }

  cast(expr: Bound, type: SqlType, at: number, explicit: boolean): Bound {
    if (expr.type === type) return expr;
    if (expr.kind === 'const') {
      try {
        const value = expr.value === null ? null : castValue(expr.value as string | number, expr.type, type);
        return constant(value, type, explicit ? `${expr.key}::${typeName(type)}` : expr.key);
      } catch (error) {
        if (error instanceof SqlError && error.position === undefined && at >= 0) throw new SqlError(error.code, error.message, at + 1);
        throw error;
      }
    }
    // Reject impossible casts now rather than at the first row (text converts to anything).
    if (!isText(expr.type)) castValue(sampleOf(expr.type), expr.type, type);
    return call(type, `(${expr.key})::${typeName(type)}`, [expr], ([v]) => castVector(v!, type));
  }

  private unary(op: '-' | '+' | 'not', operand: Bound, at: number): Bound {
    if (op === 'not') {
      const value = this.coerce(operand, 'bool');
      if (value.type !== 'bool') throw new SqlError('42804', `argument of NOT must be type boolean, not type ${typeName(value.type)}`, at + 1);
      return call('bool', `(NOT ${value.key})`, [value], ([v]) => not(v!));
    }
    const value = this.coerce(operand, 'numeric');
    if (!isNumeric(value.type)) throw new SqlError('42883', `operator does not exist: ${op} ${typeName(value.type)}`, at + 1);
    if (op === '+') return value;
    return call(value.type, `(-${value.key})`, [value], ([v]) => negate(v!));
  }

  binary(op: string, leftIn: Bound, rightIn: Bound, at: number): Bound {
    let left = leftIn;
    let right = rightIn;
    if (op === 'and' || op === 'or') {
      left = this.coerce(left, 'bool');
      right = this.coerce(right, 'bool');
      for (const side of [left, right]) {
        if (side.type !== 'bool') {
          throw new SqlError('42804', `argument of ${op.toUpperCase()} must be type boolean, not type ${typeName(side.type)}`, at + 1);
        }
      }
      const fn = op === 'and' ? and : or;
      return call('bool', `(${left.key} ${op.toUpperCase()} ${right.key})`, [left, right], ([a, b]) => fn(a!, b!), op === 'and' ? { and: true } : undefined);
    }
    // A quoted literal takes the other side's type.
    if (left.type === 'unknown' && right.type !== 'unknown' && op !== '||') left = this.coerce(left, right.type);
    if (right.type === 'unknown' && left.type !== 'unknown' && op !== '||') right = this.coerce(right, left.type);
    if (left.type === 'unknown' && right.type === 'unknown') {
      left = this.coerce(left, 'text');
      right = this.coerce(right, 'text');
    }
    const key = `(${left.key} ${op} ${right.key})`;
    if (op === '||') {
      left = this.coerce(left, 'text');
      right = this.coerce(right, 'text');
      if (!isText(left.type) && !isText(right.type)) throw this.noOperator(op, left, right, at);
      return call('text', key, [left, right], ([a, b], n) =>
        buildVector('text', n, (i) => {
          if ((a!.nulls !== null && a!.nulls[i] === 1) || (b!.nulls !== null && b!.nulls[i] === 1)) return null;
          return textOf(a!, i) + textOf(b!, i);
        }),
      );
    }
    if (op === 'is' || op === 'is distinct from') return this.isComparison(op, left, right, key, at);
    if (['=', '<>', '<', '>', '<=', '>='].includes(op)) {
      [left, right] = this.comparable(op, left, right, at);
      // Against a constant, compare with the one value instead of a vector of copies.
      const against = (column: Bound, value: number | string, comparison: Comparison) =>
        call('bool', key, [column], ([a]) => compareWith(comparison, a!, value), column.kind === 'col' && typeof value === 'number' && column.type !== 'numeric' ? { range: { slot: column.slot, op: comparison, value } } : undefined);
      if (right.kind === 'const' && right.value !== null && left.kind !== 'const' && right.type !== 'numeric') {
        return against(left, right.value, op as Comparison);
      }
      if (left.kind === 'const' && left.value !== null && right.kind !== 'const' && left.type !== 'numeric') {
        return against(right, left.value, FLIPPED[op as Comparison]);
      }
      return call('bool', key, [left, right], ([a, b]) => compare(op as Comparison, a!, b!));
    }
    return this.arithmetic(op, left, right, key, at);
  }

  private isComparison(op: string, left: Bound, right: Bound, key: string, at: number): Bound {
    const [l, r] = this.comparable('=', left, right, at);
    const distinct = op === 'is distinct from';
    return call('bool', key, [l, r], ([a, b], n) => {
      const equal = compare('=', { ...a!, nulls: null }, { ...b!, nulls: null });
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const an = a!.nulls !== null && a!.nulls[i] === 1;
        const bn = b!.nulls !== null && b!.nulls[i] === 1;
        // IS TRUE / IS FALSE: NULL is neither. IS DISTINCT FROM: NULL equals only NULL.
        const same = an || bn ? an && bn : (equal.data as Uint8Array)[i] === 1;
        out[i] = distinct ? (same ? 0 : 1) : !an && !bn && same ? 1 : 0;
      }
      return { type: 'bool', length: n, data: out, nulls: null, dict: null };
    });
  }

  /** Brings two operands of a comparison to types compare() handles together. */
  private comparable(op: string, left: Bound, right: Bound, at: number): [Bound, Bound] {
    const l = left.type;
    const r = right.type;
    if (l === r || (isText(l) && isText(r))) return [left, right];
    if (isNumeric(l) && isNumeric(r)) {
      if (l === 'numeric' && isFloat(r)) return [this.cast(left, 'float8', at, false), right];
      if (r === 'numeric' && isFloat(l)) return [left, this.cast(right, 'float8', at, false)];
      if (l === 'numeric' || r === 'numeric') return [this.cast(left, 'numeric', at, false), this.cast(right, 'numeric', at, false)];
      return [left, right];
    }
    if ((l === 'date' || isTime(l)) && (r === 'date' || isTime(r))) {
      return [l === 'date' ? this.cast(left, 'timestamp', at, false) : left, r === 'date' ? this.cast(right, 'timestamp', at, false) : right];
    }
    throw this.noOperator(op, left, right, at);
  }

  private arithmetic(op: string, left: Bound, right: Bound, key: string, at: number): Bound {
    const l = left.type;
    const r = right.type;
    if (isNumeric(l) && isNumeric(r) && ['+', '-', '*', '/', '%'].includes(op)) {
      const type = numericResult(l, r);
      const a = this.cast(left, type, at, false);
      const b = this.cast(right, type, at, false);
      if (type === 'numeric') return call(type, key, [a, b], ([x, y]) => numericArithmetic(op, x!, y!));
      return call(type, key, [a, b], ([x, y]) => arithmetic(op, type, x!, y!));
    }
    // date +/- integer is a date; date - date counts days.
    if (l === 'date' && isInteger(r) && (op === '+' || op === '-')) {
      return call('date', key, [left, right], ([x, y]) => ({ ...arithmetic(op, 'int4', x!, y!), type: 'date' }));
    }
    if (isInteger(l) && r === 'date' && op === '+') {
      return call('date', key, [left, right], ([x, y]) => ({ ...arithmetic(op, 'int4', x!, y!), type: 'date' }));
    }
    if (l === 'date' && r === 'date' && op === '-') return call('int4', key, [left, right], ([x, y]) => arithmetic(op, 'int4', x!, y!));
    throw this.noOperator(op, left, right, at);
  }

  private noOperator(op: string, left: Bound, right: Bound, at: number): SqlError {
    return new SqlError('42883', `operator does not exist: ${typeName(left.type)} ${op} ${typeName(right.type)}`, at + 1);
  }

  private caseExpr(expr: Extract<Expr, { kind: 'Case' }>): Bound {
    const operand = expr.operand === null ? null : this.bind(expr.operand);
    const whens = expr.whens.map(({ when, then }) => {
      const condition = operand === null ? this.coerce(this.bind(when), 'bool') : this.binary('=', operand, this.bind(when), 0);
      if (condition.type !== 'bool') throw new SqlError('42804', `argument of CASE/WHEN must be type boolean, not type ${typeName(condition.type)}`);
      return { when: condition, then: this.bind(then) };
    });
    const otherwise = expr.otherwise === null ? null : this.bind(expr.otherwise);
    const type = commonType([...whens.map((w) => w.then.type), ...(otherwise === null ? [] : [otherwise.type])], 'CASE');
    return Object.freeze({
      kind: 'case' as const,
      type,
      key: `CASE ${whens.map((w) => `WHEN ${w.when.key} THEN ${w.then.key}`).join(' ')}${otherwise === null ? '' : ` ELSE ${otherwise.key}`} END`,
      whens: whens.map((w) => ({ when: w.when, then: this.cast(w.then, type, -1, false) })),
      otherwise: otherwise === null ? null : this.cast(otherwise, type, -1, false),
    });
  }

  private func(expr: Extract<Expr, { kind: 'Func' }>): Bound {
    if (AGGREGATES.has(expr.name)) return this.aggregate(expr);
    if (WINDOW_FUNCTIONS.has(expr.name)) throw new SqlError('42809', `window function ${expr.name} requires an OVER clause`, expr.at + 1);
    if (expr.distinct) throw new SqlError('42809', `DISTINCT specified, but ${expr.name} is not an aggregate function`, expr.at + 1);
    const args = expr.args.map((arg) => this.bind(arg));
    const resolved = resolveFunction(expr.name, args.map((a) => a.type), this.context.functions);
    const coerced = args.map((arg, i) => this.coerce(arg, resolved.argTypes[i] ?? 'text'));
    const key = `${expr.name}(${args.map((a) => a.key).join(', ')})`;
    const bound = call(resolved.type, key, coerced, (vectors, n) => callResolved(resolved, vectors, n));
    // Fold calls over constants (now() included: it is fixed for the statement).
    if (coerced.every((a) => a.kind === 'const')) return constant(foldValue(bound), resolved.type, key);
    return bound;
  }

  private aggregate(expr: Extract<Expr, { kind: 'Func' }>): Bound {
    if (!('collect' in this.aggregates)) {
      throw new SqlError('42803', `aggregate functions are not allowed in ${this.aggregates.clause}`, expr.at + 1);
    }
    if (this.insideAggregate) throw new SqlError('42803', 'aggregate function calls cannot be nested', expr.at + 1);
    const name = expr.name as AggName;
    if (expr.star && name !== 'count') throw new SqlError('42601', `syntax error at or near "*"`, expr.at + 1);
    if (!expr.star && expr.args.length !== 1) {
      throw new SqlError('42883', `function ${name}(${expr.args.length === 0 ? '' : '...'}) does not exist`, expr.at + 1);
    }
    this.insideAggregate = true;
    let arg: Bound | null;
    try {
      arg = expr.star ? null : this.bind(expr.args[0]!);
    } finally {
      this.insideAggregate = false;
    }
    if (arg !== null && arg.type === 'unknown') arg = this.coerce(arg, 'text');
    let type: SqlType;
    try {
      type = aggregateType(name, arg?.type ?? null);
    } catch (error) {
      throw new SqlError('42883', (error as Error).message, expr.at + 1);
    }
    const key = `${name}(${expr.distinct ? 'DISTINCT ' : ''}${arg === null ? '*' : arg.key})`;
    const list = this.aggregates.collect;
    let index = list.findIndex((a) => a.key === key);
    if (index < 0) {
      index = list.length;
      list.push({ name, arg, distinct: expr.distinct, type, key });
    }
    return Object.freeze({ kind: 'agg' as const, type, key, index });
  }
}

/** Whether an integer literal is within bigint's range (checked exactly, not as a double). */
function fitsBigint(text: string): boolean {
  const value = BigInt(text);
  return value >= -9223372036854775808n && value <= 9223372036854775807n;
}

function textOf(v: Vector, i: number): string {
  return strings(v.type === 'unknown' || isText(v.type) || v.type === 'numeric' ? v : castVector(v, 'text'))[i]!;
}

function foldValue(expr: Bound): Value {
  const v = evaluate(expr, { length: 1, columns: [] });
  if (v.nulls !== null && v.nulls[0] === 1) return null;
  return v.dict !== null ? v.dict[(v.data as Int32Array)[0]!]! : v.data[0]!;
}

/** A value of the type, to test whether a cast between two types exists at all. */
function sampleOf(type: SqlType): number | string {
  return isNumberBacked(type) ? 0 : '0';
}

export function booleanCondition(binder: Binder, expr: Expr, clause: string): Bound {
  const bound = binder.coerce(binder.bind(expr), 'bool');
  if (bound.type !== 'bool') throw new SqlError('42804', `argument of ${clause} must be type boolean, not type ${typeName(bound.type)}`);
  return bound;
}

const edgeText = (edge: BoundFrameEdge): string => `${edge.offset === null ? '' : `${edge.offset.key} `}${edge.kind.toUpperCase()}`;

/**
 * The window an OVER clause means: its own spec, a named one, or a named one refined by an
 * ORDER BY and frame (PostgreSQL's rules for what a refinement may not override).
 */
function resolveWindow(over: WindowSpec | { readonly name: string; readonly at: number }, named: ReadonlyMap<string, WindowSpec>): WindowSpec {
  const lookup = (name: string, at: number): WindowSpec => {
    const spec = named.get(name);
    if (spec === undefined) throw new SqlError('42704', `window "${name}" does not exist`, at + 1);
    return spec.base === null ? spec : resolveWindow(spec, named);
  };
  if (!('partitionBy' in over)) return lookup(over.name, over.at);
  if (over.base === null) return over;
  const base = lookup(over.base, over.at);
  if (over.partitionBy.length > 0) throw new SqlError('42P20', `cannot override PARTITION BY clause of window "${over.base}"`, over.at + 1);
  if (over.orderBy.length > 0 && base.orderBy.length > 0) throw new SqlError('42P20', `cannot override ORDER BY clause of window "${over.base}"`, over.at + 1);
  if (base.frame !== null) throw new SqlError('42P20', `cannot copy window "${over.base}" because it has a frame clause`, over.at + 1);
  return { base: null, partitionBy: base.partitionBy, orderBy: over.orderBy.length > 0 ? over.orderBy : base.orderBy, frame: over.frame, at: over.at };
}

const columnKey = (column: ScopeColumn): string => (column.table === null ? column.name : `${column.table}.${column.name}`);
