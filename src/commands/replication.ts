// Replication commands: the primary's side of the handshake (REPLCONF, PSYNC, SYNC), REPLICAOF
// and SLAVEOF, ROLE and WAIT. The machinery is in src/replication/.

import type { Buffer } from 'node:buffer';
import { CommandError, NOT_INTEGER, SYNTAX, TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from '../errors.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { Replication } from '../replication/replication.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

export const NOMASTERLINK = "NOMASTERLINK Can't SYNC while not connected with my master";
export const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';
const REPLICAOF_BY_REPLICA = 'ERR Command is not valid when client is a replica.';
const INVALID_MASTER_PORT = 'ERR Invalid master port';

function integer(arg: Buffer, error = NOT_INTEGER): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(error);
  return Number(n);
}

function replconf({ argv, client, server, w }: CommandContext): void {
  if (argv.length % 2 === 0) throw new CommandError(SYNTAX);
  const replication = Replication.of(server);
  for (let j = 1; j < argv.length; j += 2) {
    const option = argv[j]!.toString().toLowerCase();
    const value = argv[j + 1]!;
    if (option === 'listening-port') replication.handshakeOf(client).port = integer(value);
    else if (option === 'ip-address') replication.handshakeOf(client).ip = value.toString();
    else if (option === 'capa') {
      const capa = value.toString().toLowerCase();
      if (capa === 'eof') replication.handshakeOf(client).capaEof = true;
      else if (capa === 'psync2') replication.handshakeOf(client).capaPsync2 = true;
    } else if (option === 'ack') {
      // An ACK gets no reply; only an attached replica's counts.
      if (client.replication === 'replica') replication.acknowledged(client, integer(value));
      return;
    } else if (option === 'getack') {
      // The primary's GETACK is answered by the link itself (replication/link.ts).
      return;
    } else if (option !== 'rdb-only' && option !== 'rdb-filter-only') {
      throw new CommandError(`ERR Unrecognized REPLCONF option: ${argv[j]!.toString()}`);
    }
  }
  w.ok();
}

function startSync(ctx: CommandContext, replid: string | null, offset: number): void {
  const { argv, client, server } = ctx;
  // A replica already attached that says PSYNC again is ignored, as in Redis.
  if (client.replication === 'replica') return;
  const replication = Replication.of(server);
  // PSYNC ... FAILOVER: our primary hands over to us (its FAILOVER), so we promote ourselves first.
  if (replid !== null && argv.length > 3 && argv[3]!.toString().toLowerCase() === 'failover') {
    if (replid !== server.replId) throw new CommandError('ERR PSYNC FAILOVER replid must match my replid.');
    replication.promote();
    server.log.notice(`Failover request received for replid ${replid}.`);
  }
  if (replication.failover !== null) throw new CommandError("NOMASTERLINK Can't SYNC while failing over");
  if (replication.link !== null && replication.link.state !== 'connected') throw new CommandError(NOMASTERLINK);
  replication.sync(client, replid, offset);
}

function psync(ctx: CommandContext): void {
  const offset = integer(ctx.argv[2]!);
  startSync(ctx, ctx.argv[1]!.toString(), offset);
}

function sync(ctx: CommandContext): void {
  startSync(ctx, null, 0);
}

function replicaof({ argv, client, server, w }: CommandContext): void {
  const host = argv[1]!.toString();
  const portArg = argv[2]!.toString();
  if (host.toLowerCase() === 'no' && portArg.toLowerCase() === 'one') {
    Replication.existing(server)?.promote();
    return w.ok();
  }
  if (client.replication === 'replica') throw new CommandError(REPLICAOF_BY_REPLICA);
  const port = integer(argv[2]!, INVALID_MASTER_PORT);
  if (port < 0 || port > 65535) throw new CommandError(INVALID_MASTER_PORT);
  const replication = Replication.of(server);
  const link = replication.link;
  if (link !== null && link.host === host && link.port === port) return w.simple('OK Already connected to specified master');
  replication.replicaOf(host, port);
  server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${client.addr}')`);
  w.ok();
}

function role({ server, w }: CommandContext): void {
  const replication = Replication.existing(server);
  const link = replication?.link ?? null;
  if (replication === null || link === null) {
    w.array(3);
    w.bulkString('master');
    w.int(replication?.offset ?? 0);
    const replicas = replication?.replicas ?? [];
    w.array(replicas.length);
    for (const replica of replicas) {
      w.array(3);
      w.bulkString(replica.ip);
      w.bulkString(String(replica.port));
      w.bulkString(String(replica.ackOffset));
    }
    return;
  }
  w.array(5);
  w.bulkString('slave');
  w.bulkString(link.host);
  w.int(link.port);
  w.bulkString(link.state);
  w.int(link.state === 'connected' ? replication.offset : -1);
}

function wait({ argv, client, server, w }: CommandContext): void {
  const replication = Replication.existing(server);
  if (replication?.link != null) throw new CommandError(WAIT_ON_REPLICA);
  const count = integer(argv[1]!);
  const timeout = integer(argv[2]!, TIMEOUT_NOT_INTEGER);
  if (timeout < 0) throw new CommandError(TIMEOUT_NEGATIVE);
  if (replication === null) return w.int(0);
  const offset = replication.offset;
  const acked = replication.ackedBy(offset);
  if (acked >= count || server.denyBlocking) return w.int(acked);
  // The client's later commands wait for the answer, as behind a blocked command.
  client.suspended = true;
  replication.wait(client, offset, count, timeout, (n) => {
    client.suspended = false;
    client.w.int(n);
    queueMicrotask(() => client.resume());
  });
}

/** FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT, with Redis 7.0's checks in its order. */
function failover({ argv, server, w }: CommandContext): void {
  if (server.config.bool('cluster-enabled')) throw new CommandError('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
  const replication = Replication.of(server);
  if (argv.length === 2 && argv[1]!.toString().toLowerCase() === 'abort') {
    if (replication.failover === null) throw new CommandError('ERR No failover in progress.');
    replication.abortFailover('Failover manually aborted');
    return w.ok();
  }
  let timeoutMs = 0;
  let force = false;
  let target: { host: string; port: number } | null = null;
  for (let j = 1; j < argv.length; j++) {
    const option = argv[j]!.toString().toLowerCase();
    if (option === 'timeout' && j + 1 < argv.length && timeoutMs === 0) {
      timeoutMs = integer(argv[++j]!);
      if (timeoutMs <= 0) throw new CommandError('ERR FAILOVER timeout must be greater than 0');
    } else if (option === 'to' && j + 2 < argv.length && target === null) {
      target = { host: argv[j + 1]!.toString(), port: integer(argv[j + 2]!) };
      j += 2;
    } else if (option === 'force' && !force) {
      force = true;
    } else {
      throw new CommandError(SYNTAX);
    }
  }
  if (replication.failover !== null) throw new CommandError('ERR FAILOVER already in progress.');
  if (replication.link !== null) throw new CommandError('ERR FAILOVER is not valid when server is a replica.');
  if (replication.replicas.length === 0) throw new CommandError('ERR FAILOVER requires connected replicas.');
  if (force && (timeoutMs === 0 || target === null)) throw new CommandError('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  if (target !== null) {
    const replica = replication.findReplica(target.host, target.port);
    if (replica === undefined) throw new CommandError('ERR FAILOVER target HOST and PORT is not a replica.');
    if (replica.state !== 'online') throw new CommandError('ERR FAILOVER target replica is not online.');
  }
  replication.startFailover(target, timeoutMs, force);
  w.ok();
}

export const replicationCommands: CommandSpec[] = [
  { name: 'replconf', handler: replconf },
  { name: 'psync', handler: psync },
  { name: 'sync', handler: sync },
  { name: 'replicaof', handler: replicaof },
  { name: 'slaveof', handler: replicaof },
  { name: 'role', handler: role },
  { name: 'wait', handler: wait },
  { name: 'failover', handler: failover },
];
