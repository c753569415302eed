// What the gate reports after each command: the slow log, the latency monitor and MONITOR
// clients. The gate pays one comparison per command while no command is slow
// (`slowUsec` is the lower of the two thresholds) and one size test while nobody monitors.

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Flag, type CommandStats, type RegisteredCommand } from '../commands/registry.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { LatencyMonitor } from './latency.ts';
import { Slowlog } from './slowlog.ts';
import { monitorLine } from './monitor.ts';

const REDACTED = Buffer.from('(redacted)');

/** Commands that run a script: MONITOR shows them before their inner commands, as Redis does. */
const SCRIPT_RUNNERS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** argv with its secrets replaced, as Redis's redactClientCommandArgument leaves it. */
export function redactedArgv(cmd: RegisteredCommand, argv: readonly Buffer[]): readonly Buffer[] {
  const name = cmd.spec.name;
  if (name === 'auth') return argv.map((arg, i) => (i === 0 ? arg : REDACTED));
  if (name === 'hello' || name === 'migrate') {
    let out: Buffer[] | null = null;
    for (let i = 1; i < argv.length; i++) {
      const word = argv[i]!.toString('latin1').toLowerCase();
      const secrets = word === 'auth' ? (name === 'hello' ? 2 : 1) : word === 'auth2' ? 2 : 0;
      if (secrets === 0) continue;
      out ??= [...argv];
      for (let j = 1; j <= secrets && i + j < argv.length; j++) out[i + j] = REDACTED;
      i += secrets;
    }
    return out ?? argv;
  }
  return argv;
}

export class Observability {
  readonly slowlog = new Slowlog();
  readonly latency: LatencyMonitor;
  readonly monitors = new Set<Client>();
  /** Commands at least this long (µs) are looked at; Infinity while both logs are off. */
  slowUsec = Infinity;
  /** latency-tracking: every command's duration goes into its histogram. */
  tracking = true;
  private slowlogUsec = Infinity;
  private latencyMs = 0;
  private slowlogMaxLen = 128;

  constructor(private readonly server: Server) {
    this.latency = new LatencyMonitor(() => Math.floor(server.keyspace.clock.now() / 1000));
    const apply = () => {
      const config = server.config;
      const slower = config.number('slowlog-log-slower-than');
      this.slowlogUsec = slower < 0 ? Infinity : slower;
      this.slowlogMaxLen = config.number('slowlog-max-len');
      this.latencyMs = config.number('latency-monitor-threshold');
      this.tracking = config.bool('latency-tracking');
      this.slowUsec = Math.min(this.slowlogUsec, this.latencyMs > 0 ? this.latencyMs * 1000 : Infinity);
    };
    apply();
    server.config.onChange((name) => {
      if (name === 'slowlog-log-slower-than' || name === 'slowlog-max-len' || name === 'latency-monitor-threshold' || name === 'latency-tracking') apply();
    });
  }

  /** The gate's slow path: a command took at least slowUsec. */
  slowCommand(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[], usec: number): void {
    // A command that blocked is logged when it is served, as Redis logs it on unblocking;
    // EXEC is not (its commands are), nor are commands that carry secrets.
    if (client.blocked !== null) return;
    const duration = Math.floor(usec);
    const ms = Math.floor(duration / 1000);
    if (this.latencyMs > 0 && ms >= this.latencyMs) this.latency.addSample(cmd.has(Flag.Fast) ? 'fast-command' : 'command', ms);
    if (duration < this.slowlogUsec || cmd.has(Flag.SkipSlowlog)) return;
    const script = this.isScriptClient(client);
    this.slowlog.push(
      redactedArgv(cmd, argv),
      duration,
      Math.floor(this.server.keyspace.clock.now() / 1000),
      script ? '?:0' : peerId(client),
      script ? '' : client.name,
      this.slowlogMaxLen,
    );
  }

  /** latency-tracking: counts `usec` in its power-of-two bucket of the command's histogram. */
  track(stats: CommandStats, usec: number): void {
    const histogram = (stats.histogram ??= new Uint32Array(HISTOGRAM_BUCKETS));
    histogram[histogramBucket(usec)]!++;
  }

  /** Records an event of the latency monitor (persistence, expiry, ...) if it took long enough. */
  event(name: string, ms: number): void {
    if (this.latencyMs > 0 && ms >= this.latencyMs) this.latency.addSample(name, Math.floor(ms));
  }

  /** MONITOR: shows `argv` (run by `client`) to every monitoring client. */
  feedMonitors(client: Client, cmd: RegisteredCommand, argv: readonly Buffer[]): void {
    const origin = this.isScriptClient(client) ? 'lua' : client.addr.startsWith('/') ? `unix:${client.addr}` : peerId(client);
    const line = monitorLine(performance.timeOrigin + performance.now(), client.db, origin, redactedArgv(cmd, argv));
    for (const monitor of this.monitors) {
      monitor.w.simple(line);
      if (monitor !== client) monitor.wake();
    }
  }

  /** Whether the gate shows `cmd` to monitors once it has run (scripts show themselves first). */
  static monitoredAfter(cmd: RegisteredCommand): boolean {
    return !cmd.has(Flag.SkipMonitor | Flag.Admin);
  }

  static monitoredBefore(cmd: RegisteredCommand): boolean {
    return SCRIPT_RUNNERS.has(cmd.spec.name);
  }

  private isScriptClient(client: Client): boolean {
    const caller = this.server.scriptCaller;
    return caller !== null && client !== caller;
  }
}

/**
 * Bucket k holds durations up to 2^k µs, as the buckets LATENCY HISTOGRAM reports from Redis's
 * HDR histogram (1024 ns units, doubling); the last one holds everything longer.
 */
export const HISTOGRAM_BUCKETS = 31;

export function histogramBucket(usec: number): number {
  const units = Math.ceil((Math.floor(usec) * 1000) / 1024);
  return units <= 1 ? 0 : Math.min(HISTOGRAM_BUCKETS - 1, 32 - Math.clz32(units - 1));
}

/** The bound Redis reports for bucket k: the highest value its HDR histogram (2 significant digits) counts there, in µs. */
export function histogramBucketBound(k: number): number {
  return Math.floor((2 ** (10 + k) + 2 ** (3 + k) - 1) / 1000);
}

/**
 * The bound of the bucket that holds the `percentile`th duration, in µs. Coarser than Redis's
 * HDR histogram (two significant digits): the answer is a power-of-two bucket's bound.
 */
export function percentileUsec(histogram: Uint32Array, percentile: number): number {
  let total = 0;
  for (const count of histogram) total += count;
  const wanted = Math.max(1, Math.ceil((percentile / 100) * total));
  let cumulative = 0;
  for (let k = 0; k < histogram.length; k++) {
    cumulative += histogram[k]!;
    if (cumulative >= wanted) return histogramBucketBound(k);
  }
  return histogramBucketBound(histogram.length - 1);
}

/** INFO latencystats: per command, the percentiles latency-tracking-info-percentiles names. */
export function latencyStatsFields(server: Server, commands: readonly RegisteredCommand[]): [string, string][] {
  const percentiles = server.config.get('latency-tracking-info-percentiles').split(' ').filter((word) => word !== '');
  const fields: [string, string][] = [];
  for (const cmd of commands) {
    const histogram = cmd.stats.histogram;
    if (histogram === undefined) continue;
    const values = percentiles.map((p) => `p${p}=${percentileUsec(histogram, Number(p)).toFixed(3)}`);
    fields.push([`latency_percentiles_usec_${cmd.fullName}`, values.join(',')]);
  }
  return fields;
}

function peerId(client: Client): string {
  return client.addr === '' ? '?:0' : client.addr;
}
