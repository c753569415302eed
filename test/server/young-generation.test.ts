import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const moduleUrl = new URL('../../src/server/young-generation.ts', import.meta.url).href;

/**
 * The young generation's size (MB) in a fresh node process after it has allocated and kept a
 * stream of objects, with or without keepYoungGenerationSmall first. A child process, as the
 * V8 flag it sets is process-wide.
 */
function youngGenerationAfterLoad(keepSmall: boolean): { before: number; after: number } {
  const script = `
    import v8 from 'node:v8';
    import { keepYoungGenerationSmall } from ${JSON.stringify(moduleUrl)};
    if (${keepSmall}) keepYoungGenerationSmall();
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
    const before = young();
    const kept = [];
    let window = [];
    for (let i = 0; i < 5e6; i++) {
      window.push([i, i + 1]);
      if (window.length === 10000) { kept.push(window[0]); window = []; }
    }
    console.log(JSON.stringify({ before, after: young(), kept: kept.length }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { before: number; after: number };
}

test('V8 grows the young generation under a stream of allocations that partly survive', () => {
  const { before, after } = youngGenerationAfterLoad(false);
  assert.ok(after >= 4 * before, `young generation ${before} -> ${after} MB`);
});

test('keepYoungGenerationSmall stops that growth (the flag still acts when set at run time)', () => {
  const { before, after } = youngGenerationAfterLoad(true);
  assert.ok(after <= 2.5 * before, `young generation ${before} -> ${after} MB`);
});
