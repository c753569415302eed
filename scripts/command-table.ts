// The README's table of implemented commands, generated from the command table so the
// documentation cannot drift from what the server answers.
//   node --import tsx scripts/command-table.ts           prints the table
//   node --import tsx scripts/command-table.ts --write   rewrites it in README.md
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_COMMANDS } from '../src/commands/index.ts';
import { CommandTable } from '../src/commands/registry.ts';

export const TABLE_START = '<!-- commands:start -->';
export const TABLE_END = '<!-- commands:end -->';

export function commandTable(): string {
  const byGroup = new Map<string, string[]>();
  for (const cmd of new CommandTable(ALL_COMMANDS).all) {
    const names = cmd.subcommands.length > 0
      ? cmd.subcommands.map((sub) => sub.fullName.replace('|', ' ').toUpperCase())
      : [cmd.fullName.toUpperCase()];
    byGroup.set(cmd.group, [...(byGroup.get(cmd.group) ?? []), ...names]);
  }
  const rows = [...byGroup]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, names]) => `| ${group} | ${names.sort().join(', ')} |`);
  return ['| group | commands |', '| --- | --- |', ...rows].join('\n');
}

export function withTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${TABLE_START} ... ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${commandTable()}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--write')) writeFileSync('README.md', withTable(readFileSync('README.md', 'utf8')));
  else console.log(commandTable());
}
