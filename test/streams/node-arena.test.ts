// Stream nodes take their bytes from a per-stream arena (src/store/types/stream.ts NodeArena):
// closed nodes sit back to back in shared chunks, and a chunk whose nodes were mostly removed
// hands the survivors buffers of their own. Entries must read back the same through all of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { makeId, StreamValue, TRIM_MAXLEN } from '../../src/store/types/stream.ts';

const NODE_MAX_BYTES = 4096;
const NODE_MAX_ENTRIES = 10;

function entry(i: number): Buffer[] {
  return [Buffer.from('f1'), Buffer.from(`v${i}`), Buffer.from('f2'), Buffer.from(`w${i}`)];
}

function fill(stream: StreamValue, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const argv = entry(i);
    stream.add(makeId(BigInt(i + 1), 0n), argv, 0, argv.length, NODE_MAX_BYTES, NODE_MAX_ENTRIES);
  }
}

/** Every live entry as "ms:f1=v,f2=w". */
function contents(stream: StreamValue): string[] {
  const out: string[] = [];
  stream.forEachEntry((id, buf, spans, pairs) => {
    const parts: string[] = [];
    for (let p = 0; p < pairs; p++) {
      const text = (a: number, b: number) => Buffer.from(buf.buffer, buf.byteOffset + spans[a]!, spans[b]! - spans[a]!).toString();
      parts.push(`${text(4 * p, 4 * p + 1)}=${text(4 * p + 2, 4 * p + 3)}`);
    }
    out.push(`${id >> 64n}:${parts.join(',')}`);
  });
  return out;
}

const expected = (indexes: number[]) => indexes.map((i) => `${i + 1}:f1=v${i},f2=w${i}`);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('closed nodes of a stream share arena chunks, back to back', () => {
  const stream = new StreamValue();
  fill(stream, 0, 1000);
  const closed = stream.nodes.slice(0, -1);
  const chunks = new Set(closed.map((node) => node.buf.buffer));
  assert.ok(chunks.size < closed.length / 4, `${closed.length} nodes in ${chunks.size} chunks`);
  for (let i = 1; i < closed.length; i++) {
    const [a, b] = [closed[i - 1]!.buf, closed[i]!.buf];
    if (a.buffer === b.buffer) assert.equal(b.byteOffset, a.byteOffset + a.length);
    assert.equal(a.length, closed[i - 1]!.end, 'a closed node keeps no spare room');
  }
  assert.deepEqual(contents(stream), expected(range(1000)));
});

test('entries read back the same after deleting most nodes moves survivors out of their chunks', () => {
  const stream = new StreamValue();
  fill(stream, 0, 2000);
  const kept: number[] = [];
  // Delete every entry but those of every eighth node, so that chunks fall under a quarter full.
  for (let i = 0; i < 2000; i++) {
    if (Math.floor(i / NODE_MAX_ENTRIES) % 8 === 3) kept.push(i);
    else assert.ok(stream.delete(makeId(BigInt(i + 1), 0n)));
  }
  assert.deepEqual(contents(stream), expected(kept));
  assert.equal(stream.nodes.length, kept.length / NODE_MAX_ENTRIES);
  const owned = stream.nodes.filter((node) => node.buf.byteOffset === 0 && node.buf.buffer.byteLength === node.buf.length);
  assert.ok(owned.length > 0, 'some survivors were moved to buffers of their own');
  fill(stream, 2000, 2100);
  assert.deepEqual(contents(stream), expected([...kept, ...range(100).map((i) => 2000 + i)]));
});

test('a trimmed stream keeps reading and growing correctly', () => {
  const stream = new StreamValue();
  fill(stream, 0, 3000);
  stream.trim({ strategy: TRIM_MAXLEN, maxlen: 500, minid: 0n, approx: false, limit: 0 });
  fill(stream, 3000, 3500);
  assert.deepEqual(contents(stream), expected(range(1000).map((i) => 2500 + i)));
});
