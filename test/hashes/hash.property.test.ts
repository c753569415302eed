// Hashes against a Map model under random command sequences, with low thresholds so that
// conversions from listpack to hashtable happen in the middle of sequences.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';

const field = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', ''), fc.string({ maxLength: 2 }));
const value = fc.oneof(fc.constantFrom('1', 'x', '', '-5'), fc.string({ maxLength: 4 }), fc.constant('y'.repeat(20)));

const command = fc.oneof(
  fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 }).map((pairs) => ['HSET', ...pairs.flat()]),
  fc.tuple(field, value).map(([f, v]) => ['HSETNX', f, v]),
  fc.array(field, { minLength: 1, maxLength: 3 }).map((fs) => ['HDEL', ...fs]),
  fc.tuple(field, fc.integer({ min: -3, max: 3 })).map(([f, n]) => ['HINCRBY', f, String(n)]),
);

function apply(model: Map<string, string>, cmd: string[]): unknown {
  const [name, ...args] = cmd;
  switch (name) {
    case 'HSET': {
      let created = 0;
      for (let i = 0; i < args.length; i += 2) {
        if (!model.has(args[i]!)) created++;
        model.set(args[i]!, args[i + 1]!);
      }
      return created;
    }
    case 'HSETNX':
      if (model.has(args[0]!)) return 0;
      model.set(args[0]!, args[1]!);
      return 1;
    case 'HDEL': {
      let deleted = 0;
      for (const f of args) if (model.delete(f)) deleted++;
      return deleted;
    }
    case 'HINCRBY': {
      const current = model.get(args[0]!) ?? '0';
      if (!/^(0|-?[1-9]\d*)$/.test(current)) return 'ERR hash value is not an integer';
      const next = String(Number(current) + Number(args[1]));
      model.set(args[0]!, next);
      return Number(next);
    }
  }
  throw new Error(`unknown ${name}`);
}

test('hashes behave like a Map model under random commands, across conversions', () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 40 }), fc.constantFrom('3', '8', '128'), (cmds, entries) => {
      const h = new Harness({ 'hash-max-listpack-entries': entries, 'hash-max-listpack-value': '10' });
      const model = new Map<string, string>();
      for (const cmd of cmds) {
        const expected = apply(model, cmd);
        const got = h.run(cmd[0]!, 'h', ...cmd.slice(1));
        assert.deepEqual(got instanceof Error ? (got as Error & { text: string }).text : got, expected, JSON.stringify(cmd));
        assert.equal(h.run('HLEN', 'h'), model.size);
        assert.equal(h.run('EXISTS', 'h'), model.size > 0 ? 1 : 0);
      }
      const all = h.run('HGETALL', 'h') as string[];
      const got = new Map<string, string>();
      for (let i = 0; i < all.length; i += 2) got.set(all[i]!, all[i + 1]!);
      assert.deepEqual(got, model);
      // A listpack keeps insertion order, as the Map does (updates stay in place).
      if (model.size > 0 && h.run('OBJECT', 'ENCODING', 'h') === 'listpack') assert.deepEqual([...got.keys()], [...model.keys()]);
      for (const [f, v] of model) assert.equal(h.run('HGET', 'h', f), v);
    }),
    { numRuns: 120 },
  );
});
