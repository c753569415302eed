// Per-server facts the admin commands keep between calls: identifiers and rates.

import { randomBytes } from 'node:crypto';
import type { Server } from '../../server/server.ts';

/** Redis's STATS_METRIC_SAMPLES: instantaneous figures average this many cron samples. */
const METRIC_SAMPLES = 16;

/** A per-second rate sampled each cron (Redis's trackInstantaneousMetric). */
export class InstantaneousMetric {
  private readonly samples = new Float64Array(METRIC_SAMPLES);
  private index = 0;
  private lastTime = -1;
  private lastReading = 0;

  sample(now: number, reading: number): void {
    if (this.lastTime >= 0 && now > this.lastTime) {
      this.samples[this.index] = ((reading - this.lastReading) * 1000) / (now - this.lastTime);
      this.index = (this.index + 1) % METRIC_SAMPLES;
    }
    this.lastTime = now;
    this.lastReading = reading;
  }

  get perSecond(): number {
    let sum = 0;
    for (const value of this.samples) sum += value;
    return sum / METRIC_SAMPLES;
  }
}

export interface AdminState {
  /** INFO run_id: random per server start. */
  readonly runId: string;
  /** INFO master_replid; DEBUG CHANGE-REPL-ID replaces it. */
  replId: string;
  readonly ops: InstantaneousMetric;
  readonly netInput: InstantaneousMetric;
  readonly netOutput: InstantaneousMetric;
}

const states = new WeakMap<Server, AdminState>();

export function adminState(server: Server): AdminState {
  let state = states.get(server);
  if (state === undefined) {
    const created: AdminState = {
      runId: randomHex(),
      replId: randomHex(),
      ops: new InstantaneousMetric(),
      netInput: new InstantaneousMetric(),
      netOutput: new InstantaneousMetric(),
    };
    // Sampling starts with the first admin command that looks at the server (INFO and co).
    server.onCron(() => {
      const now = server.keyspace.clock.now();
      created.ops.sample(now, server.stats.commandsProcessed);
      created.netInput.sample(now, server.stats.netInputBytes);
      created.netOutput.sample(now, server.stats.netOutputBytes);
    });
    states.set(server, created);
    state = created;
  }
  return state;
}

export function randomHex(): string {
  return randomBytes(20).toString('hex');
}
