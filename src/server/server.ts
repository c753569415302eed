// The server: configuration, keyspace, clients, statistics, and the one gate every command
// passes through, in three steps as Redis's processCommand and call():
//   check   - lookup, arity, auth, then the checks capabilities register (ACL, cluster
//             redirection, out-of-memory, loading, read-only replica, ...), each reading the
//             command's flags; shared by the socket path, EXEC and (later) scripts;
//   call    - the handler, with an effects record: the keys it really changed (from the
//             keyspace's change counter), the events it raised, what it propagates;
//   effects - published once per execution unit (propagation stream, see effects.ts); WATCH,
//             blocked clients and caching hear of changed keys from the keyspace itself.

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { ALL_COMMANDS } from '../commands/index.ts';
import { CommandTable, Flag, type RegisteredCommand } from '../commands/registry.ts';
import type { CommandContext } from '../commands/spec.ts';
import {
  CommandError,
  EXECABORT_BECAUSE,
  handlerFailure,
  NO_MULTI,
  NOAUTH,
  unknownCommand,
  unknownSubcommand,
  wrongArity,
} from '../errors.ts';
import { ACTIVE_EXPIRE_FIELDS_PER_SECOND, Keyspace, systemClock, type Clock } from '../store/keyspace.ts';
import { Effects, parseNotifyFlags } from './effects.ts';
import { WatchRegistry } from './watch.ts';
import { InstantaneousMetric, randomHex } from './rates.ts';
import type { Database } from '../store/database.ts';
import { BlockingRegistry } from './blocking.ts';
import { Client } from './client.ts';
import { Config } from './config.ts';
import { parseOutputLimits, type OutputLimits } from './output-limits.ts';
import type { RedisListener } from './listener.ts';
import { Logger } from './log.ts';
import { Snapshots } from '../persistence/snapshots.ts';
import { PubSub } from '../pubsub/pubsub.ts';
import { refuseInSubscribedMode } from '../commands/pubsub.ts';
import { publishKeyspaceEvents } from '../pubsub/notifications.ts';
import { Tracking } from '../tracking/tracking.ts';
import { AccessControl } from '../security/access.ts';
import { installMaxmemory } from './maxmemory.ts';
import { Tiering } from '../tiering/index.ts';
import { Observability } from '../observability/observability.ts';

export interface ServerOptions {
  /** Settings by Redis name, applied as at start-up. */
  config?: Record<string, string>;
  clock?: Clock;
}

export interface ServerStats {
  startedAt: number;
  connectionsReceived: number;
  rejectedConnections: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Error replies by their first word (ERR, WRONGTYPE, ...), for INFO errorstats. */
  errors: Map<string, number>;
  totalErrorReplies: number;
}

function isWrite(cmd: RegisteredCommand): boolean {
  return cmd.has(Flag.Write | Flag.MayReplicate);
}

const CROSS_PROTOCOL_PROBES = ['post', 'host:'];

function isCrossProtocolProbe(name: Buffer): boolean {
  return CROSS_PROTOCOL_PROBES.some((probe) => probe.length === name.length && name.toString('latin1').toLowerCase() === probe);
}

/** Commands that run even while MULTI is queueing. */
const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const QUEUED = Buffer.from('+QUEUED\r\n');

/**
 * A check the gate runs before a command (and before queueing it in MULTI): the error to
 * answer instead of running it, or null. Capabilities (ACL, cluster, maxmemory, loading,
 * replicas) register theirs with Server.addCheck.
 */
export type CommandCheck = (client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]) => string | null;

/** What a handler asked of its command's propagation (Context.propagation). */
const Propagation = { AsChanged: 0, Prevent: 1, Force: 2 } as const;

class Context implements CommandContext {
  argv: Buffer[] = [];
  /** What to propagate instead of argv; null = argv. */
  rewritten: Buffer[] | null = null;
  propagation: number = Propagation.AsChanged;
  constructor(
    readonly client: Client,
    readonly server: Server,
  ) {}
  get w() {
    return this.client.w;
  }
  get keyspace(): Keyspace {
    return this.server.keyspace;
  }
  get db(): Database {
    return this.server.keyspace.dbs[this.client.db]!;
  }
  notify(type: number, event: string, key: Buffer): void {
    this.server.effects.notify(type, event, this.client.db, key);
  }
  get propagating(): boolean {
    return this.server.effects.propagating;
  }
  propagateAs(argv: Buffer[]): void {
    this.rewritten = argv;
  }
  alsoPropagate(argv: Buffer[]): void {
    this.server.effects.propagate(this.client.db, argv);
  }
  preventPropagation(): void {
    this.propagation = Propagation.Prevent;
  }
  forcePropagation(): void {
    this.propagation = Propagation.Force;
  }
}

export class Server {
  readonly config: Config;
  /** The server log (quiet until startServer enables it). */
  readonly log: Logger;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  /** Keyspace events and the propagation stream. */
  readonly effects: Effects;
  /** WATCHed keys. */
  readonly watches: WatchRegistry;
  /** Pub/sub channels, patterns and their subscribers; publish() is for other modules too. */
  readonly pubsub = new PubSub();
  /** Client-side caching: tracked keys, BCAST prefixes, invalidations. */
  readonly tracking: Tracking;
  /** The client whose command runs (Redis's current_client); null outside commands (cron, Memcached). */
  currentClient: Client | null = null;
  /** INFO run_id: random per server start. */
  readonly runId = randomHex();
  /** INFO master_replid; DEBUG CHANGE-REPL-ID replaces it. */
  replId = randomHex();
  /** Per-second rates sampled by the cron (INFO instantaneous_*). */
  readonly rates = { ops: new InstantaneousMetric(), netInput: new InstantaneousMetric(), netOutput: new InstantaneousMetric() };
  readonly clients = new Map<number, Client>();
  readonly stats: ServerStats;
  /** The TCP front, once listening (CLIENT KILL and SHUTDOWN reach sockets through it). */
  listener: RedisListener | null = null;
  /** client-output-buffer-limit, parsed once per change rather than per reply. */
  outputLimits: OutputLimits;
  /** The config file the server started from (CONFIG REWRITE writes it), if any. */
  configFile: string | null = null;
  /** Whether the cron expires keys nobody reads (DEBUG SET-ACTIVE-EXPIRE turns it off). */
  activeExpire = true;
  /**
   * Runs before replies leave for their sockets, once per flush: the AOF writes (and under
   * appendfsync always fsyncs) the writes those replies acknowledge, as Redis's beforeSleep
   * flushes the AOF before it writes to clients.
   */
  beforeReplies: () => void = () => {};
  /**
   * Called after beforeReplies with the sending of those replies: true when it took `send` to
   * run later, once what the replies acknowledge is on disk (the AOF under appendfsync
   * always fsyncs off the event loop and runs the sends in order); false: send now.
   */
  deferReplies: ((send: () => void) => boolean) | null = null;
  /** Closes the listeners; set by startServer (SHUTDOWN). Embedded without a socket it stays null. */
  shutdown: (() => Promise<void>) | null = null;
  private nextClientId = 1;
  private cronTimer: NodeJS.Timeout | null = null;
  /** Checks capabilities added to the gate's check step (ACL, cluster, out-of-memory, ...). */
  private checks: CommandCheck[] = [];
  /** Every registered check in registration order, switched on or off (see switchableCheck). */
  private readonly checkSlots: { check: CommandCheck; active: boolean }[] = [];
  private readonly plainChecks = new WeakSet<CommandCheck>();
  /** The last refusal came from a plain check (see addCheck). */
  private refusedPlainly = false;
  /** CLIENT PAUSE in force: `all` pauses every command, otherwise only writes; `until` in ms. */
  pause: { all: boolean; until: number } | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private readonly unpauseListeners: (() => void)[] = [];
  private readonly clientRemovedListeners: ((client: Client) => void)[] = [];
  /** Clients blocked by BLPOP and the like, and the keys that may serve them. */
  readonly blocking: BlockingRegistry;
  /** The keyspace's change counter at the last save: dirty counts from there. */
  saveBaseline = 0;
  /** RDB snapshots: SAVE, BGSAVE, save points, loading. */
  readonly persistence: Snapshots;
  /** ACL users, authentication and the ACL check at the gate. */
  readonly acl: AccessControl;
  /** SLOWLOG, the latency monitor and MONITOR clients, fed by call(). */
  readonly observability: Observability;
  /** Hybrid storage: cold values on disk (src/tiering). */
  readonly tiering: Tiering;
  /** Commands running, nested ones (EXEC's) included. */
  private callDepth = 0;
  /**
   * The client whose script is running (scripting/), or null. Until the script ends, its
   * caller's next commands wait, blocking commands answer at once, and neither the cron
   * expires keys nor blocked clients are served: a script that runs past
   * busy-reply-threshold hands the event loop back, and must still look atomic.
   */
  scriptCaller: Client | null = null;
  /**
   * While a connection's received commands run back to back (between beginBackToBack and
   * endBackToBack), each command starts at the previous one's end: one clock read per command
   * instead of two, which is about 50 ns on this machine's kvm-clock. -1 = read the clock.
   */
  private lastEnd = -1;
  private backToBack = false;

  constructor(options: ServerOptions = {}) {
    this.config = new Config();
    this.outputLimits = parseOutputLimits(this.config.get('client-output-buffer-limit')) as OutputLimits;
    this.config.onChange((name, value) => {
      if (name === 'client-output-buffer-limit') this.outputLimits = parseOutputLimits(value) as OutputLimits;
    });
    for (const [name, value] of Object.entries(options.config ?? {})) this.config.set(name, value, true);
    this.log = new Logger(this.config);
    const clock = options.clock ?? systemClock;
    this.keyspace = new Keyspace(this.config.number('databases'), clock);
    this.commands = new CommandTable(ALL_COMMANDS);
    this.effects = new Effects(this.keyspace);
    this.watches = new WatchRegistry(this.keyspace);
    this.blocking = new BlockingRegistry(this);
    this.addCheck(refuseInSubscribedMode);
    this.tracking = new Tracking(this);
    this.acl = new AccessControl(this);
    const applyEffectsConfig = () => {
      this.effects.setNotifyFlags(parseNotifyFlags(this.config.givenValue('notify-keyspace-events')));
      this.effects.lazyExpire = this.config.bool('lazyfree-lazy-expire');
    };
    applyEffectsConfig();
    this.config.onChange((name) => {
      if (name === 'notify-keyspace-events' || name === 'lazyfree-lazy-expire') applyEffectsConfig();
    });
    this.persistence = new Snapshots(this);
    this.observability = new Observability(this);
    publishKeyspaceEvents(this);
    this.stats = {
      startedAt: clock.now(),
      connectionsReceived: 0,
      rejectedConnections: 0,
      commandsProcessed: 0,
      netInputBytes: 0,
      netOutputBytes: 0,
      errors: new Map(),
      totalErrorReplies: 0,
    };
    // Before maxmemory's check: values go to disk before any would be evicted.
    this.tiering = new Tiering(this);
    installMaxmemory(this);
  }

  /** Keys changed since the last save (INFO rdb_changes_since_last_save; what save points count). */
  get dirty(): number {
    return this.keyspace.changes - this.saveBaseline;
  }

  get needsAuth(): boolean {
    return this.acl.authRequired;
  }

  createClient(addr = '', laddr = '', fd = -1): Client {
    const client = new Client(this.nextClientId++, this.keyspace.clock.now(), this.needsAuth, addr, laddr, fd);
    client.w.onError = (message) => this.countError(message);
    client.user = this.acl.defaultUser;
    this.clients.set(client.id, client);
    return client;
  }

  removeClient(client: Client): void {
    this.clients.delete(client.id);
    this.blocking.remove(client);
    this.watches.unwatch(client);
    this.pubsub.removeClient(client);
    this.tracking.disable(client);
    this.observability.monitors.delete(client);
    for (const listener of this.clientRemovedListeners) listener(client);
  }

  /** Told when a client goes (a replica's link closed, say). */
  onClientRemoved(listener: (client: Client) => void): void {
    this.clientRemovedListeners.push(listener);
  }

  /**
   * Adds a check to the gate's check step; returns the function that removes it. An EXEC that
   * a check refuses answers EXECABORT, unless the check is `plain` (cluster redirections): then
   * the transaction is discarded and its error comes as it is, as Redis's processCommand does.
   */
  addCheck(check: CommandCheck, plain = false): () => void {
    this.switchableCheck(check, plain)(true);
    return () => {
      const at = this.checkSlots.findIndex((slot) => slot.check === check);
      if (at >= 0) this.checkSlots.splice(at, 1);
      this.activateChecks();
    };
  }

  /**
   * Adds a check, off until its owner switches it on with the function returned (tiering while
   * enabled, maxmemory while set). It keeps its place among the checks whether on or off, so
   * that their order holds (demotion to disk before eviction), and costs no call while off.
   */
  switchableCheck(check: CommandCheck, plain = false): (active: boolean) => void {
    if (plain) this.plainChecks.add(check);
    const slot = { check, active: false };
    this.checkSlots.push(slot);
    return (active) => {
      if (slot.active === active) return;
      slot.active = active;
      this.activateChecks();
    };
  }

  private activateChecks(): void {
    this.checks = this.checkSlots.filter((slot) => slot.active).map((slot) => slot.check);
  }

  /** The command argv names, with its subcommand resolved; undefined when unknown. */
  resolve(argv: readonly Buffer[]): RegisteredCommand | undefined {
    const cmd = this.commands.lookup(argv[0]!);
    if (cmd === undefined || cmd.subcommands.length === 0 || argv.length < 2) return cmd;
    return cmd.subcommand(argv[1]!);
  }

  /** CLIENT PAUSE: commands that must wait run once the pause ends (at `until` or on unpause). */
  pauseClients(all: boolean, until: number): void {
    // A running pause is only ever extended or made stricter, as in Redis.
    const current = this.pause;
    this.pause = { all: all || (current?.all ?? false), until: Math.max(until, current?.until ?? 0) };
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.unpauseClients(), Math.max(0, this.pause.until - this.keyspace.clock.now()));
    this.pauseTimer.unref();
  }

  unpauseClients(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    if (this.pause === null) return;
    this.pause = null;
    for (const listener of this.unpauseListeners) listener();
  }

  /** Told when a pause ends, so that the transport runs the commands it held. */
  onUnpause(listener: () => void): void {
    this.unpauseListeners.push(listener);
  }

  /** Whether `argv` must wait for the pause to end (Redis's blockPostponeClient test). */
  mustWait(client: Client, argv: readonly Buffer[]): boolean {
    if (client.blocked !== null || client === this.scriptCaller || client.suspended) return true;
    const pause = this.pause;
    if (pause === null) return false;
    if (pause.all) return true;
    const cmd = this.resolve(argv);
    if (cmd === undefined) return false;
    if (isWrite(cmd)) return true;
    return cmd.spec.name === 'exec' && client.multi !== null && client.multi.some((queued) => isWrite(queued.cmd));
  }

  beginBackToBack(): void {
    this.backToBack = true;
  }

  endBackToBack(): void {
    this.backToBack = false;
    this.lastEnd = -1;
  }

  /** The gate: runs one request from a client, writing its reply to the client's writer. */
  execute(client: Client, argv: Buffer[]): void {
    const w = client.w;
    // CLIENT REPLY OFF/SKIP: the command runs, then what it wrote is dropped. SKIP silences
    // the command that set it and the one after.
    const skipping = client.replyMode === 'skip';
    const mark = w.mark();
    const tracking = this.tracking.clients > 0 ? this.tracking : null;
    tracking?.limitUsedSlots();
    this.currentClient = client;
    this.effects.beginUnit();
    this.dispatch(client, argv);
    this.effects.endUnit();
    this.currentClient = null;
    // As after call() in Redis's processCommand: clients blocked on keys the command (or a
    // whole EXEC) filled are served before the next command runs, each as a unit of its own.
    if (this.callDepth === 0 && this.scriptCaller === null && this.blocking.hasReady) this.blocking.serveReady();
    if (client.replyMode !== 'on') {
      w.rewind(mark);
      if (skipping && client.replyMode === 'skip') client.replyMode = 'on';
    }
    // Invalidations of keys the client changed itself follow its reply, replies off or not.
    tracking?.afterCommand(client, argv);
  }

  private dispatch(client: Client, argv: Buffer[]): void {
    const name = argv[0]!;
    // The parser hands a pipeline's repeated command name over as the same Buffer, so the
    // previous lookup answers it without hashing the name again.
    let cmd = name === client.lastName ? client.lastCommandLookup : this.commands.lookup(name);
    if (cmd !== undefined) {
      client.lastName = name;
      client.lastCommandLookup = cmd;
    } else {
      // Redis's guard against cross-protocol attacks (an HTTP request sent to the port):
      // such a client is dropped without a reply.
      if (isCrossProtocolProbe(argv[0]!)) return client.kill();
      return this.reject(client, null, unknownCommand(argv));
    }
    if (cmd.subcommands.length > 0 && argv.length >= 2) {
      const sub = cmd.subcommand(argv[1]!);
      if (sub === undefined) return this.reject(client, cmd, unknownSubcommand(argv[1]!, cmd.spec.name));
      cmd = sub;
    }
    const refused = this.check(client, cmd, argv);
    if (refused !== null) return this.reject(client, cmd, refused);
    if (client.multi !== null && !MULTI_PASSTHROUGH.has(cmd.spec.name)) {
      client.multi.push({ cmd, argv });
      client.w.raw(QUEUED);
      return;
    }
    this.call(client, cmd, argv);
  }

  /**
   * The check step for a command already looked up: the error to answer instead of running
   * it, or null. In Redis's order: arity, authentication, the registered checks, then MULTI's
   * own rule for commands that cannot be queued.
   */
  check(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): string | null {
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return wrongArity(cmd.fullName);
    // Whether authentication is required is decided now, as the default user may have changed since the client connected.
    if (!client.authenticated && !cmd.has(Flag.NoAuth) && this.acl.authRequired) return NOAUTH;
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      const refused = checks[i]!(client, cmd, argv);
      if (refused !== null) {
        this.refusedPlainly = this.plainChecks.has(checks[i]!);
        return refused;
      }
    }
    if (client.multi !== null && cmd.has(Flag.NoMulti)) return NO_MULTI;
    return null;
  }

  /** Whether a blocking command must answer at once instead of blocking: inside EXEC (or a script). */
  get denyBlocking(): boolean {
    return this.callDepth > 1 || this.scriptCaller !== null;
  }

  /** Runs a command that passed the gate's checks (EXEC calls this for queued commands). */
  call(client: Client, cmd: RegisteredCommand, argv: Buffer[]): void {
    let ctx = client.context as Context | null;
    if (ctx === null) {
      ctx = new Context(client, this);
      client.context = ctx;
    }
    // EXEC runs its queued commands on the same client, so the same context: keep EXEC's own.
    const outerArgv = ctx.argv;
    const outerRewritten = ctx.rewritten;
    const outerPropagation = ctx.propagation;
    ctx.argv = argv;
    ctx.rewritten = null;
    ctx.propagation = Propagation.AsChanged;
    const started = this.lastEnd >= 0 ? this.lastEnd : performance.now();
    const keyspace = this.keyspace;
    // Inside a script time stands still at its start, as in Redis 7: a key cannot expire
    // between two of its commands (what they propagate must replay the same on a replica).
    if (this.scriptCaller === null) keyspace.refreshTime(started);
    keyspace.touchKeys = !client.noTouch;
    keyspace.beginChanges();
    const changesBefore = keyspace.changes;
    const w = client.w;
    const errorsBefore = w.errorCount;
    const replyMark = w.mark();
    const observability = this.observability;
    if (observability.monitors.size > 0 && Observability.monitoredBefore(cmd)) observability.feedMonitors(client, cmd, argv);
    this.callDepth++;
    try {
      cmd.spec.handler!(ctx);
    } catch (error) {
      // Whatever the handler wrote before it failed is dropped: one reply, the error.
      w.rewind(replyMark);
      if (error instanceof CommandError) w.error(error.message);
      else {
        w.error(handlerFailure(error instanceof Error ? error.message : String(error)));
        console.error(error);
      }
    }
    this.callDepth--;
    if (client.tracking !== null && cmd.has(Flag.Readonly)) this.tracking.remember(client, cmd, argv);
    const changed = keyspace.changes - changesBefore;
    const propagation = ctx.propagation;
    if (propagation === Propagation.Force || (changed > 0 && propagation === Propagation.AsChanged)) {
      this.effects.propagate(client.db, ctx.rewritten ?? argv);
    }
    ctx.argv = outerArgv;
    ctx.rewritten = outerRewritten;
    ctx.propagation = outerPropagation;
    const stats = cmd.stats;
    const ended = performance.now();
    const usec = (ended - started) * 1000;
    stats.usec += usec;
    if (observability.tracking && client.blocked === null) observability.track(stats, usec);
    if (usec >= observability.slowUsec) observability.slowCommand(client, cmd, argv, usec);
    if (observability.monitors.size > 0 && client.blocked === null && Observability.monitoredAfter(cmd)) observability.feedMonitors(client, cmd, argv);
    if (this.backToBack) this.lastEnd = ended;
    // As in Redis, a blocking command counts as a call when it blocks, not again when served.
    if (this.blocking.servingKey === null) {
      stats.calls++;
      this.stats.commandsProcessed++;
    }
    if (w.errorCount !== errorsBefore) stats.failed++;
    client.lastCommand = cmd.fullName;
  }

  /** Answers an error for a command that the gate turned away (before it ran). */
  private reject(client: Client, cmd: RegisteredCommand | null, message: string): void {
    if (cmd !== null) cmd.stats.rejected++;
    // A rejected EXEC ends the transaction, as Redis's execCommandAbort does.
    if (cmd !== null && cmd.spec.name === 'exec') {
      client.multi = null;
      client.multiFailed = false;
      this.watches.unwatch(client);
      client.w.error(this.refusedPlainly ? message : EXECABORT_BECAUSE + (message.startsWith('ERR ') ? message.slice(4) : message));
      this.refusedPlainly = false;
      return;
    }
    if (client.multi !== null) client.multiFailed = true;
    client.w.error(message);
  }

  private countError(message: string): void {
    const space = message.indexOf(' ');
    const code = space < 0 ? message : message.slice(0, space);
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
    this.stats.totalErrorReplies++;
  }

  /** Background work Redis does in serverCron: active expiry and incremental rehashing. */
  cron(): void {
    const hz = this.config.number('hz');
    this.keyspace.clock.resync?.();
    const timeout = this.config.number('timeout');
    if (timeout > 0) this.listener?.closeIdle(timeout * 1000);
    // Redis gives the slow expire cycle 25% of each cron period, and hash fields their own
    // quota per second. As in Redis, a CLIENT PAUSE also freezes expiry, keys' and fields',
    // so the dataset stays as the pauser saw it.
    if (this.activeExpire && this.pause === null && this.scriptCaller === null) this.keyspace.activeExpireCycle((1000 / hz) * 0.25, Math.floor(ACTIVE_EXPIRE_FIELDS_PER_SECOND / hz));
    if (this.config.bool('activerehashing')) this.keyspace.rehashCycle(1);
    this.persistence.cron();
    this.tiering.cron();
    if (this.tracking.clients > 0) this.tracking.limitUsedSlots();
    const now = this.keyspace.clock.now();
    this.rates.ops.sample(now, this.stats.commandsProcessed);
    this.rates.netInput.sample(now, this.stats.netInputBytes);
    this.rates.netOutput.sample(now, this.stats.netOutputBytes);
  }

  startCron(): void {
    if (this.cronTimer) return;
    const schedule = () => {
      this.cronTimer = setTimeout(() => {
        this.cron();
        schedule();
      }, 1000 / this.config.number('hz'));
      this.cronTimer.unref();
    };
    schedule();
  }

  stopCron(): void {
    if (this.cronTimer) clearTimeout(this.cronTimer);
    this.cronTimer = null;
  }
}
