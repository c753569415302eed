import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16, keyHashSlot } from '../../src/store/slots.ts';
import { Keyspace } from '../../src/store/keyspace.ts';

const bytes = (text: string) => Buffer.from(text);

test('crc16 is the XMODEM variant Redis Cluster uses', () => {
  assert.equal(crc16(bytes('123456789')), 0x31c3);
});

test('key slots match the values Redis documents', () => {
  assert.equal(keyHashSlot(bytes('somekey')), 11058);
  assert.equal(keyHashSlot(bytes('foo{hash_tag}')), 2515);
  assert.equal(keyHashSlot(bytes('bar{hash_tag}')), 2515);
});

test('only a non-empty first {tag} decides the slot', () => {
  assert.equal(keyHashSlot(bytes('{user1000}.following')), keyHashSlot(bytes('user1000')));
  assert.equal(keyHashSlot(bytes('foo{}{bar}')), keyHashSlot(bytes('foo{}{bar}'), 0, 10));
  assert.notEqual(keyHashSlot(bytes('foo{}{bar}')), keyHashSlot(bytes('bar')));
  assert.equal(keyHashSlot(bytes('foo{{bar}}zap')), keyHashSlot(bytes('{bar')));
  assert.equal(keyHashSlot(bytes('foo{bar')), keyHashSlot(bytes('foo{bar')), 'an unclosed brace hashes the whole key');
});

test('the slot index counts and lists keys per slot through inserts, deletes and flushes', () => {
  const keyspace = new Keyspace(1);
  const db = keyspace.dbs[0]!;
  db.setString(bytes('before'), bytes('v'));
  db.enableSlotIndex();
  const tagged = ['{t}a', '{t}b', '{t}c'];
  for (const key of tagged) db.setString(bytes(key), bytes('v'));
  const slot = keyHashSlot(bytes('t'));
  assert.equal(db.countKeysInSlot(slot), 3);
  assert.deepEqual(db.keysInSlot(slot, 10).map(String).sort(), tagged);
  assert.equal(db.keysInSlot(slot, 2).length, 2);
  assert.equal(db.countKeysInSlot(keyHashSlot(bytes('before'))), 1, 'keys present before enabling are indexed');
  db.delete(bytes('{t}b'));
  assert.deepEqual(db.keysInSlot(slot, 10).map(String).sort(), ['{t}a', '{t}c']);
  db.setString(bytes('{t}a'), bytes('overwritten'));
  assert.equal(db.countKeysInSlot(slot), 2, 'an overwrite does not count twice');
  db.clear();
  assert.equal(db.countKeysInSlot(slot), 0);
  db.setString(bytes('{t}z'), bytes('v'));
  assert.deepEqual(db.keysInSlot(slot, 10).map(String), ['{t}z']);
});
