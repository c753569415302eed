// Connection-level differential scenarios: several connections to Mnemo and to a real
// redis-server 7.0.15 take the same steps, and after every step each connection must have
// received the same bytes from both servers — replies, pub/sub messages, RESP3 pushes,
// keyspace notifications, client-side-caching invalidations, in the same order.
//
// What a connection received is read until it has been quiet for a while after the step.
// `{id:N}` in an argument is connection N's client id on the server at hand.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection, encodeCommand, escapeBytes } from '../helpers/wire.ts';

/** One step: which connection sends, and what. */
type Step = [connection: number, ...args: (string | Buffer)[]];

interface ConnectionScenario {
  name: string;
  connections: number;
  steps: Step[];
}

/**
 * How long a connection must stay silent for a step's output to be complete. (A PING barrier
 * cannot work: inside MULTI it is queued, and in RESP2 subscribed mode it answers differently.)
 */
const QUIET_MS = 100;

const SCENARIOS: ConnectionScenario[] = [
  {
    name: 'RESP2 channel, pattern and shard subscribers of a publisher',
    connections: 3,
    steps: [
      [0, 'SUBSCRIBE', 'news', 'sport'],
      [1, 'PSUBSCRIBE', 'n*', 's[a-p]*'],
      [2, 'PUBLISH', 'news', 'hello'],
      [2, 'PUBLISH', 'sport', Buffer.from([0, 0xff, 13, 10])],
      [2, 'PUBLISH', 'nothing', ''],
      [0, 'UNSUBSCRIBE', 'news'],
      [2, 'PUBLISH', 'news', 'again'],
      [1, 'SSUBSCRIBE', 'news'],
      [2, 'SPUBLISH', 'news', 'sharded'],
      [2, 'PUBSUB', 'NUMSUB', 'news', 'sport'],
      [2, 'PUBSUB', 'NUMPAT'],
      [2, 'PUBSUB', 'SHARDNUMSUB', 'news'],
      [1, 'PUNSUBSCRIBE', 'n*'],
      [2, 'PUBLISH', 'news', 'last'],
      [1, 'GET', 'k'],
      [0, 'QUIT'],
      [2, 'PUBSUB', 'NUMSUB', 'sport'],
    ],
  },
  {
    name: 'RESP3 subscribers get pushes between the replies to their own commands',
    connections: 3,
    steps: [
      [0, 'HELLO', '3'],
      [0, 'SUBSCRIBE', 'c'],
      [1, 'SUBSCRIBE', 'c'],
      [2, 'PUBLISH', 'c', 'one'],
      [0, 'SET', 'k', 'v'],
      [0, 'PUBLISH', 'c', 'self'],
      [0, 'PSUBSCRIBE', '*'],
      [2, 'PUBLISH', 'c', 'two'],
      [0, 'MULTI'],
      [0, 'PUBLISH', 'c', 'queued'],
      [0, 'GET', 'k'],
      [0, 'EXEC'],
      [0, 'UNSUBSCRIBE'],
      [0, 'PUNSUBSCRIBE'],
      [2, 'PUBLISH', 'c', 'three'],
      [0, 'HELLO', '2'],
      [0, 'GET', 'k'],
    ],
  },
  {
    name: 'a client subscribed in RESP3 that switches to RESP2 is in subscribed mode',
    connections: 2,
    steps: [
      [0, 'HELLO', '3'],
      [0, 'SUBSCRIBE', 'c'],
      [0, 'HELLO', '2'],
      [0, 'GET', 'k'],
      [1, 'PUBLISH', 'c', 'm'],
      [0, 'RESET'],
      [1, 'PUBLISH', 'c', 'gone'],
      [0, 'GET', 'k'],
    ],
  },
  {
    name: 'keyspace notifications on __keyspace@__ and __keyevent@__ channels, as notify-keyspace-events selects',
    connections: 2,
    steps: [
      [0, 'PSUBSCRIBE', '__key*__:*'],
      [1, 'SET', 'before', 'enabled'],
      [1, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      [1, 'SET', 'k', 'v'],
      [1, 'APPEND', 'k', 'w'],
      [1, 'LPUSH', 'l', 'a', 'b'],
      [1, 'LPOP', 'l', '2'],
      [1, 'HSET', 'h', 'f', 'v'],
      [1, 'SADD', 's', 'a'],
      [1, 'ZADD', 'z', '1', 'a'],
      [1, 'INCR', 'n'],
      [1, 'RENAME', 'n', 'm'],
      [1, 'EXPIRE', 'm', '100'],
      [1, 'PERSIST', 'm'],
      [1, 'DEL', 'k', 'h', 'nosuch'],
      [1, 'MULTI'],
      [1, 'SET', 'a', '1'],
      [1, 'SET', 'b', '2'],
      [1, 'EXEC'],
      [1, 'SELECT', '3'],
      [1, 'SET', Buffer.from([0, 0xff]), 'x'],
      [1, 'CONFIG', 'SET', 'notify-keyspace-events', 'E$'],
      [1, 'SET', 'k', 'v'],
      [1, 'SADD', 'set2', 'a'],
      [1, 'CONFIG', 'SET', 'notify-keyspace-events', 'Kg'],
      [1, 'SET', 'k', 'v'],
      [1, 'DEL', 'k'],
      [1, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      [1, 'HELLO', '3'],
      [1, 'SUBSCRIBE', '__keyevent@3__:set'],
      [1, 'SET', 'mine', 'v'],
      [1, 'CONFIG', 'SET', 'notify-keyspace-events', ''],
      [1, 'SET', 'mine', 'again'],
    ],
  },
  {
    name: 'client-side caching in RESP3: invalidation pushes, OPTIN/OPTOUT, NOLOOP, flushes, TRACKINGINFO',
    connections: 3,
    steps: [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'GETREDIR'],
      [0, 'CLIENT', 'TRACKING', 'ON'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'GETREDIR'],
      [0, 'MGET', 'a', 'b'],
      [0, 'GET', 'c'],
      [1, 'SET', 'a', '1'],
      [1, 'SET', 'a', '2'],
      [0, 'GET', 'a'],
      [0, 'SET', 'a', 'mine'],
      [0, 'GET', 'b'],
      [1, 'MSET', 'b', '1', 'c', '2'],
      [0, 'GET', 'a'],
      [1, 'SELECT', '5'],
      [1, 'DEL', 'a'],
      [0, 'GET', 'a'],
      [1, 'FLUSHDB'],
      [0, 'GET', 'a'],
      [0, 'FLUSHALL'],
      [0, 'GET', 'x'],
      [0, 'MULTI'],
      [0, 'SET', 'x', '1'],
      [0, 'GET', 'x'],
      [0, 'SET', 'x', '2'],
      [0, 'EXEC'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'NOLOOP'],
      [0, 'GET', 'n'],
      [0, 'SET', 'n', '1'],
      [0, 'GET', 'n'],
      [1, 'SELECT', '0'],
      [1, 'SET', 'n', '2'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTIN'],
      [0, 'GET', 'o'],
      [1, 'SET', 'o', '1'],
      [0, 'CLIENT', 'CACHING', 'YES'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'GET', 'o'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [1, 'SET', 'o', '2'],
      [0, 'CLIENT', 'CACHING', 'NO'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTOUT'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTOUT'],
      [0, 'CLIENT', 'CACHING', 'NO'],
      [0, 'GET', 'p'],
      [0, 'GET', 'q'],
      [1, 'MSET', 'p', '1', 'q', '1'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [1, 'SET', 'q', '2'],
      [0, 'CLIENT', 'TRACKINGINFO'],
    ],
  },
  {
    name: 'CLIENT TRACKING option errors',
    connections: 1,
    steps: [
      [0, 'CLIENT', 'TRACKING', 'MAYBE'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'NOSUCH'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'PREFIX', 'a'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'x'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id:0}', 'REDIRECT', '{id:0}'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'bc'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'c'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'TRACKING', 'ON'],
      [0, 'CLIENT', 'CACHING', 'YES'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [0, 'CLIENT', 'CACHING', 'YES'],
      [0, 'CLIENT', 'CACHING', 'MAYBE'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTIN'],
      [0, 'CLIENT', 'CACHING', 'MAYBE'],
      [0, 'CLIENT', 'CACHING', 'NO'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTOUT'],
      [0, 'CLIENT', 'GETREDIR'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'OPTIN', 'REDIRECT', '{id:0}'],
      [0, 'CLIENT', 'TRACKINGINFO'],
    ],
  },
  {
    name: 'client-side caching in RESP2: invalidations redirected to a subscribed connection, broken redirection',
    connections: 3,
    steps: [
      [1, 'SUBSCRIBE', '__redis__:invalidate'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id:1}'],
      [0, 'GET', 'k'],
      [2, 'SET', 'k', 'v'],
      [0, 'GET', 'k'],
      [0, 'SET', 'k', 'mine'],
      [0, 'GET', 'k'],
      [2, 'FLUSHALL'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'REDIRECT', '{id:1}'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'job:', 'REDIRECT', '{id:1}'],
      [2, 'MSET', 'user:2', 'a', 'user:1', 'b', 'other', 'c', 'job:9', 'd'],
      [2, 'SET', 'user:1', 'again'],
      [0, 'SET', 'user:3', 'x'],
      [0, 'CLIENT', 'TRACKING', 'OFF'],
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', '{id:2}'],
      [0, 'GET', 'k'],
      [2, 'QUIT'],
      [1, 'UNSUBSCRIBE'],
      [1, 'SET', 'k', 'x'],
      [0, 'CLIENT', 'TRACKINGINFO'],
    ],
  },
  {
    name: 'BCAST in RESP3 with NOLOOP: one array per prefix, sorted, own changes left out',
    connections: 2,
    steps: [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP', 'PREFIX', 'a', 'PREFIX', 'b'],
      [1, 'MSET', 'b2', '1', 'a3', '1', 'a1', '1', 'c', '1'],
      [0, 'MSET', 'a1', '2', 'a9', '2'],
      [1, 'DEL', 'a1', 'b2'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'c'],
      [1, 'SET', 'c1', 'x'],
      [0, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a1'],
    ],
  },
  {
    name: 'WATCH of keys past their TTL: undeleted at WATCH, deleted later, alive at WATCH and expired by EXEC',
    connections: 2,
    steps: [
      [1, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      [1, 'SET', 'k', 'v', 'PX', '1'],
      [1, 'DEBUG', 'SLEEP', '0.01'],
      [0, 'WATCH', 'k'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [0, 'WATCH', 'k'],
      [1, 'GET', 'k'],
      [0, 'MULTI'],
      [0, 'EXISTS', 'k'],
      [0, 'EXEC'],
      [1, 'SET', 'k', 'v', 'PX', '1'],
      [1, 'DEBUG', 'SLEEP', '0.01'],
      [0, 'WATCH', 'k'],
      [1, 'SET', 'k', 'new'],
      [0, 'MULTI'],
      [0, 'GET', 'k'],
      [0, 'EXEC'],
      [1, 'SET', 'alive', 'v', 'PX', '50'],
      [0, 'WATCH', 'alive'],
      [1, 'DEBUG', 'SLEEP', '0.1'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [1, 'SET', 'gone', 'v', 'PX', '1'],
      [1, 'DEBUG', 'SLEEP', '0.01'],
      [0, 'WATCH', 'gone'],
      [1, 'DEL', 'gone'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
    ],
  },
  {
    name: 'FLUSHDB, FLUSHALL and SWAPDB from another connection touch watched keys as Redis 7.0 does',
    connections: 2,
    steps: [
      [1, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      [1, 'SET', 'a', '1'],
      [0, 'WATCH', 'a'],
      [1, 'FLUSHDB'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [0, 'WATCH', 'missing'],
      [1, 'FLUSHALL'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [1, 'SELECT', '1'],
      [1, 'SET', 's', 'in db 1'],
      [0, 'WATCH', 's'],
      [1, 'SWAPDB', '0', '1'],
      [0, 'MULTI'],
      [0, 'GET', 's'],
      [0, 'EXEC'],
      [1, 'FLUSHALL'],
      [1, 'SET', 'e', 'v', 'PX', '1'],
      [1, 'DEBUG', 'SLEEP', '0.01'],
      [0, 'WATCH', 'e'],
      [1, 'SWAPDB', '0', '1'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [0, 'WATCH', 'e'],
      [1, 'SWAPDB', '0', '1'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
      [1, 'SET', 'e2', 'v', 'PX', '1'],
      [1, 'DEBUG', 'SLEEP', '0.01'],
      [0, 'WATCH', 'e2'],
      [1, 'FLUSHDB'],
      [0, 'MULTI'],
      [0, 'PING'],
      [0, 'EXEC'],
    ],
  },
  {
    name: 'transactions in RESP3: aggregate replies inside EXEC, a WATCH abort as a null, queueing errors',
    connections: 2,
    steps: [
      [0, 'HELLO', '3'],
      [0, 'MULTI'],
      [0, 'HSET', 'h', 'f', 'v'],
      [0, 'HGETALL', 'h'],
      [0, 'SMEMBERS', 'nosuch'],
      [0, 'ZADD', 'z', '1.5', 'm'],
      [0, 'ZSCORE', 'z', 'm'],
      [0, 'GET', 'nosuch'],
      [0, 'EXEC'],
      [0, 'WATCH', 'h'],
      [1, 'HSET', 'h', 'f', 'w'],
      [0, 'MULTI'],
      [0, 'HGETALL', 'h'],
      [0, 'EXEC'],
      [0, 'MULTI'],
      [0, 'SET', 'x'],
      [0, 'SET', 'x', '1'],
      [0, 'EXEC'],
      [0, 'GET', 'x'],
      [0, 'MULTI'],
      [0, 'LPUSH', 'h', 'x'],
      [0, 'SET', 'y', '1'],
      [0, 'EXEC'],
      [0, 'MULTI'],
      [0, 'BLPOP', 'nolist', '0'],
      [0, 'EXEC'],
    ],
  },
];

const skip = skipWithout('redis-server');
const servers: { mnemo: RunningServer | null; reference: ReferenceServer | null } = { mnemo: null, reference: null };

after(async () => {
  await servers.mnemo?.close();
  await servers.reference?.close();
});

/** What one connection received for one step: everything until it has been quiet a while. */
async function collect(conn: WireConnection): Promise<string> {
  const replies = await conn.repliesUntilQuiet(QUIET_MS);
  return escapeBytes(Buffer.concat(replies)) + (conn.isClosed ? '<closed>' : '');
}

/** Client ids differ between servers: HELLO's id and redirection targets (when set) are masked. */
function mask(text: string): string {
  return text.replace(/(\$2\\r\\nid\\r\\n:)\d+/g, '$1<id>').replace(/((\$8\\r\\nredirect|tracking-redir-broken)\\r\\n:)[1-9]\d*/g, '$1<id>');
}

async function runOn(port: number, scenario: ConnectionScenario): Promise<string[]> {
  const conns = await Promise.all(Array.from({ length: scenario.connections }, () => WireConnection.connect(port)));
  const ids: string[] = [];
  for (const conn of conns) ids.push((await conn.command(['CLIENT', 'ID']))!.toString().slice(1, -2));
  const transcript: string[] = [];
  try {
    for (const [from, ...args] of scenario.steps) {
      const argv = args.map((arg) => (typeof arg === 'string' ? arg.replace(/\{id:(\d+)\}/g, (_, n: string) => ids[Number(n)]!) : arg));
      conns[from]!.send(encodeCommand(argv));
      // Every step answers its sender at least once: that reply first, then whatever follows.
      const first = await conns[from]!.reply();
      const outputs = (await Promise.all(conns.map(collect))).map(mask);
      outputs[from] = (first === null ? '<closed>' : mask(escapeBytes(first))) + outputs[from];
      transcript.push(outputs.map((out, i) => `  [${i}] ${out}`).join('\n'));
    }
  } finally {
    for (const conn of conns) conn.close();
  }
  return transcript;
}

for (const scenario of SCENARIOS) {
  test(scenario.name, { skip }, async () => {
    // DEBUG SLEEP and SET-ACTIVE-EXPIRE let scenarios hold keys past their TTL, undeleted.
    servers.reference = await startRedisReference(['--enable-debug-command', 'local']);
    servers.mnemo = await startServer({ port: 0, host: '127.0.0.1', config: { 'enable-debug-command': 'local' } });
    try {
      const [mine, theirs] = await Promise.all([runOn(servers.mnemo.port, scenario), runOn(servers.reference.port, scenario)]);
      scenario.steps.forEach((step, i) => {
        if (mine[i] !== theirs[i]) {
          const what = step.map((arg) => (Buffer.isBuffer(arg) ? escapeBytes(arg) : String(arg))).join(' ');
          assert.fail(`step ${i + 1} (${what}):\n mnemo:\n${mine[i]}\n redis:\n${theirs[i]}`);
        }
      });
    } finally {
      await servers.mnemo.close();
      await servers.reference.close();
      servers.mnemo = null;
      servers.reference = null;
    }
  });
}
