import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Harness } from '../helpers/harness.ts';
import { rdbImage, loadRdb, DEFAULT_LIMITS, crc64, type RdbSaveOptions } from '../../src/persistence/rdb/index.ts';
import { lzfCompress, lzfDecompress } from '../../src/persistence/rdb/lzf.ts';
import { datasetCommands, describe } from './dataset.ts';

function build(h: Harness, fieldTtls = false): void {
  for (const cmd of datasetCommands({ fieldTtls })) {
    const reply = h.run(...cmd);
    assert.ok(!(reply instanceof Error), `${cmd.join(' ')}: ${String(reply)}`);
  }
}

function saveOptions(h: Harness, overrides: Partial<RdbSaveOptions> = {}): RdbSaveOptions {
  return { compression: true, checksum: true, limits: DEFAULT_LIMITS, access: 'none', usedMemory: 0, now: h.clock.now(), ...overrides };
}

const ask = (h: Harness) => (...args: (string | Buffer)[]) => h.runBinary(...args);

test('crc64 is the Jones CRC Redis uses (check value of "123456789")', () => {
  assert.equal(crc64(Buffer.from('123456789')).value, 0xe9c6d914c4b8d9can);
});

test('LZF round-trips random and repetitive data, and refuses output over its limit', () => {
  for (let n = 0; n < 500; n++) {
    const length = 4 + Math.floor(Math.random() * 2000);
    const data = Buffer.alloc(length);
    for (let i = 0; i < length; i++) data[i] = i > 8 && Math.random() < 0.6 ? data[i - 1 - Math.floor(Math.random() * 8)]! : Math.floor(Math.random() * 4);
    const packed = lzfCompress(data, length - 4);
    if (packed !== null) assert.deepEqual(Buffer.from(lzfDecompress(packed, length)!), data);
  }
  assert.equal(lzfCompress(Buffer.from('abcdefghijklmnopqrstuvwxyz'), 22), null);
});

for (const compression of [true, false]) {
  test(`every type and encoding survives save and load (rdbcompression ${compression ? 'yes' : 'no'})`, async () => {
    const source = new Harness();
    build(source);
    const image = rdbImage(source.server.keyspace, saveOptions(source, { compression }));
    assert.equal(image.subarray(0, 9).toString(), 'REDIS0010');
    const target = new Harness();
    target.clock.ms = source.clock.ms;
    const result = loadRdb(target.server.keyspace, image, { limits: DEFAULT_LIMITS, checksum: true, now: target.clock.now() });
    assert.equal(result.keysLoaded, source.server.keyspace.keyCount);
    assert.equal(result.end, image.length);
    assert.equal(result.aux.get('redis-ver'), '7.0.15');
    assert.deepEqual(await describe(ask(target)), await describe(ask(source)));
  });
}

test('hash-field TTLs are written in Redis 7.4 types (file version 12) and come back', async () => {
  const source = new Harness();
  build(source, true);
  const image = rdbImage(source.server.keyspace, saveOptions(source));
  assert.equal(image.subarray(0, 9).toString(), 'REDIS0012');
  const target = new Harness();
  target.clock.ms = source.clock.ms;
  loadRdb(target.server.keyspace, image, { limits: DEFAULT_LIMITS, checksum: true, now: target.clock.now() });
  assert.deepEqual(await describe(ask(target)), await describe(ask(source)));
  target.run('select', '5');
  source.run('select', '5');
  for (const [key, field] of [['hfe:small', 'b'], ['hfe:small', 'a'], ['hfe:big', 'f7'], ['hfe:big', 'f8']]) {
    assert.deepEqual(target.run('hpexpiretime', key!, 'fields', '1', field!), source.run('hpexpiretime', key!, 'fields', '1', field!));
  }
});

test('a file without field TTLs says version 10 even when a hash once had them', () => {
  const h = new Harness();
  h.run('hset', 'h', 'a', '1');
  h.run('hpexpire', 'h', '1000', 'fields', '1', 'a');
  h.run('hpersist', 'h', 'fields', '1', 'a');
  const image = rdbImage(h.server.keyspace, saveOptions(h));
  // The header follows the databases' field-expiry index; the hash is written as a plain listpack.
  assert.equal(image.subarray(0, 9).toString(), 'REDIS0010');
});

test('string keys and values load byte for byte in every string encoding, an integer key with an integer value included', () => {
  const texts = ['0', '7', '-1', '127', '-128', '128', '32767', '-32768', '2147483647', '-2147483648', '2147483648', '007', 'plain', 'k'.repeat(300)];
  const source = new Harness();
  for (const key of texts) for (const value of texts) source.run('set', `${key}:${value}`, value);
  for (const key of texts) source.run('set', key, key);
  const image = rdbImage(source.server.keyspace, saveOptions(source));
  const target = new Harness();
  const result = loadRdb(target.server.keyspace, image, { limits: DEFAULT_LIMITS, checksum: true, now: target.clock.now() });
  assert.equal(result.keysLoaded, texts.length + texts.length ** 2);
  for (const key of texts) {
    assert.equal(String(target.run('get', key)), key);
    assert.equal(target.run('object', 'encoding', key), source.run('object', 'encoding', key));
    for (const value of texts) assert.equal(String(target.run('get', `${key}:${value}`)), value);
  }
});

test('keys already expired are not loaded, and the count says so', () => {
  const source = new Harness();
  source.run('set', 'gone', 'v', 'px', '100');
  source.run('set', 'kept', 'v', 'px', '100000');
  const image = rdbImage(source.server.keyspace, saveOptions(source));
  const target = new Harness();
  target.clock.ms = source.clock.ms + 1000;
  const result = loadRdb(target.server.keyspace, image, { limits: DEFAULT_LIMITS, checksum: true, now: target.clock.now() });
  assert.equal(result.keysLoaded, 1);
  assert.equal(result.expiredSkipped, 1);
  assert.equal(target.run('exists', 'gone'), 0);
});

test('a corrupted byte fails the checksum; without rdbchecksum the file ends in zeros and loads unchecked', () => {
  const h = new Harness();
  h.run('set', 'k', 'value');
  const image = rdbImage(h.server.keyspace, saveOptions(h));
  const bad = Buffer.from(image);
  bad[bad.indexOf('value') + 1] ^= 1;
  assert.throws(() => loadRdb(new Harness().server.keyspace, bad, { limits: DEFAULT_LIMITS, checksum: true, now: null }), /Wrong RDB checksum/);
  const unchecked = rdbImage(h.server.keyspace, saveOptions(h, { checksum: false }));
  assert.deepEqual(unchecked.subarray(-8), Buffer.alloc(8));
  const warnings: string[] = [];
  const target = new Harness();
  loadRdb(target.server.keyspace, unchecked, { limits: DEFAULT_LIMITS, checksum: true, now: null, warn: (m) => warnings.push(m) });
  assert.equal(target.run('get', 'k'), 'value');
  assert.match(warnings[0]!, /checksum disabled/);
});

test('a truncated file is refused', () => {
  const h = new Harness();
  h.run('set', 'k', 'value');
  const image = rdbImage(h.server.keyspace, saveOptions(h));
  assert.throws(() => loadRdb(new Harness().server.keyspace, image.subarray(0, image.length - 12), { limits: DEFAULT_LIMITS, checksum: true, now: null }), /Unexpected EOF/);
});
