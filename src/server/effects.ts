// What commands do to the keyspace, told to whoever listens, once: keyspace events
// (notifications, later pub/sub's __keyspace@__/__keyevent@__ channels) and the propagation
// stream (what an AOF or a replica must replay, in Redis's own forms).
//
// Handlers state their effects through their context (notify, propagateAs, alsoPropagate,
// preventPropagation, forcePropagation); the gate decides from the keyspace's change counter
// whether a command changed anything, and closes each execution unit (a command, a whole EXEC,
// a Memcached request, one key expired by the cron) as Redis's propagatePendingCommands does:
// several commands of one unit reach the stream wrapped in MULTI/EXEC.
//
// Changes to keys themselves (for WATCH, blocked clients, client-side caching, snapshots) are
// not here: the keyspace reports them to its observers whoever wrote (see store/changes.ts).

import { Buffer } from 'node:buffer';
import type { Database } from '../store/database.ts';
import { Removal, type Keyspace } from '../store/keyspace.ts';
import { ReplyWriter } from '../protocol/resp/writer.ts';

/** Classes of keyspace events: Redis's NOTIFY_* bits, by their notify-keyspace-events letters. */
export const Notify = {
  /** K: publish on __keyspace@<db>__:<key>. */
  Keyspace: 1 << 0,
  /** E: publish on __keyevent@<db>__:<event>. */
  Keyevent: 1 << 1,
  Generic: 1 << 2,
  String: 1 << 3,
  List: 1 << 4,
  Set: 1 << 5,
  Hash: 1 << 6,
  Zset: 1 << 7,
  Expired: 1 << 8,
  Evicted: 1 << 9,
  Stream: 1 << 10,
  KeyMiss: 1 << 11,
  Loaded: 1 << 12,
  Module: 1 << 13,
  New: 1 << 14,
} as const;

const CLASS_LETTERS: readonly [string, number][] = [
  ['g', Notify.Generic],
  ['$', Notify.String],
  ['l', Notify.List],
  ['s', Notify.Set],
  ['h', Notify.Hash],
  ['z', Notify.Zset],
  ['x', Notify.Expired],
  ['e', Notify.Evicted],
  ['t', Notify.Stream],
  ['d', Notify.Module],
  ['n', Notify.New],
];
/** 'A': every class but key misses and new keys, as in Redis. */
const NOTIFY_ALL = Notify.Generic | Notify.String | Notify.List | Notify.Set | Notify.Hash | Notify.Zset | Notify.Expired | Notify.Evicted | Notify.Stream | Notify.Module;
const LETTER_BITS = new Map<string, number>([...CLASS_LETTERS, ['A', NOTIFY_ALL], ['K', Notify.Keyspace], ['E', Notify.Keyevent], ['m', Notify.KeyMiss]]);

export const INVALID_NOTIFY_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** notify-keyspace-events as bits (Redis's keyspaceEventsStringToFlags); -1 for a bad letter. */
export function parseNotifyFlags(text: string): number {
  let flags = 0;
  for (const letter of text) {
    const bits = LETTER_BITS.get(letter);
    if (bits === undefined) return -1;
    flags |= bits;
  }
  return flags;
}

/**
 * The text of notify-keyspace-events as CONFIG GET shows it (keyspaceEventsFlagsToString): like
 * Redis 7.0, it shows no 'n' next to 'A', though new-key events stay on (Config.givenValue).
 */
export function formatNotifyFlags(flags: number): string {
  let text = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) text = 'A';
  else for (const [letter, bit] of CLASS_LETTERS) if (flags & bit) text += letter;
  if (flags & Notify.Keyspace) text += 'K';
  if (flags & Notify.Keyevent) text += 'E';
  if (flags & Notify.KeyMiss) text += 'm';
  return text;
}

/** Told of each keyspace event that notify-keyspace-events lets through. */
export type EventListener = (type: number, event: string, db: number, key: Buffer) => void;

/**
 * Told of each command of the propagation stream, in order. `db` is the database the command
 * applies to, -1 for the EXEC that closes a wrapped unit (no SELECT before it). The argv
 * Buffers may be views of a request buffer: a listener that keeps them copies them.
 */
export type PropagationListener = (db: number, argv: readonly Buffer[]) => void;

interface PendingCommand {
  db: number;
  argv: Buffer[];
}

const MULTI = [Buffer.from('MULTI')];
const EXEC = [Buffer.from('EXEC')];
const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');
const HDEL = Buffer.from('HDEL');

export class Effects {
  /** notify-keyspace-events as bits. */
  private notifyFlags = 0;
  private eventListeners: EventListener[] = [];
  private propagationListeners: PropagationListener[] = [];
  /** Commands of the execution unit in progress, propagated when it closes. */
  private readonly pending: PendingCommand[] = [];
  /** Nesting of open units: only the outermost one's close propagates. */
  private depth = 0;
  /** Expired keys propagate as UNLINK under lazyfree-lazy-expire, as DEL otherwise. */
  lazyExpire = false;
  /** Evicted keys propagate as UNLINK under lazyfree-lazy-eviction, as DEL otherwise. */
  lazyEvict = false;

  /** Stops observing the keyspace; null while nobody needs expired or new keys reported. */
  private stopObserving: (() => void) | null = null;

  constructor(private readonly keyspace: Keyspace) {
    // Field expiry is rare and its events are of the hash and generic classes: observed always,
    // with nothing on the write path.
    keyspace.observe({ fieldsExpired: (db, id, fields, emptied) => this.fieldsExpired(db, id, fields, emptied) });
  }

  setNotifyFlags(flags: number): void {
    this.notifyFlags = flags;
    this.observeWhenNeeded();
  }

  /**
   * Expired keys matter to the stream and to "expired" events, created ones to "new" events:
   * the keyspace is observed only while one of them has a listener, so that writes cost
   * nothing extra otherwise.
   */
  private observeWhenNeeded(): void {
    const events = this.eventListeners.length > 0 ? this.notifyFlags & (Notify.Expired | Notify.Evicted | Notify.New) : 0;
    const needed = this.propagationListeners.length > 0 || events !== 0;
    if (needed && this.stopObserving === null) {
      this.stopObserving = this.keyspace.observe({
        beforeChange: (db, id, removal) => {
          if (removal === Removal.Expired) this.keyExpired(db, id);
          else if (removal === Removal.Evicted) this.keyEvicted(db, id);
        },
        created: (db, id, replaced) => {
          // Redis raises "new" from dbAdd, before the creating command's own event.
          if (!replaced && (this.notifyFlags & Notify.New) !== 0) this.notify(Notify.New, 'new', db.index, db.keyOf(id));
        },
      });
    } else if (!needed && this.stopObserving !== null) {
      this.stopObserving();
      this.stopObserving = null;
    }
  }

  /** Whether anyone reads the propagation stream: handlers skip building rewrites otherwise. */
  get propagating(): boolean {
    return this.propagationListeners.length > 0;
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners = [...this.eventListeners, listener];
    this.observeWhenNeeded();
    return () => {
      this.eventListeners = this.eventListeners.filter((l) => l !== listener);
      this.observeWhenNeeded();
    };
  }

  onPropagate(listener: PropagationListener): () => void {
    this.propagationListeners = [...this.propagationListeners, listener];
    this.observeWhenNeeded();
    return () => {
      this.propagationListeners = this.propagationListeners.filter((l) => l !== listener);
      this.observeWhenNeeded();
    };
  }

  /**
   * Raises a keyspace event (Redis's notifyKeyspaceEvent): delivered at once, so a subscriber
   * on the calling connection sees it before the command's reply, as in Redis.
   */
  notify(type: number, event: string, db: number, key: Buffer): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0 || (flags & (Notify.Keyspace | Notify.Keyevent)) === 0) return;
    const listeners = this.eventListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(type, event, db, key);
  }

  /** Adds a command to the unit in progress (Redis's alsoPropagate). */
  propagate(db: number, argv: Buffer[]): void {
    if (this.propagationListeners.length === 0) return;
    this.pending.push({ db, argv });
  }

  /** Opens an execution unit; units opened inside it join it. */
  beginUnit(): void {
    this.depth++;
  }

  /** Closes a unit: the outermost one publishes what it gathered, wrapped when more than one. */
  endUnit(): void {
    if (--this.depth > 0) return;
    const pending = this.pending;
    if (pending.length === 0) return;
    const wrap = pending.length > 1;
    if (wrap) this.publish(pending[0]!.db, MULTI);
    for (let i = 0; i < pending.length; i++) this.publish(pending[i]!.db, pending[i]!.argv);
    if (wrap) this.publish(-1, EXEC);
    pending.length = 0;
  }

  private publish(db: number, argv: Buffer[]): void {
    const listeners = this.propagationListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(db, argv);
  }

  /** A key past its TTL was removed: as Redis's deleteExpiredKeyAndPropagate, an event and a DEL. */
  private keyExpired(db: Database, id: number): void {
    const key = db.keyOf(id);
    this.notify(Notify.Expired, 'expired', db.index, key);
    if (this.propagationListeners.length === 0) return;
    // Outside any command (the cron's cycle), each expired key is a unit of its own.
    this.beginUnit();
    this.pending.push({ db: db.index, argv: [this.lazyExpire ? UNLINK : DEL, key] });
    this.endUnit();
  }

  /**
   * A key was evicted to stay under maxmemory: an "evicted" event and a DEL. As Redis's
   * performEvictions (propagate_no_multi), each reaches the stream at once and on its own,
   * before the command that made room, never wrapped with it.
   */
  private keyEvicted(db: Database, id: number): void {
    const key = db.keyOf(id);
    this.notify(Notify.Evicted, 'evicted', db.index, key);
    if (this.propagationListeners.length > 0) this.publish(db.index, [this.lazyEvict ? UNLINK : DEL, key]);
  }

  /**
   * Hash fields past their time were removed: as Redis 7.4's hashTypeExpire, each field
   * propagates as HDEL key field, then one "hexpired" event, and "del" when the hash goes.
   */
  private fieldsExpired(db: Database, id: number, fields: readonly Buffer[], emptied: boolean): void {
    const key = db.keyOf(id);
    if (this.propagationListeners.length > 0) {
      // Each HDEL is a unit of its own from the cron, part of the command's unit otherwise.
      for (const field of fields) {
        this.beginUnit();
        this.pending.push({ db: db.index, argv: [HDEL, key, field] });
        this.endUnit();
      }
    }
    this.notify(Notify.Hash, 'hexpired', db.index, key);
    if (emptied) this.notify(Notify.Generic, 'del', db.index, key);
  }
}

/**
 * Turns the propagation stream into RESP commands as a replica or an AOF receives them, with a
 * SELECT whenever the database changes (each consumer keeps its own, as in Redis).
 */
export class CommandStreamEncoder {
  private scratch: ReplyWriter | null = null;

  constructor(
    /** The database the consumer already has selected; -1 for none. */
    private selected = -1,
  ) {}

  /** The command (after a SELECT if needed) as a buffer of its own. */
  encode(db: number, argv: readonly Buffer[]): Buffer {
    const w = (this.scratch ??= new ReplyWriter());
    this.write(w, db, argv);
    return w.take()!;
  }

  /** Appends the command (after a SELECT if needed) to `w`, a consumer's own buffer (the AOF's). */
  write(w: ReplyWriter, db: number, argv: readonly Buffer[]): void {
    if (db >= 0 && db !== this.selected) {
      w.array(2);
      w.bulk(SELECT);
      w.bulkString(String(db));
      this.selected = db;
    }
    w.array(argv.length);
    for (let i = 0; i < argv.length; i++) w.bulk(argv[i]!);
  }

  /** The next command comes with a SELECT, whatever its database (a new AOF file starts). */
  forgetSelection(): void {
    this.selected = -1;
  }
}

const SELECT = Buffer.from('SELECT');
