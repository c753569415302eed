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
        name: 'memory|help',
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
