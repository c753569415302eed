import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { crc64 } from '../../src/persistence/rdb/index.ts';
import { datasetCommands, describe } from './dataset.ts';

const ask = (h: Harness) => (...args: (string | Buffer)[]) => h.runBinary(...args);
const dump = (h: Harness, key: string) => Buffer.from(h.runBinary('dump', key) as string, 'latin1');
const errorOf = (reply: unknown) => (reply as ReplyError).message;

test('DUMP then RESTORE recreates every type and encoding, with TTLs given to RESTORE', async () => {
  const source = new Harness();
  const target = new Harness();
  target.clock.ms = source.clock.ms;
  for (const cmd of datasetCommands({ fieldTtls: true })) source.run(...cmd);
  for (let db = 0; db < 16; db++) {
    source.run('select', String(db));
    target.run('select', String(db));
    for (const key of source.run('keys', '*') as string[]) {
      const ttl = Math.max(0, Number(source.run('pexpiretime', key)));
      assert.equal(target.run('restore', key, String(ttl), dump(source, key), 'absttl'), 'OK', key);
    }
  }
  assert.deepEqual(await describe(ask(target)), await describe(ask(source)));
});

test('DUMP of a missing key is nil; the payload ends in RDB version 10 and a CRC-64', () => {
  const h = new Harness();
  assert.equal(h.run('dump', 'missing'), null);
  h.run('set', 'k', 'hello');
  const payload = dump(h, 'k');
  assert.deepEqual(payload.subarray(0, 7), Buffer.from([0, 5, ...Buffer.from('hello')]));
  assert.deepEqual(payload.subarray(7, 9), Buffer.from([10, 0]));
  assert.equal(payload.length, 17);
});

test('RESTORE refuses bad input with Redis errors and changes nothing', () => {
  const h = new Harness();
  h.run('set', 'k', 'hello');
  const payload = dump(h, 'k');
  assert.equal(errorOf(h.run('restore', 'k', '0', payload)), 'BUSYKEY Target key name already exists.');
  assert.equal(errorOf(h.run('restore', 'n', '-1', payload)), 'ERR Invalid TTL value, must be >= 0');
  assert.equal(errorOf(h.run('restore', 'n', 'x', payload)), 'ERR value is not an integer or out of range');
  const corrupt = Buffer.from(payload);
  corrupt[3] ^= 0xff;
  assert.equal(errorOf(h.run('restore', 'n', '0', corrupt)), 'ERR DUMP payload version or checksum are wrong');
  const newer = Buffer.from(payload);
  newer[payload.length - 10] = 99;
  assert.equal(errorOf(h.run('restore', 'n', '0', newer)), 'ERR DUMP payload version or checksum are wrong');
  assert.equal(errorOf(h.run('restore', 'n', '0', 'short')), 'ERR DUMP payload version or checksum are wrong');
  assert.equal(errorOf(h.run('restore', 'n', '0', payload, 'idletime', '-1')), 'ERR Invalid IDLETIME value, must be >= 0');
  assert.equal(errorOf(h.run('restore', 'n', '0', payload, 'freq', '256')), 'ERR Invalid FREQ value, must be >= 0 and <= 255');
  assert.equal(errorOf(h.run('restore', 'n', '0', payload, 'idletime', '1', 'freq', '1')), 'ERR syntax error');
  assert.equal(errorOf(h.run('restore', 'n', '0', payload, 'bogus')), 'ERR syntax error');
  // A well-formed footer over a body that is not a value.
  h.run('rpush', 'l', 'a');
  const list = dump(h, 'l');
  const body = Buffer.concat([Buffer.from([18, 1, 2, 3, 1, 2, 3]), list.subarray(list.length - 10, list.length - 8)]);
  const bad = Buffer.concat([body, crc64(body).digest()]);
  assert.equal(errorOf(h.run('restore', 'n', '0', bad, 'replace')), 'ERR Bad data format');
  assert.equal(h.run('exists', 'n'), 0);
  assert.equal(h.run('get', 'k'), 'hello');
});

test('RESTORE REPLACE overwrites; a TTL already past stores nothing and deletes the replaced key', () => {
  const h = new Harness();
  h.run('set', 'src', 'new');
  const payload = dump(h, 'src');
  h.run('set', 'k', 'old');
  assert.equal(h.run('restore', 'k', '0', payload, 'replace'), 'OK');
  assert.equal(h.run('get', 'k'), 'new');
  assert.equal(h.run('restore', 'k', String(h.clock.now() - 1), payload, 'replace', 'absttl'), 'OK');
  assert.equal(h.run('exists', 'k'), 0);
  assert.equal(h.run('restore', 'k', '5000', payload), 'OK');
  assert.equal(h.run('pttl', 'k'), 5000);
});

test('RESTORE IDLETIME sets the idle time OBJECT IDLETIME reports', () => {
  const h = new Harness();
  h.run('set', 'src', 'v');
  assert.equal(h.run('restore', 'k', '0', dump(h, 'src'), 'idletime', '1000'), 'OK');
  assert.equal(h.run('object', 'idletime', 'k'), 1000);
});
