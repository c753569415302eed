// The command table: specs from every family, looked up by the raw bytes of the name without
// making a string, case-insensitively.

import { Buffer } from 'node:buffer';
import type { CommandFlag, CommandSpec } from './spec.ts';

/** Per-command counters for INFO commandstats. */
export interface CommandStats {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
}

const FLAG_BITS: Partial<Record<CommandFlag, number>> = {
  write: 1,
  readonly: 2,
  denyoom: 4,
  no_auth: 8,
  no_multi: 16,
  blocking: 32,
  pubsub: 64,
  admin: 128,
  noscript: 256,
  stale: 512,
  loading: 1024,
};

export const Flag = {
  Write: 1,
  Readonly: 2,
  DenyOom: 4,
  NoAuth: 8,
  NoMulti: 16,
  Blocking: 32,
  Pubsub: 64,
  Admin: 128,
  Noscript: 256,
  Stale: 512,
  Loading: 1024,
} as const;

/** A spec as the gate uses it: flags as bits, its counters, its subcommands resolved. */
export class RegisteredCommand {
  readonly bits: number;
  readonly stats: CommandStats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
  readonly subcommands: readonly RegisteredCommand[];
  /** Name as shown in errors and stats: "get", "config|get". */
  readonly fullName: string;

  constructor(readonly spec: CommandSpec) {
    let bits = 0;
    for (const flag of spec.flags) bits |= FLAG_BITS[flag] ?? 0;
    this.bits = bits;
    this.fullName = spec.name;
    this.subcommands = (spec.subcommands ?? []).map((sub) => new RegisteredCommand(sub));
  }

  has(flag: number): boolean {
    return (this.bits & flag) !== 0;
  }

  /** A container's subcommand by its bytes, case-insensitively. */
  subcommand(sub: Uint8Array): RegisteredCommand | undefined {
    const prefix = this.spec.name.length + 1;
    for (const cmd of this.subcommands) {
      const name = cmd.spec.name;
      if (name.length - prefix === sub.length && foldEqualsAt(name, prefix, sub)) return cmd;
    }
    return undefined;
  }
}

export class CommandTable {
  private readonly buckets: RegisteredCommand[][];
  private readonly mask: number;
  readonly all: readonly RegisteredCommand[];

  constructor(specs: readonly CommandSpec[]) {
    const seen = new Set<string>();
    for (const spec of specs) {
      validateSpec(spec);
      if (seen.has(spec.name)) throw new Error(`command ${spec.name} is defined twice`);
      seen.add(spec.name);
    }
    this.all = specs.map((spec) => new RegisteredCommand(spec));
    let size = 64;
    while (size < specs.length * 2) size *= 2;
    this.mask = size - 1;
    this.buckets = Array.from({ length: size }, () => []);
    for (const cmd of this.all) {
      const bytes = Buffer.from(cmd.spec.name, 'latin1');
      this.buckets[foldHash(bytes) & this.mask]!.push(cmd);
    }
  }

  lookup(name: Uint8Array): RegisteredCommand | undefined {
    const bucket = this.buckets[foldHash(name) & this.mask]!;
    for (let i = 0; i < bucket.length; i++) {
      if (foldEquals(bucket[i]!.spec.name, name)) return bucket[i];
    }
    return undefined;
  }

  lookupName(name: string): RegisteredCommand | undefined {
    return this.lookup(Buffer.from(name, 'latin1'));
  }
}

function validateSpec(spec: CommandSpec): void {
  if (spec.name !== spec.name.toLowerCase()) throw new Error(`command name ${spec.name} must be lower case`);
  if (spec.arity === 0) throw new Error(`command ${spec.name} has arity 0`);
  if (!spec.handler && !spec.subcommands) throw new Error(`command ${spec.name} has neither handler nor subcommands`);
  for (const sub of spec.subcommands ?? []) {
    if (!sub.name.startsWith(`${spec.name}|`)) throw new Error(`subcommand ${sub.name} is not under ${spec.name}`);
    validateSpec(sub);
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
