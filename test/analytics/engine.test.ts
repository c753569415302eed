// The SQL engine in-process: storage across chunk boundaries, grouping over dictionary codes,
// statement atomicity, lazy CASE, plans, and error positions. Semantics shared with PostgreSQL
// are proven against the real thing in conformance.test.ts; these cover what that cannot see.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlEngine, type QueryResult } from '../../src/analytics/engine.ts';
import { SqlError } from '../../src/analytics/sql/errors.ts';
import { CHUNK_ROWS } from '../../src/analytics/table.ts';

function one(engine: SqlEngine, sql: string): QueryResult {
  const results = engine.execute(sql, { now: Date.UTC(2024, 4, 6, 7, 8, 9) * 1000 });
  return results[results.length - 1]!;
}

function failure(engine: SqlEngine, sql: string): SqlError {
  try {
    engine.execute(sql);
  } catch (error) {
    assert.ok(error instanceof SqlError, String(error));
    return error;
  }
  assert.fail(`expected ${sql} to fail`);
}

/** Fills t(id, k, v) with `rows` rows: k cycles through `keys` names, every 10th v is NULL. */
function filled(rows: number, keys: number): SqlEngine {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE t (id integer PRIMARY KEY, k text, v double precision)');
  const table = engine.catalog.require('t');
  const batch = [];
  for (let r = 0; r < rows; r++) batch.push([r, `k${r % keys}`, r % 10 === 0 ? null : r / 2]);
  table.insert(batch);
  return engine;
}

test('columns keep every value across chunk boundaries', () => {
  const rows = CHUNK_ROWS * 2 + 17;
  const engine = filled(rows, 5);
  const table = engine.catalog.require('t');
  assert.equal(table.chunkCount, 3);
  const picked = [0, CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS * 2 - 6, rows - 1];
  assert.deepEqual(
    one(engine, `SELECT id, k, v FROM t WHERE id IN (${picked.join(', ')}) ORDER BY id`).rows,
    picked.map((r) => [String(r), `k${r % 5}`, r % 10 === 0 ? null : String(r / 2)]),
  );
});

test('text columns store each distinct string once', () => {
  const engine = filled(10_000, 3);
  const column = engine.catalog.require('t').columns[1]!;
  assert.deepEqual([...column.dict!.strings].sort(), ['k0', 'k1', 'k2']);
});

test('GROUP BY over a dictionary key across chunks matches a row-by-row computation', () => {
  const rows = CHUNK_ROWS + 5000;
  const engine = filled(rows, 7);
  const expected = new Map<string, { count: number; sum: number; nonNull: number }>();
  for (let r = 0; r < rows; r++) {
    const group = expected.get(`k${r % 7}`) ?? { count: 0, sum: 0, nonNull: 0 };
    group.count++;
    if (r % 10 !== 0) {
      group.sum += r / 2;
      group.nonNull++;
    }
    expected.set(`k${r % 7}`, group);
  }
  const result = one(engine, 'SELECT k, count(*), count(v), sum(v) FROM t GROUP BY k ORDER BY k');
  assert.deepEqual(
    result.rows,
    [...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, g]) => [k, String(g.count), String(g.nonNull), String(g.sum)]),
  );
});

test('NULL group keys form one group of their own', () => {
  const engine = new SqlEngine();
  engine.execute("CREATE TABLE g (k text, n integer); INSERT INTO g VALUES ('a', 1), (NULL, 2), ('a', 3), (NULL, 4)");
  assert.deepEqual(one(engine, 'SELECT k, sum(n) FROM g GROUP BY k ORDER BY k').rows, [['a', '4'], [null, '6']]);
});

test('a multi-row INSERT that breaks the primary key adds no row at all', () => {
  const engine = new SqlEngine();
  engine.execute("CREATE TABLE p (id integer PRIMARY KEY); INSERT INTO p VALUES (1)");
  assert.equal(failure(engine, 'INSERT INTO p VALUES (2), (3), (1)').code, '23505');
  assert.equal(failure(engine, 'INSERT INTO p VALUES (4), (4)').code, '23505');
  assert.deepEqual(one(engine, 'SELECT count(*) FROM p').rows, [['1']]);
});

test('CASE evaluates a branch only on the rows that reach it', () => {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE z (n integer); INSERT INTO z VALUES (0), (2), (NULL), (4)');
  assert.deepEqual(one(engine, 'SELECT CASE WHEN n = 0 THEN -1 ELSE 8 / n END FROM z').rows, [['-1'], ['4'], [null], ['2']]);
});

test('now() is fixed for the statement and reported in UTC', () => {
  const engine = new SqlEngine();
  assert.deepEqual(one(engine, "SELECT now(), current_date, date_trunc('hour', now())").rows, [
    ['2024-05-06 07:08:09+00', '2024-05-06', '2024-05-06 07:00:00+00'],
  ]);
});

test('EXPLAIN shows the scan, filter, join and aggregation the query runs', () => {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE a (id integer, k text); CREATE TABLE b (id integer, w integer)');
  const plan = one(engine, 'EXPLAIN SELECT a.k, sum(b.w) FROM a JOIN b ON a.id = b.id WHERE b.w > 1 GROUP BY a.k ORDER BY 2 DESC LIMIT 3')
    .rows.map((row) => row[0]!.trim());
  for (const line of ['Limit', '->  Sort', 'Sort Key: sum(b.w) DESC', '->  HashAggregate', 'Group Key: a.k', '->  Filter', 'Filter: (b.w > 1)', '->  Hash Join', 'Hash Cond: (a.id = b.id)', '->  Seq Scan on a', '->  Seq Scan on b']) {
    assert.ok(plan.includes(line), `${line} missing from:\n${plan.join('\n')}`);
  }
});

test('syntax errors carry the 1-based position of the offending token', () => {
  const engine = new SqlEngine();
  const atEnd = failure(engine, 'SELECT 1 +');
  assert.deepEqual([atEnd.code, atEnd.message, atEnd.position], ['42601', 'syntax error at end of input', 11]);
  const near = failure(engine, 'SELECT 1 FROM FROM');
  assert.deepEqual([near.code, near.message, near.position], ['42601', 'syntax error at or near "FROM"', 15]);
});

test('statements before a failing one in the same query stay done', () => {
  const engine = new SqlEngine();
  assert.equal(failure(engine, 'CREATE TABLE s (n integer); INSERT INTO s VALUES (1); SELECT 1 / 0').code, '22012');
  assert.deepEqual(one(engine, 'SELECT n FROM s').rows, [['1']]);
});

test('features not built yet fail with SQLSTATE 0A000 rather than a wrong answer', () => {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE f (n integer)');
  for (const sql of ['SELECT 1 INTERSECT SELECT 2', 'WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r', 'SELECT sum(n) OVER (ORDER BY n ROWS 1 PRECEDING EXCLUDE CURRENT ROW) FROM f', 'COPY f FROM STDIN BINARY', 'SELECT count(*) FILTER (WHERE n > 1) FROM f']) {
    assert.equal(failure(engine, sql).code, '0A000', sql);
  }
});

test('range predicates skip chunks by their min/max and still find every matching row', () => {
  const rows = CHUNK_ROWS * 3;
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE m (n integer, x real)');
  const values: [number, number][] = [];
  for (let r = 0; r < rows; r++) values.push([r, Math.fround(((r * 7919) % 1000) / 10)]);
  engine.catalog.require('m').insert(values);
  const plan = one(engine, `EXPLAIN SELECT count(*) FROM m WHERE n >= ${CHUNK_ROWS} AND n < ${CHUNK_ROWS + 10}`).rows.map((r) => r[0]!.trim());
  assert.ok(plan.some((line) => line.startsWith('Chunks skipped unless: n >= 65536 AND n < 65546')), plan.join('\n'));
  const count = (where: (n: number, x: number) => boolean) => String(values.filter(([n, x]) => where(n, x)).length);
  const cases: [string, (n: number, x: number) => boolean][] = [
    [`n >= ${CHUNK_ROWS} AND n < ${CHUNK_ROWS + 10}`, (n) => n >= CHUNK_ROWS && n < CHUNK_ROWS + 10],
    [`n = ${CHUNK_ROWS * 2 - 1}`, (n) => n === CHUNK_ROWS * 2 - 1],
    [`n > ${rows - 2}`, (n) => n > rows - 2],
    [`n <= 0`, (n) => n <= 0],
    [`${CHUNK_ROWS} > n`, (n) => CHUNK_ROWS > n],
    ['x > 99.8', (_, x) => x > 99.8],
    // As in PostgreSQL, a real meets a numeric literal as double precision: 0.1::real > 0.1.
    ['x <= 0.1', (_, x) => x <= 0.1],
  ];
  for (const [where, matches] of cases) assert.deepEqual(one(engine, `SELECT count(*) FROM m WHERE ${where}`).rows, [[count(matches)]], where);
  // An UPDATE that moves a value out of its chunk's old bounds is still found.
  engine.execute(`UPDATE m SET n = -5 WHERE n = ${CHUNK_ROWS * 2 + 3}`);
  assert.deepEqual(one(engine, 'SELECT count(*) FROM m WHERE n < 0').rows, [['1']]);
});

test('count(*) under range conditions counts NULLs as failing, like the general filter', () => {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE c (a integer, b double precision)');
  const rows: (number | null)[][] = [];
  for (let r = 0; r < 1000; r++) rows.push([r % 7 === 0 ? null : r, r % 5 === 0 ? null : r / 10]);
  engine.catalog.require('c').insert(rows);
  const expected = (test: (a: number, b: number) => boolean) => String(rows.filter(([a, b]) => a !== null && b !== null && test(a, b)).length);
  assert.deepEqual(one(engine, 'SELECT count(*) FROM c WHERE a > 500').rows, [[String(rows.filter(([a]) => a !== null && a > 500).length)]]);
  assert.deepEqual(one(engine, 'SELECT count(*) FROM c WHERE a >= 100 AND b < 50').rows, [[expected((a, b) => a >= 100 && b < 50)]]);
  assert.deepEqual(one(engine, 'SELECT count(*) FROM c WHERE 10 <> a AND b = 12.3').rows, [[expected((a, b) => a !== 10 && b === 12.3)]]);
});
