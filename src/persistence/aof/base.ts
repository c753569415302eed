// Writing a base file: the keyspace as it was at one instant, as an RDB image (with
// aof-use-rdb-preamble yes, the RDB codec's RdbSnapshot) or in the commands form, produced in
// steps between commands, written to a temp file, fsynced, and only then handed over.

import { Buffer } from 'node:buffer';
import { closeSync, fdatasync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ReplyWriter } from '../../protocol/resp/writer.ts';
import type { Server } from '../../server/server.ts';
import type { Keyspace } from '../../store/keyspace.ts';
import { RdbSnapshot } from '../rdb/index.ts';
import { writeKeyAsCommands } from './commands-form.ts';
import { PointInTimeWalk } from './walk.ts';

/** A snapshot encoded in steps; each step hands what it encoded to the sink it was made with. */
export interface SnapshotWriter {
  /** Whether it writes RDB (the base is named .base.rdb) or commands (.base.aof). */
  readonly rdb: boolean;
  /** Encodes a little more; true once everything, the end included, went to the sink. */
  step(): boolean;
  /** Stops listening to the keyspace; nothing more comes. */
  abort(): void;
}

export type Sink = (chunk: Buffer) => void;

/** How long one step of a background base write may hold the event loop. */
const STEP_MS = 2;
/** RDB output per step: about what the commands form's 2 ms produce. */
const RDB_STEP_BYTES = 256 * 1024;

const SELECT = Buffer.from('SELECT');

/** The commands form: a SELECT when the database changes, then each key's commands. */
export class CommandsSnapshot implements SnapshotWriter {
  readonly rdb = false;
  private readonly w = new ReplyWriter();
  private readonly walk: PointInTimeWalk;
  private selected = -1;

  constructor(
    keyspace: Keyspace,
    timestampSeconds: number | null,
    private readonly sink: Sink,
  ) {
    // aof-timestamp-enabled: the base opens with the time of its snapshot.
    if (timestampSeconds !== null) this.w.raw(Buffer.from(`#TS:${timestampSeconds}\r\n`));
    this.walk = new PointInTimeWalk(keyspace, (dbIndex, db, id) => {
      if (dbIndex !== this.selected) {
        this.w.array(2);
        this.w.bulk(SELECT);
        this.w.bulkString(String(dbIndex));
        this.selected = dbIndex;
      }
      writeKeyAsCommands(this.w, db, id);
    });
  }

  step(): boolean {
    const finished = this.walk.step(STEP_MS, () => performance.now());
    if (finished) this.walk.stop();
    const chunk = this.w.take();
    if (chunk !== null) this.sink(chunk);
    return finished;
  }

  abort(): void {
    this.walk.stop();
  }
}

/** The RDB form, as BGSAVE writes it, marked as an AOF base (aux field aof-base 1). */
export function rdbBaseSnapshot(server: Server, sink: Sink): SnapshotWriter {
  const snapshot = new RdbSnapshot(server.keyspace, { ...server.persistence.saveOptions(), aofBase: true }, sink);
  return { rdb: true, step: () => snapshot.step(RDB_STEP_BYTES), abort: () => snapshot.abort() };
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes a snapshot to `tempPath`. `done` gets null once the file is complete and on disk,
 * or the error that stopped it.
 */
export class BaseWrite {
  readonly snapshot: SnapshotWriter;
  private fd: number;
  private stopped = false;

  constructor(
    makeSnapshot: (sink: Sink) => SnapshotWriter,
    private readonly tempPath: string,
    private readonly done: (error: Error | null) => void,
  ) {
    this.fd = openSync(tempPath, 'w', 0o644);
    this.snapshot = makeSnapshot((chunk) => writeAll(this.fd, chunk));
  }

  /** Writes the whole snapshot now (a base at start-up, when nothing else runs yet). */
  runNow(): void {
    try {
      while (!this.snapshot.step());
      fdatasyncSync(this.fd);
      this.close();
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Steps between event-loop turns, then fsyncs off the loop. */
  runInBackground(): void {
    const step = (): void => {
      if (this.stopped) return;
      try {
        if (!this.snapshot.step()) {
          setImmediate(step);
          return;
        }
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      fdatasync(this.fd, (error) => {
        if (this.stopped) return;
        if (error) return this.fail(error);
        this.close();
        this.done(null);
      });
    };
    setImmediate(step);
  }

  /** Stops and removes the temp file (appendonly switched off, shutdown). */
  abort(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.snapshot.abort();
    this.close();
    rmSync(this.tempPath, { force: true });
  }

  private fail(error: Error): void {
    this.abort();
    this.done(error);
  }

  private close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
