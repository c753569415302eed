// CLIENT: naming, listing, killing, pausing and reply control of connections.

import {
  CLIENT_ID_POSITIVE,
  CommandError,
  INVALID_CLIENT_ID,
  invalidCharacters,
  NO_SUCH_CLIENT,
  noSuchUser,
  CLIENT_PAUSE_MODE,
  quoteArg,
  SYNTAX,
  TIMEOUT_NEGATIVE,
  TIMEOUT_NOT_INTEGER,
  unknownClientType,
  unrecognizedOption,
} from '../../errors.ts';
import type { Client } from '../../server/client.ts';
import type { Server } from '../../server/server.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../../util/numbers.ts';
import { clientUnblock } from '../blocking.ts';
import { validClientName } from '../connection.ts';
import type { CommandContext, CommandSpec } from '../spec.ts';
import { helpReply } from './help.ts';
import { trackingSubcommands } from '../tracking.ts';

/** Redis's getClientTypeByName; a Mnemo connection is a normal client or, while subscribed, a pubsub one. */
const CLIENT_TYPES = new Set(['normal', 'slave', 'replica', 'pubsub', 'master']);

function clientType(name: Buffer): string {
  const type = name.toString().toLowerCase();
  if (!CLIENT_TYPES.has(type)) throw new CommandError(unknownClientType(quoteArg(name)));
  return type === 'slave' ? 'replica' : type;
}

/** Redis's getClientType for the kinds of clients Mnemo has. */
function typeOf(client: Client): string {
  if (client.replication !== null) return client.replication;
  return client.pubsub === null ? 'normal' : 'pubsub';
}

function flagsOf(client: Client): string {
  let flags = '';
  if (client.replication === 'replica') flags += 'S';
  if (client.replication === 'master') flags += 'M';
  if (client.pubsub !== null) flags += 'P';
  if (client.multi !== null) flags += 'x';
  if (client.blocked !== null) flags += 'b';
  if (client.tracking !== null) flags += 't';
  if (client.tracking?.brokenRedirect) flags += 'R';
  if (client.tracking?.bcast) flags += 'B';
  if (client.closeAfterReply) flags += 'c';
  // A unix-socket client's address is the socket's path (TCP addresses never start with "/").
  if (client.addr.startsWith('/')) flags += 'U';
  if (client.noEvict) flags += 'e';
  if (client.noTouch) flags += 'T';
  return flags === '' ? 'N' : flags;
}

/**
 * One CLIENT LIST line, in Redis 7.0's field order (lib-name and lib-ver, from CLIENT SETINFO,
 * are appended as Redis 7.2 does). Buffer sizes Mnemo does not track per client read 0.
 */
export function clientInfoLine(server: Server, client: Client): string {
  const now = server.keyspace.clock.now();
  return [
    `id=${client.id}`,
    `addr=${client.addr}`,
    `laddr=${client.laddr}`,
    `fd=${client.fd}`,
    `name=${client.name}`,
    `age=${Math.floor((now - client.createdAt) / 1000)}`,
    `idle=${Math.floor((now - client.lastInteraction) / 1000)}`,
    `flags=${flagsOf(client)}`,
    `db=${client.db}`,
    `sub=${client.pubsub?.channels.size ?? 0}`,
    `psub=${client.pubsub?.patterns.size ?? 0}`,
    `ssub=${client.pubsub?.shardChannels.size ?? 0}`,
    `multi=${client.multi === null ? -1 : client.multi.length}`,
    `qbuf=${server.listener?.connections.get(client.id)?.parser.pendingBytes ?? 0}`,
    'qbuf-free=0',
    'argv-mem=0',
    'multi-mem=0',
    'rbs=0',
    'rbp=0',
    'obl=0',
    'oll=0',
    'omem=0',
    'tot-mem=0',
    'events=r',
    `cmd=${client.lastCommand}`,
    `user=${client.user.name}`,
    `redir=${client.tracking?.redirect ?? -1}`,
    `resp=${client.resp}`,
    `lib-name=${client.libName}`,
    `lib-ver=${client.libVersion}`,
  ].join(' ');
}

function clientList({ argv, server, w }: CommandContext): void {
  let clients = [...server.clients.values()];
  if (argv.length === 4 && argv[2]!.toString().toLowerCase() === 'type') {
    const type = clientType(argv[3]!);
    clients = clients.filter((client) => typeOf(client) === type);
  } else if (argv.length > 3 && argv[2]!.toString().toLowerCase() === 'id') {
    clients = [];
    for (let i = 3; i < argv.length; i++) {
      const id = parseSafeInt(argv[i]!);
      if (id === NOT_A_NUMBER) throw new CommandError(INVALID_CLIENT_ID);
      const client = server.clients.get(id);
      if (client !== undefined) clients.push(client);
    }
  } else if (argv.length !== 2) {
    throw new CommandError(SYNTAX);
  }
  w.verbatim(clients.map((client) => `${clientInfoLine(server, client)}\n`).join(''));
}

interface KillFilter {
  id?: number;
  type?: string;
  addr?: string;
  laddr?: string;
  user?: string;
  skipMe: boolean;
}

function parseKillFilter(argv: readonly Buffer[], users: ReadonlyMap<string, unknown>): KillFilter {
  const filter: KillFilter = { skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw new CommandError(SYNTAX);
    const option = argv[i]!.toString().toLowerCase();
    const value = argv[i + 1]!;
    if (option === 'id') {
      const id = parseSafeInt(value);
      if (id === NOT_A_NUMBER || id <= 0) throw new CommandError(CLIENT_ID_POSITIVE);
      filter.id = id;
    } else if (option === 'type') {
      filter.type = clientType(value);
    } else if (option === 'addr') {
      filter.addr = value.toString();
    } else if (option === 'laddr') {
      filter.laddr = value.toString();
    } else if (option === 'user') {
      const user = value.toString('latin1');
      if (!users.has(user)) throw new CommandError(noSuchUser(user));
      filter.user = user;
    } else if (option === 'skipme') {
      const answer = value.toString().toLowerCase();
      if (answer !== 'yes' && answer !== 'no') throw new CommandError(SYNTAX);
      filter.skipMe = answer === 'yes';
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  return filter;
}

function matches(client: Client, caller: Client, filter: KillFilter): boolean {
  return (
    (filter.id === undefined || client.id === filter.id) &&
    (filter.type === undefined || filter.type === typeOf(client)) &&
    (filter.addr === undefined || client.addr === filter.addr) &&
    (filter.laddr === undefined || client.laddr === filter.laddr) &&
    (filter.user === undefined || client.user.name === filter.user) &&
    !(filter.skipMe && client === caller)
  );
}

/** Closes a client; the caller itself still gets this command's reply first. */
export function kill(client: Client, caller: Client): void {
  if (client === caller) client.closeAfterReply = true;
  else client.kill();
}

function clientKill({ argv, client: caller, server, w }: CommandContext): void {
  if (argv.length === 3) {
    // The old form: CLIENT KILL ip:port, one client or an error.
    const addr = argv[2]!.toString();
    const target = [...server.clients.values()].find((client) => client.addr === addr);
    if (target === undefined) throw new CommandError(NO_SUCH_CLIENT);
    kill(target, caller);
    return w.ok();
  }
  const filter = parseKillFilter(argv, server.acl.users);
  let killed = 0;
  for (const client of [...server.clients.values()]) {
    if (!matches(client, caller, filter)) continue;
    kill(client, caller);
    killed++;
  }
  w.int(killed);
}

function clientPause({ argv, server, w }: CommandContext): void {
  const timeout = parseSafeInt(argv[2]!);
  if (timeout === NOT_A_NUMBER) throw new CommandError(TIMEOUT_NOT_INTEGER);
  if (timeout < 0) throw new CommandError(TIMEOUT_NEGATIVE);
  let all = true;
  if (argv.length === 4) {
    const mode = argv[3]!.toString().toLowerCase();
    if (mode !== 'write' && mode !== 'all') throw new CommandError(CLIENT_PAUSE_MODE);
    all = mode === 'all';
  } else if (argv.length > 4) {
    throw new CommandError(SYNTAX);
  }
  server.pauseClients(all, server.keyspace.clock.now() + timeout);
  w.ok();
}

/** ON/OFF arguments of NO-EVICT and NO-TOUCH. */
function onOff(arg: Buffer): boolean {
  const value = arg.toString().toLowerCase();
  if (value !== 'on' && value !== 'off') throw new CommandError(SYNTAX);
  return value === 'on';
}

function clientSetinfo({ argv, client, w }: CommandContext): void {
  const attribute = argv[2]!.toString().toLowerCase();
  if (attribute !== 'lib-name' && attribute !== 'lib-ver') {
    throw new CommandError(unrecognizedOption(quoteArg(argv[2]!)));
  }
  for (const byte of argv[3]!) {
    if (byte < 0x21 || byte > 0x7e) {
      throw new CommandError(invalidCharacters(attribute));
    }
  }
  if (attribute === 'lib-name') client.libName = argv[3]!.toString('latin1');
  else client.libVersion = argv[3]!.toString('latin1');
  w.ok();
}

function sub(name: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name: `client|${name}`, handler };
}

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'NO-TOUCH (ON|OFF)',
  "    Will not touch LRU/LFU stats when this mode is on.",
];

export const clientCommands: CommandSpec[] = [
  {
    name: 'client',
    subcommands: [
      sub('id', ({ client, w }) => w.int(client.id)),
      sub('getname', ({ client, w }) =>
        client.name === '' ? w.null() : w.bulkString(client.name),
      ),
      sub('setname', ({ argv, client, w }) => {
        client.name = validClientName(argv[2]!);
        w.ok();
      }),
      sub('setinfo', clientSetinfo),
      sub('info', ({ client, server, w }) =>
        w.verbatim(`${clientInfoLine(server, client)}\n`),
      ),
      sub('list', clientList),
      sub('kill', clientKill),
      sub('pause', clientPause),
      sub('unpause', ({ server, w }) => {
        server.unpauseClients();
        w.ok();
      }),
      sub('unblock', clientUnblock),
      sub('reply', ({ argv, client, w }) => {
        const mode = argv[2]!.toString().toLowerCase();
        if (mode !== 'on' && mode !== 'off' && mode !== 'skip') throw new CommandError(SYNTAX);
        client.replyMode = mode;
        w.ok();
      }),
      sub('no-evict', ({ argv, client, w }) => {
        client.noEvict = onOff(argv[2]!);
        w.ok();
      }),
      sub('no-touch', ({ argv, client, w }) => {
        client.noTouch = onOff(argv[2]!);
        w.ok();
      }),
      sub('help', ({ w }) => helpReply(w, 'CLIENT', HELP)),
      ...trackingSubcommands,
    ],
  },
];
