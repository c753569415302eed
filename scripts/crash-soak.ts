// The long crash-safety run: many rounds of SIGKILL during writes and BGREWRITEAOF against a
// real mnemo-server with appendonly yes, for each appendfsync policy and base format, checking
// what each policy promises (see test/persistence/crash-harness.ts). Exits 1 on any broken promise.
//   node --import tsx scripts/crash-soak.ts [--rounds 50] [--writers 8] [--seed 1]

import { parseArgs } from 'node:util';
import { runCrashRounds, type FsyncPolicy } from '../test/persistence/crash-harness.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '50' },
    writers: { type: 'string', default: '8' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const rounds = Number(values.rounds);
const writers = Number(values.writers);
const seed = Number(values.seed);
let failed = false;
for (const policy of ['always', 'everysec'] as FsyncPolicy[]) {
  for (const preamble of ['yes', 'no']) {
    console.log(`== appendfsync ${policy}, aof-use-rdb-preamble ${preamble}, ${rounds} rounds, ${writers} writers, seed ${seed}`);
    const reports = await runCrashRounds({
      policy,
      rounds,
      writers,
      minRunMs: 200,
      maxRunMs: 3000,
      seed,
      args: ['--aof-use-rdb-preamble', preamble, '--auto-aof-rewrite-min-size', '1mb', '--auto-aof-rewrite-percentage', '50'],
      log: (line) => console.log(line),
    });
    const broken = reports.filter((r) => r.problems.length > 0);
    const lost = reports.reduce((total, r) => total + r.missingAcked, 0);
    const acked = reports.reduce((total, r) => total + r.acked, 0);
    console.log(`   ${acked} acknowledged writes, ${lost} lost (allowed: ${policy === 'always' ? 'none' : 'the last ~2 s'}), ${broken.length} rounds with broken promises`);
    if (broken.length > 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
