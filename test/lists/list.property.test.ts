// Lists against an array model under random command sequences, with a tiny node cap so that
// node splits, merges of empty nodes and cross-node walks happen constantly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';

const element = fc.oneof(
  fc.constantFrom('a', 'b', 'c', ''),
  fc.string({ maxLength: 3 }),
  fc.constant('x'.repeat(200)),
);
const index = fc.integer({ min: -12, max: 12 });

const command = fc.oneof(
  fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), fc.array(element, { minLength: 1, maxLength: 5 })).map(([c, els]) => [c, ...els]),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), fc.integer({ min: 0, max: 4 })).map(([c, n]) => [c, String(n)]),
  fc.tuple(index, element).map(([i, e]) => ['LSET', String(i), e]),
  fc.tuple(fc.constantFrom('BEFORE', 'AFTER'), element, element).map(([w, p, e]) => ['LINSERT', w, p, e]),
  fc.tuple(fc.integer({ min: -3, max: 3 }), element).map(([n, e]) => ['LREM', String(n), e]),
  fc.tuple(index, index).map(([a, b]) => ['LTRIM', String(a), String(b)]),
  fc.tuple(element, fc.constantFrom('1', '-1', '2', '-2')).map(([e, rank]) => ['LPOS', e, 'RANK', rank, 'COUNT', '0']),
);

function apply(model: string[], cmd: string[]): unknown {
  const [name, ...args] = cmd;
  const norm = (i: number) => (i < 0 ? i + model.length : i);
  switch (name) {
    case 'LPUSH':
      for (const e of args) model.unshift(e);
      return model.length;
    case 'RPUSH':
      model.push(...args);
      return model.length;
    case 'LPOP':
    case 'RPOP': {
      if (model.length === 0) return null;
      const n = Math.min(Number(args[0]), model.length);
      return name === 'LPOP' ? model.splice(0, n) : model.splice(model.length - n, n).reverse();
    }
    case 'LSET': {
      const i = norm(Number(args[0]));
      if (model.length === 0) return 'ERR no such key';
      if (i < 0 || i >= model.length) return 'ERR index out of range';
      model[i] = args[1]!;
      return 'OK';
    }
    case 'LINSERT': {
      if (model.length === 0) return 0;
      const at = model.indexOf(args[1]!);
      if (at < 0) return -1;
      model.splice(args[0] === 'AFTER' ? at + 1 : at, 0, args[2]!);
      return model.length;
    }
    case 'LREM': {
      const n = Number(args[0]);
      let removed = 0;
      const order = [...model.keys()];
      if (n < 0) order.reverse();
      const drop = new Set<number>();
      for (const i of order) {
        if (n !== 0 && removed === Math.abs(n)) break;
        if (model[i] === args[1]) {
          drop.add(i);
          removed++;
        }
      }
      const kept = model.filter((_, i) => !drop.has(i));
      model.splice(0, model.length, ...kept);
      return removed;
    }
    case 'LTRIM': {
      let start = norm(Number(args[0]));
      let stop = norm(Number(args[1]));
      if (start < 0) start = 0;
      const kept = start > stop || start >= model.length ? [] : model.slice(start, Math.min(stop, model.length - 1) + 1);
      model.splice(0, model.length, ...kept);
      return 'OK';
    }
    case 'LPOS': {
      const rank = Number(args[2]);
      const matches = [...model.keys()].filter((i) => model[i] === args[0]);
      if (rank < 0) matches.reverse();
      return matches.slice(Math.abs(rank) - 1);
    }
  }
  throw new Error(`unknown ${name}`);
}

test('lists behave like an array model under random commands', () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 60 }), fc.constantFrom('0', '2', '3', '100', '-1'), (cmds, fill) => {
      const h = new Harness({ 'list-max-listpack-size': fill });
      const model: string[] = [];
      for (const cmd of cmds) {
        const expected = apply(model, cmd);
        const got = h.run(cmd[0]!, 'l', ...cmd.slice(1));
        const actual = got instanceof Error ? (got as Error & { text: string }).text : got;
        if (cmd[0]!.endsWith('POP') && cmd[1] === '0' && expected !== null) assert.deepEqual(actual, []);
        else assert.deepEqual(actual, expected, JSON.stringify(cmd));
        assert.deepEqual(h.run('LRANGE', 'l', 0, -1), model);
        assert.equal(h.run('EXISTS', 'l'), model.length > 0 ? 1 : 0);
      }
      for (let i = -model.length; i < model.length; i++) assert.equal(h.run('LINDEX', 'l', i), model.at(i));
    }),
    { numRuns: 100 },
  );
});
