// Sets against a JS Set model under random commands, with a low intset limit so that
// conversions happen in the middle of sequences.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';

const member = fc.oneof(fc.integer({ min: -5, max: 12 }).map(String), fc.constantFrom('a', 'b', '01', ''));
const key = fc.constantFrom('s', 't');

const command = fc.oneof(
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 5 })).map(([k, ms]) => ['SADD', k, ...ms]),
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['SREM', k, ...ms]),
  fc.tuple(key, key, member).map(([a, b, m]) => ['SMOVE', a, b, m]),
  fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE').map((name) => [name, 'u', 's', 't']),
  key.map((k) => ['SPOP', k]),
);

type Model = Map<string, Set<string>>;

function apply(model: Model, cmd: string[]): unknown {
  const [name, k, ...args] = cmd;
  const get = (key: string) => model.get(key) ?? new Set<string>();
  const put = (key: string, set: Set<string>) => (set.size === 0 ? model.delete(key) : model.set(key, set));
  switch (name) {
    case 'SADD': {
      const set = get(k!);
      const before = set.size;
      for (const m of args) set.add(m);
      put(k!, set);
      return set.size - before;
    }
    case 'SREM': {
      const set = get(k!);
      let n = 0;
      for (const m of args) if (set.delete(m)) n++;
      put(k!, set);
      return n;
    }
    case 'SMOVE': {
      const [dst, m] = args as [string, string];
      const src = get(k!);
      if (!src.has(m)) return 0;
      if (k === dst) return 1;
      src.delete(m);
      put(k!, src);
      put(dst, get(dst).add(m));
      return 1;
    }
    case 'SINTERSTORE':
    case 'SUNIONSTORE':
    case 'SDIFFSTORE': {
      const [a, b] = [get(args[0]!), get(args[1]!)];
      const all = [...new Set([...a, ...b])];
      const keep = all.filter((m) => (name === 'SINTERSTORE' ? a.has(m) && b.has(m) : name === 'SUNIONSTORE' ? true : a.has(m) && !b.has(m)));
      put(k!, new Set(keep));
      return keep.length;
    }
  }
  throw new Error(`unmodelled ${name}`);
}

test('sets behave like a Set model under random commands, across encodings', () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 30 }), fc.constantFrom('2', '5', '512'), (cmds, limit) => {
      const h = new Harness({ 'set-max-intset-entries': limit });
      const model: Model = new Map();
      for (const cmd of cmds) {
        if (cmd[0] === 'SPOP') {
          const popped = h.run(...cmd) as string | null;
          const set = model.get(cmd[1]!);
          assert.equal(popped === null, set === undefined);
          if (popped !== null) apply(model, ['SREM', cmd[1]!, popped]);
          continue;
        }
        const expected = apply(model, cmd);
        assert.deepEqual(h.run(...cmd), expected, JSON.stringify(cmd));
      }
      for (const k of ['s', 't', 'u']) {
        const set = model.get(k);
        assert.equal(h.run('SCARD', k), set?.size ?? 0);
        if (set === undefined) {
          assert.equal(h.run('EXISTS', k), 0);
          continue;
        }
        const members = h.run('SMEMBERS', k) as string[];
        assert.deepEqual(new Set(members), set);
        const allInts = [...set].every((m) => /^(0|-?[1-9]\d*)$/.test(m));
        if (h.run('OBJECT', 'ENCODING', k) === 'intset') {
          assert.ok(allInts && set.size <= Number(limit));
          assert.deepEqual(members, [...members].sort((x, y) => Number(x) - Number(y)));
        }
      }
    }),
    { numRuns: 100 },
  );
});
