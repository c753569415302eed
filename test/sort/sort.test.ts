import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';

function assertError(reply: Reply, text: string): void {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  assert.equal(reply.text, text);
}

const NOT_DOUBLE = "ERR One or more scores can't be converted into double";

test('SORT orders numbers numerically, ALPHA by bytes, and DESC reverses both', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', '10', '9', '-1.5', '100', '2e1');
  assert.deepEqual(h.run('SORT', 'l'), ['-1.5', '9', '10', '2e1', '100']);
  assert.deepEqual(h.run('SORT', 'l', 'DESC'), ['100', '2e1', '10', '9', '-1.5']);
  assert.deepEqual(h.run('SORT', 'l', 'ALPHA'), ['-1.5', '10', '100', '2e1', '9']);
  assert.deepEqual(h.run('SORT_RO', 'l', 'ALPHA', 'DESC'), ['9', '2e1', '100', '10', '-1.5']);
});

test('SORT breaks numeric ties by the elements bytes', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', '1.0', '1', '01', '+1');
  assert.deepEqual(h.run('SORT', 'l'), ['+1', '01', '1', '1.0']);
  assert.deepEqual(h.run('SORT', 'l', 'DESC'), ['1.0', '1', '01', '+1']);
});

test('SORT reads numbers as strtod does: leading spaces, hex, inf, and an empty string as 0', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', ' 4', '0x10', '-0x1.8p1', 'inf', '-INF', '', '\t7', '0x1P-1074');
  assert.deepEqual(h.run('SORT', 'l'), ['-INF', '-0x1.8p1', '', '0x1P-1074', ' 4', '\t7', '0x10', 'inf']);
});

test('SORT fails numerically on trailing junk, NaN and out-of-range numbers', () => {
  for (const bad of ['1 ', 'abc', 'nan', '1e400', '1e-310', ' ', '0x', '1e']) {
    const h = new Harness();
    h.run('RPUSH', 'l', '1', bad);
    assertError(h.run('SORT', 'l'), NOT_DOUBLE);
    assert.equal((h.run('SORT', 'l', 'ALPHA') as Reply[]).length, 2);
  }
});

test('SORT reads a number only up to a NUL byte, as a C string', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', Buffer.from('9\0junk'), '10', Buffer.from('\0x'));
  assert.deepEqual(h.runBinary('SORT', 'l'), ['\0x', '9\0junk', '10']);
});

test('SORT ALPHA compares C strings, but whole bytes when storing', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'b', Buffer.from('a\0c'), Buffer.from('a\0b'), 'a', Buffer.from([0xff]), Buffer.from([0x80]), 'B');
  assert.deepEqual(h.runBinary('SORT', 'l', 'ALPHA'), ['B', 'a\0c', 'a\0b', 'a', 'b', '\x80', '\xff']);
  assert.equal(h.run('SORT', 'l', 'ALPHA', 'STORE', 'dst'), 7);
  assert.deepEqual(h.runBinary('LRANGE', 'dst', 0, -1), ['B', 'a', 'a\0b', 'a\0c', 'b', '\x80', '\xff']);
});

test('SORT of a missing key is an empty array, and of a string or hash WRONGTYPE', () => {
  const h = new Harness();
  assert.deepEqual(h.run('SORT', 'nokey'), []);
  assert.deepEqual(h.run('SORT_RO', 'nokey', 'BY', 'nosort', 'LIMIT', 0, 1), []);
  h.run('SET', 'str', 'x');
  h.run('HSET', 'h', 'f', 'v');
  assertError(h.run('SORT', 'str'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  assertError(h.run('SORT_RO', 'h'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
});

test('SORT checks its options before the key', () => {
  const h = new Harness();
  h.run('SET', 'str', 'x');
  assertError(h.run('SORT', 'str', 'foo'), 'ERR syntax error');
  assertError(h.run('SORT', 'str', 'LIMIT', 0, 'x'), 'ERR value is not an integer or out of range');
  assertError(h.run('SORT', 'str', 'LIMIT', 0), 'ERR syntax error');
  assertError(h.run('SORT', 'str', 'BY'), 'ERR syntax error');
  assertError(h.run('SORT', 'str', 'GET'), 'ERR syntax error');
  assertError(h.run('SORT', 'str', 'STORE'), 'ERR syntax error');
  assertError(h.run('SORT_RO', 'str', 'STORE', 'dst'), 'ERR syntax error');
  assertError(h.run('SORT'), "ERR wrong number of arguments for 'sort' command");
});

test('SORT sorts sets, whatever their encoding', () => {
  const h = new Harness();
  h.run('SADD', 'ints', 5, 3, 9, 1, -2);
  assert.deepEqual(h.run('SORT', 'ints'), ['-2', '1', '3', '5', '9']);
  const members = Array.from({ length: 600 }, (_, i) => String((i * 7919) % 1000));
  h.run('SADD', 'big', ...members, 'x');
  h.run('SREM', 'big', 'x');
  assert.equal(h.run('OBJECT', 'ENCODING', 'big'), 'hashtable');
  const expected = [...new Set(members)].sort((a, b) => Number(a) - Number(b));
  assert.deepEqual(h.run('SORT', 'big'), expected);
  assert.deepEqual(h.run('SORT', 'big', 'DESC', 'LIMIT', 0, 3), expected.slice(-3).reverse());
});

test('SORT BY nosort keeps an intset ascending and ignores DESC; with STORE it sorts ALPHA', () => {
  const h = new Harness();
  h.run('SADD', 's', 5, 3, 9, 1);
  assert.deepEqual(h.run('SORT', 's', 'BY', 'nosort', 'DESC'), ['1', '3', '5', '9']);
  h.run('SADD', 't', 'c', 'a', 'b', 10, 2);
  assert.equal(h.run('SORT', 't', 'BY', 'nosort', 'DESC', 'STORE', 'd'), 5);
  assert.deepEqual(h.run('LRANGE', 'd', 0, -1), ['c', 'b', 'a', '2', '10']);
});

test('SORT BY nosort keeps list order, reversed by DESC, with LIMIT over that order', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 3, 1, 2, 10, -5);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort'), ['3', '1', '2', '10', '-5']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'DESC'), ['-5', '10', '2', '1', '3']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 1, 2), ['1', '2']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 1, 2, 'DESC'), ['10', '2']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'constant', 'LIMIT', 4, 9), ['-5']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 9, 2), []);
});

test('SORT BY nosort walks a list of many nodes from either end', () => {
  const h = new Harness({ 'list-max-listpack-size': '4' });
  const values = Array.from({ length: 50 }, (_, i) => `v${i}`);
  h.run('RPUSH', 'l', ...values);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 7, 11), values.slice(7, 18));
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'LIMIT', 7, 11, 'DESC'), values.slice().reverse().slice(7, 18));
});

test('SORT BY nosort on a sorted set keeps score order and takes LIMIT as a rank range', () => {
  for (const skiplist of [false, true]) {
    const h = new Harness(skiplist ? { 'zset-max-listpack-entries': '0' } : {});
    h.run('ZADD', 'z', 3, 'a', 1, 'b', 2, 'c', 5, 'd', 4, 'e');
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort'), ['b', 'c', 'a', 'e', 'd']);
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort', 'DESC'), ['d', 'e', 'a', 'c', 'b']);
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 1, 2), ['c', 'a']);
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 1, 2, 'DESC'), ['e', 'a']);
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 3, 100, 'DESC'), ['c', 'b']);
    assert.deepEqual(h.run('SORT', 'z', 'BY', 'nosort', 'LIMIT', 5, 1), []);
    assert.deepEqual(h.run('SORT', 'z', 'ALPHA'), ['a', 'b', 'c', 'd', 'e']);
  }
});

test('SORT turns a listpack sorted set into a skiplist, even SORT_RO', () => {
  const h = new Harness();
  h.run('ZADD', 'z', 1, 'a', 2, 'b');
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'listpack');
  h.run('SORT_RO', 'z', 'ALPHA');
  assert.equal(h.run('OBJECT', 'ENCODING', 'z'), 'skiplist');
  assert.deepEqual(h.run('ZRANGE', 'z', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '2']);
});

test('SORT LIMIT: a negative offset is 0, a negative count runs to the end, past the end is empty', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 5, 4, 3, 2, 1);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', -3, 2), ['1', '2']);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', 2, -1), ['3', '4', '5']);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', 0, 0), []);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', 5, 1), []);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', 3, 100), ['4', '5']);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', 2, '9223372036854775807'), ['3', '4', '5']);
  assert.deepEqual(h.run('SORT', 'l', 'LIMIT', '-9223372036854775808', 1), ['1']);
  assertError(h.run('SORT', 'l', 'LIMIT', 0, '9223372036854775808'), 'ERR value is not an integer or out of range');
});

test('SORT BY a string pattern sorts by those keys; missing ones count as 0, or first with ALPHA', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 3, 1, 2, 4);
  h.run('MSET', 'w_1', 30, 'w_2', 10, 'w_3', 20);
  h.run('RPUSH', 'w_4', 'a list is no string');
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'w_*'), ['4', '2', '3', '1']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'w_*', 'DESC'), ['1', '3', '2', '4']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'w_*', 'ALPHA'), ['4', '2', '3', '1']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'w_*', 'LIMIT', 1, 2), ['2', '3']);
  h.run('SET', 'w_4', 'abc');
  assertError(h.run('SORT', 'l', 'BY', 'w_*'), NOT_DOUBLE);
});

test('SORT BY a missing pattern in ALPHA mode keeps the input order, ascending or descending', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'e', 'b', 'd', 'a');
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'none_*', 'ALPHA'), ['e', 'b', 'd', 'a']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'none_*', 'ALPHA', 'DESC'), ['e', 'b', 'd', 'a']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'none_*'), ['a', 'b', 'd', 'e']);
});

test('SORT BY a hash field, in listpack and hashtable hashes', () => {
  for (const entries of ['128', '0']) {
    const h = new Harness({ 'hash-max-listpack-entries': entries });
    h.run('RPUSH', 'l', 3, 1, 2);
    h.run('HSET', 'h_1', 'f', 'b', 'n', '1');
    h.run('HSET', 'h_2', 'f', 'a');
    h.run('HSET', 'h_3', 'f', 'c', 'n', '-7');
    assert.deepEqual(h.run('SORT', 'l', 'BY', 'h_*->f', 'ALPHA'), ['2', '1', '3']);
    assert.deepEqual(h.run('SORT', 'l', 'BY', 'h_*->n'), ['3', '2', '1']);
    assert.deepEqual(h.run('SORT', 'l', 'BY', 'h_*->n', 'ALPHA', 'DESC'), ['1', '3', '2']);
  }
});

test('SORT GET fetches keys and hash fields per element; # is the element; misses are null', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 2, 1);
  h.run('SET', 'o_1', 'one');
  h.run('HSET', 'h_2', 'f', 'two');
  h.run('RPUSH', 'x_1', 'list');
  assert.deepEqual(h.run('SORT', 'l', 'GET', '#', 'GET', 'o_*', 'GET', 'h_*->f', 'GET', 'x_*', 'GET', 'o_*->f'), [
    '1', 'one', null, null, null,
    '2', null, 'two', null, null,
  ]);
  assert.equal(h.raw(['SORT', 'l', 'LIMIT', 0, 1, 'GET', 'o_*', 'GET', 'h_*->f']).toString(), '*2\r\n$3\r\none\r\n$-1\r\n');
  h.run('HELLO', '3');
  assert.equal(h.raw(['SORT', 'l', 'LIMIT', 0, 1, 'GET', 'o_*', 'GET', 'h_*->f']).toString(), '*2\r\n$3\r\none\r\n_\r\n');
});

test('SORT patterns: "->" counts only after the * and with a field; no * names no key', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 1);
  h.run('SET', 'h_1->', 'arrow');
  h.run('HSET', 'h_1', 'f->g', 'deep');
  h.run('SET', 'a->b1', 'prefix arrow');
  h.run('SET', 'plain', 'fixed');
  assert.deepEqual(h.run('SORT', 'l', 'GET', 'h_*->'), ['arrow']);
  assert.deepEqual(h.run('SORT', 'l', 'GET', 'h_*->f->g'), ['deep']);
  assert.deepEqual(h.run('SORT', 'l', 'GET', 'a->b*'), ['prefix arrow']);
  assert.deepEqual(h.run('SORT', 'l', 'GET', 'plain'), [null]);
  assert.deepEqual(h.run('SORT', 'l', 'GET', '#x'), [null]);
  assert.deepEqual(h.run('SORT', 'l', 'GET', Buffer.from('h_*\0->f')), [null]);
});

test('SORT STORE writes a list, replacing any type and TTL, and replies with its length', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 3, 1, 2);
  h.run('SET', 'o_1', 'one');
  h.run('SET', 'dst', 'old', 'EX', 1000);
  assert.equal(h.run('SORT', 'l', 'STORE', 'dst'), 3);
  assert.equal(h.run('TYPE', 'dst'), 'list');
  assert.equal(h.run('TTL', 'dst'), -1);
  assert.deepEqual(h.run('LRANGE', 'dst', 0, -1), ['1', '2', '3']);
  assert.equal(h.run('SORT', 'l', 'DESC', 'GET', 'o_*', 'GET', '#', 'STORE', 'dst'), 6);
  assert.deepEqual(h.run('LRANGE', 'dst', 0, -1), ['', '3', '', '2', 'one', '1']);
  assert.equal(h.run('SORT', 'l', 'STORE', 'l'), 3);
  assert.deepEqual(h.run('LRANGE', 'l', 0, -1), ['1', '2', '3']);
});

test('SORT STORE of an empty result deletes the destination', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 1);
  h.run('SET', 'dst', 'x');
  assert.equal(h.run('SORT', 'l', 'LIMIT', 5, 1, 'STORE', 'dst'), 0);
  assert.equal(h.run('EXISTS', 'dst'), 0);
  h.run('SET', 'dst', 'x');
  assert.equal(h.run('SORT', 'nokey', 'STORE', 'dst'), 0);
  assert.equal(h.run('EXISTS', 'dst'), 0);
});

test('SORT with several STOREs writes only the last destination', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 2, 1);
  assert.equal(h.run('SORT', 'l', 'STORE', 'a', 'STORE', 'b'), 2);
  assert.equal(h.run('EXISTS', 'a'), 0);
  assert.deepEqual(h.run('LRANGE', 'b', 0, -1), ['1', '2']);
});

test('SORT numeric errors leave the STORE destination untouched', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 'x', 1);
  h.run('SET', 'dst', 'kept');
  assertError(h.run('SORT', 'l', 'STORE', 'dst'), NOT_DOUBLE);
  assert.equal(h.run('GET', 'dst'), 'kept');
});

test('SORT in cluster mode refuses BY patterns and GET, but not BY without a *', () => {
  const h = new Harness({ 'cluster-enabled': 'yes' });
  h.run('RPUSH', 'l', 2, 1);
  assertError(h.run('SORT', 'l', 'BY', 'w_*'), 'ERR BY option of SORT denied in Cluster mode.');
  assertError(h.run('SORT_RO', 'l', 'GET', '#'), 'ERR GET option of SORT denied in Cluster mode.');
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort'), ['2', '1']);
});

test('COMMAND GETKEYS finds the sorted key and the last STORE destination', () => {
  const h = new Harness();
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'SORT', 'k'), ['k']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'd', 'LIMIT', 0, 1, 'STORE', 'e'), ['k', 'e']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'SORT', 'k', 'BY', 'store', 'GET', 'store', 'STORE', 'd'), ['k', 'd']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'BY', 'x', 'GET', 'y'), ['k']);
});

test('SORT pattern lookups count as keyspace hits and misses', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 1, 2);
  h.run('SET', 'o_1', 'one');
  h.run('CONFIG', 'RESETSTAT');
  h.run('SORT', 'l', 'GET', 'o_*');
  const info = String(h.run('INFO', 'stats'));
  assert.match(info, /keyspace_hits:2\r\n/);
  assert.match(info, /keyspace_misses:1\r\n/);
});

test('SORT keeps long and binary elements intact, in order', () => {
  const h = new Harness();
  const values = Array.from({ length: 300 }, (_, i) => Buffer.concat([Buffer.from(String(1000 - i)), Buffer.alloc(i * 7, i % 256)]));
  h.run('RPUSH', 'l', ...values);
  const sorted = values.slice().sort(Buffer.compare);
  assert.equal(h.run('SORT', 'l', 'ALPHA', 'STORE', 'dst'), 300);
  assert.deepEqual(h.runBinary('LRANGE', 'dst', 0, -1), sorted.map((v) => v.toString('latin1')));
  assert.deepEqual(h.runBinary('SORT', 'l', 'BY', 'nosort', 'LIMIT', 290, 5), values.slice(290, 295).map((v) => v.toString('latin1')));
});

test('SORT with any BY lacking a * does not sort, whatever the other BYs', () => {
  const h = new Harness();
  h.run('RPUSH', 'l', 3, 1, 2);
  h.run('MSET', 'w_1', 30, 'w_2', 10, 'w_3', 20);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'), ['3', '1', '2']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'w_*', 'BY', 'nosort'), ['3', '1', '2']);
  assert.deepEqual(h.run('SORT', 'l', 'BY', 'missing_*', 'BY', 'w_*'), ['2', '3', '1']);
});
