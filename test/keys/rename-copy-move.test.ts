import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { Encoding, LargeString, ValueType } from '../../src/store/types.ts';
import { errorText, FakeList } from './helpers.ts';

const key = (s: string) => Buffer.from(s);

test('RENAME moves the value and its TTL to the new name', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v', 'PX', 5000);
  assert.equal(h.run('RENAME', 'a', 'b'), 'OK');
  assert.equal(h.run('GET', 'a'), null);
  assert.equal(h.run('GET', 'b'), 'v');
  assert.equal(h.run('PTTL', 'b'), 5000);
  h.clock.advance(5001);
  assert.equal(h.run('GET', 'b'), null);
});

test('RENAME overwrites the destination, dropping its TTL and type', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v');
  h.server.keyspace.dbs[0]!.setObject(key('b'), ValueType.List, Encoding.Quicklist, new FakeList(['x']));
  h.run('EXPIRE', 'b', 100);
  assert.equal(h.run('RENAME', 'a', 'b'), 'OK');
  assert.equal(h.run('TYPE', 'b'), 'string');
  assert.equal(h.run('TTL', 'b'), -1);
});

test('RENAME of a missing key fails, even onto itself', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('RENAME', 'nope', 'b')), 'ERR no such key');
  assert.equal(errorText(h.run('RENAME', 'nope', 'nope')), 'ERR no such key');
  assert.equal(errorText(h.run('RENAMENX', 'nope', 'b')), 'ERR no such key');
});

test('RENAME onto the same name is a no-op that keeps the TTL', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v', 'EX', 10);
  assert.equal(h.run('RENAME', 'a', 'a'), 'OK');
  assert.equal(h.run('RENAMENX', 'a', 'a'), 0);
  assert.equal(h.run('TTL', 'a'), 10);
});

test('RENAMENX does not overwrite an existing key', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('SET', 'b', '2');
  assert.equal(h.run('RENAMENX', 'a', 'b'), 0);
  assert.equal(h.run('GET', 'b'), '2');
  h.run('SET', 'c', '3', 'PX', 10);
  h.clock.advance(11);
  assert.equal(h.run('RENAMENX', 'a', 'c'), 1);
  assert.equal(h.run('GET', 'c'), '1');
});

test('RENAME keeps the type, encoding, object and Memcached flags of a collection', () => {
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  const list = new FakeList(['x', 'y']);
  db.setFlags(db.setObject(key('a'), ValueType.List, Encoding.Quicklist, list), 0xdeadbeef);
  h.run('RENAME', 'a', 'b');
  const id = db.find(key('b'));
  assert.equal(db.typeOf(id), ValueType.List);
  assert.equal(db.objectOf(id), list);
  assert.equal(db.flagsOf(id), 0xdeadbeef);
  assert.equal(h.run('OBJECT', 'ENCODING', 'b'), 'quicklist');
});

test('RENAME keeps the string encodings int, embstr and raw', () => {
  const h = new Harness();
  h.run('SET', 'i', '12345');
  h.run('SET', 'e', 'short');
  h.run('SET', 'r', 'x'.repeat(100));
  for (const name of ['i', 'e', 'r']) h.run('RENAME', name, `${name}2`);
  assert.equal(h.run('OBJECT', 'ENCODING', 'i2'), 'int');
  assert.equal(h.run('OBJECT', 'ENCODING', 'e2'), 'embstr');
  assert.equal(h.run('OBJECT', 'ENCODING', 'r2'), 'raw');
});

test('RENAME keeps a large string byte for byte', () => {
  const h = new Harness();
  const big = Buffer.alloc(100_000);
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
  h.run('SET', 'a', big);
  h.run('RENAME', 'a', 'b');
  assert.deepEqual(Buffer.from(h.runBinary('GET', 'b') as string, 'latin1'), big);
});

test('RENAME and MOVE count as an access to the value, as in Redis', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v');
  h.run('SET', 'c', 'v');
  h.clock.advance(7000);
  h.run('RENAME', 'a', 'b');
  h.run('MOVE', 'c', 1);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'b'), 0);
  h.run('SELECT', 1);
  assert.equal(h.run('OBJECT', 'IDLETIME', 'c'), 0);
});

test('COPY duplicates a value and its TTL, leaving the source', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v', 'PX', 3000);
  assert.equal(h.run('COPY', 'a', 'b'), 1);
  assert.equal(h.run('GET', 'a'), 'v');
  assert.equal(h.run('GET', 'b'), 'v');
  assert.equal(h.run('PTTL', 'b'), 3000);
});

test('COPY clones collections so the copies never share state', () => {
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  const list = new FakeList(['x']);
  db.setFlags(db.setObject(key('a'), ValueType.List, Encoding.Listpack, list), 7);
  h.run('COPY', 'a', 'b');
  const copy = db.objectOf(db.find(key('b'))) as FakeList;
  assert.notEqual(copy, list);
  copy.items.push('y');
  assert.deepEqual(list.items, ['x']);
  assert.equal(db.flagsOf(db.find(key('b'))), 7);
  assert.equal(h.run('OBJECT', 'ENCODING', 'b'), 'listpack');
});

test('COPY clones large strings too', () => {
  const h = new Harness();
  const db = h.server.keyspace.dbs[0]!;
  h.run('SET', 'a', Buffer.alloc(50_000, 1));
  h.run('COPY', 'a', 'b');
  const original = db.objectOf(db.find(key('a'))) as LargeString;
  const copy = db.objectOf(db.find(key('b'))) as LargeString;
  assert.notEqual(copy, original);
  copy.data[0] = 9;
  assert.equal(original.data[0], 1);
});

test('COPY refuses to overwrite unless REPLACE', () => {
  const h = new Harness();
  h.run('SET', 'a', 'new');
  h.run('SET', 'b', 'old', 'EX', 100);
  assert.equal(h.run('COPY', 'a', 'b'), 0);
  assert.equal(h.run('GET', 'b'), 'old');
  assert.equal(h.run('COPY', 'a', 'b', 'REPLACE'), 1);
  assert.equal(h.run('GET', 'b'), 'new');
  assert.equal(h.run('TTL', 'b'), -1);
});

test('COPY to another database leaves the source database unchanged', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v', 'EX', 100);
  assert.equal(h.run('COPY', 'a', 'a', 'DB', 5), 1);
  assert.equal(h.run('DBSIZE'), 1);
  h.run('SELECT', 5);
  assert.equal(h.run('GET', 'a'), 'v');
  assert.equal(h.run('TTL', 'a'), 100);
});

test('COPY of a missing key replies 0 and creates nothing', () => {
  const h = new Harness();
  assert.equal(h.run('COPY', 'nope', 'b'), 0);
  assert.equal(h.run('EXISTS', 'b'), 0);
});

test('COPY checks its options, then the target database, then the names', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v');
  assert.equal(errorText(h.run('COPY', 'a', 'a')), 'ERR source and destination objects are the same');
  assert.equal(errorText(h.run('COPY', 'a', 'a', 'DB', 0)), 'ERR source and destination objects are the same');
  assert.equal(errorText(h.run('COPY', 'a', 'b', 'DB', 'x')), 'ERR value is not an integer or out of range');
  assert.equal(errorText(h.run('COPY', 'nope', 'b', 'DB', 16)), 'ERR DB index is out of range');
  assert.equal(errorText(h.run('COPY', 'a', 'b', 'DB')), 'ERR syntax error');
  assert.equal(errorText(h.run('COPY', 'a', 'b', 'FOO')), 'ERR syntax error');
});

test('MOVE transfers a key with its TTL to another database', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v', 'EX', 60);
  assert.equal(h.run('MOVE', 'a', 2), 1);
  assert.equal(h.run('EXISTS', 'a'), 0);
  h.run('SELECT', 2);
  assert.equal(h.run('GET', 'a'), 'v');
  assert.equal(h.run('TTL', 'a'), 60);
});

test('MOVE does not overwrite a key in the target database', () => {
  const h = new Harness();
  h.run('SET', 'a', 'here');
  h.run('SELECT', 1);
  h.run('SET', 'a', 'there');
  h.run('SELECT', 0);
  assert.equal(h.run('MOVE', 'a', 1), 0);
  assert.equal(h.run('GET', 'a'), 'here');
  assert.equal(h.run('MOVE', 'nope', 1), 0);
});

test('MOVE rejects the current database and bad indexes', () => {
  const h = new Harness();
  h.run('SET', 'a', 'v');
  assert.equal(errorText(h.run('MOVE', 'a', 0)), 'ERR source and destination objects are the same');
  assert.equal(errorText(h.run('MOVE', 'a', 16)), 'ERR DB index is out of range');
  assert.equal(errorText(h.run('MOVE', 'a', -1)), 'ERR DB index is out of range');
  assert.equal(errorText(h.run('MOVE', 'a', 'x')), 'ERR value is not an integer or out of range');
  assert.equal(errorText(h.run('MOVE', 'a', '4294967296')), 'ERR value is out of range, value must between -2147483648 and 2147483647');
});

test('MOVE and SWAPDB are refused in cluster mode', () => {
  const h = new Harness({ 'cluster-enabled': 'yes' });
  h.run('SET', 'a', 'v');
  assert.equal(errorText(h.run('MOVE', 'a', 1)), 'ERR MOVE is not allowed in cluster mode');
  assert.equal(errorText(h.run('SWAPDB', 0, 1)), 'ERR SWAPDB is not allowed in cluster mode');
  assert.equal(errorText(h.run('COPY', 'a', 'b', 'DB', 1)), 'ERR Copying to another database is not allowed in cluster mode');
  assert.equal(h.run('COPY', 'a', 'b'), 1);
});

test('RENAME, MOVE and COPY invalidate WATCH on the keys they change', () => {
  const h = new Harness();
  const other = h.newClient();
  const cases: [string, string, (string | number)[]][] = [
    ['b', 'overwritten by RENAME', ['RENAME', 'a', 'b']],
    ['a', 'renamed away', ['RENAME', 'a', 'c']],
    ['a', 'moved away', ['MOVE', 'a', 1]],
    ['new', 'created by COPY', ['COPY', 'a', 'new']],
  ];
  for (const [watched, why, command] of cases) {
    h.run('FLUSHALL');
    h.run('SET', 'a', '1');
    h.run('SET', 'b', '2');
    h.run('WATCH', watched);
    h.runAs(other, ...command);
    h.run('MULTI');
    h.run('PING');
    assert.equal(h.run('EXEC'), null, `${watched} ${why}`);
  }
  h.run('WATCH', 'b');
  h.runAs(other, 'MOVE', 'new', 1);
  h.run('MULTI');
  h.run('PING');
  assert.deepEqual(h.run('EXEC'), ['PONG']);
});
