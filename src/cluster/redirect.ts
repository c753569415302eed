// The cluster's check at the command gate (Redis's getNodeByQuery and clusterRedirectClient):
// every key of the command (of every queued command, for EXEC) must hash to one slot, and that
// slot must be served here; otherwise the client is told where to go (MOVED, ASK), to retry
// (TRYAGAIN), that its keys span slots (CROSSSLOT), or that the cluster is down.

import type { Buffer } from 'node:buffer';
import { Flag, type RegisteredCommand } from '../commands/registry.ts';
import { extractKeys, INCLUDE_NOT_KEYS, KeyResult } from '../commands/keyspec.ts';
import type { Client } from '../server/client.ts';
import { keyHashSlot } from '../store/slots.ts';
import { CLUSTERDOWN, CLUSTERDOWN_READONLY, CLUSTERDOWN_UNBOUND, CROSSSLOT, redirection, TRYAGAIN } from '../errors.ts';
import type { Cluster } from './cluster.ts';
import type { ClusterNode } from './node.ts';

const SHARD_PUBSUB = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

/** The address a redirection names, per cluster-preferred-endpoint-type. */
export function preferredEndpoint(cluster: Cluster, node: ClusterNode): string {
  const type = cluster.server.config.get('cluster-preferred-endpoint-type');
  if (type === 'hostname') return node.hostname === '' ? '?' : node.hostname;
  if (type === 'unknown-endpoint') return '';
  return node.ip;
}

export function installRedirection(cluster: Cluster): void {
  const server = cluster.server;
  const keys = new KeyResult();
  const single = [{ cmd: null as unknown as RegisteredCommand, argv: [] as readonly Buffer[] }];

  server.addCheck((client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]) => {
    const asking = cluster.askingClients.size > 0 && cluster.askingClients.has(client);
    // ASKING lasts one command (a whole MULTI ... EXEC when sent before it).
    if (asking && client.multi === null && cmd.spec.name !== 'asking') cluster.askingClients.delete(client);
    // The primary's stream and commands without keys are never redirected.
    if (client.replication === 'master') return null;
    const exec = cmd.spec.name === 'exec';
    if (exec ? client.multi === null : !cmd.hasKeys) return null;
    const state = cluster.state;
    const myself = state.myself;
    const db = server.keyspace.dbs[0]!;
    const unit = exec ? client.multi! : ((single[0]!.cmd = cmd), (single[0]!.argv = argv), single);
    let first: Buffer | null = null;
    let slot = 0;
    let owner: ClusterNode | null = null;
    let migrating = false;
    let importing = false;
    let multipleKeys = false;
    let missing = 0;
    let existing = 0;
    let writes = false;
    let shardPubsub = false;
    for (const queued of unit) {
      const pubsub = SHARD_PUBSUB.has(queued.cmd.spec.name);
      shardPubsub ||= pubsub;
      writes ||= queued.cmd.has(Flag.Write);
      const count = extractKeys(queued.cmd, queued.argv, keys, pubsub ? INCLUDE_NOT_KEYS : 0);
      for (let i = 0; i < count; i++) {
        const key = queued.argv[keys.positions[i]!]!;
        const keySlot = keyHashSlot(key);
        if (first === null) {
          first = key;
          slot = keySlot;
          owner = state.owners[slot] ?? null;
          if (owner === null) return CLUSTERDOWN_UNBOUND;
          if (owner === myself && state.migratingTo[slot] !== null) migrating = true;
          else if (state.importingFrom[slot] !== null) importing = true;
        } else if (!first.equals(key)) {
          if (keySlot !== slot) return CROSSSLOT;
          multipleKeys = true;
        }
        if ((migrating || importing) && !pubsub) {
          const id = db.findIncludingExpired(key);
          if (id >= 0 && !db.isExpired(id)) existing++;
          else missing++;
        }
      }
    }
    if (owner === null) return null;
    if (!state.ok) {
      const config = server.config;
      if (shardPubsub) {
        if (!config.bool('cluster-allow-pubsubshard-when-down')) return CLUSTERDOWN;
      } else if (!config.bool('cluster-allow-reads-when-down')) return CLUSTERDOWN;
      else if (writes) return CLUSTERDOWN_READONLY;
    }
    if ((migrating || importing) && cmd.spec.name === 'migrate') return null;
    if (migrating && missing > 0) {
      if (existing > 0) return TRYAGAIN;
      return redirection('ASK', slot, preferredEndpoint(cluster, state.migratingTo[slot]!), state.migratingTo[slot]!.port);
    }
    if (importing && (asking || cmd.has(Flag.Asking))) return multipleKeys && missing > 0 ? TRYAGAIN : null;
    if ((cluster.readonlyClients.has(client) || shardPubsub) && !writes && myself.isReplica && myself.master === owner) return null;
    if (owner === myself) return null;
    return redirection('MOVED', slot, preferredEndpoint(cluster, owner), owner.port);
  }, true);
}
