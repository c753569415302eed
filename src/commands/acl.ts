// ACL: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, DRYRUN, LOG, LOAD, SAVE,
// HELP. The users and the check live in src/security/.

import { randomBytes } from 'node:crypto';
import {
  ACL_DELETE_DEFAULT,
  ACL_GENPASS_BITS,
  ACL_NO_FILE,
  ACL_SAVE_FAILED,
  ACL_USERNAME_SPACES,
  aclDryrunNoCommand,
  aclDryrunNoUser,
  aclUnknownCategory,
  CommandError,
  dryrunChannel,
  dryrunCommand,
  dryrunKey,
  NOT_INTEGER,
  quoteArg,
  unknownSubcommandOrArity,
  wrongArity,
} from '../errors.ts';
import { ACL_CATEGORIES, aclCategoryBit } from './registry.ts';
import { Denial, invalidUserName, type Selector } from '../security/acl.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import { helpReply } from './server/help.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

const LOG_REASONS = ['', 'command', 'key', 'auth', 'channel'];

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function setuser({ argv, client, server, w }: CommandContext): void {
  const name = argv[2]!.toString('latin1');
  if (invalidUserName(name)) throw new CommandError(ACL_USERNAME_SPACES);
  const problem = server.acl.setUser(
    name,
    argv.slice(3).map((arg) => arg.toString('latin1')),
    client,
  );
  if (problem !== null) throw new CommandError(problem);
  w.ok();
}

function describeSelector(w: ReplyWriter, selector: Selector): void {
  w.bulkString('commands');
  w.bulk(latin1(selector.describeCommands()));
  w.bulkString('keys');
  w.bulk(latin1(selector.describeKeys()));
  w.bulkString('channels');
  w.bulk(latin1(selector.describeChannels()));
}

function getuser({ argv, server, w }: CommandContext): void {
  const user = server.acl.users.get(argv[2]!.toString('latin1'));
  if (user === undefined) return w.null();
  w.map(6);
  w.bulkString('flags');
  const flags = user.flags();
  w.set(flags.length);
  for (const flag of flags) w.bulkString(flag);
  w.bulkString('passwords');
  w.array(user.passwords.length);
  for (const hash of user.passwords) w.bulkString(hash);
  describeSelector(w, user.root);
  w.bulkString('selectors');
  const selectors = user.selectors.slice(1);
  w.array(selectors.length);
  for (const selector of selectors) {
    w.map(3);
    describeSelector(w, selector);
  }
}

function deluser({ argv, client, server, w }: CommandContext): void {
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i]!.toString('latin1');
    if (name === 'default') throw new CommandError(ACL_DELETE_DEFAULT);
  }
  for (let i = 2; i < argv.length; i++) {
    if (server.acl.deleteUser(argv[i]!.toString('latin1'), client)) deleted++;
  }
  w.int(deleted);
}

function cat({ argv, server, w }: CommandContext): void {
  if (argv.length === 2) {
    w.array(ACL_CATEGORIES.length);
    for (const name of ACL_CATEGORIES) w.bulkString(name);
    return;
  }
  const bit = aclCategoryBit(argv[2]!.toString('latin1').toLowerCase());
  if (bit === 0) throw new CommandError(aclUnknownCategory(quoteArg(argv[2]!)));
  const commands = server.acl.commands.inCategory(bit);
  w.array(commands.length);
  for (const cmd of commands) w.bulkString(cmd.fullName);
}

function genpass({ argv, w }: CommandContext): void {
  let bits = 256;
  if (argv.length === 3) {
    const given = parseSafeInt(argv[2]!);
    if (given === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
    bits = given;
  }
  if (bits <= 0 || bits > 4096) throw new CommandError(ACL_GENPASS_BITS);
  const chars = Math.ceil(bits / 4);
  w.bulkString(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function dryrun({ argv, server, w }: CommandContext): void {
  const acl = server.acl;
  const user = acl.users.get(argv[2]!.toString('latin1'));
  if (user === undefined) throw new CommandError(aclDryrunNoUser(quoteArg(argv[2]!)));
  const commandArgv = argv.slice(3);
  const cmd = server.resolve(commandArgv);
  if (cmd === undefined) {
    throw new CommandError(aclDryrunNoCommand(quoteArg(argv[3]!)));
  }
  if ((cmd.arity > 0 && commandArgv.length !== cmd.arity) || commandArgv.length < -cmd.arity) {
    throw new CommandError(wrongArity(cmd.fullName));
  }
  const denial = acl.checkUser(user, cmd, commandArgv);
  if (denial === Denial.None) return w.ok();
  const at = commandArgv[acl.deniedPosition]!.toString('latin1');
  w.bulk(latin1(denial === Denial.Command ? dryrunCommand(cmd.fullName) : denial === Denial.Key ? dryrunKey(at) : dryrunChannel(at)));
}

function log({ argv, server, w }: CommandContext): void {
  const acl = server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toString('latin1').toLowerCase() === 'reset') {
      acl.log.length = 0;
      return w.ok();
    }
    const given = parseSafeInt(argv[2]!);
    if (given === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
    count = Math.max(0, given);
  }
  const entries = acl.log.slice(0, count);
  const now = server.keyspace.clock.now();
  w.array(entries.length);
  for (const entry of entries) {
    w.map(7);
    w.bulkString('count');
    w.int(entry.count);
    w.bulkString('reason');
    w.bulkString(LOG_REASONS[entry.reason]!);
    w.bulkString('context');
    w.bulkString(entry.context);
    w.bulkString('object');
    w.bulk(entry.object);
    w.bulkString('username');
    w.bulk(latin1(entry.username));
    w.bulkString('age-seconds');
    w.double((now - entry.time) / 1000);
    w.bulkString('client-info');
    w.bulkString(entry.clientInfo);
  }
}

function aclfile(ctx: CommandContext): string {
  const path = ctx.server.config.get('aclfile');
  if (path === '') throw new CommandError(ACL_NO_FILE);
  return path;
}

/** ACL's subcommands without a fixed arity answer Redis's generic error for extra arguments. */
function atMost(max: number, handler: (ctx: CommandContext) => void) {
  return (ctx: CommandContext): void => {
    if (ctx.argv.length > max) throw new CommandError(unknownSubcommandOrArity(quoteArg(ctx.argv[1]!), 'ACL'));
    handler(ctx);
  };
}

export const aclCommands: CommandSpec[] = [
  {
    name: 'acl',
    subcommands: [
      { name: 'acl|setuser', handler: setuser },
      { name: 'acl|getuser', handler: getuser },
      { name: 'acl|deluser', handler: deluser },
      {
        name: 'acl|list',
        handler: ({ server, w }) => {
          const lines = server.acl.list();
          w.array(lines.length);
          for (const line of lines) w.bulk(latin1(line));
        },
      },
      {
        name: 'acl|users',
        handler: ({ server, w }) => {
          const users = server.acl.sortedUsers();
          w.array(users.length);
          for (const user of users) w.bulk(latin1(user.name));
        },
      },
      { name: 'acl|whoami', handler: ({ client, w }) => w.bulk(latin1(client.user.name)) },
      { name: 'acl|cat', handler: atMost(3, cat) },
      { name: 'acl|genpass', handler: atMost(3, genpass) },
      { name: 'acl|dryrun', handler: dryrun },
      { name: 'acl|log', handler: atMost(3, log) },
      {
        name: 'acl|load',
        handler: (ctx) => {
          const errors = ctx.server.acl.loadFile(aclfile(ctx));
          if (errors !== null) throw new CommandError(`ERR ${errors}`);
          ctx.w.ok();
        },
      },
      {
        name: 'acl|save',
        handler: (ctx) => {
          if (!ctx.server.acl.saveFile(aclfile(ctx))) throw new CommandError(ACL_SAVE_FAILED);
          ctx.w.ok();
        },
      },
      { name: 'acl|help', handler: ({ w }) => helpReply(w, 'ACL', HELP) },
    ],
  },
];
