// Hybrid storage on a server: the tiering-* settings (CONFIG SET-able), demotion at the gate
// before each command (ahead of the maxmemory check, so values go to disk before any would be
// evicted), archiving and compaction in the cron, and the INFO tiering fields.

import { resolve } from 'node:path';
import { limitsFrom } from '../persistence/rdb/values.ts';
import type { Server } from '../server/server.ts';
import { LogStore } from './log-store.ts';
import { Tier, type TierPolicy, type TierSettings } from './tier.ts';

/** How long the gate's check may demote before the command runs; the rest goes on in a loop. */
const GATE_BUDGET_US = 500;
/** ... and each turn of that loop. */
const LOOP_BUDGET_US = 2000;

export class Tiering {
  /** The cold tier, opened at the first need once tiering-enabled is yes. */
  tier: Tier | null = null;
  /** Why the cold tier could not open (tiering-dir unusable), or null; retried after a config change. */
  openError: string | null = null;
  private enabled = false;
  private settings: TierSettings;
  private looping = false;
  /** The gate's demotion check runs only while tiering is enabled with a memory budget. */
  private readonly switchGateCheck: (active: boolean) => void;

  constructor(private readonly server: Server) {
    const { config } = server;
    this.settings = this.read();
    this.switchGateCheck = server.switchableCheck(() => {
      if (this.overBudget()) {
        const tier = this.open();
        if (tier !== null && tier.relieve(GATE_BUDGET_US)) this.startLoop();
      }
      return null;
    });
    this.apply();
    config.onChange((name) => {
      if (name.startsWith('tiering-') || name.startsWith('hash-max') || name.startsWith('zset-max') || name.startsWith('set-max') || name.startsWith('list-max')) this.apply();
    });
  }

  /**
   * The cold tier, opening its directory if need be: not while settings are applied one by
   * one at start-up (tiering-dir may come after tiering-enabled, and is relative to `dir`,
   * which the server enters after reading them). Null while tiering is off or cannot open.
   */
  open(): Tier | null {
    if (this.tier !== null || !this.enabled || this.openError !== null) return this.tier;
    const { config, keyspace, log } = this.server;
    const dir = this.dir();
    try {
      this.tier = new Tier(keyspace, new LogStore(dir), this.settings, limitsFrom(config), (message) => log.warning(message));
    } catch (error) {
      this.openError = (error as Error).message;
      log.warning(`Tiering: cannot use ${dir}: ${this.openError}; tiering stays off`);
      return null;
    }
    keyspace.cold = this.tier;
    return this.tier;
  }

  /** The background share: archiving untouched values, compacting the segment files, catching up on the budget. */
  cron(): void {
    const tier = this.settings.archiveAfter !== 0 ? this.open() : this.tier;
    if (tier === null) return;
    tier.archive();
    tier.compact();
    if (tier.overBudget && tier.relieve(LOOP_BUDGET_US)) this.startLoop();
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  private overBudget(): boolean {
    const budget = this.settings.budget;
    return this.enabled && budget !== 0 && this.server.keyspace.usedBytes > budget;
  }

  private read(): TierSettings {
    const { config } = this.server;
    return {
      budget: config.number('tiering-max-memory'),
      minValueSize: config.number('tiering-min-value-size'),
      policy: config.get('tiering-policy') as TierPolicy,
      maxDisk: config.number('tiering-max-disk'),
      archiveAfter: config.number('tiering-archive-after'),
    };
  }

  private dir(): string {
    return resolve(this.server.config.get('dir'), this.server.config.get('tiering-dir'));
  }

  private apply(): void {
    const { config } = this.server;
    this.settings = this.read();
    this.enabled = config.bool('tiering-enabled');
    this.switchGateCheck(this.enabled && this.settings.budget !== 0);
    this.openError = null;
    const tier = this.tier;
    if (tier === null) return;
    if (!this.enabled || tier.store.dir !== this.dir()) {
      this.stop(tier);
      return;
    }
    tier.settings = this.settings;
    tier.limits = limitsFrom(config);
    // A changed setting is the operator's answer to what stopped demotion: try again.
    tier.stopped = null;
  }

  /** Closes the cold tier: every cold value comes back to memory first, then the files go. */
  private stop(tier: Tier): void {
    for (const db of this.server.keyspace.dbs) {
      if (db.coldCount === 0) continue;
      db.walk(0, Number.MAX_SAFE_INTEGER, (id) => {
        if (db.isCold(id)) tier.promote(db, id);
      });
    }
    this.server.keyspace.cold = null;
    tier.store.close();
    this.tier = null;
  }

  private startLoop(): void {
    if (this.looping) return;
    this.looping = true;
    setImmediate(this.loopStep);
  }

  private readonly loopStep = (): void => {
    const tier = this.tier;
    const more = tier !== null && tier.overBudget && tier.relieve(LOOP_BUDGET_US);
    if (more) setImmediate(this.loopStep);
    else this.looping = false;
  };
}

/** INFO tiering: where the dataset lives and what moving it between memory and disk cost. */
export function tieringInfoFields(server: Server): [string, string | number][] {
  const { tiering, keyspace } = server;
  const tier = tiering.tier;
  let cold = 0;
  for (const db of keyspace.dbs) cold += db.coldCount;
  const stats = tier?.stats;
  return [
    ['tiering_enabled', tiering.isEnabled ? 1 : 0],
    ['tiering_hot_keys', keyspace.keyCount - cold],
    ['tiering_cold_keys', cold],
    ['tiering_hot_bytes', keyspace.usedBytes],
    ['tiering_cold_bytes', tier?.store.liveBytes ?? 0],
    ['tiering_disk_bytes', tier?.store.fileBytes ?? 0],
    ['tiering_max_memory', server.config.number('tiering-max-memory')],
    ['tiering_promotions', stats?.promotions ?? 0],
    ['tiering_demotions', stats?.demotions ?? 0],
    ['tiering_archived', stats?.archived ?? 0],
    ['tiering_disk_reads', stats?.diskReads ?? 0],
    ['tiering_disk_read_bytes', stats?.diskReadBytes ?? 0],
    ['tiering_disk_writes', stats?.diskWrites ?? 0],
    ['tiering_disk_write_bytes', stats?.diskWriteBytes ?? 0],
    ['tiering_compactions', stats?.compactions ?? 0],
    ['tiering_errors', stats?.errors ?? 0],
    ['tiering_demotion_stopped', tier?.stopped === null || tier === null ? 0 : 1],
    ['tiering_last_error', tier?.stopped ?? tiering.openError ?? ''],
  ];
}
