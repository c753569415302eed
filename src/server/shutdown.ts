// The steps of a requested shutdown shared by SHUTDOWN and the SIGTERM/SIGINT handlers, with
// redis-server's log lines in its order.

import type { Server } from './server.ts';
import { abortScripts } from '../scripting/scripting.ts';

/** Whether a shutdown with these flags (SAVE, NOSAVE, ...) saves: explicitly, or because save points are configured. */
export function shutdownSaves(server: Server, flags: Iterable<string>): boolean {
  const set = new Set(flags);
  return set.has('save') || (!set.has('nosave') && server.config.get('save') !== '');
}

export function requestShutdown(server: Server, save: boolean): Promise<void> {
  server.log.warning('User requested shutdown...');
  // SHUTDOWN NOSAVE during a busy script (the only SHUTDOWN it lets through): it never resumes.
  abortScripts(server);
  if (save) server.log.notice('Not saving the final snapshot: this build has no persistence engine.');
  return server.shutdown!();
}
