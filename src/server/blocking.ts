// Clients blocked by BLPOP, BZPOPMIN and the like (Redis's blocking_keys and ready_keys).
//
// A blocked client waits on keys of one database, in the order it blocked, and holds its
// further pipelined commands (the transport asks server.mustWait). The gate tells us about
// every write command that ran; the keys it named that someone waits on become "ready". Once
// the top-level command (a whole EXEC included) has finished, the gate has us serve the ready
// keys: the waiters of each, first come first served, get their blocking command run again,
// and with the key holding data now, it pops instead of blocking. Serving can push into other
// ready keys (BLMOVE), which are served in the same pass, as in handleClientsBlockedOnKeys.

import { Flag, type RegisteredCommand } from '../commands/registry.ts';
import { extractKeys, KeyResult } from '../commands/keyspec.ts';
import { UNBLOCKED } from '../errors.ts';
import type { ValueType } from '../store/types.ts';
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
/** Commands that can bring a key into being in another database than the caller's. */
const CROSS_DB = new Set(['move', 'copy', 'swapdb']);

export class BlockingRegistry {
  /** Waits by database, then by key (latin1). */
  private readonly waits = new Map<number, Map<string, KeyWaits>>();
  /** Keys that may have received data, in the order they did; by "db:key". */
  private readonly ready = new Map<string, ReadyKey>();
  private readonly written = new KeyResult();
  /** Blocked clients (INFO blocked_clients). */
  count = 0;
  /** Blocked clients with a timeout (INFO clients_in_timeout_table). */
  timed = 0;
  /**
   * The key a waiter is being served from while its command runs again: the command pops
   * from it first, as Redis 7.0 serves the key that became ready.
   */
  servingKey: Buffer | null = null;

  constructor(private readonly server: Server) {}

  /** Blocks `client` on `keys` of its database; `timeoutMs` 0 waits forever. */
  block(client: Client, argv: Buffer[], keys: readonly Buffer[], type: ValueType, timeoutMs: number): void {
    const wait: BlockedWait = { client, db: client.db, keys, type, cmd: this.server.resolve(argv)!, argv, timer: null };
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

  /** Called by the gate after each command: marks the waited-on keys a write may have filled. */
  noteCommand(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): void {
    if (this.count === 0 || !cmd.has(Flag.Write)) return;
    // Redis 7.0 rescans both databases after SWAPDB; MOVE and COPY are rare enough to do the same.
    if (CROSS_DB.has(cmd.spec.name)) {
      for (const [db, byKey] of this.waits) for (const [name, { key }] of byKey) this.ready.set(`${db}:${name}`, { db, name, key });
      return;
    }
    const byKey = this.waits.get(client.db);
    if (byKey === undefined) return;
    const written = this.written;
    extractKeys(cmd, argv, written);
    for (let i = 0; i < written.count; i++) {
      const name = argv[written.positions[i]!]!.toString('latin1');
      const waits = byKey.get(name);
      if (waits !== undefined) this.ready.set(`${client.db}:${name}`, { db: client.db, name, key: waits.key });
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
        if (id < 0) break;
        // A list waiter skips a key that now holds a sorted set, and the other way round.
        if (database.typeOf(id) !== wait.type) continue;
        this.release(wait);
        this.servingKey = key;
        try {
          this.server.call(wait.client, wait.cmd, wait.argv);
        } finally {
          this.servingKey = null;
        }
        this.resume(wait.client);
      }
    }
  }

  /** CLIENT UNBLOCK: answers a blocked client as a timeout would, or with an error. */
  unblock(client: Client, withError: boolean): boolean {
    const wait = client.blocked;
    if (wait === null) return false;
    this.release(wait);
    if (withError) client.w.error(UNBLOCKED);
    else client.w.nullArray();
    this.resume(client);
    return true;
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
  }

  /** Flushes the reply and runs the held commands once the current command is done. */
  private resume(client: Client): void {
    queueMicrotask(() => client.resume());
  }
}
