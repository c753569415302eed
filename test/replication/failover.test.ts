// The no-acknowledged-write-lost harness (failover-harness.ts), short: one round where the
// primary is killed, one where it is paused, under writers that WAIT for a replica after each
// write. scripts/failover-soak.ts runs many rounds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithout } from '../helpers/reference.ts';
import { runFailoverRounds, type Fault } from './failover-harness.ts';

test('no write acknowledged by WAIT 1 is lost when Sentinel fails over a killed, then a paused, primary', { skip: skipWithout('redis-sentinel') }, async (t) => {
  const faults: Fault[] = ['kill', 'pause'];
  const reports = await runFailoverRounds({
    rounds: faults.length,
    fault: (round) => faults[round - 1]!,
    writers: 4,
    minRunMs: 300,
    maxRunMs: 1500,
    waitTimeoutMs: 500,
    afterMs: 500,
    downAfterMs: 1000,
    seed: 16,
    // One replica, so that WAIT 1 means every replica and the promoted one must have each
    // acknowledged write (CI saw Sentinel promote the other of two; see FailoverOptions.replicas).
    replicas: 1,
    log: (line) => t.diagnostic(line),
  });
  for (const report of reports) {
    assert.ok(report.acked > 0, `round ${report.round}: no write was acknowledged`);
    assert.deepEqual(report.lostAcked, [], `round ${report.round} (${report.fault}) lost acknowledged writes`);
  }
});
