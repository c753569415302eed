// The big zset encoding against a sorted model at sizes that give the B+tree three levels of nodes,
// leaf merges and root collapses: order, rank, select-by-rank, score counts and SCAN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZSetValue } from '../../src/store/types/zset.ts';

function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

function modelOrder(model: Map<string, number>): [string, number][] {
  return [...model].sort(([ma, sa], [mb, sb]) => (sa !== sb ? sa - sb : ma < mb ? -1 : ma > mb ? 1 : 0));
}

function contents(z: ZSetValue): [string, number][] {
  const out: [string, number][] = [];
  if (z.size > 0) z.range(0, z.size - 1, false, (m, s, e, score) => void out.push([Buffer.from(m.subarray(s, e)).toString('latin1'), score]));
  return out;
}

function check(z: ZSetValue, model: Map<string, number>, rand: (n: number) => number): void {
  const expected = modelOrder(model);
  assert.equal(z.size, expected.length);
  assert.deepEqual(contents(z), expected);
  const reversed: [string, number][] = [];
  if (z.size > 0) z.range(z.size - 1, 0, true, (m, s, e, score) => void reversed.push([Buffer.from(m.subarray(s, e)).toString('latin1'), score]));
  assert.deepEqual(reversed, expected.slice().reverse());
  for (let k = 0; k < 50 && expected.length > 0; k++) {
    const r = rand(expected.length);
    const [member, score] = expected[r]!;
    assert.equal(z.rank(Buffer.from(member, 'latin1')), r, `rank of ${member}`);
    const below = expected.filter(([, s]) => s < score).length;
    assert.equal(z.firstRankByScore(score, false), below, `count below ${score}`);
    assert.equal(z.endRankByScore(score, false), expected.filter(([, s]) => s <= score).length);
  }
}

test('the big encoding keeps order, ranks and counts through random adds, moves and deletes', () => {
  const rand = seeded(7);
  const z = new ZSetValue(true);
  const model = new Map<string, number>();
  for (let round = 0; round < 12; round++) {
    // Grow past three levels, then shrink, so splits, merges and root collapses all happen.
    const growing = round % 3 !== 2;
    for (let i = 0; i < 6000; i++) {
      const member = `m${rand(12000)}`;
      if (growing ? rand(5) === 0 : rand(5) !== 0) {
        assert.equal(z.delete(Buffer.from(member)), model.delete(member));
      } else {
        const score = rand(400) - 200 + (rand(3) === 0 ? 0.5 : 0);
        z.set(Buffer.from(member), score);
        model.set(member, score);
      }
    }
    check(z, model, rand);
  }
});

test('ascending inserts fill leaves, and deleting every member leaves an empty zset that grows again', () => {
  const rand = seeded(11);
  const z = new ZSetValue(true);
  const model = new Map<string, number>();
  for (let i = 0; i < 20000; i++) {
    z.set(Buffer.from(`k${i}`), i);
    model.set(`k${i}`, i);
  }
  check(z, model, rand);
  assert.equal(z.removeRange(100, 19899), 19800);
  for (let i = 100; i < 19900; i++) model.delete(`k${i}`);
  check(z, model, rand);
  for (const member of [...model.keys()]) {
    assert.equal(z.delete(Buffer.from(member)), true);
    model.delete(member);
  }
  assert.equal(z.size, 0);
  for (let i = 0; i < 3000; i++) {
    const member = `r${rand(5000)}`;
    z.set(Buffer.from(member), rand(50));
    model.set(member, z.score(Buffer.from(member))!);
  }
  check(z, model, rand);
});

test('equal scores order by member bytes, and lex ranges count over the tree', () => {
  const z = new ZSetValue(true);
  const names: string[] = [];
  for (let i = 0; i < 5000; i++) names.push(String.fromCharCode(97 + (i % 26)) + String(i * 7919 % 5000).padStart(4, '0'));
  for (const name of names) z.set(Buffer.from(name), 0);
  const sorted = names.slice().sort();
  assert.deepEqual(contents(z).map(([m]) => m), sorted);
  const min = { kind: 'value' as const, value: Buffer.from('c'), exclusive: false };
  const max = { kind: 'value' as const, value: Buffer.from('f0100'), exclusive: true };
  const [lo, hi] = z.lexSpan(min, max, false);
  assert.equal(lo, sorted.filter((m) => m < 'c').length);
  assert.equal(hi, sorted.filter((m) => m < 'f0100').length);
});

test('SCAN cursors over the big encoding return every member present throughout exactly once', () => {
  const rand = seeded(3);
  const z = new ZSetValue(true);
  for (let i = 0; i < 3000; i++) z.set(Buffer.from(`s${i}`), rand(100));
  const seen = new Map<string, number>();
  let cursor = 0;
  let churn = 0;
  do {
    cursor = z.scan(cursor, 50, (m, s, e) => {
      const name = Buffer.from(m.subarray(s, e)).toString();
      seen.set(name, (seen.get(name) ?? 0) + 1);
    });
    // Members that come and go during the scan must not disturb the ones that stay.
    z.set(Buffer.from(`t${churn}`), 1);
    if (churn > 3) z.delete(Buffer.from(`t${churn - 3}`));
    churn++;
  } while (cursor !== 0);
  for (let i = 0; i < 3000; i++) assert.equal(seen.get(`s${i}`), 1, `s${i}`);
});
