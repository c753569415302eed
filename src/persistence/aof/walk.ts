// A point-in-time walk of the keyspace without forking: every key that existed when the walk
// started is handed to the sink exactly once, with the value and TTL it had at that instant,
// while commands keep running. The walk visits keys in slices; a key about to change (or go,
// or be emptied by FLUSHDB) before the walk reached it is handed over first, from the
// keyspace's before-write hook (copy-on-write per key). Keys created after the start are
// never handed over: the writes that made them are in the new incremental file.

import type { Database } from '../../store/database.ts';
import { Removal, type Keyspace } from '../../store/keyspace.ts';

/** Receives each key of the snapshot; `dbIndex` is the database it was in at the start. */
export type SnapshotSink = (dbIndex: number, db: Database, id: number) => void;

/** One database's progress: keyed by the Database object, which SWAPDB moves between indexes. */
interface DbWalk {
  index: number;
  cursor: number;
  done: boolean;
  /** By entry id: 1 once handed over, or created after the start (not part of the snapshot). */
  handled: Uint8Array;
}

const KEYS_PER_SCAN = 256;

export class PointInTimeWalk {
  private readonly walks = new Map<Database, DbWalk>();
  private readonly stopObserving: () => void;
  /** Keys handed over so far. */
  keys = 0;

  constructor(
    keyspace: Keyspace,
    private readonly sink: SnapshotSink,
  ) {
    for (const db of keyspace.dbs) {
      this.walks.set(db, { index: db.index, cursor: 0, done: db.size === 0, handled: new Uint8Array(1024) });
    }
    this.stopObserving = keyspace.observe({
      beforeChange: (db, id, removal) => {
        const walk = this.walks.get(db)!;
        if (isHandled(walk, id)) return;
        markHandled(walk, id);
        // A key that goes because its TTL passed needs no place in the base: the expiry's DEL
        // follows in the incremental file either way.
        if (removal !== Removal.Expired) this.handOver(walk, db, id);
      },
      created: (db, id) => markHandled(this.walks.get(db)!, id),
      beforeFlush: (db) => {
        const walk = this.walks.get(db)!;
        for (let cursor = walk.cursor; cursor >= 0; ) cursor = db.walk(cursor, KEYS_PER_SCAN, (id) => this.visit(walk, db, id));
        walk.done = true;
      },
    });
  }

  /** Walks on for about `budgetMs`; true once every key has been handed over. */
  step(budgetMs: number, now: () => number): boolean {
    const deadline = now() + budgetMs;
    for (const [db, walk] of this.walks) {
      while (!walk.done) {
        walk.cursor = db.walk(walk.cursor, KEYS_PER_SCAN, (id) => this.visit(walk, db, id));
        if (walk.cursor < 0) walk.done = true;
        if (now() >= deadline) return this.finished;
      }
    }
    return true;
  }

  get finished(): boolean {
    for (const walk of this.walks.values()) if (!walk.done) return false;
    return true;
  }

  /** Stops listening to the keyspace (the walk is done or abandoned). */
  stop(): void {
    this.stopObserving();
  }

  private visit(walk: DbWalk, db: Database, id: number): void {
    if (isHandled(walk, id)) return;
    markHandled(walk, id);
    this.handOver(walk, db, id);
  }

  private handOver(walk: DbWalk, db: Database, id: number): void {
    this.keys++;
    this.sink(walk.index, db, id);
  }
}

function isHandled(walk: DbWalk, id: number): boolean {
  return id < walk.handled.length && walk.handled[id] === 1;
}

function markHandled(walk: DbWalk, id: number): void {
  if (id >= walk.handled.length) {
    const grown = new Uint8Array(Math.max(id + 1, walk.handled.length * 2));
    grown.set(walk.handled);
    walk.handled = grown;
  }
  walk.handled[id] = 1;
}
