// Redis 7.0's multi-part AOF manifest: which files of the append-only directory make up the
// dataset (one base, then incremental files in order) and which are history awaiting deletion.
// Same text format and file names as Redis 7.0's aof.c, so either server reads the other's
// directory:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.3.incr.aof seq 3 type i

import { splitInlineArgs } from '../../protocol/resp/parser.ts';

export const FileType = { Base: 'b', History: 'h', Incr: 'i' } as const;
export type FileType = (typeof FileType)[keyof typeof FileType];

export interface AofFile {
  name: string;
  seq: number;
  type: FileType;
}

/** A manifest that cannot be read, with what Redis's loader reports about it. */
export class ManifestError extends Error {
  constructor(
    readonly reason: string,
    readonly lineNumber = 0,
    readonly line = '',
  ) {
    super(reason);
  }

  /** Redis's "FATAL AOF MANIFEST FILE ERROR" report, line by line. */
  get report(): string[] {
    const lines = ['', '*** FATAL AOF MANIFEST FILE ERROR ***', ''];
    if (this.line !== '') lines.push(`Reading the manifest file, at line ${this.lineNumber}`, '', `>>> '${this.line}'`, '');
    lines.push(this.reason, '');
    return lines;
  }
}

const MAX_LINE = 1024;

export class Manifest {
  base: AofFile | null = null;
  /** Files replaced by a rewrite, deleted once the new manifest is on disk. */
  history: AofFile[] = [];
  incr: AofFile[] = [];
  baseSeq = 0;
  incrSeq = 0;

  constructor(
    /** appendfilename: the stem of every file name. */
    readonly stem: string,
  ) {}

  get fileName(): string {
    return `${this.stem}.manifest`;
  }

  get tempFileName(): string {
    return `temp-${this.stem}.manifest`;
  }

  /** Where writes go while appendonly is being switched on, until the first base exists. */
  get tempIncrName(): string {
    return `temp-${this.stem}.incr`;
  }

  get isEmpty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** Base and incremental files, in loading order. */
  get liveFiles(): AofFile[] {
    return this.base === null ? [...this.incr] : [this.base, ...this.incr];
  }

  /** The incremental file being appended to, created when there is none. */
  get lastIncr(): AofFile {
    return this.incr[this.incr.length - 1] ?? this.newIncr();
  }

  clone(): Manifest {
    const copy = new Manifest(this.stem);
    copy.base = this.base && { ...this.base };
    copy.history = this.history.map((f) => ({ ...f }));
    copy.incr = this.incr.map((f) => ({ ...f }));
    copy.baseSeq = this.baseSeq;
    copy.incrSeq = this.incrSeq;
    return copy;
  }

  /** A new base's name (`.base.rdb` or `.base.aof` by its format); the old base becomes history. */
  newBase(rdb: boolean): AofFile {
    if (this.base !== null) this.history.unshift({ ...this.base, type: FileType.History });
    this.base = { name: `${this.stem}.${++this.baseSeq}.base.${rdb ? 'rdb' : 'aof'}`, seq: this.baseSeq, type: FileType.Base };
    return this.base;
  }

  newIncr(): AofFile {
    const file: AofFile = { name: `${this.stem}.${++this.incrSeq}.incr.aof`, seq: this.incrSeq, type: FileType.Incr };
    this.incr.push(file);
    return file;
  }

  /**
   * After a rewrite: the incremental files are in the new base now and become history, all but
   * the last when `keepLast` (it is the one being appended to).
   */
  retireIncrs(keepLast: boolean): void {
    const retired = keepLast ? this.incr.slice(0, -1) : this.incr;
    for (const file of retired) this.history.unshift({ ...file, type: FileType.History });
    this.incr = keepLast ? this.incr.slice(-1) : [];
  }

  /** The manifest's text: base first, then history, then incremental files. */
  format(): string {
    return [...(this.base ? [this.base] : []), ...this.history, ...this.incr].map(formatLine).join('');
  }

  /** Reads a manifest as Redis's aofLoadManifestFromFile does; throws ManifestError. */
  static parse(stem: string, text: string): Manifest {
    const manifest = new Manifest(stem);
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    const lines = text.split('\n');
    // A final newline ends the last line rather than starting an empty one.
    if (lines[lines.length - 1] === '') lines.pop();
    let maxSeq = 0;
    lines.forEach((raw, index) => {
      const lineNumber = index + 1;
      if (raw.startsWith('#')) return;
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const fail = (reason: string) => new ManifestError(reason, lineNumber, line);
      if (raw.length + 1 > MAX_LINE) throw fail('The AOF manifest file contains too long line');
      if (line === '') throw fail('Invalid AOF manifest file format');
      const bytes = Buffer.from(line, 'latin1');
      const words = splitInlineArgs(bytes, 0, bytes.length)?.map((b) => b.toString('latin1'));
      if (!words || words.length < 6 || words.length % 2 !== 0) throw fail('Invalid AOF manifest file format');
      let name = '';
      let seq = 0;
      let type = '';
      for (let i = 0; i < words.length; i += 2) {
        const key = words[i]!.toLowerCase();
        const value = words[i + 1]!;
        if (key === 'file') {
          name = value;
          if (name.includes('/')) throw fail("File can't be a path, just a filename");
        } else if (key === 'seq') seq = parseInt(value, 10) || 0;
        else if (key === 'type') type = value[0] ?? '';
      }
      if (name === '' || seq === 0 || type === '') throw fail('Invalid AOF manifest file format');
      const file = { name, seq, type } as AofFile;
      if (type === FileType.Base) {
        if (manifest.base !== null) throw fail('Found duplicate base file information');
        manifest.base = file;
        manifest.baseSeq = seq;
      } else if (type === FileType.History) {
        manifest.history.push(file);
      } else if (type === FileType.Incr) {
        if (seq <= maxSeq) throw fail('Found a non-monotonic sequence number');
        manifest.incr.push(file);
        manifest.incrSeq = seq;
        maxSeq = seq;
      } else {
        throw fail('Unknown AOF file type');
      }
    });
    return manifest;
  }
}

/** One manifest line; a name with spaces or unprintable bytes is quoted as Redis's sdscatrepr does. */
function formatLine(file: AofFile): string {
  return `file ${needsQuoting(file.name) ? quote(file.name) : file.name} seq ${file.seq} type ${file.type}\n`;
}

function needsQuoting(name: string): boolean {
  return /[\s"'\\\x00-\x1f\x7f-\xff]/.test(name);
}

function quote(name: string): string {
  let out = '"';
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
