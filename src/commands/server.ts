// Server administration: INFO, CONFIG, CLIENT, COMMAND, DEBUG (each in ./server/), and the
// small ones here: TIME, LASTSAVE, SHUTDOWN, MEMORY.

import { CommandError, NOT_INTEGER, SYNTAX } from '../errors.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import { clientCommands } from './server/client.ts';
import { commandCommands } from './server/command.ts';
import { configCommands } from './server/config.ts';
import { debugCommands } from './server/debug.ts';
import { helpReply } from './server/help.ts';
import { infoCommands, memoryFacts } from './server/info.ts';
import { adminState } from './server/state.ts';
import { requestShutdown, shutdownSaves } from '../server/shutdown.ts';

const group = 'server';
const SHUTDOWN_OPTIONS = new Set(['nosave', 'save', 'now', 'force', 'abort']);

/**
 * SHUTDOWN closes the listeners and every connection; the CLI process then exits because
 * nothing keeps it alive, while an embedding process carries on. There is no persistence
 * engine yet, so SAVE (explicit or implied by save points) has nothing to write.
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
  if (options.has('abort')) throw new CommandError('ERR No shutdown in progress.');
  if (server.shutdown === null) throw new CommandError('ERR Errors trying to SHUTDOWN. Check logs.');
  // The caller gets no reply: its connection closes with the rest.
  client.killed = true;
  void requestShutdown(server, shutdownSaves(server, options));
}

function memoryUsage({ argv, db, w }: CommandContext): void {
  if (argv.length !== 3) {
    if (argv.length !== 5 || argv[3]!.toString().toLowerCase() !== 'samples') throw new CommandError(SYNTAX);
    // Mnemo's sizes are exact, so the sample count only needs to be valid.
    if (parseSafeInt(argv[4]!) === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
  }
  const id = db.find(argv[2]!);
  if (id < 0) return w.null();
  w.int(db.memoryUsage(id));
}

/**
 * MEMORY STATS in Redis's shape, with the figures Mnemo has: the process (JS heap plus the
 * engine's off-heap buffers), the engine's own structures, and the stored data. Allocator
 * and per-client figures Mnemo does not track are left out rather than invented.
 */
function memoryStats({ server, keyspace, w }: CommandContext): void {
  const m = memoryFacts(server);
  const peak = adminState(server).peakMemory;
  const keys = keyspace.keyCount;
  const dbs = keyspace.dbs.map((db, i) => [i, db] as const).filter(([, db]) => db.size > 0);
  const ints: [string, number][] = [
    ['peak.allocated', peak],
    ['total.allocated', m.used],
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
    w.bulkString(`db.${i}`);
    w.map(1);
    w.bulkString('overhead.hashtable.main');
    w.int(db.overheadBytes());
  }
  w.bulkString('overhead.total');
  w.int(m.overhead);
  w.bulkString('keys.count');
  w.int(keys);
  w.bulkString('keys.bytes-per-key');
  w.int(keys === 0 ? 0 : Math.floor((m.overhead + m.dataset) / keys));
  w.bulkString('dataset.bytes');
  w.int(m.dataset);
  w.bulkString('dataset.percentage');
  w.double(m.overhead + m.dataset === 0 ? 0 : (m.dataset * 100) / (m.overhead + m.dataset));
  w.bulkString('peak.percentage');
  w.double(peak === 0 ? 0 : (m.used * 100) / peak);
  w.bulkString('js.heap.used');
  w.int(m.heap);
  w.bulkString('fragmentation');
  w.double(m.used === 0 ? 0 : m.rss / m.used);
  w.bulkString('fragmentation.bytes');
  w.int(m.rss - m.used);
}

export const serverCommands: CommandSpec[] = [
  ...infoCommands,
  ...configCommands,
  ...clientCommands,
  ...commandCommands,
  ...debugCommands,
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['fast'],
    summary: 'Return the current server time',
    since: '2.6.0',
    group,
    complexity: 'O(1)',
    handler: ({ keyspace, w }) => {
      const ms = keyspace.clock.now();
      w.array(2);
      w.bulkInt(Math.floor(ms / 1000));
      w.bulkInt((ms % 1000) * 1000);
    },
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['admin', 'fast', 'dangerous'],
    summary: 'Get the UNIX time stamp of the last successful save to disk',
    since: '1.0.0',
    group,
    complexity: 'O(1)',
    // Nothing has been saved since start, which is what Redis reports before its first save.
    handler: ({ server, w }) => w.int(Math.floor(server.stats.startedAt / 1000)),
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    acl: ['admin', 'slow', 'dangerous'],
    summary: 'Synchronously save the dataset to disk and then shut down the server',
    since: '1.0.0',
    group,
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    handler: shutdown,
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    acl: ['slow'],
    summary: 'A container for memory diagnostics commands',
    since: '4.0.0',
    group,
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'memory|usage',
        arity: -3,
        flags: ['readonly'],
        acl: ['read', 'slow'],
        keys: { first: 2, last: 2, step: 1 },
        summary: 'Estimate the memory usage of a key',
        since: '4.0.0',
        group,
        complexity: 'O(N) where N is the number of samples.',
        handler: memoryUsage,
      },
      {
        name: 'memory|stats',
        arity: 2,
        flags: [],
        acl: ['slow'],
        summary: 'Show memory usage details',
        since: '4.0.0',
        group,
        complexity: 'O(1)',
        handler: memoryStats,
      },
      {
        name: 'memory|purge',
        arity: 2,
        flags: [],
        acl: ['slow'],
        summary: 'Ask the allocator to release memory',
        since: '4.0.0',
        group,
        complexity: 'Depends on how much memory is allocated, could be slow',
        // The nearest thing to an allocator purge: a full GC, when node runs with --expose-gc.
        handler: ({ w }) => {
          (globalThis as { gc?: () => void }).gc?.();
          w.ok();
        },
      },
      {
        name: 'memory|help',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['slow'],
        summary: 'Show helpful text about the different subcommands',
        since: '4.0.0',
        group,
        complexity: 'O(1)',
        handler: ({ w }) =>
          helpReply(w, 'MEMORY', [
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
