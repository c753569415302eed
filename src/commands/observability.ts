// SLOWLOG, LATENCY and MONITOR. What they report is gathered by src/observability/, fed by
// the gate.

import { CommandError, LATENCY_NO_SAMPLES, MONITOR_DENY_BLOCKING, SLOWLOG_COUNT_RANGE, unknownSubcommandOrArity } from '../errors.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import { Buffer } from 'node:buffer';
import type { RegisteredCommand } from './registry.ts';
import { helpReply } from './server/help.ts';
import { everyCommand } from './server/info.ts';
import { histogramBucketBound } from '../observability/observability.ts';
import { latencyGraph } from '../observability/latency.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const NO_SPIKES =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const MONITOR_DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';

function slowlogGet({ argv, server, w }: CommandContext): void {
  if (argv.length > 3) throw new CommandError(unknownSubcommandOrArity(argv[1]!.toString('latin1'), 'SLOWLOG'));
  const entries = server.observability.slowlog.entries;
  let count = 10;
  if (argv.length === 3) {
    const given = parseSafeInt(argv[2]!);
    if (given === NOT_A_NUMBER || given < -1) throw new CommandError(SLOWLOG_COUNT_RANGE);
    count = given === -1 ? entries.length : given;
  }
  const shown = Math.min(count, entries.length);
  w.array(shown);
  for (let i = 0; i < shown; i++) {
    const entry = entries[i]!;
    w.array(6);
    w.int(entry.id);
    w.int(entry.time);
    w.int(entry.usec);
    w.array(entry.argv.length);
    for (const arg of entry.argv) w.bulk(arg);
    w.bulkString(entry.peer);
    w.bulkString(entry.name);
  }
}

function latencyDoctor({ server, w }: CommandContext): void {
  const events = server.observability.latency.events;
  if (server.config.number('latency-monitor-threshold') === 0 && events.size === 0) return w.verbatim(MONITOR_DISABLED);
  if (events.size === 0) return w.verbatim(NO_SPIKES);
  const lines = ['Dave, I have observed latency spikes in this Redis instance. You don\'t mind talking about it, do you Dave?', ''];
  let index = 1;
  for (const [name, series] of events) {
    const samples = series.samples;
    const average = Math.round(samples.reduce((sum, sample) => sum + sample.ms, 0) / samples.length);
    lines.push(`${index++}. ${name}: ${samples.length} latency spikes (average ${average}ms, worst ${series.max}ms).`);
  }
  lines.push('', 'I have no advice for these events: check slowlog-log-slower-than with SLOWLOG GET for the commands involved.', '');
  w.verbatim(lines.join('\n'));
}

/** Each command's calls and cumulative counts by bucket upper bound (µs), non-empty buckets only. */
function latencyHistogram({ argv, server, w }: CommandContext): void {
  const named = argv.length > 2 ? argv.slice(2).map((arg) => server.resolve(arg.toString('latin1').split('|').map((part) => Buffer.from(part)))) : everyCommand(server);
  const shown = new Set<RegisteredCommand>();
  for (const cmd of named) if (cmd !== undefined && cmd.stats.histogram !== undefined) shown.add(cmd);
  w.map(shown.size);
  for (const cmd of shown) {
    const histogram = cmd.stats.histogram!;
    let calls = 0;
    let buckets = 0;
    for (const count of histogram) if (count > 0) buckets++;
    for (const count of histogram) calls += count;
    w.bulkString(cmd.fullName);
    w.map(2);
    w.bulkString('calls');
    w.int(calls);
    w.bulkString('histogram_usec');
    w.map(buckets);
    let cumulative = 0;
    for (let k = 0; k < histogram.length; k++) {
      if (histogram[k] === 0) continue;
      cumulative += histogram[k]!;
      w.int(histogramBucketBound(k));
      w.int(cumulative);
    }
  }
}

export const observabilityCommands: CommandSpec[] = [
  {
    name: 'slowlog',
    subcommands: [
      { name: 'slowlog|get', handler: slowlogGet },
      { name: 'slowlog|len', handler: ({ server, w }) => w.int(server.observability.slowlog.entries.length) },
      {
        name: 'slowlog|reset',
        handler: ({ server, w }) => {
          server.observability.slowlog.reset();
          w.ok();
        },
      },
      { name: 'slowlog|help', handler: ({ w }) => helpReply(w, 'SLOWLOG', SLOWLOG_HELP) },
    ],
  },
  {
    name: 'latency',
    subcommands: [
      {
        name: 'latency|latest',
        handler: ({ server, w }) => {
          const events = server.observability.latency.events;
          w.array(events.size);
          for (const [name, series] of events) {
            const latest = series.latest;
            w.array(4);
            w.bulkString(name);
            w.int(latest.time);
            w.int(latest.ms);
            w.int(series.max);
          }
        },
      },
      {
        name: 'latency|history',
        handler: ({ argv, server, w }) => {
          const series = server.observability.latency.events.get(argv[2]!.toString('latin1'));
          const samples = series?.samples ?? [];
          w.array(samples.length);
          for (const sample of samples) {
            w.array(2);
            w.int(sample.time);
            w.int(sample.ms);
          }
        },
      },
      {
        name: 'latency|reset',
        handler: ({ argv, server, w }) => w.int(server.observability.latency.reset(argv.slice(2).map((arg) => arg.toString('latin1')))),
      },
      {
        name: 'latency|graph',
        handler: ({ argv, server, w }) => {
          const name = argv[2]!.toString('latin1');
          const series = server.observability.latency.events.get(name);
          if (series === undefined) throw new CommandError(LATENCY_NO_SAMPLES(name));
          w.verbatim(latencyGraph(name, series, Math.floor(server.keyspace.clock.now() / 1000)));
        },
      },
      { name: 'latency|doctor', handler: latencyDoctor },
      { name: 'latency|histogram', handler: latencyHistogram },
      { name: 'latency|help', handler: ({ w }) => helpReply(w, 'LATENCY', LATENCY_HELP) },
    ],
  },
  {
    name: 'monitor',
    handler: ({ client, server, w }) => {
      // A client that must get one reply per command (a script's, MULTI's) cannot monitor.
      if (server.denyBlocking) throw new CommandError(MONITOR_DENY_BLOCKING);
      server.observability.monitors.add(client);
      w.ok();
    },
  },
];
