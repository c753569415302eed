// PUBLISH fan-out: Mnemo beside redis-server, one publisher pipelining PUBLISH (16 in flight)
// to a channel with 1, 10 and 100 subscribers. Reported: messages delivered per second (every
// subscriber has received every message) with the Mnemo/Redis ratio, and each server's CPU
// time per delivered message from /proc/<pid>/stat. Rounds alternate the servers; medians.
//
// Run alone: node --import tsx bench/pubsub.ts   (bench/run.ts calls benchPubsub)
// Knobs: BENCH_PUBSUB_DELIVERIES (300000 messages delivered per run), BENCH_PUBSUB_ROUNDS (3).

import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuMicrosPerRequest, cpuTicks } from './proc.ts';
import { startMnemo, startRedis, type BenchServer } from './servers.ts';
import { median, ratio } from './stats.ts';
import { count, f2, table, x } from './table.ts';

export interface PubsubBenchRow {
  subscribers: number;
  messages: number;
  redisDelivered: number | null;
  mnemoDelivered: number | null;
  /** Mnemo deliveries per second divided by Redis's. */
  ratio: number | null;
  redisCpuMicros: number | null;
  mnemoCpuMicros: number | null;
}

export interface PubsubBenchOptions {
  subscriberCounts?: number[];
  deliveries?: number;
  rounds?: number;
  log?: (line: string) => void;
}

const HOST = '127.0.0.1';
const CHANNEL = 'bench:channel';
const PAYLOAD = 'p'.repeat(16);
const PIPELINE = 16;
const command = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
/** What each subscriber receives per message: its length is all a subscriber needs to count. */
const MESSAGE_BYTES = Buffer.byteLength(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${PAYLOAD.length}\r\n${PAYLOAD}\r\n`);

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    socket.setNoDelay(true);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Subscribes `n` connections; resolves once every confirmation has arrived. */
async function subscribe(port: number, n: number): Promise<{ sockets: net.Socket[]; received: number[] }> {
  const sockets = await Promise.all(Array.from({ length: n }, () => connect(port)));
  const confirmation = Buffer.byteLength(`*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`);
  // Bytes past the confirmation, per subscriber.
  const received = sockets.map(() => -confirmation);
  await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<void>((resolve) => {
          socket.on('data', (chunk: Buffer) => {
            received[i]! += chunk.length;
            if (received[i]! >= 0) resolve();
          });
          socket.write(command('SUBSCRIBE', CHANNEL));
        }),
    ),
  );
  return { sockets, received };
}

/** Publishes `messages` with PIPELINE in flight; resolves when every subscriber has them all. */
async function publishAll(port: number, messages: number, received: number[]): Promise<number> {
  const publisher = await connect(port);
  const batch = Buffer.from(command('PUBLISH', CHANNEL, PAYLOAD).repeat(PIPELINE));
  const replyBytes = Buffer.byteLength(`:${received.length}\r\n`);
  const expected = messages * MESSAGE_BYTES;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let replied = 0;
    const send = () => {
      if (sent >= messages) return;
      sent += PIPELINE;
      publisher.write(batch);
    };
    publisher.on('data', (chunk: Buffer) => {
      replied += chunk.length;
      if (replied >= sent * replyBytes) send();
    });
    publisher.on('error', reject);
    const check = setInterval(() => {
      if (received.every((bytes) => bytes >= expected)) {
        clearInterval(check);
        resolve();
      }
    }, 1);
    send();
  });
  const seconds = (performance.now() - started) / 1000;
  publisher.destroy();
  return seconds;
}

async function run(server: BenchServer, subscribers: number, messages: number): Promise<{ delivered: number; cpuMicros: number }> {
  const { sockets, received } = await subscribe(server.port, subscribers);
  try {
    const ticks = cpuTicks(server.pid);
    const seconds = await publishAll(server.port, messages, received);
    const deliveries = subscribers * messages;
    return { delivered: deliveries / seconds, cpuMicros: cpuMicrosPerRequest(cpuTicks(server.pid) - ticks, deliveries) };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

export async function benchPubsub(opts: PubsubBenchOptions = {}): Promise<PubsubBenchRow[]> {
  const counts = opts.subscriberCounts ?? [1, 10, 100];
  const deliveries = opts.deliveries ?? 300_000;
  const rounds = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => console.error(line));
  const servers = [await startMnemo(), await startRedis()];
  try {
    const rows: PubsubBenchRow[] = [];
    for (const subscribers of counts) {
      // Whole pipelines of messages, enough that each run delivers about `deliveries`.
      const messages = Math.ceil(Math.max(deliveries / subscribers, 2_000) / PIPELINE) * PIPELINE;
      const results = new Map<string, { delivered: number; cpuMicros: number }[]>(servers.map((s) => [s.name, []]));
      // One unrecorded run each warms Mnemo's JIT.
      for (const server of servers) await run(server, subscribers, Math.min(messages, 20_000));
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 1 ? servers : [...servers].reverse();
        for (const server of order) {
          const result = await run(server, subscribers, messages);
          results.get(server.name)!.push(result);
          log(`pubsub round ${round}/${rounds}  ${String(subscribers).padStart(3)} subscribers  ${server.name.padEnd(5)}  ${count(result.delivered).padStart(10)} msg/s  ${result.cpuMicros.toFixed(3)} µs cpu/msg`);
        }
      }
      const side = (name: string) => ({
        delivered: median(results.get(name)!.map((r) => r.delivered)),
        cpu: median(results.get(name)!.map((r) => r.cpuMicros)),
      });
      const [mnemo, redis] = [side('mnemo'), side('redis')];
      rows.push({
        subscribers,
        messages,
        redisDelivered: redis.delivered,
        mnemoDelivered: mnemo.delivered,
        ratio: ratio(mnemo.delivered, redis.delivered),
        redisCpuMicros: redis.cpu,
        mnemoCpuMicros: mnemo.cpu,
      });
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export function formatPubsubRows(title: string, rows: readonly PubsubBenchRow[]): string {
  return table(
    title,
    ['subscribers', 'messages', 'redis msg/s', 'mnemo msg/s', 'ratio', 'redis µs cpu/msg', 'mnemo µs cpu/msg'],
    rows.map((r) => [
      String(r.subscribers),
      count(r.messages),
      count(r.redisDelivered),
      count(r.mnemoDelivered),
      x(r.ratio),
      f2(r.redisCpuMicros),
      f2(r.mnemoCpuMicros),
    ]),
    ['msg/s: messages delivered per second (every subscriber has every message); target: ratio at least 0.8'],
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchPubsub({
    ...(process.env.BENCH_PUBSUB_DELIVERIES ? { deliveries: Number(process.env.BENCH_PUBSUB_DELIVERIES) } : {}),
    ...(process.env.BENCH_PUBSUB_ROUNDS ? { rounds: Number(process.env.BENCH_PUBSUB_ROUNDS) } : {}),
  });
  console.log(formatPubsubRows('PUBLISH fan-out: Mnemo vs redis-server', rows));
  process.exit(0);
}
