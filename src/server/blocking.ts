// Clients blocked by BLPOP, BZPOPMIN and the like (Redis's blocking_keys and ready_keys).
//
// A blocked client waits on keys of one database, in the order it blocked, and holds its
// further pipelined commands (the transport asks server.mustWait). The keyspace tells us of
// every key created (whoever created it: a command, EXEC, MOVE or COPY into another database)
// and of SWAPDB; a created key that someone waits on becomes "ready" (Redis's signalKeyAsReady
// in dbAdd). Once the top-level command (a whole EXEC included) has finished, the gate has us
// serve the ready keys: the waiters of each, first come first served, get their blocking
// command run again, and with the key holding data now, it pops instead of blocking. Serving
// can push into other ready keys (BLMOVE), which are served in the same pass, as in
// handleClientsBlockedOnKeys.

import type { RegisteredCommand } from '../commands/registry.ts';
import { UNBLOCKED } from '../errors.ts';
import type { Database } from '../store/database.ts';
import { ValueType } from '../store/types.ts';
import type { Client } from './client.ts';
import type { Server } from './server.ts';

export interface BlockedWait {
  readonly client: Client;
  readonly db: number;
  readonly keys: readonly Buffer[];
  /** The type a key must hold to serve this wait (a list, a sorted set). */
  readonly type: ValueType;
  readonly cmd: RegisteredCommand;
  readonly argv: Buffer[];
  timer: NodeJS.Timeout | null;
  /** Stream reads: whether the key (holding the awaited type) has what this wait needs yet. */
  readonly canServe: ((db: Database, id: number, key: Buffer) => boolean) | undefined;
  /** XREADGROUP: the error the wait ends with once its key no longer holds the awaited type. */
  readonly goneError: string | undefined;
}

/** What a wait on streams adds (see BlockedWait). */
export interface WaitConditions {
  canServe?: (db: Database, id: number, key: Buffer) => boolean;
  goneError?: string | undefined;
}

interface ReadyKey {
  db: number;
  /** The key as latin1, as the waits are indexed. */
  name: string;
  key: Buffer;
}

/** The clients waiting on one key, oldest first. */
interface KeyWaits {
  key: Buffer;
  queue: BlockedWait[];
}

/** Node's timers take at most 2^31 - 1 ms; longer waits re-arm until the deadline. */
const MAX_TIMER_MS = 0x7fffffff;

export class BlockingRegistry {
  /** Waits by database, then by key (latin1). */
  private readonly waits = new Map<number, Map<string, KeyWaits>>();
  /** Keys that may have received data, in the order they did; by "db:key". */
  private readonly ready = new Map<string, ReadyKey>();
  /** Blocked clients (INFO blocked_clients). */
  count = 0;
  /** Blocked clients with a timeout (INFO clients_in_timeout_table). */
  timed = 0;
  /**
   * The key a waiter is being served from while its command runs again: the command pops
   * from it first, as Redis 7.0 serves the key that became ready.
   */
  servingKey: Buffer | null = null;

  /** Stops observing the keyspace, which is observed only while a client is blocked. */
  private stopObserving: (() => void) | null = null;

  constructor(private readonly server: Server) {}

  /** Blocks `client` on `keys` of its database; `timeoutMs` 0 waits forever. */
  block(client: Client, argv: Buffer[], keys: readonly Buffer[], type: ValueType, timeoutMs: number, conditions: WaitConditions = {}): void {
    const wait: BlockedWait = {
      client,
      db: client.db,
      keys,
      type,
      cmd: this.server.resolve(argv)!,
      argv,
      timer: null,
      canServe: conditions.canServe,
      goneError: conditions.goneError,
    };
    let byKey = this.waits.get(wait.db);
    if (byKey === undefined) this.waits.set(wait.db, (byKey = new Map()));
    for (const key of keys) {
      const name = key.toString('latin1');
      const waits = byKey.get(name);
      if (waits === undefined) byKey.set(name, { key, queue: [wait] });
      else if (!waits.queue.includes(wait)) waits.queue.push(wait);
    }
    client.blocked = wait;
    this.count++;
    this.stopObserving ??= this.server.keyspace.observe({
      created: (db, id) => this.keyCreated(db, id),
      swapped: (a, b) => this.databasesSwapped(a, b),
      // A stream deleted or overwritten ends the XREADGROUP waits on it (Redis's
      // signalDeletedKeyAsReady); other changes to it are harmless to look at again.
      beforeChange: (db, id) => {
        if (db.typeOf(id) === ValueType.Stream) this.keyCreated(db, id);
      },
      beforeFlush: (db) => this.databasesSwapped(db, db),
    });
    if (timeoutMs > 0) {
      this.timed++;
      this.arm(wait, this.server.keyspace.now + timeoutMs);
    }
  }

  private arm(wait: BlockedWait, deadline: number): void {
    const clock = this.server.keyspace.clock;
    wait.timer = setTimeout(() => {
      if (clock.now() < deadline) return this.arm(wait, deadline);
      this.release(wait);
      wait.client.w.nullArray();
      this.resume(wait.client);
    }, Math.min(Math.max(0, deadline - clock.now()), MAX_TIMER_MS));
    wait.timer.unref();
  }

  private keyCreated(db: Database, id: number): void {
    if (this.waits.has(db.index)) this.signalReady(db, db.keyOf(id));
  }

  /**
   * A key may now serve its waiters though it existed before: a stream got an entry (XADD) or
   * lost a group (XGROUP DESTROY), as Redis's signalKeyAsReady.
   */
  signalReady(db: Database, key: Buffer): void {
    const byKey = this.waits.get(db.index);
    if (byKey === undefined) return;
    const name = key.toString('latin1');
    const waits = byKey.get(name);
    if (waits !== undefined) this.ready.set(`${db.index}:${name}`, { db: db.index, name, key: waits.key });
  }

  /** Every key waited on in either database may hold data now (Redis 7.0's scanDatabaseForReadyKeys). */
  private databasesSwapped(a: Database, b: Database): void {
    for (const db of [a.index, b.index]) {
      const byKey = this.waits.get(db);
      if (byKey === undefined) continue;
      for (const [name, { key }] of byKey) this.ready.set(`${db}:${name}`, { db, name, key });
    }
  }

  get hasReady(): boolean {
    return this.ready.size > 0;
  }

  /** Serves the waiters of every ready key, first blocked first served (the gate calls it after a command). */
  serveReady(): void {
    while (this.ready.size > 0) {
      const [readyName, { db, name, key }] = this.ready.entries().next().value as [string, ReadyKey];
      this.ready.delete(readyName);
      const waits = this.waits.get(db)?.get(name);
      if (waits === undefined) continue;
      const database = this.server.keyspace.dbs[db]!;
      for (const wait of [...waits.queue]) {
        // A killed client's socket closes (and removes its wait) on a later tick: skip it.
        if (wait.client.killed) continue;
        const id = database.find(key);
        // A list waiter skips a key that now holds a sorted set, and the other way round; an
        // XREADGROUP waiter's stream is gone.
        if (id < 0 || database.typeOf(id) !== wait.type) {
          if (wait.goneError !== undefined) this.end(wait, wait.goneError);
          continue;
        }
        if (wait.canServe !== undefined && !wait.canServe(database, id, key)) continue;
        this.release(wait);
        this.servingKey = key;
        // Each served command is an execution unit of its own, as in Redis 7.0.
        const effects = this.server.effects;
        effects.beginUnit();
        try {
          this.server.call(wait.client, wait.cmd, wait.argv);
        } finally {
          this.servingKey = null;
          effects.endUnit();
        }
        this.resume(wait.client);
      }
    }
  }

  /** CLIENT UNBLOCK: answers a blocked client as a timeout would, or with an error. */
  unblock(client: Client, withError: boolean): boolean {
    const wait = client.blocked;
    if (wait === null) return false;
    if (withError) this.end(wait, UNBLOCKED);
    else {
      this.release(wait);
      client.w.nullArray();
      this.resume(client);
    }
    return true;
  }

  /** Ends a wait with an error reply. */
  private end(wait: BlockedWait, error: string): void {
    this.release(wait);
    wait.client.w.error(error);
    this.resume(wait.client);
  }

  /** Forgets a client that goes away while blocked. */
  remove(client: Client): void {
    if (client.blocked !== null) this.release(client.blocked);
  }

  private release(wait: BlockedWait): void {
    const byKey = this.waits.get(wait.db)!;
    for (const key of wait.keys) {
      const name = key.toString('latin1');
      const waits = byKey.get(name);
      if (waits === undefined) continue;
      const at = waits.queue.indexOf(wait);
      if (at >= 0) waits.queue.splice(at, 1);
      if (waits.queue.length === 0) byKey.delete(name);
    }
    if (byKey.size === 0) this.waits.delete(wait.db);
    if (wait.timer !== null) {
      clearTimeout(wait.timer);
      wait.timer = null;
      this.timed--;
    }
    wait.client.blocked = null;
    this.count--;
    if (this.count === 0) {
      this.stopObserving?.();
      this.stopObserving = null;
    }
  }

  /** Flushes the reply and runs the held commands once the current command is done. */
  private resume(client: Client): void {
    queueMicrotask(() => client.resume());
  }
}
