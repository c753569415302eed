// BGREWRITEAOF, the AOF's one command.

import type { CommandSpec } from '../../commands/spec.ts';
import { AOF_REWRITE_FAILED, AOF_REWRITE_IN_PROGRESS, CommandError } from '../../errors.ts';
import { AppendOnlyFile } from './aof.ts';

export const aofCommands: CommandSpec[] = [
  {
    name: 'bgrewriteaof',
    handler: ({ server, w }) => {
      const aof = AppendOnlyFile.of(server);
      if (aof.rewrite !== null) throw new CommandError(AOF_REWRITE_IN_PROGRESS);
      // While a BGSAVE runs, and inside EXEC, the rewrite waits for the cron, as Redis's
      // hasActiveChildProcess and in_exec cases do.
      if (server.persistence.inProgress || server.denyBlocking) {
        aof.rewriteScheduled = true;
        aof.consecutiveFailures = 0;
        w.simple('Background append only file rewriting scheduled');
        return;
      }
      if (!aof.rewriteInBackground()) throw new CommandError(AOF_REWRITE_FAILED);
      w.simple('Background append only file rewriting started');
    },
  },
];
