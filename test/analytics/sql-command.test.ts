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

test('a foreign table over hashes reads live hashes, typed per the declaration, with missing or bad fields as NULL', () => {
  const h = new Harness();
  h.run('HSET', 'user:1', 'name', 'ann', 'age', '31');
  h.run('HSET', 'user:2', 'name', 'bob', 'age', 'unknown');
  h.run('HSET', 'user:3', 'name', 'cy');
  h.run('SET', 'user:9', 'a string is not a row');
  h.run('HSET', 'other:1', 'name', 'dee', 'age', '50');
  assert.deepEqual(h.run('SQL', "CREATE FOREIGN TABLE users (id text KEY, name text, age integer) FROM HASHES 'user:*'"), ['CREATE FOREIGN TABLE', [], []]);
  assert.deepEqual(h.run('SQL', 'SELECT id, name, age FROM users ORDER BY id'), [
    'SELECT 3',
    ['id', 'name', 'age'],
    [
      ['user:1', 'ann', '31'],
      ['user:2', 'bob', null],
      ['user:3', 'cy', null],
    ],
  ]);
  h.run('HSET', 'user:3', 'age', '40');
  h.run('DEL', 'user:2');
  assert.deepEqual(h.run('SQL', 'SELECT sum(age) FROM users'), ['SELECT 1', ['sum'], [['71']]]);
  const refused = h.run('SQL', "INSERT INTO users VALUES ('user:4', 'eve', 1)") as { text: string };
  assert.equal(refused.text, 'ERR cannot change foreign table "users" (SQLSTATE 42809)');
});

test('a foreign table over time series has a row per sample, labels as columns, and joins columnar tables', () => {
  const h = new Harness();
  h.run('TS.CREATE', 'temp:1', 'LABELS', 'room', 'hall');
  h.run('TS.CREATE', 'temp:2', 'LABELS', 'room', 'attic');
  h.run('TS.ADD', 'temp:1', 1000, 20);
  h.run('TS.ADD', 'temp:1', 2000, 21);
  h.run('TS.ADD', 'temp:2', 1500, 30);
  h.run('SQL', "CREATE FOREIGN TABLE temps (key text KEY, timestamp timestamptz, value double precision, room text) FROM SERIES 'temp:*'");
  assert.deepEqual(h.run('SQL', 'SELECT room, count(*), max(value), min(timestamp) FROM temps GROUP BY room ORDER BY room'), [
    'SELECT 2',
    ['room', 'count', 'max', 'min'],
    [
      ['attic', '1', '30', '1970-01-01 00:00:01.5+00'],
      ['hall', '2', '21', '1970-01-01 00:00:01+00'],
    ],
  ]);
  h.run('SQL', "CREATE TABLE rooms (room text, floor integer); INSERT INTO rooms VALUES ('hall', 0), ('attic', 2)");
  assert.deepEqual(h.run('SQL', 'SELECT r.floor, avg(t.value) FROM temps t JOIN rooms r ON r.room = t.room GROUP BY r.floor ORDER BY r.floor'), [
    'SELECT 2',
    ['floor', 'avg'],
    [
      ['0', '20.5'],
      ['2', '30'],
    ],
  ]);
});

test('KEY marks a column only in foreign tables', () => {
  const h = new Harness();
  const reply = h.run('SQL', 'CREATE TABLE t (id text KEY)') as { text: string };
  assert.match(reply.text, /^ERR syntax error at or near "KEY"/);
});
