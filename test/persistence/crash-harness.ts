// Crash rounds against a real mnemo-server process with appendonly yes: concurrent writers
// record every acknowledged write, the server is killed with SIGKILL at a random moment
// (sometimes right after a BGREWRITEAOF starts), restarted on the same directory, and what
// survived is checked against what the fsync policy promised:
//   - the server always starts again (the directory is never unloadable);
//   - no value is corrupted: every key holds a value some writer sent, each writer's list is
//     exactly the first n items it pushed, its counter equals its list's length (INCR and
//     RPUSH go together in one MULTI/EXEC);
//   - appendfsync always: every acknowledged write is there;
//   - appendfsync everysec: only writes acknowledged in the last ~2 s may be missing.
// Shared by test/persistence/crash.test.ts (a few rounds) and scripts/crash-soak.ts (many).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { connect } from './aof-dataset.ts';

export type FsyncPolicy = 'always' | 'everysec';

export interface CrashOptions {
  policy: FsyncPolicy;
  rounds: number;
  writers: number;
  /** Writing time before the kill, drawn between these (ms). */
  minRunMs: number;
  maxRunMs: number;
  /** Extra server arguments (aof-use-rdb-preamble, ...). */
  args?: string[];
  /** Seeded randomness, so a failing run can be repeated. */
  seed: number;
  log?: (line: string) => void;
}

/** How far back everysec may lose acknowledged writes: Redis's 2 s, and slack for a loaded machine. */
export const EVERYSEC_WINDOW_MS = 2000;
const EVERYSEC_SLACK_MS = 1000;

interface Ack {
  key: string;
  value: string;
  at: number;
}

interface WriterLog {
  id: string;
  /** SETs acknowledged, in order. */
  acked: Ack[];
  /** Every value sent for a key (acknowledged or not), to tell a lost write from a corrupt one. */
  sent: Map<string, Set<string>>;
  /** Items sent to this writer's list, in order; how many were acknowledged, and when the last was. */
  items: string[];
  itemsAcked: number;
  itemsAckedAt: number[];
}

export interface RoundReport {
  round: number;
  /** The round's keys as they were after the restart. */
  survivors: Map<string, string>;
  acked: number;
  killedDuringRewrite: boolean;
  missingAcked: number;
  problems: string[];
}

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

async function writeUntilStopped(redis: Redis, log: WriterLog, stop: { now: boolean }, random: () => number): Promise<void> {
  let seq = 0;
  while (!stop.now) {
    seq++;
    try {
      if (random() < 0.7) {
        const key = `${log.id}:k${Math.floor(random() * 500)}`;
        const value = `${log.id}-${seq}-${'x'.repeat(Math.floor(random() * 200))}`;
        let values = log.sent.get(key);
        if (values === undefined) log.sent.set(key, (values = new Set()));
        values.add(value);
        await redis.set(key, value);
        log.acked.push({ key, value, at: Date.now() });
      } else {
        const item = `${log.id}-item-${log.items.length}`;
        log.items.push(item);
        await redis.multi().rpush(`${log.id}:list`, item).incr(`${log.id}:count`).exec();
        log.itemsAcked = log.items.length;
        log.itemsAckedAt.push(Date.now());
      }
    } catch {
      return;
    }
  }
}

/** Runs the rounds on one directory; returns a report per round (problems empty when all held). */
export async function runCrashRounds(options: CrashOptions): Promise<RoundReport[]> {
  const random = rng(options.seed);
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-crash-'));
  const args = ['--port', '0', '--dir', dir, '--appendonly', 'yes', '--appendfsync', options.policy, '--save', '', ...(options.args ?? [])];
  const log = options.log ?? (() => {});
  const reports: RoundReport[] = [];
  /** What must survive from earlier rounds: the last acknowledged value per key. */
  const durable = new Map<string, string>();
  let server: ServerProcess = await startServerProcess(args);
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const writers: WriterLog[] = [];
      const stop = { now: false };
      const clients: Redis[] = [];
      const running: Promise<void>[] = [];
      for (let w = 0; w < options.writers; w++) {
        const id = `r${round}w${w}`;
        const writer: WriterLog = { id, acked: [], sent: new Map(), items: [], itemsAcked: 0, itemsAckedAt: [] };
        writers.push(writer);
        const client = connect(server.port);
        // The kill resets connections: the writer's pending command fails, which it expects.
        client.on('error', () => {});
        clients.push(client);
        running.push(writeUntilStopped(client, writer, stop, random));
      }
      const runMs = options.minRunMs + random() * (options.maxRunMs - options.minRunMs);
      await new Promise((resolve) => setTimeout(resolve, runMs));
      const duringRewrite = random() < 0.4;
      if (duringRewrite) {
        const admin = connect(server.port);
        await admin.call('BGREWRITEAOF').catch(() => {});
        admin.disconnect();
        await new Promise((resolve) => setTimeout(resolve, random() * 30));
      }
      const killedAt = Date.now();
      server.child.kill('SIGKILL');
      await server.exited;
      stop.now = true;
      await Promise.all(running);
      for (const client of clients) client.disconnect();
      // The server must come back on whatever the kill left.
      server = await startServerProcess(args);
      const report = await checkRound(server.port, writers, durable, options.policy, killedAt);
      report.round = round;
      report.killedDuringRewrite = duringRewrite;
      reports.push(report);
      log(
        `round ${round} (${options.policy}${duringRewrite ? ', during BGREWRITEAOF' : ''}): ${report.acked} writes acknowledged, ` +
          `${report.missingAcked} missing${report.problems.length > 0 ? `, problems: ${report.problems.slice(0, 5).join('; ')}` : ''}`,
      );
      // What this round left must stay through the next ones.
      for (const [key, value] of report.survivors) durable.set(key, value);
    }
  } finally {
    await server.kill();
  }
  return reports;
}

async function checkRound(port: number, writers: WriterLog[], durable: Map<string, string>, policy: FsyncPolicy, killedAt: number): Promise<RoundReport> {
  const redis = connect(port);
  const problems: string[] = [];
  let acked = 0;
  let missingAcked = 0;
  const survivors = new Map<string, string>();
  /** Acknowledged before this may not be lost under everysec. */
  const safeBefore = killedAt - EVERYSEC_WINDOW_MS - EVERYSEC_SLACK_MS;
  const mayLose = (at: number) => policy === 'everysec' && at >= safeBefore;
  try {
    // Earlier rounds' acknowledged values stay (unless this round overwrote them: other keys).
    const earlier = [...durable.keys()];
    if (earlier.length > 0) {
      const values = await redis.mget(earlier);
      earlier.forEach((key, i) => {
        if (values[i] !== durable.get(key)) problems.push(`${key} from an earlier round is ${JSON.stringify(values[i]?.slice(0, 40))}`);
      });
    }
    for (const writer of writers) {
      const keys = [...writer.sent.keys()];
      const values = keys.length > 0 ? await redis.mget(keys) : [];
      const present = new Map(keys.map((key, i) => [key, values[i]]));
      for (const [key, value] of present) if (value !== null && value !== undefined) survivors.set(key, value);
      // No corruption: a present key holds a value its writer sent.
      for (const [key, value] of present) {
        if (value !== null && !writer.sent.get(key)!.has(value!)) problems.push(`${key} holds a value never sent: ${value!.slice(0, 40)}`);
      }
      // The last acknowledged write of each key is there, or a later one it sent.
      const lastAck = new Map<string, Ack>();
      for (const ack of writer.acked) lastAck.set(ack.key, ack);
      acked += writer.acked.length + writer.itemsAcked;
      const order = new Map<string, string[]>();
      for (const ack of writer.acked) {
        let list = order.get(ack.key);
        if (list === undefined) order.set(ack.key, (list = []));
        list.push(ack.value);
      }
      for (const [key, ack] of lastAck) {
        const value = present.get(key);
        const sentValues = [...writer.sent.get(key)!];
        const ackIndex = sentValues.indexOf(ack.value);
        const valueIndex = value === null || value === undefined ? -1 : sentValues.indexOf(value);
        if (valueIndex >= ackIndex) continue;
        missingAcked++;
        if (!mayLose(ack.at)) problems.push(`${key}: acknowledged ${ack.value.slice(0, 30)} at -${killedAt - ack.at} ms, found ${value?.slice(0, 30) ?? 'nothing'}`);
      }
      // The list is a prefix of what was pushed, and the counter agrees with it.
      const list = await redis.lrange(`${writer.id}:list`, 0, -1);
      const count = Number((await redis.get(`${writer.id}:count`)) ?? 0);
      if (list.some((item, i) => item !== writer.items[i])) problems.push(`${writer.id}:list is not a prefix of what was pushed`);
      if (count !== list.length) problems.push(`${writer.id}: counter ${count} but list of ${list.length} (a MULTI/EXEC half applied)`);
      if (list.length < writer.itemsAcked) {
        const lost = writer.itemsAckedAt.slice(list.length);
        missingAcked += lost.length;
        if (lost.some((at) => !mayLose(at))) problems.push(`${writer.id}:list lost ${lost.length} acknowledged items, the oldest -${killedAt - lost[0]!} ms`);
      }
    }
  } finally {
    redis.disconnect();
  }
  return { round: 0, survivors, acked, killedDuringRewrite: false, missingAcked, problems };
}
