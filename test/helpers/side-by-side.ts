// A Mnemo harness and a real redis-server fed the same commands, for randomized differential
// tests: every reply must be byte for byte the reference's, and a failure shows the last
// commands sent and both replies around the first byte that differs.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Harness } from './harness.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from './reference.ts';
import { escapeBytes, WireConnection } from './wire.ts';

/** The `skip` option for tests that need the reference. */
export const referenceSkip = skipWithout('redis-server');

/** Starts one redis-server for the test file (before its tests, stopped after them); returns its connection. */
export function useRedisReference(): () => WireConnection {
  let reference: ReferenceServer;
  let connection: WireConnection;
  before(async () => {
    if (referenceSkip) return;
    reference = await startRedisReference();
    connection = await WireConnection.connect(reference.port);
  });
  after(async () => {
    if (referenceSkip) return;
    connection.close();
    await reference.close();
  });
  return () => connection;
}

const SHOWN_COMMANDS = 6;
const SHOWN_BYTES = 48;

export class SideBySide {
  private readonly recent: string[] = [];

  constructor(
    readonly h: Harness,
    readonly redis: WireConnection,
  ) {}

  /** The last commands sent, for failure messages. */
  get history(): string {
    return this.recent.join('\n');
  }

  /** Sends `args` to both and fails unless the replies are the same bytes; returns Mnemo's. */
  async both(args: readonly (string | Buffer)[]): Promise<Buffer> {
    const mine = this.h.raw([...args]);
    const theirs = (await this.redis.command(args))!;
    this.recent.push(args.map((a) => escapeBytes(Buffer.from(a))).join(' ').slice(0, 160));
    if (this.recent.length > SHOWN_COMMANDS) this.recent.shift();
    if (!mine.equals(theirs)) {
      let at = 0;
      while (mine[at] === theirs[at]) at++;
      const around = (reply: Buffer) => escapeBytes(reply.subarray(Math.max(0, at - SHOWN_BYTES), at + SHOWN_BYTES));
      assert.fail(`replies differ at byte ${at} after:\n${this.history}\nmnemo: ${around(mine)}\nredis: ${around(theirs)}`);
    }
    return mine;
  }
}
