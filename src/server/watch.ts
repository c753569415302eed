// WATCH: optimistic locking. A watched key is touched (and its watcher's EXEC fails) when the
// keyspace reports it changed, removed or created, when its database is flushed while it
// exists, or when SWAPDB gives its database other contents for it. The keyspace tells us
// whoever wrote: commands, EXEC, the Memcached front, expiry.
//
// As in Redis 7.0, a key already past its TTL when watched is watched as expired: WATCH does not
// delete it, its later deletion (by expiry or a command) is no change, and its being created
// again is one. A key alive at WATCH that is past its TTL at EXEC fails the EXEC even if nothing
// deleted it yet.

import { Buffer } from 'node:buffer';
import { Removal } from '../store/changes.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Client } from './client.ts';

interface WatchedKey {
  client: Client;
  db: number;
  key: Buffer;
  /** The key was past its TTL, not yet deleted, when watched (Redis's watchedKey.expired). */
  expired: boolean;
}

interface WatchState {
  keys: WatchedKey[];
  /** A watched key was touched: EXEC must fail. */
  dirty: boolean;
}

/** Whether `key` is in `db` past its TTL, not yet deleted (Redis's keyIsExpired). */
function keyIsExpired(db: Database, key: Buffer): boolean {
  const id = db.findIncludingExpired(key);
  return id >= 0 && db.isExpired(id);
}

export class WatchRegistry {
  /** Watched keys by their bytes (latin1), for the keyspace's per-key reports. */
  private readonly byKey = new Map<string, WatchedKey[]>();
  private readonly clients = new Map<Client, WatchState>();
  /** Stops observing the keyspace: it costs a key copy per change, so only while someone watches. */
  private stopObserving: (() => void) | null = null;

  constructor(private readonly keyspace: Keyspace) {}

  watch(client: Client, db: number, key: Buffer): void {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = { keys: [], dirty: false };
      this.clients.set(client, state);
    }
    if (state.keys.some((w) => w.db === db && w.key.equals(key))) return;
    const watched: WatchedKey = { client, db, key: Buffer.from(key), expired: keyIsExpired(this.keyspace.dbs[db]!, key) };
    state.keys.push(watched);
    const name = key.toString('latin1');
    const list = this.byKey.get(name);
    if (list === undefined) this.byKey.set(name, [watched]);
    else list.push(watched);
    this.stopObserving ??= this.keyspace.observe({
      beforeChange: (database, id, removal) => {
        // Consumer-group changes and XSETID change a stream without touching WATCH (as Redis 7.0).
        if (removal !== Removal.Unsignalled) this.touchKey(database.index, database.keyOf(id), removal !== Removal.NotRemoved);
      },
      created: (database, id) => this.touchKey(database.index, database.keyOf(id), false),
      beforeFlush: (database) => this.touchAllIn(database.index, database, null),
      // After the swap each database holds the other's old contents: for the watchers of `a`,
      // what was emptied is now in `b`, and what replaced it is in `a`.
      swapped: (a, b) => {
        this.touchAllIn(a.index, b, a);
        this.touchAllIn(b.index, a, b);
      },
    });
  }

  unwatch(client: Client): void {
    const state = this.clients.get(client);
    if (state === undefined) return;
    this.clients.delete(client);
    for (const watched of state.keys) {
      const name = watched.key.toString('latin1');
      const remaining = this.byKey.get(name)!.filter((w) => w !== watched);
      if (remaining.length === 0) this.byKey.delete(name);
      else this.byKey.set(name, remaining);
    }
    if (this.clients.size === 0 && this.stopObserving !== null) {
      this.stopObserving();
      this.stopObserving = null;
    }
  }

  /** Redis's touchWatchedKey; `removed` when the key is going away. */
  private touchKey(db: number, key: Buffer, removed: boolean): void {
    const list = this.byKey.get(key.toString('latin1'));
    if (list === undefined) return;
    for (const watched of list) {
      if (watched.db !== db) continue;
      if (watched.expired) {
        // Deleting a key that was already expired when watched changes nothing logically.
        if (removed) watched.expired = false;
        continue;
      }
      this.clients.get(watched.client)!.dirty = true;
    }
  }

  /**
   * Redis's touchAllWatchedKeysInDb: the keys watched in database `index`, whose contents
   * `emptied` are going (FLUSHDB) or are replaced with `replacedWith` (SWAPDB), are touched when
   * they exist in either, except where an expired key stays expired or merely goes.
   */
  private touchAllIn(index: number, emptied: Database, replacedWith: Database | null): void {
    for (const state of this.clients.values()) {
      for (const watched of state.keys) {
        if (watched.db !== index) continue;
        const inEmptied = emptied.findIncludingExpired(watched.key) >= 0;
        const inReplacement = replacedWith !== null && replacedWith.findIncludingExpired(watched.key) >= 0;
        if (!inEmptied && !inReplacement) continue;
        if (watched.expired) {
          if (!inReplacement) {
            watched.expired = false;
            continue;
          }
          if (keyIsExpired(replacedWith!, watched.key)) continue;
        } else if (!inEmptied && keyIsExpired(replacedWith!, watched.key)) {
          watched.expired = true;
          continue;
        }
        state.dirty = true;
      }
    }
  }

  /** EXEC's check: a touched key, or one alive at WATCH and past its TTL now (deleted or not). */
  isDirty(client: Client): boolean {
    const state = this.clients.get(client);
    if (state === undefined) return false;
    return state.dirty || state.keys.some((w) => !w.expired && keyIsExpired(this.keyspace.dbs[w.db]!, w.key));
  }
}
