// Client-side caching (Redis's tracking.c): which clients may hold which keys, and the
// invalidation messages they get when those keys change.
//
// In the default mode the keys a tracking client read are remembered (per key, the ids of the
// clients that read it) and a change to one sends each of them an invalidation, once: the key
// is forgotten until read again. In BCAST mode a client names key prefixes instead; changed
// keys under them are gathered and sent at the end of the event-loop turn, one array per
// prefix. A flush invalidates everything (a null). RESP3 clients get "invalidate" pushes on
// their own connection; a client may redirect them to another connection, which in RESP2 gets
// them as messages on __redis__:invalidate while it is subscribed.
//
// Changes come from the keyspace's observers, so every write path (commands, EXEC, expiry,
// eviction, FLUSHALL/FLUSHDB, the Memcached front) invalidates; the keyspace is observed only
// while some client tracks.

import { Buffer } from 'node:buffer';
import type { RegisteredCommand } from '../commands/registry.ts';
import { extractKeys, KeyResult } from '../commands/keyspec.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { Removal } from '../store/changes.ts';
import type { Database } from '../store/database.ts';

/** A tracking client's mode (CLIENT TRACKING ON's options). */
export class TrackingState {
  /** Client id the invalidations go to; 0 = this client itself. */
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (optin) or NO (optout) holds for the next command or transaction. */
  caching = false;
  /** The redirection target went away (CLIENT TRACKINGINFO's broken_redirect, CLIENT LIST's R). */
  brokenRedirect = false;
  /** BCAST prefixes, by their bytes as latin1. */
  readonly prefixes = new Map<string, Buffer>();
}

/** Keys changed under one BCAST prefix this turn, each with the client that last changed it. */
interface PrefixState {
  prefix: Buffer;
  clients: Set<Client>;
  changed: Map<string, { key: Buffer; by: Client | null }>;
}

const INVALIDATE_HEADER = Buffer.from('>2\r\n$10\r\ninvalidate\r\n');
const REDIRECT_BROKEN = Buffer.from('$21\r\ntracking-redir-broken\r\n');
export const INVALIDATE_CHANNEL = Buffer.from('__redis__:invalidate');
const NULL_PAYLOAD = { 2: Buffer.from('$-1\r\n'), 3: Buffer.from('_\r\n') } as const;

/** A RESP array of keys, as an invalidation's payload. */
function keyArray(keys: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${keys.length}\r\n`)];
  for (const key of keys) parts.push(Buffer.from(`$${key.length}\r\n`), key, CRLF);
  return Buffer.concat(parts);
}
const CRLF = Buffer.from('\r\n');

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** Key -> ids of the clients that may cache it. */
  private readonly table = new Map<string, Set<number>>();
  /** Client ids across the table (INFO tracking_total_items). */
  private items = 0;
  private readonly prefixTable = new Map<string, PrefixState>();
  /** Invalidations for the client running a command, sent after its reply (null = flush). */
  private readonly pending: (Buffer | null)[] = [];
  /** A FLUSHALL reports each database: the clients hear of it once per command. */
  private flushSent = false;
  private broadcastQueued = false;
  private stopObserving: (() => void) | null = null;
  private readonly found = new KeyResult();

  constructor(private readonly server: Server) {}

  get totalKeys(): number {
    return this.table.size;
  }

  get totalItems(): number {
    return this.items;
  }

  get totalPrefixes(): number {
    return this.prefixTable.size;
  }

  /** CLIENT TRACKING ON, its options checked by the caller (Redis's enableTracking). */
  enable(client: Client, options: { redirect: number; bcast: boolean; optin: boolean; optout: boolean; noloop: boolean; prefixes: Buffer[] }): void {
    let state = client.tracking;
    if (state === null) {
      state = client.tracking = new TrackingState();
      if (this.clients++ === 0) this.observe();
    }
    state.redirect = options.redirect;
    state.brokenRedirect = false;
    state.bcast = options.bcast;
    state.optin = options.optin;
    state.optout = options.optout;
    state.noloop = options.noloop;
    if (!options.bcast) return;
    const prefixes = options.prefixes.length === 0 ? [Buffer.alloc(0)] : options.prefixes;
    for (const prefix of prefixes) {
      const id = prefix.toString('latin1');
      let bcast = this.prefixTable.get(id);
      if (bcast === undefined) {
        bcast = { prefix: Buffer.from(prefix), clients: new Set(), changed: new Map() };
        this.prefixTable.set(id, bcast);
      }
      bcast.clients.add(client);
      state.prefixes.set(id, bcast.prefix);
    }
  }

  /** CLIENT TRACKING OFF, RESET and a closed connection (Redis's disableTracking). */
  disable(client: Client): void {
    const state = client.tracking;
    if (state === null) return;
    for (const id of state.prefixes.keys()) {
      const bcast = this.prefixTable.get(id)!;
      bcast.clients.delete(client);
      if (bcast.clients.size === 0) this.prefixTable.delete(id);
    }
    client.tracking = null;
    // The table keeps the client's id: it is dropped lazily, when its keys change.
    if (--this.clients === 0) this.stopObserving?.();
  }

  /** Whether one of two prefixes starts the other (both would invalidate the same keys). */
  static overlap(a: Uint8Array, b: Uint8Array): boolean {
    const length = Math.min(a.length, b.length);
    return Buffer.compare(a.subarray(0, length), b.subarray(0, length)) === 0;
  }

  private observe(): void {
    this.stopObserving = this.server.keyspace.observe({
      beforeChange: (db, id, removal) => this.invalidateKey(db, id, removal === Removal.Expired || removal === Removal.Evicted),
      created: (db, id) => this.invalidateKey(db, id, false),
      beforeFlush: () => this.invalidateAll(),
    });
  }

  /**
   * After a read-only command of a tracking client: the keys it read are remembered for it
   * (Redis's trackingRememberKeys), unless OPTIN without CACHING YES or OPTOUT with CACHING NO.
   */
  remember(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): void {
    const state = client.tracking!;
    if (state.bcast || (state.optin && !state.caching) || (state.optout && state.caching)) return;
    const found = this.found;
    const count = extractKeys(cmd, argv, found);
    for (let i = 0; i < count; i++) {
      const name = argv[found.positions[i]!]!.toString('latin1');
      let ids = this.table.get(name);
      if (ids === undefined) this.table.set(name, (ids = new Set()));
      if (!ids.has(client.id)) {
        ids.add(client.id);
        this.items++;
      }
    }
  }

  /**
   * Before each command and from the cron (Redis's trackingLimitUsedSlots): past
   * tracking-table-max-keys, keys are forgotten, their clients told as if they had changed.
   * Redis picks them at random; here the oldest go first.
   */
  limitUsedSlots(): void {
    const max = this.server.config.number('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) return;
    for (const name of this.table.keys()) {
      this.invalidate(Buffer.from(name, 'latin1'), false);
      if (this.table.size <= max) return;
    }
  }

  /** After each command: the CACHING flag ends, and the caller's own invalidations follow its reply. */
  afterCommand(client: Client, argv: readonly Buffer[]): void {
    this.flushSent = false;
    const state = client.tracking;
    // CLIENT CACHING holds for the command after it, or for a whole transaction.
    if (state !== null && state.caching && client.multi === null && argv[0]!.toString('latin1').toLowerCase() !== 'client') state.caching = false;
    if (this.pending.length === 0) return;
    const pending = this.pending.splice(0);
    if (client.tracking === null || client.killed) return;
    for (const key of pending) {
      if (key === null) this.send(client, NULL_PAYLOAD[client.resp]);
      else this.send(client, keyArray([key]));
    }
  }

  private invalidateKey(db: Database, id: number, byServer: boolean): void {
    this.invalidate(db.keyOf(id), true, byServer);
  }

  /** Redis's trackingInvalidateKey: `bcast` false when the key is only forgotten (the table's limit). */
  private invalidate(key: Buffer, bcast: boolean, byServer = false): void {
    const current = this.server.currentClient;
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key, byServer ? null : current);
    const name = key.toString('latin1');
    const ids = this.table.get(name);
    if (ids === undefined) return;
    this.table.delete(name);
    this.items -= ids.size;
    let payload: Buffer | null = null;
    for (const clientId of ids) {
      const target = this.server.clients.get(clientId);
      if (target === undefined || target.tracking === null || target.tracking.bcast) continue;
      if (target === current) {
        if (!target.tracking.noloop) this.pending.push(Buffer.from(key));
        continue;
      }
      this.send(target, (payload ??= keyArray([key])));
    }
  }

  /** A flush: every tracking client is told that all its keys are invalid, and the table forgets them all. */
  private invalidateAll(): void {
    if (!this.flushSent) {
      this.flushSent = true;
      // A flush outside a command (the Memcached front's flush_all) ends with its turn.
      queueMicrotask(() => (this.flushSent = false));
      const current = this.server.currentClient;
      for (const client of this.server.clients.values()) {
        if (client.tracking === null) continue;
        if (client === current) this.pending.push(null);
        else this.send(client, NULL_PAYLOAD[client.resp]);
      }
    }
    this.table.clear();
    this.items = 0;
  }

  private rememberForBroadcast(key: Buffer, by: Client | null): void {
    for (const bcast of this.prefixTable.values()) {
      const prefix = bcast.prefix;
      if (prefix.length > key.length || (prefix.length > 0 && !Tracking.overlap(prefix, key))) continue;
      bcast.changed.set(key.toString('latin1'), { key: Buffer.from(key), by });
    }
    if (!this.broadcastQueued) {
      this.broadcastQueued = true;
      setImmediate(() => this.broadcast());
    }
  }

  /**
   * Sends each BCAST prefix's changed keys to its clients (Redis's beforeSleep step), prefixes
   * and keys in byte order as Redis's radix trees list them; a NOLOOP client is not told of its
   * own changes.
   */
  broadcast(): void {
    this.broadcastQueued = false;
    const prefixes = [...this.prefixTable.values()].sort((a, b) => Buffer.compare(a.prefix, b.prefix));
    for (const bcast of prefixes) {
      if (bcast.changed.size === 0) continue;
      const changes = [...bcast.changed.values()].sort((a, b) => Buffer.compare(a.key, b.key));
      bcast.changed.clear();
      let everyKey: Buffer | null = null;
      for (const client of bcast.clients) {
        if (client.tracking === null) continue;
        if (client.tracking.noloop) {
          const others = changes.filter((change) => change.by !== client).map((change) => change.key);
          if (others.length > 0) this.send(client, keyArray(others));
        } else {
          this.send(client, (everyKey ??= keyArray(changes.map((change) => change.key))));
        }
      }
    }
  }

  /**
   * Delivers one invalidation for `client` (Redis's sendTrackingMessage): to the client or its
   * redirection target, as a push in RESP3 or a __redis__:invalidate message to a subscribed
   * RESP2 target; nothing to a RESP2 client without redirection.
   */
  private send(client: Client, payload: Buffer): void {
    const state = client.tracking!;
    let target = client;
    if (state.redirect !== 0) {
      const redirected = this.server.clients.get(state.redirect);
      if (redirected === undefined) {
        state.brokenRedirect = true;
        if (client.resp === 3) {
          const w = client.w;
          w.push(2);
          w.raw(REDIRECT_BROKEN);
          w.int(state.redirect);
          client.wake();
        }
        return;
      }
      target = redirected;
    }
    if (target.killed) return;
    if (target.resp === 3) {
      target.w.raw(INVALIDATE_HEADER);
      target.w.raw(payload);
      target.wake();
    } else if (target !== client && target.pubsub !== null) {
      this.server.pubsub.sendEncoded(target, INVALIDATE_CHANNEL, payload);
    }
  }
}
