// Meta-tests over the command table: the README lists exactly what the server implements,
// every command has metadata whose key specs agree with its arguments, and every command is
// exercised by some test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_COMMANDS } from '../../src/commands/index.ts';
import { commandMetadata } from '../../src/commands/metadata.ts';
import { CommandTable, type RegisteredCommand } from '../../src/commands/registry.ts';
import type { ArgumentJson, CommandMetadata, CommandSpec } from '../../src/commands/spec.ts';
import { withTable } from '../../scripts/command-table.ts';

function allCommands(): RegisteredCommand[] {
  return new CommandTable(ALL_COMMANDS).all.flatMap((cmd) => [cmd, ...cmd.subcommands]);
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(test\.ts|redis)$/.test(name)) out.push(path);
  }
  return out;
}

/** Arguments that are keys or name a key spec (SORT's BY pattern is a "pattern" with a key spec). */
function keyArguments(args: readonly ArgumentJson[] = []): ArgumentJson[] {
  return args.flatMap((arg) => [...(arg.type === 'key' || arg.key_spec_index !== undefined ? [arg] : []), ...keyArguments(arg.arguments)]);
}

test('the README command table matches the command table', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, withTable(readme), 'run: node --import tsx scripts/command-table.ts --write');
});

test('every command and subcommand has ACL categories and docs', () => {
  for (const cmd of allCommands()) {
    assert.ok(cmd.categoryNames.length > 0, `${cmd.fullName} has no ACL categories`);
    assert.ok(cmd.meta.summary && cmd.meta.since, `${cmd.fullName} has no docs`);
  }
});

test('the table refuses a command without metadata, metadata without a command, and a missing key procedure', () => {
  const meta = commandMetadata();
  const only = (names: string[]) => new Map([...meta].filter(([name]) => names.includes(name)));
  const handler = () => {};
  assert.throws(() => new CommandTable([{ name: 'nosuch', handler }], only([])), /nosuch has no metadata/);
  assert.throws(() => new CommandTable([{ name: 'get', handler }], only(['get', 'set'])), /set has metadata but no handler/);
  assert.throws(() => new CommandTable([{ name: 'set', handler }], only(['set'])), /set needs a getKeys procedure \(Redis's setGetKeys\)/);
  assert.throws(() => new CommandTable([{ name: 'get', handler, getKeys: () => {} }], only(['get'])), /get has a getKeys procedure/);
  const configGet: CommandSpec = { name: 'config|get', handler };
  assert.throws(() => new CommandTable([{ name: 'config', subcommands: [configGet] }], only(['config'])), /config\|\w+ has metadata but no handler/);
});

test('every key spec is used by an argument and every key argument names a key spec (as Redis generator checks)', () => {
  const problems: string[] = [];
  const check = (name: string, meta: CommandMetadata) => {
    const specs = meta.key_specs ?? [];
    // As Redis's generator: a NOT_KEY spec (shard channels of SSUBSCRIBE, SPUBLISH,
    // SUNSUBSCRIBE) exempts the command, its argument being no key.
    if (specs.some((spec) => spec.flags.includes('NOT_KEY'))) return;
    const used = new Set<number>();
    for (const arg of keyArguments(meta.arguments)) {
      if (arg.key_spec_index === undefined || arg.key_spec_index >= specs.length) problems.push(`${name}: argument ${arg.name} names no key spec`);
      else used.add(arg.key_spec_index);
    }
    specs.forEach((_, i) => {
      if (!used.has(i)) problems.push(`${name}: key spec ${i} has no argument`);
    });
    for (const [sub, subMeta] of Object.entries(meta.subcommands ?? {})) check(`${name}|${sub.toLowerCase()}`, subMeta);
  };
  for (const [name, meta] of commandMetadata()) check(name, meta);
  assert.deepEqual(problems, []);
});

test('metadata not imported from Redis 7.0.15 says where it comes from', () => {
  // Commands that are not Redis's at all: RedisTimeSeries's, and Mnemo's own SQL.
  const notRedis = (provenance: string) => /^RedisTimeSeries 1\.10 |^Mnemo's own command/.test(provenance);
  const handWritten = allCommands()
    .filter((cmd) => cmd.meta.provenance !== undefined && !notRedis(cmd.meta.provenance))
    .map((cmd) => cmd.fullName)
    .sort();
  // Everything else Redis 7.0.15 has; these come from later versions' command JSON.
  assert.deepEqual(handWritten, [
    'client|no-touch',
    'client|setinfo',
    'hexpire',
    'hexpireat',
    'hexpiretime',
    'hpersist',
    'hpexpire',
    'hpexpireat',
    'hpexpiretime',
    'hpttl',
    'httl',
  ]);
  for (const cmd of allCommands()) {
    const provenance = cmd.meta.provenance;
    if (provenance !== undefined && !notRedis(provenance)) assert.match(provenance, /^Redis 7\.[24]\.0 src\/commands\/[\w-]+\.json/);
  }
});

/**
 * Commands some test really sends: the first word (two for a subcommand) of a line of a
 * differential case file, or the first one or two string arguments of a call in a test
 * (h.run('GET', ...), runAs(client, 'CONFIG', 'SET', ...), command(['LPUSH', ...]), ...) or of
 * an argument list that starts a line (a table of commands: `  ['CLUSTER', 'INFO'],`).
 */
function exercisedCommands(): Set<string> {
  const seen = new Set<string>();
  const add = (first: string, second: string | undefined) => {
    seen.add(first.toLowerCase());
    if (second !== undefined) seen.add(`${first}|${second}`.toLowerCase());
  };
  for (const path of files('test')) {
    const text = readFileSync(path, 'utf8');
    if (path.endsWith('.redis')) {
      for (const line of text.split('\n')) {
        const words = line.trim().split(/\s+/);
        if (words[0] !== undefined && words[0] !== '' && !words[0].startsWith('#')) add(words[0], words[1]);
      }
      continue;
    }
    const call = /(?:\(\s*(?:[\w.]+,\s*)?\[?|^\s*\[)\s*(['"`])([A-Za-z][\w.-]*)\1(?:\s*,\s*(['"`])([A-Za-z][\w-]*)\3)?/gm;
    for (const match of text.matchAll(call)) add(match[2]!, match[4]);
  }
  return seen;
}

test('every command and subcommand is sent by at least one test or differential case', () => {
  const exercised = exercisedCommands();
  const untested = allCommands()
    .map((cmd) => cmd.fullName)
    .filter((name) => !exercised.has(name));
  assert.deepEqual(untested, []);
});
