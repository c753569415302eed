// The differential fuzzer's short run: fixed seeds, each a generated program over every
// family, run against Mnemo and a real redis-server; a difference fails with the shrunk
// repro. (`npm run fuzz -- --seconds N` is the long run over fresh seeds.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { sameReply } from './compare.ts';
import { command } from './family.ts';
import { generate, type Program } from './program.ts';
import { describeMismatch, runSteps, shrink, type Servers } from './runner.ts';

const SEEDS = [1, 7, 42, 99, 1234, 2026, 31337, 65536, 8675309, 424242];
const LENGTH = 120;

const resp = (text: string) => Buffer.from(text, 'latin1');

test('unordered and pairs comparisons ignore hash order but keep pairs together', () => {
  assert.ok(sameReply('unordered', resp('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), resp('*2\r\n$1\r\nb\r\n$1\r\na\r\n')));
  assert.ok(!sameReply('unordered', resp('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), resp('*2\r\n$1\r\nb\r\n$1\r\nb\r\n')));
  assert.ok(sameReply('pairs', resp('*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n'), resp('*4\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n')));
  assert.ok(!sameReply('pairs', resp('*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n'), resp('*4\r\n$1\r\nf\r\n$1\r\n2\r\n$1\r\ng\r\n$1\r\n1\r\n')));
});

test('shape comparisons ignore random content but not types, lengths or errors', () => {
  assert.ok(sameReply('shape', resp('*1\r\n$1\r\na\r\n'), resp('*1\r\n$3\r\nbcd\r\n')));
  assert.ok(!sameReply('shape', resp('*1\r\n$1\r\na\r\n'), resp('*2\r\n$1\r\na\r\n$1\r\na\r\n')));
  assert.ok(!sameReply('shape', resp('-ERR a\r\n'), resp('-ERR b\r\n')));
});

test('scan comparisons list everything only once both cursors are 0; times agree within a tolerance', () => {
  assert.ok(sameReply('scan', resp('*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n'), resp('*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n')));
  assert.ok(!sameReply('scan', resp('*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n'), resp('*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n')));
  assert.ok(sameReply('time', resp(':99999\r\n'), resp(':99998\r\n')));
  assert.ok(!sameReply('time', resp(':-1\r\n'), resp(':-2\r\n')));
  assert.ok(sameReply('sort-alpha', resp('*2\r\n$1\r\na\r\n$2\r\na\x00\r\n'), resp('*2\r\n$2\r\na\x00\r\n$1\r\na\r\n')));
  assert.ok(!sameReply('sort-alpha', resp('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), resp('*2\r\n$1\r\nb\r\n$1\r\na\r\n')));
});

test('the same seed always generates the same program', () => {
  assert.deepEqual(generate(5, 50), generate(5, 50));
  assert.notDeepEqual(generate(5, 50).steps, generate(6, 50).steps);
});

describe('differential fuzzing against redis-server', { skip: skipWithout('redis-server') }, () => {
  let mnemo: RunningServer;
  let redis: ReferenceServer;
  let servers: Servers;
  before(async () => {
    [mnemo, redis] = await Promise.all([startServer({ port: 0, host: '127.0.0.1' }), startRedisReference()]);
    servers = { mnemoPort: mnemo.port, redisPort: redis.port };
  });
  after(async () => {
    await Promise.all([mnemo?.close(), redis?.close()]);
  });

  test('a difference is shrunk to the steps that still cause it', async () => {
    // The servers listen on different ports, so CONFIG GET port always differs.
    const program: Program = {
      seed: 0,
      resp: 2,
      smallEncodings: true,
      steps: [command(['SET', 'a', '1']), command(['INCR', 'a']), command(['CONFIG', 'GET', 'port']), command(['GET', 'a'])],
    };
    const found = await runSteps(servers, program, program.steps);
    assert.equal(found?.step, 2);
    const shrunk = await shrink(servers, program, found!);
    assert.deepEqual(shrunk.steps, [command(['CONFIG', 'GET', 'port'])]);
    assert.match(describeMismatch(program, shrunk.steps, shrunk.mismatch), /\[A\] CONFIG GET port\n {2}mnemo: .*\n {2}redis: /);
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: ${LENGTH} generated steps get the same replies from Mnemo and Redis`, async () => {
      const program = generate(seed, LENGTH);
      const found = await runSteps(servers, program, program.steps);
      if (found !== null) {
        const shrunk = await shrink(servers, program, found);
        assert.fail(`Mnemo and Redis differ; shrunk repro:\n${describeMismatch(program, shrunk.steps, shrunk.mismatch)}`);
      }
    });
  }
});
