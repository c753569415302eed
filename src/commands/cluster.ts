// Cluster commands: CLUSTER and its subcommands, READONLY, READWRITE, ASKING. The machinery is in
// src/cluster/; without cluster-enabled every one answers Redis's "cluster support disabled".

import { Buffer } from 'node:buffer';
import { BUS_PORT_INCREMENT, Cluster } from '../cluster/cluster.ts';
import { NodeFlag, type ClusterNode } from '../cluster/node.ts';
import { MESSAGE_TYPE_NAMES } from '../cluster/message.ts';
import { preferredEndpoint } from '../cluster/redirect.ts';
import {
  CLUSTER_DISABLED,
  CommandError,
  dontKnowNode,
  INVALID_SLOT,
  INVALID_SLOT_OR_KEYS,
  INVALID_SLOT_RANGE,
  NOT_INTEGER,
  SYNTAX,
  unknownNode,
  unknownSubcommandOrArity,
  wrongArity,
} from '../errors.ts';
import { keyHashSlot, SLOT_COUNT } from '../store/slots.ts';
import { NOT_A_NUMBER, parseInt64 } from '../util/numbers.ts';
import { Replication } from '../replication/replication.ts';
import { helpReply } from './server/help.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';

function clusterOf(ctx: CommandContext): Cluster {
  const cluster = Cluster.existing(ctx.server);
  if (cluster === null) throw new CommandError(CLUSTER_DISABLED);
  return cluster;
}

function integer(arg: Buffer): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  return Number(n);
}

function slotArg(arg: Buffer): number {
  const n = parseInt64(arg);
  if (n === NOT_A_NUMBER || n < 0 || n >= SLOT_COUNT) throw new CommandError(INVALID_SLOT_RANGE);
  return Number(n);
}

function nodeArg(cluster: Cluster, arg: Buffer, error: (name: string) => string = unknownNode): ClusterNode {
  const node = cluster.state.lookup(arg.toString('latin1'));
  if (node === undefined) throw new CommandError(error(arg.toString()));
  return node;
}

function keyCount(ctx: CommandContext): number {
  return ctx.server.keyspace.dbs[0]!.size;
}

/** A replica's offset as CLUSTER SLOTS and SHARDS judge it (ours from the replication link). */
function replicationOffset(cluster: Cluster, node: ClusterNode): number {
  return node.has(NodeFlag.Myself) ? (Replication.existing(cluster.server)?.offset ?? 0) : node.replOffset;
}

// ---- slots --------------------------------------------------------------------------------

/** ADDSLOTS, DELSLOTS and their RANGE forms: every slot checked before any changes. */
function changeSlots(ctx: CommandContext, ranges: [number, number][], del: boolean): void {
  const cluster = clusterOf(ctx);
  const state = cluster.state;
  const seen = new Uint8Array(SLOT_COUNT);
  for (const [start, end] of ranges) {
    for (let slot = start; slot <= end; slot++) {
      if (del && state.owners[slot] === null) throw new CommandError(`ERR Slot ${slot} is already unassigned`);
      if (!del && state.owners[slot] !== null) throw new CommandError(`ERR Slot ${slot} is already busy`);
      if (seen[slot]++ === 1) throw new CommandError(`ERR Slot ${slot} specified multiple times`);
    }
  }
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (seen[slot] === 0) continue;
    state.importingFrom[slot] = null;
    if (del) state.deleteSlot(slot);
    else state.addSlot(state.myself, slot);
  }
  cluster.changed();
  ctx.w.ok();
}

function addOrDelSlots(del: boolean) {
  return (ctx: CommandContext) => {
    const slots = ctx.argv.slice(2).map(slotArg);
    changeSlots(
      ctx,
      slots.map((slot) => [slot, slot]),
      del,
    );
  };
}

function addOrDelSlotsRange(del: boolean) {
  return (ctx: CommandContext) => {
    const { argv } = ctx;
    if (argv.length % 2 === 1) throw new CommandError(wrongArity(`cluster|${argv[1]!.toString().toLowerCase()}`));
    const ranges: [number, number][] = [];
    for (let j = 2; j < argv.length; j += 2) {
      const start = slotArg(argv[j]!);
      const end = slotArg(argv[j + 1]!);
      if (start > end) throw new CommandError(`ERR start slot number ${start} is greater than end slot number ${end}`);
      ranges.push([start, end]);
    }
    changeSlots(ctx, ranges, del);
  };
}

function setslot(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const { argv, w } = ctx;
  const state = cluster.state;
  const myself = state.myself;
  if (myself.isReplica) throw new CommandError('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(argv[2]!);
  const action = argv[3]!.toString().toLowerCase();
  const master = (node: ClusterNode) => {
    if (node.isReplica) throw new CommandError('ERR Target node is not a master');
    return node;
  };
  if (action === 'migrating' && argv.length === 5) {
    if (state.owners[slot] !== myself) throw new CommandError(`ERR I'm not the owner of hash slot ${slot}`);
    state.migratingTo[slot] = master(nodeArg(cluster, argv[4]!, dontKnowNode));
  } else if (action === 'importing' && argv.length === 5) {
    if (state.owners[slot] === myself) throw new CommandError(`ERR I'm already the owner of hash slot ${slot}`);
    state.importingFrom[slot] = master(nodeArg(cluster, argv[4]!, dontKnowNode));
  } else if (action === 'stable' && argv.length === 4) {
    state.importingFrom[slot] = null;
    state.migratingTo[slot] = null;
  } else if (action === 'node' && argv.length === 5) {
    const node = master(nodeArg(cluster, argv[4]!));
    const keys = ctx.server.keyspace.dbs[0]!.countKeysInSlot(slot);
    if (state.owners[slot] === myself && node !== myself && keys !== 0) {
      throw new CommandError(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
    }
    if (keys === 0) state.migratingTo[slot] = null;
    const wasMine = state.owners[slot] === myself;
    state.deleteSlot(slot);
    state.addSlot(node, slot);
    if (wasMine && node !== myself && myself.numSlots === 0 && ctx.server.config.bool('cluster-allow-replica-migration')) {
      ctx.server.log.warning(`Configuration change detected. Reconfiguring myself as a replica of ${node.name}`);
      cluster.setMaster(node);
    }
    if (node === myself && state.importingFrom[slot] !== null) {
      // The imported slot becomes ours with a new epoch, so that the cluster takes our word for it.
      if (state.bumpEpochWithoutConsensus()) ctx.server.log.warning(`configEpoch updated after importing slot ${slot}`);
      state.importingFrom[slot] = null;
      cluster.broadcastPong();
    }
  } else {
    throw new CommandError('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  cluster.changed();
  w.ok();
}

// ---- views --------------------------------------------------------------------------------

function info(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const state = cluster.state;
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (const owner of state.owners) {
    if (owner === null) continue;
    assigned++;
    if (owner.failed) fail++;
    else if (owner.timedOut) pfail++;
    else ok++;
  }
  const myself = state.myself;
  const lines = [
    `cluster_state:${state.ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${ok}`,
    `cluster_slots_pfail:${pfail}`,
    `cluster_slots_fail:${fail}`,
    `cluster_known_nodes:${state.nodes.size}`,
    `cluster_size:${state.size}`,
    `cluster_current_epoch:${state.currentEpoch}`,
    `cluster_my_epoch:${myself.shownEpoch}`,
  ];
  const counters = (counts: number[], direction: string) => {
    let total = 0;
    counts.forEach((count, type) => {
      if (count === 0) return;
      total += count;
      lines.push(`cluster_stats_messages_${MESSAGE_TYPE_NAMES[type]}_${direction}:${count}`);
    });
    lines.push(`cluster_stats_messages_${direction}:${total}`);
  };
  counters(cluster.sent, 'sent');
  counters(cluster.received, 'received');
  lines.push(`total_cluster_links_buffer_limit_exceeded:${cluster.linksFreedOverLimit}`);
  ctx.w.verbatim(`${lines.join('\r\n')}\r\n`);
}

/** One node as CLUSTER SLOTS lists it: endpoint, port, id, and the other endpoints. */
function nodeEntry(w: ReplyWriter, cluster: Cluster, node: ClusterNode): void {
  const type = cluster.server.config.get('cluster-preferred-endpoint-type');
  w.array(4);
  if (type === 'unknown-endpoint') w.null();
  else w.bulkString(preferredEndpoint(cluster, node));
  w.int(node.port);
  w.bulkString(node.name);
  const extra: [string, string][] = [];
  if (type !== 'ip') extra.push(['ip', node.ip]);
  if (type !== 'hostname' && node.hostname !== '') extra.push(['hostname', node.hostname]);
  w.map(extra.length);
  for (const [name, value] of extra) {
    w.bulkString(name);
    w.bulkString(value);
  }
}

function slots(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const owners = cluster.state.owners;
  const ranges: [ClusterNode, number, number][] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = owners[slot];
    if (owner === null || owner === undefined) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[0] === owner && last[2] === slot - 1) last[2] = slot;
    else ranges.push([owner, slot, slot]);
  }
  const w = ctx.w;
  w.array(ranges.length);
  for (const [owner, start, end] of ranges) {
    const replicas = owner.replicas.filter((replica) => !replica.failed && replicationOffset(cluster, replica) !== 0);
    w.array(3 + replicas.length);
    w.int(start);
    w.int(end);
    nodeEntry(w, cluster, owner);
    for (const replica of replicas) nodeEntry(w, cluster, replica);
  }
}

function shards(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const w = ctx.w;
  const masters = [...cluster.state.nodes.values()].filter((node) => node.isMaster);
  w.array(masters.length);
  for (const master of masters) {
    w.map(2);
    w.bulkString('slots');
    const ranges = master.slotRanges();
    w.array(ranges.length * 2);
    for (const [start, end] of ranges) {
      w.int(start);
      w.int(end);
    }
    w.bulkString('nodes');
    const nodes = [master, ...master.replicas];
    w.array(nodes.length);
    for (const node of nodes) {
      const offset = node.has(NodeFlag.Myself) && node.isMaster ? (Replication.existing(cluster.server)?.offset ?? 0) : replicationOffset(cluster, node);
      const fields: [string, string | number][] = [['id', node.name]];
      if (node.port !== 0) fields.push(['port', node.port]);
      fields.push(['ip', node.ip], ['endpoint', preferredEndpoint(cluster, node)]);
      if (node.hostname !== '') fields.push(['hostname', node.hostname]);
      fields.push(
        ['role', node.isReplica ? 'replica' : 'master'],
        ['replication-offset', offset],
        ['health', node.failed ? 'fail' : node.isReplica && offset === 0 ? 'loading' : 'online'],
      );
      w.map(fields.length);
      for (const [name, value] of fields) {
        w.bulkString(name);
        if (typeof value === 'number') w.int(value);
        else w.bulkString(value);
      }
    }
  }
}

function replicas(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const node = nodeArg(cluster, ctx.argv[2]!);
  if (node.isReplica) throw new CommandError('ERR The specified node is not a master');
  ctx.w.array(node.replicas.length);
  for (const replica of node.replicas) ctx.w.bulkString(cluster.state.describe(replica, cluster.isLinked(replica)));
}

function links(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const w = ctx.w;
  const all = cluster.links();
  w.array(all.length);
  for (const link of all) {
    w.map(6);
    w.bulkString('direction');
    w.bulkString(link.inbound ? 'from' : 'to');
    w.bulkString('node');
    w.bulkString(link.node!.name);
    w.bulkString('create-time');
    w.int(link.createdAt);
    w.bulkString('events');
    w.bulkString(link.pendingBytes > 0 ? 'rw' : 'r');
    w.bulkString('send-buffer-allocated');
    w.int(link.pendingBytes);
    w.bulkString('send-buffer-used');
    w.int(link.pendingBytes);
  }
}

// ---- membership and roles -----------------------------------------------------------------

function meet(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const { argv } = ctx;
  if (argv.length > 5) throw new CommandError(unknownSubcommandOrArity(argv[1]!.toString(), 'CLUSTER'));
  const port = parseInt64(argv[3]!);
  if (port === NOT_A_NUMBER) throw new CommandError(`ERR Invalid TCP base port specified: ${argv[3]!.toString()}`);
  let cport = Number(port) + BUS_PORT_INCREMENT;
  if (argv.length === 5) {
    const given = parseInt64(argv[4]!);
    if (given === NOT_A_NUMBER) throw new CommandError(`ERR Invalid TCP bus port specified: ${argv[4]!.toString()}`);
    cport = Number(given);
  }
  if (!cluster.startHandshake(argv[2]!.toString(), Number(port), Number(cport))) {
    throw new CommandError(`ERR Invalid node address specified: ${argv[2]!.toString()}:${argv[3]!.toString()}`);
  }
  ctx.w.ok();
}

function forget(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const node = nodeArg(cluster, ctx.argv[2]!);
  const myself = cluster.myself;
  if (node === myself) throw new CommandError("ERR I tried hard but I can't forget myself...");
  if (myself.isReplica && myself.master === node) throw new CommandError("ERR Can't forget my master!");
  cluster.forget(node);
  ctx.w.ok();
}

function replicate(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const node = nodeArg(cluster, ctx.argv[2]!);
  const myself = cluster.myself;
  if (node === myself) throw new CommandError("ERR Can't replicate myself");
  if (node.isReplica) throw new CommandError('ERR I can only replicate a master, not a replica.');
  if (myself.isMaster && (myself.numSlots !== 0 || keyCount(ctx) !== 0)) {
    throw new CommandError('ERR To set a master the node must be empty and without assigned slots.');
  }
  cluster.setMaster(node);
  cluster.changed();
  ctx.w.ok();
}

/** The optional last word of RESET and FAILOVER: one of `choices` (any case), or `fallback`. */
function optionalChoice<T extends string>(ctx: CommandContext, choices: readonly T[], fallback: T): T {
  const { argv } = ctx;
  if (argv.length > 3) throw new CommandError(unknownSubcommandOrArity(argv[1]!.toString(), 'CLUSTER'));
  if (argv.length < 3) return fallback;
  const option = argv[2]!.toString().toLowerCase();
  const chosen = choices.find((choice) => choice === option);
  if (chosen === undefined) throw new CommandError(SYNTAX);
  return chosen;
}

function reset(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const mode = optionalChoice(ctx, ['hard', 'soft'], 'soft');
  if (cluster.myself.isMaster && ctx.db.size !== 0) throw new CommandError("ERR CLUSTER RESET can't be called with master nodes containing keys");
  cluster.reset(mode === 'hard');
  ctx.w.ok();
}

function setConfigEpoch(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const epoch = integer(ctx.argv[2]!);
  const state = cluster.state;
  if (epoch < 0) throw new CommandError(`ERR Invalid config epoch specified: ${epoch}`);
  if (state.nodes.size > 1) throw new CommandError('ERR The user can assign a config epoch only when the node does not know any other node.');
  if (state.myself.configEpoch !== 0) throw new CommandError('ERR Node config epoch is already non-zero');
  state.myself.configEpoch = epoch;
  ctx.server.log.warning(`configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`);
  if (state.currentEpoch < epoch) state.currentEpoch = epoch;
  cluster.changed();
  ctx.w.ok();
}

function failover(ctx: CommandContext): void {
  const cluster = clusterOf(ctx);
  const option = optionalChoice(ctx, ['force', 'takeover'], 'default');
  const myself = cluster.myself;
  if (myself.isMaster) throw new CommandError('ERR You should send CLUSTER FAILOVER to a replica');
  if (myself.master === null) throw new CommandError("ERR I'm a replica but my master is unknown to me");
  if (option === 'default' && (myself.master.failed || !cluster.isLinked(myself.master))) {
    throw new CommandError('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  }
  if (option === 'takeover') cluster.state.bumpEpochWithoutConsensus();
  cluster.failover.requestManual(option, Date.now());
  ctx.w.ok();
}

const HELP = [
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
];

function sub(name: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name: `cluster|${name}`, handler };
}

export const clusterCommands: CommandSpec[] = [
  {
    name: 'cluster',
    subcommands: [
      sub('addslots', addOrDelSlots(false)),
      sub('delslots', addOrDelSlots(true)),
      sub('addslotsrange', addOrDelSlotsRange(false)),
      sub('delslotsrange', addOrDelSlotsRange(true)),
      sub('bumpepoch', (ctx) => {
        const cluster = clusterOf(ctx);
        const bumped = cluster.state.bumpEpochWithoutConsensus();
        if (bumped) cluster.changed();
        ctx.w.simple(`${bumped ? 'BUMPED' : 'STILL'} ${cluster.myself.configEpoch}`);
      }),
      sub('count-failure-reports', (ctx) => {
        const cluster = clusterOf(ctx);
        ctx.w.int(cluster.countFailureReports(nodeArg(cluster, ctx.argv[2]!)));
      }),
      sub('countkeysinslot', (ctx) => {
        const cluster = clusterOf(ctx);
        const slot = integer(ctx.argv[2]!);
        if (slot < 0 || slot >= SLOT_COUNT) throw new CommandError(INVALID_SLOT);
        ctx.w.int(cluster.server.keyspace.dbs[0]!.countKeysInSlot(slot));
      }),
      sub('getkeysinslot', (ctx) => {
        const cluster = clusterOf(ctx);
        const slot = integer(ctx.argv[2]!);
        const count = integer(ctx.argv[3]!);
        if (slot < 0 || slot >= SLOT_COUNT || count < 0) throw new CommandError(INVALID_SLOT_OR_KEYS);
        const keys = cluster.server.keyspace.dbs[0]!.keysInSlot(slot, count);
        ctx.w.array(keys.length);
        for (const key of keys) ctx.w.bulk(key);
      }),
      sub('flushslots', (ctx) => {
        const cluster = clusterOf(ctx);
        if (keyCount(ctx) !== 0) throw new CommandError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
        cluster.state.deleteNodeSlots(cluster.myself);
        cluster.changed();
        ctx.w.ok();
      }),
      sub('failover', failover),
      sub('forget', forget),
      sub('help', ({ w }) => helpReply(w, 'CLUSTER', HELP)),
      sub('info', info),
      sub('keyslot', (ctx) => {
        clusterOf(ctx);
        ctx.w.int(keyHashSlot(ctx.argv[2]!));
      }),
      sub('links', links),
      sub('meet', meet),
      sub('myid', (ctx) => ctx.w.bulkString(clusterOf(ctx).myself.name)),
      sub('nodes', (ctx) => {
        const cluster = clusterOf(ctx);
        ctx.w.verbatim(cluster.state.describeAll((node) => cluster.isLinked(node)));
      }),
      sub('replicas', replicas),
      sub('slaves', replicas),
      sub('replicate', replicate),
      sub('reset', reset),
      sub('saveconfig', (ctx) => {
        const cluster = clusterOf(ctx);
        try {
          cluster.saveConfig(true);
        } catch (error) {
          throw new CommandError(`ERR error saving the cluster node config: ${(error as Error).message}`);
        }
        ctx.w.ok();
      }),
      sub('set-config-epoch', setConfigEpoch),
      sub('setslot', setslot),
      sub('shards', shards),
      sub('slots', slots),
    ],
  },
  {
    name: 'asking',
    handler: (ctx) => {
      clusterOf(ctx).askingClients.add(ctx.client);
      ctx.w.ok();
    },
  },
  {
    name: 'readonly',
    handler: (ctx) => {
      clusterOf(ctx).readonlyClients.add(ctx.client);
      ctx.w.ok();
    },
  },
  {
    name: 'readwrite',
    handler: (ctx) => {
      clusterOf(ctx).readonlyClients.delete(ctx.client);
      ctx.w.ok();
    },
  },
];
