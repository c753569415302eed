// Server administration: INFO, CONFIG, CLIENT, COMMAND, DEBUG (each in ./server/), and the
// small ones here: TIME, LASTSAVE, SHUTDOWN, MEMORY.

import { CommandError, NO_SHUTDOWN_IN_PROGRESS, NOT_INTEGER, SHUTDOWN_FAILED, SYNTAX } from '../errors.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import { clientCommands } from './server/client.ts';
import { commandCommands } from './server/command.ts';
import { configCommands } from './server/config.ts';
import { debugCommands } from './server/debug.ts';
import { helpReply } from './server/help.ts';
import { infoCommands, memoryFacts } from './server/info.ts';
import { requestShutdown } from '../server/shutdown.ts';

const SHUTDOWN_OPTIONS = new Set(['nosave', 'save', 'now', 'force', 'abort']);

/**
 * SHUTDOWN closes the listeners and every connection; the CLI process then exits because
 * nothing keeps it alive, while an embedding process carries on. It saves first when told to
 * or when save points are configured (unless NOSAVE); a failed save keeps the server up unless
 * FORCE.
 */
function shutdown({ argv, client, server }: CommandContext): void {
  const options = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i]!.toString().toLowerCase();
    if (!SHUTDOWN_OPTIONS.has(option)) throw new CommandError(SYNTAX);
    options.add(option);
  }
  if ((options.has('abort') && options.size > 1) || (options.has('save') && options.has('nosave'))) {
    throw new CommandError(SYNTAX);
  }
  // Shutdown is immediate (no replicas to wait for), so there is never one to abort.
  if (options.has('abort')) throw new CommandError(NO_SHUTDOWN_IN_PROGRESS);
  if (server.shutdown === null) throw new CommandError(SHUTDOWN_FAILED);
  if (!requestShutdown(server, options)) throw new CommandError(SHUTDOWN_FAILED);
  // The caller gets no reply: its connection closes with the rest.
  client.killed = true;
}

/**
 * MEMORY USAGE from the key's running size, O(1). Redis samples a collection's elements
 * (SAMPLES, default 5) because it has to walk them to size it; Mnemo's sizes are kept as
 * values change, exact, so SAMPLES is checked and has nothing left to change.
 */
function memoryUsage({ argv, db, w }: CommandContext): void {
  if (argv.length !== 3) {
    if (argv.length !== 5 || argv[3]!.toString().toLowerCase() !== 'samples') throw new CommandError(SYNTAX);
    if (parseSafeInt(argv[4]!) === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  }
  const id = db.find(argv[2]!);
  if (id < 0) return w.null();
  w.int(db.memoryUsage(id));
}

/**
 * MEMORY STATS in Redis's shape, from the keyspace's running totals: allocated is what the
 * keyspace holds (dataset + overhead, as used_memory), with the process's own figures (JS
 * heap, RSS) beside it. Allocator and per-client figures Mnemo does not track are left out
 * rather than invented.
 */
function memoryStats({ server, keyspace, w }: CommandContext): void {
  const m = memoryFacts(server);
  const keys = keyspace.keyCount;
  const dbs = keyspace.dbs.map((db, i) => [i, db] as const).filter(([, db]) => db.size > 0);
  const net = m.used - m.startup;
  const ints: [string, number][] = [
    ['peak.allocated', m.peak],
    ['total.allocated', m.used],
    ['startup.allocated', m.startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['cluster.links', 0],
    ['aof.buffer', 0],
  ];
  w.map(ints.length + dbs.length + 9);
  for (const [name, value] of ints) {
    w.bulkString(name);
    w.int(value);
  }
  for (const [i, db] of dbs) {
    const expires = db.expiresOverheadBytes;
    w.bulkString(`db.${i}`);
    w.map(2);
    w.bulkString('overhead.hashtable.main');
    w.int(db.overheadBytes - expires);
    w.bulkString('overhead.hashtable.expires');
    w.int(expires);
  }
  w.bulkString('overhead.total');
  w.int(m.overhead);
  w.bulkString('keys.count');
  w.int(keys);
  w.bulkString('keys.bytes-per-key');
  w.int(keys === 0 ? 0 : Math.floor(net / keys));
  w.bulkString('dataset.bytes');
  w.int(m.dataset);
  w.bulkString('dataset.percentage');
  w.double(net <= 0 ? 0 : (m.dataset * 100) / net);
  w.bulkString('peak.percentage');
  w.double(m.peak === 0 ? 0 : (m.used * 100) / m.peak);
  w.bulkString('js.heap.used');
  w.int(m.heap);
  w.bulkString('fragmentation');
  w.double(m.used === 0 ? 0 : m.rss / m.used);
  w.bulkString('fragmentation.bytes');
  w.int(m.rss - m.used);
}

const DOCTOR_EMPTY_BYTES = 5 * 1024 * 1024;
// Redis's wording, so that tools that read the report find what they expect.
const DOCTOR_FINE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_ISSUES = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
const DOCTOR_BIG_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_HIGH_RSS =
  ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "mnemo".\n\n';
const DOCTOR_SIGN_OFF = "I'm here to keep you safe, Sam. I want to help you.\n";
const DOCTOR_FRAGMENTATION_BYTES = 10 * 1024 * 1024;

/**
 * MEMORY DOCTOR: Redis's report (getMemoryDoctorReport) from the figures Mnemo has: an almost
 * empty instance, a past peak well above what is used now, and RSS well above what the
 * keyspace holds. The allocator-level checks (jemalloc fragmentation and RSS), client buffers
 * and script cache have no counterpart here and never report.
 */
function memoryDoctor({ server, w }: CommandContext): void {
  const m = memoryFacts(server);
  if (m.used < DOCTOR_EMPTY_BYTES) return w.verbatim(DOCTOR_EMPTY);
  const issues: string[] = [];
  if (m.peak / m.used > 1.5) issues.push(DOCTOR_BIG_PEAK);
  if (m.rss / m.used > 1.4 && m.rss - m.used > DOCTOR_FRAGMENTATION_BYTES) issues.push(DOCTOR_HIGH_RSS);
  if (issues.length === 0) return w.verbatim(DOCTOR_FINE);
  w.verbatim(`${DOCTOR_ISSUES}${issues.join('')}${DOCTOR_SIGN_OFF}`);
}

/** MEMORY MALLOC-STATS: what Mnemo's own allocators hold (Redis prints jemalloc's report). */
function mallocStats({ server, w }: CommandContext): void {
  const m = memoryFacts(server);
  w.verbatim(
    [
      '___ Mnemo allocator statistics ___',
      `arena.used: ${m.arenaUsed}`,
      `arena.reserved: ${m.arenaReserved}`,
      `keyspace.dataset: ${m.dataset}`,
      `keyspace.overhead: ${m.overhead}`,
      `js.heap.used: ${m.heap}`,
      `rss: ${m.rss}`,
      '',
    ].join('\n'),
  );
}

export const serverCommands: CommandSpec[] = [
  ...infoCommands,
  ...configCommands,
  ...clientCommands,
  ...commandCommands,
  ...debugCommands,
  {
    name: 'time',
    handler: ({ keyspace, w }) => {
      const ms = keyspace.clock.now();
      w.array(2);
      w.bulkInt(Math.floor(ms / 1000));
      w.bulkInt((ms % 1000) * 1000);
    },
  },
  {
    name: 'lastsave',
    handler: ({ server, w }) => w.int(server.persistence.lastSave),
  },
  {
    name: 'shutdown',
    handler: shutdown,
  },
  {
    name: 'memory',
    subcommands: [
      {
        name: 'memory|usage',
        handler: memoryUsage,
      },
      {
        name: 'memory|stats',
        handler: memoryStats,
      },
      {
        name: 'memory|purge',
        // The nearest thing to an allocator purge: a full GC, when node runs with --expose-gc.
        handler: ({ w }) => {
          (globalThis as { gc?: () => void }).gc?.();
          w.ok();
        },
      },
      {
        name: 'memory|doctor',
        handler: memoryDoctor,
      },
      {
        name: 'memory|malloc-stats',
        handler: mallocStats,
      },
      {
        name: 'memory|help',
        handler: ({ w }) =>
          helpReply(w, 'MEMORY', [
            'DOCTOR',
            '    Return memory problems reports.',
            'MALLOC-STATS',
            '    Return internal statistics report from the memory allocator.',
            'PURGE',
            '    Attempt to purge dirty pages for reclamation by the allocator.',
            'STATS',
            '    Return information about the memory usage of the server.',
            'USAGE <key> [SAMPLES <count>]',
            '    Return memory in bytes used by <key> and its value. Nested values are',
            '    sampled up to <count> times (default: 5, 0 means sample all).',
          ]),
      },
    ],
  },
];
