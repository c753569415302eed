// Instantaneous rates (INFO instantaneous_ops_per_sec and co) and random identifiers.

import { randomBytes } from 'node:crypto';

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

/** 40 random hex digits: a run id or a replication id. */
export function randomHex(): string {
  return randomBytes(20).toString('hex');
}
