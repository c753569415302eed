// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The gate queues commands while a
// client is in MULTI and flags the transaction when it refuses one; EXEC replays the queue
// through the gate's call(), so each queued command is timed, counted and propagated like any
// other, and the whole EXEC is one execution unit (wrapped in MULTI/EXEC when it propagates
// more than one command). Watched keys live in the server's WatchRegistry.

import { CommandError, DISCARD_WITHOUT_MULTI, EXEC_WITHOUT_MULTI, EXECABORT, MULTI_NESTED, WATCH_IN_MULTI } from '../errors.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

function discard(ctx: CommandContext): void {
  ctx.client.multi = null;
  ctx.client.multiFailed = false;
  ctx.server.watches.unwatch(ctx.client);
}

function exec(ctx: CommandContext): void {
  const { client, server, w } = ctx;
  const queue = client.multi;
  if (queue === null) throw new CommandError(EXEC_WITHOUT_MULTI);
  // EXEC is never propagated itself: its commands are (Redis's call() skips execCommand).
  ctx.preventPropagation();
  const failed = client.multiFailed;
  const dirty = !failed && server.watches.isDirty(client);
  discard(ctx);
  if (failed) throw new CommandError(EXECABORT);
  if (dirty) return w.nullArray();
  w.array(queue.length);
  for (const { cmd, argv } of queue) {
    // The user's rules may have changed since the command was queued (Redis checks again too).
    const denied = server.acl.execCheck(client, cmd, argv);
    if (denied !== null) w.error(denied);
    else server.call(client, cmd, argv);
  }
}

export const transactionCommands: CommandSpec[] = [
  {
    name: 'multi',
    handler: ({ client, w }) => {
      if (client.multi !== null) throw new CommandError(MULTI_NESTED);
      client.multi = [];
      client.multiFailed = false;
      w.ok();
    },
  },
  {
    name: 'exec',
    handler: exec,
  },
  {
    name: 'discard',
    handler: (ctx) => {
      if (ctx.client.multi === null) throw new CommandError(DISCARD_WITHOUT_MULTI);
      discard(ctx);
      ctx.w.ok();
    },
  },
  {
    name: 'watch',
    handler: ({ argv, client, server, w }) => {
      if (client.multi !== null) throw new CommandError(WATCH_IN_MULTI);
      for (let i = 1; i < argv.length; i++) server.watches.watch(client, client.db, argv[i]!);
      w.ok();
    },
  },
  {
    name: 'unwatch',
    handler: ({ client, server, w }) => {
      server.watches.unwatch(client);
      w.ok();
    },
  },
];
