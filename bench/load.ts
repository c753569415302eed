// A minimal pipelining client for what redis-benchmark cannot do: probe a command once, and
// write an exact data set fast (string keys, hash fields, sorted-set members, a list). String
// keys are named as redis-benchmark names them ("key:" and 12 digits), so that its later
// GET/SET runs with -r hit the loaded keys.

import net from 'node:net';
import type { BenchServer } from './servers.ts';

export const VALUE_BYTES = 10;
const KEY_DIGITS = 12;
const VALUE_DIGITS = VALUE_BYTES - 1;
/** Redis keeps a hash of up to 128 fields in its compact listpack encoding. */
export const FIELDS_PER_HASH = 100;
export const ZADD_PAIRS = 1000;
/** Unanswered writes allowed before the loader waits, bounding both servers' output buffers. */
const WINDOW_WRITES = 4;

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

export interface Load {
  /** Names the command in errors. */
  command: string;
  /** Commands in all. */
  count: number;
  perWrite: number;
  /** Lines each reply takes: 1 (+OK, :n) unless set; 2 for a bulk string (XADD's ID). */
  linesPerReply?: number;
  /** Commands first .. first + n - 1 as one buffer of RESP. */
  encode(first: number, n: number): Buffer;
}

/** Sends a load's commands pipelined; each must answer with linesPerReply lines, none with an error. */
export async function pipeline(server: BenchServer, load: Load): Promise<void> {
  const lines = load.linesPerReply ?? 1;
  const socket = await connect(server);
  const replies = new LineReplyCounter();
  socket.on('data', (chunk: Buffer) => replies.feed(chunk));
  socket.on('close', () => replies.close());
  try {
    for (let first = 0; first < load.count && replies.error === null; first += load.perWrite) {
      const n = Math.min(load.perWrite, load.count - first);
      socket.write(load.encode(first, n));
      await replies.until(lines * (first + n - WINDOW_WRITES * load.perWrite));
    }
    await replies.until(lines * load.count);
    if (replies.error !== null) throw new Error(`${server.name} answered ${load.command} with ${replies.error}`);
  } finally {
    socket.destroy();
  }
}

/** Sets `count` keys (key:000000000000 upwards) to 10-byte values. */
export function loadKeys(server: BenchServer, count: number): Promise<void> {
  return pipeline(server, { command: 'SET', count, perWrite: 10_000, encode: encodeSets });
}

export function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

const padded = (value: number, digits: number) => String(value).padStart(digits, '0');

/** A load whose command `i` has the arguments `argsOf(i)`. */
export function argsLoad(command: string, count: number, perWrite: number, argsOf: (i: number) => string[]): Load {
  return {
    command,
    count,
    perWrite,
    encode: (first, n) => {
      let text = '';
      for (let i = first; i < first + n; i++) text += encodeCommand(argsOf(i));
      return Buffer.from(text, 'latin1');
    },
  };
}

/**
 * HSETs of `fields` fields in all, FIELDS_PER_HASH to a hash (hash:<12 digits>), one command
 * per hash; fields are field:<3 digits> with 10-byte values.
 */
export function hashFieldsLoad(fields: number): Load {
  return argsLoad('HSET', Math.ceil(fields / FIELDS_PER_HASH), 100, (hash) => {
    const args = ['HSET', `hash:${padded(hash, KEY_DIGITS)}`];
    const end = Math.min(fields, (hash + 1) * FIELDS_PER_HASH);
    for (let field = hash * FIELDS_PER_HASH; field < end; field++) {
      args.push(`field:${padded(field % FIELDS_PER_HASH, 3)}`, `v${padded(field % 10 ** VALUE_DIGITS, VALUE_DIGITS)}`);
    }
    return args;
  });
}

export const ZSET_KEY = 'bench:zset';

/**
 * ZADDs of `members` members in all to one sorted set, ZADD_PAIRS to a command. Members are
 * element:<12 digits> as redis-benchmark's ZADD names them; scores are distinct integers in a
 * scrambled order, so that members do not all arrive at the end of the order.
 */
export function sortedSetLoad(members: number): Load {
  return argsLoad('ZADD', Math.ceil(members / ZADD_PAIRS), 10, (command) => {
    const args = ['ZADD', ZSET_KEY];
    const end = Math.min(members, (command + 1) * ZADD_PAIRS);
    // Multiplying by an odd constant permutes the 32-bit integers: no two scores are equal.
    for (let m = command * ZADD_PAIRS; m < end; m++) args.push(String(Math.imul(m, 0x9e3779b1) >>> 0), `element:${padded(m, KEY_DIGITS)}`);
    return args;
  });
}

export const STREAM_KEY = 'bench:stream';

/** XADDs `entries` entries (IDs 1-0, 2-0, ...) of two fields with 10-byte values to one stream. */
export function streamLoad(entries: number, key = STREAM_KEY): Load {
  const load = argsLoad('XADD', entries, 1000, (i) => [
    'XADD',
    key,
    `${i + 1}-0`,
    'f1',
    `v${padded(i % 10 ** VALUE_DIGITS, VALUE_DIGITS)}`,
    'f2',
    `w${padded(i % 10 ** VALUE_DIGITS, VALUE_DIGITS)}`,
  ]);
  return { ...load, linesPerReply: 2 };
}

/** HLL keys of the PFCOUNT test, and how many distinct elements each holds (dense at this size). */
/**
 * XREADGROUP COUNT 1 ... > `entries` times: delivers a streamLoad's first entries, one at a
 * time, to `consumer` of `group` (which must exist), so that they are pending.
 */
export function deliverLoad(key: string, group: string, consumer: string, entries: number): Load {
  const load = argsLoad('XREADGROUP', entries, 1000, () => ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', '1', 'STREAMS', key, '>']);
  // One entry of two pairs: stream, key, entry, ID, and four bulk strings, with their headers.
  return { ...load, linesPerReply: 17 };
}

export const HLL_KEYS = Array.from({ length: 10 }, (_, k) => `bench:hll:${k}`);
const HLL_ELEMENTS = 10_000;
const HLL_PER_COMMAND = 1000;

/** PFADDs of HLL_ELEMENTS elements to each of HLL_KEYS, the keys' elements overlapping by half. */
export function hllLoad(): Load {
  const perKey = HLL_ELEMENTS / HLL_PER_COMMAND;
  return argsLoad('PFADD', HLL_KEYS.length * perKey, 10, (command) => {
    const key = Math.floor(command / perKey);
    const first = key * (HLL_ELEMENTS / 2) + (command % perKey) * HLL_PER_COMMAND;
    return ['PFADD', HLL_KEYS[key]!, ...Array.from({ length: HLL_PER_COMMAND }, (_, i) => `element:${padded(first + i, KEY_DIGITS)}`)];
  });
}

export const GEO_KEY = 'bench:geo';
const GEO_PER_COMMAND = 1000;

/**
 * GEOADDs of `members` members to GEO_KEY, GEO_PER_COMMAND to a command, spread evenly (by a
 * scrambling of their numbers) over longitudes 0..10 and latitudes 40..50.
 */
export function geoLoad(members: number): Load {
  return argsLoad('GEOADD', Math.ceil(members / GEO_PER_COMMAND), 10, (command) => {
    const args = ['GEOADD', GEO_KEY];
    const end = Math.min(members, (command + 1) * GEO_PER_COMMAND);
    for (let m = command * GEO_PER_COMMAND; m < end; m++) {
      const longitude = ((Math.imul(m, 0x9e3779b1) >>> 0) / 2 ** 32) * 10;
      const latitude = 40 + ((Math.imul(m, 0x85ebca6b) >>> 0) / 2 ** 32) * 10;
      args.push(longitude.toFixed(6), latitude.toFixed(6), `member:${padded(m, KEY_DIGITS)}`);
    }
    return args;
  });
}

const LIST_PUSH = 1000;

/** RPUSHes `length` copies of `element` to `key`, LIST_PUSH to a command. */
export function listLoad(key: string, length: number, element: string): Load {
  return argsLoad('RPUSH', Math.ceil(length / LIST_PUSH), 10, (command) => [
    'RPUSH',
    key,
    ...Array<string>(Math.min(LIST_PUSH, length - command * LIST_PUSH)).fill(element),
  ]);
}

/** Sends one command and answers the first line of the reply (errors start with "-"). */
export async function probe(server: BenchServer, args: readonly string[]): Promise<string> {
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
      socket.write(encodeCommand(args));
    });
  } finally {
    socket.destroy();
  }
}
