// The SQL engine's entry point: parses a query string, runs each statement against the catalog
// of columnar tables, and returns results as PostgreSQL's text forms (what the wire protocol
// and the RESP SQL command send). Statements run synchronously on the caller's turn.

import type { SelectItem, Statement } from './sql/ast.ts';
import { Binder, booleanCondition, Scope, type BindContext, type ScopeColumn } from './sql/binder.ts';
import { evaluate, evaluateConstant, type Bound } from './sql/bound.ts';
import { SqlError } from './sql/errors.ts';
import { explain, selection } from './sql/operators.ts';
import { parse } from './sql/parser.ts';
import { planQuery, type OutputColumn } from './sql/planner.ts';
import { castValue } from './sql/vectorops.ts';
import { Catalog, Table, type ColumnDef } from './table.ts';
import { foreignTable, type ForeignData } from './foreign.ts';
import { copyLines, CopyReader } from './copy.ts';
import { isNumeric, isText, isTime, typeByName, typeName, type SqlType } from './types.ts';
import { textAt, type Batch, type Value, type Vector } from './vector.ts';

export interface QueryResult {
  /** The CommandComplete tag: "SELECT 3", "INSERT 0 2", "CREATE TABLE"... */
  readonly command: string;
  /** Null for statements that return no rows (no RowDescription). */
  readonly columns: readonly OutputColumn[] | null;
  readonly rows: readonly (readonly (string | null)[])[];
}

/** Settings SHOW and current_setting() answer (PostgreSQL's values for a UTC, UTF-8 server). */
export const SETTINGS: Readonly<Record<string, string>> = {
  server_version: '15.0',
  server_version_num: '150000',
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  datestyle: 'ISO, MDY',
  timezone: 'UTC',
  integer_datetimes: 'on',
  intervalstyle: 'postgres',
  standard_conforming_strings: 'on',
  is_superuser: 'on',
  application_name: '',
  default_transaction_read_only: 'off',
  in_hot_standby: 'off',
  search_path: '"$user", public',
  transaction_isolation: 'read committed',
  max_identifier_length: '63',
  lc_collate: 'C',
  lc_ctype: 'C',
  extra_float_digits: '1',
};

export interface ExecuteOptions {
  /** Values of $1, $2 ... in PostgreSQL's text form (null for NULL). */
  readonly params?: readonly (string | null)[];
  /** Microseconds since the epoch that now() reports; the current time by default. */
  readonly now?: number;
}

export class SqlEngine {
  readonly catalog = new Catalog();

  /** `foreignData` gives foreign tables their rows: a server's keyspace (see src/commands/sql.ts). */
  constructor(private readonly foreignData: ForeignData | null = null) {}

  /** Runs every statement of `sql`; stops at the first error (earlier statements stay done). */
  execute(sql: string, options: ExecuteOptions = {}): QueryResult[] {
    return parse(sql).map((statement) => this.run(statement, options));
  }

  /** Parses `sql` into its statements (the extended protocol parses once, binds many times). */
  parse(sql: string): Statement[] {
    return parse(sql);
  }

  /** The columns a statement would return (Describe), without running it. */
  describe(statement: Statement, options: ExecuteOptions = {}): readonly OutputColumn[] | null {
    this.catalog.beginStatement();
    const context = this.context(options);
    switch (statement.kind) {
      case 'Select':
      case 'SetOperation':
      case 'With':
        return planQuery(statement, this.catalog, context).columns;
      case 'Explain':
        return [{ name: 'QUERY PLAN', type: 'text' }];
      case 'Show':
        return [{ name: statement.name, type: 'text' }];
      case 'Insert':
      case 'Update':
      case 'Delete':
        return statement.returning === null ? null : this.returningPlan(this.catalog.require(statement.table), statement.returning, context).columns;
      default:
        return null;
    }
  }

  run(statement: Statement, options: ExecuteOptions = {}): QueryResult {
    this.catalog.beginStatement();
    const context = this.context(options);
    switch (statement.kind) {
      case 'Select':
      case 'SetOperation':
      case 'With': {
        const plan = planQuery(statement, this.catalog, context);
        const rows = collectRows(plan.node.batches(), plan.columns.length);
        return { command: `SELECT ${rows.length}`, columns: plan.columns, rows };
      }
      case 'Explain': {
        const plan = planQuery(statement.statement, this.catalog, context);
        return { command: 'EXPLAIN', columns: [{ name: 'QUERY PLAN', type: 'text' }], rows: explain(plan.node).map((line) => [line]) };
      }
      case 'CreateTable':
        return this.createTable(statement);
      case 'AlterTableAddColumn':
        return this.addColumn(statement);
      case 'DropTable': {
        for (const name of statement.names) {
          if (!this.catalog.has(name) && !statement.ifExists) throw new SqlError('42P01', `table "${name}" does not exist`);
        }
        for (const name of statement.names) this.catalog.drop(name);
        return noRows('DROP TABLE');
      }
      case 'Truncate': {
        const tables = statement.names.map((name) => this.catalog.require(name));
        for (const table of tables) table.truncate();
        return noRows('TRUNCATE TABLE');
      }
      case 'Insert':
        return this.insert(statement, context);
      case 'Update':
        return this.update(statement, context);
      case 'Delete':
        return this.delete(statement, context);
      case 'Transaction':
        return noRows(statement.action);
      case 'SetVariable':
        return noRows('SET');
      case 'Copy':
        throw new SqlError('0A000', `COPY ${statement.direction === 'from' ? 'FROM STDIN' : 'TO STDOUT'} is only available over the PostgreSQL protocol's simple query`);
      case 'Show': {
        const value = SETTINGS[statement.name];
        if (value === undefined) throw new SqlError('42704', `unrecognized configuration parameter "${statement.name}"`);
        return { command: 'SHOW', columns: [{ name: statement.name, type: 'text' }], rows: [[value]] };
      }
    }
  }

  /** COPY ... FROM STDIN: a reader the wire protocol feeds the data to. */
  copyFrom(statement: Extract<Statement, { kind: 'Copy' }>, progress: (rows: number) => void): CopyReader {
    this.catalog.beginStatement();
    const table = this.catalog.require(statement.table!);
    const targets = (statement.columns ?? table.columns.map((c) => c.def.name)).map((name) => {
      const index = table.columnIndex(name);
      if (index < 0) throw new SqlError('42703', `column "${name}" of relation "${table.name}" does not exist`);
      return index;
    });
    return new CopyReader(table, targets, statement.options, progress);
  }

  /** COPY ... TO STDOUT: the number of columns and the lines of data. */
  copyTo(statement: Extract<Statement, { kind: 'Copy' }>): { readonly columns: number; readonly rows: number; readonly lines: Iterable<string> } {
    const query: Statement = statement.query ?? {
      kind: 'Select',
      distinct: false,
      items: (statement.columns ?? [null]).map((name) => ({ expr: name === null ? { kind: 'Star', table: null, at: 0 } : { kind: 'ColumnRef', table: null, name, at: 0 }, alias: null })),
      from: { kind: 'TableRef', name: statement.table!, alias: null, at: 0 },
      where: null,
      groupBy: [],
      having: null,
      windows: [],
      orderBy: [],
      limit: null,
      offset: null,
    };
    const result = this.run(query);
    const columns = result.columns ?? [];
    return { columns: columns.length, rows: result.rows.length, lines: copyLines(columns.map((c) => c.name), result.rows, statement.options) };
  }

  private context(options: ExecuteOptions): BindContext {
    return {
      params: options.params ?? [],
      functions: { statementStart: options.now ?? Date.now() * 1000, setting: (name) => SETTINGS[name] ?? null },
      subquery: (query, context) => {
        const plan = planQuery(query, this.catalog, context);
        const rows = (limit = Infinity): Value[][] => {
          const out: Value[][] = [];
          for (const batch of plan.node.batches()) {
            for (let r = 0; r < batch.length && out.length < limit; r++) out.push(plan.columns.map((_, c) => valueOf(batch.columns[c]!, r)));
            if (out.length >= limit) break;
          }
          return out;
        };
        return { types: plan.columns.map((c) => c.type), rows };
      },
    };
  }

  private createTable(statement: Extract<Statement, { kind: 'CreateTable' }>): QueryResult {
    const tag = statement.foreign === null ? 'CREATE TABLE' : 'CREATE FOREIGN TABLE';
    if (this.catalog.has(statement.name)) {
      if (statement.ifNotExists) return noRows(tag);
      throw new SqlError('42P07', `relation "${statement.name}" already exists`);
    }
    const defs: ColumnDef[] = [];
    for (const column of statement.columns) {
      if (defs.some((d) => d.name === column.name)) throw new SqlError('42701', `column "${column.name}" specified more than once`);
      const type = typeByName(column.typeName);
      if (type === null) throw new SqlError('42704', `type "${column.typeName}" does not exist`, column.at + 1);
      defs.push({ name: column.name, type, notNull: column.notNull || statement.primaryKey.includes(column.name) });
    }
    const keyNames = [...statement.columns.filter((c) => c.primaryKey).map((c) => c.name), ...statement.primaryKey];
    if (statement.columns.filter((c) => c.primaryKey).length + (statement.primaryKey.length > 0 ? 1 : 0) > 1) {
      throw new SqlError('42P16', `multiple primary keys for table "${statement.name}" are not allowed`);
    }
    const primaryKey = keyNames.map((name) => {
      const index = defs.findIndex((d) => d.name === name);
      if (index < 0) throw new SqlError('42703', `column "${name}" named in key does not exist`);
      return index;
    });
    if (statement.foreign === null) this.catalog.add(new Table(statement.name, defs, primaryKey));
    else this.catalog.addForeign(foreignTable(statement.name, defs, primaryKey, statement.foreign, this.foreignData));
    return noRows(tag);
  }

  private addColumn(statement: Extract<Statement, { kind: 'AlterTableAddColumn' }>): QueryResult {
    const table = this.catalog.require(statement.table);
    const { column } = statement;
    if (table.columnIndex(column.name) >= 0) {
      if (statement.ifNotExists) return noRows('ALTER TABLE');
      throw new SqlError('42701', `column "${column.name}" of relation "${table.name}" already exists`);
    }
    const type = typeByName(column.typeName);
    if (type === null) throw new SqlError('42704', `type "${column.typeName}" does not exist`, column.at + 1);
    if (column.primaryKey) throw new SqlError('0A000', 'adding a PRIMARY KEY column is not supported yet');
    // Existing rows get NULL, which a NOT NULL column cannot hold.
    if (column.notNull && table.rowCount > 0) {
      throw new SqlError('23502', `column "${column.name}" of relation "${table.name}" contains null values`);
    }
    table.addColumn({ name: column.name, type, notNull: column.notNull });
    return noRows('ALTER TABLE');
  }

  private insert(statement: Extract<Statement, { kind: 'Insert' }>, context: BindContext): QueryResult {
    const table = this.catalog.require(statement.table);
    const targets = (statement.columns ?? table.columns.map((c) => c.def.name)).map((name) => {
      const index = table.columnIndex(name);
      if (index < 0) throw new SqlError('42703', `column "${name}" of relation "${table.name}" does not exist`);
      return index;
    });
    let sourceRows: Value[][];
    let sourceTypes: SqlType[];
    if (statement.rows !== null) {
      const binder = new Binder(new Scope([]), context, { clause: 'VALUES' });
      sourceRows = [];
      sourceTypes = [];
      for (const row of statement.rows) {
        if (row.length > targets.length) throw new SqlError('42601', 'INSERT has more expressions than target columns');
        if (row.length < targets.length && statement.columns !== null) throw new SqlError('42601', 'INSERT has more target columns than expressions');
        const values: Value[] = [];
        row.forEach((expr, i) => {
          const target = table.columns[targets[i]!]!.def;
          const bound = assignable(binder, binder.bind(expr), target);
          values.push(evaluateConstant(bound));
        });
        sourceRows.push(values);
      }
      sourceTypes = targets.map((t) => table.columns[t]!.def.type);
    } else {
      const plan = planQuery(statement.select!, this.catalog, context);
      if (plan.columns.length > targets.length) throw new SqlError('42601', 'INSERT has more expressions than target columns');
      sourceTypes = plan.columns.map((c) => c.type);
      sourceRows = [];
      for (const batch of plan.node.batches()) {
        for (let r = 0; r < batch.length; r++) sourceRows.push(plan.columns.map((_, c) => valueOf(batch.columns[c]!, r)));
      }
      sourceTypes.forEach((type, i) => checkAssignable(type, table.columns[targets[i]!]!.def));
    }
    const rows = sourceRows.map((source) => {
      const row: Value[] = table.columns.map(() => null);
      source.forEach((value, i) => {
        const column = table.columns[targets[i]!]!.def;
        row[targets[i]!] = value === null ? null : castValue(value as number | string, sourceTypes[i]!, column.type);
      });
      return row;
    });
    table.insert(rows);
    const result = { command: `INSERT 0 ${rows.length}`, columns: null, rows: [] };
    return statement.returning === null ? result : this.returning(table, rows, statement.returning, context, result.command);
  }

  private update(statement: Extract<Statement, { kind: 'Update' }>, context: BindContext): QueryResult {
    const table = this.catalog.require(statement.table);
    const scope = tableScope(table);
    const binder = new Binder(scope, context, { clause: 'UPDATE' });
    const where = statement.where === null ? null : booleanCondition(new Binder(scope, context, { clause: 'WHERE' }), statement.where, 'WHERE');
    const sets = statement.sets.map((set) => {
      const index = table.columnIndex(set.column);
      if (index < 0) throw new SqlError('42703', `column "${set.column}" of relation "${table.name}" does not exist`, set.at + 1);
      return { index, value: assignable(binder, binder.bind(set.value), table.columns[index]!.def) };
    });
    const changes = new Map<number, Value[]>();
    this.forEachBatch(table, (batch, first) => {
      const rows = matching(where, batch);
      const values = sets.map((s) => evaluate(s.value, batch));
      for (const r of rows) {
        const row = table.row(first + r);
        sets.forEach((s, i) => (row[s.index] = valueOf(values[i]!, r)));
        changes.set(first + r, row);
      }
    });
    table.update(changes);
    const command = `UPDATE ${changes.size}`;
    if (statement.returning === null) return noRows(command);
    return this.returning(table, [...changes.values()], statement.returning, context, command);
  }

  private delete(statement: Extract<Statement, { kind: 'Delete' }>, context: BindContext): QueryResult {
    const table = this.catalog.require(statement.table);
    const where = statement.where === null ? null : booleanCondition(new Binder(tableScope(table), context, { clause: 'WHERE' }), statement.where, 'WHERE');
    const keep = new Uint8Array(table.rowCount).fill(1);
    const removed: Value[][] = [];
    this.forEachBatch(table, (batch, first) => {
      for (const r of matching(where, batch)) {
        keep[first + r] = 0;
        removed.push(table.row(first + r));
      }
    });
    if (removed.length > 0) table.retain(keep);
    const command = `DELETE ${removed.length}`;
    if (statement.returning === null) return noRows(command);
    return this.returning(table, removed, statement.returning, context, command);
  }

  private forEachBatch(table: Table, visit: (batch: Batch, firstRow: number) => void): void {
    let first = 0;
    for (let c = 0; c < table.chunkCount; c++) {
      const columns = table.columns.map((column) => column.vector(c));
      const length = columns[0]?.length ?? 0;
      visit({ length, columns }, first);
      first += length;
    }
  }

  private returningPlan(table: Table, items: readonly SelectItem[], context: BindContext) {
    const scope = tableScope(table);
    const binder = new Binder(scope, context, { clause: 'RETURNING' });
    const exprs: Bound[] = [];
    const columns: OutputColumn[] = [];
    for (const item of items) {
      if (item.expr.kind === 'Star') {
        for (const column of scope.columns) {
          exprs.push(binder.bind({ kind: 'ColumnRef', table: null, name: column.name, at: 0 }));
          columns.push({ name: column.name, type: column.type });
        }
        continue;
      }
      const bound = binder.bind(item.expr);
      exprs.push(bound);
      columns.push({ name: item.alias ?? (item.expr.kind === 'ColumnRef' ? item.expr.name : item.expr.kind === 'Func' ? item.expr.name : '?column?'), type: bound.type === 'unknown' ? 'text' : bound.type });
    }
    return { exprs, columns };
  }

  /** RETURNING: the listed expressions over the rows the statement wrote (or removed). */
  private returning(table: Table, rows: readonly Value[][], items: readonly SelectItem[], context: BindContext, command: string): QueryResult {
    const { exprs, columns } = this.returningPlan(table, items, context);
    const scratch = new Table(table.name, table.columns.map((c) => ({ ...c.def, notNull: false })), []);
    scratch.insert(rows);
    const out: (string | null)[][] = [];
    this.forEachBatch(scratch, (batch) => {
      out.push(...collectRows([{ length: batch.length, columns: exprs.map((e) => evaluate(e, batch)) }], columns.length));
    });
    return { command, columns, rows: out };
  }
}

function tableScope(table: Table): Scope {
  return new Scope(table.columns.map((c, slot): ScopeColumn => ({ table: table.name, name: c.def.name, type: c.def.type, slot, used: true })));
}

function matching(where: Bound | null, batch: Batch): Iterable<number> {
  if (where === null) return Array.from({ length: batch.length }, (_, i) => i);
  const { sel, count } = selection(evaluate(where, batch));
  return sel.subarray(0, count);
}

function valueOf(v: Vector, row: number): Value {
  if (v.nulls !== null && v.nulls[row] === 1) return null;
  return v.dict !== null ? v.dict[(v.data as Int32Array)[row]!]! : v.data[row]!;
}

/** PostgreSQL's assignment rules: an expression stored into a column must convert implicitly. */
function assignable(binder: Binder, expr: Bound, column: ColumnDef): Bound {
  if (expr.type === 'unknown') return binder.cast(expr, column.type, -1, false);
  checkAssignable(expr.type, column);
  return binder.cast(expr, column.type, -1, false);
}

function checkAssignable(from: SqlType, column: ColumnDef): void {
  const to = column.type;
  const ok =
    from === to ||
    from === 'unknown' ||
    (isNumeric(from) && isNumeric(to)) ||
    isText(to) ||
    ((from === 'date' || isTime(from)) && (to === 'date' || isTime(to)));
  if (!ok) {
    throw new SqlError('42804', `column "${column.name}" is of type ${typeName(to)} but expression is of type ${typeName(from)}`);
  }
}

function noRows(command: string): QueryResult {
  return { command, columns: null, rows: [] };
}

function collectRows(batches: Iterable<Batch>, width: number): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const batch of batches) {
    for (let r = 0; r < batch.length; r++) {
      const row = new Array<string | null>(width);
      for (let c = 0; c < width; c++) row[c] = textAt(batch.columns[c]!, r);
      rows.push(row);
    }
  }
  return rows;
}
