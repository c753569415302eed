// INFO replication and the sync_* stats, as Redis 7.0 prints them.

import type { Server } from '../server/server.ts';
import { NO_REPLID, Replication } from './replication.ts';

type Field = [string, string | number];

export function replicationInfoFields(server: Server): Field[] {
  const replication = Replication.existing(server);
  const fields: Field[] = [['role', replication?.role ?? 'master']];
  const now = Date.now();
  const link = replication?.link ?? null;
  // The backlog fields count this turn's writes too, as master_repl_offset does.
  replication?.feedTurn();
  if (replication !== null && link !== null) {
    const up = link.state === 'connected';
    fields.push(
      ['master_host', link.host],
      ['master_port', link.port],
      ['master_link_status', up ? 'up' : 'down'],
      ['master_last_io_seconds_ago', up ? Math.floor((now - link.lastIo) / 1000) : -1],
      ['master_sync_in_progress', link.state === 'sync' ? 1 : 0],
      ['slave_read_repl_offset', replication.offset],
      ['slave_repl_offset', replication.offset],
    );
    if (!up) fields.push(['master_link_down_since_seconds', replication.linkDownSince === 0 ? -1 : Math.floor((now - replication.linkDownSince) / 1000)]);
    fields.push(
      ['slave_priority', server.config.number('replica-priority')],
      ['slave_read_only', server.config.bool('replica-read-only') ? 1 : 0],
      ['replica_announced', server.config.bool('replica-announced') ? 1 : 0],
    );
  }
  const replicas = replication?.replicas ?? [];
  fields.push(['connected_slaves', replicas.length]);
  const maxLag = server.config.number('min-replicas-max-lag');
  if (replication !== null && server.config.number('min-replicas-to-write') > 0 && maxLag > 0) fields.push(['min_slaves_good_slaves', replication.goodReplicas(maxLag)]);
  replicas.forEach((replica, i) => {
    const lag = Math.floor((now - replica.ackTime) / 1000);
    fields.push([`slave${i}`, `ip=${replica.ip},port=${replica.port},state=${replica.state},offset=${replica.ackOffset},lag=${lag}`]);
  });
  const backlog = replication?.backlog ?? null;
  fields.push(
    ['master_failover_state', replication?.failover?.state ?? 'no-failover'],
    ['master_replid', server.replId],
    ['master_replid2', replication?.replid2 ?? NO_REPLID],
    ['master_repl_offset', replication?.offset ?? 0],
    ['second_repl_offset', replication?.secondOffset ?? -1],
    ['repl_backlog_active', backlog === null ? 0 : 1],
    ['repl_backlog_size', server.config.number('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', backlog === null ? 0 : backlog.start + 1],
    ['repl_backlog_histlen', backlog?.histlen ?? 0],
  );
  return fields;
}

/** INFO stats' sync_full, sync_partial_ok, sync_partial_err. */
export function syncStatsFields(server: Server): Field[] {
  const stats = Replication.existing(server)?.stats;
  return [
    ['sync_full', stats?.syncFull ?? 0],
    ['sync_partial_ok', stats?.syncPartialOk ?? 0],
    ['sync_partial_err', stats?.syncPartialErr ?? 0],
  ];
}
