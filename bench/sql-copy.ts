// COPY FROM STDIN ingest over the PostgreSQL wire: psql's \copy sends a generated file of ROWS
// rows (the shape of bench/sql.ts's table: a timestamp, a low-cardinality text key, an integer
// and a double) to an in-process Mnemo pg listener, in CSV and in text format. Prints rows per
// second of wall time and per second of Mnemo's CPU (this process: the listener, parsing and
// the column appends), and the progress NOTICEs psql showed.
//
//   node --import tsx bench/sql-copy.ts [rows]          (default 1,000,000)

import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { SqlEngine } from '../src/analytics/engine.ts';
import { PgListener } from '../src/analytics/pgwire/listener.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const KEYS = 16;

async function generate(path: string, delimiter: string): Promise<void> {
  const out = createWriteStream(path);
  const start = Date.UTC(2024, 0, 1);
  for (let first = 0; first < ROWS; first += 10_000) {
    let text = '';
    for (let r = first; r < Math.min(ROWS, first + 10_000); r++) {
      const ts = new Date(start + r * 1000).toISOString().replace('T', ' ').slice(0, 19);
      text += `${ts}${delimiter}key-${(r * 7) % KEYS}${delimiter}${r % 1000}${delimiter}${(r % 997) / 7}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function psql(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('psql', ['-X', '-w', '-h', '127.0.0.1', '-p', String(port), '-U', 'default', '-d', 'mnemo', '-v', 'ON_ERROR_STOP=1', '-c', command], { timeout: 600_000 }, (error, stdout, stderr) =>
      error === null ? resolve(`${stdout}${stderr}`) : reject(new Error(stderr)),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mnemo-copy-bench-'));
const engine = new SqlEngine();
const listener = new PgListener(engine, () => '');
try {
  const port = await listener.listen(0, ['127.0.0.1'], 64);
  for (const [format, delimiter, option] of [['csv', ',', 'with (format csv)'], ['text', '\t', '']] as const) {
    const file = join(dir, `data.${format}`);
    await generate(file, delimiter);
    engine.execute(`DROP TABLE IF EXISTS t; CREATE TABLE t (ts timestamp, k text, i integer, d double precision)`);
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const output = await psql(port, `\\copy t from '${file}' ${option}`);
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const seconds = (used.user + used.system) / 1e6;
    const [check] = engine.execute('SELECT count(*), sum(i) FROM t');
    console.log(`${format.padEnd(5)} ${ROWS.toLocaleString()} rows: ${wall.toFixed(2)} s wall = ${Math.round(ROWS / wall).toLocaleString()} rows/s; Mnemo CPU ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds).toLocaleString()} rows/CPU-s (check ${check!.rows[0]!.join(', ')})`);
    for (const line of output.split('\n').filter((l) => l.startsWith('NOTICE') || l.startsWith('COPY'))) console.log(`      ${line}`);
  }
} finally {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
}
