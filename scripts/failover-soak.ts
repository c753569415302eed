// The long failover run: many rounds of SIGKILL or SIGSTOP of the primary of three Mnemo nodes
// under Debian's redis-sentinel, with writers that WAIT for a replica after each write (see
// test/replication/failover-harness.ts). Prints each round and a summary; exits 1 if any
// acknowledged write was lost.
//   node --import tsx scripts/failover-soak.ts [--rounds 20] [--writers 8] [--pause-share 0.5] [--seed 1]

import { parseArgs } from 'node:util';
import { rng } from '../test/persistence/crash-harness.ts';
import { runFailoverRounds } from '../test/replication/failover-harness.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    writers: { type: 'string', default: '8' },
    'pause-share': { type: 'string', default: '0.5' },
    'wait-timeout': { type: 'string', default: '1000' },
    'down-after': { type: 'string', default: '1000' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const seed = Number(values.seed);
const random = rng(seed + 1);
const pauseShare = Number(values['pause-share']);
console.log(`== ${values.rounds} rounds, ${values.writers} writers, WAIT 1 ${values['wait-timeout']}, down-after ${values['down-after']} ms, seed ${seed}`);
const reports = await runFailoverRounds({
  rounds: Number(values.rounds),
  fault: () => (random() < pauseShare ? 'pause' : 'kill'),
  writers: Number(values.writers),
  minRunMs: 500,
  maxRunMs: 5000,
  waitTimeoutMs: Number(values['wait-timeout']),
  afterMs: 1000,
  downAfterMs: Number(values['down-after']),
  seed,
  log: (line) => console.log(line),
});
const sum = (pick: (r: (typeof reports)[0]) => number) => reports.reduce((total, r) => total + pick(r), 0);
const failovers = reports.map((r) => r.failoverMs).sort((a, b) => a - b);
console.log(
  `   ${sum((r) => r.acked)} acknowledged writes, ${sum((r) => r.lostAcked.length)} lost; ` +
    `${sum((r) => r.unacked)} not acknowledged, ${sum((r) => r.lostUnacked)} lost; ` +
    `failover median ${failovers[Math.floor(failovers.length / 2)]} ms, worst ${failovers[failovers.length - 1]} ms; ` +
    `worst client error time ${Math.max(...reports.map((r) => r.maxErrorMs))} ms`,
);
process.exit(reports.some((r) => r.lostAcked.length > 0) ? 1 : 0);
