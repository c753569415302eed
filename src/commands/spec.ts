// The two halves of a command. A family writes a CommandSpec: the name bound to its handler
// (and, where Redis has a getkeys_proc, to its key procedure). Everything else Redis knows about
// a command (arity, flags, ACL categories, key specs, arguments, docs) is CommandMetadata, kept in
// Redis's own command-JSON format in src/commands/metadata/*.json, imported from a real Redis
// 7.0.15 by scripts/import-command-metadata.ts. The registry joins the two at start-up.

import type { ReplyWriter } from '../protocol/resp/writer.ts';
import type { Database } from '../store/database.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { KeyResult } from './keyspec.ts';

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

/**
 * A command's own key finder, for what its key specs cannot say (Redis's getkeys_proc): the keys
 * of `argv` appended to `out` with their key-spec flags. Runs only when the specs are marked
 * INCOMPLETE or VARIABLE_FLAGS, or fail on this argv (a bad numkeys).
 */
export type KeyProc = (argv: readonly Uint8Array[], out: KeyResult) => void;

export interface CommandSpec {
  /** Lower case, as COMMAND reports it; subcommands as "container|sub". */
  name: string;
  handler?: Handler;
  /** Required exactly when the metadata names a get_keys_function. */
  getKeys?: KeyProc;
  subcommands?: readonly CommandSpec[];
}

// ---- metadata: Redis's command JSON (src/commands/*.json of Redis 7.0) -------------------------

export interface KeySpecJson {
  notes?: string;
  /** RO, RW, OW, RM, ACCESS, UPDATE, INSERT, DELETE, NOT_KEY, INCOMPLETE, VARIABLE_FLAGS */
  flags: string[];
  begin_search: { index: { pos: number } } | { keyword: { keyword: string; startfrom: number } } | { unknown: null };
  find_keys:
    | { range: { lastkey: number; step: number; limit: number } }
    | { keynum: { keynumidx: number; firstkey: number; step: number } }
    | { unknown: null };
}

export interface ArgumentJson {
  name: string;
  type: 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  arguments?: ArgumentJson[];
}

export interface CommandMetadata {
  summary?: string;
  since?: string;
  /** Redis's JSON group name ("sorted_set"); COMMAND DOCS shows it with dashes. */
  group: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  /** [version, change] pairs. */
  history?: [string, string][];
  arity: number;
  /** Redis's name of the getkeys_proc; the command's CommandSpec must then bind getKeys. */
  get_keys_function?: string;
  /** Upper case (WRITE, DENYOOM, MAY_REPLICATE, ...), including the ones COMMAND INFO hides. */
  command_flags?: string[];
  /** The explicit categories only (upper case); @read, @write, @fast, @slow... derive from the flags. */
  acl_categories?: string[];
  command_tips?: string[];
  key_specs?: KeySpecJson[];
  arguments?: ArgumentJson[];
  /** Keyed by the upper-case subcommand name. */
  subcommands?: Record<string, CommandMetadata>;
  /** Set on metadata not imported from Redis 7.0.15: where it was written from. */
  provenance?: string;
}
