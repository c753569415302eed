// PostgreSQL frontend/backend protocol 3.0: splitting the client's byte stream into messages
// and encoding the server's replies. No engine or server imports.

export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 196608;

export interface StartupMessage {
  readonly code: number;
  readonly body: Buffer;
}

export interface Message {
  readonly type: string;
  readonly body: Buffer;
}

/** Accumulates bytes and yields complete messages (the first one has no type byte). */
export class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  started = false;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The startup packet, or null until it is complete. */
  startup(): StartupMessage | null {
    if (this.buffer.length < 8) return null;
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > 10_000) throw new Error('invalid startup packet length');
    if (this.buffer.length < length) return null;
    const message = { code: this.buffer.readInt32BE(4), body: this.buffer.subarray(8, length) };
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  next(): Message | null {
    if (this.buffer.length < 5) return null;
    const length = this.buffer.readInt32BE(1);
    if (length < 4) throw new Error('invalid message length');
    if (this.buffer.length < length + 1) return null;
    const message = { type: String.fromCharCode(this.buffer[0]!), body: this.buffer.subarray(5, length + 1) };
    this.buffer = this.buffer.subarray(length + 1);
    return message;
  }
}

/** Reads the fields of one message body in order. */
export class BodyReader {
  private at = 0;
  constructor(private readonly body: Buffer) {}

  string(): string {
    const end = this.body.indexOf(0, this.at);
    if (end < 0) throw new Error('unterminated string in message');
    const text = this.body.toString('utf8', this.at, end);
    this.at = end + 1;
    return text;
  }
  int16(): number {
    const value = this.body.readInt16BE(this.at);
    this.at += 2;
    return value;
  }
  int32(): number {
    const value = this.body.readInt32BE(this.at);
    this.at += 4;
    return value;
  }
  bytes(n: number): Buffer {
    const value = this.body.subarray(this.at, this.at + n);
    this.at += n;
    return value;
  }
  get done(): boolean {
    return this.at >= this.body.length;
  }
}

/** Builds the server's messages into one growing buffer, sent once per batch of input. */
export class MessageWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private message(type: string, body: Buffer): void {
    const header = Buffer.allocUnsafe(5);
    header[0] = type.charCodeAt(0);
    header.writeInt32BE(body.length + 4, 1);
    this.chunks.push(header, body);
    this.size += body.length + 5;
  }

  raw(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  take(): Buffer | null {
    if (this.size === 0) return null;
    const out = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }

  authentication(code: number): void {
    this.message('R', int32(code));
  }
  parameterStatus(name: string, value: string): void {
    this.message('S', Buffer.concat([cstring(name), cstring(value)]));
  }
  backendKeyData(pid: number, secret: number): void {
    this.message('K', Buffer.concat([int32(pid), int32(secret)]));
  }
  readyForQuery(status: 'I' | 'T' | 'E'): void {
    this.message('Z', Buffer.from(status));
  }
  rowDescription(columns: readonly { name: string; oid: number; size: number }[]): void {
    const parts: Buffer[] = [int16(columns.length)];
    for (const column of columns) {
      const field = Buffer.alloc(18);
      field.writeInt32BE(0, 0); // table oid
      field.writeInt16BE(0, 4); // column number
      field.writeInt32BE(column.oid, 6);
      field.writeInt16BE(column.size, 10);
      field.writeInt32BE(-1, 12); // type modifier
      field.writeInt16BE(0, 16); // text format
      parts.push(cstring(column.name), field);
    }
    this.message('T', Buffer.concat(parts));
  }
  dataRow(values: readonly (string | null)[]): void {
    const parts: Buffer[] = [int16(values.length)];
    for (const value of values) {
      if (value === null) parts.push(int32(-1));
      else {
        const bytes = Buffer.from(value, 'utf8');
        parts.push(int32(bytes.length), bytes);
      }
    }
    this.message('D', Buffer.concat(parts));
  }
  commandComplete(tag: string): void {
    this.message('C', cstring(tag));
  }
  emptyQuery(): void {
    this.message('I', Buffer.alloc(0));
  }
  error(fields: { severity: string; code: string; message: string; position?: number | undefined; where?: string | undefined }): void {
    const parts = [
      Buffer.from('S'), cstring(fields.severity),
      Buffer.from('V'), cstring(fields.severity),
      Buffer.from('C'), cstring(fields.code),
      Buffer.from('M'), cstring(fields.message),
    ];
    if (fields.position !== undefined) parts.push(Buffer.from('P'), cstring(String(fields.position)));
    if (fields.where !== undefined) parts.push(Buffer.from('W'), cstring(fields.where));
    parts.push(Buffer.from([0]));
    this.message('E', Buffer.concat(parts));
  }
  notice(message: string): void {
    this.message('N', Buffer.concat([Buffer.from('S'), cstring('NOTICE'), Buffer.from('V'), cstring('NOTICE'), Buffer.from('C'), cstring('00000'), Buffer.from('M'), cstring(message), Buffer.from([0])]));
  }
  /** CopyInResponse ('G') or CopyOutResponse ('H'): text format for every column. */
  copyResponse(direction: 'in' | 'out', columns: number): void {
    const body = Buffer.alloc(3 + 2 * columns);
    body.writeInt16BE(columns, 1);
    this.message(direction === 'in' ? 'G' : 'H', body);
  }
  copyData(text: string): void {
    this.message('d', Buffer.from(text, 'utf8'));
  }
  copyDone(): void {
    this.message('c', Buffer.alloc(0));
  }
  parseComplete(): void {
    this.message('1', Buffer.alloc(0));
  }
  bindComplete(): void {
    this.message('2', Buffer.alloc(0));
  }
  closeComplete(): void {
    this.message('3', Buffer.alloc(0));
  }
  noData(): void {
    this.message('n', Buffer.alloc(0));
  }
  portalSuspended(): void {
    this.message('s', Buffer.alloc(0));
  }
  parameterDescription(oids: readonly number[]): void {
    this.message('t', Buffer.concat([int16(oids.length), ...oids.map(int32)]));
  }
}

function int16(value: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(value);
  return b;
}
function int32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(value);
  return b;
}
function cstring(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}
