// Mnemo's own commands for hybrid storage: where a key's value lives, and moving one to disk
// by hand (operators, tests). Neither reads a cold value back.

import type { CommandContext, CommandSpec } from '../commands/spec.ts';
import { CommandError, TIERING_OFF } from '../errors.ts';

/** The key's entry without an access recorded or a value read: asking where it is is no use of it. */
function lookup(ctx: CommandContext): number {
  const keyspace = ctx.keyspace;
  const touch = keyspace.touchKeys;
  keyspace.touchKeys = false;
  const id = ctx.db.find(ctx.argv[1]!);
  keyspace.touchKeys = touch;
  return id;
}

export const tieringCommands: CommandSpec[] = [
  {
    name: 'tiering.where',
    handler: (ctx) => {
      const id = lookup(ctx);
      if (id < 0) ctx.w.null();
      else ctx.w.bulkString(ctx.db.isCold(id) ? 'cold' : 'hot');
    },
  },
  {
    name: 'tiering.demote',
    handler: (ctx) => {
      const tier = ctx.server.tiering.open();
      if (tier === null) throw new CommandError(TIERING_OFF);
      const id = lookup(ctx);
      ctx.w.int(id >= 0 && tier.demoteKey(ctx.db, id) ? 1 : 0);
    },
  },
];
