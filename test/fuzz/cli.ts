// The long fuzz run: `npm run fuzz -- [--seconds N] [--seed S] [--length L] [--family NAME ...]`.
// Programs with consecutive seeds run against Mnemo and redis-server until the time is up;
// each difference is shrunk and printed as a repro, and the run goes on with the next seed.

import { parseArgs } from 'node:util';
import { startServer } from '../../src/server/run.ts';
import { startRedisReference } from '../helpers/reference.ts';
import { families } from './families/index.ts';
import { generate } from './program.ts';
import { describeMismatch, runSteps, shrink } from './runner.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    length: { type: 'string', default: '200' },
    family: { type: 'string', multiple: true },
  },
});
const only = values.family === undefined ? families : families.filter((f) => values.family!.includes(f.name));
if (only.length === 0) throw new Error(`no such family; families: ${families.map((f) => f.name).join(', ')}`);
const deadline = Date.now() + Number(values.seconds) * 1000;
const length = Number(values.length);
let seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);

const STARTUP = { 'enable-debug-command': 'local' };
const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: STARTUP });
const redis = await startRedisReference(['--enable-debug-command', 'local']);
const servers = { mnemoPort: mnemo.port, redisPort: redis.port };
let programs = 0;
let differences = 0;
try {
  console.log(`fuzzing ${only.map((f) => f.name).join(', ')} from seed ${seed}, ${length} steps a program, for ${values.seconds} s`);
  while (Date.now() < deadline) {
    const program = generate(seed, length, only);
    const found = await runSteps(servers, program, program.steps);
    programs++;
    if (found !== null) {
      differences++;
      const shrunk = await shrink(servers, program, found);
      console.log(`\n--- difference (seed ${seed}) ---\n${describeMismatch(program, shrunk.steps, shrunk.mismatch)}`);
    }
    seed = (seed + 1) >>> 0;
  }
} finally {
  await mnemo.close();
  await redis.close();
}
console.log(`\n${programs} programs, ${differences} with a difference`);
process.exit(differences === 0 ? 0 : 1);
