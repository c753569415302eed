// SQL analytics benchmark, in-process: one table of ROWS rows (a timestamp, a low-cardinality
// text key, an integer and a double), loaded into Mnemo's columnar engine and, when
// @duckdb/node-api is installed (it is not a dependency: `npm install --no-save
// @duckdb/node-api`), into DuckDB with one thread. Each query runs once to warm up, then
// ROUNDS times; the medians of wall time and of process CPU time (user + system, all threads:
// steadier than wall time on a shared machine) are printed side by side with their ratios.
//
//   node --import tsx bench/sql.ts [rows]          (default 10,000,000)

import { SqlEngine } from '../src/analytics/engine.ts';
import type { Value } from '../src/analytics/vector.ts';

const ROWS = Number(process.argv[2] ?? 10_000_000);
const ROUNDS = 5;
const KEYS = 16;
const START = Date.UTC(2024, 0, 1) * 1000;

const QUERIES: [string, string][] = [
  ['group by key: count, sum, avg', 'SELECT k, count(*), sum(i), avg(d) FROM t GROUP BY k'],
  ['same, filtered on the text key', "SELECT k, count(*), sum(i), avg(d) FROM t WHERE k LIKE 'key-1%' GROUP BY k"],
  ['filtered count', 'SELECT count(*) FROM t WHERE i > 900'],
  ['hourly buckets over a range', "SELECT date_trunc('hour', ts) AS h, count(*), avg(d) FROM t WHERE ts >= '2024-01-01 10:00:00' AND ts < '2024-01-02 10:00:00' GROUP BY 1"],
];

/** Deterministic rows: row r is at START + r ms, key r*7 mod KEYS, i = r mod 1000. */
function rowAt(r: number): [number, string, number, number] {
  return [START + r * 1000, `key-${(r * 7) % KEYS}`, r % 1000, (r % 997) / 7];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall and CPU milliseconds of ROUNDS runs after a warm-up. */
async function time(run: () => unknown | Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  await run();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpus.push((used.user + used.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

async function main(): Promise<void> {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE t (ts timestamp, k text, i integer, d double precision)');
  const table = engine.catalog.require('t');
  let start = Date.now();
  const batch = 65_536;
  for (let first = 0; first < ROWS; first += batch) {
    const rows: Value[][] = [];
    for (let r = first; r < Math.min(ROWS, first + batch); r++) rows.push(rowAt(r));
    table.insert(rows);
  }
  console.log(`Mnemo: loaded ${ROWS.toLocaleString()} rows in ${Date.now() - start} ms (heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);

  let duck: { run: (sql: string) => Promise<unknown> } | null = null;
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api' as string);
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    start = Date.now();
    // DuckDB generates the same rows itself (range() is far faster than appending from JS).
    await connection.run(`CREATE TABLE t AS SELECT
        make_timestamp(${START}::BIGINT + r * 1000000) AS ts,
        'key-' || ((r * 7) % ${KEYS}) AS k,
        (r % 1000)::INTEGER AS i,
        (r % 997) / 7.0 AS d
      FROM range(${ROWS}) AS s(r)`);
    console.log(`DuckDB: loaded ${ROWS.toLocaleString()} rows in ${Date.now() - start} ms (threads=1)`);
    duck = { run: (sql) => connection.runAndReadAll(sql) };
  } catch (error) {
    console.log(`DuckDB: not available (${(error as Error).message.split('\n')[0]}); Mnemo's times only`);
  }

  const columns = ['Mnemo wall', 'Mnemo cpu', 'rows/s (cpu)', ...(duck ? ['DuckDB wall', 'DuckDB cpu', 'wall ratio', 'cpu ratio'] : [])];
  console.log(`\n${'query (ms)'.padEnd(34)} ${columns.map((c) => c.padStart(12)).join(' ')}`);
  for (const [label, sql] of QUERIES) {
    const ours = await time(() => engine.execute(sql));
    const cells = [ours.wall.toFixed(1), ours.cpu.toFixed(1), Math.round(ROWS / (ours.cpu / 1000)).toLocaleString()];
    if (duck !== null) {
      const theirs = await time(() => duck!.run(sql));
      cells.push(theirs.wall.toFixed(1), theirs.cpu.toFixed(1), (ours.wall / theirs.wall).toFixed(2), (ours.cpu / theirs.cpu).toFixed(2));
    }
    console.log(`${label.padEnd(34)} ${cells.map((c) => c.padStart(12)).join(' ')}`);
  }
  const [check] = engine.execute(QUERIES[0]![1]);
  console.log(`\n(check: ${check!.rows.length} groups; first ${JSON.stringify(check!.rows[0])})`);
}

await main();
