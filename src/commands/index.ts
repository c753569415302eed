// Every command family, in one list the gate's table is built from.

import type { CommandSpec } from './spec.ts';
import { connectionCommands } from './connection.ts';
import { stringCommands } from './strings.ts';
import { bitmapCommands } from './bitmaps.ts';
import { keyCommands } from './keys.ts';
import { serverCommands } from './server.ts';
import { transactionCommands } from './transactions.ts';
import { listCommands } from './lists.ts';
import { hashCommands } from './hashes.ts';
import { setCommands } from './sets.ts';
import { zsetCommands } from './zsets.ts';
import { blockingCommands } from './blocking.ts';
import { sortCommands } from './sort.ts';
import { timeseriesCommands } from './timeseries.ts';
import { sqlCommands } from './sql.ts';
import { persistenceCommands } from './persistence.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { geoCommands } from './geo.ts';
import { aofCommands } from '../persistence/aof/commands.ts';
import { scriptingCommands } from './scripting.ts';
import { pubsubCommands } from './pubsub.ts';
import { aclCommands } from './acl.ts';
import { streamCommands } from './streams.ts';
import { observabilityCommands } from './observability.ts';
import { replicationCommands } from './replication.ts';
import { tieringCommands } from '../tiering/commands.ts';

export const ALL_COMMANDS: readonly CommandSpec[] = [
  ...connectionCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...keyCommands,
  ...serverCommands,
  ...transactionCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...blockingCommands,
  ...sortCommands,
  ...timeseriesCommands,
  ...sqlCommands,
  ...persistenceCommands,
  ...hyperloglogCommands,
  ...geoCommands,
  ...aofCommands,
  ...scriptingCommands,
  ...pubsubCommands,
  ...aclCommands,
  ...streamCommands,
  ...observabilityCommands,
  ...replicationCommands,
  ...tieringCommands,
];
