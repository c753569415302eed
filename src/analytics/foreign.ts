// Foreign tables: SQL over data users already keep in Redis. `CREATE FOREIGN TABLE users (id
// text KEY, name text, age integer) FROM HASHES 'user:*'` reads every hash whose key matches,
// one row per hash: the KEY column gets the key, the others the fields of their name, typed
// by the declaration (a missing field, or one that does not parse as the type, is NULL).
// `FROM SERIES 'temp:*'` reads time series, one row per sample: the KEY column the key, a
// column named `timestamp` the sample's time, `value` its value, any other column the label
// of its name. Rows are read when a statement names the table, so queries see live data.

import { SqlError } from './sql/errors.ts';
import { castValue } from './sql/vectorops.ts';
import type { ForeignSource } from './sql/ast.ts';
import { Table, type ColumnDef, type ForeignTable } from './table.ts';
import { isTime, type SqlType } from './types.ts';
import type { Value } from './vector.ts';

/** Where foreign tables read from: the keys of the server's first database. */
export interface ForeignData {
  hashes(pattern: string, visit: (key: string, fields: ReadonlyMap<string, string>) => void): void;
  series(
    pattern: string,
    visit: (key: string, labels: ReadonlyMap<string, string>, timestamps: Float64Array, values: Float64Array) => void,
  ): void;
}

export function foreignTable(
  name: string,
  defs: readonly ColumnDef[],
  primaryKey: readonly number[],
  source: ForeignSource,
  data: ForeignData | null,
): ForeignTable {
  if (data === null) throw new SqlError('0A000', 'foreign tables need a server keyspace: run the query through Mnemo');
  if (primaryKey.length > 1) throw new SqlError('42P16', `multiple primary keys for table "${name}" are not allowed`);
  const keyColumn = primaryKey[0] ?? -1;
  const load = source.kind === 'hashes' ? () => loadHashes(name, defs, keyColumn, source.pattern, data) : () => loadSeries(name, defs, keyColumn, source.pattern, data);
  return { name, load };
}

/** A value as the column's type, or NULL when it does not convert. */
function typed(value: string | number | undefined, type: SqlType, from: SqlType = 'text'): Value {
  if (value === undefined) return null;
  try {
    return castValue(value, from, type);
  } catch (error) {
    if (error instanceof SqlError) return null;
    throw error;
  }
}

function loadHashes(name: string, defs: readonly ColumnDef[], keyColumn: number, pattern: string, data: ForeignData): Table {
  const table = new Table(name, defs, []);
  const rows: Value[][] = [];
  data.hashes(pattern, (key, fields) => {
    rows.push(defs.map((def, i) => typed(i === keyColumn ? key : fields.get(def.name), def.type)));
  });
  table.insert(rows);
  return table;
}

/** A sample's time (milliseconds since the epoch) as the column's type. */
function sampleTime(ms: number, type: SqlType): Value {
  return isTime(type) ? ms * 1000 : typed(ms, type, 'int8');
}

function loadSeries(name: string, defs: readonly ColumnDef[], keyColumn: number, pattern: string, data: ForeignData): Table {
  const table = new Table(name, defs, []);
  const rows: Value[][] = [];
  data.series(pattern, (key, labels, timestamps, values) => {
    const fixed = defs.map((def, i) => (i === keyColumn ? typed(key, def.type) : typed(labels.get(def.name), def.type)));
    for (let s = 0; s < timestamps.length; s++) {
      rows.push(
        defs.map((def, i) => {
          if (i === keyColumn) return fixed[i]!;
          if (def.name === 'timestamp') return sampleTime(timestamps[s]!, def.type);
          if (def.name === 'value') return typed(values[s]!, def.type, 'float8');
          return fixed[i]!;
        }),
      );
    }
  });
  table.insert(rows);
  return table;
}
