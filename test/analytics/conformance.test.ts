// SQL conformance: the same tables and queries sent through node-postgres to Mnemo's pg-wire
// listener and to a private PostgreSQL 15; column names, type OIDs and rows (as text) must
// match, and failing statements must fail with the same SQLSTATE. One PostgreSQL instance
// serves the whole file.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { SqlEngine } from '../../src/analytics/engine.ts';
import { PgListener } from '../../src/analytics/pgwire/listener.ts';
import { skipWithoutPostgres, startPostgres, type PostgresReference } from '../helpers/postgres.ts';

const SETUP = [
  `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, category varchar(20), price numeric, qty smallint,
     weight real, score double precision, big bigint, active boolean, added date, seen timestamp, seen_tz timestamptz)`,
  `INSERT INTO items VALUES
     (1, 'apple', 'fruit', 1.25, 10, 0.2, 4.5, 9000000000, true, '2024-01-15', '2024-01-15 08:30:00', '2024-01-15 08:30:00+00'),
     (2, 'banana', 'fruit', 0.5, 25, 0.15, 3.25, -5, false, '2024-02-29', '2024-02-29 23:59:59.5', '2024-03-01 01:00:00+02'),
     (3, 'carrot', 'vegetable', 0.3, 0, 0.1, NULL, 0, true, '2023-12-31', '2023-12-31 00:00:00', NULL),
     (4, 'dates', NULL, 12.999, 3, 1.5, 7, 42, NULL, NULL, NULL, '2024-06-01 12:00:00.123456+00'),
     (5, 'eggplant', 'vegetable', NULL, NULL, NULL, -1.5, NULL, false, '2024-07-04', '2024-07-04 12:00:00', '2024-07-04 12:00:00+00'),
     (6, 'fig', 'fruit', 3, 7, 0.05, 0.1, 7, true, '2024-01-01', '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00+00'),
     (7, 'Grape', 'fruit', 2.5, 100, 0.01, 1e-7, 123, true, '2024-08-08', '2024-08-08 08:08:08', '2024-08-08 08:08:08+00')`,
  `CREATE TABLE orders (order_id integer PRIMARY KEY, item_id integer, amount integer, note text)`,
  `INSERT INTO orders VALUES (100, 1, 3, 'first'), (101, 1, 2, NULL), (102, 2, 12, 'bulk'), (103, 9, 1, 'ghost'), (104, 6, 5, NULL), (105, NULL, 4, 'none')`,
  'CREATE TABLE params (k integer PRIMARY KEY, v text, t timestamp)',
];

/** Queries whose rows, column names and types must match PostgreSQL's. */
const QUERIES: Record<string, string[]> = {
  'projection, aliases and literals': [
    'SELECT * FROM items ORDER BY id',
    'SELECT id, name AS label, "category" FROM items ORDER BY id DESC',
    "SELECT 1, 2147483648, 1.50, 'text', NULL, true, -7, 1e3, .5",
    'SELECT id + 1, id * 2, id - 10, -id FROM items ORDER BY id',
    'SELECT items.name FROM items WHERE items.id = 3',
    'SELECT i.id, i.name FROM items AS i WHERE i.id < 3 ORDER BY i.id',
  ],
  'arithmetic and type promotion': [
    'SELECT 7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 / 2.0, 7.0 / 3, 1.0 / 3, 2 / 3.0, 10.0 / 4',
    'SELECT 1.5 + 1, 2.25 * 3.5, 1.10 - 0.1, 5::smallint + 1::smallint, 3::bigint * 4',
    'SELECT price * qty, price / 4, score / 2, weight * 2, big + 1 FROM items ORDER BY id',
    'SELECT qty / 3, qty % 4, big / 7 FROM items WHERE qty IS NOT NULL ORDER BY id',
    'SELECT 10 / 4::float8, 1 / 3::real, 0.1::float8 + 0.2, 1e20::float8, 1e-5::float8, 123456789012345678::float8, 1.5e15::float8',
    'SELECT 100000::real * 100000, 3.14159::real, 1::real / 3',
    "SELECT '5'::integer + 1, '2.5'::numeric * 2, ' 42 '::int",
    'SELECT 2147483647::bigint + 1, (-32768)::smallint, -32767::smallint',
  ],
  'comparisons, three-valued logic and predicates': [
    'SELECT id FROM items WHERE price > 1 ORDER BY id',
    'SELECT id FROM items WHERE price >= 0.5 AND price <= 3 ORDER BY id',
    'SELECT id FROM items WHERE active OR score < 0 ORDER BY id',
    'SELECT id FROM items WHERE NOT active ORDER BY id',
    'SELECT id, active AND qty > 5, active OR qty > 50, NOT active FROM items ORDER BY id',
    'SELECT id FROM items WHERE category IS NULL OR price IS NULL ORDER BY id',
    'SELECT id FROM items WHERE id BETWEEN 2 AND 5 ORDER BY id',
    'SELECT id FROM items WHERE id NOT BETWEEN 2 AND 5 ORDER BY id',
    "SELECT id FROM items WHERE name IN ('apple', 'fig', 'kiwi') ORDER BY id",
    'SELECT id FROM items WHERE id NOT IN (1, 2, 3) ORDER BY id',
    "SELECT id FROM items WHERE name LIKE '%a%' ORDER BY id",
    "SELECT id FROM items WHERE name LIKE '_a%' ORDER BY id",
    "SELECT id FROM items WHERE name NOT LIKE '%e%' ORDER BY id",
    "SELECT id FROM items WHERE name ILIKE 'g%' ORDER BY id",
    "SELECT id FROM items WHERE category <> 'fruit' ORDER BY id",
    "SELECT id FROM items WHERE name < 'c' ORDER BY id",
    "SELECT id FROM items WHERE added > '2024-02-01' ORDER BY id",
    "SELECT id FROM items WHERE seen >= '2024-01-15 08:30:00' ORDER BY id",
    "SELECT id FROM items WHERE seen_tz < '2024-03-01 00:00:00+01' ORDER BY id",
    'SELECT id FROM items WHERE active IS TRUE ORDER BY id',
    'SELECT id FROM items WHERE active IS NOT FALSE ORDER BY id',
    'SELECT id FROM items WHERE category IS DISTINCT FROM \'fruit\' ORDER BY id',
    'SELECT NULL = NULL, NULL IS NULL, 1 = 1, 1 <> 1, 1 < 2.5, 2.5 > 1',
  ],
  'CASE, CAST, COALESCE, NULLIF and functions': [
    "SELECT id, CASE WHEN price > 2 THEN 'dear' WHEN price > 1 THEN 'fair' ELSE 'cheap' END FROM items ORDER BY id",
    "SELECT id, CASE category WHEN 'fruit' THEN 1 WHEN 'vegetable' THEN 2 END AS kind FROM items ORDER BY id",
    'SELECT id, CASE WHEN qty = 0 THEN 0 ELSE 100 / qty END FROM items ORDER BY id',
    'SELECT COALESCE(category, name), COALESCE(price, 0), NULLIF(qty, 0) FROM items ORDER BY id',
    'SELECT CAST(price AS float8), price::text, qty::bigint, id::text || name, score::numeric FROM items ORDER BY id',
    "SELECT 2.5::integer, 3.5::integer, (-2.5)::integer, 2.5::float8::integer, 3.5::float8::integer, '1'::boolean",
    'SELECT upper(name), lower(name), length(name), substr(name, 2, 3), abs(score) FROM items ORDER BY id',
    'SELECT round(price), round(price, 1), floor(score), ceil(score), round(2.5::float8), round(-2.5) FROM items ORDER BY id',
    "SELECT concat(name, '-', qty), name || '/' || category, replace(name, 'a', 'A') FROM items ORDER BY id",
    'SELECT greatest(1, 5, 3), least(2.5, 1), mod(17, 5), sqrt(16), power(2, 10)',
    'SELECT added + 1, added - 1, added - DATE \'2024-01-01\' FROM items ORDER BY id',
    "SELECT date_trunc('month', seen), date_trunc('day', seen_tz), date_trunc('hour', seen), date_trunc('week', seen) FROM items ORDER BY id",
    'SELECT extract(year FROM seen), extract(month FROM added), extract(dow FROM seen), extract(epoch FROM seen), extract(second FROM seen) FROM items ORDER BY id',
    "SELECT date_part('hour', seen), date_part('doy', seen) FROM items ORDER BY id",
    'SELECT seen::date, added::timestamp, seen_tz::timestamp FROM items ORDER BY id',
    "SELECT '2024-02-30'::text, DATE '2024-03-01', TIMESTAMP '2024-03-01 10:00:00.25'",
  ],
  'aggregates and GROUP BY': [
    'SELECT count(*), count(category), count(DISTINCT category), sum(qty), avg(qty), min(price), max(price) FROM items',
    'SELECT sum(price), avg(price), sum(score), avg(score), sum(weight), avg(weight), sum(big), avg(big) FROM items',
    'SELECT min(name), max(name), min(added), max(seen), min(seen_tz) FROM items',
    'SELECT category, count(*), sum(qty), avg(price) FROM items GROUP BY category ORDER BY category',
    'SELECT category, count(*) FROM items GROUP BY category ORDER BY category NULLS FIRST',
    'SELECT category, count(*) AS n FROM items GROUP BY 1 ORDER BY n DESC, category',
    'SELECT active, count(*), max(id) FROM items GROUP BY active ORDER BY active',
    'SELECT category, active, count(*) FROM items GROUP BY category, active ORDER BY category, active',
    'SELECT qty % 2 AS parity, count(*) FROM items GROUP BY qty % 2 ORDER BY parity',
    'SELECT category, count(*) FROM items GROUP BY category HAVING count(*) > 1 ORDER BY category',
    'SELECT category, sum(qty) FROM items GROUP BY category HAVING sum(qty) > 10 OR category IS NULL ORDER BY 1',
    'SELECT count(*) FROM items WHERE id > 100',
    'SELECT sum(qty), avg(qty), max(name) FROM items WHERE id > 100',
    'SELECT category FROM items WHERE id > 100 GROUP BY category',
    'SELECT count(*) + 1, sum(qty) * 2, avg(id) FROM items',
    "SELECT date_trunc('month', seen) AS month, count(*) FROM items GROUP BY 1 ORDER BY 1",
    'SELECT sum(DISTINCT amount), count(DISTINCT item_id) FROM orders',
  ],
  'ORDER BY, DISTINCT, LIMIT and OFFSET': [
    'SELECT id, score FROM items ORDER BY score',
    'SELECT id, score FROM items ORDER BY score DESC',
    'SELECT id, score FROM items ORDER BY score NULLS FIRST',
    'SELECT id, score FROM items ORDER BY score DESC NULLS LAST',
    'SELECT id, category FROM items ORDER BY category, id DESC',
    'SELECT name FROM items ORDER BY id LIMIT 3',
    'SELECT name FROM items ORDER BY id LIMIT 3 OFFSET 2',
    'SELECT name FROM items ORDER BY id OFFSET 5',
    'SELECT name FROM items ORDER BY id LIMIT 0',
    'SELECT name FROM items ORDER BY id LIMIT ALL',
    'SELECT DISTINCT category FROM items ORDER BY category',
    'SELECT DISTINCT active, category FROM items ORDER BY 1, 2',
    'SELECT name FROM items ORDER BY length(name), name',
    'SELECT name AS n FROM items ORDER BY n DESC',
  ],
  joins: [
    'SELECT o.order_id, i.name FROM orders o JOIN items i ON o.item_id = i.id ORDER BY o.order_id',
    'SELECT o.order_id, i.name FROM orders o LEFT JOIN items i ON o.item_id = i.id ORDER BY o.order_id',
    'SELECT i.name, o.amount FROM items i LEFT JOIN orders o ON o.item_id = i.id ORDER BY i.id, o.amount',
    'SELECT i.name, o.amount FROM items i JOIN orders o ON o.item_id = i.id AND o.amount > 2 ORDER BY 1, 2',
    'SELECT i.name, o.amount FROM items i LEFT JOIN orders o ON o.item_id = i.id AND o.amount > 2 ORDER BY i.id, 2',
    'SELECT i.name, sum(o.amount) FROM items i JOIN orders o ON o.item_id = i.id GROUP BY i.name ORDER BY i.name',
    'SELECT count(*) FROM items, orders',
    'SELECT i.id, o.order_id FROM items i CROSS JOIN orders o WHERE i.id = 1 ORDER BY 2',
    'SELECT i.id, o.order_id FROM items i JOIN orders o ON i.id < o.amount ORDER BY 1, 2',
  ],
  'edge cases': [
    'SELECT category, count(*) FROM items GROUP BY category HAVING max(price) > 2 ORDER BY sum(qty) DESC NULLS LAST',
    'SELECT category FROM items GROUP BY category ORDER BY count(*), category',
    'SELECT DISTINCT active FROM items ORDER BY active NULLS FIRST',
    'SELECT count(DISTINCT active), count(active), count(*) FROM items',
    "SELECT 'a_b' LIKE 'a\\_b', 'axb' LIKE 'a\\_b', '50%' LIKE '50\\%', 'ABC' ILIKE 'a%c', '' LIKE '%'",
    "SELECT 'é' < 'z', 'Z' < 'a', 'abc' > 'ab', upper('straße'), length('日本語')",
    'SELECT 9007199254740991::bigint, -9007199254740991, 2147483647::integer, -2147483648, -(-2147483647)',
    'SELECT round(-2.5), round(2.45, 1), round(-2.45, 1), round(1234.5678, -2), round(0.0005, 3)',
    "SELECT DATE '1969-12-31' + 1, DATE '2024-03-31' - 31, TIMESTAMP '1969-07-20 20:17:40', DATE '2000-02-29' - DATE '1999-02-28'",
    "SELECT date_trunc('month', TIMESTAMP '1969-12-15 10:00:00'), date_trunc('year', DATE '2024-06-15'), extract(doy FROM DATE '2024-12-31')",
    "SELECT extract(epoch FROM TIMESTAMP '1969-12-31 23:59:59.5'), extract(quarter FROM TIMESTAMP '2024-08-01 00:00:00')",
    'SELECT o.note, i.name FROM orders o LEFT JOIN items i ON o.item_id = i.id WHERE i.id IS NULL ORDER BY o.order_id',
    'SELECT a.id, b.id FROM items a JOIN items b ON a.category = b.category AND a.id < b.id ORDER BY 1, 2',
    'SELECT id, price FROM items WHERE price IN (1.25, 3) ORDER BY id',
    'SELECT id FROM items WHERE qty IN (10, NULL) ORDER BY id',
    'SELECT id FROM items WHERE qty NOT IN (10, NULL) ORDER BY id',
    'SELECT sum(qty) / count(qty), sum(price) / count(*), avg(qty)::integer FROM items',
    'SELECT -score, +qty, - -big FROM items ORDER BY id',
    'SELECT 1e300::float8 * 10, -0.0::float8, 1 / 3.0::real',
    "SELECT CASE WHEN false THEN 1 END, CASE WHEN true THEN NULL ELSE 'x' END, COALESCE(NULL, NULL, 3)",
    'SELECT id % 3 AS r, name FROM items ORDER BY r, name LIMIT 0',
  ],
  'RIGHT and FULL joins': [
    'SELECT o.order_id, i.name FROM orders o RIGHT JOIN items i ON o.item_id = i.id ORDER BY i.id, o.order_id',
    'SELECT o.order_id, i.id FROM orders o FULL JOIN items i ON o.item_id = i.id ORDER BY 1 NULLS FIRST, 2',
    'SELECT i.id, o.order_id FROM items i RIGHT OUTER JOIN orders o ON o.item_id = i.id AND i.active ORDER BY 2',
    'SELECT count(*), count(o.order_id), count(i.id) FROM orders o FULL OUTER JOIN items i ON o.item_id = i.id',
    'SELECT a.id, b.order_id, c.id FROM items a RIGHT JOIN orders b ON a.id = b.item_id FULL JOIN items c ON c.id = b.amount ORDER BY 1, 2, 3',
    'SELECT coalesce(o.item_id, i.id) AS k, count(*) FROM orders o FULL JOIN items i ON o.item_id = i.id GROUP BY 1 ORDER BY 1',
    'SELECT i.name, o.note FROM items i FULL JOIN orders o ON o.item_id = i.id WHERE o.order_id IS NULL OR i.id IS NULL ORDER BY 1, 2',
    'SELECT a.id, b.id FROM items a FULL JOIN items b ON a.id = b.qty ORDER BY 1, 2',
    'SELECT o.order_id, i.id FROM orders o FULL JOIN items i ON o.item_id = i.id AND o.amount > 2 ORDER BY 1, 2',
    'SELECT count(*) FROM orders o FULL JOIN items i ON true',
  ],
  'window functions': [
    'SELECT id, category, row_number() OVER (PARTITION BY category ORDER BY id), rank() OVER (ORDER BY category), dense_rank() OVER (ORDER BY category) FROM items ORDER BY id',
    'SELECT id, qty, rank() OVER (ORDER BY qty DESC), dense_rank() OVER (ORDER BY qty NULLS FIRST), percent_rank() OVER (ORDER BY qty), cume_dist() OVER (ORDER BY qty) FROM items ORDER BY id',
    'SELECT id, ntile(3) OVER (ORDER BY id), ntile(10) OVER (ORDER BY id), ntile(2) OVER (PARTITION BY category ORDER BY id) FROM items ORDER BY id',
    'SELECT id, lag(name) OVER (ORDER BY id), lead(name) OVER (ORDER BY id), lag(qty, 2) OVER (ORDER BY id), lead(qty, 1, 0) OVER (ORDER BY id), lag(price, 1, -1) OVER (PARTITION BY category ORDER BY id) FROM items ORDER BY id',
    'SELECT id, sum(qty) OVER (ORDER BY id), count(*) OVER (ORDER BY id), count(price) OVER (), avg(qty) OVER (PARTITION BY category), min(name) OVER (PARTITION BY category), max(score) OVER (PARTITION BY active ORDER BY id) FROM items ORDER BY id',
    'SELECT id, sum(price) OVER (ORDER BY id), avg(price) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), sum(score) OVER (ORDER BY id ROWS 2 PRECEDING), avg(weight) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM items ORDER BY id',
    'SELECT id, sum(qty) OVER (ORDER BY qty RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING), count(*) OVER (ORDER BY qty DESC RANGE BETWEEN 10 PRECEDING AND CURRENT ROW), sum(id) OVER (ORDER BY score RANGE BETWEEN 1.5 PRECEDING AND 1 FOLLOWING) FROM items ORDER BY id',
    'SELECT id, sum(id) OVER (ORDER BY price RANGE BETWEEN 1 PRECEDING AND 0.5 FOLLOWING), count(*) OVER (ORDER BY big NULLS FIRST RANGE BETWEEN UNBOUNDED PRECEDING AND 10 FOLLOWING) FROM items ORDER BY id',
    'SELECT id, sum(id) OVER (ORDER BY category GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY active GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM items ORDER BY id',
    'SELECT id, first_value(name) OVER w, last_value(name) OVER w, nth_value(name, 2) OVER w, last_value(name) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM items WINDOW w AS (PARTITION BY category ORDER BY id) ORDER BY id',
    'SELECT category, sum(qty), rank() OVER (ORDER BY sum(qty) DESC NULLS LAST), sum(sum(qty)) OVER (), count(*) * 100 / sum(count(*)) OVER () FROM items GROUP BY category ORDER BY category',
    'SELECT id, row_number() OVER (ORDER BY price DESC NULLS LAST) AS rn FROM items ORDER BY rn',
    'SELECT id FROM items ORDER BY rank() OVER (ORDER BY price DESC NULLS LAST), id',
    'SELECT DISTINCT category, count(*) OVER (PARTITION BY category) FROM items ORDER BY 1',
    'SELECT order_id, sum(amount) OVER (PARTITION BY item_id ORDER BY order_id ROWS UNBOUNDED PRECEDING) FROM orders ORDER BY order_id',
    'SELECT * FROM (SELECT id, rank() OVER (PARTITION BY category ORDER BY price DESC) AS r FROM items) t WHERE r = 1 ORDER BY id',
    'SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING), count(*) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM items ORDER BY id',
    'SELECT o.order_id, i.name, sum(o.amount) OVER (PARTITION BY i.category) FROM orders o JOIN items i ON o.item_id = i.id ORDER BY 1',
    'SELECT id, min(added) OVER (ORDER BY id ROWS 1 PRECEDING), max(seen) OVER (PARTITION BY category), first_value(seen_tz) OVER (ORDER BY seen_tz NULLS FIRST) FROM items ORDER BY id',
    'SELECT id, row_number() OVER (), count(*) OVER () FROM items WHERE id > 100',
    'SELECT category, count(*) OVER (), sum(count(*)) OVER () FROM items WHERE active GROUP BY category ORDER BY 1',
    'SELECT id, sum(id) OVER (ORDER BY id ROWS 1.5 PRECEDING), sum(id) OVER (ORDER BY id ROWS BETWEEN \'1\' FOLLOWING AND 2.5::float8 FOLLOWING) FROM items ORDER BY id',
  ],
  'subqueries in expressions (uncorrelated)': [
    'SELECT name FROM items WHERE id IN (SELECT item_id FROM orders) ORDER BY name',
    'SELECT name FROM items WHERE id NOT IN (SELECT item_id FROM orders WHERE item_id IS NOT NULL) ORDER BY name',
    'SELECT name FROM items WHERE id NOT IN (SELECT item_id FROM orders) ORDER BY name',
    'SELECT id, id IN (SELECT item_id FROM orders) FROM items ORDER BY id',
    'SELECT name, price - (SELECT avg(price) FROM items) FROM items WHERE price > (SELECT avg(price) FROM items) ORDER BY id',
    'SELECT (SELECT max(amount) FROM orders), (SELECT name FROM items WHERE id = 99)',
    'SELECT count(*) FROM items WHERE EXISTS (SELECT 1 FROM orders WHERE amount > 10)',
    'SELECT count(*) FROM items WHERE NOT EXISTS (SELECT 1 FROM orders WHERE amount > 100)',
    "SELECT name FROM items WHERE category IN (SELECT 'fruit') ORDER BY 1",
  ],
  'correlated subqueries': [
    'SELECT name FROM items i WHERE EXISTS (SELECT 1 FROM orders o WHERE o.item_id = i.id) ORDER BY 1',
    'SELECT name FROM items i WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.item_id = i.id AND o.amount > 2) ORDER BY 1',
    'SELECT name, (SELECT sum(amount) FROM orders o WHERE o.item_id = i.id) AS total FROM items i ORDER BY 1',
    'SELECT order_id, (SELECT name FROM items WHERE id = item_id) FROM orders ORDER BY 1',
    'SELECT name FROM items i WHERE 3 IN (SELECT amount FROM orders o WHERE o.item_id = i.id) ORDER BY 1',
    'SELECT name FROM items i WHERE i.qty NOT IN (SELECT amount FROM orders o WHERE o.item_id <> i.id) ORDER BY 1',
    'SELECT name, price FROM items i WHERE price > (SELECT avg(price) FROM items j WHERE j.category = i.category) ORDER BY 1',
    'SELECT order_id FROM orders o WHERE amount = (SELECT max(amount) FROM orders p WHERE p.item_id = o.item_id) ORDER BY 1',
    'SELECT category, (SELECT count(*) FROM orders o JOIN items j ON o.item_id = j.id WHERE j.category = i.category) FROM items i GROUP BY category ORDER BY 1',
    'SELECT id, EXISTS (SELECT 1 FROM orders o WHERE o.item_id = i.id) AS ordered FROM items i ORDER BY id',
    'SELECT id FROM items i WHERE (SELECT count(*) FROM orders o WHERE o.item_id = i.id AND o.note IS NOT NULL) = 1 ORDER BY id',
  ],
  'subqueries in FROM, WITH and UNION': [
    'SELECT s.c, s.n FROM (SELECT category AS c, count(*) AS n FROM items GROUP BY category) AS s WHERE s.n > 1 ORDER BY s.c',
    'SELECT * FROM (SELECT id, name FROM items ORDER BY id DESC LIMIT 3) t(a, b) ORDER BY a',
    'SELECT max(total) FROM (SELECT item_id, sum(amount) AS total FROM orders GROUP BY item_id) AS per_item',
    'WITH fruit AS (SELECT * FROM items WHERE category = \'fruit\') SELECT name FROM fruit WHERE price > 1 ORDER BY name',
    'WITH a(x) AS (SELECT id FROM items), b AS (SELECT x * 2 AS y FROM a) SELECT sum(y) FROM b',
    'WITH items AS (SELECT 1 AS id) SELECT * FROM items',
    'SELECT i.name, t.total FROM items i JOIN (SELECT item_id, sum(amount) AS total FROM orders GROUP BY item_id) t ON t.item_id = i.id ORDER BY 1',
    'SELECT id FROM items WHERE id < 3 UNION ALL SELECT item_id FROM orders WHERE amount > 3 ORDER BY 1',
    'SELECT category FROM items UNION SELECT note FROM orders ORDER BY 1',
    'SELECT 1 AS x UNION SELECT 2 UNION SELECT 1 ORDER BY x DESC',
    'SELECT qty FROM items UNION ALL SELECT 2.5 ORDER BY 1 NULLS FIRST LIMIT 4',
    "SELECT 'a' UNION ALL SELECT 'b'",
    '(SELECT id FROM items ORDER BY id LIMIT 2) UNION ALL (SELECT order_id FROM orders ORDER BY order_id DESC LIMIT 1)',
  ],
};

/** Statements that must fail with the same SQLSTATE in both. */
const ERRORS = [
  'SELEC 1',
  'SELECT FROM WHERE',
  'SELECT * FROM nowhere',
  'SELECT nope FROM items',
  'SELECT x.id FROM items',
  'SELECT name FROM items i JOIN items j ON i.id = j.id',
  'SELECT -32768::smallint',
  'SELECT 1 / 0',
  'SELECT 1.0 / 0',
  'SELECT qty / 0 FROM items',
  "SELECT 'abc'::integer",
  "SELECT '2024-13-01'::date",
  'SELECT 2147483647 + 1',
  'SELECT 40000::smallint',
  "SELECT name + 1 FROM items",
  'SELECT id, count(*) FROM items',
  'SELECT category, id FROM items GROUP BY category',
  'SELECT id FROM items WHERE count(*) > 1',
  'SELECT id FROM items WHERE id',
  'SELECT nosuchfunction(1)',
  'SELECT sum(name) FROM items',
  'SELECT DISTINCT category FROM items ORDER BY id',
  'SELECT id FROM items ORDER BY 9',
  "INSERT INTO items (id, name) VALUES (1, 'again')",
  'INSERT INTO items (id) VALUES (99)',
  "INSERT INTO items (id, name) VALUES (98, 'x', 'y')",
  "INSERT INTO items (id, nothing) VALUES (97, 'x')",
  "INSERT INTO items (id, name, active) VALUES (96, 'x', 5)",
  'CREATE TABLE items (id integer)',
  'CREATE TABLE bad (id nosuchtype)',
  'CREATE TABLE bad (a int, a int)',
  'DROP TABLE nowhere',
  "UPDATE items SET nothing = 1",
  'SELECT id FROM items LIMIT -1',
  'SELECT * FROM (SELECT 1)',
  'SELECT (SELECT id FROM items)',
  'SELECT 1 WHERE 1 IN (SELECT 1, 2)',
  'SELECT -9223372036854775808::bigint',
  'SELECT 9223372036854775808::numeric::bigint',
  'SELECT -(-2147483647 - 1)',
  'SELECT 1 UNION SELECT 1, 2',
  'SELECT 1 UNION SELECT true',
  'SELECT id FROM items UNION SELECT 1 ORDER BY nothing',
  'WITH w AS (SELECT 1 AS a) SELECT b FROM w',
  'SELECT i.id FROM items i FULL JOIN orders o ON i.id < o.amount',
  'SELECT id FROM items WHERE row_number() OVER () > 1',
  'SELECT row_number() FROM items',
  'SELECT sum(row_number() OVER ()) FROM items',
  'SELECT sum(sum(id) OVER ()) OVER () FROM items',
  'SELECT upper(name) OVER () FROM items',
  'SELECT count(DISTINCT id) OVER () FROM items',
  'SELECT rank() OVER w FROM items',
  'SELECT sum(id) OVER (ROWS UNBOUNDED FOLLOWING) FROM items',
  'SELECT sum(id) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM items',
  'SELECT sum(id) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM items',
  'SELECT sum(id) OVER (ORDER BY id ROWS -1 PRECEDING) FROM items',
  'SELECT sum(id) OVER (ORDER BY id ROWS NULL PRECEDING) FROM items',
  'SELECT sum(id) OVER (ORDER BY id RANGE -1 PRECEDING) FROM items',
  'SELECT sum(id) OVER (ORDER BY id, name RANGE 1 PRECEDING) FROM items',
  "SELECT sum(id) OVER (ORDER BY id ROWS 'x' PRECEDING) FROM items",
  'SELECT ntile(0) OVER () FROM items',
  'SELECT nth_value(id, 0) OVER () FROM items',
  'SELECT rank(1) OVER () FROM items',
  'SELECT lag() OVER () FROM items',
  'SELECT rank() OVER (w PARTITION BY id) FROM items WINDOW w AS (ORDER BY id)',
  'SELECT rank() OVER (w ORDER BY id) FROM items WINDOW w AS (ORDER BY name)',
  'SELECT rank() OVER (w) FROM items WINDOW w AS (ORDER BY id ROWS UNBOUNDED PRECEDING)',
  'SELECT rank() OVER w FROM items WINDOW w AS (ORDER BY id), w AS (ORDER BY name)',
  'SELECT id FROM items GROUP BY id HAVING rank() OVER () > 1',
  'SELECT category, rank() OVER (ORDER BY id) FROM items GROUP BY category',
  'SELECT sum(id) OVER (GROUPS 1 PRECEDING) FROM items',
  'SELECT name, (SELECT order_id FROM orders o WHERE o.item_id = i.id) FROM items i',
  'SELECT (SELECT o.amount, o.note FROM orders o WHERE o.item_id = i.id) FROM items i',
];

/** Sequences of statements (writes) whose every result must match, run on fresh tables. */
const SCRIPTS: Record<string, string[]> = {
  'INSERT ... RETURNING, UPDATE, DELETE and TRUNCATE': [
    'CREATE TABLE scratch (k integer PRIMARY KEY, v text, n numeric)',
    "INSERT INTO scratch VALUES (1, 'one', 1.5), (2, 'two', NULL) RETURNING *",
    "INSERT INTO scratch (k, v) VALUES (3, 'three') RETURNING k * 10 AS ten, upper(v)",
    'INSERT INTO scratch (v, k) SELECT name, id + 10 FROM items WHERE id < 3',
    'SELECT * FROM scratch ORDER BY k',
    "UPDATE scratch SET v = v || '!', n = coalesce(n, 0) + 1 WHERE k < 3 RETURNING k, v, n",
    'UPDATE scratch SET n = 7',
    'SELECT * FROM scratch ORDER BY k',
    'DELETE FROM scratch WHERE k > 10 RETURNING k',
    'DELETE FROM scratch WHERE v IS NULL',
    'SELECT * FROM scratch ORDER BY k',
    'UPDATE scratch SET k = 2 WHERE k = 1',
    'SELECT count(*) FROM scratch',
    'TRUNCATE scratch',
    'SELECT count(*) FROM scratch',
    'ALTER TABLE scratch ADD COLUMN extra date',
    'ALTER TABLE scratch ADD extra text',
    'ALTER TABLE scratch ADD COLUMN IF NOT EXISTS extra text',
    "INSERT INTO scratch (k, extra) VALUES (50, '2024-05-05') RETURNING *",
    'ALTER TABLE scratch ADD COLUMN strict integer NOT NULL',
    'SELECT * FROM scratch ORDER BY k',
    'CREATE TABLE IF NOT EXISTS scratch (z integer)',
    'DROP TABLE scratch',
    'DROP TABLE IF EXISTS scratch',
  ],
};

interface Outcome {
  command?: string;
  fields?: [string, number][];
  rows?: unknown[][];
  code?: string;
}

async function outcome(client: pg.Client, text: string, values?: unknown[]): Promise<Outcome> {
  try {
    const result = await client.query({ text, values, rowMode: 'array' });
    return {
      command: `${result.command} ${result.rowCount ?? ''}`.trim(),
      fields: result.fields.map((f) => [f.name, f.dataTypeID]),
      rows: result.rows,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === undefined) throw error;
    return { code };
  }
}

const skip = skipWithoutPostgres();

describe('SQL conformance with PostgreSQL 15', { skip }, () => {
  let reference: PostgresReference;
  let listener: PgListener;
  let theirs: pg.Client;
  let ours: pg.Client;
  const textTypes = { getTypeParser: () => (value: string) => value };

  before(async () => {
    reference = await startPostgres();
    listener = new PgListener(new SqlEngine(), () => '');
    const port = await listener.listen(0, ['127.0.0.1'], 64);
    theirs = new pg.Client({ host: reference.host, port: reference.port, user: reference.user, database: 'postgres', types: textTypes });
    ours = new pg.Client({ host: '127.0.0.1', port, user: 'default', database: 'mnemo', types: textTypes });
    await theirs.connect();
    await ours.connect();
    for (const statement of SETUP) {
      await theirs.query(statement);
      await ours.query(statement);
    }
  });

  after(async () => {
    await ours?.end();
    await theirs?.end();
    await listener?.close();
    await reference?.close();
  });

  /** Runs each statement on both and lists every difference (not just the first). */
  async function differences(statements: readonly string[], expect: 'rows' | 'error' | 'either' = 'rows'): Promise<string[]> {
    const found: string[] = [];
    for (const statement of statements) {
      const expected = await outcome(theirs, statement);
      const actual = await outcome(ours, statement);
      if (expect === 'error' && expected.code === undefined) found.push(`PostgreSQL accepted: ${statement}`);
      // A query PostgreSQL rejects in QUERIES would prove nothing about rows.
      if (expect === 'rows' && expected.code !== undefined) found.push(`PostgreSQL rejected (${expected.code}): ${statement}`);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        found.push(`${statement}\n  PostgreSQL: ${JSON.stringify(expected)}\n  Mnemo:      ${JSON.stringify(actual)}`);
      }
    }
    return found;
  }

  for (const [group, queries] of Object.entries(QUERIES)) {
    test(`${group} give PostgreSQL's rows, names and types`, async () => {
      assert.deepEqual(await differences(queries), []);
    });
  }

  test('failing statements give PostgreSQL\'s SQLSTATE', async () => {
    assert.deepEqual(await differences(ERRORS, 'error'), []);
  });

  test('syntax errors point at the same position', async () => {
    for (const statement of ['SELEC 1', 'SELECT 1 +', 'SELECT (1', "SELECT 'abc'::integer", 'SELECT nope FROM items', 'SELECT 1 FROM items WHERE']) {
      const positions = await Promise.all(
        [theirs, ours].map((client) => client.query(statement).then(() => null, (error: { position?: string; message: string }) => [error.position, error.message])),
      );
      assert.deepEqual(positions[1], positions[0], statement);
    }
  });

  for (const [name, statements] of Object.entries(SCRIPTS)) {
    test(`${name} match PostgreSQL statement by statement`, async () => {
      assert.deepEqual(await differences(statements, 'either'), []);
    });
  }

  test('parameters bound as text in the extended protocol match PostgreSQL', async () => {
    const steps: [string, unknown[]][] = [
      ['INSERT INTO params VALUES ($1, $2, $3), ($4, $5, $6) RETURNING *', [1, 'a', '2024-05-05 10:00:00', 2, null, null]],
      ['SELECT k, v FROM params WHERE k = $1', [2]],
      ['SELECT k FROM params WHERE v = $1 OR t < $2 ORDER BY k', ['a', '2025-01-01']],
      ['SELECT $1::integer * 2, $2::text', ['21', 'x']],
      ['SELECT name FROM items WHERE price > $1 AND category = $2 ORDER BY id', ['1', 'fruit']],
      ['UPDATE params SET v = $1 WHERE k = $2', ['b', 2]],
      ['SELECT * FROM params ORDER BY k', []],
      ['SELECT k FROM params WHERE k = $1', ['x']],
    ];
    for (const [text, values] of steps) assert.deepEqual(await outcome(ours, text, values), await outcome(theirs, text, values), text);
  });

  test('BEGIN, COMMIT and ROLLBACK are accepted and an error aborts the block as in PostgreSQL', async () => {
    const steps = ['BEGIN', 'SELECT 1', 'SELECT 1 / 0', 'SELECT 2', 'ROLLBACK', 'SELECT 3'];
    for (const step of steps) assert.deepEqual(await outcome(ours, step), await outcome(theirs, step), step);
  });
});
