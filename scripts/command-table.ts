// Prints the README's table of implemented commands from the command table itself, so the
// documentation cannot drift from what the server answers: node --import tsx scripts/command-table.ts
import { ALL_COMMANDS } from '../src/commands/index.ts';

const byGroup = new Map<string, string[]>();
for (const spec of ALL_COMMANDS) {
  const names = spec.subcommands?.length
    ? spec.subcommands.map((sub) => sub.name.replace('|', ' ').toUpperCase())
    : [spec.name.toUpperCase()];
  byGroup.set(spec.group, [...(byGroup.get(spec.group) ?? []), ...names]);
}
console.log('| group | commands |');
console.log('| --- | --- |');
for (const [group, names] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`| ${group} | ${names.sort().join(', ')} |`);
}
