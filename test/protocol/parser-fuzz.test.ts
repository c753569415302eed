import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RespParser } from '../../src/protocol/resp/parser.ts';
import { encodeCommand } from '../helpers/wire.ts';
import { LIMITS, parseChunks, splitAt } from './parse.ts';

// A fixed seed keeps CI reproducible; MNEMO_FUZZ_SEED explores other inputs.
const SEED = Number(process.env.MNEMO_FUZZ_SEED ?? 4104);
const FUZZ_LIMITS = { ...LIMITS, maxBulkLength: 1024 * 1024 };

const argument = fc.oneof(
  fc.uint8Array({ maxLength: 20 }),
  fc.constantFrom('', '*', '$', '\r\n', '"', "'", '\\x00'),
  // Past the 32 KB big-argument threshold; built directly, as fast-check is slow at big arrays.
  fc.tuple(fc.nat(100), fc.nat(255)).map(([extra, fill]) => Buffer.alloc(33_000 + extra, fill)),
);
const command = fc.array(argument, { minLength: 1, maxLength: 5 });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

test('any byte split of a valid pipeline yields the commands that were encoded', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 6 }), cuts, (commands, cutPoints) => {
      const data = Buffer.concat(commands.map((args) => encodeCommand(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)))));
      const parsed = parseChunks(
        splitAt(
          data,
          cutPoints.map((c) => c % (data.length + 1)),
        ),
        FUZZ_LIMITS,
      );
      assert.equal(parsed.error, null);
      assert.deepEqual(
        parsed.commands,
        commands.map((args) => args.map((a) => Buffer.from(a).toString('latin1'))),
      );
    }),
    { seed: SEED, numRuns: 150 },
  );
});

// Garbage biased towards protocol bytes, so that it reaches deep parser states.
const garbage = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)),
      fc.constantFrom('*', '$', '\r\n', '\n', '\r', '"', "'", '\\', ' ', '-1', '0', '3', '12', '99999', '*2\r\n', '$3\r\n', 'PING').map((s) => Buffer.from(s)),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.concat(parts));

test('garbage never throws and gives commands then at most one error, however it is split', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(garbage, cuts, (data, cutPoints) => {
      const whole = parseChunks([data], FUZZ_LIMITS);
      for (const argv of whole.commands) assert.ok(argv.length > 0, 'no empty command comes back');
      const split = parseChunks(
        splitAt(
          data,
          cutPoints.map((c) => c % (data.length + 1)),
        ),
        FUZZ_LIMITS,
      );
      assert.deepEqual(split, whole);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('after a protocol error the parser returns nothing more, whatever arrives', () => {
  const parser = new RespParser(LIMITS);
  parser.push(Buffer.from('*x\r\n'));
  assert.equal(parser.next(), null);
  const error = parser.error;
  parser.push(Buffer.from('PING\r\n*1\r\n$4\r\nPING\r\n'));
  assert.equal(parser.next(), null);
  assert.equal(parser.error, error);
});
