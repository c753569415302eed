// Window functions and correlated subqueries over more rows than one table chunk holds: the
// frame bookkeeping (rows entering and leaving a running state, restarts for floats) checked
// against plain loops. Their SQL semantics are compared with PostgreSQL in conformance.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlEngine } from '../../src/analytics/engine.ts';
import { CHUNK_ROWS } from '../../src/analytics/table.ts';

const ROWS = CHUNK_ROWS + 1234;

/** t(id, k, v, f): k cycles through 7 keys, every 11th v is NULL, f a float with a fraction. */
function filled(): SqlEngine {
  const engine = new SqlEngine();
  engine.execute('CREATE TABLE t (id integer PRIMARY KEY, k text, v integer, f double precision)');
  const rows = [];
  for (let r = 0; r < ROWS; r++) rows.push([r, `k${r % 7}`, r % 11 === 0 ? null : (r * 37) % 101, r / 10 + 0.01]);
  engine.catalog.require('t').insert(rows);
  return engine;
}

const engine = filled();
const v = (r: number) => (r % 11 === 0 ? null : (r * 37) % 101);
const f = (r: number) => r / 10 + 0.01;

test('a moving sum and count over ROWS frames match a loop over each row\'s neighbours', () => {
  const { rows } = engine.execute('SELECT id, sum(v) OVER w, count(v) OVER w FROM t WINDOW w AS (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) ORDER BY id')[0]!;
  assert.equal(rows.length, ROWS);
  for (let r = 0; r < ROWS; r++) {
    let sum = 0;
    let count = 0;
    for (let q = Math.max(0, r - 3); q <= Math.min(ROWS - 1, r + 2); q++) {
      if (v(q) !== null) {
        sum += v(q)!;
        count++;
      }
    }
    assert.deepEqual(rows[r], [String(r), count === 0 ? null : String(sum), String(count)], `row ${r}`);
  }
});

test('a moving float sum adds each frame from its head, in row order', () => {
  const { rows } = engine.execute('SELECT sum(f) OVER (ORDER BY id ROWS 4 PRECEDING) FROM t ORDER BY id')[0]!;
  for (let r = 0; r < ROWS; r += 97) {
    let sum = 0;
    for (let q = Math.max(0, r - 4); q <= r; q++) sum += f(q);
    assert.equal(Number(rows[r]![0]), sum, `row ${r}`);
  }
});

test('row_number and a running total restart in each partition across chunks', () => {
  const { rows } = engine.execute('SELECT id, row_number() OVER p, sum(v) OVER p FROM t WINDOW p AS (PARTITION BY k ORDER BY id) ORDER BY id')[0]!;
  const seen = new Map<number, { n: number; sum: number | null }>();
  for (let r = 0; r < ROWS; r++) {
    const state = seen.get(r % 7) ?? { n: 0, sum: null };
    state.n++;
    if (v(r) !== null) state.sum = (state.sum ?? 0) + v(r)!;
    seen.set(r % 7, state);
    assert.deepEqual(rows[r], [String(r), String(state.n), state.sum === null ? null : String(state.sum)], `row ${r}`);
  }
});

test('a correlated subquery sees each outer row, in every chunk', () => {
  const { rows } = engine.execute("SELECT id, (SELECT count(*) FROM t u WHERE u.k = t.k AND u.id < t.id) FROM t WHERE id % 1000 = 1 ORDER BY id")[0]!;
  for (const [id, before] of rows) assert.equal(Number(before), Math.floor(Number(id) / 7), `row ${id}`);
});
