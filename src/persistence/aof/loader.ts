// Replaying one file of the append-only directory (Redis's loadSingleAppendOnlyFile): an
// optional RDB part (a base written with aof-use-rdb-preamble yes, or an old-style preamble),
// then commands in RESP, run through the gate as a client whose replies nobody reads. A torn
// last command is dropped (and the file truncated there) when aof-load-truncated allows;
// anything malformed before the end stops the load.

import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, truncateSync } from 'node:fs';
import { Client } from '../../server/client.ts';
import type { Server } from '../../server/server.ts';
import { loadLibraryFromRdb } from '../../scripting/scripting.ts';
import { limitsFrom, loadRdb } from '../rdb/index.ts';

export const LoadStatus = { Ok: 0, Empty: 1, NotExist: 2, OpenError: 3, Failed: 4, Truncated: 5 } as const;
export type LoadStatus = (typeof LoadStatus)[keyof typeof LoadStatus];

export interface LoadOptions {
  /** aof-load-truncated: a torn last command is dropped instead of failing the load. */
  truncatedOk: boolean;
  /** The file is an old single-file AOF (its RDB part is a preamble, not a base). */
  oldStyle: boolean;
}

const READ_CHUNK = 4 * 1024 * 1024;
const RDB_SIGNATURE = Buffer.from('REDIS');

/** Reads a file forward in chunks; what is consumed is dropped, the rest carried over. */
class FileReader {
  buf = Buffer.alloc(0);
  pos = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;

  constructor(private readonly fd: number) {}

  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes `n` bytes available from pos; false when the file ends first. */
  ensure(n: number): boolean {
    while (this.buf.length - this.pos < n) {
      if (this.eof) return false;
      const rest = this.buf.subarray(this.pos);
      const chunk = Buffer.allocUnsafe(Math.max(READ_CHUNK, n - rest.length));
      const read = readSync(this.fd, chunk, 0, chunk.length, null);
      if (read === 0) this.eof = true;
      this.base += this.pos;
      this.buf = Buffer.concat([rest, chunk.subarray(0, read)]);
      this.pos = 0;
    }
    return true;
  }

  /** The next line without its CRLF (as latin1), or null when the file ends before one. */
  line(): string | null {
    for (;;) {
      const end = this.buf.indexOf(0x0a, this.pos);
      if (end >= 0) {
        const text = this.buf.toString('latin1', this.pos, end > this.pos && this.buf[end - 1] === 0x0d ? end - 1 : end);
        this.pos = end + 1;
        return text;
      }
      if (!this.ensure(this.buf.length - this.pos + 1)) return null;
    }
  }

  /** The whole rest of the file (for the RDB codec, which reads from a buffer). */
  rest(): Buffer {
    while (this.ensure(this.buf.length - this.pos + READ_CHUNK));
    return this.buf.subarray(this.pos);
  }
}

/**
 * Loads the RDB image at the start of `bytes` (a base, or an old-style preamble) with Redis's
 * log lines; returns its length. Keys whose TTL passed load too: the AOF's DELs follow.
 */
function loadRdbPart(server: Server, bytes: Buffer): number {
  const { log, config, keyspace } = server;
  const result = loadRdb(keyspace, bytes, {
    limits: limitsFrom(config),
    checksum: config.bool('rdbchecksum'),
    now: null,
    warn: (message) => log.warning(message),
    loadFunction: (code) => loadLibraryFromRdb(server, code),
  });
  const version = result.aux.get('redis-ver');
  if (version !== undefined) log.notice(`Loading RDB produced by version ${version}`);
  const ctime = Number(result.aux.get('ctime'));
  if (Number.isFinite(ctime)) log.notice(`RDB age ${Math.floor(keyspace.clock.now() / 1000) - ctime} seconds`);
  const usedMem = Number(result.aux.get('used-mem'));
  if (Number.isFinite(usedMem)) log.notice(`RDB memory usage when created ${(usedMem / 1024 / 1024).toFixed(2)} Mb`);
  if (result.aux.get('aof-base') === '1') log.notice('RDB is base AOF');
  log.notice(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.expiredSkipped}.`);
  return result.end;
}

class FormatError extends Error {}
class ShortRead extends Error {}

/** Runs `argv` as the loading client would, queueing inside MULTI as Redis's loader does. */
function replay(server: Server, client: Client, argv: Buffer[], file: string): void {
  const cmd = server.resolve(argv);
  if (cmd === undefined) {
    throw new Error(`Unknown command '${argv[0]!.toString('latin1')}' reading the append only file ${file}`);
  }
  const arity = cmd.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    throw new Error(`Wrong number of arguments for '${cmd.fullName}' reading the append only file ${file}`);
  }
  if (client.multi !== null && cmd.spec.name !== 'exec') client.multi.push({ cmd, argv });
  else {
    server.effects.beginUnit();
    server.call(client, cmd, argv);
    server.effects.endUnit();
  }
  client.w.rewind(0);
}

/** Loads one AOF file of `dir`; logs as Redis does and returns the outcome. */
export function loadAofFile(server: Server, path: string, file: string, options: LoadOptions): LoadStatus {
  const log = server.log;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      log.warning(`The append log file ${file} doesn't exist: No such file or directory`);
      return LoadStatus.NotExist;
    }
    log.warning(`Fatal error: can't open the append log file ${file} for reading: ${(error as Error).message}`);
    return LoadStatus.OpenError;
  }
  try {
    if (fstatSync(fd).size === 0) return LoadStatus.Empty;
    return replayFile(server, fd, path, file, options);
  } finally {
    closeSync(fd);
  }
}

function replayFile(server: Server, fd: number, path: string, file: string, options: LoadOptions): LoadStatus {
  const log = server.log;
  const reader = new FileReader(fd);
  const client = new Client(0, server.keyspace.clock.now(), false);
  client.user = server.acl.internalUser;
  let validUpTo = 0;
  let validBeforeMulti = 0;
  try {
    if (reader.ensure(RDB_SIGNATURE.length) && reader.buf.subarray(0, RDB_SIGNATURE.length).equals(RDB_SIGNATURE)) {
      log.notice(options.oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        reader.pos += loadRdbPart(server, reader.rest());
      } catch (error) {
        log.warning(
          options.oldStyle
            ? `Error reading the RDB preamble of the AOF file ${file}, AOF loading aborted`
            : `Error reading the RDB base file ${file}, AOF loading aborted`,
        );
        log.warning((error as Error).message);
        return LoadStatus.Failed;
      }
      validUpTo = reader.offset;
      if (options.oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    for (;;) {
      const header = reader.line();
      if (header === null) {
        // A clean end, or a header torn before its line ended.
        if (reader.offset !== reader.base + reader.buf.length) throw new ShortRead();
        break;
      }
      if (header.startsWith('#')) continue;
      if (header[0] !== '*') throw new FormatError();
      const argc = parseInt(header.slice(1), 10);
      if (!(argc >= 1)) throw new FormatError();
      const argv: Buffer[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        const line = reader.line();
        if (line === null) throw new ShortRead();
        if (line[0] !== '$') throw new FormatError();
        const len = parseInt(line.slice(1), 10);
        if (!(len >= 0)) throw new FormatError();
        if (!reader.ensure(len + 2)) throw new ShortRead();
        argv[j] = Buffer.from(reader.buf.subarray(reader.pos, reader.pos + len));
        reader.pos += len + 2;
      }
      if (argv[0]!.length === 5 && argv[0]!.toString('latin1').toLowerCase() === 'multi') validBeforeMulti = validUpTo;
      replay(server, client, argv, file);
      validUpTo = reader.offset;
    }
    if (client.multi === null) return LoadStatus.Ok;
    // A MULTI without its EXEC is a torn unit: dropped whole, like a short read.
    log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${file}`);
    client.multi = null;
    validUpTo = validBeforeMulti;
  } catch (error) {
    if (error instanceof FormatError) {
      log.warning(
        `Bad file format reading the append only file ${file}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
      );
      return LoadStatus.Failed;
    }
    if (!(error instanceof ShortRead)) {
      log.warning((error as Error).message);
      return LoadStatus.Failed;
    }
  }
  if (options.truncatedOk) {
    log.warning(`!!! Warning: short read while loading the AOF file ${file}!!!`);
    log.warning(`!!! Truncating the AOF ${file} at offset ${validUpTo} !!!`);
    try {
      truncateSync(path, validUpTo);
      log.warning(`AOF ${file} loaded anyway because aof-load-truncated is enabled`);
      return LoadStatus.Truncated;
    } catch (error) {
      log.warning(`Error truncating the AOF file ${file}: ${(error as Error).message}`);
    }
  }
  log.warning(
    `Unexpected end of file reading the append only file ${file}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  );
  return LoadStatus.Failed;
}
