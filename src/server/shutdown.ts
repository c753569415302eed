// The steps of a requested shutdown shared by SHUTDOWN and the SIGTERM/SIGINT handlers, with
// redis-server's log lines in its order.

import type { Server } from './server.ts';
import { abortScripts } from '../scripting/scripting.ts';

/**
 * Stops a running BGSAVE, saves when `flags` (SHUTDOWN's options, or shutdown-on-sigterm's
 * words) say so or save points are configured (unless NOSAVE), then closes the server. Returns
 * false, leaving the server up, when the save failed and FORCE was not given.
 */
export function requestShutdown(server: Server, flags: Iterable<string>): boolean {
  const set = new Set(flags);
  const save = set.has('save') || (!set.has('nosave') && server.config.get('save') !== '');
  server.log.warning('User requested shutdown...');
  // SHUTDOWN NOSAVE during a busy script (the only SHUTDOWN it lets through): it never resumes.
  abortScripts(server);
  server.persistence.abortBackgroundSave('There is a child saving an .rdb. Killing it!');
  if (save) {
    server.log.notice('Saving the final RDB snapshot before exiting.');
    if (!server.persistence.save() && !set.has('force')) {
      server.log.warning("Error trying to save the DB, can't exit.");
      server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return false;
    }
  }
  void server.shutdown!();
  return true;
}
