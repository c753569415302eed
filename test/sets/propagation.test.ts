// SPOP takes random members, so what it propagates can't be compared with a real server's:
// these tests prove instead that a replica replaying the stream ends with the same sets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, type Arg } from '../helpers/harness.ts';

/** A primary whose propagation stream is recorded, as a replica would receive it. */
function recordingPrimary(): { primary: Harness; stream: string[][] } {
  const primary = new Harness();
  const stream: string[][] = [];
  primary.server.effects.onPropagate((_db, argv) => stream.push(argv.map((arg) => arg.toString('latin1'))));
  return { primary, stream };
}

function replay(stream: readonly string[][]): Harness {
  const replica = new Harness();
  for (const argv of stream) replica.run(...argv);
  return replica;
}

function members(h: Harness, key: string): string[] {
  return (h.run('SMEMBERS', key) as string[]).slice().sort();
}

const INTSET = Array.from({ length: 40 }, (_, i) => String(i * 3));
const HASHTABLE = Array.from({ length: 40 }, (_, i) => `m${i}`);

for (const [encoding, initial] of [['intset', INTSET], ['hashtable', HASHTABLE]] as const) {
  test(`SPOP's propagated SREMs leave a replica with the primary's ${encoding} set, whatever the count`, () => {
    const { primary, stream } = recordingPrimary();
    primary.run('SADD', 's', ...initial);
    // Few members (picked one by one in Redis), most of them (Redis keeps the rest), one.
    for (const count of [3, 30]) {
      primary.run('SPOP', 's', count);
      assert.deepEqual(members(replay(stream), 's'), members(primary, 's'), `after SPOP s ${count}`);
    }
    primary.run('SPOP', 's');
    assert.deepEqual(members(replay(stream), 's'), members(primary, 's'), 'after SPOP s');
    assert.equal(members(primary, 's').length, initial.length - 34);
  });
}

test('SPOP with a count propagates one SREM per popped member, wrapped in MULTI/EXEC', () => {
  const { primary, stream } = recordingPrimary();
  primary.run('SADD', 's', 'a', 'b', 'c', 'd', 'e');
  stream.length = 0;
  const popped = (primary.run('SPOP', 's', 3) as string[]).slice().sort();
  assert.deepEqual(stream[0], ['MULTI']);
  assert.deepEqual(stream.at(-1), ['EXEC']);
  const srems = stream.slice(1, -1);
  assert.ok(srems.every((argv) => argv.length === 3 && argv[0] === 'SREM' && argv[1] === 's'));
  assert.deepEqual(srems.map((argv) => argv[2]).sort(), popped);
});

test('SPOP without a count propagates SREM of the very member it replied with', () => {
  const { primary, stream } = recordingPrimary();
  primary.run('SADD', 's', 'a', 'b', 'c');
  stream.length = 0;
  const popped = primary.run('SPOP', 's') as string;
  assert.deepEqual(stream, [['SREM', 's', popped]]);
});

test('SPOP whose count takes the whole set propagates DEL, and nothing for a missing key or count 0', () => {
  const { primary, stream } = recordingPrimary();
  const run = (...args: Arg[]) => primary.run(...args);
  run('SADD', 's', 'a', 'b');
  stream.length = 0;
  run('SPOP', 's', 0);
  run('SPOP', 'nokey', 2);
  run('SPOP', 'nokey');
  assert.deepEqual(stream, []);
  run('SPOP', 's', 2);
  assert.deepEqual(stream, [['DEL', 's']]);
  assert.equal(run('EXISTS', 's'), 0);
});

test('SPOP raises spop, then del when it empties the set', () => {
  const h = new Harness({ 'notify-keyspace-events': 'KEA' });
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event} ${key.toString()}`));
  h.run('SADD', 's', 'a', 'b', 'c');
  events.length = 0;
  h.run('SPOP', 's', 1);
  h.run('SPOP', 's');
  h.run('SPOP', 's', 5);
  assert.deepEqual(events, ['spop s', 'spop s', 'spop s', 'del s']);
});

test('SMOVE raises srem (and del when the source empties), then sadd only for a member new to the destination', () => {
  const h = new Harness({ 'notify-keyspace-events': 'KEA' });
  const events: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event} ${key.toString()}`));
  h.run('SADD', 'src', 'a', 'b');
  h.run('SADD', 'dst', 'a');
  events.length = 0;
  h.run('SMOVE', 'src', 'dst', 'a');
  h.run('SMOVE', 'src', 'dst', 'b');
  h.run('SMOVE', 'dst', 'dst', 'a');
  h.run('SMOVE', 'dst', 'other', 'x');
  assert.deepEqual(events, ['srem src', 'srem src', 'del src', 'sadd dst']);
});
