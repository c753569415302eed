// Crash safety with real processes (a few rounds; scripts/crash-soak.ts runs many): SIGKILL
// during writes and during BGREWRITEAOF, restart, and check what appendfsync promised.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashRounds, type FsyncPolicy } from './crash-harness.ts';

for (const policy of ['always', 'everysec'] as FsyncPolicy[]) {
  test(`appendfsync ${policy}: after SIGKILL the server starts again with no value corrupted and ${policy === 'always' ? 'every acknowledged write' : 'all but the last ~2 s of writes'}`, async () => {
    const reports = await runCrashRounds({
      policy,
      rounds: 3,
      writers: 4,
      minRunMs: 300,
      maxRunMs: 1200,
      seed: policy === 'always' ? 7 : 11,
      // Small thresholds, so automatic rewrites also run (and get killed) between the BGREWRITEAOFs.
      args: ['--auto-aof-rewrite-min-size', '64kb', '--auto-aof-rewrite-percentage', '50'],
    });
    assert.equal(reports.length, 3);
    for (const report of reports) {
      assert.deepEqual(report.problems, [], `round ${report.round}`);
      assert.ok(report.acked > 0, `round ${report.round} acknowledged nothing`);
    }
    if (policy === 'always') assert.deepEqual(reports.map((r) => r.missingAcked), [0, 0, 0]);
  });
}
