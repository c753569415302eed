// Meta-tests over the command table: the README lists exactly what the server implements,
// every command has ACL categories, and every command is exercised by some test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_COMMANDS } from '../../src/commands/index.ts';
import type { CommandSpec } from '../../src/commands/spec.ts';
import { withTable } from '../../scripts/command-table.ts';

function allSpecs(): CommandSpec[] {
  return ALL_COMMANDS.flatMap((spec) => [spec, ...(spec.subcommands ?? [])]);
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(test\.ts|redis)$/.test(name)) out.push(path);
  }
  return out;
}

test('the README command table matches the command table', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, withTable(readme), 'run: node --import tsx scripts/command-table.ts --write');
});

test('every command and subcommand has ACL categories and docs', () => {
  for (const spec of allSpecs()) {
    assert.ok(spec.acl.length > 0, `${spec.name} has no ACL categories`);
    assert.ok(spec.summary.length > 0 && spec.since.length > 0, `${spec.name} has no docs`);
  }
});

test('every command is exercised by at least one test or differential case', () => {
  const corpus = files('test')
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n')
    .toLowerCase();
  const untested = ALL_COMMANDS.filter((spec) => {
    const words = spec.name.replace('|', ' ');
    return !new RegExp(`['"\`\\s(]${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`\\s,)]`).test(corpus);
  }).map((spec) => spec.name);
  assert.deepEqual(untested, []);
});
