// Random protocol-shaped garbage sent over TCP to Mnemo and to a real redis-server: what each
// answers, and whether it closes the connection, must be the same bytes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection, escapeBytes } from '../helpers/wire.ts';

const SEED = Number(process.env.MNEMO_FUZZ_SEED ?? 4104);
const INPUTS = 40;
const PIECES = [
  '*', '$', '\r\n', '\n', '\r', '"', "'", '\\', '\\x4', '\\x41', ' ', '\t', '\x00', '\xff', '-1', '0', '1', '2', '3', '12', '+',
  '*1\r\n', '*2\r\n', '$4\r\n', '$4\r\nPING\r\n', '$1\r\nk\r\n', 'PING', 'ECHO', 'GET', 'k', 'x', '\r\n\r\n',
];
const garbage = fc
  .tuple(
    fc.constantFrom('', '*', '*1\r\n', '*2\r\n', '*3\r\n$4\r\nECHO\r\n', 'ECHO '),
    fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }), {
      minLength: 1,
      maxLength: 20,
    }),
    fc.constantFrom('', '\r\n', '\n'),
  )
  .map(([prefix, parts, suffix]) => Buffer.from(prefix + parts.join('') + suffix, 'latin1'));

async function exchange(port: number, input: Buffer): Promise<string> {
  const conn = await WireConnection.connect(port);
  try {
    conn.send(input);
    const { data, closed } = await conn.drain(1500);
    return `${escapeBytes(data)}${closed ? ' <closed>' : ' <open>'}`;
  } finally {
    conn.close();
  }
}

const skip = skipWithout('redis-server');
let mnemo: RunningServer;
let reference: ReferenceServer;
before(async () => {
  if (skip) return;
  [mnemo, reference] = await Promise.all([startServer({ port: 0, host: '127.0.0.1' }), startRedisReference()]);
});
after(async () => {
  await Promise.all([mnemo?.close(), reference?.close()]);
});

test('random protocol garbage gets the same replies and close as from Redis', { skip }, async () => {
  const inputs = fc.sample(garbage, { seed: SEED, numRuns: INPUTS });
  const results = await Promise.all(
    inputs.map(async (input) => {
      const [got, expected] = await Promise.all([exchange(mnemo.port, input), exchange(reference.port, input)]);
      return { input, got, expected };
    }),
  );
  const differences = results
    .filter((r) => r.got !== r.expected)
    .map((r) => `input: ${escapeBytes(r.input)}\n  mnemo: ${r.got}\n  redis: ${r.expected}`);
  assert.deepEqual(differences, []);
});
