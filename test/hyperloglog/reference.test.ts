// Mnemo against a real redis-server 7.0.15 on seeded random HyperLogLog workloads: every reply,
// and after each write the value's bytes (GET), must be identical, through sparse edits, the
// sparse limit (changed at random), promotion to dense, merges and cached counts. Values also
// cross over: Redis's bytes SET into Mnemo (and Mnemo's into Redis) keep working the same.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { escapeBytes, WireConnection } from '../helpers/wire.ts';
import { Rng } from '../fuzz/rng.ts';

const skip = skipWithout('redis-server');
let reference: ReferenceServer;
let redis: WireConnection;

before(async () => {
  if (skip) return;
  reference = await startRedisReference();
  redis = await WireConnection.connect(reference.port);
});

after(async () => {
  if (skip) return;
  redis.close();
  await reference.close();
});

/** The last commands sent, shown when a reply differs. */
const recent: string[] = [];

async function both(h: Harness, args: (string | Buffer)[]): Promise<Buffer> {
  const mine = h.raw(args);
  const theirs = (await redis.command(args))!;
  recent.push(args.map((a) => escapeBytes(Buffer.from(a))).join(' ').slice(0, 120));
  if (recent.length > 6) recent.shift();
  if (!mine.equals(theirs)) {
    let at = 0;
    while (mine[at] === theirs[at]) at++;
    assert.fail(
      `replies differ at byte ${at} of ${theirs.length} after:\n${recent.join('\n')}\n` +
        `mnemo: ${escapeBytes(mine.subarray(Math.max(0, at - 16), at + 16))}\nredis: ${escapeBytes(theirs.subarray(Math.max(0, at - 16), at + 16))}`,
    );
  }
  return mine;
}

function randomElement(rng: Rng): Buffer {
  if (rng.chance(0.5)) return Buffer.from(`e${rng.int(20_000)}`);
  return Buffer.from(Array.from({ length: rng.int(20) }, () => rng.int(256)));
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`random PFADD/PFCOUNT/PFMERGE sequences leave the same bytes as Redis (seed ${seed})`, { skip }, async () => {
    const rng = new Rng(seed);
    const h = new Harness();
    await redis.command(['FLUSHALL']);
    await redis.command(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    const keys = ['h0', 'h1', 'h2', 'h3'];
    for (let step = 0; step < 300; step++) {
      const roll = rng.next();
      const key = rng.pick(keys);
      if (roll < 0.05) {
        const limit = String(rng.pick([0, 16, 40, 300, 3000, 5000]));
        await both(h, ['CONFIG', 'SET', 'hll-sparse-max-bytes', limit]);
      } else if (roll < 0.7) {
        const count = rng.chance(0.8) ? rng.between(1, 8) : rng.between(50, 400);
        await both(h, ['PFADD', key, ...Array.from({ length: count }, () => randomElement(rng))]);
        await both(h, ['GET', key]);
      } else if (roll < 0.85) {
        await both(h, ['PFCOUNT', ...rng.some(keys, 3)]);
        await both(h, ['GET', key]);
      } else if (roll < 0.97) {
        await both(h, ['PFMERGE', key, ...rng.some(keys, 3)]);
        await both(h, ['GET', key]);
      } else {
        await both(h, ['PFDEBUG', 'TODENSE', key]);
        await both(h, ['GET', key]);
      }
    }
    await both(h, ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  });
}

test('values move between Redis and Mnemo as bytes and keep counting the same', { skip }, async () => {
  const h = new Harness();
  await redis.command(['FLUSHALL']);
  const rng = new Rng(9);
  for (const size of [3, 300, 3000]) {
    const items = Array.from({ length: size }, () => randomElement(rng));
    await both(h, ['PFADD', 'src', ...items]);
    const fromRedis = (await redis.command(['GET', 'src']))!;
    const bytes = fromRedis.subarray(fromRedis.indexOf('\r\n') + 2, -2);
    h.run('SET', 'copy', bytes);
    await redis.command(['SET', 'copy', Buffer.from(h.runBinary('GET', 'src') as string, 'latin1')]);
    const more = Array.from({ length: 20 }, () => randomElement(rng));
    await both(h, ['PFADD', 'copy', ...more]);
    await both(h, ['GET', 'copy']);
    await both(h, ['PFCOUNT', 'copy', 'src']);
    await both(h, ['DEL', 'src', 'copy']);
  }
});
