// The RESP SQL command: the same engine and tables as the PostgreSQL front.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createClient } from 'redis';
import { startServer } from '../../src/server/run.ts';
import { Harness } from '../helpers/harness.ts';
import { freePort } from '../helpers/reference.ts';

test('SQL runs statements with $n parameters and answers [command, columns, rows] in RESP2', () => {
  const h = new Harness();
  assert.deepEqual(h.run('SQL', 'CREATE TABLE t (id integer, name text, v double precision)'), ['CREATE TABLE', [], []]);
  assert.deepEqual(h.run('SQL', 'INSERT INTO t VALUES (1, $1, 2.5), (2, NULL, 3)', 'ann'), ['INSERT 0 2', [], []]);
  assert.deepEqual(h.run('SQL', 'SELECT id, name, v * 2 AS d FROM t ORDER BY id'), [
    'SELECT 2',
    ['id', 'name', 'd'],
    [
      ['1', 'ann', '5'],
      ['2', null, '6'],
    ],
  ]);
  // Several statements: the last one answers.
  assert.deepEqual(h.run('SQL', 'DELETE FROM t WHERE id = 2; SELECT count(*) FROM t'), ['SELECT 1', ['count'], [['1']]]);
});

test('SQL errors carry the PostgreSQL message, SQLSTATE and position', () => {
  const h = new Harness();
  const reply = h.run('SQL', 'SELEC 1') as { text: string };
  assert.equal(reply.text, 'ERR syntax error at or near "SELEC" (SQLSTATE 42601, position 1)');
  const missing = h.run('SQL', 'SELECT * FROM nowhere') as { text: string };
  assert.equal(missing.text, 'ERR relation "nowhere" does not exist (SQLSTATE 42P01, position 15)');
});

test('a table made over the PostgreSQL protocol is queried with SQL from a RESP3 client, with column types', async () => {
  const sqlPort = await freePort();
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { 'sql-port': String(sqlPort) } });
  const redis = createClient({ url: running.url, RESP: 3, socket: { reconnectStrategy: false } });
  const postgres = new pg.Client({ host: '127.0.0.1', port: sqlPort, user: 'default' });
  try {
    await postgres.connect();
    await postgres.query('CREATE TABLE m (host text, cpu real)');
    await postgres.query("INSERT INTO m VALUES ('a', 0.5), ('b', 0.25)");
    await redis.connect();
    const reply = (await redis.sendCommand(['SQL', 'SELECT host, cpu FROM m ORDER BY cpu'])) as Map<string, unknown> | Record<string, unknown>;
    const get = (field: string) => (reply instanceof Map ? reply.get(field) : reply[field]);
    assert.equal(get('command'), 'SELECT 2');
    const columns = get('columns') as (Map<string, string> | Record<string, string>)[];
    assert.deepEqual(
      columns.map((c) => (c instanceof Map ? [c.get('name'), c.get('type')] : [c.name, c.type])),
      [
        ['host', 'text'],
        ['cpu', 'real'],
      ],
    );
    assert.deepEqual(get('rows'), [
      ['b', '0.25'],
      ['a', '0.5'],
    ]);
  } finally {
    if (redis.isOpen) redis.destroy();
    await postgres.end().catch(() => {});
    await running.close();
  }
});
