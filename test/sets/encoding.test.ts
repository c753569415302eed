import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

const encoding = (h: Harness, key: string) => h.run('OBJECT', 'ENCODING', key);

test('a set of integers is an intset, listed in ascending order', () => {
  const h = new Harness();
  h.run('SADD', 's', '10', '-3', '7', '9223372036854775807', '-9223372036854775808');
  assert.equal(encoding(h, 's'), 'intset');
  assert.deepEqual(h.run('SMEMBERS', 's'), ['-9223372036854775808', '-3', '7', '10', '9223372036854775807']);
});

test('a member that is not a strict integer turns an intset into a hashtable for good', () => {
  for (const member of ['x', '01', '+1', ' 1', '9223372036854775808', '-0', '']) {
    const h = new Harness();
    h.run('SADD', 's', '1');
    h.run('SADD', 's', member);
    assert.equal(encoding(h, 's'), 'hashtable', JSON.stringify(member));
    h.run('SREM', 's', member);
    assert.equal(encoding(h, 's'), 'hashtable');
    assert.deepEqual(h.run('SMEMBERS', 's'), ['1']);
  }
});

test('a set created with a non-integer first member starts as a hashtable', () => {
  const h = new Harness();
  h.run('SADD', 's', 'a', '1');
  assert.equal(encoding(h, 's'), 'hashtable');
});

test('an intset converts once it holds more than set-max-intset-entries', () => {
  const h = new Harness({ 'set-max-intset-entries': '4' });
  h.run('SADD', 's', '1', '2', '3', '4');
  assert.equal(encoding(h, 's'), 'intset');
  h.run('SADD', 's', '5');
  assert.equal(encoding(h, 's'), 'hashtable');
  assert.equal(h.run('SCARD', 's'), 5);
  for (const m of ['1', '2', '3', '4', '5']) assert.equal(h.run('SISMEMBER', 's', m), 1);
});

test('SADD of 513 integers converts at the default limit of 512', () => {
  const h = new Harness();
  const members = Array.from({ length: 512 }, (_, i) => String(i * 3));
  h.run('SADD', 's', ...members);
  assert.equal(encoding(h, 's'), 'intset');
  h.run('SADD', 's', '1');
  assert.equal(encoding(h, 's'), 'hashtable');
  assert.equal(h.run('SCARD', 's'), 513);
});

test('stored results start as intsets whatever the sources were', () => {
  const h = new Harness();
  h.run('SADD', 'a', 'x', '1', '2');
  h.run('SADD', 'b', '2', '3');
  assert.equal(encoding(h, 'a'), 'hashtable');
  h.run('SDIFFSTORE', 'd', 'a', 'b');
  assert.equal(encoding(h, 'd'), 'hashtable');
  h.run('SINTERSTORE', 'i', 'a', 'b');
  assert.equal(encoding(h, 'i'), 'intset');
  h.run('SREM', 'a', 'x');
  h.run('SUNIONSTORE', 'u', 'a', 'b');
  assert.equal(encoding(h, 'u'), 'intset');
  assert.deepEqual(h.run('SMEMBERS', 'u'), ['1', '2', '3']);
});

test('SMOVE into a missing key creates it in the encoding the member calls for', () => {
  const h = new Harness();
  h.run('SADD', 'src', '5', 'x');
  h.run('SMOVE', 'src', 'n', '5');
  assert.equal(encoding(h, 'n'), 'intset');
  h.run('SMOVE', 'src', 'm', 'x');
  assert.equal(encoding(h, 'm'), 'hashtable');
  assert.equal(h.run('EXISTS', 'src'), 0);
});

test('COPY of a set is independent of its source', () => {
  const h = new Harness();
  h.run('SADD', 's', '1', 'a');
  h.run('COPY', 's', 'c');
  h.run('SADD', 's', 'b');
  assert.equal(h.run('SCARD', 'c'), 2);
  assert.equal(encoding(h, 'c'), 'hashtable');
});
