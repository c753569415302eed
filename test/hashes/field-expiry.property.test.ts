// Per-field expiry against a model under random commands and clock moves, with low listpack
// limits so conversions happen mid-sequence and the cron runs at random points.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';
import type { Reply } from '../helpers/resp.ts';

interface Field {
  value: string;
  at: number | null;
}
type Model = Map<string, Field>;

const field = fc.constantFrom('a', 'b', 'c', 'd');
const fields = fc.uniqueArray(field, { minLength: 1, maxLength: 3 });

const command = fc.oneof(
  fc.tuple(field, fc.constantFrom('1', 'x', '20')).map(([f, v]) => ['HSET', f, v]),
  field.map((f) => ['HDEL', f]),
  fc.tuple(field, fc.integer({ min: -2, max: 2 })).map(([f, n]) => ['HINCRBY', f, String(n)]),
  fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom('', 'NX', 'XX', 'GT', 'LT'), fields)
    .map(([ms, cond, fs]) => ['HPEXPIRE', String(ms), ...(cond ? [cond] : []), 'FIELDS', String(fs.length), ...fs]),
  fields.map((fs) => ['HPERSIST', 'FIELDS', String(fs.length), ...fs]),
  fields.map((fs) => ['HPTTL', 'FIELDS', String(fs.length), ...fs]),
  fc.integer({ min: 1, max: 20 }).map((ms) => ['ADVANCE', String(ms)]),
  fc.constant<string[]>(['CRON']),
);

function expire(model: Model, now: number): void {
  for (const [f, entry] of model) if (entry.at !== null && entry.at <= now) model.delete(f);
}

function hpexpire(model: Model, now: number, args: string[]): number[] {
  const ms = Number(args[0]);
  const cond = args[1] === 'FIELDS' ? '' : args[1]!;
  const at = now + ms;
  return args.slice(cond ? 4 : 3).map((f) => {
    const entry = model.get(f);
    if (entry === undefined) return -2;
    const prev = entry.at;
    const met =
      prev === null
        ? cond !== 'XX' && cond !== 'GT'
        : cond !== 'NX' && !(cond === 'GT' && prev >= at) && !(cond === 'LT' && prev <= at);
    if (!met) return 0;
    if (at <= now) {
      model.delete(f);
      return 2;
    }
    entry.at = at;
    return 1;
  });
}

/** The model's reply to `cmd` at `now`, applying its effect. */
function apply(model: Model, now: number, cmd: string[]): Reply {
  const [name, ...args] = cmd;
  expire(model, now);
  switch (name) {
    case 'HSET': {
      const created = model.has(args[0]!) ? 0 : 1;
      model.set(args[0]!, { value: args[1]!, at: null });
      return created;
    }
    case 'HDEL':
      return model.delete(args[0]!) ? 1 : 0;
    case 'HINCRBY': {
      const entry = model.get(args[0]!) ?? { value: '0', at: null };
      if (!/^(0|-?[1-9]\d*)$/.test(entry.value)) return 'ERR hash value is not an integer';
      entry.value = String(Number(entry.value) + Number(args[1]));
      model.set(args[0]!, entry);
      return Number(entry.value);
    }
    case 'HPEXPIRE':
      return hpexpire(model, now, args);
    case 'HPERSIST':
      return args.slice(2).map((f) => {
        const entry = model.get(f);
        if (entry === undefined) return -2;
        if (entry.at === null) return -1;
        entry.at = null;
        return 1;
      });
    case 'HPTTL':
      return args.slice(2).map((f) => {
        const entry = model.get(f);
        if (entry === undefined) return -2;
        return entry.at === null ? -1 : entry.at - now;
      });
  }
  throw new Error(`unknown ${name}`);
}

test('field TTLs behave like a model under random commands, clock moves and crons', () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 40 }), fc.constantFrom('2', '128'), (cmds, entries) => {
      const h = new Harness({ 'hash-max-listpack-entries': entries });
      const model: Model = new Map();
      for (const cmd of cmds) {
        if (cmd[0] === 'ADVANCE') h.clock.advance(Number(cmd[1]));
        else if (cmd[0] === 'CRON') h.server.cron();
        else {
          const expected = apply(model, h.clock.ms, cmd);
          const got = h.run(cmd[0]!, 'h', ...cmd.slice(1));
          const text = got instanceof Error ? (got as Error & { text: string }).text : got;
          assert.deepEqual(text, expected, JSON.stringify(cmd));
        }
        expire(model, h.clock.ms);
        assert.equal(h.run('HLEN', 'h'), model.size, JSON.stringify(cmd));
        assert.equal(h.run('EXISTS', 'h'), model.size > 0 ? 1 : 0);
      }
      const all = h.run('HGETALL', 'h') as string[];
      const got = new Map<string, string>();
      for (let i = 0; i < all.length; i += 2) got.set(all[i]!, all[i + 1]!);
      assert.deepEqual(got, new Map([...model].map(([f, e]) => [f, e.value])));
    }),
    { numRuns: 150 },
  );
});

test('the cron alone empties a hash once every field time has passed', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 6 }), (ttls) => {
      const h = new Harness({ 'hash-max-listpack-entries': '3' });
      ttls.forEach((ms, i) => {
        h.run('HSET', 'h', `f${i}`, 'v');
        h.run('HPEXPIRE', 'h', ms, 'FIELDS', 1, `f${i}`);
      });
      const db = h.server.keyspace.dbs[0]!;
      h.clock.advance(Math.max(...ttls) - 1);
      h.server.cron();
      assert.equal(db.size, 1);
      h.clock.advance(1);
      h.server.cron();
      assert.equal(db.size, 0);
    }),
    { numRuns: 50 },
  );
});
