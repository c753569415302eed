// In-process harness: a server with a fake clock and one client, driven through the same
// gate as a socket would be, with replies decoded from the bytes the writer produced.

import { Server } from '../../src/server/server.ts';
import type { Client } from '../../src/server/client.ts';
import type { Clock } from '../../src/store/keyspace.ts';
import { decodeAll, type Reply } from './resp.ts';

export class FakeClock implements Clock {
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export type Arg = string | number | Buffer;

export class Harness {
  readonly clock: FakeClock;
  readonly server: Server;
  readonly client: Client;

  constructor(config: Record<string, string> = {}) {
    this.clock = new FakeClock();
    // No save points unless a test sets them: a cron run after a jump of the fake clock must
    // not write dump.rdb into the working directory.
    this.server = new Server({ clock: this.clock, config: { save: '', ...config } });
    this.client = this.server.createClient('127.0.0.1:50000', '127.0.0.1:6379');
  }

  /** Another client of the same server. */
  newClient(): Client {
    return this.server.createClient('127.0.0.1:50001', '127.0.0.1:6379');
  }

  /** Runs one command and returns its raw reply bytes. */
  raw(args: Arg[], client = this.client): Buffer {
    this.server.execute(client, args.map(toBuffer));
    return client.w.take() ?? Buffer.alloc(0);
  }

  /** Runs one command and returns its decoded reply. */
  run(...args: Arg[]): Reply {
    return this.runAs(this.client, ...args);
  }

  runAs(client: Client, ...args: Arg[]): Reply {
    const replies = decodeAll(this.raw(args, client));
    if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
    return replies[0]!;
  }

  /** Runs one command and returns its reply with bulk strings as latin1 (byte-exact). */
  runBinary(...args: Arg[]): Reply {
    return decodeAll(this.raw(args), 'latin1')[0]!;
  }
}

export function toBuffer(arg: Arg): Buffer {
  return Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
}
