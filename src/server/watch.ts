// WATCH: optimistic locking. A watched key is touched (and its watcher's EXEC fails) when the
// keyspace reports it changed, removed (expiry included) or created, when its database is
// flushed while it exists, or when SWAPDB gives its database other contents for it. The
// keyspace tells us whoever wrote: commands, EXEC, the Memcached front, expiry.

import { Buffer } from 'node:buffer';
import { Removal } from '../store/changes.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Client } from './client.ts';

interface WatchedKey {
  client: Client;
  db: number;
  key: Buffer;
}

interface WatchState {
  keys: WatchedKey[];
  /** A watched key was touched: EXEC must fail. */
  dirty: boolean;
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
    // A key already past its TTL is removed by this lookup before the watch begins, so its
    // expiry does not count as a change (as Redis ignores keys expired at WATCH time).
    this.keyspace.dbs[db]!.find(key);
    const watched: WatchedKey = { client, db, key: Buffer.from(key) };
    state.keys.push(watched);
    const name = key.toString('latin1');
    const list = this.byKey.get(name);
    if (list === undefined) this.byKey.set(name, [watched]);
    else list.push(watched);
    this.stopObserving ??= this.keyspace.observe({
      beforeChange: (database, id, removal) => {
        if (removal !== Removal.Unsignalled) this.touchKey(database.index, database.keyOf(id));
      },
      created: (database, id) => this.touchKey(database.index, database.keyOf(id)),
      beforeFlush: (database) => this.touchExisting(database, database),
      swapped: (a, b) => {
        // Contents moved between the two: a watched key that exists in either now reads differently.
        this.touchExisting(a, b);
        this.touchExisting(b, a);
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

  private touchKey(db: number, key: Buffer): void {
    const list = this.byKey.get(key.toString('latin1'));
    if (list === undefined) return;
    for (const watched of list) {
      if (watched.db === db) this.clients.get(watched.client)!.dirty = true;
    }
  }

  /** Touches the keys watched in `database` that exist in it or in `other`. */
  private touchExisting(database: Database, other: Database): void {
    for (const state of this.clients.values()) {
      if (state.dirty) continue;
      state.dirty = state.keys.some((w) => w.db === database.index && (database.has(w.key) || other.has(w.key)));
    }
  }

  /** EXEC's check; a watched key that expired since WATCH is removed by this lookup, which touches it. */
  isDirty(client: Client): boolean {
    const state = this.clients.get(client);
    if (state === undefined) return false;
    for (const watched of state.keys) this.keyspace.dbs[watched.db]!.find(watched.key);
    return state.dirty;
  }
}
