// Writing a base file: the keyspace as it was at one instant, in the commands form or (with
// aof-use-rdb-preamble yes) as an RDB image, produced in slices by a point-in-time walk while
// commands keep running, written to a temp file, fsynced, and only then handed over.

import { Buffer } from 'node:buffer';
import { closeSync, fdatasync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { ReplyWriter } from '../../protocol/resp/writer.ts';
import type { Database } from '../../store/database.ts';
import type { Keyspace } from '../../store/keyspace.ts';
import { writeKeyAsCommands } from './commands-form.ts';
import { PointInTimeWalk } from './walk.ts';

/** Encodes the keys of a snapshot into the bytes of a base file. */
export interface BaseEncoder {
  /** Whether it writes RDB (the base is named .base.rdb) or commands (.base.aof). */
  readonly rdb: boolean;
  /** One key of the snapshot, as it was in database `dbIndex`. */
  key(dbIndex: number, db: Database, id: number): void;
  /** The bytes encoded since the last call, if any. */
  take(): Buffer | null;
  /** The closing bytes (an RDB's EOF and checksum); nothing may follow. */
  finish(): Buffer | null;
}

const SELECT = Buffer.from('SELECT');

/** The commands form: a SELECT when the database changes, then each key's commands. */
export class CommandsEncoder implements BaseEncoder {
  readonly rdb = false;
  private readonly w = new ReplyWriter();
  private selected = -1;

  constructor(timestampSeconds: number | null) {
    // aof-timestamp-enabled: the base opens with the time of its snapshot.
    if (timestampSeconds !== null) this.w.raw(Buffer.from(`#TS:${timestampSeconds}\r\n`));
  }

  key(dbIndex: number, db: Database, id: number): void {
    if (dbIndex !== this.selected) {
      this.w.array(2);
      this.w.bulk(SELECT);
      this.w.bulkString(String(dbIndex));
      this.selected = dbIndex;
    }
    writeKeyAsCommands(this.w, db, id);
  }

  take(): Buffer | null {
    return this.w.take();
  }

  finish(): Buffer | null {
    return this.w.take();
  }
}

/** How long one slice of a background base write may hold the event loop. */
const SLICE_MS = 2;

function writeAll(fd: number, bytes: Buffer | null): void {
  if (bytes === null) return;
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes the snapshot to `tempPath` in slices between commands. `done` gets null once the file
 * is complete and on disk, or the error that stopped it.
 */
export class BaseWrite {
  private readonly walk: PointInTimeWalk;
  private fd: number;
  private stopped = false;

  constructor(
    keyspace: Keyspace,
    private readonly encoder: BaseEncoder,
    private readonly tempPath: string,
    private readonly done: (error: Error | null) => void,
  ) {
    this.fd = openSync(tempPath, 'w', 0o644);
    this.walk = new PointInTimeWalk(keyspace, (dbIndex, db, id) => encoder.key(dbIndex, db, id));
  }

  /** Keys written so far. */
  get keys(): number {
    return this.walk.keys;
  }

  /** Walks the whole keyspace now (a base at start-up, when nothing else runs yet). */
  runNow(): void {
    try {
      this.walk.step(Infinity, performance.now.bind(performance));
      this.walk.stop();
      writeAll(this.fd, this.encoder.take());
      writeAll(this.fd, this.encoder.finish());
      fdatasyncSync(this.fd);
      this.close();
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Walks in slices of the event loop, then fsyncs off the loop. */
  runInBackground(): void {
    const slice = (): void => {
      if (this.stopped) return;
      try {
        const finished = this.walk.step(SLICE_MS, performance.now.bind(performance));
        writeAll(this.fd, this.encoder.take());
        if (!finished) {
          setImmediate(slice);
          return;
        }
        this.walk.stop();
        writeAll(this.fd, this.encoder.finish());
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
    setImmediate(slice);
  }

  /** Stops and removes the temp file (appendonly switched off, shutdown). */
  abort(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.walk.stop();
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
