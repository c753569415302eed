// The server's access control: the users, the default user and requirepass, authentication,
// the ACL LOG, the aclfile and the `user` lines of the config file, and the check the gate runs
// before every command (also for MULTI's queued commands and, through server.check, a script's).

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { RegisteredCommand } from '../commands/registry.ts';
import { clientInfoLine, kill as killClient } from '../commands/server/client.ts';
import {
  aclDuplicateUser,
  aclFileLineError,
  aclFileOpenError,
  aclFileUnmatchedParenthesis,
  aclFileUserKeyword,
  aclFileUserName,
  aclModifierError,
  aclUnmatchedParenthesis,
  EXEC_DENIED_CHANNEL,
  EXEC_DENIED_COMMAND,
  EXEC_DENIED_KEY,
  execNoperm,
  NOPERM_CHANNEL,
  NOPERM_KEY,
  nopermCommand,
  SCRIPT_DENIED_CHANNEL,
  SCRIPT_DENIED_COMMAND,
  SCRIPT_DENIED_KEY,
} from '../errors.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { AclCommands, applyUserRule, Denial, KeyCache, mergeSelectorArguments, RuleError, Selector, User, type DenialKind } from './acl.ts';

// Module-local copies: imported bindings cost a getter call per use under tsx.
const ALLOWED = Denial.None;
const DENIED_COMMAND = Denial.Command;

/** Where a denial happened (ACL LOG's context). */
export type LogContext = 'toplevel' | 'multi' | 'lua';

export interface LogEntry {
  count: number;
  reason: DenialKind;
  context: LogContext;
  object: Buffer;
  username: string;
  /** When it last happened (ms). */
  time: number;
  clientInfo: string;
}

interface DenialTexts {
  command: string;
  key: string;
  channel: string;
}

const EXEC_DENIALS: DenialTexts = {
  command: execNoperm(EXEC_DENIED_COMMAND),
  key: execNoperm(EXEC_DENIED_KEY),
  channel: execNoperm(EXEC_DENIED_CHANNEL),
};

const SCRIPT_DENIALS: DenialTexts = { command: SCRIPT_DENIED_COMMAND, key: SCRIPT_DENIED_KEY, channel: SCRIPT_DENIED_CHANNEL };

/** Entries this close in time with the same reason, context, object and user are one entry with a count. */
const LOG_GROUPING_MS = 60_000;
/** How many recent entries a new one is compared with. */
const LOG_GROUPING_SCAN = 10;

export class AccessControl {
  readonly commands: AclCommands;
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  /**
   * The user of clients the server makes for itself (AOF loading, a replica's link to its
   * master): Redis runs those with no user, unchecked. Not in `users`, so nobody can log in as it.
   */
  readonly internalUser: User;
  /** Newest first. */
  readonly log: LogEntry[] = [];
  private readonly userChangeListeners: ((user: User, caller: Client | null) => void)[] = [];
  /** The argument a denial is about (the key or channel), set by checkUser. */
  private readonly deniedAt = { position: 0 };
  private readonly keyCache = new KeyCache();

  constructor(private readonly server: Server) {
    this.commands = new AclCommands(server.commands);
    this.defaultUser = this.newUser('default');
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) applyUserRule(this.defaultUser, rule, () => this.newSelector());
    this.users.set('default', this.defaultUser);
    this.internalUser = this.newUser('internal');
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) applyUserRule(this.internalUser, rule, () => this.newSelector());
    this.applyRequirepass(server.config.get('requirepass'));
    server.config.onChange((name, value) => {
      if (name === 'requirepass') this.applyRequirepass(value);
      if (name === 'acllog-max-len') this.trimLog();
    });
    server.addCheck((client, cmd, argv) => this.gateCheck(client, cmd, argv));
    this.onUserChanged((user, caller) => this.closeRevokedSubscribers(user, caller));
  }

  /** requirepass is the default user's one password; empty makes it nopass (Redis's ACLUpdateDefaultUserPassword). */
  private applyRequirepass(password: string): void {
    const selector = () => this.newSelector();
    applyUserRule(this.defaultUser, 'resetpass', selector);
    applyUserRule(this.defaultUser, password === '' ? 'nopass' : `>${password}`, selector);
  }

  newSelector(): Selector {
    return new Selector(this.commands, this.server.config.get('acl-pubsub-default') === 'allchannels');
  }

  /** A user as ACL SETUSER creates one: off, no passwords, no commands, keys or channels beyond the pub/sub default. */
  newUser(name: string): User {
    return new User(name, this.newSelector());
  }

  /** Whether a client that has not authenticated must (Redis's authRequired). */
  get authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /**
   * Applies modifiers to a user, creating it if needed, all or nothing; returns the error text
   * or null. `caller` (ACL SETUSER's client) gets its reply before it is closed for a revoked channel.
   */
  setUser(name: string, args: readonly string[], caller: Client | null = null): string | null {
    const merged = mergeSelectorArguments(args);
    if (typeof merged === 'number') return aclUnmatchedParenthesis(args[merged]!);
    const existing = this.users.get(name);
    const staged = existing?.clone() ?? this.newUser(name);
    for (const op of merged) {
      try {
        applyUserRule(staged, op, () => this.newSelector());
      } catch (error) {
        if (error instanceof RuleError) return aclModifierError(op, error.message);
        throw error;
      }
    }
    if (existing === undefined) this.users.set(name, staged);
    else {
      existing.copyFrom(staged);
      for (const listener of this.userChangeListeners) listener(existing, caller);
    }
    return null;
  }

  /**
   * Told when an existing user's rules change by ACL SETUSER. (ACL LOAD closes every connection
   * of the users it replaces; the default user's subscribers stay, as in Redis 7.0.)
   */
  onUserChanged(listener: (user: User, caller: Client | null) => void): void {
    this.userChangeListeners.push(listener);
  }

  /**
   * Closes the user's subscribed connections that hold a channel, pattern or shard channel the
   * user's rules no longer allow (Redis's ACLKillPubsubClientsIfNeeded).
   */
  private closeRevokedSubscribers(user: User, caller: Client | null): void {
    for (const client of [...this.server.clients.values()]) {
      const subscriptions = client.pubsub;
      if (client.user !== user || subscriptions === null) continue;
      const revoked =
        [...subscriptions.patterns.values()].some((pattern) => !user.allowsChannel(pattern, true)) ||
        [...subscriptions.channels.values(), ...subscriptions.shardChannels.values()].some((channel) => !user.allowsChannel(channel, false));
      if (!revoked) continue;
      if (caller === null) client.kill();
      else killClient(client, caller);
    }
  }

  /** Deletes a user and closes the connections authenticated as it; the caller gets its reply first. */
  deleteUser(name: string, caller: Client): boolean {
    const user = this.users.get(name);
    if (user === undefined) return false;
    this.users.delete(name);
    this.killClientsOf(new Set([user]), caller);
    return true;
  }

  private killClientsOf(users: ReadonlySet<User>, caller: Client | null): void {
    for (const client of [...this.server.clients.values()]) {
      if (users.has(client.user)) {
        if (caller === null) client.kill();
        else killClient(client, caller);
      }
    }
  }

  /** AUTH and HELLO AUTH: logs the client in, or logs the failure in the ACL LOG and returns false. */
  authenticate(client: Client, username: string, password: Buffer, commandName: Buffer): boolean {
    const user = this.users.get(username);
    if (user !== undefined && user.accepts(password)) {
      client.user = user;
      client.authenticated = true;
      return true;
    }
    // As in Redis, where the command is recorded before it runs, the entry's client-info names it.
    client.lastCommand = commandName.toString('latin1').toLowerCase();
    this.addLogEntry(Denial.Auth, this.contextOf(client), commandName, username, clientInfoLine(this.server, client));
    return false;
  }

  /** Whether `user` may run `argv` (Redis's ACLCheckAllUserCommandPerm); for a key or channel denial, the argument is at deniedPosition. */
  checkUser(user: User, cmd: RegisteredCommand, argv: readonly Buffer[]): DenialKind {
    if (user.unrestricted) return ALLOWED;
    const cache = this.keyCache;
    cache.ready = false;
    // With several selectors the one reported is the most specific failure, then the latest argument.
    let relevant: DenialKind = DENIED_COMMAND;
    let lastPosition = 0;
    const at = this.deniedAt;
    for (const selector of user.selectors) {
      at.position = 0;
      const result = selector.check(cmd, argv, cache, at);
      if (result === ALLOWED) return ALLOWED;
      if (result > relevant || (result === relevant && at.position > lastPosition)) {
        relevant = result;
        lastPosition = at.position;
      }
    }
    at.position = lastPosition;
    return relevant;
  }

  get deniedPosition(): number {
    return this.deniedAt.position;
  }

  private contextOf(client: Client): LogContext {
    return client.multi !== null ? 'multi' : 'toplevel';
  }

  /** The gate's check: NOPERM with Redis's text, and an ACL LOG entry. */
  private gateCheck(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): string | null {
    const user = client.user;
    if (user.unrestricted) return null;
    const denial = this.checkUser(user, cmd, argv);
    if (denial === ALLOWED) return null;
    this.logDenial(client, denial, this.contextOf(client), cmd, argv);
    if (denial === Denial.Command) return nopermCommand(cmd.fullName);
    return denial === Denial.Key ? NOPERM_KEY : NOPERM_CHANNEL;
  }

  /**
   * EXEC checks each queued command again, as the user's rules may have changed since it was
   * queued: Redis's NOPERM text for that case, or null.
   */
  execCheck(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): string | null {
    return this.deniedWith(client, cmd, argv, 'multi', EXEC_DENIALS);
  }

  /**
   * For scripts (redis.call and friends): the text a denied inner command fails with, or null;
   * the denial is logged with the lua context.
   */
  scriptCheck(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): string | null {
    return this.deniedWith(client, cmd, argv, 'lua', SCRIPT_DENIALS);
  }

  private deniedWith(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[], context: LogContext, texts: DenialTexts): string | null {
    const denial = this.checkUser(client.user, cmd, argv);
    if (denial === Denial.None) return null;
    this.logDenial(client, denial, context, cmd, argv);
    return denial === Denial.Command ? texts.command : denial === Denial.Key ? texts.key : texts.channel;
  }

  /** Logs a denial checkUser just returned: the command's name, or the key or channel at fault. */
  logDenial(client: Client, denial: DenialKind, context: LogContext, cmd: RegisteredCommand, argv: readonly Buffer[]): void {
    client.lastCommand = cmd.fullName;
    this.addLogEntry(denial, context, this.deniedObject(denial, cmd, argv), client.user.name, clientInfoLine(this.server, client));
  }

  /**
   * Logs a denial on another front (Memcached), whose connections are no Redis clients:
   * `clientInfo` describes the connection. With a command, the object is found as for
   * logDenial (checkUser's denial just returned); without one (a failed login) it is `object`.
   */
  logFrontDenial(denial: DenialKind, username: string, clientInfo: string, cmd: RegisteredCommand | null, argv: readonly Buffer[]): void {
    const object = cmd === null ? argv[0]! : this.deniedObject(denial, cmd, argv);
    this.addLogEntry(denial, 'toplevel', object, username, clientInfo);
  }

  private deniedObject(denial: DenialKind, cmd: RegisteredCommand, argv: readonly Buffer[]): Buffer {
    return denial === Denial.Command ? Buffer.from(cmd.fullName) : argv[this.deniedAt.position]!;
  }

  private addLogEntry(reason: DenialKind, context: LogContext, object: Buffer, username: string, clientInfo: string): void {
    const now = this.server.keyspace.clock.now();
    const log = this.log;
    for (let i = 0; i < log.length && i < LOG_GROUPING_SCAN; i++) {
      const entry = log[i]!;
      if (
        entry.reason === reason &&
        entry.context === context &&
        Math.abs(entry.time - now) <= LOG_GROUPING_MS &&
        entry.object.equals(object) &&
        entry.username === username
      ) {
        entry.count++;
        entry.time = now;
        entry.clientInfo = clientInfo;
        log.splice(i, 1);
        log.unshift(entry);
        return;
      }
    }
    log.unshift({ count: 1, reason, context, object: Buffer.from(object), username, time: now, clientInfo });
    this.trimLog();
  }

  private trimLog(): void {
    const max = this.server.config.number('acllog-max-len');
    if (this.log.length > max) this.log.length = max;
  }

  /** ACL LIST's lines, users in name order. */
  list(): string[] {
    return this.sortedUsers().map((user) => `user ${user.name} ${user.describe()}`);
  }

  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'latin1'), Buffer.from(b.name, 'latin1')));
  }

  /**
   * Replaces every user with the aclfile's, all or nothing (Redis's ACLLoadFromFile); returns the
   * errors or null. Connections of users that were replaced are closed; the default user's stay.
   */
  loadFile(path: string): string | null {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (error) {
      return aclFileOpenError(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (error as Error).message);
    }
    const loaded = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const where = `${path}:${i + 1}`;
      if (line === '') continue;
      const words = line.split(' ').filter((word) => word !== '');
      if (words.length === 0) continue;
      if (words[0] !== 'user' || words.length < 2) {
        errors += aclFileUserKeyword(where);
        continue;
      }
      const name = words[1]!;
      if (/[ \0]/.test(name)) {
        errors += aclFileUserName(where, name);
        continue;
      }
      if (loaded.has(name)) {
        errors += aclDuplicateUser(name, i + 1);
        continue;
      }
      const user = this.newUser(name);
      loaded.set(name, user);
      const merged = mergeSelectorArguments(words.slice(2));
      if (typeof merged === 'number') {
        errors += aclFileUnmatchedParenthesis(where);
        continue;
      }
      let syntaxError = false;
      for (const op of merged) {
        try {
          applyUserRule(user, op, () => this.newSelector());
        } catch (error) {
          if (!(error instanceof RuleError)) throw error;
          if (error.message.startsWith('Unknown command')) errors += aclFileLineError(where, `Error in applying operation '${op}': ${error.message}`);
          else if (!syntaxError) {
            errors += aclFileLineError(where, error.message);
            syntaxError = true;
          }
        }
      }
    }
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previous ACLs was applied`;
    this.replaceUsers(loaded);
    return null;
  }

  /** Installs a new set of users; the default user object stays (clients hold it) with the new rules. */
  private replaceUsers(users: Map<string, User>): void {
    const replaced = new Set([...this.users.values()].filter((user) => user !== this.defaultUser));
    const newDefault = users.get('default');
    if (newDefault !== undefined) this.defaultUser.copyFrom(newDefault);
    else this.resetDefaultUser();
    users.set('default', this.defaultUser);
    this.users.clear();
    for (const [name, user] of users) this.users.set(name, user);
    this.killClientsOf(replaced, null);
  }

  private resetDefaultUser(): void {
    const fresh = this.newUser('default');
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) applyUserRule(fresh, rule, () => this.newSelector());
    this.defaultUser.copyFrom(fresh);
  }

  /** ACL SAVE: ACL LIST's lines, written whole or not at all. */
  saveFile(path: string): boolean {
    const temp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(temp, this.list().map((line) => `${line}\n`).join(''), 'latin1');
      renameSync(temp, path);
      return true;
    } catch (error) {
      this.server.log.warning(`Opening temp ACL file for ACL SAVE: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Start-up: the `user` lines of the config file (a line for an existing user, the default
   * one, resets it first), then the aclfile. Returns the log lines saying why start-up must
   * stop (Redis's words), or null.
   */
  loadAtStartup(userLines: readonly (readonly string[])[]): string[] | null {
    const aclfile = this.server.config.get('aclfile');
    if (aclfile !== '' && userLines.length > 0) {
      return [
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      ];
    }
    const critical = 'Critical error while loading ACLs. Exiting.';
    for (const [name, ...rules] of userLines) {
      if (/[ \0]/.test(name!)) return ['Spaces not allowed in ACL usernames', critical];
      const merged = mergeSelectorArguments(rules);
      if (typeof merged === 'number') return [aclUnmatchedParenthesis(rules[merged]!).slice(4), critical];
      const selector = () => this.newSelector();
      let user = this.users.get(name!);
      if (user === undefined) {
        user = this.newUser(name!);
        this.users.set(name!, user);
      } else if (user === this.defaultUser) {
        // The default user exists already: its line starts from a reset, as in Redis.
        applyUserRule(user, 'reset', selector);
      } else {
        return [`Error in user declaration '${name}': Duplicate user found. A user can only be defined once in config files`];
      }
      for (const rule of merged) {
        try {
          applyUserRule(user, rule, selector);
        } catch (error) {
          if (!(error instanceof RuleError)) throw error;
          return [`Error loading ACL rule '${rule}' for the user named '${name}': ${error.message}`, critical];
        }
      }
    }
    if (aclfile !== '') {
      const errors = this.loadFile(aclfile);
      if (errors !== null) return [`Aborting Redis startup because of ACL errors: ${errors}`];
    }
    return null;
  }
}
