// MIGRATE: keys move to another server as DUMP payloads restored there (RESTORE, or
// RESTORE-ASKING in cluster mode so that an importing node takes them), then are deleted here
// unless COPY. Works in and out of cluster mode. Redis blocks the whole server during the
// transfer; here writes pause for it (reads go on), so no key changes between its DUMP and its
// deletion, and the caller's next commands wait for the reply.

import { Buffer } from 'node:buffer';
import { MigrateConnections } from '../cluster/migrate.ts';
import { CommandError, NOT_INTEGER, SYNTAX } from '../errors.ts';
import { dumpPayload, limitsFrom } from '../persistence/rdb/index.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { isCWord, KeyFlag, type KeyResult } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const KEYS_WITH_KEY = 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string';
const CONNECT_ERROR = 'IOERR error or timeout connecting to the client';
const READ_ERROR = 'IOERR error or timeout reading to target instance';
const MIGRATE_IN_TRANSACTION = 'ERR MIGRATE cannot run inside MULTI/EXEC or a script on this server';
const DEFAULT_TIMEOUT_MS = 1000;
const AUTH = Buffer.from('AUTH');
const DEL = Buffer.from('DEL');
const RESTORE = Buffer.from('RESTORE');
const RESTORE_ASKING = Buffer.from('RESTORE-ASKING');
const REPLACE = Buffer.from('REPLACE');

const connections = new WeakMap<CommandContext['server'], MigrateConnections>();

/** Options that take arguments, skipped while looking for KEYS (Redis's migrateGetKeys). */
const OPTION_ARGUMENTS: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };

function migrateKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  const flags = KeyFlag.RW | KeyFlag.Access | KeyFlag.Delete;
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      if (isCWord(argv[i]!, 'keys')) {
        if (argv[3]!.length > 0) break;
        for (let k = i + 1; k < argv.length; k++) out.add(k, flags);
        return;
      }
      for (const [option, skip] of Object.entries(OPTION_ARGUMENTS)) {
        if (isCWord(argv[i]!, option)) {
          i += skip;
          break;
        }
      }
    }
  }
  out.add(3, flags);
}

function integer(arg: Buffer): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  return Number(n);
}

function migrate(ctx: CommandContext): void {
  const { argv, client, db, keyspace, server, w } = ctx;
  let copy = false;
  let replace = false;
  let auth: Buffer[] | null = null;
  let firstKey = 3;
  for (let j = 6; j < argv.length; j++) {
    const option = argv[j]!.toString().toLowerCase();
    const more = argv.length - j - 1;
    if (option === 'copy') copy = true;
    else if (option === 'replace') replace = true;
    else if (option === 'auth' && more >= 1) auth = [AUTH, argv[++j]!];
    else if (option === 'auth2' && more >= 2) auth = [AUTH, argv[++j]!, argv[++j]!];
    else if (option === 'keys') {
      if (argv[3]!.length !== 0) throw new CommandError(KEYS_WITH_KEY);
      firstKey = j + 1;
      break;
    } else throw new CommandError(SYNTAX);
  }
  let timeout = integer(argv[5]!);
  const dbid = integer(argv[4]!);
  if (timeout <= 0) timeout = DEFAULT_TIMEOUT_MS;
  const keys = (firstKey === 3 ? [argv[3]!] : argv.slice(firstKey)).filter((key) => db.findForRead(key) >= 0);
  if (keys.length === 0) return w.simple('NOKEY');
  if (server.denyBlocking) throw new CommandError(MIGRATE_IN_TRANSACTION);
  const restore = server.config.bool('cluster-enabled') ? RESTORE_ASKING : RESTORE;
  const limits = limitsFrom(server.config);
  const compression = server.config.bool('rdbcompression');
  const restores: Buffer[][] = [];
  const moving: Buffer[] = [];
  for (const key of keys) {
    const id = db.find(key);
    if (id < 0) continue;
    const at = db.expireAt(id);
    const ttl = at === -1 ? 0 : Math.max(1, Number(at) - keyspace.now);
    const restoreArgv = [restore, key, Buffer.from(String(ttl)), dumpPayload(db, id, limits, compression)];
    if (replace) restoreArgv.push(REPLACE);
    restores.push(restoreArgv);
    moving.push(key);
  }
  // The keys must stay as dumped until the target has them: writes wait (a pause of our own
  // only when none is in force), and so do this client's next commands.
  const ownPause = server.pause === null;
  if (ownPause) server.pauseClients(false, Date.now() + timeout + DEFAULT_TIMEOUT_MS);
  client.suspended = true;
  let cache = connections.get(server);
  if (cache === undefined) connections.set(server, (cache = new MigrateConnections()));
  void cache.transfer(argv[1]!.toString(), integer(argv[2]!), auth === null ? [] : [auth], dbid, restores, timeout).then((result) => {
    if (ownPause) server.unpauseClients();
    client.suspended = false;
    if ('failed' in result) {
      client.w.error(result.failed === 'connect' ? CONNECT_ERROR : READ_ERROR);
    } else {
      const keyReplies = result.replies.slice(result.replies.length - moving.length);
      const refused = result.replies.find((line) => line.startsWith('-'));
      const moved = moving.filter((_, i) => !keyReplies[i]!.startsWith('-'));
      if (!copy && moved.length > 0) {
        // Deleted through the gate, so the deletion propagates and notifies as Redis's MIGRATE does (as DEL).
        const mark = client.w.mark();
        server.execute(client, [DEL, ...moved]);
        client.w.rewind(mark);
      }
      if (refused !== undefined) client.w.error(`ERR Target instance replied with error: ${refused.slice(1)}`);
      else client.w.ok();
    }
    queueMicrotask(() => client.resume());
  });
}

export const migrateCommands: CommandSpec[] = [{ name: 'migrate', handler: migrate, getKeys: migrateKeys }];
