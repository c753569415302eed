// COMMAND INFO, DOCS, GETKEYS and GETKEYSANDFLAGS compared byte for byte with a real Redis 7.0.15,
// in RESP2 and RESP3, for every command Mnemo implements that Redis 7.0 has. Redis lists a
// container's subcommands in hash-table order (random per process) and has more of them than
// Mnemo implements, so a container's own fields are compared and each subcommand on its own.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ACL_CATEGORIES, type RegisteredCommand } from '../../src/commands/registry.ts';
import { Harness } from '../helpers/harness.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { decodeAll } from '../helpers/resp.ts';
import { escapeBytes, replyEnd, WireConnection } from '../helpers/wire.ts';

const skip = skipWithout('redis-server');
let reference: ReferenceServer;
const redis: Record<2 | 3, WireConnection> = {} as Record<2 | 3, WireConnection>;
const mnemo: Record<2 | 3, Harness> = { 2: new Harness(), 3: new Harness() };

before(async () => {
  if (skip) return;
  reference = await startRedisReference();
  redis[2] = await WireConnection.connect(reference.port);
  redis[3] = await WireConnection.connect(reference.port);
  await redis[3].command(['HELLO', '3']);
  mnemo[3].run('HELLO', '3');
});

after(async () => {
  if (skip) return;
  redis[2].close();
  redis[3].close();
  await reference.close();
});

/** The commands and subcommands both servers have (Mnemo's later-version ones are marked). */
function shared(): RegisteredCommand[] {
  return mnemo[2].server.commands.all.flatMap((cmd) => [cmd, ...cmd.subcommands]).filter((cmd) => cmd.meta.provenance === undefined);
}

/** The items of the aggregate reply at the start of `bytes` (a map's keys and values in turn). */
function items(bytes: Buffer): Buffer[] {
  const header = bytes.indexOf('\r\n');
  let count = Number(bytes.toString('latin1', 1, header));
  if (bytes[0] === 0x25) count *= 2;
  const out: Buffer[] = [];
  let at = header + 2;
  for (let i = 0; i < count; i++) {
    const end = replyEnd(bytes, at);
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}

async function both(resp: 2 | 3, args: string[]): Promise<{ mine: Buffer; theirs: Buffer }> {
  const theirs = await redis[resp].command(args);
  assert.ok(theirs !== null, 'redis-server closed the connection');
  return { mine: mnemo[resp].raw(args), theirs };
}

function assertSameBytes(mine: Buffer, theirs: Buffer, what: string): void {
  if (!mine.equals(theirs)) assert.fail(`${what}\n  mnemo: ${escapeBytes(mine)}\n  redis: ${escapeBytes(theirs)}`);
}

for (const resp of [2, 3] as const) {
  test(`COMMAND INFO of every shared command is Redis's, byte for byte (RESP${resp})`, { skip }, async () => {
    for (const cmd of shared()) {
      const { mine, theirs } = await both(resp, ['COMMAND', 'INFO', cmd.fullName]);
      if (cmd.subcommands.length === 0) {
        assertSameBytes(mine, theirs, `COMMAND INFO ${cmd.fullName}`);
        continue;
      }
      const [mineInfo, theirInfo] = [items(mine)[0]!, items(theirs)[0]!];
      items(mineInfo)
        .slice(0, 9)
        .forEach((field, i) => assertSameBytes(field, items(theirInfo)[i]!, `COMMAND INFO ${cmd.fullName} field ${i}`));
    }
  });

  test(`COMMAND DOCS of every shared command is Redis's, byte for byte (RESP${resp})`, { skip }, async () => {
    for (const cmd of shared()) {
      const { mine, theirs } = await both(resp, ['COMMAND', 'DOCS', cmd.fullName]);
      if (cmd.subcommands.length === 0) {
        assertSameBytes(mine, theirs, `COMMAND DOCS ${cmd.fullName}`);
        continue;
      }
      // Everything but the "subcommands" entry, which comes last.
      const [mineDocs, theirDocs] = [items(items(mine)[1]!), items(items(theirs)[1]!)];
      assert.equal(mineDocs.length, theirDocs.length, `COMMAND DOCS ${cmd.fullName} fields`);
      mineDocs.slice(0, -1).forEach((field, i) => assertSameBytes(field, theirDocs[i]!, `COMMAND DOCS ${cmd.fullName} item ${i}`));
    }
  });
}

/** Command lines for GETKEYS: every kind of key spec, the key procedures, and Redis's errors. */
const GETKEYS_CASES: string[][] = [
  ['get', 'k'],
  ['set', 'k', 'v'],
  ['set', 'k', 'v', 'GET'],
  ['set', 'k', 'v', 'EX', '10', 'get'],
  ['set', 'k', 'v', 'NX', 'GETX'],
  ['mset', 'a', '1', 'b', '2'],
  ['msetnx', 'a', '1', 'b', '2', 'c'],
  ['mget', 'a', 'b', 'c'],
  ['del', 'a', 'b'],
  ['rename', 'a', 'b'],
  ['copy', 'a', 'b', 'DB', '1'],
  ['smove', 'a', 'b', 'm'],
  ['lmove', 'a', 'b', 'LEFT', 'RIGHT'],
  ['blmove', 'a', 'b', 'LEFT', 'RIGHT', '0'],
  ['brpoplpush', 'a', 'b', '0'],
  ['blpop', 'a', 'b', '0'],
  ['bzpopmax', 'a', '1.5'],
  ['lmpop', '2', 'a', 'b', 'LEFT'],
  ['lmpop', '1', 'a', 'b', 'LEFT', 'COUNT', '2'],
  ['lmpop', '0', 'a', 'LEFT'],
  ['lmpop', '5', 'a', 'LEFT'],
  ['lmpop', 'x', 'a', 'LEFT'],
  ['lmpop', '1x', 'a', 'LEFT'],
  ['blmpop', '0', '2', 'a', 'b', 'RIGHT'],
  ['zmpop', '1', 'z', 'MIN'],
  ['bzmpop', '1', '1', 'z', 'MAX', 'COUNT', '3'],
  ['sintercard', '2', 'a', 'b', 'LIMIT', '1'],
  ['sintercard', '-1', 'a'],
  ['zintercard', '2', 'a', 'b'],
  ['zunion', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
  ['zinter', '1', 'a'],
  ['zdiff', '3', 'a', 'b'],
  ['zunionstore', 'dst', '2', 'a', 'b'],
  ['zinterstore', 'dst', '2', 'a', 'b', 'AGGREGATE', 'MAX'],
  ['zdiffstore', 'dst', '1', 'a'],
  ['zunionstore', 'dst', '0', 'a'],
  ['zunionstore', 'dst', ' 2', 'a', 'b'],
  ['zrangestore', 'dst', 'src', '0', '-1'],
  ['sinterstore', 'dst', 'a', 'b'],
  ['bitop', 'AND', 'dst', 'a', 'b'],
  ['bitfield', 'k', 'GET', 'u8', '0'],
  ['bitfield', 'k', 'GET', 'u8', '0', 'OVERFLOW', 'SAT'],
  ['bitfield', 'k', 'SET', 'u8', '0', '1'],
  ['bitfield', 'k', 'INCRBY', 'u8', '0'],
  ['bitfield', 'k'],
  ['bitfield_ro', 'k', 'GET', 'u8', '0'],
  ['sort', 'k'],
  ['sort', 'k', 'BY', 'w_*', 'GET', '#', 'STORE', 'dst'],
  ['sort', 'k', 'STORE', 'a', 'LIMIT', '0', '1', 'STORE', 'b'],
  ['sort', 'k', 'STORE'],
  ['sort', 'k', 'GET', 'store', 'x'],
  ['sort_ro', 'k', 'BY', 'w_*'],
  ['lcs', 'a', 'b', 'LEN'],
  ['object', 'encoding', 'k'],
  ['memory', 'usage', 'k', 'SAMPLES', '5'],
  ['watch', 'a', 'b'],
  ['expire', 'k', '10', 'NX'],
  ['hexists', 'h', 'f'],
  ['getex', 'k', 'PERSIST'],
  // Redis's errors, checked in its order.
  ['nosuch', 'a'],
  ['config', 'nosuch'],
  ['ping'],
  ['config', 'get', 'x'],
  ['get'],
  ['get', 'a', 'b'],
  ['keys', '*'],
  ['scan', '0'],
];

for (const resp of [2, 3] as const) {
  test(`COMMAND GETKEYS and GETKEYSANDFLAGS find Redis's keys and flags, byte for byte (RESP${resp})`, { skip }, async () => {
    for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
      for (const args of GETKEYS_CASES) {
        const { mine, theirs } = await both(resp, ['COMMAND', sub, ...args]);
        assertSameBytes(mine, theirs, `COMMAND ${sub} ${args.join(' ')}`);
      }
    }
  });
}

test('COMMAND LIST FILTERBY ACLCAT and PATTERN select the commands Redis selects', { skip }, async () => {
  const ours = new Set(shared().map((cmd) => cmd.fullName));
  const names = async (args: string[]) => {
    const { mine, theirs } = await both(2, ['COMMAND', 'LIST', ...args]);
    const [m, t] = [decodeAll(mine)[0] as string[], decodeAll(theirs)[0] as string[]];
    return { mine: m.filter((name) => ours.has(name)).sort(), theirs: t.filter((name) => ours.has(name)).sort() };
  };
  for (const category of [...ACL_CATEGORIES, 'nosuch']) {
    const { mine, theirs } = await names(['FILTERBY', 'ACLCAT', category.toUpperCase()]);
    assert.deepEqual(mine, theirs, `ACLCAT ${category}`);
  }
  for (const pattern of ['*', 'z*', 'CONFIG|*', '*|help', '?et', 'client|[gs]et*']) {
    const { mine, theirs } = await names(['FILTERBY', 'PATTERN', pattern]);
    assert.deepEqual(mine, theirs, `PATTERN ${pattern}`);
  }
  for (const args of [['FILTERBY', 'MODULE', 'x'], ['FILTERBY', 'nosuch', 'x'], ['nosuch'], ['FILTERBY', 'ACLCAT']]) {
    const { mine, theirs } = await both(2, ['COMMAND', 'LIST', ...args]);
    assertSameBytes(mine, theirs, `COMMAND LIST ${args.join(' ')}`);
  }
});

test('COMMAND COUNT, COMMAND, COMMAND LIST and COMMAND DOCS cover the same commands', () => {
  const h = mnemo[2];
  const all = h.run('COMMAND') as unknown[][];
  assert.equal(h.run('COMMAND', 'COUNT'), all.length);
  const topLevel = all.map((info) => info[0] as string);
  const withSubs = all.flatMap((info) => [info[0] as string, ...(info[9] as unknown[][]).map((sub) => sub[0] as string)]);
  assert.deepEqual(h.run('COMMAND', 'LIST'), withSubs);
  const docs = h.run('COMMAND', 'DOCS') as unknown[];
  assert.deepEqual(
    docs.filter((_, i) => i % 2 === 0),
    topLevel,
  );
});
