// Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's
// introspection. The registry they work on is src/pubsub/pubsub.ts; the RESP2 subscribed-mode
// rule is a gate check (refuseInSubscribedMode).

import { Buffer } from 'node:buffer';
import { CommandError, denyBlockingClient, quoteArg, subscribedModeOnly, unknownSubcommandOrArity } from '../errors.ts';
import { CHANNEL, PATTERN, SHARD } from '../pubsub/pubsub.ts';
import type { Client } from '../server/client.ts';
import { stringMatch } from '../util/glob.ts';
import type { RegisteredCommand } from './registry.ts';
import { helpReply } from './server/help.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import { Cluster } from '../cluster/cluster.ts';

type Kind = typeof CHANNEL;

function subscribe(kind: Kind, name: string, allowedInExec: boolean) {
  return ({ argv, client, server }: CommandContext): void => {
    // Inside EXEC a client cannot block; (P)SUBSCRIBE stay allowed there for old clients' sake,
    // as in Redis, SSUBSCRIBE does not.
    if (server.denyBlocking && !allowedInExec) throw new CommandError(denyBlockingClient(name));
    for (let i = 1; i < argv.length; i++) server.pubsub.subscribe(client, argv[i]!, kind);
  };
}

function unsubscribe(kind: Kind) {
  return ({ argv, client, server }: CommandContext): void => {
    if (argv.length === 1) server.pubsub.unsubscribeAll(client, kind, true);
    else for (let i = 1; i < argv.length; i++) server.pubsub.unsubscribe(client, argv[i]!, kind, true);
  };
}

function publish(sharded: boolean) {
  return (ctx: CommandContext): void => {
    const receivers = ctx.server.pubsub.publish(ctx.argv[1]!, ctx.argv[2]!, sharded);
    // Replicas pass messages on to their own subscribers; in cluster mode the bus carries them
    // to every node (or to the shard's nodes) instead.
    const cluster = Cluster.existing(ctx.server);
    if (cluster !== null) cluster.propagatePublish(ctx.argv[1]!, ctx.argv[2]!, sharded);
    else ctx.forcePropagation();
    ctx.w.int(receivers);
  };
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
function channelList(table: 'channels' | 'shardChannels') {
  return ({ argv, server, w }: CommandContext): void => {
    if (argv.length > 3) throw new CommandError(unknownSubcommandOrArity(quoteArg(argv[1]!, 128), argv[0]!.toString().toUpperCase()));
    const pattern = argv[2];
    const names: Buffer[] = [];
    for (const { name } of server.pubsub[table].values()) {
      if (pattern === undefined || stringMatch(pattern, name)) names.push(name);
    }
    w.array(names.length);
    for (const name of names) w.bulk(name);
  };
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: name and subscriber count pairs, as a flat array in both protocols. */
function subscriberCounts(table: 'channels' | 'shardChannels') {
  return ({ argv, server, w }: CommandContext): void => {
    w.array((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      w.bulk(argv[i]!);
      w.int(server.pubsub[table].get(argv[i]!.toString('latin1'))?.clients.size ?? 0);
    }
  };
}

const HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

/** Commands a RESP2 client may send while subscribed (Redis's processCommand list). */
const ALLOWED_WHEN_SUBSCRIBED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/**
 * The gate check for RESP2's subscribed mode: a subscribed RESP2 connection reads only
 * messages, so only (un)subscribing, PING, QUIT and RESET make sense on it. RESP3 has no limit.
 */
export function refuseInSubscribedMode(client: Client, cmd: RegisteredCommand): string | null {
  if (client.pubsub === null || client.resp !== 2 || ALLOWED_WHEN_SUBSCRIBED.has(cmd.spec.name)) return null;
  return subscribedModeOnly(cmd.fullName);
}

export const pubsubCommands: CommandSpec[] = [
  { name: 'subscribe', handler: subscribe(CHANNEL, 'SUBSCRIBE', true) },
  { name: 'psubscribe', handler: subscribe(PATTERN, 'PSUBSCRIBE', true) },
  { name: 'ssubscribe', handler: subscribe(SHARD, 'SSUBSCRIBE', false) },
  { name: 'unsubscribe', handler: unsubscribe(CHANNEL) },
  { name: 'punsubscribe', handler: unsubscribe(PATTERN) },
  { name: 'sunsubscribe', handler: unsubscribe(SHARD) },
  { name: 'publish', handler: publish(false) },
  { name: 'spublish', handler: publish(true) },
  {
    name: 'pubsub',
    subcommands: [
      { name: 'pubsub|channels', handler: channelList('channels') },
      { name: 'pubsub|shardchannels', handler: channelList('shardChannels') },
      { name: 'pubsub|numsub', handler: subscriberCounts('channels') },
      { name: 'pubsub|shardnumsub', handler: subscriberCounts('shardChannels') },
      { name: 'pubsub|numpat', handler: ({ server, w }) => w.int(server.pubsub.patterns.size) },
      { name: 'pubsub|help', handler: ({ w }) => helpReply(w, 'PUBSUB', HELP) },
    ],
  },
];
