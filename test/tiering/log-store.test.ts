import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogStore } from '../../src/tiering/log-store.ts';

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'mnemo-logstore-'));
}

const value = (i: number, length = 300): Buffer => Buffer.from(`${i}|`.padEnd(length, String.fromCharCode(65 + (i % 26))));

test('values written in batches read back byte for byte', (t) => {
  const dir = freshDir();
  const store = new LogStore(dir, 4096);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ids: number[] = [];
  for (let i = 0; i < 100; i += 5) ids.push(...store.writeBatch([0, 1, 2, 3, 4].map((j) => value(i + j))));
  ids.forEach((id, i) => assert.deepEqual(store.read(id), value(i)));
  assert.equal(store.count, 100);
  assert.equal(store.liveBytes, 100 * 300);
});

test('compaction moves live values out of mostly-dead segments and deletes them; reads still find them', (t) => {
  const dir = freshDir();
  const store = new LogStore(dir, 4096);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ids = Array.from({ length: 60 }, (_, i) => store.writeBatch([value(i)])[0]!);
  const filesBefore = store.fileBytes;
  // Free three values in four: every sealed segment is mostly dead.
  ids.forEach((id, i) => i % 4 !== 0 && store.free(id));
  let steps = 0;
  while (store.compactStep()) steps++;
  assert.ok(steps > 0);
  assert.ok(store.fileBytes < filesBefore / 2, `${store.fileBytes} of ${filesBefore}`);
  ids.forEach((id, i) => i % 4 === 0 && assert.deepEqual(store.read(id), value(i)));
  assert.equal(store.count, 15);
});

test('a segment whose values were all freed is deleted at once', (t) => {
  const dir = freshDir();
  const store = new LogStore(dir, 1024);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ids = Array.from({ length: 10 }, (_, i) => store.writeBatch([value(i)])[0]!);
  const segments = readdirSync(dir).filter((name) => name.endsWith('.seg')).length;
  for (const id of ids.slice(0, 6)) store.free(id);
  assert.ok(readdirSync(dir).filter((name) => name.endsWith('.seg')).length < segments);
});

test('opening a directory deletes the segments a previous run left, and nothing else', (t) => {
  const dir = freshDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tier-0.seg'), 'stale garbage');
  writeFileSync(join(dir, 'tier-17.seg'), 'stale garbage');
  writeFileSync(join(dir, 'tier.lock'), '999999999');
  writeFileSync(join(dir, 'notes.txt'), 'keep me');
  const store = new LogStore(dir);
  assert.equal(existsSync(join(dir, 'tier-17.seg')), false);
  assert.equal(existsSync(join(dir, 'notes.txt')), true);
  const [id] = store.writeBatch([value(1)]);
  assert.deepEqual(store.read(id!), value(1));
  store.close();
  assert.deepEqual(readdirSync(dir), ['notes.txt']);
});

test('a directory locked by a live process is refused', (t) => {
  const dir = freshDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Process 1 is always alive.
  writeFileSync(join(dir, 'tier.lock'), '1');
  assert.throws(() => new LogStore(dir), /in use by process 1/);
});

test('a failed write keeps nothing and leaves earlier values readable', (t) => {
  const dir = freshDir();
  const store = new LogStore(dir);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const [kept] = store.writeBatch([value(1)]);
  const write = store.io.write;
  store.io.write = () => {
    throw new Error('ENOSPC');
  };
  assert.throws(() => store.writeBatch([value(2), value(3)]), /ENOSPC/);
  assert.equal(store.count, 1);
  store.io.write = write;
  const [next] = store.writeBatch([value(4)]);
  assert.deepEqual(store.read(kept!), value(1));
  assert.deepEqual(store.read(next!), value(4));
});
