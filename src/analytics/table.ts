// Columnar in-memory tables. Each column is a list of chunks of at most CHUNK_ROWS values in a
// typed array sized for its type, with a null map allocated only once a NULL arrives. A chunk
// grows by doubling up to CHUNK_ROWS, then a new chunk starts, so appending never copies more
// than one chunk. Text is dictionary-encoded per column (Int32 codes), which keeps equality and
// grouping on integers.

import { SqlError } from './sql/errors.ts';
import { isNumberBacked, type SqlType } from './types.ts';
import type { NumArray, Value, Vector } from './vector.ts';

export const CHUNK_ROWS = 1 << 16;
const FIRST_CAPACITY = 16;

export interface ColumnDef {
  readonly name: string;
  readonly type: SqlType;
  readonly notNull: boolean;
}

type Storage = NumArray | string[];

function allocate(type: SqlType, capacity: number): Storage {
  switch (type) {
    case 'bool':
      return new Uint8Array(capacity);
    case 'int2':
      return new Int16Array(capacity);
    case 'int4':
    case 'date':
    case 'text':
    case 'varchar':
      return new Int32Array(capacity);
    case 'float4':
      return new Float32Array(capacity);
    case 'numeric':
      return new Array<string>(capacity);
    default:
      return new Float64Array(capacity);
  }
}

class Chunk {
  length = 0;
  nulls: Uint8Array | null = null;
  /** Bounds of the non-NULL numbers written (a zone map); NaN once a NaN arrives (no pruning). */
  min = Infinity;
  max = -Infinity;
  constructor(public data: Storage) {}
}

/** Text values to codes and back; codes are never reused, so vectors handed out stay valid. */
class Dictionary {
  readonly strings: string[] = [];
  private readonly codes = new Map<string, number>();

  code(text: string): number {
    let code = this.codes.get(text);
    if (code === undefined) {
      code = this.strings.length;
      this.strings.push(text);
      this.codes.set(text, code);
    }
    return code;
  }
}

export class Column {
  readonly chunks: Chunk[] = [];
  readonly dict: Dictionary | null;

  constructor(readonly def: ColumnDef) {
    this.dict = def.type === 'text' || def.type === 'varchar' ? new Dictionary() : null;
  }

  append(value: Value): void {
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.length === CHUNK_ROWS) {
      chunk = new Chunk(allocate(this.def.type, FIRST_CAPACITY));
      this.chunks.push(chunk);
    }
    if (chunk.length === chunk.data.length) this.grow(chunk);
    this.write(chunk, chunk.length, value);
    chunk.length++;
  }

  shrink(rows: number): void {
    const chunks = Math.ceil(rows / CHUNK_ROWS);
    this.chunks.length = chunks;
    if (chunks > 0) this.chunks[chunks - 1]!.length = rows - (chunks - 1) * CHUNK_ROWS;
  }

  set(row: number, value: Value): void {
    this.write(this.chunks[Math.floor(row / CHUNK_ROWS)]!, row % CHUNK_ROWS, value);
  }

  get(row: number): Value {
    const chunk = this.chunks[Math.floor(row / CHUNK_ROWS)]!;
    const at = row % CHUNK_ROWS;
    if (chunk.nulls !== null && chunk.nulls[at] === 1) return null;
    const value = chunk.data[at]!;
    return this.dict !== null ? this.dict.strings[value as number]! : value;
  }

  /**
   * Bounds of the chunk's non-NULL values for number-backed columns: null when it has none,
   * undefined when unknown (other types, or a NaN). Updates only widen them.
   */
  range(index: number): [number, number] | null | undefined {
    if (!isNumberBacked(this.def.type) || this.dict !== null) return undefined;
    const chunk = this.chunks[index]!;
    if (Number.isNaN(chunk.min)) return undefined;
    return chunk.min > chunk.max ? null : [chunk.min, chunk.max];
  }

  /** The chunk as a vector (a view, valid until the next write to the table). */
  vector(index: number): Vector {
    const chunk = this.chunks[index]!;
    const n = chunk.length;
    const data = Array.isArray(chunk.data) ? chunk.data.slice(0, n) : (chunk.data as NumArray).subarray(0, n);
    return { type: this.def.type, length: n, data, nulls: chunk.nulls?.subarray(0, n) ?? null, dict: this.dict?.strings ?? null };
  }

  private grow(chunk: Chunk): void {
    const capacity = Math.min(CHUNK_ROWS, chunk.data.length * 2);
    const data = allocate(this.def.type, capacity);
    if (Array.isArray(data)) (chunk.data as string[]).forEach((v, i) => (data[i] = v));
    else data.set(chunk.data as NumArray);
    chunk.data = data;
    if (chunk.nulls !== null) {
      const nulls = new Uint8Array(capacity);
      nulls.set(chunk.nulls);
      chunk.nulls = nulls;
    }
  }

  private write(chunk: Chunk, at: number, value: Value): void {
    if (value === null) {
      chunk.nulls ??= new Uint8Array(chunk.data.length);
      chunk.nulls[at] = 1;
      return;
    }
    if (chunk.nulls !== null) chunk.nulls[at] = 0;
    if (this.dict !== null) (chunk.data as Int32Array)[at] = this.dict.code(value as string);
    else if (isNumberBacked(this.def.type)) {
      const data = chunk.data as NumArray;
      data[at] = value as number;
      // The stored value (a real column rounds to float32) is what later comparisons see.
      const number = data[at]!;
      if (Number.isNaN(number)) chunk.min = chunk.max = NaN;
      else if (!Number.isNaN(chunk.min)) {
        if (number < chunk.min) chunk.min = number;
        if (number > chunk.max) chunk.max = number;
      }
    }
    else (chunk.data as string[])[at] = value as string;
  }
}

export class Table {
  readonly columns: Column[];
  private rows = 0;
  /** Primary-key values of every row (one column's value, or several joined as text), when the table has a primary key. */
  private keys: Set<Value> | null;
  /** Columns declared NOT NULL, checked on every write. */
  private readonly notNull: number[];

  constructor(
    readonly name: string,
    defs: readonly ColumnDef[],
    /** Column indexes of the primary key, empty for none. */
    readonly primaryKey: readonly number[],
  ) {
    this.columns = defs.map((def) => new Column(def));
    this.keys = primaryKey.length > 0 ? new Set() : null;
    this.notNull = defs.flatMap((def, i) => (def.notNull ? [i] : []));
  }

  get rowCount(): number {
    return this.rows;
  }

  get chunkCount(): number {
    return this.columns[0]?.chunks.length ?? 0;
  }

  columnIndex(name: string): number {
    return this.columns.findIndex((c) => c.def.name === name);
  }

  /** Checks constraints of a whole batch of rows first, so a failing INSERT adds none. */
  insert(rows: readonly (readonly Value[])[]): void {
    const keys = this.keys;
    let checked = 0;
    try {
      for (; checked < rows.length; checked++) {
        const row = rows[checked]!;
        this.checkNotNull(row);
        if (keys !== null) {
          const key = this.keyOf(row);
          if (keys.has(key)) throw this.duplicate();
          keys.add(key);
        }
      }
    } catch (error) {
      // Keys are added as rows are checked: take back those of the rows before the failing one.
      if (keys !== null) for (let r = 0; r < checked; r++) keys.delete(this.keyOf(rows[r]!));
      throw error;
    }
    // Column by column: each loop writes one typed array.
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c]!;
      for (let r = 0; r < rows.length; r++) column.append(rows[r]![c]!);
    }
    this.rows += rows.length;
  }

  row(index: number): Value[] {
    return this.columns.map((c) => c.get(index));
  }

  /** Replaces whole rows (UPDATE), checking constraints over the table as it will be. */
  update(changes: ReadonlyMap<number, readonly Value[]>): void {
    for (const row of changes.values()) this.checkNotNull(row);
    if (this.keys !== null) {
      const keys = new Set<Value>();
      for (let r = 0; r < this.rows; r++) {
        const row = changes.get(r) ?? this.row(r);
        const key = this.keyOf(row);
        if (keys.has(key)) throw this.duplicate();
        keys.add(key);
      }
      this.keys = keys;
    }
    for (const [r, row] of changes) for (let c = 0; c < this.columns.length; c++) this.columns[c]!.set(r, row[c]!);
  }

  /** Keeps only the rows where keep[row] is 1 (DELETE rebuilds the columns, compacting them). */
  retain(keep: Uint8Array): void {
    const kept: Value[][] = [];
    for (let r = 0; r < this.rows; r++) if (keep[r] === 1) kept.push(this.row(r));
    this.truncate();
    this.insert(kept);
  }

  /** Keeps the first `rows` rows (an abandoned COPY); zone maps stay as wide as they were. */
  shrink(rows: number): void {
    if (rows >= this.rows) return;
    for (const column of this.columns) column.shrink(rows);
    this.rows = rows;
    if (this.keys !== null) {
      this.keys = new Set();
      for (let r = 0; r < rows; r++) this.keys.add(this.keyOf(this.row(r)));
    }
  }

  truncate(): void {
    for (let c = 0; c < this.columns.length; c++) this.columns[c] = new Column(this.columns[c]!.def);
    this.rows = 0;
    if (this.keys !== null) this.keys = new Set();
  }

  addColumn(def: ColumnDef): void {
    if (def.notNull) this.notNull.push(this.columns.length);
    const column = new Column(def);
    for (let r = 0; r < this.rows; r++) column.append(null);
    this.columns.push(column);
  }

  private checkNotNull(row: readonly Value[]): void {
    for (const c of this.notNull) {
      if (row[c] === null) {
        throw new SqlError('23502', `null value in column "${this.columns[c]!.def.name}" of relation "${this.name}" violates not-null constraint`);
      }
    }
  }

  private keyOf(row: readonly Value[]): Value {
    if (this.primaryKey.length === 1) return row[this.primaryKey[0]!]!;
    return this.primaryKey.map((c) => String(row[c])).join('\u0000');
  }

  private duplicate(): SqlError {
    return new SqlError('23505', `duplicate key value violates unique constraint "${this.name}_pkey"`);
  }
}

/** A table whose rows live elsewhere (Redis keys): read afresh by each statement that names it. */
export interface ForeignTable {
  readonly name: string;
  /** A new table holding the source's rows as they are now. */
  load(): Table;
}

export class Catalog {
  private readonly tables = new Map<string, Table>();
  private readonly foreign = new Map<string, ForeignTable>();
  /** The current statement's reads of foreign tables, so one statement sees one state. */
  private readonly snapshots = new Map<string, Table>();

  /** A statement starts: foreign tables are read again when it names them. */
  beginStatement(): void {
    this.snapshots.clear();
  }

  get(name: string): Table | undefined {
    return this.tables.get(name) ?? this.snapshot(name);
  }

  has(name: string): boolean {
    return this.tables.has(name) || this.foreign.has(name);
  }

  /** A table to change: foreign tables are read-only views. */
  require(name: string): Table {
    if (this.foreign.has(name)) throw new SqlError('42809', `cannot change foreign table "${name}"`);
    const table = this.tables.get(name);
    if (table === undefined) throw new SqlError('42P01', `relation "${name}" does not exist`);
    return table;
  }

  add(table: Table): void {
    this.tables.set(table.name, table);
  }

  addForeign(table: ForeignTable): void {
    this.foreign.set(table.name, table);
  }

  drop(name: string): boolean {
    return this.tables.delete(name) || this.foreign.delete(name);
  }

  names(): string[] {
    return [...this.tables.keys(), ...this.foreign.keys()].sort();
  }

  private snapshot(name: string): Table | undefined {
    const cached = this.snapshots.get(name);
    if (cached !== undefined) return cached;
    const source = this.foreign.get(name);
    if (source === undefined) return undefined;
    const table = source.load();
    this.snapshots.set(name, table);
    return table;
  }
}
