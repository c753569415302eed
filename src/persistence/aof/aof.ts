// The append-only file, as Redis 7.0 keeps it (aof.c): a directory (appenddirname) holding a
// base file, incremental files and a manifest naming them. Every write reaches it through the
// gate's propagation stream; the stream is buffered during an event-loop turn and written
// before any reply of that turn leaves (Server.beforeReplies), then fsynced per appendfsync:
//   always   - the replies leave only after the fsync of the writes they acknowledge: one
//              fsync at a time, off the event loop, covering every write made before it
//              began; the turns run meanwhile and their replies wait for the next fsync (a
//              group commit: Redis fsyncs on its event loop, which then waits idle);
//   everysec - fsync off the event loop (libuv's thread pool) at most once a second; a write
//              waits while an fsync runs, at most two seconds, as Redis postpones it;
//   no       - the kernel decides.
// A rewrite (BGREWRITEAOF, CONFIG SET appendonly yes, the auto-rewrite rule) opens a new
// incremental file and writes a new base of the keyspace as it was at that instant, without
// forking: a point-in-time walk in slices (walk.ts), as Redis 7's child does from its copy.

import { Buffer } from 'node:buffer';
import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlink, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Flag, type RegisteredCommand } from '../../commands/registry.ts';
import { resetStats } from '../../commands/server/config.ts';
import { AOF_TURN_ON_FAILED, aofWriteError } from '../../errors.ts';
import { ConfigError } from '../../server/config.ts';
import { describeError } from '../../server/startup.ts';
import { ReplyWriter } from '../../protocol/resp/writer.ts';
import { CommandStreamEncoder } from '../../server/effects.ts';
import type { Server } from '../../server/server.ts';
import { BaseWrite, CommandsSnapshot, rdbBaseSnapshot, type Sink, type SnapshotWriter } from './base.ts';
import { LoadStatus, loadAofFile } from './loader.ts';
import { FileType, Manifest, ManifestError, type AofFile } from './manifest.ts';

export const AofState = { Off: 0, On: 1, WaitRewrite: 2 } as const;
export type AofState = (typeof AofState)[keyof typeof AofState];

/** A start-up that must stop: the AOF cannot be read (Redis exits with status 1). */
export class AofLoadError extends Error {}

/** Redis's AOF_REWRITE_LIMITE_THRESHOLD and its cap in minutes. */
const REWRITE_LIMIT_THRESHOLD = 3;
const REWRITE_LIMIT_MAX_MINUTES = 60;
/** How often the AOF's share of serverCron runs. */
const CRON_MS = 100;

const byServer = new WeakMap<Server, AppendOnlyFile>();

interface Rewrite {
  write: BaseWrite;
  tempName: string;
  startedAt: number;
}

export class AppendOnlyFile {
  state: AofState = AofState.Off;
  manifest: Manifest;
  private fd = -1;
  /** Commands propagated since the last write to the file (Redis's aof_buf). */
  private readonly buffer = new ReplyWriter();
  /** Bytes a failed write left behind, written first next time. */
  private unwritten: Buffer | null = null;
  private readonly encoder = new CommandStreamEncoder();
  private stopFeeding: (() => void) | null = null;
  private cronTimer: NodeJS.Timeout | null = null;

  /** INFO aof_current_size: base and incremental files. */
  currentSize = 0;
  /** The size when the last rewrite ended (auto-aof-rewrite-percentage grows from it). */
  rewriteBaseSize = 0;
  private lastIncrSize = 0;
  private fsyncedSize = 0;
  private lastFsyncAt = 0;
  private fsyncInProgress = false;
  /**
   * Bytes this process ever wrote to its AOF files (currentSize restarts with a rewrite), and
   * how many of them an fsync covered: what replies under appendfsync always wait on.
   */
  private writtenTotal = 0;
  private syncedTotal = 0;
  private alwaysSyncRunning = false;
  /** Reply sends waiting for the fsync of the first `upTo` bytes, in the order queued. */
  private readonly waitingSends: { upTo: number; send: () => void }[] = [];
  private flushPostponedSince = 0;
  delayedFsyncs = 0;
  /** The last second written as a #TS annotation (aof-timestamp-enabled). */
  private timestamp = 0;

  lastWriteError: string | null = null;
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;
  lastRewriteSeconds = -1;
  private rewriteRetryAt = 0;
  private rewriteDelayMinutes = 0;

  /** appendfsync and aof-timestamp-enabled, read on every write: kept here, updated on change. */
  private fsyncPolicy = 'everysec';
  private timestamps = false;

  private constructor(private readonly server: Server) {
    this.manifest = new Manifest(server.config.get('appendfilename'));
    this.readWriteSettings();
    server.config.onChange((name, value) => {
      if (name === 'appendfsync' || name === 'aof-timestamp-enabled') this.readWriteSettings();
      // Switching to always: what was written under the old policy reaches the disk now.
      if (name === 'appendfsync' && value === 'always' && this.fd >= 0) {
        this.flush(true);
        this.fsyncNow();
      }
      if (name !== 'appendonly') return;
      if (value === 'yes' && this.state === AofState.Off) this.start();
      else if (value === 'no' && this.state !== AofState.Off) this.stop();
    });
    server.beforeReplies = () => this.flush(false);
    server.deferReplies = (send) => this.deferUntilSynced(send);
    server.persistence.addBackgroundJob(() => this.rewrite !== null);
  }

  private readWriteSettings(): void {
    this.fsyncPolicy = this.server.config.get('appendfsync');
    this.timestamps = this.server.config.bool('aof-timestamp-enabled');
  }

  /** The server's AOF (made on first use). */
  static of(server: Server): AppendOnlyFile {
    let aof = byServer.get(server);
    if (aof === undefined) {
      aof = new AppendOnlyFile(server);
      byServer.set(server, aof);
    }
    return aof;
  }

  /** Attached already (INFO on a server that never used its AOF reads the defaults). */
  static existing(server: Server): AppendOnlyFile | null {
    return byServer.get(server) ?? null;
  }

  private get dir(): string {
    return join(this.server.config.get('dir'), this.server.config.get('appenddirname'));
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  /** The temp file of a base being written, in `dir` as Redis's child writes it. */
  private tempBasePath(name: string): string {
    return join(this.server.config.get('dir'), name);
  }

  // ---- start-up ------------------------------------------------------------------------------

  /**
   * Start-up with appendonly yes (Redis's loadDataFromDisk, then aofOpenIfNeededOnServerStart):
   * loads the directory the manifest describes, then opens the last incremental file for
   * appending (creating a base first when there is nothing). Throws AofLoadError when the
   * files cannot be loaded: the server must not start on a partial dataset.
   */
  startup(): void {
    const config = this.server.config;
    if (!config.bool('appendonly')) return;
    this.readManifest();
    this.upgradeOldStyle();
    const started = performance.now();
    const status = this.loadFiles();
    if (status === LoadStatus.Ok || status === LoadStatus.Truncated) {
      // Replaying ran the commands through the gate; Redis counts none of them in its stats.
      resetStats(this.server);
      this.server.log.notice(`DB loaded from append only file: ${seconds(performance.now() - started)} seconds`);
    } else if (status === LoadStatus.Failed || status === LoadStatus.OpenError) {
      throw new AofLoadError('The AOF could not be loaded; see the log above.');
    }
    this.openAtStartup();
    this.state = AofState.On;
    this.feed();
  }

  private readManifest(): void {
    const file = this.path(this.manifest.fileName);
    if (!existsSync(file)) return;
    try {
      this.manifest = Manifest.parse(this.manifest.stem, readFileSync(file, 'latin1'));
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      for (const line of error.report) this.server.log.warning(line);
      throw new AofLoadError(error.reason);
    }
  }

  /** Reads the manifest at run time: false (and the report in the log) when it is corrupt. */
  private manifestReadable(): boolean {
    try {
      this.readManifest();
      return true;
    } catch (error) {
      if (error instanceof AofLoadError) return false;
      throw error;
    }
  }

  /**
   * Redis's aofUpgradePrepare: a single appendonly.aof of Redis before 7.0, in `dir`, becomes the
   * base of a new directory (RDB preamble and commands tail alike). Safe to redo after a crash.
   */
  private upgradeOldStyle(): void {
    const { stem } = this.manifest;
    const old = join(this.server.config.get('dir'), stem);
    if (!existsSync(old)) return;
    const m = this.manifest;
    const onlyOldBase = m.base !== null && m.base.name === stem && m.incr.length === 0 && !existsSync(this.path(stem));
    if (existsSync(this.dir) && !m.isEmpty && !onlyOldBase) return;
    mkdirSync(this.dir, { recursive: true });
    const upgraded = new Manifest(stem);
    upgraded.base = { name: stem, seq: 1, type: FileType.Base };
    upgraded.baseSeq = 1;
    if (!this.persistManifest(upgraded)) throw new AofLoadError('cannot write the AOF manifest');
    renameSync(old, this.path(stem));
    this.manifest = upgraded;
    this.server.log.notice(`Successfully migrated an old-style AOF file (${stem}) into the AOF directory (${this.server.config.get('appenddirname')}).`);
  }

  /** Redis's loadAppendOnlyFiles. */
  private loadFiles(): LoadStatus {
    const log = this.server.log;
    const files = this.manifest.liveFiles;
    if (files.length === 0) return LoadStatus.NotExist;
    let total = 0;
    for (const file of files) {
      try {
        total += statSync(this.path(file.name)).size;
      } catch (error) {
        log.warning(`Unable to obtain the AOF file ${file.name} length. stat: ${describeError(error)}`);
        return LoadStatus.Failed;
      }
    }
    if (total === 0) return LoadStatus.Empty;
    let status: LoadStatus = LoadStatus.Ok;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const last = i === files.length - 1;
      const started = performance.now();
      status = loadAofFile(this.server, this.path(file.name), file.name, {
        truncatedOk: this.server.config.bool('aof-load-truncated'),
        oldStyle: file.name === this.manifest.stem,
      });
      if (status === LoadStatus.Ok || (status === LoadStatus.Truncated && last)) {
        log.notice(`DB loaded from ${file === this.manifest.base ? 'base' : 'incr'} file ${file.name}: ${seconds(performance.now() - started)} seconds`);
      }
      if (status === LoadStatus.Empty && file !== this.manifest.base) status = LoadStatus.Ok;
      if (status === LoadStatus.Truncated && !last) {
        log.warning('Fatal error: the truncated file is not the last file');
        return LoadStatus.Failed;
      }
      if (status === LoadStatus.OpenError || status === LoadStatus.Failed || status === LoadStatus.NotExist) return LoadStatus.Failed;
    }
    this.currentSize = this.liveSize();
    this.rewriteBaseSize = this.manifest.base === null ? 0 : this.fileSize(this.manifest.base.name);
    this.fsyncedSize = this.currentSize;
    return status;
  }

  private openAtStartup(): void {
    const log = this.server.log;
    mkdirSync(this.dir, { recursive: true });
    const hadIncr = this.manifest.incr.length > 0;
    if (this.manifest.isEmpty) {
      // Start-up with nothing on disk: the base is written now, before any command runs.
      const temp = this.tempBasePath(`temp-rewriteaof-${process.pid}.aof`);
      const write = new BaseWrite((sink) => this.baseSnapshot(sink), temp, () => {});
      write.runNow();
      const base = this.manifest.newBase(write.snapshot.rdb);
      renameSync(temp, this.path(base.name));
      log.notice(`Creating AOF base file ${base.name} on server start`);
    }
    const incr = this.manifest.lastIncr;
    this.fd = openSync(this.path(incr.name), 'a', 0o644);
    this.persistManifest(this.manifest);
    this.lastIncrSize = this.fileSize(incr.name);
    this.currentSize = this.liveSize();
    this.fsyncedSize = this.currentSize;
    log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
    this.startCron();
  }

  // ---- switching on and off ------------------------------------------------------------------

  /** CONFIG SET appendonly yes (Redis's startAppendOnly): on once a first base is written. */
  private start(): void {
    this.state = AofState.WaitRewrite;
    this.startCron();
    if (this.server.denyBlocking) {
      this.rewriteScheduled = true;
      this.server.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else if (this.server.persistence.inProgress) {
      this.rewriteScheduled = true;
      this.server.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else {
      if (this.rewrite !== null) {
        this.server.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
        this.abortRewrite();
      }
      if (!this.rewriteInBackground()) {
        this.state = AofState.Off;
        this.server.log.warning(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
        );
        // CONFIG SET answers the failure and leaves appendonly as it was.
        this.server.config.set('appendonly', 'no', true);
        throw new ConfigError(AOF_TURN_ON_FAILED);
      }
    }
    this.lastFsyncAt = Date.now();
    if (this.lastWriteError !== null) {
      this.server.log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteError = null;
    }
  }

  /** CONFIG SET appendonly no (Redis's stopAppendOnly). */
  private stop(): void {
    this.flush(true);
    if (this.fd >= 0) {
      this.fsyncNow();
      closeSync(this.fd);
    }
    this.fd = -1;
    this.encoder.forgetSelection();
    this.state = AofState.Off;
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.abortRewrite();
    this.buffer.take();
    this.unwritten = null;
    this.stopFeeding?.();
    this.stopFeeding = null;
  }

  /** Shutdown: the last writes reach the disk (Redis's "Calling fsync() on the AOF file."). */
  close(): void {
    if (this.rewrite !== null) {
      this.server.log.warning('There is a child rewriting the AOF. Killing it!');
      this.abortRewrite();
    }
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    if (this.state === AofState.Off || this.fd < 0) return;
    this.server.log.notice('Calling fsync() on the AOF file.');
    this.flush(true);
    this.fsyncNow();
    closeSync(this.fd);
    this.fd = -1;
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Starts taking the propagation stream (and refusing writes while the file cannot be written). */
  private feed(): void {
    if (this.stopFeeding !== null) return;
    const stopPropagation = this.server.effects.onPropagate((db, argv) => this.append(db, argv));
    // As Redis's writeCommandsDeniedByDiskError: while the AOF cannot be written, writes (and
    // PING, which monitoring uses to notice) are refused.
    const removeCheck = this.server.addCheck((_client, cmd) =>
      this.lastWriteError !== null && refusedOnDiskError(cmd) ? aofWriteError(this.lastWriteError) : null,
    );
    this.stopFeeding = () => {
      stopPropagation();
      removeCheck();
    };
  }

  /** Redis's feedAppendOnlyFile. */
  private append(db: number, argv: readonly Buffer[]): void {
    if (this.state !== AofState.On && !(this.state === AofState.WaitRewrite && this.rewrite !== null)) return;
    const empty = this.buffer.pendingLength === 0;
    if (this.timestamps) {
      const now = Math.floor(Date.now() / 1000);
      if (now > this.timestamp) {
        this.timestamp = now;
        this.buffer.raw(Buffer.from(`#TS:${now}\r\n`));
      }
    }
    this.encoder.write(this.buffer, db, argv);
    // Writes with no reply to wait for (the cron's expiries) are written at the end of the turn too.
    if (empty) setImmediate(this.flushSoon);
  }

  private readonly flushSoon = (): void => this.flush(false);

  /**
   * Redis's flushAppendOnlyFile: writes the buffer and fsyncs per appendfsync. Runs before
   * each turn's replies leave, so under `always` a reply never precedes its write's fsync.
   */
  flush(force: boolean): void {
    if (this.fd < 0) return;
    const policy = this.fsyncPolicy;
    if (this.buffer.pendingLength === 0 && this.unwritten === null) {
      // Nothing new (every connection's flush but the turn's first gets here, so no clock
      // read unless needed), but writes from before may still wait for their once-a-second fsync.
      if (policy === 'everysec' && this.fsyncedSize !== this.currentSize && !this.fsyncInProgress) {
        const now = Date.now();
        if (now - this.lastFsyncAt >= 1000) this.fsync(policy, now);
      }
      return;
    }
    // Under always the turns' commands gather while an fsync runs and go in one write after
    // it, as the turns of a blocked event loop would: a write per turn cost more CPU than it saved.
    if (policy === 'always' && !force && this.alwaysSyncRunning) return;
    const now = Date.now();
    if (policy === 'everysec' && !force && this.fsyncInProgress) {
      // write(2) would wait for the fsync anyway; the writes wait here instead, up to 2 s.
      if (this.flushPostponedSince === 0) {
        this.flushPostponedSince = now;
        return;
      }
      if (now - this.flushPostponedSince < 2000) return;
      this.delayedFsyncs++;
      this.server.log.notice(
        'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
      );
    }
    this.flushPostponedSince = 0;
    const taken = this.buffer.take();
    const bytes = this.unwritten === null ? taken! : taken === null ? this.unwritten : Buffer.concat([this.unwritten, taken]);
    this.unwritten = null;
    let written = 0;
    const started = performance.now();
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    } catch (error) {
      this.writeFailed(error, bytes.subarray(written), policy);
      return;
    } finally {
      this.currentSize += written;
      this.lastIncrSize += written;
      this.writtenTotal += written;
      this.noteWriteLatency(performance.now() - started);
    }
    if (this.lastWriteError !== null) {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
    }
    this.fsync(policy, now);
  }

  /**
   * The latency monitor's aof-write events, as Redis names them: a write that waited behind a
   * background fsync, one made while a rewrite or BGSAVE runs (Redis's "active child"), or
   * neither; and every write as aof-write.
   */
  private noteWriteLatency(ms: number): void {
    const monitor = this.server.observability;
    if (this.fsyncInProgress) monitor.event('aof-write-pending-fsync', ms);
    else if (this.rewrite !== null || this.server.persistence.inProgress) monitor.event('aof-write-active-child', ms);
    else monitor.event('aof-write-alone', ms);
    monitor.event('aof-write', ms);
  }

  private writeFailed(error: unknown, rest: Buffer, policy: string): void {
    const reason = describeError(error);
    this.server.log.warning(`Error writing to the AOF file: ${reason}`);
    if (policy === 'always') {
      // The replies acknowledging these writes are about to leave: the promise cannot be kept.
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    // Written again from the cron; meanwhile writes are refused (MISCONF).
    this.lastWriteError = reason;
    this.unwritten = Buffer.from(rest);
  }

  private fsync(policy: string, now: number): void {
    if (this.server.config.bool('no-appendfsync-on-rewrite') && this.rewrite !== null) return;
    if (policy === 'always') {
      if (!this.alwaysSyncRunning) this.startAlwaysSync();
      this.lastFsyncAt = now;
    } else if (policy === 'everysec' && now - this.lastFsyncAt >= 1000) {
      if (!this.fsyncInProgress) this.fsyncInBackground(this.fd, false);
      this.lastFsyncAt = now;
    }
  }

  /** fsync in libuv's thread pool; `close` for a file replaced by a new incremental one. */
  private fsyncInBackground(fd: number, close: boolean): void {
    const size = this.currentSize;
    // Only the current file's fsync holds writes back; a replaced file's does not (Redis keeps
    // the two on separate background queues).
    if (!close) this.fsyncInProgress = true;
    fdatasync(fd, (error) => {
      if (error) this.server.log.warning(`Fail to fsync the AOF file: ${error.message}`);
      if (close) {
        closeSync(fd);
        return;
      }
      this.fsyncInProgress = false;
      if (!error) this.fsyncedSize = Math.max(this.fsyncedSize, size);
    });
  }

  private fsyncNow(): void {
    try {
      fdatasyncSync(this.fd);
      this.fsyncedSize = this.currentSize;
      this.lastFsyncAt = Date.now();
      this.synced(this.writtenTotal);
    } catch (error) {
      this.server.log.warning(`Fail to fsync the AOF file: ${describeError(error)}`);
    }
  }

  /** appendfsync always: fsyncs everything written so far in libuv's thread pool. */
  private startAlwaysSync(): void {
    const fd = this.fd;
    const upTo = this.writtenTotal;
    const size = this.currentSize;
    const started = performance.now();
    this.alwaysSyncRunning = true;
    fdatasync(fd, (error) => {
      this.alwaysSyncRunning = false;
      // A file replaced or closed meanwhile was fsynced on the event loop first (fsyncNow).
      if (fd !== this.fd) return this.synced(this.syncedTotal);
      if (error) {
        this.server.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${describeError(error)}. Exiting...`);
        process.exit(1);
      }
      this.server.observability.event('aof-fsync-always', performance.now() - started);
      this.fsyncedSize = Math.max(this.fsyncedSize, size);
      this.synced(upTo);
    });
  }

  /**
   * The first `upTo` bytes are on disk: the replies waiting for them leave. Replies waiting for
   * later writes get the next fsync, or leave now when no fsync is due any more (the policy
   * changed, or no-appendfsync-on-rewrite during a rewrite), as Redis would have sent them.
   */
  private synced(upTo: number): void {
    this.syncedTotal = Math.max(this.syncedTotal, upTo);
    if (!this.alwaysSyncRunning && this.fd >= 0 && this.alwaysSyncDue()) {
      // The commands gathered meanwhile are written, and the next fsync begins.
      if (this.buffer.pendingLength > 0) this.flush(true);
      else if (this.syncedTotal < this.writtenTotal) this.startAlwaysSync();
    }
    const waiting = this.waitingSends;
    let ready = 0;
    while (ready < waiting.length && waiting[ready]!.upTo <= this.syncedTotal) ready++;
    if (!this.alwaysSyncRunning) ready = waiting.length;
    for (const { send } of waiting.splice(0, ready)) send();
  }

  private alwaysSyncDue(): boolean {
    return this.fsyncPolicy === 'always' && !(this.server.config.bool('no-appendfsync-on-rewrite') && this.rewrite !== null);
  }

  /** Server.deferReplies: replies wait while an fsync of what they acknowledge is under way. */
  private deferUntilSynced(send: () => void): boolean {
    const upTo = this.writtenTotal + this.buffer.pendingLength;
    if (this.syncedTotal >= upTo || !this.alwaysSyncRunning) return false;
    this.waitingSends.push({ upTo, send });
    return true;
  }

  // ---- rewriting -----------------------------------------------------------------------------

  /**
   * Redis's rewriteAppendOnlyFileBackground: writes since this instant go to a new incremental
   * file; the new base holds the keyspace as of this instant. False when it could not start.
   */
  rewriteInBackground(): boolean {
    if (this.rewrite !== null) return false;
    const log = this.server.log;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      log.warning(`Can't open or create append-only dir ${this.server.config.get('appenddirname')}: ${describeError(error)}`);
      this.lastRewriteOk = false;
      return false;
    }
    // Until the AOF is on, the directory may hold an earlier manifest: the new base follows it.
    if (this.state !== AofState.On && !this.manifestReadable()) {
      this.lastRewriteOk = false;
      return false;
    }
    this.encoder.forgetSelection();
    this.flush(true);
    if (!this.openNewIncr()) {
      this.lastRewriteOk = false;
      return false;
    }
    this.rewrites++;
    const tempName = `temp-rewriteaof-bg-${process.pid}.aof`;
    try {
      const write: BaseWrite = new BaseWrite((sink) => this.baseSnapshot(sink), this.tempBasePath(tempName), (error) =>
        this.rewriteDone(write.snapshot.rdb, error),
      );
      this.rewrite = { write, tempName, startedAt: Date.now() };
      write.runInBackground();
    } catch (error) {
      log.warning(`Can't rewrite append only file in background: ${describeError(error)}`);
      this.lastRewriteOk = false;
      return false;
    }
    log.notice('Background append only file rewriting started (in-process, point-in-time walk)');
    this.rewriteScheduled = false;
    return true;
  }

  /** A base as aof-use-rdb-preamble asks: an RDB image, or commands. */
  private baseSnapshot(sink: Sink): SnapshotWriter {
    const config = this.server.config;
    if (config.bool('aof-use-rdb-preamble')) return rdbBaseSnapshot(this.server, sink);
    return new CommandsSnapshot(this.server.keyspace, config.bool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : null, sink);
  }

  /** Redis's openNewIncrAofForAppend. */
  private openNewIncr(): boolean {
    if (this.state === AofState.Off) return true;
    let name: string;
    let next: Manifest | null = null;
    if (this.state === AofState.WaitRewrite) {
      name = this.manifest.tempIncrName;
    } else {
      next = this.manifest.clone();
      name = next.newIncr().name;
    }
    let fd: number;
    try {
      fd = openSync(this.path(name), 'w', 0o644);
    } catch (error) {
      this.server.log.warning(`Can't open the append-only file ${name}: ${describeError(error)}`);
      return false;
    }
    if (next !== null && !this.persistManifest(next)) {
      closeSync(fd);
      return false;
    }
    this.server.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    // Replies waiting under always must not wait on a file no longer fsynced for them.
    if (this.fd >= 0 && this.alwaysSyncRunning) this.fsyncNow();
    // The old file still has writes its everysec fsync may not have covered: fsynced, then closed.
    if (this.fd >= 0) this.fsyncInBackground(this.fd, true);
    this.fd = fd;
    this.feed();
    this.lastIncrSize = 0;
    if (next !== null) this.manifest = next;
    return true;
  }

  /** Redis's backgroundRewriteDoneHandler. */
  private rewriteDone(rdb: boolean, error: Error | null): void {
    const log = this.server.log;
    const rewrite = this.rewrite!;
    this.rewrite = null;
    this.lastRewriteSeconds = Math.floor((Date.now() - rewrite.startedAt) / 1000);
    if (error !== null) {
      log.warning(`Write error writing append only file on disk: ${error.message}`);
      log.warning('Background AOF rewrite terminated with error');
      this.rewriteFailed();
      return;
    }
    log.notice(`Successfully created the temporary AOF base file ${rewrite.tempName}`);
    log.notice('Background AOF rewrite terminated with success');
    const next = this.manifest.clone();
    const base = next.newBase(rdb);
    const tempPath = this.tempBasePath(rewrite.tempName);
    try {
      this.timedRename(tempPath, this.path(base.name));
    } catch (cause) {
      log.warning(`Error trying to rename the temporary AOF base file ${rewrite.tempName} into ${base.name}: ${describeError(cause)}`);
      rmSync(tempPath, { force: true });
      this.rewriteFailed();
      return;
    }
    log.notice(`Successfully renamed the temporary AOF base file ${rewrite.tempName} into ${base.name}`);
    let incr: AofFile | null = null;
    if (this.state === AofState.WaitRewrite) {
      const temp = next.tempIncrName;
      incr = next.newIncr();
      try {
        this.timedRename(this.path(temp), this.path(incr.name));
      } catch (cause) {
        log.warning(`Error trying to rename the temporary AOF incr file ${temp} into ${incr.name}: ${describeError(cause)}`);
        rmSync(this.path(base.name), { force: true });
        this.rewriteFailed();
        return;
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${temp} into ${incr.name}`);
    }
    next.retireIncrs(this.fd >= 0);
    if (!this.persistManifest(next)) {
      rmSync(this.path(base.name), { force: true });
      if (incr !== null) rmSync(this.path(incr.name), { force: true });
      this.rewriteFailed();
      return;
    }
    this.manifest = next;
    if (this.fd >= 0) {
      this.encoder.forgetSelection();
      this.currentSize = this.fileSize(base.name) + this.lastIncrSize;
      this.rewriteBaseSize = this.currentSize;
      this.fsyncedSize = this.currentSize;
      this.lastFsyncAt = Date.now();
    }
    this.deleteHistory();
    this.lastRewriteOk = true;
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === AofState.WaitRewrite) this.state = AofState.On;
  }

  private rewriteFailed(): void {
    this.lastRewriteOk = false;
    this.consecutiveFailures++;
    this.afterRewrite();
  }

  /** Clean-up after a rewrite that did not finish: writes since its start wait for the next one. */
  private afterRewrite(): void {
    if (this.state !== AofState.WaitRewrite) return;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.buffer.take();
    this.unwritten = null;
    const temp = this.manifest.tempIncrName;
    this.server.log.notice(`Removing the temp incr aof file ${temp} in the background`);
    unlink(this.path(temp), () => {});
    this.rewriteScheduled = true;
  }

  private abortRewrite(): void {
    if (this.rewrite === null) return;
    this.rewrite.write.abort();
    this.rewrite = null;
    this.afterRewrite();
  }

  /** Redis's aofDelHistoryFiles: history files go once the manifest no longer names them live. */
  private deleteHistory(): void {
    if (this.server.config.bool('aof-disable-auto-gc') || this.manifest.history.length === 0) return;
    for (const file of this.manifest.history) {
      this.server.log.notice(`Removing the history file ${file.name} in the background`);
      unlink(this.path(file.name), () => {});
    }
    this.manifest.history = [];
    this.persistManifest(this.manifest);
  }

  /** Writes the manifest to a temp file, fsyncs it, renames it over the old one (writeAofManifestFile). */
  private persistManifest(manifest: Manifest): boolean {
    const temp = this.path(manifest.tempFileName);
    try {
      const fd = openSync(temp, 'w', 0o644);
      try {
        writeSync(fd, manifest.format());
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path(manifest.fileName));
      // The directory too: the rename and any new file must survive a crash.
      const dirFd = openSync(this.dir, 'r');
      try {
        fdatasyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
      return true;
    } catch (error) {
      this.server.log.warning(`Error trying to write the AOF manifest file ${manifest.fileName}: ${describeError(error)}`);
      return false;
    }
  }

  // ---- the cron ------------------------------------------------------------------------------

  private startCron(): void {
    if (this.cronTimer !== null) return;
    this.cronTimer = setInterval(() => this.cron(), CRON_MS);
    this.cronTimer.unref();
  }

  /** The AOF's part of Redis's serverCron. */
  private cron(): void {
    const config = this.server.config;
    // As Redis's serverCron, a rewrite waits while a BGSAVE runs.
    if (this.server.persistence.inProgress) return this.flushInCron();
    if (this.rewrite === null && this.rewriteScheduled && !this.rewriteLimited()) this.rewriteInBackground();
    if (this.state === AofState.On && this.rewrite === null) {
      const percentage = config.number('auto-aof-rewrite-percentage');
      if (percentage > 0 && this.currentSize > config.number('auto-aof-rewrite-min-size')) {
        const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
        const growth = Math.floor((this.currentSize * 100) / base) - 100;
        if (growth >= percentage && !this.rewriteLimited()) {
          this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
          this.rewriteInBackground();
        }
      }
    }
    this.flushInCron();
  }

  /** Postponed writes, once-a-second fsyncs with no new writes, and retries after a write error. */
  private flushInCron(): void {
    if (this.state !== AofState.Off) this.flush(false);
  }

  /** Redis's aofRewriteLimited: after repeated failures, automatic rewrites back off. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.rewriteDelayMinutes = 0;
      this.rewriteRetryAt = 0;
      return false;
    }
    const now = Date.now();
    if (this.rewriteRetryAt !== 0) {
      if (now < this.rewriteRetryAt) return true;
      this.rewriteRetryAt = 0;
      return false;
    }
    this.rewriteDelayMinutes = Math.min(this.rewriteDelayMinutes === 0 ? 1 : this.rewriteDelayMinutes * 2, REWRITE_LIMIT_MAX_MINUTES);
    this.rewriteRetryAt = now + this.rewriteDelayMinutes * 60_000;
    this.server.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.rewriteDelayMinutes} minutes`);
    return true;
  }

  // ---- sizes ---------------------------------------------------------------------------------

  /** A rewrite's rename into place, timed as Redis's aof-rename event. */
  private timedRename(from: string, to: string): void {
    const started = performance.now();
    renameSync(from, to);
    this.server.observability.event('aof-rename', performance.now() - started);
  }

  /** A file's size, its stat timed as Redis's aof-fstat event. */
  private fileSize(name: string): number {
    const started = performance.now();
    try {
      return statSync(this.path(name)).size;
    } catch {
      return 0;
    } finally {
      this.server.observability.event('aof-fstat', performance.now() - started);
    }
  }

  private liveSize(): number {
    let total = 0;
    for (const file of this.manifest.liveFiles) total += this.fileSize(file.name);
    return total;
  }

  /** INFO aof_buffer_length. */
  get bufferLength(): number {
    return this.buffer.pendingLength + (this.unwritten?.length ?? 0);
  }

  get fsyncPending(): boolean {
    return this.fsyncInProgress;
  }
}

function refusedOnDiskError(cmd: RegisteredCommand): boolean {
  return cmd.has(Flag.Write) || cmd.spec.name === 'ping';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}


/** INFO persistence's aof_* fields, in Redis 7.0's order (the size fields only while the AOF is on). */
export function aofInfoFields(server: Server): [string, string | number][] {
  const aof = AppendOnlyFile.existing(server);
  if (aof === null) {
    return [
      ['aof_enabled', 0],
      ['aof_rewrite_in_progress', 0],
      ['aof_rewrite_scheduled', 0],
      ['aof_last_rewrite_time_sec', -1],
      ['aof_current_rewrite_time_sec', -1],
      ['aof_last_bgrewrite_status', 'ok'],
      ['aof_rewrites', 0],
      ['aof_rewrites_consecutive_failures', 0],
      ['aof_last_write_status', 'ok'],
      ['aof_last_cow_size', 0],
    ];
  }
  const rewrite = aof.rewrite;
  const fields: [string, string | number][] = [
    ['aof_enabled', aof.state !== AofState.Off ? 1 : 0],
    ['aof_rewrite_in_progress', rewrite !== null ? 1 : 0],
    ['aof_rewrite_scheduled', aof.rewriteScheduled ? 1 : 0],
    ['aof_last_rewrite_time_sec', aof.lastRewriteSeconds],
    ['aof_current_rewrite_time_sec', rewrite !== null ? Math.floor((Date.now() - rewrite.startedAt) / 1000) : -1],
    ['aof_last_bgrewrite_status', aof.lastRewriteOk ? 'ok' : 'err'],
    ['aof_rewrites', aof.rewrites],
    ['aof_rewrites_consecutive_failures', aof.consecutiveFailures],
    ['aof_last_write_status', aof.lastWriteError === null ? 'ok' : 'err'],
    // No fork, so no copy-on-write pages: the walk's copies are the values it wrote early.
    ['aof_last_cow_size', 0],
  ];
  if (aof.state !== AofState.Off) {
    fields.push(
      ['aof_current_size', aof.currentSize],
      ['aof_base_size', aof.rewriteBaseSize],
      ['aof_pending_rewrite', aof.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', aof.bufferLength],
      ['aof_pending_bio_fsync', aof.fsyncPending ? 1 : 0],
      ['aof_delayed_fsync', aof.delayedFsyncs],
    );
  }
  return fields;
}
