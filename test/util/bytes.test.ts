import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferView } from '../../src/util/bytes.ts';

test('a buffer view shares memory with its source and behaves as a Buffer', () => {
  const source = Buffer.from('xxhello worldxx');
  const view = bufferView(source, 2, 13);
  assert.ok(Buffer.isBuffer(view));
  assert.equal(view.toString('latin1'), 'hello world');
  assert.ok(view.equals(Buffer.from('hello world')));
  assert.equal(view.subarray(6).toString(), 'world');
  assert.equal(Buffer.concat([view, Buffer.from('!')]).toString(), 'hello world!');
  assert.equal(view.readUInt8(0), 0x68);
  source[2] = 0x48;
  assert.equal(view.toString(), 'Hello world', 'no copy was made');
});

test('a view of a pooled Buffer starts at the right byte', () => {
  const pooled = Buffer.from('abcdef'); // small Buffers live at an offset inside Node's pool
  assert.ok(pooled.byteOffset >= 0);
  assert.equal(bufferView(pooled, 1, 4).toString(), 'bcd');
  assert.equal(bufferView(pooled, 3, 3).length, 0);
});
