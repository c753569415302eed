// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The gate queues commands while a
// client is in MULTI and flags the transaction when it rejects one; EXEC replays the queue
// through the gate's call(), so each queued command is timed and counted like any other.
//
// WATCH is optimistic locking. A watched key is "touched" (and its watchers' EXEC fails) when
// the engine's write hook sees it modified, deleted or expired, when its replace hook sees
// FLUSHDB/FLUSHALL/SWAPDB (or Memcached's flush_all) empty or replace a database holding it,
// or when a key absent at WATCH time exists at EXEC (the write hook runs before changes to
// existing keys, not on creation).

import { Buffer } from 'node:buffer';
import { CommandError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const group = 'transactions';
const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

interface WatchedKey {
  client: Client;
  db: number;
  key: Buffer;
  /** Whether the key existed at WATCH time: its later creation touches it. */
  existed: boolean;
}

interface WatchState {
  keys: WatchedKey[];
  /** A watched key was touched: EXEC must fail. */
  dirty: boolean;
}

/** One server's watched keys, indexed by key bytes for the write hook. */
class WatchRegistry {
  private readonly byKey = new Map<string, WatchedKey[]>();
  private readonly clients = new Map<Client, WatchState>();
  /** Clients whose onReset already unwatches (set once, not once per WATCH). */
  private readonly hooked = new WeakSet<Client>();
  private removeHooks: (() => void) | null = null;

  constructor(private readonly keyspace: Keyspace) {}

  get hasWatchers(): boolean {
    return this.clients.size > 0;
  }

  watch(client: Client, db: number, key: Buffer): void {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = { keys: [], dirty: false };
      this.clients.set(client, state);
    }
    if (!this.hooked.has(client)) {
      this.hooked.add(client);
      const previous = client.onReset;
      client.onReset = () => {
        previous?.();
        this.unwatch(client);
      };
    }
    if (state.keys.some((w) => w.db === db && w.key.equals(key))) return;
    // The lookup removes a key that has already expired, before the watch can see it go.
    const existed = this.keyspace.dbs[db]!.find(key) >= 0;
    const watched: WatchedKey = { client, db, key: Buffer.from(key), existed };
    state.keys.push(watched);
    const name = key.toString('latin1');
    const list = this.byKey.get(name);
    if (list === undefined) this.byKey.set(name, [watched]);
    else list.push(watched);
    // The hooks cost a key copy per write, so they are installed only while someone watches.
    if (this.removeHooks === null) {
      const removeWrite = this.keyspace.addWriteHook((database, id) => this.touch(database, database.keyOf(id)));
      const removeReplace = this.keyspace.addReplaceHook((database, replacement) => this.touchReplaced(database, replacement));
      this.removeHooks = () => {
        removeWrite();
        removeReplace();
      };
    }
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
    if (this.clients.size === 0 && this.removeHooks !== null) {
      this.removeHooks();
      this.removeHooks = null;
    }
  }

  touch(database: Database, key: Buffer): void {
    const list = this.byKey.get(key.toString('latin1'));
    if (list === undefined) return;
    const db = this.keyspace.dbs.indexOf(database);
    for (const watched of list) {
      if (watched.db === db) this.clients.get(watched.client)!.dirty = true;
    }
  }

  /**
   * A database is about to be emptied or swapped: its watched keys that exist in it, or in the
   * database taking its place, are touched (touchAllWatchedKeysInDb).
   */
  touchReplaced(database: Database, replacement: Database | null): void {
    const db = this.keyspace.dbs.indexOf(database);
    for (const state of this.clients.values()) {
      if (state.dirty) continue;
      state.dirty = state.keys.some((w) => w.db === db && (database.has(w.key) || (replacement !== null && replacement.has(w.key))));
    }
  }

  /** EXEC's check: touched, or a watched key came into being since WATCH. */
  isDirty(client: Client): boolean {
    const state = this.clients.get(client);
    if (state === undefined) return false;
    for (const watched of state.keys) {
      // An expired key is removed by this lookup, which fires the write hook.
      const exists = this.keyspace.dbs[watched.db]!.find(watched.key) >= 0;
      if (exists && !watched.existed) state.dirty = true;
    }
    return state.dirty;
  }
}

const registries = new WeakMap<Server, WatchRegistry>();

function registry(server: Server): WatchRegistry {
  let found = registries.get(server);
  if (found === undefined) {
    found = new WatchRegistry(server.keyspace);
    registries.set(server, found);
  }
  return found;
}

function discard(ctx: CommandContext): void {
  ctx.client.multi = null;
  ctx.client.multiFailed = false;
  registry(ctx.server).unwatch(ctx.client);
}

function exec(ctx: CommandContext): void {
  const { client, server, w } = ctx;
  const queue = client.multi;
  if (queue === null) throw new CommandError('ERR EXEC without MULTI');
  const failed = client.multiFailed;
  const dirty = !failed && registry(server).isDirty(client);
  discard(ctx);
  if (failed) throw new CommandError(EXECABORT);
  if (dirty) return w.nullArray();
  w.array(queue.length);
  for (const { cmd, argv } of queue) server.call(client, cmd, argv);
}

const TRANSACTION_FLAGS = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] as const;
const TRANSACTION_ACL = ['fast', 'transaction'];

export const transactionCommands: CommandSpec[] = [
  {
    name: 'multi',
    arity: 1,
    flags: TRANSACTION_FLAGS,
    acl: TRANSACTION_ACL,
    summary: 'Mark the start of a transaction block',
    since: '1.2.0',
    group,
    complexity: 'O(1)',
    handler: ({ client, w }) => {
      if (client.multi !== null) throw new CommandError('ERR MULTI calls can not be nested');
      client.multi = [];
      client.multiFailed = false;
      w.ok();
    },
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    acl: ['slow', 'transaction'],
    summary: 'Execute all commands issued after MULTI',
    since: '1.2.0',
    group,
    complexity: 'Depends on commands in the transaction',
    handler: exec,
  },
  {
    name: 'discard',
    arity: 1,
    flags: TRANSACTION_FLAGS,
    acl: TRANSACTION_ACL,
    summary: 'Discard all commands issued after MULTI',
    since: '2.0.0',
    group,
    complexity: 'O(N), when N is the number of queued commands',
    handler: (ctx) => {
      if (ctx.client.multi === null) throw new CommandError('ERR DISCARD without MULTI');
      discard(ctx);
      ctx.w.ok();
    },
  },
  {
    name: 'watch',
    arity: -2,
    flags: TRANSACTION_FLAGS,
    acl: TRANSACTION_ACL,
    keys: { first: 1, last: -1, step: 1 },
    summary: 'Watch the given keys to determine execution of the MULTI/EXEC block',
    since: '2.2.0',
    group,
    complexity: 'O(1) for every key.',
    handler: ({ argv, client, server, w }) => {
      if (client.multi !== null) throw new CommandError('ERR WATCH inside MULTI is not allowed');
      const watches = registry(server);
      for (let i = 1; i < argv.length; i++) watches.watch(client, client.db, argv[i]!);
      w.ok();
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: TRANSACTION_FLAGS,
    acl: TRANSACTION_ACL,
    summary: 'Forget about all watched keys',
    since: '2.2.0',
    group,
    complexity: 'O(1)',
    handler: ({ client, server, w }) => {
      registry(server).unwatch(client);
      w.ok();
    },
  },
];
