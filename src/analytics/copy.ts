// COPY's text and CSV formats, as PostgreSQL reads and writes them. CopyReader takes the bytes
// of COPY FROM STDIN in whatever pieces they arrive, splits records (a CSV newline inside
// quotes does not end one), converts fields to the columns' types and appends rows to the
// table in batches; an error or an abandoned COPY takes every row it added back out.
// copyLines writes rows for COPY TO STDOUT.

import { StringDecoder } from 'node:string_decoder';
import type { CopyOptions } from './sql/ast.ts';
import { SqlError } from './sql/errors.ts';
import { castValue } from './sql/vectorops.ts';
import type { Table } from './table.ts';
import { isText } from './types.ts';
import type { Value } from './vector.ts';

const BATCH_ROWS = 8192;
/** A NOTICE with the running count goes out every this many rows. */
export const PROGRESS_ROWS = 1_000_000;

/** The text-format escapes after a backslash (others stand for the character itself). */
const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export class CopyReader {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private batch: Value[][] = [];
  private readonly convert: ((text: string) => Value)[];
  private readonly startRows: number;
  private headerLeft: boolean;
  private ended = false;
  private line = 0;
  rows = 0;

  get columns(): number {
    return this.targets.length;
  }

  constructor(
    private readonly table: Table,
    /** Table column of each field, in the order the data has them. */
    private readonly targets: readonly number[],
    private readonly options: CopyOptions,
    private readonly progress: (rows: number) => void,
  ) {
    this.convert = targets.map((t) => {
      const type = table.columns[t]!.def.type;
      return isText(type) ? (text: string) => text : (text: string) => castValue(text, 'unknown', type);
    });
    this.startRows = table.rowCount;
    this.headerLeft = options.header;
  }

  /** Reads one CopyData message's bytes. */
  write(chunk: Buffer): void {
    if (this.ended) return;
    const records = this.split(this.pending + this.decoder.write(chunk));
    // The text after the last record's end waits for the rest of its record.
    this.pending = records.pop()!;
    this.records(records);
  }

  /** CopyDone: the last record may lack its newline. Returns the number of rows copied. */
  finish(): number {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '' && !this.ended) this.records([rest]);
    this.flush();
    return this.rows;
  }

  /** Takes the rows this COPY added back out of the table. */
  abort(): void {
    this.batch = [];
    this.table.shrink(this.startRows);
  }

  /** Records ended by newlines (in CSV, not those inside quotes); the last is what follows the last end. */
  private split(text: string): string[] {
    return this.options.format === 'csv' && text.includes(this.options.quote) ? this.csvRecords(text) : text.split('\n');
  }

  private records(lines: readonly string[]): void {
    const csv = this.options.format === 'csv';
    for (const raw of lines) {
      if (this.ended) return;
      this.line++;
      const record = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (record === '\\.') {
        this.ended = true;
        return;
      }
      if (this.headerLeft) {
        this.headerLeft = false;
        continue;
      }
      const fields = csv ? this.csvFields(record) : this.textFields(record);
      this.add(fields);
    }
  }

  private add(fields: readonly (string | null)[]): void {
    const { targets } = this;
    if (fields.length < targets.length) {
      throw this.error('22P04', `missing data for column "${this.table.columns[targets[fields.length]!]!.def.name}"`);
    }
    if (fields.length > targets.length) throw this.error('22P04', 'extra data after last expected column');
    const row: Value[] = new Array<Value>(this.table.columns.length).fill(null);
    for (let i = 0; i < targets.length; i++) {
      const field = fields[i]!;
      if (field === null) continue;
      try {
        row[targets[i]!] = this.convert[i]!(field);
      } catch (error) {
        if (error instanceof SqlError) throw this.error(error.code, error.message);
        throw error;
      }
    }
    this.batch.push(row);
    if (this.batch.length === BATCH_ROWS) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const before = Math.floor(this.rows / PROGRESS_ROWS);
    try {
      this.table.insert(this.batch);
    } catch (error) {
      if (error instanceof SqlError) throw this.error(error.code, error.message);
      throw error;
    }
    this.rows += this.batch.length;
    this.batch = [];
    if (Math.floor(this.rows / PROGRESS_ROWS) > before) this.progress(this.rows);
  }

  private error(code: string, message: string): SqlError {
    return new SqlError(code, message, undefined, 'ERROR', `COPY ${this.table.name}, line ${this.line}`);
  }

  private textFields(record: string): (string | null)[] {
    const { delimiter, null: nullText } = this.options;
    if (!record.includes('\\')) return withNulls(record.split(delimiter), nullText);
    // Backslashes: split and unescape in one pass (an escaped delimiter is data).
    const fields: (string | null)[] = [];
    let field = '';
    let raw = '';
    for (let i = 0; i <= record.length; i++) {
      const ch = record[i];
      if (ch === undefined || ch === delimiter) {
        fields.push(raw === nullText ? null : field);
        field = raw = '';
        continue;
      }
      if (ch !== '\\') {
        field += ch;
        raw += ch;
        continue;
      }
      const next = record[++i] ?? '';
      raw += `\\${next}`;
      if (next >= '0' && next <= '7') {
        const octal = /^[0-7]{1,3}/.exec(record.slice(i))![0];
        field += String.fromCharCode(parseInt(octal, 8));
        i += octal.length - 1;
      } else if (next === 'x' && /^[0-9a-fA-F]/.test(record[i + 1] ?? '')) {
        const hex = /^[0-9a-fA-F]{1,2}/.exec(record.slice(i + 1))![0];
        field += String.fromCharCode(parseInt(hex, 16));
        i += hex.length;
      } else field += TEXT_ESCAPES[next] ?? next;
    }
    return fields;
  }

  /** One CSV record's fields: quoted ones may hold delimiters, quotes (escaped) and newlines. */
  private csvFields(record: string): (string | null)[] {
    const { delimiter, quote, escape, null: nullText } = this.options;
    if (!record.includes(quote)) return withNulls(record.split(delimiter), nullText);
    const fields: (string | null)[] = [];
    let field = '';
    let quoted = false;
    let inQuotes = false;
    for (let i = 0; i <= record.length; i++) {
      const ch = record[i];
      if (inQuotes) {
        if (ch === undefined) throw this.error('22P04', 'unterminated CSV quoted field');
        if (ch === escape && record[i + 1] === quote) {
          field += quote;
          i++;
        } else if (ch === escape && escape !== quote && record[i + 1] === escape) {
          field += escape;
          i++;
        } else if (ch === quote) inQuotes = false;
        else field += ch;
        continue;
      }
      if (ch === undefined || ch === delimiter) {
        fields.push(!quoted && field === nullText ? null : field);
        field = '';
        quoted = false;
        continue;
      }
      if (ch === quote) {
        inQuotes = true;
        quoted = true;
      } else field += ch;
    }
    return fields;
  }

  /** Splits CSV text into records at newlines outside quotes. */
  private csvRecords(text: string): string[] {
    const records: string[] = [];
    let start = 0;
    let inQuotes = false;
    const { quote, escape } = this.options;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inQuotes && ch === escape && escape !== quote && (text[i + 1] === quote || text[i + 1] === escape)) i++;
      else if (ch === quote) inQuotes = !inQuotes;
      else if (ch === '\n' && !inQuotes) {
        records.push(text.slice(start, i));
        start = i + 1;
      }
    }
    records.push(text.slice(start));
    return records;
  }
}

/** Fields as split, those written as the NULL string made NULL (in place: the array is new). */
function withNulls(fields: (string | null)[], nullText: string): (string | null)[] {
  for (let i = 0; i < fields.length; i++) if (fields[i] === nullText) fields[i] = null;
  return fields;
}

/** COPY TO's lines (each ending in a newline): a header when asked, then one per row. */
export function* copyLines(names: readonly string[], rows: Iterable<readonly (string | null)[]>, options: CopyOptions): Generator<string> {
  const field = options.format === 'csv' ? csvField(options) : textField(options);
  if (options.header) yield `${names.map((name) => field(name)).join(options.delimiter)}\n`;
  for (const row of rows) yield `${row.map(field).join(options.delimiter)}\n`;
}

function textField(options: CopyOptions): (value: string | null) => string {
  const special = new RegExp(`[\\\\\\b\\f\\n\\r\\t\\v${options.delimiter.replace(/[\\\]^-]/g, '\\$&')}]`, 'g');
  const names: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return (value) => (value === null ? options.null : value.replace(special, (ch) => names[ch] ?? `\\${ch}`));
}

function csvField(options: CopyOptions): (value: string | null) => string {
  const { delimiter, quote, escape, null: nullText } = options;
  return (value) => {
    if (value === null) return nullText;
    const needsQuotes = value === nullText || value.includes(delimiter) || value.includes(quote) || value.includes('\n') || value.includes('\r') || value === '\\.';
    if (!needsQuotes) return value;
    let body = '';
    for (const ch of value) body += ch === quote || ch === escape ? `${escape}${ch}` : ch;
    return `${quote}${body}${quote}`;
  };
}
