// The command table: each family's CommandSpec joined with its metadata (Redis's command JSON),
// flags and ACL categories as bits, key specs compiled, looked up by the raw bytes of the name
// without making a string, case-insensitively. A binding without metadata, metadata without a
// binding, or a key procedure the metadata does not expect stops start-up.

import { Buffer } from 'node:buffer';
import { compileKeySpec, KeyFlag, legacyRange, type KeySpec, type KeyedCommand, type LegacyRange } from './keyspec.ts';
import { commandMetadata } from './metadata.ts';
import type { CommandMetadata, CommandSpec, KeyProc } from './spec.ts';

/** Per-command counters for INFO commandstats. */
export interface CommandStats {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
  /** LATENCY HISTOGRAM's counts by power-of-two bucket (see observability/), once the command ran with latency-tracking on. */
  histogram?: Uint32Array;
}

/** Command flags as bits (Redis's CMD_*). */
export const Flag = {
  Write: 1 << 0,
  Readonly: 1 << 1,
  DenyOom: 1 << 2,
  NoAuth: 1 << 3,
  NoMulti: 1 << 4,
  Blocking: 1 << 5,
  Pubsub: 1 << 6,
  Admin: 1 << 7,
  Noscript: 1 << 8,
  Stale: 1 << 9,
  Loading: 1 << 10,
  Module: 1 << 11,
  SkipMonitor: 1 << 12,
  SkipSlowlog: 1 << 13,
  Asking: 1 << 14,
  Fast: 1 << 15,
  NoMandatoryKeys: 1 << 16,
  NoAsyncLoading: 1 << 17,
  MovableKeys: 1 << 18,
  AllowBusy: 1 << 19,
  MayReplicate: 1 << 20,
  Sentinel: 1 << 21,
  OnlySentinel: 1 << 22,
  Protected: 1 << 23,
  TouchesArbitraryKeys: 1 << 24,
} as const;

/**
 * [name in the metadata, bit, name COMMAND INFO shows or null when it hides the flag], in
 * COMMAND INFO's order. MOVABLE_KEYS is never written: it derives from the key specs.
 */
const COMMAND_FLAGS: readonly (readonly [string, number, string | null])[] = [
  ['WRITE', Flag.Write, 'write'],
  ['READONLY', Flag.Readonly, 'readonly'],
  ['DENYOOM', Flag.DenyOom, 'denyoom'],
  ['MODULE', Flag.Module, 'module'],
  ['ADMIN', Flag.Admin, 'admin'],
  ['PUBSUB', Flag.Pubsub, 'pubsub'],
  ['NOSCRIPT', Flag.Noscript, 'noscript'],
  ['BLOCKING', Flag.Blocking, 'blocking'],
  ['LOADING', Flag.Loading, 'loading'],
  ['STALE', Flag.Stale, 'stale'],
  ['SKIP_MONITOR', Flag.SkipMonitor, 'skip_monitor'],
  ['SKIP_SLOWLOG', Flag.SkipSlowlog, 'skip_slowlog'],
  ['ASKING', Flag.Asking, 'asking'],
  ['FAST', Flag.Fast, 'fast'],
  ['NO_AUTH', Flag.NoAuth, 'no_auth'],
  ['MAY_REPLICATE', Flag.MayReplicate, null],
  ['SENTINEL', Flag.Sentinel, null],
  ['ONLY_SENTINEL', Flag.OnlySentinel, null],
  ['NO_MANDATORY_KEYS', Flag.NoMandatoryKeys, 'no_mandatory_keys'],
  ['PROTECTED', Flag.Protected, null],
  ['NO_ASYNC_LOADING', Flag.NoAsyncLoading, 'no_async_loading'],
  ['NO_MULTI', Flag.NoMulti, 'no_multi'],
  ['', Flag.MovableKeys, 'movablekeys'],
  ['ALLOW_BUSY', Flag.AllowBusy, 'allow_busy'],
  ['TOUCHES_ARBITRARY_KEYS', Flag.TouchesArbitraryKeys, null],
];

/** ACL categories in Redis's order (ACLCommandCategories), which is also the order COMMAND lists them in. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

/** The bit of an ACL category by its lower-case name, or 0 when there is no such category. */
export function aclCategoryBit(name: string): number {
  const index = (ACL_CATEGORIES as readonly string[]).indexOf(name);
  return index < 0 ? 0 : 2 ** index;
}

const ACL = Object.fromEntries(ACL_CATEGORIES.map((name) => [name, aclCategoryBit(name)])) as Record<(typeof ACL_CATEGORIES)[number], number>;

/**
 * Redis's setImplicitACLCategories: the categories that flags (and the explicit categories)
 * add, which metadata therefore never lists.
 */
export function impliedCategories(flags: number, explicit: number): number {
  let implied = 0;
  if (flags & Flag.Write) implied |= ACL.write;
  if (flags & Flag.Readonly && !(explicit & ACL.scripting)) implied |= ACL.read;
  if (flags & Flag.Admin) implied |= ACL.admin | ACL.dangerous;
  if (flags & Flag.Pubsub) implied |= ACL.pubsub;
  if (flags & Flag.Fast) implied |= ACL.fast;
  if (flags & Flag.Blocking) implied |= ACL.blocking;
  if (!((explicit | implied) & ACL.fast)) implied |= ACL.slow;
  return implied;
}

const FLAG_BY_NAME = new Map(COMMAND_FLAGS.filter(([json]) => json !== '').map(([json, bit]) => [json, bit]));

/** Command flag bits from the metadata's names (WRITE, DENYOOM...). */
export function flagBits(names: readonly string[], where: string): number {
  let bits = 0;
  for (const name of names) {
    const bit = FLAG_BY_NAME.get(name);
    if (bit === undefined) throw new Error(`${where}: unknown command flag ${name}`);
    bits |= bit;
  }
  return bits;
}

/** ACL category bits from names, in either case. */
export function categoryBits(names: readonly string[], where: string): number {
  let bits = 0;
  for (const name of names) {
    const bit = aclCategoryBit(name.toLowerCase());
    if (bit === 0) throw new Error(`${where}: unknown ACL category ${name}`);
    bits |= bit;
  }
  return bits;
}

/** What a command's metadata implies, worked out once per process (every Server builds a table). */
interface Derived {
  readonly bits: number;
  readonly aclCategories: number;
  readonly group: string;
  readonly keySpecs: readonly KeySpec[];
  readonly legacy: LegacyRange;
  readonly someKey: boolean;
  readonly variableFlags: boolean;
}

const derivedCache = new WeakMap<CommandMetadata, Derived>();

function derive(name: string, meta: CommandMetadata): Derived {
  let derived = derivedCache.get(meta);
  if (derived !== undefined) return derived;
  const keySpecs = (meta.key_specs ?? []).map((json, i) => compileKeySpec(json, `${name} key spec ${i}`));
  const legacy = legacyRange(keySpecs);
  const bits = flagBits(meta.command_flags ?? [], name) | (legacy.movable ? Flag.MovableKeys : 0);
  const explicit = categoryBits(meta.acl_categories ?? [], name);
  derived = {
    bits,
    aclCategories: explicit | impliedCategories(bits, explicit),
    group: meta.group.replace('_', '-'),
    keySpecs,
    legacy,
    someKey: keySpecs.some((keySpec) => !(keySpec.flags & KeyFlag.NotKey)),
    variableFlags: keySpecs.some((keySpec) => (keySpec.flags & KeyFlag.VariableFlags) !== 0),
  };
  derivedCache.set(meta, derived);
  return derived;
}

/** A command as the gate and COMMAND use it: the family's binding joined with its metadata. */
export class RegisteredCommand implements KeyedCommand {
  /** Name as shown in errors and stats: "get", "config|get". */
  readonly fullName: string;
  readonly arity: number;
  /** Flag bits (Flag.*), MOVABLE_KEYS derived from the key specs as Redis does. */
  readonly bits: number;
  /** ACL category bits (aclCategoryBit), the implicit ones included. */
  readonly aclCategories: number;
  /** The group as COMMAND DOCS shows it ("sorted-set"). */
  readonly group: string;
  readonly keySpecs: readonly KeySpec[];
  readonly legacy: LegacyRange;
  readonly specsDecide: boolean;
  /** Redis's doesCommandHaveKeys: a key procedure, or a spec that is not NOT_KEY. */
  readonly hasKeys: boolean;
  readonly getKeys: KeyProc | undefined;
  readonly stats: CommandStats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
  /** Index into ACL selectors' permission arrays, given by the server's access control (src/security/acl.ts). */
  aclId = -1;
  readonly subcommands: readonly RegisteredCommand[];

  constructor(
    readonly spec: CommandSpec,
    readonly meta: CommandMetadata,
  ) {
    const name = spec.name;
    this.fullName = name;
    this.arity = meta.arity;
    const derived = derive(name, meta);
    this.bits = derived.bits;
    this.aclCategories = derived.aclCategories;
    this.group = derived.group;
    this.keySpecs = derived.keySpecs;
    this.legacy = derived.legacy;
    this.specsDecide = derived.someKey && !derived.variableFlags;
    this.getKeys = spec.getKeys;
    this.hasKeys = spec.getKeys !== undefined || derived.someKey;

    if (meta.arity === 0) throw new Error(`command ${name} has arity 0`);
    if ((meta.get_keys_function !== undefined) !== (spec.getKeys !== undefined)) {
      throw new Error(
        meta.get_keys_function !== undefined
          ? `command ${name} needs a getKeys procedure (Redis's ${meta.get_keys_function})`
          : `command ${name} has a getKeys procedure but its metadata names no get_keys_function`,
      );
    }
    const subMeta = meta.subcommands ?? {};
    const subSpecs = spec.subcommands ?? [];
    if (subSpecs.length === 0 && spec.handler === undefined) throw new Error(`command ${name} has neither handler nor subcommands`);
    this.subcommands = subSpecs.map((sub) => {
      const prefix = `${name}|`;
      if (!sub.name.startsWith(prefix)) throw new Error(`subcommand ${sub.name} is not under ${name}`);
      const metadata = subMeta[sub.name.slice(prefix.length).toUpperCase()];
      if (metadata === undefined) throw new Error(missingMetadata(sub.name));
      return new RegisteredCommand(sub, metadata);
    });
    for (const sub of Object.keys(subMeta)) {
      const full = `${name}|${sub.toLowerCase()}`;
      if (!subSpecs.some((s) => s.name === full)) throw new Error(`${full} has metadata but no handler: bind it in its family's table or delete its metadata`);
    }
  }

  has(flag: number): boolean {
    return (this.bits & flag) !== 0;
  }

  /** The flag names COMMAND INFO shows, in its order. */
  get flagNames(): string[] {
    return COMMAND_FLAGS.filter(([, bit, shown]) => shown !== null && this.bits & bit).map(([, , shown]) => shown!);
  }

  /** The ACL category names (without '@'), in Redis's order. */
  get categoryNames(): string[] {
    return ACL_CATEGORIES.filter((name) => this.aclCategories & ACL[name]);
  }

  /** A container's subcommand by its bytes, case-insensitively. */
  subcommand(sub: Uint8Array): RegisteredCommand | undefined {
    const prefix = this.fullName.length + 1;
    for (const cmd of this.subcommands) {
      const name = cmd.fullName;
      if (name.length - prefix === sub.length && foldEqualsAt(name, prefix, sub)) return cmd;
    }
    return undefined;
  }
}

function missingMetadata(name: string): string {
  return `command ${name} has no metadata: run node --import tsx scripts/import-command-metadata.ts ${name}`;
}

export class CommandTable {
  private readonly buckets: RegisteredCommand[][];
  private readonly mask: number;
  readonly all: readonly RegisteredCommand[];

  constructor(specs: readonly CommandSpec[], metadata: ReadonlyMap<string, CommandMetadata> = commandMetadata()) {
    const seen = new Set<string>();
    for (const spec of specs) {
      if (spec.name !== spec.name.toLowerCase()) throw new Error(`command name ${spec.name} must be lower case`);
      if (seen.has(spec.name)) throw new Error(`command ${spec.name} is defined twice`);
      seen.add(spec.name);
    }
    for (const name of metadata.keys()) {
      if (!seen.has(name)) throw new Error(`${name} has metadata but no handler: bind it in its family's table or delete its metadata`);
    }
    this.all = specs.map((spec) => {
      const meta = metadata.get(spec.name);
      if (meta === undefined) throw new Error(missingMetadata(spec.name));
      return new RegisteredCommand(spec, meta);
    });
    let size = 64;
    while (size < specs.length * 2) size *= 2;
    this.mask = size - 1;
    this.buckets = Array.from({ length: size }, () => []);
    for (const cmd of this.all) {
      const bytes = Buffer.from(cmd.fullName, 'latin1');
      this.buckets[foldHash(bytes) & this.mask]!.push(cmd);
    }
  }

  lookup(name: Uint8Array): RegisteredCommand | undefined {
    const bucket = this.buckets[foldHash(name) & this.mask]!;
    let found: RegisteredCommand | undefined;
    for (let i = 0; i < bucket.length; i++) {
      if (foldEquals(bucket[i]!.fullName, name)) {
        found = bucket[i];
        break;
      }
    }
    if (this.renamed === null) return found;
    if (found !== undefined && !this.renamed.hidden.has(found)) return found;
    return this.renamed.byNewName.get(Buffer.from(name).toString('latin1').toLowerCase());
  }

  /** rename-command renames: commands no longer found by their own name, and the names they answer to instead. */
  private renamed: { hidden: Set<RegisteredCommand>; byNewName: Map<string, RegisteredCommand> } | null = null;

  /**
   * rename-command: `to` names the command from now on, or nothing when empty. The command keeps
   * its own name in errors, statistics and ACL rules, as in Redis. Returns Redis's error text or null.
   */
  rename(from: string, to: string): string | null {
    const cmd = this.lookupName(from);
    if (cmd === undefined) return 'No such command in rename-command';
    if (to !== '' && this.lookupName(to) !== undefined) return 'Target command name already exists';
    this.renamed ??= { hidden: new Set(), byNewName: new Map() };
    this.renamed.hidden.add(cmd);
    for (const [name, renamed] of this.renamed.byNewName) if (renamed === cmd) this.renamed.byNewName.delete(name);
    if (to !== '') this.renamed.byNewName.set(to.toLowerCase(), cmd);
    return null;
  }

  lookupName(name: string): RegisteredCommand | undefined {
    return this.lookup(Buffer.from(name, 'latin1'));
  }
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

function foldHash(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ lower(bytes[i]!), 0x01000193);
  return h >>> 0;
}

function foldEquals(name: string, bytes: Uint8Array): boolean {
  return name.length === bytes.length && foldEqualsAt(name, 0, bytes);
}

function foldEqualsAt(name: string, offset: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (name.charCodeAt(offset + i) !== lower(bytes[i]!)) return false;
  }
  return true;
}
