// The hybrid storage example (examples/hybrid-storage): a dataset several times the hot-tier
// budget, every value readable, memory held to the budget, idle values aged to disk.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, documentOf, load, report, startHybrid } from '../../examples/hybrid-storage/start.ts';

const MB = 1048576;

test('a dataset four times the hot budget stays readable while used_memory stays within the budget', async (t) => {
  const budget = 8 * MB;
  const documents = 30_000; // about 1 KB each: 30 MB of values
  const { mnemo, client } = await startHybrid({ budgetBytes: budget });
  t.after(async () => {
    await client.close();
    await mnemo.close();
  });
  let peak = 0;
  await load(client, documents, (r) => (peak = Math.max(peak, r.usedMemory)));
  const loaded = await report(client);
  console.log(`# after loading: ${describe(loaded)}; peak used_memory ${(peak / MB).toFixed(1)} MB`);
  // Demotion runs before each command, so a batch may pass the budget by what it wrote.
  assert.ok(peak <= budget * 1.1, `used_memory peaked at ${peak} for a budget of ${budget}`);
  assert.ok(loaded.coldKeys > documents / 2, `only ${loaded.coldKeys} of ${documents} documents went to disk`);

  // A read brings its cold values back before the next command sends others out: between two
  // commands used_memory may pass the budget by what one MGET of 100 documents promoted.
  let readPeak = 0;
  for (let from = 0; from < documents; from += 100) {
    const values = await client.mGet(Array.from({ length: 100 }, (_, i) => `doc:${from + i}`));
    values.forEach((value, i) => assert.equal(value, documentOf(from + i), `doc:${from + i}`));
    if (from % 1000 === 0) readPeak = Math.max(readPeak, (await report(client)).usedMemory);
  }
  console.log(`# reading every document back: used_memory peaked at ${(readPeak / MB).toFixed(2)} MB`);
  assert.ok(readPeak <= budget * 1.1, `used_memory peaked at ${readPeak} while reading back`);
  const after = await report(client);
  assert.ok(after.promotions >= loaded.coldKeys, 'cold documents were promoted to be read');
});

test('tiering-archive-after moves values nobody reads to disk without memory pressure', async (t) => {
  // Three seconds, not one: the access clock counts whole seconds, so a value read a moment
  // before a second ticks over is already "one second" idle (CI saw documents in use archived).
  const { mnemo, client } = await startHybrid({ budgetBytes: 512 * MB, archiveAfterSeconds: 3 });
  t.after(async () => {
    await client.close();
    await mnemo.close();
  });
  // Far below the budget: only age sends documents to disk (the access clock counts whole
  // seconds, so the first ones loaded may already count as a second idle).
  await load(client, 2000);
  // Keep the first hundred documents in use; the rest go idle.
  const deadline = Date.now() + 45_000;
  let r = await report(client);
  // The archiver samples keys, as expiry does: the last idle ones are found more slowly.
  while (r.coldKeys < 1800 && Date.now() < deadline) {
    await client.mGet(Array.from({ length: 100 }, (_, i) => `doc:${i}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    r = await report(client);
  }
  console.log(`# archived by age: ${describe(r)}`);
  assert.ok(r.coldKeys >= 1800, `only ${r.coldKeys} of 1,900 idle documents were archived`);
  const inUse = await Promise.all(Array.from({ length: 100 }, (_, n) => client.sendCommand(['TIERING.WHERE', `doc:${n}`])));
  assert.deepEqual(new Set(inUse), new Set(['hot']), 'the documents in use stay in memory');
  const idle = await Promise.all(Array.from({ length: 1900 }, (_, n) => client.sendCommand(['TIERING.WHERE', `doc:${100 + n}`])));
  const archived = 100 + idle.map(String).indexOf('cold');
  assert.equal(await client.get(`doc:${archived}`), documentOf(archived), 'an archived document reads back whole');
});
