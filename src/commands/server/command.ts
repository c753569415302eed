// COMMAND: the command table describing itself (INFO, DOCS, LIST, COUNT, GETKEYS...), written
// from each command's metadata the way Redis 7.0's server.c writes it (field order, sets versus
// arrays, which fields are left out), so the replies are Redis's byte for byte.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  GETKEYS_ARITY,
  GETKEYS_INVALID_ARGUMENTS,
  GETKEYS_INVALID_COMMAND,
  GETKEYS_NO_KEYS,
  SYNTAX,
} from '../../errors.ts';
import type { ReplyWriter } from '../../protocol/resp/writer.ts';
import type { Server } from '../../server/server.ts';
import { stringMatch } from '../../util/glob.ts';
import { isWord } from '../args.ts';
import { BEGIN_INDEX, BEGIN_KEYWORD, extractKeys, FIND_KEYNUM, FIND_RANGE, KEY_FLAG_NAMES, KeyResult, type KeySpec } from '../keyspec.ts';
import { aclCategoryBit, Flag, type RegisteredCommand } from '../registry.ts';
import type { ArgumentJson, CommandContext, CommandSpec } from '../spec.ts';
import { helpReply } from './help.ts';

function writeNames(w: ReplyWriter, names: readonly string[]): void {
  w.set(names.length);
  for (const name of names) w.simple(name);
}

function writeKeyFlags(w: ReplyWriter, flags: number): void {
  let count = 0;
  for (const [, , bit] of KEY_FLAG_NAMES) if (flags & bit) count++;
  w.set(count);
  for (const [, name, bit] of KEY_FLAG_NAMES) if (flags & bit) w.simple(name);
}

/** A key spec's begin_search or find_keys: its type and the fields of that type. */
function writeSearch(w: ReplyWriter, type: string, fields: readonly (readonly [string, number | string])[]): void {
  w.map(2);
  w.bulkString('type');
  w.bulkString(type);
  w.bulkString('spec');
  w.map(fields.length);
  for (const [name, value] of fields) {
    w.bulkString(name);
    if (typeof value === 'number') w.int(value);
    else w.bulkString(value);
  }
}

function writeKeySpec(w: ReplyWriter, spec: KeySpec): void {
  w.map(spec.notes === undefined ? 3 : 4);
  if (spec.notes !== undefined) {
    w.bulkString('notes');
    w.bulkString(spec.notes);
  }
  w.bulkString('flags');
  writeKeyFlags(w, spec.flags);
  w.bulkString('begin_search');
  if (spec.begin === BEGIN_INDEX) writeSearch(w, 'index', [['index', spec.index]]);
  else if (spec.begin === BEGIN_KEYWORD) {
    writeSearch(w, 'keyword', [
      ['keyword', spec.keyword],
      ['startfrom', spec.startfrom],
    ]);
  } else writeSearch(w, 'unknown', []);
  w.bulkString('find_keys');
  if (spec.find === FIND_RANGE) {
    writeSearch(w, 'range', [
      ['lastkey', spec.lastkey],
      ['keystep', spec.keystep],
      ['limit', spec.limit],
    ]);
  } else if (spec.find === FIND_KEYNUM) {
    writeSearch(w, 'keynum', [
      ['keynumidx', spec.keynumidx],
      ['firstkey', spec.firstkey],
      ['keystep', spec.keystep],
    ]);
  } else writeSearch(w, 'unknown', []);
}

/** One COMMAND INFO entry: Redis 7's ten fields. */
function writeInfo(w: ReplyWriter, cmd: RegisteredCommand): void {
  w.array(10);
  w.bulkString(cmd.fullName);
  w.int(cmd.arity);
  writeNames(w, cmd.flagNames);
  w.int(cmd.legacy.first);
  w.int(cmd.legacy.last);
  w.int(cmd.legacy.step);
  writeNames(w, cmd.categoryNames.map((name) => `@${name}`));
  const tips = cmd.meta.command_tips ?? [];
  w.set(tips.length);
  for (const tip of tips) w.bulkString(tip.toLowerCase());
  w.set(cmd.keySpecs.length);
  for (const spec of cmd.keySpecs) writeKeySpec(w, spec);
  if (cmd.subcommands.length === 0) return w.set(0);
  w.array(cmd.subcommands.length);
  for (const sub of cmd.subcommands) writeInfo(w, sub);
}

function writeStringField(w: ReplyWriter, name: string, value: string | undefined): void {
  if (value === undefined) return;
  w.bulkString(name);
  w.bulkString(value);
}

function writeArguments(w: ReplyWriter, args: readonly ArgumentJson[]): void {
  w.array(args.length);
  for (const arg of args) {
    const flags = (['optional', 'multiple', 'multiple_token'] as const).filter((flag) => arg[flag] === true);
    const nested = arg.type === 'oneof' || arg.type === 'block';
    const present = [arg.key_spec_index, arg.token, arg.summary, arg.since, arg.deprecated_since].filter((value) => value !== undefined).length;
    w.map(2 + present + (flags.length > 0 ? 1 : 0) + (nested ? 1 : 0));
    writeStringField(w, 'name', arg.name);
    writeStringField(w, 'type', arg.type);
    if (arg.key_spec_index !== undefined) {
      w.bulkString('key_spec_index');
      w.int(arg.key_spec_index);
    }
    writeStringField(w, 'token', arg.token);
    writeStringField(w, 'summary', arg.summary);
    writeStringField(w, 'since', arg.since);
    writeStringField(w, 'deprecated_since', arg.deprecated_since);
    if (flags.length > 0) {
      w.bulkString('flags');
      writeNames(w, flags);
    }
    if (nested) {
      w.bulkString('arguments');
      writeArguments(w, arg.arguments ?? []);
    }
  }
}

/** One COMMAND DOCS entry: the fields Redis has for the command, in Redis's order. */
function writeDocs(w: ReplyWriter, cmd: RegisteredCommand): void {
  const meta = cmd.meta;
  const optional = [meta.summary, meta.since, meta.complexity, meta.doc_flags, meta.deprecated_since, meta.replaced_by, meta.history, meta.arguments];
  const hasSubs = cmd.subcommands.length > 0;
  w.map(1 + optional.filter((value) => value !== undefined).length + (hasSubs ? 1 : 0));
  writeStringField(w, 'summary', meta.summary);
  writeStringField(w, 'since', meta.since);
  writeStringField(w, 'group', cmd.group);
  writeStringField(w, 'complexity', meta.complexity);
  if (meta.doc_flags !== undefined) {
    w.bulkString('doc_flags');
    writeNames(w, meta.doc_flags.map((flag) => flag.toLowerCase()));
  }
  writeStringField(w, 'deprecated_since', meta.deprecated_since);
  writeStringField(w, 'replaced_by', meta.replaced_by);
  if (meta.history !== undefined) {
    w.bulkString('history');
    w.set(meta.history.length);
    for (const [version, change] of meta.history) {
      w.array(2);
      w.bulkString(version);
      w.bulkString(change);
    }
  }
  if (meta.arguments !== undefined) {
    w.bulkString('arguments');
    writeArguments(w, meta.arguments);
  }
  if (!hasSubs) return;
  w.bulkString('subcommands');
  w.map(cmd.subcommands.length);
  for (const sub of cmd.subcommands) {
    w.bulkString(sub.fullName);
    writeDocs(w, sub);
  }
}

/** COMMAND INFO of the named commands, or of every command when none is named. */
function commandInfo(server: Server, w: ReplyWriter, names: readonly Buffer[]): void {
  if (names.length === 0) {
    w.array(server.commands.all.length);
    for (const cmd of server.commands.all) writeInfo(w, cmd);
    return;
  }
  w.array(names.length);
  for (const name of names) {
    const cmd = lookupFullName(server, name);
    if (cmd === undefined) w.null();
    else writeInfo(w, cmd);
  }
}

/** A command by name, or a subcommand by "container|sub" (Redis's lookupCommandBySds). */
function lookupFullName(server: Server, name: Buffer): RegisteredCommand | undefined {
  const bar = name.indexOf(0x7c);
  if (bar < 0) return server.commands.lookup(name);
  return server.commands.lookup(name.subarray(0, bar))?.subcommand(name.subarray(bar + 1));
}

function commandDocs({ argv, server, w }: CommandContext): void {
  const cmds =
    argv.length === 2
      ? server.commands.all
      : argv.slice(2).flatMap((name) => {
          const cmd = lookupFullName(server, name);
          return cmd === undefined ? [] : [cmd];
        });
  w.map(cmds.length);
  for (const cmd of cmds) {
    w.bulkString(cmd.fullName);
    writeDocs(w, cmd);
  }
}

function commandList({ argv, server, w }: CommandContext): void {
  let keep: (cmd: RegisteredCommand) => boolean = () => true;
  if (argv.length === 5 && isWord(argv[2]!, 'filterby')) {
    const value = argv[4]!;
    if (isWord(argv[3]!, 'module')) keep = () => false;
    else if (isWord(argv[3]!, 'aclcat')) {
      const category = aclCategoryBit(value.toString('latin1').toLowerCase());
      keep = (cmd) => (cmd.aclCategories & category) !== 0;
    } else if (isWord(argv[3]!, 'pattern')) keep = (cmd) => stringMatch(value, Buffer.from(cmd.fullName, 'latin1'), true);
    else throw new CommandError(SYNTAX);
  } else if (argv.length !== 2) {
    throw new CommandError(SYNTAX);
  }
  const names: string[] = [];
  for (const cmd of server.commands.all) {
    if (keep(cmd)) names.push(cmd.fullName);
    for (const sub of cmd.subcommands) if (keep(sub)) names.push(sub.fullName);
  }
  w.array(names.length);
  for (const name of names) w.bulkString(name);
}

const found = new KeyResult();

/** COMMAND GETKEYS / GETKEYSANDFLAGS: Redis's checks in its order, then the one key extraction. */
function commandGetkeys({ argv, server, w }: CommandContext, withFlags: boolean): void {
  const args = argv.slice(2);
  const cmd = server.resolve(args);
  if (cmd === undefined) throw new CommandError(GETKEYS_INVALID_COMMAND);
  if (!cmd.hasKeys) throw new CommandError(GETKEYS_NO_KEYS);
  const arity = cmd.arity;
  if ((arity > 0 && args.length !== arity) || args.length < -arity) {
    throw new CommandError(GETKEYS_ARITY);
  }
  const count = extractKeys(cmd, args, found);
  if (count === 0 && !cmd.has(Flag.NoMandatoryKeys)) throw new CommandError(GETKEYS_INVALID_ARGUMENTS);
  w.array(count);
  for (let i = 0; i < count; i++) {
    const key = args[found.positions[i]!]!;
    if (!withFlags) {
      w.bulk(key);
      continue;
    }
    w.array(2);
    w.bulk(key);
    writeKeyFlags(w, found.flags[i]!);
  }
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

export const commandCommands: CommandSpec[] = [
  {
    name: 'command',
    // Without a subcommand, the gate runs this handler; with one, the subcommand's.
    handler: ({ server, w }) => commandInfo(server, w, []),
    subcommands: [
      { name: 'command|count', handler: ({ server, w }) => w.int(server.commands.all.length) },
      { name: 'command|info', handler: ({ argv, server, w }) => commandInfo(server, w, argv.slice(2)) },
      { name: 'command|docs', handler: commandDocs },
      { name: 'command|list', handler: commandList },
      { name: 'command|getkeys', handler: (ctx) => commandGetkeys(ctx, false) },
      { name: 'command|getkeysandflags', handler: (ctx) => commandGetkeys(ctx, true) },
      { name: 'command|help', handler: ({ w }) => helpReply(w, 'COMMAND', HELP) },
    ],
  },
];
