// ACL SETUSER's modifiers fuzzed against a real redis-server 7.0.15: random sequences of
// modifiers (valid and not), applied to the same user on both servers, must get the same reply,
// leave the same flags, passwords, key and channel patterns and selectors, and allow or refuse
// the same sample commands (ACL DRYRUN). The "commands" description itself is compared by the
// differential cases instead: Redis's depends on commands Mnemo lacks and on its hash order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { skipWithout, startRedisReference } from '../helpers/reference.ts';
import { decodeAll, type Reply } from '../helpers/resp.ts';
import { escapeBytes, WireConnection } from '../helpers/wire.ts';

const HASH = '2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6';

const MODIFIERS = [
  'on', 'off', 'nopass', 'resetpass', '>p1', '>p2', '<p1', '<p2', `#${HASH}`, `!${HASH}`, '#bad',
  'allkeys', 'resetkeys', '~a*', '~*', '%R~b*', '%W~c*', '%RW~d', '%R~a*', '%W~a*', '%Q~x', '%R',
  'allchannels', 'resetchannels', '&ch*', '&*', '&news',
  '+@read', '-@read', '+@write', '-@write', '+@string', '-@string', '-@hash', '+@keyspace', '+@all', '-@all',
  '+get', '-get', '+set', '-set', '+client', '-client', '+client|list', '-client|kill', '+select|0', '-select|0',
  '+config|get', '+nosuch', '+@nosuch', 'allcommands', 'nocommands',
  'reset', 'clearselectors', '(+get ~x*)', '(%R~y* +@read)', '(&ch1 +set %W~w*)', '(foo)', '()',
  'sanitize-payload', 'skip-sanitize-payload', 'bogus',
];

const SAMPLES = [
  ['get', 'a1'], ['get', 'b1'], ['get', 'x1'], ['get', 'y1'], ['set', 'c1', 'v'], ['set', 'a1', 'v'], ['set', 'w1', 'v'],
  ['del', 'd'], ['mget', 'a1', 'b1'], ['copy', 'b1', 'c1'], ['hset', 'a1', 'f', 'v'], ['lpush', 'a1', 'v'],
  ['client', 'list'], ['client', 'kill', 'id', '1'], ['select', '0'], ['select', '1'], ['config', 'get', 'port'],
  ['config', 'set', 'port', '1'], ['ping'], ['strlen', 'b2'],
];

/** A small seeded generator (mulberry32), so a failure names a reproducible seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GETUSER without the command descriptions, as comparable data. */
function withoutCommands(bytes: Buffer): Reply {
  const [reply] = decodeAll(bytes);
  if (!Array.isArray(reply)) return reply!;
  const strip = (flat: Reply[]): Reply[] => {
    const out: Reply[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      if (flat[i] === 'commands') continue;
      const value = flat[i + 1]!;
      out.push(flat[i]!, flat[i] === 'selectors' ? (value as Reply[][]).map(strip) : value);
    }
    return out;
  };
  return strip(reply);
}

test('random ACL SETUSER modifiers leave a user the same on Mnemo and Redis 7.0.15', { skip: skipWithout('redis-server') }, async () => {
  const reference = await startRedisReference();
  const redis = await WireConnection.connect(reference.port);
  const mnemo = new Harness();
  try {
    for (let seed = 1; seed <= 150; seed++) {
      const next = random(seed);
      const user = `fuzz${seed}`;
      const rounds = 1 + Math.floor(next() * 3);
      for (let round = 0; round < rounds; round++) {
        const count = 1 + Math.floor(next() * 6);
        const modifiers = Array.from({ length: count }, () => MODIFIERS[Math.floor(next() * MODIFIERS.length)]!);
        const args = ['ACL', 'SETUSER', user, ...modifiers];
        const where = `seed ${seed}: ${args.join(' ')}`;
        assert.equal(escapeBytes(mnemo.raw(args)), escapeBytes((await redis.command(args))!), where);
        const getuser = ['ACL', 'GETUSER', user];
        assert.deepEqual(withoutCommands(mnemo.raw(getuser)), withoutCommands((await redis.command(getuser))!), `${where} -> GETUSER`);
        for (const sample of SAMPLES) {
          const dryrun = ['ACL', 'DRYRUN', user, ...sample];
          assert.equal(escapeBytes(mnemo.raw(dryrun)), escapeBytes((await redis.command(dryrun))!), `${where} -> DRYRUN ${sample.join(' ')}`);
        }
      }
    }
  } finally {
    redis.close();
    await reference.close();
  }
});
