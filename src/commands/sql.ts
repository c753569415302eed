// SQL from RESP: `SQL <query> [<$1> <$2> ...]` runs statements on the same engine and tables as
// the PostgreSQL front (sql-port), so a Redis client can query without a second driver. The
// reply is the last statement's result: in RESP3 a map {command, columns: [{name, type}],
// rows} (types as PostgreSQL names them), in RESP2 the array [command, column names, rows]; values in PostgreSQL's text forms,
// NULL as a null.

import type { CommandContext, CommandSpec } from './spec.ts';
import { CommandError } from '../errors.ts';
import type { Server } from '../server/server.ts';
import { SqlEngine, type QueryResult } from '../analytics/engine.ts';
import type { ForeignData } from '../analytics/foreign.ts';
import { SqlError } from '../analytics/sql/errors.ts';
import type { TimeSeries } from '../analytics/timeseries/series.ts';
import type { Database } from '../store/database.ts';
import type { HashValue } from '../store/types/hash.ts';
import { ValueType } from '../store/types.ts';
import { stringMatch } from '../util/glob.ts';
import { typeName } from '../analytics/types.ts';

const engines = new WeakMap<Server, SqlEngine>();

/** The server's SQL engine, shared by the SQL command and the PostgreSQL listener. */
export function sqlEngineOf(server: Server): SqlEngine {
  let engine = engines.get(server);
  if (engine === undefined) engines.set(server, (engine = new SqlEngine(keyspaceData(server))));
  return engine;
}

/** Foreign tables read the live keys of database 0 that match their pattern. */
function keyspaceData(server: Server): ForeignData {
  const matching = (type: ValueType, pattern: string, visit: (db: Database, id: number, key: Buffer) => void): void => {
    const db = server.keyspace.dbs[0]!;
    const glob = Buffer.from(pattern);
    db.forEach((id) => {
      if (db.typeOf(id) !== type || db.isExpired(id)) return;
      const key = db.keyOf(id);
      if (stringMatch(glob, key)) visit(db, id, key);
    });
  };
  return {
    hashes(pattern, visit) {
      matching(ValueType.Hash, pattern, (db, id, key) => {
        const fields = new Map<string, string>();
        (db.objectOf(id) as HashValue).forEach((bytes, ks, ke, value, vs, ve) => {
          fields.set(Buffer.from(bytes.subarray(ks, ke)).toString('utf8'), Buffer.from(value.subarray(vs, ve)).toString('utf8'));
        });
        visit(key.toString('utf8'), fields);
      });
    },
    series(pattern, visit) {
      matching(ValueType.TimeSeries, pattern, (db, id, key) => {
        const series = db.objectOf(id) as TimeSeries;
        const labels = new Map(series.labels.map((l) => [l.name.toString('utf8'), l.value.toString('utf8')]));
        const samples = series.range(series.retentionStart, Number.MAX_SAFE_INTEGER);
        visit(key.toString('utf8'), labels, samples.timestamps, samples.values);
      });
    },
  };
}

function sql(ctx: CommandContext): void {
  const [, query, ...params] = ctx.argv;
  let results: QueryResult[];
  try {
    results = sqlEngineOf(ctx.server).execute(query!.toString('utf8'), {
      params: params.map((p) => p.toString('utf8')),
      now: ctx.keyspace.now * 1000,
    });
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    const where = error.position === undefined ? '' : `, position ${error.position}`;
    throw new CommandError(`ERR ${error.message} (SQLSTATE ${error.code}${where})`);
  }
  const result = results[results.length - 1];
  if (result === undefined) throw new CommandError('ERR empty query');
  writeResult(ctx, result);
}

function writeResult(ctx: CommandContext, result: QueryResult): void {
  const { w } = ctx;
  const resp3 = ctx.client.resp === 3;
  const columns = result.columns ?? [];
  if (resp3) {
    w.map(3);
    w.bulkString('command');
  } else {
    w.array(3);
  }
  w.bulkString(result.command);
  if (resp3) w.bulkString('columns');
  w.array(columns.length);
  for (const column of columns) {
    if (resp3) {
      w.map(2);
      w.bulkString('name');
      w.bulkString(column.name);
      w.bulkString('type');
      w.bulkString(typeName(column.type));
    } else {
      w.bulkString(column.name);
    }
  }
  if (resp3) w.bulkString('rows');
  w.array(result.rows.length);
  for (const row of result.rows) {
    w.array(row.length);
    for (const value of row) {
      if (value === null) w.null();
      else w.bulkString(value);
    }
  }
}

export const sqlCommands: readonly CommandSpec[] = [{ name: 'sql', handler: sql }];
