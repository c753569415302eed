// Raw protocol access for tests that compare bytes: a streaming reader that knows where one
// RESP2/RESP3 reply ends, and a socket that sends exact bytes and reads whole replies back.

import net from 'node:net';

const INCOMPLETE = -1;

/**
 * Where the reply starting at `pos` ends (the index after it), or INCOMPLETE when more bytes
 * are needed. Aggregates (arrays, sets, pushes, maps, attributes) are followed recursively.
 */
export function replyEnd(data: Buffer, pos: number): number {
  if (pos >= data.length) return INCOMPLETE;
  const type = data[pos]!;
  const lineEnd = data.indexOf('\r\n', pos + 1);
  if (lineEnd < 0) return INCOMPLETE;
  const after = lineEnd + 2;
  switch (type) {
    case 0x2b: // + simple string
    case 0x2d: // - error
    case 0x3a: // : integer
    case 0x5f: // _ null
    case 0x2c: // , double
    case 0x23: // # boolean
    case 0x28: // ( big number
      return after;
    case 0x24: // $ bulk string
    case 0x3d: // = verbatim string
    case 0x21: {
      // ! bulk error
      const len = lineNumber(data, pos, lineEnd);
      if (len < 0) return after;
      return after + len + 2 <= data.length ? after + len + 2 : INCOMPLETE;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x25: // % map
    case 0x7c: {
      // | attribute, which precedes the reply it annotates
      let count = lineNumber(data, pos, lineEnd);
      if (count < 0) return after;
      if (type === 0x25 || type === 0x7c) count *= 2;
      let at = after;
      for (let i = 0; i < count; i++) {
        at = replyEnd(data, at);
        if (at === INCOMPLETE) return INCOMPLETE;
      }
      return type === 0x7c ? replyEnd(data, at) : at;
    }
    default:
      throw new Error(`not a RESP reply: ${escapeBytes(data.subarray(pos, Math.min(data.length, pos + 40)))}`);
  }
}

function lineNumber(data: Buffer, pos: number, lineEnd: number): number {
  const text = data.toString('latin1', pos + 1, lineEnd);
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`bad length ${JSON.stringify(text)} in reply`);
  return n;
}

/** Reassembles replies from a byte stream cut anywhere. */
export class ReplyReader {
  private data: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
  }

  /** The bytes of the next complete reply, or null until it has fully arrived. */
  next(): Buffer | null {
    const end = replyEnd(this.data, 0);
    if (end === INCOMPLETE) return null;
    const reply = this.data.subarray(0, end);
    this.data = this.data.subarray(end);
    return reply;
  }

  /** Whether a whole reply has arrived and waits to be read. */
  get complete(): boolean {
    return replyEnd(this.data, 0) !== INCOMPLETE;
  }

  /** Bytes received that do not yet form a reply. */
  get pending(): Buffer {
    return this.data;
  }
}

/** Printable form of protocol bytes for failure messages: CR LF and non-ASCII escaped. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x5c) out += '\\\\';
    else if (b < 0x20 || b > 0x7e) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** A command as a RESP multibulk request. */
export function encodeCommand(args: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : Buffer.from(arg.buffer, arg.byteOffset, arg.length);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** What came back before the server closed the connection (or the wait ran out). */
export interface Drained {
  data: Buffer;
  closed: boolean;
}

/** A socket speaking raw bytes to a server, for tests that must see exactly what it sends. */
export class WireConnection {
  private readonly reader = new ReplyReader();
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new WireConnection(socket));
      });
    });
  }

  /** Whether a whole reply has arrived and waits to be read. */
  get hasReply(): boolean {
    return this.reader.complete;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Sends a command as a multibulk and returns the bytes of its one reply, or null if the connection closed. */
  command(args: readonly (string | Uint8Array)[], timeoutMs = 2000): Promise<Buffer | null> {
    this.send(encodeCommand(args));
    return this.reply(timeoutMs);
  }

  /** The next complete reply, or null if the connection closed first. */
  async reply(timeoutMs = 2000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.reader.next();
      if (reply !== null) return reply;
      if (this.closed) return null;
      if (!(await this.waitForData(deadline))) {
        throw new Error(`no complete reply within ${timeoutMs} ms (have ${escapeBytes(this.reader.pending)})`);
      }
    }
  }

  /** Every reply that arrives until none has come for `quietMs` (or the connection closed). */
  async repliesUntilQuiet(quietMs: number): Promise<Buffer[]> {
    const replies: Buffer[] = [];
    for (;;) {
      const reply = this.reader.next();
      if (reply !== null) replies.push(reply);
      else if (this.closed || !(await this.waitForData(Date.now() + quietMs))) return replies;
    }
  }

  /** Everything the server sends until it closes the connection or `timeoutMs` passes. */
  async drain(timeoutMs = 1000): Promise<Drained> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && (await this.waitForData(deadline)));
    const parts: Buffer[] = [];
    for (let reply = this.reader.next(); reply !== null; reply = this.reader.next()) parts.push(reply);
    parts.push(this.reader.pending);
    return { data: Buffer.concat(parts), closed: this.closed };
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves true when something arrived (or the socket closed), false at the deadline. */
  private waitForData(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, left);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
