// Every command is refused to a user denied any one of its ACL categories, and allowed to a
// user granted just that category: the categories come from the command metadata, for each
// command and subcommand of the table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Flag, type RegisteredCommand } from '../../src/commands/registry.ts';
import { Harness } from '../helpers/harness.ts';

/** The command line with just enough filler arguments for its arity. */
function minimalArgv(cmd: RegisteredCommand): string[] {
  const names = cmd.fullName.split('|');
  const length = Math.abs(cmd.arity);
  return [...names, ...Array.from({ length: Math.max(0, length - names.length) }, () => 'x')];
}

test('each command is refused without each of its categories and allowed with just one of them', () => {
  const h = new Harness();
  const commands = h.server.acl.commands.byId.filter((cmd) => cmd.subcommands.length === 0);
  let checked = 0;
  for (const cmd of commands) {
    const argv = minimalArgv(cmd);
    assert.ok(cmd.categoryNames.length > 0, `${cmd.fullName} has no ACL category`);
    for (const category of cmd.categoryNames) {
      h.run('ACL', 'SETUSER', 'without', 'reset', 'on', 'nopass', 'allkeys', 'allchannels', '+@all', `-@${category}`);
      h.run('ACL', 'SETUSER', 'with', 'reset', 'on', 'nopass', 'allkeys', 'allchannels', `+@${category}`);
      // AUTH and HELLO (no_auth) are never refused, as in Redis.
      const refused = cmd.has(Flag.NoAuth) ? 'OK' : `This user has no permissions to run the '${cmd.fullName}' command`;
      assert.equal(h.run('ACL', 'DRYRUN', 'without', ...argv), refused, `${cmd.fullName} without @${category}`);
      assert.equal(h.run('ACL', 'DRYRUN', 'with', ...argv), 'OK', `${cmd.fullName} with only @${category}`);
      checked++;
    }
  }
  assert.ok(checked > commands.length);
});
