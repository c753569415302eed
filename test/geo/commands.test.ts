// Geo commands in-process: GEOADD's options and what it stores, replies of GEOPOS / GEODIST /
// GEOHASH, searches with their options, the STORE forms and the errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { assertError, encodingOf } from '../strings/helpers.ts';

function sicily(): Harness {
  const h = new Harness();
  h.run('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
  return h;
}

test('GEOADD stores each member with its 52-bit geohash as score, honouring NX, XX and CH', () => {
  const h = sicily();
  assert.equal(h.run('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
  assert.equal(h.run('GEOADD', 'Sicily', 'NX', '1', '1', 'Palermo', '2', '2', 'Agrigento'), 1);
  assert.equal(h.run('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
  assert.equal(h.run('GEOADD', 'Sicily', 'XX', '13.5', '38', 'Palermo', '3', '3', 'Trapani'), 0);
  assert.equal(h.run('ZSCORE', 'Sicily', 'Trapani'), null);
  assert.equal(h.run('GEOADD', 'Sicily', 'XX', 'CH', '13.6', '38', 'Palermo'), 1);
  assertError(h.run('GEOADD', 'Sicily', 'NX', 'XX', '1', '1', 'x'), 'ERR syntax error');
  assertError(h.run('GEOADD', 'Sicily', '1', '1', 'x', '2'), 'ERR syntax error');
  assertError(h.run('GEOADD', 'Sicily', '181', '1', 'x'), 'ERR invalid longitude,latitude pair 181.000000,1.000000');
  assertError(h.run('GEOADD', 'Sicily', '1', 'north', 'x'), 'ERR value is not a valid float');
  assert.equal(encodingOf(h, 'Sicily'), 'listpack');
});

test('GEOPOS, GEODIST and GEOHASH answer with Redis\'s formats and nulls for missing members', () => {
  const h = sicily();
  assert.deepEqual(h.run('GEOPOS', 'Sicily', 'Palermo', 'nope'), [['13.36138933897018433', '38.11555639549629859'], null]);
  assert.equal(h.run('GEODIST', 'Sicily', 'Palermo', 'Catania'), '166274.1516');
  assert.equal(h.run('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'), '166.2742');
  assert.equal(h.run('GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'), '103.3182');
  assert.equal(h.run('GEODIST', 'Sicily', 'Palermo', 'nope'), null);
  assert.equal(h.run('GEODIST', 'none', 'a', 'b'), null);
  assertError(h.run('GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'), 'ERR unsupported unit provided. please use M, KM, FT, MI');
  assert.deepEqual(h.run('GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'), ['sqc8b49rny0', 'sqdtr74hyu0', null]);
  h.run('HELLO', '3');
  assert.deepEqual(h.run('GEOPOS', 'Sicily', 'Catania'), [[15.087267458438873, 37.50266842333162]]);
});

test('searches filter by radius or box, sort, count and attach distance, hash and position', () => {
  const h = sicily();
  assert.deepEqual(h.run('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'), ['Catania', 'Palermo']);
  assert.deepEqual(h.run('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km'), ['Catania']);
  assert.deepEqual(h.run('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'DESC', 'COUNT', '1'), ['Palermo']);
  assert.deepEqual(h.run('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST', 'WITHHASH', 'ASC'), [
    ['Palermo', '0.0000', 3479099956230698],
    ['Catania', '166.2742', 3479447370796909],
  ]);
  assert.deepEqual(h.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHCOORD', 'COUNT', '1'), [
    ['Catania', ['15.08726745843887329', '37.50266842333162032']],
  ]);
  assert.deepEqual(h.run('GEOSEARCH', 'none', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'), []);
});

test('the STORE forms keep scores or distances, and an empty result deletes the destination', () => {
  const h = sicily();
  assert.equal(h.run('GEOSEARCHSTORE', 'near', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'), 2);
  assert.equal(h.run('ZSCORE', 'near', 'Palermo'), '3479099956230698');
  assert.equal(h.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'near'), 2);
  assert.match(h.run('ZSCORE', 'near', 'Catania') as string, /^56\.44/);
  assert.equal(h.run('GEOSEARCHSTORE', 'near', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'), 0);
  assert.equal(h.run('EXISTS', 'near'), 0);
  assertError(
    h.run('GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x'),
    'ERR syntax error',
  );
  assertError(
    h.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x', 'WITHDIST'),
    'ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
  );
});

test('search arguments are checked as Redis checks them', () => {
  const h = sicily();
  const cases: [string[], string][] = [
    [['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km', 'ASC', 'ASC'], 'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH'],
    [['geosearch', 'Sicily', 'FROMLONLAT', '1', '1', 'ASC', 'ASC'], 'ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch'],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '-1', 'km'], 'ERR radius cannot be negative'],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', 'far', 'km'], 'ERR need numeric radius'],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '-1', 'km'], 'ERR height or width cannot be negative'],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'ANY'], 'ERR the ANY argument requires COUNT argument'],
    [['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT', '0'], 'ERR COUNT must be > 0'],
    [['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Enna', 'BYRADIUS', '1', 'km'], 'ERR could not decode requested zset member'],
    [['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'WITHHASH'], 'ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options'],
  ];
  for (const [args, error] of cases) assertError(h.run(...args), error);
  h.run('SET', 's', 'x');
  assertError(h.run('GEOSEARCH', 's', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
});

test('COMMAND GETKEYS finds GEORADIUS\'s source and its STORE destination', () => {
  const h = sicily();
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'GEORADIUS', 'src', '1', '1', '1', 'km', 'STORE', 'dst'), ['src', 'dst']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'src', 'm', '1', 'km'), ['src']);
});
