// What the store asks of a cold tier (src/tiering). A cold entry keeps its key, type,
// encoding, TTL, flags and access bits in memory; its value's bytes are on disk, under an id
// the entry's record holds in the place of an object handle (record.ts COLD).

import type { Database } from './database.ts';

export interface ColdTier {
  /** Brings a cold entry's value back into memory (Database.promote) before anyone reads it. */
  promote(db: Database, id: number): void;
  /** A cold entry's value in RDB form (type byte, then body), read without promoting it. */
  payload(db: Database, id: number): Uint8Array;
  /** The keyspace dropped a cold value (deleted, overwritten, flushed): its disk copy may go. */
  release(coldId: number): void;
}
