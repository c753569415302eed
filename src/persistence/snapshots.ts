// Snapshots of the keyspace in RDB files, as Redis's rdb.c drives them: SAVE (blocking), BGSAVE
// (here forkless: an incremental, point-in-time walk between event-loop turns, its writes and
// fsync on libuv's threads), save points checked by the cron, the change counter's save
// baseline, LASTSAVE, stop-writes-on-bgsave-error, loading at start-up and DEBUG RELOAD.
// Every file is written under a temp name, fsynced and renamed, so a crash never leaves a
// half file in the place of the last good one.

import { Buffer } from 'node:buffer';
import { closeSync, existsSync, fsync, fsyncSync, openSync, readFileSync, renameSync, rmSync, write, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { Flag } from '../commands/registry.ts';
import { LOADING, MISCONF_BGSAVE } from '../errors.ts';
import type { Server } from '../server/server.ts';
import { libraryCodes, loadLibraryFromRdb } from '../scripting/scripting.ts';
import { limitsFrom, loadRdb, RdbLoader, RdbSnapshot, writeRdb, type AccessInfo, type RdbLoadOptions, type RdbLoadResult, type RdbSaveOptions } from './rdb/index.ts';

/** Redis waits this long after a failed BGSAVE before save points may try again. */
const BGSAVE_RETRY_DELAY_S = 5;
/** Output a BGSAVE step produces before it yields, and the time it may take. */
const STEP_BYTES = 256 * 1024;
const STEP_BUDGET_MS = 2;
/** Written-but-unflushed bytes past which the walk waits for the disk. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

const LRU_POLICIES = new Set(['volatile-lru', 'allkeys-lru']);
const LFU_POLICIES = new Set(['volatile-lfu', 'allkeys-lfu']);

/** File bytes a start-up load reads per event-loop turn (between turns clients get -LOADING). */
const LOAD_STEP_BYTES = 2 * 1024 * 1024;
/** A progress line every this many ms while loading. */
const LOAD_LOG_INTERVAL_MS = 5000;

/** What INFO shows of a load in progress (Redis's loading_* fields). */
export interface LoadProgress {
  startedAt: number;
  totalBytes: number;
  loadedBytes: number;
  /** used-mem from the file's aux fields, once read. */
  rdbUsedMem: number;
}

/** A running BGSAVE. */
interface BackgroundSave {
  snapshot: RdbSnapshot;
  fd: number;
  temp: string;
  target: string;
  startedMs: number;
  /** The change counter when it began: what a successful save leaves uncounted. */
  changesAtStart: number;
  queue: Buffer[];
  pendingBytes: number;
  writing: boolean;
  walked: boolean;
  failed: Error | null;
  aborted: boolean;
}

export class Snapshots {
  /** LASTSAVE, in seconds: the start, then each successful save. */
  lastSave: number;
  lastBgsaveOk = true;
  lastBgsaveTry = 0;
  lastBgsaveSeconds = -1;
  saves = 0;
  /** Bytes the last BGSAVE kept for keys written before its walk reached them. */
  lastCowBytes = 0;
  lastLoad: Pick<RdbLoadResult, 'keysLoaded' | 'expiredSkipped'> = { keysLoaded: 0, expiredSkipped: 0 };
  /** BGSAVE SCHEDULE (or BGSAVE in EXEC) waiting for the cron. */
  scheduled = false;
  private running: BackgroundSave | null = null;
  /** Listeners told when a BGSAVE ends (tests, SHUTDOWN waiting). */
  private readonly doneListeners: ((ok: boolean) => void)[] = [];
  private writesRefused = false;
  /** A start-up load in progress (clients get -LOADING meanwhile), or null. */
  loading: LoadProgress | null = null;
  /** Re-reads whether writes are refused (after a save's outcome or a config change). */
  private readonly refreshRefusal: () => void;
  /** Other background jobs (an AOF rewrite) that, like Redis's other child processes, keep a BGSAVE waiting. */
  private readonly otherJobs: (() => boolean)[] = [];

  constructor(private readonly server: Server) {
    this.lastSave = Math.floor(server.keyspace.clock.now() / 1000);
    const refresh = () => {
      const config = server.config;
      this.writesRefused = !this.lastBgsaveOk && config.bool('stop-writes-on-bgsave-error') && config.get('save') !== '';
    };
    server.config.onChange((name) => {
      if (name === 'stop-writes-on-bgsave-error' || name === 'save') refresh();
    });
    this.refreshRefusal = refresh;
    // As Redis's processCommand: while the dataset loads, only commands flagged ok-loading run.
    server.addCheck((_client, cmd) => (this.loading !== null && !cmd.has(Flag.Loading) ? LOADING : null));
    // After a failed BGSAVE, writes (and PING) get MISCONF.
    server.addCheck((client, cmd) => {
      if (!this.writesRefused) return null;
      const writes = cmd.has(Flag.Write) || (cmd.spec.name === 'exec' && client.multi !== null && client.multi.some((q) => q.cmd.has(Flag.Write)));
      return writes || cmd.spec.name === 'ping' ? MISCONF_BGSAVE : null;
    });
    server.keyspace.observe({
      beforeFlushAll: () => this.abortBackgroundSave(),
      flushedAll: () => this.afterFlushAll(),
    });
  }

  get path(): string {
    return resolve(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  get inProgress(): boolean {
    return this.running !== null;
  }

  /** Registers another background job, whose activity `active` tells (Redis's hasActiveChildProcess). */
  addBackgroundJob(active: () => boolean): void {
    this.otherJobs.push(active);
  }

  /** Whether another background job runs: a BGSAVE then waits for it (BGSAVE SCHEDULE, save points). */
  get otherJobActive(): boolean {
    return this.otherJobs.some((active) => active());
  }

  /** Seconds the running BGSAVE has taken, or -1. */
  get currentSeconds(): number {
    return this.running === null ? -1 : Math.floor((performance.now() - this.running.startedMs) / 1000);
  }

  get currentCowBytes(): number {
    return this.running?.snapshot.cowBytes ?? 0;
  }

  get currentKeys(): { processed: number; total: number } {
    const snapshot = this.running?.snapshot;
    if (snapshot === undefined) return { processed: 0, total: 0 };
    return { processed: snapshot.keysWritten, total: snapshot.keysTotal };
  }

  /** Save points as pairs of [seconds, changes]. */
  get savePoints(): [number, number][] {
    const words = this.server.config.get('save').split(/\s+/).filter((w) => w !== '');
    const points: [number, number][] = [];
    for (let i = 0; i + 1 < words.length; i += 2) points.push([Number(words[i]), Number(words[i + 1])]);
    return points;
  }

  saveOptions(): RdbSaveOptions {
    const { config, keyspace } = this.server;
    const policy = config.get('maxmemory-policy');
    const access: AccessInfo = LRU_POLICIES.has(policy) ? 'lru' : LFU_POLICIES.has(policy) ? 'lfu' : 'none';
    return {
      compression: config.bool('rdbcompression'),
      checksum: config.bool('rdbchecksum'),
      limits: limitsFrom(config),
      access,
      usedMemory: keyspace.usedBytes,
      now: keyspace.clock.now(),
      functions: libraryCodes(this.server),
    };
  }

  /** SAVE: writes the file now, blocking. False (and a log line) when it could not. */
  save(): boolean {
    const { log, keyspace } = this.server;
    const target = this.path;
    const temp = resolve(this.server.config.get('dir'), `temp-${process.pid}.rdb`);
    let fd: number;
    try {
      fd = openSync(temp, 'w');
    } catch (error) {
      log.warning(`Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${this.server.config.get('dir')}) for saving: ${(error as Error).message}`);
      return false;
    }
    try {
      writeRdb(keyspace, this.saveOptions(), (chunk) => writeAll(fd, chunk));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, target);
    } catch (error) {
      log.warning(`Write error saving DB on disk: ${(error as Error).message}`);
      closeQuietly(fd);
      rmSync(temp, { force: true });
      return false;
    }
    log.notice('DB saved on disk');
    this.saved(keyspace.changes);
    this.lastBgsaveOk = true;
    this.refreshRefusal();
    return true;
  }

  /** After a save that holds every change up to `changes`. */
  private saved(changes: number): void {
    this.server.saveBaseline = changes;
    this.lastSave = Math.floor(this.server.keyspace.clock.now() / 1000);
  }

  /** BGSAVE: starts the incremental save; false when one runs already or the file cannot open. */
  startBackgroundSave(): boolean {
    if (this.running !== null) return false;
    const { log, keyspace } = this.server;
    this.saves++;
    this.lastBgsaveTry = Math.floor(keyspace.clock.now() / 1000);
    const temp = resolve(this.server.config.get('dir'), `temp-bgsave-${process.pid}.rdb`);
    let fd: number;
    try {
      fd = openSync(temp, 'w');
    } catch (error) {
      log.warning(`Failed opening the temp RDB file ${temp} for saving: ${(error as Error).message}`);
      this.lastBgsaveOk = false;
      this.refreshRefusal();
      return false;
    }
    const job: BackgroundSave = {
      snapshot: null as unknown as RdbSnapshot,
      fd,
      temp,
      target: this.path,
      startedMs: performance.now(),
      changesAtStart: keyspace.changes,
      queue: [],
      pendingBytes: 0,
      writing: false,
      walked: false,
      failed: null,
      aborted: false,
    };
    job.snapshot = new RdbSnapshot(keyspace, this.saveOptions(), (chunk) => {
      job.queue.push(chunk);
      job.pendingBytes += chunk.length;
      this.pump(job);
    });
    this.running = job;
    this.scheduled = false;
    log.notice(`Background saving started by pid ${process.pid}`);
    setImmediate(() => this.walk(job));
    return true;
  }

  /** One turn's share of the walk. */
  private walk(job: BackgroundSave): void {
    if (job.aborted || job.failed !== null) return;
    const started = performance.now();
    while (!job.walked && job.pendingBytes < MAX_PENDING_BYTES && performance.now() - started < STEP_BUDGET_MS) {
      job.walked = job.snapshot.step(STEP_BYTES);
    }
    if (!job.walked && job.pendingBytes < MAX_PENDING_BYTES) setImmediate(() => this.walk(job));
    // Otherwise the writer resumes the walk once the disk has caught up (see pump).
    this.pump(job);
  }

  /** Writes queued chunks one after another on libuv's threads; at the end fsyncs and renames. */
  private pump(job: BackgroundSave): void {
    if (job.writing || job.aborted) return;
    const chunk = job.queue.shift();
    if (chunk === undefined) {
      if (job.walked) this.finish(job);
      return;
    }
    job.writing = true;
    writeChunk(job.fd, chunk, (error) => {
      job.writing = false;
      if (job.aborted) return;
      if (error !== null) return this.fail(job, error);
      const wasBlocked = job.pendingBytes >= MAX_PENDING_BYTES;
      job.pendingBytes -= chunk.length;
      if (wasBlocked && !job.walked && job.pendingBytes < MAX_PENDING_BYTES) setImmediate(() => this.walk(job));
      this.pump(job);
    });
  }

  private finish(job: BackgroundSave): void {
    job.writing = true;
    fsync(job.fd, (error) => {
      if (job.aborted) return;
      if (error !== null) return this.fail(job, error);
      try {
        closeSync(job.fd);
        renameSync(job.temp, job.target);
      } catch (renameError) {
        return this.fail(job, renameError as Error);
      }
      this.server.log.notice('Background saving terminated with success');
      this.saved(job.changesAtStart);
      this.end(job, true);
    });
  }

  private fail(job: BackgroundSave, error: Error): void {
    this.server.log.warning(`Write error saving DB on disk: ${error.message}`);
    this.server.log.warning('Background saving error');
    closeQuietly(job.fd);
    rmSync(job.temp, { force: true });
    this.end(job, false);
  }

  private end(job: BackgroundSave, ok: boolean): void {
    this.running = null;
    this.lastBgsaveOk = ok;
    this.lastBgsaveSeconds = Math.floor((performance.now() - job.startedMs) / 1000);
    this.lastCowBytes = job.snapshot.cowBytes;
    this.refreshRefusal();
    for (const listener of this.doneListeners.splice(0)) listener(ok);
  }

  /** Resolves when the running BGSAVE ends (true on success); at once with true when none runs. */
  whenSaved(): Promise<boolean> {
    if (this.running === null) return Promise.resolve(true);
    return new Promise((done) => this.doneListeners.push(done));
  }

  /** Stops a running BGSAVE and removes its temp file (FLUSHALL, SHUTDOWN, DEBUG RELOAD), as killRDBChild. */
  abortBackgroundSave(reason?: string): void {
    const job = this.running;
    if (job === null) return;
    if (reason !== undefined) this.server.log.warning(reason);
    job.aborted = true;
    job.snapshot.abort();
    closeQuietly(job.fd);
    // Redis times this removal when its child was killed: the rdb-unlink-temp-file event.
    const started = performance.now();
    rmSync(job.temp, { force: true });
    this.server.observability.event('rdb-unlink-temp-file', performance.now() - started);
    this.running = null;
    this.lastCowBytes = job.snapshot.cowBytes;
    for (const listener of this.doneListeners.splice(0)) listener(false);
  }

  /** FLUSHALL as Redis 7.0's flushAllDataAndResetRDB: with save points the empty dataset is saved; it counts as one change. */
  private afterFlushAll(): void {
    if (this.savePoints.length > 0) this.save();
    this.server.saveBaseline--;
  }

  /** The cron's part: a scheduled BGSAVE, else the first save point reached. */
  cron(): void {
    if (this.running !== null || this.otherJobActive) return;
    const now = Math.floor(this.server.keyspace.clock.now() / 1000);
    const mayRetry = this.lastBgsaveOk || now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_S;
    if (this.scheduled && mayRetry) {
      this.startBackgroundSave();
      return;
    }
    const dirty = this.server.dirty;
    for (const [seconds, changes] of this.savePoints) {
      if (dirty >= changes && now - this.lastSave > seconds && mayRetry) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBackgroundSave();
        return;
      }
    }
  }

  private loadOptions(): RdbLoadOptions {
    const { keyspace, log, config } = this.server;
    return {
      limits: limitsFrom(config),
      checksum: config.bool('rdbchecksum'),
      now: keyspace.clock.now(),
      warn: (message) => log.warning(message),
      loadFunction: (code) => loadLibraryFromRdb(this.server, code),
    };
  }

  /**
   * Loads the configured file into the keyspace at once, if there is one (DEBUG RELOAD).
   * Throws RdbFormatError (or a file error) when it cannot be read.
   */
  load(): RdbLoadResult | null {
    const path = this.path;
    if (!existsSync(path)) return null;
    const started = performance.now();
    const result = loadRdb(this.server.keyspace, readFileSync(path), this.loadOptions());
    this.loaded(result, started);
    return result;
  }

  /**
   * Loads the configured file in steps between event-loop turns (start-up): commands not
   * flagged ok-loading get -LOADING meanwhile and INFO shows the progress. Rejects as load().
   */
  async loadIncrementally(): Promise<RdbLoadResult | null> {
    const path = this.path;
    if (!existsSync(path)) return null;
    const { keyspace, log } = this.server;
    const started = performance.now();
    const data = readFileSync(path);
    const loader = new RdbLoader(keyspace, data, this.loadOptions());
    const progress: LoadProgress = { startedAt: Math.floor(keyspace.clock.now() / 1000), totalBytes: data.length, loadedBytes: 0, rdbUsedMem: 0 };
    this.loading = progress;
    let lastLog = performance.now();
    try {
      while (!loader.step(LOAD_STEP_BYTES)) {
        progress.loadedBytes = loader.position;
        progress.rdbUsedMem = Number(loader.result.aux.get('used-mem') ?? 0);
        if (performance.now() - lastLog >= LOAD_LOG_INTERVAL_MS) {
          lastLog = performance.now();
          log.notice(`Loading RDB: ${this.loadingPercent.toFixed(2)}% (${loader.result.keysLoaded} keys)`);
        }
        await new Promise((resume) => setImmediate(resume));
      }
    } finally {
      this.loading = null;
    }
    this.loaded(loader.result, started);
    return loader.result;
  }

  /** loading_loaded_perc */
  get loadingPercent(): number {
    const progress = this.loading;
    return progress === null || progress.totalBytes === 0 ? 0 : (progress.loadedBytes / progress.totalBytes) * 100;
  }

  /** loading_eta_seconds, estimated as Redis does from the time spent so far. */
  get loadingEtaSeconds(): number {
    const progress = this.loading;
    if (progress === null) return 0;
    const elapsed = Math.floor(this.server.keyspace.clock.now() / 1000) - progress.startedAt;
    if (elapsed === 0) return 1;
    return Math.floor((elapsed * (progress.totalBytes - progress.loadedBytes)) / (progress.loadedBytes + 1));
  }

  /** The log lines and figures of a finished load. */
  private loaded(result: RdbLoadResult, started: number): void {
    const { keyspace, log } = this.server;
    const version = result.aux.get('redis-ver');
    if (version !== undefined) log.notice(`Loading RDB produced by version ${version}`);
    const ctime = Number(result.aux.get('ctime'));
    if (Number.isFinite(ctime)) log.notice(`RDB age ${Math.floor(keyspace.clock.now() / 1000) - ctime} seconds`);
    const usedMem = Number(result.aux.get('used-mem'));
    if (Number.isFinite(usedMem)) log.notice(`RDB memory usage when created ${(usedMem / 1024 / 1024).toFixed(2)} Mb`);
    log.notice(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.expiredSkipped}.`);
    log.notice(`DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    this.lastLoad = result;
    this.server.saveBaseline = keyspace.changes;
  }
}

/** Closes a file after a failure, when it may be closed already. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closed already: nothing left to release
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
}

function writeChunk(fd: number, chunk: Buffer, done: (error: Error | null) => void, at = 0): void {
  write(fd, chunk, at, chunk.length - at, null, (error, written) => {
    if (error !== null) return done(error);
    if (at + written < chunk.length) return writeChunk(fd, chunk, done, at + written);
    done(null);
  });
}
