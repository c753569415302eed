// The key-spec machinery against a real Redis 7.0.15 beyond the commands Mnemo binds today:
// every Redis 7.0 command's metadata goes through the importer's round-trip check (legacy
// first/last/step, movablekeys and ACL categories derived as Redis derives them), and the
// one key extraction finds what COMMAND GETKEYSANDFLAGS finds for the key-spec kinds that later
// families (streams, geo, scripting, hyperloglog) will use: keyword searches, range limits,
// keynum counts after an index, several specs per command.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fetchMetadata } from '../../scripts/import-command-metadata.ts';
import { extractKeys, KEY_FLAG_NAMES, KeyResult, numkeysKeys, RETURN_PARTIAL } from '../../src/commands/keyspec.ts';
import { RegisteredCommand } from '../../src/commands/registry.ts';
import type { CommandMetadata } from '../../src/commands/spec.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { decodeAll, ReplyError } from '../helpers/resp.ts';
import { WireConnection } from '../helpers/wire.ts';

const skip = skipWithout('redis-server');
let reference: ReferenceServer;
let conn: WireConnection;

before(async () => {
  if (skip) return;
  reference = await startRedisReference();
  conn = await WireConnection.connect(reference.port);
  await conn.command(['HELLO', '3']);
});

after(async () => {
  if (skip) return;
  conn.close();
  await reference.close();
});

async function metadataOf(name: string): Promise<CommandMetadata> {
  const meta = await fetchMetadata(conn, name, () => true);
  assert.ok(meta !== null, `Redis has no ${name}`);
  return meta;
}

test('the metadata of every Redis 7.0 command survives the import round trip', { skip }, async () => {
  const names = decodeAll((await conn.command(['COMMAND', 'LIST']))!)[0] as string[];
  const topLevel = names.filter((name) => !name.includes('|'));
  assert.equal(topLevel.length, 240);
  // fetchMetadata throws when a derivation differs from what the server reports.
  for (const name of topLevel) await metadataOf(name);
});

/** Redis's getkeys procedures that are a key count after `countAt` (evalGetKeys, functionGetKeys). */
const PROCS: Partial<Record<string, ReturnType<typeof numkeysKeys>>> = {
  eval: numkeysKeys(2, 3),
  eval_ro: numkeysKeys(2, 3),
  fcall: numkeysKeys(2, 3),
};

const CASES: string[][] = [
  ['xread', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
  ['xread', 'STREAMS', 'a', 'b', '0'],
  ['xread', 'BLOCK', '0', 'STREAMS', 'streams', '0'],
  ['xreadgroup', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 'a', 'b', 'c', '>', '>', '>'],
  ['xadd', 'k', 'MAXLEN', '~', '10', '*', 'f', 'v'],
  ['xgroup', 'create', 'k', 'g', '$', 'MKSTREAM'],
  ['xinfo', 'stream', 'k', 'FULL'],
  ['georadius', 'k', '0', '0', '1', 'km', 'STORE', 'd1'],
  ['georadius', 'k', '0', '0', '1', 'km', 'STOREDIST', 'd2', 'STORE', 'd1'],
  ['georadiusbymember', 'k', 'm', '1', 'km', 'STOREDIST', 'd'],
  ['geosearchstore', 'dst', 'src', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
  ['pfmerge', 'd', 'a', 'b'],
  ['pfcount', 'a', 'b'],
  ['eval', 'return 1', '2', 'a', 'b', 'x'],
  ['eval', 'return 1', '0'],
  ['eval_ro', 'return 1', '1x', 'a'],
  ['fcall', 'f', '1', 'k', 'arg'],
  ['restore', 'k', '0', 'payload', 'REPLACE'],
  ['publish', 'channel', 'message'],
];

test('extractKeys finds the keys and flags Redis finds for the key specs of later families', { skip }, async () => {
  const found = new KeyResult();
  for (const args of CASES) {
    const [name, sub] = args as [string, string];
    const meta = await metadataOf(name);
    const subMeta = meta.subcommands?.[sub.toUpperCase()];
    const fullName = subMeta ? `${name}|${sub.toLowerCase()}` : name;
    // Commands whose own procedure is not written yet (XREAD's, GEORADIUS's) run on their specs,
    // which decide for these command lines.
    const procedure = PROCS[name];
    const cmd = new RegisteredCommand(
      { name: fullName, handler: () => {}, ...(procedure ? { getKeys: procedure } : {}) },
      { ...(subMeta ?? meta), subcommands: {}, ...(procedure ? {} : { get_keys_function: undefined }) },
    );
    const argv = args.map((arg) => Buffer.from(arg));
    extractKeys(cmd, argv, found);
    const mine = Array.from({ length: found.count }, (_, i) => [
      args[found.positions[i]!],
      KEY_FLAG_NAMES.filter(([, , bit]) => found.flags[i]! & bit).map(([, reply]) => reply),
    ]);
    const reply = decodeAll((await conn.command(['COMMAND', 'GETKEYSANDFLAGS', ...args]))!)[0];
    const theirs = reply instanceof ReplyError ? [] : (reply as [string, Set<string>][]).map(([key, flags]) => [key, [...flags]]);
    assert.deepEqual(mine, theirs, args.join(' '));
  }
});

test('with RETURN_PARTIAL, incomplete specs give the keys they can find (MIGRATE)', { skip }, async () => {
  const cmd = new RegisteredCommand({ name: 'migrate', handler: () => {}, getKeys: () => {} }, await metadataOf('migrate'));
  const argv = ['migrate', 'h', '1', '', '0', '5000', 'KEYS', 'a', 'b'].map((arg) => Buffer.from(arg));
  const found = new KeyResult();
  // By default the INCOMPLETE specs hand over to the command's own procedure (a no-op here).
  assert.equal(extractKeys(cmd, argv, found), 0);
  // Partially: the key at 3, then the KEYS keyword found searching back from the end.
  assert.equal(extractKeys(cmd, argv, found, RETURN_PARTIAL), 3);
  assert.deepEqual(found.positions.slice(0, 3), [3, 7, 8]);
});
