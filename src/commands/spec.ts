// The shape of a command in the declarative table. Everything around a handler (arity and
// auth checks, MULTI queueing, COMMAND output, key extraction, stats, propagation) is derived
// from these fields by the gate, so a handler only does its own work.

import type { ReplyWriter } from '../protocol/resp/writer.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_multi'
  | 'allow_busy'
  | 'movablekeys';

/** Where a command's keys are (Redis's legacy first/last/step triple). */
export interface KeyPositions {
  first: number;
  /** -1 = the last argument, -2 = the one before, ... */
  last: number;
  step: number;
}

export interface CommandContext {
  readonly argv: Buffer[];
  /** The caller's reply writer: the handler writes exactly one reply (or an error). */
  readonly w: ReplyWriter;
  readonly client: Client;
  readonly server: Server;
  readonly keyspace: Keyspace;
  /** The caller's selected database. */
  readonly db: Database;
  /**
   * Raises a keyspace event on `key` of the caller's database, with Redis's class and event
   * name (notifyKeyspaceEvent(NOTIFY_LIST, "lpush", ...)).
   */
  notify(type: number, event: string, key: Buffer): void;
  /** Whether anyone reads the propagation stream: build rewritten forms only when true. */
  readonly propagating: boolean;
  /** Propagate `argv` instead of the command as received (Redis's rewriteClientCommandVector). */
  propagateAs(argv: Buffer[]): void;
  /** Propagate `argv` too, before the command itself (Redis's alsoPropagate). */
  alsoPropagate(argv: Buffer[]): void;
  /** Propagate nothing of the command itself, even if it changed keys. */
  preventPropagation(): void;
  /** Propagate the command even if it changed no key (FLUSHALL of an empty server, PUBLISH). */
  forcePropagation(): void;
}

export type Handler = (ctx: CommandContext) => void;

export interface CommandSpec {
  /** Lower case, as COMMAND reports it; subcommands as "container|sub". */
  name: string;
  /** Redis's arity: N = exactly N arguments counting the name, -N = at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** ACL categories, without the '@'. */
  acl: readonly string[];
  keys?: KeyPositions;
  /** Keys of commands whose positions depend on arguments (numkeys, STORE, ...). */
  getKeys?: (argv: readonly Buffer[]) => number[];
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  handler?: Handler;
  subcommands?: readonly CommandSpec[];
}
