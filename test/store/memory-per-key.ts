// Not a test: measures the engine's bytes per key and the JS garbage an overwrite loop makes.
// Run: node --expose-gc --import tsx test/store/memory-per-key.ts [keys]
// Keys are "key:000000123456" with 10-byte values, written through one reused key buffer so
// that the loop itself allocates nothing and any garbage is the engine's.

import { Keyspace } from '../../src/store/keyspace.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const key = Buffer.from('key:000000000000');
const value = Buffer.from('0123456789');
function writeKey(i: number): void {
  for (let p = key.length - 1; p >= 4; p--, i = Math.floor(i / 10)) key[p] = 0x30 + (i % 10);
}

gc();
const rssBefore = process.memoryUsage().rss;
const keyspace = new Keyspace(1);
const db = keyspace.dbs[0]!;
for (let i = 0; i < count; i++) {
  writeKey(i);
  db.setString(key, value);
}
while (db.rehashing) db.rehashSome(1000);
gc();
const mem = process.memoryUsage();
const overhead = db.overheadBytes;
const perKey = (bytes: number) => (bytes / count).toFixed(1);
console.log(`${count} keys`);
console.log(`entries + index + TTL list: ${perKey(overhead)} B/key`);
console.log(`records: ${perKey(keyspace.arena.usedBytes)} B/key used, ${perKey(keyspace.arena.reservedBytes)} B/key reserved`);
console.log(`engine total (reserved): ${perKey(overhead + keyspace.arena.reservedBytes)} B/key`);
console.log(`process RSS: ${perKey(mem.rss)} B/key (${perKey(mem.rss - rssBefore)} B/key above the empty process)`);

const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
for (let round = 0; round < 2; round++) {
  for (let i = 0; i < count; i++) {
    writeKey(i);
    value[0] = 0x30 + round;
    db.setString(key, value);
  }
}
const elapsed = performance.now() - started;
const heapAfter = process.memoryUsage().heapUsed;
console.log(`overwrite x2: ${(elapsed / 2).toFixed(0)} ms per pass, heapUsed ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB higher (before GC)`);
