// What the keyspace tells its observers about changes to keys (see Keyspace.observe).

import type { Buffer } from 'node:buffer';
import type { Database } from './database.ts';

/** Why a key is about to go away; NotRemoved when it only changes. */
export const Removal = {
  NotRemoved: 0,
  Deleted: 1,
  Expired: 2,
  Evicted: 3,
  /** Replaced by a new value of another representation (SET over a list, RENAME onto it). */
  Overwritten: 4,
  /**
   * Not removed, and changed in a way Redis does not signal as a modification of the key
   * (signalModifiedKey): consumer-group state of a stream. Counts as a change and reaches
   * copy-on-write snapshots, but not WATCH.
   */
  Unsignalled: 5,
} as const;
export type Removal = (typeof Removal)[keyof typeof Removal];

/**
 * What the keyspace tells about every change to its keys, whoever made it (a command, EXEC,
 * the Memcached front, expiry, eviction): WATCH, client-side caching, blocked clients,
 * propagation of expired keys and snapshots' copy-on-write all listen here, so none of them
 * depends on which path wrote.
 */
export interface KeyspaceObserver {
  /** Before an existing key's value, TTL or existence changes; `removal` says whether it goes. */
  beforeChange?(db: Database, id: number, removal: Removal): void;
  /**
   * After a key came into being; `replaced` when it took the place of a live key of another
   * representation (Redis's setKey overwriting, which is not a new key to notifications).
   */
  created?(db: Database, id: number, replaced: boolean): void;
  /** Before a database is emptied at once (FLUSHDB, FLUSHALL, flush_all). */
  beforeFlush?(db: Database): void;
  /** Before every database is emptied by FLUSHALL (each also gets beforeFlush). */
  beforeFlushAll?(): void;
  /** After FLUSHALL emptied every database. */
  flushedAll?(): void;
  /** After two databases swapped their contents (SWAPDB). */
  swapped?(a: Database, b: Database): void;
  /**
   * After fields of the hash under `id` expired (by a lookup or the active cycle), in the order
   * they went; `emptied` when no field is left, and the hash is deleted right after.
   */
  fieldsExpired?(db: Database, id: number, fields: readonly Buffer[], emptied: boolean): void;
}
