// Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET.

import { Buffer } from 'node:buffer';
import {
  AUTH_WITHOUT_PASSWORD,
  CommandError,
  DB_INDEX_RANGE,
  HELLO_NOAUTH,
  helloSyntax,
  invalidCharacters,
  NOT_INTEGER,
  PROTOCOL_VERSION_NOT_INTEGER,
  quoteArg,
  SYNTAX,
  UNSUPPORTED_PROTOCOL,
  wrongArity,
  WRONGPASS,
} from '../errors.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import { REDIS_VERSION } from '../version.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const PONG = Buffer.from('+PONG\r\n');
const RESET = Buffer.from('+RESET\r\n');
const PONG_WORD = Buffer.from('$4\r\npong\r\n');
const EMPTY = Buffer.alloc(0);
const DEFAULT_USER = Buffer.from('default');

function checkPassword(ctx: CommandContext, user: Buffer, password: Buffer): void {
  if (!ctx.server.acl.authenticate(ctx.client, user.toString('latin1'), password, ctx.argv[0]!)) throw new CommandError(WRONGPASS);
}

function hello(ctx: CommandContext): void {
  const { argv, client, w } = ctx;
  let version = client.resp as number;
  let i = 1;
  if (argv.length > 1) {
    const v = parseSafeInt(argv[1]!);
    if (v === NOT_A_NUMBER) throw new CommandError(PROTOCOL_VERSION_NOT_INTEGER);
    if (v < 2 || v > 3) throw new CommandError(UNSUPPORTED_PROTOCOL);
    version = v;
    i = 2;
  }
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const option = argv[i]!.toString().toLowerCase();
    const more = argv.length - i - 1;
    if (option === 'auth' && more >= 2) {
      checkPassword(ctx, argv[i + 1]!, argv[i + 2]!);
      i += 2;
    } else if (option === 'setname' && more >= 1) {
      name = validClientName(argv[i + 1]!);
      i += 1;
    } else {
      throw new CommandError(helloSyntax(quoteArg(argv[i]!)));
    }
  }
  if (!client.authenticated) {
    throw new CommandError(HELLO_NOAUTH);
  }
  if (name !== null) client.name = name;
  client.resp = version as 2 | 3;
  w.map(7);
  w.bulkString('server');
  w.bulkString('redis');
  w.bulkString('version');
  w.bulkString(REDIS_VERSION);
  w.bulkString('proto');
  w.int(version);
  w.bulkString('id');
  w.int(client.id);
  w.bulkString('mode');
  w.bulkString('standalone');
  w.bulkString('role');
  w.bulkString('master');
  w.bulkString('modules');
  w.array(0);
}

/** CLIENT SETNAME's rule: no spaces or newlines, printable ASCII only. */
export function validClientName(name: Buffer): string {
  for (const byte of name) {
    if (byte < 0x21 || byte > 0x7e) {
      throw new CommandError(invalidCharacters('Client names'));
    }
  }
  return name.toString('latin1');
}

export const connectionCommands: CommandSpec[] = [
  {
    name: 'ping',
    handler: ({ argv, client, w }) => {
      if (argv.length > 2) throw new CommandError(wrongArity('ping'));
      // A subscribed RESP2 connection reads only arrays: PING answers as a message would.
      if (client.pubsub !== null && client.resp === 2) {
        w.array(2);
        w.raw(PONG_WORD);
        w.bulk(argv.length === 1 ? EMPTY : argv[1]!);
      } else if (argv.length === 1) w.raw(PONG);
      else w.bulk(argv[1]!);
    },
  },
  {
    name: 'echo',
    handler: ({ argv, w }) => w.bulk(argv[1]!),
  },
  {
    name: 'quit',
    handler: ({ client, w }) => {
      w.ok();
      client.closeAfterReply = true;
    },
  },
  {
    name: 'hello',
    handler: hello,
  },
  {
    name: 'auth',
    handler: (ctx) => {
      const { argv, w, server } = ctx;
      if (argv.length > 3) throw new CommandError(SYNTAX);
      if (argv.length === 2 && server.acl.defaultUser.nopass) {
        throw new CommandError(AUTH_WITHOUT_PASSWORD);
      }
      checkPassword(ctx, argv.length === 3 ? argv[1]! : DEFAULT_USER, argv[argv.length - 1]!);
      w.ok();
    },
  },
  {
    name: 'select',
    handler: ({ argv, w, client, keyspace }) => {
      const index = parseSafeInt(argv[1]!);
      if (index === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      if (index < 0 || index >= keyspace.dbs.length) throw new CommandError(DB_INDEX_RANGE);
      client.db = index;
      w.ok();
    },
  },
  {
    name: 'reset',
    handler: ({ client, server, w }) => {
      client.multi = null;
      client.multiFailed = false;
      client.db = 0;
      client.resp = 2;
      client.name = '';
      client.replyMode = 'on';
      client.noEvict = false;
      client.noTouch = false;
      client.authenticated = !server.needsAuth;
      client.user = server.acl.defaultUser;
      server.watches.unwatch(client);
      server.pubsub.removeClient(client);
      server.tracking.disable(client);
      server.observability.monitors.delete(client);
      w.raw(RESET);
    },
  },
];
