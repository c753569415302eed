// ACL users and selectors as Redis 7.0: rule parsing (ACL SETUSER's modifiers), the canonical
// description ACL LIST and GETUSER print, and the permission check the gate runs for every
// command. Names, passwords and patterns are kept as latin1 strings, so any byte survives.

import { createHash } from 'node:crypto';
import { ACL_CATEGORIES, aclCategoryBit, Flag, type CommandTable, type RegisteredCommand } from '../commands/registry.ts';
import { extractKeys, KeyFlag, KeyResult } from '../commands/keyspec.ts';
import { stringMatch } from '../util/glob.ts';

/** Why a command is refused (Redis's ACL_DENIED_*); the order is the one selectors pick the reported error by. */
export const Denial = { None: 0, Command: 1, Key: 2, Auth: 3, Channel: 4 } as const;
export type DenialKind = (typeof Denial)[keyof typeof Denial];

// Imported bindings cost a getter call per use under tsx (the server runs through it), so the
// check's hot path reads module-local copies.
const NO_AUTH = Flag.NoAuth;
const KEY_READS = KeyFlag.Access;
const KEY_WRITES = KeyFlag.Insert | KeyFlag.Delete | KeyFlag.Update;
const ALLOWED = 0;
const DENIED_COMMAND = 1;
const DENIED_KEY = 2;
const DENIED_CHANNEL = 4;

/** Key permissions of a pattern: %R~, %W~, or both (~ and %RW~). */
const READ = 1;
const WRITE = 2;
const READ_WRITE = 3;

/** Why a modifier was refused; the text is Redis's ACLSetUserStringError. */
export class RuleError extends Error {}

const UNKNOWN_NAME = 'Unknown command or category name in ACL';
const SYNTAX_ERROR = 'Syntax error';
const KEY_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const CHANNEL_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const NO_SUCH_PASSWORD = 'The password you are trying to remove from the user does not exist';
const BAD_HASH = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
const FIRST_ARG_OF_SUBCOMMAND = 'Allowing first-arg of a subcommand is not supported';

/**
 * The commands ACLs speak of, by their original names (rename-command does not rename them for
 * ACLs), each with an id indexing the selectors' permission arrays: containers and their
 * subcommands alike, in the command table's order.
 */
export class AclCommands {
  readonly byId: RegisteredCommand[] = [];
  readonly top: readonly RegisteredCommand[];
  /** The channel arguments ACLs check, by command id. */
  readonly channelArgs: (ChannelArgs | undefined)[] = [];
  private readonly byName = new Map<string, RegisteredCommand>();

  constructor(table: CommandTable) {
    this.top = table.all;
    for (const cmd of table.all) {
      this.add(cmd);
      for (const sub of cmd.subcommands) this.add(sub);
    }
  }

  private add(cmd: RegisteredCommand): void {
    cmd.aclId = this.byId.length;
    this.byId.push(cmd);
    this.channelArgs.push(CHANNEL_COMMANDS.get(cmd.fullName));
    this.byName.set(cmd.fullName, cmd);
  }

  get count(): number {
    return this.byId.length;
  }

  id(cmd: RegisteredCommand): number {
    return cmd.aclId;
  }

  /** "get" or "client|list", in any case; undefined for anything else. */
  lookup(name: string): RegisteredCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The commands of a category, each container followed by its subcommands (ACL CAT's order). */
  inCategory(bit: number): RegisteredCommand[] {
    return this.byId.filter((cmd) => (cmd.aclCategories & bit) !== 0);
  }
}

interface KeyPattern {
  text: string;
  /** Matches a key against the pattern (see globMatcher). */
  matches: (key: Uint8Array) => boolean;
  perms: number;
}

const GLOB_SPECIAL = /[*?[\\]/;

/**
 * A matcher for a glob: the common shapes (a literal, a literal prefix then "*", "*") are
 * compared directly, since the gate matches every key of a restricted user's commands; any
 * other pattern goes through Redis's glob matcher.
 */
export function globMatcher(text: string): (key: Uint8Array) => boolean {
  const bytes = Buffer.from(text, 'latin1');
  // Redis's matcher never matches an empty key with a non-empty pattern, "*" included.
  if (text === '*') return (key) => key.length > 0;
  if (!GLOB_SPECIAL.test(text)) return (key) => key.length === bytes.length && startsWith(key, bytes);
  if (text.endsWith('*') && !GLOB_SPECIAL.test(text.slice(0, -1))) {
    const prefix = bytes.subarray(0, bytes.length - 1);
    return (key) => key.length >= prefix.length && startsWith(key, prefix);
  }
  return (key) => stringMatch(bytes, key);
}

/** A plain loop: Buffer.equals over a subarray costs more than the comparison for short keys. */
function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

function patternString(pattern: KeyPattern): string {
  const prefix = pattern.perms === READ_WRITE ? '~' : pattern.perms === READ ? '%R~' : '%W~';
  return prefix + pattern.text;
}

interface ChannelArgs {
  /** All arguments from the first (subscribe) or the first only (publish). */
  all: boolean;
  pattern: boolean;
}

/** Channel arguments of the commands whose channels ACLs check (Redis's getChannelsFromCommand, publish and subscribe only). */
const CHANNEL_COMMANDS = new Map<string, ChannelArgs>([
  ['publish', { all: false, pattern: false }],
  ['spublish', { all: false, pattern: false }],
  ['subscribe', { all: true, pattern: false }],
  ['ssubscribe', { all: true, pattern: false }],
  ['psubscribe', { all: true, pattern: true }],
]);

/** Keys found once per check and shared by every selector the check tries. */
export class KeyCache {
  readonly keys = new KeyResult();
  ready = false;
}

/** One set of permissions: commands, key patterns, channel patterns. A user has a root selector and maybe more. */
export class Selector {
  allCommands = false;
  /** Redis's reserved "future commands" bit: set by +@all, cleared by -@all. */
  future = false;
  allKeys = false;
  allChannels: boolean;
  allowed: Uint8Array;
  /** Allowed first arguments of otherwise refused commands ("+select|0"), by command id. */
  firstArgs = new Map<number, string[]>();
  keys: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly commands: AclCommands,
    allChannels: boolean,
  ) {
    this.allChannels = allChannels;
    this.allowed = new Uint8Array(commands.count);
  }

  clone(): Selector {
    const copy = new Selector(this.commands, this.allChannels);
    copy.allCommands = this.allCommands;
    copy.future = this.future;
    copy.allKeys = this.allKeys;
    copy.allowed.set(this.allowed);
    for (const [id, args] of this.firstArgs) copy.firstArgs.set(id, [...args]);
    copy.keys = this.keys.map((pattern) => ({ ...pattern }));
    copy.channels = [...this.channels];
    return copy;
  }

  /** Applies one selector modifier (Redis's ACLSetSelector); throws RuleError. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.allowed.fill(1);
      this.allCommands = true;
      this.future = true;
      this.firstArgs.clear();
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allowed.fill(0);
      this.allCommands = false;
      this.future = false;
      this.firstArgs.clear();
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleError(CHANNEL_AFTER_ALL);
      const channel = op.slice(1);
      if (!this.channels.includes(channel)) this.channels.push(channel);
    } else if (op[0] === '+' && op[1] === '@') {
      this.setCategory(categoryOf(lower.slice(2)), true);
    } else if (op[0] === '-' && op[1] === '@') {
      this.setCategory(categoryOf(lower.slice(2)), false);
    } else if (op[0] === '+' || op[0] === '-') {
      this.commandRule(op.slice(1), op[0] === '+');
    } else {
      throw new RuleError(SYNTAX_ERROR);
    }
  }

  private addKeyPattern(op: string): void {
    let perms = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const c = op[offset]!.toUpperCase();
        if (c === 'R' && !(perms & READ)) perms |= READ;
        else if (c === 'W' && !(perms & WRITE)) perms |= WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else throw new RuleError(SYNTAX_ERROR);
      }
      if (perms === 0) throw new RuleError(SYNTAX_ERROR);
    } else {
      perms = READ_WRITE;
    }
    const text = op.slice(offset);
    if (text === '*' && perms === READ_WRITE) {
      this.allKeys = true;
      this.keys = [];
      return;
    }
    if (this.allKeys) throw new RuleError(KEY_AFTER_ALL);
    const existing = this.keys.find((pattern) => pattern.text === text);
    if (existing !== undefined) existing.perms |= perms;
    else this.keys.push({ text, matches: globMatcher(text), perms });
  }

  private commandRule(name: string, allow: boolean): void {
    const cmd = this.commands.lookup(name);
    if (cmd !== undefined) {
      this.changePermission(cmd, allow);
      return;
    }
    const bar = name.lastIndexOf('|');
    // Only allowing can name a first argument ("+select|0"); "-select|0" names nothing.
    if (!allow || bar < 0) throw new RuleError(UNKNOWN_NAME);
    const parent = this.commands.lookup(name.slice(0, bar));
    if (parent === undefined) throw new RuleError(UNKNOWN_NAME);
    if (parent.fullName.includes('|')) throw new RuleError(FIRST_ARG_OF_SUBCOMMAND);
    const arg = name.slice(bar + 1);
    if (arg === '') throw new RuleError(SYNTAX_ERROR);
    // A container's unknown subcommand is not a first argument.
    if (parent.subcommands.length > 0) throw new RuleError(UNKNOWN_NAME);
    const id = this.commands.id(parent);
    // A command already allowed whole needs no first argument.
    if (this.allowed[id] === 1) return;
    const args = this.firstArgs.get(id) ?? [];
    if (!args.some((known) => known.toLowerCase() === arg.toLowerCase())) args.push(arg);
    this.firstArgs.set(id, args);
  }

  private setBit(id: number, allow: boolean): void {
    this.allowed[id] = allow ? 1 : 0;
    if (!allow) this.allCommands = false;
  }

  /** A command and, for a container, all of its subcommands (Redis's ACLChangeSelectorPerm). */
  changePermission(cmd: RegisteredCommand, allow: boolean): void {
    const id = this.commands.id(cmd);
    this.setBit(id, allow);
    this.firstArgs.delete(id);
    for (const sub of cmd.subcommands) this.setBit(this.commands.id(sub), allow);
  }

  setCategory(bit: number, allow: boolean): void {
    for (const cmd of this.commands.top) {
      if (cmd.aclCategories & bit) this.changePermission(cmd, allow);
      for (const sub of cmd.subcommands) if (sub.aclCategories & bit) this.changePermission(sub, allow);
    }
  }

  private countCategory(bit: number): { on: number; off: number } {
    let on = 0;
    let off = 0;
    for (const cmd of this.commands.byId) {
      // Commands Redis 7.0 lacks (CLIENT NO-TOUCH, TS.*, ...) stay out of the count, so that a
      // user's rules are described as 7.0 describes them; they show as single commands.
      if (!(cmd.aclCategories & bit) || cmd.meta.provenance !== undefined) continue;
      if (this.allowed[this.commands.id(cmd)]) on++;
      else off++;
    }
    return { on, off };
  }

  /**
   * The command rules as Redis 7.0 describes them: +@all or -@all, then the categories that
   * best fit what is allowed (greedily, each covering more than it misses), then, command by
   * command in the table's order, the ones still different and the allowed first arguments.
   */
  describeCommands(): string {
    const additive = !this.future;
    const rules = [additive ? '-@all' : '+@all'];
    const fake = new Selector(this.commands, false);
    fake.apply(rules[0]!);
    const remaining = this.clone();
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let minDiff = Number.MAX_SAFE_INTEGER;
      let maxSame = 0;
      for (const name of ACL_CATEGORIES) {
        if (applied.has(name)) continue;
        const { on, off } = remaining.countCategory(aclCategoryBit(name));
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = name;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === null) break;
      const bit = aclCategoryBit(best);
      fake.setCategory(bit, additive);
      remaining.setCategory(bit, !additive);
      rules.push(`${additive ? '+' : '-'}@${best}`);
      applied.add(best);
    }
    const ids = this.commands;
    for (const cmd of ids.top) {
      const userBit = this.allowed[ids.id(cmd)] === 1;
      if (userBit !== (fake.allowed[ids.id(cmd)] === 1)) {
        rules.push(`${userBit ? '+' : '-'}${cmd.fullName}`);
        fake.changePermission(cmd, userBit);
      }
      for (const arg of this.firstArgs.get(ids.id(cmd)) ?? []) rules.push(`+${cmd.fullName}|${arg}`);
      for (const sub of cmd.subcommands) {
        const subBit = this.allowed[ids.id(sub)] === 1;
        if (subBit !== (fake.allowed[ids.id(sub)] === 1)) rules.push(`${subBit ? '+' : '-'}${sub.fullName}`);
      }
    }
    return rules.join(' ');
  }

  /** GETUSER's "keys": the patterns, space separated. */
  describeKeys(): string {
    return this.allKeys ? '~*' : this.keys.map(patternString).join(' ');
  }

  /** GETUSER's "channels". */
  describeChannels(): string {
    return this.allChannels ? '&*' : this.channels.map((channel) => `&${channel}`).join(' ');
  }

  /** ACL LIST's form: keys, channels (after resetchannels unless all), commands. */
  describe(): string {
    const parts: string[] = [];
    if (this.allKeys) parts.push('~*');
    else for (const pattern of this.keys) parts.push(patternString(pattern));
    if (this.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      for (const channel of this.channels) parts.push(`&${channel}`);
    }
    parts.push(this.describeCommands());
    return parts.join(' ');
  }

  /** Whether this selector lets `argv` run: Denial.None, or why not with the argument at fault in `at.position`. */
  check(cmd: RegisteredCommand, argv: readonly Buffer[], cache: KeyCache, at: { position: number }): DenialKind {
    if (!this.allCommands && !cmd.has(NO_AUTH)) {
      const id = cmd.aclId;
      if (this.allowed[id] !== 1) {
        const args = this.firstArgs.get(id);
        if (args === undefined || argv.length < 2) return DENIED_COMMAND;
        const first = argv[1]!.toString('latin1').toLowerCase();
        if (!args.some((arg) => arg.toLowerCase() === first)) return DENIED_COMMAND;
      }
    }
    if (!this.allKeys && cmd.hasKeys) {
      const keys = cache.keys;
      if (!cache.ready) {
        extractKeys(cmd, argv, keys);
        cache.ready = true;
      }
      for (let i = 0; i < keys.count; i++) {
        const position = keys.positions[i]!;
        if (!this.keyAllowed(argv[position]!, keys.flags[i]!)) {
          at.position = position;
          return DENIED_KEY;
        }
      }
    }
    if (!this.allChannels) {
      const channels = this.commands.channelArgs[cmd.aclId];
      if (channels !== undefined) {
        const last = channels.all ? argv.length - 1 : 1;
        for (let i = 1; i <= last && i < argv.length; i++) {
          if (!this.channelAllowed(argv[i]!, channels.pattern)) {
            at.position = i;
            return DENIED_CHANNEL;
          }
        }
      }
    }
    return ALLOWED;
  }

  private keyAllowed(key: Buffer, specFlags: number): boolean {
    let needed = 0;
    if (specFlags & KEY_READS) needed |= READ;
    if (specFlags & KEY_WRITES) needed |= WRITE;
    for (const pattern of this.keys) {
      if ((pattern.perms & needed) === needed && pattern.matches(key)) return true;
    }
    return false;
  }

  /** A channel matches the patterns; a pattern subscription needs the very same pattern. */
  channelAllowed(channel: Buffer, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    const text = channel.toString('latin1');
    for (const allowed of this.channels) {
      if (isPattern ? allowed === text : stringMatch(Buffer.from(allowed, 'latin1'), channel)) return true;
    }
    return false;
  }
}

function categoryOf(name: string): number {
  const bit = aclCategoryBit(name);
  if (bit === 0) throw new RuleError(UNKNOWN_NAME);
  return bit;
}

export function passwordHash(password: Uint8Array): string {
  return createHash('sha256').update(password).digest('hex');
}

const HASH_SHAPE = /^[0-9a-f]{64}$/;

/** User flags in Redis's order (ACLUserFlags), as LIST and GETUSER show them. */
const SANITIZE = 'sanitize-payload';
const SKIP_SANITIZE = 'skip-sanitize-payload';

export class User {
  enabled = false;
  nopass = false;
  /** sanitize-payload, skip-sanitize-payload, or neither. */
  sanitize: '' | typeof SANITIZE | typeof SKIP_SANITIZE = '';
  /** SHA-256 hashes, in hex, in the order they were added. */
  passwords: string[] = [];
  /** The root selector first. */
  selectors: Selector[];
  /** Whether the root selector allows everything, so the gate can skip the check. */
  unrestricted = false;

  constructor(
    readonly name: string,
    root: Selector,
  ) {
    this.selectors = [root];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  clone(): User {
    const copy = new User(this.name, this.root);
    copy.copyFrom(this);
    return copy;
  }

  /** Takes another user's rules, keeping this object (clients hold it). */
  copyFrom(other: User): void {
    this.enabled = other.enabled;
    this.nopass = other.nopass;
    this.sanitize = other.sanitize;
    this.passwords = [...other.passwords];
    this.selectors = other.selectors.map((selector) => selector.clone());
    const root = this.root;
    this.unrestricted = root.allCommands && root.allKeys && root.allChannels;
  }

  flags(): string[] {
    const flags = [this.enabled ? 'on' : 'off'];
    if (this.nopass) flags.push('nopass');
    if (this.sanitize !== '') flags.push(this.sanitize);
    return flags;
  }

  /** ACL LIST's line without the "user <name> " prefix. */
  describe(): string {
    const parts = this.flags();
    for (const hash of this.passwords) parts.push(`#${hash}`);
    parts.push(this.root.describe());
    for (const selector of this.selectors.slice(1)) parts.push(`(${selector.describe()})`);
    return parts.join(' ');
  }

  /** Whether some selector lets the user publish or subscribe to `channel` (a pattern subscription needs that very pattern). */
  allowsChannel(channel: Buffer, isPattern: boolean): boolean {
    return this.selectors.some((selector) => selector.channelAllowed(channel, isPattern));
  }

  /** Whether `password` authenticates this user (Redis's checkPasswordBasedAuth, less the lookup). */
  accepts(password: Uint8Array): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    return this.passwords.includes(passwordHash(password));
  }
}

/**
 * Joins a selector written over several arguments ("(+get", "~x)") into one, as Redis's
 * ACLMergeSelectorArguments; returns the index of an unclosed "(" instead when there is one.
 */
export function mergeSelectorArguments(args: readonly string[]): string[] | number {
  const merged: string[] = [];
  let open = -1;
  let selector = '';
  for (let i = 0; i < args.length; i++) {
    const op = args[i]!;
    if (open === -1 && op.startsWith('(') && !op.endsWith(')')) {
      open = i;
      selector = op;
      continue;
    }
    if (open !== -1) {
      selector += ` ${op}`;
      if (op.endsWith(')')) {
        merged.push(selector);
        open = -1;
      }
      continue;
    }
    merged.push(op);
  }
  return open === -1 ? merged : open;
}

/** Applies one user modifier (Redis's ACLSetUser) to `user`; `newSelector` makes a selector with the pub/sub default. */
export function applyUserRule(user: User, op: string, newSelector: () => Selector): void {
  const lower = op.toLowerCase();
  if (lower === 'on') user.enabled = true;
  else if (lower === 'off') user.enabled = false;
  else if (lower === SKIP_SANITIZE || lower === SANITIZE) user.sanitize = lower;
  else if (lower === 'nopass') {
    user.nopass = true;
    user.passwords = [];
  } else if (lower === 'resetpass') {
    user.nopass = false;
    user.passwords = [];
  } else if (op[0] === '>' || op[0] === '#') {
    const hash = op[0] === '>' ? passwordHash(Buffer.from(op.slice(1), 'latin1')) : validHash(op.slice(1));
    if (!user.passwords.includes(hash)) user.passwords.push(hash);
    user.nopass = false;
  } else if (op[0] === '<' || op[0] === '!') {
    const hash = op[0] === '<' ? passwordHash(Buffer.from(op.slice(1), 'latin1')) : validHash(op.slice(1));
    const index = user.passwords.indexOf(hash);
    if (index < 0) throw new RuleError(NO_SUCH_PASSWORD);
    user.passwords.splice(index, 1);
  } else if (lower === 'clearselectors') {
    user.selectors = [user.root];
  } else if (lower === 'reset') {
    for (const step of ['resetpass', 'resetkeys', 'resetchannels']) applyUserRule(user, step, newSelector);
    if (newSelector().allChannels) applyUserRule(user, 'allchannels', newSelector);
    for (const step of ['off', SANITIZE, 'clearselectors', '-@all']) applyUserRule(user, step, newSelector);
  } else if (op.length >= 2 && op[0] === '(' && op.endsWith(')')) {
    const selector = newSelector();
    for (const inner of splitWords(op.slice(1, -1))) selector.apply(inner);
    user.selectors.push(selector);
  } else {
    user.root.apply(op);
  }
  const root = user.root;
  user.unrestricted = root.allCommands && root.allKeys && root.allChannels;
}

function validHash(hash: string): string {
  if (!HASH_SHAPE.test(hash)) throw new RuleError(BAD_HASH);
  return hash;
}

/** The words of a selector's inside, split on blanks (quotes as Redis's sdssplitargs takes them). */
function splitWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

/** A user name Redis refuses: spaces or NUL bytes. */
export function invalidUserName(name: string): boolean {
  return /[ \0]/.test(name);
}
