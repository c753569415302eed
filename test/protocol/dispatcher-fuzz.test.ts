import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Flag, type RegisteredCommand } from '../../src/commands/registry.ts';
import { Harness } from '../helpers/harness.ts';
import { escapeBytes, replyEnd } from '../helpers/wire.ts';

const SEED = Number(process.env.MNEMO_FUZZ_SEED ?? 4104);

/**
 * Commands left out: those that wipe or swap whole databases (the canary would rightly go),
 * touch the process, files or network, change server-wide settings, block, answer more or
 * less than once (subscriptions, CLIENT REPLY), or run scripts.
 */
const EXCLUDED = new Set([
  'flushall', 'flushdb', 'swapdb', 'shutdown', 'monitor', 'client', 'config', 'debug', 'acl',
  'save', 'bgsave', 'bgrewriteaof', 'sync', 'psync', 'replicaof', 'slaveof', 'failover', 'migrate',
  'wait', 'quit', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'script', 'function', 'fcall', 'fcall_ro',
  'module', 'cluster', 'readonly', 'readwrite', 'asking', 'lastsave',
]);

function fuzzable(cmd: RegisteredCommand): boolean {
  const name = cmd.spec.name;
  return !EXCLUDED.has(name.split('|')[0]!) && !cmd.has(Flag.Admin | Flag.Blocking | Flag.Pubsub);
}

/** Each fuzzable command as the words that call it: ["get"], ["object", "encoding"], ... */
function callableNames(h: Harness): string[][] {
  const names: string[][] = [];
  for (const cmd of h.server.commands.all) {
    if (!fuzzable(cmd)) continue;
    if (cmd.subcommands.length === 0) names.push([cmd.spec.name]);
    for (const sub of cmd.subcommands) if (fuzzable(sub)) names.push(sub.spec.name.split('|'));
  }
  return names;
}

const TOKENS = [
  'k1', 'k2', '{k}3', '', '0', '1', '-1', '2', '3', '10', '-10', '100', '3.5', '-0.5', '1e3', 'inf', '-inf', '+inf', 'nan',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '18446744073709551615', '0x10', ' 1', '1 ',
  'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'PERSIST', 'GET', 'WITHSCORES', 'LIMIT', 'COUNT',
  'MATCH', 'TYPE', 'BY', 'REV', 'BYSCORE', 'BYLEX', 'STORE', 'AGGREGATE', 'SUM', 'MIN', 'MAX', 'WEIGHTS', 'LEFT', 'RIGHT',
  'BEFORE', 'AFTER', 'RANK', 'MAXLEN', 'IDLETIME', 'FREQ', 'REPLACE', 'ABSTTL', 'ALPHA', 'ASC', 'DESC', 'DB', 'COPY',
  '$', '*', '-', '+', '(1', '[a', '0-0', '~', '=', 'FIELDS', 'OVERFLOW', 'WRAP', 'SAT', 'FAIL', 'u8', 'i64', '#1', 'SET',
  'INCRBY', 'ENCODING', 'HELP', 'LEN', 'IDX', 'MINMATCHLEN', 'WITHMATCHLEN', 'BIT', 'BYTE', 'AND', 'OR', 'XOR', 'NOT',
  '\x00\xff\r\n', 'x'.repeat(300),
].map((t) => Buffer.from(t, 'latin1'));

const CANARY = Buffer.from('canary');
const PRECIOUS = Buffer.from('precious\x00value', 'latin1');

test('random arguments to every command, in RESP2 and RESP3, never break the server nor touch other keys', { timeout: 120_000 }, (t) => {
  const names = callableNames(new Harness());
  const call = fc.tuple(fc.nat(names.length - 1), fc.array(fc.nat(TOKENS.length - 1), { maxLength: 7 }));
  const internalErrors: unknown[] = [];
  const consoleError = console.error;
  t.after(() => {
    console.error = consoleError;
  });
  // The gate logs (and answers ERR to) any exception that is not a CommandError: a handler bug.
  console.error = (...args: unknown[]) => internalErrors.push(args[0]);
  fc.assert(
    fc.property(fc.boolean(), fc.array(call, { minLength: 10, maxLength: 40 }), (resp3, calls) => {
      const h = new Harness();
      h.raw(['SET', CANARY, PRECIOUS]);
      if (resp3) h.raw(['HELLO', '3']);
      for (const [nameIndex, tokenIndexes] of calls) {
        const argv = [...names[nameIndex]!.map((word) => Buffer.from(word)), ...tokenIndexes.map((i) => TOKENS[i]!)];
        const shown = argv.map((a) => escapeBytes(a).slice(0, 40)).join(' ');
        internalErrors.length = 0;
        const reply = h.raw(argv);
        assert.deepEqual(internalErrors, [], `internal error in: ${shown}`);
        assert.ok(reply.length > 0, `no reply to: ${shown}`);
        assert.equal(replyEnd(reply, 0), reply.length, `not exactly one reply to: ${shown}: ${escapeBytes(reply).slice(0, 200)}`);
      }
      const check = h.newClient();
      assert.deepEqual(h.raw(['GET', CANARY], check), Buffer.from(`$${PRECIOUS.length}\r\n${PRECIOUS.toString('latin1')}\r\n`, 'latin1'));
    }),
    { seed: SEED, numRuns: 150 },
  );
});
