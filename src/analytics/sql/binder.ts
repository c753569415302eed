// Binding: resolves names against a scope, decides types (PostgreSQL's rules: quoted literals
// take the type their context asks for, integers widen, numeric meets float as double), picks
// operators, and folds casts of constants so that errors in literals surface at plan time.

import type { Expr, Query } from './ast.ts';
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
import { strings, type Value, type Vector } from '../vector.ts';
import { AGGREGATES, aggregateType, type AggName } from './aggregate.ts';
import { call, colRef, constant, evaluate, type Bound } from './bound.ts';
import { SqlError } from './errors.ts';
import { commonType, resolveFunction, callResolved, type FunctionContext } from './functions.ts';
import type { AggregateCall } from './operators.ts';
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

export interface BindContext {
  readonly params: readonly (string | null)[];
  readonly functions: FunctionContext;
  /** Runs an uncorrelated subquery once, at plan time, in this context. */
  readonly subquery?: (query: Query, context: BindContext) => { readonly types: readonly SqlType[]; readonly rows: readonly (readonly Value[])[] };
}

/** Where aggregates may appear, and the clause named in the error when they may not. */
export type AggregatePolicy = { readonly collect: AggregateCall[] } | { readonly clause: string };

export class Binder {
  private insideAggregate = false;

  constructor(
    private readonly scope: Scope,
    private readonly context: BindContext,
    private readonly aggregates: AggregatePolicy = { clause: 'this context' },
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
      case 'ColumnRef': {
        const column = this.scope.resolve(expr.table, expr.name, expr.at);
        return colRef(column.slot, column.type, column.table === null ? column.name : `${column.table}.${column.name}`);
      }
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
    }
  }

  private subquery(expr: Extract<Expr, { kind: 'SubqueryExpr' }>): Bound {
    if (this.context.subquery === undefined) throw new SqlError('0A000', 'subqueries are not supported here', expr.at + 1);
    const { types, rows } = this.context.subquery(expr.query, this.context);
    if (expr.form === 'exists') return constant(rows.length > 0 ? 1 : 0, 'bool', 'EXISTS(...)');
    if (types.length !== 1) throw new SqlError('42601', 'subquery must return only one column', expr.at + 1);
    const type = types[0]!;
    if (expr.form === 'scalar') {
      if (rows.length > 1) throw new SqlError('21000', 'more than one row returned by a subquery used as an expression');
      return constant(rows[0]?.[0] ?? null, type, '(SELECT ...)');
    }
    // x IN (subquery): membership in the set of values, NULL when absent but a NULL is present.
    const operand = this.coerce(this.bind(expr.operand!), type === 'unknown' ? 'text' : type);
    const comparable = operand.type === type || (isNumeric(operand.type) && isNumeric(type)) || (isText(operand.type) && isText(type));
    if (!comparable) throw new SqlError('42883', `operator does not exist: ${typeName(operand.type)} = ${typeName(type)}`, expr.at + 1);
    const asNumbers = isNumberBacked(operand.type) || operand.type === 'numeric';
    const members = new Set<number | string>();
    let hasNull = false;
    for (const row of rows) {
      const value = row[0] ?? null;
      if (value === null) hasNull = true;
      else members.add(asNumbers ? Number(value) : (value as string));
    }
    const negated = expr.negated;
    return call('bool', `(${operand.key} ${negated ? 'NOT ' : ''}IN (SELECT ...))`, [operand], ([v], n) =>
      buildVector('bool', n, (i) => {
        const value = v!.nulls !== null && v!.nulls[i] === 1 ? null : v!.dict !== null ? v!.dict[(v!.data as Int32Array)[i]!]! : v!.data[i]!;
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
