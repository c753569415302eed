// COMMAND: the command table describing itself (INFO, DOCS, LIST, COUNT, GETKEYS...), all
// generated from the specs. Mnemo's specs carry Redis's legacy key positions and no key-spec
// flags or argument docs, so key specs are derived from the positions and flagged RO or RW
// by the command's own read/write flag, and DOCS has no "arguments".

import { Buffer } from 'node:buffer';
import { CommandError, SYNTAX } from '../../errors.ts';
import type { ReplyWriter } from '../../protocol/resp/writer.ts';
import type { Server } from '../../server/server.ts';
import { stringMatch } from '../../util/glob.ts';
import { Flag, type RegisteredCommand } from '../registry.ts';
import type { CommandContext, CommandSpec } from '../spec.ts';
import { helpReply } from './help.ts';

function keySpecFlag(cmd: RegisteredCommand): string {
  return cmd.has(Flag.Write) ? 'RW' : 'RO';
}

function writeKeySpecs(w: ReplyWriter, cmd: RegisteredCommand): void {
  const { keys, getKeys } = cmd.spec;
  if (keys === undefined && getKeys === undefined) return w.set(0);
  w.set(1);
  w.map(3);
  w.bulkString('flags');
  w.set(1);
  w.simple(keySpecFlag(cmd));
  if (keys === undefined) {
    // Positions that depend on the arguments (numkeys, STORE...): Redis's "unknown" spec.
    for (const part of ['begin_search', 'find_keys']) {
      w.bulkString(part);
      w.map(2);
      w.bulkString('type');
      w.bulkString('unknown');
      w.bulkString('spec');
      w.map(0);
    }
    return;
  }
  w.bulkString('begin_search');
  w.map(2);
  w.bulkString('type');
  w.bulkString('index');
  w.bulkString('spec');
  w.map(1);
  w.bulkString('index');
  w.int(keys.first);
  w.bulkString('find_keys');
  w.map(2);
  w.bulkString('type');
  w.bulkString('range');
  w.bulkString('spec');
  w.map(3);
  w.bulkString('lastkey');
  w.int(keys.last < 0 ? keys.last : keys.last - keys.first);
  w.bulkString('keystep');
  w.int(keys.step);
  w.bulkString('limit');
  w.int(0);
}

/** One COMMAND INFO entry: Redis 7's ten fields. */
function writeInfo(w: ReplyWriter, cmd: RegisteredCommand): void {
  const spec = cmd.spec;
  w.array(10);
  w.bulkString(spec.name);
  w.int(spec.arity);
  w.set(spec.flags.length);
  for (const flag of spec.flags) w.simple(flag);
  w.int(spec.keys?.first ?? 0);
  w.int(spec.keys?.last ?? 0);
  w.int(spec.keys?.step ?? 0);
  w.set(spec.acl.length);
  for (const category of spec.acl) w.simple(`@${category}`);
  // Specs carry no command tips (nondeterministic_output, request_policy...).
  w.set(0);
  writeKeySpecs(w, cmd);
  if (cmd.subcommands.length === 0) return w.set(0);
  w.array(cmd.subcommands.length);
  for (const sub of cmd.subcommands) writeInfo(w, sub);
}

function writeDocs(w: ReplyWriter, cmd: RegisteredCommand): void {
  const { summary, since, group, complexity } = cmd.spec;
  const fields: [string, string][] = [
    ['summary', summary],
    ['since', since],
    ['group', group],
  ];
  if (complexity !== undefined) fields.push(['complexity', complexity]);
  const hasSubs = cmd.subcommands.length > 0;
  w.map(fields.length + (hasSubs ? 1 : 0));
  for (const [name, value] of fields) {
    w.bulkString(name);
    w.bulkString(value);
  }
  if (!hasSubs) return;
  w.bulkString('subcommands');
  w.map(cmd.subcommands.length);
  for (const sub of cmd.subcommands) {
    w.bulkString(sub.spec.name);
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

/** A command by name, or a subcommand by "container|sub". */
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
    w.bulkString(cmd.spec.name);
    writeDocs(w, cmd);
  }
}

function commandList({ argv, server, w }: CommandContext): void {
  let keep: (cmd: RegisteredCommand) => boolean = () => true;
  if (argv.length === 5 && argv[2]!.toString().toLowerCase() === 'filterby') {
    const kind = argv[3]!.toString().toLowerCase();
    const value = argv[4]!;
    if (kind === 'module') keep = () => false;
    else if (kind === 'aclcat') {
      const category = value.toString().toLowerCase();
      keep = (cmd) => cmd.spec.acl.includes(category);
    } else if (kind === 'pattern') keep = (cmd) => stringMatch(value, Buffer.from(cmd.spec.name, 'latin1'), true);
    else throw new CommandError(SYNTAX);
  } else if (argv.length !== 2) {
    throw new CommandError(SYNTAX);
  }
  const names: string[] = [];
  for (const cmd of server.commands.all) {
    if (keep(cmd)) names.push(cmd.spec.name);
    for (const sub of cmd.subcommands) if (keep(sub)) names.push(sub.spec.name);
  }
  w.array(names.length);
  for (const name of names) w.bulkString(name);
}

/** The key positions of a full command line, with Redis's errors for bad input. */
export function keyPositions(server: Server, args: readonly Buffer[]): { cmd: RegisteredCommand; positions: number[] } {
  const cmd = server.resolve(args);
  if (cmd === undefined) throw new CommandError('ERR Invalid command specified');
  const arity = cmd.spec.arity;
  if ((arity > 0 && args.length !== arity) || args.length < -arity) {
    throw new CommandError('ERR Invalid number of arguments specified for command');
  }
  const positions = specKeyPositions(cmd, args);
  if (positions.length === 0) throw new CommandError('ERR The command has no key arguments');
  return { cmd, positions };
}

/** Where the keys of a well-formed command line are, by its spec; empty for a command without keys. */
export function specKeyPositions(cmd: RegisteredCommand, args: readonly Buffer[]): number[] {
  const { keys, getKeys } = cmd.spec;
  if (getKeys !== undefined) return getKeys(args);
  const positions: number[] = [];
  if (keys !== undefined) {
    const last = keys.last < 0 ? args.length + keys.last : keys.last;
    for (let i = keys.first; i <= last && i < args.length; i += keys.step) positions.push(i);
  }
  return positions;
}

function commandGetkeys({ argv, server, w }: CommandContext, withFlags: boolean): void {
  const args = argv.slice(2);
  const { cmd, positions } = keyPositions(server, args);
  w.array(positions.length);
  for (const position of positions) {
    if (!withFlags) {
      w.bulk(args[position]!);
      continue;
    }
    w.array(2);
    w.bulk(args[position]!);
    w.set(1);
    w.simple(keySpecFlag(cmd));
  }
}

const group = 'server';
const FLAGS = ['loading', 'stale'] as const;
const ACL = ['slow', 'connection'];

function sub(name: string, arity: number, summary: string, since: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name: `command|${name}`, arity, flags: FLAGS, acl: ACL, summary, since, group, complexity: 'O(N) where N is the number of commands to look up', handler };
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
    arity: -1,
    flags: FLAGS,
    acl: ACL,
    summary: 'Get array of Redis command details',
    since: '2.8.13',
    group,
    complexity: 'O(N) where N is the total number of Redis commands',
    // Without a subcommand, the gate runs this handler; with one, the subcommand's.
    handler: ({ server, w }) => commandInfo(server, w, []),
    subcommands: [
      sub('count', 2, 'Get total number of Redis commands', '2.8.13', ({ server, w }) => w.int(server.commands.all.length)),
      sub('info', -2, 'Get array of specific Redis command details, or all when no argument is given', '2.8.13', ({ argv, server, w }) =>
        commandInfo(server, w, argv.slice(2)),
      ),
      sub('docs', -2, 'Get array of specific Redis command documentation', '7.0.0', commandDocs),
      sub('list', -2, 'Get an array of Redis command names', '7.0.0', commandList),
      sub('getkeys', -4, 'Extract keys given a full Redis command', '2.8.13', (ctx) => commandGetkeys(ctx, false)),
      sub('getkeysandflags', -4, 'Extract keys and access flags given a full Redis command', '7.0.0', (ctx) => commandGetkeys(ctx, true)),
      sub('help', 2, 'Show helpful text about the different subcommands', '5.0.0', ({ w }) => helpReply(w, 'COMMAND', HELP)),
    ],
  },
];
