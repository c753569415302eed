// No acknowledged write lost across Sentinel failovers. Writers, each an ioredis client that
// finds the primary through the sentinels, SET a fresh key and then ask `WAIT 1 <timeout>`; a
// write WAIT says reached a replica is acknowledged. At a random moment the primary is killed
// (SIGKILL) or paused (SIGSTOP, a partition as the others see it), Sentinel fails over, and
// every key sent is looked up on the new primary:
//   - an acknowledged write missing there is a broken promise;
//   - writes that were not acknowledged (WAIT answered 0, or the client saw an error) may be
//     lost: how many were is reported, as is how long each writer went without an
//     acknowledged write (the clients' error time).
// A killed primary is started again as a replica of the new one; a paused one is resumed
// once the failover is over, and Sentinel turns it into a replica itself.
// Shared by test/replication/failover.test.ts (two short rounds) and scripts/failover-soak.ts.

import { Redis } from 'ioredis';
import { rng } from '../persistence/crash-harness.ts';
import { info, until } from './helpers.ts';
import { SentinelGroup } from './sentinel-group.ts';

export type Fault = 'kill' | 'pause';

export interface FailoverOptions {
  rounds: number;
  writers: number;
  /** Writing time before the fault, drawn between these (ms). */
  minRunMs: number;
  maxRunMs: number;
  /** What happens to the primary in each round (1-based). */
  fault: (round: number) => Fault;
  /** WAIT's timeout (ms). */
  waitTimeoutMs: number;
  /** Writing time after the failover, so the clients' return is measured (ms). */
  afterMs: number;
  downAfterMs: number;
  seed: number;
  /**
   * Replicas of the primary (2 by default). With more than one, WAIT 1 does not promise what
   * Sentinel promotes: it picks by the offsets of its last INFO, up to a second old, so it may
   * pick a replica that had not yet acknowledged the last writes; Redis behaves the same.
   */
  replicas?: number;
  log?: (line: string) => void;
}

export interface RoundReport {
  round: number;
  fault: Fault;
  /** From the fault to the sentinels agreeing on the new primary and its replicas following it (ms). */
  failoverMs: number;
  acked: number;
  unacked: number;
  /** Acknowledged writes missing on the new primary: must be none. */
  lostAcked: string[];
  /** Writes not acknowledged and missing on the new primary. */
  lostUnacked: number;
  /** The longest time a writer went without an acknowledged write around the fault, and the mean over writers (ms). */
  maxErrorMs: number;
  meanErrorMs: number;
}

interface Writer {
  id: string;
  client: Redis;
  /** key -> value, for every SET sent. */
  sent: Map<string, string>;
  acked: Set<string>;
  /** Time of each acknowledged write, in order. */
  ackTimes: number[];
}

async function write(writer: Writer, stop: { now: boolean }, waitTimeoutMs: number): Promise<void> {
  let seq = 0;
  while (!stop.now) {
    const key = `${writer.id}:${seq++}`;
    const value = `v${seq}`;
    writer.sent.set(key, value);
    try {
      await writer.client.set(key, value);
      const replicas = (await writer.client.call('wait', '1', String(waitTimeoutMs))) as number;
      if (replicas >= 1) {
        writer.acked.add(key);
        writer.ackTimes.push(Date.now());
      }
    } catch {
      // The primary is gone or refuses: the client retries through the sentinels.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The longest gap between acknowledged writes that spans `at`. */
function gapAround(times: readonly number[], at: number, end: number): number {
  const after = times.findIndex((time) => time > at);
  const before = after === -1 ? times[times.length - 1] : after === 0 ? at : times[after - 1];
  return (after === -1 ? end : times[after]!) - (before ?? at);
}

async function missingOn(primary: Redis, sent: Map<string, string>): Promise<Set<string>> {
  const keys = [...sent.keys()];
  const missing = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const values = await primary.mget(chunk);
    chunk.forEach((key, j) => {
      if (values[j] !== sent.get(key)) missing.add(key);
    });
  }
  return missing;
}

export async function runFailoverRounds(options: FailoverOptions): Promise<RoundReport[]> {
  const random = rng(options.seed);
  const log = options.log ?? (() => {});
  const group = await SentinelGroup.start({ downAfterMs: options.downAfterMs, failoverTimeoutMs: 3000, replicas: options.replicas ?? 2 });
  const reports: RoundReport[] = [];
  // Every round's writers stop when the run ends, even by an error: their loops would keep the process alive.
  const stop = { now: false };
  try {
    let primaryPort = group.nodes[0]!.port;
    for (let round = 1; round <= options.rounds; round++) {
      const fault = options.fault(round);
      stop.now = false;
      const writers: Writer[] = [];
      for (let w = 0; w < options.writers; w++) {
        const client = group.sentinelClient();
        writers.push({ id: `r${round}w${w}`, client, sent: new Map(), acked: new Set(), ackTimes: [] });
      }
      const running = writers.map((writer) => write(writer, stop, options.waitTimeoutMs));
      await new Promise((resolve) => setTimeout(resolve, options.minRunMs + random() * (options.maxRunMs - options.minRunMs)));

      const index = group.nodeIndex(primaryPort);
      const victim = group.nodes[index]!;
      const others = group.nodes.filter((node) => node !== victim).map((node) => node.port);
      const faultAt = Date.now();
      victim.process.child.kill(fault === 'kill' ? 'SIGKILL' : 'SIGSTOP');
      const newPort = await group.failedOver(primaryPort, others);
      const failoverMs = Date.now() - faultAt;
      if (fault === 'pause') victim.process.child.kill('SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, options.afterMs));
      stop.now = true;
      await Promise.all(running);
      const end = Date.now();

      const primary = group.client(newPort);
      let acked = 0;
      let unacked = 0;
      let lostUnacked = 0;
      const lostAcked: string[] = [];
      const gaps: number[] = [];
      for (const writer of writers) {
        const missing = await missingOn(primary, writer.sent);
        acked += writer.acked.size;
        unacked += writer.sent.size - writer.acked.size;
        for (const key of missing) {
          if (writer.acked.has(key)) lostAcked.push(key);
          else lostUnacked++;
        }
        gaps.push(gapAround(writer.ackTimes, faultAt, end));
        writer.client.disconnect();
      }
      const report: RoundReport = {
        round,
        fault,
        failoverMs,
        acked,
        unacked,
        lostAcked,
        lostUnacked,
        maxErrorMs: Math.max(...gaps),
        meanErrorMs: Math.round(gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length),
      };
      reports.push(report);
      log(
        `round ${round} (${fault}): failover ${failoverMs} ms, ${acked} acknowledged (${lostAcked.length} lost), ` +
          `${unacked} not acknowledged (${lostUnacked} lost), clients without an acknowledged write: max ${report.maxErrorMs} ms, mean ${report.meanErrorMs} ms`,
      );
      primaryPort = newPort;
      if (round < options.rounds) await rejoin(group, index, fault, newPort);
    }
  } catch (error) {
    log(group.sentinelLogs());
    throw error;
  } finally {
    stop.now = true;
    await group.close();
  }
  return reports;
}

/**
 * Brings the old primary back as a replica of the new one: a killed one is started again
 * from its config file with `replicaof` (as an operator would), a resumed one is converted by
 * Sentinel. Then waits for both replicas to be online, so the next fault finds them synced.
 */
async function rejoin(group: SentinelGroup, index: number, fault: Fault, newPort: number): Promise<void> {
  if (fault === 'kill') await group.restartNode(index, newPort);
  const primary = group.client(newPort);
  await until('the old primary to rejoin as a replica', async () => {
    const fields = await info(primary, 'replication');
    return [...fields].filter(([key, value]) => /^slave\d+$/.test(key) && value.includes('state=online')).length === group.nodes.length - 1;
  }, 60_000);
}
