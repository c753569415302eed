// Mnemo against a real redis-server 7.0.15 on seeded random HyperLogLog workloads: every reply,
// and after each write the value's bytes (GET), must be identical, through sparse edits, the
// sparse limit (changed at random), promotion to dense, merges and cached counts. Values also
// cross over: Redis's bytes SET into Mnemo (and Mnemo's into Redis) keep working the same.

import { test } from 'node:test';
import { Harness } from '../helpers/harness.ts';
import { referenceSkip as skip, SideBySide, useRedisReference } from '../helpers/side-by-side.ts';
import { Rng } from '../fuzz/rng.ts';

const reference = useRedisReference();

function randomElement(rng: Rng): Buffer {
  if (rng.chance(0.5)) return Buffer.from(`e${rng.int(20_000)}`);
  return Buffer.from(Array.from({ length: rng.int(20) }, () => rng.int(256)));
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`random PFADD/PFCOUNT/PFMERGE sequences leave the same bytes as Redis (seed ${seed})`, { skip }, async () => {
    const rng = new Rng(seed);
    const redis = reference();
    const pair = new SideBySide(new Harness(), redis);
    await redis.command(['FLUSHALL']);
    await redis.command(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    const keys = ['h0', 'h1', 'h2', 'h3'];
    for (let step = 0; step < 300; step++) {
      const roll = rng.next();
      const key = rng.pick(keys);
      if (roll < 0.05) {
        const limit = String(rng.pick([0, 16, 40, 300, 3000, 5000]));
        await pair.both(['CONFIG', 'SET', 'hll-sparse-max-bytes', limit]);
      } else if (roll < 0.7) {
        const count = rng.chance(0.8) ? rng.between(1, 8) : rng.between(50, 400);
        await pair.both(['PFADD', key, ...Array.from({ length: count }, () => randomElement(rng))]);
        await pair.both(['GET', key]);
      } else if (roll < 0.85) {
        await pair.both(['PFCOUNT', ...rng.some(keys, 3)]);
        await pair.both(['GET', key]);
      } else if (roll < 0.97) {
        await pair.both(['PFMERGE', key, ...rng.some(keys, 3)]);
        await pair.both(['GET', key]);
      } else {
        await pair.both(['PFDEBUG', 'TODENSE', key]);
        await pair.both(['GET', key]);
      }
    }
    await pair.both(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  });
}

test('values move between Redis and Mnemo as bytes and keep counting the same', { skip }, async () => {
  const redis = reference();
  const h = new Harness();
  const pair = new SideBySide(h, redis);
  await redis.command(['FLUSHALL']);
  const rng = new Rng(9);
  for (const size of [3, 300, 3000]) {
    const items = Array.from({ length: size }, () => randomElement(rng));
    await pair.both(['PFADD', 'src', ...items]);
    const fromRedis = (await redis.command(['GET', 'src']))!;
    const bytes = fromRedis.subarray(fromRedis.indexOf('\r\n') + 2, -2);
    h.run('SET', 'copy', bytes);
    await redis.command(['SET', 'copy', Buffer.from(h.runBinary('GET', 'src') as string, 'latin1')]);
    const more = Array.from({ length: 20 }, () => randomElement(rng));
    await pair.both(['PFADD', 'copy', ...more]);
    await pair.both(['GET', 'copy']);
    await pair.both(['PFCOUNT', 'copy', 'src']);
    await pair.both(['DEL', 'src', 'copy']);
  }
});
