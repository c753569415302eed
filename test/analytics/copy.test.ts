// COPY over the wire, driven by psql's \copy (Debian's postgresql-client) against Mnemo and a
// private PostgreSQL 15 side by side: what psql prints for loads (text and CSV, quoting,
// escapes, NULLs, a header, a column list) and for unloads must be the same, and a load that
// fails must fail with PostgreSQL's SQLSTATE and leave the table as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SqlEngine } from '../../src/analytics/engine.ts';
import { PgListener } from '../../src/analytics/pgwire/listener.ts';
import { skipWithoutPostgres, startPostgres, type PostgresReference } from '../helpers/postgres.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  /** The first line psql wrote to stderr (ERROR: ...), without the "psql:<where>:" prefix. */
  readonly error: string;
}

/** Runs one psql command (-c), or a script fed on its standard input when `command` is null. */
function psql(port: number, command: string | null, script = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'psql',
      ['-X', '-w', '-h', '127.0.0.1', '-p', String(port), '-U', 'default', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', ...(command === null ? ['-f', '-'] : ['-c', command])],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '10' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const first = stderr.split('\n')[0] ?? '';
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, error: first.replace(/^psql:[^:]*:\d+: /, '') });
      },
    );
    child.stdin!.end(script);
  });
}

const TABLE = 'CREATE TABLE loaded (id integer PRIMARY KEY, name text, price numeric, seen timestamp, ok boolean, score double precision)';

const CSV = [
  'id,name,price,seen,ok,score',
  '1,plain,1.50,2024-01-02 03:04:05,t,0.5',
  '2,"quoted, with comma",,2024-02-29 00:00:00,false,',
  '3,"say ""hi""",3,,,1e-7',
  '4,"two',
  'lines",4.25,2023-12-31 23:59:59.999,yes,-2',
  '5,"",0,1999-01-01 00:00:00,no,3.25',
  '6,日本語,12.000,2024-06-01 12:00:00,1,NaN',
].join('\n');

const TEXT = ['10\tback\\\\slash\t1\t2024-01-01 00:00:00\tt\t1', '11\ttab\\there\t\\N\t\\N\tf\t2', '12\tnew\\nline\t2.5\t2024-03-03 03:03:03\t\\N\t\\N', '13\toctal \\101 hex \\x42\t0\t2024-01-01 00:00:00\tt\t0', '\\.'].join('\n') + '\n';

const skip = skipWithoutPostgres();

describe('COPY through psql matches PostgreSQL 15', { skip }, () => {
  let reference: PostgresReference;
  let listener: PgListener;
  let mnemoPort: number;
  let dir: string;
  const both = async (command: string): Promise<[Run, Run]> => [await psql(reference.port, command), await psql(mnemoPort, command)];

  before(async () => {
    reference = await startPostgres();
    listener = new PgListener(new SqlEngine(), () => '');
    mnemoPort = await listener.listen(0, ['127.0.0.1'], 64);
    dir = mkdtempSync(join(tmpdir(), 'mnemo-copy-'));
    writeFileSync(join(dir, 'data.csv'), CSV);
    writeFileSync(join(dir, 'data.txt'), TEXT);
    writeFileSync(join(dir, 'partial.csv'), 'id,name\n20,a\n21,b\nx,c\n');
    writeFileSync(join(dir, 'wide.csv'), '30,a,1,2024-01-01 00:00:00,t,1,extra\n');
    writeFileSync(join(dir, 'short.txt'), '31\tb\n');
    for (const port of [reference.port, mnemoPort]) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'default', database: 'postgres' });
      await client.connect();
      await client.query(TABLE);
      await client.end();
    }
  });

  after(async () => {
    await listener?.close();
    await reference?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('loads of CSV with a header and of text with escapes report the same row counts', async () => {
    for (const command of [
      `\\copy loaded from '${join(dir, 'data.csv')}' with (format csv, header)`,
      `\\copy loaded from '${join(dir, 'data.txt')}'`,
    ]) {
      const [theirs, ours] = await both(command);
      assert.deepEqual(ours, theirs, command);
      assert.equal(theirs.code, 0, theirs.error);
    }
  });

  test('unloads in text and CSV, of tables, column lists and queries, are byte for byte the same', async () => {
    for (const command of [
      '\\copy (SELECT * FROM loaded ORDER BY id) to stdout',
      '\\copy (SELECT * FROM loaded ORDER BY id) to stdout with (format csv, header)',
      "\\copy (SELECT id, name FROM loaded ORDER BY id) to stdout with (format csv, delimiter ';', null 'NULL', quote '''')",
      "\\copy (SELECT name, price FROM loaded WHERE id > 2 ORDER BY id) to stdout csv header delimiter '|'",
      "\\copy (SELECT id, name FROM loaded ORDER BY id) to stdout with (delimiter ',', null '-')",
    ]) {
      const [theirs, ours] = await both(command);
      assert.deepEqual(ours, theirs, command);
      assert.equal(theirs.code, 0, theirs.error);
      assert.match(theirs.stdout, /say/);
    }
  });

  test('a column list loads the named columns and leaves the others NULL', async () => {
    const [theirs, ours] = await both(`\\copy loaded (name, id) from '${join(dir, 'partial.csv')}' with (format csv, header)`);
    // Both reject the third data line ('x' is not an integer), which rolls back the two before it.
    assert.equal(ours.code, theirs.code);
    assert.equal(ours.error, theirs.error);
    assert.match(theirs.error, /^ERROR:  invalid input syntax for type integer/);
    const [countTheirs, countOurs] = await both('SELECT count(*) FROM loaded');
    assert.equal(countOurs.stdout, countTheirs.stdout);
  });

  test('rows with too many or too few fields fail as in PostgreSQL', async () => {
    for (const command of [`\\copy loaded from '${join(dir, 'wide.csv')}' csv`, `\\copy loaded from '${join(dir, 'short.txt')}'`]) {
      const [theirs, ours] = await both(command);
      assert.deepEqual([ours.code, ours.error], [theirs.code, theirs.error], command);
    }
  });

  test('a COPY that breaks the primary key adds no row', async () => {
    const [theirs, ours] = await both(`\\copy loaded from '${join(dir, 'data.txt')}'`);
    assert.deepEqual([ours.code, ours.error.replace(/".*"/, '')], [theirs.code, theirs.error.replace(/".*"/, '')]);
    const [countTheirs, countOurs] = await both('SELECT count(*), sum(id) FROM loaded');
    assert.equal(countOurs.stdout, countTheirs.stdout);
  });

  test('COPY FROM STDIN in a script takes the lines up to \\. and the script goes on', async () => {
    const script = 'COPY loaded (id, name) FROM STDIN;\n40\tinline\n41\t\\N\n\\.\nSELECT id, name FROM loaded WHERE id >= 40 ORDER BY id;\n';
    const [theirs, ours] = await Promise.all([psql(reference.port, null, script), psql(mnemoPort, null, script)]);
    assert.deepEqual(ours, theirs);
    assert.match(theirs.stdout, /^COPY 2\n/);
  });
});
