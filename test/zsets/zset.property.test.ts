// Sorted sets against a Map model under random commands, with low listpack limits so that
// conversions happen in the middle of sequences; and the skiplist alone at a larger size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';
import { formatDouble } from '../../src/util/numbers.ts';
import { ZSetValue } from '../../src/store/types/zset.ts';

const member = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '', 'ab', 'long-member-name');
const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.25, Infinity, -Infinity));
const scoreArg = (s: number) => (s === Infinity ? '+inf' : s === -Infinity ? '-inf' : String(s));

const command = fc.oneof(
  fc.tuple(fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH']), fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }))
    .filter(([flags]) => !(flags.includes('NX') && (flags.includes('XX') || flags.includes('GT') || flags.includes('LT'))) && !(flags.includes('GT') && flags.includes('LT')))
    .map(([flags, pairs]) => ['ZADD', ...flags, ...pairs.flatMap(([s, m]) => [scoreArg(s), m])]),
  fc.tuple(fc.integer({ min: -2, max: 2 }), member).map(([n, m]) => ['ZINCRBY', String(n), m]),
  fc.array(member, { minLength: 1, maxLength: 3 }).map((ms) => ['ZREM', ...ms]),
  fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })).map(([a, b]) => ['ZREMRANGEBYRANK', String(a), String(b)]),
  fc.tuple(score, score).map(([a, b]) => ['ZREMRANGEBYSCORE', scoreArg(a), `(${scoreArg(b)}`]),
  fc.constantFrom<string[]>(['ZPOPMIN'], ['ZPOPMAX', '2']),
);

type Model = Map<string, number>;

function ordered(model: Model): [string, number][] {
  return [...model].sort(([ma, sa], [mb, sb]) => (sa !== sb ? sa - sb : Buffer.compare(Buffer.from(ma), Buffer.from(mb))));
}

function apply(model: Model, cmd: string[]): unknown {
  const [name, ...args] = cmd;
  const sorted = ordered(model);
  switch (name) {
    case 'ZADD': {
      const flags = new Set(args.filter((a) => /^[A-Z]+$/.test(a)));
      const pairs = args.filter((a) => !/^[A-Z]+$/.test(a));
      let added = 0;
      let changed = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        const s = Number(pairs[i]!.replace('inf', 'Infinity'));
        const m = pairs[i + 1]!;
        const cur = model.get(m);
        if (cur === undefined) {
          if (flags.has('XX')) continue;
          model.set(m, s);
          added++;
        } else {
          if (flags.has('NX') || (flags.has('GT') && s <= cur) || (flags.has('LT') && s >= cur) || s === cur) continue;
          model.set(m, s);
          changed++;
        }
      }
      return flags.has('CH') ? added + changed : added;
    }
    case 'ZINCRBY': {
      const next = (model.get(args[1]!) ?? 0) + Number(args[0]);
      if (Number.isNaN(next)) return 'ERR resulting score is not a number (NaN)';
      model.set(args[1]!, next);
      return formatDouble(next);
    }
    case 'ZREM': {
      let n = 0;
      for (const m of args) if (model.delete(m)) n++;
      return n;
    }
    case 'ZREMRANGEBYRANK': {
      let [start, stop] = args.map(Number) as [number, number];
      if (start < 0) start += sorted.length;
      if (stop < 0) stop += sorted.length;
      start = Math.max(start, 0);
      if (start > stop || start >= sorted.length) return 0;
      const gone = sorted.slice(start, Math.min(stop, sorted.length - 1) + 1);
      for (const [m] of gone) model.delete(m);
      return gone.length;
    }
    case 'ZREMRANGEBYSCORE': {
      const min = Number(args[0]!.replace('inf', 'Infinity'));
      const max = Number(args[1]!.slice(1).replace('inf', 'Infinity'));
      const gone = sorted.filter(([, s]) => s >= min && s < max);
      for (const [m] of gone) model.delete(m);
      return gone.length;
    }
    case 'ZPOPMIN':
    case 'ZPOPMAX': {
      const n = args.length === 0 ? 1 : Number(args[0]);
      const from = name === 'ZPOPMIN' ? sorted : sorted.reverse();
      const gone = from.slice(0, n);
      for (const [m] of gone) model.delete(m);
      return gone.flatMap(([m, s]) => [m, formatDouble(s)]);
    }
  }
  throw new Error(`unmodelled ${name}`);
}

test('sorted sets behave like a Map model under random commands, across encodings', () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 30 }), fc.constantFrom('0', '3', '128'), fc.constantFrom('4', '64'), (cmds, entries, value) => {
      const h = new Harness({ 'zset-max-listpack-entries': entries, 'zset-max-listpack-value': value });
      const model: Model = new Map();
      for (const cmd of cmds) {
        const expected = apply(model, cmd);
        const got = h.run(cmd[0]!, 'z', ...cmd.slice(1));
        assert.deepEqual(got instanceof Error ? (got as Error & { text: string }).text : got, expected, JSON.stringify(cmd));
        const sorted = ordered(model);
        assert.deepEqual(h.run('ZRANGE', 'z', 0, -1, 'WITHSCORES'), sorted.flatMap(([m, s]) => [m, formatDouble(s)]));
        assert.equal(h.run('EXISTS', 'z'), model.size > 0 ? 1 : 0);
      }
      const sorted = ordered(model);
      sorted.forEach(([m], i) => {
        assert.equal(h.run('ZRANK', 'z', m), i);
        assert.equal(h.run('ZREVRANK', 'z', m), sorted.length - 1 - i);
      });
      assert.deepEqual(h.run('ZREVRANGEBYSCORE', 'z', '+inf', '(0', 'LIMIT', 1, 2), sorted.filter(([, s]) => s > 0).reverse().slice(1, 3).map(([m]) => m));
      assert.equal(h.run('ZCOUNT', 'z', '(-1', 1), sorted.filter(([, s]) => s > -1 && s <= 1).length);
      if (model.size > 0) {
        const encoding = h.run('OBJECT', 'ENCODING', 'z');
        const fits = entries !== '0' && model.size <= Number(entries) && sorted.every(([m]) => m.length <= Number(value));
        if (encoding === 'listpack') assert.ok(fits);
      }
    }),
    { numRuns: 100 },
  );
});

test('a large skiplist keeps ranks, rank ranges and score counts right through inserts and deletes', () => {
  const z = new ZSetValue(true);
  const model = new Map<string, number>();
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 4000; i++) {
    const m = `m${rand(1500)}`;
    if (rand(4) === 0) {
      assert.equal(z.delete(Buffer.from(m)), model.delete(m));
    } else {
      const s = rand(200);
      z.set(Buffer.from(m), s);
      model.set(m, s);
    }
  }
  const sorted = ordered(model);
  assert.ok(sorted.length > 1000);
  assert.equal(z.size, sorted.length);
  for (let i = 0; i < sorted.length; i += 37) assert.equal(z.rank(Buffer.from(sorted[i]![0])), i);
  const got: string[] = [];
  z.range(100, 160, false, (b, s, e) => {
    got.push(Buffer.from(b.subarray(s, e)).toString());
  });
  assert.deepEqual(got, sorted.slice(100, 161).map(([m]) => m));
  const back: string[] = [];
  z.range(160, 100, true, (b, s, e) => {
    back.push(Buffer.from(b.subarray(s, e)).toString());
  });
  assert.deepEqual(back, got.reverse());
  assert.equal(z.endRankByScore(50, false) - z.firstRankByScore(20, true), sorted.filter(([, s]) => s > 20 && s <= 50).length);
  assert.equal(z.removeRange(10, 509), 500);
  const rest: string[] = [];
  z.range(0, z.size - 1, false, (b, s, e) => {
    rest.push(Buffer.from(b.subarray(s, e)).toString());
  });
  assert.deepEqual(rest, [...sorted.slice(0, 10), ...sorted.slice(510)].map(([m]) => m));
  assert.equal(z.clone().size, z.size);
});
