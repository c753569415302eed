// A minimal pipelining client for what redis-benchmark cannot do: probe a command once, and
// write an exact number of keys fast. Keys are named as redis-benchmark names them
// ("key:" and 12 digits), so that its later GET/SET runs with -r hit the loaded keys.

import net from 'node:net';
import type { BenchServer } from './servers.ts';

export const VALUE_BYTES = 10;
const KEY_DIGITS = 12;
const VALUE_DIGITS = VALUE_BYTES - 1;
const SETS_PER_WRITE = 10_000;
/** Unanswered SETs allowed before the loader waits, bounding both servers' output buffers. */
const WINDOW = 4 * SETS_PER_WRITE;

/** Counts replies that are one line each (+OK, -ERR ...) and keeps the first error. */
class LineReplyCounter {
  count = 0;
  error: string | null = null;
  private line: number[] | null = null;
  private atLineStart = true;
  private waiter: { target: number; resolve: () => void } | null = null;

  feed(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      const startsError = this.atLineStart && byte === 0x2d /* - */ && this.error === null;
      this.atLineStart = byte === 0x0a;
      if (startsError) this.line = [];
      else if (this.line !== null && byte !== 0x0d && byte !== 0x0a) this.line.push(byte);
      if (byte === 0x0a) {
        if (this.line !== null) this.error = Buffer.from(this.line).toString();
        this.line = null;
        this.count++;
      }
    }
    if (this.waiter && (this.count >= this.waiter.target || this.error !== null)) {
      this.waiter.resolve();
      this.waiter = null;
    }
  }

  /** The connection ended: nothing more will come, so whoever waits must stop waiting. */
  close(): void {
    this.error ??= 'a closed connection';
    this.waiter?.resolve();
    this.waiter = null;
  }

  until(target: number): Promise<void> {
    if (this.count >= target || this.error !== null) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { target, resolve }));
  }
}

function connect(server: BenchServer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `value` as exactly `digits` decimal digits at `at`. */
function writeDigits(buf: Buffer, at: number, digits: number, value: number): void {
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
}

const SET_HEAD = `*3\r\n$3\r\nSET\r\n$${4 + KEY_DIGITS}\r\nkey:`;
const SET_MIDDLE = `\r\n$${VALUE_BYTES}\r\nv`;
const SET_BYTES = SET_HEAD.length + KEY_DIGITS + SET_MIDDLE.length + VALUE_DIGITS + 2;

/** SET key:<i> v<i> for i in [first, first + n), as one buffer of RESP commands. */
export function encodeSets(first: number, n: number): Buffer {
  const buf = Buffer.allocUnsafe(n * SET_BYTES);
  for (let k = 0; k < n; k++) {
    let at = k * SET_BYTES;
    at += buf.write(SET_HEAD, at, 'latin1');
    writeDigits(buf, at, KEY_DIGITS, first + k);
    at += KEY_DIGITS;
    at += buf.write(SET_MIDDLE, at, 'latin1');
    writeDigits(buf, at, VALUE_DIGITS, (first + k) % 10 ** VALUE_DIGITS);
    at += VALUE_DIGITS;
    buf.write('\r\n', at, 'latin1');
  }
  return buf;
}

/** Sets `count` keys (key:000000000000 upwards) to 10-byte values, pipelined. */
export async function loadKeys(server: BenchServer, count: number): Promise<void> {
  const socket = await connect(server);
  const replies = new LineReplyCounter();
  socket.on('data', (chunk: Buffer) => replies.feed(chunk));
  socket.on('close', () => replies.close());
  try {
    for (let first = 0; first < count && replies.error === null; first += SETS_PER_WRITE) {
      const n = Math.min(SETS_PER_WRITE, count - first);
      socket.write(encodeSets(first, n));
      await replies.until(first + n - WINDOW);
    }
    await replies.until(count);
    if (replies.error !== null) throw new Error(`${server.name} answered SET with ${replies.error}`);
  } finally {
    socket.destroy();
  }
}

/** Sends one command and answers the first line of the reply (errors start with "-"). */
export async function probe(server: BenchServer, args: readonly string[]): Promise<string> {
  const command = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
  const socket = await connect(server);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n');
        if (end >= 0) resolve(text.slice(0, end));
      });
      socket.once('close', () => reject(new Error(`${server.name} closed the connection on ${args[0]}`)));
      socket.write(`*${args.length}\r\n${command}`);
    });
  } finally {
    socket.destroy();
  }
}
