// Persistence commands: SAVE, BGSAVE [SCHEDULE] (src/persistence/snapshots.ts does the work),
// and DUMP / RESTORE, which carry one value in RDB form with Redis's payload footer.

import { Buffer } from 'node:buffer';
import {
  BAD_DATA_FORMAT,
  BARE_ERR,
  BGSAVE_IN_PROGRESS,
  BGSAVE_OTHER_JOB,
  BGSAVE_SCHEDULED,
  BGSAVE_STARTED,
  BUSYKEY,
  CommandError,
  DUMP_PAYLOAD_WRONG,
  INVALID_FREQ,
  INVALID_IDLETIME,
  INVALID_TTL,
  NOT_INTEGER,
  SYNTAX,
} from '../errors.ts';
import { dumpPayload, limitsFrom, readDumpPayload } from '../persistence/rdb/index.ts';
import { Notify } from '../server/effects.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const LRU_CLOCK_MAX = 0xffffff;
const LFU_POLICIES = new Set(['volatile-lfu', 'allkeys-lfu']);
const ABSTTL = Buffer.from('ABSTTL');
const DEL = Buffer.from('DEL');

function save({ server, w }: CommandContext): void {
  const snapshots = server.persistence;
  if (snapshots.inProgress) throw new CommandError(BGSAVE_IN_PROGRESS);
  snapshots.saves++;
  if (!snapshots.save()) throw new CommandError(BARE_ERR);
  w.ok();
}

function bgsave({ argv, server, w }: CommandContext): void {
  const schedule = argv.length === 2 && argv[1]!.toString().toLowerCase() === 'schedule';
  if (argv.length > 1 && !schedule) throw new CommandError(SYNTAX);
  const snapshots = server.persistence;
  if (snapshots.inProgress) throw new CommandError(BGSAVE_IN_PROGRESS);
  // While an AOF rewrite runs, and inside EXEC (a snapshot would start mid-transaction), Redis
  // schedules it for the cron.
  if (snapshots.otherJobActive || server.denyBlocking) {
    if (!schedule && !server.denyBlocking) throw new CommandError(BGSAVE_OTHER_JOB);
    snapshots.scheduled = true;
    return w.simple(BGSAVE_SCHEDULED);
  }
  if (!snapshots.startBackgroundSave()) throw new CommandError(BARE_ERR);
  w.simple(BGSAVE_STARTED);
}

function dump(ctx: CommandContext): void {
  const { db, server, w } = ctx;
  const id = db.findForRead(ctx.argv[1]!);
  if (id < 0) return w.null();
  w.bulk(dumpPayload(db, id, limitsFrom(server.config), server.config.bool('rdbcompression')));
}

function integerArg(arg: Buffer): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  return Number(n);
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], checked in Redis's order. */
function restore(ctx: CommandContext): void {
  const { argv, db, server, keyspace, w } = ctx;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const option = argv[j]!.toString().toLowerCase();
    const more = j + 1 < argv.length;
    if (option === 'replace') replace = true;
    else if (option === 'absttl') absttl = true;
    else if (option === 'idletime' && more && freq === -1) {
      idle = integerArg(argv[++j]!);
      if (idle < 0) throw new CommandError(INVALID_IDLETIME);
    } else if (option === 'freq' && more && idle === -1) {
      freq = integerArg(argv[++j]!);
      if (freq < 0 || freq > 255) throw new CommandError(INVALID_FREQ);
    } else throw new CommandError(SYNTAX);
  }
  const key = argv[1]!;
  if (!replace && db.find(key) >= 0) throw new CommandError(BUSYKEY);
  const ttlArg = parseInt64(argv[2]!);
  if (ttlArg === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  if (ttlArg < 0) throw new CommandError(INVALID_TTL);
  const value = readDumpPayload(argv[3]!, limitsFrom(server.config));
  if (value === 'footer') throw new CommandError(DUMP_PAYLOAD_WRONG);
  if (value === 'format') throw new CommandError(BAD_DATA_FORMAT);
  const deleted = replace && db.delete(key);
  let ttl = ttlArg === 0 ? 0 : absttl ? ttlArg : BigInt(ttlArg) + BigInt(keyspace.now);
  if (typeof ttl === 'bigint' && ttl <= BigInt(Number.MAX_SAFE_INTEGER)) ttl = Number(ttl);
  if (ttl !== 0 && ttl <= keyspace.now) {
    // Already expired: nothing is stored, and a replaced key propagates as its deletion.
    if (deleted) {
      ctx.propagateAs([DEL, key]);
      ctx.notify(Notify.Generic, 'del', key);
    }
    return w.ok();
  }
  // FREQ needs an LFU counter, which the store does not keep yet; IDLETIME sets the LRU clock
  // unless an LFU policy is in force (then Redis uses FREQ instead).
  let access = -1;
  if (idle >= 0 && !LFU_POLICIES.has(server.config.get('maxmemory-policy'))) {
    const clock = keyspace.lruClock;
    const idleClock = Math.min(idle, LRU_CLOCK_MAX);
    access = clock - idleClock >= 0 ? clock - idleClock : (clock + (LRU_CLOCK_MAX >>> 1)) % LRU_CLOCK_MAX;
  }
  value.access = access;
  const id = db.importValue(key, value);
  if (ttl !== 0) {
    db.setExpire(id, ttl);
    // Replicas get the absolute time, as Redis propagates it.
    if (!absttl) ctx.propagateAs([...argv.slice(0, 2), Buffer.from(String(ttl)), ...argv.slice(3), ABSTTL]);
  }
  ctx.notify(Notify.Generic, 'restore', key);
  w.ok();
}

export const persistenceCommands: CommandSpec[] = [
  { name: 'save', handler: save },
  { name: 'bgsave', handler: bgsave },
  { name: 'dump', handler: dump },
  { name: 'restore', handler: restore },
  // What MIGRATE sends in cluster mode: a RESTORE that an importing node accepts without ASKING.
  { name: 'restore-asking', handler: restore },
];
